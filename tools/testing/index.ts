// kafka-proxy-wasm/testing: unit-test compiled plugins in Node without Envoy.
export { PluginHost, EmulatedConnection, SharedState, WasmTrap } from "./host.js";
export type { HostOptions, LogLine, Metric, HttpCall } from "./host.js";
export { envoyLinkProblems, ENVOY_ENV_IMPORTS, ENVOY_WASI_IMPORTS } from "./abi.js";
export { FrameTap } from "./frame_tap.js";
export { DropAfterResponse } from "./frame_tap.js";
// Kafka frames from plain objects and back, record batches in every codec, and a fake broker.
export { KafkaCodec, splitFrames } from "./kafka.js";
export type { ApiRef, Body, DecodedRequest, DecodedResponse } from "./kafka.js";
export { recordBatch, readRecordBatches, COMPRESSIONS } from "./records.js";
export type { RecordInput, RecordOutput, BatchOptions, BatchOutput, Compression } from "./records.js";
export { FakeBroker } from "./broker.js";
export type { Handler, StoredTopic, ProduceResult, FetchResult } from "./broker.js";
