// Which keys a JSON object of settings may hold: one check for every configuration reader (the
// stream layer's, broker addresses, plugins' policies), so a misspelt key is refused, named, by
// its path, instead of silently meaning its default.
import { JsonValue, JsonKind } from "./json";

/** "" when every key of `obj` is known, else a message naming the first unknown one. */
export function unknownKey(obj: JsonValue, path: string, known: Array<string>): string {
  if (obj.kind != JsonKind.Object) return path + ": must be a JSON object";
  for (let i = 0; i < obj.keys.length; i++) {
    if (!known.includes(obj.keys[i])) return join(path, obj.keys[i]) + ": unknown setting (known: " + known.join(", ") + ")";
  }
  return "";
}

export function join(path: string, key: string): string { return path.length == 0 ? key : path + "." + key; }
