// The batch builders and readers moved into the test kit (kafka-proxy-wasm/testing); the
// repository's tests import them from here as before.
export * from "../../tools/testing/records.js";
