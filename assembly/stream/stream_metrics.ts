// Counters of the stream layer, named after the plugin that counts them:
//   kafka_stream.<plugin>.<counter>
// where <plugin> is the filter's `name` in Envoy's configuration (the `plugin_name` property),
// with anything but letters, digits and `_` turned into `_`. Each plugin of a chain has its own
// VM and sees every frame, so counters shared by name would count each event once per plugin.
// Defined once per VM on first use: defining a metric is a host call, which top-level code must
// not make.
import { Counter, plugin, RateLimitedLog, LogLevel, metricSegment } from "../proxywasm/index";

export { metricSegment };

export class StreamMetrics {
  readonly malformed: Counter;
  readonly oversize: Counter;
  readonly unmatched: Counter;
  readonly passthrough: Counter;
  readonly closed: Counter;
  readonly truncated: Counter;
  readonly reassembled: Counter;
  readonly streamed: Counter;
  readonly clamped: Counter;
  readonly substituted: Counter;
  readonly overBudget: Counter;

  constructor(readonly prefix: string) {
    this.malformed = new Counter(prefix + "malformed_frames");
    this.oversize = new Counter(prefix + "oversize_frames");
    this.unmatched = new Counter(prefix + "unmatched_responses");
    this.passthrough = new Counter(prefix + "passthrough_connections");
    this.closed = new Counter(prefix + "closed_connections");
    this.truncated = new Counter(prefix + "truncated_frames");
    this.reassembled = new Counter(prefix + "reassembled_frames");
    this.streamed = new Counter(prefix + "streamed_frames");
    this.clamped = new Counter(prefix + "api_versions_clamped");
    this.substituted = new Counter(prefix + "answered_by_plugin");
    this.overBudget = new Counter(prefix + "over_budget_connections");
  }
}

let instance: StreamMetrics | null = null;

export function streamMetrics(): StreamMetrics {
  let m = instance;
  if (m == null) {
    const name = plugin.name();
    m = new StreamMetrics("kafka_stream." + metricSegment(name == null ? "" : name) + ".");
    instance = m;
  }
  return m;
}

let warnings: RateLimitedLog | null = null;

/** The stream layer's warnings about single connections: at most 10 lines a minute per VM. */
export function streamWarnings(): RateLimitedLog {
  let w = warnings;
  if (w == null) { w = new RateLimitedLog(LogLevel.Warn, 10); warnings = w; }
  return w;
}
