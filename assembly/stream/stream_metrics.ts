// Counters every Kafka-aware connection shares, defined once per VM on first use
// (defining a metric is a host call, which top-level code must not make).
import { Counter } from "../proxywasm/index";

export class StreamMetrics {
  readonly malformed: Counter = new Counter("kafka_stream.malformed_frames");
  readonly oversize: Counter = new Counter("kafka_stream.oversize_frames");
  readonly unmatched: Counter = new Counter("kafka_stream.unmatched_responses");
  readonly passthrough: Counter = new Counter("kafka_stream.passthrough_connections");
  readonly closed: Counter = new Counter("kafka_stream.closed_connections");
  readonly truncated: Counter = new Counter("kafka_stream.truncated_frames");
  readonly reassembled: Counter = new Counter("kafka_stream.reassembled_frames");
  readonly clamped: Counter = new Counter("kafka_stream.api_versions_clamped");
  readonly substituted: Counter = new Counter("kafka_stream.answered_by_plugin");
}

let instance: StreamMetrics | null = null;

export function streamMetrics(): StreamMetrics {
  let m = instance;
  if (m == null) { m = new StreamMetrics(); instance = m; }
  return m;
}
