// pii-filter in the emulator: gzip batches masked and re-written, and fuzzed batches in
// both codecs (valid, corrupted, truncated) never trap.
import { test } from "node:test";
import { DEFAULT_STATS_TAGS } from "../../tools/stack/envoy_config.js";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batchOf, parseBatch, legacyMessage, parseLegacy, crc32c } from "../tools/batches.js";
import fs from "node:fs";
import path from "node:path";
import { ZSTD_FIXTURES, FIXTURES, fixtureValues } from "../tools/zstd-fixtures.js";
import crypto from "node:crypto";
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

test("fuzz: mutated and truncated batches, plain, gzip, snappy and lz4, never trap", async () => {
  const d = await Dissector.load();
  const rnd = prng(5150);
  const values = ["token=abc123 x@y.io", "4111 1111 1111 1111", "plain"].map((v) => Buffer.from(v));
  const seeds = [{}, { gzip: true }, { snappy: true }, { lz4: true }].map((codec) => produceFrame(d, batchOf(values, codec)));
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

/** Sends a Fetch v12 request (client id "c") and then a response carrying `records`; the records the client receives. */
function fetchThrough(d: Dissector, conn: ReturnType<PluginHost["connect"]>, records: Buffer): Buffer {
  const reqBody = d.encodeBody(1, 12, false, JSON.stringify({ clusterId: null, replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: "" }));
  assert.ok(reqBody.ok, reqBody.text);
  const h = Buffer.alloc(8); h.writeInt16BE(1, 0); h.writeInt16BE(12, 2); h.writeInt32BE(9, 4);
  const reqRest = Buffer.concat([h, Buffer.from([0, 1, 0x63, 0]), reqBody.bytes]);
  const reqSize = Buffer.alloc(4); reqSize.writeInt32BE(reqRest.length);
  conn.fromClient(Buffer.concat([reqSize, reqRest]));
  const respBody = d.encodeBody(1, 12, true, JSON.stringify({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: "t", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 2, lastStableOffset: 2, logStartOffset: 0, abortedTransactions: [], preferredReadReplica: -1, records: records.toString("base64") }] }] }));
  assert.ok(respBody.ok, respBody.text);
  const corr = Buffer.alloc(4); corr.writeInt32BE(9);
  const respRest = Buffer.concat([corr, Buffer.from([0]), respBody.bytes]);
  const respSize = Buffer.alloc(4); respSize.writeInt32BE(respRest.length);
  const out = conn.fromBroker(Buffer.concat([respSize, respRest]));
  const json = JSON.parse(d.decodeBody(1, 12, true, out.subarray(4 + 5)).text);
  return Buffer.from(json.responses[0].partitions[0].records, "base64");
}

test("fetch path: a partial batch at the end of a partition is dropped, complete ones masked", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ direction: "fetch" }) });
  const whole = batchOf([Buffer.from("mail x@example.org")]);
  const second = batchOf([Buffer.from("secret=tail-value")]);
  const delivered = fetchThrough(d, host.connect(), Buffer.concat([whole, second.subarray(0, second.length - 5)]));
  assert.equal(delivered.length, whole.length, "only the whole batch is delivered");
  assert.ok(delivered.includes("mail *************"));
  assert.ok(!delivered.includes("tail-value"));
});

test("fetch path: drop leaves offset gaps (like compaction); a batch may end up empty", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ direction: "fetch", actions: { email: "drop" } }) });
  const first = batchOf(["a", "mail x@example.org", "b"].map((v) => Buffer.from(v)), { pid: 3 });
  const second = batchOf([Buffer.from("only y@example.org")]);
  const delivered = fetchThrough(d, host.connect(), Buffer.concat([first, second]));
  const one = parseBatch(delivered);
  assert.deepEqual(one.records.map((r) => [r.offsetDelta, r.value!.toString()]), [[0, "a"], [2, "b"]]);
  assert.equal(one.lastOffsetDelta, 2, "the batch still covers its offsets, so the consumer moves past them");
  assert.ok(one.crcValid);
  const two = parseBatch(delivered.subarray(12 + delivered.readInt32BE(8)));
  assert.equal(two.count, 0);
  assert.equal(two.lastOffsetDelta, 0);
  assert.ok(two.crcValid);
  assert.equal(host.metric("pii.records_dropped"), 2n);
});

