// The dissector's JSON is lossless: random bodies of every API, version and direction, made
// by an encoder of the test's own (tests/tools/random_messages.ts), go bytes → decode → JSON →
// encode and must come back byte for byte. Float64 text must read back to the nearest double,
// and mutated documents must never trap the encoder. Fixed seeds; the counts are printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fetchDescriptorJars } from "../../schemas/fetch.js";
import { loadSource, mergeApis } from "../../codegen/load.js";
import { mergeDescriptors } from "../../codegen/merge.js";
import { Descriptor } from "../../codegen/descriptor.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { prng } from "../tools/prng.js";
import { RandomMessages } from "../tools/random_messages.js";

/** Random bodies per API, version and direction; more for the few messages with float64 fields, so their corners come up often. */
const PER_VERSION = 4;
const PER_VERSION_WITH_FLOATS = 60;

function hasFloat(fields: Descriptor["fields"], d: Descriptor): boolean {
  return fields.some((f) => (f.type.kind === "primitive" && f.type.name === "float64") || hasFloat(f.fields, d)) ||
    (fields === d.fields && d.commonStructs.some((s) => hasFloat(s.fields, d)));
}

async function descriptors(): Promise<{ d: Descriptor; apiKey: number; response: boolean }[]> {
  const perRelease = (await fetchDescriptorJars()).map(loadSource);
  const out: { d: Descriptor; apiKey: number; response: boolean }[] = [];
  for (const api of mergeApis(perRelease)) {
    for (const response of [false, true]) {
      const name = `${api.name}${response ? "Response" : "Request"}`;
      out.push({ d: mergeDescriptors(perRelease.map((ds) => ds.find((x) => x.name === name)).filter((x): x is Descriptor => x !== undefined)), apiKey: api.key, response });
    }
  }
  return out;
}

test("random bodies of every API, version and direction survive decode → JSON → encode byte for byte", async () => {
  const dissector = await Dissector.load();
  const gen = new RandomMessages(prng(0x4a534f4e));
  const failures: string[] = [];
  let checked = 0, pairs = 0;
  for (const { d, apiKey, response } of await descriptors()) {
    for (let version = d.validVersions.min; version <= d.validVersions.max; version++) {
      pairs++;
      for (let n = 0; n < (hasFloat(d.fields, d) ? PER_VERSION_WITH_FLOATS : PER_VERSION); n++) {
        const bytes = gen.body(d, version);
        const where = `${d.name} v${version} #${n} (${bytes.toString("hex")})`;
        checked++;
        const decoded = dissector.decodeBody(apiKey, version, response, bytes);
        if (!decoded.ok) { failures.push(`${where}: decode failed: ${decoded.text}`); continue; }
        const built = dissector.encodeBody(apiKey, version, response, decoded.text);
        if (!built.ok) { failures.push(`${where}: encode failed: ${built.text.split("\n")[0]}\n  JSON ${decoded.text}`); continue; }
        if (!built.bytes.equals(bytes)) failures.push(`${where}: encoded ${built.bytes.toString("hex")}\n  JSON ${decoded.text}`);
        // decode prints every field, so encode has nothing to fill.
        else if (built.filled.length > 0) failures.push(`${where}: encode filled ${built.filled.join(", ")} from decode's own JSON`);
      }
    }
  }
  const c = gen.corners;
  console.log(`# dissector JSON: ${checked} random bodies (${pairs} API/version/direction pairs) round-tripped; ${c.negativeZero} -0.0, ${c.nan} NaN, ${c.infinity} ±Infinity, ${c.invalidUtf8} invalid UTF-8 strings, ${c.unknownTagged} unknown tagged fields, ${c.nulls} nulls, ${c.emptyArrays} empty and ${c.longArrays} multi-element arrays`);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${checked} bodies did not survive`);
  // The corners must have been reached, or the test proves nothing about them.
  for (const [k, v] of Object.entries(c)) assert.ok(v >= 20, `only ${v} values of kind ${k}`);
});

/** The exact decimal value of the point halfway between |x| and the next float64 above it. */
function halfwayAbove(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(Math.abs(x));
  const bits = b.readBigUInt64BE(0);
  const e = Number(bits >> 52n), frac = bits & ((1n << 52n) - 1n);
  const m = e === 0 ? frac : frac | (1n << 52n);
  const k = (e === 0 ? -1074 : e - 1075) - 1; // halfway = (2m + 1) × 2^k
  const h = 2n * m + 1n;
  if (k >= 0) return (h << BigInt(k)).toString();
  // h × 2^k = h × 5^-k / 10^-k: an integer of digits with the point -k places from the right.
  const digits = (h * 5n ** BigInt(-k)).toString().padStart(-k + 1, "0");
  return `${digits.slice(0, digits.length + k)}.${digits.slice(digits.length + k)}`;
}

test("float64 text reads back to the nearest double: shortest, long, exponent and exact-halfway forms", async () => {
  const dissector = await Dissector.load();
  const rnd = prng(0x464c4f54);
  const word = () => Math.floor(rnd() * 0x100000000);
  let checked = 0;
  const bad: string[] = [];
  const b = Buffer.alloc(8);
  for (let n = 0; n < 1500; n++) {
    b.writeUInt32BE(word(), 0);
    b.writeUInt32BE(word(), 4);
    if (n % 3 === 0) b[0] &= 0x80; // small exponents: subnormals and tiny values
    const x = b.readDoubleBE(0);
    if (!Number.isFinite(x)) continue;
    for (const text of [String(x), x.toExponential(20), x.toPrecision(17), (x < 0 ? "-" : "") + halfwayAbove(x)]) {
      // AlterClientQuotas v0 (not flexible): one op; its value is the body's bytes 15 to 23.
      const json = `{"entries":[{"entity":[],"ops":[{"key":"k","value":${text},"remove":false}]}],"validateOnly":false}`;
      const built = dissector.encodeBody(49, 0, false, json);
      checked++;
      const want = Buffer.alloc(8);
      want.writeDoubleBE(Number(text));
      if (!built.ok) bad.push(`${text}: ${built.text}`);
      else if (!built.bytes.subarray(15, 23).equals(want)) bad.push(`${text}: read as ${built.bytes.subarray(15, 23).toString("hex")}, nearest is ${want.toString("hex")}`);
    }
  }
  console.log(`# float64 text: ${checked} numbers read back to the nearest double`);
  assert.deepEqual(bad.slice(0, 5), [], `${bad.length} of ${checked} read wrong`);
});

