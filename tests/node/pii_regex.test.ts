// pii-filter's user-rule regex engine against an independent reference: JavaScript's own
// RegExp, asked for the longest full match at each start (leftmost-longest, non-overlapping).
// Random patterns over a small alphabet, random inputs, through the real plugin in the emulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { rootPath } from "../../tools/lib/paths.js";
import { batchOf, parseBatch } from "../tools/batches.js";
import { prng } from "../tools/prng.js";

const PII = rootPath("build", "pii-filter.wasm");

function randomPattern(rnd: () => number, depth = 0): string {
  const atoms = ["a", "b", "c", "[ab]", "[^a]", ".", "\\w"];
  const parts: string[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    let atom = depth < 2 && rnd() < 0.25 ? `(?:${randomPattern(rnd, depth + 1)})` : atoms[Math.floor(rnd() * atoms.length)];
    const q = rnd();
    if (q < 0.15) atom += "*"; else if (q < 0.3) atom += "+"; else if (q < 0.4) atom += "?"; else if (q < 0.5) atom += "{1,2}";
    parts.push(atom);
  }
  const seq = parts.join("");
  return depth < 2 && rnd() < 0.2 ? `${seq}|${randomPattern(rnd, depth + 1)}` : seq;
}

/** Leftmost-longest, non-overlapping, non-empty matches, masked with '*'. */
function reference(pattern: string, input: string): string {
  const whole = new RegExp(`^(?:${pattern})$`, "s");
  const out = input.split("");
  let s = 0;
  while (s < input.length) {
    let end = -1;
    for (let e = input.length; e > s; e--) if (whole.test(input.slice(s, e))) { end = e; break; }
    if (end < 0) { s++; continue; }
    for (let k = s; k < end; k++) out[k] = "*";
    s = end;
  }
  return out.join("");
}

test("random patterns mask exactly what leftmost-longest matching says", async () => {
  const d = await Dissector.load();
  const rnd = prng(97);
  let compared = 0;
  for (let i = 0; i < 150; i++) {
    const pattern = randomPattern(rnd);
    const host = await PluginHost.load(PII, { configuration: JSON.stringify({ rules: [{ name: "r", regex: pattern }], detectors: ["r"] }) });
    assert.equal(host.configured, true, `${pattern}: ${JSON.stringify(host.logs)}`);
    const conn = host.connect();
    const inputs = Array.from({ length: 4 }, () => Array.from({ length: 1 + Math.floor(rnd() * 24) }, () => "abc d"[Math.floor(rnd() * 5)]).join(""));
    const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: batchOf(inputs.map((v) => Buffer.from(v))).toString("base64") }] }] }));
    const h = Buffer.alloc(8); h.writeInt16BE(0, 0); h.writeInt16BE(9, 2); h.writeInt32BE(1, 4);
    const rest = Buffer.concat([h, Buffer.from([0, 1, 0x78, 0]), body.bytes]);
    const size = Buffer.alloc(4); size.writeInt32BE(rest.length);
    const out = conn.fromClient(Buffer.concat([size, rest]));
    const json = JSON.parse(d.decodeBody(0, 9, false, out.subarray(4 + d.requestHeaderLength(out.subarray(4)))).text);
    const got = parseBatch(Buffer.from(json.topicData[0].partitionData[0].records, "base64")).records.map((r) => r.value!.toString());
    for (let k = 0; k < inputs.length; k++) {
      assert.equal(got[k], reference(pattern, inputs[k]), `pattern ${JSON.stringify(pattern)} on ${JSON.stringify(inputs[k])}`);
      compared++;
    }
    assert.equal(host.trapped, null);
  }
  assert.equal(compared, 600);
});
