// Records the client sessions the emulator tests replay (tests/fixtures/sessions/).
// Runs real clients (kcat, kafkajs) against a real broker through a recording proxy.
// Usage: node dist/tests/tools/record-sessions.js   (re-run after a Kafka upgrade)
import path from "node:path";
import fs from "node:fs";
import { spawn } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import { installKafka, KafkaBroker } from "../../tools/stack/kafka.js";
import { freePort } from "../../tools/stack/net.js";
import { cachePath, rootPath } from "../../tools/lib/paths.js";
import { RecordingProxy, writeSession, Chunk } from "./session.js";

async function main(): Promise<void> {
  await installKafka();
  const proxyPort = await freePort();
  const broker = new KafkaBroker(cachePath("run", "record"), { port: await freePort(), controllerPort: await freePort(), advertisedPort: proxyPort });
  await broker.start();
  const out = rootPath("tests", "fixtures", "sessions");
  fs.mkdirSync(out, { recursive: true });
  const bootstrap = `127.0.0.1:${proxyPort}`;
  const record = async (name: string, run: () => Promise<void>) => {
    const proxy = new RecordingProxy(proxyPort, broker.config.port);
    await proxy.start();
    await run();
    await new Promise((r) => setTimeout(r, 300));
    await proxy.stop();
    const all: Chunk[] = [];
    // One file per connection that carried data.
    proxy.connections.filter((c) => c.length > 0).forEach((c, i) => {
      writeSession(path.join(out, `${name}-${i}.bin`), c);
      all.push(...c);
    });
    process.stdout.write(`${name}: ${proxy.connections.length} connection(s), ${all.reduce((n, c) => n + c.data.length, 0)} bytes\n`);
  };
  const lines = Array.from({ length: 200 }, (_, i) => `record ${i} ${"x".repeat(i % 50)}`).join("\n") + "\n";
  // Asynchronous: the recording proxy runs on this process's event loop.
  const kcat = (args: string[], input?: string) => new Promise<void>((resolve, reject) => {
    const child = spawn("kcat", ["-b", bootstrap, ...args], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`kcat ${args.join(" ")}: ${err}`))));
    child.stdin.end(input ?? "");
  });
  // At most 20 records a batch: each session carries several pipelined Produce requests
  // whatever the machine's speed (left to kcat's linger, one fast run sends a single one).
  const batches = ["-X", "batch.num.messages=20"];
  await record("kcat-produce", async () => kcat(["-t", "rec", "-P", ...batches], lines));
  await record("kcat-produce-acks0", async () => kcat(["-t", "rec", "-P", "-X", "acks=0", ...batches], lines));
  await record("kcat-consume", async () => kcat(["-t", "rec", "-C", "-e", "-q"]));
  await record("kafkajs", async () => {
    const kafka = new Kafka({ brokers: [bootstrap], clientId: "recorder", logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    // Several sends without awaiting each: pipelined requests on one connection.
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: "recjs", messages: [{ key: `k${i}`, value: `value ${i}` }] })));
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicOffsets("recjs");
    await admin.disconnect();
  });
  await record("kafkajs-admin", async () => {
    const kafka = new Kafka({ brokers: [bootstrap], clientId: "recorder-admin", logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "rec-admin-a", numPartitions: 2, replicationFactor: 1 }, { topic: "rec-admin-b" }], waitForLeaders: false });
    await admin.disconnect();
  });
  await broker.stop();
}

main().catch((e) => { console.error(e); process.exit(1); });
