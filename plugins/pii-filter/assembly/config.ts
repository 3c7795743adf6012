// pii-filter's configuration, read and validated in one place. Nothing is applied until
// everything has been checked, so an invalid rule leaves the previous policy whole (and
// on_configure fails, so Envoy refuses the configuration).
import { StreamConfig, MalformedPolicy, readStreamConfig, parsePolicy, JsonKind, JsonValue } from "../../../assembly/index";
import { Scanner, Tuning, DETECTOR_NAMES, DETECTOR_COUNT, Action, ACTION_NAMES } from "./scanner";
import { globMatch, Regex } from "../../../assembly/index";
import { JsonFields } from "./json_fields";
import { DEFAULT_SECRET_KEYS, DEFAULT_IGNORE_KEYS, MAX_WORDS } from "./words";
import { PHONE_LOCALES, shapesOf } from "./phone";

export { DEFAULT_SECRET_KEYS } from "./words";

/** Which detectors run, and what each does, for the topics a rule matches. */
export class RuleSet {
  private built: Scanner | null = null;
  constructor(
    /** A topic name or glob (`*` any run of characters, `?` one); "*" for the defaults. */
    readonly match: string,
    /** Leave these topics alone entirely. */
    readonly skip: bool,
    readonly enabled: StaticArray<bool>,
    readonly actions: StaticArray<i32>,
  ) {}

  /** One scanner per rule set and VM: a scan is synchronous, so connections share it. */
  scanner(config: PiiConfig): Scanner {
    let sc = this.built;
    if (sc == null) {
      sc = new Scanner(this.enabled, config.secretKeys, config.rules, config.jsonFields, config.tuning);
      for (let d = 0; d < this.actions.length; d++) sc.actions[d] = this.actions[d];
      sc.partialKeep = config.partialKeep;
      this.built = sc;
    }
    return sc;
  }
}

export class PiiConfig {
  stream: StreamConfig = new StreamConfig();
  secretKeys: Array<string> = DEFAULT_SECRET_KEYS;
  /** ignore_keys, phone_locales and confidence. */
  tuning: Tuning = new Tuning();
  onUnsupported: i32 = MalformedPolicy.Close;
  maxDecompressed: i32 = 104857600;
  onProduce: bool = true;
  onFetch: bool = false;
  fetchExemptClients: Array<string> = [];
  fetchExemptPrincipals: Array<string> = [];
  partialKeep: i32 = 4;
  hashKey: Uint8Array | null = null;
  /** User rules (the `rules` key), compiled; detector DETECTOR_COUNT + k is rules[k]. */
  rules: Array<Regex> = [];
  /** The `json_fields` paths, or null when there are none. */
  jsonFields: JsonFields | null = null;
  /** Every detector's name: the built-ins, then the user rules. */
  names: Array<string> = DETECTOR_NAMES;
  defaults: RuleSet = new RuleSet("*", false, allOn(DETECTOR_COUNT), new StaticArray<i32>(DETECTOR_COUNT));
  /** Per-topic rules, first match wins; topics no rule matches get `defaults`. */
  topics: Array<RuleSet> = [];
  private readonly cache: Map<string, RuleSet> = new Map();

  /** The rules for a topic ("" when its name is not known: the defaults). */
  rulesFor(topic: string): RuleSet {
    if (this.topics.length == 0 || topic.length == 0) return this.defaults;
    if (this.cache.has(topic)) return this.cache.get(topic);
    let found = this.defaults;
    for (let i = 0; i < this.topics.length; i++) if (globMatch(this.topics[i].match, topic)) { found = this.topics[i]; break; }
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(topic, found);
    return found;
  }

  /** True when any rule set's action is `a`. */
  uses(a: Action): bool {
    if (this.defaults.actions.includes(a)) return true;
    for (let i = 0; i < this.topics.length; i++) if (this.topics[i].actions.includes(a)) return true;
    return false;
  }
}

function allOn(count: i32): StaticArray<bool> {
  const on = new StaticArray<bool>(count);
  for (let i = 0; i < count; i++) on[i] = true;
  return on;
}

/** Reads `detectors` (a list of names) into `into`; `inherit` when absent. An error message, or "". */
function readDetectors(v: JsonValue | null, path: string, names: Array<string>, inherit: StaticArray<bool>, into: StaticArray<bool>): string {
  if (v == null) { for (let i = 0; i < into.length; i++) into[i] = inherit[i]; return ""; }
  if (v.kind != JsonKind.Array) return path + ": must be a list of detector names";
  for (let i = 0; i < v.items.length; i++) {
    const d = v.items[i];
    const at = d.kind == JsonKind.String ? names.indexOf(d.str) : -1;
    if (at < 0) return path + "[" + i.toString() + "]: unknown detector (known: " + names.join(", ") + ")";
    into[at] = true;
  }
  return "";
}

