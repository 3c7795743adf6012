// topic-policy: a validating webhook for topics. New topics must pass the configured rules
// (a name pattern, minimum partitions and replication factor) whichever way they would be
// created:
//   - CreateTopics: each topic that breaks a rule is answered POLICY_VIOLATION with a message
//     naming the rule; the others go to the broker; the client gets one response, in request order.
//   - Metadata that allows auto-creation: no topic is auto-created that breaks a rule: a name
//     that breaks name_pattern, or any name when the broker's defaults (default_partitions,
//     default_replication_factor) are below the minimums or not configured (README.md explains
//     how and why).
// Produce never creates topics (the broker answers UNKNOWN_TOPIC_OR_PARTITION), so it passes.
//
// Configuration (JSON; config.ts checks it):
//   { "name_pattern": "[a-z0-9-]+\\.(events|commands)",   // the whole name must match
//     "min_partitions": 3, "min_replication_factor": 2,
//     "default_partitions": 1, "default_replication_factor": 1 }  // what -1 (broker default) means
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, Counter, logInfo, JsonValue,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, Direction, MalformedPolicy, checkDecoded, Writer,
  CreateTopicsRequest, CreateTopicsRequest_CreatableTopic, CreateTopicsResponse, CreateTopicsResponse_CreatableTopicResult,
  MetadataRequest, MetadataRequest_MetadataRequestTopic, MetadataResponse, MetadataResponse_MetadataResponseTopic,
  POLICY_VIOLATION, INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION,
} from "../../../assembly/index";
import { PolicyConfig, readPolicyConfig } from "./config";
import { breaksNameRule, createViolation, autoCreateViolation } from "./rules";

const METADATA: i16 = 3;
const CREATE_TOPICS: i16 = 19;
/** Metadata requests before v4 cannot turn auto-creation off: the broker always may. */
const METADATA_AUTO_CREATE_FLAG: i16 = 4;

// KafkaRoot reads the configuration and applies the stream settings; configure() reads the rules.
class PolicyRoot extends KafkaRoot {
  config: PolicyConfig = new PolicyConfig();
  rejected: Counter | null = null;
  forwarded: Counter | null = null;
  autoCreationBlocked: Counter | null = null;

  constructor(id: u32) { super(id, "topic-policy"); }

  configure(doc: JsonValue | null): string {
    // Read into a new object: a refused configuration leaves the running one as it was.
    const config = new PolicyConfig();
    const problem = readPolicyConfig(doc, config);
    if (problem.length > 0) return problem;
    this.config = config;
    if (this.rejected == null) {
      this.rejected = new Counter("topic_policy.rejected_topics");
      this.forwarded = new Counter("topic_policy.forwarded_topics");
      this.autoCreationBlocked = new Counter("topic_policy.auto_creation_blocked");
    }
    logInfo("topic-policy: " + (config.namePattern.length > 0 ? "name_pattern " + config.namePattern + ", " : "") +
      "min_partitions " + config.minPartitions.toString() + ", min_replication_factor " + config.minReplicationFactor.toString());
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new PolicyConnection(id, this); }
}

/** One distinct topic name of a CreateTopics request, in request order, and what the policy said. */
class Verdict {
  constructor(readonly name: string, public violation: string | null) {}
}

/** Carried from a CreateTopics request to its response: every name in order, some answered here. */
class CreateTopicsVerdicts {
  items: Array<Verdict> = [];
}

/** Carried from a Metadata request to its response: the names auto-creation must not make. */
class BlockedNames {
  /** Names that break name_pattern: they can never exist, so clients are told at once. */
  invalid: Array<string> = [];
  /** Names that pass it but would be auto-created below a minimum: an administrator may still create them. */
  counts: Array<string> = [];
  /** Removed from the request (before v4), so the response gets an entry added for each. */
  removed: bool = false;
}

class PolicyConnection extends KafkaConnection {
  constructor(id: u32, readonly policy: PolicyRoot) { super(id, policy); }

  // Only CreateTopics and Metadata are read; every other frame passes as it arrives.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return apiKey == CREATE_TOPICS || apiKey == METADATA; }
  // A response is read only when the request was changed and the response must be merged.
  wantsResponseBody(request: InflightRequest): bool { return request.userData != null; }

  onRequest(req: KafkaRequest): void {
    if (req.apiKey != CREATE_TOPICS && req.apiKey != METADATA) return;
    // A request the codec cannot read cannot be checked: it is refused, never forwarded unchecked.
    if (!req.known) { this.refuse(Direction.Request, "request version " + req.apiVersion.toString() + " is not known to the codec"); return; }
    if (req.apiKey == CREATE_TOPICS) this.createTopics(req);
    else this.metadata(req);
  }

