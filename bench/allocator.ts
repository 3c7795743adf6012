// `npm run bench -- allocator [--baseline DIR]`: what the modules' CPU and memory cost per GiB
// moved, without Envoy. The plugins of the proxy benchmark (kafka-observe, pii-filter, telemetry,
// billing) run in the host emulator (V8, as in Envoy); each gets the same traffic:
//   produce 16 KiB   Produce requests of one 16 × 1 KiB batch, whole
//   produce 1 MiB    Produce requests of four 256 KiB batches (as ProducerPerformance's
//                    batch.size=262144 fills them), whole, and in 64 KiB pieces as Envoy hands them over
//   fetch 1 MiB      Fetch responses of four 256 KiB batches, whole and in 64 KiB pieces
//   fetch 16 KiB     Fetch responses of one 16 KiB batch
// Each module of this build (and, with --baseline, of DIR, built from another commit) keeps one
// VM for the whole run, so its heap ages as a VM's does in Envoy. Round by round every VM gets
// its share in turn (the order of this build and the baseline alternating), and its CPU time is
// the process's (process.cpuUsage) around that share alone, which other work on a shared machine
// disturbs less than wall time. The table gives per module and load the median CPU seconds per
// GiB of frames moved and its range over the rounds, the after/before ratio (taken within each
// round) and each VM's linear memory at the end.
import path from "node:path";
import { PluginHost, KafkaCodec, EmulatedConnection } from "../tools/testing/index.js";
import { rootPath } from "../tools/lib/paths.js";
import { recordsSection, batchFromSection } from "../tests/tools/batches.js";
import { produceRequest, produceResponse, fetchRequest, fetchResponse } from "../tests/tools/quota_frames.js";
import { textRecord } from "./pii.js";
import { median } from "./stats.js";

/** The plugins of `bench proxy --plugins kafka-observe,pii-filter,chain`, configured as there. */
const MODULES: { name: string; configuration: string }[] = [
  { name: "kafka-observe", configuration: "" },
  { name: "pii-filter", configuration: "" },
  { name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
  { name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1 }) },
];

const PRODUCE_VERSION = 9, FETCH_VERSION = 12;
const PIECE = 64 << 10;

/** One kind of exchange: a request and its response, one side large; `piece` cuts the large side. */
interface Load { name: string; produce: boolean; request: Buffer; response: Buffer; piece: number }

/** A batch of `n` 1 KiB text records (uncompressed, CRC set). */
function textBatch(n: number, first: number): Buffer {
  const values = Array.from({ length: n }, (_, i) => textRecord(first + i));
  return batchFromSection(recordsSection(values), 0, n);
}

async function loads(): Promise<Load[]> {
  const c = await KafkaCodec.load();
  const small = textBatch(16, 0);
  const big = Buffer.concat([0, 1, 2, 3].map((k) => textBatch(255, k * 255))); // 4 × ~256 KiB
  const produce = (records: Buffer) => ({
    request: produceRequest(c, PRODUCE_VERSION, 7, [{ topic: "free", records }], "app", 1),
    response: produceResponse(c, PRODUCE_VERSION, 7, ["free"]),
  });
  const fetch = (records: Buffer) => ({
    request: fetchRequest(c, FETCH_VERSION, 7, ["free"]),
    response: fetchResponse(c, FETCH_VERSION, 7, [{ topic: "free", records }]),
  });
  return [
    { name: "produce 16 KiB", produce: true, ...produce(small), piece: 0 },
    { name: "produce 1 MiB", produce: true, ...produce(big), piece: 0 },
    { name: "produce 1 MiB in 64 KiB pieces", produce: true, ...produce(big), piece: PIECE },
    { name: "fetch 16 KiB", produce: false, ...fetch(small), piece: 0 },
    { name: "fetch 1 MiB", produce: false, ...fetch(big), piece: 0 },
    { name: "fetch 1 MiB in 64 KiB pieces", produce: false, ...fetch(big), piece: PIECE },
  ];
}

/** One plugin VM of one build, with a connection per load (kept open for the whole run). */
interface Vm { build: string; module: string; host: PluginHost; conns: EmulatedConnection[] }

/** Passes `count` exchanges of `l` through `conn`; returns the bytes moved (both frames). */
function exchange(conn: EmulatedConnection, l: Load, count: number, copy: Buffer): number {
  // The large frame is fresh each time: pii-filter masks a Produce request in place.
  const cut = (frame: Buffer, send: (b: Buffer) => void): void => {
    copy.set(frame);
    const f = copy.subarray(0, frame.length);
    if (l.piece === 0) { send(f); return; }
    for (let at = 0; at < f.length; at += l.piece) send(f.subarray(at, Math.min(f.length, at + l.piece)));
  };
  for (let i = 0; i < count; i++) {
    if (l.produce) {
      cut(l.request, (b) => conn.fromClient(b));
      conn.fromBroker(Buffer.from(l.response));
    } else {
      conn.fromClient(Buffer.from(l.request));
      cut(l.response, (b) => conn.fromBroker(b));
    }
  }
  return count * (l.request.length + l.response.length);
}