test("direction and exemptions are validated", async () => {
  for (const [config, why] of [[{ direction: "sideways" }, /direction: must be/], [{ fetch_exempt_clients: "all" }, /fetch_exempt_clients: must be a list/]] as [object, RegExp][]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false);
    assert.ok(host.logs.some((l) => why.test(l.message)));
  }
});

/** The records field of the first partition of a Produce v9 frame the filter forwarded. */
function forwardedRecords(d: Dissector, out: Buffer): Buffer {
  const json = JSON.parse(d.decodeBody(0, 9, false, out.subarray(4 + d.requestHeaderLength(out.subarray(4)))).text);
  return Buffer.from(json.topicData[0].partitionData[0].records, "base64");
}

const HASH_KEY = "0123456789abcdef-test-key";
/** The token pii-filter's `hash` gives: the first 64 bits of HMAC-SHA-256, in hex (node:crypto, independently). */
function token(text: string): string {
  return crypto.createHmac("sha256", HASH_KEY).update(text).digest("hex").slice(0, 16);
}

test("hash replaces matches with keyed tokens, the record re-encoded with a valid CRC", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ actions: { email: "hash", card: "hash" }, hash_key: HASH_KEY }) });
  const values = ["mail a@b.org now", "card 4111-1111-1111-1111 and 4111 1111 1111 1111", "ssn 123-45-6789", "plain"].map((v) => Buffer.from(v));
  for (const gzip of [false, true]) {
    const out = host.connect().fromClient(produceFrame(d, batchOf(values, { gzip })));
    const b = parseBatch(forwardedRecords(d, out));
    assert.equal(b.codec, gzip ? 1 : 0);
    assert.ok(b.crcValid, "CRC-32C matches the new bytes");
    assert.deepEqual(b.records.map((r) => r.value!.toString()), [
      `mail ${token("a@b.org")} now`,
      // Separators do not count: one card number, one token.
      `card ${token("4111111111111111")} and ${token("4111111111111111")}`,
      "ssn ***-**-****",
      "plain",
    ]);
    assert.deepEqual(b.records.map((r) => r.offsetDelta), [0, 1, 2, 3]);
  }
  assert.equal(host.metric("pii.actions.action_hash"), 6n);
});

test("drop removes records from a produce batch and renumbers the rest", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ actions: { ssn: "drop" } }) });
  const values = ["keep 1", "ssn 123-45-6789", "keep 2", "other 234-56-7891"].map((v) => Buffer.from(v));
  const b = parseBatch(forwardedRecords(d, host.connect().fromClient(produceFrame(d, batchOf(values)))));
  assert.deepEqual(b.records.map((r) => r.value!.toString()), ["keep 1", "keep 2"]);
  assert.deepEqual(b.records.map((r) => r.offsetDelta), [0, 1]);
  assert.equal(b.count, 2);
  assert.equal(b.lastOffsetDelta, 1);
  assert.ok(b.crcValid);
  assert.equal(host.metric("pii.records_dropped"), 2n);

});

/** A Produce v9 request frame with one batch per partition of topic "t" (correlation id `corr`, client id "x"). */
function produceFrameOf(d: Dissector, batches: Buffer[], corr: number): Buffer {
  const partitionData = batches.map((b, index) => ({ index, records: b.toString("base64") }));
  const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData }] }));
  assert.ok(body.ok, body.text);
  const h = Buffer.alloc(8); h.writeInt16BE(0, 0); h.writeInt16BE(9, 2); h.writeInt32BE(corr, 4);
  const rest = Buffer.concat([h, Buffer.from([0, 1, 0x78, 0]), body.bytes]);
  const size = Buffer.alloc(4); size.writeInt32BE(rest.length);
  return Buffer.concat([size, rest]);
}

/** A response frame: size, correlation id, (header v1: empty tags), body. */
function responseFrame(corr: number, body: Buffer, headerV1: boolean): Buffer {
  const head = Buffer.alloc(headerV1 ? 9 : 8);
  head.writeInt32BE(head.length - 4 + body.length, 0);
  head.writeInt32BE(corr, 4);
  return Buffer.concat([head, body]);
}

