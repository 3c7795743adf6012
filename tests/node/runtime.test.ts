// The runtime every module is built with (assembly/runtime): our span allocator under our mark &
// sweep collector, driven through a fixture module, with a JavaScript model of which blocks are
// live checked against the module's memory.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { rootPath } from "../../tools/lib/paths.js";
import { PluginHost } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { batchOf } from "../tools/batches.js";

const PROBE = rootPath("build", "fixtures", "runtime-probe.wasm");

async function load(): Promise<Record<string, any>> {
  // The probe imports only what the WASI shim and abort need; none of it is called here.
  const module = await WebAssembly.compile(fs.readFileSync(PROBE));
  const imports: Record<string, Record<string, Function>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    (imports[imp.module] ??= {})[imp.name] = () => { throw new Error(`runtime-probe called ${imp.module}.${imp.name}`); };
  }
  const instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
  const ex = instance.exports as Record<string, any>;
  ex._initialize?.();
  return ex;
}

/** A Produce v9 request frame (client id "x") carrying `batch` for topic "t", partition 0. */
function produceFrame(d: Dissector, batch: Buffer): Buffer {
  const body = d.encodeBody(0, 9, false, JSON.stringify({ transactionalId: null, acks: 1, timeoutMs: 1000,
    topicData: [{ name: "t", partitionData: [{ index: 0, records: batch.toString("base64") }] }] }));
  assert.ok(body.ok, body.text);
  const h = Buffer.alloc(12); h.writeInt16BE(0, 4); h.writeInt16BE(9, 6); h.writeInt32BE(1, 8);
  const rest = Buffer.concat([h.subarray(4), Buffer.from([0, 1, 0x78, 0]), body.bytes]);
  h.writeInt32BE(rest.length, 0);
  return Buffer.concat([h.subarray(0, 4), rest]);
}

