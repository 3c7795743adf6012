// `kafka-proxy-wasm dev --plugin <file.wasm> …`: a Kafka broker behind Envoy with plugins loaded,
// for the daily loop of writing one: data kept between runs, the plugin's log on the console,
// --watch to rebuild and reload the plugin without restarting Kafka.
import fs from "node:fs";
import path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { cachePath, rootPath } from "../lib/paths.js";
import { step, stopChild } from "../lib/proc.js";
import { stopOnExit, stopRegistered } from "../lib/interrupt.js";
import { installEnvoy, envoyBinary, staticCluster, WasmFilter } from "./envoy.js";
import { installKafka, KafkaBroker } from "./kafka.js";
import { ReloadableEnvoy } from "./reload.js";
import { freePort } from "./net.js";
import { checkFailurePolicy, parseFailurePolicy } from "./failure_policy.js";
import { ClusterStack } from "./cluster.js";

const USAGE = `kafka-proxy-wasm dev --plugin <file.wasm> [--config <json file>] [--failure-policy <policy>]
    [--port <n>] [--admin-port <n>] [--fresh] [--broker-prop key=value]… [--collector]
    [--envoy-bootstrap <yaml file>]… [--watch] [--brokers <n>]

Starts an Apache Kafka broker (KRaft) behind Envoy with the plugin loaded as an
envoy.filters.network.wasm filter in front of tcp_proxy. Prints the bootstrap address, the
Envoy admin URL, the Envoy log's path and the broker's data folder, then "ready". The plugin's
log lines (and Envoy's errors) are copied to the console. Ctrl-C, SIGTERM, or the end of the
process that started dev stops Envoy, Kafka and the collector.

--plugin may be repeated to chain plugins; --config and --failure-policy then apply to the
plugin in the same position (one --failure-policy alone applies to every plugin).
--failure-policy is what Envoy does once a plugin's wasm VM died: FAIL_CLOSED (default),
FAIL_RELOAD or FAIL_OPEN (refused for plugins that protect data). See docs/operations.md.

Each stack has its own run folder, by listener port: <cache>/run/dev-<port> (two stacks need two
--port values). The broker's data stays there between runs; --fresh starts empty.
--broker-prop sets a broker property (server.properties), e.g. auto.create.topics.enable=false.
--collector starts the reference collector (kafka-proxy-wasm collector) and declares Envoy
clusters "collector" and "billing_collector" to it, for billing's and telemetry's callouts; its
usage file is in the run folder.
--envoy-bootstrap adds a YAML file to Envoy's bootstrap at the top level (e.g. telemetry's
stats_tags.yaml for labelled Prometheus metrics).
--watch rebuilds the plugin when a file under ./assembly changes (kafka-proxy-wasm build, in a
plugin project) and reloads every --plugin whose .wasm changed: Envoy reads its listener from a
file, and gets a new listener with the new modules; connections on the old one are closed
after 2 s and clients reconnect. Kafka keeps running and keeps its records.

--brokers N (N > 1) starts a KRaft cluster of N brokers advertising their own addresses, and
Envoy with a listener per broker and broker-rewrite first in the chain (docs/cluster.md); --port
is then the bootstrap listener. It takes --plugin, --config, --failure-policy, --port and
--admin-port; the daily-loop options above are for one broker.

The cache (Envoy, Kafka, run folders) is KPW_CACHE, or .cache/ in a checkout of this project,
or $XDG_CACHE_HOME/kafka-proxy-wasm (~/.cache/kafka-proxy-wasm) for an installed package.
`;

/**
 * The filters for `dev`, in --plugin order, with their --config and --failure-policy. Throws,
 * before anything starts, for a missing file, a bad policy, or FAIL_OPEN on a plugin that protects data.
 */
