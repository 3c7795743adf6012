// What a record plugin wants to see, said once: directions and topics, plus the layer's
// policies. Frames outside the scope are never decoded: they pass as they arrive.
import { JsonValue, JsonKind } from "../config/json";

/** What happens to batches the layer cannot handle, and to topics it cannot name. */
export enum RecordsPolicy {
  /** Close the client's connection: nothing unseen reaches the broker or the client (the default). */
  Close = 0,
  /** Forward the partition's records as they came, unseen by the plugin (counted and logged). */
  Passthrough = 1,
  /**
   * Produce: refuse the partition (CORRUPT_MESSAGE for a batch that does not parse, RECORD_LIST_TOO_LARGE for
   * one that decompresses past max_decompressed_bytes, REQUEST_TIMED_OUT past what the VM's budget had left,
   * UNKNOWN_TOPIC_ID for a topic id not yet seen in Metadata, which makes the client refresh its metadata and
   * retry). Fetch: answer the partition with that error (UNKNOWN_SERVER_ERROR for the budget) and no records.
   */
  Reject = 2,
}

export class RecordScope {
  /** Records producers send. */
  produce: bool = true;
  /** Records consumers fetch. */
  fetch: bool = false;
  /** Topic names or globs (`*` any run, `?` one character); empty means every topic. */
  topics: Array<string> = [];
  /**
   * The plugin must see every record that passes (a masking filter): a fetch's partial trailing batch,
   * which the broker cut at the fetch size and no consumer can read, is left out instead of forwarded
   * unseen; the consumer fetches it again whole. Off, it is forwarded byte-identical.
   */
  seeEveryRecord: bool = false;
  /** Batches that do not parse, use an unknown codec, or decompress past the limits. */
  onUnsupported: RecordsPolicy = RecordsPolicy.Close;
  /** Records of a topic id no Metadata response has named yet. */
  onUnknownTopic: RecordsPolicy = RecordsPolicy.Reject;
  /** Decompressed bytes allowed for all the batches of one request or response together. */
  maxDecompressedBytes: i64 = 104857600;

  /** Whether `topic` is in scope (by `topics`). */
  matches(topic: string): bool {
    const globs = this.topics;
    if (globs.length == 0) return true;
    for (let i = 0; i < globs.length; i++) if (globMatch(globs[i], topic)) return true;
    return false;
  }
}

/** `*` matches any run of characters, `?` one; everything else itself. Linear in practice (one backtrack point). */
export function globMatch(pattern: string, text: string): bool {
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern.charCodeAt(p) == 63 /* ? */ || pattern.charCodeAt(p) == text.charCodeAt(t))) { p++; t++; }
    else if (p < pattern.length && pattern.charCodeAt(p) == 42 /* * */) { star = p++; mark = t; }
    else if (star >= 0) { p = star + 1; t = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) == 42) p++;
  return p == pattern.length;
}

function readPolicy(v: JsonValue, field: string, allowed: string): string {
  if (v.kind == JsonKind.String) {
    if (v.str == "close") return "";
    if (v.str == "passthrough") return "";
    if (v.str == "reject") return "";
  }
  return field + ": must be " + allowed;
}

function policyOf(text: string): RecordsPolicy {
  return text == "passthrough" ? RecordsPolicy.Passthrough : text == "reject" ? RecordsPolicy.Reject : RecordsPolicy.Close;
}

/** The top-level keys readRecordSettings reads. */
export const RECORD_SETTINGS: string[] = ["on_unsupported", "on_unknown_topic", "max_decompressed_bytes"];

/**
 * Reads the record layer's settings from a plugin's configuration into `scope`:
 *   { "on_unsupported": "close" | "passthrough" | "reject",
 *     "on_unknown_topic": "reject" | "close" | "passthrough",
 *     "max_decompressed_bytes": 104857600 }
 * Returns "" or a message naming the field.
 */
export function readRecordSettings(doc: JsonValue, scope: RecordScope): string {
  const unsupported = doc.get("on_unsupported");
  if (unsupported != null) {
    const e = readPolicy(unsupported, "on_unsupported", "\"close\", \"passthrough\" or \"reject\"");
    if (e.length > 0) return e;
    scope.onUnsupported = policyOf(unsupported.str);
  }
  const unknown = doc.get("on_unknown_topic");
  if (unknown != null) {
    const e = readPolicy(unknown, "on_unknown_topic", "\"reject\", \"close\" or \"passthrough\"");
    if (e.length > 0) return e;
    scope.onUnknownTopic = policyOf(unknown.str);
  }
  const max = doc.get("max_decompressed_bytes");
  if (max != null) {
    if (max.kind != JsonKind.Number || max.num < 1024 || max.num > 1073741824 || max.num != Math.floor(max.num)) {
      return "max_decompressed_bytes: must be a whole number from 1024 to 1073741824";
    }
    scope.maxDecompressedBytes = <i64>max.num;
  }
  return "";
}