/** Every object and array in a parsed document, each with the keys or indexes it holds. */
function containers(v: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (v !== null && typeof v === "object") {
    out.push(v as Record<string, unknown> | unknown[]);
    for (const x of Object.values(v)) containers(x, out);
  }
  return out;
}

test("bad JSON never traps the encoder: every mutated document encodes or is reported", async () => {
  const dissector = await Dissector.load();
  const gen = new RandomMessages(prng(0x42414421));
  const rnd = prng(0x6d757421);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
  // Values put in place of one value of a valid document: wrong types, bad special forms, extremes.
  const junk: unknown[] = [null, true, 0, -1, 1e300, 4294967296, "", "NaN", "NaN:zz", "NaN:7ff0000000000000", "=", {}, [], [null], [{}], { _hex: "zz" }, { _hex: "f" }, { _hex: "80", x: 1 },
    [{ tag: 1 }], [{ tag: -1, hex: "" }], [{ tag: 0, hex: "00" }], [{ tag: 5, hex: "0g" }], { a: 1 }];
  const outcomes = { encoded: 0, reported: 0, notJson: 0 };
  for (const { d, apiKey, response } of await descriptors()) {
    const version = d.validVersions.max;
    const text = dissector.decodeBody(apiKey, version, response, gen.body(d, version)).text;
    for (let n = 0; n < 8; n++) {
      let mutated: string;
      if (rnd() < 0.15) {
        mutated = text.slice(0, Math.floor(rnd() * text.length)); // cut short: the parser's errors
      } else {
        // JSON.parse rounds big int64 values, which does not matter here: only the shape is bad.
        const doc = JSON.parse(text);
        const c = pick(containers(doc));
        const keys = Object.keys(c);
        const r = rnd();
        if (keys.length === 0 || r < 0.1) (c as Record<string, unknown>)[Array.isArray(c) ? c.length : "extra"] = pick(junk);
        else if (r < 0.25) delete (c as Record<string, unknown>)[pick(keys)];
        else (c as Record<string, unknown>)[pick(keys)] = structuredClone(pick(junk));
        mutated = JSON.stringify(doc);
      }
      const built = dissector.encodeBody(apiKey, version, response, mutated); // a trap would throw here
      if (built.ok) outcomes.encoded++;
      else {
        assert.ok(built.text.length > 0, `no problem named for ${mutated}`);
        outcomes.reported++;
        if (built.text.startsWith("not JSON")) outcomes.notJson++;
      }
    }
  }
  console.log(`# bad JSON: ${outcomes.encoded + outcomes.reported} mutated documents, ${outcomes.reported} reported (${outcomes.notJson} of them not JSON), ${outcomes.encoded} encoded, 0 traps`);
  assert.ok(outcomes.reported - outcomes.notJson > outcomes.encoded, "mutations are not reaching the message reader");
});
