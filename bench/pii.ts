// `npm run bench -- pii`: scan+mask throughput of pii-filter in the wasm engine (V8, as in
// Envoy) for 1 KiB text and JSON records, uncompressed, every detector on. Produce
// requests go through the real module in the host emulator; the figure includes the
// framing, the Produce decode, the record walk, the detectors and the CRC rewrite.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { PluginHost } from "../tools/testing/index.js";
import { rootPath } from "../tools/lib/paths.js";
import { snappyLiteral, lz4Uncompressed, crc32c } from "../tests/tools/batches.js";

function varint(n: number): Buffer {
  let z = (n << 1) ^ (n >> 31);
  const out: number[] = [];
  do { let b = z & 0x7f; z >>>= 7; if (z) b |= 0x80; out.push(b); } while (z);
  return Buffer.from(out);
}

export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const CODEC_IDS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export function compress(codec: Codec, records: Buffer): Buffer {
  switch (codec) {
    case "gzip": return zlib.gzipSync(records);
    case "snappy": return snappyLiteral(records);
    case "lz4": return lz4Uncompressed(records);
    case "zstd": return execFileSync("zstd", ["-3", "-q", "-c"], { input: records, maxBuffer: 1 << 28 });
    default: return records;
  }
}

/** A RecordBatch v2 holding `values` (no keys, no headers), in `codec`, with its CRC (the filter checks it before it edits). */
function batch(values: Buffer[], codec: Codec = "none"): Buffer {
  const recs = values.map((v, i) => {
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(-1), varint(v.length), v, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const records = compress(codec, Buffer.concat(recs));
  const h = Buffer.alloc(61);
  h.writeInt16BE(CODEC_IDS[codec], 21);
  h.writeBigInt64BE(0n, 0);
  h.writeInt32BE(61 - 12 + records.length, 8);
  h.writeInt8(2, 16);
  h.writeInt32BE(values.length - 1, 23);
  h.writeBigInt64BE(-1n, 43);
  h.writeInt16BE(-1, 51);
  h.writeInt32BE(-1, 53);
  h.writeInt32BE(values.length, 57);
  const b = Buffer.concat([h, records]);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

/** A Produce v7 request (non-flexible) with one topic, one partition, one batch. */
function produce(corr: number, b: Buffer): Buffer {
  const topic = Buffer.from("bench");
  const body = Buffer.concat([
    Buffer.from([0, 0, 0, 7]), Buffer.alloc(4), Buffer.from([0, 5]), Buffer.from("bench"), // header v1
    Buffer.from([0xff, 0xff]), Buffer.from([0, 1]), Buffer.from([0, 0, 0x75, 0x30]),       // txn id null, acks 1, timeout
    Buffer.from([0, 0, 0, 1]), Buffer.from([0, topic.length]), topic,
    Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 0]), Buffer.alloc(4), b,
  ]);
  body.writeInt32BE(corr, 4);
  body.writeInt32BE(b.length, body.length - b.length - 4);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** A minimal response (correlation id only) so the filter's in-flight queue stays short, as with a broker. */
export function response(corr: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32BE(4, 0);
  b.writeInt32BE(corr, 4);
  return b;
}

export function textRecord(i: number): Buffer {
  const filler = "The shipment left the warehouse on time and the customer was notified by the usual channel. ";
  let s = `record ${i}: contact jane.doe${i}@example.com about invoice ${100000 + i}; password=p${i}secret; card 4111 1111 1111 1111. `;
  while (s.length < 1024) s += filler;
  return Buffer.from(s.slice(0, 1024));
}

export function jsonRecord(i: number): Buffer {
  const obj: Record<string, unknown> = { id: i, user: `user${i}`, email: `user${i}@example.org`, ssn: "123-45-6789", api_key: "AKIAIOSFODNN7EXAMPLE", items: [] as unknown[] };
  let s = JSON.stringify(obj);
  let k = 0;
  while (s.length < 1024) { (obj.items as unknown[]).push({ sku: `SKU-${k}`, qty: k % 5, note: "standard delivery, leave at the door" }); k++; s = JSON.stringify(obj); }
  return Buffer.from(s.slice(0, 1023) + "}");
}

/**
 * Pushes Produce requests of 1 KiB records through the plugin in the emulator; MB/s counts the
 * records' own (uncompressed) bytes, so rows for different codecs compare.
 */
export async function run(kind: string, make: (i: number) => Buffer, totalMiB: number, configuration = "{}", codec: Codec = "none", module = rootPath("build", `${kind}.wasm`)): Promise<{ mbs: number; cpuMbs: number; matches: number }> {
  const host = await PluginHost.load(module, { configuration });
  const conn = host.connect({ keepForwarded: false });
  const perBatch = 100;
  const frames: Buffer[] = [];
  const payload: number[] = [];
  for (let f = 0; f < 20; f++) {
    const values = Array.from({ length: perBatch }, (_, i) => make(f * perBatch + i));
    frames.push(produce(f, batch(values, codec)));
    payload.push(values.reduce((n, v) => n + v.length, 0));
  }
  const frameBytes = payload.reduce((n, b) => n + b, 0);
  // Warm up (JIT tiers), then measure; each frame is fresh (masking edits it in place).
  for (const f of frames) conn.fromClient(Buffer.from(f));
  const rounds = Math.ceil((totalMiB * 1048576) / frameBytes);
  const copies = frames.map((f) => Buffer.from(f));
  let bytes = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < frames.length; i++) {
      copies[i].set(frames[i]);
      conn.fromClient(copies[i]);
      conn.fromBroker(response(i));
      bytes += payload[i];
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  if (host.trapped) throw host.trapped;
  const m = host.metricsByName();
  if ((m["pii.unsupported_batches"] ?? 0) > 0) throw new Error(`${kind} refused ${codec} batches`);
  const matches = Object.entries(m).filter(([k]) => k.startsWith("pii.matches")).reduce((n, [, v]) => n + v, 0);
  return { mbs: bytes / 1048576 / secs, cpuMbs: bytes / 1048576 / cpuSecs, matches };
}

export function hasZstd(): boolean {
  try { execFileSync("zstd", ["--version"], { stdio: "ignore" }); return true; } catch { return false; }
}

/**
 * `--baseline DIR`: pii-filter.wasm from DIR (built from another commit) against this build on
 * uncompressed text and JSON, alternating in the same rounds of this one run. Figures are MB per
 * CPU-second of this process (process.cpuUsage), which other work on a shared machine disturbs
 * less than wall time; each ratio is taken within a round, and the table gives the median and
 * the range over the rounds.
 */
async function baselineRows(dir: string, mib: number, rounds: number): Promise<void> {
  const old = path.join(dir, "pii-filter.wasm");
  const cols = { textOld: [] as number[], textNew: [] as number[], jsonOld: [] as number[], jsonNew: [] as number[], observe: [] as number[] };
  const ratios = { text: [] as number[], json: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which module goes first, so a drift within a round favours neither.
    const pair = async (make: (i: number) => Buffer): Promise<[number, number]> => {
      if (r % 2 == 0) {
        const o = (await run("pii-filter", make, mib, "{}", "none", old)).cpuMbs;
        return [o, (await run("pii-filter", make, mib)).cpuMbs];
      }
      const n = (await run("pii-filter", make, mib)).cpuMbs;
      return [(await run("pii-filter", make, mib, "{}", "none", old)).cpuMbs, n];
    };
    cols.observe.push((await run("kafka-observe", textRecord, mib)).cpuMbs);
    const [to, tn] = await pair(textRecord);
    const [jo, jn] = await pair(jsonRecord);
    cols.textOld.push(to); cols.textNew.push(tn); cols.jsonOld.push(jo); cols.jsonNew.push(jn);
    ratios.text.push(tn / to); ratios.json.push(jn / jo);
    console.log(`round ${r + 1}: text ${to.toFixed(0)} → ${tn.toFixed(0)} (${(tn / to).toFixed(3)}), JSON ${jo.toFixed(0)} → ${jn.toFixed(0)} (${(jn / jo).toFixed(3)}) MB/CPU-s`);
  }
  const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const range = (xs: number[], d: number): string => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
  const observe = med(cols.observe);
  console.log(`\nthis build against ${old}, uncompressed, ${rounds} alternating rounds; MB per CPU-second, median (range), and ratio to kafka-observe (${observe.toFixed(0)} MB/CPU-s)\n`);
  console.log("| records | baseline MB/CPU-s | this build MB/CPU-s | this/baseline | baseline/observe | this/observe |");
  console.log("|---|---|---|---|---|---|");
  const row = (name: string, o: number[], n: number[], q: number[]): string =>
    `| ${name} | ${med(o).toFixed(0)} (${range(o, 0)}) | ${med(n).toFixed(0)} (${range(n, 0)}) | ${med(q).toFixed(3)} (${range(q, 3)}) | ${(med(o) / observe).toFixed(2)} | ${(med(n) / observe).toFixed(2)} |`;
  console.log(row("text", cols.textOld, cols.textNew, ratios.text));
  console.log(row("JSON", cols.jsonOld, cols.jsonNew, ratios.json));
}

export async function benchPii(opts: { mib: number; baseline?: string; rounds?: number }): Promise<void> {
  if (opts.baseline) { await baselineRows(opts.baseline, opts.mib, opts.rounds ?? 5); return; }
  const size = fs.statSync(rootPath("build", "pii-filter.wasm")).size;
  // kafka-observe through the same harness: the cost of the emulator, framing and copies alone.
  const base = await run("kafka-observe", textRecord, opts.mib);
  const rows: string[] = [];
  const codecs: Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];
  for (const codec of codecs) {
    if (codec === "zstd" && !hasZstd()) { rows.push("| zstd | (no zstd tool to compress the input) | | | |"); continue; }
    const mib = codec === "none" ? opts.mib : Math.max(16, opts.mib / 4);
    const text = await run("pii-filter", textRecord, mib, "{}", codec);
    const json = await run("pii-filter", jsonRecord, mib, "{}", codec);
    rows.push(`| ${codec} | ${text.mbs.toFixed(0)} | ${json.mbs.toFixed(0)} | ${text.matches} | ${json.matches} |`);
  }
  console.log(`\npii-filter scan+mask in V8 (one core), 1 KiB records, every detector on; MB/s of record bytes (uncompressed)\n`);
  console.log("| batches | text MB/s | JSON MB/s | text matches | JSON matches |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(`| (baseline: kafka-observe, text, uncompressed, same harness) | ${base.mbs.toFixed(0)} | | | |`);
  console.log("\ngzip and zstd inputs are really compressed (zlib level 6, zstd -3); snappy and lz4 inputs are");
  console.log("literal-only and uncompressed-block frames (Node has neither compressor), so their rows measure");
  console.log("framing, checksums and the re-write, not decompression of real streams.");
  console.log(`\npii-filter.wasm: ${size} bytes (gzip, snappy, lz4 and zstd included)`);
}