/** CPU seconds (user + system) of this process while `f` runs. */
function cpuOf(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const range = (xs: number[], d: number): string => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
const GIB = 1 << 30;

export async function benchAllocator(opts: { mib: number; rounds: number; baseline?: string; plugins?: string[] }): Promise<void> {
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error(`--rounds: ${opts.rounds} is not a whole number of 1 or more`);
  if (!Number.isInteger(opts.mib) || opts.mib < 1) throw new Error(`--mib: ${opts.mib} is not a whole number of MiB, 1 or more`);
  const ls = await loads();
  const unknown = (opts.plugins ?? []).filter((p) => !MODULES.some((m) => m.name === p));
  if (unknown.length > 0) throw new Error(`--plugins: ${unknown.join(", ")} not among ${MODULES.map((m) => m.name).join(", ")}`);
  const modules = MODULES.filter((m) => opts.plugins === undefined || opts.plugins.includes(m.name));
  const builds: { name: string; dir: string }[] = [{ name: "this build", dir: rootPath("build") }];
  if (opts.baseline) builds.unshift({ name: "baseline", dir: path.resolve(opts.baseline) });
  const vms: Vm[] = [];
  for (const m of modules) {
    for (const b of builds) {
      const host = await PluginHost.load(path.join(b.dir, `${m.name}.wasm`), { configuration: m.configuration });
      vms.push({ build: b.name, module: m.name, host, conns: ls.map(() => host.connect({ keepForwarded: false })) });
    }
  }
  const copy = Buffer.alloc(Math.max(...ls.map((l) => Math.max(l.request.length, l.response.length))));
  const counts = ls.map((l) => Math.max(1, Math.round((opts.mib << 20) / (l.request.length + l.response.length))));
  // Warm up: the JIT tiers, and each heap to its working size.
  for (const vm of vms) ls.forEach((l, i) => exchange(vm.conns[i], l, Math.max(2, counts[i] >> 3), copy));
  // cpu[vm][load][round]: CPU seconds per GiB.
  const cpu = vms.map(() => ls.map(() => [] as number[]));
  for (let r = 0; r < opts.rounds; r++) {
    for (const mod of modules) {
      const pair = vms.map((vm, v) => v).filter((v) => vms[v].module === mod.name);
      if (r % 2 == 1) pair.reverse(); // a drift within a round favours neither build
      ls.forEach((l, i) => {
        for (const v of pair) {
          let bytes = 0;
          const secs = cpuOf(() => { bytes = exchange(vms[v].conns[i], l, counts[i], copy); });
          cpu[v][i].push(secs / (bytes / GIB));
        }
      });
    }
    process.stderr.write(`round ${r + 1} of ${opts.rounds} done\n`);
  }
  for (const vm of vms) if (vm.host.trapped) throw new Error(`${vm.module} (${vm.build}) trapped: ${vm.host.trapped.message}`);

  console.log(`\nmodule CPU in V8 (host emulator, one core): CPU seconds per GiB of frames moved, median (range) of ${opts.rounds} rounds of ${opts.mib} MiB per load${opts.baseline ? `; baseline: ${opts.baseline}, interleaved, ratio taken per round` : ""}\n`);
  if (opts.baseline) {
    console.log("| module | load | baseline CPU s/GiB | this build CPU s/GiB | this/baseline |");
    console.log("|---|---|---|---|---|");
  } else {
    console.log("| module | load | CPU s/GiB |");
    console.log("|---|---|---|");
  }
  for (const m of modules) {
    const idx = vms.map((vm, v) => v).filter((v) => vms[v].module === m.name);
    ls.forEach((l, i) => {
      const cells = idx.map((v) => `${median(cpu[v][i]).toFixed(3)} (${range(cpu[v][i], 3)})`);
      if (idx.length == 2) {
        const ratios = cpu[idx[1]][i].map((x, r) => x / cpu[idx[0]][i][r]);
        cells.push(`${median(ratios).toFixed(3)} (${range(ratios, 3)})`);
      }
      console.log(`| ${m.name} | ${l.name} | ${cells.join(" | ")} |`);
    });
  }
  console.log("\nlinear memory of each VM at the end (64 KiB pages, MiB):\n");
  console.log(`| module | ${builds.map((b) => b.name).join(" | ")} |`);
  console.log(`|---|${builds.map(() => "---|").join("")}`);
  for (const m of modules) {
    const cells = vms.filter((vm) => vm.module === m.name).map((vm) => { const n = vm.host.memoryBytes(); return `${n >> 16} pages (${(n / 1048576).toFixed(1)} MiB)`; });
    console.log(`| ${m.name} | ${cells.join(" | ")} |`);
  }
}
