// Small edits of a parsed JSON object (assembly/config/json.ts keeps keys and values in two
// arrays, in document order).
import { JsonValue, JsonKind } from "../config/json";

/** A new string value. */
export function jsonString(s: string): JsonValue {
  const v = new JsonValue();
  v.kind = JsonKind.String;
  v.str = s;
  return v;
}

/** Removes every member named `key` from the object; returns how many were removed. */
export function jsonRemove(obj: JsonValue, key: string): i32 {
  let removed = 0;
  for (let i = obj.keys.length - 1; i >= 0; i--) {
    if (obj.keys[i] == key) { obj.keys.splice(i, 1); obj.items.splice(i, 1); removed++; }
  }
  return removed;
}
