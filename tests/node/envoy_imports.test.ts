// Every built plugin imports only what Envoy provides and exports what it needs;
// Envoy refuses a module with a single unknown import.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { envoyLinkProblems } from "../../tools/testing/index.js";
import { pluginNames } from "../../tools/build-plugins.js";
import { rootPath } from "../../tools/lib/paths.js";

for (const name of pluginNames()) {
  test(`${name}.wasm links against Envoy's Proxy-Wasm 0.2.1 surface`, async () => {
    const module = await WebAssembly.compile(fs.readFileSync(rootPath("build", `${name}.wasm`)));
    assert.deepEqual(envoyLinkProblems(module), []);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const e of ["proxy_on_downstream_data", "proxy_on_upstream_data", "proxy_on_configure", "malloc", "_initialize"]) assert.ok(exports.includes(e), `missing ${e}`);
  });
}

test("the link check itself flags what Envoy lacks", async () => {
  // (module (import "env" "abort" (func)) (memory (export "memory") 1))
  const bytes = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 13, 1, 3, 101, 110, 118, 5, 97, 98, 111, 114, 116, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0]);
  const problems = envoyLinkProblems(await WebAssembly.compile(bytes));
  assert.ok(problems.some((p) => p.includes("env.abort")));
  assert.ok(problems.some((p) => p.includes("proxy_abi_version_0_2_1")));
});
