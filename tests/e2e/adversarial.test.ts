// Hostile clients against the real Envoy with the demo's chain (pii-filter → telemetry →
// billing, FAIL_CLOSED, billing's collector cluster; pii-filter scanning what consumers fetch as
// well as what producers send) in front of the real broker. Each attack
// is bounded in connections, bytes and time, targets only 127.0.0.1, and runs while a good
// idempotent producer and a consumer go through the same proxy. After each one:
//   - no VM trapped: Envoy's log since the attack began has no wasm failure line;
//   - every VM stayed within the bound its memory budget sets: the peak resident bytes of its
//     linear memory, and the size that memory grew to (it never shrinks; at 1 GiB V8 traps), at
//     most twice the budget, both read from /proc/<envoy pid>/smaps (tests/tools/vm_memory.ts says
//     how a VM's memory is found). The budget counts the large buffers a VM holds; garbage not yet
//     collected, the chunks being read and free spans too small to reuse come on top of it;
//   - the good clients lost nothing: every acknowledged record consumed exactly once, masked;
//   - new connections are answered: ApiVersions and Metadata round trips through the proxy.
// A summary table (attack, per-VM peak MiB, traps, good clients, new connections) is printed
// at the end and written to .cache/run/e2e-adversarial/summary.txt. After an attack that fails
// a check, Envoy is restarted (same port, same Kafka) so that the next one is judged on its own.
//
// The thresholds are the KPW_ADV_* variables in `P` below.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import { Stack } from "../../tools/stack/stack.js";
import { EnvoyProcess, envoyBinary, staticCluster, WasmFilter } from "../../tools/stack/envoy.js";
import { freePort } from "../../tools/stack/net.js";
import { rootPath } from "../../tools/lib/paths.js";
import { VmMemoryMonitor, VmNamer, VmSample, vmResidentBytes, MiB } from "../tools/vm_memory.js";
import { LogCursor, failureLines } from "../tools/envoy_failures.js";
import { GoodClients, GoodResult } from "../tools/good_clients.js";
import { RawConnection, apiVersionsV0, metadataV1, apiVersionsResult, metadataBrokers, produceV7, produceErrors, fetchV4, fetchResult } from "../tools/raw_kafka.js";
import * as attacks from "../tools/attacks.js";
import { bombBatch, Codec } from "../tools/bombs.js";
import { batchOf } from "../tools/batches.js";

