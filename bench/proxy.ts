// `npm run bench -- proxy`: produce and consume throughput and produce latency for
// 1 KiB records, direct to the broker, through Envoy tcp_proxy alone, and through
// Envoy with each plugin (or the demo's chain). With --baseline DIR, each plugin path
// also runs the same plugin built from another commit (DIR/<plugin>.wasm) as a path of
// its own, so before and after meet the same broker, the same load and the same rounds.
// One broker serves every path (a listener per path, each advertising its own front
// door), paths are interleaved round by round (in reverse order every other round, so no
// path always runs first), and the median of the rounds is reported with its ratio to
// tcp_proxy. Each Envoy path's CPU time (from /proc) is measured over its produce run and
// its consume run and reported per GiB of records moved: steadier than MB/s on a busy
// machine, because it does not count time Envoy spent waiting.
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import os from "node:os";
import { Kafka, logLevel } from "kafkajs";
import { installEnvoy, envoyBinary, EnvoyProcess, WasmFilter } from "../tools/stack/envoy.js";
import { installKafka, KafkaBroker, kafkaClasspath } from "../tools/stack/kafka.js";
import { freePort } from "../tools/stack/net.js";
import { runClient } from "../tools/stack/clients.js";
import { cachePath, rootPath } from "../tools/lib/paths.js";
import { step } from "../tools/lib/proc.js";
import { cpuSeconds, clockTicks } from "./proc_cpu.js";

interface Path { name: string; bootstrap: string; envoy: EnvoyProcess | null }
/** One round of one path; the CPU figures are Envoy's CPU seconds per GiB of records (NaN for the direct path). */
interface Sample { produceMBs: number; consumeMBs: number; produceCpu: number; consumeCpu: number; p50us: number; p99us: number }
/** An Envoy front door: its name in the tables and its filters. */
interface FrontDoor { name: string; filters: WasmFilter[]; extraBootstrap?: string }

export const RECORD = 1024;
export const GIB = 1024 * 1024 * 1024;
/** The --plugins name of the demo's chain, configured as tools/demo.ts does (without its collector). */
const CHAIN = "chain";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function java(main: string, args: string[]): Promise<string> {
  return (await runClient("java", ["-Xmx1g", "-cp", kafkaClasspath(), main, ...args], "", 600000)).stdout;
}

export async function produceThroughput(bootstrap: string, topic: string, records: number): Promise<number> {
  const out = await java("org.apache.kafka.tools.ProducerPerformance", ["--topic", topic, "--num-records", String(records), "--record-size", String(RECORD),
    "--throughput", "-1", "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=1", "linger.ms=5", "batch.size=262144"]);
  const m = /records\/sec \(([\d.]+) MB\/sec\)/.exec(out.trim().split("\n").pop() ?? "");
  if (!m) throw new Error(`unexpected ProducerPerformance output:\n${out.slice(-500)}`);
  return Number(m[1]);
}

export async function consumeThroughput(bootstrap: string, topic: string, records: number): Promise<number> {
  const out = await java("org.apache.kafka.tools.ConsumerPerformance", ["--bootstrap-server", bootstrap, "--topic", topic, "--messages", String(records), "--timeout", "60000"]);
  const lines = out.trim().split("\n").filter((l) => l.includes(","));
  const header = lines.find((l) => l.includes("MB.sec"))!.split(",").map((s) => s.trim());
  const values = lines[lines.length - 1].split(",").map((s) => s.trim());
  return Number(values[header.indexOf("MB.sec")]);
}

/** Sequential single-record produces (acks=1), each timed round trip in microseconds. */
export async function produceLatency(bootstrap: string, topic: string, n: number): Promise<number[]> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "bench-latency", logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(RECORD, 120);
  for (let i = 0; i < 100; i++) await producer.send({ topic, acks: 1, messages: [{ value }] });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await producer.send({ topic, acks: 1, messages: [{ value }] });
    times.push((performance.now() - t0) * 1000);
  }
  await producer.disconnect();
  return times;
}

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * The filters for plugin set `set` with modules from `dir`. "chain" is the demo's
 * pii-filter → telemetry → billing; billing gets no collector cluster (its batches wait
 * and are retried each tick, bounded by max_pending_batches, which costs next to nothing).
 */
function frontDoorFilters(set: string, dir: string): { filters: WasmFilter[]; extraBootstrap?: string } {
  const wasm = (p: string) => {
    const file = path.join(dir, `${p}.wasm`);
    if (!fs.existsSync(file)) throw new Error(`${file} not found: build it first (npm run build in the tree it comes from)`);
    return file;
  };
  if (set === GUARD) return { filters: [{ wasm: wasm(set), name: set, configuration: JSON.stringify(GUARD_CONFIG) }] };
  if (set !== CHAIN) return { filters: [{ wasm: wasm(set), name: set }] };
  return {
    filters: [
      { wasm: wasm("pii-filter"), name: "pii" },
      { wasm: wasm("telemetry"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
      { wasm: wasm("billing"), name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1 }) },
    ],
    extraBootstrap: fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8"),
  };
}

