// The record layer (assembly/record_layer) in the emulator, by property: random record data of
// every kind (all codecs and framings, idempotent, transactional and control batches, legacy
// messages and wrappers, mixed logs, partial tails) through Produce v3..v13 and Fetch v4..v17,
// and what comes out checked against an independent TypeScript model (tests/tools/record_model.ts)
// and reference of the layer's semantics (tests/tools/record_reference.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { Exchanges, TopicRef, TopicSendAny, topicKey } from "../tools/record_frames.js";
import {
  decodeEntries, decodeBatch, decodeLegacy, encodeLegacy, encodeLegacyWrapper, legacyRecordOffsets, encodeBatch, encodeRecords, batchAround, Batch, CODEC_NAMES, ModelError,
  unsnappyRaw, lz4Block, xxh32, unzstd, zstdRaw, decoderStats, Framing, ATTR_CONTROL,
} from "../tools/record_model.js";
import { batchOf as batchOfValues, legacyMessage, unzstdStored, batchFromSection, recordsSection } from "../tools/batches.js";
import { produceV7 } from "../tools/raw_kafka.js";
import { Rnd, int, pick, randomPartition, opsValues, plainValues, OPS_PREFIXES, GenOptions } from "../tools/record_gen.js";
import {
  Counts, Expected, Transform, expectPartition, recordOps, uppercase, REFUSED, CORRUPT_MESSAGE, UNKNOWN_TOPIC_ID,
} from "../tools/record_reference.js";

const IDENTITY = rootPath("build", "fixtures", "record-identity.wasm");
const OPS = rootPath("build", "fixtures", "record-ops.wasm");
const UPPERCASE = rootPath("build", "examples", "uppercase.wasm");
const RECORD_LIST_TOO_LARGE = 18;

const PRODUCE_VERSIONS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const FETCH_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];

function topic(name: string, n: number): TopicRef { return { name, id: Buffer.from(Array.from({ length: 16 }, (_, i) => (i * 31 + n * 7 + 1) & 0xff)) }; }
const LOWER = topic("lowercase", 1), OTHER = topic("other", 2), THIRD = topic("third.topic", 3);
const KNOWN = [LOWER, OTHER, THIRD];
/** A topic id no Metadata response names. */
const STRANGER = topic("never-announced", 9);

const identity: Transform = () => ({ kind: "keep" });

/** Every kind of record data the generator makes, with values from `values`. */
function kinds(fetch: boolean, values: GenOptions["values"], legacyValues?: GenOptions["values"]): GenOptions {
  return { fetch, values, legacyValues, control: 0.25, legacy: 0.35, tail: 0.25, maxRecords: 6 };
}

/** The layer's counters of one plugin as numbers (absent ones are 0). */
function layerCounts(host: PluginHost): Counts {
  const all = host.metricsByName();
  const prefix = Object.keys(all).find((k) => k.startsWith("kafka_records.") && k.endsWith(".records"));
  const got = new Counts();
  if (!prefix) return got;
  const base = prefix.slice(0, -"records".length);
  for (const k of Object.keys(got) as (keyof Counts)[]) got[k] = all[base + k] ?? 0;
  return got;
}

/** Checks that `got` is what `exp` says the layer makes of `original` (one partition's records). */
function checkField(got: Buffer, original: Buffer, exp: Expected, ctx: string): void {
  if (exp.kind === "same") { assert.ok(got.equals(original), `${ctx}: records byte-identical`); return; }
  assert.equal(exp.kind, "entries", ctx);
  if (exp.kind !== "entries") return;
  const entries = decodeEntries(got);
  assert.equal(entries.length, exp.entries.length, `${ctx}: entries`);
  exp.entries.forEach((e, i) => {
    const g = entries[i];
    const at = `${ctx}: entry ${i}`;
    if (e.kind === "same" || e.kind === "exact") { assert.ok(g.bytes.equals(e.bytes), `${at}: bytes (${e.kind})`); return; }
    if (e.kind === "batch") {
      assert.equal(g.kind, "batch", at);
      if (g.kind !== "batch") return;
      const b = g.batch, x = e.batch;
      assert.ok(b.crcValid, `${at}: CRC-32C valid`);
      assert.equal(b.codec, e.like.codec, `${at}: codec ${CODEC_NAMES[e.like.codec]} kept`);
      assert.equal(b.snappyFraming, e.like.snappyFraming, `${at}: snappy framing kept`);
      assert.deepEqual(
        [b.baseOffset, b.partitionLeaderEpoch, b.attributes, b.lastOffsetDelta, b.baseTimestamp, b.maxTimestamp, b.producerId, b.producerEpoch, b.baseSequence, b.recordCount],
        [x.baseOffset, x.partitionLeaderEpoch, x.attributes, x.lastOffsetDelta, x.baseTimestamp, x.maxTimestamp, x.producerId, x.producerEpoch, x.baseSequence, x.records.length],
        `${at}: batch header`);
      assert.deepEqual(b.records, x.records, `${at}: records`);
      return;
    }
    assert.equal(g.kind, "legacy", at);
    if (g.kind !== "legacy") return;
    const m = g.message, like = e.like;
    assert.ok(m.crcValid, `${at}: wrapper CRC-32 valid`);
    assert.deepEqual([m.magic, m.attributes, m.timestamp, m.key], [like.magic, like.attributes, like.timestamp, like.key], `${at}: wrapper fields`);
    const shown = (b: Buffer | null) => (b === null ? null : b.toString("latin1"));
    assert.deepEqual(m.inner!.map((i) => [i.offset, i.magic, i.attributes, i.timestamp, shown(i.key), shown(i.value), i.crcValid]),
      e.inner.map((i) => [i.offset, i.magic, i.attributes, i.timestamp, shown(i.key), shown(i.value), true]), `${at}: inner messages`);
    assert.deepEqual(legacyRecordOffsets(m), e.offsets, `${at}: a consumer reads every kept record at its own offset`);
  });
}

interface SentPartition { index: number; records: Buffer; exp: Expected }
interface SentTopic { topic: TopicRef; known: boolean; partitions: SentPartition[] }

/** The transform a topic's records go through; null when the plugin's scope leaves the topic out. */
type ByTopic = (topic: TopicRef) => Transform | null;

function randomTopics(rnd: Rnd, o: GenOptions, byId: boolean, strangers: boolean, t: ByTopic, counts: Counts): SentTopic[] {
  const n = 1 + int(rnd, 2);
  const chosen = [...KNOWN].sort(() => rnd() - 0.5).slice(0, n);
  if (byId && strangers && rnd() < 0.25) chosen.push(STRANGER);
  return chosen.map((tp) => {
    const known = tp !== STRANGER;
    const partitions = Array.from({ length: 1 + int(rnd, 3) }, (_, index) => {
      const records = randomPartition(rnd, o);
      const transform = known ? t(tp) : null;
      const exp: Expected = transform ? expectPartition(records, o.fetch, transform, counts, { topic: tp.name, partition: index }) : { kind: "same" };
      return { index, records, exp };
    });
    if (!known) counts.unknown_topic_ids += partitions.length;
    return { topic: tp, known, partitions };
  });
}

