// billing across several Envoy instances: each has its own shared data, so a retry that went
// through another instance is billed by both; the reference collector counts it once, by the
// idempotent batch's producer id, epoch, topic, partition and base sequence that billing lists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { totalsFromFile } from "../../tools/collector.js";
import { batch } from "../tools/batches.js";
import { produceExchange, toTopic } from "../tools/produce.js";

const BILLING = rootPath("build", "billing.wasm");
const CONFIG = JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "collector" });

/** The batches one instance POSTs after a flush, as the collector would store them (one JSON line each). */
function report(host: PluginHost): string[] {
  host.tick();
  host.drainQueues();
  host.tick();
  return host.httpCalls.map((c) => {
    const batch = JSON.parse(c.body.toString());
    return JSON.stringify({ kind: "usage", key: batch.batch_id, batch });
  });
}

test("a retry through another Envoy instance is billed by both and counted once by the collector", async () => {
  const d = await Dissector.load();
  // Two Envoy instances: no SharedState in common.
  const a = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing" });
  const b = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing" });
  const first = produceExchange(d, "tenant-x", 1, toTopic("orders", [batch(10, 777, 0)], [0]));
  const ca = a.connect(); ca.fromClient(first.req); ca.fromBroker(first.resp);
  // The answer was lost on the way to the client, which retried through instance b.
  const retry = produceExchange(d, "tenant-x", 1, toTopic("orders", [batch(10, 777, 0)], [0]));
  const cb = b.connect(); cb.fromClient(retry.req); cb.fromBroker(retry.resp);
  // A new batch, and a producer that is not idempotent (-1): both billed.
  const next = produceExchange(d, "tenant-x", 2, toTopic("orders", [batch(4, 777, 10)], [0]));
  cb.fromClient(next.req); cb.fromBroker(next.resp);
  const plain = produceExchange(d, "tenant-x", 3, toTopic("orders", [batch(3, -1, 0)], [0]));
  cb.fromClient(plain.req); cb.fromBroker(plain.resp);

  // Each instance billed what it saw acknowledged.
  assert.equal(a.metric("billing.produced_records.tenant_tenant-x"), 10n);
  assert.equal(b.metric("billing.produced_records.tenant_tenant-x"), 17n);
  const lines = [...report(a), ...report(b)];
  const listed = lines.flatMap((l) => JSON.parse(l).batch.usage).flatMap((u: { idempotent?: unknown[] }) => u.idempotent ?? []);
  assert.deepEqual(listed.map((x) => (x as unknown[]).slice(0, 6)), [["777", 0, "orders", 0, 0, 10], ["777", 0, "orders", 0, 0, 10], ["777", 0, "orders", 0, 10, 4]]);
  const t = totalsFromFile(lines.join("\n"))["tenant-x"];
  assert.equal(t.produced_records, 17, "10 once, 4 and 3");
  assert.equal(t.duplicate_records, 10);
  assert.equal(t.produced_bytes, lines.map((l) => JSON.parse(l).batch.usage[0].produced_bytes).reduce((x: number, y: number) => x + y, 0) - (listed[0] as number[])[6]);
});
