// The Proxy-Wasm SDK's public API (layer 3 and helpers). Knows nothing of Kafka.
export * from "./enums";
export { RootContext, ConnectionContext } from "./context";
export { registerRootContext, setEffectiveContext } from "./dispatcher";
export * from "./log";
export * from "./metrics";
export * from "./label_limit";
export * from "./properties";
export * from "./time";
export * from "./shared_data";
export * from "./shared_queue";
export * from "./http_call";
export { getBufferBytes, getBufferSize, replaceBuffer, setBufferBytesRaw } from "./buffers";
