// Fuzzing the generated codec: 100,000 mutated and truncated vectors (fixed seed), seeded
// from Kafka-serialized conformance vectors. Each decodes to a value or an error value:
// never a trap, never unbounded memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Dissector } from "../../tools/dissector/dissector.js";
import { loadCorpus } from "../conformance/corpus.js";
import { prng } from "../tools/replay.js";

const RUNS = 100000;

test(`fuzz: ${RUNS} mutated vectors decode to a value or an error, never a trap`, async () => {
  const corpus = loadCorpus().filter((e) => e.bytes.length > 0);
  assert.ok(corpus.length > 1000, `corpus has only ${corpus.length} entries`);
  const d = await Dissector.load();
  const rnd = prng(0x6b61666b);
  const outcomes = [0, 0, 0];
  for (let i = 0; i < RUNS; i++) {
    const seed = corpus[Math.floor(rnd() * corpus.length)];
    const b = Buffer.from(seed.bytes);
    const kind = rnd();
    let input: Buffer;
    if (kind < 0.25) {
      input = b.subarray(0, Math.floor(rnd() * b.length)); // truncated
    } else if (kind < 0.5) {
      for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
      input = b; // bit flips
    } else if (kind < 0.75) {
      // A hostile length: 0x7f/0xff bytes where lengths and counts usually sit.
      const at = Math.floor(rnd() * b.length);
      b[at] = rnd() < 0.5 ? 0x7f : 0xff;
      if (at + 1 < b.length) b[at + 1] = 0xff;
      input = b;
    } else {
      // Bytes of one API decoded as another, or at another version.
      input = b;
      const other = corpus[Math.floor(rnd() * corpus.length)];
      outcomes[d.decodeOnly(other.apiKey, other.version, other.response, input)]++;
      continue;
    }
    outcomes[d.decodeOnly(seed.apiKey, seed.version, seed.response, input)]++;
  }
  assert.equal(outcomes[0] + outcomes[1] + outcomes[2], RUNS);
  assert.ok(outcomes[2] > RUNS / 4, `only ${outcomes[2]} error values: mutations are not reaching the decoder`);
  assert.ok(d.memoryBytes() < 64 * 1024 * 1024, `memory grew to ${d.memoryBytes()} bytes`);
  console.log(`# fuzz: ${RUNS} inputs, ${outcomes[0]} decoded, ${outcomes[2]} error values, 0 traps, memory ${(d.memoryBytes() / 1048576).toFixed(1)} MiB`);
});
