// billing's rules, with Produce exchanges built by our own encoder (conformance-checked)
// and fed to the plugin in the emulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, SharedState } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batch } from "../tools/batches.js";
import { produceExchange as produce, toTopic } from "../tools/produce.js";

const BILLING = rootPath("build", "billing.wasm");
const CONFIG = JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "collector", max_pending_batches: 2 });

/** A Produce v9 exchange: request from `client` with the given batches per partition of topic "bill", response with the given error codes. */
function produceExchange(d: Dissector, client: string, corr: number, batches: Buffer[], errors: number[]): { req: Buffer; resp: Buffer } {
  return produce(d, client, corr, toTopic("bill", batches, errors));
}

/** Runs the flush cycle and returns the usage in the batches sent to the collector. */
function flush(host: PluginHost): any[] {
  host.tick();          // local usage → queue
  host.drainQueues();   // the owner gathers it
  host.tick();          // gathered → a batch → POST
  return host.httpCalls.map((c) => JSON.parse(c.body.toString()));
}

test("only partitions the broker acknowledged are billed", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing" });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  const conn = host.connect();
  const x = produceExchange(d, "tenant-a", 1, [batch(10, -1, 0), batch(5, -1, 0)], [0, 3]);
  conn.fromClient(x.req);
  conn.fromBroker(x.resp);
  const batches = flush(host);
  assert.equal(batches.length, 1);
  const usage = batches[0].usage.find((u: { tenant: string }) => u.tenant === "tenant-a");
  assert.equal(usage.produced_records, 10, "partition 1 answered UNKNOWN_TOPIC_OR_PARTITION");
  assert.equal(usage.requests, 1);
  assert.equal(host.httpCalls[0].headers.find(([k]) => k === "idempotency-key")![1], batches[0].batch_id);
});

test("an idempotent producer's retry, seen by another worker, is billed once", async () => {
  const d = await Dissector.load();
  const shared = new SharedState();
  const w1 = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing", shared });
  const w2 = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing", shared });
  const first = produceExchange(d, "tenant-b", 7, [batch(10, 4242, 0)], [0]);
  const c1 = w1.connect(); c1.fromClient(first.req); c1.fromBroker(first.resp);
  // The connection dropped before the client saw the answer; it retries on a new connection, another worker.
  const retry = produceExchange(d, "tenant-b", 1, [batch(10, 4242, 0)], [0]);
  const c2 = w2.connect(); c2.fromClient(retry.req); c2.fromBroker(retry.resp);
  // And a genuinely new batch (next sequence) is billed.
  const next = produceExchange(d, "tenant-b", 2, [batch(4, 4242, 10)], [0]);
  c2.fromClient(next.req); c2.fromBroker(next.resp);
  w1.tick(); w2.tick();
  const owner = [w1, w2].find((w) => [...shared.queues.values()].some((q) => q.owner === w))!;
  owner.drainQueues();
  owner.tick();
  const usage = owner.httpCalls.map((c) => JSON.parse(c.body.toString())).flatMap((b) => b.usage).filter((u: { tenant: string }) => u.tenant === "tenant-b");
  assert.equal(usage.reduce((n: number, u: { produced_records: number }) => n + u.produced_records, 0), 14);
  assert.equal(w2.metric("billing.retried_records_not_billed"), 10n);
});

test("topics named by id (Produce v13): a producer's first batch to each of two topics is billed", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing" });
  const conn = host.connect();
  // Sequences are per partition: both batches start at 0, with one producer id.
  const x = produce(d, "tenant-d", 1, [{ id: Buffer.alloc(16, 0xaa), batches: [batch(2, 5, 0)], errors: [0] }, { id: Buffer.alloc(16, 0xbb), batches: [batch(3, 5, 0)], errors: [0] }], { version: 13 });
  conn.fromClient(x.req);
  conn.fromBroker(x.resp);
  assert.equal(host.metric("billing.produced_records.tenant_tenant-d"), 5n);
  assert.equal(host.metric("billing.retried_records_not_billed") ?? 0n, 0n);
});

test("batches wait for the collector, are resent under the same key, and the oldest beyond the bound is dropped and counted", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(BILLING, { configuration: CONFIG, vmId: "billing" });
  const conn = host.connect();
  for (let round = 0; round < 3; round++) {
    const x = produceExchange(d, "tenant-c", 100 + round, [batch(3, -1, 0)], [0]);
    conn.fromClient(x.req);
    conn.fromBroker(x.resp);
    flush(host);
    // The collector is down: every callout fails.
    for (const call of host.httpCalls.splice(0)) host.respondHttpCall(call.token);
  }
  // Bound is 2: the first batch was dropped, its bytes counted.
  assert.ok((host.metric("billing.dropped_bytes") ?? 0n) > 0n);
  host.tick();
  const resent = host.httpCalls.map((c) => c.headers.find(([k]) => k === "idempotency-key")![1]);
  assert.equal(resent.length, 2, "the two kept batches are sent again");
  for (const call of host.httpCalls.splice(0)) host.respondHttpCall(call.token, 200, "stored");
  host.tick();
  assert.equal(host.httpCalls.length, 0, "acknowledged batches are not sent again");
});
