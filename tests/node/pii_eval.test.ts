// pii-filter's accuracy on the labelled corpus (tools/eval/pii), through the real module in the
// emulator: the goals of `npm run eval -- pii`, and JSON records that stay JSON.
import { test } from "node:test";
import crypto from "node:crypto";
import assert from "node:assert/strict";
import { corpus } from "../../tools/eval/pii/corpus.js";
import { maskInEmulator } from "../../tools/eval/pii/emulator.js";
import { score, failedGoals, recall, jsonShape, GOALS } from "../../tools/eval/pii/score.js";
import { parseCase } from "../../tools/eval/pii/adversarial.js";
import { PluginHost } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { Sample } from "../../tools/eval/pii/sample.js";

const PII = rootPath("build", "pii-filter.wasm");

test("the corpus meets the goals: recall ≥ 99.5% per detector, false positives ≤ 0.5%, JSON stays valid", async () => {
  const samples = corpus();
  const s = score(await maskInEmulator(samples));
  // The corpus covers every built-in detector and every category of clean records.
  assert.deepEqual([...s.detectors.keys()].sort(), ["aws_key_id", "card", "email", "iban", "jwt", "pem", "phone", "secret_kv", "ssn"]);
  for (const [d, t] of s.detectors) assert.ok(recall(t) >= GOALS.recall, `${d}: ${t.caught}/${t.total}; missed e.g. ${JSON.stringify(s.misses.find((m) => m.detector === d))}`);
  const clean = [...s.clean.values()].reduce((a, c) => a + c.total, 0);
  assert.ok(clean >= 1000, "enough clean records to measure 0.5%");
  assert.ok(s.falsePositives.length <= GOALS.falsePositiveRate * clean, `false positives: ${JSON.stringify(s.falsePositives.slice(0, 3))}`);
  assert.deepEqual(failedGoals(s), []);
});

test("property: every masked JSON record parses, with every token of the type it had", async () => {
  const samples = corpus().filter((x) => x.kind === "json");
  assert.ok(samples.length > 500);
  const outcomes = await maskInEmulator(samples);
  let changed = 0;
  for (const { sample, masked } of outcomes) {
    const before = jsonShape(sample.value.toString())!;
    const after = jsonShape(masked.toString());
    assert.ok(after != null, `no longer JSON: ${masked}`);
    assert.deepEqual(after, before, `structure changed: ${sample.value} -> ${masked}`);
    if (!masked.equals(sample.value)) changed++;
  }
  assert.ok(changed > 300, "the property is tested on records that were masked");
});

/** Masks one record with `config`. */
async function maskOne(text: string, config: object = {}): Promise<string> {
  const [out] = await maskInEmulator([parseCase("clean/test\t" + text, "test")], JSON.stringify(config));
  return out.masked.toString();
}

test("JSON: numbers stay numbers, escapes stay escapes, secret keys need string values", async () => {
  assert.equal(await maskOne('{"card": 4111111111111111, "ssn": 219099999}'), '{"card": 1000000000000000, "ssn": 100000000}');
  assert.equal(await maskOne('{"note": "mail \\"o\'brien\\"@example.com now"}'), '{"note": "mail ' + "*".repeat('\\"o\'brien\\"@example.com'.length) + ' now"}');
  assert.equal(await maskOne('{"password": "p\\u00e4ss\\"word", "max_tokens": 4096, "token": null, "secret": {"a": 1}}'), '{"password": "***************", "max_tokens": 4096, "token": null, "secret": {"a": 1}}');
  assert.equal(await maskOne('{"auth": "Bearer abc.def-123", "token_type": "Bearer"}'), '{"auth": "Bearer ***********", "token_type": "Bearer"}');
  // A mask that ends on a backslash would leave \" ending the string early: the quote is masked too.
  assert.equal(await maskOne('{"msg": "password=ab\\"cd efg"}'), '{"msg": "password=****cd efg"}');
});

test("JSON: object keys are scanned like string values, and stay strings", async () => {
  const masked = await maskOne('{"users": {"jane.doe@example.com": {"visits": 3}, "4111 1111 1111 1111": "card", "+44 20 7946 0958": 1}, "ok": "x"}');
  assert.equal(masked, '{"users": {"********************": {"visits": 3}, "**** **** **** ****": "card", "+** ** **** ****": 1}, "ok": "x"}');
  assert.ok(JSON.parse(masked));
  // A key's own value is still judged by the key: a masked key names no secret.
  assert.equal(await maskOne('{"a@b.example.org": "password", "password": "hunter2"}'), `{"${"*".repeat("a@b.example.org".length)}": "password", "password": "*******"}`);
});