/** Reads `actions` (detector → action) over a copy of `inherit`. */
function readActions(v: JsonValue | null, path: string, names: Array<string>, inherit: StaticArray<i32>, into: StaticArray<i32>): string {
  for (let i = 0; i < into.length; i++) into[i] = inherit[i];
  if (v == null) return "";
  if (v.kind != JsonKind.Object) return path + ": must map detector names to " + ACTION_NAMES.join(", ");
  for (let i = 0; i < v.keys.length; i++) {
    const d = names.indexOf(v.keys[i]);
    if (d < 0) return path + "." + v.keys[i] + ": unknown detector (known: " + names.join(", ") + ")";
    const a = v.items[i].kind == JsonKind.String ? ACTION_NAMES.indexOf(v.items[i].str) : -1;
    if (a < 0) return path + "." + v.keys[i] + ": must be one of " + ACTION_NAMES.join(", ");
    into[d] = a;
  }
  return "";
}

const JSON_FIELD_INDEX = DETECTOR_NAMES.indexOf("json_field");

/** The list readWords read last (AssemblyScript has no tuples to return it with the error). */
let lastWords: Array<string> = [];

/**
 * A word list that replaces the defaults (`name`) or adds to them (`extraName`), lower-cased;
 * at most MAX_WORDS in all. An error naming the field, or "".
 */
function readWords(v: JsonValue | null, name: string, defaults: Array<string>, extra: JsonValue | null, extraName: string): string {
  const words = new Array<string>();
  if (v == null) { for (let i = 0; i < defaults.length; i++) words.push(defaults[i]); }
  else {
    if (v.kind != JsonKind.Array) return name + ": must be a list of strings";
    for (let i = 0; i < v.items.length; i++) {
      if (v.items[i].kind != JsonKind.String || v.items[i].str.length == 0) return name + "[" + i.toString() + "]: must be a non-empty string";
      words.push(v.items[i].str.toLowerCase());
    }
  }
  if (extra != null) {
    if (extra.kind != JsonKind.Array) return extraName + ": must be a list of strings";
    for (let i = 0; i < extra.items.length; i++) {
      if (extra.items[i].kind != JsonKind.String || extra.items[i].str.length == 0) return extraName + "[" + i.toString() + "]: must be a non-empty string";
      words.push(extra.items[i].str.toLowerCase());
    }
  }
  if (words.length > MAX_WORDS) return (extra != null ? extraName : name) + ": at most " + MAX_WORDS.toString() + " words in all (" + words.length.toString() + " with the " + (v == null ? "defaults" : name) + ")";
  lastWords = words;
  return "";
}

function readStrings(v: JsonValue | null, path: string, into: Array<string>): string {
  if (v == null) return "";
  if (v.kind != JsonKind.Array) return path + ": must be a list of strings";
  for (let i = 0; i < v.items.length; i++) {
    if (v.items[i].kind != JsonKind.String) return path + "[" + i.toString() + "]: must be a string";
    into.push(v.items[i].str);
  }
  return "";
}

/** Whole-number setting in [min, max]; `fallback` when absent. NaN-free: returns min-1 on error. */
function readInt(v: JsonValue | null, fallback: i32, min: f64, max: f64): i64 {
  if (v == null) return fallback;
  if (v.kind != JsonKind.Number || v.num < min || v.num > max || v.num != Math.floor(v.num)) return <i64>min - 1;
  return <i64>v.num;
}

/** Reads and validates a whole configuration into `c`. An error naming the field, or "". */
/** pii-filter's own top-level keys (the library refuses any other but its own). */
export const PII_SETTINGS: string[] = ["rules", "json_fields", "detectors", "secret_keys", "extra_secret_keys", "ignore_keys", "extra_ignore_keys",
  "phone_locales", "confidence", "on_unsupported", "max_decompressed_bytes", "direction", "fetch_exempt_clients", "fetch_exempt_principals",
  "actions", "partial_keep", "topics", "hash_key"];