/** Deterministic PRNG (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

test("allocator: blocks are zeroed, 16-byte aligned and disjoint; realloc keeps the prefix and zeroes the rest", async () => {
  const ex = await load();
  const mem = () => new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  type Blocks = Map<number, { size: number; fill: number }>;
  const live: Blocks = new Map();
  const rand = rng(12345);
  const sizeOf = () => { const r = rand(); return r < 0.7 ? Math.floor(rand() * 200) : r < 0.95 ? Math.floor(rand() * 5000) : Math.floor(rand() * 300_000); };
  const check = (ptr: number, size: number, fill: number, what: string) => {
    const m = mem();
    for (let i = 0; i < size; i++) if (m[ptr + i] !== fill) assert.fail(`${what}: byte ${i} of a ${size}-byte block at ${ptr} is ${m[ptr + i]}, expected ${fill}`);
  };
  let fillNext = 1;
  /** A block just made at `ptr`: aligned, zero unless `fresh` is null (the host's, written whole), then filled and kept in `into`. */
  const place = (ptr: number, size: number, into: Blocks, fresh: string | null) => {
    assert.equal(ptr % 16, 0, "aligned");
    if (fresh != null) check(ptr, size, 0, fresh);
    const fill = (fillNext++ % 255) + 1;
    mem().fill(fill, ptr, ptr + size);
    into.set(ptr, { size, fill });
  };
  /** A block of `from` chosen at random, checked to hold its fill and taken out of `from`. */
  const pick = (from: Blocks, what: string) => {
    const keys = [...from.keys()];
    const ptr = keys[Math.floor(rand() * keys.length)];
    const b = from.get(ptr)!;
    check(ptr, b.size, b.fill, what);
    from.delete(ptr);
    return { ptr, size: b.size, fill: b.fill };
  };
  // Pinned buffers as the host gets them (never zeroed first: the host fills them whole) and as
  // plugin code makes them (zero): unpinned, they die at the next collection, and the host's
  // bytes they held lie in spans that later blocks must still find zero.
  const pinned: Blocks = new Map();
  for (let step = 0; step < 6000; step++) {
    // Collections join freed blocks into spans and zero them; the raw blocks (not objects) stay.
    // Lists of objects between the raw blocks, dropped or kept, make runs of garbage of every length.
    if (step % 97 === 0) ex.buildList(Math.floor(rand() * 3000), rand() < 0.3 ? 1 : 0);
    if (step % 500 === 499) ex.collect();
    if (rand() < 0.2) {
      if (pinned.size < 8 || rand() < 0.5) {
        const size = sizeOf();
        const host = rand() < 0.7;
        const ptr = (host ? ex.hostBuffer(size) : ex.newBuffer(size)) >>> 0;
        place(ptr, size, pinned, host ? null : "fresh ArrayBuffer");
      } else {
        ex.unpin(pick(pinned, "pinned buffer").ptr);
      }
      continue;
    }
    const op = rand();
    if (op < 0.5 || live.size === 0) {
      const size = sizeOf();
      place(ex.alloc(size) >>> 0, size, live, "fresh block");
    } else {
      const b = pick(live, "live block");
      const ptr = b.ptr;
      if (op < 0.8) {
        ex.free(ptr);
      } else {
        const size = sizeOf();
        const moved = ex.realloc(ptr, size) >>> 0;
        assert.equal(moved % 16, 0, "aligned");
        check(moved, Math.min(size, b.size), b.fill, "realloc prefix");
        if (size > b.size) { const m = mem(); for (let i = b.size; i < size; i++) assert.equal(m[moved + i], 0, "realloc grows with zeros"); }
        const fill = (fillNext++ % 255) + 1;
        mem().fill(fill, moved, moved + size);
        live.set(moved, { size, fill });
      }
    }
  }
  // Every live block still holds exactly what was written into it: nothing overlapped.
  ex.collect();
  for (const [ptr, b] of live) check(ptr, b.size, b.fill, "at the end");
  for (const [ptr, b] of pinned) check(ptr, b.size, b.fill, "pinned, at the end");
  const keptLength = Number(ex.keptLength());
  assert.equal(ex.keptSum(), BigInt((keptLength * (keptLength - 1)) / 2), "the kept list of objects is intact");
  const ranges = [...live, ...pinned].map(([p, b]) => [p, p + b.size]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], "blocks do not overlap");
});

test("allocator: freed memory is reused after the next collection, so a repeated workload does not grow memory", async () => {
  const ex = await load();
  const rand = rng(777);
  const sizes = Array.from({ length: 3000 }, () => Math.floor(rand() * (rand() < 0.9 ? 300 : 100_000)));
  const round = () => { const ptrs = sizes.map((s) => ex.alloc(s) >>> 0); for (const p of ptrs) ex.free(p); ex.collect(); };
  round();
  const after1 = ex.memoryBytes() >>> 0, inUse1 = ex.inUse() >>> 0;
  for (let i = 0; i < 20; i++) round();
  assert.equal(ex.memoryBytes() >>> 0, after1, "memory did not grow after the first round");
  assert.equal(ex.inUse() >>> 0, inUse1, "everything freed is accounted for");
});

test("allocator: freed 1 MiB chunks are reused even behind hundreds of small spans, so chunks interleaved with long-lived blocks do not grow memory", async () => {
  // What a streaming plugin's VM does after other connections fragmented its heap: a 1 MiB chunk
  // per callback, garbage at its end, while now and then a block that lives on (a connection's
  // buffer) is allocated after it.
  const ex = await load();
  // 200 small free spans (416 bytes, each followed by a block that stays), low in the heap.
  const holes = Array.from({ length: 200 }, () => { const hole = ex.alloc(400) >>> 0; ex.alloc(16); return hole; });
  for (const h of holes) ex.free(h);
  ex.collect();
  const chunk = 1 << 20;
  let before = 0;
  for (let round = 0; round < 40; round++) {
    const c = ex.alloc(chunk) >>> 0;
    ex.alloc(4096); // lives on
    ex.free(c);
    ex.collect();
    if (round === 1) before = ex.memoryBytes() >>> 0;
  }
  const grown = (ex.memoryBytes() >>> 0) - before;
  assert.ok(grown < 4 * chunk, `memory grew by ${(grown / chunk).toFixed(1)} MiB over 38 rounds of a 1 MiB chunk`);
});

