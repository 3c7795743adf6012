// Rules on topic configs (retention.ms, cleanup.policy, …), as a policy declares them:
//   { "allowed": ["retention.ms", "cleanup.policy"],        // any other key is refused
//     "required": ["retention.ms"],                          // must be given when a topic is created
//     "immutable": ["cleanup.policy"],                       // may be set at creation, never altered
//     "ranges": { "retention.ms": { "min": 60000, "max": 604800000 } },
//     "sets": { "cleanup.policy": ["delete", "compact"] } }  // list values: each element must be in the set
// and how a request's configs are checked against them: a new topic's configs, a full
// replacement (AlterConfigs), or one incremental operation (IncrementalAlterConfigs).
//
// Codes: a key the policy forbids (not allowed, required but missing or deleted, immutable) is
// POLICY_VIOLATION, as Kafka's own AlterConfigPolicy/CreateTopicPolicy answer; a value outside
// its range or set is INVALID_CONFIG, as the broker answers a value it cannot accept.
import { JsonValue, JsonKind } from "../config/json";
import { POLICY_VIOLATION, INVALID_CONFIG } from "../kafka/error_codes";
import { Refusal } from "./refusal";
import { unknownKey, join, readStrings } from "./fields";

/** IncrementalAlterConfigs' operations. */
export const CONFIG_SET: i8 = 0;
export const CONFIG_DELETE: i8 = 1;
export const CONFIG_APPEND: i8 = 2;
export const CONFIG_SUBTRACT: i8 = 3;

const RULE_KEYS = ["allowed", "required", "immutable", "ranges", "sets"];

export class NumberRange {
  /** NaN: no bound on that side. */
  constructor(readonly min: f64, readonly max: f64) {}
}

export class ConfigRules {
  /** null: every key is allowed. */
  allowed: Array<string> | null = null;
  required: Array<string> = [];
  immutable: Array<string> = [];
  readonly ranges: Map<string, NumberRange> = new Map();
  readonly sets: Map<string, Array<string>> = new Map();

  get empty(): bool {
    return this.allowed == null && this.required.length == 0 && this.immutable.length == 0 && this.ranges.size == 0 && this.sets.size == 0;
  }

  /** The first rule `key` = `value` breaks (a null value asks for the default: only the key is checked). */
  checkValue(resource: string, key: string, value: string | null): Refusal | null {
    const allowed = this.allowed;
    if (allowed != null && !allowed.includes(key)) {
      return new Refusal(POLICY_VIOLATION, "configs.allowed", on(resource) + " config " + key + " breaks rule configs.allowed: only " + allowed.join(", ") + " may be set");
    }
    if (value == null) return null;
    if (this.ranges.has(key)) {
      const r = this.ranges.get(key);
      const n = strictNumber(value);
      if (isNaN(n) || (!isNaN(r.min) && n < r.min) || (!isNaN(r.max) && n > r.max)) {
        return new Refusal(INVALID_CONFIG, "configs.ranges", on(resource) + " config " + key + "=" + value + " breaks rule configs.ranges." + key + ": must be a number" + bounds(r));
      }
    }
    if (this.sets.has(key)) {
      const set = this.sets.get(key);
      // List-valued configs (cleanup.policy=compact,delete): every element must be in the set.
      const parts = value.split(",");
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i].trim();
        if (!set.includes(p)) {
          return new Refusal(INVALID_CONFIG, "configs.sets", on(resource) + " config " + key + "=" + value + " breaks rule configs.sets." + key + ": each value must be one of " + set.join(", "));
        }
      }
    }
    return null;
  }

  /** A new topic's configs: each key and value, then every required key present. */
  checkCreate(resource: string, keys: Array<string>, values: Array<string | null>): Refusal | null {
    for (let i = 0; i < keys.length; i++) {
      const r = this.checkValue(resource, keys[i], values[i]);
      if (r != null) return r;
    }
    return this.missingRequired(resource, keys, values);
  }

  /**
   * A full replacement of a topic's configs (AlterConfigs): keys it leaves out go back to their
   * defaults, so it is checked as a new topic's configs are, and it may not name an immutable key.
   */
  checkReplace(resource: string, keys: Array<string>, values: Array<string | null>): Refusal | null {
    for (let i = 0; i < keys.length; i++) {
      if (this.immutable.includes(keys[i])) return immutableRefusal(resource, keys[i]);
    }
    return this.checkCreate(resource, keys, values);
  }

  /** One operation of IncrementalAlterConfigs. */
  checkOperation(resource: string, key: string, op: i8, value: string | null): Refusal | null {
    if (this.immutable.includes(key)) return immutableRefusal(resource, key);
    if (op == CONFIG_DELETE) {
      if (this.required.includes(key)) {
        return new Refusal(POLICY_VIOLATION, "configs.required", on(resource) + " config " + key + " breaks rule configs.required: it may not be deleted");
      }
      return null;
    }
    if (op == CONFIG_SUBTRACT) return this.checkValue(resource, key, null);
    // SET and APPEND: the value given must pass (APPEND's elements are checked against the set; a
    // range applies to SET, as APPEND is for list-valued keys).
    if (op == CONFIG_APPEND && this.ranges.has(key)) return this.checkValue(resource, key, null);
    return this.checkValue(resource, key, value);
  }

  private missingRequired(resource: string, keys: Array<string>, values: Array<string | null>): Refusal | null {
    for (let i = 0; i < this.required.length; i++) {
      const k = this.required[i];
      const at = keys.indexOf(k);
      if (at < 0 || values[at] == null) {
        return new Refusal(POLICY_VIOLATION, "configs.required", on(resource) + " breaks rule configs.required: config " + k + " must be set");
      }
    }
    return null;
  }
}

