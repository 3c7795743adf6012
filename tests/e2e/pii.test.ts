// pii-filter in the real Envoy in front of the real broker, chained before kafka-observe.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kcat, javaClients, kafkajsClient, runClient } from "../../tools/stack/clients.js";
import crypto from "node:crypto";

const SEED = ["AWS_SECRET_ACCESS_KEY=myawssecretkeyvalue", "My email is example@email.com"];
const SEED_MASKED = ["AWS_SECRET_ACCESS_KEY=*******************", "My email is *****************"];
const SECRETS = ["myawssecretkeyvalue", "example@email.com", "hunter2hunter2", "4111 1111 1111 1111", "AKIAIOSFODNN7EXAMPLE", "gzipped-secret-value", "snappy-secret-value", "lz4-secret-value", "zstd-secret-value"];

/** Mixed records: some with PII, some without (those must come back byte-identical). */
function mixed(prefix: string): { sent: string[]; expected: string[] } {
  const sent: string[] = [], expected: string[] = [];
  for (let i = 0; i < 300; i++) {
    switch (i % 4) {
      case 0: sent.push(`${prefix} ${i} plain text, order 98765 on 2024-01-02 v1.2.3`); expected.push(sent[i]); break;
      case 1: sent.push(`${prefix} ${i} password=hunter2hunter2 user=bob`); expected.push(`${prefix} ${i} password=************** user=bob`); break;
      case 2: sent.push(`${prefix} ${i} {"card":"4111 1111 1111 1111","note":"ok"}`); expected.push(`${prefix} ${i} {"card":"**** **** **** ****","note":"ok"}`); break;
      default: sent.push(`${prefix} ${i} key AKIAIOSFODNN7EXAMPLE mail a.b@example.org`); expected.push(`${prefix} ${i} key ${"*".repeat(20)} mail ${"*".repeat("a.b@example.org".length)}`);
    }
  }
  return { sent, expected };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

describe("pii-filter in Envoy", { timeout: 600000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-pii",
      filters: [
        { wasm: rootPath("build", "pii-filter.wasm"), name: "pii" },
        { wasm: rootPath("build", "kafka-observe.wasm"), name: "observe" },
      ],
    });
  });
  after(async () => { await stack?.stop(); });

  test("kcat: the seed example is consumed exactly masked", async () => {
    await kcat.produce(stack.bootstrap, "pii-seed", SEED);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-seed", ["-X", "check.crcs=true"]), SEED_MASKED);
  });

  test("the Java producer and consumer (CRC checks on): PII masked, the rest byte-identical", async () => {
    await javaClients.createTopic(stack.bootstrap, "pii-java");
    const { sent, expected } = mixed("java");
    await javaClients.produce(stack.bootstrap, "pii-java", sent, ["compression.type=none"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-java", sent.length, ["check.crcs=true"]), expected);
  });

  test("kafkajs: PII masked, the rest byte-identical", async () => {
    await kafkajsClient.createTopic(stack.bootstrap, "pii-js");
    const { sent, expected } = mixed("js");
    await kafkajsClient.produce(stack.bootstrap, "pii-js", sent, 50);
    assert.deepEqual(await kafkajsClient.consume(stack.bootstrap, "pii-js", sent.length), expected);
  });

  test("gzip batches are inflated, masked and re-written (kcat, CRC checks on)", async () => {
    // librdkafka sends a batch uncompressed when gzip would not shrink it, so send plenty.
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} token=gzipped-secret-value and the same words again`);
    await kcat.produce(stack.bootstrap, "pii-gzip", lines, ["-z", "gzip"]);
    const got = await kcat.consume(stack.bootstrap, "pii-gzip", ["-X", "check.crcs=true"]);
    assert.deepEqual(got, lines.map((l) => l.replace("gzipped-secret-value", "*".repeat(20))));
  });

  test("the Java producer with gzip: PII masked, the rest byte-identical (CRC checks on)", async () => {
    await javaClients.createTopic(stack.bootstrap, "pii-java-gzip");
    const { sent, expected } = mixed("javagz");
    await javaClients.produce(stack.bootstrap, "pii-java-gzip", sent, ["compression.type=gzip", "linger.ms=50"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-java-gzip", sent.length, ["check.crcs=true"]), expected);
  });

  test("snappy batches are decompressed, masked and re-written (kcat and the Java producer, CRC checks on)", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} token=snappy-secret-value and the same words again`);
    await kcat.produce(stack.bootstrap, "pii-snappy", lines, ["-z", "snappy"]);
    const masked = lines.map((l) => l.replace("snappy-secret-value", "*".repeat(19)));
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-snappy", ["-X", "check.crcs=true"]), masked);
    await javaClients.createTopic(stack.bootstrap, "pii-java-snappy");
    const { sent, expected } = mixed("javasn");
    await javaClients.produce(stack.bootstrap, "pii-java-snappy", sent, ["compression.type=snappy", "linger.ms=50"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-java-snappy", sent.length, ["check.crcs=true"]), expected);
  });

  test("lz4 batches are decompressed, masked and re-written (kcat and the Java producer, CRC checks on)", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} token=lz4-secret-value and the same words again`);
    await kcat.produce(stack.bootstrap, "pii-lz4", lines, ["-z", "lz4"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-lz4", ["-X", "check.crcs=true"]), lines.map((l) => l.replace("lz4-secret-value", "*".repeat(16))));
    await javaClients.createTopic(stack.bootstrap, "pii-java-lz4");
    const { sent, expected } = mixed("javalz");
    await javaClients.produce(stack.bootstrap, "pii-java-lz4", sent, ["compression.type=lz4", "linger.ms=50"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-java-lz4", sent.length, ["check.crcs=true"]), expected);
  });

  test("zstd batches are decompressed, masked and re-written (kcat and the Java producer, CRC checks on)", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} token=zstd-secret-value and the same words again`);
    await kcat.produce(stack.bootstrap, "pii-zstd", lines, ["-z", "zstd"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-zstd", ["-X", "check.crcs=true"]), lines.map((l) => l.replace("zstd-secret-value", "*".repeat(17))));
    await javaClients.createTopic(stack.bootstrap, "pii-java-zstd");
    const { sent, expected } = mixed("javazs");
    await javaClients.produce(stack.bootstrap, "pii-java-zstd", sent, ["compression.type=zstd", "linger.ms=50"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-java-zstd", sent.length, ["check.crcs=true"]), expected);
  });

  test("the broker's log segments contain none of the secrets", async () => {
    // Let the broker flush what it has to the segment files (page cache is what grep reads).
    await new Promise((r) => setTimeout(r, 500));
    const files = filesUnder(stack.kafka.dataDir).filter((f) => /pii-/.test(f) && f.endsWith(".log"));
    assert.ok(files.length >= 10, `segments: ${files.join(", ")}`);
    const data = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    assert.ok(data.includes("*******************"), "masked values were stored");
    for (const s of SECRETS) assert.equal(data.includes(s), false, `"${s}" reached the broker's disk`);
  });

  test("metrics count what was scanned and masked", async () => {
    const stats = await stack.envoy.stats("wasmcustom.pii");
    assert.ok((stats.get("wasmcustom.pii.records_scanned") ?? 0) >= 602);
    assert.ok((stats.get("wasmcustom.pii.matches.detector_email") ?? 0) >= 151);
    assert.ok((stats.get("wasmcustom.pii.matches.detector_card") ?? 0) >= 150);
    assert.ok((stats.get("wasmcustom.pii.matches.detector_secret_kv") ?? 0) >= 151);
    assert.ok((stats.get("wasmcustom.pii.matches.detector_aws_key_id") ?? 0) >= 150);
  });
});

describe("pii-filter on the fetch path, with an exempt client", { timeout: 300000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-pii-fetch",
      filters: [{ wasm: rootPath("build", "pii-filter.wasm"), name: "pii", configuration: JSON.stringify({ direction: "fetch", fetch_exempt_clients: ["auditor"], actions: { phone: "drop" } }) }],
    });
  });
  after(async () => { await stack?.stop(); });

  test("consumers read masked, the exempt client reads what was stored", async () => {
    await kcat.produce(stack.bootstrap, "pii-fetch", SEED);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch", ["-X", "client.id=reader", "-X", "check.crcs=true"]), SEED_MASKED);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch", ["-X", "client.id=auditor", "-X", "check.crcs=true"]), SEED);
    const gz = Array.from({ length: 200 }, (_, i) => `line ${i} password=fetch-side-secret and more words`);
    await kcat.produce(stack.bootstrap, "pii-fetch-gz", gz, ["-z", "gzip"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch-gz", ["-X", "client.id=reader", "-X", "check.crcs=true"]), gz.map((l) => l.replace("fetch-side-secret", "*".repeat(17))));
  });

  test("drop on the fetch path: consumers skip the record's offset, the exempt client still reads it", async () => {
    const sent = ["first", "call +14155552671", "last"];
    await kcat.produce(stack.bootstrap, "pii-fetch-drop", sent);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch-drop", ["-X", "client.id=reader", "-X", "check.crcs=true"]), ["first", "last"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-fetch-drop", 2, ["check.crcs=true", "client.id=java-reader"]), ["first", "last"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch-drop", ["-X", "client.id=auditor"]), sent);
  });

  test("a share-group consumer (KIP-932, ShareFetch) reads masked too, and the drop leaves a gap it steps over", async () => {
    const sent = ["My email is example@email.com", "call +14155552671", "plain"];
    await kcat.produce(stack.bootstrap, "pii-fetch-share", sent);
    assert.deepEqual(await javaClients.shareConsume(stack.bootstrap, stack.brokerDirect, "pii-fetch-share", "pii-share-group", 2, ["client.id=share-reader"]),
      ["My email is *****************", "plain"]);
  });

  test("large fetch responses stream batch by batch: masks go on in place, a drop cuts the partition and the rest is fetched again; kcat, Java and kafkajs read exactly", async () => {
    // 4,000 records of 1 KiB in batches of 100 (about 100 KiB): each fetch response carries several,
    // arriving at Envoy in many pieces. Every tenth record has an email (masked in place, no change
    // of length); four records have a phone number, which this configuration drops (a change of length).
    const filler = " The parcel left the depot and the courier confirmed the route with the hub as usual.".repeat(12);
    const sent: string[] = [], expected: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const head = `rec ${i}` + (i % 10 === 3 ? " mail jane.doe@example.com" : "") + (i % 1000 === 550 ? " call +14155552671" : "");
      sent.push((head + filler).slice(0, 1000));
      if (i % 1000 !== 550) expected.push(sent[i].replace("jane.doe@example.com", "*".repeat(20)));
    }
    await kafkajsClient.produce(stack.bootstrap, "pii-fetch-large", sent, 100);
    const before = await stack.envoy.stats("wasmcustom.kafka_records.pii");
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch-large", ["-X", "client.id=reader", "-X", "check.crcs=true"]), expected, "kcat");
    const after = await stack.envoy.stats("wasmcustom.kafka_records.pii");
    const grew = (name: string) => (after.get(`wasmcustom.kafka_records.pii.${name}`) ?? 0) - (before.get(`wasmcustom.kafka_records.pii.${name}`) ?? 0);
    console.log(`kcat's read: ${grew("streamed_responses")} fetch responses streamed, ${grew("stream_cuts")} partitions cut`);
    assert.ok(grew("streamed_responses") >= 1, `fetch responses were streamed (${grew("streamed_responses")})`);
    assert.ok(grew("stream_cuts") >= 1, `a drop cut a streamed partition (${grew("stream_cuts")})`);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-fetch-large", expected.length, ["check.crcs=true", "client.id=java-reader"]), expected, "Java");
    assert.deepEqual(await kafkajsClient.consume(stack.bootstrap, "pii-fetch-large", expected.length), expected, "kafkajs");
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-fetch-large", ["-X", "client.id=auditor", "-X", "check.crcs=true"]), sent, "the exempt client reads what was stored");
  });
});

