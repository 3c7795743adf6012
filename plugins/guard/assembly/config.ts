// guard's configuration: declarative JSON, read and checked once in on_configure. Every problem
// is reported naming its field by path ("topics.max_partitions: …"), and a refused configuration
// leaves the running one as it was. docs/guard.md describes every key.
import {
  JsonValue, JsonKind, Regex, ConfigRules, readConfigRules, unknownKey, joinPath, readWhole, readPattern, readPatterns,
} from "../../../assembly/index";

/** guard's own top-level keys; the library refuses any other but its own (GuardRoot.settings). */
export const TOP_KEYS = ["topics", "configs", "produce", "clients", "audit", "quotas"];
const TOPIC_KEYS = ["name_pattern", "min_partitions", "max_partitions", "min_replication_factor", "default_partitions", "default_replication_factor", "protected"];
const PRODUCE_KEYS = ["acks", "compression", "idempotence_required", "max_batch_bytes", "max_record_bytes"];
const CLIENT_KEYS = ["client_id_required", "client_id_pattern", "group_id_pattern"];
const AUDIT_KEYS = ["log", "collector_cluster", "collector_path", "flush_ms", "max_pending_entries", "max_batch_entries"];
export const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];

export class TopicRules {
  namePattern: string = "";
  nameRegex: Regex | null = null;
  /** 0: no bound. */
  minPartitions: i32 = 0;
  maxPartitions: i32 = 0;
  minReplicationFactor: i32 = 0;
  /** What the brokers use when a request leaves the count to them (-1); -1: not known. */
  defaultPartitions: i32 = -1;
  defaultReplicationFactor: i32 = -1;
  protectedTexts: Array<string> = [];
  protectedRegexes: Array<Regex> = [];
}

export class ProduceRules {
  /** Required acks: -1 (all), 1, or 0; NO_ACKS_RULE when not set. */
  acks: i16 = NO_ACKS_RULE;
  /** Allowed codecs, by Compression value; null: any. */
  compression: Array<i32> | null = null;
  idempotenceRequired: bool = false;
  /** 0: no limit. */
  maxBatchBytes: i32 = 0;
  maxRecordBytes: i32 = 0;

  /** Rules read from batch headers (a refused partition is answered through the record layer). */
  get batchRules(): bool { return this.compression != null || this.idempotenceRequired || this.maxBatchBytes > 0; }
  /** Rules that need every record (only max_record_bytes). */
  get recordRules(): bool { return this.maxRecordBytes > 0; }
}

export const NO_ACKS_RULE: i16 = i16.MIN_VALUE;

export class ClientRules {
  clientIdRequired: bool = false;
  clientIdPattern: string = "";
  clientIdRegex: Regex | null = null;
  groupIdPattern: string = "";
  groupIdRegex: Regex | null = null;
}

export class AuditSettings {
  log: bool = true;
  collectorCluster: string = "";
  collectorPath: string = "/audit";
  flushMs: i32 = 1000;
  maxPending: i32 = 10000;
  maxBatch: i32 = 500;
}

export class GuardConfig {
  topics: TopicRules = new TopicRules();
  configs: ConfigRules = new ConfigRules();
  produce: ProduceRules = new ProduceRules();
  clients: ClientRules = new ClientRules();
  audit: AuditSettings = new AuditSettings();
}

/** Fills `into` from the document (null: no rules, audit only); "" or the first problem, naming its field. */
export function readGuardConfig(doc: JsonValue | null, into: GuardConfig): string {
  if (doc == null) return "";
  if (doc.kind != JsonKind.Object) return "the configuration must be a JSON object";
  // Unknown top-level keys were refused by the library (GuardRoot.settings: TOP_KEYS).
  // `quotas` is read by the library's QuotaEngine (GuardRoot.configure).
  let p = "";
  const topics = doc.get("topics");
  if (topics != null && (p = readTopics(topics, into.topics)).length > 0) return p;
  const configs = doc.get("configs");
  if (configs != null && (p = readConfigRules(configs, "configs", into.configs)).length > 0) return p;
  const produce = doc.get("produce");
  if (produce != null && (p = readProduce(produce, into.produce)).length > 0) return p;
  const clients = doc.get("clients");
  if (clients != null && (p = readClients(clients, into.clients)).length > 0) return p;
  const audit = doc.get("audit");
  if (audit != null && (p = readAudit(audit, into.audit)).length > 0) return p;
  return "";
}