function on(resource: string): string { return "Topic \"" + resource + "\""; }

function immutableRefusal(resource: string, key: string): Refusal {
  return new Refusal(POLICY_VIOLATION, "configs.immutable", on(resource) + " config " + key + " breaks rule configs.immutable: it may not be changed after creation");
}

function bounds(r: NumberRange): string {
  let s = "";
  if (!isNaN(r.min)) s += " at least " + fmt(r.min);
  if (!isNaN(r.max)) s += (s.length > 0 ? " and" : "") + " at most " + fmt(r.max);
  return s;
}

function fmt(n: f64): string { return n == Math.floor(n) && Math.abs(n) < 9e15 ? (<i64>n).toString() : n.toString(); }

/** The number a config value spells (an optional sign, digits, an optional fraction), else NaN. */
export function strictNumber(s: string): f64 {
  const n = s.length;
  let i = 0;
  if (i < n && (s.charCodeAt(i) == 45 || s.charCodeAt(i) == 43)) i++;
  let digits = 0;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) { i++; digits++; }
  if (i < n && s.charCodeAt(i) == 46) {
    i++;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) { i++; digits++; }
  }
  if (digits == 0 || i != n) return NaN;
  return parseFloat(s);
}

/** Fills `into` from the "configs" object at `path`; "" or the first problem, naming its field. */
export function readConfigRules(doc: JsonValue, path: string, into: ConfigRules): string {
  const unknown = unknownKey(doc, path, RULE_KEYS);
  if (unknown.length > 0) return unknown;
  const problem = new Array<string>();
  const allowed = doc.get("allowed");
  if (allowed != null) { into.allowed = readStrings(allowed, join(path, "allowed"), problem); if (problem.length > 0) return problem[0]; }
  const required = doc.get("required");
  if (required != null) { into.required = readStrings(required, join(path, "required"), problem); if (problem.length > 0) return problem[0]; }
  const immutable = doc.get("immutable");
  if (immutable != null) { into.immutable = readStrings(immutable, join(path, "immutable"), problem); if (problem.length > 0) return problem[0]; }
  const ranges = doc.get("ranges");
  if (ranges != null) {
    const rp = join(path, "ranges");
    if (ranges.kind != JsonKind.Object) return rp + ": must be an object of config name to { \"min\": …, \"max\": … }";
    for (let i = 0; i < ranges.keys.length; i++) {
      const kp = join(rp, ranges.keys[i]);
      const r = ranges.items[i];
      const bad = unknownKey(r, kp, ["min", "max"]);
      if (bad.length > 0) return bad;
      const min = r.get("min"), max = r.get("max");
      if (min == null && max == null) return kp + ": give min, max or both";
      if (min != null && min.kind != JsonKind.Number) return kp + ".min: must be a number";
      if (max != null && max.kind != JsonKind.Number) return kp + ".max: must be a number";
      const lo = min == null ? NaN : min.num, hi = max == null ? NaN : max.num;
      if (!isNaN(lo) && !isNaN(hi) && lo > hi) return kp + ": min is above max";
      into.ranges.set(ranges.keys[i], new NumberRange(lo, hi));
    }
  }
  const sets = doc.get("sets");
  if (sets != null) {
    const sp = join(path, "sets");
    if (sets.kind != JsonKind.Object) return sp + ": must be an object of config name to an array of allowed values";
    for (let i = 0; i < sets.keys.length; i++) {
      const values = readStrings(sets.items[i], join(sp, sets.keys[i]), problem);
      if (problem.length > 0) return problem[0];
      if (values.length == 0) return join(sp, sets.keys[i]) + ": must list at least one value";
      into.sets.set(sets.keys[i], values);
    }
  }
  const allow = into.allowed;
  if (allow != null) {
    for (let i = 0; i < into.required.length; i++) {
      if (!allow.includes(into.required[i])) return join(path, "required") + ": " + into.required[i] + " is required but not in " + join(path, "allowed");
    }
  }
  return "";
}
