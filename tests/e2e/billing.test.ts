// billing in the real Envoy: usage per tenant equals what the clients did, only acknowledged
// produces are billed, and the reference collector loses nothing across a restart.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { spawn, ChildProcess } from "node:child_process";
import { Stack, StackOptions } from "../../tools/stack/stack.js";
import { staticCluster } from "../../tools/stack/envoy.js";
import { rootPath, cachePath } from "../../tools/lib/paths.js";
import { freePort } from "../../tools/stack/net.js";
import { kcat, kafkajsClient, javaClients, records, runClient } from "../../tools/stack/clients.js";
import { TenantTotals } from "../../tools/collector.js";

async function startCollector(port: number, file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(port), "--out", file], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => { out += d; if (out.includes("ready")) resolve(); });
    child.on("exit", (code) => reject(new Error(`collector exited ${code}`)));
  });
  return child;
}

async function stopCollector(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGTERM"); });
}

async function totals(port: number): Promise<Record<string, TenantTotals>> {
  return await (await fetch(`http://127.0.0.1:${port}/totals`)).json() as Record<string, TenantTotals>;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return; await new Promise((r) => setTimeout(r, 300)); }
  assert.fail(`timed out waiting for ${what}`);
}

/** A collector process and a stack with the billing plugin pointed at it. */
class BillingRig {
  stack!: Stack;
  collector!: ChildProcess;
  port = 0;
  constructor(readonly name: string, readonly billing: object, readonly stackOptions: Partial<StackOptions> = {}, readonly withTelemetry = false) {}
  get file(): string { return cachePath("run", this.name, "usage.jsonl"); }

  async start(): Promise<void> {
    fs.mkdirSync(cachePath("run", this.name), { recursive: true });
    fs.rmSync(this.file, { force: true });
    this.port = await freePort();
    this.collector = await startCollector(this.port, this.file);
    this.stack = await Stack.start({
      name: this.name,
      filters: [
        { wasm: rootPath("build", "billing.wasm"), name: "billing", configuration: JSON.stringify({ flush_seconds: 1, collector_cluster: "billing_collector", ...this.billing }) },
        ...(this.withTelemetry ? [{ wasm: rootPath("build", "telemetry.wasm"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) }] : []),
      ],
      envoyBootstrap: this.withTelemetry ? fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8") : undefined,
      envoyExtra: { extraClusters: staticCluster("billing_collector", this.port) },
      ...this.stackOptions,
    });
  }

  async stop(): Promise<void> {
    await this.stack?.stop();
    if (this.collector && this.collector.exitCode === null) await stopCollector(this.collector);
  }
}

describe("billing in Envoy", { timeout: 600000 }, () => {
  const rig = new BillingRig("e2e-billing", { tenant_key: "client_id" }, { kafkaExtra: { extraProperties: "auto.create.topics.enable=false" } });
  let stack: Stack;
  let port: number;
  const file = rig.file;
  before(async () => {
    await rig.start();
    stack = rig.stack;
    port = rig.port;
    await kafkajsClient.createTopic(stack.bootstrap, "bill-a");
    await kafkajsClient.createTopic(stack.bootstrap, "bill-b");
  });
  after(async () => { await rig.stop(); });

  test("three tenants are billed exactly what they produced and consumed", async () => {
    await kcat.produce(stack.bootstrap, "bill-a", records("t1", 100), ["-X", "client.id=tenant-1"]);
    await kcat.produce(stack.bootstrap, "bill-a", records("t2", 200), ["-X", "client.id=tenant-2"]);
    await kcat.produce(stack.bootstrap, "bill-b", records("t3", 300), ["-X", "client.id=tenant-3"]);
    const consumed = await kcat.consume(stack.bootstrap, "bill-a", ["-X", "client.id=tenant-1"]);
    assert.equal(consumed.length, 300);
    await until("the collector to hold every tenant's usage", async () => {
      const t = await totals(port);
      return t["tenant-1"]?.produced_records === 100 && t["tenant-2"]?.produced_records === 200 && t["tenant-3"]?.produced_records === 300 && t["tenant-1"]?.fetched_records === 300;
    });
    const t = await totals(port);
    assert.equal(t["tenant-1"].fetched_records, 300, "fetched what kcat consumed");
    assert.equal(t["tenant-2"].fetched_records, 0);
    for (const name of ["tenant-1", "tenant-2", "tenant-3"]) assert.ok(t[name].requests > 0 && t[name].produced_bytes > 0);
    const stats = await stack.envoy.stats("wasmcustom.billing.");
    assert.equal(stats.get("wasmcustom.billing.produced_records.tenant_tenant-3"), 300);
  });

  test("a share-group consumer (KIP-932) is billed what it was delivered", async () => {
    await kafkajsClient.createTopic(stack.bootstrap, "bill-share");
    await kcat.produce(stack.bootstrap, "bill-share", records("s1", 150), ["-X", "client.id=share-producer"]);
    const got = await javaClients.shareConsume(stack.bootstrap, stack.brokerDirect, "bill-share", "bill-share-group", 150, ["client.id=tenant-share"]);
    assert.equal(got.length, 150);
    await until("the collector to hold the share consumer's usage", async () => (await totals(port))["tenant-share"]?.fetched_records === 150);
    const t = await totals(port);
    assert.equal(t["tenant-share"].fetched_records, 150, "billed the records its ShareFetch responses delivered");
    assert.ok(t["tenant-share"].fetched_bytes > 150 * 10);
  });

  test("a produce to a topic that does not exist is not billed", async () => {
    // No such topic and auto-creation is off. Real clients learn that from Metadata and may
    // never send the Produce; the emulator test (tests/node/billing.test.ts) covers a broker
    // answering a Produce with a partition error.
    await runClient("kcat", ["-b", stack.bootstrap, "-t", "bill-missing", "-P", "-X", "client.id=tenant-4", "-X", "message.timeout.ms=3000"], records("t4", 50).join("\n") + "\n", 60000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 2500));
    const t = await totals(port);
    assert.ok(t["tenant-4"] === undefined || t["tenant-4"].produced_records === 0, JSON.stringify(t["tenant-4"]));
    assert.ok(t["tenant-4"] === undefined || t["tenant-4"].produced_bytes === 0);
  });

  test("a collector restart loses nothing and counts nothing twice", async () => {
    await stopCollector(rig.collector);
    await kcat.produce(stack.bootstrap, "bill-b", records("t5", 70), ["-X", "client.id=tenant-5"]);
    // Batches fail while the collector is down; they wait in Envoy and are retried.
    await new Promise((r) => setTimeout(r, 3000));
    rig.collector = await startCollector(port, file);
    await until("tenant-5's usage after the restart", async () => (await totals(port))["tenant-5"]?.produced_records === 70);
    const keys = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((r) => r.kind === "usage").map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, "every stored batch has its own key");
    const t = await totals(port);
    assert.equal(t["tenant-1"].produced_records, 100);
    assert.equal(t["tenant-3"].produced_records, 300);
  });
});