const toSend = (ts: SentTopic[]): TopicSendAny[] => ts.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ index: p.index, records: p.records })) }));

/**
 * One random Produce through `ex`, checked: what the broker saw (kept partitions as the reference
 * says, the others gone) and what the client got (the broker's answers merged with the layer's).
 */
function produceRound(ex: Exchanges, rnd: Rnd, version: number, o: GenOptions, t: ByTopic, counts: Counts, ctx: string): void {
  const topics = randomTopics(rnd, o, version >= 13, true, t, counts);
  const acks = rnd() < 0.15 ? 0 : pick(rnd, [-1, 1]);
  let req: Buffer = Buffer.alloc(0);
  const out = ex.produce(version, acks, toSend(topics), (f) => { req = f; });
  const forwardedParts = new Map<string, SentPartition[]>();
  const answered: { key: string; index: number; code: number; message: string | null; prefix?: boolean }[] = [];
  for (const st of topics) {
    const key = version >= 13 ? st.topic.id.toString("hex") : st.topic.name;
    for (const p of st.partitions) {
      if (!st.known) { answered.push({ key, index: p.index, code: UNKNOWN_TOPIC_ID, message: null, prefix: true }); continue; }
      const e = p.exp;
      if (e.kind === "same" || e.kind === "entries") { forwardedParts.set(key, [...(forwardedParts.get(key) ?? []), p]); continue; }
      if (e.kind === "emptied") answered.push({ key, index: p.index, code: 0, message: null });
      else if (e.kind === "rejected") answered.push({ key, index: p.index, code: e.code, message: e.message });
      else answered.push({ key, index: p.index, code: e.code, message: "refused by the proxy: ", prefix: true });
    }
  }
  const untouched = answered.length === 0 && topics.every((st) => st.partitions.every((p) => p.exp.kind === "same"));
  if (untouched) assert.ok(out.forwarded.equals(req), `${ctx}: an untouched Produce is forwarded byte-identical`);
  if (forwardedParts.size === 0) {
    if (acks === 0) assert.equal(out.forwarded.length, 0, `${ctx}: acks=0 and nothing left: nothing is sent`);
    else assert.ok(out.substituted, `${ctx}: nothing left for the broker: the layer answers alone`);
  } else {
    assert.ok(out.brokerSaw, `${ctx}: the broker gets the Produce`);
    const saw = out.brokerSaw;
    assert.deepEqual(saw.topicData.map((t: any) => topicKey(t)).sort(), [...forwardedParts.keys()].sort(), `${ctx}: topics the broker sees`);
    for (const td of saw.topicData) {
      const parts = forwardedParts.get(topicKey(td))!;
      assert.deepEqual(td.partitionData.map((p: any) => p.index), parts.map((p) => p.index), `${ctx}: partitions the broker sees`);
      td.partitionData.forEach((p: any, i: number) => checkField(Buffer.from(p.records, "base64"), parts[i].records, parts[i].exp, `${ctx} ${topicKey(td)}/${p.index}`));
    }
  }
  if (acks === 0) { assert.equal(out.answer, null, `${ctx}: acks=0 gets no answer`); return; }
  if (answered.length === 0) assert.ok(out.answerFrame!.equals(out.brokerFrame!), `${ctx}: a Produce response with nothing to add is forwarded byte-identical`);
  const answer = out.answer!;
  const expected = new Map<string, { index: number; code: number; baseOffset: number; message: string | null; prefix?: boolean }[]>();
  for (const [key, parts] of forwardedParts) expected.set(key, parts.map((p) => ({ index: p.index, code: 0, baseOffset: 1000 + p.index, message: null })));
  for (const a of answered) expected.set(a.key, [...(expected.get(a.key) ?? []), { index: a.index, code: a.code, baseOffset: -1, message: a.message, prefix: a.prefix }]);
  assert.deepEqual([...answer.keys()].sort(), [...expected.keys()].sort(), `${ctx}: topics answered`);
  for (const [key, want] of expected) {
    const got = [...answer.get(key)!].sort((a, b) => a.index - b.index);
    want.sort((a, b) => a.index - b.index);
    assert.deepEqual(got.map((g) => [g.index, g.errorCode, g.baseOffset]), want.map((w) => [w.index, w.code, w.baseOffset]), `${ctx}: ${key} answers`);
    if (version >= 8) {
      got.forEach((g, i) => {
        const w = want[i];
        if (w.prefix) assert.ok(w.message === null ? g.errorMessage !== null : g.errorMessage?.startsWith(w.message), `${ctx}: ${key}/${g.index} message ${g.errorMessage}`);
        else assert.equal(g.errorMessage, w.message, `${ctx}: ${key}/${g.index} message`);
      });
    }
  }
}

/** One random Fetch response through `ex`, checked partition by partition. */
function fetchRound(ex: Exchanges, rnd: Rnd, version: number, o: GenOptions, t: ByTopic, counts: Counts, ctx: string, inScope = true): void {
  const topics = randomTopics(rnd, o, version >= 13, inScope, inScope ? t : () => null, inScope ? counts : new Counts());
  const got = ex.fetch(version, toSend(topics));
  const untouched = topics.every((st) => st.known && st.partitions.every((p) => p.exp.kind === "same"));
  if (untouched || !inScope) { assert.ok(got.frame.equals(got.sentFrame), `${ctx}: an untouched Fetch response is forwarded byte-identical`); return; }
  assert.ok(got.json, `${ctx}: the response reaches the client`);
  got.json.responses.forEach((tr: any, ti: number) => {
    const st = topics[ti];
    tr.partitions.forEach((p: any, pi: number) => {
      const sp = st.partitions[pi];
      const at = `${ctx} ${st.topic.name}/${p.partitionIndex}`;
      const records = Buffer.from(p.records ?? "", "base64");
      if (!st.known) { assert.deepEqual([p.errorCode, records.length], [UNKNOWN_TOPIC_ID, 0], `${at}: unknown topic id`); return; }
      const e = sp.exp;
      if (e.kind === "rejected" || e.kind === "unsupported") { assert.deepEqual([p.errorCode, records.length], [e.code, 0], `${at}: refused`); return; }
      assert.equal(p.errorCode, 0, at);
      checkField(records, sp.records, e, at);
    });
  });
}

function checkCounts(host: PluginHost, counts: Counts, ctx: string): void {
  assert.deepEqual({ ...layerCounts(host) }, { ...counts }, `${ctx}: kafka_records.* counters`);
}

