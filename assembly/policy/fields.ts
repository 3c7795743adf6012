// Reading a declarative policy configuration: each reader checks one JSON value and returns ""
// or a message that names the field by its path ("topics.max_partitions"), so a bad rule fails
// on_configure with a message that says where it is.
import { JsonValue, JsonKind } from "../config/json";
import { Regex, wholeMatchRegex } from "../text/regex";

export { unknownKey, join } from "../config/keys";

/** A whole number in [min, max]; the problem goes to `problem[0]`. */
export function readWhole(v: JsonValue, path: string, min: f64, max: f64, problem: Array<string>): f64 {
  if (v.kind != JsonKind.Number || v.num < min || v.num > max || v.num != Math.floor(v.num)) {
    problem.push(path + ": must be a whole number from " + (<i64>min).toString() + " to " + (<i64>max).toString());
    return 0;
  }
  return v.num;
}

/** Non-empty strings, as an array; the problem goes to `problem`. */
export function readStrings(v: JsonValue, path: string, problem: Array<string>): Array<string> {
  const out = new Array<string>();
  if (v.kind != JsonKind.Array) { problem.push(path + ": must be an array of strings"); return out; }
  for (let i = 0; i < v.items.length; i++) {
    const s = v.items[i];
    if (s.kind != JsonKind.String || s.str.length == 0) { problem.push(path + "[" + i.toString() + "]: must be a non-empty string"); return out; }
    out.push(s.str);
  }
  return out;
}

/** A regular expression the whole of a name must match (as Java's String.matches). */
export function readPattern(v: JsonValue, path: string, problem: Array<string>): Regex | null {
  if (v.kind != JsonKind.String || v.str.length == 0) { problem.push(path + ": must be a non-empty string (a regular expression the whole name must match)"); return null; }
  const re = wholeMatchRegex(v.str);
  if (re.error.length > 0) { problem.push(path + ": " + re.error); return null; }
  return re;
}

/** Several patterns: a name is matched when any one matches it whole. */
export function readPatterns(v: JsonValue, path: string, problem: Array<string>): Array<Regex> {
  const out = new Array<Regex>();
  const texts = readStrings(v, path, problem);
  for (let i = 0; i < texts.length && problem.length == 0; i++) {
    const re = wholeMatchRegex(texts[i]);
    if (re.error.length > 0) { problem.push(path + "[" + i.toString() + "]: " + re.error); break; }
    out.push(re);
  }
  return out;
}
