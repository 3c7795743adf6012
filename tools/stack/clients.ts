// Real Kafka clients, driven from the tests, the benchmarks and the demo: kcat (Debian
// package), the Java console tools (from the broker's own jars), and kafkajs (npm).
import { spawn } from "node:child_process";
import { Kafka, logLevel, CompressionTypes } from "kafkajs";
import { kafkaClasspath } from "./kafka.js";
import { have, run, step, stopChild } from "../lib/proc.js";
import { stopOnExit } from "../lib/interrupt.js";

export interface RunResult { stdout: string; stderr: string }

export function runClient(cmd: string, args: string[], input = "", timeoutMs = 120000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const forget = stopOnExit(() => stopChild(child, 2000));
    child.once("exit", forget);
    child.once("error", forget);
    let stdout = "", stderr = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${cmd} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`)); }, timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${stderr.slice(-3000)}`));
    });
    child.stdin.end(input);
  });
}

export const kcat = {
  produce: (bootstrap: string, topic: string, lines: string[], extra: string[] = []) =>
    runClient("kcat", ["-b", bootstrap, "-t", topic, "-P", ...extra], lines.join("\n") + "\n"),
  consume: async (bootstrap: string, topic: string, extra: string[] = []): Promise<string[]> => {
    const r = await runClient("kcat", ["-b", bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q", ...extra]);
    return r.stdout.split("\n").filter((l) => l.length > 0);
  },
};

const java = (main: string, args: string[], input = "") =>
  runClient("java", ["-Xmx512m", "-cp", kafkaClasspath(), main, ...args], input, 180000);

export const javaClients = {
  createTopic: (bootstrap: string, topic: string, partitions = 1) =>
    java("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", topic, "--partitions", String(partitions), "--replication-factor", "1"]),
  produce: (bootstrap: string, topic: string, lines: string[], props: string[] = []) =>
    java("org.apache.kafka.tools.ConsoleProducer", ["--bootstrap-server", bootstrap, "--topic", topic, ...props.flatMap((p) => ["--producer-property", p])], lines.join("\n") + "\n"),
  /**
   * A share-group consumer (KIP-932) reading `count` records. The group starts at the earliest
   * offset (set with the group config `share.auto.offset.reset`, at `admin`: the broker itself).
   */
  shareConsume: async (bootstrap: string, admin: string, topic: string, group: string, count: number, props: string[] = []): Promise<string[]> => {
    await java("org.apache.kafka.tools.ConfigCommand", ["--bootstrap-server", admin, "--entity-type", "groups", "--entity-name", group, "--alter", "--add-config", "share.auto.offset.reset=earliest"]);
    const r = await java("org.apache.kafka.tools.consumer.ConsoleShareConsumer", ["--bootstrap-server", bootstrap, "--topic", topic, "--group", group, "--max-messages", String(count), "--timeout-ms", "60000", ...props.flatMap((p) => ["--command-property", p])]);
    return r.stdout.split("\n").filter((l) => l.length > 0);
  },
  consume: async (bootstrap: string, topic: string, count: number, props: string[] = []): Promise<string[]> => {
    const r = await java("org.apache.kafka.tools.consumer.ConsoleConsumer", ["--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", String(count), "--timeout-ms", "60000", ...props.flatMap((p) => ["--command-property", p])]);
    return r.stdout.split("\n").filter((l) => l.length > 0);
  },
};

export const kafkajsClient = {
  kafka: (bootstrap: string, clientId = "kafkajs-e2e") => new Kafka({ brokers: [bootstrap], clientId, logLevel: logLevel.NOTHING }),
  createTopic: async (bootstrap: string, topic: string, partitions = 1) => {
    const admin = kafkajsClient.kafka(bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
  },
  produce: async (bootstrap: string, topic: string, values: string[], batch = 500, compression = CompressionTypes.None) => {
    const producer = kafkajsClient.kafka(bootstrap).producer();
    await producer.connect();
    for (let i = 0; i < values.length; i += batch) {
      await producer.send({ topic, compression, messages: values.slice(i, i + batch).map((value) => ({ value })) });
    }
    await producer.disconnect();
  },
  consume: async (bootstrap: string, topic: string, count: number, timeoutMs = 60000): Promise<string[]> => {
    const consumer = kafkajsClient.kafka(bootstrap).consumer({ groupId: `g-${topic}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs consumed ${got.length}/${count} before timing out`)), timeoutMs);
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value?.toString() ?? "");
          if (got.length >= count) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    return got;
  },
};

export function records(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}-${"abcdefghij".repeat(1 + (i % 7))}`);
}

/** Why kcat cannot be installed here with apt-get, or null when it can be. */
export function kcatInstallBlocker(): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  if (!have("apt-get")) return "apt-get is not on the PATH";
  return null;
}

export async function installKcat(): Promise<void> {
  if (have("kcat")) return;
  const blocked = kcatInstallBlocker();
  if (blocked) {
    throw new Error(`kcat is not installed and cannot be installed here (${blocked}); install the Debian/Ubuntu package \`kcat\` (apt-get install kcat)`);
  }
  step("installing kcat with apt-get");
  await run("apt-get", ["update", "-qq"], { label: "apt-get update" });
  // Another apt-get or dpkg may hold the lock for a while (unattended upgrades, say): wait for it.
  await run("apt-get", ["-o", "DPkg::Lock::Timeout=120", "install", "-y", "-qq", "kcat"], { label: "apt-get install kcat", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** Debian's chromium, for tests that render pages (the flow graph) headless. */
export async function installChromium(): Promise<void> {
  if (have("chromium")) return;
  if (process.getuid?.() !== 0 || !have("apt-get")) {
    throw new Error("chromium is not installed; install the Debian package `chromium` (apt-get install chromium)");
  }
  step("installing chromium with apt-get (for rendering the flow graph in tests)");
  await run("apt-get", ["update", "-qq"], { label: "apt-get update" });
  await run("apt-get", ["install", "-y", "-qq", "chromium"], { label: "apt-get install chromium", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** Loads a local page in headless Chromium and returns the DOM after load (and a screenshot if asked). */
export async function renderInChromium(file: string, screenshot?: string): Promise<string> {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const profile = mkdtempSync(`${tmpdir()}/kpw-chromium-`);
  // No background networking: this machine's network is closed, and nothing else is needed.
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`];
  if (screenshot) await runClient("chromium", [...flags, `--screenshot=${screenshot}`, "--window-size=1200,700", `file://${file}`], "", 60000);
  return (await runClient("chromium", [...flags, "--dump-dom", `file://${file}`], "", 60000)).stdout;
}
