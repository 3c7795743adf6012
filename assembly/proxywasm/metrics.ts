// Envoy stats defined by the plugin. They appear as `wasmcustom.<name>` in /stats.
// Labels come from Envoy's stats_tags regexes, so names are built as dotted
// `<metric>.<label>_<value>` segments (see tagName) that one regex per label can strip.
import { proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric } from "./hostcalls";
import { MetricType, Status } from "./enums";
import { OUT_EXTRA } from "./memory";

function defineMetric(type: MetricType, name: string): u32 {
  const bytes = String.UTF8.encode(name);
  store<u32>(OUT_EXTRA, 0);
  const status = proxy_define_metric(type, changetype<usize>(bytes), bytes.byteLength, OUT_EXTRA);
  // 0 is never a valid id in Envoy; using it later is a harmless NOT_FOUND.
  return status == Status.Ok ? load<u32>(OUT_EXTRA) : 0;
}

function readMetric(id: u32): u64 {
  store<u64>(OUT_EXTRA, 0);
  proxy_get_metric(id, OUT_EXTRA);
  return load<u64>(OUT_EXTRA);
}

/** A monotonically increasing counter. */
export class Counter {
  readonly id: u32;
  constructor(readonly name: string) { this.id = defineMetric(MetricType.Counter, name); }
  increment(by: u64 = 1): void { if (by > 0) proxy_increment_metric(this.id, <i64>by); }
  get(): u64 { return readMetric(this.id); }
}

/** A value that goes up and down, or is set outright. */
export class Gauge {
  readonly id: u32;
  constructor(readonly name: string) { this.id = defineMetric(MetricType.Gauge, name); }
  add(delta: i64): void { proxy_increment_metric(this.id, delta); }
  set(value: u64): void { proxy_record_metric(this.id, value); }
  get(): u64 { return readMetric(this.id); }
}

/** A distribution; Envoy computes its quantiles. */
export class Histogram {
  readonly id: u32;
  constructor(readonly name: string) { this.id = defineMetric(MetricType.Histogram, name); }
  record(value: u64): void { proxy_record_metric(this.id, value); }
}

/**
 * Builds a tag-friendly name: tagName("kafka.requests", "api", "Produce") is
 * "kafka.requests.api_Produce". Dots in the value are replaced so each label stays one segment.
 */
export function tagName(base: string, label: string, value: string): string {
  return base + "." + label + "_" + value.replaceAll(".", "_");
}

/**
 * Counters created on first use, one per label value: for labels whose values are
 * not known up front. The metric name is built once per value, not per increment.
 */
export class CounterFamily {
  private readonly byValue: Map<string, Counter> = new Map();
  private readonly byIndex: Map<i32, Counter> = new Map();
  constructor(readonly base: string, readonly label: string) {}

  get(value: string): Counter {
    if (this.byValue.has(value)) return this.byValue.get(value);
    const c = new Counter(tagName(this.base, this.label, value));
    this.byValue.set(value, c);
    return c;
  }

  /** The counter for a small integer key (an API key, say), naming it with `value` the first time. */
  at(index: i32, value: string): Counter {
    if (this.byIndex.has(index)) return this.byIndex.get(index);
    const c = this.get(value);
    this.byIndex.set(index, c);
    return c;
  }
}

/** A metric-name segment from a plugin name: letters, digits and `_` kept, the rest `_`. */
export function metricSegment(name: string): string {
  if (name.length == 0) return "plugin";
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
    out += ok ? String.fromCharCode(c) : "_";
  }
  return out;
}