export function devFilters(plugins: string[], configs: string[], policyArgs: string[]): WasmFilter[] {
  const policies = policyArgs.map((p) => parseFailurePolicy(p, "--failure-policy"));
  if (policies.length > 1 && policies.length !== plugins.length) {
    throw new Error(`--failure-policy: given ${policies.length} times for ${plugins.length} plugins; give it once (for every plugin) or once per --plugin`);
  }
  const filters: WasmFilter[] = plugins.map((wasm, i) => {
    if (!fs.existsSync(wasm)) throw new Error(`--plugin ${wasm}: no such file (build it first: kafka-proxy-wasm build, or npm run build)`);
    const cfg = configs[i];
    return { wasm, name: `plugin${i}`, configuration: cfg ? fs.readFileSync(cfg, "utf8") : "{}", failurePolicy: policies.length === 1 ? policies[0] : policies[i] };
  });
  for (const f of filters) checkFailurePolicy(f);
  return filters;
}

/** `key=value` lines for server.properties; the message names the bad one. */
export function brokerProperties(props: string[]): string {
  return props.map((p) => {
    const m = /^([A-Za-z0-9._-]+)=(.*)$/s.exec(p);
    if (!m) throw new Error(`--broker-prop: expected key=value, got "${p}"`);
    if (/[\r\n]/.test(m[2])) throw new Error(`--broker-prop ${m[1]}: the value must be one line`);
    return `${m[1]}=${m[2]}`;
  }).join("\n");
}

/** A process's parent and whether it is a launcher (sh, npm, npx) rather than what the user ran, from /proc. */
function procInfo(pid: number): { ppid: number; launcher: boolean } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const launcher = /(^|\/)(sh|dash)$/.test(argv[0]) || argv.some((a) => /(npm|npx)(-cli\.js)?$/.test(a));
    return { ppid, launcher };
  } catch { return null; }
}

/** dev's parent and, while that is a launcher, the processes above it (without /proc: the parent only). */
function launchers(): number[] {
  const out = [process.ppid];
  for (let pid = process.ppid, depth = 0; depth < 5; depth++) {
    const info = procInfo(pid);
    if (!info || !info.launcher || info.ppid <= 1) break;
    out.push(info.ppid);
    pid = info.ppid;
  }
  return out;
}

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as ended). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return true; }
}

/** Claims a run folder for this process; throws when a live dev stack holds it. */
export function claimRunDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, "dev.pid");
  try {
    const pid = Number(fs.readFileSync(lock, "utf8"));
    if (pid > 0 && pid !== process.pid) {
      let alive = true;
      try { process.kill(pid, 0); } catch { alive = false; }
      if (alive) throw new Error(`another dev stack (pid ${pid}) runs in ${dir}; give this one another --port`);
    }
  } catch (e) { if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; }
  fs.writeFileSync(lock, String(process.pid));
  return () => { try { if (fs.readFileSync(lock, "utf8") === String(process.pid)) fs.rmSync(lock); } catch { /* gone */ } };
}

/** Copies new lines of Envoy's log that a plugin wrote, or that report errors, to the console. */
function followEnvoyLog(file: string): () => void {
  let at = 0, rest = "";
  const timer = setInterval(() => {
    let fd: number;
    try { fd = fs.openSync(file, "r"); } catch { return; }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < at) at = 0; // a new Envoy started a new log
      if (size === at) return;
      const buf = Buffer.alloc(size - at);
      fs.readSync(fd, buf, 0, buf.length, at);
      at = size;
      const lines = (rest + buf.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        // "[…][info][wasm] [source/…/context.cc:1195] wasm log my_plugin my_plugin: text"
        const m = /\]\[(\w+)\]\[wasm\] \[[^\]]*\] wasm log (\S+) \S*: ?(.*)$/.exec(line);
        if (m) process.stdout.write(`[${m[2]}] ${m[1]}: ${m[3]}\n`);
        else if (/\]\[(error|critical)\]/.test(line)) process.stdout.write(`[envoy] ${line}\n`);
      }
    } finally { fs.closeSync(fd); }
  }, 250);
  return () => clearInterval(timer);
}

async function startCollector(dir: string): Promise<{ port: number; child: ChildProcess; file: string }> {
  const port = await freePort();
  const file = path.join(dir, "usage.jsonl");
  const child = spawn(process.execPath, [rootPath("dist", "tools", "cli.js"), "collector", "--port", String(port), "--out", file], { stdio: ["ignore", "pipe", "inherit"] });
  const forget = stopOnExit(() => stopChild(child, 5000));
  child.once("exit", forget);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => { if (String(d).includes("ready")) resolve(); });
    child.once("exit", (code, sig) => reject(new Error(`the collector exited (${code ?? sig}) before it was ready`)));
  });
  return { port, child, file };
}

