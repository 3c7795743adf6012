// telemetry in the real Envoy: labelled Prometheus metrics that match what crossed the wire.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kcat, javaClients, kafkajsClient, records, renderInChromium, runClient } from "../../tools/stack/clients.js";
import { cachePath } from "../../tools/lib/paths.js";

/** Prometheus text → "name{labels}" → value (histogram buckets left out). */
async function prometheus(stack: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(kafka_[a-z_]+(?:\{[^}]*\})?) ([0-9.e+]+)$/.exec(line);
    if (m && !m[1].includes("_bucket")) out.set(m[1].replace("{}", ""), Number(m[2]));
  }
  return out;
}

const API_NAMES: Record<number, string> = { 0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup", 18: "ApiVersions", 19: "CreateTopics", 22: "InitProducerId", 60: "DescribeCluster" };

describe("telemetry in Envoy", { timeout: 600000 }, () => {
  let stack: Stack;
  const groupJs = `e2e-tel-js-${Date.now()}`;
  before(async () => {
    stack = await Stack.start({
      name: "e2e-telemetry",
      filters: [{ wasm: rootPath("build", "telemetry.wasm"), name: "telemetry", configuration: JSON.stringify({ flush_seconds: 1 }) }],
      envoyBootstrap: fs.readFileSync(rootPath("plugins", "telemetry", "stats_tags.yaml"), "utf8"),
      tap: true,
    });
    await kcat.produce(stack.bootstrap, "tel-kcat", records("kcat", 1000), ["-X", "client.id=kcat-producer"]);
    await kafkajsClient.createTopic(stack.bootstrap, "tel-js");
    await kafkajsClient.produce(stack.bootstrap, "tel-js", records("js", 600), 200);
    const kafka = kafkajsClient.kafka(stack.bootstrap, "kafkajs-consumer");
    const consumer = kafka.consumer({ groupId: groupJs });
    await consumer.connect();
    await consumer.subscribe({ topic: "tel-js", fromBeginning: true });
    let n = 0;
    await new Promise<void>((resolve) => { consumer.run({ eachMessage: async () => { if (++n >= 600) resolve(); } }); });
    await consumer.disconnect();
    await javaClients.consume(stack.bootstrap, "tel-kcat", 1000, ["group.id=java-group", "client.id=java-consumer"]);
    await new Promise((r) => setTimeout(r, 2500));
  });
  after(async () => { await stack?.stop(); });

  test("per-API request counts in /stats/prometheus equal the requests on the wire", async () => {
    const prom = await prometheus(stack);
    for (const [key, n] of stack.tap!.requests) {
      const name = API_NAMES[key];
      if (!name) continue;
      assert.equal(prom.get(`kafka_requests{api="${name}"}`), n, `${name}`);
    }
    assert.equal(prom.get(`kafka_request_bytes{api="Produce"}`) !== undefined, true);
  });

  test("produced and fetched records per topic equal what the clients sent and read", async () => {
    const prom = await prometheus(stack);
    assert.equal(prom.get(`kafka_topic_produced_records{topic="tel-kcat"}`), 1000);
    assert.equal(prom.get(`kafka_topic_produced_records{topic="tel-js"}`), 600);
    // A fetch may return more than a consumer ends up taking, never less.
    assert.ok((prom.get(`kafka_topic_fetched_records{topic="tel-js"}`) ?? 0) >= 600);
    assert.ok((prom.get(`kafka_topic_fetched_records{topic="tel-kcat"}`) ?? 0) >= 1000, [...prom.keys()].filter((k) => k.includes("fetched_records")).join(", "));
  });

  test("flow edges name producers by client.id and consumers by group", async () => {
    const prom = await prometheus(stack);
    assert.ok((prom.get(`kafka_flow_produce_bytes{topic="tel-kcat",client="kcat-producer"}`) ?? 0) > 0);
    assert.ok((prom.get(`kafka_flow_produce_bytes{topic="tel-js",client="kafkajs-e2e"}`) ?? 0) > 0);
    assert.ok((prom.get(`kafka_flow_consume_bytes{topic="tel-js",group="${groupJs}"}`) ?? 0) > 0, [...prom.keys()].filter((k) => k.includes("flow")).join(", "));
    assert.ok((prom.get(`kafka_flow_consume_bytes{topic="tel-kcat",group="java-group"}`) ?? 0) > 0);
    const log = fs.readFileSync(stack.envoy.logFile, "utf8");
    const flows = log.split("\n").filter((l) => l.includes("telemetry flow ")).map((l) => JSON.parse(l.slice(l.indexOf("telemetry flow ") + 15)));
    const edges = flows.flatMap((f) => f.edges);
    assert.ok(edges.some((e) => e.kind === "produce" && e.from === "kcat-producer" && e.to === "tel-kcat"));
    assert.ok(edges.some((e) => e.kind === "consume" && e.from === "tel-js" && e.to === groupJs));
  });

  test("error codes of any API are counted with their labels", async () => {
    // Creating a topic that exists: the broker answers CreateTopics with TOPIC_ALREADY_EXISTS (36).
    // kafkajs treats that answer as success (createTopics returns false); the broker still sends 36.
    await kafkajsClient.createTopic(stack.bootstrap, "tel-js").catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    const prom = await prometheus(stack);
    assert.ok((prom.get(`kafka_errors{api="CreateTopics",error="36"}`) ?? 0) >= 1, [...prom.keys()].filter((k) => k.startsWith("kafka_errors")).join(", "));
  });

  test("latency histograms, per-client counts and connection gauges are there", async () => {
    const text = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
    assert.match(text, /kafka_latency_us_bucket\{api="Produce",le="[^"]+"\} \d+/);
    const prom = await prometheus(stack);
    assert.ok((prom.get(`kafka_client_requests{client="kcat-producer"}`) ?? 0) > 0);
    assert.ok((prom.get(`kafka_client_requests{client="java-consumer"}`) ?? 0) > 0);
    assert.ok((prom.get("kafka_connections_total") ?? 0) >= 4);
    assert.equal(prom.get("kafka_connections_active"), 0);
  });

  test("kafka-proxy-wasm flow draws every producer, topic and group, as Chromium renders it", async () => {
    const out = cachePath("run", "e2e-telemetry", "flow.html");
    await runClient(process.execPath, [rootPath("dist", "tools", "cli.js"), "flow", "--admin", stack.envoy.adminUrl, "--out", out]);
    const dom = await renderInChromium(out, cachePath("run", "e2e-telemetry", "flow.png"));
    for (const [kind, name] of [["producer", "kcat-producer"], ["producer", "kafkajs-e2e"], ["topic", "tel-kcat"], ["topic", "tel-js"], ["group", groupJs], ["group", "java-group"]]) {
      assert.match(dom, new RegExp(`<g class="node ${kind}" data-name="${name}">`), `${kind} ${name} is not on the page`);
    }
    assert.match(dom, /<path class="edge consume" data-from="tel-kcat" data-to="java-group"/);
    assert.ok(fs.statSync(cachePath("run", "e2e-telemetry", "flow.png")).size > 1000, "a screenshot was taken");
  });
});
