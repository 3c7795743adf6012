// JSON from bytes a client sent (a record's value, say): checked to be strict UTF-8 and under a
// size limit before the library's parser, which never traps, reads it.
import { JsonValue, JsonParser } from "../config/json";
import { isValidUtf8 } from "./utf8";

/**
 * Parses UTF-8 JSON. Null, with the reason in `errorOut[0]`, when the bytes are over `maxBytes`,
 * not well-formed UTF-8, or not JSON (nesting deeper than `maxDepth` included).
 */
export function parseJsonBytes(bytes: Uint8Array, errorOut: Array<string>, maxBytes: i32 = 1048576, maxDepth: i32 = 32): JsonValue | null {
  const n = bytes.byteLength;
  if (n > maxBytes) { errorOut.push(n.toString() + " bytes is over the " + maxBytes.toString() + "-byte limit"); return null; }
  if (!isValidUtf8(bytes.dataStart, n)) { errorOut.push("not well-formed UTF-8"); return null; }
  const p = new JsonParser(String.UTF8.decodeUnsafe(bytes.dataStart, <usize>n), maxDepth);
  const v = p.parse();
  if (v == null) errorOut.push(p.error);
  return v;
}
