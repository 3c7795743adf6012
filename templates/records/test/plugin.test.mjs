// Unit tests for the plugin, in Node with no Envoy and no Kafka: kafka-proxy-wasm/testing loads
// build/{{name}}.wasm in an emulated Envoy host with a fake broker behind it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FakeBroker } from "kafka-proxy-wasm/testing";

const WASM = fileURLToPath(new URL("../build/{{name}}.wasm", import.meta.url));

for (const compression of ["none", "gzip", "snappy", "lz4", "zstd"]) {
  test(`upper-cases values produced to lowercase* (${compression}); keys and headers stay`, async () => {
    const broker = await FakeBroker.start(WASM, { configuration: "{}" });
    const r = broker.produce("lowercase.events", [
      { key: "k", value: "hello, world", headers: [["trace", "abc"]] },
      { value: "MiXeD 123" },
      { value: null },
    ], { compression });
    assert.equal(r.errorCode, 0);
    const stored = broker.stored("lowercase.events");
    assert.deepEqual(stored.map((x) => x.value?.toString() ?? null), ["HELLO, WORLD", "MIXED 123", null]);
    assert.equal(stored[0].key.toString(), "k");
    assert.deepEqual(stored[0].headers.map(([k, v]) => [k, v.toString()]), [["trace", "abc"]]);
  });
}

test("leaves other topics alone", async () => {
  const broker = await FakeBroker.start(WASM, { configuration: "{}" });
  broker.produce("orders", [{ value: "hello" }]);
  assert.deepEqual(broker.stored("orders").map((x) => x.value.toString()), ["hello"]);
});
