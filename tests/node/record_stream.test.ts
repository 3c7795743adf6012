// Produce requests streamed batch by batch through the record layer (assembly/record_layer/
// produce_stream.ts), in the emulator: for any chunking, what goes on is what the whole-frame path
// makes of the request when nothing changes a length; a change of length found mid-stream makes
// the broker refuse that partition (its CRC spoiled) and the connection hold its next requests;
// and a large request costs the VM about one batch, not the request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, EmulatedConnection } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { Exchanges, TopicSendAny } from "../tools/record_frames.js";
import { LOWER, randomSend, layerCounter as counter, knownConnection as connection } from "../tools/record_conn.js";
import { decodeEntries, encodeBatch, CODEC_GZIP } from "../tools/record_model.js";
import { Rnd, int, pick, plainValues, GenOptions } from "../tools/record_gen.js";
import { batchOf } from "../tools/batches.js";

const IDENTITY = rootPath("build", "fixtures", "record-identity.wasm");
const UPPERCASE = rootPath("build", "examples", "uppercase.wasm");
const PRODUCE_VERSIONS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const MiB = 1 << 20;


/** Sends `frame` in random pieces (1 byte up to a few KiB); returns everything forwarded. */
function sendChunked(conn: EmulatedConnection, frame: Buffer, rnd: Rnd, most = 4096): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < frame.length;) {
    const n = Math.min(frame.length - at, rnd() < 0.2 ? 1 + int(rnd, 16) : 1 + int(rnd, most));
    out.push(conn.fromClient(frame.subarray(at, at + n)));
    at += n;
  }
  return Buffer.concat(out);
}

const plainOnly = (values: GenOptions["values"]): GenOptions => ({ fetch: false, values, codecs: [0], maxRecords: 8 });
const anyCodec = (values: GenOptions["values"]): GenOptions => ({ fetch: false, values, maxRecords: 8 });

test("identity, any chunking: every Produce of every version and codec goes on byte-identical, streamed", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: "{}" });
  const rnd = prng(71);
  let corr = 1000;
  for (const version of PRODUCE_VERSIONS) {
    const { conn, ex } = connection(host, d);
    for (let round = 0; round < 12; round++) {
      const frame = ex.produceRequest(version, pick(rnd, [-1, 1]), randomSend(rnd, rnd() < 0.5 ? plainOnly(plainValues) : anyCodec(plainValues)), corr++);
      const out = sendChunked(conn, frame, rnd);
      assert.ok(out.equals(frame), `v${version} round ${round}: forwarded byte-identical`);
    }
  }
  assert.ok(counter(host, "streamed_requests") > 30, `requests were streamed (${counter(host, "streamed_requests")})`);
  assert.equal(counter(host, "stream_retries"), 0, "identity never asks for a resend");
});

test("uppercase, any chunking: uncompressed requests come out as the whole-frame path makes them", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const rnd = prng(72);
  let corr = 2000;
  let edited = 0;
  for (const version of PRODUCE_VERSIONS) {
    const streamed = connection(host, d);
    const whole = connection(host, d);
    for (let round = 0; round < 12; round++) {
      const frame = streamed.ex.produceRequest(version, pick(rnd, [-1, 1]), randomSend(rnd, plainOnly(plainValues)), corr++);
      const expected = whole.conn.fromClient(frame);
      const out = sendChunked(streamed.conn, frame, rnd);
      assert.equal(out.length, frame.length, `v${version} round ${round}: same length`);
      assert.ok(out.equals(expected), `v${version} round ${round}: as the whole-frame path`);
      if (!out.equals(frame)) edited++;
    }
  }
  assert.ok(edited > 20, `some requests were edited in place (${edited})`);
  assert.ok(counter(host, "streamed_requests") > 50, "requests were streamed");
  assert.equal(counter(host, "stream_retries"), 0, "in-place edits never ask for a resend");
});

test("a change of length found mid-stream: the broker refuses that partition (CRC spoiled), the resend is held and edited", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const { conn, ex } = connection(host, d);
  const { conn: wholeConn } = connection(host, d);
  const plain = batchOf([Buffer.from("first batch, no codec")]);
  // A gzip batch after it: uppercasing it re-compresses it, which changes its length.
  const model = decodeEntries(batchOf([Buffer.from("then a gzip batch")]))[0];
  assert.ok(model.kind === "batch");
  const gzip = encodeBatch({ ...model.batch, attributes: (model.batch.attributes & ~7) | CODEC_GZIP });
  const send: TopicSendAny[] = [{ topic: LOWER, partitions: [{ index: 0, records: plain }, { index: 1, records: gzip }] }];
  const frame = ex.produceRequest(9, -1, send, 7);
  const out = sendChunked(conn, frame, prng(3), 32);
  assert.equal(out.length, frame.length);
  const at0 = frame.indexOf(plain), at1 = frame.indexOf(gzip);
  const p0 = decodeEntries(out.subarray(at0, at0 + plain.length));
  assert.ok(p0[0].kind === "batch" && p0[0].batch.crcValid && p0[0].batch.records[0].value!.toString() === "FIRST BATCH, NO CODEC", "partition 0 edited in place, CRC true");
  const p1 = out.subarray(at1, at1 + gzip.length);
  const d1 = decodeEntries(p1)[0];
  assert.ok(d1.kind === "batch" && !d1.batch.crcValid, "partition 1's batch goes on with a CRC the broker refuses");
  const restored = Buffer.from(p1); restored.writeUInt32BE(~restored.readUInt32BE(17) >>> 0, 17);
  assert.ok(restored.equals(gzip), "and is otherwise as it came (unseen bytes are not changed)");
  assert.equal(counter(host, "stream_retries"), 1);
  // The client resends: this connection now holds requests whole, so the resend is edited properly.
  const again = ex.produceRequest(9, -1, send, 8);
  const resent = sendChunked(conn, again, prng(4), 32);
  assert.ok(resent.equals(wholeConn.fromClient(again)), "the resend comes out as the whole-frame path makes it");
  const before = counter(host, "streamed_requests");
  sendChunked(conn, ex.produceRequest(9, -1, [{ topic: LOWER, partitions: [{ index: 0, records: plain }] }], 9), prng(5), 32);
  assert.equal(counter(host, "streamed_requests"), before, "later requests on that connection are held, not streamed");
});

