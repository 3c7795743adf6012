// The `quotas` section of a plugin's configuration, read and checked. A bad value is refused with
// a message naming the field ("quotas.topics[1].produce_bytes_per_second: …"), so on_configure
// fails and Envoy keeps the configuration it had.
//
//   "quotas": {
//     "tenant_key": "client_id",            // client_id | sasl_principal | source_address | sni
//     "topics":  [ { "topic": "orders", "produce_bytes_per_second": 2097152, "fetch_bytes_per_second": 4194304 } ],
//     "tenants": [ { "tenant": "*", "produce_bytes_per_second": 10485760 } ],
//     "algorithm": "token_bucket",          // or "sampled_rate" (rate.ts says how each measures)
//     "window_seconds": 1, "samples": 11,   // Kafka's quota.window.size.seconds and quota.window.num
//     "max_throttle_ms": 30000,
//     "max_tracked_keys": 4096,
//     "fetch_max_bytes_seconds": 1
//   }
//
// `topic` and `tenant` are names or globs (`*` any run, `?` one character); the first entry that
// matches applies, and every topic or tenant it matches gets a quota of its own (as a Kafka
// default quota does for each client). A rate of 0 or an absent one means no quota.
import { JsonValue, JsonKind } from "../config/json";
import { globMatch } from "../record_layer/scope";

export enum TenantKey {
  ClientId = 0,
  SaslPrincipal = 1,
  SourceAddress = 2,
  Sni = 3,
}

export const TENANT_KEYS: Array<string> = ["client_id", "sasl_principal", "source_address", "sni"];

/** One entry of `topics` or `tenants`. */
export class QuotaRule {
  constructor(
    /** The name or glob it applies to. */
    readonly pattern: string,
    /** Bytes per second produced; 0: no quota. */
    readonly produceBytesPerSecond: f64,
    /** Bytes per second fetched; 0: no quota. */
    readonly fetchBytesPerSecond: f64,
  ) {}
}

export class QuotaConfig {
  tenantKey: TenantKey = TenantKey.ClientId;
  topics: Array<QuotaRule> = [];
  tenants: Array<QuotaRule> = [];
  windowSeconds: i32 = 1;
  samples: i32 = 11;
  maxThrottleMs: i32 = 30000;
  maxTrackedKeys: i32 = 4096;
  /** "token_bucket" (default; KIP-599) or "sampled_rate" (Kafka's client quotas). */
  tokenBucket: bool = true;
  /** A Fetch under a fetch quota asks for at most this many seconds of that quota's bytes. */
  fetchMaxBytesSeconds: f64 = 1;

  /** Whether any rule limits produce (fetch) at all. */
  get limitsProduce(): bool { return anyRate(this.topics, true) || anyRate(this.tenants, true); }
  get limitsFetch(): bool { return anyRate(this.topics, false) || anyRate(this.tenants, false); }
  get limitsTopicFetch(): bool { return anyRate(this.topics, false); }
  get limitsTopicProduce(): bool { return anyRate(this.topics, true); }

  /** The first topic rule matching `topic`, or null. */
  topicRule(topic: string): QuotaRule | null { return firstMatch(this.topics, topic); }
  /** The first tenant rule matching `tenant`, or null. */
  tenantRule(tenant: string): QuotaRule | null { return firstMatch(this.tenants, tenant); }
}

function anyRate(rules: Array<QuotaRule>, produce: bool): bool {
  for (let i = 0; i < rules.length; i++) if ((produce ? rules[i].produceBytesPerSecond : rules[i].fetchBytesPerSecond) > 0) return true;
  return false;
}

function firstMatch(rules: Array<QuotaRule>, name: string): QuotaRule | null {
  for (let i = 0; i < rules.length; i++) if (globMatch(rules[i].pattern, name)) return rules[i];
  return null;
}

/** Keys `quotas` may hold; anything else is refused (a misspelt key would silently mean no quota). */
const KNOWN = ["algorithm", "tenant_key", "topics", "tenants", "window_seconds", "samples", "max_throttle_ms", "max_tracked_keys", "fetch_max_bytes_seconds"];
const RULE_KNOWN = ["produce_bytes_per_second", "fetch_bytes_per_second"];
/** Rules per list: each request walks them. */
const MAX_RULES: i32 = 1000;

function wholeIn(v: JsonValue, min: f64, max: f64): bool {
  return v.kind == JsonKind.Number && v.num >= min && v.num <= max && v.num == Math.floor(v.num);
}