test("record model: batches and legacy sets round-trip in every codec and framing", () => {
  const rnd = prng(11);
  for (let i = 0; i < 300; i++) {
    const field = randomPartition(rnd, kinds(true, plainValues));
    const entries = decodeEntries(field);
    assert.ok(entries.length > 0);
    for (const e of entries) {
      if (e.kind === "batch") {
        assert.ok(e.batch.crcValid);
        const again = encodeBatch(e.batch, { snappy: e.batch.snappyFraming, lz4: {} });
        assert.ok(batchAround(e.batch, e.batch.section, e.batch.recordCount).equals(e.bytes), "header fields read and written back");
        assert.deepEqual(decodeEntries(again)[0].kind === "batch" && (decodeEntries(again)[0] as any).batch.records, e.batch.records);
        assert.ok(encodeRecords(e.batch.records).length > 0);
      } else if (e.kind === "legacy") {
        assert.ok(e.message.crcValid && (e.message.inner ?? []).every((m) => m.crcValid));
      }
    }
  }
  // Cut short, a batch is a tail for a fetch, and the model says so.
  const whole = encodeBatch(batchOf(["a", "b"]));
  assert.deepEqual(decodeEntries(whole.subarray(0, whole.length - 1)).map((e) => e.kind), ["tail"]);
});

test("record model: known answers from the format descriptions and from tests/tools/batches.ts", () => {
  // A batch built by the older, separate builder: every header field where the format puts it.
  const values = ["one", "two", "three"].map((v) => Buffer.from(v));
  for (const opts of [{}, { pid: 42, sequence: 7 }, { gzip: true }, { snappy: true }, { lz4: true }]) {
    const bytes = batchOfValues(values, opts);
    const b = decodeBatch(bytes);
    const pid = "pid" in opts ? BigInt(opts.pid!) : -1n;
    assert.deepEqual(
      [b.baseOffset, b.partitionLeaderEpoch, b.lastOffsetDelta, b.baseTimestamp, b.maxTimestamp, b.producerId, b.producerEpoch, b.baseSequence, b.recordCount, b.crcValid],
      [0n, 0, 2, 0n, 0n, pid, pid >= 0n ? 0 : -1, pid >= 0n ? 7 : -1, 3, true]);
    assert.deepEqual(b.records.map((r) => [r.offsetDelta, r.timestampDelta, r.key, r.value?.toString(), r.headers.length]), [[0, 0n, null, "one", 0], [1, 0n, null, "two", 0], [2, 0n, null, "three", 0]]);
    if (b.codec === 0) assert.ok(encodeBatch(b).equals(bytes), "written back byte for byte");
  }
  const legacy = legacyMessage(1, Buffer.from("v"), { offset: 9, key: Buffer.from("k"), timestamp: 1234 });
  assert.deepEqual(decodeLegacy(legacy), { offset: 9n, magic: 1, attributes: 0, timestamp: 1234n, key: Buffer.from("k"), value: Buffer.from("v"), crcValid: true, size: legacy.length });
  assert.ok(encodeLegacy({ offset: 9n, magic: 1, attributes: 0, timestamp: 1234n, key: Buffer.from("k"), value: Buffer.from("v") }).equals(legacy));
  // Snappy: literal "abcd", then a 1-byte-offset copy of 6 from 4 back (overlapping).
  assert.equal(unsnappyRaw(Buffer.from([10, 3 << 2, 0x61, 0x62, 0x63, 0x64, ((6 - 4) << 2) | 1, 4])).toString(), "abcdabcdab");
  // Snappy: a 2-byte-offset copy of 3, and a 4-byte-offset copy of 2.
  assert.equal(unsnappyRaw(Buffer.from([9, 3 << 2, 0x77, 0x78, 0x79, 0x7a, ((3 - 1) << 2) | 2, 4, 0, ((2 - 1) << 2) | 3, 2, 0, 0, 0])).toString(), "wxyzwxyxy");
  // LZ4 block: token (4 literals, match 4+2), "abcd", offset 4, then a last token of 0 literals.
  assert.equal(lz4Block(Buffer.from([0x42, 0x61, 0x62, 0x63, 0x64, 4, 0, 0x00]), 64).toString(), "abcdabcdab");
  // LZ4 frame header checksum of FLG 0x60, BD 0x40 is 0x82 (the value the older builder hard-codes).
  assert.equal((xxh32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff, 0x82);
  // Zstandard: a raw block "ab" then a last RLE block of 3 "z".
  const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 5, (2 << 3) | 0, 0, 0, 0x61, 0x62, (3 << 3) | (1 << 1) | 1, 0, 0, 0x7a]);
  assert.equal(unzstd(zstd).toString(), "abzzz");
  assert.deepEqual(unzstdStored(zstdRaw(Buffer.from("stored"))), Buffer.from("stored"), "the older reader reads what the model writes");
});

test("identity: every Produce and Fetch, of every version and kind, leaves the proxy byte-identical", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: "{}" });
  const rnd = prng(20261130);
  const counts = new Counts();
  for (let round = 0; round < 6; round++) {
    const ex = new Exchanges(d, host.connect());
    ex.metadata(KNOWN);
    for (const v of PRODUCE_VERSIONS) produceRound(ex, rnd, v, kinds(false, plainValues), () => identity, counts, `identity produce v${v}`);
    for (const v of FETCH_VERSIONS) fetchRound(ex, rnd, v, kinds(true, plainValues), () => identity, counts, `identity fetch v${v}`);
    assert.equal(ex.conn.closed, false);
  }
  assert.equal(host.trapped, null);
  checkCounts(host, counts, "identity");
  assert.ok(counts.records > 500, `records seen: ${counts.records}`);
});

test("uppercase example: values of topic `lowercase` uppercased in their own codec, other topics and fetches untouched", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const rnd = prng(7070);
  const counts = new Counts();
  const byTopic: ByTopic = (tp) => (tp === LOWER ? uppercase : null);
  for (let round = 0; round < 8; round++) {
    const ex = new Exchanges(d, host.connect());
    ex.metadata(KNOWN);
    for (const v of PRODUCE_VERSIONS) produceRound(ex, rnd, v, kinds(false, plainValues), byTopic, counts, `uppercase produce v${v}`);
    for (const v of FETCH_VERSIONS) fetchRound(ex, rnd, v, kinds(true, plainValues), byTopic, counts, `uppercase fetch v${v}`, false);
  }
  assert.equal(host.trapped, null);
  // Counted only what the plugin saw: produce to `lowercase`.
  checkCounts(host, counts, "uppercase");
  assert.ok(counts.batches_patched > 10 && counts.batches_rewritten > 10, `patched ${counts.batches_patched}, rewritten ${counts.batches_rewritten}`);
});

