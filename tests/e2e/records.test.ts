// The record layer in the real Envoy in front of the real broker, with examples/uppercase and
// examples/json-transform chained: every value produced to topic `lowercase` is stored uppercased,
// whatever the client, codec, idempotence or transaction; orders produced to `orders` are stored
// redacted; every other topic passes byte-identical. (kafkajs produces here,
// but does not consume: without codec plugins it cannot read the snappy, lz4 and zstd batches.)
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { CompressionTypes } from "kafkajs";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kafkaClasspath } from "../../tools/stack/kafka.js";
import { kcat, javaClients, kafkajsClient, runClient } from "../../tools/stack/clients.js";

const TOPIC = "lowercase";
const OTHER = "other-topic";
const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];

/** Only ASCII a-z change: the example edits bytes in place, so multi-byte UTF-8 stays as it was. */
const upper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/** Lines that say where they came from, with text worth uppercasing and bytes that must not change. */
function lines(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} record ${i}: mixed Case words, grüße 123 ${"abc".repeat(1 + (i % 5))}`);
}

/** The Java producer inside transactions (tests/e2e/java/TxProducer.java, run as a single-file program). */
function txProduce(bootstrap: string, topic: string, id: string, codec: string, outcome: "commit" | "abort", values: string[]) {
  return runClient("java", ["-Xmx384m", "-cp", kafkaClasspath(), rootPath("tests", "e2e", "java", "TxProducer.java"), bootstrap, topic, id, codec, outcome, "40"], values.join("\n") + "\n", 180000);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

/** What examples/json-transform makes of an order, computed independently: null when it leaves the value alone. */
function redacted(value: string): string | null {
  let order: unknown;
  try { order = JSON.parse(value); } catch { return null; }
  if (order === null || typeof order !== "object" || Array.isArray(order)) return null;
  const o = order as Record<string, unknown>;
  let changed = false;
  if (typeof o.email === "string" && o.email.toLowerCase() !== o.email) { o.email = o.email.toLowerCase(); changed = true; }
  if (typeof o.card === "string") {
    const digits = o.card.replace(/[^0-9]/g, "").length;
    let toMask = digits - 4;
    const masked = o.card.replace(/[0-9]/g, (c) => (toMask-- > 0 ? "*" : c));
    if (masked !== o.card) { o.card = masked; changed = true; }
  }
  if ("notes" in o) { delete o.notes; changed = true; }
  return changed ? JSON.stringify(o) : null;
}

/** Orders, and values that are not orders (those must pass as they came). */
function orders(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => i % 5 === 4
    ? `${prefix} ${i}: not an order {`
    : JSON.stringify({ id: `${prefix}-${i}`, email: `Buyer${i}@Example.COM`, card: `4111 1111 1111 ${String(1000 + i).slice(-4)}`, items: [{ sku: `S-${i}`, qty: i % 3 }], ...(i % 2 ? { notes: "leave at the door" } : {}) }));
}

describe("record layer in Envoy: examples/uppercase", { timeout: 900000 }, () => {
  let stack: Stack;
  /** Every line sent to `lowercase` and committed, and every line sent to the other topic. */
  const committed: string[] = [];
  const aborted: string[] = [];
  const others: string[] = [];

  before(async () => {
    stack = await Stack.start({ name: "e2e-records", filters: [
      { wasm: rootPath("build", "examples", "uppercase.wasm"), name: "uppercase" },
      { wasm: rootPath("build", "examples", "json-transform.wasm"), name: "orders" },
    ] });
    await javaClients.createTopic(stack.bootstrap, TOPIC);
    await javaClients.createTopic(stack.bootstrap, OTHER);
  });
  after(async () => { await stack?.stop(); });

  test("kcat produces with every codec, idempotence on and off", async () => {
    for (const codec of CODECS) {
      for (const idempotent of [false, true]) {
        const sent = lines(`kcat-${codec}-${idempotent ? "idem" : "plain"}`, 60);
        await kcat.produce(stack.bootstrap, TOPIC, sent, ["-z", codec, "-X", `enable.idempotence=${idempotent}`]);
        committed.push(...sent);
      }
    }
  });

  test("the Java producer (Produce v13, topics by id) with every codec, idempotence on and off", async () => {
    for (const codec of CODECS) {
      for (const idempotent of [false, true]) {
        const sent = lines(`java-${codec}-${idempotent ? "idem" : "plain"}`, 60);
        const props = [`compression.type=${codec}`, `enable.idempotence=${idempotent}`, "linger.ms=20"];
        if (!idempotent) props.push("acks=1");
        await javaClients.produce(stack.bootstrap, TOPIC, sent, props);
        committed.push(...sent);
      }
    }
  });

  test("the Java producer inside transactions: committed ones uppercased, aborted ones never read", async () => {
    const yes = lines("java-tx-commit", 120);
    await txProduce(stack.bootstrap, TOPIC, "e2e-records-commit", "zstd", "commit", yes);
    committed.push(...yes);
    const no = lines("java-tx-abort", 80);
    await txProduce(stack.bootstrap, TOPIC, "e2e-records-abort", "gzip", "abort", no);
    aborted.push(...no);
  });

  test("kafkajs: plain, gzip, idempotent and transactional producers", async () => {
    const plain = lines("kafkajs-plain", 50);
    await kafkajsClient.produce(stack.bootstrap, TOPIC, plain, 25);
    const gz = lines("kafkajs-gzip", 50);
    await kafkajsClient.produce(stack.bootstrap, TOPIC, gz, 25, CompressionTypes.GZIP);
    committed.push(...plain, ...gz);
    const kafka = kafkajsClient.kafka(stack.bootstrap, "kafkajs-tx");
    const producer = kafka.producer({ idempotent: true, transactionalId: "kafkajs-e2e-tx", maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    const inTx = lines("kafkajs-tx", 40);
    await tx.send({ topic: TOPIC, messages: inTx.map((value) => ({ value })) });
    await tx.commit();
    const idem = lines("kafkajs-idem", 40);
    await producer.send({ topic: TOPIC, messages: idem.map((value) => ({ value })) });
    await producer.disconnect();
    committed.push(...inTx, ...idem);
  });

  test("another topic passes byte-identical (kcat and Java)", async () => {
    const a = lines("other-kcat", 50);
    await kcat.produce(stack.bootstrap, OTHER, a, ["-z", "lz4"]);
    const b = lines("other-java", 50);
    await javaClients.produce(stack.bootstrap, OTHER, b, ["compression.type=snappy"]);
    others.push(...a, ...b);
    const got = await kcat.consume(stack.bootstrap, OTHER, ["-X", "check.crcs=true"]);
    assert.deepEqual([...got].sort(), [...others].sort());
  });

  test("json-transform: orders from kcat (gzip) and the Java producer (zstd, idempotent) are stored redacted; other values as they came", async () => {
    const a = orders("kcat", 40);
    await kcat.produce(stack.bootstrap, "orders", a, ["-z", "gzip"]);
    const b = orders("java", 40);
    await javaClients.produce(stack.bootstrap, "orders", b, ["compression.type=zstd", "enable.idempotence=true"]);
    const expected = [...a, ...b].map((v) => redacted(v) ?? v);
    const got = await javaClients.consume(stack.bootstrap, "orders", expected.length, ["check.crcs=true"]);
    assert.deepEqual([...got].sort(), [...expected].sort());
    assert.ok(got.every((v) => !v.includes("leave at the door") && !v.includes("@Example.COM")), "no note and no upper-case e-mail was stored");
  });

  test("large produce requests (about 900 KB, uncompressed) are streamed through the layer batch by batch", async () => {
    const before = (await stack.envoy.stats()).get("wasmcustom.kafka_records.uppercase.streamed_requests") ?? 0;
    const sent = lines("java-large", 2400).map((l) => `${l}-${"x".repeat(1000)}`);
    await javaClients.produce(stack.bootstrap, TOPIC, sent, ["compression.type=none", "batch.size=900000", "linger.ms=1000", "max.request.size=4194304"]);
    committed.push(...sent);
    const streamed = ((await stack.envoy.stats()).get("wasmcustom.kafka_records.uppercase.streamed_requests") ?? 0) - before;
    // Envoy hands a request of this size to the filter in pieces: the layer streams it rather than holding it.
    assert.ok(streamed >= 1, `produce requests streamed: ${streamed}`);
  });

  test("kcat (CRC checks on) reads every committed value uppercased", async () => {
    const got = await kcat.consume(stack.bootstrap, TOPIC, ["-X", "check.crcs=true", "-X", "isolation.level=read_committed"]);
    assert.deepEqual([...got].sort(), committed.map(upper).sort());
  });

  test("the Java consumer (CRC checks on, read_committed) reads the same", async () => {
    const got = await javaClients.consume(stack.bootstrap, TOPIC, committed.length, ["check.crcs=true", "isolation.level=read_committed"]);
    assert.deepEqual([...got].sort(), committed.map(upper).sort());
  });

  test("the broker's segments hold only uppercased values", async () => {
    await new Promise((r) => setTimeout(r, 500));
    const segments = filesUnder(stack.kafka.dataDir).filter((f) => f.includes(`${path.sep}${TOPIC}-0${path.sep}`) && f.endsWith(".log"));
    assert.ok(segments.length >= 1, "the topic has segments");
    // The broker's own dump tool decompresses every batch and prints each payload.
    const dump = await runClient("java", ["-Xmx384m", "-cp", kafkaClasspath(), "org.apache.kafka.tools.DumpLogSegments", "--print-data-log", "--files", segments.join(",")], "", 180000);
    const payloads = dump.stdout.split("\n").filter((l) => l.includes(" payload: ")).map((l) => l.slice(l.indexOf(" payload: ") + 10));
    const stored = payloads.filter((p) => !p.startsWith("JAVA-TX-ABORT"));
    assert.deepEqual([...stored].sort(), committed.map(upper).sort(), "every stored (committed) value is uppercased");
    assert.equal(payloads.filter((p) => p.startsWith("JAVA-TX-ABORT")).length, aborted.length, "aborted records are stored (uppercased) and marked aborted");
    assert.ok(payloads.every((p) => !/[a-z]/.test(p)), "no lowercase ASCII letter reached the disk");
    assert.ok(dump.stdout.includes("isTransactional: true") && dump.stdout.includes("isControl: true"), "transactional batches and their markers were stored");
  });

  test("the layer's counters saw every record and rejected nothing", async () => {
    const stats = await stack.envoy.stats();
    assert.ok((stats.get("wasmcustom.kafka_records.uppercase.records") ?? 0) >= committed.length + aborted.length);
    assert.equal(stats.get("wasmcustom.kafka_records.uppercase.unsupported_batches") ?? 0, 0);
    assert.equal(stats.get("wasmcustom.kafka_records.uppercase.unknown_topic_ids") ?? 0, 0);
    assert.equal(stats.get("wasmcustom.kafka_stream.uppercase.malformed_frames") ?? 0, 0);
    // Every producer here sends one codec per request, so no streamed request needed a change of length.
    assert.equal(stats.get("wasmcustom.kafka_records.uppercase.stream_retries") ?? 0, 0);
  });
});
