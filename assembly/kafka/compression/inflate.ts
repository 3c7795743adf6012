// DEFLATE decompression (RFC 1951) and the gzip wrapper (RFC 1952), written for untrusted
// input: every read is bounds-checked, every code table validated, and the output may not
// grow past a limit given by the caller, so a decompression bomb ends in an error value.

export enum InflateError {
  None = 0,
  Truncated = 1,
  BadBlockType = 2,
  BadStoredLength = 3,
  BadCode = 4,
  BadDistance = 5,
  TooLarge = 6,
  BadHeader = 7,
  BadChecksum = 8,
}

const LENGTH_BASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** build()'s scratch: one for the VM, so that a stream of tiny blocks allocates nothing per block. */
const OFFS = new StaticArray<u16>(16);

/** A canonical Huffman decoding table: counts per length and symbols sorted by code. */
class Huffman {
  readonly counts: StaticArray<u16> = new StaticArray<u16>(16);
  readonly symbols: StaticArray<u16>;
  constructor(n: i32) { this.symbols = new StaticArray<u16>(n); }

  /** Builds from code lengths; false when the lengths over-subscribe the code space. */
  build(lengths: StaticArray<u8>, offset: i32, n: i32): bool {
    for (let i = 0; i < 16; i++) this.counts[i] = 0;
    for (let i = 0; i < n; i++) this.counts[lengths[offset + i]]++;
    this.counts[0] = 0;
    let left = 1;
    for (let len = 1; len < 16; len++) {
      left <<= 1;
      left -= <i32>this.counts[len];
      if (left < 0) return false;
    }
    const offs = OFFS;
    offs[0] = 0;
    offs[1] = 0;
    for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + this.counts[len];
    for (let i = 0; i < n; i++) {
      const l = lengths[offset + i];
      if (l != 0) { this.symbols[offs[l]] = <u16>i; offs[l]++; }
    }
    return true;
  }
}

/** The fixed codes' tables (RFC 1951 3.2.6), built once for the VM on first use. */
let fixedLit: Huffman | null = null;
let fixedDist: Huffman | null = null;

// One Inflater serves a whole gzip stream: its tables and output are made once, not per block or
// per member, because input can hold a block every 10 bits and a member every 20 bytes, and what a
// callback allocates is not collected before it ends.
class Inflater {
  error: InflateError = InflateError.None;
  private pos: i32;
  private bitBuf: u32 = 0;
  private bitCount: i32 = 0;
  out: Uint8Array;
  outLen: i32 = 0;
  /** Where the current gzip member's output begins: a back-reference may not reach before it. */
  memberStart: i32 = 0;
  private readonly lit: Huffman = new Huffman(288);
  private readonly dist: Huffman = new Huffman(30);
  private readonly cl: Huffman = new Huffman(19);
  private readonly lengths: StaticArray<u8> = new StaticArray<u8>(320);

  constructor(private readonly src: usize, private readonly end: i32, start: i32, readonly maxOut: i32) {
    this.pos = start;
    this.out = new Uint8Array(maxOut < 65536 ? maxOut : 65536);
  }

  /** Starts the next gzip member's deflate data at `start`; its output follows the previous one's. */
  nextMember(start: i32): void {
    this.pos = start;
    this.bitBuf = 0;
    this.bitCount = 0;
    this.memberStart = this.outLen;
  }

  fail(e: InflateError): void { if (this.error == InflateError.None) this.error = e; }

