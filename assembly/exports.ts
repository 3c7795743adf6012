// Re-exported by every plugin's entry file: the Proxy-Wasm export surface Envoy calls.
export * from "./proxywasm/exports";
