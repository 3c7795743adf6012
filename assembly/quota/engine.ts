// The quota engine: which quota applies to a topic or tenant, the shared byte rates, the
// throttle times, and the metrics of throttled time. One per root context; connections call it.
//
// It measures and decides; it never touches frames (ConnectionQuota does that). A plugin that
// wants quotas but not ConnectionQuota's glue can call it directly:
//   produceThrottle(tenant, requestBytes, topics, topicBytes, nowMs)   → ms to throttle
//   fetchThrottle(tenant, responseBytes, topics, nowMs)                → ms to throttle
//   recordFetchedTopic(topic, bytes, nowMs)                            (after a response passed)
//   fetchCapForTenant(tenant), fetchCapForTopic(topic)                 → max bytes a Fetch should ask for (0: none)
import { JsonValue } from "../config/json";
import { Counter, tagName } from "../proxywasm/metrics";
import { QuotaConfig, QuotaRule, readQuotaConfig } from "./config";
import { RateShape } from "./rate";
import { SharedRates } from "./shared_rates";

/** A label value that stands for every topic or tenant beyond the metric limit. */
const OTHER = "_other";

/** Counters of throttled milliseconds per label value, at most `limit` values (the rest count under "_other"). */
class ThrottleMetrics {
  private readonly byValue: Map<string, Counter> = new Map();
  constructor(readonly base: string, readonly label: string, readonly limit: i32) {}
  add(value: string, ms: i32): void {
    if (ms <= 0) return;
    let name = value;
    if (!this.byValue.has(name) && this.byValue.size >= this.limit) name = OTHER;
    let c: Counter;
    if (this.byValue.has(name)) c = this.byValue.get(name);
    else { c = new Counter(tagName(this.base, this.label, name)); this.byValue.set(name, c); }
    c.increment(<u64>ms);
  }
}

/**
 * The shared table for a configuration. The shape is part of the keys, so every worker that runs
 * the same configuration uses the same slots, and records of another shape are never misread.
 */
function ratesFor(prefix: string, c: QuotaConfig): SharedRates {
  const kind = c.tokenBucket ? ".bucket" : ".rate";
  return new SharedRates(prefix + kind + c.samples.toString() + "x" + c.windowSeconds.toString(), c.maxTrackedKeys,
    new RateShape(c.samples, <i64>c.windowSeconds * 1000, c.tokenBucket));
}

/** The engines of this VM by prefix (QuotaEngine.forPrefix). */
const enginesByPrefix = new Map<string, QuotaEngine>();

export class QuotaEngine {
  /**
   * The VM's engine for `prefix`, made on first use. Envoy gives a new plugin configuration a new
   * root context in the same VM and keeps the connections of the previous one open while they
   * drain; with one engine per VM the newest configuration applies to those connections too.
   */
  static forPrefix(prefix: string): QuotaEngine {
    if (enginesByPrefix.has(prefix)) return enginesByPrefix.get(prefix);
    const e = new QuotaEngine(prefix);
    enginesByPrefix.set(prefix, e);
    return e;
  }

  config: QuotaConfig = new QuotaConfig();
  private rates: SharedRates;
  private readonly produceByTopic: ThrottleMetrics;
  private readonly produceByTenant: ThrottleMetrics;
  private readonly fetchByTopic: ThrottleMetrics;
  private readonly fetchByTenant: ThrottleMetrics;
  /** Responses whose throttle time the engine raised. */
  readonly throttledResponses: Counter;
  /** Fetch requests whose max_bytes or partition_max_bytes the engine lowered. */
  readonly limitedFetches: Counter;

  /**
   * `prefix` names the shared-data keys ("<prefix>.rate.<n>") and the metrics
   * ("<prefix>.produce_throttle_ms.topic_<t>", "<prefix>.fetch_throttle_ms.tenant_<t>", …).
   */
  constructor(readonly prefix: string) {
    const initial = new QuotaConfig();
    const limit = initial.maxTrackedKeys;
    this.produceByTopic = new ThrottleMetrics(prefix + ".produce_throttle_ms", "topic", limit);
    this.produceByTenant = new ThrottleMetrics(prefix + ".produce_throttle_ms", "tenant", limit);
    this.fetchByTopic = new ThrottleMetrics(prefix + ".fetch_throttle_ms", "topic", limit);
    this.fetchByTenant = new ThrottleMetrics(prefix + ".fetch_throttle_ms", "tenant", limit);
    this.throttledResponses = new Counter(prefix + ".throttled_responses");
    this.limitedFetches = new Counter(prefix + ".limited_fetches");
    this.rates = ratesFor(prefix, initial);
    this.config = initial;
  }