test("record-ops: keep, edit, replace, drop and reject over Produce v3..v13 and Fetch v4..v17 match the reference", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const rnd = prng(424242);
  const counts = new Counts();
  const values = opsValues(OPS_PREFIXES, 0.02);
  // Legacy messages cannot carry headers: `hdrs:` there is refused (CORRUPT_MESSAGE under `reject`), rarely.
  const legacyValues = opsValues(["drop:", "grow:", "key:", "hdr:", "tomb:", "upper:", "meta:", "drop:", "drop:"], 0.02);
  const legacyHdrs = opsValues(["hdrs:"], 0);
  const legacyMix = (r: Rnd) => (r() < 0.03 ? legacyHdrs(r) : legacyValues(r));
  for (let round = 0; round < 10; round++) {
    const ex = new Exchanges(d, host.connect());
    ex.metadata(KNOWN);
    for (const v of PRODUCE_VERSIONS) produceRound(ex, rnd, v, kinds(false, values), () => recordOps, counts, `ops produce v${v} round ${round}`);
    for (const v of FETCH_VERSIONS) fetchRound(ex, rnd, v, kinds(true, values, legacyMix), () => recordOps, counts, `ops fetch v${v} round ${round}`);
    assert.equal(ex.conn.closed, false, "nothing closes the connection under on_unsupported=reject");
  }
  assert.equal(host.trapped, null);
  checkCounts(host, counts, "record-ops");
  // The layer compresses snappy and lz4 with copies and matches: the model's full decoders read them.
  assert.ok(decoderStats.snappyCopies > 0 && decoderStats.lz4Matches > 0 && decoderStats.lz4CompressedBlocks > 0, JSON.stringify(decoderStats));
  for (const k of ["records_edited", "records_replaced", "records_dropped", "records_emptied", "rejected_partitions", "batches_rewritten", "batches_patched", "unsupported_batches", "unknown_topic_ids"] as const) {
    assert.ok(counts[k] > 0, `the run exercised ${k}`);
  }
});

test("record-ops: partitions emptied by drops are answered success with base offset -1, merged with the broker's answers", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const ex = new Exchanges(d, host.connect());
  ex.metadata(KNOWN);
  const b = (values: string[], pid = -1n) => encodeBatch(batchOf(values, pid));
  for (const version of [3, 8, 12, 13]) {
    const out = ex.produce(version, -1, [
      { topic: LOWER, partitions: [{ index: 0, records: b(["drop:a", "drop:b"]) }, { index: 1, records: b(["keep", "drop:x"]) }, { index: 2, records: b(["reject:no"]) }] },
      { topic: OTHER, partitions: [{ index: 0, records: b(["drop:only"]) }] },
    ]);
    const key = (t: TopicRef) => (version >= 13 ? t.id.toString("hex") : t.name);
    const lower = out.answer!.get(key(LOWER))!.sort((x, y) => x.index - y.index);
    assert.deepEqual(lower.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, 0, -1], [1, 0, 1001], [2, REFUSED, -1]], `v${version}`);
    assert.deepEqual(out.answer!.get(key(OTHER))!.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, 0, -1]], `v${version}: a topic the broker never saw is answered`);
    if (version >= 8) assert.equal(lower[2].errorMessage, "refused");
    assert.equal(out.brokerSaw.topicData.length, 1);
  }
  // Idempotent: a dropped record stays, emptied, so the broker's sequence check holds.
  const out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: b(["drop:a", "drop:b"], 77n) }] }]);
  const got = decodeEntries(Buffer.from(out.brokerSaw.topicData[0].partitionData[0].records, "base64"));
  assert.equal(got[0].kind, "batch");
  if (got[0].kind === "batch") assert.deepEqual(got[0].batch.records.map((r) => [r.offsetDelta, r.value?.length, r.headers.length]), [[0, 0, 0], [1, 0, 0]]);
  assert.equal(host.trapped, null);
});

test("each record names the client.id of its own request, as it changes on one connection", async () => {
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const conn = host.connect();
  // meta: values end "|<client.id>": the layer makes the ClientInfo once per client.id, not per request.
  const ids: (string | null)[] = ["alpha", "alpha", "beta", null, "alpha", "", "beta"];
  const seen: string[] = [];
  ids.forEach((id, n) => {
    const out = conn.fromClient(produceV7(n + 1, "lowercase", [{ partition: 0, records: batchOfValues([Buffer.from("meta:x")]) }], 1, 30000, id));
    const m = /\|[tf]\|[tf]\|[tf]\|([a-z]*)/.exec(out.toString("latin1"));
    assert.ok(m, `request ${n + 1} forwarded with its meta value`);
    seen.push(m[1]);
  });
  assert.deepEqual(seen, ["alpha", "alpha", "beta", "", "alpha", "", "beta"]);
  assert.equal(host.trapped, null);
});

test("seeEveryRecord: a fetch's partial trailing batch (v2 or legacy) is left out, not forwarded unseen", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ see_every_record: true }) });
  const ex = new Exchanges(d, host.connect());
  const whole = encodeBatch({ ...batchOf(["upper:abc", "keep"]), baseOffset: 10n });
  const next = encodeBatch({ ...batchOf(["secret"]), baseOffset: 12n });
  const legacyNext = encodeLegacy({ offset: 12n, magic: 1, attributes: 0, timestamp: 5n, key: null, value: Buffer.from("secret") });
  let cut = 0;
  for (const tail of [next.subarray(0, 30), next.subarray(0, next.length - 1), next.subarray(0, 5), legacyNext.subarray(0, 20)]) {
    const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: Buffer.concat([whole, tail]) }, { index: 1, records: tail }] }]);
    const [p0, p1] = f.json.responses[0].partitions;
    const got = decodeEntries(Buffer.from(p0.records, "base64"));
    assert.deepEqual(got.map((e) => e.kind), ["batch"], "the whole batch only");
    if (got[0].kind === "batch") assert.deepEqual(got[0].batch.records.map((r) => r.value?.toString()), ["UPPER:ABC", "keep"]);
    assert.deepEqual([p0.errorCode, p1.errorCode, p1.records], [0, 0, ""], "a partition of nothing but a tail is delivered empty");
    cut += 2;
  }
  assert.equal(layerCounts(host).records, 8);
  assert.equal(host.metricsByName()["kafka_records.record_ops.partial_tails_cut"], cut);
  assert.equal(host.trapped, null);
});

test("large batches: multi-block lz4, xerial snappy and zstd frames, edited and rewritten, match the reference", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const ex = new Exchanges(d, host.connect());
  const rnd = prng(99);
  const counts = new Counts();
  const big = (prefix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from(Array.from({ length: 66_000 + int(rnd, 10_000) }, () => 0x61 + int(rnd, 4)))]);
  const framings: Framing[] = [{ snappy: "raw" }, { snappy: "xerial" }, { lz4: { blockChecksum: true, contentChecksum: true } }, { lz4: { blockSize: 5, contentSize: true } }];
  for (const codec of [0, 1, 2, 3, 4]) {
    for (const framing of framings) {
      for (const fetched of [false, true]) {
        for (const prefixes of [["upper:", "keep:"], ["grow:", "drop:", "upper:"]]) {
          const batch: Batch = { ...batchOf([]), baseOffset: fetched ? 500n : 0n, attributes: codec,
            records: prefixes.map((p, i) => ({ attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: null, value: big(p), headers: [] })) };
          batch.lastOffsetDelta = batch.records.length - 1;
          const records = encodeBatch(batch, framing);
          const exp = expectPartition(records, fetched, recordOps, counts, { topic: LOWER.name, partition: 0 });
          const ctx = `${CODEC_NAMES[codec]} ${JSON.stringify(framing)} ${fetched ? "fetch" : "produce"} ${prefixes}`;
          if (fetched) {
            const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records }] }]);
            if (exp.kind === "same") assert.ok(f.frame.equals(f.sentFrame), ctx);
            else checkField(Buffer.from(f.json.responses[0].partitions[0].records, "base64"), records, exp, ctx);
          } else {
            const out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records }] }]);
            checkField(Buffer.from(out.brokerSaw.topicData[0].partitionData[0].records, "base64"), records, exp, ctx);
          }
        }
      }
    }
  }
  assert.equal(host.trapped, null);
  checkCounts(host, counts, "large batches");
});