  bits(n: i32): u32 {
    while (this.bitCount < n) {
      if (this.pos >= this.end) { this.fail(InflateError.Truncated); return 0; }
      this.bitBuf |= <u32>load<u8>(this.src + <usize>this.pos) << this.bitCount;
      this.pos++;
      this.bitCount += 8;
    }
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  decode(h: Huffman): i32 {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len < 16; len++) {
      code |= <i32>this.bits(1);
      if (this.error != InflateError.None) return -1;
      const count = <i32>h.counts[len];
      if (code - count < first) return <i32>h.symbols[index + (code - first)];
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    this.fail(InflateError.BadCode);
    return -1;
  }

  private ensure(extra: i32): bool {
    const need = this.outLen + extra;
    if (need > this.maxOut) { this.fail(InflateError.TooLarge); return false; }
    if (need > this.out.byteLength) {
      let cap = this.out.byteLength * 2;
      if (cap < need) cap = need;
      if (cap > this.maxOut) cap = this.maxOut;
      const grown = new Uint8Array(cap);
      memory.copy(grown.dataStart, this.out.dataStart, <usize>this.outLen);
      this.out = grown;
    }
    return true;
  }

  stored(): void {
    this.bitBuf = 0;
    this.bitCount = 0;
    if (this.end - this.pos < 4) { this.fail(InflateError.Truncated); return; }
    const len = <i32>load<u16>(this.src + <usize>this.pos);
    const nlen = <i32>load<u16>(this.src + <usize>this.pos + 2);
    this.pos += 4;
    if ((len ^ 0xffff) != nlen) { this.fail(InflateError.BadStoredLength); return; }
    if (this.end - this.pos < len) { this.fail(InflateError.Truncated); return; }
    if (!this.ensure(len)) return;
    memory.copy(this.out.dataStart + <usize>this.outLen, this.src + <usize>this.pos, <usize>len);
    this.outLen += len;
    this.pos += len;
  }

  codes(lit: Huffman, dist: Huffman): void {
    while (this.error == InflateError.None) {
      const sym = this.decode(lit);
      if (sym < 0) return;
      if (sym < 256) {
        if (!this.ensure(1)) return;
        this.out[this.outLen++] = <u8>sym;
      } else if (sym == 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) { this.fail(InflateError.BadCode); return; }
        const length = <i32>LENGTH_BASE[li] + <i32>this.bits(<i32>LENGTH_EXTRA[li]);
        const ds = this.decode(dist);
        if (ds < 0) return;
        if (ds >= 30) { this.fail(InflateError.BadDistance); return; }
        const distance = <i32>DIST_BASE[ds] + <i32>this.bits(<i32>DIST_EXTRA[ds]);
        if (distance > this.outLen - this.memberStart) { this.fail(InflateError.BadDistance); return; }
        if (!this.ensure(length)) return;
        const o = this.out.dataStart;
        for (let k = 0; k < length; k++) {
          store<u8>(o + <usize>this.outLen, load<u8>(o + <usize>(this.outLen - distance)));
          this.outLen++;
        }
      }
    }
  }

  dynamic(lit: Huffman, dist: Huffman): bool {
    const nlen = <i32>this.bits(5) + 257;
    const ndist = <i32>this.bits(5) + 1;
    const ncode = <i32>this.bits(4) + 4;
    if (this.error != InflateError.None) return false;
    if (nlen > 286 || ndist > 30) { this.fail(InflateError.BadCode); return false; }
    const lengths = this.lengths;
    for (let i = 0; i < 19; i++) lengths[i] = 0;
    for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]] = <u8>this.bits(3);
    const cl = this.cl;
    if (!cl.build(lengths, 0, 19)) { this.fail(InflateError.BadCode); return false; }
    for (let i = 0; i < 19; i++) lengths[i] = 0;
    let i = 0;
    while (i < nlen + ndist && this.error == InflateError.None) {
      const sym = this.decode(cl);
      if (sym < 0) return false;
      if (sym < 16) { lengths[i++] = <u8>sym; continue; }
      let rep = 0;
      let value: u8 = 0;
      if (sym == 16) {
        if (i == 0) { this.fail(InflateError.BadCode); return false; }
        value = lengths[i - 1];
        rep = 3 + <i32>this.bits(2);
      } else if (sym == 17) rep = 3 + <i32>this.bits(3);
      else rep = 11 + <i32>this.bits(7);
      if (i + rep > nlen + ndist) { this.fail(InflateError.BadCode); return false; }
      for (let k = 0; k < rep; k++) lengths[i++] = value;
    }
    if (this.error != InflateError.None) return false;
    if (lengths[256] == 0) { this.fail(InflateError.BadCode); return false; }
    if (!lit.build(lengths, 0, nlen) || !dist.build(lengths, nlen, ndist)) { this.fail(InflateError.BadCode); return false; }
    return true;
  }

  private fixedTables(): void {
    if (fixedLit != null) return;
    const lengths = new StaticArray<u8>(320);
    for (let i = 0; i < 144; i++) lengths[i] = 8;
    for (let i = 144; i < 256; i++) lengths[i] = 9;
    for (let i = 256; i < 280; i++) lengths[i] = 7;
    for (let i = 280; i < 288; i++) lengths[i] = 8;
    for (let i = 0; i < 30; i++) lengths[288 + i] = 5;
    const lit = new Huffman(288), dist = new Huffman(30);
    lit.build(lengths, 0, 288);
    dist.build(lengths, 288, 30);
    fixedLit = lit;
    fixedDist = dist;
  }

  run(): void {
    let last = false;
    const lit = this.lit, dist = this.dist;
    while (!last && this.error == InflateError.None) {
      last = this.bits(1) == 1;
      const type = this.bits(2);
      if (this.error != InflateError.None) return;
      if (type == 0) this.stored();
      else if (type == 1) { this.fixedTables(); this.codes(fixedLit!, fixedDist!); }
      else if (type == 2) { if (this.dynamic(lit, dist)) this.codes(lit, dist); }
      else this.fail(InflateError.BadBlockType);
    }
  }

  /** Bytes consumed so far (whole bytes; after the final block). */
  get position(): i32 { return this.pos; }
}

