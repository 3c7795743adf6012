// The plugin-project tools without Envoy or Kafka: envoy-config's output, dev's broker
// properties and reloadable listeners, init's files, and build's handling of asc's output.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deployBootstrap, parseHostPort, DeployConfig } from "../../tools/stack/envoy_config.js";
import { brokerProperties, claimRunDir } from "../../tools/stack/dev.js";
import { splitListeners } from "../../tools/stack/reload.js";
import { envoyBootstrap } from "../../tools/stack/envoy.js";
import { initProject, packageName } from "../../tools/project/init.js";
import { rootPath } from "../../tools/lib/paths.js";
import { withoutLibraryNotes } from "../../tools/project/build.js";

const base: DeployConfig = {
  filters: [{ plugin: "/etc/envoy/p.wasm", configuration: '{"a":1}', name: "p" }], clusters: [],
  listenAddress: "0.0.0.0", adminAddress: "127.0.0.1", adminPort: 9901,
  failurePolicy: "FAIL_CLOSED", statsTags: ["api", "topic"],
  routes: [{ listenPort: 9092, upstreamHost: "kafka-1.internal", upstreamPort: 9092 }, { listenPort: 9093, upstreamHost: "10.0.0.2", upstreamPort: 19092 }],
};

test("envoy-config: a listener per broker, each with the plugin before tcp_proxy to its own broker", () => {
  const y = deployBootstrap(base);
  const listeners = y.split("\n  - name: kafka_").slice(1);
  assert.equal(listeners.length, 2);
  assert.match(listeners[0], /port_value: 9092 [\s\S]*envoy\.filters\.network\.wasm[\s\S]*tcp_proxy[\s\S]*cluster: broker_0/);
  assert.match(listeners[1], /port_value: 9093 [\s\S]*cluster: broker_1/);
  assert.match(y, /- name: broker_0\n {4}connect_timeout: 5s\n {4}type: STRICT_DNS[\s\S]*address: "kafka-1\.internal", port_value: 9092/);
  assert.match(y, /- name: broker_1\n {4}connect_timeout: 5s\n {4}type: STATIC[\s\S]*address: "10\.0\.0\.2", port_value: 19092/);
  assert.equal((y.match(/vm_id: "p"/g) ?? []).length, 2, "one vm_id for every listener");
  assert.equal((y.match(/failure_policy: FAIL_CLOSED/g) ?? []).length, 2);
  assert.match(y, /value: "\{\\"a\\":1\}"/, "the configuration, quoted");
  assert.match(y, /admin:\n {2}address: \{ socket_address: \{ address: "127\.0\.0\.1", port_value: 9901 \} \}/);
  assert.match(y, /tag_name: topic\n {4}regex: "\^wasmcustom\\\\\.\.\*\?\(\\\\\.topic_\(\[\^\.\]\+\)\)"/);
});

test("envoy-config refuses FAIL_OPEN for a plugin that protects data, a port used twice, and no upstream", () => {
  assert.throws(() => deployBootstrap({ ...base, filters: [{ plugin: "/x/pii-filter.wasm", configuration: "{}", name: "pii-filter" }], failurePolicy: "FAIL_OPEN" }), /protects data and cannot run with failure policy FAIL_OPEN/);
  assert.throws(() => deployBootstrap({ ...base, routes: [base.routes[0], { ...base.routes[1], listenPort: 9092 }] }), /listen port 9092 is used twice/);
  assert.throws(() => deployBootstrap({ ...base, routes: [] }), /at least one --upstream/);
  assert.deepEqual(parseHostPort("[::1]:9092", "--upstream"), { host: "::1", port: 9092 });
  assert.throws(() => parseHostPort("kafka:99999", "--upstream"), /--upstream: expected host:port, got "kafka:99999"/);
});

