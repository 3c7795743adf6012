// Unit tests for the plugin, in Node with no Envoy and no Kafka: kafka-proxy-wasm/testing loads
// build/{{name}}.wasm in an emulated Envoy host with a fake broker behind it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FakeBroker, PluginHost } from "kafka-proxy-wasm/testing";

const WASM = fileURLToPath(new URL("../build/{{name}}.wasm", import.meta.url));
const CONFIG = JSON.stringify({ allowed_topics: ["orders.*", "payments.*"] });
const create = (...names) => ({
  topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
  timeoutMs: 5000, validateOnly: false,
});

test("answers CreateTopics for a name outside the patterns with POLICY_VIOLATION; the broker never sees it", async () => {
  const broker = await FakeBroker.start(WASM, { configuration: CONFIG });
  const resp = broker.request("CreateTopics", 7, create("scratch"));
  assert.equal(resp.body.topics[0].name, "scratch");
  assert.equal(resp.body.topics[0].errorCode, 44);
  assert.match(resp.body.topics[0].errorMessage, /matches none of/);
  assert.equal(broker.topics.has("scratch"), false);
  assert.equal(broker.received.some((r) => r.apiKey === 19), false);
  assert.equal(broker.host.metricsByName()["{{metric}}.refused_topics"], 1);
});

test("passes CreateTopics on when every name matches, and the broker creates the topics", async () => {
  const broker = await FakeBroker.start(WASM, { configuration: CONFIG });
  const resp = broker.request("CreateTopics", 7, create("orders.eu", "payments.us"));
  assert.deepEqual(resp.body.topics.map((t) => t.errorCode), [0, 0]);
  assert.ok(broker.topics.has("orders.eu") && broker.topics.has("payments.us"));
});

test("refuses a configuration without allowed_topics", async () => {
  const host = await PluginHost.load(WASM, { configuration: "{}" });
  assert.equal(host.configured, false);
  assert.ok(host.logs.some((l) => l.message.includes("allowed_topics")), JSON.stringify(host.logs));
});

test("refuses a misspelt key, naming it", async () => {
  const host = await PluginHost.load(WASM, { configuration: JSON.stringify({ alowed_topics: ["orders.*"] }) });
  assert.equal(host.configured, false);
  assert.ok(host.logs.some((l) => l.message.includes("alowed_topics: unknown setting")), JSON.stringify(host.logs));
});
