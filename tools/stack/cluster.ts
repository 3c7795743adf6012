// A Kafka cluster of N KRaft nodes behind one Envoy: a bootstrap listener, and one listener per
// broker with its own tcp_proxy cluster, so a client that follows metadata to a partition's
// leader reaches that broker through the proxy.
//
// The brokers advertise their own addresses. Only the broker-rewrite filter (or any plugin with
// BrokerRewriter enabled) keeps clients on Envoy: it puts each broker's Envoy listener in place
// of the broker's address in every response that names brokers. With `advertise: "proxy"` the
// brokers advertise their Envoy listeners instead, and no rewrite is needed (a benchmark baseline).
//
// Each node is broker and controller at once (a combined KRaft quorum of N voters), with three
// listeners: PLAINTEXT for clients, INTERNAL for replication between brokers, CONTROLLER for the
// quorum. Envoy connects to the brokers from 127.0.0.2, so a broker's log of accepted connections
// (`logConnections`) tells Envoy's connections (from 127.0.0.2) from anyone else's.
import fs from "node:fs";
import path from "node:path";
import { cachePath, rootPath } from "../lib/paths.js";
import { step } from "../lib/proc.js";
import { installEnvoy, envoyBinary, EnvoyProcess, EnvoyConfig, WasmFilter, wasmFiltersYaml } from "./envoy.js";
import { installKafka, KafkaBroker } from "./kafka.js";
import { freePort } from "./net.js";

/** The address Envoy connects to brokers from, so brokers can tell Envoy from other clients. */
export const ENVOY_SOURCE_ADDRESS = "127.0.0.2";

/** A broker as clients see it in metadata: its node id and address. */
export interface BrokerEndpoint { nodeId: number; host: string; port: number }

export interface ClusterOptions {
  /** Number of nodes (each broker and controller); node ids are 1..n. */
  brokers: number;
  /** The folder each node's data and logs go to (node-<id>/). */
  dir: string;
  /** Each JVM's maximum heap (default "384m": three brokers on a small machine). */
  heap?: string;
  /** Log every connection the brokers accept (see kafka.ts logConnections). */
  logConnections?: boolean;
  /** What each broker advertises to clients, by node id (default: its own client listener). */
  advertisedPorts?: Map<number, number>;
  /** More client listeners per node (a benchmark gives each path its own, advertising its own front door). */
  extraListeners?: (nodeId: number) => { name: string; port: number; advertisedPort: number }[];
  /** More server.properties lines for every node. */
  extraProperties?: string;
}

export class KafkaCluster {
  private constructor(readonly nodes: KafkaBroker[]) {}

  /** Picks ports and writes nothing yet; start() formats storage and starts every node. */
  static async create(o: ClusterOptions): Promise<KafkaCluster> {
    if (!Number.isInteger(o.brokers) || o.brokers < 1 || o.brokers > 9) throw new Error(`brokers: ${o.brokers}: must be a whole number from 1 to 9`);
    const ids = Array.from({ length: o.brokers }, (_, i) => i + 1);
    const ports = new Map<number, { client: number; internal: number; controller: number }>();
    for (const id of ids) ports.set(id, { client: await freePort(), internal: await freePort(), controller: await freePort() });
    const voters = ids.map((id) => `${id}@127.0.0.1:${ports.get(id)!.controller}`).join(",");
    const rf = Math.min(3, o.brokers);
    const nodes = ids.map((id) => {
      const p = ports.get(id)!;
      return new KafkaBroker(path.join(o.dir, `node-${id}`), {
        port: p.client, controllerPort: p.controller, advertisedPort: o.advertisedPorts?.get(id) ?? p.client,
        nodeId: id, quorumVoters: voters, replicationFactor: rf, heap: o.heap ?? "384m", logConnections: o.logConnections,
        extraListeners: [
          { name: "INTERNAL", port: p.internal, advertisedPort: p.internal, protocol: "PLAINTEXT" },
          ...(o.extraListeners?.(id) ?? []).map((l) => ({ ...l, protocol: "PLAINTEXT" })),
        ],
        // Later lines win: replication goes over INTERNAL, never through Envoy.
        extraProperties: [
          "inter.broker.listener.name=INTERNAL",
          `default.replication.factor=${rf}`,
          `min.insync.replicas=${Math.min(2, rf)}`,
          // Failover within seconds: a killed node leaves the ISR and the quorum notices soon.
          "replica.lag.time.max.ms=5000",
          "broker.session.timeout.ms=4000",
          "broker.heartbeat.interval.ms=1000",
          "controller.quorum.fetch.timeout.ms=2000",
          "controller.quorum.election.timeout.ms=1000",
          "num.network.threads=2",
          "num.io.threads=2",
          "num.replica.fetchers=1",
          "log.cleaner.enable=false",
          o.extraProperties ?? "",
        ].join("\n"),
      });
    });
    return new KafkaCluster(nodes);
  }

