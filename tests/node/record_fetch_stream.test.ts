// Fetch responses streamed batch by batch through the record layer (assembly/record_layer/
// fetch_stream.ts), in the emulator: for any chunking, what goes on is what the whole-frame path
// makes of the response when nothing changes a length; a change of length found mid-stream cuts
// the partition there, as a broker cuts a fetch (complete batches, then one cut short), and the
// connection holds its next responses whole; one that cannot be cut closes the connection and
// makes the VM hold fetches whole; and a large response costs the VM about one batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, EmulatedConnection } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { TopicRef, TopicSendAny } from "../tools/record_frames.js";
import { LOWER, OTHER, THIRD, randomSend, layerCounter as counter, knownConnection as connection } from "../tools/record_conn.js";
import { decodeEntries, encodeBatch, Rec, CODEC_GZIP } from "../tools/record_model.js";
import { Rnd, int, pick, plainValues, GenOptions } from "../tools/record_gen.js";
import { batchOf } from "../tools/batches.js";

const IDENTITY = rootPath("build", "fixtures", "record-identity.wasm");
const OPS = rootPath("build", "fixtures", "record-ops.wasm");
const FETCH_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const MiB = 1 << 20;


/** Delivers `frame` from the broker in random pieces (1 byte up to `most`); returns everything forwarded. */
function chunked(conn: EmulatedConnection, rnd: Rnd, most = 4096): (frame: Buffer) => Buffer {
  return (frame) => {
    const out: Buffer[] = [];
    for (let at = 0; at < frame.length;) {
      const n = Math.min(frame.length - at, rnd() < 0.2 ? 1 + int(rnd, 16) : 1 + int(rnd, most));
      out.push(conn.fromBroker(frame.subarray(at, at + n)));
      at += n;
    }
    return Buffer.concat(out);
  };
}

const fetchKinds = (values: GenOptions["values"], codecs?: number[]): GenOptions =>
  ({ fetch: true, values, codecs, control: 0.25, legacy: 0.3, tail: 0.3, maxRecords: 8 });

/** Values that record-ops uppercases in place. */
const upperValues = (rnd: Rnd): Buffer => Buffer.from("upper:" + "abcdefghijklmnopqrstuvwxyz".slice(0, 1 + int(rnd, 26)).repeat(1 + int(rnd, 20)));

/** The records field of partition `index` of topic `name` in a decoded Fetch response. */
function field(json: any, t: TopicRef, index: number, version: number): Buffer {
  const key = version >= 13 ? t.id.toString("base64url") : t.name;
  const topicEntry = json.responses.find((x: any) => (version >= 13 ? x.topicId : x.topic) === key);
  const p = topicEntry.partitions.find((x: any) => x.partitionIndex === index);
  return Buffer.from(p.records ?? "", "base64");
}

test("identity, any chunking: every Fetch response of every version and kind goes on byte-identical, streamed", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: "{}" });
  const rnd = prng(81);
  for (const version of FETCH_VERSIONS) {
    const { conn, ex } = connection(host, d);
    for (let round = 0; round < 10; round++) {
      // Half the rounds uncompressed (streamed), half of every kind (a compressed or legacy first batch: held).
      const kinds = round % 2 === 0 ? { ...fetchKinds(plainValues, [0]), legacy: 0 } : fetchKinds(plainValues);
      const got = ex.fetch(version, randomSend(rnd, kinds), undefined, chunked(conn, rnd));
      const sent = got.sentFrame;
      assert.ok(got.frame.equals(sent), `v${version} round ${round}: forwarded byte-identical`);
    }
  }
  assert.ok(counter(host, "streamed_responses") > 50, `responses were streamed (${counter(host, "streamed_responses")})`);
  assert.equal(counter(host, "stream_cuts"), 0, "identity never cuts");
});

