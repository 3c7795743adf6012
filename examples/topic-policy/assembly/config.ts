// topic-policy's configuration: the rules a new topic must pass, read from JSON and checked
// once in on_configure. Every problem is reported naming its field.
import { JsonValue, JsonKind, Regex, wholeMatchRegex } from "../../../assembly/index";

/** Keys the policy reads; the stream layer's keys (read by KafkaRoot) are allowed too. */
const POLICY_KEYS = ["name_pattern", "min_partitions", "min_replication_factor", "default_partitions", "default_replication_factor"];
const STREAM_KEYS = ["max_frame_bytes", "on_malformed", "clamp_api_versions", "max_inflight", "vm_memory_budget_bytes", "on_over_budget"];

export class PolicyConfig {
  /** The pattern as written (for messages), and compiled to match whole names. */
  namePattern: string = "";
  nameRegex: Regex | null = null;
  /** 0: no minimum. */
  minPartitions: i32 = 0;
  minReplicationFactor: i32 = 0;
  /** What the brokers use when a request leaves the count to them (-1); -1: not known. */
  defaultPartitions: i32 = -1;
  defaultReplicationFactor: i32 = -1;
}

/** A whole number in [min, max], or -1 (which callers report) when `v` is not one. */
function wholeNumber(v: JsonValue, min: i32, max: i32): i32 {
  if (v.kind != JsonKind.Number || v.num < <f64>min || v.num > <f64>max || v.num != Math.floor(v.num)) return -1;
  return <i32>v.num;
}

/** Fills `into` from the document (null: empty); returns "" or the first problem, naming its field. */
export function readPolicyConfig(doc: JsonValue | null, into: PolicyConfig): string {
  if (doc == null) return "name_pattern, min_partitions, min_replication_factor: set at least one rule";
  if (doc.kind != JsonKind.Object) return "the configuration must be a JSON object";
  for (let i = 0; i < doc.keys.length; i++) {
    const k = doc.keys[i];
    if (!POLICY_KEYS.includes(k) && !STREAM_KEYS.includes(k)) return k + ": unknown setting (known: " + POLICY_KEYS.join(", ") + ", and the stream settings " + STREAM_KEYS.join(", ") + ")";
  }
  const pattern = doc.get("name_pattern");
  if (pattern != null) {
    if (pattern.kind != JsonKind.String || pattern.str.length == 0) return "name_pattern: must be a non-empty string (a regular expression the whole topic name must match)";
    const re = wholeMatchRegex(pattern.str);
    if (re.error.length > 0) return "name_pattern: " + re.error;
    into.namePattern = pattern.str;
    into.nameRegex = re;
  }
  const counts = ["min_partitions", "min_replication_factor", "default_partitions", "default_replication_factor"];
  for (let i = 0; i < counts.length; i++) {
    const v = doc.get(counts[i]);
    if (v == null) continue;
    // Kafka's replication factor is an int16; partition counts are int32.
    const max = counts[i].includes("replication") ? 32767 : 2147483647;
    const n = wholeNumber(v, 1, max);
    if (n < 0) return counts[i] + ": must be a whole number from 1 to " + max.toString();
    if (i == 0) into.minPartitions = n;
    else if (i == 1) into.minReplicationFactor = n;
    else if (i == 2) into.defaultPartitions = n;
    else into.defaultReplicationFactor = n;
  }
  if (into.nameRegex == null && into.minPartitions == 0 && into.minReplicationFactor == 0) {
    return "name_pattern, min_partitions, min_replication_factor: set at least one rule";
  }
  return "";
}
