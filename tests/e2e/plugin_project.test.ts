// What a new user does, with no file from this repository: `npm pack`, install the tarball into
// an empty project outside the checkout (from npm's cache where it can), `init` each template,
// `npm install && npm test` in it; then run the policy plugin in `dev` (real Envoy and Kafka),
// check it with kafkajs and kcat, edit it under --watch, deploy it with `envoy-config` in front
// of the dev broker, and stop dev by ending the process that started it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import { rootPath, CACHE } from "../../tools/lib/paths.js";
import { freePort, canConnect } from "../../tools/stack/net.js";
import { envoyBinary } from "../../tools/stack/envoy.js";
import { have, stopChild } from "../../tools/lib/proc.js";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-new-user-"));
const started: ChildProcess[] = [];
after(async () => {
  for (const c of started.reverse()) await stopChild(c, 10000);
  if (!process.env.KPW_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
});

/**
 * The environment of a user's shell: none of the npm_* variables of an npm run that started this
 * test, nor NODE_TEST_CONTEXT (a nested `node --test` would report to this runner instead of
 * printing), nor the node_modules/.bin folders `npm test` puts on PATH (as-pect brings an old npm
 * there, which a user's shell would not find); the stack cache shared.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "NODE_TEST_CONTEXT") env[k] = v;
  env.PATH = (process.env.PATH ?? "").split(path.delimiter).filter((d) => !/node_modules[\\/]\.bin$/.test(d)).join(path.delimiter);
  // Envoy and Kafka are already installed in this checkout's cache; KPW_CACHE is how a user points there.
  return { ...env, KPW_CACHE: CACHE, ...extra };
}

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 300000): string {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: "utf8", timeout: timeoutMs });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} in ${cwd} failed (${r.status ?? r.signal}):\n${out.slice(-4000)}`);
  return out;
}

// From npm's cache where it can (the checkout's `npm ci` filled it); registry metadata the cache lacks is fetched, as `npm ci` fetches.
const npmInstall = ["install", "--prefer-offline", "--no-audit", "--no-fund"];
let tarball = "";
let user = "";

test("npm pack, then install the tarball into an empty project outside the checkout", () => {
  const packed = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", work], rootPath())) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, packed[0].filename);
  const files = new Set(packed[0].files.map((f) => f.path));
  // What the README and the guide link to, and what the build needs, is in the package.
  for (const f of ["index.ts", "asconfig.plugin.json", "docs/authoring.md", "docs/operations.md", "plugins/pii-filter/README.md",
    "plugins/telemetry/stats_tags.yaml", "plugins/kafka-observe/assembly/index.ts", "templates/policy/assembly/index.ts",
    "build/dissector.wasm", "dist/tools/testing/index.js", "assembly/runtime/index.ts"]) {
    assert.ok(files.has(f), `${f} is in the package`);
  }
  // Every AssemblyScript source the package ships compiles from the package alone: each relative
  // import names a file that is shipped too (a plugin's or an example's own modules).
  const missing: string[] = [];
  for (const f of files) {
    if (!f.endsWith(".ts") || !/^(assembly|plugins|examples|templates)\/|^index\.ts$/.test(f)) continue;
    const text = fs.readFileSync(rootPath(f), "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/gm)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
      if (![`${target}.ts`, `${target}/index.ts`, target].some((t) => files.has(t))) missing.push(`${f} imports ${m[1]}`);
    }
  }
  assert.deepEqual(missing, [], "relative imports of shipped sources that the package lacks");
  user = path.join(work, "user");
  fs.mkdirSync(user);
  sh("npm", ["init", "-y"], user);
  sh("npm", [...npmInstall, tarball], user);
  // AssemblyScript and the shim are peers: installed next to the toolkit, not inside it.
  assert.ok(fs.existsSync(path.join(user, "node_modules", "assemblyscript", "package.json")));
  assert.ok(fs.existsSync(path.join(user, "node_modules", "@assemblyscript", "wasi-shim", "asconfig.json")));
});

const recordLayerShipped = () => /RecordTransform/.test(fs.readFileSync(path.join(user, "node_modules", "kafka-proxy-wasm", "assembly", "index.ts"), "utf8"))
  || fs.existsSync(path.join(user, "node_modules", "kafka-proxy-wasm", "assembly", "record_layer"));

for (const template of ["connection", "policy", "records"]) {
  test(`init --template ${template}, then npm install && npm test in the new project`, (t) => {
    assert.ok(user, "the toolkit was installed");
    if (template === "records" && !recordLayerShipped()) { t.skip("the record layer (RecordTransform) is not in this build of the toolkit"); return; }
    const dir = path.join(user, `${template}-plugin`);
    sh("npx", ["kafka-proxy-wasm", "init", dir, "--template", template, "--toolkit", `file:${tarball}`], user);
    sh("npm", npmInstall, dir);
    const out = sh("npm", ["test"], dir);
    assert.match(out, new RegExp(`built build/${template}-plugin\\.wasm \\(\\d+ bytes\\); its imports are all provided by Envoy`));
    assert.doesNotMatch(out, /WARNING|ERROR/, "the build printed no warning");
    assert.match(out, /# fail 0/);
    assert.doesNotMatch(out, /# pass 0\b/);
    const mod = new WebAssembly.Module(fs.readFileSync(path.join(dir, "build", `${template}-plugin.wasm`)));
    assert.ok(!WebAssembly.Module.imports(mod).some((i) => i.module === "env" && i.name === "abort"), "no env.abort import");
  });
}

test("build, on source that does not compile, shows asc's error and says the plugin did not compile", () => {
  const dir = path.join(user, "connection-plugin");
  assert.ok(fs.existsSync(dir), "the connection template was made");
  fs.writeFileSync(path.join(dir, "assembly", "broken.ts"), `export * from "kafka-proxy-wasm/assembly/exports";\nconst n: i32 = "not a number";\n`);
  const r = spawnSync("npx", ["kafka-proxy-wasm", "build", "assembly/broken.ts"], { cwd: dir, env: userEnv(), encoding: "utf8", timeout: 300000 });
  fs.rmSync(path.join(dir, "assembly", "broken.ts"));
  assert.equal(r.status, 1, r.stderr);
  // asc colours its output when it thinks a terminal (or FORCE_COLOR) asks for it; the words are what matter.
  const stderr = r.stderr.replace(/\x1b\[[0-9;]*m/g, "");
  assert.match(stderr, /ERROR TS2322/, "asc's own error is shown");
  assert.match(stderr, /build: assembly\/broken\.ts did not compile \(asc exited with 1\); asc.s errors are above/);
  assert.doesNotMatch(stderr, /Envoy would refuse/);
});

/** Starts a process and resolves with it once a stdout line matches `ready`; its output collects in `log`. */
async function startUntil(cmd: string, args: string[], cwd: string, ready: RegExp, log: { text: string }, timeoutMs = 240000): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"], detached: false });
  started.push(child);
  child.stdout!.on("data", (d) => { log.text += d; });
  child.stderr!.on("data", (d) => { log.text += d; });
  const deadline = Date.now() + timeoutMs;
  while (!ready.test(log.text)) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(" ")} exited (${child.exitCode}):\n${log.text.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`${cmd} ${args.join(" ")}: no ${ready} within ${timeoutMs} ms:\n${log.text.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

/** kafkajs's error for a refused createTopics, checked for the error type the broker (or plugin) answered. */
function refusedWith(type: string): (e: unknown) => boolean {
  return (e) => {
    const errors = (e as { errors?: { type?: string }[] }).errors ?? [];
    assert.deepEqual(errors.map((x) => x.type), [type], String(e));
    return true;
  };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("the policy plugin in dev: kafkajs and kcat through it, --watch reloads an edit, envoy-config deploys it, dev stops with its parent", async (t) => {
  const dir = path.join(user, "policy-plugin");
  if (!fs.existsSync(path.join(dir, "build", "policy-plugin.wasm"))) { t.skip("the policy project did not build"); return; }
  const port = await freePort(), adminPort = await freePort();
  const log = { text: "" };
  // npx is the parent dev must outlive no longer than: ending it ends Envoy and Kafka.
  const npx = await startUntil("npx", ["kafka-proxy-wasm", "dev", "--plugin", "build/policy-plugin.wasm", "--config", "config.json",
    "--port", String(port), "--admin-port", String(adminPort), "--fresh", "--watch", "--broker-prop", "auto.create.topics.enable=false"], dir, /^ready$/m, log);
  assert.match(log.text, /envoy-log: \S+envoy\.log/);
  const brokerPort = Number(/^broker: 127\.0\.0\.1:(\d+)/m.exec(log.text)![1]);
  const admin = `http://127.0.0.1:${adminPort}`;
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: "new-user", logLevel: logLevel.NOTHING });
  const adminClient = kafka.admin();
  await adminClient.connect();
  try {
    await assert.rejects(adminClient.createTopics({ topics: [{ topic: "scratch" }], waitForLeaders: false }), refusedWith("POLICY_VIOLATION"));
    assert.equal(await adminClient.createTopics({ topics: [{ topic: "orders.eu" }] }), true);
  } finally { await adminClient.disconnect(); }
  const lister = kafka.admin();
  await lister.connect();
  assert.ok(!(await lister.listTopics()).includes("scratch"), "the broker never created the refused topic");
  await lister.disconnect();
  assert.match(log.text, /\[plugin0\] info: policy-plugin: topics must match one of orders\.\*, payments\.\*/, "the plugin's log line reached the console");

  // kcat, if there is one, produces and reads back through Envoy; kafkajs otherwise.
  if (have("kcat")) {
    const p = spawnSync("kcat", ["-b", `127.0.0.1:${port}`, "-t", "orders.eu", "-P"], { input: "before-reload\n", encoding: "utf8", timeout: 30000 });
    assert.equal(p.status, 0, p.stderr);
  } else {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "orders.eu", messages: [{ value: "before-reload" }] });
    await producer.disconnect();
  }

  // --watch: an edit to the plugin's source is built and loaded without restarting Kafka.
  const kafkaLog = /^kafka-log: (\S+)/m.exec(log.text)![1];
  const startsBefore = (fs.readFileSync(kafkaLog, "utf8").match(/Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)/g) ?? []).length;
  const src = path.join(dir, "assembly", "index.ts");
  const edited = fs.readFileSync(src, "utf8").replace("const POLICY_VIOLATION: i16 = 44;", "const POLICY_VIOLATION: i16 = 17; // now INVALID_TOPIC_EXCEPTION");
  assert.notEqual(edited, fs.readFileSync(src, "utf8"), "the edit applies to the template");
  fs.writeFileSync(src, edited);
  await until("the reload", async () => (/reloaded build\/policy-plugin\.wasm/.test(log.text) ? true : undefined), 120000);
  const admin2 = kafka.admin();
  await admin2.connect();
  try {
    await assert.rejects(admin2.createTopics({ topics: [{ topic: "scratch2" }] }), refusedWith("INVALID_TOPIC_EXCEPTION"));
  } finally { await admin2.disconnect(); }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: "orders.eu", messages: [{ value: "after-reload" }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `check-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: "orders.eu", fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => { void consumer.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); if (seen.includes("after-reload")) resolve(); } }); });
  await consumer.disconnect();
  assert.deepEqual(seen, ["before-reload", "after-reload"], "records produced before the reload are still there");
  const startsAfter = (fs.readFileSync(kafkaLog, "utf8").match(/Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)/g) ?? []).length;
  assert.equal(startsAfter, startsBefore, "Kafka was not restarted");
  const stats = await (await fetch(`${admin}/stats?filter=policy_plugin`)).text();
  assert.match(stats, /wasmcustom\.policy_plugin\.refused_topics: [12]\b/);

  // envoy-config: its output runs an Envoy with a plugin (the connection template's, which labels
  // its metrics) in front of the dev broker.
  const counter = path.join(user, "connection-plugin", "build", "connection-plugin.wasm");
  assert.ok(fs.existsSync(counter), "the connection project was built");
  const deployPort = await freePort(), deployAdmin = await freePort();
  const yaml = sh("npx", ["kafka-proxy-wasm", "envoy-config", "--plugin", counter,
    "--upstream", `127.0.0.1:${brokerPort}`, "--listen-port", String(deployPort), "--listen-address", "127.0.0.1", "--admin", `127.0.0.1:${deployAdmin}`], dir);
  assert.match(yaml, /failure_policy: FAIL_CLOSED/);
  const cfg = path.join(work, "envoy.yaml");
  fs.writeFileSync(cfg, yaml);
  const envoyLog = { text: "" };
  const envoy = spawn(envoyBinary(), ["-c", cfg, "--concurrency", "1", "-l", "info", "--disable-hot-restart"], { stdio: ["ignore", "pipe", "pipe"] });
  started.push(envoy);
  envoy.stdout!.on("data", (d) => { envoyLog.text += d; });
  envoy.stderr!.on("data", (d) => { envoyLog.text += d; });
  await until("the deployed Envoy", async () => ((await fetch(`http://127.0.0.1:${deployAdmin}/ready`)).status === 200 ? true : undefined), 60000)
    .catch((e) => { throw new Error(`${e.message}:\n${envoyLog.text.slice(-3000)}`); });
  // A client's first requests (ApiVersions, Metadata) go to its bootstrap address: the deployed Envoy.
  const deployed = new Kafka({ brokers: [`127.0.0.1:${deployPort}`], clientId: "deployed", logLevel: logLevel.NOTHING }).admin();
  await deployed.connect();
  try { assert.ok((await deployed.listTopics()).includes("orders.eu"), "the deployed proxy reaches the dev broker"); } finally { await deployed.disconnect(); }
  const prom = await (await fetch(`http://127.0.0.1:${deployAdmin}/stats/prometheus`)).text();
  assert.match(prom, /^connection_plugin_requests\{api="Metadata"\} [1-9]/m, "the plugin counted, and the stats tags made a label");
  assert.match(prom, /^connection_plugin_clients\{client="deployed"\} [1-9]/m);
  await stopChild(envoy, 5000);

  // The process that started dev ends without passing a signal on: Envoy and Kafka stop too.
  npx.kill("SIGKILL");
  await until("Envoy and Kafka to stop", async () => (!(await canConnect(port)) && !(await canConnect(brokerPort)) ? true : undefined), 60000);
});
