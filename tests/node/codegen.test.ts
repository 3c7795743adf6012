// Codegen: descriptor dialect, validation messages, merging releases, the emitted API table, and the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { stripComments, parseDescriptor, DescriptorError } from "../../codegen/descriptor.js";
import { VersionRange } from "../../codegen/versions.js";
import { mergeApis, loadSource } from "../../codegen/load.js";
import { mergeDescriptors } from "../../codegen/merge.js";
import { emitApiTable } from "../../codegen/emit_api_table.js";
import { emitMessage } from "../../codegen/emit_messages.js";
import { rootPath } from "../../tools/lib/paths.js";

const CLI = rootPath("dist", "tools", "cli.js");

function descriptor(obj: Record<string, unknown>, comment = "// a comment\n"): string {
  return comment + JSON.stringify(obj, null, 2);
}

const request = (key: number, name: string, valid: string, flexible: string, fields: unknown[] = []) =>
  ({ apiKey: key, type: "request", name: `${name}Request`, validVersions: valid, flexibleVersions: flexible, fields });
const response = (key: number, name: string, valid: string, flexible: string) =>
  ({ apiKey: key, type: "response", name: `${name}Response`, validVersions: valid, flexibleVersions: flexible, fields: [] });

test("stripComments removes // comments but not // inside strings", () => {
  const text = '{ "a": "http://x", // trailing\n // whole line\n "b": 1 }';
  assert.deepEqual(JSON.parse(stripComments(text)), { a: "http://x", b: 1 });
});

test("version ranges", () => {
  assert.deepEqual([VersionRange.parse("3+").min, VersionRange.parse("3+").max], [3, 0x7fff]);
  assert.equal(VersionRange.parse("2-5").contains(5), true);
  assert.equal(VersionRange.parse("2-5").contains(6), false);
  assert.equal(VersionRange.parse("none").empty, true);
  assert.equal(VersionRange.parse("4").toString(), "4");
  assert.throws(() => VersionRange.parse("5-2"), /ends before it starts/);
  assert.throws(() => VersionRange.parse("x"), /not a version range/);
});

test("parses fields of every kind, nested and common structs, tags", () => {
  const d = parseDescriptor("T.json", descriptor({
    apiKey: 1, type: "request", name: "TRequest", validVersions: "0-3", flexibleVersions: "2+",
    fields: [
      { name: "A", type: "int32", versions: "0+" },
      { name: "B", type: "[]Inner", versions: "1+", nullableVersions: "2+", fields: [{ name: "C", type: "string", versions: "0+" }] },
      { name: "D", type: "Common", versions: "0+" },
      { name: "E", type: "uuid", versions: "2+", taggedVersions: "2+", tag: "0" },
    ],
    commonStructs: [{ name: "Common", versions: "0+", fields: [{ name: "F", type: "[]int64", versions: "0+" }] }],
  }));
  assert.equal(d.fields.length, 4);
  assert.deepEqual(d.fields[1].type, { kind: "array", element: { kind: "struct", name: "Inner" } });
  assert.equal(d.fields[1].nullableVersions.min, 2);
  assert.equal(d.fields[3].tag, 0);
  assert.equal(d.commonStructs[0].fields[0].typeText, "[]int64");
});