test("drop of every record in a partition: it leaves the request and is answered as a success", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ actions: { ssn: "drop" } }) });
  const conn = host.connect();
  // Partition 0 holds only SSNs; partition 1 keeps a record.
  const toBroker = conn.fromClient(produceFrameOf(d, [batchOf([Buffer.from("ssn 123-45-6789")]), batchOf([Buffer.from("keep"), Buffer.from("ssn 234-56-7891")])], 21));
  const sent = JSON.parse(d.decodeBody(0, 9, false, toBroker.subarray(4 + d.requestHeaderLength(toBroker.subarray(4)))).text);
  assert.deepEqual(sent.topicData[0].partitionData.map((p: { index: number }) => p.index), [1]);
  assert.deepEqual(parseBatch(Buffer.from(sent.topicData[0].partitionData[0].records, "base64")).records.map((r) => r.value!.toString()), ["keep"]);
  const brokerBody = d.encodeBody(0, 9, true, JSON.stringify({ responses: [{ name: "t", partitionResponses: [{ index: 1, errorCode: 0, baseOffset: 40, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null }] }], throttleTimeMs: 0 }));
  assert.ok(brokerBody.ok, brokerBody.text);
  const toClient = conn.fromBroker(responseFrame(21, brokerBody.bytes, true));
  const got = JSON.parse(d.decodeBody(0, 9, true, toClient.subarray(9)).text);
  const parts = got.responses[0].partitionResponses.map((p: { index: number; errorCode: number; baseOffset: number }) => [p.index, p.errorCode, p.baseOffset]);
  assert.deepEqual(parts, [[1, 0, 40], [0, 0, -1]]);

  // Nothing left at all: the filter answers, and the broker only sees a harmless ApiVersions v0.
  const swapped = conn.fromClient(produceFrameOf(d, [batchOf([Buffer.from("ssn 123-45-6789")])], 22));
  assert.equal(swapped.readInt16BE(4), 18, "ApiVersions went to the broker instead");
  const apiVersionsV0 = Buffer.alloc(6); // error code 0, no api keys
  const answer = conn.fromBroker(responseFrame(22, apiVersionsV0, false));
  assert.equal(answer.readInt32BE(4), 22);
  const alone = JSON.parse(d.decodeBody(0, 9, true, answer.subarray(9)).text);
  assert.deepEqual(alone.responses[0].partitionResponses.map((p: { index: number; errorCode: number }) => [p.index, p.errorCode]), [[0, 0]]);
  assert.equal(host.metric("pii.records_dropped"), 3n);
  assert.equal(conn.closed, false);
});

test("drop keeps records of idempotent produce batches, masked, so sequence numbers hold", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ actions: { ssn: "drop" } }) });
  const values = ["keep", "ssn 123-45-6789"].map((v) => Buffer.from(v));
  const b = parseBatch(forwardedRecords(d, host.connect().fromClient(produceFrame(d, batchOf(values, { pid: 7, sequence: 3 })))));
  assert.deepEqual(b.records.map((r) => r.value!.toString()), ["keep", "ssn ***-**-****"]);
  assert.equal(b.count, 2);
  assert.equal(b.producerId, 7n);
  assert.equal(host.metric("pii.drops_kept_masked"), 1n);
  assert.equal(host.metric("pii.records_dropped"), 0n);
});

test("hash and drop are validated: hash needs a hash_key", async () => {
  for (const [config, why] of [
    [{ actions: { email: "hash" } }, /hash_key: required/],
    [{ actions: { email: "hash" }, hash_key: "short" }, /hash_key: must be a string of at least 16 bytes/],
    [{ actions: { email: "shred" } }, /actions.email: must be one of mask, partial, reject, hash, drop/],
  ] as [object, RegExp][]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.ok(host.logs.some((l) => why.test(l.message)), JSON.stringify(host.logs));
  }
});

