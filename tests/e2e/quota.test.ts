// The quota engine (assembly/quota) in the real Envoy in front of the real broker, as
// plugins/guard runs it (build/guard.wasm, with a produce rule beside the quotas): Kafka's Java producer,
// pushing as fast as it can into a topic with a 2 MiB/s produce quota, is held to it within
// ±15% over 30 s, measured on the broker (the partition's size on disk, from its own listener);
// a Java consumer reading a topic with a 2 MiB/s fetch quota likewise (the group's committed
// offsets, times the bytes per offset on disk). Both clients only back off: no errors. A second
// topic with no quota is produced and consumed far faster. The quota is 2 MiB/s = 2097152 B/s.
// The same checks can run against examples/topic-quota too (QUOTA_E2E_PLUGINS=guard,topic-quota);
// by default only guard runs, to keep the suite's length (the example's wiring is proven in the
// emulator, tests/node/quota.test.ts).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { runClient } from "../../tools/stack/clients.js";
import { kafkaClasspath } from "../../tools/stack/kafka.js";

const QUOTA = 2 * 1024 * 1024;
const QUOTAS = { topics: [
  { topic: "q-produce", produce_bytes_per_second: QUOTA },
  { topic: "q-fetch", fetch_bytes_per_second: QUOTA },
] };

/** A plugin that enforces QUOTAS: its module, its filter name, its configuration and its metrics' prefix. */
interface Target { label: string; wasm: string; name: string; config: object; metrics: string }
const TARGETS: Record<string, Target> = {
  // The deliverable: quotas beside a produce rule (the Java producer sends acks=all, which passes).
  // GUARD_WASM: another build of guard (a mutant, when checking that this test catches one).
  guard: { label: "guard", wasm: process.env.GUARD_WASM ?? rootPath("build", "guard.wasm"), name: "guard", config: { produce: { acks: "all" }, quotas: QUOTAS }, metrics: "guard.quota" },
  "topic-quota": { label: "examples/topic-quota", wasm: rootPath("build", "examples", "topic-quota.wasm"), name: "topic_quota", config: { quotas: QUOTAS }, metrics: "topic_quota" },
};
const chosen = (process.env.QUOTA_E2E_PLUGINS ?? "guard").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
for (const c of chosen) if (!(c in TARGETS)) throw new Error(`QUOTA_E2E_PLUGINS: unknown plugin ${c} (known: ${Object.keys(TARGETS).join(", ")})`);
const VALUE = 10000;
/** Seconds before measuring: the bucket's first credit (quota × 11 s) is spent in the first second. */
const WARMUP = 6;
const MEASURE = 30;

interface Sample { t: number; topics: Record<string, { end: number; size: number; committed: number }> }

function probe(args: string[], timeoutMs: number): Promise<string> {
  return runClient("java", ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", kafkaClasspath(), rootPath("tests", "e2e", "java", "QuotaProbe.java"), ...args], "", timeoutMs).then((r) => r.stdout);
}

function jsonLines<T>(out: string): T[] { return out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as T); }

/** The sample nearest to time `t`. */
function at(samples: Sample[], t: number): Sample {
  return samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
}