test("allocator: a dead host buffer is not zeroed by the sweep, only by whoever takes its memory for something else", async () => {
  // Every frame a plugin reads lands in a buffer the host fills. Zeroing it when it dies, for the
  // host to overwrite it with the next frame, was a tenth of the time of a plugin that reads
  // records and changes none (bench: records).
  const ex = await load();
  useUpSpans(ex);
  const size = 100_000;
  const first = ex.hostBuffer(size) >>> 0;
  new Uint8Array((ex.memory as WebAssembly.Memory).buffer).fill(7, first, first + size);
  ex.unpin(first);
  ex.collect();
  const again = ex.hostBuffer(size) >>> 0;
  assert.equal(again, first, "the next host buffer of that size takes the dead one's place");
  const m = new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  const old = m.subarray(again + 64, again + size).every((b) => b === 7);
  assert.ok(old, "its bytes are the old ones: the sweep did not zero them");
  // Filled by the host, then dead again: memory taken there for anything else is zero.
  ex.unpin(again);
  ex.collect();
  const buffer = ex.newBuffer(size) >>> 0;
  const small = Array.from({ length: 400 }, () => ex.alloc(200) >>> 0);
  const n = new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  const overlaps = (p: number, len: number) => p < first + size && p + len > first;
  assert.ok(overlaps(buffer, size) || small.some((p) => overlaps(p, 200)), "the dead buffer's memory is taken again");
  for (let i = 0; i < size; i++) if (n[buffer + i] !== 0) assert.fail(`byte ${i} of an ArrayBuffer made where a host buffer was is ${n[buffer + i]}`);
  for (const p of small) for (let i = 0; i < 200; i++) if (n[p + i] !== 0) assert.fail(`byte ${i} of a small block at ${p} is ${n[p + i]}`);
});

test("allocator: a dead host buffer at the top of the heap is left as it is; small blocks, a grown block and new buffers taken there are zero", async () => {
  const ex = await load();
  ex.unpin(ex.hostBuffer(64)); // the pin list exists before the buffers below, so nothing live lies above them
  useUpSpans(ex);
  const size = 300_000;
  const mem = () => new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  const first = ex.hostBuffer(size) >>> 0;
  mem().fill(7, first, first + size);
  ex.unpin(first);
  ex.collect();
  const again = ex.hostBuffer(size) >>> 0;
  assert.equal(again, first, "the next host buffer of that size takes the dead one's place at the top");
  assert.ok(mem().subarray(again + 64, again + size).every((b) => b === 7), "its bytes are the old ones: the sweep did not zero them");
  ex.unpin(again);
  ex.collect();
  const zero = (p: number, n: number, what: string) => {
    const m = mem();
    for (let i = 0; i < n; i++) if (m[p + i] !== 0) assert.fail(`${what}: byte ${i} of ${n} at ${p} is ${m[p + i]}`);
  };
  const inOld = (p: number, n: number) => p < first + size && p + n > first;
  // Small blocks at the top, a collection between them (the current span is put back mid-hull).
  const small: number[] = [];
  for (let i = 0; i < 300; i++) small.push(ex.alloc(200) >>> 0);
  ex.collect();
  for (let i = 0; i < 300; i++) small.push(ex.alloc(200) >>> 0);
  assert.ok(small.some((p) => inOld(p, 200)), "small blocks are taken where the dead buffer was");
  for (const p of small) zero(p, 200, "a small block");
  // The last block handed out grows where it is, over the dead buffer's bytes.
  const p = ex.alloc(100) >>> 0;
  mem().fill(9, p, p + 100);
  const grown = ex.realloc(p, 100_000) >>> 0;
  assert.equal(grown, p, "it grows in place");
  assert.ok(inOld(grown + 100, 99_900), "over the dead buffer's memory");
  zero(grown + 100, 99_900, "the grown part");
  // An ArrayBuffer made there.
  const b = ex.newBuffer(50_000) >>> 0;
  zero(b, 50_000, "an ArrayBuffer");
});

