// The record layer signs only sound batches, and never forwards one half edited
// (assembly/record_layer/partition_records.ts):
// - a batch (or legacy message) whose CRC was already wrong gets the `on_unsupported` policy with
//   CORRUPT_MESSAGE when a change is to be made to it, or, for a plugin that edits in place, before
//   the plugin sees it: it is never signed again and stored or delivered as good;
// - a batch the plugin saw (and may have edited in place) and then could not finish is not
//   forwarded under `passthrough`: the connection closes, as it would under `close`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { Exchanges, TopicRef } from "../tools/record_frames.js";
import { batchOf, legacyMessage } from "../tools/batches.js";
import { decodeEntries } from "../tools/record_model.js";

const OPS = rootPath("build", "fixtures", "record-ops.wasm");
const IDENTITY = rootPath("build", "fixtures", "record-identity.wasm");
const CORRUPT_MESSAGE = 2;
const UNKNOWN_SERVER_ERROR = -1;
const T: TopicRef = { name: "lowercase", id: Buffer.alloc(16, 7) };

const d = await Dissector.load();
const values = (...v: string[]) => v.map((x) => Buffer.from(x));

/**
 * `b` with a byte changed after its CRC was computed: in the value "payload-xxxx" where it can be
 * read in the clear, else (compressed) in the stored CRC itself.
 */
function corrupted(b: Buffer): Buffer {
  const c = Buffer.from(b);
  const at = c.indexOf("payload-xxxx");
  c[at >= 0 ? at + 8 : 17] ^= 0x01;
  return c;
}

async function ops(policy: string): Promise<PluginHost> {
  return PluginHost.load(OPS, { configuration: JSON.stringify({ on_unsupported: policy }) });
}

/** The records field of the one partition the broker saw. */
function sawRecords(saw: any): Buffer {
  return Buffer.from(saw.topicData[0].partitionData[0].records, "base64");
}

for (const [what, make] of [
  ["an in-place edit (uncompressed)", () => batchOf(values("upper:abc", "payload-xxxx"))],
  ["a change of length (uncompressed)", () => batchOf(values("grow:abc", "payload-xxxx"))],
  ["a drop (uncompressed)", () => batchOf(values("drop:abc", "payload-xxxx"))],
  ["an in-place edit (gzip)", () => batchOf(values("upper:abc", "payload-xxxx"), { gzip: true })],
] as const) {
  test(`produce: a batch whose CRC was already wrong is never signed again, for ${what}`, async () => {
    const sound = make();
    const bad = corrupted(sound);
    // reject: the client gets CORRUPT_MESSAGE, as the broker would answer; the broker sees nothing of it.
    {
      const host = await ops("reject");
      const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
      assert.equal(out.answer!.get("lowercase")![0].errorCode, CORRUPT_MESSAGE);
      assert.equal(out.brokerSaw?.topicData?.length ?? 0, 0, "the broker sees no partition");
      assert.equal(host.metric("kafka_records.record_ops.bad_checksums"), 1n);
    }
    // passthrough: it goes on exactly as it came, so the broker refuses it as it would have.
    {
      const host = await ops("passthrough");
      const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
      assert.ok(sawRecords(out.brokerSaw).equals(bad), "forwarded byte for byte, CRC still wrong");
    }
    // close (the default): the connection closes.
    {
      const host = await ops("close");
      const conn = host.connect();
      const out = new Exchanges(d, conn).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
      assert.equal(out.forwarded.length, 0);
      assert.ok(conn.closed);
    }
    // The same batch, sound, is changed and signed.
    {
      const host = await ops("reject");
      const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: sound }] }]);
      const e = decodeEntries(sawRecords(out.brokerSaw))[0];
      assert.ok(e.kind === "batch" && e.batch.crcValid, "the changed batch's CRC is true");
      assert.ok(!sawRecords(out.brokerSaw).equals(sound), "it was changed");
      assert.equal(host.metric("kafka_records.record_ops.bad_checksums") ?? 0n, 0n);
    }
  });
}