/**
 * Reads `section` (the value of "quotas"; null: no quotas) into `out`. Returns "" when valid,
 * else a message naming the field; `out` may then be half-filled and must be thrown away.
 */
export function readQuotaConfig(section: JsonValue | null, out: QuotaConfig, path: string = "quotas"): string {
  if (section == null) return "";
  if (section.kind != JsonKind.Object) return path + ": must be an object";
  for (let i = 0; i < section.keys.length; i++) {
    if (!KNOWN.includes(section.keys[i])) return path + "." + section.keys[i] + ": unknown setting (known: " + KNOWN.join(", ") + ")";
  }
  const key = section.get("tenant_key");
  if (key != null) {
    const at = key.kind == JsonKind.String ? TENANT_KEYS.indexOf(key.str) : -1;
    if (at < 0) return path + ".tenant_key: must be one of " + TENANT_KEYS.join(", ");
    out.tenantKey = <TenantKey>at;
  }
  const alg = section.get("algorithm");
  if (alg != null) {
    if (alg.kind != JsonKind.String || (alg.str != "token_bucket" && alg.str != "sampled_rate")) return path + ".algorithm: must be token_bucket or sampled_rate";
    out.tokenBucket = alg.str == "token_bucket";
  }
  const w = section.get("window_seconds");
  if (w != null) {
    if (!wholeIn(w, 1, 3600)) return path + ".window_seconds: must be a whole number from 1 to 3600";
    out.windowSeconds = <i32>w.num;
  }
  const s = section.get("samples");
  if (s != null) {
    if (!wholeIn(s, 2, 100)) return path + ".samples: must be a whole number from 2 to 100";
    out.samples = <i32>s.num;
  }
  const m = section.get("max_throttle_ms");
  if (m != null) {
    if (!wholeIn(m, 1, 2147483647)) return path + ".max_throttle_ms: must be a whole number from 1 to 2147483647";
    out.maxThrottleMs = <i32>m.num;
  }
  const k = section.get("max_tracked_keys");
  if (k != null) {
    if (!wholeIn(k, 1, 1000000)) return path + ".max_tracked_keys: must be a whole number from 1 to 1000000";
    out.maxTrackedKeys = <i32>k.num;
  }
  const f = section.get("fetch_max_bytes_seconds");
  if (f != null) {
    if (f.kind != JsonKind.Number || !(f.num > 0) || f.num > 3600) return path + ".fetch_max_bytes_seconds: must be a number above 0 and at most 3600";
    out.fetchMaxBytesSeconds = f.num;
  }
  const t = readRules(section.get("topics"), path + ".topics", "topic", out.topics);
  if (t.length > 0) return t;
  return readRules(section.get("tenants"), path + ".tenants", "tenant", out.tenants);
}

function readRules(list: JsonValue | null, path: string, nameKey: string, out: Array<QuotaRule>): string {
  if (list == null) return "";
  if (list.kind != JsonKind.Array) return path + ": must be an array";
  if (list.items.length > MAX_RULES) return path + ": at most " + MAX_RULES.toString() + " entries";
  for (let i = 0; i < list.items.length; i++) {
    const at = path + "[" + i.toString() + "]";
    const e = list.items[i];
    if (e.kind != JsonKind.Object) return at + ": must be an object";
    for (let j = 0; j < e.keys.length; j++) {
      const name = e.keys[j];
      if (name != nameKey && !RULE_KNOWN.includes(name)) return at + "." + name + ": unknown setting (known: " + nameKey + ", " + RULE_KNOWN.join(", ") + ")";
    }
    const n = e.get(nameKey);
    if (n == null || n.kind != JsonKind.String || n.str.length == 0) return at + "." + nameKey + ": must be a non-empty name or glob";
    let produce: f64 = 0, fetch: f64 = 0;
    const p = e.get("produce_bytes_per_second");
    if (p != null) {
      if (p.kind != JsonKind.Number || !(p.num >= 0) || p.num > 1e15) return at + ".produce_bytes_per_second: must be a number from 0 (no quota) to 1e15";
      produce = p.num;
    }
    const fe = e.get("fetch_bytes_per_second");
    if (fe != null) {
      if (fe.kind != JsonKind.Number || !(fe.num >= 0) || fe.num > 1e15) return at + ".fetch_bytes_per_second: must be a number from 0 (no quota) to 1e15";
      fetch = fe.num;
    }
    if (p == null && fe == null) return at + ": needs produce_bytes_per_second or fetch_bytes_per_second";
    out.push(new QuotaRule(n.str, produce, fetch));
  }
  return "";
}
