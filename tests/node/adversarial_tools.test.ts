// The adversarial suite's helpers, checked without Envoy: the wasm memory rule on this very
// Node process (its V8 guards wasm memories as Envoy's does), the naming of a memory by its
// data segments, the decompression bombs, the failure lines, and the API list.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import zlib from "node:zlib";
import { wasmMemories, VmNamer, dataSegments, MiB } from "../tools/vm_memory.js";
import { failureLines } from "../tools/envoy_failures.js";
import { bombBatch, bombPlain, gzipBomb, xxh32Short, Codec } from "../tools/bombs.js";
import { knownApis } from "../tools/attacks.js";
import { rootPath } from "../../tools/lib/paths.js";

/** A module with one memory of `pages` pages (exported) and one active data segment at `offset`. */
function moduleWithData(pages: number, offset: number, data: Buffer): Buffer {
  const uleb = (n: number) => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
  const sleb = (n: number) => { const o: number[] = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); } };
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const memory = section(5, [1, 0, ...uleb(pages)]);
  const exp = section(7, [1, 6, ..."memory".split("").map((c) => c.charCodeAt(0)), 2, 0]);
  const seg = section(11, [1, 0, 0x41, ...sleb(offset), 0x0b, ...uleb(data.length), ...data]);
  return Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...memory, ...exp, ...seg]);
}

test("each wasm memory is one rw-p + ---p pair of 8 GiB or more: N new memories add N, and touched pages count as resident", () => {
  const before = wasmMemories(process.pid).length;
  const mems = Array.from({ length: 5 }, () => new WebAssembly.Memory({ initial: 1 }));
  assert.equal(wasmMemories(process.pid).length, before + 5);
  // Grow one by 32 MiB and touch 32 MiB of it: it is the one whose committed and resident sizes say so.
  mems[0].grow(32 * 16);
  new Uint8Array(mems[0].buffer).fill(1, 0, 32 * MiB);
  const big = wasmMemories(process.pid).filter((m) => m.committedBytes === 32 * MiB + 65536);
  assert.equal(big.length, 1);
  assert.ok(big[0].residentBytes >= 32 * MiB, `resident ${big[0].residentBytes}`);
});

test("a memory is named by the plugin whose own data segments it holds", () => {
  const dir = fs.mkdtempSync("/tmp/kpw-vm-namer-");
  const a = moduleWithData(2, 1024, Buffer.from("plugin A's own static data, long enough"));
  const b = moduleWithData(2, 1024, Buffer.from("plugin B has different static bytes here"));
  fs.writeFileSync(`${dir}/a.wasm`, a);
  fs.writeFileSync(`${dir}/b.wasm`, b);
  assert.deepEqual(dataSegments(a).map((s) => s.offset), [1024]);
  const memB = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(b))).exports.memory as WebAssembly.Memory;
  const memA = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(a))).exports.memory as WebAssembly.Memory;
  const namer = new VmNamer([{ name: "a", wasm: `${dir}/a.wasm` }, { name: "b", wasm: `${dir}/b.wasm` }]);
  const names = wasmMemories(process.pid).filter((m) => m.committedBytes === 2 * 65536).map((m) => namer.name(process.pid, m));
  assert.equal(names.filter((n) => n === "a").length, 1);
  assert.equal(names.filter((n) => n === "b").length, 1);
  assert.ok(memA.buffer.byteLength > 0 && memB.buffer.byteLength > 0); // keep both alive until here
  fs.rmSync(dir, { recursive: true });
});

test("bombs: gzip inflates to the record section; every codec shrinks its input at least 20 times", () => {
  assert.deepEqual(zlib.gunzipSync(gzipBomb(3 * MiB)), bombPlain(3 * MiB));
  for (const codec of ["gzip", "zstd", "lz4", "snappy"] as Codec[]) {
    const b = bombBatch(codec, 8 * MiB);
    assert.ok(b.length * 20 < 8 * MiB, `${codec}: ${b.length} bytes`);
    assert.equal(b.readInt16BE(21) & 7, { gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[codec]);
  }
  // LZ4's descriptor checksum: the frame that batches.ts writes (FLG 0x60, BD 0x40) has 0x82.
  assert.equal((xxh32Short(Buffer.from([0x60, 0x40])) >>> 8) & 0xff, 0x82);
});

test("failure lines: Envoy's trap line counts; what a plugin logs does not", () => {
  const log = [
    "[2026-11-30 08:46:47.483][17997][error][wasm] [source/extensions/common/wasm/wasm_vm.cc:38] Function: proxy_on_downstream_data failed: Uncaught RuntimeError: unreachable",
    "[2026-11-30 08:46:47.359][17998][info][wasm] [source/extensions/common/wasm/context.cc:1151] wasm log billing billing: billing: collector unreachable, POST failed (503)",
    "[2026-11-30 08:46:47.398][17979][info][main] [source/server/server.cc:1098] starting main dispatch loop",
  ].join("\n");
  assert.deepEqual(failureLines(log).length, 1);
  assert.match(failureLines(log)[0], /proxy_on_downstream_data failed/);
});

test("knownApis lists every key and version of the generated API table", () => {
  const src = fs.readFileSync(rootPath("assembly", "kafka", "generated", "api_table.ts"), "utf8");
  const apis = knownApis(src);
  const max = /const MAX_VERSION: StaticArray<i16> = \[([^\]]*)\]/.exec(src)![1].split(",").map(Number);
  assert.equal(apis.length, max.reduce((a, v) => a + v + 1, 0));
  assert.ok(apis.some((a) => a.key === 0 && a.version === 9 && a.flexible));
  assert.ok(apis.some((a) => a.key === 0 && a.version === 8 && !a.flexible));
});
