// The mark of a plugin that protects data (it masks, or refuses what it must not let through).
// A plugin's entry file re-exports it:
//   export { kafka_proxy_wasm_protects_data } from "kafka-proxy-wasm/assembly/proxywasm/protects_data";
// and the module then exports this global. The toolkit's deploy tools (`envoy-config`, `dev`)
// look for that export in the module itself, so that the rule "a plugin that protects data never
// runs FAIL_OPEN" holds whatever the file is named (pii-filter-1.2.wasm, say): once such a VM
// died, FAIL_OPEN would wave new connections past it unscanned.
export const kafka_proxy_wasm_protects_data: i32 = 1;