export class InflateResult {
  constructor(readonly data: Uint8Array | null, readonly error: InflateError, readonly consumed: i32) {}
}

/** Raw DEFLATE: decompresses [ptr, ptr+length) into at most maxOut bytes. */
export function inflateRaw(ptr: usize, length: i32, maxOut: i32): InflateResult {
  const inf = new Inflater(ptr, length, 0, maxOut);
  inf.run();
  if (inf.error != InflateError.None) return new InflateResult(null, inf.error, inf.position);
  return new InflateResult(inf.out.subarray(0, inf.outLen), InflateError.None, inf.position);
}

import { crc32Update } from "./crc32";

/**
 * gzip: one or more members back to back (as Java's GZIPOutputStream writes one), each
 * header, deflate data and CRC-32/size trailer checked. The output is their concatenation.
 */
export function gunzip(view: Uint8Array, maxOut: i32): InflateResult {
  const base = view.dataStart;
  const n = view.byteLength;
  // No member at all is not a gzip stream (Java's reader refuses it too).
  if (n == 0) return new InflateResult(null, InflateError.Truncated, 0);
  let p = 0;
  let inf: Inflater | null = null;
  while (p < n) {
    if (n - p < 18) return new InflateResult(null, InflateError.Truncated, p);
    if (load<u8>(base + <usize>p) != 0x1f || load<u8>(base + <usize>p + 1) != 0x8b || load<u8>(base + <usize>p + 2) != 8) return new InflateResult(null, InflateError.BadHeader, p);
    const flags = <i32>load<u8>(base + <usize>p + 3);
    let q = p + 10;
    if ((flags & 4) != 0) { if (n - q < 2) return new InflateResult(null, InflateError.Truncated, q); q += 2 + <i32>load<u16>(base + <usize>q); }
    if ((flags & 8) != 0) { while (q < n && load<u8>(base + <usize>q) != 0) q++; q++; }
    if ((flags & 16) != 0) { while (q < n && load<u8>(base + <usize>q) != 0) q++; q++; }
    if ((flags & 2) != 0) q += 2;
    if (q >= n) return new InflateResult(null, InflateError.Truncated, q);
    // Every member inflates into the same output, after the one before (no copy per member).
    if (inf == null) inf = new Inflater(base, n, q, maxOut);
    else inf.nextMember(q);
    inf.run();
    if (inf.error != InflateError.None) return new InflateResult(null, inf.error, inf.position);
    q = inf.position;
    if (n - q < 8) return new InflateResult(null, InflateError.Truncated, q);
    const from = inf.memberStart;
    const length = inf.outLen - from;
    const crc = load<u32>(base + <usize>q);
    const size = load<u32>(base + <usize>q + 4);
    if (crc != crc32Update(0, inf.out.dataStart + <usize>from, length) || size != <u32>length) return new InflateResult(null, InflateError.BadChecksum, q);
    q += 8;
    p = q;
  }
  const done = inf!;
  return new InflateResult(done.out.subarray(0, done.outLen), InflateError.None, p);
}

/**
 * gzip with stored (uncompressed) deflate blocks: a valid gzip member any reader accepts,
 * used to re-write a batch after masking until a compressor is written.
 */
export function gzipStored(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const blocks = n == 0 ? 1 : (n + 65534) / 65535;
  const out = new Uint8Array(10 + n + blocks * 5 + 8);
  const o = out.dataStart;
  store<u8>(o, 0x1f); store<u8>(o, 0x8b, 1); store<u8>(o, 8, 2); store<u8>(o, 0xff, 9); // no flags, mtime 0, OS unknown
  let p: usize = 10;
  let left = n;
  let src = data.dataStart;
  for (let b = 0; b < blocks; b++) {
    const len = left > 65535 ? 65535 : left;
    store<u8>(o + p, b == blocks - 1 ? 1 : 0);
    store<u16>(o + p + 1, <u16>len);
    store<u16>(o + p + 3, <u16>(len ^ 0xffff));
    p += 5;
    memory.copy(o + p, src, <usize>len);
    p += <usize>len;
    src += <usize>len;
    left -= len;
  }
  store<u32>(o + p, crc32Update(0, data.dataStart, n));
  store<u32>(o + p + 4, <u32>n);
  return out;
}