test("a uuid that some versions lack is made on first read; one every version has is a plain field", () => {
  const d = parseDescriptor("T.json", descriptor({
    apiKey: 1, type: "request", name: "TRequest", validVersions: "0-3", flexibleVersions: "2+",
    fields: [
      { name: "TopicId", type: "uuid", versions: "2+" },
      { name: "Always", type: "uuid", versions: "0+" },
      { name: "Maybe", type: "uuid", versions: "0+", nullableVersions: "0+" },
    ],
  }));
  const code = emitMessage({ descriptor: d, validVersions: d.validVersions, flexibleVersions: d.flexibleVersions });
  assert.match(code, /private _topicId: Uint8Array \| null = null;/);
  assert.match(code, /get topicId\(\): Uint8Array \{ let v = this\._topicId; if \(v == null\) \{ v = new Uint8Array\(16\);/);
  assert.match(code, /if \(!\(version >= 2\)\) this\._topicId = null;/, "decoding a version without it leaves the slot empty");
  assert.match(code, /\(this\._topicId != null && !isZeroUuid\(this\._topicId!\)\)/, "isDefault does not make it");
  assert.match(code, /^  always: Uint8Array = new Uint8Array\(16\);$/m);
  assert.match(code, /^  maybe: Uint8Array \| null = /m);
});

test("errors name the file, the field and the problem", () => {
  const bad = (fields: unknown[]) => () => parseDescriptor("Bad.json", descriptor({ apiKey: 5, type: "request", name: "BadRequest", validVersions: "0+", fields }));
  assert.throws(bad([{ name: "X", type: "int42", versions: "0+" }]), (e: unknown) =>
    e instanceof DescriptorError && e.file === "Bad.json" && e.where === "X.type" && /unknown type "int42"/.test(e.message));
  assert.throws(bad([{ name: "X", type: "int8" }]), /Bad\.json: X\.versions: missing/);
  assert.throws(bad([{ name: "X", type: "int8", versions: "0+", colour: "red" }]), /X\.colour: unknown field key/);
  assert.throws(bad([{ name: "X", type: "int8", versions: "0+", tag: 1 }]), /a tag without taggedVersions/);
  assert.throws(bad([{ name: "X", type: "int8", versions: "zero" }]), /X\.versions: "zero" is not a version range/);
  assert.throws(() => parseDescriptor("J.json", "{ nope"), /J\.json: file: not valid JSON/);
});

test("merging releases unions version ranges and skips removed APIs", () => {
  const newer = [request(0, "Produce", "3-12", "9+"), response(0, "Produce", "3-12", "9+"), request(7, "ControlledShutdown", "none", "none"), response(7, "ControlledShutdown", "none", "none")]
    .map((o, i) => parseDescriptor(`n${i}.json`, descriptor(o)));
  const older = [request(0, "Produce", "0-11", "9+"), response(0, "Produce", "0-11", "9+"), request(7, "ControlledShutdown", "0-3", "3+"), response(7, "ControlledShutdown", "0-3", "3+")]
    .map((o, i) => parseDescriptor(`o${i}.json`, descriptor(o)));
  const apis = mergeApis([newer, older]);
  assert.deepEqual(apis.map((a) => [a.key, a.name, a.minVersion, a.maxVersion, a.flexibleMin]), [[0, "Produce", 0, 12, 9], [7, "ControlledShutdown", 0, 3, 3]]);
});

test("merging: a field's type change is refused only where the older release still describes one of its versions", () => {
  const lag = (type: string, versions: string) => [{ name: "Lag", type, versions }];
  const newer = parseDescriptor("new.json", descriptor(request(88, "Heartbeat", "0-1", "0+", lag("int64", "0+"))));
  // 4.3 beside 4.4: the older release has the same versions, so it adds none and its int32 does not matter.
  const same = parseDescriptor("same.json", descriptor(request(88, "Heartbeat", "0-1", "0+", lag("int32", "0+"))));
  const m = mergeDescriptors([newer, same]);
  assert.equal(m.fields[0].typeText, "int64");
  assert.equal(String(m.validVersions), "0-1");
  // An older release that adds version 0 of a field whose type differs there cannot be merged.
  const newerFrom1 = parseDescriptor("new1.json", descriptor(request(88, "Heartbeat", "1-2", "0+", lag("int64", "0+"))));
  const older = parseDescriptor("old.json", descriptor(request(88, "Heartbeat", "0-1", "0+", lag("int32", "0+"))));
  assert.throws(() => mergeDescriptors([newerFrom1, older]), /old\.json: merging with new1\.json: field Lag changed type between releases \(int32 → int64\)/);
  // The same older release whose field starts at the newer release's first version adds versions, not the field.
  const olderLate = parseDescriptor("late.json", descriptor(request(88, "Heartbeat", "0-1", "0+", lag("int32", "1+"))));
  const merged = mergeDescriptors([newerFrom1, olderLate]);
  assert.equal(String(merged.validVersions), "0-2");
  assert.equal(merged.fields[0].typeText, "int64");
  assert.equal(String(merged.fields[0].versions), "1-2");
});

test("the API table encodes the header-version exceptions", () => {
  const apis = mergeApis([[request(18, "ApiVersions", "0-4", "3+"), response(18, "ApiVersions", "0-4", "3+")].map((o, i) => parseDescriptor(`a${i}.json`, descriptor(o)))]);
  const text = emitApiTable(apis, "test");
  assert.match(text, /if \(key == 18\) return 0;/);
  assert.match(text, /if \(key == 7 && version == 0\) return 0;/);
  assert.equal(emitApiTable(apis, "test"), text, "output is deterministic");
});

function tmpDescriptors(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-desc-"));
  for (const [name, obj] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), descriptor(obj as Record<string, unknown>));
  return dir;
}

test("codegen CLI writes, then --check passes, and fails once the output is stale", () => {
  const desc = tmpDescriptors({ "ProduceRequest.json": request(0, "Produce", "0-3", "none"), "ProduceResponse.json": response(0, "Produce", "0-3", "none") });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-out-"));
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, "codegen", "--descriptors", desc, "--out", out, ...args], { encoding: "utf8" });
  assert.equal(run().status, 0);
  assert.equal(loadSource(desc).length, 2);
  const produce = fs.readFileSync(path.join(out, "messages", "produce.ts"), "utf8");
  assert.match(produce, /export class ProduceRequest \{/);
  assert.match(produce, /decode\(r: Reader, version: i16\): void/);
  const check = run("--check");
  assert.equal(check.status, 0, check.stderr);
  fs.appendFileSync(path.join(out, "api_table.ts"), "// edited by hand\n");
  const stale = run("--check");
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /stale: api_table\.ts/);
});

