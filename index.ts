// The package root for AssemblyScript: asc resolves `import … from "kafka-proxy-wasm"` to
// node_modules/kafka-proxy-wasm/index.ts (0.27 looks for index.ts there, not for assembly/).
// The API itself is assembly/index.ts; a plugin's entry also re-exports
// "kafka-proxy-wasm/assembly/exports", the callbacks Envoy calls.
export * from "./assembly/index";