  /** The brokers as they advertise themselves. */
  get endpoints(): BrokerEndpoint[] {
    return this.nodes.map((n) => ({ nodeId: n.config.nodeId!, host: "127.0.0.1", port: n.config.port }));
  }

  /** The brokers' own client listeners, comma separated (clients that bypass the proxy, on purpose). */
  get bootstrapDirect(): string { return this.nodes.map((n) => `127.0.0.1:${n.config.port}`).join(","); }

  node(nodeId: number): KafkaBroker {
    const n = this.nodes.find((x) => x.config.nodeId === nodeId);
    if (!n) throw new Error(`no node ${nodeId} in this cluster (nodes ${this.nodes.map((x) => x.config.nodeId).join(", ")})`);
    return n;
  }

  /** Formats and starts every node at once (each waits for a quorum of the others). */
  async start(): Promise<void> {
    const started = await Promise.allSettled(this.nodes.map((n) => n.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) { await this.stop(); throw failed.reason; }
  }

  /** kill -9 of one node. */
  async kill(nodeId: number): Promise<void> { await this.node(nodeId).kill(); }

  /** Starts a killed node again on its own data. */
  async restart(nodeId: number): Promise<void> { await this.node(nodeId).start(true); }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/** Where Envoy listens for each broker, and for bootstrapping. */
export interface ProxyListeners {
  /** The host clients dial (Envoy's listeners are on 127.0.0.1 here; a real deployment names its load balancer). */
  host: string;
  bootstrapPort: number;
  /** Envoy's listener for each broker, by node id. */
  brokerPorts: Map<number, number>;
}

/** Free ports for a bootstrap listener and one listener per broker. */
export async function pickProxyListeners(nodeIds: number[], bootstrapPort?: number, host = "127.0.0.1"): Promise<ProxyListeners> {
  const brokerPorts = new Map<number, number>();
  for (const id of nodeIds) brokerPorts.set(id, await freePort());
  return { host, bootstrapPort: bootstrapPort ?? (await freePort()), brokerPorts };
}

/** The `broker_addresses` setting that maps each broker to its Envoy listener (for broker-rewrite). */
export function brokerAddresses(listeners: ProxyListeners, unmapped: "close" | "default" = "close"): Record<string, unknown> {
  const nodes: Record<string, string> = {};
  for (const [id, port] of listeners.brokerPorts) nodes[String(id)] = `${listeners.host}:${port}`;
  return unmapped === "close" ? { nodes, unmapped } : { nodes, unmapped, default: `${listeners.host}:${listeners.bootstrapPort}` };
}

/**
 * Envoy's configuration for a cluster: the bootstrap listener (its cluster has every broker;
 * a connection tries the next one when a broker is down) and one listener per broker with its own
 * tcp_proxy cluster, each with the same filter chain. Feed it to envoyBootstrap() or EnvoyProcess.
 */
export function clusterEnvoyConfig(brokers: BrokerEndpoint[], listeners: ProxyListeners, filters: WasmFilter[], adminPort: number, extra: Partial<EnvoyConfig> = {}): EnvoyConfig {
  if (brokers.length === 0) throw new Error("clusterEnvoyConfig: no brokers");
  const chain = wasmFiltersYaml(filters);
  const source = `
    upstream_bind_config: { source_address: { address: ${ENVOY_SOURCE_ADDRESS}, port_value: 0 } }`;
  const perBroker = brokers.map((b) => {
    const port = listeners.brokerPorts.get(b.nodeId);
    if (port === undefined) throw new Error(`clusterEnvoyConfig: no Envoy listener port for node ${b.nodeId}`);
    return {
      listener: `  - name: kafka_node_${b.nodeId}
    address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
    filter_chains:
    - filters:${chain}
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: kafka_node_${b.nodeId}
          cluster: kafka_node_${b.nodeId}`,
      cluster: `  - name: kafka_node_${b.nodeId}
    connect_timeout: 5s
    type: STATIC${source}
    load_assignment:
      cluster_name: kafka_node_${b.nodeId}
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ${b.host}, port_value: ${b.port} } } } }] }]`,
    };
  });
  const { extraClusters, ...rest } = extra;
  return {
    listenPort: listeners.bootstrapPort,
    adminPort,
    upstreamPort: brokers[0].port,
    upstreamPorts: brokers.slice(1).map((b) => b.port),
    upstreamSourceAddress: ENVOY_SOURCE_ADDRESS,
    filters,
    extraListeners: perBroker.map((p) => p.listener).join("\n"),
    extraClusters: [...perBroker.map((p) => p.cluster), extraClusters ?? ""].filter((s) => s).join("\n"),
    ...rest,
  };
}

export interface ClusterStackOptions {
  /** A name for the run folder under the cache. */
  name?: string;
  brokers: number;
  /** Plugins, in chain order, on every listener. */
  filters: WasmFilter[];
  /**
   * "own" (default): brokers advertise their own addresses, and broker-rewrite is put first in
   * the chain unless `rewrite` is false. "proxy": brokers advertise their Envoy listeners.
   */
  advertise?: "own" | "proxy";
  /** Put build/broker-rewrite.wasm in the chain (default: true when brokers advertise their own addresses). */
  rewrite?: boolean;
  /** What broker-rewrite does with a node it has no listener for. */
  unmapped?: "close" | "default";
  /** Envoy's listener ports (pickProxyListeners); free ones when omitted. */
  listeners?: ProxyListeners;
  /** The addresses broker-rewrite tells clients (default: Envoy's listeners; a test puts relays in front of them). */
  rewriteTo?: ProxyListeners;
  port?: number;
  adminPort?: number;
  heap?: string;
  logConnections?: boolean;
  envoyExtra?: Partial<EnvoyConfig>;
}

/** N brokers behind one Envoy: what `dev --brokers N`, the cluster tests and the benchmark start. */
export class ClusterStack {
  constructor(readonly envoy: EnvoyProcess, readonly kafka: KafkaCluster, readonly listeners: ProxyListeners) {}

  get bootstrap(): string { return `${this.listeners.host}:${this.listeners.bootstrapPort}`; }
  /** Every address a client may legitimately learn: Envoy's listeners. */
  get proxyAddresses(): string[] { return [this.bootstrap, ...[...this.listeners.brokerPorts.values()].map((p) => `${this.listeners.host}:${p}`)]; }

  static async start(o: ClusterStackOptions): Promise<ClusterStack> {
    await installEnvoy();
    await installKafka();
    const dir = cachePath("run", o.name ?? "cluster");
    fs.mkdirSync(dir, { recursive: true });
    const ids = Array.from({ length: o.brokers }, (_, i) => i + 1);
    const listeners = o.listeners ?? (await pickProxyListeners(ids, o.port));
    const advertiseProxy = o.advertise === "proxy";
    const kafka = await KafkaCluster.create({
      brokers: o.brokers, dir: path.join(dir, "kafka"), heap: o.heap, logConnections: o.logConnections,
      advertisedPorts: advertiseProxy ? listeners.brokerPorts : undefined,
    });
    const rewrite = o.rewrite ?? !advertiseProxy;
    const filters: WasmFilter[] = rewrite
      ? [{ wasm: rootPath("build", "broker-rewrite.wasm"), name: "broker_rewrite", configuration: JSON.stringify({ broker_addresses: brokerAddresses(o.rewriteTo ?? listeners, o.unmapped ?? "close") }) }, ...o.filters]
      : o.filters;
    for (const f of filters) if (!fs.existsSync(f.wasm)) throw new Error(`${f.wasm}: no such file (run \`npm run build\` first?)`);
    const envoy = new EnvoyProcess(envoyBinary(), path.join(dir, "envoy"),
      clusterEnvoyConfig(kafka.endpoints, listeners, filters, o.adminPort ?? (await freePort()), o.envoyExtra));
    step(`starting a Kafka cluster of ${o.brokers} KRaft nodes on ${kafka.bootstrapDirect}`);
    await kafka.start();
    step(`starting Envoy: bootstrap ${listeners.host}:${listeners.bootstrapPort}, brokers ${[...listeners.brokerPorts].map(([id, p]) => `${id}→${p}`).join(" ")}, ${filters.length ? filters.map((f) => path.basename(f.wasm)).join(", ") : "tcp_proxy only"}`);
    try {
      await envoy.start();
    } catch (e) {
      await kafka.stop();
      throw e;
    }
    return new ClusterStack(envoy, kafka, listeners);
  }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.kafka.stop();
  }
}
