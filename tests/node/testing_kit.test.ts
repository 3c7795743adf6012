// The test kit (kafka-proxy-wasm/testing): frames from plain objects, record batches in every
// codec, and the fake broker behind real plugins.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { KafkaCodec, FakeBroker, recordBatch, readRecordBatches, COMPRESSIONS, splitFrames } from "../../tools/testing/index.js";
import { crc32c } from "../../tools/testing/records.js";
import { rootPath } from "../../tools/lib/paths.js";

const GUARD = rootPath("build", "fixtures", "kafka-guard.wasm");
const OBSERVE = rootPath("build", "kafka-observe.wasm");

test("record batches round-trip through every codec, with keys, nulls, headers, timestamps and producer fields", async () => {
  const codec = await KafkaCodec.load();
  const records = [
    { key: "k1", value: "x".repeat(3000), headers: [["trace", "abc"], ["empty", null]] as [string, string | null][], timestamp: 1700000000000 },
    { key: null, value: null, timestamp: 1700000000500 },
    { value: Buffer.from([0, 1, 2, 255]), timestamp: 1699999999000 },
  ];
  for (const compression of COMPRESSIONS) {
    const b = recordBatch(records, { compression, producerId: 7n, producerEpoch: 2, baseSequence: 40, baseOffset: 100 }, codec);
    assert.equal(b.readInt16BE(21) & 7, COMPRESSIONS.indexOf(compression), compression);
    // zstd is written as raw blocks (a valid frame any decoder reads, not smaller).
    if (compression !== "none" && compression !== "zstd") assert.ok(b.length < 3000, `${compression} compressed the repeated value (${b.length} bytes)`);
    const [out] = readRecordBatches(b, codec);
    assert.equal(out.crcValid, true, compression);
    assert.equal(out.compression, compression);
    assert.deepEqual([out.producerId, out.producerEpoch, out.baseSequence, out.baseOffset], [7n, 2, 40, 100n]);
    assert.deepEqual(out.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString("hex") ?? null]), [
      [100n, 1700000000000, "k1", Buffer.from("x".repeat(3000)).toString("hex")],
      [101n, 1700000000500, null, null],
      [102n, 1699999999000, null, "000102ff"],
    ]);
    assert.deepEqual(out.records[0].headers.map(([k, v]) => [k, v?.toString() ?? null]), [["trace", "abc"], ["empty", null]]);
  }
});

test("a batch's CRC-32C covers what follows the CRC field, and a flipped byte is reported", async () => {
  const b = recordBatch([{ value: "hello" }], { compression: "gzip" });
  assert.equal(b.readUInt32BE(17), crc32c(b.subarray(21)));
  assert.equal(zlib.gunzipSync(b.subarray(61)).length > 0, true);
  const bad = Buffer.from(b);
  bad[30] ^= 1; // first timestamp: inside the CRC's range, the records still parse
  assert.equal(readRecordBatches(bad)[0].crcValid, false);
});

test("requests and responses encode from plain objects and decode back, for every Produce version", async () => {
  const codec = await KafkaCodec.load();
  const batch = recordBatch([{ value: "v" }]);
  for (let version = 3; version <= 13; version++) {
    const ref = version >= 13 ? { topicId: Buffer.alloc(16, 7) } : { name: "orders" };
    const frame = codec.request("Produce", version, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ ...ref, partitionData: [{ index: 2, records: batch }] }] }, { correlationId: 42, clientId: "me" });
    const req = codec.decodeRequest(frame);
    assert.deepEqual([req.apiKey, req.apiVersion, req.correlationId, req.clientId], [0, version, 42, "me"]);
    const td = (req.body.topicData as Record<string, unknown>[])[0];
    assert.deepEqual(version >= 13 ? td.topicId : td.name, version >= 13 ? Buffer.alloc(16, 7) : "orders");
    assert.deepEqual((td.partitionData as Record<string, unknown>[])[0].records, batch);
    // One object for every version: lenient leaves out what a version lacks (here, v13's topic id before v13).
    const resp = codec.response("Produce", version, 42, { throttleTimeMs: 0, responses: [{ name: "orders", topicId: Buffer.alloc(16, 7), partitionResponses: [{ index: 2, errorCode: 0, baseOffset: 5n, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null }] }] }, { lenient: true });
    const back = codec.decodeResponse(resp, "Produce", version);
    assert.equal(back.correlationId, 42);
    assert.equal(((back.body.responses as Record<string, unknown>[])[0].partitionResponses as Record<string, unknown>[])[0].baseOffset, 5);
  }
  assert.throws(() => codec.request("Produce", 9, { acks: "all" }), /Acks/i);
  assert.throws(() => codec.response("Produce", 9, 1, { responses: [{ topicId: Buffer.alloc(16) }] }), /not in version 9/);
  assert.throws(() => codec.apiKey("Produc"), /unknown Kafka API "Produc"/);
  assert.equal(splitFrames(Buffer.concat([codec.request("ApiVersions", 3, {}), codec.request("ApiVersions", 0, {})])).length, 2);
});

