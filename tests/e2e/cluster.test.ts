// A real 3-broker KRaft cluster behind the real Envoy, one listener per broker, with
// broker-rewrite first in the demo's chain (pii-filter → telemetry → billing). The brokers
// advertise their own addresses, so only the rewrite keeps clients on the proxy.
//
// - Clients never bypass Envoy: kcat, kafkajs and the Java clients (producer, consumer group,
//   admin) work, every connection a broker's client listener accepted came from Envoy's source
//   address (the brokers log each accepted connection), and every Metadata, FindCoordinator,
//   DescribeCluster and Produce answer that reached a client named only the proxy's addresses
//   (a decoding relay in front of each Envoy listener, tests/tools/answer_tap.ts).
// - A node the map lacks: with unmapped=close no answer naming it reaches the client; with
//   unmapped=default it gets the bootstrap address.
// - Failover: VerifiableProducer (acks=all, idempotent) and VerifiableConsumer run through the
//   proxy while the partition leader is killed with SIGKILL, restarted, and then the next leader
//   is killed; every acknowledged record is in the log once and consumed, and billing's produced
//   records and telemetry's produced records for the topic equal the acknowledged count. The recovery times (last ack before the kill to the
//   first ack after it) are printed.
// One cluster start serves every check.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { ClusterStack, ProxyListeners, pickProxyListeners, clusterEnvoyConfig, ENVOY_SOURCE_ADDRESS } from "../../tools/stack/cluster.js";
import { EnvoyProcess, envoyBinary, staticCluster } from "../../tools/stack/envoy.js";
import { kafkaClasspath, PROBE_SOURCE_ADDRESS } from "../../tools/stack/kafka.js";
import { freePort } from "../../tools/stack/net.js";
import { kcat, kafkajsClient, runClient } from "../../tools/stack/clients.js";
import { rootPath, cachePath } from "../../tools/lib/paths.js";
import { TenantTotals } from "../../tools/collector.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { AnswerTap } from "../tools/answer_tap.js";

const NODES = [1, 2, 3];
const TOPIC = "cluster-clients";
const FAILOVER_TOPIC = "cluster-failover";
const PRODUCER_ID = "failover-producer";

async function startCollector(port: number, file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(port), "--out", file], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => { out += d; if (out.includes("ready")) resolve(); });
    child.on("exit", (code) => reject(new Error(`collector exited ${code}`)));
  });
  return child;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check().catch(() => false)) return; await new Promise((r) => setTimeout(r, 300)); }
  assert.fail(`timed out waiting for ${what}`);
}

const java = (main: string, args: string[], timeoutMs = 120000) =>
  runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), main, ...args], "", timeoutMs);

/**
 * Connections each broker's client listener accepted, by peer address, from the brokers' logs;
 * without the stack's own readiness probes (from PROBE_SOURCE_ADDRESS).
 */
function acceptedPeers(stack: ClusterStack): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const node of stack.kafka.nodes) {
    const text = [node.logFile, `${node.logFile}.previous`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, "utf8")).join("\n");
    const peers: string[] = [];
    for (const m of text.matchAll(/Accepted connection from \/([\d.]+):\d+ on \/[\d.]+:(\d+) /g)) {
      if (Number(m[2]) === node.config.port && m[1] !== PROBE_SOURCE_ADDRESS) peers.push(m[1]);
    }
    out.set(node.config.nodeId!, peers);
  }
  return out;
}

/** A long-running Java tool whose stdout is one JSON event a line. */
class JsonTool {
  readonly events: { at: number; e: any }[] = [];
  readonly child: ChildProcess;
  private rest = "";
  private stderr = "";
  constructor(main: string, args: string[]) {
    this.child = spawn("java", ["-Xmx256m", "-cp", kafkaClasspath(), main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => {
      const lines = (this.rest + d).split("\n");
      this.rest = lines.pop()!;
      // The tools stamp each event (ms since the epoch, this machine's clock).
      for (const l of lines) if (l.startsWith("{")) { try { const e = JSON.parse(l); this.events.push({ at: typeof e.timestamp === "number" ? e.timestamp : Date.now(), e }); } catch { /* not JSON after all */ } }
    });
    this.child.stderr!.on("data", (d) => { this.stderr = (this.stderr + d).slice(-4000); });
  }
  named(name: string): { at: number; e: any }[] { return this.events.filter((x) => x.e.name === name); }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
      setTimeout(() => this.child.kill("SIGKILL"), 20000).unref();
    });
  }
  get log(): string { return this.stderr; }
}

async function leaderOf(bootstrap: string, topic: string): Promise<{ leader: number; isr: number[] }> {
  const admin = kafkajsClient.kafka(bootstrap, "cluster-admin").admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const p = md.topics[0].partitions[0];
    return { leader: p.leader, isr: p.isr };
  } finally {
    await admin.disconnect();
  }
}