for (const target of chosen.map((c) => TARGETS[c])) describe(`${target.label}: Kafka's Java clients held to a topic quota by throttle_time_ms, in real Envoy and Kafka`, () => {
  let stack: Stack;
  const m = target.metrics;
  before(async () => {
    stack = await Stack.start({
      name: `e2e-quota-${target.name}`,
      filters: [{ wasm: target.wasm, name: target.name, configuration: JSON.stringify(target.config) }],
    });
  });
  after(async () => { await stack?.stop(); });

  test("a producer and a consumer pushing as fast as they can are held to 2 MiB/s within ±15% over 30 s; no errors, only throttling", async () => {
    // The consumer's topic, filled straight into the broker (no quota on that path).
    const fill = jsonLines<{ acked: number; errors: number }>(await probe(["fill", stack.brokerDirect, "q-fetch", String(110 * 1024 * 1024), String(VALUE)], 120000))[0];
    assert.equal(fill.errors, 0);
    const seconds = WARMUP + MEASURE + 4;
    const [watchOut, producerOut, consumerOut] = await Promise.all([
      probe(["watch", stack.brokerDirect, String(seconds + 4), "quota-g", "q-produce", "q-fetch"], 120000),
      probe(["produce", stack.bootstrap, "q-produce", String(seconds), String(VALUE)], 180000),
      probe(["consume", stack.bootstrap, "q-fetch", "quota-g", String(seconds)], 180000),
    ]);
    const producer = jsonLines<{ sent: number; acked: number; errors: number; firstError: string | null; throttleMaxMs: number }>(producerOut)[0];
    const consumer = jsonLines<{ records: number; errors: number; firstError: string | null; throttleMaxMs: number }>(consumerOut)[0];
    const samples = jsonLines<Sample>(watchOut);
    assert.ok(samples.length > 20, `watch samples: ${samples.length}`);

    // Producer: bytes on the broker's disk for the topic, between the warm-up's end and 30 s later.
    const producing = samples.filter((s) => s.topics["q-produce"].end > 0);
    assert.ok(producing.length > 0, "the producer wrote something");
    const p0 = at(samples, producing[0].t + WARMUP * 1000), p1 = at(samples, p0.t + MEASURE * 1000);
    const produceRate = (p1.topics["q-produce"].size - p0.topics["q-produce"].size) * 1000 / (p1.t - p0.t);
    // Consumer: committed offsets, times the bytes per offset of the filled topic on disk.
    const filled = samples[samples.length - 1].topics["q-fetch"];
    const bytesPerOffset = filled.size / filled.end;
    const consuming = samples.filter((s) => s.topics["q-fetch"].committed > 0);
    assert.ok(consuming.length > 0, "the consumer committed something");
    const c0 = at(samples, consuming[0].t + WARMUP * 1000), c1 = at(samples, c0.t + MEASURE * 1000);
    const fetchRate = (c1.topics["q-fetch"].committed - c0.topics["q-fetch"].committed) * bytesPerOffset * 1000 / (c1.t - c0.t);
    const stats = await stack.envoy.stats(`wasmcustom.${m}.`);
    const report = `produce ${(produceRate / QUOTA).toFixed(3)} × quota over ${((p1.t - p0.t) / 1000).toFixed(1)} s, fetch ${(fetchRate / QUOTA).toFixed(3)} × quota over ${((c1.t - c0.t) / 1000).toFixed(1)} s; ` +
      `producer ${JSON.stringify(producer)}; consumer ${JSON.stringify(consumer)}; ${JSON.stringify(Object.fromEntries(stats))}`;
    console.log(report);

    assert.equal(producer.errors, 0, report);
    assert.equal(producer.acked, producer.sent, report);
    assert.equal(consumer.errors, 0, report);
    assert.ok(producer.throttleMaxMs > 0, `the producer saw throttle times: ${report}`);
    assert.ok(consumer.throttleMaxMs > 0, `the consumer saw throttle times: ${report}`);
    assert.ok(Math.abs(produceRate / QUOTA - 1) <= 0.15, `produce rate within ±15%: ${report}`);
    assert.ok(Math.abs(fetchRate / QUOTA - 1) <= 0.15, `fetch rate within ±15%: ${report}`);
    assert.ok((stats.get(`wasmcustom.${m}.produce_throttle_ms.topic_q-produce`) ?? 0) > 0, report);
    assert.ok((stats.get(`wasmcustom.${m}.fetch_throttle_ms.topic_q-fetch`) ?? 0) > 0, report);
    assert.ok((stats.get(`wasmcustom.${m}.limited_fetches`) ?? 0) > 0, report);
    // Nothing was refused or cut: the stream layer closed no connection and met no bad frame.
    const stream = await stack.envoy.stats(`wasmcustom.kafka_stream.${target.name}.`);
    console.log(JSON.stringify(Object.fromEntries(stream)));
    for (const name of ["malformed_frames", "closed_connections", "over_budget_connections", "truncated_frames", "passthrough_connections"]) {
      assert.equal(stream.get(`wasmcustom.kafka_stream.${target.name}.${name}`) ?? 0, 0, name);
    }
    if (target.name === "guard") {
      // guard's produce rule checked the producer's requests and refused none of them.
      const rules = await stack.envoy.stats("wasmcustom.guard.");
      assert.ok((rules.get("wasmcustom.guard.allowed.check_produce") ?? 0) > 0, JSON.stringify(Object.fromEntries(rules)));
      assert.deepEqual([...rules.keys()].filter((k) => k.startsWith("wasmcustom.guard.refused.")), [], "no refusals");
    }
  });

  test("a topic without a quota is produced and consumed far above 2 MiB/s, never throttled", async () => {
    const started = Date.now();
    const producer = jsonLines<{ sent: number; acked: number; errors: number; throttleMaxMs: number }>(await probe(["produce", stack.bootstrap, "free", "4", String(VALUE)], 120000))[0];
    const producedFor = (Date.now() - started) / 1000;
    const watch = jsonLines<Sample>(await probe(["watch", stack.brokerDirect, "1", "free-g", "free"], 60000));
    const onDisk = watch[watch.length - 1].topics["free"].size;
    const consumer = jsonLines<{ records: number; bytes: number; errors: number; throttleMaxMs: number }>(await probe(["consume", stack.bootstrap, "free", "free-g", "5"], 120000))[0];
    const stats = await stack.envoy.stats(`wasmcustom.${m}.`);
    const report = `produced ${(onDisk / 1048576).toFixed(1)} MiB in ${producedFor.toFixed(1)} s (JVM start included); producer ${JSON.stringify(producer)}; consumer ${JSON.stringify(consumer)}`;
    console.log(report);
    assert.equal(producer.errors, 0, report);
    assert.equal(producer.throttleMaxMs, 0, report);
    // Over the whole run, JVM start included: still more than twice the quota.
    assert.ok(onDisk / producedFor > 2 * QUOTA, report);
    assert.equal(consumer.errors, 0, report);
    assert.equal(consumer.throttleMaxMs, 0, report);
    assert.ok(consumer.bytes / 5 > 2 * QUOTA, report);
    assert.equal(stats.get(`wasmcustom.${m}.produce_throttle_ms.topic_free`), undefined);
    assert.equal(stats.get(`wasmcustom.${m}.fetch_throttle_ms.topic_free`), undefined);
  });
});