/** Calls `onChange` (debounced) when a file under `dir` changes. */
function watchTree(dir: string, onChange: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const w = fs.watch(dir, { recursive: true }, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, 300);
  });
  return () => { w.close(); if (timer) clearTimeout(timer); };
}

export async function devMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      plugin: { type: "string", multiple: true },
      config: { type: "string", multiple: true },
      "failure-policy": { type: "string", multiple: true },
      port: { type: "string" },
      "admin-port": { type: "string" },
      brokers: { type: "string", default: "1" },
      fresh: { type: "boolean", default: false },
      "broker-prop": { type: "string", multiple: true },
      collector: { type: "boolean", default: false },
      "envoy-bootstrap": { type: "string", multiple: true },
      watch: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const plugins = values.plugin ?? [];
  if (plugins.length === 0) { process.stderr.write(`dev: --plugin is required\n\n${USAGE}`); return 2; }
  const brokers = Number(values.brokers);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) { process.stderr.write(`dev: --brokers ${values.brokers}: must be a whole number from 1 to 9\n`); return 2; }
  if (brokers > 1) return devCluster(brokers, plugins, values);
  const configs = values.config ?? [];
  const policies = values["failure-policy"] ?? [];
  let filters = devFilters(plugins, configs, policies);
  const props = brokerProperties(values["broker-prop"] ?? []);
  const extraBootstrap = (values["envoy-bootstrap"] ?? []).map((f) => fs.readFileSync(f, "utf8")).join("\n");
  const port = values.port ? Number(values.port) : 19092;
  const adminPort = values["admin-port"] ? Number(values["admin-port"]) : 19901;

  const runDir = cachePath("run", `dev-${port}`);
  const release = claimRunDir(runDir);
  let stopped = false;
  const cleanups: (() => void)[] = [release];
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups) c();
    await stopRegistered();
  };
  // npx, a shell or a test runner that started dev may die without passing a signal on; dev then
  // stops everything it started. npx runs dev through `sh -c`, so the wrappers above dev are
  // watched too, up to the first process that is not one.
  const watched = launchers();
  const orphan = new Promise<string>((resolve) => {
    const t = setInterval(() => {
      const gone = watched.find((pid) => !alive(pid));
      if (gone !== undefined) { clearInterval(t); resolve(`the process that started dev (pid ${gone}) ended`); }
    }, 500);
    cleanups.push(() => clearInterval(t));
  });
  const signalled = new Promise<string>((resolve) => {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(s, () => resolve(s));
  });

  try {
    await installEnvoy();
    await installKafka();
    if (values.fresh) fs.rmSync(path.join(runDir, "kafka", "data"), { recursive: true, force: true });
    const portsFile = path.join(runDir, "ports.json");
    // The broker keeps its ports between runs when it keeps its data (they are in its metadata).
    let ports: { broker: number; controller: number } | null = null;
    try { ports = JSON.parse(fs.readFileSync(portsFile, "utf8")); } catch { /* first run */ }
    if (!ports || values.fresh) ports = { broker: await freePort(), controller: await freePort() };
    fs.writeFileSync(portsFile, JSON.stringify(ports));
    const kafka = new KafkaBroker(path.join(runDir, "kafka"), {
      port: ports.broker, controllerPort: ports.controller, advertisedPort: port, keepData: true, extraProperties: props,
    });
    let clusters = "";
    let collector: { port: number; file: string } | null = null;
    if (values.collector) {
      collector = await startCollector(runDir);
      clusters = [staticCluster("collector", collector.port), staticCluster("billing_collector", collector.port)].join("\n");
    }
    const envoy = new ReloadableEnvoy(envoyBinary(), path.join(runDir, "envoy"), {
      listenPort: port, adminPort, upstreamPort: ports.broker, filters, extraClusters: clusters, extraBootstrap,
    });
    const kept = fs.existsSync(path.join(kafka.dataDir, "meta.properties"));
    step(`starting Kafka (KRaft) on 127.0.0.1:${ports.broker}${kept ? `, with the data in ${kafka.dataDir}` : ""}`);
    await kafka.start();
    step(`starting Envoy on 127.0.0.1:${port} with ${filters.map((f) => path.basename(f.wasm)).join(", ")}`);
    cleanups.push(followEnvoyLog(envoy.logFile));
    await envoy.start();
    process.stdout.write(`bootstrap: 127.0.0.1:${port}\nadmin: ${envoy.adminUrl}\nenvoy-log: ${envoy.logFile}\nkafka-log: ${kafka.logFile}\ndata-dir: ${kafka.dataDir}\nbroker: 127.0.0.1:${ports.broker} (direct, bypassing Envoy)\n` +
      (collector ? `collector: http://127.0.0.1:${collector.port} (clusters collector, billing_collector), usage in ${collector.file}\n` : "") + "ready\n");

    if (values.watch) {
      const mtimes = () => plugins.map((p) => { try { return fs.statSync(p).mtimeMs; } catch { return 0; } });
      let seen = mtimes();
      let busy: Promise<void> = Promise.resolve();
      const reloadIfChanged = () => {
        busy = busy.then(async () => {
          const now = mtimes();
          if (now.every((m, i) => m === seen[i])) return;
          seen = now;
          try {
            filters = devFilters(plugins, configs, policies);
            await envoy.reload(filters);
            process.stdout.write(`reloaded ${plugins.join(", ")}\n`);
          } catch (e) { process.stdout.write(`reload failed: ${(e as Error).message}\n`); }
        });
      };
      const rebuild = () => {
        busy = busy.then(async () => {
          const { buildProject } = await import("../project/build.js");
          process.stdout.write("rebuilding…\n");
          const r = await buildProject(process.cwd());
          if (r.output.trim()) process.stdout.write(r.output);
          if (r.problems.length > 0) process.stdout.write(`build failed:\n  ${r.problems.join("\n  ")}\n`);
          else process.stdout.write(`built ${path.relative(process.cwd(), r.out)} (${r.bytes} bytes)\n`);
        }).then(reloadIfChanged, (e) => { process.stdout.write(`build failed: ${(e as Error).message}\n`); });
      };
      if (fs.existsSync("assembly")) cleanups.push(watchTree("assembly", rebuild));
      const poll = setInterval(reloadIfChanged, 1000); // a module rebuilt by other means
      cleanups.push(() => clearInterval(poll));
      step(`watching ${fs.existsSync("assembly") ? "assembly/ (rebuild) and " : ""}${plugins.join(", ")} (reload)`);
    }
    const why = await Promise.race([orphan, signalled]);
    step(`${why}: stopping Envoy, Kafka${collector ? " and the collector" : ""}`);
  } finally {
    await stopAll();
  }
  return 0;
}

