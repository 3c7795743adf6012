// A policy plugin: it answers some requests itself, so the broker never acts on them. This one
// refuses CreateTopics for topic names outside the configured patterns, answering
// POLICY_VIOLATION (44) the way a broker's create.topic.policy would. Every other request passes.
//
// Configuration: { "allowed_topics": ["orders.*", "payments.*"] }   (`*` matches any run of characters)
// plus the settings every Kafka plugin shares (max_frame_bytes, on_malformed, …).
export * from "kafka-proxy-wasm/assembly/exports"; // the callbacks Envoy calls
import {
  RootContext, ConnectionContext, registerRootContext, Counter, logError, logInfo, logWarn,
  KafkaConnection, KafkaRequest, StreamConfig, parseJson, readStreamConfig, JsonKind, checkDecoded, Writer,
  CreateTopicsRequest, CreateTopicsResponse, CreateTopicsResponse_CreatableTopicResult,
} from "kafka-proxy-wasm";

const CREATE_TOPICS: i16 = 19;
const POLICY_VIOLATION: i16 = 44;

/** `name` matches `pattern`, where `*` stands for any run of characters (none included). */
export function globMatch(pattern: string, name: string): bool {
  let p = 0, n = 0, star = -1, mark = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern.charCodeAt(p) == 42) { star = p++; mark = n; }
    else if (p < pattern.length && pattern.charCodeAt(p) == name.charCodeAt(n)) { p++; n++; }
    else if (star >= 0) { p = star + 1; n = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) == 42) p++;
  return p == pattern.length;
}

class Root extends RootContext {
  readonly stream: StreamConfig = new StreamConfig();
  allowed: string[] = [];
  refused: Counter | null = null;

  onConfigure(size: u32): bool {
    const errors = new Array<string>();
    const doc = parseJson(String.UTF8.decode(this.pluginConfiguration(size)), errors);
    if (doc == null) { logError("{{name}}: configuration is not JSON: " + errors[0]); return false; }
    const problem = readStreamConfig(doc, this.stream);
    if (problem.length > 0) { logError("{{name}}: configuration: " + problem); return false; }
    const list = doc.get("allowed_topics");
    if (list == null || list.kind != JsonKind.Array) { logError("{{name}}: configuration: allowed_topics must be a list of patterns"); return false; }
    const items = list.items;
    for (let i = 0; i < items.length; i++) {
      if (items[i].kind != JsonKind.String) { logError("{{name}}: configuration: allowed_topics[" + i.toString() + "] must be a string"); return false; }
      this.allowed.push(items[i].str);
    }
    this.refused = new Counter("{{metric}}.refused_topics");
    logInfo("{{name}}: topics must match one of " + this.allowed.join(", "));
    return true;
  }

  allows(topic: string): bool {
    for (let i = 0; i < this.allowed.length; i++) if (globMatch(this.allowed[i], topic)) return true;
    return false;
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new Connection(id, this); }
}

class Connection extends KafkaConnection {
  constructor(id: u32, readonly plugin: Root) { super(id, plugin, plugin.stream); }

  // Only CreateTopics bodies are read; every other frame passes on as it arrives.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return apiKey == CREATE_TOPICS; }

  onRequest(req: KafkaRequest): void {
    if (req.apiKey != CREATE_TOPICS || !req.known) return;
    const r = req.body();
    const create = new CreateTopicsRequest();
    create.decode(r, req.apiVersion);
    const err = checkDecoded(r, "CreateTopicsRequest", req.apiVersion);
    if (err != null) { logWarn("{{name}}: " + err.toString()); req.drop(); this.closeDownstream(); return; }
    let broken = 0;
    for (let i = 0; i < create.topics.length; i++) if (!this.plugin.allows(create.topics[i].name)) broken++;
    if (broken == 0) return; // every name is allowed: the broker creates them
    // One request is answered whole: a topic that is allowed but asked for together with a
    // refused one is not created either, and says why.
    const resp = new CreateTopicsResponse();
    for (let i = 0; i < create.topics.length; i++) {
      const name = create.topics[i].name;
      const t = new CreateTopicsResponse_CreatableTopicResult();
      t.name = name;
      t.errorCode = POLICY_VIOLATION;
      if (this.plugin.allows(name)) {
        t.errorMessage = "not created: another topic in this request breaks the naming rule";
      } else {
        t.errorMessage = "topic name " + name + " matches none of " + this.plugin.allowed.join(", ");
        (this.plugin.refused as Counter).increment();
      }
      resp.topics.push(t);
    }
    const w = Writer.sized(resp.size(req.apiVersion));
    resp.encode(w, req.apiVersion);
    req.respond(w.buffer);
  }
}

registerRootContext((id: u32): RootContext => new Root(id));