  onResponse(resp: KafkaResponse): void {
    const carried = resp.request.userData;
    if (carried == null) return;
    if (carried instanceof CreateTopicsVerdicts) this.mergeCreateTopics(resp, changetype<CreateTopicsVerdicts>(carried));
    else if (carried instanceof BlockedNames) this.fixMetadata(resp, changetype<BlockedNames>(carried));
  }

  private refuse(direction: Direction, reason: string): void {
    this.giveUp(direction, "topic-policy: " + reason, MalformedPolicy.Close);
  }

  // ---- CreateTopics ----

  private createTopics(req: KafkaRequest): void {
    const version = req.apiVersion;
    const r = req.body();
    const create = CreateTopicsRequest.decodeFrom(r, version);
    const err = checkDecoded(r, "CreateTopicsRequest", version);
    if (err != null) { this.refuse(Direction.Request, "unreadable CreateTopics: " + err.toString()); return; }
    const config = this.policy.config;
    // One verdict per distinct name: Kafka answers a name once, and a name given twice is
    // refused whole if any of its entries breaks a rule.
    const verdicts = new CreateTopicsVerdicts();
    const byName = new Map<string, Verdict>();
    for (let i = 0; i < create.topics.length; i++) {
      const t = create.topics[i];
      const violation = createViolation(config, t);
      if (!byName.has(t.name)) {
        const v = new Verdict(t.name, violation);
        byName.set(t.name, v);
        verdicts.items.push(v);
      } else if (violation != null && byName.get(t.name).violation == null) {
        byName.get(t.name).violation = violation;
      }
    }
    const kept = new Array<CreateTopicsRequest_CreatableTopic>();
    let rejected = 0;
    for (let i = 0; i < create.topics.length; i++) {
      if (byName.get(create.topics[i].name).violation == null) kept.push(create.topics[i]);
    }
    for (let i = 0; i < verdicts.items.length; i++) if (verdicts.items[i].violation != null) rejected++;
    if (rejected == 0) { (this.policy.forwarded as Counter).increment(<u64>verdicts.items.length); return; }
    (this.policy.rejected as Counter).increment(<u64>rejected);
    (this.policy.forwarded as Counter).increment(<u64>(verdicts.items.length - rejected));
    if (kept.length == 0) {
      // Nothing for the broker to do: the answer comes from here.
      const resp = new CreateTopicsResponse();
      for (let i = 0; i < verdicts.items.length; i++) resp.topics.push(violationResult(verdicts.items[i]));
      req.respond(encodeCreateTopicsResponse(resp, version));
      return;
    }
    create.topics = kept;
    const w = Writer.sized(create.size(version));
    create.encode(w, version);
    req.replaceBody(w.buffer);
    const inflight = req.inflight;
    if (inflight != null) inflight.userData = verdicts;
  }

  /** The broker's answer for the topics it saw, with the rejected ones put back in request order. */
  private mergeCreateTopics(resp: KafkaResponse, verdicts: CreateTopicsVerdicts): void {
    const version = resp.apiVersion;
    const r = resp.body();
    const broker = CreateTopicsResponse.decodeFrom(r, version);
    const err = checkDecoded(r, "CreateTopicsResponse", version);
    if (err != null) { this.refuse(Direction.Response, "unreadable CreateTopics response: " + err.toString()); return; }
    const used = new Array<bool>(broker.topics.length);
    const merged = new Array<CreateTopicsResponse_CreatableTopicResult>();
    for (let i = 0; i < verdicts.items.length; i++) {
      const v = verdicts.items[i];
      if (v.violation != null) { merged.push(violationResult(v)); continue; }
      for (let j = 0; j < broker.topics.length; j++) {
        if (!used[j] && broker.topics[j].name == v.name) { used[j] = true; merged.push(broker.topics[j]); }
      }
    }
    // Whatever else the broker said is kept, after the rest.
    for (let j = 0; j < broker.topics.length; j++) if (!used[j]) merged.push(broker.topics[j]);
    broker.topics = merged;
    resp.replaceBody(encodeCreateTopicsResponse(broker, version));
  }

  // ---- Metadata ----

