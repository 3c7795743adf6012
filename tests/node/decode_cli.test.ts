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
