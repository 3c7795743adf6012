// LZ4 frames (the format Kafka's lz4 codec uses for RecordBatch v2): decompression for
// untrusted input (descriptor checksum verified, every length and offset checked, output
// bounded), and writing with uncompressed blocks only, which every reader accepts.

export enum Lz4Error { None = 0, Truncated = 1, BadMagic = 2, BadDescriptor = 3, BadChecksum = 4, BadOffset = 5, BadLength = 6, TooLarge = 7 }

export class Lz4Result {
  constructor(readonly data: Uint8Array | null, readonly error: Lz4Error) {}
}

const P1: u32 = 2654435761, P2: u32 = 2246822519, P3: u32 = 3266489917, P4: u32 = 668265263, P5: u32 = 374761393;

@inline function round32(acc: u32, input: u32): u32 { return rotl<u32>(acc + input * P2, 13) * P1; }

/** xxHash32 of [p, p+n) with seed 0: LZ4's descriptor, block and content checksum. */
export function xxh32(p: usize, n: i32): u32 {
  let i = 0;
  let h: u32;
  if (n >= 16) {
    let v1: u32 = P1 + P2, v2: u32 = P2, v3: u32 = 0, v4: u32 = 0 - P1;
    while (i <= n - 16) {
      v1 = round32(v1, load<u32>(p + <usize>i));
      v2 = round32(v2, load<u32>(p + <usize>i + 4));
      v3 = round32(v3, load<u32>(p + <usize>i + 8));
      v4 = round32(v4, load<u32>(p + <usize>i + 12));
      i += 16;
    }
    h = rotl<u32>(v1, 1) + rotl<u32>(v2, 7) + rotl<u32>(v3, 12) + rotl<u32>(v4, 18);
  } else {
    h = P5;
  }
  h += <u32>n;
  while (i + 4 <= n) { h = rotl<u32>(h + load<u32>(p + <usize>i) * P3, 17) * P4; i += 4; }
  while (i < n) { h = rotl<u32>(h + <u32>load<u8>(p + <usize>i) * P5, 11) * P1; i++; }
  h ^= h >>> 15; h *= P2; h ^= h >>> 13; h *= P3; h ^= h >>> 16;
  return h;
}

/** One LZ4 block [p, p+n) decoded into out[o..]; returns the new output length, or −error. */
function block(p: usize, n: i32, out: Uint8Array, o: i32): i32 {
  const d = out.dataStart;
  const cap = out.byteLength;
  let i = 0;
  while (i < n) {
    const token = <i32>load<u8>(p + <usize>i);
    i++;
    let lit = token >> 4;
    if (lit == 15) {
      while (true) {
        if (i >= n) return -Lz4Error.Truncated;
        const b = <i32>load<u8>(p + <usize>i);
        i++;
        lit += b;
        if (lit > cap) return -Lz4Error.TooLarge;
        if (b != 255) break;
      }
    }
    if (n - i < lit) return -Lz4Error.Truncated;
    if (cap - o < lit) return -Lz4Error.TooLarge;
    memory.copy(d + <usize>o, p + <usize>i, <usize>lit);
    o += lit;
    i += lit;
    if (i == n) break; // the last sequence has literals only
    if (n - i < 2) return -Lz4Error.Truncated;
    const offset = <i32>load<u16>(p + <usize>i);
    i += 2;
    if (offset == 0 || offset > o) return -Lz4Error.BadOffset;
    let len = (token & 15) + 4;
    if ((token & 15) == 15) {
      while (true) {
        if (i >= n) return -Lz4Error.Truncated;
        const b = <i32>load<u8>(p + <usize>i);
        i++;
        len += b;
        if (len > cap) return -Lz4Error.TooLarge;
        if (b != 255) break;
      }
    }
    if (cap - o < len) return -Lz4Error.TooLarge;
    // Byte by byte: a match may overlap its own output.
    for (let k = 0; k < len; k++) { store<u8>(d + <usize>o, load<u8>(d + <usize>(o - offset))); o++; }
  }
  return o;
}