/**
 * guard runs with produce rules the bench's producers pass (they send acks=1 and batches of at
 * most 256 KiB): every Produce request is held, its acks read and its batch headers checked,
 * which is what a deployment with produce rules pays. Its quotas (every topic and every tenant,
 * produce and fetch, 1 TB/s) never throttle, but every Produce and Fetch is measured: skimmed per
 * topic, counted in shared data, its Fetch limits read, its response's throttle field found.
 */
const GUARD = "guard";
const NEVER_THROTTLES = 1e12;
const GUARD_CONFIG = {
  produce: { acks: 1, max_batch_bytes: 1048576, compression: ["none", "gzip", "snappy", "lz4", "zstd"] },
  quotas: {
    topics: [{ topic: "*", produce_bytes_per_second: NEVER_THROTTLES, fetch_bytes_per_second: NEVER_THROTTLES }],
    tenants: [{ tenant: "*", produce_bytes_per_second: NEVER_THROTTLES, fetch_bytes_per_second: NEVER_THROTTLES }],
  },
};

/** The modules a plugin set loads. */
const modulesOf = (set: string) => set === CHAIN ? ["pii-filter", "telemetry", "billing"] : [set];

/** Runs `fn` and measures Envoy's CPU seconds meanwhile (NaN without an Envoy). */
export async function withEnvoyCpu<T>(envoy: EnvoyProcess | null, fn: () => Promise<T>): Promise<[T, number]> {
  const pid = envoy?.pid;
  const before = pid === undefined ? NaN : cpuSeconds(pid);
  const value = await fn();
  return [value, pid === undefined ? NaN : cpuSeconds(pid) - before];
}

export const fmt = (x: number, digits: number) => Number.isFinite(x) ? x.toFixed(digits) : "";

