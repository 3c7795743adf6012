// Unit tests for the plugin, in Node with no Envoy and no Kafka: kafka-proxy-wasm/testing loads
// build/{{name}}.wasm in an emulated Envoy host with a fake broker behind it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FakeBroker, PluginHost } from "kafka-proxy-wasm/testing";

const WASM = fileURLToPath(new URL("../build/{{name}}.wasm", import.meta.url));

test("counts requests per API and client.id, and passes records on unchanged", async () => {
  const broker = await FakeBroker.start(WASM, { configuration: "{}" });
  const produced = broker.produce("orders", [{ key: "k1", value: "hello" }, { value: "world" }], { clientId: "checkout" });
  assert.equal(produced.errorCode, 0);
  assert.deepEqual(broker.stored("orders").map((r) => r.value.toString()), ["hello", "world"]);
  const fetched = broker.fetch("orders", { clientId: "billing" });
  assert.deepEqual(fetched.records.map((r) => r.value.toString()), ["hello", "world"]);

  const metrics = broker.host.metricsByName();
  assert.equal(metrics["{{metric}}.requests.api_Produce"], 1);
  assert.equal(metrics["{{metric}}.requests.api_Fetch"], 1);
  assert.equal(metrics["{{metric}}.clients.client_checkout"], 1);
  assert.equal(metrics["{{metric}}.clients.client_billing"], 1);
  assert.ok(metrics["{{metric}}.bytes.direction_request"] > 0);
});

test("refuses a configuration with a bad shared setting", async () => {
  const host = await PluginHost.load(WASM, { configuration: '{"on_malformed": "bogus"}' });
  assert.equal(host.configured, false);
  assert.ok(host.logs.some((l) => l.message.includes("on_malformed")), JSON.stringify(host.logs));
});
