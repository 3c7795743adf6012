// Auto-creation: a broker with auto.create.topics.enable=true creates a topic a Metadata request
// names when the request allows it (always before v4; when allow_auto_topic_creation is true from
// v4). Such a topic gets the broker's defaults and no CreateTopics is ever sent, so this path
// would bypass every rule. Here it cannot create a topic the rules refuse:
//   - v4+: the request goes on with allow_auto_topic_creation false, every topic still in it (a
//     client still sees a topic that exists under a name the rules now forbid);
//   - before v4: the refused names leave the request and are added back to the response (a v0
//     request left with no names would ask for every topic: the proxy answers it).
// A name that breaks name_pattern and does not exist comes back INVALID_TOPIC_EXCEPTION, so
// clients fail at once instead of waiting for a topic that can never appear; a name refused only
// for the broker's defaults stays UNKNOWN_TOPIC_OR_PARTITION (an administrator may create it).
// Produce never creates topics (Kafka answers UNKNOWN_TOPIC_OR_PARTITION), so it needs nothing.
import {
  KafkaRequest, KafkaResponse, Writer, checkDecoded, Refusal,
  MetadataRequest, MetadataRequest_MetadataRequestTopic, MetadataResponse, MetadataResponse_MetadataResponseTopic,
  INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION,
} from "../../../assembly/index";
import { GuardConfig } from "./config";
import { breaksNameRule, autoCreateRefusal } from "./topic_rules";

const AUTO_CREATE_FLAG: i16 = 4;

/** Carried from a Metadata request to its response. */
export class BlockedNames {
  /** Names that break name_pattern. */
  invalid: Array<string> = [];
  /** Names that pass it but would be auto-created breaking another rule. */
  others: Array<string> = [];
  /** The first refusal, for the audit entry. */
  refusal: Refusal | null = null;
  /** Removed from the request (before v4): an entry is added to the response for each. */
  removed: bool = false;
  /** The refused names the broker does not have (filled from the response): auto-creation was really refused for them. */
  readonly missing: Array<string> = [];
  get any(): bool { return this.invalid.length > 0 || this.others.length > 0; }
}

/** Whether auto-creation rules exist at all (else Metadata is never read for them). */
export function guardsAutoCreation(g: GuardConfig): bool {
  const t = g.topics;
  return t.nameRegex != null || t.minPartitions > 0 || t.maxPartitions > 0 || t.minReplicationFactor > 0 || g.configs.required.length > 0;
}

/** Decides and rewrites; returns "" or why the request could not be read. */
export function guardMetadata(req: KafkaRequest, g: GuardConfig, blocked: BlockedNames): string {
  const version = req.apiVersion;
  const r = req.body();
  const md = MetadataRequest.decodeFrom(r, version);
  const err = checkDecoded(r, "MetadataRequest", version);
  if (err != null) return err.toString();
  const topics = md.topics;
  // No topics named (all topics, or none): nothing can be auto-created.
  if (topics == null || topics.length == 0) return "";
  if (version >= AUTO_CREATE_FLAG && !md.allowAutoTopicCreation) return "";
  const kept = new Array<MetadataRequest_MetadataRequestTopic>();
  for (let i = 0; i < topics.length; i++) {
    const name = topics[i].name;
    // Topics asked for by id only (v10+) are never auto-created.
    if (name == null) { kept.push(topics[i]); continue; }
    const refusal = autoCreateRefusal(g.topics, g.configs, name);
    if (refusal == null) { kept.push(topics[i]); continue; }
    if (blocked.refusal == null) blocked.refusal = refusal;
    if (breaksNameRule(g.topics, name)) { if (!blocked.invalid.includes(name)) blocked.invalid.push(name); }
    else if (!blocked.others.includes(name)) blocked.others.push(name);
  }
  if (!blocked.any) return "";
  if (version >= AUTO_CREATE_FLAG) {
    md.allowAutoTopicCreation = false;
  } else {
    blocked.removed = true;
    if (kept.length == 0 && version == 0) {
      const resp = new MetadataResponse();
      addBlocked(resp, blocked);
      req.respond(encodeMetadata(resp, version));
      // Answered here: none of them exists as far as the client learns.
      for (let i = 0; i < blocked.invalid.length; i++) blocked.missing.push(blocked.invalid[i]);
      for (let i = 0; i < blocked.others.length; i++) blocked.missing.push(blocked.others[i]);
      blocked.removed = false;
      blocked.invalid = [];
      blocked.others = [];
      return "";
    }
    md.topics = kept;
  }
  const w = Writer.sized(md.size(version));
  md.encode(w, version);
  req.replaceBody(w.buffer);
  return "";
}

/**
 * Fixes the response (see the file's comment) and notes in `blocked.missing` the refused names
 * the broker does not have (for a name that exists, refusing auto-creation changed nothing).
 * Returns "" or why it could not be read.
 */
export function fixMetadata(resp: KafkaResponse, blocked: BlockedNames): string {
  const version = resp.apiVersion;
  const r = resp.body();
  const md = MetadataResponse.decodeFrom(r, version);
  const err = checkDecoded(r, "MetadataResponse", version);
  if (err != null) return err.toString();
  let changed = false;
  for (let i = 0; i < md.topics.length; i++) {
    const t = md.topics[i];
    const name = t.name;
    if (name == null || t.errorCode != UNKNOWN_TOPIC_OR_PARTITION) continue;
    if (blocked.invalid.includes(name)) { t.errorCode = INVALID_TOPIC_EXCEPTION; changed = true; blocked.missing.push(name); }
    else if (blocked.others.includes(name)) blocked.missing.push(name);
  }
  if (blocked.removed) {
    addBlocked(md, blocked);
    changed = true;
    for (let i = 0; i < blocked.invalid.length; i++) blocked.missing.push(blocked.invalid[i]);
    for (let i = 0; i < blocked.others.length; i++) blocked.missing.push(blocked.others[i]);
  }
  if (changed) resp.replaceBody(encodeMetadata(md, version));
  return "";
}

function addBlocked(md: MetadataResponse, blocked: BlockedNames): void {
  for (let i = 0; i < blocked.invalid.length; i++) md.topics.push(topicError(blocked.invalid[i], INVALID_TOPIC_EXCEPTION));
  for (let i = 0; i < blocked.others.length; i++) md.topics.push(topicError(blocked.others[i], UNKNOWN_TOPIC_OR_PARTITION));
}

function topicError(name: string, errorCode: i16): MetadataResponse_MetadataResponseTopic {
  const t = new MetadataResponse_MetadataResponseTopic();
  t.name = name;
  t.errorCode = errorCode;
  return t;
}

function encodeMetadata(md: MetadataResponse, version: i16): ArrayBuffer {
  const w = Writer.sized(md.size(version));
  md.encode(w, version);
  return w.buffer;
}
