// A plugin that protects data never gets FAIL_OPEN: the Envoy bootstrap and `dev` refuse it,
// naming the plugin and the reason (tools/stack/failure_policy.ts).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { envoyBootstrap, EnvoyConfig, WasmFilter } from "../../tools/stack/envoy.js";
import { devFilters } from "../../tools/stack/dev.js";
import { parseFailurePolicy } from "../../tools/stack/failure_policy.js";

const config = (filters: WasmFilter[]): EnvoyConfig => ({ listenPort: 19092, adminPort: 19901, upstreamPort: 9092, filters });

describe("the Envoy bootstrap", () => {
  test("refuses FAIL_OPEN for pii-filter, naming the filter, the plugin and why", () => {
    assert.throws(() => envoyBootstrap(config([{ wasm: "build/pii-filter.wasm", name: "pii", failurePolicy: "FAIL_OPEN" }])),
      (e: Error) => /filter "pii" \(pii-filter\) protects data/.test(e.message) && /FAIL_OPEN/.test(e.message) && /unscanned/.test(e.message) && /FAIL_RELOAD/.test(e.message));
  });

  test("refuses FAIL_OPEN for any plugin marked protects, and protects: false does not unmark pii-filter", () => {
    assert.throws(() => envoyBootstrap(config([{ wasm: "/x/my-dlp.wasm", protects: true, failurePolicy: "FAIL_OPEN" }])), /filter my-dlp protects data/);
    assert.throws(() => envoyBootstrap(config([{ wasm: "/opt/plugins/pii-filter.wasm", protects: false, failurePolicy: "FAIL_OPEN" }])), /protects data/);
  });

  test("refuses it in any position of a chain", () => {
    assert.throws(() => envoyBootstrap(config([
      { wasm: "build/telemetry.wasm", failurePolicy: "FAIL_OPEN" },
      { wasm: "build/pii-filter.wasm", failurePolicy: "FAIL_OPEN" },
    ])), /filter pii-filter protects data/);
  });

  test("writes FAIL_CLOSED (the default) and FAIL_RELOAD for pii-filter, and FAIL_OPEN for a plugin that protects nothing", () => {
    const policies = (yaml: string) => [...yaml.matchAll(/failure_policy: (\w+)/g)].map((m) => m[1]);
    assert.deepEqual(policies(envoyBootstrap(config([{ wasm: "build/pii-filter.wasm" }]))), ["FAIL_CLOSED"]);
    assert.deepEqual(policies(envoyBootstrap(config([
      { wasm: "build/pii-filter.wasm", failurePolicy: "FAIL_RELOAD" },
      { wasm: "build/telemetry.wasm", failurePolicy: "FAIL_OPEN" },
    ]))), ["FAIL_RELOAD", "FAIL_OPEN"]);
  });

  test("refuses FAIL_OPEN for a module it cannot read, unless the filter says it protects nothing", () => {
    const absent = "/opt/plugins/renamed-filter.wasm";
    assert.throws(() => envoyBootstrap(config([{ wasm: absent, name: "x", failurePolicy: "FAIL_OPEN" }])),
      /filter "x" \(renamed-filter\): cannot read a wasm module at \/opt\/plugins\/renamed-filter\.wasm to see whether it protects data, so FAIL_OPEN is not written/);
    const notWasm = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kpw-fp-")), "text.wasm");
    fs.writeFileSync(notWasm, "not a module");
    assert.throws(() => envoyBootstrap(config([{ wasm: notWasm, failurePolicy: "FAIL_OPEN" }])), /cannot read a wasm module/);
    assert.match(envoyBootstrap(config([{ wasm: absent, protects: false, failurePolicy: "FAIL_OPEN" }])), /failure_policy: FAIL_OPEN/);
    // Other policies never need to read the module.
    assert.match(envoyBootstrap(config([{ wasm: absent, failurePolicy: "FAIL_RELOAD" }])), /failure_policy: FAIL_RELOAD/);
  });

  test("writes FAIL_RELOAD's backoff only for FAIL_RELOAD", () => {
    const reload = envoyBootstrap(config([{ wasm: "build/pii-filter.wasm", failurePolicy: "FAIL_RELOAD", reloadBackoffMs: 250 }]));
    assert.match(reload, /failure_policy: FAIL_RELOAD\n\s+reload_config: \{ backoff: \{ base_interval: 0\.250s \} \}/);
    const closed = envoyBootstrap(config([{ wasm: "build/pii-filter.wasm", failurePolicy: "FAIL_CLOSED", reloadBackoffMs: 250 }]));
    assert.doesNotMatch(closed, /reload_config/);
  });

  test("refuses a policy Envoy does not know, naming it", () => {
    assert.throws(() => envoyBootstrap(config([{ wasm: "build/telemetry.wasm", failurePolicy: "FAIL_IGNORE" as never }])), /failurePolicy must be one of FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD, got "FAIL_IGNORE"/);
  });
});

describe("dev --failure-policy", () => {
  let dir = "";
  let pii = "";
  let observe = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-failure-policy-"));
    pii = path.join(dir, "pii-filter.wasm");
    observe = path.join(dir, "kafka-observe.wasm");
    fs.writeFileSync(pii, "");
    fs.copyFileSync("build/kafka-observe.wasm", observe); // FAIL_OPEN is written only for a module read here
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("refuses FAIL_OPEN for pii-filter before anything starts", () => {
    assert.throws(() => devFilters([pii], [], ["FAIL_OPEN"]), /filter "plugin0" \(pii-filter\) protects data and cannot run with failure policy FAIL_OPEN/);
    assert.throws(() => devFilters([observe, pii], [], ["fail_reload", "FAIL_OPEN"]), /filter "plugin1" \(pii-filter\)/);
  });

  test("one policy applies to every plugin, one per plugin applies in order", () => {
    assert.deepEqual(devFilters([observe, pii], [], ["FAIL_RELOAD"]).map((f) => f.failurePolicy), ["FAIL_RELOAD", "FAIL_RELOAD"]);
    assert.deepEqual(devFilters([observe, pii], [], ["FAIL_OPEN", "FAIL_CLOSED"]).map((f) => f.failurePolicy), ["FAIL_OPEN", "FAIL_CLOSED"]);
    assert.deepEqual(devFilters([observe], [], []).map((f) => f.failurePolicy), [undefined]);
  });

  test("names the option when the policy is unknown or given the wrong number of times", () => {
    assert.throws(() => parseFailurePolicy("OPEN", "--failure-policy"), /--failure-policy must be one of FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD, got "OPEN"/);
    assert.throws(() => devFilters([observe, pii, observe], [], ["FAIL_CLOSED", "FAIL_RELOAD"]), /--failure-policy: given 2 times for 3 plugins/);
  });
});
