// Every shipped plugin refuses a top-level key it does not know, naming it (a misspelt
// "directon" would otherwise silently leave fetches unmasked), and takes the library's keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";

const STREAM = { max_frame_bytes: 1048576, on_malformed: "close", clamp_api_versions: true, max_inflight: 100, vm_memory_budget_bytes: 16777216, on_over_budget: "close" };
const RECORDS = { on_unsupported: "close", on_unknown_topic: "reject", max_decompressed_bytes: 1048576 };

/** Each plugin: a configuration it takes, and a misspelling of one of its keys. */
const PLUGINS: { name: string; good: object; typo: object; key: string; records: boolean }[] = [
  { name: "pii-filter", good: { direction: "both" }, typo: { directon: "both" }, key: "directon", records: true },
  { name: "telemetry", good: { flush_seconds: 10, collector_cluster: "" }, typo: { flush_secs: 10 }, key: "flush_secs", records: false },
  { name: "billing", good: { tenant_key: "sni" }, typo: { tenant_keys: "sni" }, key: "tenant_keys", records: false },
  { name: "broker-rewrite", good: { broker_addresses: { host: "proxy", port_base: 9000 } },
    typo: { broker_addresses: { host: "proxy", port_base: 9000, unmaped: "default" } }, key: "broker_addresses.unmaped", records: false },
  { name: "kafka-observe", good: {}, typo: { on_malformd: "close" }, key: "on_malformd", records: false },
  { name: "guard", good: { topics: { min_partitions: 1 } }, typo: { topic: { min_partitions: 1 } }, key: "topic", records: true },
];

for (const p of PLUGINS) {
  test(`${p.name}: a misspelt key is refused, named; its own keys and the library's are taken`, async () => {
    const wasm = rootPath("build", `${p.name}.wasm`);
    const good = await PluginHost.load(wasm, { configuration: JSON.stringify({ ...p.good, ...STREAM, ...(p.records ? RECORDS : {}) }) });
    assert.equal(good.configured, true, good.logs.map((l) => l.message).join("\n"));
    const bad = await PluginHost.load(wasm, { configuration: JSON.stringify(p.typo) });
    assert.equal(bad.configured, false, `${p.name} took ${JSON.stringify(p.typo)}`);
    const line = bad.logs.map((l) => l.message).find((m) => m.includes("unknown setting")) ?? "";
    assert.ok(line.includes(`${p.key}: unknown setting (known: `), line || bad.logs.map((l) => l.message).join("\n"));
    if (p.records) {
      // A key of the record layer is only known to plugins on it.
      assert.match(line, /on_unknown_topic/);
    }
  });
}

test("a plugin on the stream layer alone does not take the record layer's keys", async () => {
  const host = await PluginHost.load(rootPath("build", "telemetry.wasm"), { configuration: JSON.stringify({ on_unsupported: "close" }) });
  assert.equal(host.configured, false);
  assert.ok(host.logs.some((l) => l.message.includes("on_unsupported: unknown setting")));
});