test("phone numbers and IBANs are masked in produced records", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: "{}" });
  const values = ["call +44 20 7946 0958", "IBAN DE89 3704 0044 0532 0130 00", "build 10.0.19041 on 2024-01-15"].map((v) => Buffer.from(v));
  const b = parseBatch(forwardedRecords(d, host.connect().fromClient(produceFrame(d, batchOf(values)))));
  assert.deepEqual(b.records.map((r) => r.value!.toString()), ["call +** ** **** ****", "IBAN **** **** **** **** **** **", "build 10.0.19041 on 2024-01-15"]);
  assert.equal(host.metric("pii.matches.detector_phone"), 1n);
  assert.equal(host.metric("pii.matches.detector_iban"), 1n);
});

/** A Produce v9 frame with one single-batch partition per topic. */
function produceToTopics(d: Dissector, topics: Record<string, Buffer>, corr = 5): Buffer {
  const topicData = Object.entries(topics).map(([name, b]) => ({ name, partitionData: [{ index: 0, records: b.toString("base64") }] }));
  const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData }));
  assert.ok(body.ok, body.text);
  const h = Buffer.alloc(8); h.writeInt16BE(0, 0); h.writeInt16BE(9, 2); h.writeInt32BE(corr, 4);
  const rest = Buffer.concat([h, Buffer.from([0, 1, 0x78, 0]), body.bytes]);
  const size = Buffer.alloc(4); size.writeInt32BE(rest.length);
  return Buffer.concat([size, rest]);
}

test("topic rules: first matching glob wins, unset keys inherit, skip leaves a topic alone", async () => {
  const d = await Dissector.load();
  const config = {
    actions: { email: "partial" }, partial_keep: 3,
    topics: [
      { match: "payments.*", detectors: ["card"], actions: { card: "hash" } },
      { match: "audit", skip: true },
      { match: "payments.eu", detectors: ["email"] }, // never reached: the rule above matches first
    ],
    hash_key: HASH_KEY,
  };
  const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
  const line = "card 4111 1111 1111 1111 mail a@b.org";
  const out = host.connect().fromClient(produceToTopics(d, { "payments.eu": batchOf([Buffer.from(line)]), audit: batchOf([Buffer.from(line)]), orders: batchOf([Buffer.from(line)]) }));
  const json = JSON.parse(d.decodeBody(0, 9, false, out.subarray(4 + d.requestHeaderLength(out.subarray(4)))).text);
  const value = (name: string) => parseBatch(Buffer.from(json.topicData.find((t: { name: string }) => t.name === name).partitionData[0].records, "base64")).records[0].value!.toString();
  assert.equal(value("payments.eu"), `card ${token("4111111111111111")} mail a@b.org`, "only card, hashed");
  assert.equal(value("audit"), line, "skipped");
  assert.equal(value("orders"), "card **** **** **** **** mail ****org", "the defaults: every detector, email partial");
  assert.equal(host.metric("pii.skipped_topic_batches"), 1n);
  assert.equal(host.metric("pii.matches_per_topic.topic_payments_eu.detector_card"), 1n);
  assert.equal(host.metric("pii.matches_per_topic.topic_orders.detector_email"), 1n);
  assert.equal(host.metric("pii.matches.detector_card"), 2n);
  // Envoy's stats tags, as envoy-config writes them, read each name as the plugin means it.
  assert.deepEqual(envoyTags("pii.matches_per_topic.topic_payments_eu.detector_card"), { name: "pii.matches_per_topic", tags: { topic: "payments_eu", detector: "card" } });
  for (const name of Object.keys(host.metricsByName())) {
    const { name: left } = envoyTags(name);
    assert.doesNotMatch(left, new RegExp(`\\.(${DEFAULT_STATS_TAGS.join("|")})_`), `${name}: a label is left in the name`);
  }
});

/** What Envoy makes of a plugin's metric under envoy-config's default stats tags: the name left, and the tags. */
function envoyTags(metric: string): { name: string; tags: Record<string, string> } {
  let name = `wasmcustom.${metric}`;
  const tags: Record<string, string> = {};
  for (const t of DEFAULT_STATS_TAGS) {
    const m = new RegExp(`^wasmcustom\\..*?(\\.${t}_([^.]+))`).exec(name);
    if (!m) continue;
    tags[t] = m[2];
    name = name.slice(0, m.index + m[0].length - m[1].length) + name.slice(m.index + m[0].length);
  }
  return { name: name.slice("wasmcustom.".length), tags };
}