/** Decompresses one or more LZ4 frames into at most maxOut bytes. */
export function unlz4(view: Uint8Array, maxOut: i32): Lz4Result {
  const p = view.dataStart;
  const n = view.byteLength;
  let out = new Uint8Array(n * 4 < maxOut ? (n * 4 < 1024 ? 1024 : n * 4) : maxOut);
  let o = 0;
  let i = 0;
  if (n == 0) return new Lz4Result(null, Lz4Error.Truncated);
  while (i < n) {
    if (n - i < 7) return new Lz4Result(null, Lz4Error.Truncated);
    if (load<u32>(p + <usize>i) != 0x184d2204) return new Lz4Result(null, Lz4Error.BadMagic);
    const desc = i + 4;
    const flg = <i32>load<u8>(p + <usize>desc);
    const bd = <i32>load<u8>(p + <usize>desc + 1);
    if ((flg >> 6) != 1 || (flg & 2) != 0 || (bd & 0x8f) != 0) return new Lz4Result(null, Lz4Error.BadDescriptor);
    const blockChecksum = (flg & 0x10) != 0, contentSize = (flg & 8) != 0, contentChecksum = (flg & 4) != 0, dictId = (flg & 1) != 0;
    const maxBlock = 1 << (8 + 2 * ((bd >> 4) & 7));
    if (((bd >> 4) & 7) < 4) return new Lz4Result(null, Lz4Error.BadDescriptor);
    let q = desc + 2 + (contentSize ? 8 : 0) + (dictId ? 4 : 0);
    if (n - q < 1) return new Lz4Result(null, Lz4Error.Truncated);
    // Kafka's magic-0 writers hashed the magic number with the descriptor (KAFKA-3160), and its
    // readers take either form, so a broker's old segments decompress here too.
    const hc = <u32>load<u8>(p + <usize>q);
    if (hc != ((xxh32(p + <usize>desc, q - desc) >>> 8) & 0xff) && hc != ((xxh32(p + <usize>i, q - i) >>> 8) & 0xff)) {
      return new Lz4Result(null, Lz4Error.BadChecksum);
    }
    q++;
    const start = o;
    while (true) {
      if (n - q < 4) return new Lz4Result(null, Lz4Error.Truncated);
      const word = load<u32>(p + <usize>q);
      q += 4;
      if (word == 0) break;
      const size = <i32>(word & 0x7fffffff);
      if (size > maxBlock || size > n - q) return new Lz4Result(null, size > maxBlock ? Lz4Error.BadLength : Lz4Error.Truncated);
      // Room for a whole block, within the limit.
      const need = o + ((word & 0x80000000) != 0 ? size : maxBlock);
      if (need > out.byteLength) {
        if (o + size > maxOut && (word & 0x80000000) != 0) return new Lz4Result(null, Lz4Error.TooLarge);
        let cap = out.byteLength * 2;
        if (cap < need) cap = need;
        if (cap > maxOut) cap = maxOut;
        const grown = new Uint8Array(cap);
        memory.copy(grown.dataStart, out.dataStart, <usize>o);
        out = grown;
      }
      if ((word & 0x80000000) != 0) {
        if (out.byteLength - o < size) return new Lz4Result(null, Lz4Error.TooLarge);
        memory.copy(out.dataStart + <usize>o, p + <usize>q, <usize>size);
        o += size;
      } else {
        const r = block(p + <usize>q, size, out, o);
        if (r < 0) return new Lz4Result(null, <Lz4Error>(-r));
        o = r;
      }
      q += size;
      if (blockChecksum) { if (n - q < 4) return new Lz4Result(null, Lz4Error.Truncated); q += 4; }
    }
    if (contentChecksum) {
      if (n - q < 4) return new Lz4Result(null, Lz4Error.Truncated);
      if (load<u32>(p + <usize>q) != xxh32(out.dataStart + <usize>start, o - start)) return new Lz4Result(null, Lz4Error.BadChecksum);
      q += 4;
    }
    i = q;
  }
  return new Lz4Result(out.subarray(0, o), Lz4Error.None);
}

