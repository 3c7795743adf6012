// Labels clients choose are bounded, and a flush costs memory in proportion to what it sends:
// thousands of client.ids, each on its own acknowledged produce, must neither grow telemetry's and
// billing's stats without end nor make their flush build its JSON by copying it over and over
// (which took these VMs past V8's 1 GiB cap at about 3,000 client.ids).
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batch } from "../tools/batches.js";
import { produceExchange, toTopic } from "../tools/produce.js";

const TELEMETRY = rootPath("build", "telemetry.wasm");
const BILLING = rootPath("build", "billing.wasm");
const MiB = 1 << 20;

/** `n` connections, each with its own client.id (padded to `idBytes`), one acknowledged produce each. */
function produceFromClients(d: Dissector, host: PluginHost, n: number, idBytes: number): void {
  for (let i = 0; i < n; i++) {
    const x = produceExchange(d, `c${i}-`.padEnd(idBytes, "x"), 1, toTopic("orders", [batch(1, -1, 0)], [0]));
    const conn = host.connect({ keepForwarded: false });
    conn.fromClient(x.req);
    conn.fromBroker(x.resp);
    conn.close();
  }
}

const names = (host: PluginHost, prefix: string) => Object.keys(host.metricsByName()).filter((k) => k.startsWith(prefix));

test("telemetry: past max_label_values client.ids share `_other`, and a flush of thousands of flow edges stays small", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(TELEMETRY, { configuration: JSON.stringify({ max_label_values: 50 }) });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  produceFromClients(d, host, 3000, 20);
  const before = host.memoryBytes();
  host.tick();
  assert.equal(host.trapped, null);
  assert.ok(host.memoryBytes() - before < 16 * MiB, `the flush grew the VM by ${host.memoryBytes() - before} bytes`);
  const clients = names(host, "kafka.client.requests.client_");
  assert.equal(clients.length, 51, "50 client.ids and _other");
  assert.ok(clients.includes("kafka.client.requests.client__other"));
  assert.equal(host.metric("kafka.client.requests.client__other"), 2950n);
  assert.ok(host.metric("kafka.labels_over_limit")! >= 2950n);
  const flow = host.logs.map((l) => l.message).find((m) => m.startsWith("telemetry flow "))!;
  const edges = JSON.parse(flow.slice("telemetry flow ".length)).edges as { from: string; bytes: number }[];
  assert.equal(edges.length, 51);
  assert.equal(edges.find((e) => e.from === "_other")!.bytes, edges.filter((e) => e.from !== "_other")[0].bytes * 2950);
});

test("telemetry: with the default limit, 3,000 client.ids of 20 bytes flush within a few MiB", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(TELEMETRY, { configuration: "{}" });
  produceFromClients(d, host, 3000, 20);
  const before = host.memoryBytes();
  host.tick();
  assert.equal(host.trapped, null);
  assert.ok(host.memoryBytes() - before < 32 * MiB, `the flush grew the VM by ${host.memoryBytes() - before} bytes`);
  assert.equal(names(host, "kafka.client.requests.client_").length, 1001);
  assert.equal(host.metric("kafka.client.requests.client__other"), 2000n);
});

test("billing: past max_tenants a worker bills later tenants as `_other` for the interval, and its stats stop growing", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(BILLING, {
    configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "collector", max_tenants: 100 }), vmId: "billing",
  });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  produceFromClients(d, host, 3000, 20);
  const before = host.memoryBytes();
  host.tick();
  host.drainQueues();
  host.tick();
  assert.equal(host.trapped, null);
  assert.ok(host.memoryBytes() - before < 16 * MiB, `the flush grew the VM by ${host.memoryBytes() - before} bytes`);
  const usage = host.httpCalls.map((c) => JSON.parse(c.body.toString())).flatMap((b) => b.usage) as { tenant: string; requests: number; produced_records: number }[];
  assert.equal(usage.length, 101, "100 tenants and _other");
  const other = usage.find((u) => u.tenant === "_other")!;
  assert.deepEqual([other.requests, other.produced_records], [2900, 2900]);
  assert.equal(usage.reduce((n, u) => n + u.produced_records, 0), 3000, "every record billed once");
  assert.equal(names(host, "billing.requests.tenant_").length, 101);
  assert.ok(host.metric("billing.tenants_over_limit")! > 0n);
});

test("billing: with the default limit, 3,000 tenants with 200-byte names flush without the JSON's copies", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(BILLING, {
    configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "collector" }), vmId: "billing",
  });
  produceFromClients(d, host, 3000, 200);
  const before = host.memoryBytes();
  host.tick();
  host.drainQueues();
  host.tick();
  assert.equal(host.trapped, null);
  assert.ok(host.memoryBytes() - before < 64 * MiB, `the flush grew the VM by ${host.memoryBytes() - before} bytes`);
  const usage = host.httpCalls.map((c) => JSON.parse(c.body.toString())).flatMap((b) => b.usage);
  assert.equal(usage.length, 3000, "every tenant billed under its own name");
});
