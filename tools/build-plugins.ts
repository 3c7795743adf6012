// Compiles every plugin (plugins/<name>/assembly/index.ts) to build/<name>.wasm, and every
// example (examples/<name>/assembly/index.ts) to build/examples/<name>.wasm.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { rootPath } from "./lib/paths.js";

export function pluginNames(): string[] {
  return fs.readdirSync(rootPath("plugins"))
    .filter((d) => fs.existsSync(rootPath("plugins", d, "assembly", "index.ts")))
    .sort();
}

export function buildPlugin(name: string, target = "release"): string {
  return compilePlugin(path.join("plugins", name, "assembly", "index.ts"), rootPath("build", `${name}.wasm`), target);
}

/** Small example plugins that show the public API (examples/<name>/assembly/index.ts). */
export function exampleNames(): string[] {
  const dir = rootPath("examples");
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "assembly", "index.ts"))).sort() : [];
}

export function buildExample(name: string): string {
  return compilePlugin(path.join("examples", name, "assembly", "index.ts"), rootPath("build", "examples", `${name}.wasm`), "release");
}

/** Test fixtures: plugins that exist to exercise the SDK (tests/fixtures/plugins/<name>/index.ts). */
export function fixtureNames(): string[] {
  const dir = rootPath("tests", "fixtures", "plugins");
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "index.ts"))).sort() : [];
}

export function buildFixture(name: string): string {
  return compilePlugin(path.join("tests", "fixtures", "plugins", name, "index.ts"), rootPath("build", "fixtures", `${name}.wasm`), "release");
}

function compilePlugin(entry: string, out: string, target: string): string {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const asc = rootPath("node_modules", "assemblyscript", "bin", "asc.js");
  // asc resolves the wasi-shim's `lib` relative to the config as named, so pass paths relative to the root.
  const r = spawnSync(process.execPath, [asc, entry,
    "--config", "asconfig.json", "--target", target, "-o", path.relative(rootPath(), out)], { encoding: "utf8", cwd: rootPath() });
  if (r.status !== 0) throw new Error(`building ${entry} failed:\n${r.stdout}${r.stderr}`);
  return out;
}

/** The dissector: every generated message in one module, for the decode CLI and codec tests (not an Envoy plugin). */
export function buildDissector(): string {
  const out = rootPath("build", "dissector.wasm");
  const asc = rootPath("node_modules", "assemblyscript", "bin", "asc.js");
  const r = spawnSync(process.execPath, [asc, path.join("tools", "dissector", "assembly", "index.ts"),
    "--config", path.join("tools", "dissector", "asconfig.json"), "-o", path.relative(rootPath(), out)], { encoding: "utf8", cwd: rootPath() });
  if (r.status !== 0) throw new Error(`building the dissector failed:\n${r.stdout}${r.stderr}`);
  return out;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.slice(2);
  for (const name of only.length ? only : pluginNames()) {
    const out = buildPlugin(name);
    process.stdout.write(`built ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)\n`);
  }
  if (only.length === 0) {
    for (const name of exampleNames()) {
      const out = buildExample(name);
      process.stdout.write(`built ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)\n`);
    }
    for (const name of fixtureNames()) {
      const out = buildFixture(name);
      process.stdout.write(`built ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)\n`);
    }
    const out = buildDissector();
    process.stdout.write(`built ${path.relative(process.cwd(), out)} (${fs.statSync(out).size} bytes)\n`);
  }
}
