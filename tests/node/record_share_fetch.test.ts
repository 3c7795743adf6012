// ShareFetch responses (share groups, KIP-932) through the record layer, in the emulator: a
// fetch-side plugin sees the records a share consumer acquires, as it sees a consumer's, so none
// passes unseen; untouched responses go on byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { prng } from "../tools/prng.js";
import { decodeEntries, encodeBatch } from "../tools/record_model.js";
import { plainValues } from "../tools/record_gen.js";
import { LOWER, randomSend, layerCounter, knownConnection, topicRef } from "../tools/record_conn.js";

const IDENTITY = rootPath("build", "fixtures", "record-identity.wasm");
const OPS = rootPath("build", "fixtures", "record-ops.wasm");
const SHARE_FETCH_VERSIONS = [1, 2];

function batch(baseOffset: bigint, values: string[]): Buffer {
  return encodeBatch({
    baseOffset, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: values.length - 1, baseTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_000n, producerId: -1n, producerEpoch: -1, baseSequence: -1,
    records: values.map((v, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  });
}

test("identity: ShareFetch responses of every version go on byte-identical, and their records were seen", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(IDENTITY, { configuration: "{}" });
  const rnd = prng(91);
  const { ex } = knownConnection(host, d);
  for (const version of SHARE_FETCH_VERSIONS) {
    for (let round = 0; round < 10; round++) {
      const got = ex.shareFetch(version, randomSend(rnd, { fetch: true, values: plainValues, control: 0.2, tail: 0.2, maxRecords: 6 }));
      assert.ok(got.frame.equals(got.sentFrame), `v${version} round ${round}: byte-identical`);
    }
  }
  assert.ok(layerCounter(host, "records") > 50, `the plugin saw the share consumer's records (${layerCounter(host, "records")})`);
});

test("a fetch-side plugin edits, drops and refuses what a share consumer acquires, as it does a consumer's", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(OPS, { configuration: "{}" });
  const { ex } = knownConnection(host, d);
  const unknown = topicRef("never.named", 9);
  for (const version of SHARE_FETCH_VERSIONS) {
    const got = ex.shareFetch(version, [
      { topic: LOWER, partitions: [{ index: 0, records: batch(10n, ["upper:masked here", "drop:gone", "kept"]) }, { index: 1, records: batch(0n, ["reject:no"]) }] },
      { topic: unknown, partitions: [{ index: 0, records: batch(0n, ["upper:unseen"]) }] },
    ]);
    const topics = got.json.responses;
    const p0 = topics[0].partitions[0];
    const entries = decodeEntries(Buffer.from(p0.records, "base64"));
    assert.ok(entries[0].kind === "batch" && entries[0].batch.crcValid);
    assert.deepEqual(entries[0].kind === "batch" && entries[0].batch.records.map((r) => [r.offsetDelta, r.value?.toString()]),
      [[0, "UPPER:MASKED HERE"], [2, "kept"]], `v${version}: edited, and the drop leaves an offset gap`);
    assert.deepEqual(p0.acquiredRecords, [{ firstOffset: 0, lastOffset: 1000, deliveryCount: 1 }], "the acquired ranges go on as the broker sent them");
    const p1 = topics[0].partitions[1];
    assert.equal(p1.errorCode, 87, "a rejected partition is answered with the plugin's error code");
    assert.equal(Buffer.from(p1.records ?? "", "base64").length, 0, "and no records");
    assert.deepEqual(p1.acquiredRecords, [], "and no acquired ranges beside its error, as a broker answers");
    const u = topics[1].partitions[0];
    assert.equal(u.errorCode, 100, "an unknown topic id is answered UNKNOWN_TOPIC_ID (on_unknown_topic: reject)");
    assert.deepEqual(u.acquiredRecords, []);
    assert.ok(!got.frame.includes(Buffer.from("upper:unseen")), "and its records do not pass unseen");
  }
});