describe("a 3-broker cluster behind Envoy", { timeout: 900000 }, () => {
  let stack: ClusterStack;
  let dissector: Dissector;
  let front: ProxyListeners;
  const taps: AnswerTap[] = [];
  let collector: ChildProcess | null = null;
  let collectorPort = 0;
  const runDir = cachePath("run", "e2e-cluster");

  before(async () => {
    dissector = await Dissector.load();
    fs.mkdirSync(runDir, { recursive: true });
    collectorPort = await freePort();
    const usage = path.join(runDir, "usage.jsonl");
    fs.rmSync(usage, { force: true });
    collector = await startCollector(collectorPort, usage);
    // Envoy's listeners, and a decoding relay in front of each: clients are told the relays' addresses.
    const listeners = await pickProxyListeners(NODES);
    front = await pickProxyListeners(NODES);
    const pairs: [number, number][] = [[listeners.bootstrapPort, front.bootstrapPort], ...NODES.map((id) => [listeners.brokerPorts.get(id)!, front.brokerPorts.get(id)!] as [number, number])];
    for (const [envoyPort, tapPort] of pairs) {
      const tap = new AnswerTap(dissector, envoyPort);
      await tap.start(tapPort);
      taps.push(tap);
    }
    stack = await ClusterStack.start({
      name: "e2e-cluster", brokers: 3, logConnections: true, listeners, rewriteTo: front,
      filters: [
        { wasm: rootPath("build", "pii-filter.wasm"), name: "pii" },
        { wasm: rootPath("build", "telemetry.wasm"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
        { wasm: rootPath("build", "billing.wasm"), name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "billing_collector" }) },
      ],
      envoyExtra: { extraClusters: staticCluster("billing_collector", collectorPort) },
    });
    for (const [topic, partitions] of [[TOPIC, 3], [FAILOVER_TOPIC, 1]] as const) {
      await java("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", `127.0.0.1:${front.bootstrapPort}`, "--create", "--topic", topic,
        "--partitions", String(partitions), "--replication-factor", "3", "--config", "min.insync.replicas=2"]);
    }
  });

  after(async () => {
    await stack?.stop();
    for (const t of taps) await t.stop();
    if (collector && collector.exitCode === null) collector.kill("SIGTERM");
  });

  const bootstrap = () => `127.0.0.1:${front.bootstrapPort}`;
  const proxyAddresses = () => new Set([front.bootstrapPort, ...front.brokerPorts.values()].map((p) => `127.0.0.1:${p}`));

  test("kcat, kafkajs and the Java clients stay on Envoy: brokers accept only Envoy's connections, answers name only the proxy", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `kcat-${i} mail me at alice${i}@example.com`);
    await kcat.produce(bootstrap(), TOPIC, lines, ["-X", "client.id=kcat-client"]);
    const kcatRead = await kcat.consume(bootstrap(), TOPIC, ["-X", "client.id=kcat-client"]);
    assert.equal(kcatRead.length, 30);
    assert.ok(kcatRead.every((l) => !l.includes("@example.com")), "pii-filter masked every address");
    const metadata = await runClient("kcat", ["-b", bootstrap(), "-L", "-t", TOPIC]);
    for (const node of stack.kafka.nodes) assert.ok(!metadata.stdout.includes(`:${node.config.port}`), `kcat -L showed node ${node.config.nodeId}'s own port:\n${metadata.stdout}`);

    const kafka = kafkajsClient.kafka(bootstrap(), "kafkajs-client");
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `kafkajs-${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "cluster-kafkajs" });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => { seen++; } });
    await until("kafkajs to consume every record", async () => seen >= 90);
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeCluster();
    await admin.disconnect();
    for (const b of described.brokers) assert.ok(proxyAddresses().has(`${b.host}:${b.port}`), `kafkajs saw broker ${b.nodeId} at ${b.host}:${b.port}`);

    await runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", bootstrap(), "--topic", TOPIC,
      "--producer-property", "client.id=java-client", "--producer-property", "acks=all"], Array.from({ length: 30 }, (_, i) => `java-${i}`).join("\n") + "\n", 120000);
    const javaRead = await java("org.apache.kafka.tools.consumer.ConsoleConsumer", ["--bootstrap-server", bootstrap(), "--topic", TOPIC, "--group", "cluster-java",
      "--from-beginning", "--max-messages", "120", "--timeout-ms", "60000"]);
    assert.equal(javaRead.stdout.split("\n").filter((l) => l.length > 0).length, 120);
    const clusterId = await java("org.apache.kafka.tools.ClusterTool", ["cluster-id", "--bootstrap-server", bootstrap()]);
    assert.match(clusterId.stdout, /Cluster ID: \S+/);
    await java("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap(), "--describe", "--topic", TOPIC]);

    const peers = acceptedPeers(stack);
    for (const [id, list] of peers) {
      assert.ok(list.length > 0, `node ${id} accepted no client connection at all`);
      const others = list.filter((p) => p !== ENVOY_SOURCE_ADDRESS);
      assert.deepEqual(others, [], `node ${id} accepted connections from ${others.join(", ")}: clients bypassed Envoy`);
    }
    const named = taps.flatMap((t) => t.named);
    const allowed = proxyAddresses();
    // FindCoordinator's "no coordinator yet" answer names no node: "", -1.
    const leaked = named.filter((n) => !allowed.has(n.address) && n.address !== ":-1");
    assert.deepEqual(leaked, [], "answers named addresses that are not the proxy's");
    const answers = (key: number) => taps.reduce((n, t) => n + (t.answers.get(key) ?? 0), 0);
    for (const [key, name] of [[3, "Metadata"], [10, "FindCoordinator"], [60, "DescribeCluster"]] as const) assert.ok(answers(key) > 0, `no ${name} answer was seen`);
    assert.deepEqual(taps.flatMap((t) => t.undecodable), []);
    const stats = await stack.envoy.stats("kafka_broker_rewrite");
    console.log(`# clients: ${[...peers].map(([id, l]) => `node ${id} accepted ${l.length} connections`).join(", ")}, all from ${ENVOY_SOURCE_ADDRESS}; ` +
      `${named.length} addresses in ${answers(3)} Metadata, ${answers(10)} FindCoordinator, ${answers(60)} DescribeCluster and ${answers(0)} Produce answers, all the proxy's; ` +
      `rewritten responses ${stats.get("wasmcustom.kafka_broker_rewrite.broker_rewrite.rewritten_responses")}`);
  });

  test("a node the map lacks: unmapped=close refuses the answer, unmapped=default gives the bootstrap address", async () => {
    for (const unmapped of ["close", "default"] as const) {
      const listeners = await pickProxyListeners(NODES);
      const nodes: Record<string, string> = { "1": `127.0.0.1:${listeners.brokerPorts.get(1)}`, "2": `127.0.0.1:${listeners.brokerPorts.get(2)}` };
      const rewrite = { broker_addresses: unmapped === "close" ? { nodes, unmapped } : { nodes, unmapped, default: `127.0.0.1:${listeners.bootstrapPort}` } };
      const envoy = new EnvoyProcess(envoyBinary(), path.join(runDir, `envoy-unmapped-${unmapped}`), clusterEnvoyConfig(stack.kafka.endpoints, listeners,
        [{ wasm: rootPath("build", "broker-rewrite.wasm"), name: "rewrite", configuration: JSON.stringify(rewrite) }], await freePort(), { concurrency: 1 }));
      await envoy.start();
      try {
        const tap = new AnswerTap(dissector, listeners.bootstrapPort);
        const tapPort = await freePort();
        await tap.start(tapPort);
        const out = await runClient("kcat", ["-b", `127.0.0.1:${tapPort}`, "-L", "-m", "5"], "", 30000).then((r) => r.stdout, (e: Error) => `failed: ${e.message}`);
        await tap.stop();
        const node3 = stack.kafka.node(3).config.port;
        assert.ok(!out.includes(`:${node3}`), `node 3's own address reached kcat:\n${out}`);
        assert.ok(tap.named.every((n) => !n.address.endsWith(`:${node3}`)), "node 3's own address reached the client");
        const stats = await envoy.stats("kafka_broker_rewrite");
        assert.ok((stats.get("wasmcustom.kafka_broker_rewrite.rewrite.unmapped_addresses") ?? 0) > 0, "unmapped node not counted");
        if (unmapped === "close") {
          assert.equal(tap.answers.get(3) ?? 0, 0, "a Metadata answer naming node 3 reached the client");
          assert.ok((stats.get("wasmcustom.kafka_broker_rewrite.rewrite.refused_responses") ?? 0) > 0);
        } else {
          assert.match(out, new RegExp(`broker 3 at 127\\.0\\.0\\.1:${listeners.bootstrapPort}`));
        }
        const log = fs.readFileSync(envoy.logFile, "utf8");
        assert.equal(log.match(/node 3 \([^)]*\) has no proxy address/g)?.length ?? 0, 1, "the unmapped node is logged once per VM");
      } finally {
        await envoy.stop();
      }
    }
  });

  test("failover: kill -9 the leader twice; every acknowledged record is consumed, billed once, and clients stay on Envoy", async () => {
    const config = path.join(runDir, "producer.properties");
    fs.writeFileSync(config, `enable.idempotence=true\nacks=all\nretries=2147483647\nclient.id=${PRODUCER_ID}\nrequest.timeout.ms=5000\ndelivery.timeout.ms=120000\nlinger.ms=5\n`);
    const consumer = new JsonTool("org.apache.kafka.tools.VerifiableConsumer", ["--bootstrap-server", bootstrap(), "--topic", FAILOVER_TOPIC,
      "--group-id", "failover-group", "--reset-policy", "earliest", "--verbose"]);
    const producer = new JsonTool("org.apache.kafka.tools.VerifiableProducer", ["--bootstrap-server", bootstrap(), "--topic", FAILOVER_TOPIC,
      "--throughput", "100", "--max-messages", "-1", "--command-config", config]);
    const acked = () => producer.named("producer_send_success");
    const recoveries: { node: number; ms: number }[] = [];
    try {
      await until("the producer's first acknowledgements", async () => acked().length >= 200, 90000).catch((e: Error) => { throw new Error(`${e.message}\n${producer.log}`); });
      let previous = -1;
      for (let round = 0; round < 2; round++) {
        const { leader } = await leaderOf(bootstrap(), FAILOVER_TOPIC);
        if (round === 1) assert.notEqual(leader, previous, "the second kill should hit another broker");
        const before = acked().length;
        const lastBefore = acked()[before - 1].at;
        await stack.kafka.kill(leader);
        const killedAt = Date.now();
        await until(`acknowledgements after node ${leader} was killed`, async () => acked().some((a) => a.at > killedAt), 120000);
        const firstAfter = acked().find((a) => a.at > killedAt)!.at;
        recoveries.push({ node: leader, ms: firstAfter - lastBefore });
        const next = await leaderOf(bootstrap(), FAILOVER_TOPIC);
        assert.notEqual(next.leader, leader);
        await stack.kafka.restart(leader);
        await until(`node ${leader} back in the ISR`, async () => (await leaderOf(bootstrap(), FAILOVER_TOPIC)).isr.length === 3, 180000);
        previous = leader;
      }
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await producer.stop();
    }
    const errors = producer.named("producer_send_error");
    const values = new Set(acked().map((a) => String(a.e.value)));
    assert.equal(values.size, acked().length, "each acknowledged value once");
    const consumed = () => consumer.named("record_data");
    await until("the consumer to read every acknowledged record", async () => {
      const got = new Set(consumed().map((r) => String(r.e.value)));
      return [...values].every((v) => got.has(v));
    }, 120000).finally(() => consumer.stop());
    // Each acknowledged value sits at exactly one offset; a rebalance may deliver an offset again.
    const offsets = new Map<string, Set<string>>();
    for (const r of consumed()) {
      const v = String(r.e.value);
      if (!offsets.has(v)) offsets.set(v, new Set());
      offsets.get(v)!.add(`${r.e.partition}@${r.e.offset}`);
    }
    const twice = [...values].filter((v) => offsets.get(v)!.size !== 1);
    assert.deepEqual(twice.slice(0, 5), [], "acknowledged records stored more than once");
    const redelivered = consumed().length - new Set(consumed().map((r) => `${r.e.partition}@${r.e.offset}`)).size;
    await until("billing's produced records to equal the acknowledged count", async () => {
      const t = await (await fetch(`http://127.0.0.1:${collectorPort}/totals`)).json() as Record<string, TenantTotals>;
      return t[PRODUCER_ID]?.produced_records === acked().length;
    }, 30000).catch(async (e) => {
      const t = await (await fetch(`http://127.0.0.1:${collectorPort}/totals`)).json() as Record<string, TenantTotals>;
      throw new Error(`${e.message}: billed ${t[PRODUCER_ID]?.produced_records}, acknowledged ${acked().length}`);
    });
    // telemetry counts a topic's records when the broker acknowledges them, a retry once, across listeners.
    const tel = await stack.envoy.stats("kafka.topic.produced_records");
    const telKey = [...tel.keys()].find((k) => k.endsWith(`topic_${FAILOVER_TOPIC}`));
    assert.ok(telKey, `no telemetry figure for ${FAILOVER_TOPIC}: ${[...tel.keys()].join(", ")}`);
    assert.equal(tel.get(telKey), acked().length, "telemetry's produced records for the topic");
    const peers = acceptedPeers(stack);
    for (const [id, list] of peers) assert.deepEqual(list.filter((p) => p !== ENVOY_SOURCE_ADDRESS), [], `node ${id} accepted a connection from outside Envoy`);
    const leaked = taps.flatMap((t) => t.named).filter((n) => !proxyAddresses().has(n.address) && n.address !== ":-1");
    assert.deepEqual(leaked, []);
    console.log(`# failover: ${acked().length} records acknowledged (${errors.length} send errors), all consumed once by offset (${redelivered} redelivered after rebalances), ` +
      `billed ${acked().length}, telemetry ${tel.get(telKey)}; recovery (last ack before the kill → first ack after): ${recoveries.map((r) => `node ${r.node} ${(r.ms / 1000).toFixed(1)} s`).join(", ")}`);
  });
});
