// The SDK helpers and the Kafka connection API, through test-fixture plugins in the emulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost, SharedState, splitFrames } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { sessionFiles, loadSession, replay, whole } from "../tools/replay.js";

const PROBE = rootPath("build", "fixtures", "sdk-probe.wasm");
const GUARD = rootPath("build", "fixtures", "kafka-guard.wasm");

const frames = splitFrames;

test("ticks, shared data, queues, callouts, properties and metrics", async () => {
  const host = await PluginHost.load(PROBE, {
    configuration: JSON.stringify({ tick_ms: 100, cluster: "collector" }),
    properties: { "source.address": "127.0.0.1:5555" },
    vmId: "probe",
  });
  assert.equal(host.configured, true);
  assert.equal(host.tickPeriodMs, 100);
  const conn = host.connect();
  assert.ok(host.logs.some((l) => l.message === "probe: connection from 127.0.0.1:5555"));
  assert.equal(host.metric("probe.open_connections"), 1n);
  conn.fromClient(Buffer.alloc(321));
  assert.equal(host.metric("probe.chunk_bytes"), 321n, "histogram recorded the chunk size");

  host.tick();
  host.tick();
  assert.equal(host.shared.data.get("probe.ticks")!.value.readBigUInt64LE(0), 2n);
  host.drainQueues();
  assert.equal(host.metric("probe.dequeued"), 2n);

  assert.equal(host.httpCalls.length, 1, "one callout, on the first tick");
  const call = host.httpCalls[0];
  assert.equal(call.cluster, "collector");
  assert.deepEqual(call.headers.find(([k]) => k === ":path"), [":path", "/probe"]);
  assert.equal(call.body.toString(), "hello from wasm");
  host.respondHttpCall(call.token, 202, "accepted");
  assert.ok(host.logs.some((l) => l.message === "probe: callout status=202 body=accepted"));

  conn.close();
  assert.equal(host.metric("probe.open_connections"), 0n);
  assert.equal(host.trapped, null);
});

test("shared data aggregates across worker VMs with compare-and-swap", async () => {
  const shared = new SharedState();
  const workers = await Promise.all([1, 2, 3].map(() => PluginHost.load(PROBE, { configuration: "{}", shared, vmId: "probe" })));
  for (let round = 0; round < 5; round++) for (const w of workers) w.tick();
  assert.equal(shared.data.get("probe.ticks")!.value.readBigUInt64LE(0), 15n);
  // The queue is registered once per vm_id; the owner drains what every worker enqueued.
  const owner = workers.find((w) => [...shared.queues.values()].some((q) => q.owner === w))!;
  owner.drainQueues();
  assert.equal(owner.metric("probe.dequeued"), 15n);
});

test("a plugin answers CreateTopics itself: the broker gets a harmless request, the client POLICY_VIOLATION", async () => {
  const d = await Dissector.load();
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kafkajs-admin"))!);
  const host = await PluginHost.load(GUARD, { configuration: "{}" });
  const r = replay(host, chunks, whole);
  const toBroker = frames(r.toBroker), toClient = frames(r.toClient);
  assert.ok(!toBroker.some((f) => f.readInt16BE(4) === 19), "no CreateTopics reached the broker");
  const substitute = toBroker.find((f) => f.readInt16BE(4) === 18 && f.readInt16BE(6) === 0 && f.length === 14);
  assert.ok(substitute, "an ApiVersions v0 request went in its place");
  const original = frames(Buffer.concat(chunks.filter((c) => c.fromClient).map((c) => c.data))).find((f) => f.readInt16BE(4) === 19)!;
  const version = original.readInt16BE(6), corr = original.readInt32BE(8);
  const answer = toClient.find((f) => f.readInt32BE(4) === corr)!;
  const body = answer.subarray(4 + d.responseHeaderLength(19, version, answer.subarray(4)));
  const json = JSON.parse(d.decodeBody(19, version, true, body).text);
  assert.deepEqual(json.topics.map((t: { name: string }) => t.name).sort(), ["rec-admin-a", "rec-admin-b"]);
  assert.ok(json.topics.every((t: { errorCode: number; errorMessage: string }) => t.errorCode === 44 && /disabled by kafka-guard/.test(t.errorMessage)));
  assert.equal(host.metric("guard.denied_topics"), 2n);
  assert.equal(host.metric("kafka_stream.kafka_guard.answered_by_plugin"), 1n);
  assert.equal(host.metric("kafka_stream.kafka_guard.unmatched_responses") ?? 0n, 0n);
});

test("ApiVersions responses are clamped to what the codec knows, in place", async () => {
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!).map((c) => ({ fromClient: c.fromClient, data: Buffer.from(c.data) }));
  // The broker's first answer is ApiVersions: raise Produce's max to 99, as a newer broker might.
  const first = chunks.find((c) => !c.fromClient)!;
  const apiKeysAt = 4 + 4 + 2; // size, correlation id (header v0), error code
  // kcat asks ApiVersions v3+, so the array is compact (1-byte count) and each entry is
  // api key, min, max and an empty tagged-field buffer: 7 bytes.
  let patched = false;
  for (let p = apiKeysAt + 1; p + 6 <= first.data.length; p += 7) {
    if (first.data.readInt16BE(p) === 0) { first.data.writeInt16BE(99, p + 4); patched = true; break; }
  }
  assert.ok(patched, "found Produce in the recorded ApiVersions response");
  const host = await PluginHost.load(rootPath("build", "kafka-observe.wasm"), { configuration: "{}" });
  const r = replay(host, chunks, whole);
  const out = frames(r.toClient)[0];
  let max = -1;
  for (let p = apiKeysAt + 1; p + 6 <= out.length; p += 7) if (out.readInt16BE(p) === 0) { max = out.readInt16BE(p + 4); break; }
  assert.equal(max, 13, "Produce max lowered to the codec's 13");
  assert.equal(host.metric("kafka_stream.kafka_observe.api_versions_clamped"), 1n);
  assert.equal(out.length, first.data.length, "length unchanged");
});

