// `npm run bench -- proxy --brokers 3`: produce and consume throughput and produce latency for
// 1 KiB records on topics with one partition per broker, across a cluster of N brokers, by
// three paths in one run:
//   direct            the brokers' own listeners;
//   envoy tcp_proxy   one Envoy listener per broker, the brokers advertising those listeners
//                     (no rewrite needed);
//   envoy + rewrite   one Envoy listener per broker with broker-rewrite, the brokers advertising
//                     their own addresses;
//   envoy + rewrite, fetch hints hidden
//                     the same with "fetch_leader_hints": "hide" (clients fetch with v15, and
//                     fetch responses stream instead of being held).
// Each broker has one client listener per path, each advertising that path's front door, so the
// paths share the brokers, the load and the rounds. Rounds interleave the paths (reversed every
// other round) and the median is reported, with its ratio to tcp_proxy.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { installEnvoy, envoyBinary, EnvoyProcess, WasmFilter } from "../tools/stack/envoy.js";
import { installKafka, kafkaClasspath } from "../tools/stack/kafka.js";
import { KafkaCluster, pickProxyListeners, clusterEnvoyConfig, brokerAddresses, BrokerEndpoint } from "../tools/stack/cluster.js";
import { freePort } from "../tools/stack/net.js";
import { runClient } from "../tools/stack/clients.js";
import { cachePath, rootPath } from "../tools/lib/paths.js";
import { step } from "../tools/lib/proc.js";
import { produceThroughput, consumeThroughput, produceLatency, withEnvoyCpu, median, pct, fmt, RECORD, GIB } from "./proxy.js";

interface Path { name: string; bootstrap: string; envoy: EnvoyProcess | null }
interface Sample { produceMBs: number; consumeMBs: number; produceCpu: number; consumeCpu: number; p50us: number; p99us: number }

