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

test("encode names every field the JSON gets wrong", () => {
  const r = encode(["--response", "--api", "ApiVersions", "--version", "3"], JSON.stringify({ errorCode: "zero", apiKeys: [{ apiKey: 70000, minVersion: 0 }] }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ApiVersionsResponse\.errorCode: expected an integer/);
  assert.match(r.stderr, /apiKey: 70000 is out of range/);
  assert.match(r.stderr, /maxVersion: missing/);
  assert.match(r.stderr, /throttleTimeMs: missing/);
});