/** A Produce v9 request of about `bytes` of plain text in 1 KiB records, as batches of `batchBytes`. */
function bigProduce(ex: Exchanges, bytes: number, batchBytes: number, acks: number): Buffer {
  const partitions = [];
  const letters = "abcdefghij klmnopq";
  let index = 0;
  for (let n = 0; n < bytes; n += batchBytes, index++) {
    const values: Buffer[] = [];
    for (let v = 0; v < batchBytes; v += 1024) values.push(Buffer.from(letters.repeat(57).slice(0, 1024)));
    partitions.push({ index, records: batchOf(values) });
  }
  return ex.produceRequest(9, acks, [{ topic: LOWER, partitions }], 77);
}

test("memory: a 48 MiB produce streamed in 64 KiB pieces costs the VM a few MiB; held whole (acks=0) it costs the request", async () => {
  const d = await Dissector.load();
  const streamedHost = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const heldHost = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const grow = (host: PluginHost, acks: number): { grew: number; out: Buffer; frame: Buffer } => {
    const { conn, ex } = connection(host, d);
    const frame = bigProduce(ex, 48 * MiB, MiB, acks);
    const before = host.memoryBytes();
    const outs: Buffer[] = [];
    for (let at = 0; at < frame.length; at += 65536) outs.push(conn.fromClient(frame.subarray(at, at + 65536)));
    return { grew: host.memoryBytes() - before, out: Buffer.concat(outs), frame };
  };
  const streamed = grow(streamedHost, -1);
  const held = grow(heldHost, 0);
  assert.equal(streamed.out.length, streamed.frame.length);
  assert.ok(streamed.out.includes(Buffer.from("ABCDEFGHIJ KLMNOPQ")) && !streamed.out.includes(Buffer.from("abcdefghij klmnopq")), "every record was uppercased");
  // Byte-identical after acks (25..27: after the header and a null transactional id), which differs.
  assert.ok(held.out.subarray(27).equals(streamed.out.subarray(27)), "held whole, the request comes out the same");
  console.log(`linear memory grown: streamed ${(streamed.grew / MiB).toFixed(1)} MiB, held ${(held.grew / MiB).toFixed(1)} MiB`);
  // One 1 MiB batch gathered (with the buffers it outgrew), plus what the collector lets pile up between
  // two collections (assembly/runtime/pacing.ts: 4 MiB).
  assert.ok(streamed.grew < 12 * MiB, `streamed: ${(streamed.grew / MiB).toFixed(1)} MiB`);
  assert.ok(held.grew > 48 * MiB, `held whole: ${(held.grew / MiB).toFixed(1)} MiB (the contrast this test stands on)`);
});

test("fuzz, any chunking: mutated Produce requests never trap; what goes on is one whole frame, or the connection closes", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(UPPERCASE, { configuration: "{}" });
  const rnd = prng(73);
  let opened = 0;
  for (let round = 0; round < 300; round++) {
    const { conn, ex } = connection(host, d);
    const frame = ex.produceRequest(pick(rnd, PRODUCE_VERSIONS), 1, randomSend(rnd, rnd() < 0.7 ? plainOnly(plainValues) : anyCodec(plainValues)), round);
    const bad = Buffer.from(frame);
    for (let k = 0; k < 1 + int(rnd, 6); k++) bad[4 + int(rnd, bad.length - 4)] = int(rnd, 256);
    bad.writeInt32BE(frame.length - 4, 0);
    const out = sendChunked(conn, bad, rnd);
    // Open, what went on is one whole frame: the request as it came or edited in place (streamed or
    // held), or written again (held: a compressed first batch, say).
    if (!conn.closed) assert.equal(out.length >= 4 ? out.readInt32BE(0) + 4 : -1, out.length, `round ${round}: one whole frame went on`);
    if (!conn.closed) opened++;
  }
  assert.ok(opened > 50, `many mutated requests stayed open (${opened})`);
});