test("in-place edits, any chunking: responses come out as the whole-frame path makes them", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const rnd = prng(82);
  let edited = 0;
  for (const version of FETCH_VERSIONS) {
    const streamed = connection(host, d);
    const whole = connection(host, d);
    for (let round = 0; round < 8; round++) {
      // Uncompressed batches and no legacy entries (a compressed wrapper is written again when edited).
      const send = randomSend(rnd, { ...fetchKinds(upperValues, [0]), legacy: 0 });
      const expected = whole.ex.fetch(version, send).frame;
      const result = streamed.ex.fetch(version, send, undefined, chunked(streamed.conn, rnd));
      const got = result.frame;
      assert.equal(got.length, expected.length, `v${version} round ${round}: same length`);
      assert.ok(got.equals(expected), `v${version} round ${round}: as the whole-frame path`);
      if (!got.equals(result.sentFrame)) edited++;
    }
  }
  assert.ok(edited > 50, `responses were edited (${edited})`);
  assert.ok(counter(host, "streamed_responses") > 50, "responses were streamed");
  assert.equal(counter(host, "stream_cuts"), 0, "in-place edits never cut");
});

function rec(value: string, offsetDelta: number): Rec {
  return { attributes: 0, timestampDelta: 0n, offsetDelta, key: null, value: Buffer.from(value), headers: [] };
}

function fetchedBatch(baseOffset: bigint, values: string[], attributes = 0): Buffer {
  return encodeBatch({
    baseOffset, partitionLeaderEpoch: 3, attributes, lastOffsetDelta: values.length - 1, baseTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_000n, producerId: -1n, producerEpoch: -1, baseSequence: -1, records: values.map((v, i) => rec(v, i)),
  });
}

/** What a consumer reads of a records field: the records of its complete batches, with their offsets. */
function consumed(f: Buffer): { offset: bigint; value: string }[] {
  const out: { offset: bigint; value: string }[] = [];
  for (const e of decodeEntries(f)) {
    if (e.kind === "tail") break;
    assert.ok(e.kind === "batch" && e.batch.crcValid, "every complete batch has a true CRC");
    for (const r of e.batch.records) out.push({ offset: e.batch.baseOffset + BigInt(r.offsetDelta), value: r.value!.toString() });
  }
  return out;
}

test("a change of length mid-partition: the partition is cut there as a broker cuts a fetch; the next response is held and handled whole", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const { conn, ex } = connection(host, d);
  const whole = connection(host, d);
  const a = fetchedBatch(100n, ["upper:first", "keep me"]);
  const b = fetchedBatch(102n, ["keep", "drop:this one", "upper:last"]);
  const c = fetchedBatch(105n, ["upper:after the cut"]);
  const other = fetchedBatch(7n, ["upper:another partition"]);
  const send: TopicSendAny[] = [{ topic: LOWER, partitions: [{ index: 0, records: Buffer.concat([a, b, c]) }, { index: 1, records: other }] }];
  const got = ex.fetch(12, send, undefined, chunked(conn, prng(5), 40));
  assert.equal(got.frame.length, got.sentFrame.length, "the response keeps its length");
  const p0 = field(got.json, LOWER, 0, 12);
  const entries = decodeEntries(p0);
  assert.deepEqual(entries.map((e) => e.kind), ["batch", "batch", "tail"], "complete batches, then one cut short");
  assert.deepEqual(consumed(p0), [
    { offset: 100n, value: "UPPER:FIRST" }, { offset: 101n, value: "keep me" },
    { offset: 102n, value: "keep" }, { offset: 104n, value: "UPPER:LAST" },
  ], "the batch before the change as edited; the changed batch rewritten shorter, offsets kept");
  const tail = entries[2];
  assert.ok(tail.kind === "tail");
  assert.ok(tail.bytes.readInt32BE(8) + 12 > tail.bytes.length && tail.bytes[16] === 2, "the cut announces more than follows");
  assert.ok(tail.bytes.subarray(17).every((x) => x === 0), "and carries nothing of the records it replaces");
  assert.deepEqual(consumed(field(got.json, LOWER, 1, 12)), [{ offset: 7n, value: "UPPER:ANOTHER PARTITION" }], "other partitions go on as usual");
  assert.equal(counter(host, "stream_cuts"), 1);
  // The consumer fetches again from offset 105: held whole now, and handled as the whole-frame path handles it.
  const before = counter(host, "streamed_responses");
  const again: TopicSendAny[] = [{ topic: LOWER, partitions: [{ index: 0, records: Buffer.concat([c, fetchedBatch(106n, ["drop:x", "grow:y"])]) }] }];
  const second = ex.fetch(12, again, undefined, chunked(conn, prng(6), 40));
  assert.equal(counter(host, "streamed_responses"), before, "the connection holds its fetch responses whole from then on");
  assert.ok(second.frame.subarray(8).equals(whole.ex.fetch(12, again).frame.subarray(8)), "the held response comes out as the whole-frame path makes it");
});

