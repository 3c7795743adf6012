// A plugin's wasm VM dying in the real Envoy: what each failure policy does to the connection that
// trapped it, to connections open on it, and to new ones; what shows in stats and logs; and that
// FAIL_RELOAD, with idempotent producers running through 15 forced traps, loses and duplicates
// nothing. The trap comes on demand from the vm-trap fixture (tests/fixtures/plugins/vm-trap): a
// Metadata request with client.id "vm-trap" (or, trapping on its response, "vm-trap-response").
// Envoy runs one worker, so every trap kills the VM
// that every connection is using.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { spawn, ChildProcess } from "node:child_process";
import { Stack } from "../../tools/stack/stack.js";
import { EnvoyProcess, envoyBinary, WasmFilter } from "../../tools/stack/envoy.js";
import { apiVersionsRoundTrip } from "../../tools/stack/health.js";
import { kafkaClasspath } from "../../tools/stack/kafka.js";
import { kafkajsClient } from "../../tools/stack/clients.js";
import { freePort } from "../../tools/stack/net.js";
import { rootPath, cachePath } from "../../tools/lib/paths.js";

const TRAP_WASM = rootPath("build", "fixtures", "vm-trap.wasm");
const NAME = "vmtrap";
/** Forced traps while the producers run. */
const TRAPS = 15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request frame with header v1 (api key, version, correlation id, client id) and `body`. */
function requestFrame(apiKey: number, version: number, correlationId: number, clientId: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const id = Buffer.from(clientId, "utf8");
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(id.length, 8);
  const payload = Buffer.concat([header, id, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}
const apiVersions = (corr: number) => requestFrame(18, 0, corr, "vm-failure-test");
/** Metadata v0 for no topics (an empty array), from the fixture's magic client.id (trapping on the request, or on its response). */
const trapRequest = (onResponse = false) => requestFrame(3, 0, 7, onResponse ? "vm-trap-response" : "vm-trap", Buffer.from([0, 0, 0, 0]));

/** A raw client connection that collects the correlation ids of whole responses. */
class RawConn {
  private buf = Buffer.alloc(0);
  closed = false;
  readonly sock: net.Socket;
  constructor(port: number) {
    this.sock = net.connect({ host: "127.0.0.1", port });
    this.sock.on("data", (d) => { this.buf = Buffer.concat([this.buf, d]); });
    this.sock.on("close", () => { this.closed = true; });
    this.sock.on("error", () => { this.closed = true; });
  }
  connected(): Promise<void> { return new Promise((resolve, reject) => { this.sock.once("connect", resolve); this.sock.once("error", reject); }); }
  responses(): number[] {
    const out: number[] = [];
    for (let o = 0; this.buf.length - o >= 8;) {
      const n = this.buf.readInt32BE(o);
      if (this.buf.length - o < 4 + n) break;
      out.push(this.buf.readInt32BE(o + 4));
      o += 4 + n;
    }
    return out;
  }
  /** Sends and waits until a response with `corr` arrives or the connection closes. */
  async roundTrip(frame: Buffer, corr: number, ms = 3000): Promise<"answered" | "closed" | "silent"> {
    this.sock.write(frame);
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.responses().includes(corr)) return "answered";
      if (this.closed) return "closed";
      await sleep(20);
    }
    return "silent";
  }
  destroy(): void { this.sock.destroy(); }
}

/** Opens a connection through `port`, sends the magic Metadata, and returns what became of that connection. */
async function forceTrap(port: number, onResponse = false): Promise<"answered" | "closed" | "silent"> {
  const c = new RawConn(port);
  await c.connected();
  const outcome = await c.roundTrip(trapRequest(onResponse), 7);
  c.destroy();
  return outcome;
}

async function healthy(port: number): Promise<boolean> {
  try { return (await apiVersionsRoundTrip("127.0.0.1", port, 2000)).errorCode === 0; } catch { return false; }
}

/** `kafka-proxy-wasm health`, as an operator would run it (asynchronously: the frame tap runs in this process). */
function healthCommand(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "health", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout!.on("data", (d) => { stdout += d; });
    child.on("close", (status) => resolve({ status, stdout }));
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return; await sleep(100); }
  assert.fail(`timed out waiting for ${what}`);
}

