// telemetry's produce counting, with Produce exchanges built by our own encoder
// (conformance-checked) and fed to the plugin in the emulator: a partition counts when the
// broker acknowledges it, once per idempotent batch across workers, as billing bills it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, SharedState } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batch, crc32c } from "../tools/batches.js";
import { produceExchange, toTopic } from "../tools/produce.js";

const TELEMETRY = rootPath("build", "telemetry.wasm");
const BILLING = rootPath("build", "billing.wasm");

/** A counter summed over every worker (undefined counts as 0). */
function total(workers: PluginHost[], name: string): number {
  return workers.reduce((n, w) => n + Number(w.metric(name) ?? 0n), 0);
}

async function telemetry(shared?: SharedState): Promise<PluginHost> {
  const host = await PluginHost.load(TELEMETRY, { configuration: JSON.stringify({ flush_seconds: 1 }), vmId: "telemetry", shared });
  assert.equal(host.configured, true, host.logs.map((l) => l.message).join("\n"));
  return host;
}

test("an idempotent producer's retry, answered on another worker, is counted once; its next batch is counted", async () => {
  const d = await Dissector.load();
  const shared = new SharedState();
  const w1 = await telemetry(shared);
  const w2 = await telemetry(shared);
  const first = produceExchange(d, "idem", 7, toTopic("tel", [batch(10, 4242, 0)]));
  const c1 = w1.connect(); c1.fromClient(first.req); c1.fromBroker(first.resp);
  // The client lost the answer; it sends the same batch again on a new connection, another worker; the broker acknowledges it again.
  const retry = produceExchange(d, "idem", 1, toTopic("tel", [batch(10, 4242, 0)]));
  const c2 = w2.connect(); c2.fromClient(retry.req); c2.fromBroker(retry.resp);
  // And a genuinely new batch (next sequence) counts.
  const next = produceExchange(d, "idem", 2, toTopic("tel", [batch(4, 4242, 10)]));
  c2.fromClient(next.req); c2.fromBroker(next.resp);
  const workers = [w1, w2];
  assert.equal(total(workers, "kafka.topic.produced_records.topic_tel"), 14);
  assert.equal(total(workers, "kafka.topic.produced_bytes.topic_tel"), batch(10, 4242, 0).length + batch(4, 4242, 10).length);
  assert.equal(w2.metric("kafka.topic.produce_retried_records.topic_tel"), 10n);
  assert.equal(total(workers, "kafka.flow.produce_bytes.client_idem.topic_tel"), total(workers, "kafka.topic.produced_bytes.topic_tel"), "the flow edge carries what was counted");
});

test("the same retry on one worker is counted once too; a new epoch's sequence 0 is a new batch", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  for (let corr = 1; corr <= 3; corr++) {
    const x = produceExchange(d, "idem", corr, toTopic("tel", [batch(6, 77, 0)]));
    conn.fromClient(x.req); conn.fromBroker(x.resp);
  }
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel"), 6n);
  assert.equal(host.metric("kafka.topic.produce_retried_records.topic_tel"), 12n);
  // After a fatal error the producer bumps its epoch and starts at sequence 0 again.
  const bumped = batch(5, 77, 0);
  bumped.writeInt16BE(1, 51);
  bumped.writeUInt32BE(crc32c(bumped.subarray(21)), 17);
  const x = produceExchange(d, "idem", 4, toTopic("tel", [bumped]));
  conn.fromClient(x.req); conn.fromBroker(x.resp);
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel"), 11n);
});

test("a partition the broker answers with an error is not counted, its error code is", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  // Partition 1: NOT_LEADER_OR_FOLLOWER (6). An idempotent batch refused, then retried and acknowledged, counts once.
  const x = produceExchange(d, "p", 1, toTopic("tel", [batch(10, -1, 0), batch(5, 9, 0)], [0, 6]));
  conn.fromClient(x.req); conn.fromBroker(x.resp);
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel"), 10n);
  assert.equal(host.metric("kafka.topic.produced_bytes.topic_tel"), BigInt(batch(10, -1, 0).length));
  assert.equal(host.metric("kafka.errors.api_Produce.error_6"), 1n);
  const again = produceExchange(d, "p", 2, toTopic("tel", [batch(5, 9, 0)]));
  conn.fromClient(again.req); conn.fromBroker(again.resp);
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel"), 15n);
  assert.equal(host.metric("kafka.topic.produce_retried_records.topic_tel") ?? 0n, 0n, "the refused attempt was not an acknowledgement");
});

