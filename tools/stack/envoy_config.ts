// `kafka-proxy-wasm envoy-config`: an Envoy configuration for running a plugin in front of a
// Kafka cluster outside this project's dev stack (a service, a container image). One listener
// per broker, each forwarding to its broker through the plugin; the brokers must advertise the
// listeners' addresses so that clients following metadata stay on the proxy.
import fs from "node:fs";
import path from "node:path";
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { FailurePolicy, checkFailurePolicy, parseFailurePolicy } from "./failure_policy.js";

/** One listener: where Envoy listens, and the broker it forwards to. */
export interface ListenerRoute { listenPort: number; upstreamHost: string; upstreamPort: number }

/** One plugin of the chain. */
export interface DeployFilter {
  /** The plugin's .wasm, as Envoy will see it (absolute in a container image). */
  plugin: string;
  /** The plugin configuration, passed to on_configure as is. */
  configuration: string;
  /** The filter's name: stats are kafka_stream.<name>.*, and the vm_id. */
  name: string;
}

/** A cluster a plugin calls out to (billing's `collector_cluster`, say). */
export interface ExtraCluster { name: string; host: string; port: number }

export interface DeployConfig {
  /** The plugins, in the order bytes from clients meet them (the first sees what the client sent). */
  filters: DeployFilter[];
  /** Clusters the plugins call (HTTP callouts), besides the brokers. */
  clusters: ExtraCluster[];
  routes: ListenerRoute[];
  /** Address the listeners bind (0.0.0.0 for every interface). */
  listenAddress: string;
  /** Envoy's admin interface; keep it on loopback, it can stop the server. */
  adminAddress: string;
  adminPort: number;
  failurePolicy: FailurePolicy;
  /** Label names turned into Prometheus labels (`<metric>.<label>_<value>` names, as tagName writes them). */
  statsTags: string[];
}

/** The labels the shipped plugins put into metric names. */
export const DEFAULT_STATS_TAGS = ["api", "error", "topic", "client", "group", "tenant", "detector", "action", "direction", "rule", "check"];

const q = JSON.stringify;

/**
 * The Envoy bootstrap (YAML) for `c`. Every listener shares one filter definition, so each
 * worker thread runs one VM for the plugin (same vm_id, code and configuration), whatever the
 * number of listeners; workers share state through the plugin's shared data and queues.
 */
export function deployBootstrap(c: DeployConfig): string {
  if (c.filters.length === 0) throw new Error("envoy-config: at least one --plugin is needed");
  const names = new Set<string>();
  for (const f of c.filters) {
    checkFailurePolicy({ wasm: f.plugin, name: f.name, failurePolicy: c.failurePolicy });
    if (names.has(f.name)) throw new Error(`envoy-config: two plugins are named ${q(f.name)}: give each a --name`);
    names.add(f.name);
  }
  for (const x of c.clusters) {
    if (/^broker_\d+$/.test(x.name) || c.clusters.filter((y) => y.name === x.name).length > 1) throw new Error(`envoy-config: --cluster ${q(x.name)}: the name is taken`);
  }
  if (c.routes.length === 0) throw new Error("envoy-config: at least one --upstream is needed");
  const ports = new Set<number>();
  for (const r of c.routes) {
    if (ports.has(r.listenPort)) throw new Error(`envoy-config: listen port ${r.listenPort} is used twice`);
    ports.add(r.listenPort);
  }
  const filter = c.filters.map((f) => `
      - name: envoy.filters.network.wasm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
          config:
            name: ${q(f.name)}
            root_id: ${q(f.name)}
            # What happens to connections once the plugin's VM died (a trap): see docs/operations.md.
            failure_policy: ${c.failurePolicy}
            configuration:
              "@type": type.googleapis.com/google.protobuf.StringValue
              value: ${q(f.configuration)}
            vm_config:
              # One VM per worker thread for every listener: same vm_id, code and configuration.
              vm_id: ${q(f.name)}
              runtime: envoy.wasm.runtime.v8
              code: { local: { filename: ${q(f.plugin)} } }`).join("");
  const listeners = c.routes.map((r, i) => `
  - name: kafka_${i}
    address: { socket_address: { address: ${q(c.listenAddress)}, port_value: ${r.listenPort} } }
    filter_chains:
    - filters:${filter}
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: kafka_${i}
          cluster: broker_${i}
          # Kafka connections live long and may idle between fetches: no idle cut.
          idle_timeout: 0s`).join("");
  const clusters = c.routes.map((r, i) => `
  - name: broker_${i}
    connect_timeout: 5s
    type: ${isIP(r.upstreamHost) ? "STATIC" : "STRICT_DNS"}
    load_assignment:
      cluster_name: broker_${i}
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ${q(r.upstreamHost)}, port_value: ${r.upstreamPort} } } } }] }]`).join("")
    + c.clusters.map((x) => `
  # Called by a plugin (an HTTP callout to a collector).
  - name: ${x.name}
    connect_timeout: 5s
    type: ${isIP(x.host) ? "STATIC" : "STRICT_DNS"}
    load_assignment:
      cluster_name: ${x.name}
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ${q(x.host)}, port_value: ${x.port} } } } }] }]`).join("");
  const tags = c.statsTags.map((t) => `
  - tag_name: ${t}
    regex: ${q(`^wasmcustom\\..*?(\\.${t}_([^.]+))`)}`).join("");
  return `# Generated by kafka-proxy-wasm envoy-config: ${c.routes.map((r) => `:${r.listenPort} -> ${r.upstreamHost}:${r.upstreamPort}`).join(", ")}
# Run: envoy -c <this file> --concurrency <cores>
admin:
  address: { socket_address: { address: ${q(c.adminAddress)}, port_value: ${c.adminPort} } }
stats_config:
  # Metric names written as <name>.<label>_<value> become labels in /stats/prometheus.
  stats_tags:${tags || " []"}
static_resources:
  listeners:${listeners}
  clusters:${clusters}
`;
}

