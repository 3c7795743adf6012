// The floors `npm run bench -- records` holds the record layer against
// (tests/fixtures/plugins/record-walk): were a walk to skip records, or a checked walk to take a
// damaged batch, the bench would compare the layer with less work than it must do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { varint, recordsSection, batchFromSection } from "../tools/batches.js";
import { produceV7 } from "../tools/raw_kafka.js";
import { prng } from "../tools/prng.js";

const WALK = rootPath("build", "fixtures", "record-walk.wasm");
const WALKS = ["lengths", "checked", "called"];

/** Values of every length class the walk reads differently: one-, two- and three-byte varints. */
function values(rnd: () => number, n: number): Buffer[] {
  const sizes = [0, 1, 63, 64, 1024, 8191, 8192, 20000];
  return Array.from({ length: n }, (_, i) => Buffer.alloc(sizes[Math.floor(rnd() * sizes.length)], 97 + (i % 26)));
}

/** A records section whose record `at` says its value is one byte longer than it is (its own length stays true). */
function damagedSection(vals: Buffer[], at: number): Buffer {
  return Buffer.concat(vals.map((v, i) => {
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(-1), varint(v.length + (i === at ? 1 : 0)), v, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  }));
}

/** What the fixture counted for one Produce request. */
function walked(host: PluginHost, frame: Buffer): number {
  const before = Number(host.metric("record_walk.records") ?? 0n);
  host.connect().fromClient(frame);
  return Number(host.metric("record_walk.records") ?? 0n) - before;
}

test("every bench walk visits each record of each batch; the checked walks count nothing of a damaged batch", async () => {
  const rnd = prng(2029);
  for (const walk of WALKS) {
    const host = await PluginHost.load(WALK, { configuration: JSON.stringify({ walk }) });
    for (let round = 0; round < 10; round++) {
      const a = values(rnd, 1 + Math.floor(rnd() * 60)), b = values(rnd, 1 + Math.floor(rnd() * 60));
      const two = Buffer.concat([batchFromSection(recordsSection(a), 0, a.length), batchFromSection(recordsSection(b), 0, b.length)]);
      const frame = produceV7(round, "lowercase", [{ partition: 0, records: two }, { partition: 1, records: batchFromSection(recordsSection(b), 0, b.length) }]);
      assert.equal(walked(host, frame), a.length + 2 * b.length, `${walk}: round ${round}`);
    }
    const vals = values(rnd, 40);
    const damaged = produceV7(99, "lowercase", [{ partition: 0, records: batchFromSection(damagedSection(vals, 17), 0, vals.length) }]);
    // The length walk reads only each record's length, which is still true.
    assert.equal(walked(host, damaged), walk === "lengths" ? 40 : 0, `${walk}: a record whose value overruns it`);
    assert.equal(host.trapped, null);
  }
});

test("the record walk refuses a configuration that names no walk", async () => {
  const host = await PluginHost.load(WALK, { configuration: JSON.stringify({ walk: "quick" }) });
  assert.equal(host.configured, false);
  assert.ok(host.logs.some((l) => /walk: "lengths", "checked" or "called"/.test(l.message)), host.logs.map((l) => l.message).join("\n"));
});