async function wasmStats(envoy: EnvoyProcess): Promise<Map<string, number>> {
  return envoy.stats("^wasm\\.");
}

/** A second Envoy in front of the same broker, with the fixture under another failure policy. */
async function sideEnvoy(stack: Stack, policy: WasmFilter["failurePolicy"]): Promise<EnvoyProcess> {
  const envoy = new EnvoyProcess(envoyBinary(), cachePath("run", "e2e-vm-failure", `envoy-${policy}`), {
    listenPort: await freePort(), adminPort: await freePort(), upstreamPort: stack.kafka.config.port,
    filters: [{ wasm: TRAP_WASM, name: NAME, failurePolicy: policy }], concurrency: 1,
  });
  await envoy.start();
  return envoy;
}

/** Java's console producer, idempotent, fed `lines` a few at a time so it is producing while the VM dies. */
class JavaProducer {
  readonly child: ChildProcess;
  stderr = "";
  private exited: Promise<number | null>;
  constructor(bootstrap: string, topic: string, readonly clientId: string) {
    const props = ["enable.idempotence=true", "acks=all", "max.in.flight.requests.per.connection=5", "linger.ms=2",
      "retries=2147483647", "delivery.timeout.ms=120000", "request.timeout.ms=10000", "reconnect.backoff.ms=50", `client.id=${clientId}`];
    // The console producer logs nothing without a log4j2 configuration, not even a failed send.
    const log4j = cachePath("run", "e2e-vm-failure", "producer-log4j2.properties");
    fs.writeFileSync(log4j, ["rootLogger.level=WARN", "rootLogger.appenderRef.err.ref=err", "appender.err.type=Console", "appender.err.name=err",
      "appender.err.target=SYSTEM_ERR", "appender.err.layout.type=PatternLayout", "appender.err.layout.pattern=%p %m (%c)%n"].join("\n") + "\n");
    this.child = spawn("java", ["-Xmx256m", `-Dlog4j2.configurationFile=${log4j}`, "-cp", kafkaClasspath(), "org.apache.kafka.tools.ConsoleProducer",
      "--bootstrap-server", bootstrap, "--topic", topic, ...props.flatMap((p) => ["--producer-property", p])], { stdio: ["pipe", "ignore", "pipe"] });
    this.child.stderr!.on("data", (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }
  write(lines: string[]): void { this.child.stdin!.write(lines.join("\n") + "\n"); }
  async end(): Promise<number | null> {
    this.child.stdin!.end();
    const code = await this.exited;
    fs.writeFileSync(cachePath("run", "e2e-vm-failure", `${this.clientId}.stderr`), this.stderr);
    return code;
  }
}

/** Every value in the topic: reads until `expected` arrived, or until nothing new came for 5 s. */
async function consumeAll(bootstrap: string, topic: string, expected: number): Promise<string[]> {
  const consumer = kafkajsClient.kafka(bootstrap, "vm-failure-check").consumer({ groupId: `vm-failure-check-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  let last = Date.now();
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value?.toString() ?? ""); last = Date.now(); } });
  const end = Date.now() + 60000;
  while (got.length < expected && Date.now() - last < 5000 && Date.now() < end) await sleep(100);
  await sleep(500);
  await consumer.disconnect();
  return got;
}

describe("a plugin's VM dying in Envoy", { timeout: 300000 }, () => {
  let stack: Stack;
  let closed: EnvoyProcess;
  let open: EnvoyProcess;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-vm-failure",
      filters: [{ wasm: TRAP_WASM, name: NAME, failurePolicy: "FAIL_RELOAD" }],
      envoyExtra: { concurrency: 1 },
      tap: true,
    });
    closed = await sideEnvoy(stack, "FAIL_CLOSED");
    open = await sideEnvoy(stack, "FAIL_OPEN");
  });
  after(async () => {
    await closed?.stop();
    await open?.stop();
    await stack?.stop();
  });

  test("FAIL_CLOSED: the trapping and the open connections close, new ones are refused, and only the log says why", async () => {
    const port = closed.config.listenPort;
    const old = new RawConn(port);
    await old.connected();
    assert.equal(await old.roundTrip(apiVersions(1), 1), "answered");
    assert.equal((await healthCommand(["--bootstrap", `127.0.0.1:${port}`, "--count", "3"])).status, 0);
    const before = await wasmStats(closed);
    assert.equal(await forceTrap(port), "closed", "the connection whose request trapped the VM is closed, unanswered");
    assert.equal(old.closed, false, "a connection on the dead VM stays open while it is idle");
    assert.equal(await old.roundTrip(apiVersions(2), 2), "closed", "its next request closes it, unforwarded");
    old.destroy();
    assert.equal(await healthy(port), false, "a new connection is closed before any request is answered");
    const check = await healthCommand(["--bootstrap", `127.0.0.1:${port}`, "--count", "3"]);
    assert.equal(check.status, 1, check.stdout);
    assert.match(check.stdout, /^unhealthy: .*(closed the connection .*before a whole ApiVersions response|ECONNRESET) \(connection 1 of 3\)/);
    assert.deepEqual(await wasmStats(closed), before, "Envoy 1.40 counts nothing under wasm.* for a dead VM under FAIL_CLOSED");
    const log = fs.readFileSync(closed.logFile, "utf8");
    assert.match(log, /\[error\]\[wasm\].*Function: proxy_on_downstream_data failed: Uncaught RuntimeError: unreachable/);
  });

  test("FAIL_OPEN: new connections pass around the dead plugin, unseen", async () => {
    const port = open.config.listenPort;
    const old = new RawConn(port);
    await old.connected();
    assert.equal(await old.roundTrip(apiVersions(1), 1), "answered");
    const seen = () => open.stats("wasmcustom.vm_trap.requests").then((s) => s.get("wasmcustom.vm_trap.requests") ?? 0);
    const before = await wasmStats(open);
    assert.equal(await forceTrap(port), "closed");
    assert.equal(await old.roundTrip(apiVersions(2), 2), "closed", "open connections on the dead VM close at their next request even under FAIL_OPEN");
    old.destroy();
    const requestsBefore = await seen();
    for (let i = 0; i < 3; i++) assert.equal(await healthy(port), true, "new connections are answered by the broker");
    assert.equal(await seen(), requestsBefore, "and the plugin saw none of their requests");
    assert.deepEqual(await wasmStats(open), before, "Envoy 1.40 counts nothing under wasm.* for a dead VM under FAIL_OPEN");
  });

  test("FAIL_RELOAD: the next connection gets a new VM, counted in wasm.<name>.vm_reload_success; within the backoff connections are refused; the chunk that trapped is not forwarded, in either direction", async () => {
    const port = stack.envoy.config.listenPort;
    const stat = async (name: string) => (await wasmStats(stack.envoy)).get(`wasm.${NAME}.${name}`) ?? 0;
    await until("a healthy listener", () => healthy(port));
    const success0 = await stat("vm_reload_success");
    const old = new RawConn(port);
    await old.connected();
    assert.equal(await old.roundTrip(apiVersions(1), 1), "answered");
    assert.equal(await forceTrap(port), "closed");
    await until("a new VM", () => healthy(port));
    assert.equal(await stat("vm_reload_success"), success0 + 1, "one trap, one reload");
    assert.equal(await old.roundTrip(apiVersions(2), 2), "closed", "a connection opened on the old VM is not moved to the new one: it closes at its next request");
    old.destroy();
    // A second trap right after that reload: the next reload waits for the backoff (1 s by default, jittered).
    const backoff0 = await stat("vm_reload_backoff");
    assert.equal(await forceTrap(port), "closed");
    assert.equal(await healthy(port), false, "inside the backoff a new connection meets the dead VM and is closed");
    assert.ok(await stat("vm_reload_backoff") > backoff0, "and is counted in vm_reload_backoff");
    const trappedAt = Date.now();
    await until("the reload after the backoff", () => healthy(port));
    process.stdout.write(`# vm_failure: a trap right after a reload was answered by a new VM ${Date.now() - trappedAt} ms later (Envoy's default backoff base is 1000 ms)\n`);
    assert.equal(await stat("vm_reload_success"), success0 + 2);
    assert.equal(await stat("vm_reload_failure"), 0);
    // The chunk the VM died on is not forwarded, not even the whole frames ahead of the trapping one:
    // a protecting plugin's unscanned data does not slip out with the trap.
    const metadataAtBroker = () => stack.tap!.requests.get(3) ?? 0;
    const metadataBefore = metadataAtBroker();
    const c = new RawConn(port);
    await c.connected();
    assert.equal(await c.roundTrip(Buffer.concat([requestFrame(3, 0, 2, "vm-failure-test", Buffer.from([0, 0, 0, 0])), trapRequest()]), 2), "closed");
    c.destroy();
    assert.equal(metadataAtBroker(), metadataBefore, "neither Metadata request of that chunk reached the broker");
    await until("a new VM", () => healthy(port));
    // A trap on a response (proxy_on_upstream_data): the request reached the broker, its answer never reaches the client.
    const r = new RawConn(port);
    await r.connected();
    assert.equal(await r.roundTrip(requestFrame(3, 0, 9, "vm-trap-response", Buffer.from([0, 0, 0, 0])), 9), "closed");
    r.destroy();
    assert.equal(metadataAtBroker(), metadataBefore + 1);
    assert.match(fs.readFileSync(stack.envoy.logFile, "utf8"), /\[error\]\[wasm\].*Function: proxy_on_upstream_data failed: Uncaught RuntimeError: unreachable/);
    await until("a new VM", () => healthy(port));
    const check = await healthCommand(["--bootstrap", `127.0.0.1:${port}`, "--count", "3", "--admin", stack.envoy.adminUrl]);
    assert.equal(check.status, 0, check.stdout);
    assert.match(check.stdout, /^healthy: ApiVersions through 127\.0\.0\.1:\d+ answered on 3 connections/);
    assert.match(check.stdout, new RegExp(`^wasm\\.${NAME}\\.vm_reload_success: ${success0 + 4}$`, "m"));
  });

  test(`FAIL_RELOAD: idempotent producers (Java and kafkajs) through ${TRAPS} forced traps lose and duplicate nothing`, async () => {
    const port = stack.envoy.config.listenPort;
    const topic = "vm-failure";
    await kafkajsClient.createTopic(stack.bootstrap, topic, 2);
    const success0 = (await wasmStats(stack.envoy)).get(`wasm.${NAME}.vm_reload_success`) ?? 0;
    // The broker appends to its log file across runs in the same folder: read only this test's part.
    const brokerLogStart = fs.statSync(stack.kafka.logFile).size;
    const java = [new JavaProducer(stack.bootstrap, topic, "java-a"), new JavaProducer(stack.bootstrap, topic, "java-b")];
    const sent = new Map<string, string[]>([["java-a", []], ["java-b", []], ["kafkajs", []]]);
    const kafka = kafkajsClient.kafka(stack.bootstrap, "kafkajs-idempotent");
    const newProducer = () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    let producer = newProducer();
    await producer.connect();
    let stop = false;
    const kafkajsFailures: string[] = [];
    let kafkajsProducers = 1;
    const kafkajsLoop = (async () => {
      for (let i = 0; !stop; i++) {
        const value = `kafkajs-${i}`;
        try {
          // Keyed: kafkajs 2.2.4 picks a keyless message's partition again on each retry.
          await producer.send({ topic, messages: [{ key: "kafkajs", value }] });
          sent.get("kafkajs")!.push(value);
        } catch (e) {
          kafkajsFailures.push(`${value}: ${(e as Error).message}`);
          // A send given up has an unknown outcome: the broker may have written it. kafkajs 2.2.4
          // then rolls the partition's sequence number back anyway (sendMessages.js), so its next
          // message would reuse that number and the broker would acknowledge it as a duplicate
          // without writing it. The idempotence contract asks the application to start over with a
          // new producer id after such an error, as the Java client does by bumping its epoch.
          await producer.disconnect().catch(() => undefined);
          producer = newProducer();
          kafkajsProducers++;
          while (!stop) {
            try { await producer.connect(); break; } catch { await sleep(100); }
          }
        }
        await sleep(5);
      }
    })();
    let n = 0;
    const feed = setInterval(() => {
      for (const [i, p] of java.entries()) {
        const name = i === 0 ? "java-a" : "java-b";
        const lines = Array.from({ length: 10 }, (_, k) => `${name}-${n + k}`);
        p.write(lines);
        sent.get(name)!.push(...lines);
      }
      n += 10;
    }, 20);
    try {
      await sleep(1500);
      for (let t = 0; t < TRAPS; t++) {
        // Every other trap is on a response, so the VM dies in either direction's callback.
        assert.equal(await forceTrap(port, t % 2 === 1), "closed", `trap ${t + 1}`);
        await until(`the VM to be reloaded after trap ${t + 1}`, () => healthy(port));
        await sleep(300 + (t % 4) * 150);
      }
      await sleep(1000);
    } finally {
      clearInterval(feed);
      stop = true;
      await kafkajsLoop;
      await producer.disconnect();
    }
    const exits = await Promise.all(java.map((p) => p.end()));
    assert.deepEqual(exits, [0, 0], `the Java producers exit cleanly:\n${java.map((p) => p.stderr.slice(-2000)).join("\n")}`);
    for (const p of java) assert.doesNotMatch(p.stderr, /Error when sending|OutOfOrderSequence|CorrelationIdMismatch|Correlation id for response/, p.stderr.slice(-3000));
    // kafkajs can give a send up when its metadata refresh meets the backoff window (new
    // connections are closed then): the application is told, and the record may or may not be
    // written. Those are checked below to be there at most once; every acknowledged one exactly once.
    assert.ok(kafkajsFailures.every((f) => /Connection error|Closed connection/.test(f)), kafkajsFailures.join("\n"));

    const total = [...sent.values()].reduce((a, v) => a + v.length, 0);
    const consumed = await consumeAll(stack.bootstrap, topic, total + kafkajsFailures.length);
    const counts = new Map<string, number>();
    for (const v of consumed) counts.set(v, (counts.get(v) ?? 0) + 1);
    const missing = [...sent.values()].flat().filter((v) => !counts.has(v));
    const failedKafkajs = new Set(kafkajsFailures.map((f) => f.slice(0, f.indexOf(":"))));
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([v]) => v);
    const unknown = [...counts.keys()].filter((v) => !/^(java-a|java-b|kafkajs)-\d+$/.test(v) || (v.startsWith("kafkajs") && !sent.get("kafkajs")!.includes(v) && !failedKafkajs.has(v)));
    assert.deepEqual({ missing: missing.slice(0, 20), duplicated: duplicated.slice(0, 20), unknown: unknown.slice(0, 5) }, { missing: [], duplicated: [], unknown: [] },
      `${total} sent, ${consumed.length} consumed`);
    assert.equal(consumed.length - [...failedKafkajs].filter((v) => counts.has(v)).length, total);
    const brokerLog = fs.readFileSync(stack.kafka.logFile).subarray(brokerLogStart).toString("utf8");
    assert.doesNotMatch(brokerLog, /OutOfOrderSequence/, "the broker never saw a gap in a producer's sequence numbers");
    const reloads = ((await wasmStats(stack.envoy)).get(`wasm.${NAME}.vm_reload_success`) ?? 0) - success0;
    process.stdout.write(`# vm_failure: ${TRAPS} traps, ${reloads} reloads; sent ${total} (java-a ${sent.get("java-a")!.length}, java-b ${sent.get("java-b")!.length}, kafkajs ${sent.get("kafkajs")!.length}, and ${failedKafkajs.size} kafkajs sends given up, ${kafkajsProducers} kafkajs producer ids), consumed ${consumed.length}\n`);
    // One worker: every trap killed the VM the producers used, and each was followed by a reload.
    assert.equal(reloads, TRAPS, `${reloads} reloads for ${TRAPS} traps`);
  });
});