function readTopics(v: JsonValue, t: TopicRules): string {
  const unknown = unknownKey(v, "topics", TOPIC_KEYS);
  if (unknown.length > 0) return unknown;
  const problem = new Array<string>();
  const pattern = v.get("name_pattern");
  if (pattern != null) {
    t.nameRegex = readPattern(pattern, "topics.name_pattern", problem);
    if (problem.length > 0) return problem[0];
    t.namePattern = pattern.str;
  }
  const counts = ["min_partitions", "max_partitions", "min_replication_factor", "default_partitions", "default_replication_factor"];
  for (let i = 0; i < counts.length; i++) {
    const c = v.get(counts[i]);
    if (c == null) continue;
    // Kafka's replication factor is an int16; partition counts are int32.
    const max: f64 = counts[i].includes("replication") ? 32767 : 2147483647;
    const n = <i32>readWhole(c, joinPath("topics", counts[i]), 1, max, problem);
    if (problem.length > 0) return problem[0];
    if (i == 0) t.minPartitions = n;
    else if (i == 1) t.maxPartitions = n;
    else if (i == 2) t.minReplicationFactor = n;
    else if (i == 3) t.defaultPartitions = n;
    else t.defaultReplicationFactor = n;
  }
  if (t.minPartitions > 0 && t.maxPartitions > 0 && t.minPartitions > t.maxPartitions) return "topics.min_partitions: is above topics.max_partitions";
  const prot = v.get("protected");
  if (prot != null) {
    t.protectedRegexes = readPatterns(prot, "topics.protected", problem);
    if (problem.length > 0) return problem[0];
    for (let i = 0; i < prot.items.length; i++) t.protectedTexts.push(prot.items[i].str);
  }
  return "";
}

function readProduce(v: JsonValue, p: ProduceRules): string {
  const unknown = unknownKey(v, "produce", PRODUCE_KEYS);
  if (unknown.length > 0) return unknown;
  const problem = new Array<string>();
  const acks = v.get("acks");
  if (acks != null) {
    if (acks.kind == JsonKind.String && acks.str == "all") p.acks = -1;
    else if (acks.kind == JsonKind.Number && (acks.num == -1 || acks.num == 1 || acks.num == 0)) p.acks = <i16>acks.num;
    else return "produce.acks: must be \"all\" (or -1), 1 or 0";
  }
  const comp = v.get("compression");
  if (comp != null) {
    if (comp.kind != JsonKind.Array || comp.items.length == 0) return "produce.compression: must be a non-empty array of codecs, from " + CODECS.join(", ");
    const codes = new Array<i32>();
    for (let i = 0; i < comp.items.length; i++) {
      const c = comp.items[i];
      const at = c.kind == JsonKind.String ? CODECS.indexOf(c.str) : -1;
      if (at < 0) return "produce.compression[" + i.toString() + "]: must be one of " + CODECS.join(", ");
      codes.push(at);
    }
    p.compression = codes;
  }
  const idem = v.get("idempotence_required");
  if (idem != null) {
    if (idem.kind != JsonKind.Bool) return "produce.idempotence_required: must be true or false";
    p.idempotenceRequired = idem.bool;
  }
  const batch = v.get("max_batch_bytes");
  if (batch != null) { p.maxBatchBytes = <i32>readWhole(batch, "produce.max_batch_bytes", 1, 2147483647, problem); if (problem.length > 0) return problem[0]; }
  const record = v.get("max_record_bytes");
  if (record != null) { p.maxRecordBytes = <i32>readWhole(record, "produce.max_record_bytes", 1, 2147483647, problem); if (problem.length > 0) return problem[0]; }
  return "";
}

function readClients(v: JsonValue, c: ClientRules): string {
  const unknown = unknownKey(v, "clients", CLIENT_KEYS);
  if (unknown.length > 0) return unknown;
  const problem = new Array<string>();
  const req = v.get("client_id_required");
  if (req != null) {
    if (req.kind != JsonKind.Bool) return "clients.client_id_required: must be true or false";
    c.clientIdRequired = req.bool;
  }
  const cp = v.get("client_id_pattern");
  if (cp != null) { c.clientIdRegex = readPattern(cp, "clients.client_id_pattern", problem); if (problem.length > 0) return problem[0]; c.clientIdPattern = cp.str; }
  const gp = v.get("group_id_pattern");
  if (gp != null) { c.groupIdRegex = readPattern(gp, "clients.group_id_pattern", problem); if (problem.length > 0) return problem[0]; c.groupIdPattern = gp.str; }
  return "";
}

function readAudit(v: JsonValue, a: AuditSettings): string {
  const unknown = unknownKey(v, "audit", AUDIT_KEYS);
  if (unknown.length > 0) return unknown;
  const problem = new Array<string>();
  const log = v.get("log");
  if (log != null) {
    if (log.kind != JsonKind.Bool) return "audit.log: must be true or false";
    a.log = log.bool;
  }
  const cluster = v.get("collector_cluster");
  if (cluster != null) {
    if (cluster.kind != JsonKind.String || cluster.str.length == 0) return "audit.collector_cluster: must be a non-empty string (an Envoy cluster name)";
    a.collectorCluster = cluster.str;
  }
  const path = v.get("collector_path");
  if (path != null) {
    if (path.kind != JsonKind.String || !path.str.startsWith("/")) return "audit.collector_path: must be a path starting with /";
    a.collectorPath = path.str;
  }
  const flush = v.get("flush_ms");
  if (flush != null) { a.flushMs = <i32>readWhole(flush, "audit.flush_ms", 100, 3600000, problem); if (problem.length > 0) return problem[0]; }
  const pending = v.get("max_pending_entries");
  if (pending != null) { a.maxPending = <i32>readWhole(pending, "audit.max_pending_entries", 1, 10000000, problem); if (problem.length > 0) return problem[0]; }
  const batch = v.get("max_batch_entries");
  if (batch != null) { a.maxBatch = <i32>readWhole(batch, "audit.max_batch_entries", 1, 100000, problem); if (problem.length > 0) return problem[0]; }
  return "";
}