test("produce: a corrupted batch is checked before a plugin that edits in place sees it, and left to the broker by one that does not", async () => {
  const bad = corrupted(batchOf(values("plain", "payload-xxxx")));
  const host = await ops("reject");
  const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
  assert.equal(out.answer!.get("lowercase")![0].errorCode, CORRUPT_MESSAGE, "record-ops may edit in place: checked first");
  // The identity fixture says editsInPlace = false: what it keeps goes on untouched, and the broker checks it.
  const identity = await PluginHost.load(IDENTITY, { configuration: JSON.stringify({ on_unsupported: "reject" }) });
  const kept = new Exchanges(d, identity.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
  assert.ok(sawRecords(kept.brokerSaw).equals(bad));
});

test("fetch: a batch corrupted on the broker's disk is not signed again by an edit: the consumer still sees the corruption", async () => {
  const bad = corrupted(batchOf(values("upper:abc", "payload-xxxx")));
  const host = await ops("reject");
  const got = new Exchanges(d, host.connect()).fetch(12, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
  const p = got.json.responses[0].partitions[0];
  assert.equal(p.errorCode, CORRUPT_MESSAGE);
  const pass = await ops("passthrough");
  const got2 = new Exchanges(d, pass.connect()).fetch(12, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
  assert.ok(Buffer.from(got2.json.responses[0].partitions[0].records, "base64").equals(bad), "as it came, CRC still wrong");
});

test("legacy: a plain message whose CRC was already wrong is not signed again", async () => {
  const plain = legacyMessage(1, Buffer.from("upper:abc"));
  const badPlain = Buffer.from(plain);
  badPlain[badPlain.length - 1] ^= 0x01; // the value's last byte
  const host = await ops("reject");
  const ex = new Exchanges(d, host.connect());
  assert.equal(ex.produce(2 + 1, -1, [{ topic: T, partitions: [{ index: 0, records: badPlain }] }]).answer!.get("lowercase")![0].errorCode, CORRUPT_MESSAGE);
  const good = ex.produce(3, -1, [{ topic: T, partitions: [{ index: 0, records: plain }] }]);
  assert.equal(good.answer!.get("lowercase")![0].errorCode, 0);
  assert.match(sawRecords(good.brokerSaw).toString("latin1"), /UPPER:ABC/);
  assert.equal(host.metric("kafka_records.record_ops.bad_checksums"), 1n);
});

test("passthrough: a batch the plugin saw and may have edited in place before giving up is not forwarded half edited: the connection closes", async () => {
  const first = batchOf(values("upper:first"));
  const second = batchOf(values("upper:abc", "giveup:now", "upper:never"));
  for (const fetched of [false, true]) {
    const host = await ops("passthrough");
    const conn = host.connect();
    const ex = new Exchanges(d, conn);
    const field = Buffer.concat([first, second]);
    if (fetched) {
      const got = ex.fetch(12, [{ topic: T, partitions: [{ index: 0, records: field }] }]);
      assert.equal(got.frame.length, 0, "fetch: nothing reaches the consumer");
    } else {
      assert.equal(ex.produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: field }] }]).forwarded.length, 0, "produce: nothing reaches the broker");
    }
    assert.ok(conn.closed, fetched ? "fetch" : "produce");
    assert.match(host.logs.map((l) => l.message).join("\n"), /may have edited it in place: it cannot go on as it came/);
  }
  // A batch the plugin never saw (refused before, for its CRC) still goes on as it came.
  const host = await ops("passthrough");
  const bad = corrupted(second);
  const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: bad }] }]);
  assert.ok(sawRecords(out.brokerSaw).equals(bad));
});

test("reject(0) never tells a producer its records were stored", async () => {
  const host = await ops("reject");
  const out = new Exchanges(d, host.connect()).produce(9, -1, [{ topic: T, partitions: [{ index: 0, records: batchOf(values("reject0:x")) }] }]);
  assert.equal(out.answer!.get("lowercase")![0].errorCode, UNKNOWN_SERVER_ERROR);
  assert.equal(out.answer!.get("lowercase")![0].errorMessage, "refused with 0");
});