const HASH_KEY = "e2e-hash-key-0123456789";
/** pii-filter's `hash` token, computed here with node:crypto. */
const token = (text: string) => crypto.createHmac("sha256", HASH_KEY).update(text).digest("hex").slice(0, 16);

describe("pii-filter actions: partial, hash, drop and reject", { timeout: 300000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-pii-actions",
      filters: [{ wasm: rootPath("build", "pii-filter.wasm"), name: "pii", configuration: JSON.stringify({ actions: { card: "partial", pem: "reject", phone: "drop", iban: "hash" }, partial_keep: 4, hash_key: HASH_KEY, max_decompressed_bytes: 65536, rules: [{ name: "employee_id", regex: "\\bEMP-[0-9]{6}\\b" }, { name: "codenames", literals: ["Project Falcon"], ignore_case: true }] }) }],
    });
  });
  const SENT = ["keep 1", "call 555-234-5678", "keep 2", "IBAN GB82 WEST 1234 5698 7654 32 paid"];
  const HASHED = `IBAN ${token("GB82WEST12345698765432")} paid`;

  test("kcat (not idempotent): drop removes the record, hash stores a keyed token (CRC checks on)", async () => {
    await kcat.produce(stack.bootstrap, "pii-drop-kcat", SENT);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-drop-kcat", ["-X", "check.crcs=true"]), ["keep 1", "keep 2", HASHED]);
  });

  test("user rules (a regex and a literal list) mask what they match", async () => {
    await kcat.produce(stack.bootstrap, "pii-user-rules", ["badge EMP-123456 for project falcon", "EMP-1234567 is no id"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-user-rules", ["-X", "check.crcs=true"]), ["badge ********** for **************", "EMP-1234567 is no id"]);
  });

  test("a batch the filter cannot scan (inflating past max_decompressed_bytes) is never stored (policy close)", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} token=too-big-to-scan and the same words again`);
    // kcat reports the failed delivery but still exits 0; what matters is what the broker got.
    await runClient("kcat", ["-b", stack.bootstrap, "-t", "pii-unscannable", "-P", "-z", "gzip", "-X", "message.timeout.ms=6000", "-X", "retries=1"], lines.join("\n") + "\n", 60000).catch(() => undefined);
    const stats = await stack.envoy.stats("wasmcustom.pii");
    assert.ok((stats.get("wasmcustom.pii.unsupported_batches") ?? 0) >= 1);
    // librdkafka may send the first line in a batch of its own, which is small enough to scan;
    // the big batch must not be stored.
    const stored = await kcat.consume(stack.bootstrap, "pii-unscannable").catch(() => [] as string[]);
    assert.ok(stored.length < lines.length, `${stored.length} lines stored`);
    assert.ok(stored.every((l) => !l.includes("too-big-to-scan")), "nothing unscanned was stored");
  });

  test("kafkajs: a produce whose every record is dropped succeeds and stores nothing", async () => {
    await kafkajsClient.createTopic(stack.bootstrap, "pii-drop-all");
    await kafkajsClient.produce(stack.bootstrap, "pii-drop-all", ["call +14155552671", "call 555-234-5678"]);
    await kafkajsClient.produce(stack.bootstrap, "pii-drop-all", ["after"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-drop-all"), ["after"]);
  });

  test("the idempotent Java producer: a dropped record stays masked, so its sequence numbers hold", async () => {
    await javaClients.createTopic(stack.bootstrap, "pii-drop-java");
    await javaClients.produce(stack.bootstrap, "pii-drop-java", SENT, ["enable.idempotence=true", "acks=all", "linger.ms=50"]);
    // A second produce on a new connection would fail with OUT_OF_ORDER_SEQUENCE_NUMBER if the first had lost records.
    await javaClients.produce(stack.bootstrap, "pii-drop-java", ["after"], ["enable.idempotence=true", "acks=all"]);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-drop-java", 5, ["check.crcs=true"]), ["keep 1", "call ***-***-****", "keep 2", HASHED, "after"]);
  });
  after(async () => { await stack?.stop(); });

  test("partial keeps the last four digits of a card", async () => {
    await kcat.produce(stack.bootstrap, "pii-partial", ["pay with 4111 1111 1111 1111 today", "mail a@b.org"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-partial", ["-X", "check.crcs=true"]), ["pay with **** **** **** 1111 today", "mail *******"]);
  });

  test("reject fails the produce with POLICY_VIOLATION and nothing is stored", async () => {
    await kafkajsClient.createTopic(stack.bootstrap, "pii-reject");
    const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
    await assert.rejects(kafkajsClient.produce(stack.bootstrap, "pii-reject", ["harmless", key]), (e: Error & { type?: string; cause?: { type?: string } }) =>
      /POLICY_VIOLATION|Policy/i.test(`${e.type} ${e.message} ${e.cause?.type ?? ""}`));
    await kcat.produce(stack.bootstrap, "pii-reject", ["after the rejection"]);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-reject"), ["after the rejection"], "the rejected batch was not stored");
    const stats = await stack.envoy.stats("wasmcustom.pii");
    assert.equal(stats.get("wasmcustom.pii.rejected_produces"), 1);
    assert.ok((stats.get("wasmcustom.pii.actions.action_partial") ?? 0) >= 1);
    assert.ok((stats.get("wasmcustom.pii.records_dropped") ?? 0) >= 1);
    assert.ok((stats.get("wasmcustom.pii.drops_kept_masked") ?? 0) >= 1);
    assert.ok((stats.get("wasmcustom.pii.actions.action_hash") ?? 0) >= 2);
  });
});

describe("pii-filter by SASL principal and by topic (Java clients name topics by id)", { timeout: 400000 }, () => {
  const users: Record<string, string> = { alice: "alice-pw", auditor: "auditor-pw" };
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-pii-sasl",
      saslPlainUsers: users,
      filters: [{
        wasm: rootPath("build", "pii-filter.wasm"), name: "pii",
        configuration: JSON.stringify({ direction: "fetch", fetch_exempt_principals: ["auditor"], topics: [{ match: "open-*", skip: true }] }),
      }],
    });
  });
  after(async () => { await stack?.stop(); });
  const kcatAs = (user: string) => ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X", `sasl.username=${user}`, "-X", `sasl.password=${users[user]}`, "-X", "client.id=same-for-all"];
  const javaAs = (user: string) => ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${user}" password="${users[user]}";`];

  test("the exempt principal reads unmasked; others read masked, whatever their client.id", async () => {
    await kcat.produce(stack.bootstrap, "pii-sasl", SEED, kcatAs("alice"));
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-sasl", [...kcatAs("alice"), "-X", "check.crcs=true"]), SEED_MASKED);
    assert.deepEqual(await kcat.consume(stack.bootstrap, "pii-sasl", [...kcatAs("auditor"), "-X", "check.crcs=true"]), SEED);
  });

  test("a skipped topic is delivered as stored, to the Java consumer fetching by topic id", async () => {
    await javaClients.produce(stack.bootstrap, "open-data", SEED, javaAs("alice"));
    await javaClients.produce(stack.bootstrap, "pii-sasl-java", SEED, javaAs("alice"));
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "open-data", 2, ["check.crcs=true", ...javaAs("alice")]), SEED);
    assert.deepEqual(await javaClients.consume(stack.bootstrap, "pii-sasl-java", 2, ["check.crcs=true", ...javaAs("alice")]), SEED_MASKED);
    const stats = await stack.envoy.stats("wasmcustom.pii");
    assert.ok((stats.get("wasmcustom.pii.skipped_topic_batches") ?? 0) >= 1);
  });
});