test("codegen CLI reports a malformed descriptor with its file and field, and exits non-zero", () => {
  const desc = tmpDescriptors({ "XRequest.json": request(3, "X", "0+", "none", [{ name: "Topics", type: "[]Nope", versions: "0+" }]), "XResponse.json": response(3, "X", "0+", "none") });
  const r = spawnSync(process.execPath, [CLI, "codegen", "--descriptors", desc, "--out", os.tmpdir()], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /XRequest\.json: Topics\.type: unknown type "Nope"/);
});

test("--apis selects a subset and rejects unknown names", () => {
  const desc = tmpDescriptors({
    "ProduceRequest.json": request(0, "Produce", "0-3", "none"), "ProduceResponse.json": response(0, "Produce", "0-3", "none"),
    "FetchRequest.json": request(1, "Fetch", "0-3", "none"), "FetchResponse.json": response(1, "Fetch", "0-3", "none"),
  });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kpw-out-"));
  assert.equal(spawnSync(process.execPath, [CLI, "codegen", "--descriptors", desc, "--out", out, "--apis", "fetch"]).status, 0);
  const table = fs.readFileSync(path.join(out, "api_table.ts"), "utf8");
  // Key 0 is absent (empty name), key 1 is "Fetch" in UTF-8.
  assert.match(table, /NAME_ENDS: StaticArray<u16> = \[0, 5\]/);
  assert.match(table, /memory\.data<u8>\(\[70, 101, 116, 99, 104\]\)/);
  const r = spawnSync(process.execPath, [CLI, "codegen", "--descriptors", desc, "--out", out, "--apis", "Nope"], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown API Nope/);
});
