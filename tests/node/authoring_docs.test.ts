// docs/authoring.md is checked, not trusted: each `// plugin: <name>` block is compiled as the
// assembly/index.ts of a project with the toolkit installed, each `// test: <name>` block runs
// with node:test against that project's module, each `npx kafka-proxy-wasm …` line names a
// command and options that exist, and the deploy command's output is validated by Envoy.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, rootPath } from "../../tools/lib/paths.js";
import { buildProject } from "../../tools/project/build.js";
import { envoyBinary } from "../../tools/stack/envoy.js";

interface Block { lang: string; text: string; line: number }

export function codeBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ lang: open[1], text: body.join("\n") + "\n", line: start + 1 });
  }
  return out;
}

const DOC = rootPath("docs", "authoring.md");
const blocks = codeBlocks(fs.readFileSync(DOC, "utf8"));
const hasRecordLayer = /RecordTransform/.test(fs.readFileSync(rootPath("assembly", "index.ts"), "utf8"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-docs-"));

/** A project folder with the toolkit (this checkout) and AssemblyScript installed as a user has them. */
function project(name: string): string {
  const dir = path.join(work, name);
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.join(dir, "node_modules", "@assemblyscript"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "kafka-proxy-wasm"));
  fs.symlinkSync(rootPath("node_modules", "assemblyscript"), path.join(dir, "node_modules", "assemblyscript"));
  fs.symlinkSync(rootPath("node_modules", "@assemblyscript", "wasi-shim"), path.join(dir, "node_modules", "@assemblyscript", "wasi-shim"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, type: "module", private: true }));
  fs.writeFileSync(path.join(dir, "asconfig.json"), JSON.stringify({ extends: "./node_modules/kafka-proxy-wasm/asconfig.plugin.json" }));
  return dir;
}

const plugins = blocks.filter((b) => b.lang === "ts" && /^\/\/ plugin: /.test(b.text));
const tests = blocks.filter((b) => b.lang === "js" && /^\/\/ test: /.test(b.text));

test("the guide has plugin and test blocks, and every ts/js block is one of them", () => {
  assert.ok(plugins.length >= 4 && tests.length >= 2, `${plugins.length} plugins, ${tests.length} tests`);
  for (const b of blocks.filter((x) => x.lang === "ts" || x.lang === "js")) {
    assert.ok(plugins.includes(b) || tests.includes(b), `docs/authoring.md:${b.line}: a ${b.lang} block that is neither a plugin nor a test is not checked`);
  }
});

for (const b of plugins) {
  const [, name, requires] = /^\/\/ plugin: (\S+)(?: requires=(\S+))?/.exec(b.text)!;
  test(`docs/authoring.md:${b.line}: plugin ${name} compiles, and Envoy could link it`, async (t) => {
    if (requires === "record_layer" && !hasRecordLayer) { t.skip("the record layer is not in this build of the toolkit"); return; }
    const dir = project(name);
    fs.mkdirSync(path.join(dir, "assembly"), { recursive: true });
    fs.writeFileSync(path.join(dir, "assembly", "index.ts"), b.text);
    const r = await buildProject(dir);
    assert.deepEqual(r.problems, [], r.output);
    assert.doesNotMatch(r.output, /WARNING|ERROR/, r.output);
  });
}

for (const b of tests) {
  const name = /^\/\/ test: (\S+)/.exec(b.text)![1];
  test(`docs/authoring.md:${b.line}: the tests of ${name} pass`, (t) => {
    const dir = project(name);
    if (!fs.existsSync(path.join(dir, "build", `${name}.wasm`))) { t.skip(`plugin ${name} was not built`); return; }
    fs.mkdirSync(path.join(dir, "test"), { recursive: true });
    fs.writeFileSync(path.join(dir, "test", "doc.test.mjs"), b.text);
    // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one instead of printing.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ["--test", "test/doc.test.mjs"], { cwd: dir, env, encoding: "utf8", timeout: 120000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /# fail 0/);
  });
}

test("each `npx kafka-proxy-wasm` command in the guide exists with the options it is given", () => {
  const lines = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.text.split("\n")).filter((l) => /^npx kafka-proxy-wasm /.test(l));
  assert.ok(lines.length >= 4, `${lines.length} command lines`);
  for (const line of lines) {
    const words = line.replace(/\s+#.*$/, "").split(/\s+/);
    const command = words[2];
    const help = spawnSync(process.execPath, [rootPath("dist", "tools", "cli.js"), command, "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0, `${line}: \`kafka-proxy-wasm ${command} --help\` failed:\n${help.stderr}`);
    for (const opt of words.filter((w) => /^--[a-z]/.test(w))) assert.ok(help.stdout.includes(opt), `${line}: ${command} has no option ${opt}`);
  }
});

test("each deploy command's configuration is valid for Envoy, with the guide's plugin and the shipped ones", (t) => {
  const wasm = path.join(work, "topic-counter", "build", "topic-counter.wasm");
  if (!fs.existsSync(envoyBinary()) || !fs.existsSync(wasm)) { t.skip("no Envoy installed, or topic-counter was not built"); return; }
  const lines = blocks.filter((b) => b.lang === "sh").flatMap((b) => b.text.split("\n")).filter((l) => /^npx kafka-proxy-wasm envoy-config /.test(l));
  assert.ok(lines.length >= 2, "the guide shows envoy-config for one plugin and for a chain");
  fs.writeFileSync(path.join(work, "config.json"), "{}");
  for (const [i, line] of lines.entries()) {
    // /etc/envoy/<name>.wasm: the guide's plugin, or the shipped one of that name; each x.json: {}.
    const args = line.replace(/ > \S+$/, "").split(/\s+/).slice(2).map((w) => {
      const m = /^\/etc\/envoy\/(.+)\.wasm$/.exec(w);
      if (m) return m[1] === "my-plugin" ? wasm : rootPath("build", `${m[1]}.wasm`);
      return /^[\w-]+\.json$/.test(w) ? path.join(work, "config.json") : w;
    });
    const gen = spawnSync(process.execPath, [rootPath("dist", "tools", "cli.js"), ...args], { encoding: "utf8" });
    assert.equal(gen.status, 0, `${line}\n${gen.stderr}`);
    assert.equal((gen.stdout.match(/- name: kafka_\d+/g) ?? []).length, 3, "one listener per --upstream");
    const plugins = args.filter((w, k) => args[k - 1] === "--plugin").length;
    assert.equal((gen.stdout.match(/envoy\.filters\.network\.wasm/g) ?? []).length, 3 * plugins, "each plugin on each listener");
    const yaml = path.join(work, `envoy-${i}.yaml`);
    fs.writeFileSync(yaml, gen.stdout);
    // Validation starts each plugin's VM and configures it, as Envoy would.
    const v = spawnSync(envoyBinary(), ["--mode", "validate", "-c", yaml], { encoding: "utf8", timeout: 60000 });
    assert.equal(v.status, 0, `${line}\n${v.stdout}${v.stderr}`.slice(-3000));
  }
});