test("respond(): the fake broker answers the substitute, the client gets the plugin's answer, at every CreateTopics version", async () => {
  for (let version = 2; version <= 7; version++) {
    const broker = await FakeBroker.start(GUARD, { configuration: "{}" });
    const resp = broker.request("CreateTopics", version, { topics: [{ name: "a", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
    assert.ok(resp, `v${version}: the client got an answer`);
    const topics = resp.body.topics as { name: string; errorCode: number }[];
    assert.deepEqual(topics.map((t) => [t.name, t.errorCode]), [["a", 44]], `v${version}`);
    assert.deepEqual(broker.received.map((r) => [r.apiKey, r.apiVersion]), [[18, 0]], `v${version}: the broker saw only the substitute`);
    assert.equal(broker.topics.has("a"), false);
  }
});

test("records in, records out: produced through a plugin, stored by the broker, fetched back (names and ids, every codec)", async () => {
  const broker = await FakeBroker.start(OBSERVE, { configuration: "{}" });
  let expected: string[] = [];
  for (const compression of COMPRESSIONS) {
    for (const version of [9, 13]) {
      const values = [`${compression}-${version}-a`, `${compression}-${version}-b`];
      const r = broker.produce("orders", values.map((value) => ({ value })), { compression, version });
      assert.equal(r.errorCode, 0, `${compression} v${version}`);
      expected = [...expected, ...values];
    }
  }
  assert.deepEqual(broker.stored("orders").map((r) => r.value!.toString()), expected);
  assert.deepEqual(broker.stored("orders").map((r) => Number(r.offset)), expected.map((_, i) => i));
  for (const version of [12, 13, 16]) {
    const f = broker.fetch("orders", { version, offset: 4 });
    assert.equal(f.errorCode, 0);
    assert.deepEqual(f.records.map((r) => r.value!.toString()), expected.slice(4), `Fetch v${version}`);
  }
  assert.equal(broker.produce("ghost", [{ value: "x" }], { version: 13 }).errorCode, 0, "v13 to a new topic: created with an id first");
  assert.equal(broker.host.metric("kafka_observe.requests.api_Produce"), 11n);
});

test("a handler replaces the default answer; an API without one is an error that says how to give it", async () => {
  const broker = await FakeBroker.start(OBSERVE, { configuration: "{}" });
  broker.on("Produce", (req) => ({ responses: (req.body.topicData as { name: string }[]).map((t) => ({ name: t.name, partitionResponses: [{ index: 0, errorCode: 87, baseOffset: -1, recordErrors: [], errorMessage: "no" }] })), throttleTimeMs: 0 }));
  const r = broker.produce("orders", [{ value: "x" }]);
  assert.deepEqual([r.errorCode, r.errorMessage], [87, "no"]);
  assert.throws(() => broker.request("DescribeAcls", 3, {}), /no answer for API key 29 v3; give one with broker.on/);
});

test("acks=0: the broker stores, nobody answers", async () => {
  const broker = await FakeBroker.start(OBSERVE, { configuration: "{}" });
  const r = broker.produce("orders", [{ value: "x" }], { acks: 0 });
  assert.equal(r.response, null);
  assert.deepEqual(broker.stored("orders").map((x) => x.value!.toString()), ["x"]);
});

test("send() takes a frame in parts: a plugin that streams it forwards parts, and the broker answers once it is whole", async () => {
  const broker = await FakeBroker.start(rootPath("build", "examples", "uppercase.wasm"), { configuration: "{}" });
  broker.createTopic("lowercase");
  const value = "a".repeat(300 * 1024);
  const frame = broker.codec.request("Produce", 9, { transactionalId: null, acks: -1, timeoutMs: 1000,
    topicData: [{ name: "lowercase", partitionData: [{ index: 0, records: recordBatch([{ value }], {}, broker.codec) }] }] }, { correlationId: 7, clientId: "c" });
  const answered: number[] = [];
  for (let at = 0; at < frame.length; at += 64 * 1024) answered.push(broker.send(frame.subarray(at, at + 64 * 1024)).length);
  assert.deepEqual(answered, [...answered.slice(0, -1).map(() => 0), 1], "one answer, after the last part");
  assert.equal(broker.stored("lowercase")[0].value!.toString(), value.toUpperCase());
});
