// pii-filter in the emulator: gzip batches masked and re-written, and fuzzed batches in
// both codecs (valid, corrupted, truncated) never trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batchOf } from "../tools/batches.js";
import { prng } from "../tools/prng.js";

const PII = rootPath("build", "pii-filter.wasm");

/** A Produce v9 request frame carrying one batch for topic "t", partition 0. */
function produceFrame(d: Dissector, b: Buffer, corr = 1): Buffer {
  const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: b.toString("base64") }] }] }));
  assert.ok(body.ok, body.text);
  const h = Buffer.alloc(8); h.writeInt16BE(0, 0); h.writeInt16BE(9, 2); h.writeInt32BE(corr, 4);
  const rest = Buffer.concat([h, Buffer.from([0, 1, 0x78, 0]), body.bytes]); // client id "x", no tags
  const size = Buffer.alloc(4); size.writeInt32BE(rest.length);
  return Buffer.concat([size, rest]);
}

test("a gzip batch with PII is inflated, masked and re-written as gzip with a valid CRC", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: "{}" });
  const conn = host.connect();
  const values = ["password=hunter2 here", "nothing to see", "mail me: a@b.org"].map((v) => Buffer.from(v));
  const out = conn.fromClient(produceFrame(d, batchOf(values, { gzip: true })));
  const json = JSON.parse(d.decodeBody(0, 9, false, out.subarray(4 + d.requestHeaderLength(out.subarray(4)))).text);
  const records = Buffer.from(json.topicData[0].partitionData[0].records, "base64");
  assert.equal(records.readInt16BE(21) & 7, 1, "still gzip");
  const clear = zlib.gunzipSync(records.subarray(61));
  assert.ok(clear.includes("password=*******"));
  assert.ok(!clear.includes("hunter2") && !clear.includes("a@b.org"));
  assert.ok(clear.includes("nothing to see"));
  assert.equal(records.readInt32BE(8), records.length - 12, "length field matches");
  assert.equal(host.metric("pii.batches_masked"), 1n);
});

test("a snappy batch with PII is decompressed, masked and re-written as snappy", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: "{}" });
  const out = host.connect().fromClient(produceFrame(d, batchOf([Buffer.from("secret=snappy-value x")], { snappy: true })));
  assert.ok(!out.includes("snappy-value"));
  assert.equal(host.metric("pii.batches_masked"), 1n);
});

test("a gzip batch without PII is forwarded byte-identical", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: "{}" });
  const frame = produceFrame(d, batchOf([Buffer.from("plain words only")], { gzip: true }));
  assert.ok(host.connect().fromClient(frame).equals(frame));
});

test("a gzip bomb past max_decompressed_bytes gets the policy, not an allocation", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ max_decompressed_bytes: 4096 }) });
  const conn = host.connect();
  conn.fromClient(produceFrame(d, batchOf([Buffer.alloc(100000, 0x41)], { gzip: true })));
  assert.equal(conn.closed, true);
  assert.equal(host.metric("pii.unsupported_batches"), 1n);
});

test("fuzz: mutated and truncated batches, plain, gzip and snappy, never trap", async () => {
  const d = await Dissector.load();
  const rnd = prng(5150);
  const values = ["token=abc123 x@y.io", "4111 1111 1111 1111", "plain"].map((v) => Buffer.from(v));
  const seeds = [{}, { gzip: true }, { snappy: true }].map((codec) => produceFrame(d, batchOf(values, codec)));
  for (const policy of ["close", "passthrough"]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify({ on_unsupported: policy, on_malformed: policy }) });
    for (let i = 0; i < 1500; i++) {
      const f = Buffer.from(seeds[i % seeds.length]);
      // Mutate only after the headers, so frames still reach the batch code.
      for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) { const at = 40 + Math.floor(rnd() * (f.length - 40)); f[at] = Math.floor(rnd() * 256); }
      const cut = rnd() < 0.2 ? f.subarray(0, 40 + Math.floor(rnd() * (f.length - 40))) : f;
      host.connect().fromClient(cut, true);
    }
    assert.equal(host.trapped, null, `trapped under ${policy}`);
  }
});

test("fetch path: a partial batch at the end of a partition is dropped, complete ones masked", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ direction: "fetch" }) });
  const conn = host.connect();
  // Fetch v12 request (header v2, client id "c"), then its response with one whole batch and half of another.
  const reqBody = d.encodeBody(1, 12, false, JSON.stringify({ clusterId: null, replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: "" }));
  assert.ok(reqBody.ok, reqBody.text);
  const h = Buffer.alloc(8); h.writeInt16BE(1, 0); h.writeInt16BE(12, 2); h.writeInt32BE(9, 4);
  const reqRest = Buffer.concat([h, Buffer.from([0, 1, 0x63, 0]), reqBody.bytes]);
  const reqSize = Buffer.alloc(4); reqSize.writeInt32BE(reqRest.length);
  conn.fromClient(Buffer.concat([reqSize, reqRest]));
  const whole = batchOf([Buffer.from("mail x@example.org")]);
  const second = batchOf([Buffer.from("secret=tail-value")]);
  const records = Buffer.concat([whole, second.subarray(0, second.length - 5)]);
  const respBody = d.encodeBody(1, 12, true, JSON.stringify({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: "t", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 2, lastStableOffset: 2, logStartOffset: 0, abortedTransactions: [], preferredReadReplica: -1, records: records.toString("base64") }] }] }));
  assert.ok(respBody.ok, respBody.text);
  const corr = Buffer.alloc(4); corr.writeInt32BE(9);
  const respRest = Buffer.concat([corr, Buffer.from([0]), respBody.bytes]);
  const respSize = Buffer.alloc(4); respSize.writeInt32BE(respRest.length);
  const out = conn.fromBroker(Buffer.concat([respSize, respRest]));
  const json = JSON.parse(d.decodeBody(1, 12, true, out.subarray(4 + 5)).text);
  const delivered = Buffer.from(json.responses[0].partitions[0].records, "base64");
  assert.equal(delivered.length, whole.length, "only the whole batch is delivered");
  assert.ok(delivered.includes("mail *************"));
  assert.ok(!delivered.includes("tail-value"));
});

test("direction and exemptions are validated", async () => {
  for (const [config, why] of [[{ direction: "sideways" }, /direction: must be/], [{ fetch_exempt_clients: "all" }, /fetch_exempt_clients: must be a list/]] as [object, RegExp][]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false);
    assert.ok(host.logs.some((l) => why.test(l.message)));
  }
});