export function readPiiConfig(doc: JsonValue, c: PiiConfig): string {
  const problem = readStreamConfig(doc, c.stream);
  if (problem.length > 0) return problem;

  let p = readRules(doc.get("rules"), c);
  if (p.length > 0) return p;
  const jf = doc.get("json_fields");
  if (jf != null) {
    if (jf.kind != JsonKind.Array || jf.items.length > 256) return "json_fields: must be a list of up to 256 field names or paths";
    const fields = new JsonFields();
    for (let i = 0; i < jf.items.length; i++) {
      const f = jf.items[i];
      if (f.kind != JsonKind.String) return "json_fields[" + i.toString() + "]: must be a string";
      const why = JsonFields.check(f.str);
      if (why.length > 0) return "json_fields[" + i.toString() + "]: " + why;
      fields.add(f.str);
    }
    if (fields.size > 0) c.jsonFields = fields;
  }
  const count = c.names.length;
  const enabled = new StaticArray<bool>(count);
  p = readDetectors(doc.get("detectors"), "detectors", c.names, allOn(count), enabled);
  if (p.length > 0) return p;
  p = readWords(doc.get("secret_keys"), "secret_keys", DEFAULT_SECRET_KEYS, doc.get("extra_secret_keys"), "extra_secret_keys");
  if (p.length > 0) return p;
  c.secretKeys = lastWords;
  p = readWords(doc.get("ignore_keys"), "ignore_keys", DEFAULT_IGNORE_KEYS, doc.get("extra_ignore_keys"), "extra_ignore_keys");
  if (p.length > 0) return p;
  c.tuning.ignoreKeys = lastWords;
  const pl = doc.get("phone_locales");
  if (pl != null) {
    if (pl.kind != JsonKind.Array || pl.items.length == 0) return "phone_locales: must be a list of country codes (" + PHONE_LOCALES.join(", ") + ")";
    let shapes: u32 = 0;
    for (let i = 0; i < pl.items.length; i++) {
      const code = pl.items[i].kind == JsonKind.String ? pl.items[i].str.toLowerCase() : "";
      if (!PHONE_LOCALES.includes(code)) return "phone_locales[" + i.toString() + "]: unknown country code (known: " + PHONE_LOCALES.join(", ") + ")";
      shapes |= shapesOf(code);
    }
    c.tuning.phoneShapes = shapes;
  }
  const conf = doc.get("confidence");
  if (conf != null) {
    if (conf.kind != JsonKind.Object) return "confidence: must map detector names to \"strict\" or \"broad\"";
    for (let i = 0; i < conf.keys.length; i++) {
      const d = DETECTOR_NAMES.indexOf(conf.keys[i]);
      if (d < 0 || d == JSON_FIELD_INDEX) return "confidence." + conf.keys[i] + ": unknown built-in detector (known: " + DETECTOR_NAMES.slice(0, JSON_FIELD_INDEX).join(", ") + ")";
      const v = conf.items[i];
      if (v.kind != JsonKind.String || (v.str != "strict" && v.str != "broad")) return "confidence." + conf.keys[i] + ": must be \"strict\" or \"broad\"";
      c.tuning.broad[d] = v.str == "broad";
    }
  }
  const ou = doc.get("on_unsupported");
  if (ou != null) {
    c.onUnsupported = ou.kind == JsonKind.String ? parsePolicy(ou.str) : -1;
    if (c.onUnsupported < 0) return "on_unsupported: must be \"close\" or \"passthrough\"";
  }
  const md = readInt(doc.get("max_decompressed_bytes"), 104857600, 1024, 1073741824);
  if (md < 1024) return "max_decompressed_bytes: must be a whole number from 1024 to 1073741824";
  c.maxDecompressed = <i32>md;
  const dir = doc.get("direction");
  if (dir != null) {
    if (dir.kind != JsonKind.String || (dir.str != "produce" && dir.str != "fetch" && dir.str != "both")) return "direction: must be \"produce\", \"fetch\" or \"both\"";
    c.onProduce = dir.str != "fetch";
    c.onFetch = dir.str != "produce";
  }
  const clients = doc.get("fetch_exempt_clients");
  if (clients != null && clients.kind != JsonKind.Array) return "fetch_exempt_clients: must be a list of client ids";
  p = readStrings(clients, "fetch_exempt_clients", c.fetchExemptClients);
  if (p.length > 0) return p;
  const principals = doc.get("fetch_exempt_principals");
  if (principals != null && principals.kind != JsonKind.Array) return "fetch_exempt_principals: must be a list of SASL principals";
  p = readStrings(principals, "fetch_exempt_principals", c.fetchExemptPrincipals);
  if (p.length > 0) return p;
  const actions = new StaticArray<i32>(count);
  p = readActions(doc.get("actions"), "actions", c.names, new StaticArray<i32>(count), actions);
  if (p.length > 0) return p;
  const pk = readInt(doc.get("partial_keep"), 4, 1, 64);
  if (pk < 1) return "partial_keep: must be a whole number from 1 to 64";
  c.partialKeep = <i32>pk;
  c.defaults = new RuleSet("*", false, enabled, actions);

  const topics = doc.get("topics");
  if (topics != null) {
    if (topics.kind != JsonKind.Array) return "topics: must be a list of {\"match\": name or glob, ...} rules";
    if (topics.items.length > 256) return "topics: at most 256 rules";
    for (let i = 0; i < topics.items.length; i++) {
      const t = topics.items[i];
      const path = "topics[" + i.toString() + "]";
      if (t.kind != JsonKind.Object) return path + ": must be an object";
      for (let k = 0; k < t.keys.length; k++) {
        const key = t.keys[k];
        if (key != "match" && key != "skip" && key != "detectors" && key != "actions") return path + "." + key + ": unknown (known: match, skip, detectors, actions)";
      }
      const m = t.get("match");
      if (m == null || m.kind != JsonKind.String || m.str.length == 0 || m.str.length > 249) return path + ".match: must be a topic name or glob (1-249 characters)";
      const skip = t.get("skip");
      if (skip != null && skip.kind != JsonKind.Bool) return path + ".skip: must be true or false";
      const on = new StaticArray<bool>(count);
      p = readDetectors(t.get("detectors"), path + ".detectors", c.names, enabled, on);
      if (p.length > 0) return p;
      const act = new StaticArray<i32>(count);
      p = readActions(t.get("actions"), path + ".actions", c.names, actions, act);
      if (p.length > 0) return p;
      c.topics.push(new RuleSet(m.str, skip != null && skip.bool, on, act));
    }
  }

  const hk = doc.get("hash_key");
  if (hk != null) {
    if (hk.kind != JsonKind.String || String.UTF8.byteLength(hk.str) < 16) return "hash_key: must be a string of at least 16 bytes";
    c.hashKey = Uint8Array.wrap(String.UTF8.encode(hk.str));
  }
  if (c.hashKey == null && c.uses(Action.Hash)) return "hash_key: required when an action is hash (a secret of at least 16 bytes)";
  return "";
}

