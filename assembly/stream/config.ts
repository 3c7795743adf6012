// How the stream layer treats a connection; a plugin fills it from its configuration
// (see assembly/config/stream_config.ts for the JSON settings).
import { DEFAULT_BUDGET_BYTES } from "../runtime/budget";

export enum MalformedPolicy {
  /** Close the client connection (the default): nothing unparsed reaches the broker or client. */
  Close = 0,
  /** Stop parsing and forward this connection's bytes untouched from then on. */
  Passthrough = 1,
}

export class StreamConfig {
  /** Largest frame accepted; Kafka's socket.request.max.bytes defaults to 100 MiB. */
  maxFrameSize: i32 = 104857600;
  onMalformed: MalformedPolicy = MalformedPolicy.Close;
  /** What a connection gets when holding its next frame would take the VM over its memory budget. */
  onOverBudget: MalformedPolicy = MalformedPolicy.Close;
  /** Bytes of large buffers this VM may hold at once, for all its connections together. */
  memoryBudget: i64 = DEFAULT_BUDGET_BYTES;
  /** Lower ApiVersions maxima to what the compiled codec knows, so clients never pick a version the plugin cannot parse. */
  clampApiVersions: bool = true;
  /** Bound on requests awaiting a response on one connection. */
  maxInflight: i32 = 4096;
  /** Timestamp each request (one host call per request) so responses carry a latency. */
  recordLatency: bool = false;
}

export function parsePolicy(text: string): i32 {
  if (text == "close") return MalformedPolicy.Close;
  if (text == "passthrough") return MalformedPolicy.Passthrough;
  return -1;
}
