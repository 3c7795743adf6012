// The PII corpus end to end: a sample of it through the real Envoy (pii-filter) into the real
// broker, consumed back; every record must come out exactly as the emulator masks it, and score
// the same (recall, false positives, JSON validity).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Stack } from "../../tools/stack/stack.js";
import { rootPath } from "../../tools/lib/paths.js";
import { kafkajsClient } from "../../tools/stack/clients.js";
import { corpus } from "../../tools/eval/pii/corpus.js";
import { maskInEmulator } from "../../tools/eval/pii/emulator.js";
import { score, failedGoals } from "../../tools/eval/pii/score.js";

describe("the PII corpus through Envoy and Kafka", { timeout: 600000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await Stack.start({ name: "e2e-pii-eval", filters: [{ wasm: rootPath("build", "pii-filter.wasm"), name: "pii" }] });
  });
  after(async () => { await stack?.stop(); });

  test("a sample of the corpus is stored exactly as the emulator masks it, and meets the goals", async () => {
    const all = corpus();
    // Every 6th record, and every hand-written case: each detector, format and trap is there.
    const sample = all.filter((s, i) => i % 6 === 0 || s.source === "adversarial");
    const emulated = await maskInEmulator(sample);
    await kafkajsClient.createTopic(stack.bootstrap, "pii-eval");
    await kafkajsClient.produce(stack.bootstrap, "pii-eval", sample.map((s) => s.value.toString()), 100);
    const stored = await kafkajsClient.consume(stack.bootstrap, "pii-eval", sample.length);
    assert.equal(stored.length, sample.length);
    const real = sample.map((s, i) => ({ sample: s, masked: Buffer.from(stored[i]) }));
    for (let i = 0; i < sample.length; i++) assert.equal(stored[i], emulated[i].masked.toString(), `record ${sample[i].id}`);
    const s = score(real);
    assert.deepEqual(failedGoals(s), []);
    assert.ok(s.json.valid > 100 && s.json.sameShape === s.json.valid);
  });
});
