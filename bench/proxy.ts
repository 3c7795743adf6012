// `npm run bench -- proxy`: produce and consume throughput and produce latency for
// 1 KiB records, direct to the broker, through Envoy tcp_proxy alone, and through
// Envoy with each plugin. One broker serves every path (a listener per path, each
// advertising its own front door), paths are interleaved round by round, and the
// median of the rounds is reported with its ratio to tcp_proxy.
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Kafka, logLevel } from "kafkajs";
import { installEnvoy, envoyBinary, EnvoyProcess, WasmFilter } from "../tools/stack/envoy.js";
import { installKafka, KafkaBroker, kafkaClasspath } from "../tools/stack/kafka.js";
import { freePort } from "../tools/stack/net.js";
import { runClient } from "../tools/stack/clients.js";
import { cachePath, rootPath } from "../tools/lib/paths.js";
import { step } from "../tools/lib/proc.js";

interface Path { name: string; bootstrap: string; envoy: EnvoyProcess | null }
interface Sample { produceMBs: number; consumeMBs: number; p50us: number; p99us: number }

const RECORD = 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function java(main: string, args: string[]): Promise<string> {
  return (await runClient("java", ["-Xmx1g", "-cp", kafkaClasspath(), main, ...args], "", 600000)).stdout;
}

async function produceThroughput(bootstrap: string, topic: string, records: number): Promise<number> {
  const out = await java("org.apache.kafka.tools.ProducerPerformance", ["--topic", topic, "--num-records", String(records), "--record-size", String(RECORD),
    "--throughput", "-1", "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=1", "linger.ms=5", "batch.size=262144"]);
  const m = /records\/sec \(([\d.]+) MB\/sec\)/.exec(out.trim().split("\n").pop() ?? "");
  if (!m) throw new Error(`unexpected ProducerPerformance output:\n${out.slice(-500)}`);
  return Number(m[1]);
}

async function consumeThroughput(bootstrap: string, topic: string, records: number): Promise<number> {
  const out = await java("org.apache.kafka.tools.ConsumerPerformance", ["--bootstrap-server", bootstrap, "--topic", topic, "--messages", String(records), "--timeout", "60000"]);
  const lines = out.trim().split("\n").filter((l) => l.includes(","));
  const header = lines.find((l) => l.includes("MB.sec"))!.split(",").map((s) => s.trim());
  const values = lines[lines.length - 1].split(",").map((s) => s.trim());
  return Number(values[header.indexOf("MB.sec")]);
}

/** Sequential single-record produces (acks=1), each timed round trip in microseconds. */
async function produceLatency(bootstrap: string, topic: string, n: number): Promise<number[]> {
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

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function benchProxy(opts: { plugins: string[]; rounds: number; records: number; latencySends: number }): Promise<void> {
  await installEnvoy();
  await installKafka();
  const dir = cachePath("run", "bench-proxy");
  fs.mkdirSync(dir, { recursive: true });
  // Front doors: one Envoy per plugin set, plus tcp_proxy alone; each has its own broker listener.
  const sets: { name: string; filters: WasmFilter[] }[] = [
    { name: "tcp_proxy", filters: [] },
    ...opts.plugins.map((p) => ({ name: p, filters: [{ wasm: rootPath("build", `${p}.wasm`), name: p }] })),
  ];
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
  try {
    for (let i = 0; i < sets.length; i++) {
      const envoy = new EnvoyProcess(envoyBinary(), path.join(dir, `envoy-${sets[i].name}`), {
        listenPort: envoyPorts[i], adminPort: await freePort(), upstreamPort: brokerPorts[i], filters: sets[i].filters,
      });
      await envoy.start();
      paths.push({ name: sets[i].name === "tcp_proxy" ? "envoy tcp_proxy" : `envoy + ${sets[i].name}`, bootstrap: `127.0.0.1:${envoyPorts[i]}`, envoy });
    }
    const samples = new Map<string, Sample[]>(paths.map((p) => [p.name, []]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const p of paths) {
        const topic = `bench-${p.name.replace(/[^a-z0-9]+/g, "-")}-${round}`;
        step(`round ${round}/${opts.rounds}: ${p.name}`);
        const produceMBs = await produceThroughput(p.bootstrap, topic, opts.records);
        const consumeMBs = await consumeThroughput(p.bootstrap, topic, opts.records);
        const lat = await produceLatency(p.bootstrap, `${topic}-lat`, opts.latencySends);
        samples.get(p.name)!.push({ produceMBs, consumeMBs, p50us: pct(lat, 50), p99us: pct(lat, 99) });
      }
    }
    const summary = paths.map((p) => {
      const s = samples.get(p.name)!;
      return { name: p.name, produce: median(s.map((x) => x.produceMBs)), consume: median(s.map((x) => x.consumeMBs)), p50: median(s.map((x) => x.p50us)), p99: median(s.map((x) => x.p99us)) };
    });
    const base = summary.find((s) => s.name === "envoy tcp_proxy")!;
    console.log(`\nproxy benchmark: ${opts.records} × 1 KiB records per run, ${opts.latencySends} sequential acks=1 produces for latency, median of ${opts.rounds} interleaved rounds\n`);
    console.log("| path | produce MB/s | vs tcp_proxy | consume MB/s | vs tcp_proxy | produce p50 µs | p99 µs | p99 added vs tcp_proxy |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const s of summary) {
      console.log(`| ${s.name} | ${s.produce.toFixed(1)} | ${(s.produce / base.produce).toFixed(2)} | ${s.consume.toFixed(1)} | ${(s.consume / base.consume).toFixed(2)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${s.name === "direct" ? "" : `${((s.p99 - base.p99) / 1000).toFixed(3)} ms`} |`);
    }
    for (const p of opts.plugins) console.log(`\n${p}.wasm: ${fs.statSync(rootPath("build", `${p}.wasm`)).size} bytes`);
  } finally {
    for (const p of paths) await p.envoy?.stop();
    await broker.stop();
  }
}