test("allocator: a host buffer's block past its payload is zero, so growing it shows no old bytes", async () => {
  const ex = await load();
  ex.unpin(ex.hostBuffer(64));
  useUpSpans(ex);
  const mem = () => new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  const first = ex.hostBuffer(200_000) >>> 0;
  mem().fill(7, first, first + 200_000);
  ex.unpin(first);
  ex.collect();
  // 100,001 bytes leave 11 bytes of the block unused, which lay inside the dead buffer.
  const n = 100_001;
  const b = ex.hostBuffer(n) >>> 0;
  assert.ok(b >= first && b < first + 200_000, "it takes the dead buffer's memory");
  mem().fill(9, b, b + n);
  ex.unpin(b);
  const grown = ex.renew(b, n + 1000) >>> 0;
  const m = mem();
  for (let i = 0; i < n; i++) if (m[grown + i] !== 9) assert.fail(`byte ${i} of the grown buffer is ${m[grown + i]}, expected 9`);
  for (let i = n; i < n + 1000; i++) if (m[grown + i] !== 0) assert.fail(`byte ${i} of the grown buffer is ${m[grown + i]}, expected 0`);
});

/**
 * Fills every free span the module's start left (with live 208-byte blocks, so no rest is long
 * enough to be a span again), so that a test's own spans are the first in their lists.
 */
function useUpSpans(ex: Record<string, any>): void {
  ex.collect();
  for (let i = 0; i < 2000; i++) ex.alloc(200);
}

test("allocator: the short rest of a big span a large block took the front of never holds a longer small block", async () => {
  // Big and small spans are listed apart; a big span whose front a large request took keeps its
  // rest in the big list, even when that rest (here 512 bytes) is shorter than a small request
  // that later looks there once the small spans are used up.
  const ex = await load();
  const mem = () => new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  useUpSpans(ex);
  ex.alloc(16); // live, so the freed block's span starts where the block did
  const x = ex.alloc(100_000) >>> 0;
  const after = ex.alloc(16) >>> 0; // live, so the span ends where it did
  mem().fill(0xab, after, after + 16);
  ex.free(x);
  ex.collect();
  const span = after - x; // the span: x's block up to the block after it
  const front = ex.alloc(span - 512 - 4) >>> 0; // a block of span - 512 bytes, header included
  assert.equal(front, x, "the large request takes the front of the freed span");
  mem().fill(0xcd, front, front + span - 512 - 4);
  const blocks: [number, number][] = [[front, front + span - 512 - 4], [after, after + 16]];
  for (let i = 0; i < 300; i++) { // 300 KB of 1,000-byte blocks: more than the small spans hold
    const p = ex.alloc(1000) >>> 0;
    mem().fill(0x11, p, p + 1000);
    blocks.push([p, p + 1000]);
  }
  assert.ok(mem().subarray(after, after + 16).every((v) => v === 0xab), "the block after the span is intact");
  assert.ok(mem().subarray(front, front + span - 512 - 4).every((v) => v === 0xcd), "the large block is intact");
  blocks.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i][0] >= blocks[i - 1][1], `blocks at ${blocks[i - 1][0]} and ${blocks[i][0]} do not overlap`);
});

