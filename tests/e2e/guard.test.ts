// plugins/guard in the real Envoy in front of the real broker, over SASL PLAIN, one stack for
// every check, with an audit collector (an HTTP server in this test, writing what it receives to
// a file). The Java admin client and producer, kafkajs and kcat:
//   - a CreateTopics of three topics, one breaking the name rule, creates the other two with
//     their configs, and the third gets POLICY_VIOLATION with the rule's message;
//   - an IncrementalAlterConfigs (Java) and an AlterConfigs (kafkajs) breaking a range are
//     refused, the allowed change takes effect;
//   - a protected topic survives DeleteTopics, the other one in the request is deleted;
//   - produce with acks=1 under an acks=all rule is refused with INVALID_REQUIRED_ACKS, acks=all passes;
//   - a producer cannot auto-create a topic whose name the rules refuse;
//   - each of these is in the audit log once, with the principal and outcome; the passwords are
//     nowhere in Envoy's log or the collector's file.
// What exists, and with which configs, is read from the broker's own plain listener, never through Envoy.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { Stack } from "../../tools/stack/stack.js";
import { staticCluster } from "../../tools/stack/envoy.js";
import { freePort } from "../../tools/stack/net.js";
import { rootPath, cachePath } from "../../tools/lib/paths.js";
import { runClient, kcat } from "../../tools/stack/clients.js";
import { kafkaClasspath } from "../../tools/stack/kafka.js";
import kafkajsModule from "kafkajs";

const { Kafka, logLevel, ConfigResourceTypes } = kafkajsModule;
type Kafka = InstanceType<typeof Kafka>;

const USERS: Record<string, string> = { alice: "alice-Pw-7f3a9c", bob: "bob-Pw-2e81d0", carol: "carol-Pw-55b1e4" };
const WRONG_PASSWORD = "wrong-Pw-0c77aa";
const CONFIG = {
  topics: { name_pattern: "[a-z0-9.-]+\\.events", min_partitions: 1, max_partitions: 12, min_replication_factor: 1, protected: ["keep\\..*"] },
  configs: { ranges: { "retention.ms": { min: 60000, max: 604800000 } }, sets: { "cleanup.policy": ["delete", "compact"] } },
  produce: { acks: "all" },
  audit: { collector_cluster: "audit_collector", flush_ms: 200 },
};
const POLICY_VIOLATION = 44, INVALID_CONFIG = 40, INVALID_REQUIRED_ACKS = 21;

interface Outcome { step: string; name: string; ok: boolean; error?: string; message?: string }

async function javaGuard(bootstrap: string, user: string, steps: string[]): Promise<Outcome[]> {
  const r = await runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), rootPath("tests", "e2e", "java", "GuardAdmin.java"), bootstrap, user, USERS[user], ...steps], "", 180000);
  return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

const kafkajs = (bootstrap: string, user: string, password = USERS[user]) =>
  new Kafka({ brokers: [bootstrap], clientId: `kafkajs-${user}`, logLevel: logLevel.NOTHING, retry: { retries: 0 }, sasl: { mechanism: "plain", username: user, password } });