test("pipelined produces: each broker response gets its own request's layer answers merged", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const conn = host.connect();
  const ex = new Exchanges(d, conn);
  const b = (values: string[]) => encodeBatch(batchOf(values));
  // Request 1: partition 0 emptied, 1 kept. Request 2: nothing left (answered alone). Request 3: partition 2 refused, 5 kept.
  const sends: TopicSendAny[][] = [
    [{ topic: LOWER, partitions: [{ index: 0, records: b(["drop:a"]) }, { index: 1, records: b(["keep"]) }] }],
    [{ topic: OTHER, partitions: [{ index: 4, records: b(["drop:b"]) }] }],
    [{ topic: LOWER, partitions: [{ index: 2, records: b(["reject:c"]) }, { index: 5, records: b(["grow:d"]) }] }],
  ];
  const frames = sends.map((t, i) => ex.produceRequest(9, -1, t, 500 + i));
  const forwarded = conn.fromClient(Buffer.concat(frames));
  // What reached the broker: three frames, the second an ApiVersions v0 stand-in.
  const seen: Buffer[] = [];
  for (let at = 0; at < forwarded.length; at += 4 + forwarded.readInt32BE(at)) seen.push(forwarded.subarray(at, at + 4 + forwarded.readInt32BE(at)));
  assert.deepEqual(seen.map((f) => [f.readInt16BE(4), f.readInt32BE(8)]), [[0, 500], [18, 501], [0, 502]]);
  const respond = (corr: number, parts: [string, number][]) => {
    const e = d.encodeBody(0, 9, true, JSON.stringify({ responses: [{ name: parts[0][0], partitionResponses: parts.map(([, index]) => ({ index, errorCode: 0, baseOffset: 7000 + index })) }] }));
    const c = Buffer.alloc(4); c.writeInt32BE(corr);
    const body = Buffer.concat([c, Buffer.from([0]), e.bytes]);
    const size = Buffer.alloc(4); size.writeInt32BE(body.length);
    return Buffer.concat([size, body]);
  };
  const apiVersions = Buffer.from([0, 0, 0, 10, 0, 0, 0x01, 0xf5, 0, 0, 0, 0, 0, 0]); // corr 501, error 0, no keys
  const answers = conn.fromBroker(Buffer.concat([respond(500, [["lowercase", 1]]), apiVersions, respond(502, [["lowercase", 5]])]));
  const got: any[] = [];
  for (let at = 0; at < answers.length; at += 4 + answers.readInt32BE(at)) {
    const f = answers.subarray(at, at + 4 + answers.readInt32BE(at));
    const json = JSON.parse(d.decodeBody(0, 9, true, f.subarray(9)).text);
    got.push([f.readInt32BE(4), json.responses.map((t: any) => [t.name, t.partitionResponses.map((p: any) => [p.index, p.errorCode, p.baseOffset]).sort((x: number[], y: number[]) => x[0] - y[0])])]);
  }
  assert.deepEqual(got, [
    [500, [["lowercase", [[0, 0, -1], [1, 0, 7001]]]]],
    [501, [["other", [[4, 0, -1]]]]],
    [502, [["lowercase", [[2, REFUSED, -1], [5, 0, 7005]]]]],
  ]);
  assert.equal(host.trapped, null);
});

test("passthrough after an edited batch: what goes on carries true CRCs, whether or not the frame is written again", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: "passthrough" }) });
  const ex = new Exchanges(d, host.connect());
  // Batch 1 is edited in place and rewritten (upper: and grow:); batch 2 does not parse (its record count is off).
  const edited = encodeBatch(batchOf(["upper:abc", "grow:x"]));
  const broken = encodeBatch({ ...batchOf(["zzz"]), baseOffset: 2n });
  broken.writeInt32BE(5, 57);
  const field = Buffer.concat([edited, broken]);
  const delivered: Buffer[] = [];
  for (const rewriteAnother of [false, true]) {
    const partitions = [{ index: 0, records: field }, ...(rewriteAnother ? [{ index: 1, records: encodeBatch(batchOf(["grow:y"])) }] : [])];
    const f = ex.fetch(12, [{ topic: LOWER, partitions }]);
    const out = Buffer.from(f.json.responses[0].partitions[0].records, "base64");
    assert.equal(out.length, field.length, "the partition goes on whole");
    const first = decodeEntries(out.subarray(0, edited.length));
    assert.equal(first[0].kind, "batch");
    if (first[0].kind === "batch") assert.ok(first[0].batch.crcValid, `rewriting another partition ${rewriteAnother}: batch 1's CRC holds`);
    assert.ok(out.subarray(edited.length).equals(broken), "the batch the layer could not read goes on unseen");
    delivered.push(out);
  }
  assert.ok(delivered[0].equals(delivered[1]), "the same either way");
  assert.equal(layerCounts(host).partitions_passed_unseen, 2);
  assert.equal(host.trapped, null);
});

test("legacy: a compressed message nested in a compressed wrapper is refused, not shown to the plugin as a record", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const ex = new Exchanges(d, host.connect());
  const inner = encodeLegacyWrapper(1, 1, 0n, [{ attributes: 0, timestamp: 1n, key: null, value: Buffer.from("hidden") }]);
  const nested = encodeLegacy({ offset: 40n, magic: 1, attributes: 1, timestamp: 1n, key: null, value: zlib.gzipSync(inner) });
  const plain = encodeLegacyWrapper(1, 1, 40n, [{ attributes: 0, timestamp: 1n, key: null, value: Buffer.from("fine") }]);
  const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: nested }, { index: 1, records: plain }] }]);
  const [p0, p1] = f.json.responses[0].partitions;
  assert.deepEqual([p0.errorCode, p0.records, p1.errorCode], [CORRUPT_MESSAGE, "", 0]);
  assert.ok(Buffer.from(p1.records, "base64").equals(plain));
  assert.deepEqual([layerCounts(host).unsupported_batches, layerCounts(host).records], [1, 1]);
  assert.equal(host.trapped, null);
});

