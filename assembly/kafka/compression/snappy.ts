// Snappy decompression (raw format, and the xerial framing Java's Kafka client writes) for
// untrusted input: every length and offset is checked, and the output is bounded by the
// caller. Writing uses literal elements only: valid Snappy any reader accepts, not smaller
// (re-written batches are rare: only those that needed masking).

export enum SnappyError { None = 0, Truncated = 1, BadLength = 2, BadOffset = 3, TooLarge = 4, BadVarint = 5 }

export class SnappyResult {
  constructor(readonly data: Uint8Array | null, readonly error: SnappyError) {}
}

/** The xerial stream header: magic "\x82SNAPPY\0", then version and compatible version (big-endian int32). */
const XERIAL_MAGIC: StaticArray<u8> = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];

export function isXerial(view: Uint8Array): bool {
  if (view.byteLength < 16) return false;
  for (let i = 0; i < 8; i++) if (view[i] != XERIAL_MAGIC[i]) return false;
  return true;
}

/** One raw Snappy block at [p, p+n), appended to `out` (growing it within `maxOut`). */
function rawBlock(p: usize, n: i32, out: Array<Uint8Array>, produced: i32, maxOut: i32): SnappyResult {
  // Uncompressed length: unsigned varint, at most 5 bytes.
  let len: u32 = 0, shift: u32 = 0, i = 0;
  while (true) {
    if (i >= n || shift > 28) return new SnappyResult(null, i >= n ? SnappyError.Truncated : SnappyError.BadVarint);
    const b = <u32>load<u8>(p + <usize>i);
    i++;
    len |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  if (len > <u32>(maxOut - produced)) return new SnappyResult(null, SnappyError.TooLarge);
  // The announced length is the sender's word: no element of n compressed bytes yields more than
  // 22 × n (a 3-byte copy writes at most 64), so a larger claim is refused before allocating.
  if (<u64>len > <u64>n * 22) return new SnappyResult(null, SnappyError.BadLength);
  const dst = new Uint8Array(<i32>len);
  const d = dst.dataStart;
  let o = 0;
  const total = <i32>len;
  while (i < n) {
    const tag = <i32>load<u8>(p + <usize>i);
    i++;
    const kind = tag & 3;
    if (kind == 0) {
      let l = (tag >> 2) + 1;
      if (l > 60) {
        const extra = l - 60;
        if (n - i < extra) return new SnappyResult(null, SnappyError.Truncated);
        l = 0;
        for (let k = 0; k < extra; k++) l |= <i32>load<u8>(p + <usize>(i + k)) << (8 * k);
        l += 1;
        i += extra;
        if (l <= 0) return new SnappyResult(null, SnappyError.BadLength);
      }
      if (n - i < l) return new SnappyResult(null, SnappyError.Truncated);
      if (total - o < l) return new SnappyResult(null, SnappyError.BadLength);
      memory.copy(d + <usize>o, p + <usize>i, <usize>l);
      o += l;
      i += l;
      continue;
    }
    let l = 0, off = 0;
    if (kind == 1) {
      if (n - i < 1) return new SnappyResult(null, SnappyError.Truncated);
      l = ((tag >> 2) & 7) + 4;
      off = ((tag >> 5) << 8) | <i32>load<u8>(p + <usize>i);
      i += 1;
    } else if (kind == 2) {
      if (n - i < 2) return new SnappyResult(null, SnappyError.Truncated);
      l = (tag >> 2) + 1;
      off = <i32>load<u16>(p + <usize>i);
      i += 2;
    } else {
      if (n - i < 4) return new SnappyResult(null, SnappyError.Truncated);
      l = (tag >> 2) + 1;
      off = load<i32>(p + <usize>i);
      i += 4;
    }
    if (off <= 0 || off > o) return new SnappyResult(null, SnappyError.BadOffset);
    if (total - o < l) return new SnappyResult(null, SnappyError.BadLength);
    // Byte by byte: copies may overlap their own output.
    for (let k = 0; k < l; k++) { store<u8>(d + <usize>o, load<u8>(d + <usize>(o - off))); o++; }
  }
  if (o != total) return new SnappyResult(null, SnappyError.Truncated);
  out.push(dst);
  return new SnappyResult(dst, SnappyError.None);
}

function join(parts: Array<Uint8Array>): Uint8Array {
  if (parts.length == 1) return parts[0];
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].byteLength; }
  return out;
}

/** Decompresses raw Snappy, or a xerial stream of blocks, into at most maxOut bytes. */
export function unsnappy(view: Uint8Array, maxOut: i32): SnappyResult {
  const parts = new Array<Uint8Array>();
  const p = view.dataStart;
  const n = view.byteLength;
  if (!isXerial(view)) {
    const r = rawBlock(p, n, parts, 0, maxOut);
    return r.error == SnappyError.None ? new SnappyResult(join(parts), SnappyError.None) : r;
  }
  let i = 16;
  let produced = 0;
  while (i < n) {
    if (n - i < 4) return new SnappyResult(null, SnappyError.Truncated);
    const len = bswap<i32>(load<i32>(p + <usize>i));
    i += 4;
    if (len < 0 || len > n - i) return new SnappyResult(null, SnappyError.Truncated);
    const r = rawBlock(p + <usize>i, len, parts, produced, maxOut);
    if (r.error != SnappyError.None) return r;
    produced += r.data!.byteLength;
    i += len;
  }
  return new SnappyResult(join(parts), SnappyError.None);
}