test("a Kafka 4.4 broker's ApiVersions maxima reach the client unclamped", async () => {
  // The recorded sessions are against Kafka 4.4.0; the codec is generated from the same release,
  // so nothing the broker advertises is above what the codec parses.
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!);
  const first = chunks.find((c) => !c.fromClient)!.data;
  const apiKeysAt = 4 + 4 + 2; // size, correlation id (header v0), error code
  const maxima = (frame: Buffer) => {
    const m = new Map<number, number>();
    for (let p = apiKeysAt + 1; p + 6 <= frame.length; p += 7) m.set(frame.readInt16BE(p), frame.readInt16BE(p + 4));
    return m;
  };
  const advertised = maxima(first);
  // Versions 4.4 added: ApiVersions v5, TxnOffsetCommit v6, DeleteGroups v3, StreamsGroupHeartbeat and StreamsGroupDescribe v1.
  const added: [number, number][] = [[18, 5], [28, 6], [42, 3], [88, 1], [89, 1]];
  for (const [key, max] of added) assert.equal(advertised.get(key), max, `the recorded broker advertises api ${key} up to v${max}`);
  const host = await PluginHost.load(rootPath("build", "kafka-observe.wasm"), { configuration: "{}" });
  const out = frames(replay(host, chunks, whole).toClient)[0];
  assert.ok(out.equals(first), "the ApiVersions response passes byte for byte");
  for (const [key, max] of added) assert.equal(maxima(out).get(key), max, `api ${key} still v${max}`);
  assert.equal(host.metric("kafka_stream.api_versions_clamped") ?? 0n, 0n);
});

test("pii-filter refuses invalid configurations, naming the field", async () => {
  const cases: [string, RegExp][] = [
    [JSON.stringify({ detectors: ["email", "telepathy"] }), /detectors\[1\]: unknown detector/],
    [JSON.stringify({ secret_keys: Array.from({ length: 65 }, (_, i) => `k${i}`) }), /secret_keys: at most 64 words/],
    [JSON.stringify({ secret_keys: [""] }), /secret_keys\[0\]: must be a non-empty string/],
    [JSON.stringify({ on_unsupported: "ignore" }), /on_unsupported: must be "close" or "passthrough"/],
    [JSON.stringify({ on_malformed: "drop" }), /on_malformed/],
  ];
  for (const [config, why] of cases) {
    const host = await PluginHost.load(rootPath("build", "pii-filter.wasm"), { configuration: config });
    assert.equal(host.configured, false, config);
    assert.ok(host.logs.some((l) => l.level === "error" && why.test(l.message)), `${config}: ${host.logs.map((l) => l.message).join(" | ")}`);
  }
  const ok = await PluginHost.load(rootPath("build", "pii-filter.wasm"), { configuration: JSON.stringify({ detectors: ["email"], secret_keys: ["pin"] }) });
  assert.equal(ok.configured, true);
});

test("every Kafka plugin gets the shared stream settings checked by the library, naming the field", async () => {
  // kafka-guard and uppercase have no settings of their own: only KafkaRoot can refuse these.
  const modules = [
    rootPath("build", "fixtures", "kafka-guard.wasm"),
    rootPath("build", "examples", "uppercase.wasm"),
    rootPath("build", "kafka-observe.wasm"),
    rootPath("build", "billing.wasm"),
  ];
  const cases: [string, RegExp][] = [
    [JSON.stringify({ on_malformed: "bogus" }), /on_malformed: must be "close" or "passthrough"/],
    [JSON.stringify({ vm_memory_budget_bytes: 12 }), /vm_memory_budget_bytes: must be a whole number/],
    ["{not json", /configuration is not JSON/],
    ["[1, 2]", /configuration must be a JSON object/],
  ];
  for (const wasm of modules) {
    for (const [config, why] of cases) {
      const host = await PluginHost.load(wasm, { configuration: config });
      assert.equal(host.configured, false, `${wasm}: ${config}`);
      assert.ok(host.logs.some((l) => l.level === "error" && why.test(l.message)), `${wasm}: ${config}: ${host.logs.map((l) => l.message).join(" | ")}`);
    }
    const ok = await PluginHost.load(wasm, { configuration: JSON.stringify({ max_frame_bytes: 1 << 20 }) });
    assert.equal(ok.configured, true, `${wasm}: ${ok.logs.map((l) => l.message).join(" | ")}`);
  }
});

test("the record layer refuses its own settings' bad values, naming the field", async () => {
  for (const [config, why] of [
    [JSON.stringify({ on_unknown_topic: "ignore" }), /on_unknown_topic: must be "reject", "close" or "passthrough"/],
    [JSON.stringify({ max_decompressed_bytes: 10 }), /max_decompressed_bytes: must be a whole number/],
  ] as [string, RegExp][]) {
    const host = await PluginHost.load(rootPath("build", "examples", "uppercase.wasm"), { configuration: config });
    assert.equal(host.configured, false, config);
    assert.ok(host.logs.some((l) => l.level === "error" && why.test(l.message)), `${config}: ${host.logs.map((l) => l.message).join(" | ")}`);
  }
});
