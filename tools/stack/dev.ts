// `kafka-proxy-wasm dev --plugin <file.wasm> [--config <json file>]`
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Stack } from "./stack.js";

const USAGE = `kafka-proxy-wasm dev --plugin <file.wasm> [--config <json file>] [--port <n>] [--admin-port <n>]

Starts an Apache Kafka broker (KRaft) behind Envoy with the plugin loaded as an
envoy.filters.network.wasm filter in front of tcp_proxy. Prints the bootstrap
address, the Envoy admin URL and the broker's data folder, then "ready".
Ctrl-C stops both. --plugin may be repeated to chain plugins.
`;

export async function devMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      plugin: { type: "string", multiple: true },
      config: { type: "string", multiple: true },
      port: { type: "string" },
      "admin-port": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const plugins = values.plugin ?? [];
  if (plugins.length === 0) { process.stderr.write(`dev: --plugin is required\n\n${USAGE}`); return 2; }
  const configs = values.config ?? [];
  const filters = plugins.map((wasm, i) => {
    if (!fs.existsSync(wasm)) throw new Error(`--plugin ${wasm}: no such file (run \`npm run build\` first?)`);
    const cfg = configs[i];
    return { wasm, name: `plugin${i}`, configuration: cfg ? fs.readFileSync(cfg, "utf8") : "{}" };
  });
  const stack = await Stack.start({
    filters,
    port: values.port ? Number(values.port) : 19092,
    adminPort: values["admin-port"] ? Number(values["admin-port"]) : 19901,
  });
  process.stdout.write(`bootstrap: ${stack.bootstrap}\nadmin: ${stack.envoy.adminUrl}\ndata-dir: ${stack.kafka.dataDir}\nready\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await stack.stop();
  return 0;
}