  /**
   * Reads the `quotas` section (null: no quotas). Returns "" and applies it, or returns a message
   * naming the bad field and keeps the running configuration. Rates already measured survive a
   * change of rules; a change of window, samples or max_tracked_keys starts them afresh.
   */
  configure(section: JsonValue | null): string {
    const next = new QuotaConfig();
    const problem = readQuotaConfig(section, next);
    if (problem.length > 0) return problem;
    const old = this.config;
    if (next.samples != old.samples || next.windowSeconds != old.windowSeconds || next.maxTrackedKeys != old.maxTrackedKeys || next.tokenBucket != old.tokenBucket) {
      this.rates = ratesFor(this.prefix, next);
    }
    this.config = next;
    return "";
  }

  /** Compare-and-swap conflicts given up and keys evicted, across this VM's updates. */
  get lostUpdates(): u64 { return this.rates.lostUpdates; }
  get evictions(): u64 { return this.rates.evictions; }

  private charge(key: string, bytes: f64, quota: f64, nowMs: i64): i32 {
    return this.rates.charge(key, nowMs, bytes, quota, this.config.maxThrottleMs, true);
  }

  private current(key: string, quota: f64, nowMs: i64): i32 {
    return this.rates.charge(key, nowMs, 0, quota, this.config.maxThrottleMs, false);
  }

  /**
   * A Produce request: `requestBytes` (its size on the wire) count against the tenant's
   * produce quota, and `topicBytes[i]` (the records sent to `topics[i]`) against that topic's.
   * Returns the throttle time: the largest any of those quotas asks for.
   */
  produceThrottle(tenant: string, requestBytes: i32, topics: Array<string>, topicBytes: Array<f64>, nowMs: i64): i32 {
    let worst = 0;
    const c = this.config;
    const tr = c.tenantRule(tenant);
    if (tr != null && tr.produceBytesPerSecond > 0) {
      const t = this.charge("p.c." + tenant, <f64>requestBytes, tr.produceBytesPerSecond, nowMs);
      this.produceByTenant.add(tenant, t);
      if (t > worst) worst = t;
    }
    for (let i = 0; i < topics.length && i < topicBytes.length; i++) {
      const rule = c.topicRule(topics[i]);
      if (rule == null || rule.produceBytesPerSecond <= 0) continue;
      const t = this.charge("p.t." + topics[i], topicBytes[i], rule.produceBytesPerSecond, nowMs);
      this.produceByTopic.add(topics[i], t);
      if (t > worst) worst = t;
    }
    return worst;
  }

  /**
   * A Fetch response of `responseBytes` (its size on the wire) starts: they count against the
   * tenant's fetch quota now, as Kafka counts a response. Topics' fetched bytes are counted as
   * they are known (recordFetchedTopic, once the response has passed), so each listed topic's
   * throttle comes from what it fetched before this response. Returns the largest throttle.
   */
  fetchThrottle(tenant: string, responseBytes: i32, topics: Array<string>, nowMs: i64): i32 {
    let worst = 0;
    const c = this.config;
    const tr = c.tenantRule(tenant);
    if (tr != null && tr.fetchBytesPerSecond > 0) {
      const t = this.charge("f.c." + tenant, <f64>responseBytes, tr.fetchBytesPerSecond, nowMs);
      this.fetchByTenant.add(tenant, t);
      if (t > worst) worst = t;
    }
    for (let i = 0; i < topics.length; i++) {
      const rule = c.topicRule(topics[i]);
      if (rule == null || rule.fetchBytesPerSecond <= 0) continue;
      const t = this.current("f.t." + topics[i], rule.fetchBytesPerSecond, nowMs);
      this.fetchByTopic.add(topics[i], t);
      if (t > worst) worst = t;
    }
    return worst;
  }

  /** Bytes a Fetch response delivered for `topic`, counted against its fetch quota. */
  recordFetchedTopic(topic: string, bytes: f64, nowMs: i64): void {
    const rule = this.config.topicRule(topic);
    if (rule == null || rule.fetchBytesPerSecond <= 0 || bytes <= 0) return;
    this.rates.charge("f.t." + topic, nowMs, bytes, rule.fetchBytesPerSecond, this.config.maxThrottleMs, true);
  }

  /** The most a Fetch by `tenant` should ask for in all (0: no limit). */
  fetchCapForTenant(tenant: string): i32 {
    const r = this.config.tenantRule(tenant);
    return r == null ? 0 : this.cap(r.fetchBytesPerSecond);
  }

  /** The most a Fetch should ask for from `topic` (0: no limit). */
  fetchCapForTopic(topic: string): i32 {
    const r = this.config.topicRule(topic);
    return r == null ? 0 : this.cap(r.fetchBytesPerSecond);
  }

  /** Whether `topic` has a fetch quota. */
  limitsFetchOf(topic: string): bool {
    const r = this.config.topicRule(topic);
    return r != null && r.fetchBytesPerSecond > 0;
  }

  private cap(perSecond: f64): i32 {
    if (perSecond <= 0) return 0;
    const b = perSecond * this.config.fetchMaxBytesSeconds;
    if (b >= <f64>i32.MAX_VALUE) return i32.MAX_VALUE;
    return b < 1 ? 1 : <i32>b;
  }
}

export { QuotaRule };
