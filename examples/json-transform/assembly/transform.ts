// The core of a JSON transform over orders, as a pure function of a record's value:
//   - "email" is normalised to lower case;
//   - "card" keeps its last four digits, every other digit becomes '*' (separators stay);
//   - "notes" is dropped.
// Everything else is written back as it came: key order, numbers as written, nested values.
// A value that is not a JSON object (malformed, not UTF-8, over MAX_ORDER_BYTES, an array) is
// not an order: it is left alone (null), never a trap.
//
// The JSON is read by the library's parser, which never traps, and written by its writer
// (docs/typed-json.md explains why not json-as).
import { JsonValue, JsonKind } from "../../../assembly/config/json";
import { parseJsonBytes } from "../../../assembly/json/bytes";
import { writeJson } from "../../../assembly/json/writer";
import { jsonString, jsonRemove } from "../../../assembly/json/edit";

/** Larger values are left alone: an order is small, and a parsed tree costs several times its text. */
export const MAX_ORDER_BYTES: i32 = 1 << 20;

/** The order's new bytes, or null when the value is not an order object or nothing changed. */
export function transformOrder(value: Uint8Array): ArrayBuffer | null {
  const errors = new Array<string>();
  const order = parseJsonBytes(value, errors, MAX_ORDER_BYTES);
  if (order == null || order.kind != JsonKind.Object) return null;
  let changed = false;
  for (let i = 0; i < order.keys.length; i++) {
    const key = order.keys[i];
    const field = order.items[i];
    if (field.kind != JsonKind.String) continue;
    let next: string | null = null;
    if (key == "email") next = field.str.toLowerCase();
    else if (key == "card") next = keepLastDigits(field.str, 4);
    if (next != null && next != field.str) {
      order.items[i] = jsonString(next);
      changed = true;
    }
  }
  if (jsonRemove(order, "notes") > 0) changed = true;
  return changed ? writeJson(order) : null;
}

/** `s` with every ASCII digit but the last `keep` replaced by '*'. */
export function keepLastDigits(s: string, keep: i32): string {
  let digits = 0;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c >= 0x30 && c <= 0x39) digits++; }
  if (digits <= keep) return s;
  let toMask = digits - keep;
  let out = "";
  let run = 0;
  for (let i = 0; i < s.length && toMask > 0; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      out += s.substring(run, i) + "*";
      run = i + 1;
      toMask--;
    }
  }
  return out + s.substring(run);
}