  private metadata(req: KafkaRequest): void {
    const version = req.apiVersion;
    const config = this.policy.config;
    const r = req.body();
    const md = MetadataRequest.decodeFrom(r, version);
    const err = checkDecoded(r, "MetadataRequest", version);
    if (err != null) { this.refuse(Direction.Request, "unreadable Metadata request: " + err.toString()); return; }
    const topics = md.topics;
    // No topics named (all topics, or none): nothing can be auto-created.
    if (topics == null || topics.length == 0) return;
    if (version >= METADATA_AUTO_CREATE_FLAG && !md.allowAutoTopicCreation) return;
    const blocked = new BlockedNames();
    const kept = new Array<MetadataRequest_MetadataRequestTopic>();
    for (let i = 0; i < topics.length; i++) {
      const name = topics[i].name;
      // Topics asked for by id only (v10+) are never auto-created.
      if (name == null) { kept.push(topics[i]); continue; }
      if (breaksNameRule(config, name)) {
        if (!blocked.invalid.includes(name)) blocked.invalid.push(name);
      } else if (autoCreateViolation(config, name) != null) {
        if (!blocked.counts.includes(name)) blocked.counts.push(name);
      } else {
        kept.push(topics[i]);
      }
    }
    if (blocked.invalid.length == 0 && blocked.counts.length == 0) return;
    (this.policy.autoCreationBlocked as Counter).increment();
    if (version >= METADATA_AUTO_CREATE_FLAG) {
      // Every topic stays in the request, so the client still learns about topics that already
      // exist under a name the rules forbid; only auto-creation is turned off.
      md.allowAutoTopicCreation = false;
    } else {
      // Before v4 the broker may always auto-create: the names leave the request.
      blocked.removed = true;
      if (kept.length == 0 && version == 0) {
        // An empty v0 list asks for every topic: answered here instead.
        const resp = new MetadataResponse();
        addBlocked(resp, blocked);
        req.respond(encodeMetadataResponse(resp, version));
        return;
      }
      md.topics = kept;
    }
    const w = Writer.sized(md.size(version));
    md.encode(w, version);
    req.replaceBody(w.buffer);
    // The response needs changing only when names were removed or some break name_pattern.
    const inflight = req.inflight;
    if (inflight != null && (blocked.removed || blocked.invalid.length > 0)) inflight.userData = blocked;
  }

  /**
   * A name that breaks name_pattern and that the broker does not have becomes
   * INVALID_TOPIC_EXCEPTION: clients fail at once instead of waiting for a topic that will never
   * appear. Names removed from an old request are added back as the broker would have answered
   * them without auto-creation.
   */
  private fixMetadata(resp: KafkaResponse, blocked: BlockedNames): void {
    const version = resp.apiVersion;
    const r = resp.body();
    const md = MetadataResponse.decodeFrom(r, version);
    const err = checkDecoded(r, "MetadataResponse", version);
    if (err != null) { this.refuse(Direction.Response, "unreadable Metadata response: " + err.toString()); return; }
    for (let i = 0; i < md.topics.length; i++) {
      const t = md.topics[i];
      const name = t.name;
      if (name != null && t.errorCode == UNKNOWN_TOPIC_OR_PARTITION && blocked.invalid.includes(name)) t.errorCode = INVALID_TOPIC_EXCEPTION;
    }
    if (blocked.removed) addBlocked(md, blocked);
    resp.replaceBody(encodeMetadataResponse(md, version));
  }
}

/** Entries for names removed from a request: never-valid names as invalid, the others as unknown. */
function addBlocked(md: MetadataResponse, blocked: BlockedNames): void {
  for (let i = 0; i < blocked.invalid.length; i++) md.topics.push(topicError(blocked.invalid[i], INVALID_TOPIC_EXCEPTION));
  for (let i = 0; i < blocked.counts.length; i++) md.topics.push(topicError(blocked.counts[i], UNKNOWN_TOPIC_OR_PARTITION));
}

function violationResult(v: Verdict): CreateTopicsResponse_CreatableTopicResult {
  const t = new CreateTopicsResponse_CreatableTopicResult();
  t.name = v.name;
  t.errorCode = POLICY_VIOLATION;
  t.errorMessage = v.violation;
  return t;
}

function topicError(name: string, errorCode: i16): MetadataResponse_MetadataResponseTopic {
  const t = new MetadataResponse_MetadataResponseTopic();
  t.name = name;
  t.errorCode = errorCode;
  return t;
}

function encodeCreateTopicsResponse(resp: CreateTopicsResponse, version: i16): ArrayBuffer {
  const w = Writer.sized(resp.size(version));
  resp.encode(w, version);
  return w.buffer;
}

function encodeMetadataResponse(resp: MetadataResponse, version: i16): ArrayBuffer {
  const w = Writer.sized(resp.size(version));
  resp.encode(w, version);
  return w.buffer;
}

registerRootContext((id: u32): RootContext => new PolicyRoot(id));