function batchOf(values: string[], producerId = -1n, codec = 0): Batch {
  return {
    baseOffset: 0n, partitionLeaderEpoch: -1, attributes: codec, lastOffsetDelta: values.length - 1, baseTimestamp: 1_700_000_000_000n, maxTimestamp: 1_700_000_000_000n,
    producerId, producerEpoch: producerId >= 0n ? 0 : -1, baseSequence: producerId >= 0n ? 0 : -1,
    records: values.map((v, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  };
}

test("unknown topic ids: Produce v13 answered UNKNOWN_TOPIC_ID, Fetch v13+ partitions refused with it; the policy may close instead", async () => {
  const d = await Dissector.load();
  for (const policy of ["reject", "close", "passthrough"]) {
    const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unknown_topic: policy }) });
    const ex = new Exchanges(d, host.connect());
    ex.metadata([LOWER]);
    const records = encodeBatch(batchOf(["drop:x", "kept"]));
    const frameOf: Buffer[] = [];
    const out = ex.produce(13, -1, [{ topic: OTHER, partitions: [{ index: 0, records }, { index: 1, records }] }, { topic: LOWER, partitions: [{ index: 3, records }] }], (f) => frameOf.push(f));
    if (policy === "close") {
      assert.equal(ex.conn.closed, true, "close: the connection is closed");
      assert.equal(out.forwarded.length, 0, "close: nothing reaches the broker");
      continue;
    }
    const answer = out.answer!;
    if (policy === "reject") {
      assert.deepEqual(answer.get(OTHER.id.toString("hex"))!.map((p) => [p.index, p.errorCode, p.baseOffset]), [[0, UNKNOWN_TOPIC_ID, -1], [1, UNKNOWN_TOPIC_ID, -1]]);
      assert.deepEqual(out.brokerSaw.topicData.map((t: any) => topicKey(t)), [LOWER.id.toString("hex")]);
    } else {
      assert.deepEqual(out.brokerSaw.topicData.map((t: any) => topicKey(t)), [OTHER.id.toString("hex"), LOWER.id.toString("hex")], "passthrough: the unknown topic goes on");
      const unseen = Buffer.from(out.brokerSaw.topicData[0].partitionData[0].records, "base64");
      assert.ok(unseen.equals(records), "passthrough: its records unseen and untouched");
    }
    const f = ex.fetch(13, [{ topic: OTHER, partitions: [{ index: 0, records }] }]);
    if (policy === "reject") assert.deepEqual([f.json.responses[0].partitions[0].errorCode, f.json.responses[0].partitions[0].records], [UNKNOWN_TOPIC_ID, ""]);
    else assert.ok(f.frame.equals(f.sentFrame));
    const c = layerCounts(host);
    // Counted by partition: two in the produce, one in the fetch.
    assert.equal(c.unknown_topic_ids, 3, `${policy}: unknown_topic_ids`);
    assert.equal(c.partitions_passed_unseen, policy === "passthrough" ? 3 : 0);
    assert.equal(host.trapped, null);
  }
});

/** Damage of one kind to a records field. */
function damage(rnd: Rnd, field: Buffer): Buffer {
  const f = Buffer.from(field);
  const kind = int(rnd, 4);
  if (kind === 0) {
    for (let m = 0; m < 1 + int(rnd, 4); m++) f[int(rnd, f.length)] = int(rnd, 256);
  } else if (kind === 1) {
    return f.subarray(0, int(rnd, f.length));
  } else if (kind === 2) {
    // A length field (batch, legacy message, or anywhere) set to something odd.
    const at = rnd() < 0.6 ? 8 : int(rnd, Math.max(1, f.length - 4));
    f.writeInt32BE(pick(rnd, [0, 1, 48, 49, 50, -1, -2147483648, 2147483647, f.length, f.length - 12, int(rnd, 1 << 20)]), Math.min(at, f.length - 4));
  } else {
    // Inside the records section past the batch header (compressed streams, varints).
    for (let m = 0; m < 1 + int(rnd, 3); m++) { const at = 61 + int(rnd, Math.max(1, f.length - 61)); if (at < f.length) f[at] ^= 1 << int(rnd, 8); }
  }
  return f;
}

/** What the model makes of a field for a plugin that decides nothing: fine, refused, or unsure (a checksum the layer may not check). */
let lastModelError = "";
function modelVerdict(field: Buffer, fetched: boolean): "fine" | "bad" | "unsure" {
  lastModelError = "";
  try {
    const entries = decodeEntries(field, false);
    if (!fetched && entries.some((e) => e.kind === "tail")) return "bad";
    // A control batch is what brokers write: uncompressed, one record with a 4-byte key, a short value.
    for (const e of entries) {
      if (e.kind !== "batch" || (e.batch.attributes & ATTR_CONTROL) === 0) continue;
      const c = decodeBatch(e.bytes, true);
      const r = c.records;
      if (c.codec !== 0 || r.length !== 1 || r[0].key?.length !== 4 || (r[0].value?.length ?? -1) > 4096 || r[0].headers.length > 0) {
        lastModelError = "a control batch that does not hold one control record";
        return "bad";
      }
    }
    return "fine";
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    lastModelError = e.message;
    // Either answer is right for what Kafka's own readers take or refuse inconsistently: checksums the
    // layer does not verify, negative lengths below -1, bytes after a gzip member, reserved gzip flags,
    // and a 5-byte varint past 32 bits (Java refuses it; assembly/kafka/wire/reader.ts drops the high bits).
    return /checksum|data check|odd negative length|trailing bytes|unknown header flags|out of int32 range/.test(e.message) ? "unsure" : "bad";
  }
}

test("fuzz: damaged batches of every kind never trap, and get the on_unsupported policy", async () => {
  const d = await Dissector.load();
  const rnd = prng(31337);
  for (const policy of ["close", "passthrough", "reject"]) {
    const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: policy }) });
    let refused = 0, passed = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 500; i++) {
      const fetched = rnd() < 0.5;
      const o = kinds(fetched, plainValues);
      const original = randomPartition(rnd, o);
      const field = damage(rnd, original);
      if (field.length === 0) continue;
      const verdict = modelVerdict(field, fetched);
      const ex = new Exchanges(d, host.connect());
      if (fetched) {
        const version = pick(rnd, FETCH_VERSIONS.filter((v) => v < 13));
        const got = ex.fetch(version, [{ topic: OTHER, partitions: [{ index: 0, records: field }] }]);
        const closed = ex.conn.closed;
        const identical = got.frame.equals(got.sentFrame);
        const code = got.json?.responses?.[0]?.partitions?.[0]?.errorCode;
        const layerRefused = closed || (code !== undefined && code !== 0);
        if (policy === "passthrough") assert.ok(identical && !closed, `fetch ${i}: passthrough forwards it as it came`);
        else if (policy === "close") assert.ok(closed ? got.frame.length === 0 : identical, `fetch ${i}: close forwards nothing or all`);
        else assert.ok(!closed && (identical || (code !== 0 && got.json.responses[0].partitions[0].records === "")), `fetch ${i}: reject refuses the partition`);
        if (policy !== "passthrough" && verdict !== "unsure" && layerRefused !== (verdict === "bad")) disagreements.push(`fetch#${i} model ${verdict} layer ${layerRefused ? "refused" : "passed"} ${lastModelError} | ${field.toString("hex")}`);
        if (layerRefused) refused++; else passed++;
      } else {
        const version = pick(rnd, PRODUCE_VERSIONS.filter((v) => v < 13));
        const out = ex.produce(version, 1, [{ topic: OTHER, partitions: [{ index: 0, records: field }] }]);
        const closed = ex.conn.closed;
        const code = out.answer?.get(OTHER.name)?.[0]?.errorCode;
        const layerRefused = closed || out.substituted;
        if (policy === "passthrough") assert.ok(!closed && !out.substituted, `produce ${i}: passthrough forwards it`);
        else if (policy === "close") assert.ok(closed ? out.forwarded.length === 0 : !out.substituted, `produce ${i}: close forwards nothing or all`);
        else {
          assert.ok(!closed, `produce ${i}: reject answers, never closes`);
          if (out.substituted) assert.ok(code === CORRUPT_MESSAGE || code === RECORD_LIST_TOO_LARGE, `produce ${i}: refused with ${code}`);
        }
        if (policy !== "passthrough" && verdict !== "unsure" && layerRefused !== (verdict === "bad")) disagreements.push(`produce#${i} model ${verdict} layer ${layerRefused ? "refused" : "passed"} ${lastModelError} | ${field.toString("hex")}`);
        if (layerRefused) refused++; else passed++;
      }
    }
    assert.equal(host.trapped, null, `${policy}: never traps`);
    assert.deepEqual(disagreements, [], `${policy}: the layer refuses exactly what does not parse`);
    if (policy !== "passthrough") assert.ok(refused > 50 && passed > 50, `${policy}: refused ${refused}, passed ${passed}`);
    const c = layerCounts(host);
    assert.ok(c.unsupported_batches >= refused, `${policy}: unsupported_batches ${c.unsupported_batches} ≥ ${refused}`);
    if (policy === "passthrough") assert.equal(c.partitions_passed_unseen, c.unsupported_batches);
  }
});