function num(name: string, dflt: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return dflt;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: must be a number of 0 or more, got "${text}"`);
  return n;
}

/** Every threshold and size, overridable from the environment. */
export const P = {
  /** The plugins' per-VM memory budget (vm_memory_budget_bytes, default 256 MiB). */
  vmBudgetMiB: num("KPW_ADV_VM_BUDGET_MIB", 256),
  /** Peak resident bytes of a VM's linear memory may reach this many times the budget. */
  vmResidentFactor: num("KPW_ADV_VM_RESIDENT_FACTOR", 2),
  /**
   * Largest size a VM's linear memory may grow to. It never shrinks, and at V8's 1 GiB cap the
   * next memory.grow fails and the VM traps; pages grown but never touched are not resident,
   * so this is checked apart from the budget.
   */
  vmLinearLimitMiB: num("KPW_ADV_VM_LINEAR_LIMIT_MIB", 512),
  /** How long hostile connections are held open. */
  holdMs: num("KPW_ADV_HOLD_MS", 2500),
  /** Connections announcing 100 MiB frames (half 104857600+10, half exactly 104857600). */
  hugeConnections: num("KPW_ADV_HUGE_CONNECTIONS", 50),
  randomConnections: num("KPW_ADV_RANDOM_CONNECTIONS", 100),
  slowConnections: num("KPW_ADV_SLOW_CONNECTIONS", 30),
  churnConnections: num("KPW_ADV_CHURN_CONNECTIONS", 1000),
  mutatedConnections: num("KPW_ADV_MUTATED_CONNECTIONS", 200),
  floodConnections: num("KPW_ADV_FLOOD_CONNECTIONS", 8),
  floodRequests: num("KPW_ADV_FLOOD_REQUESTS", 40000),
  /** Decompressed size of each bomb (snappy's best ratio is ~21:1, so its bombs are smaller). */
  bombMiB: num("KPW_ADV_BOMB_MIB", 90),
  snappyBombMiB: num("KPW_ADV_SNAPPY_BOMB_MIB", 64),
  bombPartitions: num("KPW_ADV_BOMB_PARTITIONS", 3),
  fetchConsumers: num("KPW_ADV_FETCH_CONSUMERS", 10),
  fetchMiB: num("KPW_ADV_FETCH_MIB", 48),
  /** Fetch consumers that must get their whole response. */
  fetchMustComplete: num("KPW_ADV_FETCH_MUST_COMPLETE", 10),
  /**
   * During the fetches, peak resident MiB of each VM of the chain (telemetry and billing skim Fetch
   * responses as they pass; pii-filter scans them batch by batch): half of one response, since
   * none holds one (about 10 MiB measured for telemetry and billing: the chunks in flight, a 1 MiB
   * chunk each, and the garbage the collector lets pile up; pii-filter holds one batch more).
   */
  streamingVmMiB: num("KPW_ADV_STREAMING_VM_MIB", 24),
  bigProduceMiB: num("KPW_ADV_BIG_PRODUCE_MIB", 80),
  /** Fresh connections tried after each attack; every one must be answered within roundTripMs. */
  roundTrips: num("KPW_ADV_ROUND_TRIPS", 6),
  roundTripMs: num("KPW_ADV_ROUND_TRIP_MS", 5000),
  /** How long the good consumer gets to catch up after the attack. */
  drainMs: num("KPW_ADV_DRAIN_MS", 8000),
  /** After an attack that failed a check, start a new Envoy so the next attack is judged on its own. */
  restartAfterFailure: num("KPW_ADV_RESTART", 1) === 1,
  seed: num("KPW_ADV_SEED", 12),
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  attack: string;
  detail: string;
  peaks: VmSample[];
  vanished: string[];
  traps: string[];
  good: GoodResult | null;
  goodError: string;
  roundTrips: string;
  problems: string[];
  /** Seconds spent starting the good clients / attacking / draining them / round trips. */
  seconds: string;
}

describe("adversarial clients against the demo's chain in Envoy", { timeout: 900000 }, () => {
  let stack: Stack;
  let envoy: EnvoyProcess;
  let collector: ChildProcess;
  let namer: VmNamer;
  let monitor: VmMemoryMonitor;
  let cursor: LogCursor;
  let restarts = 0;
  const rows: Row[] = [];
  const filters: WasmFilter[] = [
    { wasm: rootPath("build", "pii-filter.wasm"), name: "pii", configuration: JSON.stringify({ direction: "both" }) },
    { wasm: rootPath("build", "telemetry.wasm"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) },
    { wasm: rootPath("build", "billing.wasm"), name: "billing", configuration: JSON.stringify({ tenant_key: "client_id", flush_seconds: 1, collector_cluster: "billing_collector" }) },
  ];
  const port = () => envoy.config.listenPort;
  const pid = () => { const p = envoy.pid; if (!p) throw new Error("Envoy is not running"); return p; };

  before(async () => {
    const collectorPort = await freePort();
    const usage = rootPath(".cache", "run", "e2e-adversarial", "usage.jsonl");
    fs.mkdirSync(path.dirname(usage), { recursive: true });
    fs.rmSync(usage, { force: true });
    collector = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(collectorPort), "--out", usage], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => collector.stdout!.on("data", (d) => { if (String(d).includes("ready")) resolve(); }));
    stack = await Stack.start({
      name: "e2e-adversarial",
      filters,
      envoyBootstrap: fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8"),
      envoyExtra: { extraClusters: staticCluster("billing_collector", collectorPort) },
      // The 80 MiB produce must be legal for the broker.
      kafkaExtra: { extraProperties: ["message.max.bytes=104857600", "socket.request.max.bytes=209715200", "replica.fetch.max.bytes=104857600"].join("\n") },
    });
    envoy = stack.envoy;
    namer = new VmNamer(filters.map((f) => ({ name: f.name!, wasm: f.wasm })));
    monitor = new VmMemoryMonitor(pid(), namer);
    cursor = new LogCursor(envoy.logFile);
  });

  after(async () => {
    printSummary(rows);
    if (envoy && envoy !== stack?.envoy) await envoy.stop();
    await stack?.stop();
    collector?.kill("SIGTERM");
  });

  async function restartEnvoy(): Promise<void> {
    await envoy.stop();
    restarts++;
    envoy = new EnvoyProcess(envoyBinary(), `${stack.envoy.dir}-restart${restarts}`, stack.envoy.config);
    await envoy.start();
    namer = new VmNamer(filters.map((f) => ({ name: f.name!, wasm: f.wasm })));
    monitor = new VmMemoryMonitor(pid(), namer);
    cursor = new LogCursor(envoy.logFile);
    cursor.mark(envoy.logFile);
  }

  /** `count` fresh connections, each must answer ApiVersions v0 and Metadata v1. */
  async function roundTrips(count: number): Promise<{ ok: number; failures: string[] }> {
    const failures: string[] = [];
    let ok = 0;
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      let c: RawConnection | null = null;
      try {
        c = await RawConnection.connect(port(), P.roundTripMs);
        const av = apiVersionsResult(await c.request(apiVersionsV0(100 + i), P.roundTripMs));
        if (av.error !== 0 || av.apis < 10) throw new Error(`ApiVersions answered error ${av.error} with ${av.apis} APIs`);
        const brokers = metadataBrokers(await c.request(metadataV1(200 + i), P.roundTripMs));
        if (brokers < 1) throw new Error("Metadata listed no broker");
        ok++;
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      } finally { c?.close(); }
    }));
    return { ok, failures };
  }

  /** Runs one attack with the good clients going, then makes the four checks (and the attack's own, `extra`). */
  async function judged(attack: string, run: () => Promise<string>, extra?: (peaks: VmSample[]) => Promise<string[]>): Promise<void> {
    const slug = attack.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    const t0 = Date.now();
    cursor.mark();
    const good = new GoodClients(stack.bootstrap, `adv-good-${slug}-${restarts}`, `good-${slug}`);
    let goodError = "";
    try { await good.start(); } catch (e) { goodError = `good clients could not start: ${e instanceof Error ? e.message : e}`; await good.close(); }
    monitor.start();
    const t1 = Date.now();
    let detail: string;
    try { detail = await run(); } catch (e) { detail = `attack threw: ${e instanceof Error ? e.message : e}`; }
    const t2 = Date.now();
    await sleep(300);
    const goodResult = goodError ? null : await good.stop(P.drainMs);
    const peaks = monitor.stop();
    const traps = failureLines(cursor.since());
    const t3 = Date.now();
    const rt = await roundTrips(P.roundTrips);
    const seconds = [t1 - t0, t2 - t1, t3 - t2, Date.now() - t3].map((ms) => (ms / 1000).toFixed(1)).join("/");
    const problems: string[] = [];
    if (traps.length) problems.push(`${traps.length} wasm failure line(s) in Envoy's log, first: ${traps[0].replace(/^.*\]\s*/, "")}`);
    for (const p of peaks) {
      if (p.residentBytes > P.vmResidentFactor * P.vmBudgetMiB * MiB) problems.push(`VM ${p.label} peaked at ${(p.residentBytes / MiB).toFixed(1)} MiB resident, over ${P.vmResidentFactor} × the ${P.vmBudgetMiB} MiB budget`);
      if (p.committedBytes > P.vmLinearLimitMiB * MiB) problems.push(`VM ${p.label} grew its linear memory to ${(p.committedBytes / MiB).toFixed(1)} MiB, over the ${P.vmLinearLimitMiB} MiB limit`);
    }
    if (extra) problems.push(...await extra(peaks));
    if (monitor.vanished.length) problems.push(`VM(s) dropped by Envoy during the attack: ${monitor.vanished.map((v) => v.label).join(", ")}`);
    if (goodError) problems.push(goodError);
    else if (!goodResult!.ok) problems.push(`good clients: acked ${goodResult!.acked}, consumed ${goodResult!.consumed}, missing ${goodResult!.missing}, stored twice ${goodResult!.duplicates}, wrong ${goodResult!.wrong}${goodResult!.errors.length ? `, errors: ${goodResult!.errors.slice(0, 2).join(" | ")}` : ""}`);
    if (rt.ok < P.roundTrips) problems.push(`new connections: ${rt.ok}/${P.roundTrips} answered (${rt.failures[0]})`);
    rows.push({ attack, detail, peaks, vanished: monitor.vanished.map((v) => v.label), traps, good: goodResult, goodError, roundTrips: `${rt.ok}/${P.roundTrips}`, problems, seconds });
    // A trapped VM stays dropped and linear memory never shrinks: after any failure a fresh
    // Envoy, so the next attack is judged on its own.
    if (problems.length && P.restartAfterFailure) await restartEnvoy();
    assert.deepEqual(problems, [], `${attack} (${detail})`);
  }

  test("the wasm memory rule finds four VMs per plugin in Envoy (--concurrency 2), each named by its plugin", () => {
    const vms = vmResidentBytes(pid(), namer);
    const per = (name: string) => vms.filter((v) => v.label.startsWith(`${name}#`)).length;
    assert.deepEqual({ total: vms.length, pii: per("pii"), telemetry: per("telemetry"), billing: per("billing") },
      { total: 4 * filters.length, pii: 4, telemetry: 4, billing: 4 }, vms.map((v) => `${v.label} ${(v.residentBytes / 1024).toFixed(0)} KiB`).join(", "));
  });

  test("the bomb encoders are valid: the broker itself (no proxy) accepts a 1 MiB bomb of each codec", async () => {
    const admin = new Kafka({ brokers: [stack.brokerDirect], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "adv-bomb-check", numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const c = await RawConnection.connect(stack.kafka.config.port);
    try {
      for (const codec of ["gzip", "zstd", "lz4", "snappy"] as Codec[]) {
        const ratio = MiB / bombBatch(codec, MiB).length;
        assert.ok(ratio > 15, `${codec} bomb inflates only ${ratio.toFixed(1)} times`);
        const r = await c.request(produceV7(1, "adv-bomb-check", [{ partition: 0, records: bombBatch(codec, 1 * MiB) }]), 20000);
        assert.deepEqual(produceErrors(r), [0], `${codec} bomb refused by the broker`);
      }
    } finally { c.close(); }
  });

  test("baseline: with no attack the good clients and new connections are served", async () => {
    await judged("baseline (no attack)", async () => { await sleep(1500); return "idle"; });
  });

  // Before the attacks: a VM's resident memory never shrinks, and pii-filter's VMs come out of the
  // decompression bombs at hundreds of MiB, which would hide what these fetches cost them.
  test(`large traffic: ${P.fetchConsumers} consumers fetching ~${P.fetchMiB} MiB each at once`, async () => {
    const topic = "adv-large-fetch";
    const admin = new Kafka({ brokers: [stack.brokerDirect], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    // Fill the partition directly at the broker: 512 KiB batches of text without PII.
    const value = Buffer.from("the quick brown fox jumps over the lazy dog ".repeat(1490).slice(0, 64 * 1024));
    const halfMiB = batchOf(Array.from({ length: 8 }, () => value));
    const direct = await RawConnection.connect(stack.kafka.config.port);
    try {
      for (let i = 0; i < 2 * (P.fetchMiB + 2); i++) {
        assert.deepEqual(produceErrors(await direct.request(produceV7(i, topic, [{ partition: 0, records: halfMiB }]), 30000)), [0]);
      }
    } finally { direct.close(); }
    await judged(`${P.fetchConsumers} fetches of ~${P.fetchMiB} MiB`, async () => {
      const failures: string[] = [];
      const got = await Promise.all(Array.from({ length: P.fetchConsumers }, async (_, i) => {
        let c: RawConnection | null = null;
        try {
          c = await RawConnection.connect(port());
          const r = fetchResult(await c.request(fetchV4(i, topic, 0, 0n, P.fetchMiB * MiB), 30000));
          if (r.error !== 0 || r.recordBytes < (P.fetchMiB - 2) * MiB) throw new Error(`error ${r.error}, ${r.recordBytes} bytes of records`);
          return r.recordBytes;
        } catch (e) { failures.push(e instanceof Error ? e.message : String(e)); return -1; } finally { c?.close(); }
      }));
      const complete = got.filter((n) => n > 0).length;
      const detail = `${complete}/${P.fetchConsumers} fetches complete (${(Math.max(...got, 0) / MiB).toFixed(1)} MiB each)${failures.length ? `; first failure: ${failures[0]}` : ""}`;
      if (complete < P.fetchMustComplete) throw new Error(detail);
      return detail;
    }, async (peaks) => {
      const problems: string[] = [];
      // No plugin holds a response: every VM stays far under one response's size.
      for (const p of peaks.filter((s) => /^(pii|telemetry|billing)#/.test(s.label))) {
        if (p.residentBytes > P.streamingVmMiB * MiB) problems.push(`VM ${p.label} of a plugin that streams Fetch responses peaked at ${(p.residentBytes / MiB).toFixed(1)} MiB resident, over ${P.streamingVmMiB} MiB (one response is ${P.fetchMiB} MiB)`);
      }
      // The VMs' memory gauges: the largest linear memory any VM of the plugin reported, so at most the largest one seen.
      const stats = await envoy.stats("wasm_vm");
      for (const plugin of ["pii", "telemetry", "billing"]) {
        const gauge = stats.get(`wasmcustom.wasm_vm.${plugin}.memory_bytes`);
        const largest = Math.max(...peaks.filter((s) => s.label.startsWith(`${plugin}#`)).map((s) => s.committedBytes));
        if (gauge === undefined || gauge <= 0 || gauge > largest) problems.push(`wasm_vm.${plugin}.memory_bytes is ${gauge}, expected more than 0 and at most ${largest}, the largest VM's linear memory`);
        if (!((stats.get(`wasmcustom.wasm_vm.${plugin}.largest_chunk_bytes`) ?? 0) > 0)) problems.push(`wasm_vm.${plugin}.largest_chunk_bytes is missing or 0`);
      }
      return problems;
    });
  });

  test("attack: 100 MiB frames announced (104857600+10 and exactly 104857600) and held", async () => {
    await judged("announce 100 MiB", async () => {
      const s = await attacks.announceHuge(port(), P.hugeConnections, [104857600 + 10, 104857600], 10, P.holdMs);
      return `${s.connections} conns, ${s.closedByPeer} closed by proxy`;
    });
  });

  test("attack: random bytes", async () => {
    await judged("random bytes", async () => {
      const s = await attacks.randomBytes(port(), P.randomConnections, 8192, 300, P.seed);
      return `${s.connections} conns, ${(s.bytesSent / 1024).toFixed(0)} KiB`;
    });
  });

  test("attack: negative and oversize size prefixes", async () => {
    await judged("bad sizes", async () => {
      const s = await attacks.badSizes(port(), 5, 500);
      return `${s.connections} conns, ${s.closedByPeer} closed by proxy`;
    });
  });

  test("attack: truncated frames (end of stream mid-frame, and held)", async () => {
    await judged("truncated frames", async () => {
      const s = await attacks.truncatedFrames(port(), 40, 1000);
      return `${s.connections} conns`;
    });
  });

  test("attack: slow clients (a byte at a time)", async () => {
    await judged("slow clients", async () => {
      const s = await attacks.slowClients(port(), P.slowConnections, 50, 3000);
      return `${s.connections} conns, ${s.bytesSent} bytes`;
    });
  });

  test("attack: connect/close churn", async () => {
    await judged("connect/close churn", async () => {
      const s = await attacks.churn(port(), P.churnConnections, 50);
      return `${s.connections} conns`;
    });
  });

  test("attack: valid headers with garbage bodies for every API key and version the codec knows", async () => {
    await judged("garbage bodies, every API", async () => {
      const apis = attacks.knownApis(fs.readFileSync(rootPath("assembly", "kafka", "generated", "api_table.ts"), "utf8"));
      const s = await attacks.garbageBodiesEveryApi(port(), apis, P.seed, 100, 48);
      return `${apis.length} key/versions, ${s.requests} requests`;
    });
  });

  test("attack: mutated real client sessions", async () => {
    await judged("mutated sessions", async () => {
      const files = attacks.sessionFilesIn(rootPath("tests", "fixtures", "sessions"));
      const s = await attacks.mutatedSessions(port(), files, P.mutatedConnections, P.seed, 200);
      return `${s.connections} conns from ${files.length} sessions`;
    });
  });

  test("attack: pipelined floods (requests never read)", async () => {
    await judged("pipelined flood", async () => {
      const s = await attacks.pipelinedFlood(port(), P.floodConnections, P.floodRequests, P.holdMs);
      return `${s.connections} conns, ${(s.bytesSent / MiB).toFixed(1)} MiB sent`;
    });
  });

  for (const codec of ["gzip", "zstd", "lz4", "snappy"] as Codec[]) {
    test(`attack: ${codec} decompression bombs, one partition then ${P.bombPartitions} per request`, async () => {
      const size = (codec === "snappy" ? P.snappyBombMiB : P.bombMiB) * MiB;
      const topic = `adv-bomb-${codec}`;
      const admin = new Kafka({ brokers: [stack.brokerDirect], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: P.bombPartitions, replicationFactor: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const bomb = bombBatch(codec, size);
      await judged(`${codec} bomb`, async () => {
        const outcomes: string[] = [];
        for (const n of [1, P.bombPartitions]) {
          let c: RawConnection | null = null;
          try {
            c = await RawConnection.connect(port());
            const r = await c.request(produceV7(1, topic, Array.from({ length: n }, (_, p) => ({ partition: p, records: bomb }))), 30000);
            outcomes.push(`${n}p: errors ${produceErrors(r).join(",")}`);
          } catch (e) {
            outcomes.push(`${n}p: ${e instanceof Error ? e.message : e}`);
          } finally { c?.close(); }
        }
        return `${(bomb.length / 1024).toFixed(0)} KiB → ${size / MiB} MiB each; ${outcomes.join("; ")}`;
      });
    });
  }

  test(`large traffic: one ${P.bigProduceMiB} MiB produce`, async () => {
    const topic = "adv-large-produce";
    const admin = new Kafka({ brokers: [stack.brokerDirect], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const value = Buffer.from("lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(18725).slice(0, MiB));
    const big = batchOf(Array.from({ length: P.bigProduceMiB }, () => value));
    await judged(`one ${P.bigProduceMiB} MiB produce`, async () => {
      const c = await RawConnection.connect(port());
      try {
        const errors = produceErrors(await c.request(produceV7(1, topic, [{ partition: 0, records: big }]), 60000));
        if (errors.some((e) => e !== 0)) throw new Error(`the broker answered errors ${errors.join(",")}`);
        return `acknowledged, ${(big.length / MiB).toFixed(1)} MiB batch`;
      } finally { c.close(); }
    });
  });
});

function printSummary(rows: Row[]): void {
  if (rows.length === 0) return;
  const plugins = ["pii", "telemetry", "billing"];
  const mib = (n: number) => (n / MiB).toFixed(1);
  const vmCell = (r: Row) => plugins.map((p) => {
    const vms = r.peaks.filter((s) => s.label.startsWith(`${p}#`));
    return `${p} ${vms.map((s) => mib(s.residentBytes)).join("/") || "-"} (mem ${vms.map((s) => mib(s.committedBytes)).join("/")})`;
  }).join("  ");
  const goodCell = (r: Row) => r.good
    ? `${r.good.ok ? "ok" : "FAIL"} ${r.good.consumed}/${r.good.acked}${r.good.duplicates ? ` ${r.good.duplicates} stored twice` : ""}${r.good.redelivered ? ` (${r.good.redelivered} redelivered)` : ""}${r.good.errors.length ? ` ${r.good.errors.length} err` : ""}`
    : "NOT STARTED";
  const lines = [
    `VM budget ${P.vmBudgetMiB} MiB, resident bound ${P.vmResidentFactor} × budget, linear memory limit ${P.vmLinearLimitMiB} MiB. VM peak: each VM's resident MiB, then (mem …) each VM's linear memory size in MiB; 4 VMs per plugin.`,
    ["attack", "verdict", "VM peak MiB", "traps", "good clients", "new conns", "s (setup/attack/drain/conns)", "detail"].join(" | "),
    ...rows.map((r) => [r.attack, r.problems.length ? "FAIL" : "pass", vmCell(r), String(r.traps.length), goodCell(r), r.roundTrips, r.seconds, r.detail].join(" | ")),
  ];
  const text = lines.join("\n");
  console.log(`\n${text}\n`);
  fs.writeFileSync(rootPath(".cache", "run", "e2e-adversarial", "summary.txt"), text + "\n\n" + rows.filter((r) => r.problems.length).map((r) => `${r.attack}:\n  ${r.problems.join("\n  ")}`).join("\n") + "\n");
}