function validRuleName(name: string): bool {
  if (name.length == 0 || name.length > 64) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c == 0x5f));
    if (!ok) return false;
  }
  return true;
}

/**
 * User rules: `[{"name": "employee_id", "regex": "\\bEMP-[0-9]{6}\\b"},
 * {"name": "codenames", "literals": ["Falcon", "Bluebird"], "ignore_case": true, "whole_words": true}]`.
 * Each becomes a detector after the built-ins, named for `detectors`, `actions` and topic rules.
 */
function readRules(v: JsonValue | null, c: PiiConfig): string {
  if (v == null) return "";
  if (v.kind != JsonKind.Array) return "rules: must be a list of {\"name\", \"regex\" or \"literals\"} rules";
  if (v.items.length > 64) return "rules: at most 64 rules";
  const names = new Array<string>();
  for (let i = 0; i < DETECTOR_NAMES.length; i++) names.push(DETECTOR_NAMES[i]);
  const compiled = new Array<Regex>();
  for (let i = 0; i < v.items.length; i++) {
    const r = v.items[i];
    const path = "rules[" + i.toString() + "]";
    if (r.kind != JsonKind.Object) return path + ": must be an object";
    for (let k = 0; k < r.keys.length; k++) {
      const key = r.keys[k];
      if (key != "name" && key != "regex" && key != "literals" && key != "ignore_case" && key != "whole_words") return path + "." + key + ": unknown (known: name, regex, literals, ignore_case, whole_words)";
    }
    const name = r.get("name");
    if (name == null || name.kind != JsonKind.String || !validRuleName(name.str)) return path + ".name: must be lower-case letters, digits and _ (starting with a letter, at most 64)";
    if (names.includes(name.str)) return path + ".name: \"" + name.str + "\" is already a detector";
    const ic = r.get("ignore_case");
    if (ic != null && ic.kind != JsonKind.Bool) return path + ".ignore_case: must be true or false";
    const ignoreCase = ic != null && ic.bool;
    const ww = r.get("whole_words");
    if (ww != null && ww.kind != JsonKind.Bool) return path + ".whole_words: must be true or false";
    const regex = r.get("regex");
    const literals = r.get("literals");
    if ((regex == null) == (literals == null)) return path + ": needs exactly one of regex or literals";
    let re: Regex;
    if (regex != null) {
      if (ww != null) return path + ".whole_words: only for literals (use \\b in a regex)";
      if (regex.kind != JsonKind.String) return path + ".regex: must be a string";
      re = Regex.compile(regex.str, ignoreCase);
      if (re.error.length > 0) return path + ".regex: " + re.error;
    } else {
      const list = literals as JsonValue;
      if (list.kind != JsonKind.Array || list.items.length == 0 || list.items.length > 10000) return path + ".literals: must be a list of 1 to 10000 strings";
      const words = new Array<string>();
      for (let k = 0; k < list.items.length; k++) {
        if (list.items[k].kind != JsonKind.String || list.items[k].str.length == 0) return path + ".literals[" + k.toString() + "]: must be a non-empty string";
        words.push(list.items[k].str);
      }
      re = Regex.literals(words, ignoreCase, ww == null || ww.bool);
      if (re.error.length > 0) return path + ".literals: " + re.error;
    }
    names.push(name.str);
    compiled.push(re);
  }
  c.names = names;
  c.rules = compiled;
  return "";
}