const kcatSasl = (user: string, password = USERS[user]) => ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`, "-X", "client.id=kcat-guard"];

/** The audit collector: every POSTed batch appended to `file`. */
class Collector {
  server!: http.Server;
  port = 0;
  constructor(readonly file: string) {}
  async start(): Promise<void> {
    fs.writeFileSync(this.file, "");
    this.port = await freePort();
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => { fs.appendFileSync(this.file, Buffer.concat(chunks)); res.writeHead(200).end(); });
    });
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }
  entries(): any[] { return fs.readFileSync(this.file, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l)); }
  async stop(): Promise<void> { await new Promise<void>((resolve) => this.server.close(() => resolve())); }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) { if (await check()) return; await new Promise((r) => setTimeout(r, 200)); }
  throw new Error(`timed out waiting for ${what}`);
}

describe("guard in Envoy in front of Kafka", { timeout: 300000 }, () => {
  let stack: Stack;
  let collector: Collector;
  /** The broker's own listener (no SASL, no Envoy). */
  let direct: Kafka;

  before(async () => {
    const dir = cachePath("run", "e2e-guard");
    fs.mkdirSync(dir, { recursive: true });
    collector = new Collector(path.join(dir, "audit.ndjson"));
    await collector.start();
    stack = await Stack.start({
      name: "e2e-guard",
      filters: [{ wasm: rootPath("build", "guard.wasm"), name: "guard", configuration: JSON.stringify(CONFIG) }],
      envoyExtra: { extraClusters: staticCluster("audit_collector", collector.port) },
      saslPlainUsers: USERS,
    });
    direct = new Kafka({ brokers: [stack.brokerDirect], clientId: "guard-e2e-direct", logLevel: logLevel.NOTHING });
  });

  after(async () => {
    await stack?.stop();
    await collector?.stop();
  });

  test("admin policy: split CreateTopics, config ranges, protected topics; produce acks; each audited once with its principal", async () => {
    // kafkajs (bob) creates the topics the later steps need.
    const bobAdmin = kafkajs(stack.bootstrap, "bob").admin();
    await bobAdmin.connect();
    await bobAdmin.createTopics({ topics: [{ topic: "keep.events", numPartitions: 1, replicationFactor: 1 }, { topic: "tmp.events", numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });

    // Java (alice): three topics, one breaking the name rule.
    const created = await javaGuard(stack.bootstrap, "alice", ["create:orders.events:3:1:retention.ms=3600000", "create:Bad_Topic:1:1", "create:users.events:2:1:cleanup.policy=compact"]);
    assert.deepEqual(created.map((o) => [o.name, o.ok, o.error ?? null]), [["orders.events", true, null], ["Bad_Topic", false, "PolicyViolationException"], ["users.events", true, null]]);
    assert.match(created[1].message!, /Topic name "Bad_Topic" breaks rule topics\.name_pattern: names must match \[a-z0-9\.-\]\+\\\.events/);
    const directAdmin = direct.admin();
    await directAdmin.connect();
    try {
      const topics = (await directAdmin.listTopics()).filter((t) => !t.startsWith("__")).sort();
      assert.deepEqual(topics, ["keep.events", "orders.events", "tmp.events", "users.events"], "the broker has the two valid topics and not the third");
      const meta = await directAdmin.fetchTopicMetadata({ topics: ["orders.events", "users.events"] });
      assert.deepEqual(meta.topics.map((t) => [t.name, t.partitions.length]).sort(), [["orders.events", 3], ["users.events", 2]]);
      const configOf = async (topic: string, key: string) => {
        const d = await directAdmin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [key] }], includeSynonyms: false });
        return d.resources[0].configEntries.find((e) => e.configName === key)?.configValue;
      };
      assert.equal(await configOf("orders.events", "retention.ms"), "3600000", "created with its configs as asked");
      assert.equal(await configOf("users.events", "cleanup.policy"), "compact");

      // Java: one IncrementalAlterConfigs, one resource breaking the range and one allowed.
      const altered = await javaGuard(stack.bootstrap, "alice", ["alter:orders.events:retention.ms=999999999999", "alter:users.events:retention.ms=86400000"]);
      assert.deepEqual(altered.map((o) => [o.name, o.ok, o.error ?? null]), [["orders.events", false, "InvalidConfigurationException"], ["users.events", true, null]]);
      assert.match(altered[0].message!, /retention\.ms=999999999999 breaks rule configs\.ranges\.retention\.ms: must be a number at least 60000 and at most 604800000/);
      // kafkajs: AlterConfigs (a full replacement) below the range.
      await assert.rejects(bobAdmin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "users.events", configEntries: [{ name: "retention.ms", value: "10" }] }] }),
        (e: any) => { assert.equal(e.type ?? e.cause?.type, "INVALID_CONFIG"); return true; });
      assert.equal(await configOf("orders.events", "retention.ms"), "3600000", "the refused change did not happen");
      assert.equal(await configOf("users.events", "retention.ms"), "86400000", "the allowed change took effect");

      // Java: DeleteTopics of a protected topic and another.
      const deleted = await javaGuard(stack.bootstrap, "alice", ["delete:keep.events", "delete:tmp.events"]);
      assert.deepEqual(deleted.map((o) => [o.name, o.ok, o.error ?? null]), [["keep.events", false, "PolicyViolationException"], ["tmp.events", true, null]]);
      assert.match(deleted[0].message!, /breaks rule topics\.protected/);
      await until("tmp.events to be gone from the broker", async () => !(await directAdmin.listTopics()).includes("tmp.events"));
      assert.ok((await directAdmin.listTopics()).includes("keep.events"), "the protected topic survives");

      // Produce: Java with acks=1 refused, acks=all passes; kcat the same.
      const produced = await javaGuard(stack.bootstrap, "alice", ["produce:orders.events:1", "produce:orders.events:all"]);
      assert.deepEqual(produced.map((o) => [o.name, o.ok, o.error ?? null]), [["orders.events:1", false, "InvalidRequiredAcksException"], ["orders.events:all", true, null]]);
      const kcatRefused = await kcat.produce(stack.bootstrap, "orders.events", ["kcat-acks-1"], [...kcatSasl("carol"), "-X", "acks=1"]).then((r) => r.stdout + r.stderr, (e: Error) => e.message);
      assert.match(kcatRefused, /required acks|REQUIRED_ACKS/i, kcatRefused);
      await kcat.produce(stack.bootstrap, "orders.events", ["kcat-acks-all"], [...kcatSasl("carol"), "-X", "acks=all"]);
      const stored = await kcat.consume(stack.brokerDirect, "orders.events");
      assert.deepEqual(stored.sort(), ["acks-all", "kcat-acks-all"], "only the acks=all records were stored");

      // Auto-creation: a producer naming a topic the name rule refuses fails at once, and the
      // broker (auto.create.topics.enable=true) does not create it.
      const producer = kafkajs(stack.bootstrap, "bob").producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await assert.rejects(producer.send({ topic: "Auto_Bad", messages: [{ value: "x" }] }), (e: any) => /INVALID_TOPIC_EXCEPTION|not a valid topic|invalid/i.test(`${e.type ?? ""} ${e.message}`));
      await producer.disconnect();
      assert.ok(!(await directAdmin.listTopics()).includes("Auto_Bad"), "a refused name is never auto-created");

      // A failed authentication, for the audit log (and the password check).
      const intruder = kafkajs(stack.bootstrap, "alice", WRONG_PASSWORD).admin();
      await assert.rejects(intruder.connect());
    } finally {
      await directAdmin.disconnect();
      await bobAdmin.disconnect();
    }

    // The audit log, from the collector (Envoy's log has the same lines).
    await until("the collector to hold the produce refusals and the failed authentication", () => {
      const got = collector.entries();
      return got.filter((e) => e.rule === "produce.acks").length >= 2 && got.some((e) => e.kind === "auth" && e.outcome === "failed");
    });
    const entries = collector.entries();
    const one = (pred: (e: any) => boolean, what: string) => {
      const found = entries.filter(pred);
      assert.equal(found.length, 1, `${what}: ${JSON.stringify(found)}`);
      return found[0];
    };
    const admin = (api: string, resource: string) => one((e) => e.kind === "admin" && e.api === api && e.resources[0] === resource, `${api} ${resource}`);
    const bad = admin("CreateTopics", "Bad_Topic");
    assert.deepEqual([bad.principal, bad.outcome, bad.error_code, bad.rule, bad.client_id], ["alice", "refused", POLICY_VIOLATION, "topics.name_pattern", "guard-java"]);
    for (const t of ["orders.events", "users.events"]) assert.deepEqual([admin("CreateTopics", t).principal, admin("CreateTopics", t).outcome], ["alice", "succeeded"]);
    for (const t of ["keep.events", "tmp.events"]) assert.equal(admin("CreateTopics", t).principal, "bob");
    assert.deepEqual([admin("IncrementalAlterConfigs", "2/orders.events").outcome, admin("IncrementalAlterConfigs", "2/orders.events").error_code], ["refused", INVALID_CONFIG]);
    assert.equal(admin("IncrementalAlterConfigs", "2/users.events").outcome, "succeeded");
    assert.deepEqual([admin("AlterConfigs", "2/users.events").principal, admin("AlterConfigs", "2/users.events").outcome], ["bob", "refused"]);
    assert.deepEqual([admin("DeleteTopics", "keep.events").outcome, admin("DeleteTopics", "keep.events").error_code], ["refused", POLICY_VIOLATION]);
    assert.equal(admin("DeleteTopics", "tmp.events").outcome, "succeeded");
    const javaAcks = one((e) => e.rule === "produce.acks" && e.principal === "alice", "Java's acks=1 produce");
    assert.deepEqual([javaAcks.outcome, javaAcks.error_code, javaAcks.api], ["refused", INVALID_REQUIRED_ACKS, "Produce"]);
    assert.ok(entries.some((e) => e.rule === "produce.acks" && e.principal === "carol" && e.client_id === "kcat-guard"), "kcat's acks=1 produce");
    assert.ok(entries.some((e) => e.kind === "policy" && e.rule === "topics.name_pattern" && e.resources.includes("topic:Auto_Bad") && e.principal === "bob"), "the refused auto-creation");
    assert.ok(!entries.some((e) => e.kind === "policy" && e.resources.includes("topic:orders.events") && /auto-creation/.test(e.message ?? "")), "existing topics are not reported as refused auto-creations");
    assert.ok(entries.some((e) => e.kind === "auth" && e.principal === "alice" && e.outcome === "succeeded"));
    assert.ok(entries.some((e) => e.kind === "auth" && e.principal === "alice" && e.outcome === "failed" && e.error_code !== 0), "the failed authentication");
    assert.ok(entries.some((e) => e.kind === "auth" && e.principal === "carol" && e.outcome === "succeeded"));

    // No secret anywhere: Envoy's log and the collector's file.
    const envoyLog = fs.readFileSync(stack.envoy.logFile, "utf8");
    assert.ok(envoyLog.includes("audit {"), "the Envoy log carries the audit lines");
    const collected = fs.readFileSync(collector.file, "utf8");
    for (const secret of [...Object.values(USERS), WRONG_PASSWORD]) {
      assert.ok(!envoyLog.includes(secret), `${secret} in Envoy's log`);
      assert.ok(!collected.includes(secret), `${secret} in the collector's file`);
    }
    const prom = await (await fetch(`${stack.envoy.adminUrl}/stats?filter=guard`)).text();
    assert.match(prom, /guard\.refused\.rule_topics_name_pattern: [1-9]/);
    assert.match(prom, /guard\.audit\.sent: [1-9]/);
  });
});