/** An LZ4 frame of uncompressed 64 KiB blocks: independent blocks, no checksums but the descriptor's. */
export function lz4Stored(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const blocks = (n + 65535) / 65536;
  const out = new Uint8Array(7 + blocks * 4 + n + 4);
  const o = out.dataStart;
  store<u32>(o, 0x184d2204);
  store<u8>(o + 4, 0x60); // version 01, independent blocks
  store<u8>(o + 5, 0x40); // 64 KiB maximum block
  store<u8>(o + 6, <u8>((xxh32(o + 4, 2) >>> 8) & 0xff));
  let p: usize = 7;
  for (let at = 0; at < n; at += 65536) {
    const size = n - at < 65536 ? n - at : 65536;
    store<u32>(o + p, <u32>size | 0x80000000);
    memory.copy(o + p + 4, data.dataStart + <usize>at, <usize>size);
    p += 4 + <usize>size;
  }
  store<u32>(o + p, 0);
  return out;
}

const LZ4_HASH_BITS = 12;

/** Writes a length's extra bytes (after 15 in the token): 255s, then the rest. */
@inline function lengthBytes(o: usize, p: usize, n: i32): usize {
  while (n >= 255) { store<u8>(o + p++, 255); n -= 255; }
  store<u8>(o + p++, <u8>n);
  return p;
}

/**
 * One LZ4 block of [src, src+n) into o; its size. Greedy matching over 4-byte hashes; the
 * format's end rules hold (the last 5 bytes are literals, no match starts in the last 12).
 */
function compressLz4Block(src: usize, n: i32, o: usize, table: StaticArray<i32>): i32 {
  let p: usize = 0;
  let anchor = 0;
  if (n > 12) {
    table.fill(-1);
    let ip = 0;
    const matchLimit = n - 5;
    while (ip < n - 12) {
      const seq = load<u32>(src + <usize>ip);
      const h = <i32>((seq * 2654435761) >>> (32 - LZ4_HASH_BITS));
      const ref = unchecked(table[h]);
      unchecked(table[h] = ip);
      if (ref < 0 || ip - ref > 65535 || load<u32>(src + <usize>ref) != seq) { ip++; continue; }
      let m = 4;
      while (ip + m < matchLimit && load<u8>(src + <usize>(ref + m)) == load<u8>(src + <usize>(ip + m))) m++;
      const lit = ip - anchor;
      const ml = m - 4;
      store<u8>(o + p++, <u8>(((lit < 15 ? lit : 15) << 4) | (ml < 15 ? ml : 15)));
      if (lit >= 15) p = lengthBytes(o, p, lit - 15);
      memory.copy(o + p, src + <usize>anchor, <usize>lit);
      p += <usize>lit;
      store<u16>(o + p, <u16>(ip - ref));
      p += 2;
      if (ml >= 15) p = lengthBytes(o, p, ml - 15);
      ip += m;
      anchor = ip;
    }
  }
  const lit = n - anchor;
  store<u8>(o + p++, <u8>((lit < 15 ? lit : 15) << 4));
  if (lit >= 15) p = lengthBytes(o, p, lit - 15);
  memory.copy(o + p, src + <usize>anchor, <usize>lit);
  return <i32>(p + <usize>lit);
}

/** An LZ4 frame of independent 64 KiB blocks, each compressed (or stored when that is smaller). */
export function lz4Compress(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const blocks = (n + 65535) / 65536;
  const out = new Uint8Array(7 + blocks * 4 + n + n / 255 + blocks * 16 + 4);
  const o = out.dataStart;
  store<u32>(o, 0x184d2204);
  store<u8>(o + 4, 0x60); // version 01, independent blocks
  store<u8>(o + 5, 0x40); // 64 KiB maximum block
  store<u8>(o + 6, <u8>((xxh32(o + 4, 2) >>> 8) & 0xff));
  const table = new StaticArray<i32>(1 << LZ4_HASH_BITS);
  let p: usize = 7;
  for (let at = 0; at < n; at += 65536) {
    const size = n - at < 65536 ? n - at : 65536;
    const c = compressLz4Block(data.dataStart + <usize>at, size, o + p + 4, table);
    if (c < size) {
      store<u32>(o + p, <u32>c);
      p += 4 + <usize>c;
    } else {
      store<u32>(o + p, <u32>size | 0x80000000);
      memory.copy(o + p + 4, data.dataStart + <usize>at, <usize>size);
      p += 4 + <usize>size;
    }
  }
  store<u32>(o + p, 0);
  return out.subarray(0, <i32>(p + 4));
}
