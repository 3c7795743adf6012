// kafka-proxy-wasm/testing: unit-test compiled plugins in Node without Envoy.
export { PluginHost, EmulatedConnection, SharedState, WasmTrap } from "./host.js";
export type { HostOptions, LogLine, Metric, HttpCall } from "./host.js";
export { envoyLinkProblems, ENVOY_ENV_IMPORTS, ENVOY_WASI_IMPORTS } from "./abi.js";
export { FrameTap } from "./frame_tap.js";
export { DropAfterResponse } from "./frame_tap.js";