export async function benchProxyCluster(opts: { brokers: number; rounds: number; records: number; latencySends: number }): Promise<void> {
  await installEnvoy();
  await installKafka();
  const rewriteWasm = rootPath("build", "broker-rewrite.wasm");
  if (!fs.existsSync(rewriteWasm)) throw new Error(`${rewriteWasm} not found: run npm run build`);
  const dir = cachePath("run", "bench-proxy-cluster");
  fs.mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: opts.brokers }, (_, i) => i + 1);
  const tcpFront = await pickProxyListeners(ids);
  const rewriteFront = await pickProxyListeners(ids);
  const hideFront = await pickProxyListeners(ids);
  // Each node's listener for the tcp_proxy path, advertising that path's Envoy listener.
  const viaTcp = new Map<number, number>();
  for (const id of ids) viaTcp.set(id, await freePort());
  const cluster = await KafkaCluster.create({
    brokers: opts.brokers, dir: path.join(dir, "kafka"), heap: "768m",
    extraListeners: (id) => [{ name: "VIA_TCP", port: viaTcp.get(id)!, advertisedPort: tcpFront.brokerPorts.get(id)! }],
    extraProperties: `num.partitions=${opts.brokers}\ndefault.replication.factor=1`,
  });
  step(`starting a Kafka cluster of ${opts.brokers} KRaft nodes`);
  await cluster.start();
  // One bootstrap address per path (kafkajs takes a single one); clients learn the rest from metadata.
  const paths: Path[] = [{ name: "direct", bootstrap: cluster.bootstrapDirect.split(",")[0], envoy: null }];
  const loadBefore = os.loadavg();
  try {
    const tcpBrokers: BrokerEndpoint[] = ids.map((id) => ({ nodeId: id, host: "127.0.0.1", port: viaTcp.get(id)! }));
    const rewrite: WasmFilter[] = [{ wasm: rewriteWasm, name: "broker_rewrite", configuration: JSON.stringify({ broker_addresses: brokerAddresses(rewriteFront) }) }];
    const hide: WasmFilter[] = [{ wasm: rewriteWasm, name: "broker_rewrite", configuration: JSON.stringify({ broker_addresses: { ...brokerAddresses(hideFront), fetch_leader_hints: "hide" } }) }];
    for (const [name, brokers, front, filters] of [
      ["envoy tcp_proxy", tcpBrokers, tcpFront, []],
      ["envoy + rewrite", cluster.endpoints, rewriteFront, rewrite],
      ["envoy + rewrite, fetch hints hidden", cluster.endpoints, hideFront, hide],
    ] as const) {
      const envoy = new EnvoyProcess(envoyBinary(), path.join(dir, `envoy-${name.replace(/[^a-z]+/g, "-")}`), clusterEnvoyConfig([...brokers], front, [...filters], await freePort()));
      await envoy.start();
      paths.push({ name, bootstrap: `127.0.0.1:${front.bootstrapPort}`, envoy });
    }
    const samples = new Map<string, Sample[]>(paths.map((p) => [p.name, []]));
    const gib = (opts.records * RECORD) / GIB;
    for (let round = 1; round <= opts.rounds; round++) {
      for (const p of round % 2 === 1 ? paths : [...paths].reverse()) {
        const topic = `bench-${p.name.replace(/[^a-z0-9]+/g, "-")}-${round}`;
        step(`round ${round}/${opts.rounds}: ${p.name}`);
        await runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", p.bootstrap, "--create", "--topic", topic,
          "--partitions", String(opts.brokers), "--replication-factor", "1"], "", 120000);
        const [produceMBs, produceCpu] = await withEnvoyCpu(p.envoy, () => produceThroughput(p.bootstrap, topic, opts.records));
        const [consumeMBs, consumeCpu] = await withEnvoyCpu(p.envoy, () => consumeThroughput(p.bootstrap, topic, opts.records));
        const lat = await produceLatency(p.bootstrap, `${topic}-lat`, opts.latencySends);
        samples.get(p.name)!.push({ produceMBs, consumeMBs, produceCpu: produceCpu / gib, consumeCpu: consumeCpu / gib, p50us: pct(lat, 50), p99us: pct(lat, 99) });
      }
    }
    const loadAfter = os.loadavg();
    const summary = paths.map((p) => {
      const s = samples.get(p.name)!;
      const m = (f: (x: Sample) => number) => median(s.map(f));
      return { name: p.name, produce: m((x) => x.produceMBs), consume: m((x) => x.consumeMBs), produceCpu: m((x) => x.produceCpu), consumeCpu: m((x) => x.consumeCpu), p50: m((x) => x.p50us), p99: m((x) => x.p99us) };
    });
    const base = summary.find((s) => s.name === "envoy tcp_proxy")!;
    console.log(`\ncluster proxy benchmark: ${opts.brokers} brokers, topics of ${opts.brokers} partitions (replication factor 1), ${opts.records} × 1 KiB records per run, median of ${opts.rounds} interleaved rounds`);
    console.log(`load average (1, 5, 15 min): ${loadBefore.map((x) => x.toFixed(2)).join(", ")} at start, ${loadAfter.map((x) => x.toFixed(2)).join(", ")} at end\n`);
    console.log("| path | produce MB/s | vs tcp_proxy | produce CPU s/GiB | consume MB/s | vs tcp_proxy | consume CPU s/GiB | produce p50 µs | p99 µs |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const s of summary) {
      console.log(`| ${s.name} | ${s.produce.toFixed(1)} | ${(s.produce / base.produce).toFixed(2)} | ${fmt(s.produceCpu, 2)} | ${s.consume.toFixed(1)} | ${(s.consume / base.consume).toFixed(2)} | ${fmt(s.consumeCpu, 2)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} |`);
    }
    for (const p of paths) {
      if (!p.envoy) continue;
      const stats = await p.envoy.stats("kafka_broker_rewrite");
      const rewritten = [...stats].filter(([k]) => k.endsWith("rewritten_responses")).reduce((n, [, v]) => n + v, 0);
      if (rewritten > 0) console.log(`\n${p.name}: ${rewritten} responses rewritten`);
    }
  } finally {
    for (const p of paths) await p.envoy?.stop();
    await cluster.stop();
  }
}