test("allocator: a large request shorter than a big span takes the front of a small span, whose rest small blocks then use", async () => {
  const ex = await load();
  const mem = () => new Uint8Array((ex.memory as WebAssembly.Memory).buffer);
  useUpSpans(ex);
  // Live 16-byte blocks until the next block starts where a large block's data would be 64-byte
  // aligned, so the span below needs no padding before the large block (its front is its head).
  for (let p = ex.alloc(12) >>> 0; (p + 16) % 64 !== 48; p = ex.alloc(12) >>> 0);
  // Twelve small blocks, once freed one small span (under 64 KiB), the first in its list.
  const xs = Array.from({ length: 12 }, () => ex.alloc(1000) >>> 0);
  const x = xs[0];
  const after = ex.alloc(16) >>> 0;
  mem().fill(0xab, after, after + 16);
  for (const p of xs) ex.free(p);
  ex.collect();
  const medium = ex.alloc(4000) >>> 0; // a large request: no big span, so the small spans are searched
  assert.equal(medium, x, "it takes the front of the freed span");
  mem().fill(0xcd, medium, medium + 4000);
  const smalls: number[] = [];
  for (let i = 0; i < 60; i++) { // 6 KB of 100-byte blocks: the span's rest, then elsewhere
    const p = ex.alloc(100) >>> 0;
    mem().fill(0x11, p, p + 100);
    smalls.push(p);
  }
  assert.ok(smalls.some((p) => p > medium && p < after), "small blocks use the rest of the span");
  assert.ok(mem().subarray(medium, medium + 4000).every((v) => v === 0xcd), "the large block is intact");
  assert.ok(mem().subarray(after, after + 16).every((v) => v === 0xab), "the block after the span is intact");
  const blocks = [[medium, medium + 4000], [after, after + 16], ...smalls.map((p) => [p, p + 100])].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < blocks.length; i++) assert.ok(blocks[i][0] >= blocks[i - 1][1], `blocks at ${blocks[i - 1][0]} and ${blocks[i][0]} do not overlap`);
});

test("allocator: the last block handed out is freed, grown and shrunk where it is", async () => {
  const ex = await load();
  const a = ex.alloc(100) >>> 0;
  ex.free(a);
  assert.equal(ex.alloc(40) >>> 0, a, "freeing the last block gives its memory straight back");
  const grown = ex.realloc(a, 5000) >>> 0;
  assert.equal(grown, a, "the last block grows in place");
  const inUse = ex.inUse() >>> 0;
  assert.equal(ex.realloc(a, 100) >>> 0, a, "and shrinks in place");
  assert.equal(inUse - (ex.inUse() >>> 0), 4896, "giving back what it no longer needs");
  const b = ex.alloc(16) >>> 0;
  assert.equal(b, a + 112, "the next block follows it");
  assert.notEqual(ex.realloc(a, 200) >>> 0, a, "a block that is no longer the last moves to grow");
});

test("collector: unreachable objects are freed and reused, reachable ones survive", async () => {
  const ex = await load();
  ex.buildList(10_000, 1);
  const expected = BigInt((10_000 * 9_999) / 2);
  ex.collect();
  assert.equal(ex.keptSum(), expected, "the kept list survives a collection intact");
  const live = ex.inUse() >>> 0;
  for (let i = 0; i < 30; i++) { ex.buildList(50_000, 0); ex.collect(); }
  assert.equal(ex.inUse() >>> 0, live, "garbage lists were freed");
  const mem = ex.memoryBytes() >>> 0;
  for (let i = 0; i < 30; i++) { ex.buildList(50_000, 0); ex.collect(); }
  assert.equal(ex.memoryBytes() >>> 0, mem, "and their memory reused");
  assert.equal(ex.keptSum(), expected);
  ex.dropKept();
  ex.collect();
  assert.ok((ex.inUse() >>> 0) < live, "dropping the last reference frees the list");
});

test("a plugin's memory levels off: the SDK collects between callbacks, paced by what was allocated", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(rootPath("build", "pii-filter.wasm"), { configuration: "{}" });
  const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`record ${i}: mail me at someone${i}@example.org, card 4111 1111 1111 1111`));
  const frame = produceFrame(d, batchOf(values, { gzip: true }));
  const rounds = (n: number) => {
    for (let i = 0; i < n; i++) {
      const conn = host.connect({ keepForwarded: false });
      conn.fromClient(frame);
      conn.close();
    }
  };
  rounds(300);
  const warm = host.memoryBytes();
  rounds(1500);
  assert.equal(host.metric("pii.batches_masked"), 1800n, "every batch was masked (so every round allocated)");
  assert.equal(host.memoryBytes(), warm, `memory stayed at ${warm} bytes over 1,500 more connections`);
});