test("batches of a producer that is not idempotent count every time they are acknowledged", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  for (let corr = 1; corr <= 2; corr++) {
    const x = produceExchange(d, "plain", corr, toTopic("tel", [batch(3, -1, 0)]));
    conn.fromClient(x.req); conn.fromBroker(x.resp);
  }
  // Without a producer id the broker cannot tell a retry from new data: it stored both.
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel"), 6n);
});

test("acks=0 produces, never answered, are counted when sent, apart from acknowledged ones", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  const x = produceExchange(d, "fire", 1, toTopic("tel", [batch(8, -1, 0)]), { acks: 0 });
  conn.fromClient(x.req);
  assert.equal(host.metric("kafka.topic.produced_acks0_records.topic_tel"), 8n);
  assert.equal(host.metric("kafka.topic.produced_acks0_bytes.topic_tel"), BigInt(batch(8, -1, 0).length));
  assert.equal(host.metric("kafka.topic.produced_records.topic_tel") ?? 0n, 0n);
  assert.equal(host.metric("kafka.flow.produce_bytes.client_fire.topic_tel"), BigInt(batch(8, -1, 0).length));
});

test("topics named by id (Produce v13): the same producer's sequence 0 on two topics is two batches", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  const a = Buffer.alloc(16, 0xaa), b = Buffer.alloc(16, 0xbb);
  const x = produceExchange(d, "v13", 1, [{ id: a, batches: [batch(2, 5, 0)], errors: [0] }, { id: b, batches: [batch(3, 5, 0)], errors: [0] }], { version: 13 });
  conn.fromClient(x.req); conn.fromBroker(x.resp);
  assert.equal(host.metric(`kafka.topic.produced_records.topic_id-${a.toString("hex")}`), 2n);
  assert.equal(host.metric(`kafka.topic.produced_records.topic_id-${b.toString("hex")}`), 3n);
  // A retry of both, answered by id, is recognised per topic.
  const y = produceExchange(d, "v13", 2, [{ id: a, batches: [batch(2, 5, 0)], errors: [0] }, { id: b, batches: [batch(3, 5, 0)], errors: [0] }], { version: 13 });
  conn.fromClient(y.req); conn.fromBroker(y.resp);
  assert.equal(host.metric(`kafka.topic.produced_records.topic_id-${a.toString("hex")}`), 2n);
  assert.equal(host.metric(`kafka.topic.produce_retried_records.topic_id-${b.toString("hex")}`), 3n);
});

test("topics named by id: each response partition is matched to the request's by topic id", async () => {
  const d = await Dissector.load();
  const host = await telemetry();
  const conn = host.connect();
  const a = Buffer.alloc(16, 0x0a), b = Buffer.alloc(16, 0x0b);
  // Topic a's partition 0 is refused (NOT_LEADER_OR_FOLLOWER), topic b's partition 0 written.
  const x = produceExchange(d, "v13", 1, [{ id: a, batches: [batch(2, -1, 0)], errors: [6] }, { id: b, batches: [batch(3, -1, 0)], errors: [0] }], { version: 13 });
  conn.fromClient(x.req); conn.fromBroker(x.resp);
  assert.equal(host.metric(`kafka.topic.produced_records.topic_id-${a.toString("hex")}`) ?? 0n, 0n);
  assert.equal(host.metric(`kafka.topic.produced_records.topic_id-${b.toString("hex")}`), 3n);
});

test("telemetry and billing in one Envoy each count a batch once: their dedupe records are apart", async () => {
  const d = await Dissector.load();
  const shared = new SharedState();
  const tel = await telemetry(shared);
  // The same vm_id: in Envoy both plugins then read and write one shared-data space.
  const bill = await PluginHost.load(BILLING, { configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "collector" }), vmId: "telemetry", shared });
  const x = produceExchange(d, "both", 1, toTopic("tel", [batch(9, 31, 0)]));
  for (const host of [tel, bill]) { const c = host.connect(); c.fromClient(x.req); c.fromBroker(x.resp); }
  assert.equal(tel.metric("kafka.topic.produced_records.topic_tel"), 9n);
  assert.equal(bill.metric("billing.produced_records.tenant_both"), 9n);
});
