// topic-policy in the real Envoy in front of the real broker (auto.create.topics.enable=true,
// num.partitions=2): the Java admin client and kafkajs get POLICY_VIOLATION with the rule's
// message, a CreateTopics with one bad topic of three creates the other two, and neither
// Metadata nor Produce auto-creates a name the rule forbids. What exists is read from the
// broker's own listener, never through Envoy.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { runClient, kafkajsClient } from "../../tools/stack/clients.js";
import { kafkaClasspath } from "../../tools/stack/kafka.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { Kafka, logLevel } from "kafkajs";
import { RawConnection, frame, produceV7, produceErrors } from "../tools/raw_kafka.js";
import { batchOf } from "../tools/batches.js";

const CONFIG = { name_pattern: "[a-z0-9-]+\\.(events|commands)", min_partitions: 2, default_partitions: 2, min_replication_factor: 1, default_replication_factor: 1 };
const NAME_RULE = /breaks rule name_pattern: names must match \[a-z0-9-\]\+\\\.\(events\|commands\)/;
const POLICY_VIOLATION = 44, UNKNOWN_TOPIC_OR_PARTITION = 3, CREATE_TOPICS = 19;

/** The broker's topics, asked on its own listener with Metadata v1 (null topics: all of them). */
async function brokerTopics(stack: Stack, d: Dissector): Promise<string[]> {
  return [...(await brokerPartitions(stack, d)).keys()].sort();
}

/** Each of the broker's topics and its partition count, from its own listener. */
async function brokerPartitions(stack: Stack, d: Dissector): Promise<Map<string, number>> {
  const conn = await RawConnection.connect(stack.kafka.config.port);
  try {
    const nullArray = Buffer.alloc(4); nullArray.writeInt32BE(-1);
    conn.send(frame(3, 1, 1, nullArray, "topic-policy-e2e"));
    const r = await conn.next(10000);
    const body = d.decodeBody(3, 1, true, r.body);
    assert.ok(body.ok, body.text);
    return new Map(JSON.parse(body.text).topics.filter((t: any) => !t.name.startsWith("__")).map((t: any) => [t.name, t.partitions.length]));
  } finally {
    conn.socket.destroy();
  }
}

interface AdminOutcome { topic: string; ok: boolean; error?: string; message?: string }

/** Kafka's Java Admin client creating topics ("name:partitions:replicationFactor"). */
async function javaAdminCreate(bootstrap: string, validateOnly: boolean, topics: string[]): Promise<AdminOutcome[]> {
  const r = await runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), rootPath("tests", "e2e", "java", "TopicPolicyAdmin.java"), bootstrap, String(validateOnly), ...topics], "", 180000);
  return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** Kafka's Java producer sending one record. */
async function javaProduceOne(bootstrap: string, topic: string): Promise<AdminOutcome> {
  const r = await runClient("java", ["-Xmx256m", "-cp", kafkaClasspath(), rootPath("tests", "e2e", "java", "ProduceOne.java"), bootstrap, topic], "", 120000);
  return JSON.parse(r.stdout.split("\n").find((l) => l.startsWith("{"))!);
}

/**
 * A socket factory for kafkajs that keeps what crosses the socket, so the test can read the
 * error messages of the CreateTopics responses kafkajs received (kafkajs keeps only the code).
 */
class Wiretap {
  readonly sent: Buffer[] = [];
  readonly received: Buffer[] = [];
  factory = ({ host, port, onConnect }: { host: string; port: number; onConnect: () => void }) => {
    const s = net.connect({ host, port }, onConnect);
    const sent: Buffer[] = [], received: Buffer[] = [];
    this.sent.push(Buffer.alloc(0)); const at = this.sent.length - 1;
    this.received.push(Buffer.alloc(0));
    const write = s.write.bind(s);
    s.write = ((chunk: any, ...rest: any[]) => { sent.push(Buffer.from(chunk)); this.sent[at] = Buffer.concat(sent); return write(chunk, ...rest); }) as typeof s.write;
    s.on("data", (d: Buffer) => { received.push(d); this.received[at] = Buffer.concat(received); });
    return s;
  };