test("topic rules and principals are validated, naming the field", async () => {
  for (const [config, why] of [
    [{ topics: {} }, /topics: must be a list/],
    [{ topics: [{ detectors: ["card"] }] }, /topics\[0\]\.match: must be a topic name or glob/],
    [{ topics: [{ match: "x", skip: "yes" }] }, /topics\[0\]\.skip: must be true or false/],
    [{ topics: [{ match: "x", detectors: ["cards"] }] }, /topics\[0\]\.detectors\[0\]: unknown detector/],
    [{ topics: [{ match: "x", actions: { card: "burn" } }] }, /topics\[0\]\.actions\.card: must be one of/],
    [{ topics: [{ match: "x", mask: true }] }, /topics\[0\]\.mask: unknown/],
    [{ topics: [{ match: "x", actions: { card: "hash" } }] }, /hash_key: required/],
    [{ fetch_exempt_principals: "alice" }, /fetch_exempt_principals: must be a list/],
  ] as [object, RegExp][]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.ok(host.logs.some((l) => why.test(l.message)), `${JSON.stringify(config)}: ${JSON.stringify(host.logs)}`);
  }
});

test("user rules: a regex and a literal list become detectors, with actions and topic rules", async () => {
  const d = await Dissector.load();
  const config = {
    rules: [
      { name: "employee_id", regex: "\\bEMP-[0-9]{6}\\b" },
      { name: "codenames", literals: ["Falcon", "Blue Bird"], ignore_case: true },
    ],
    actions: { codenames: "hash", employee_id: "partial" }, partial_keep: 2, hash_key: HASH_KEY,
    topics: [{ match: "hr", detectors: ["employee_id"] }],
  };
  const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
  assert.equal(host.configured, true, JSON.stringify(host.logs));
  const line = "EMP-123456 on project FALCON, mail a@b.org, not EMP-1234567";
  const out = host.connect().fromClient(produceToTopics(d, { hr: batchOf([Buffer.from(line)]), eng: batchOf([Buffer.from(line)]) }));
  const json = JSON.parse(d.decodeBody(0, 9, false, out.subarray(4 + d.requestHeaderLength(out.subarray(4)))).text);
  const value = (name: string) => parseBatch(Buffer.from(json.topicData.find((t: { name: string }) => t.name === name).partitionData[0].records, "base64")).records[0].value!.toString();
  assert.equal(value("hr"), "********56 on project FALCON, mail a@b.org, not EMP-1234567");
  assert.equal(value("eng"), `********56 on project ${token("FALCON")}, mail *******, not EMP-1234567`);
  assert.equal(host.metric("pii.matches.detector_employee_id"), 2n);
  assert.equal(host.metric("pii.matches.detector_codenames"), 1n);
});

test("user rules are validated: names, one of regex or literals, and the regex subset", async () => {
  for (const [config, why] of [
    [{ rules: [{ name: "Bad Name", regex: "x" }] }, /rules\[0\]\.name: must be lower-case/],
    [{ rules: [{ name: "email", regex: "x" }] }, /rules\[0\]\.name: "email" is already a detector/],
    [{ rules: [{ name: "a", regex: "x" }, { name: "a", regex: "y" }] }, /rules\[1\]\.name: "a" is already a detector/],
    [{ rules: [{ name: "a" }] }, /rules\[0\]: needs exactly one of regex or literals/],
    [{ rules: [{ name: "a", regex: "(?<=x)y" }] }, /rules\[0\]\.regex: lookaround and named groups are not supported at offset 1/],
    [{ rules: [{ name: "a", regex: "(a" }] }, /rules\[0\]\.regex: missing \) at offset 2/],
    [{ rules: [{ name: "a", literals: [] }] }, /rules\[0\]\.literals: must be a list of 1 to 10000 strings/],
    [{ rules: [{ name: "a", regex: "x", whole_words: true }] }, /whole_words: only for literals/],
    [{ rules: [{ name: "a", regex: "x" }], actions: { b: "mask" } }, /actions\.b: unknown detector \(known: .*, a\)/],
  ] as [object, RegExp][]) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.ok(host.logs.some((l) => why.test(l.message)), `${JSON.stringify(config)}: ${JSON.stringify(host.logs)}`);
  }
});