describe("billing by SASL PLAIN principal", { timeout: 600000 }, () => {
  const users: Record<string, string> = { alice: "alice-secret", bob: "bob-secret" };
  const rig = new BillingRig("e2e-billing-sasl", { tenant_key: "sasl_principal" }, { saslPlainUsers: users }, true);
  let stack: Stack;
  let port: number;
  const sasl = (user: string) => ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", `sasl.username=${user}`, "-X", `sasl.password=${users[user]}`, "-X", "client.id=shared-client-id"];
  before(async () => { await rig.start(); stack = rig.stack; port = rig.port; });
  after(async () => { await rig.stop(); });

  test("two users sharing a client.id are billed apart, by the principal they authenticated as", async () => {
    await kcat.produce(stack.bootstrap, "sasl-a", records("alice", 120), sasl("alice"));
    await kcat.produce(stack.bootstrap, "sasl-a", records("bob", 80), sasl("bob"));
    assert.equal((await kcat.consume(stack.bootstrap, "sasl-a", sasl("bob"))).length, 200);
    await until("both principals' usage", async () => {
      const t = await totals(port);
      return t["alice"]?.produced_records === 120 && t["bob"]?.produced_records === 80 && t["bob"]?.fetched_records === 200;
    });
    const t = await totals(port);
    assert.equal(t["alice"].fetched_records, 0);
    assert.equal(t["shared-client-id"], undefined, "the client.id is not the tenant here");
    const log = fs.readFileSync(stack.envoy.logFile, "utf8");
    assert.ok(!log.includes("alice-secret") && !log.includes("bob-secret"), "passwords never reach the log");
    // telemetry, in the same chain, names producers by principal too.
    const prom = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
    assert.match(prom, /kafka_flow_produce_bytes\{topic="sasl-a",client="alice"\} [1-9]/);
    assert.match(prom, /kafka_flow_produce_bytes\{topic="sasl-a",client="bob"\} [1-9]/);
  });
});

describe("billing an idempotent producer's retry", { timeout: 600000 }, () => {
  // The first Produce response passes Envoy (billing sees the acknowledgement), then the
  // client's connection is cut before it arrives: the producer retries the same batch.
  // telemetry rides along: its per-topic produced records follow the same rule.
  const rig = new BillingRig("e2e-billing-retry", { tenant_key: "client_id" }, { dropClientAfter: { apiKey: 0, drops: 1 } }, true);
  let stack: Stack;
  let port: number;
  before(async () => { await rig.start(); stack = rig.stack; port = rig.port; await kafkajsClient.createTopic(stack.bootstrap, "retry-topic"); });
  after(async () => { await rig.stop(); });

  test("a batch acknowledged, lost on the way to the client and retried is billed once", async () => {
    const sent = records("retry", 50);
    // The Java producer is idempotent by default (acks=all, enable.idempotence=true); one batch.
    await javaClients.produce(stack.bootstrap, "retry-topic", sent, ["client.id=retrying-producer", "linger.ms=100", "retry.backoff.ms=100"]);
    assert.equal(stack.front!.dropped, 1, "the relay cut one connection after a Produce response");
    // The broker stored the batch once (its own duplicate check), and so must billing count it.
    const stored = await kcat.consume(stack.bootstrap, "retry-topic");
    assert.deepEqual(stored, sent);
    await until("the producer's usage", async () => (await totals(port))["retrying-producer"]?.produced_records === 50);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await totals(port))["retrying-producer"].produced_records, 50);
    const stats = await stack.envoy.stats("wasmcustom.billing.");
    assert.equal(stats.get("wasmcustom.billing.retried_records_not_billed"), 50, "the retry was seen and not billed");
    const tel = await stack.envoy.stats("wasmcustom.kafka.topic.");
    assert.equal(tel.get("wasmcustom.kafka.topic.produced_records.topic_retry-topic"), 50, "telemetry counted the batch once");
    assert.equal(tel.get("wasmcustom.kafka.topic.produce_retried_records.topic_retry-topic"), 50, "and saw the retry");
  });
});