// ---- Compression: deflate with the fixed Huffman codes (RFC 1951 3.2.6) ----

/** LSB-first bit output, as deflate packs it. */
class BitWriter {
  private acc: u64 = 0;
  private count: i32 = 0;
  p: usize;
  constructor(readonly base: usize, start: usize) { this.p = start; }

  bits(v: u32, n: i32): void {
    this.acc |= <u64>v << <u64>this.count;
    this.count += n;
    while (this.count >= 8) { store<u8>(this.base + this.p++, <u8>this.acc); this.acc >>= 8; this.count -= 8; }
  }
  /** A Huffman code: its bits go most significant first. */
  code(c: u32, n: i32): void {
    let r: u32 = 0;
    for (let i = 0; i < n; i++) { r = (r << 1) | (c & 1); c >>= 1; }
    this.bits(r, n);
  }
  flush(): void { if (this.count > 0) { store<u8>(this.base + this.p++, <u8>this.acc); this.acc = 0; this.count = 0; } }
}

/** The fixed code of literal/length symbol s. */
@inline function fixedSymbol(w: BitWriter, s: u32): void {
  if (s < 144) w.code(0x30 + s, 8);
  else if (s < 256) w.code(0x190 + s - 144, 9);
  else if (s < 280) w.code(s - 256, 7);
  else w.code(0xc0 + s - 280, 8);
}

function lengthCode(len: i32): i32 {
  let c = 28;
  while (<i32>unchecked(LENGTH_BASE[c]) > len) c--;
  return c;
}
function distCode(d: i32): i32 {
  let c = 29;
  while (<i32>unchecked(DIST_BASE[c]) > d) c--;
  return c;
}

const DEFLATE_HASH_BITS = 15;

/** gzip of `data`: one deflate block with the fixed codes and greedy LZ77 over a 32 KiB window. */
export function gzipCompress(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const src = data.dataStart;
  const out = new Uint8Array(10 + n + (n >> 3) + 64 + 8);
  const o = out.dataStart;
  store<u8>(o, 0x1f); store<u8>(o, 0x8b, 1); store<u8>(o, 8, 2); store<u8>(o, 0xff, 9);
  const w = new BitWriter(o, 10);
  w.bits(1, 1); // BFINAL
  w.bits(1, 2); // BTYPE 01: fixed codes
  const table = new StaticArray<i32>(1 << DEFLATE_HASH_BITS);
  table.fill(-1);
  let ip = 0;
  while (ip < n) {
    if (ip + 4 <= n) {
      const seq = load<u32>(src + <usize>ip) & 0xffffff;
      const h = <i32>((seq * 2654435761) >>> (32 - DEFLATE_HASH_BITS));
      const ref = unchecked(table[h]);
      unchecked(table[h] = ip);
      if (ref >= 0 && ip - ref <= 32768 && (load<u32>(src + <usize>ref) & 0xffffff) == seq) {
        let m = 3;
        const max = n - ip < 258 ? n - ip : 258;
        while (m < max && load<u8>(src + <usize>(ref + m)) == load<u8>(src + <usize>(ip + m))) m++;
        const lc = lengthCode(m);
        fixedSymbol(w, <u32>(257 + lc));
        if (unchecked(LENGTH_EXTRA[lc]) > 0) w.bits(<u32>(m - <i32>unchecked(LENGTH_BASE[lc])), <i32>unchecked(LENGTH_EXTRA[lc]));
        const d = ip - ref;
        const dc = distCode(d);
        w.code(<u32>dc, 5);
        if (unchecked(DIST_EXTRA[dc]) > 0) w.bits(<u32>(d - <i32>unchecked(DIST_BASE[dc])), <i32>unchecked(DIST_EXTRA[dc]));
        ip += m;
        continue;
      }
    }
    fixedSymbol(w, <u32>load<u8>(src + <usize>ip));
    ip++;
  }
  fixedSymbol(w, 256);
  w.flush();
  let p = w.p;
  store<u32>(o + p, crc32Update(0, src, n));
  store<u32>(o + p + 4, <u32>n);
  p += 8;
  // Incompressible input grows with the fixed codes: then stored blocks are smaller.
  if (<i32>p > 10 + n + ((n + 65534) / 65535) * 5 + 8) return gzipStored(data);
  return out.subarray(0, <i32>p);
}
