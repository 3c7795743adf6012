// `kafka-proxy-wasm decode` on frames real clients sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rootPath } from "../../tools/lib/paths.js";
import { sessionFiles, loadSession, concatDirection } from "../tools/replay.js";

const CLI = rootPath("dist", "tools", "cli.js");
const decode = (args: string[], input?: Buffer) => spawnSync(process.execPath, [CLI, "decode", ...args], { input, encoding: "utf8" });

function firstFrames(fromClient: boolean): Buffer {
  const stream = concatDirection(loadSession(sessionFiles().find((f) => f.includes("kcat-produce-0"))!), fromClient);
  return stream.subarray(0, 4 + stream.readInt32BE(0));
}

test("decodes a request from stdin (size prefix detected) to header and body JSON", () => {
  const r = decode(["--request"], firstFrames(true));
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.header.requestApiKey, 18);
  assert.equal(out.header.clientId, "rdkafka");
  assert.equal(out.body.clientSoftwareName, "librdkafka");
});

test("decodes a response given --api and --version, from --hex", () => {
  const req = firstFrames(true), resp = firstFrames(false);
  const r = decode(["--response", "--api", "ApiVersions", "--version", String(req.readInt16BE(6)), "--hex", resp.toString("hex")]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.body.errorCode, 0);
  assert.ok(out.body.apiKeys.some((k: { apiKey: number }) => k.apiKey === 0));
});

test("a truncated frame exits 1 naming the field and offset", () => {
  const req = firstFrames(true).subarray(4);
  const r = decode(["--request", "--raw", "--hex", req.subarray(0, req.length - 3).toString("hex")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ApiVersionsRequest v\d+: (truncated|bad length) at offset \d+ in ApiVersionsRequest\.\w+/);
});

test("usage errors exit 2", () => {
  assert.equal(decode(["--response", "--hex", "00"]).status, 2);
  assert.equal(decode(["--request", "--response"]).status, 2);
  assert.equal(decode(["--request", "--hex", "xyz"]).status, 2);
});

const encode = (args: string[], input: string) => spawnSync(process.execPath, [CLI, "encode", ...args], { input, encoding: "utf8" });

test("encode turns decode's JSON back into the same frame, for a request and a response", () => {
  const req = firstFrames(true);
  const decoded = decode(["--request"], req);
  const version = String(req.readInt16BE(6));
  const back = encode(["--request", "--api", "ApiVersions", "--version", version, "--hex"], decoded.stdout);
  assert.equal(back.status, 0, back.stderr);
  assert.equal(back.stdout.trim(), req.toString("hex"));
  const resp = firstFrames(false);
  const decodedResp = decode(["--response", "--api", "18", "--version", version], resp);
  const backResp = encode(["--response", "--api", "18", "--version", version, "--hex"], decodedResp.stdout);
  assert.equal(backResp.status, 0, backResp.stderr);
  assert.equal(backResp.stdout.trim(), resp.toString("hex"));
});

test("encode names every field the JSON gets wrong, by its full path", () => {
  const r = encode(["--response", "--api", "ApiVersions", "--version", "3"], JSON.stringify({ errorCode: "zero", apiKeys: [{ apiKey: 0 }, { apiKey: 70000, minVersion: 0, colour: "red" }], finalizedFeaturesEpoch: null }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ApiVersionsResponse\.ErrorCode: expected an integer/);
  assert.match(r.stderr, /ApiVersionsResponse\.ApiKeys\[1\]\.ApiKey: 70000 is out of range/);
  assert.match(r.stderr, /ApiVersionsResponse\.ApiKeys\[1\]: unknown field "colour"/);
  assert.match(r.stderr, /ApiVersionsResponse\.FinalizedFeaturesEpoch: cannot be null in this version/);
  assert.equal(r.stdout, "");
});

test("a field the version does not have is an error, not silently dropped", () => {
  const r = encode(["--response", "--api", "Produce", "--version", "7"], JSON.stringify({ responses: [], nodeEndpoints: [] }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ProduceResponse\.NodeEndpoints: is not in version 7 of this message/);
});

test("encode fills absent fields with their defaults, and --verbose names each by its full path", () => {
  // int64 above 2^53: the CLI must carry it as text, never as a JavaScript number.
  const json = JSON.stringify({ responses: [{ name: "t", partitionResponses: [{ index: 0 }, { index: 1 }] }] }).replace('"index":1', '"index":1,"baseOffset":9007199254740993');
  const quiet = encode(["--response", "--api", "Produce", "--version", "8", "--hex"], json);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, "");
  const r = encode(["--response", "--api", "Produce", "--version", "8", "--hex", "--verbose"], json);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, quiet.stdout);
  const filled = r.stderr.trim().split("\n").map((l) => l.replace(/^encode: (\S+) is not in the JSON; it takes its default$/, "$1"));
  assert.deepEqual(filled, [
    "ResponseHeader.CorrelationId",
    "ProduceResponse.Responses[0].PartitionResponses[0].ErrorCode",
    "ProduceResponse.Responses[0].PartitionResponses[0].BaseOffset",
    "ProduceResponse.Responses[0].PartitionResponses[0].LogAppendTimeMs",
    "ProduceResponse.Responses[0].PartitionResponses[0].LogStartOffset",
    "ProduceResponse.Responses[0].PartitionResponses[0].RecordErrors",
    "ProduceResponse.Responses[0].PartitionResponses[0].ErrorMessage",
    "ProduceResponse.Responses[0].PartitionResponses[1].ErrorCode",
    "ProduceResponse.Responses[0].PartitionResponses[1].LogAppendTimeMs",
    "ProduceResponse.Responses[0].PartitionResponses[1].LogStartOffset",
    "ProduceResponse.Responses[0].PartitionResponses[1].RecordErrors",
    "ProduceResponse.Responses[0].PartitionResponses[1].ErrorMessage",
    "ProduceResponse.ThrottleTimeMs",
  ]);
  const back = decode(["--response", "--api", "Produce", "--version", "8", "--hex", quiet.stdout.trim()]);
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stdout, /"baseOffset": 9007199254740993/);
  // Kafka's defaults: LogAppendTimeMs and LogStartOffset are -1, ErrorMessage is null.
  assert.match(back.stdout, /"logAppendTimeMs": -1,\s+"logStartOffset": -1,\s+"recordErrors": \[\],\s+"errorMessage": null/);
});

