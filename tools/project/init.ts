// `kafka-proxy-wasm init <dir> [--template records|connection|policy]`: scaffolds a plugin project
// that builds and passes its own tests as it is: package.json (the toolkit and AssemblyScript,
// pinned), asconfig.json extending the toolkit's, assembly/index.ts, a node:test test using the
// test kit, a plugin configuration and a README.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { rootPath } from "../lib/paths.js";

export const TEMPLATES = ["records", "connection", "policy"] as const;
export type Template = (typeof TEMPLATES)[number];

const USAGE = `kafka-proxy-wasm init <dir> [--template records|connection|policy] [--toolkit <npm spec>]

Creates <dir> (it must not exist, or be empty) with a plugin project:
  package.json     kafka-proxy-wasm, assemblyscript and @assemblyscript/wasi-shim as pinned
                   devDependencies; scripts build, test, dev
  asconfig.json    extends ./node_modules/kafka-proxy-wasm/asconfig.plugin.json
  assembly/index.ts  the plugin
  test/plugin.test.mjs  node:test tests with kafka-proxy-wasm/testing
  config.json      the plugin configuration dev and envoy-config pass to it
  README.md        how to build, test, run and deploy it

Templates: records (a RecordTransform that edits records, the default), connection (a
KafkaConnection that counts requests), policy (answers CreateTopics itself with respond()).
--toolkit is the dependency spec written for kafka-proxy-wasm (default: this version, ${version()};
a tarball path or file: spec works too). Then: cd <dir> && npm install && npm test.
`;

function version(): string {
  return (JSON.parse(fs.readFileSync(rootPath("package.json"), "utf8")) as { version: string }).version;
}

/** A valid npm package name from a folder name. */
export function packageName(dir: string): string {
  const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  if (!name) throw new Error(`init: cannot make a package name from the folder name "${path.basename(dir)}"`);
  return name;
}

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in vars ? vars[k] : m));
}

/** Writes the project; returns the files written, relative to `dir`. */
export function initProject(dir: string, opts: { template?: string; toolkit?: string } = {}): string[] {
  const template = (opts.template ?? "records") as Template;
  if (!TEMPLATES.includes(template)) throw new Error(`--template must be one of ${TEMPLATES.join(", ")}, not "${opts.template}"`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new Error(`init: ${dir} exists and is not empty`);
  const name = packageName(dir);
  const own = JSON.parse(fs.readFileSync(rootPath("package.json"), "utf8")) as { version: string; peerDependencies: Record<string, string> };
  const vars: Record<string, string> = { name, template, metric: name.replace(/[^a-z0-9]+/g, "_") };
  vars.about = fill(fs.readFileSync(rootPath("templates", template, "about.md"), "utf8").trim(), vars);
  const wasm = `build/${name}.wasm`;
  const pkg = {
    name, version: "0.1.0", private: true, type: "module",
    scripts: {
      build: "kafka-proxy-wasm build",
      test: "kafka-proxy-wasm build && node --test test/*.test.mjs",
      dev: `kafka-proxy-wasm dev --plugin ${wasm} --config config.json --watch`,
    },
    devDependencies: {
      "kafka-proxy-wasm": opts.toolkit ?? own.version,
      assemblyscript: own.peerDependencies.assemblyscript,
      "@assemblyscript/wasi-shim": own.peerDependencies["@assemblyscript/wasi-shim"],
    },
  };
  const files: [string, string][] = [
    ["package.json", JSON.stringify(pkg, null, 2) + "\n"],
    ["asconfig.json", JSON.stringify({ extends: "./node_modules/kafka-proxy-wasm/asconfig.plugin.json" }, null, 2) + "\n"],
    [".gitignore", fs.readFileSync(rootPath("templates", "common", "gitignore"), "utf8")],
    ["README.md", fill(fs.readFileSync(rootPath("templates", "common", "README.md"), "utf8"), vars)],
    ["config.json", fs.readFileSync(rootPath("templates", template, "config.json"), "utf8")],
    ["assembly/index.ts", fill(fs.readFileSync(rootPath("templates", template, "assembly", "index.ts"), "utf8"), vars)],
    ["test/plugin.test.mjs", fill(fs.readFileSync(rootPath("templates", template, "test", "plugin.test.mjs"), "utf8"), vars)],
  ];
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return files.map(([f]) => f);
}

export function initMain(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { template: { type: "string", short: "t" }, toolkit: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (positionals.length !== 1) { process.stderr.write(`init: give one folder\n\n${USAGE}`); return 2; }
  const dir = positionals[0];
  const files = initProject(dir, { template: values.template, toolkit: values.toolkit });
  // What the new project's `npm install` will fetch: the spec written, not the copy running init.
  const spec = values.toolkit ?? version();
  const from = values.toolkit ? "" : " (from the npm registry; --toolkit file:<path of a packed .tgz> installs a package made with npm pack)";
  process.stdout.write(`created ${dir} (template ${values.template ?? "records"}, toolkit kafka-proxy-wasm@${spec}${from}):\n${files.map((f) => `  ${f}`).join("\n")}\n\nnext: cd ${dir} && npm install && npm test\n`);
  return 0;
}