test("collector: a pinned object survives collections with nothing else referring to it, and is freed once unpinned", async () => {
  const ex = await load();
  const ptr = ex.pinnedBuffer(5000) >>> 0;
  ex.collect(); // the first collection also allocates the collector's own mark stack
  const withPin = ex.inUse() >>> 0;
  for (let i = 0; i < 10; i++) { ex.buildList(20_000, 0); ex.collect(); }
  assert.equal(ex.pinnedIntact(ptr, 5000), 1, "the pinned buffer was neither freed nor overwritten");
  assert.equal(ex.inUse() >>> 0, withPin);
  ex.unpin(ptr);
  ex.collect();
  assert.ok((ex.inUse() >>> 0) < withPin, "unpinned and unreferenced, it is freed");
});

test("collector: resizing a pinned object copies it and leaves the pinned one where it is", async () => {
  const ex = await load();
  const ptr = ex.pinnedBuffer(3000) >>> 0;
  const copy = ex.renew(ptr, 50_000) >>> 0;
  assert.notEqual(copy, ptr, "a pinned object does not move");
  assert.equal(ex.pinnedIntact(copy, 3000), 1, "the copy starts with the old contents");
  for (let i = 0; i < 5; i++) { ex.buildList(20_000, 0); ex.collect(); }
  assert.equal(ex.pinnedIntact(ptr, 3000), 1, "the pinned object survived, unchanged");
  ex.unpin(ptr);
  ex.collect();
});

test("collector: letting go of one pin among several keeps the others", async () => {
  const ex = await load();
  const sizes = [3000, 5000, 7000, 9000];
  const ptrs = sizes.map((n) => ex.pinnedBuffer(n) >>> 0);
  for (const p of ptrs) assert.equal(p % 64, 0, "a large buffer's data starts on a 64-byte boundary (memmove is faster between such buffers)");
  ex.collect();
  const withAll = ex.inUse() >>> 0;
  ex.unpin(ptrs[1]); // neither the newest nor the oldest pin
  for (let i = 0; i < 10; i++) { ex.buildList(20_000, 0); ex.collect(); }
  for (const i of [0, 2, 3]) assert.equal(ex.pinnedIntact(ptrs[i], sizes[i]), 1, `pinned buffer ${i} survived`);
  assert.ok((ex.inUse() >>> 0) <= withAll - 5000, "the unpinned buffer was freed");
  for (const i of [3, 0, 2]) ex.unpin(ptrs[i]);
  ex.collect();
  assert.ok((ex.inUse() >>> 0) <= withAll - 24_000, "and the rest once they are unpinned too");
});

test("an empty array as decoders make it (over a static buffer) grows into the heap and survives collections", async () => {
  const ex = await load();
  assert.equal(ex.growEmptyArray(1000), 0, "a second empty array is still empty after the first grew");
  for (let i = 0; i < 5; i++) { ex.buildList(20_000, 0); ex.collect(); }
  assert.equal(ex.grownSum(), BigInt((1000 * 999) / 2));
});

test("one large frame does not leave the heap at twice its size: memory grows by what is needed, not by doubling", async () => {
  const d = await Dissector.load();
  const host = await PluginHost.load(rootPath("build", "pii-filter.wasm"), { configuration: "{}" });
  const values = Array.from({ length: 16000 }, (_, i) => Buffer.from(`record ${i}: mail someone${i}@example.org ` + "x".repeat(950)));
  const frame = produceFrame(d, batchOf(values));
  host.connect({ keepForwarded: false }).fromClient(frame);
  assert.equal(host.metric("pii.batches_masked"), 1n);
  const ratio = host.memoryBytes() / frame.length;
  assert.ok(ratio < 1.6, `memory is ${ratio.toFixed(2)}× the ${frame.length}-byte frame`);
});