test("a change of length the first batch cannot take: the connection closes before it, and the VM holds fetches whole", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const { conn, ex } = connection(host, d);
  const send: TopicSendAny[] = [{ topic: OTHER, partitions: [{ index: 0, records: Buffer.concat([fetchedBatch(0n, ["grow:longer"]), fetchedBatch(1n, ["more"])]) }] }];
  let forwarded: Buffer = Buffer.alloc(0);
  ex.fetch(13, send, undefined, (frame) => { forwarded = chunked(conn, prng(7), 30)(frame); return Buffer.alloc(0); });
  assert.ok(conn.closed, "the connection is closed");
  assert.ok(forwarded.length > 0 && !forwarded.includes(Buffer.from("grow:longer")), "what went on holds nothing of the batch");
  assert.equal(counter(host, "stream_cuts"), 1);
  const fresh = connection(host, d);
  const before = counter(host, "streamed_responses");
  const again = fresh.ex.fetch(13, send, undefined, chunked(fresh.conn, prng(8), 30));
  assert.equal(counter(host, "streamed_responses"), before, "a new connection's fetch is held whole");
  assert.deepEqual(consumed(field(again.json, OTHER, 0, 13)).map((r) => r.value), ["grow:longergrow:longer", "more"], "and gets the change");
});

test("a compressed first batch: the response is held whole (an edit in it changes its length), and handled as whole", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const { conn, ex } = connection(host, d);
  const whole = connection(host, d);
  const model = decodeEntries(fetchedBatch(0n, ["upper:squeezed", "drop:me", "kept"]))[0];
  assert.ok(model.kind === "batch");
  const gzip = encodeBatch({ ...model.batch, attributes: CODEC_GZIP });
  const send: TopicSendAny[] = [{ topic: LOWER, partitions: [{ index: 0, records: Buffer.concat([gzip, fetchedBatch(3n, ["upper:plain"])]) }] }];
  const expected = whole.ex.fetch(12, send);
  const got = ex.fetch(12, send, undefined, chunked(conn, prng(11), 20));
  assert.ok(!conn.closed);
  assert.equal(counter(host, "streamed_responses"), 0, "not streamed");
  assert.ok(got.frame.equals(expected.frame), "as the whole-frame path makes it");
  assert.deepEqual(consumed(field(got.json, LOWER, 0, 12)).map((r) => r.value), ["UPPER:SQUEEZED", "kept", "UPPER:PLAIN"]);
});

test("see_every_record: a partial tail goes on as a cut holding none of its bytes, same length, no hold", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ see_every_record: true }) });
  const { conn, ex } = connection(host, d);
  const whole = fetchedBatch(40n, ["upper:complete"]);
  const cut = fetchedBatch(41n, ["secret that was cut short by the broker"]);
  const send: TopicSendAny[] = [{ topic: THIRD, partitions: [{ index: 2, records: Buffer.concat([whole, cut.subarray(0, cut.length - 9)]) }] }];
  for (let i = 0; i < 2; i++) {
    const got = ex.fetch(11, send, undefined, chunked(conn, prng(9 + i), 25));
    assert.equal(got.frame.length, got.sentFrame.length);
    assert.ok(!got.frame.includes(Buffer.from("secret")), "none of the tail's record bytes reach the consumer");
    const entries = decodeEntries(field(got.json, THIRD, 2, 11));
    assert.deepEqual(entries.map((e) => e.kind), ["batch", "tail"]);
    assert.deepEqual(consumed(field(got.json, THIRD, 2, 11)).map((r) => r.value), ["UPPER:COMPLETE"]);
  }
  assert.equal(counter(host, "partial_tails_cut"), 2);
  assert.equal(counter(host, "stream_cuts"), 0, "a partial tail is not a change of length");
  assert.equal(counter(host, "streamed_responses"), 2, "both responses streamed");
});

