// `npm run bench -- records`: what the record layer costs. Produce requests of 1 KiB text records
// to topic `lowercase` go through four modules in the host emulator (V8, as in Envoy), per codec,
// interleaved round by round so that the machine's noise falls on all of them alike:
//   passthrough   kafka-observe: the stream layer alone, no body read
//   identity      a RecordTransform that keeps every record (tests/fixtures/plugins/record-identity)
//   uppercase     examples/uppercase, a RecordTransform
//   handwritten   the same behaviour written on KafkaConnection (tests/fixtures/plugins/uppercase-handwritten)
// MB/s counts the records' own (uncompressed) bytes, so rows for different codecs compare.
import { performance } from "node:perf_hooks";
import { PluginHost } from "../tools/testing/index.js";
import { rootPath } from "../tools/lib/paths.js";
import { recordsSection, batchFromSection } from "../tests/tools/batches.js";
import { produceV7 } from "../tests/tools/raw_kafka.js";
import { textRecord, compress, response, hasZstd, CODEC_IDS, Codec } from "./pii.js";

const CODECS: Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

const MODULES = [
  { name: "passthrough", wasm: rootPath("build", "kafka-observe.wasm") },
  { name: "identity", wasm: rootPath("build", "fixtures", "record-identity.wasm") },
  { name: "uppercase", wasm: rootPath("build", "examples", "uppercase.wasm") },
  { name: "handwritten", wasm: rootPath("build", "fixtures", "uppercase-handwritten.wasm") },
];

interface Load { frames: Buffer[]; payload: number[] }

function load(codec: Codec): Load {
  const frames: Buffer[] = [];
  const payload: number[] = [];
  for (let f = 0; f < 20; f++) {
    const values = Array.from({ length: 100 }, (_, i) => textRecord(f * 100 + i));
    const section = compress(codec, recordsSection(values));
    frames.push(produceV7(f, "lowercase", [{ partition: 0, records: batchFromSection(section, CODEC_IDS[codec], values.length) }]));
    payload.push(values.reduce((n, v) => n + v.length, 0));
  }
  return { frames, payload };
}

/** Seconds one module takes to pass `rounds` rounds of the load (each frame fresh: uppercase edits in place). */
function timeRounds(conn: ReturnType<PluginHost["connect"]>, l: Load, rounds: number): number {
  const copies = l.frames.map((f) => Buffer.from(f));
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < l.frames.length; i++) {
      copies[i].set(l.frames[i]);
      conn.fromClient(copies[i]);
      conn.fromBroker(response(i));
    }
  }
  return (performance.now() - t0) / 1000;
}

export async function benchRecords(opts: { mib: number; rounds: number }): Promise<void> {
  const rows: string[] = [];
  for (const codec of CODECS) {
    if (codec === "zstd" && !hasZstd()) { rows.push("| zstd | (no zstd tool to compress the input) | | | | | |"); continue; }
    const l = load(codec);
    const bytesPerRound = l.payload.reduce((n, b) => n + b, 0);
    const mib = codec === "none" ? opts.mib : Math.max(16, opts.mib / 4);
    const perRepeat = Math.max(1, Math.ceil((mib * 1048576) / bytesPerRound / opts.rounds));
    const hosts = await Promise.all(MODULES.map((m) => PluginHost.load(m.wasm, { configuration: "{}" })));
    const conns = hosts.map((h) => h.connect({ keepForwarded: false }));
    const secs = MODULES.map(() => 0);
    conns.forEach((c) => timeRounds(c, l, 2)); // warm up the JIT tiers
    for (let r = 0; r < opts.rounds; r++) {
      conns.forEach((c, i) => { secs[i] += timeRounds(c, l, perRepeat); });
    }
    hosts.forEach((h, i) => { if (h.trapped) throw new Error(`${MODULES[i].name} trapped: ${h.trapped}`); });
    const total = bytesPerRound * perRepeat * opts.rounds;
    const mbs = secs.map((s) => total / 1048576 / s);
    rows.push(`| ${codec} | ${mbs.map((m) => m.toFixed(0)).join(" | ")} | ${(mbs[1] / mbs[0] * 100).toFixed(0)}% | ${(mbs[2] / mbs[3] * 100).toFixed(0)}% |`);
  }
  console.log(`\nRecord layer cost in V8 (one core), Produce of 100 × 1 KiB text records per batch; MB/s of record bytes (uncompressed), ${opts.rounds} interleaved rounds\n`);
  console.log(`| batches | ${MODULES.map((m) => m.name + " MB/s").join(" | ")} | identity / passthrough | uppercase / handwritten |`);
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
}