/** A RecordBatch v2 with `count` records whose records section is `compressed` in codec `codec`. */
function compressedBatch(compressed: Buffer, count: number, codec: number): Buffer {
  const h = Buffer.alloc(61);
  h.writeInt32BE(61 - 12 + compressed.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(codec, 21);
  h.writeInt32BE(count - 1, 23);
  h.writeBigInt64BE(-1n, 43);
  h.writeInt16BE(-1, 51);
  h.writeInt32BE(-1, 53);
  h.writeInt32BE(count, 57);
  const b = Buffer.concat([h, compressed]);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

function maskedLike(v: string): string {
  return v.replace("password=hunter2hunter2", "password=" + "*".repeat(14))
    .replace(/someone\.\d@example\.org/, (m) => "*".repeat(m.length))
    .replace("4111 1111 1111 1111", "**** **** **** ****");
}

test("zstd batches from the reference zstd tool (levels 1 to 19, long windows, many blocks) are decompressed and masked", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: "{}" });
  for (const [name, f] of Object.entries(FIXTURES)) {
    const compressed = fs.readFileSync(path.join(ZSTD_FIXTURES, `${name}.zst`));
    const out = host.connect().fromClient(produceFrame(d, compressedBatch(compressed, f.count, 4)));
    const b = parseBatch(forwardedRecords(d, out));
    assert.equal(b.codec, 4, name);
    assert.ok(b.crcValid, name);
    assert.deepEqual(b.records.map((r) => r.value!.toString()), fixtureValues(f.count).map(maskedLike), name);
  }
  assert.equal(host.metric("pii.unsupported_batches"), 0n);
});

test("a zstd batch with nothing to mask is forwarded byte-identical; corrupted ones never trap", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ detectors: ["ssn"], on_unsupported: "passthrough" }) });
  const compressed = fs.readFileSync(path.join(ZSTD_FIXTURES, "medium-l19.zst"));
  const frame = produceFrame(d, compressedBatch(compressed, 300, 4));
  assert.ok(host.connect().fromClient(frame).equals(frame));
  const rnd = prng(404);
  for (const name of Object.keys(FIXTURES)) {
    const good = fs.readFileSync(path.join(ZSTD_FIXTURES, `${name}.zst`));
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(good);
      for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? bad.subarray(0, Math.floor(rnd() * bad.length)) : bad;
      host.connect().fromClient(produceFrame(d, compressedBatch(cut, FIXTURES[name].count, 4)), true);
    }
  }
  assert.equal(host.trapped, null);
  assert.ok(host.metric("pii.unsupported_batches")! > 0n, "corruption is noticed");
});

test("json_fields mask by field name or path; hash keeps the record valid JSON", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ json_fields: ["ssn", "$.customer.name", "items.sku"], actions: { json_field: "hash" }, hash_key: HASH_KEY }) });
  const doc = { customer: { name: "Jane Roe", email: "jane@example.org" }, ssn: "123456789", items: [{ sku: "A-1", qty: 2 }, { sku: "B-2", qty: 1 }], note: "ok" };
  const out = host.connect().fromClient(produceFrame(d, batchOf([Buffer.from(JSON.stringify(doc))])));
  const value = parseBatch(forwardedRecords(d, out)).records[0].value!.toString();
  const got = JSON.parse(value);
  assert.equal(got.customer.name, token("Jane Roe"));
  assert.equal(got.ssn, token("123456789"));
  assert.deepEqual(got.items.map((i: { sku: string }) => i.sku), [token("A-1"), token("B-2")]);
  assert.equal(got.customer.email, "****************", "the detectors still run on the other strings");
  assert.equal(got.note, "ok");
  assert.equal(host.metric("pii.matches.detector_json_field"), 4n);
});

