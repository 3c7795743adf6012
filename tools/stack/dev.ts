// `kafka-proxy-wasm dev --plugin <file.wasm> [--config <json file>]`
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Stack } from "./stack.js";
import { ClusterStack } from "./cluster.js";
import { WasmFilter } from "./envoy.js";
import { checkFailurePolicy, parseFailurePolicy } from "./failure_policy.js";

const USAGE = `kafka-proxy-wasm dev --plugin <file.wasm> [--config <json file>] [--failure-policy <policy>] [--port <n>] [--admin-port <n>] [--brokers <n>]

Starts an Apache Kafka broker (KRaft) behind Envoy with the plugin loaded as an
envoy.filters.network.wasm filter in front of tcp_proxy. Prints the bootstrap
address, the Envoy admin URL and the broker's data folder, then "ready".
Ctrl-C stops both. --plugin may be repeated to chain plugins; --config and
--failure-policy then apply to the plugin in the same position (one
--failure-policy alone applies to every plugin).

--failure-policy is what Envoy does once a plugin's wasm VM died: FAIL_CLOSED
(default; connections that meet the dead VM are closed), FAIL_RELOAD (the next
connection gets a new VM, after a backoff of about a second) or FAIL_OPEN (new
connections skip the plugin). FAIL_OPEN is refused for plugins that protect
data (pii-filter): their records would pass unscanned. See docs/operations.md.

--brokers N (N > 1) starts a KRaft cluster of N brokers advertising their own
addresses, and Envoy with a listener per broker and broker-rewrite first in the
chain (docs/cluster.md); --port is then the bootstrap listener.
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
    if (!fs.existsSync(wasm)) throw new Error(`--plugin ${wasm}: no such file (run \`npm run build\` first?)`);
    const cfg = configs[i];
    return { wasm, name: `plugin${i}`, configuration: cfg ? fs.readFileSync(cfg, "utf8") : "{}", failurePolicy: policies.length === 1 ? policies[0] : policies[i] };
  });
  for (const f of filters) checkFailurePolicy(f);
  return filters;
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
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const plugins = values.plugin ?? [];
  if (plugins.length === 0) { process.stderr.write(`dev: --plugin is required\n\n${USAGE}`); return 2; }
  const filters = devFilters(plugins, values.config ?? [], values["failure-policy"] ?? []);
  const brokers = Number(values.brokers);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) { process.stderr.write(`dev: --brokers ${values.brokers}: must be a whole number from 1 to 9\n`); return 2; }
  const stack = brokers > 1 ? await ClusterStack.start({
    name: "dev-cluster", brokers, filters,
    port: values.port ? Number(values.port) : 19092,
    adminPort: values["admin-port"] ? Number(values["admin-port"]) : 19901,
  }) : await Stack.start({
    filters,
    port: values.port ? Number(values.port) : 19092,
    adminPort: values["admin-port"] ? Number(values["admin-port"]) : 19901,
  });
  const dataDir = stack instanceof ClusterStack ? stack.kafka.nodes.map((n) => n.dataDir).join(" ") : stack.kafka.dataDir;
  process.stdout.write(`bootstrap: ${stack.bootstrap}\nadmin: ${stack.envoy.adminUrl}\ndata-dir: ${dataDir}\nready\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await stack.stop();
  return 0;
}