/** A Fetch v12 response of about `bytes` in 1 MiB batches of 1 KiB values record-ops uppercases. */
function bigFetch(bytes: number): TopicSendAny[] {
  const letters = "upper: abcdefghij klmnopq";
  const partitions = [];
  for (let n = 0, index = 0; n < bytes; n += MiB, index++) {
    const values: Buffer[] = [];
    for (let v = 0; v < MiB; v += 1024) values.push(Buffer.from(letters.repeat(41).slice(0, 1000)));
    const batch = batchOf(values);
    batch.writeBigInt64BE(BigInt(index * 2000), 0);
    // batchOf writes a produce batch; the base offset is outside the CRC, so the batch stays valid.
    partitions.push({ index, records: batch });
  }
  return [{ topic: LOWER, partitions }];
}

test("memory: a 48 MiB fetch response streamed in 64 KiB pieces costs the VM a few MiB; held whole it costs the response", async () => {
  const d = await Dissector.load();
  const grow = async (stream: boolean): Promise<{ grew: number; out: Buffer }> => {
    const host = await PluginHost.load(OPS, { configuration: "{}" });
    const { conn, ex } = connection(host, d);
    const send = bigFetch(48 * MiB);
    const before = host.memoryBytes();
    const got = ex.fetch(12, send, undefined, (frame) => {
      if (!stream) return conn.fromBroker(frame);
      const outs: Buffer[] = [];
      for (let at = 0; at < frame.length; at += 65536) outs.push(conn.fromBroker(frame.subarray(at, at + 65536)));
      return Buffer.concat(outs);
    });
    return { grew: host.memoryBytes() - before, out: got.frame };
  };
  const streamed = await grow(true);
  const held = await grow(false);
  assert.ok(streamed.out.equals(held.out), "streamed, the response comes out as held whole");
  assert.ok(streamed.out.includes(Buffer.from("UPPER: ABCDEFGHIJ")) && !streamed.out.includes(Buffer.from("upper: abcdefghij")), "every record was uppercased");
  console.log(`linear memory grown: streamed ${(streamed.grew / MiB).toFixed(1)} MiB, held ${(held.grew / MiB).toFixed(1)} MiB`);
  assert.ok(streamed.grew < 12 * MiB, `streamed: ${(streamed.grew / MiB).toFixed(1)} MiB`);
  assert.ok(held.grew > 48 * MiB, `held whole: ${(held.grew / MiB).toFixed(1)} MiB (the contrast this test stands on)`);
});

test("fuzz, any chunking: mutated Fetch responses never trap; what goes on is one whole frame, or the connection closes", async () => {
  const d = await Dissector.load();
  const rnd = prng(83);
  let opened = 0, streamed = 0;
  // A fresh VM every 5 responses: one that met a fetch it could not cut holds every later one whole.
  // A mutated batch mostly fails its CRC, which closes under `close`: every other VM passes such
  // batches through as they came, so that mutated responses also go on, streamed and held.
  for (let vm = 0; vm < 60; vm++) {
    const host = await PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: vm % 2 === 0 ? "close" : "passthrough" }) });
    for (let round = 0; round < 5; round++) {
      const { conn, ex } = connection(host, d);
      const version = pick(rnd, FETCH_VERSIONS);
      let forwarded: Buffer = Buffer.alloc(0);
      const kinds = rnd() < 0.7 ? { ...fetchKinds(upperValues, [0]), legacy: 0 } : fetchKinds(upperValues);
      ex.fetch(version, randomSend(rnd, kinds), undefined, (frame) => {
        const bad = Buffer.from(frame);
        for (let k = 0; k < 1 + int(rnd, 6); k++) bad[8 + int(rnd, bad.length - 8)] = int(rnd, 256);
        const out: Buffer[] = [];
        for (let at = 0; at < bad.length;) { const n = Math.min(bad.length - at, 1 + int(rnd, 2048)); out.push(conn.fromBroker(bad.subarray(at, at + n))); at += n; }
        forwarded = Buffer.concat(out);
        return Buffer.alloc(0); // not decoded: a mutated response need not parse
      });
      // Open, what went on is one whole frame: as it came, edited in place or cut (streamed), or written again (held).
      if (!conn.closed) {
        opened++;
        assert.equal(forwarded.length >= 4 ? forwarded.readInt32BE(0) + 4 : -1, forwarded.length, `vm ${vm} round ${round}: one whole frame went on`);
      }
    }
    assert.ok(host.trapped === null, "the VM never trapped");
    streamed += counter(host, "streamed_responses");
  }
  assert.ok(opened > 100, `many mutated responses stayed open (${opened})`);
  assert.ok(streamed > 60, `many were streamed (${streamed})`);
});
