// The generated codec against real traffic: every request and response in the recorded
// sessions (kcat, kafkajs, against Kafka 4.4.0) decodes and re-encodes to identical bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Dissector } from "../../tools/dissector/dissector.js";
import { sessionFiles, loadSession, concatDirection } from "../tools/replay.js";

function frames(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= stream.length;) {
    const n = stream.readInt32BE(p);
    out.push(stream.subarray(p + 4, p + 4 + n));
    p += 4 + n;
  }
  return out;
}

test("every recorded frame round-trips through the generated codec", async () => {
  const d = await Dissector.load();
  let checked = 0;
  const apis = new Set<string>();
  for (const file of sessionFiles()) {
    const chunks = loadSession(file);
    const requests = frames(concatDirection(chunks, true));
    const responses = frames(concatDirection(chunks, false));
    const pending: { key: number; version: number; corr: number }[] = [];
    for (const f of requests) {
      const key = f.readInt16BE(0), version = f.readInt16BE(2), corr = f.readInt32BE(4);
      const h = d.requestHeaderLength(f);
      assert.ok(h > 0, `${path.basename(file)}: request header of api ${key} v${version}`);
      const body = f.subarray(h);
      const rt = d.roundTrip(key, version, false, body);
      assert.equal(rt, 0, `${path.basename(file)}: request api ${key} v${version} round trip: ${rt} ${d.decodeBody(key, version, false, body).text}`);
      apis.add(`req ${key} v${version}`);
      const acks0 = key === 0 && JSON.parse(d.decodeBody(key, version, false, body).text).acks === 0;
      if (!acks0) pending.push({ key, version, corr });
      checked++;
    }
    for (const f of responses) {
      const corr = f.readInt32BE(0);
      const i = pending.findIndex((p) => p.corr === corr);
      assert.ok(i >= 0, `${path.basename(file)}: response ${corr} matches a request`);
      const { key, version } = pending.splice(i, 1)[0];
      const h = d.responseHeaderLength(key, version, f);
      const body = f.subarray(h);
      const rt = d.roundTrip(key, version, true, body);
      assert.equal(rt, 0, `${path.basename(file)}: response api ${key} v${version} round trip: ${rt} ${d.decodeBody(key, version, true, body).text}`);
      apis.add(`resp ${key} v${version}`);
      checked++;
    }
  }
  assert.ok(checked > 20, `only ${checked} frames`);
  assert.ok(apis.size >= 10, `only ${[...apis].join(", ")}`);
});

test("decoded JSON carries the values clients sent", async () => {
  const d = await Dissector.load();
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!);
  const produce = frames(concatDirection(chunks, true)).find((f) => f.readInt16BE(0) === 0)!;
  const version = produce.readInt16BE(2);
  const json = JSON.parse(d.decodeBody(0, version, false, produce.subarray(d.requestHeaderLength(produce))).text);
  assert.equal(json.topicData[0].name, "rec");
  assert.ok(json.acks === -1 || json.acks === 1);
  assert.ok(typeof json.topicData[0].partitionData[0].records === "string", "records rendered as base64");
});

test("truncated and corrupted bodies give an error, never a trap", async () => {
  const d = await Dissector.load();
  const chunks = loadSession(sessionFiles().find((f) => f.includes("kcat-consume-0"))!);
  const all = frames(concatDirection(chunks, true));
  let errors = 0;
  for (const f of all) {
    const key = f.readInt16BE(0), version = f.readInt16BE(2);
    const body = f.subarray(d.requestHeaderLength(f));
    for (let cut = 0; cut < body.length; cut += Math.max(1, Math.floor(body.length / 25))) {
      const r = d.decodeBody(key, version, false, body.subarray(0, cut));
      if (!r.ok) { errors++; assert.match(r.text, / v\d+: (truncated|bad length|bad varint|trailing bytes) at offset \d+ in \w+/); }
    }
  }
  assert.ok(errors > 10);
});
