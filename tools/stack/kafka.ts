// An Apache Kafka 4.x broker in KRaft mode, from the Maven Central jars, on Java 17.
// Its advertised listener is Envoy's, so clients that follow metadata stay on the proxy.
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { cachePath, rootPath } from "../lib/paths.js";
import { step, stopChild, withParentDeath } from "../lib/proc.js";
import { stopOnExit } from "../lib/interrupt.js";
import { copyDependencies } from "../lib/maven.js";
import { canConnect, waitFor } from "./net.js";
import { tail } from "./envoy.js";

export const KAFKA_VERSION = "4.4.0";

export const kafkaLibs = () => cachePath(`kafka-${KAFKA_VERSION}`, "libs");
export const kafkaClasspath = () => path.join(kafkaLibs(), "*");

/** The major version of the `java` on the PATH, or 0 when there is none. */
export function javaMajorVersion(): number {
  const r = spawnSync("java", ["-version"], { encoding: "utf8" });
  const m = /version "(\d+)/.exec(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  return m ? Number(m[1]) : 0;
}

export async function installKafka(): Promise<string> {
  const marker = path.join(kafkaLibs(), `kafka_2.13-${KAFKA_VERSION}.jar`);
  if (!fs.existsSync(marker)) {
    step(`fetching Apache Kafka ${KAFKA_VERSION} (broker, tools, clients) with mvn into ${kafkaLibs()}`);
    await copyDependencies(rootPath("tools", "stack", "kafka", "pom.xml"), kafkaLibs());
  }
  const java = javaMajorVersion();
  if (java < 17) throw new Error(`Kafka ${KAFKA_VERSION} needs Java 17 or newer; \`java -version\` reports ${java || "nothing"}`);
  return kafkaLibs();
}

export interface KafkaConfig {
  /** The broker's own listener (Envoy's upstream). */
  port: number;
  controllerPort: number;
  /** What clients are told to connect to: Envoy's listener. */
  advertisedPort: number;
  /** Extra server.properties lines (SASL listeners, say). */
  extraProperties?: string;
  /** Extra listeners, appended to `listeners=` (e.g. "SASL_PLAINTEXT://127.0.0.1:29094"). */
  extraListeners?: { name: string; port: number; advertisedPort: number; protocol: string }[];
  /** Extra JVM options (JAAS config, say). */
  jvmOptions?: string[];
  /** Start on the data a previous run left (formatted once); by default the data folder is wiped. */
  keepData?: boolean;
}

export class KafkaBroker {
  private child: ChildProcess | null = null;
  private exit: string | null = null;
  private forget = () => {};
  constructor(readonly dir: string, readonly config: KafkaConfig) {}

  get dataDir(): string { return path.join(this.dir, "data"); }
  get logFile(): string { return path.join(this.dir, "kafka.log"); }

  private properties(): string {
    const c = this.config;
    const extra = c.extraListeners ?? [];
    const listeners = [`PLAINTEXT://127.0.0.1:${c.port}`, `CONTROLLER://127.0.0.1:${c.controllerPort}`, ...extra.map((l) => `${l.name}://127.0.0.1:${l.port}`)];
    const advertised = [`PLAINTEXT://127.0.0.1:${c.advertisedPort}`, ...extra.map((l) => `${l.name}://127.0.0.1:${l.advertisedPort}`)];
    const protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", ...extra.map((l) => `${l.name}:${l.protocol}`)];
    return [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${c.controllerPort}`,
      `listeners=${listeners.join(",")}`,
      `advertised.listeners=${advertised.join(",")}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      `listener.security.protocol.map=${protocols.join(",")}`,
      `log.dirs=${this.dataDir}`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=true",
      c.extraProperties ?? "",
    ].join("\n") + "\n";
  }

  async start(): Promise<void> {
    const reuse = this.config.keepData === true && fs.existsSync(path.join(this.dataDir, "meta.properties"));
    if (!reuse) fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const props = path.join(this.dir, "server.properties");
    fs.writeFileSync(props, this.properties());
    const log4j = path.join(this.dir, "log4j2.properties");
    fs.writeFileSync(log4j, [
      "rootLogger.level=INFO",
      "rootLogger.appenderRef.file.ref=file",
      "appender.file.type=File",
      "appender.file.name=file",
      `appender.file.fileName=${this.logFile}`,
      "appender.file.layout.type=PatternLayout",
      "appender.file.layout.pattern=[%d] %p %m (%c)%n",
      "logger.kafka.name=kafka",
      "logger.kafka.level=INFO",
      "logger.org.name=org.apache",
      "logger.org.level=WARN",
    ].join("\n") + "\n");
    const jvm = ["-Xms256m", "-Xmx1g", `-Dlog4j2.configurationFile=${log4j}`, ...(this.config.jvmOptions ?? []), "-cp", kafkaClasspath()];
    if (!reuse) await new Promise<void>((resolve, reject) => {
      const fmt = spawn("java", [...jvm, "kafka.tools.StorageTool", "format", "-t", "kafkaproxywasmcluster1", "-c", props], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      fmt.stdout!.on("data", (d) => (out += d));
      fmt.stderr!.on("data", (d) => (out += d));
      fmt.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`kafka storage format failed:\n${out}`))));
    });
    const stdout = fs.openSync(path.join(this.dir, "kafka.stdout"), "w");
    this.child = spawn(...withParentDeath("java", [...jvm, "kafka.Kafka", props]), { stdio: ["ignore", stdout, stdout] });
    this.forget = stopOnExit(() => this.stop());
    this.child.on("exit", (code, sig) => { this.exit = `kafka exited (${code ?? sig}); see ${this.logFile}:\n${tail(this.logFile)}\n${tail(path.join(this.dir, "kafka.stdout"))}`; });
    await waitFor("kafka", async () => {
      if (!(await canConnect(this.config.port))) return false;
      try { return /started \(kafka\.server\.KafkaRaftServer\)|Kafka Server started/.test(fs.readFileSync(this.logFile, "utf8")); } catch { return false; }
    }, 90000, () => this.exit);
  }

  async stop(): Promise<void> {
    this.forget();
    if (this.exit) return;
    await stopChild(this.child, 15000);
  }

}