/** Raw Snappy made of literal elements only. */
function literalBlock(src: usize, n: i32): Uint8Array {
  const chunks = n == 0 ? 0 : (n + 65535) / 65536;
  let lenBytes = 1;
  for (let v = <u32>n; v >= 0x80; v >>>= 7) lenBytes++;
  const out = new Uint8Array(lenBytes + chunks * 3 + n);
  const o = out.dataStart;
  let p: usize = 0;
  let v = <u32>n;
  while (v >= 0x80) { store<u8>(o + p++, <u8>((v & 0x7f) | 0x80)); v >>>= 7; }
  store<u8>(o + p++, <u8>v);
  let left = n, s = src;
  while (left > 0) {
    const l = left > 65536 ? 65536 : left;
    // Tag 61 << 2: the literal's length-1 follows in 2 bytes.
    store<u8>(o + p, 61 << 2);
    store<u16>(o + p + 1, <u16>(l - 1));
    p += 3;
    memory.copy(o + p, s, <usize>l);
    p += <usize>l;
    s += <usize>l;
    left -= l;
  }
  return out.subarray(0, <i32>p);
}

/** Writes `data` as Snappy in the framing `like` used (xerial or raw), with literal elements only. */
export function snappyLiteral(data: Uint8Array, like: Uint8Array): Uint8Array {
  return inFraming(data, like, literalBlock);
}

/**
 * `data` as raw Snappy blocks made by `block`, in the framing `like` used: raw (one block), or
 * xerial (the header copied from the original, then blocks of at most 32 KiB of input).
 */
function inFraming(data: Uint8Array, like: Uint8Array, block: (src: usize, n: i32) => Uint8Array): Uint8Array {
  if (!isXerial(like)) return block(data.dataStart, data.byteLength);
  const blocks = new Array<Uint8Array>();
  let total = 16;
  for (let at = 0; at < data.byteLength; at += 32768) {
    const n = data.byteLength - at < 32768 ? data.byteLength - at : 32768;
    const b = block(data.dataStart + <usize>at, n);
    blocks.push(b);
    total += 4 + b.byteLength;
  }
  const out = new Uint8Array(total);
  memory.copy(out.dataStart, like.dataStart, 16);
  let p = 16;
  for (let i = 0; i < blocks.length; i++) {
    store<i32>(out.dataStart + <usize>p, bswap<i32>(blocks[i].byteLength));
    out.set(blocks[i], p + 4);
    p += 4 + blocks[i].byteLength;
  }
  return out;
}

const SNAPPY_HASH_BITS = 14;

/** Raw Snappy of [src, src+n): greedy matching over 4-byte hashes, one 64 KiB fragment at a time (as the reference does). */
function compressBlock(src: usize, n: i32): Uint8Array {
  const out = new Uint8Array(32 + n + n / 6);
  const o = out.dataStart;
  let p: usize = 0;
  let v = <u32>n;
  while (v >= 0x80) { store<u8>(o + p++, <u8>((v & 0x7f) | 0x80)); v >>>= 7; }
  store<u8>(o + p++, <u8>v);
  const table = new StaticArray<i32>(1 << SNAPPY_HASH_BITS);
  for (let base = 0; base < n; base += 65536) {
    const len = n - base < 65536 ? n - base : 65536;
    const frag = src + <usize>base;
    let lit = 0;
    if (len >= 16) {
      table.fill(-1);
      let ip = 0;
      while (ip + 4 <= len) {
        const seq = load<u32>(frag + <usize>ip);
        const h = <i32>((seq * 0x1e35a7bd) >>> (32 - SNAPPY_HASH_BITS));
        const cand = unchecked(table[h]);
        unchecked(table[h] = ip);
        if (cand < 0 || load<u32>(frag + <usize>cand) != seq) { ip++; continue; }
        let m = 4;
        while (ip + m < len && load<u8>(frag + <usize>(cand + m)) == load<u8>(frag + <usize>(ip + m))) m++;
        p = literal(o, p, frag + <usize>lit, ip - lit);
        const offset = ip - cand;
        let left = m;
        while (left > 0) {
          const l = left > 64 ? 64 : left;
          store<u8>(o + p, <u8>(((l - 1) << 2) | 2));
          store<u16>(o + p + 1, <u16>offset);
          p += 3;
          left -= l;
        }
        ip += m;
        lit = ip;
      }
    }
    p = literal(o, p, frag + <usize>lit, len - lit);
  }
  return out.subarray(0, <i32>p);
}

/** A literal element of n ≤ 65536 bytes at o+p; the new p. */
function literal(o: usize, p: usize, from: usize, n: i32): usize {
  if (n <= 0) return p;
  if (n <= 60) { store<u8>(o + p, <u8>((n - 1) << 2)); p += 1; }
  else if (n <= 256) { store<u8>(o + p, 60 << 2); store<u8>(o + p + 1, <u8>(n - 1)); p += 2; }
  else { store<u8>(o + p, 61 << 2); store<u16>(o + p + 1, <u16>(n - 1)); p += 3; }
  memory.copy(o + p, from, <usize>n);
  return p + <usize>n;
}

/** Compresses `data` as Snappy in the framing `like` used (xerial, as the Java client writes, or raw). */
export function snappyCompress(data: Uint8Array, like: Uint8Array): Uint8Array {
  return inFraming(data, like, compressBlock);
}
