// `npm run bench -- records`: what the record layer costs. Produce requests of 1 KiB text records
// to topic `lowercase` go through six modules in the host emulator (V8, as in Envoy), per codec,
// interleaved round by round so that the machine's noise falls on all of them alike:
//   passthrough   kafka-observe: the stream layer alone, no body read
//   length walk   the least any plugin that visits every record does: it follows each record's
//                 length prefix and reads nothing else (tests/fixtures/plugins/record-walk)
//   checked walk  reads and checks every field of every record, as the record layer must to
//                 refuse what does not parse, and hands them to no one (the same fixture)
//   called walk   the checked walk plus one call per record to an abstract method that counts:
//                 the floor of any record-callback API that checks what it hands over (the same
//                 fixture; the walks read uncompressed batches only)
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
import { median } from "./stats.js";

const CODECS: Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

const MODULES = [
  { name: "passthrough", wasm: rootPath("build", "kafka-observe.wasm"), config: "{}", uncompressedOnly: false },
  { name: "length walk", wasm: rootPath("build", "fixtures", "record-walk.wasm"), config: `{"walk": "lengths"}`, uncompressedOnly: true },
  { name: "checked walk", wasm: rootPath("build", "fixtures", "record-walk.wasm"), config: `{"walk": "checked"}`, uncompressedOnly: true },
  { name: "called walk", wasm: rootPath("build", "fixtures", "record-walk.wasm"), config: `{"walk": "called"}`, uncompressedOnly: true },
  { name: "identity", wasm: rootPath("build", "fixtures", "record-identity.wasm"), config: "{}", uncompressedOnly: false },
  { name: "uppercase", wasm: rootPath("build", "examples", "uppercase.wasm"), config: "{}", uncompressedOnly: false },
  { name: "handwritten", wasm: rootPath("build", "fixtures", "uppercase-handwritten.wasm"), config: "{}", uncompressedOnly: false },
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

/**
 * Seconds one module takes to pass `rounds` rounds of the load (each frame fresh: uppercase edits
 * in place). Wall time of this one thread: the process's CPU time would add what V8's own threads
 * spend collecting the emulator's JavaScript garbage, which Envoy does not make.
 */
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
    if (codec === "zstd" && !hasZstd()) { rows.push(`| zstd | (no zstd tool to compress the input) |${" |".repeat(MODULES.length + 6)}`); continue; }
    const l = load(codec);
    const bytesPerRound = l.payload.reduce((n, b) => n + b, 0);
    const mib = codec === "none" ? opts.mib : Math.max(16, opts.mib / 4);
    const perRepeat = Math.max(1, Math.ceil((mib * 1048576) / bytesPerRound / opts.rounds));
    // The walks read only uncompressed batches: on compressed ones they would be passthrough.
    const modules = codec === "none" ? MODULES : MODULES.filter((m) => !m.uncompressedOnly);
    const hosts = await Promise.all(modules.map((m) => PluginHost.load(m.wasm, { configuration: m.config })));
    const conns = hosts.map((h) => h.connect({ keepForwarded: false }));
    conns.forEach((c) => timeRounds(c, l, 2)); // warm up the JIT tiers
    // Each round runs every module once, starting one module further each time, so that no module
    // always runs first (or after the same one); a ratio is the median of the rounds' ratios.
    const secs: number[][] = modules.map(() => []);
    for (let r = 0; r < opts.rounds; r++) {
      for (let k = 0; k < conns.length; k++) {
        const i = (r + k) % conns.length;
        secs[i].push(timeRounds(conns[i], l, perRepeat));
      }
    }
    hosts.forEach((h, i) => { if (h.trapped) throw new Error(`${modules[i].name} trapped: ${h.trapped}`); });
    const perRound = bytesPerRound * perRepeat / 1048576;
    const index = new Map(modules.map((m, i) => [m.name, i]));
    const mbs = (name: string) => { const i = index.get(name); return i === undefined ? NaN : perRound * secs[i].length / secs[i].reduce((a, b) => a + b, 0); };
    const ratio = (a: string, b: string) => {
      const i = index.get(a), j = index.get(b);
      return i === undefined || j === undefined ? "—" : `${(median(secs[i].map((x, r) => secs[j][r] / x)) * 100).toFixed(0)}%`;
    };
    const cell = (v: number) => Number.isNaN(v) ? "—" : v.toFixed(0);
    rows.push(`| ${codec} | ${MODULES.map((m) => cell(mbs(m.name))).join(" | ")} | ${ratio("identity", "passthrough")} | ${ratio("length walk", "passthrough")} | ${ratio("checked walk", "passthrough")} | ${ratio("called walk", "passthrough")} | ${ratio("identity", "called walk")} | ${ratio("uppercase", "handwritten")} |`);
  }
  console.log(`\nRecord layer cost in V8 (one core), Produce of 100 × 1 KiB text records per batch; MB/s of record bytes (uncompressed), ${opts.rounds} interleaved rounds; a ratio is the median of the rounds' ratios\n`);
  console.log(`| batches | ${MODULES.map((m) => m.name + " MB/s").join(" | ")} | identity / passthrough | length walk / passthrough | checked walk / passthrough | called walk / passthrough | identity / called walk | uppercase / handwritten |`);
  console.log(`|${"---|".repeat(MODULES.length + 7)}`);
  for (const r of rows) console.log(r);
}