test("a malformed record in the middle of a batch of ordinary records gets the policy, whichever field is wrong", async () => {
  // The walk reads records like these (one- and two-byte varints, no headers) on a quick path and
  // anything else on a full one: a record damaged so that only one of the two would notice must
  // still refuse the partition, and the records around it must not hide it.
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const value = (i: number) => Buffer.from(`record ${i} `.padEnd(1024, "abcdefghij"));
  const recs = Array.from({ length: 100 }, (_, i) => encodeRecords([{ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: value(i), headers: [] }]));
  const header: Batch = { baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: 99, baseTimestamp: 1000n, maxTimestamp: 1000n, producerId: -1n, producerEpoch: -1, baseSequence: -1, records: [] };
  const field = (middle: Buffer) => batchAround(header, Buffer.concat([...recs.slice(0, 50), middle, ...recs.slice(51)]), 100);
  const r = recs[50];
  /** A zig-zag varint of `n`, `width` bytes at least (non-minimal encodings are valid). */
  const varint = (n: number, width = 1) => {
    let u = n >= 0 ? n * 2 : -n * 2 - 1;
    const out: number[] = [];
    while (u >= 0x80 || out.length + 1 < width) { out.push((u & 0x7f) | 0x80); u = Math.floor(u / 128); }
    out.push(u);
    return Buffer.from(out);
  };
  /** Record 50 built by hand: its value's length said `valueLength` in `width` bytes, then `tail` (the header count), its own length off by `lengthOff`. */
  const record50 = (o: { valueLength?: number; width?: number; tail?: Buffer; lengthOff?: number }) => {
    const v = value(50);
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(50), varint(-1), varint(o.valueLength ?? v.length, o.width ?? 1), v, o.tail ?? varint(0)]);
    return Buffer.concat([varint(body.length + (o.lengthOff ?? 0)), body]);
  };
  assert.ok(record50({}).equals(r), "record50 builds record 50 as the encoder does");
  const damaged: [string, Buffer][] = [
    ["a header count with no headers after it", record50({ tail: varint(1) })],
    ["a header count of -1", record50({ tail: varint(-1) })],
    ["a length one byte longer (it swallows the next record's first byte)", record50({ lengthOff: 1 })],
    ["a length one byte shorter", record50({ lengthOff: -1 })],
    ["a value one byte longer than the record holds", record50({ valueLength: 1025 })],
    ["a value one byte shorter (a byte left over)", record50({ valueLength: 1023 })],
    ["a value length in 3 bytes (the full walk), one byte longer", record50({ valueLength: 1025, width: 3 })],
    ["a value length in 3 bytes, one byte shorter", record50({ valueLength: 1023, width: 3 })],
  ];
  const fine = field(r);
  assert.equal(modelVerdict(fine, false), "fine");
  const ok = new Exchanges(d, host.connect()).produce(7, 1, [{ topic: OTHER, partitions: [{ index: 0, records: fine }] }]);
  assert.ok(!ok.substituted && ok.forwarded.length > 0, "the undamaged batch goes on");
  for (const [what, middle] of damaged) {
    const f = field(middle);
    assert.notEqual(modelVerdict(f, false), "fine", `${what}: the model does not take it`);
    const ex = new Exchanges(d, host.connect());
    const out = ex.produce(7, 1, [{ topic: OTHER, partitions: [{ index: 0, records: f }] }]);
    assert.equal(ex.conn.closed, false, what);
    assert.ok(out.substituted, `${what}: the layer refuses the partition`);
    assert.equal(out.answer?.get(OTHER.name)?.[0]?.errorCode, CORRUPT_MESSAGE, `${what}: CORRUPT_MESSAGE`);
  }
  const wide = new Exchanges(d, host.connect()).produce(7, 1, [{ topic: OTHER, partitions: [{ index: 0, records: field(record50({ width: 3 })) }] }]);
  assert.ok(!wide.substituted && wide.forwarded.length > 0, "a record with a 3-byte value length goes on");
  // Headers after records without them: read, and the batch goes on unchanged.
  const withHeaders = encodeRecords([{ attributes: 0, timestampDelta: 300n, offsetDelta: 50, key: Buffer.from("k"), value: value(50), headers: [{ key: Buffer.from("h"), value: null }, { key: Buffer.from("h2"), value: Buffer.from("v") }] }]);
  const out = new Exchanges(d, host.connect()).produce(7, 1, [{ topic: OTHER, partitions: [{ index: 0, records: field(withHeaders) }] }]);
  assert.ok(!out.substituted && out.forwarded.length > 0, "a record with headers in the middle goes on");
  assert.equal(host.trapped, null);
});

test("fuzz: record-ops over damaged batches never traps, and what it forwards parses", async () => {
  const d = await Dissector.load();
  const rnd = prng(4711);
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const values = opsValues(OPS_PREFIXES, 0.02);
  for (let i = 0; i < 400; i++) {
    const fetched = rnd() < 0.5;
    const field = damage(rnd, randomPartition(rnd, kinds(fetched, values, opsValues(["drop:", "upper:", "grow:"], 0))));
    if (field.length === 0) continue;
    const ex = new Exchanges(d, host.connect());
    if (fetched) {
      const got = ex.fetch(12, [{ topic: OTHER, partitions: [{ index: 0, records: field }] }]);
      assert.equal(ex.conn.closed, false);
      const p = got.json.responses[0].partitions[0];
      if (p.errorCode === 0 && !got.frame.equals(got.sentFrame) && modelVerdict(field, true) === "fine") {
        assert.doesNotThrow(() => decodeEntries(Buffer.from(p.records, "base64"), false), `fetch ${i}: what the layer wrote parses`);
      }
    } else {
      const out = ex.produce(9, 1, [{ topic: OTHER, partitions: [{ index: 0, records: field }] }]);
      assert.equal(ex.conn.closed, false);
      if (out.brokerSaw && modelVerdict(field, false) === "fine") {
        assert.doesNotThrow(() => decodeEntries(Buffer.from(out.brokerSaw.topicData[0].partitionData[0].records, "base64"), false), `produce ${i}: what the layer wrote parses`);
      }
    }
  }
  assert.equal(host.trapped, null);
});

