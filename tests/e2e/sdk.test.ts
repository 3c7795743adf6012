// The SDK helpers and the Kafka connection API in the real Envoy, in front of the real broker.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import { Stack } from "../../tools/stack/stack.js";
import { staticCluster } from "../../tools/stack/envoy.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kcat, kafkajsClient, records } from "../../tools/stack/clients.js";

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return; await new Promise((r) => setTimeout(r, 200)); }
  assert.fail(`timed out waiting for ${what}`);
}

describe("SDK helpers and plugin-answered requests in Envoy", { timeout: 300000 }, () => {
  let stack: Stack;
  let collector: http.Server;
  const received: { path: string; body: string }[] = [];

  before(async () => {
    collector = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => { received.push({ path: req.url ?? "", body }); res.writeHead(202); res.end("accepted by node"); });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", () => r()));
    const port = (collector.address() as { port: number }).port;
    stack = await Stack.start({
      name: "e2e-sdk",
      filters: [
        { wasm: rootPath("build", "fixtures", "sdk-probe.wasm"), name: "probe", configuration: JSON.stringify({ tick_ms: 200, cluster: "collector" }) },
        { wasm: rootPath("build", "fixtures", "kafka-guard.wasm"), name: "guard" },
      ],
      envoyExtra: {
        extraClusters: staticCluster("collector", port),
      },
    });
  });
  after(async () => {
    await stack?.stop();
    await new Promise<void>((r) => collector?.close(() => r()));
  });

  test("an HTTP callout from a tick reaches the collector and its answer comes back", async () => {
    await until("the callout", () => received.length > 0);
    assert.equal(received[0].path, "/probe");
    assert.equal(received[0].body, "hello from wasm");
    await until("the callout response in the log", () => fs.readFileSync(stack.envoy.logFile, "utf8").includes("probe: callout status=202 body=accepted by node"));
  });

  test("shared queues deliver across Envoy's worker VMs", async () => {
    await until("dequeued items", async () => ((await stack.envoy.stats("wasmcustom.probe.dequeued")).get("wasmcustom.probe.dequeued") ?? 0) >= 2);
  });

  test("connection properties and gauges see real connections", async () => {
    await kcat.produce(stack.bootstrap, "e2e-sdk", records("sdk", 10));
    assert.deepEqual(await kcat.consume(stack.bootstrap, "e2e-sdk"), records("sdk", 10));
    assert.match(fs.readFileSync(stack.envoy.logFile, "utf8"), /probe: connection from 127\.0\.0\.1:\d+/);
    await until("connections closed", async () => ((await stack.envoy.stats("wasmcustom.probe.open_connections")).get("wasmcustom.probe.open_connections") ?? -1) === 0);
  });

  test("CreateTopics is answered by the plugin with POLICY_VIOLATION and the broker creates nothing", async () => {
    await assert.rejects(kafkajsClient.createTopic(stack.bootstrap, "e2e-guarded"), (e: Error & { type?: string; errors?: { type?: string }[] }) =>
      /POLICY_VIOLATION/.test(JSON.stringify({ t: e.type, m: e.message, errs: e.errors?.map((x) => x.type) })));
    // The broker's own metadata (Metadata passes the guard untouched): the topic must not exist.
    const admin = kafkajsClient.kafka(stack.bootstrap).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    assert.ok(!topics.includes("e2e-guarded"), `the broker created it: ${topics.join(", ")}`);
    const stats = await stack.envoy.stats("wasmcustom.");
    assert.ok((stats.get("wasmcustom.guard.denied_topics") ?? 0) >= 1);
    assert.ok((stats.get("wasmcustom.kafka_stream.guard.answered_by_plugin") ?? 0) >= 1);
  });
});