/** `dev --brokers N`: a KRaft cluster behind Envoy, a listener per broker, broker-rewrite first. */
async function devCluster(brokers: number, plugins: string[], values: { config?: string[]; "failure-policy"?: string[]; port?: string; "admin-port"?: string; fresh?: boolean; "broker-prop"?: string[]; collector?: boolean; "envoy-bootstrap"?: string[]; watch?: boolean }): Promise<number> {
  const oneBroker = ["fresh", "broker-prop", "collector", "envoy-bootstrap", "watch"].filter((k) => {
    const v = (values as Record<string, unknown>)[k];
    return v === true || (Array.isArray(v) && v.length > 0);
  });
  if (oneBroker.length > 0) { process.stderr.write(`dev: --${oneBroker[0]} works with one broker, not with --brokers ${brokers}\n`); return 2; }
  const filters = devFilters(plugins, values.config ?? [], values["failure-policy"] ?? []);
  const stack = await ClusterStack.start({
    name: "dev-cluster", brokers, filters,
    port: values.port ? Number(values.port) : 19092,
    adminPort: values["admin-port"] ? Number(values["admin-port"]) : 19901,
  });
  process.stdout.write(`bootstrap: ${stack.bootstrap}\nadmin: ${stack.envoy.adminUrl}\ndata-dir: ${stack.kafka.nodes.map((n) => n.dataDir).join(" ")}\nready\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await stack.stop();
  return 0;
}