test("a control batch must hold one control record: data dressed as one is refused, never passed to the consumer unseen", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const ex = new Exchanges(d, host.connect());
  const control = (records: { key: Buffer | null; value: Buffer | null }[], codec = 0) => encodeBatch({
    ...batchOf(["x"]), attributes: codec | 0x30, producerId: 7n, producerEpoch: 0, baseSequence: -1, lastOffsetDelta: records.length - 1,
    records: records.map((r, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: r.key, value: r.value, headers: [] })),
  });
  const marker = control([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 7]) }]);
  let f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: marker }] }]);
  assert.ok(Buffer.from(f.json.responses[0].partitions[0].records, "base64").equals(marker), "a commit marker passes as it came");
  for (const [what, batch] of [
    ["two records", control([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 7]) }, { key: null, value: Buffer.from("jane@example.com") }])],
    ["a key that is not a control key", control([{ key: Buffer.from("customer"), value: Buffer.from("jane@example.com") }])],
    ["compressed", control([{ key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 7]) }], 1)],
  ] as const) {
    f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: batch }] }]);
    const p = f.json.responses[0].partitions[0];
    assert.equal(p.errorCode, CORRUPT_MESSAGE, what);
    assert.ok(!f.frame.includes(Buffer.from("jane@example.com")), what);
  }
});

test("a batch past what the VM's budget has left gets a code clients retry: REQUEST_TIMED_OUT on produce, UNKNOWN_SERVER_ERROR on fetch", async () => {
  const d = await Dissector.load();
  // 8 MiB of budget leaves under 3 MiB to decompress into; max_decompressed_bytes (100 MiB) is not the limit.
  const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject", vm_memory_budget_bytes: 8 << 20 }) });
  const ex = new Exchanges(d, host.connect());
  const bomb = encodeBatch({ ...batchOf(["x"]), attributes: 1, records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: Buffer.alloc(16 << 20), headers: [] }] });
  const out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: bomb }] }]);
  assert.deepEqual(out.answer!.get(LOWER.name)!.map((p) => p.errorCode), [7], "REQUEST_TIMED_OUT: the producer retries");
  const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: bomb }] }]);
  assert.equal(f.json.responses[0].partitions[0].errorCode, -1, "UNKNOWN_SERVER_ERROR: the Java consumer logs it and fetches again");
  assert.equal(host.trapped, null);
});

test("gzip of many members, or of many tiny blocks, costs the VM what comes out, not a buffer per member or block", async () => {
  const d = await Dissector.load();
  // A member holding only a fixed block's end code is 20 bytes.
  const empty = Buffer.from("1f8b08000000000000ff03000000000000000000", "hex");
  const small = recordsSection([Buffer.from("x")]);
  // One record of 300 × 64 KiB of zeros, each 64 KiB of the section its own member (about 100 bytes).
  const big = recordsSection([Buffer.alloc(300 * 65536)]);
  const slices: Buffer[] = [];
  for (let at = 0; at < big.length; at += 65536) slices.push(zlib.gzipSync(big.subarray(at, at + 65536), { level: 9 }));
  for (const [what, section, plain] of [
    ["17,000 empty members", Buffer.concat([...Array(17000).fill(empty), zlib.gzipSync(small)]), small.length],
    ["301 members of 64 KiB", Buffer.concat(slices), big.length],
  ] as const) {
    for (const fetched of [false, true]) {
      const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject", max_decompressed_bytes: 64 << 20 }) });
      const ex = new Exchanges(d, host.connect());
      const field = batchFromSection(section, 1, 1);
      const before = host.memoryBytes();
      if (fetched) {
        const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: field }] }]);
        assert.equal(f.json.responses[0].partitions[0].errorCode, 0, `${what}: fetched`);
      } else {
        const out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: field }] }]);
        assert.equal(out.answer!.get(LOWER.name)![0].errorCode, 0, `${what}: produced`);
      }
      assert.equal(host.trapped, null);
      const grew = host.memoryBytes() - before;
      // The output, the room it outgrew by doubling, its copy behind the batch header, and the frame
      // (about 4.2 times the output measured); never a buffer or a copy per member (over 150 times).
      assert.ok(grew <= 5 * plain + (8 << 20), `${what} (${fetched ? "fetch" : "produce"}): the VM grew ${grew} bytes for ${plain} decompressed`);
    }
  }
});

test("decompression bombs: past max_decompressed_bytes (summed over a frame) the partition gets RECORD_LIST_TOO_LARGE", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject", max_decompressed_bytes: 65536 }) });
  const ex = new Exchanges(d, host.connect());
  const big = (n: number, codec: number) => encodeBatch({ ...batchOf(["x"]), attributes: codec, records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: Buffer.alloc(n, 0x41), headers: [] }] });
  for (const codec of [1, 2, 3, 4]) {
    // One batch past the limit.
    let out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: big(200000, codec) }] }]);
    assert.deepEqual(out.answer!.get(LOWER.name)!.map((p) => p.errorCode), [RECORD_LIST_TOO_LARGE], `${CODEC_NAMES[codec]}: one bomb`);
    // Two partitions each under the limit, together past it: the second is refused.
    out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: big(40000, codec) }, { index: 1, records: big(40000, codec) }] }]);
    assert.deepEqual(out.answer!.get(LOWER.name)!.sort((a, b) => a.index - b.index).map((p) => [p.index, p.errorCode]), [[0, 0], [1, RECORD_LIST_TOO_LARGE]], `${CODEC_NAMES[codec]}: summed`);
    const f = ex.fetch(12, [{ topic: LOWER, partitions: [{ index: 0, records: big(200000, codec) }] }]);
    assert.equal(f.json.responses[0].partitions[0].errorCode, RECORD_LIST_TOO_LARGE, `${CODEC_NAMES[codec]}: fetch`);
  }
  assert.equal(host.trapped, null);
  assert.equal(layerCounts(host).unsupported_batches, 12);
  // A real gzip bomb: 16 MiB of zeros in a few KiB.
  const bomb = encodeBatch({ ...batchOf(["x"]), attributes: 1, records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: Buffer.alloc(16 << 20), headers: [] }] });
  assert.ok(bomb.length < 64 * 1024);
  const out = ex.produce(9, 1, [{ topic: LOWER, partitions: [{ index: 0, records: bomb }] }]);
  assert.deepEqual(out.answer!.get(LOWER.name)!.map((p) => p.errorCode), [RECORD_LIST_TOO_LARGE]);
  assert.equal(host.trapped, null);
});