test("-0.0, NaN, ±Infinity, strings that are not UTF-8 and unknown tagged fields survive the CLI both ways", () => {
  // AlterClientQuotas v1 is flexible and carries float64 values.
  const op = (key: unknown, value: unknown) => ({ key, value, remove: false });
  const body = { entries: [{ entity: [{ entityType: "user", entityName: null }], ops: [op("a", "-0.0"), op("b", "NaN"), op("c", "Infinity"), op("d", "-Infinity"), op("e", "NaN:fff0000000000001"), op({ _hex: "61ff62" }, "1e-320")],
    _unknownTagged: [{ tag: 3, hex: "0102" }, { tag: 900, hex: "" }] }], validateOnly: true };
  const text = JSON.stringify({ header: { correlationId: 7, clientId: { _hex: "6b61666b61c0" }, _unknownTagged: [{ tag: 1, hex: "ab" }] }, body }).replace('"-0.0"', "-0.0").replace('"1e-320"', "1e-320");
  const first = encode(["--request", "--api", "AlterClientQuotas", "--version", "1", "--hex"], text);
  assert.equal(first.status, 0, first.stderr);
  const decoded = decode(["--request", "--hex", first.stdout.trim()]);
  assert.equal(decoded.status, 0, decoded.stderr);
  for (const form of ['"value": -0.0', '"value": "NaN"', '"value": "Infinity"', '"value": "-Infinity"', '"value": "NaN:fff0000000000001"', '"value": 1e-320', '"_hex": "61ff62"', '"clientId": {\n      "_hex": "6b61666b61c0"', '"tag": 900', '"entityName": null']) {
    assert.ok(decoded.stdout.includes(form), `${form} is not in\n${decoded.stdout}`);
  }
  const again = encode(["--request", "--api", "AlterClientQuotas", "--version", "1", "--hex"], decoded.stdout);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
});

test("special forms are read only where they belong", () => {
  const r = encode(["--request", "--api", "AlterClientQuotas", "--version", "1"], JSON.stringify({ entries: [{ entity: [{ entityType: { _hex: "zz" }, entityName: "x" }], ops: [{ key: "k", value: "nan", remove: "NaN" }] }], validateOnly: false, _unknownTagged: [{ tag: 1 }] }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /AlterClientQuotasRequest\.Entries\[0\]\.Entity\[0\]\.EntityType\._hex: is not hex text/);
  assert.match(r.stderr, /AlterClientQuotasRequest\.Entries\[0\]\.Ops\[0\]\.Value: expected a number, "NaN", "Infinity"/);
  assert.match(r.stderr, /AlterClientQuotasRequest\.Entries\[0\]\.Ops\[0\]\.Remove: expected true or false/);
  assert.match(r.stderr, /AlterClientQuotasRequest\._unknownTagged\[0\]: needs both "tag" and "hex"/);
  const v0 = encode(["--request", "--api", "AlterClientQuotas", "--version", "0"], JSON.stringify({ entries: [], validateOnly: false, _unknownTagged: [] }));
  assert.equal(v0.status, 1);
  assert.match(v0.stderr, /AlterClientQuotasRequest\._unknownTagged: tagged fields exist only in flexible versions/);
});
