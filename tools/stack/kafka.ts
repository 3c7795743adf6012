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

/** The address the readiness probe connects from, so a broker's log of accepted connections tells it from clients. */
export const PROBE_SOURCE_ADDRESS = "127.0.0.3";

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
  /** In a cluster (cluster.ts): this node's id (default 1), the controller quorum ("1@host:port,2@…"; default this node alone), and the internal topics' replication factor (default 1). */
  nodeId?: number;
  quorumVoters?: string;
  replicationFactor?: number;
  /** The JVM's maximum heap (default "1g"). */
  heap?: string;
  /** Log every connection a listener accepts ("Accepted connection from /peer on /local", at DEBUG). */
  logConnections?: boolean;
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
    const nodeId = c.nodeId ?? 1, rf = c.replicationFactor ?? 1;
    return [
      "process.roles=broker,controller",
      `node.id=${nodeId}`,
      `controller.quorum.voters=${c.quorumVoters ?? `${nodeId}@127.0.0.1:${c.controllerPort}`}`,
      `listeners=${listeners.join(",")}`,
      `advertised.listeners=${advertised.join(",")}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      `listener.security.protocol.map=${protocols.join(",")}`,
      `log.dirs=${this.dataDir}`,
      "num.partitions=1",
      `offsets.topic.replication.factor=${rf}`,
      "offsets.topic.num.partitions=4",
      `transaction.state.log.replication.factor=${rf}`,
      `transaction.state.log.min.isr=${Math.min(rf, 2)}`,
      `share.coordinator.state.topic.replication.factor=${rf}`,
      `share.coordinator.state.topic.min.isr=${Math.min(rf, 2)}`,
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=true",
      c.extraProperties ?? "",
    ].join("\n") + "\n";
  }

  /**
   * Starts the broker. `restart` (after kill()) starts it again on its data as it is; otherwise the
   * storage is formatted anew, unless `keepData` is set and a previous run formatted it.
   */
  async start(restart = false): Promise<void> {
    const reuse = restart || (this.config.keepData === true && fs.existsSync(path.join(this.dataDir, "meta.properties")));
    // The readiness check reads the log: an earlier run's lines must not count.
    if (reuse && fs.existsSync(this.logFile)) fs.renameSync(this.logFile, `${this.logFile}.previous`);
    if (restart) { await this.launch(); return; }
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
      ...(this.config.logConnections ? ["logger.acceptor.name=kafka.network.DataPlaneAcceptor", "logger.acceptor.level=DEBUG"] : []),
    ].join("\n") + "\n");
    const jvm = this.jvm();
    if (!reuse) await new Promise<void>((resolve, reject) => {
      const fmt = spawn("java", [...jvm, "kafka.tools.StorageTool", "format", "-t", "kafkaproxywasmcluster1", "-c", props], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      fmt.stdout!.on("data", (d) => (out += d));
      fmt.stderr!.on("data", (d) => (out += d));
      fmt.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`kafka storage format failed:\n${out}`))));
    });
    await this.launch();
  }

  private jvm(): string[] {
    const heap = this.config.heap ?? "1g";
    const log4j = path.join(this.dir, "log4j2.properties");
    return [`-Xms${heap === "1g" ? "256m" : "128m"}`, `-Xmx${heap}`, `-Dlog4j2.configurationFile=${log4j}`, ...(this.config.jvmOptions ?? []), "-cp", kafkaClasspath()];
  }

  private async launch(): Promise<void> {
    const props = path.join(this.dir, "server.properties");
    const jvm = this.jvm();
    this.exit = null;
    const stdout = fs.openSync(path.join(this.dir, "kafka.stdout"), "w");
    this.child = spawn(...withParentDeath("java", [...jvm, "kafka.Kafka", props]), { stdio: ["ignore", stdout, stdout] });
    this.forget = stopOnExit(() => this.stop());
    this.child.on("exit", (code, sig) => { this.exit = `kafka exited (${code ?? sig}); see ${this.logFile}:\n${tail(this.logFile)}\n${tail(path.join(this.dir, "kafka.stdout"))}`; });
    await waitFor("kafka", async () => {
      if (!(await canConnect(this.config.port, "127.0.0.1", PROBE_SOURCE_ADDRESS))) return false;
      try { return /started \(kafka\.server\.KafkaRaftServer\)|Kafka Server started/.test(fs.readFileSync(this.logFile, "utf8")); } catch { return false; }
    }, 90000, () => this.exit);
  }

  async stop(): Promise<void> {
    this.forget();
    if (this.exit) return;
    await stopChild(this.child, 15000);
  }

  /** The broker's process id while it runs. */
  get pid(): number | undefined { return this.exit ? undefined : this.child?.pid; }

  /** kill -9, for failover tests: no clean shutdown, no leadership handed over. */
  async kill(): Promise<void> {
    this.forget();
    const child = this.child;
    if (!child || this.exit || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => { child.once("exit", () => resolve()); child.kill("SIGKILL"); });
  }

}