  /** Every CreateTopics response kafkajs received, decoded at the version it asked for. */
  createTopicsResponses(d: Dissector): any[] {
    const out: any[] = [];
    for (let c = 0; c < this.sent.length; c++) {
      const versions = new Map<number, number>();
      for (const f of frames(this.sent[c])) if (f.readInt16BE(4) === CREATE_TOPICS) versions.set(f.readInt32BE(8), f.readInt16BE(6));
      for (const f of frames(this.received[c])) {
        const version = versions.get(f.readInt32BE(4));
        if (version === undefined) continue;
        const body = f.subarray(4 + d.responseHeaderLength(CREATE_TOPICS, version, f.subarray(4)));
        const decoded = d.decodeBody(CREATE_TOPICS, version, true, body);
        assert.ok(decoded.ok, decoded.text);
        out.push(JSON.parse(decoded.text));
      }
    }
    return out;
  }
}

function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= bytes.length;) { const n = bytes.readInt32BE(p); if (p + 4 + n > bytes.length) break; out.push(bytes.subarray(p, p + 4 + n)); p += 4 + n; }
  return out;
}

describe("topic-policy in Envoy", { timeout: 900000 }, () => {
  let stack: Stack;
  let d: Dissector;
  before(async () => {
    d = await Dissector.load();
    stack = await Stack.start({
      name: "e2e-topic-policy",
      filters: [{ wasm: rootPath("build", "examples", "topic-policy.wasm"), name: "topic_policy", configuration: JSON.stringify(CONFIG) }],
      // Auto-creation on (as the stack has it), with the partition count the policy is told about.
      kafkaExtra: { extraProperties: "auto.create.topics.enable=true\nnum.partitions=2" },
    });
  });
  after(async () => { await stack?.stop(); });

  test("Java admin client: three topics, one with a forbidden name: two are created, the third gets POLICY_VIOLATION with the rule", async () => {
    const out = await javaAdminCreate(stack.bootstrap, false, ["java-a.events:2:1", "Java_Bad_Name:2:1", "java-b.commands:3:1"]);
    assert.deepEqual(out.map((o) => [o.topic, o.ok]), [["java-a.events", true], ["Java_Bad_Name", false], ["java-b.commands", true]]);
    assert.equal(out[1].error, "PolicyViolationException");
    assert.match(out[1].message!, NAME_RULE);
    const topics = await brokerTopics(stack, d);
    assert.ok(topics.includes("java-a.events") && topics.includes("java-b.commands"), topics.join(","));
    assert.ok(!topics.includes("Java_Bad_Name"), topics.join(","));
  });

  test("Java admin client: too few partitions is a POLICY_VIOLATION naming min_partitions; validate_only creates nothing", async () => {
    const out = await javaAdminCreate(stack.bootstrap, false, ["java-one.events:1:1"]);
    assert.equal(out[0].error, "PolicyViolationException");
    assert.match(out[0].message!, /"java-one\.events" breaks rule min_partitions: partition count 1 is below the minimum of 2/);
    const dry = await javaAdminCreate(stack.bootstrap, true, ["java-dry.events:2:1", "Java_Dry:2:1"]);
    assert.deepEqual(dry.map((o) => [o.topic, o.ok, o.error ?? null]), [["java-dry.events", true, null], ["Java_Dry", false, "PolicyViolationException"]]);
    const topics = await brokerTopics(stack, d);
    for (const t of ["java-one.events", "java-dry.events", "Java_Dry"]) assert.ok(!topics.includes(t), `${t} must not exist: ${topics.join(",")}`);
  });

  test("kafkajs: three topics, one with a forbidden name: two are created, the third gets POLICY_VIOLATION with the rule", async () => {
    const tap = new Wiretap();
    const kafka = new Kafka({ brokers: [stack.bootstrap], clientId: "topic-policy-kafkajs", logLevel: logLevel.NOTHING, socketFactory: tap.factory as any });
    const client = kafka.admin();
    await client.connect();
    let error: any = null;
    try {
      await client.createTopics({ topics: [
        { topic: "js-a.events", numPartitions: 2, replicationFactor: 1 },
        { topic: "JS_Bad_Name", numPartitions: 2, replicationFactor: 1 },
        { topic: "js-b.commands", numPartitions: 2, replicationFactor: 1 },
      ] });
    } catch (e) { error = e; } finally { await client.disconnect(); }
    assert.ok(error, "kafkajs reports the rejected topic");
    assert.deepEqual(error.errors.map((e: any) => [e.topic, e.type]), [["JS_Bad_Name", "POLICY_VIOLATION"]]);
    // kafkajs keeps only the code; the message it received is read from its socket.
    const responses = tap.createTopicsResponses(d);
    assert.equal(responses.length, 1);
    const bad = responses[0].topics.find((t: any) => t.name === "JS_Bad_Name");
    assert.equal(bad.errorCode, POLICY_VIOLATION);
    assert.match(bad.errorMessage, NAME_RULE);
    assert.deepEqual(responses[0].topics.map((t: any) => t.name), ["js-a.events", "JS_Bad_Name", "js-b.commands"], "one response, in request order");
    const topics = await brokerTopics(stack, d);
    assert.ok(topics.includes("js-a.events") && topics.includes("js-b.commands"), topics.join(","));
    assert.ok(!topics.includes("JS_Bad_Name"));
  });

  test("Metadata auto-creation: an allowed name is auto-created, a forbidden one is not (kafkajs and the Java producer)", async () => {
    // Allowed names: auto-creation still works through the proxy.
    await kafkajsClient.produce(stack.bootstrap, "js-auto.events", ["x"]);
    assert.deepEqual(await javaProduceOne(stack.bootstrap, "java-auto.events"), { topic: "java-auto.events", ok: true });
    // Forbidden names: both clients fail at once on INVALID_TOPIC_EXCEPTION instead of waiting.
    // (kafkajs wraps the protocol error, whose message is Kafka's text for INVALID_TOPIC_EXCEPTION.)
    await assert.rejects(kafkajsClient.produce(stack.bootstrap, "JS_Auto_Bad", ["x"]),
      (e: any) => e.retriable === false && e.message === "The request attempted to perform an operation on an invalid topic");
    const java = await javaProduceOne(stack.bootstrap, "Java_Auto_Bad");
    assert.equal(java.ok, false);
    assert.equal(java.error, "InvalidTopicException", JSON.stringify(java));
    const topics = await brokerTopics(stack, d);
    assert.ok(topics.includes("js-auto.events") && topics.includes("java-auto.events"), topics.join(","));
    // Auto-created with the broker's num.partitions, which the configuration's default_partitions states.
    assert.equal((await brokerPartitions(stack, d)).get("js-auto.events"), CONFIG.default_partitions);
    assert.ok(!topics.includes("JS_Auto_Bad") && !topics.includes("Java_Auto_Bad"), topics.join(","));
  });

  test("Produce to a forbidden name creates nothing: Kafka 4.4 answers UNKNOWN_TOPIC_OR_PARTITION, through Envoy and directly", async () => {
    const batch = batchOf([Buffer.from("x")]);
    for (const [port, name] of [[stack.envoy.config.listenPort, "Produce_Bad_Envoy"], [stack.kafka.config.port, "Produce_Bad_Direct"]] as const) {
      const conn = await RawConnection.connect(port);
      try {
        conn.send(produceV7(7, name, [{ partition: 0, records: batch }]));
        assert.deepEqual(produceErrors(await conn.next(20000)), [UNKNOWN_TOPIC_OR_PARTITION], name);
      } finally { conn.socket.destroy(); }
    }
    // A v1 Metadata (which cannot turn auto-creation off) naming a forbidden topic creates nothing either.
    const conn = await RawConnection.connect(stack.envoy.config.listenPort);
    try {
      const name = Buffer.from("Metadata_V1_Bad");
      const body = Buffer.alloc(6 + name.length); body.writeInt32BE(1, 0); body.writeInt16BE(name.length, 4); name.copy(body, 6);
      conn.send(frame(3, 1, 8, body, "topic-policy-e2e"));
      const r = await conn.next(20000);
      const decoded = JSON.parse(d.decodeBody(3, 1, true, r.body).text);
      assert.deepEqual(decoded.topics.map((t: any) => [t.name, t.errorCode]), [["Metadata_V1_Bad", 17]]);
    } finally { conn.socket.destroy(); }
    await new Promise((r) => setTimeout(r, 2000));
    const topics = await brokerTopics(stack, d);
    for (const t of ["Produce_Bad_Envoy", "Produce_Bad_Direct", "Metadata_V1_Bad"]) assert.ok(!topics.includes(t), `${t}: ${topics.join(",")}`);
  });
});
