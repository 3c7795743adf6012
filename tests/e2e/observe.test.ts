// kafka-observe in the real Envoy in front of a real Kafka broker, with three real clients.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kcat, javaClients, kafkajsClient, records } from "../../tools/stack/clients.js";
import { FrameTap } from "../../tools/testing/frame_tap.js";

const N = 10000;
const API_NAMES: Record<number, string> = { 0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup", 18: "ApiVersions", 19: "CreateTopics", 22: "InitProducerId", 32: "DescribeConfigs", 60: "DescribeCluster", 68: "ConsumerGroupHeartbeat" };

async function observeCounters(stack: Stack): Promise<Map<string, number>> {
  return await stack.envoy.stats("wasmcustom.kafka_observe");
}

async function assertCountersMatchTap(stack: Stack, tap: FrameTap): Promise<void> {
  // Let in-flight responses land before comparing.
  await new Promise((r) => setTimeout(r, 1500));
  const stats = await observeCounters(stack);
  for (const [key, n] of tap.requests) {
    const name = API_NAMES[key] ?? `key${key}`;
    const got = [...stats].filter(([k]) => k.endsWith(`kafka_observe.requests.api_${name}`)).reduce((s, [, v]) => s + v, 0);
    if (API_NAMES[key]) assert.equal(got, n, `requests of ${name}: plugin ${got}, on the wire ${n}`);
  }
  // A response can reach Envoy after its client hung up (a consumer's long-poll Fetch when it
  // exits): the broker sent it, the filter never sees it. So responses may trail the wire by
  // at most one per connection, and only for Fetch; every other count is exact.
  const connections = tap.connections;
  for (const [key, n] of tap.responses) {
    const name = API_NAMES[key];
    if (!name) continue;
    const got = stats.get(`wasmcustom.kafka_observe.responses.api_${name}`) ?? 0;
    if (key === 1) assert.ok(got <= n && n - got <= connections, `responses of Fetch: plugin ${got}, on the wire ${n}, ${connections} connections`);
    else assert.equal(got, n, `responses of ${name}: plugin ${got}, on the wire ${n}`);
  }
  assert.equal(stats.get("wasmcustom.kafka_observe.bytes.direction_request"), tap.requestBytes, "request bytes");
  const respBytes = stats.get("wasmcustom.kafka_observe.bytes.direction_response") ?? 0;
  assert.ok(respBytes <= tap.responseBytes, "response bytes over the wire total");
  assert.ok(respBytes > 0.9 * tap.responseBytes, `response bytes ${respBytes} vs ${tap.responseBytes} on the wire`);
}

for (const smallBuffers of [false, true]) {
  describe(`kafka-observe in Envoy${smallBuffers ? " with 1 KiB socket buffers" : ""}`, { timeout: 600000 }, () => {
    let stack: Stack;
    before(async () => {
      stack = await Stack.start({
        name: smallBuffers ? "e2e-observe-small" : "e2e-observe",
        filters: [{ wasm: rootPath("build", "kafka-observe.wasm"), name: "observe" }],
        smallBuffers, tap: true,
      });
    });
    after(async () => { await stack?.stop(); });

    test("kcat produces and consumes 10,000 records unchanged", async () => {
      const sent = records("kcat", N);
      await kcat.produce(stack.bootstrap, "e2e-kcat", sent);
      const got = await kcat.consume(stack.bootstrap, "e2e-kcat");
      assert.deepEqual(got, sent);
    });

    test("kafkajs creates a topic, produces and consumes 10,000 records unchanged", async () => {
      await kafkajsClient.createTopic(stack.bootstrap, "e2e-kafkajs");
      const sent = records("kafkajs", N);
      await kafkajsClient.produce(stack.bootstrap, "e2e-kafkajs", sent);
      const got = await kafkajsClient.consume(stack.bootstrap, "e2e-kafkajs", N);
      assert.deepEqual(got, sent);
    });

    test("the Java console producer and consumer move 10,000 records unchanged", async () => {
      await javaClients.createTopic(stack.bootstrap, "e2e-java");
      const sent = records("java", N);
      await javaClients.produce(stack.bootstrap, "e2e-java", sent);
      const got = await javaClients.consume(stack.bootstrap, "e2e-java", N);
      assert.deepEqual(got, sent);
    });

    test("Envoy's /stats counters equal the frames that crossed the wire", async () => {
      await assertCountersMatchTap(stack, stack.tap!);
      const stats = await observeCounters(stack);
      assert.ok((stats.get("wasmcustom.kafka_observe.requests.api_Produce") ?? 0) > 0);
      assert.ok((stats.get("wasmcustom.kafka_observe.requests.api_Fetch") ?? 0) > 0);
      const stream = await stack.envoy.stats("wasmcustom.kafka_stream");
      assert.equal(stream.get("wasmcustom.kafka_stream.observe.malformed_frames") ?? 0, 0);
      // kafka-observe reads no bodies: a frame split across reads is passed on as it arrives
      // (streamed) rather than held and reassembled.
      if (smallBuffers) assert.ok((stream.get("wasmcustom.kafka_stream.observe.streamed_frames") ?? 0) > 0, "small buffers must split frames across reads");
    });

    if (!smallBuffers) {
      test("a client sending garbage is closed while another client's traffic flows", async () => {
        const closed = new Promise<boolean>((resolve) => {
          const s = net.connect(stack.envoy.config.listenPort, "127.0.0.1", () => s.write("GET / HTTP/1.1\r\nHost: kafka\r\n\r\n"));
          s.on("close", () => resolve(true));
          s.on("error", () => resolve(true));
          setTimeout(() => { s.destroy(); resolve(false); }, 10000);
        });
        const sent = records("alongside", 1000);
        const [wasClosed] = await Promise.all([closed, kcat.produce(stack.bootstrap, "e2e-alongside", sent)]);
        assert.equal(wasClosed, true, "Envoy did not close the garbage connection");
        assert.deepEqual(await kcat.consume(stack.bootstrap, "e2e-alongside"), sent);
        const stream = await stack.envoy.stats("wasmcustom.kafka_stream");
        assert.equal(stream.get("wasmcustom.kafka_stream.observe.closed_connections"), 1);
        assert.equal(stream.get("wasmcustom.kafka_stream.observe.malformed_frames"), 1);
      });
    }
  });
}
