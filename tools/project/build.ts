// `kafka-proxy-wasm build [entry]`: compiles a plugin project (a folder with kafka-proxy-wasm and
// AssemblyScript installed) to build/<name>.wasm with the SDK's runtime and the WASI shim, then
// checks that Envoy could link the module and prints its size.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { ROOT } from "../lib/paths.js";
import { envoyLinkProblems } from "../testing/abi.js";

const USAGE = `kafka-proxy-wasm build [entry] [--out <file.wasm>] [--target release|debug]

Compiles a plugin project's entry (default assembly/index.ts) to build/<package name>.wasm.
Run it in the project's folder. The project's asconfig.json is used when there is one (it
should extend ./node_modules/kafka-proxy-wasm/asconfig.plugin.json); otherwise the package's
asconfig.plugin.json: release settings, the SDK's runtime (assembly/runtime), and the WASI shim
(so aborts become WASI calls, never an env.abort import Envoy lacks). Afterwards it checks the
module's imports and exports against what Envoy 1.40 provides and prints its size; exit 1 when
the compiler or that check fails.
`;

/** `compiled`: asc made the module; `problems`: why it did not, or why Envoy would refuse the module. */
export interface BuildResult { out: string; bytes: number; compiled: boolean; problems: string[]; output: string }

/**
 * The folder of package `name` as Node finds it from `fromDir` (node_modules of this folder, then
 * of each parent). By hand, because assemblyscript exports its compiler for `import` only.
 */
export function findPackage(fromDir: string, name: string): string | null {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return null;
  }
}



/** The project's package name without its scope, or its folder's name. */
function projectName(dir: string): string {
  try {
    const name = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name as string | undefined;
    if (name) return name.replace(/^@[^/]+\//, "");
  } catch { /* no package.json: use the folder's name */ }
  return path.basename(path.resolve(dir));
}

/**
 * Compiles `entry` (relative to `projectDir`) and checks the result against Envoy's ABI. Throws
 * for what must be fixed before compiling (missing entry, compiler or shim); compile errors and
 * link problems come back in the result.
 */
export async function buildProject(projectDir: string, opts: { entry?: string; out?: string; target?: string } = {}): Promise<BuildResult> {
  const dir = path.resolve(projectDir);
  const entry = opts.entry ?? path.join("assembly", "index.ts");
  if (!fs.existsSync(path.resolve(dir, entry))) throw new Error(`entry ${entry}: no such file in ${dir}`);
  // The compiler the project installed; the package's own (a peer dependency) otherwise.
  const ascPackage = findPackage(dir, "assemblyscript") ?? findPackage(ROOT, "assemblyscript");
  if (!ascPackage) throw new Error("assemblyscript is not installed: npm install --save-dev assemblyscript@0.27.37");
  if (!findPackage(ROOT, "@assemblyscript/wasi-shim")) throw new Error("@assemblyscript/wasi-shim is not installed next to kafka-proxy-wasm: npm install --save-dev @assemblyscript/wasi-shim@0.1.0");
  const out = path.resolve(dir, opts.out ?? path.join("build", `${projectName(dir)}.wasm`));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // asc reads the runtime and library folders relative to the project folder (its base), and joins
  // absolute ones onto it, so every path handed to it is relative.
  const rel = (p: string) => path.relative(dir, p).split(path.sep).join("/");
  const projectConfig = path.join(dir, "asconfig.json");
  const config = fs.existsSync(projectConfig) ? "asconfig.json" : rel(path.join(ROOT, "asconfig.plugin.json"));
  const args = [path.join(ascPackage, "bin", "asc.js"), entry, "--config", config, "--target", opts.target ?? "release",
    "--runtime", rel(path.join(ROOT, "assembly", "runtime", "index")), "-o", rel(out)];
  // In the project's folder: asc resolves the config's library folders against the working folder.
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
  const output = withoutLibraryNotes(`${r.stdout ?? ""}${r.stderr ?? ""}`);
  if (r.status !== 0) return { out, bytes: 0, compiled: false, problems: [`asc exited with ${r.status ?? r.signal}`], output };
  const bytes = fs.statSync(out).size;
  const problems = envoyLinkProblems(await WebAssembly.compile(fs.readFileSync(out)));
  return { out, bytes, compiled: true, problems, output };
}

/**
 * asc's output without the INFO notes it makes about the toolkit's own sources (the generated
 * codec writes `name!` on fields that are never null, which asc notes as AS210): a plugin author
 * can do nothing about them. Warnings and errors, and notes about the project's files, stay.
 */
export function withoutLibraryNotes(output: string): string {
  return output.split(/\n\n(?=[A-Z]+ )/)
    .filter((block) => !(block.startsWith("INFO ") && block.includes("~lib/kafka-proxy-wasm/")))
    .join("\n\n");
}

export async function buildMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { out: { type: "string", short: "o" }, target: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (positionals.length > 1) { process.stderr.write(`build: one entry at most, got ${positionals.join(" ")}\n\n${USAGE}`); return 2; }
  if (values.target && values.target !== "release" && values.target !== "debug") { process.stderr.write(`build: --target must be release or debug, not ${values.target}\n`); return 2; }
  const r = await buildProject(process.cwd(), { entry: positionals[0], out: values.out, target: values.target });
  if (r.output) process.stderr.write(r.output);
  const shown = path.relative(process.cwd(), r.out);
  if (!r.compiled) {
    process.stderr.write(`build: ${positionals[0] ?? path.join("assembly", "index.ts")} did not compile (${r.problems.join("; ")}); asc's errors are above\n`);
    return 1;
  }
  if (r.problems.length > 0) {
    process.stderr.write(`build: ${shown}: Envoy would refuse this module:\n  ${r.problems.join("\n  ")}\n`);
    return 1;
  }
  process.stdout.write(`built ${shown} (${r.bytes} bytes); its imports are all provided by Envoy\n`);
  return 0;
}