test("legacy message sets (magic 0 and 1, plain and gzip-wrapped) are masked in place with CRC-32s fixed", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ direction: "fetch", actions: { email: "hash" }, hash_key: HASH_KEY }) });
  const inner = Buffer.concat([legacyMessage(1, Buffer.from("inner password=hunter2hunter2"), { offset: 0 }), legacyMessage(1, Buffer.from("inner plain"), { offset: 1 })]);
  const records = Buffer.concat([
    legacyMessage(0, Buffer.from("v0 card 4111 1111 1111 1111"), { offset: 10, key: Buffer.from("k") }),
    legacyMessage(1, Buffer.from("v1 mail a@b.org, nothing else"), { offset: 11 }),
    legacyMessage(1, zlib.gzipSync(inner), { offset: 13, attributes: 1 }),
    legacyMessage(1, Buffer.from("v1 untouched"), { offset: 14 }),
    batchOf([Buffer.from("then a v2 batch with ssn 123-45-6789")]),
  ]);
  const delivered = fetchThrough(d, host.connect(), records);
  // The legacy part is everything before the v2 batch (its magic byte 2 at offset 16 of its start).
  let at = 0;
  const legacyEnd = (() => { while (delivered[at + 16] !== 2) at += 12 + delivered.readInt32BE(at + 8); return at; })();
  const msgs = parseLegacy(delivered.subarray(0, legacyEnd));
  assert.deepEqual(msgs.filter((m) => (m.attributes & 7) === 0).map((m) => m.value!.toString()), [
    "v0 card **** **** **** ****",
    "v1 mail *******, nothing else", // hash cannot change a legacy message's length: masked instead
    "inner password=**************",
    "inner plain",
    "v1 untouched",
  ]);
  assert.ok(msgs.every((m) => m.crcValid), "every CRC-32 (wrapper and inner) matches");
  assert.deepEqual(msgs.filter((m) => m.magic === 1 && (m.attributes & 7) === 0 && m.value!.includes("inner")).length, 2);
  assert.equal(parseBatch(delivered.subarray(legacyEnd)).records[0].value!.toString(), "then a v2 batch with ssn ***-**-****");
  assert.equal(host.metric("pii.legacy_degraded"), 1n);
  assert.equal(host.metric("pii.unsupported_batches") ?? 0n, 0n);
});

test("a corrupt legacy message gets the policy; mutated legacy sets never trap", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ direction: "fetch", on_unsupported: "passthrough" }) });
  const good = Buffer.concat([legacyMessage(0, Buffer.from("a@b.org")), legacyMessage(1, zlib.gzipSync(legacyMessage(1, Buffer.from("x@y.org"))), { attributes: 1 })]);
  const rnd = prng(77);
  for (let i = 0; i < 400; i++) {
    const bad = Buffer.from(good);
    for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
    fetchThrough(d, host.connect(), bad);
  }
  assert.equal(host.trapped, null);
  assert.ok(host.metric("pii.unsupported_batches")! > 0n);
});

test("every in-place masker leaves a valid CRC-32C", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(PII, { configuration: JSON.stringify({ json_fields: ["pin"], actions: { card: "partial" } }) });
  const values = [
    "mail a@b.org and card 4111 1111 1111 1111",
    '{"pin": 4711, "note": "iban DE89 3704 0044 0532 0130 00"}',
    "-----BEGIN PRIVATE KEY-----\nMIIB\nabc\n-----END PRIVATE KEY-----",
    "plain " + "x".repeat(5000) + " token=abc123",
  ].map((v) => Buffer.from(v));
  const b = parseBatch(forwardedRecords(d, host.connect().fromClient(produceFrame(d, batchOf(values)))));
  assert.deepEqual(b.records.map((r) => r.value!.toString().slice(0, 60)), [
    "mail ******* and card **** **** **** 1111",
    '{"pin": 1000, "note": "iban **** **** **** **** **** **"}',
    "-----BEGIN PRIVATE KEY-----\n****\n***\n-----END PRIVATE KEY-----",
    "plain " + "x".repeat(54),
  ].map((v) => v.slice(0, 60)));
  assert.ok(b.crcValid, "checked by an independent CRC-32C");
});