export async function benchProxy(opts: { plugins: string[]; rounds: number; records: number; latencySends: number; baseline?: string }): Promise<void> {
  await installEnvoy();
  await installKafka();
  const dir = cachePath("run", "bench-proxy");
  fs.mkdirSync(dir, { recursive: true });
  const baselineDir = opts.baseline === undefined ? undefined : path.resolve(opts.baseline);
  // Front doors: tcp_proxy alone, then per plugin set this tree's build and (with --baseline) the other's.
  const sets: FrontDoor[] = [{ name: "tcp_proxy", filters: [] }];
  for (const p of opts.plugins) {
    sets.push({ name: p, ...frontDoorFilters(p, rootPath("build")) });
    if (baselineDir !== undefined) sets.push({ name: `${p} (baseline)`, ...frontDoorFilters(p, baselineDir) });
  }
  const envoyPorts = await Promise.all(sets.map(() => freePort()));
  const brokerPorts = await Promise.all(sets.map(() => freePort()));
  const directPort = await freePort();
  const broker = new KafkaBroker(path.join(dir, "kafka"), {
    port: brokerPorts[0], controllerPort: await freePort(), advertisedPort: envoyPorts[0],
    extraListeners: [
      ...sets.slice(1).map((s, i) => ({ name: `VIA_${i + 1}`, port: brokerPorts[i + 1], advertisedPort: envoyPorts[i + 1], protocol: "PLAINTEXT" })),
      { name: "DIRECT", port: directPort, advertisedPort: directPort, protocol: "PLAINTEXT" },
    ],
  });
  step("starting Kafka with one listener per path");
  await broker.start();
  const paths: Path[] = [{ name: "direct", bootstrap: `127.0.0.1:${directPort}`, envoy: null }];
  const loadBefore = os.loadavg();
  try {
    for (let i = 0; i < sets.length; i++) {
      const envoy = new EnvoyProcess(envoyBinary(), path.join(dir, `envoy-${sets[i].name.replace(/[^a-z0-9-]+/g, "-")}`), {
        listenPort: envoyPorts[i], adminPort: await freePort(), upstreamPort: brokerPorts[i], filters: sets[i].filters, extraBootstrap: sets[i].extraBootstrap,
      });
      await envoy.start();
      paths.push({ name: sets[i].name === "tcp_proxy" ? "envoy tcp_proxy" : `envoy + ${sets[i].name}`, bootstrap: `127.0.0.1:${envoyPorts[i]}`, envoy });
    }
    const samples = new Map<string, Sample[]>(paths.map((p) => [p.name, []]));
    const gib = (opts.records * RECORD) / GIB;
    for (let round = 1; round <= opts.rounds; round++) {
      for (const p of round % 2 === 1 ? paths : [...paths].reverse()) {
        const topic = `bench-${p.name.replace(/[^a-z0-9]+/g, "-")}-${round}`;
        step(`round ${round}/${opts.rounds}: ${p.name}`);
        const [produceMBs, produceCpu] = await withEnvoyCpu(p.envoy, () => produceThroughput(p.bootstrap, topic, opts.records));
        const [consumeMBs, consumeCpu] = await withEnvoyCpu(p.envoy, () => consumeThroughput(p.bootstrap, topic, opts.records));
        const lat = await produceLatency(p.bootstrap, `${topic}-lat`, opts.latencySends);
        samples.get(p.name)!.push({ produceMBs, consumeMBs, produceCpu: produceCpu / gib, consumeCpu: consumeCpu / gib, p50us: pct(lat, 50), p99us: pct(lat, 99) });
      }
    }
    const loadAfter = os.loadavg();
    const summary = new Map(paths.map((p) => {
      const s = samples.get(p.name)!;
      const m = (f: (x: Sample) => number) => median(s.map(f));
      return [p.name, { name: p.name, produce: m((x) => x.produceMBs), consume: m((x) => x.consumeMBs), produceCpu: m((x) => x.produceCpu), consumeCpu: m((x) => x.consumeCpu), p50: m((x) => x.p50us), p99: m((x) => x.p99us) }];
    }));
    const base = summary.get("envoy tcp_proxy")!;
    console.log(`\nproxy benchmark: ${opts.records} × 1 KiB records per run, ${opts.latencySends} sequential acks=1 produces for latency, median of ${opts.rounds} interleaved rounds`);
    console.log(`CPU s/GiB: Envoy's user+system CPU seconds (/proc/<pid>/stat, all threads) during the run, per GiB of records (records × 1 KiB); /proc counts in ticks of 1/${clockTicks()} s, so these figures move in steps of ${(1 / clockTicks() / gib).toFixed(3)} s/GiB`);
    console.log(`load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(", ")} at start, ${loadAfter.map((x) => x.toFixed(2)).join(", ")} at end\n`);
    console.log("| path | produce MB/s | vs tcp_proxy | produce CPU s/GiB | consume MB/s | vs tcp_proxy | consume CPU s/GiB | produce p50 µs | p99 µs | p99 added vs tcp_proxy |");
    console.log("|---|---|---|---|---|---|---|---|---|---|");
    for (const s of summary.values()) {
      console.log(`| ${s.name} | ${s.produce.toFixed(1)} | ${(s.produce / base.produce).toFixed(2)} | ${fmt(s.produceCpu, 2)} | ${s.consume.toFixed(1)} | ${(s.consume / base.consume).toFixed(2)} | ${fmt(s.consumeCpu, 2)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.name === "direct" ? "" : `${((s.p99 - base.p99) / 1000).toFixed(3)} ms`} |`);
    }
    if (baselineDir !== undefined) {
      console.log(`\nthis tree (after) / ${baselineDir} (before), ratio of the medians above; MB/s above 1 and CPU s/GiB below 1 are better\n`);
      console.log("| plugins | produce MB/s | consume MB/s | produce CPU s/GiB | consume CPU s/GiB |");
      console.log("|---|---|---|---|---|");
      for (const p of opts.plugins) {
        const a = summary.get(`envoy + ${p}`)!, b = summary.get(`envoy + ${p} (baseline)`)!;
        console.log(`| ${p} | ${(a.produce / b.produce).toFixed(2)} | ${(a.consume / b.consume).toFixed(2)} | ${(a.produceCpu / b.produceCpu).toFixed(2)} | ${(a.consumeCpu / b.consumeCpu).toFixed(2)} |`);
      }
    }
    console.log("\nevery round (produce MB/s, consume MB/s, produce CPU s/GiB, consume CPU s/GiB):\n");
    console.log(`| path | ${Array.from({ length: opts.rounds }, (_, i) => `round ${i + 1}`).join(" | ")} |`);
    console.log(`|---|${"---|".repeat(opts.rounds)}`);
    for (const p of paths) {
      const s = samples.get(p.name)!;
      console.log(`| ${p.name} | ${s.map((x) => [x.produceMBs.toFixed(1), x.consumeMBs.toFixed(1), fmt(x.produceCpu, 2), fmt(x.consumeCpu, 2)].filter((v) => v !== "").join(", ")).join(" | ")} |`);
    }
    console.log("");
    for (const m of new Set(opts.plugins.flatMap(modulesOf))) {
      console.log(`${m}.wasm: ${fs.statSync(rootPath("build", `${m}.wasm`)).size} bytes${baselineDir === undefined ? "" : `, baseline ${fs.statSync(path.join(baselineDir, `${m}.wasm`)).size} bytes`}`);
    }
  } finally {
    for (const p of paths) await p.envoy?.stop();
    await broker.stop();
  }
}
