// A policy plugin: it answers some requests itself, so the broker never acts on them. This one
// refuses CreateTopics for topic names outside the configured patterns, answering
// POLICY_VIOLATION (44) the way a broker's create.topic.policy would. Every other request passes.
//
// Configuration: { "allowed_topics": ["orders.*", "payments.*"] }   (`*` matches any run of characters, `?` one)
// plus the settings every Kafka plugin shares (max_frame_bytes, on_malformed, …).
export * from "kafka-proxy-wasm/assembly/exports"; // the callbacks Envoy calls
import {
  RootContext, ConnectionContext, registerRootContext, Counter, logInfo, logWarn, JsonValue, JsonKind, globMatch,
  KafkaRoot, KafkaConnection, KafkaRequest, checkDecoded, Writer,
  CreateTopicsRequest, CreateTopicsResponse, CreateTopicsResponse_CreatableTopicResult,
} from "kafka-proxy-wasm";

const CREATE_TOPICS: i16 = 19;
const POLICY_VIOLATION: i16 = 44;

// KafkaRoot reads the configuration and applies the settings every Kafka plugin shares
// (max_frame_bytes, on_malformed, …); configure() reads this plugin's own.
class Root extends KafkaRoot {
  allowed: string[] = [];
  refused: Counter | null = null;

  constructor(id: u32) { super(id, "{{name}}"); }

  // The keys this plugin reads: any other is refused, named, so a misspelt key cannot pass unseen
  // (the library's own keys are always taken).
  settings(): Array<string> | null { return ["allowed_topics"]; }

  configure(doc: JsonValue | null): string {
    if (doc == null) return "allowed_topics must be a list of topic patterns";
    const list = doc.get("allowed_topics");
    if (list == null || list.kind != JsonKind.Array) return "allowed_topics must be a list of topic patterns";
    const allowed = new Array<string>();
    for (let i = 0; i < list.items.length; i++) {
      const item = list.items[i];
      if (item.kind != JsonKind.String) return "allowed_topics[" + i.toString() + "] must be a string";
      allowed.push(item.str);
    }
    this.allowed = allowed;
    this.refused = new Counter("{{metric}}.refused_topics");
    logInfo("{{name}}: topics must match one of " + this.allowed.join(", "));
    return "";
  }

  allows(topic: string): bool {
    for (let i = 0; i < this.allowed.length; i++) if (globMatch(this.allowed[i], topic)) return true;
    return false;
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new Connection(id, this); }
}

class Connection extends KafkaConnection {
  constructor(id: u32, readonly plugin: Root) { super(id, plugin); }

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