test("envoy-config: a chain of plugins in the order given on every listener, and the clusters they call", () => {
  const chain: DeployConfig = {
    ...base,
    filters: [
      { plugin: "/etc/envoy/pii-filter.wasm", configuration: '{"direction":"both"}', name: "pii-filter" },
      { plugin: "/etc/envoy/telemetry.wasm", configuration: "{}", name: "telemetry" },
      { plugin: "/etc/envoy/billing.wasm", configuration: '{"collector_cluster":"billing_collector"}', name: "billing" },
    ],
    clusters: [{ name: "billing_collector", host: "collector.internal", port: 8080 }],
  };
  const y = deployBootstrap(chain);
  for (const listener of y.split("\n  - name: kafka_").slice(1)) {
    const order = [...listener.matchAll(/root_id: "([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, ["pii-filter", "telemetry", "billing"], "the plugins in order, before tcp_proxy");
    assert.ok(listener.indexOf('root_id: "billing"') < listener.indexOf("tcp_proxy"));
  }
  assert.match(y, /value: "\{\\"direction\\":\\"both\\"\}"/, "each plugin its own configuration");
  assert.match(y, /- name: billing_collector\n {4}connect_timeout: 5s\n {4}type: STRICT_DNS[\s\S]*address: "collector\.internal", port_value: 8080/);
  assert.throws(() => deployBootstrap({ ...chain, filters: [chain.filters[0], { ...chain.filters[1], name: "pii-filter" }] }), /two plugins are named "pii-filter": give each a --name/);
  assert.throws(() => deployBootstrap({ ...chain, clusters: [{ name: "broker_0", host: "x", port: 1 }] }), /--cluster "broker_0": the name is taken/);
  assert.throws(() => deployBootstrap({ ...chain, failurePolicy: "FAIL_OPEN" }), /pii-filter.*protects data/);
});

test("FAIL_OPEN is refused for a module marked as protecting data, whatever its file is named", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-failopen-"));
  const renamed = path.join(dir, "masking-1.2.wasm");
  fs.copyFileSync(rootPath("build", "pii-filter.wasm"), renamed);
  const one = (plugin: string): DeployConfig => ({ ...base, filters: [{ plugin, configuration: "{}", name: "edge" }], failurePolicy: "FAIL_OPEN" });
  assert.throws(() => deployBootstrap(one(renamed)), /filter "edge" \(masking-1\.2\) protects data and cannot run with failure policy FAIL_OPEN/);
  const observe = path.join(dir, "observe.wasm");
  fs.copyFileSync(rootPath("build", "kafka-observe.wasm"), observe);
  assert.match(deployBootstrap(one(observe)), /failure_policy: FAIL_OPEN/, "a plugin without the mark may run FAIL_OPEN");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("dev --broker-prop: key=value lines, a bad one named", () => {
  assert.equal(brokerProperties(["auto.create.topics.enable=false", "log.retention.ms=1000"]), "auto.create.topics.enable=false\nlog.retention.ms=1000");
  assert.throws(() => brokerProperties(["novalue"]), /--broker-prop: expected key=value, got "novalue"/);
  assert.throws(() => brokerProperties(["a=b\nc=d"]), /--broker-prop a: the value must be one line/);
});

test("dev --watch: the listeners move from the bootstrap to a file Envoy watches, each typed", () => {
  const boot = envoyBootstrap({ listenPort: 1, adminPort: 2, upstreamPort: 3, filters: [{ wasm: "/p.wasm", name: "plugin0" }], extraBootstrap: "stats_config: {}\n" });
  const { bootstrap, lds } = splitListeners(boot, "/run/lds/listeners.yaml");
  assert.doesNotMatch(bootstrap, /listeners:/);
  assert.match(bootstrap, /clusters:\n {2}- name: kafka_broker/);
  assert.match(bootstrap, /stats_config: \{\}/);
  assert.match(bootstrap, /dynamic_resources:\n {2}lds_config:\n[\s\S]*path: "\/run\/lds\/listeners\.yaml"\n {6}watched_directory: \{ path: "\/run\/lds" \}/);
  assert.match(bootstrap, /^node: \{ id: /m);
  assert.match(lds, /^resources:\n {2}- "@type": type\.googleapis\.com\/envoy\.config\.listener\.v3\.Listener\n {4}name: kafka\n {4}address: \{ socket_address: \{ address: 127\.0\.0\.1, port_value: 1 \} \}/);
  assert.match(lds, /filename: "\/p\.wasm"/);
});

test("init writes a project per template, named after its folder, with pinned versions", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-init-"));
  try {
    for (const template of ["records", "connection", "policy"]) {
      const dir = path.join(work, `My ${template}!`);
      const files = initProject(dir, { template, toolkit: "file:../kpw.tgz" });
      assert.deepEqual(files.sort(), [".gitignore", "README.md", "asconfig.json", "assembly/index.ts", "config.json", "package.json", "test/plugin.test.mjs"]);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      assert.equal(pkg.name, `my-${template}-`);
      assert.deepEqual(pkg.devDependencies, { "kafka-proxy-wasm": "file:../kpw.tgz", assemblyscript: "0.27.37", "@assemblyscript/wasi-shim": "0.1.0" });
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "asconfig.json"), "utf8")).extends, "./node_modules/kafka-proxy-wasm/asconfig.plugin.json");
      for (const f of files) assert.doesNotMatch(fs.readFileSync(path.join(dir, f), "utf8"), /\{\{\w+\}\}/, `${template}/${f}: every placeholder filled`);
      assert.match(fs.readFileSync(path.join(dir, "test", "plugin.test.mjs"), "utf8"), new RegExp(`build/my-${template}-\\.wasm`));
      assert.throws(() => initProject(dir, { template }), /exists and is not empty/);
    }
    assert.throws(() => initProject(path.join(work, "x"), { template: "nope" }), /--template must be one of records, connection, policy/);
    assert.throws(() => packageName("..."), /cannot make a package name/);
  } finally { fs.rmSync(work, { recursive: true, force: true }); }
});

test("build drops asc's notes about the toolkit's own files, and keeps warnings, errors and notes about the project", () => {
  const lib = "INFO AS210: Expression is never 'null'.\n   :\n 7 │ x!\n   └─ in ~lib/kafka-proxy-wasm/assembly/kafka/generated/messages/create_topics.ts(7,1)";
  const mine = "INFO AS210: Expression is never 'null'.\n   :\n 3 │ y!\n   └─ in assembly/index.ts(3,1)";
  const warn = "WARNING AS201: Conversion from type 'usize' to 'u32'\n   └─ in ~lib/kafka-proxy-wasm/assembly/runtime/allocator.ts(88,47)";
  const out = withoutLibraryNotes([lib, mine, warn, lib].join("\n\n"));
  assert.equal(out, [mine, warn].join("\n\n"));
});

test("dev's run folder: a second stack on it is refused while the first runs, and taken over once it is gone", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-run-"));
  const { spawn } = await import("node:child_process");
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  try {
    fs.writeFileSync(path.join(dir, "dev.pid"), String(other.pid));
    assert.throws(() => claimRunDir(dir), new RegExp(`another dev stack \\(pid ${other.pid}\\) runs in ${dir.replace(/[/.]/g, "\\$&")}; give this one another --port`));
    other.kill("SIGKILL");
    await new Promise((r) => other.once("exit", r));
    const release = claimRunDir(dir);
    assert.equal(fs.readFileSync(path.join(dir, "dev.pid"), "utf8"), String(process.pid));
    release();
    assert.equal(fs.existsSync(path.join(dir, "dev.pid")), false);
  } finally { other.kill("SIGKILL"); fs.rmSync(dir, { recursive: true, force: true }); }
});