test("an escaped line break or tab (\\n, \\t) separates words: what follows it is seen as starting there", async () => {
  const cases: Array<[string, string]> = [
    ['{"note": "card:\\n4111111111111111 ok"}', '{"note": "card:\\n**************** ok"}'],
    ['{"note": "SSN\\n219099999"}', '{"note": "SSN\\n*********"}'],
    ['{"note": "x\\r\\n+44 20 7946 0958"}', '{"note": "x\\r\\n+** ** **** ****"}'],
    ['{"note": "tel\\t020 7946 0958"}', '{"note": "tel\\t*** **** ****"}'],
    ['{"note": "iban\\nDE89370400440532013000"}', '{"note": "iban\\n**********************"}'],
    ['{"note": "k\\nAKIAIOSFODNN7EXAMPLE"}', '{"note": "k\\n********************"}'],
    ['{"note": "a\\npwd=hunter2"}', '{"note": "a\\npwd=*******"}'],
    ['{"note": "run\\n--password hunter2"}', '{"note": "run\\n--password *******"}'],
    // The address starts after the escape: the line break stays.
    ['{"note": "x\\njane@example.com"}', '{"note": "x\\n****************"}'],
    // Outside JSON too (a log line that holds an escaped message).
    ["log: x\\n4111111111111111", "log: x\\n****************"],
  ];
  for (const [text, want] of cases) assert.equal(await maskOne(text), want, text);
  // An escaped backslash and an `n` are no line break: the digits stay glued to the `n`.
  assert.equal(await maskOne('{"path": "C:\\\\n4111111111111111"}'), '{"path": "C:\\\\n4111111111111111"}');
  assert.equal(await maskOne('{"id": "abcn4111111111111111"}'), '{"id": "abcn4111111111111111"}');
});

test("configuration: extra and ignored key names, phone locales, confidence", async () => {
  assert.equal(await maskOne("pin=1234 password_length=12"), "pin=1234 password_length=12");
  assert.equal(await maskOne("pin=1234 password_length=12", { extra_secret_keys: ["pin"], ignore_keys: [] }), "pin=**** password_length=**");
  assert.equal(await maskOne("móvil 612 34 56 78 or 07700 900123"), "móvil *** ** ** ** or ***** ******");
  assert.equal(await maskOne("móvil 612 34 56 78 or 07700 900123", { phone_locales: ["gb"] }), "móvil 612 34 56 78 or ***** ******");
  assert.equal(await maskOne("id 612 34 56 78"), "id 612 34 56 78");
  assert.equal(await maskOne("id 612 34 56 78", { confidence: { phone: "broad" } }), "id *** ** ** **");
  assert.equal(await maskOne("ts 1700000000004"), "ts 1700000000004");
  assert.equal(await maskOne("ts 1700000000004", { confidence: { card: "broad" } }), "ts *************");
});

test("configuration: bad values fail on_configure naming the field", async () => {
  const cases: Array<[object, RegExp]> = [
    [{ extra_secret_keys: "pin" }, /extra_secret_keys: must be a list of strings/],
    [{ ignore_keys: [""] }, /ignore_keys\[0\]: must be a non-empty string/],
    [{ extra_ignore_keys: Array.from({ length: 40 }, (_, i) => `w${i}`) }, /extra_ignore_keys: at most 64 words in all/],
    [{ phone_locales: ["xx"] }, /phone_locales\[0\]: unknown country code/],
    [{ phone_locales: [] }, /phone_locales: must be a list of country codes/],
    [{ confidence: { phone: "sure" } }, /confidence\.phone: must be "strict" or "broad"/],
    [{ confidence: { json_field: "broad" } }, /confidence\.json_field: unknown built-in detector/],
    [{ confidence: "broad" }, /confidence: must map detector names/],
  ];
  for (const [config, why] of cases) {
    const host = await PluginHost.load(PII, { configuration: JSON.stringify(config) });
    assert.equal(host.configured, false, JSON.stringify(config));
    assert.ok(host.logs.some((l) => why.test(l.message)), `${JSON.stringify(config)}: ${host.logs.map((l) => l.message).join("; ")}`);
  }
});

test("the corpus is the same for the same seed", () => {
  const a = corpus(), b = corpus();
  assert.equal(a.length, b.length);
  const digest = (xs: Sample[]) => crypto.createHash("sha256").update(xs.map((x) => x.value.toString("base64") + x.spans.map((s) => `${s.start}-${s.end}`).join()).join("|")).digest("hex");
  assert.equal(digest(a), digest(b));
});