/** "host:port" → its parts; the message names the option. */
export function parseHostPort(text: string, option: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`${option}: expected host:port, got ${q(text)}`);
  return { host: m[1].replace(/^\[(.*)\]$/, "$1"), port };
}

const USAGE = `kafka-proxy-wasm envoy-config --plugin <x.wasm> [--config <c.json>] [--name <filter name>]
    [--plugin … [--config …] [--name …]]… --upstream <host:port> [--upstream …]
    [--cluster <name>=<host:port>]… [--listen-port <n>] [--listen-address <addr>] [--admin <host:port>]
    [--failure-policy FAIL_CLOSED|FAIL_RELOAD|FAIL_OPEN] [--stats-tag <label>]…

Prints an Envoy bootstrap (YAML) that runs the plugins in front of Kafka: one listener per
--upstream (broker), on --listen-port (default 9092) and the ports after it, each with the
plugins, in the order given, before tcp_proxy; each plugin's VM shared by every listener of a
worker; the failure policy (FAIL_CLOSED by default); stats tags that turn
<metric>.<label>_<value> names into Prometheus labels (default labels:
${DEFAULT_STATS_TAGS.join(", ")}); the admin interface on 127.0.0.1:9901 unless --admin says
otherwise. Several plugins: give --config once per --plugin, in the same order, or not at all
(every plugin then gets {}); --name likewise (default: each file's name). --cluster declares a
cluster a plugin calls out to, such as billing's collector_cluster. The brokers must advertise
these listeners (advertised.listeners) so clients stay on the proxy. --plugin is written as an
absolute path: give the path the plugin has where Envoy runs (in a container image, say).
`;

export function envoyConfigMain(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      plugin: { type: "string", multiple: true }, config: { type: "string", multiple: true }, upstream: { type: "string", multiple: true },
      "listen-port": { type: "string" }, "listen-address": { type: "string" }, admin: { type: "string" },
      "failure-policy": { type: "string" }, name: { type: "string", multiple: true }, "stats-tag": { type: "string", multiple: true },
      cluster: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const plugins = values.plugin ?? [];
  if (plugins.length === 0) { process.stderr.write(`envoy-config: --plugin is required\n\n${USAGE}`); return 2; }
  const configs = values.config ?? [];
  const names = values.name ?? [];
  if (configs.length > 0 && configs.length !== plugins.length) { process.stderr.write(`envoy-config: ${plugins.length} --plugin and ${configs.length} --config: give one --config per --plugin, in the same order, or none\n`); return 2; }
  if (names.length > 0 && names.length !== plugins.length) { process.stderr.write(`envoy-config: ${plugins.length} --plugin and ${names.length} --name: give one --name per --plugin, in the same order, or none\n`); return 2; }
  if (!values.upstream?.length) { process.stderr.write(`envoy-config: --upstream is required\n\n${USAGE}`); return 2; }
  const firstPort = values["listen-port"] ? Number(values["listen-port"]) : 9092;
  if (!(Number.isInteger(firstPort) && firstPort > 0 && firstPort + values.upstream.length <= 65536)) throw new Error(`--listen-port: not a port: ${values["listen-port"]}`);
  const admin = parseHostPort(values.admin ?? "127.0.0.1:9901", "--admin");
  const routes = values.upstream.map((u, i) => {
    const { host, port } = parseHostPort(u, "--upstream");
    return { listenPort: firstPort + i, upstreamHost: host, upstreamPort: port };
  });
  const filters = plugins.map((p, i) => ({
    plugin: path.resolve(p),
    configuration: configs.length > 0 ? fs.readFileSync(configs[i], "utf8") : "{}",
    name: names.length > 0 ? names[i] : path.basename(p, ".wasm"),
  }));
  const clusters = (values.cluster ?? []).map((text) => {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(text);
    if (!m) throw new Error(`--cluster: expected name=host:port, got ${q(text)}`);
    return { name: m[1], ...parseHostPort(m[2], `--cluster ${m[1]}`) };
  });
  process.stdout.write(deployBootstrap({
    filters, clusters, routes,
    listenAddress: values["listen-address"] ?? "0.0.0.0", adminAddress: admin.host, adminPort: admin.port,
    failurePolicy: values["failure-policy"] ? parseFailurePolicy(values["failure-policy"], "--failure-policy") : "FAIL_CLOSED",
    statsTags: values["stats-tag"]?.length ? values["stats-tag"] : DEFAULT_STATS_TAGS,
  }));
  return 0;
}
