// Zstandard (RFC 8878), the codec Kafka calls zstd: decompression for untrusted input, and
// writing frames of raw blocks, which every reader accepts.
//
// Decoding covers what a Kafka client can send: one or more frames (skippable frames are
// skipped), raw, RLE and compressed blocks, literals raw, RLE or Huffman-coded (one or four
// streams, tables carried or repeated), sequences with predefined, RLE, FSE-coded or
// repeated tables, repeat offsets, and the optional content checksum (xxHash64). Frames
// that need a dictionary are refused. Every length, table and offset is checked before use,
// output never passes the caller's limit, and errors come back as values.

export enum ZstdError {
  None = 0, Truncated = 1, BadMagic = 2, BadHeader = 3, NeedsDictionary = 4, BadBlock = 5,
  BadLiterals = 6, BadHuffman = 7, BadFse = 8, BadSequences = 9, BadOffset = 10, BadChecksum = 11, TooLarge = 12,
}

export class ZstdResult {
  constructor(readonly data: Uint8Array | null, readonly error: ZstdError) {}
}

const MAGIC: u32 = 0xfd2fb528;
const BLOCK_MAX: i32 = 128 * 1024;

// Literal length and match length codes: baseline and extra bits (RFC 8878 3.1.1.3.2.1.1).
@lazy const LL_BASE: StaticArray<u32> = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64,
  128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
@lazy const LL_BITS: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
@lazy const ML_BASE: StaticArray<u32> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
  28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539];
@lazy const ML_BITS: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
// The predefined distributions (RFC 8878 3.1.1.3.2.2).
@lazy const LL_DEFAULT: StaticArray<i16> = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
@lazy const ML_DEFAULT: StaticArray<i16> = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
@lazy const OF_DEFAULT: StaticArray<i16> = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

// ---- xxHash64, for the content checksum ----

const X1: u64 = 0x9e3779b185ebca87, X2: u64 = 0xc2b2ae3d27d4eb4f, X3: u64 = 0x165667b19e3779f9, X4: u64 = 0x85ebca77c2b2ae63, X5: u64 = 0x27d4eb2f165667c5;
@inline function xround(acc: u64, v: u64): u64 { return rotl<u64>(acc + v * X2, 31) * X1; }
@inline function xmerge(h: u64, v: u64): u64 { return (h ^ xround(0, v)) * X1 + X4; }

/** xxHash64 of [p, p+n) with seed 0. */
export function xxh64(p: usize, n: i32): u64 {
  let i = 0;
  let h: u64;
  if (n >= 32) {
    let v1: u64 = X1 + X2, v2: u64 = X2, v3: u64 = 0, v4: u64 = 0 - X1;
    while (i <= n - 32) {
      v1 = xround(v1, load<u64>(p + <usize>i));
      v2 = xround(v2, load<u64>(p + <usize>i + 8));
      v3 = xround(v3, load<u64>(p + <usize>i + 16));
      v4 = xround(v4, load<u64>(p + <usize>i + 24));
      i += 32;
    }
    h = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    h = xmerge(h, v1); h = xmerge(h, v2); h = xmerge(h, v3); h = xmerge(h, v4);
  } else {
    h = X5;
  }
  h += <u64>n;
  while (i + 8 <= n) { h = rotl<u64>(h ^ xround(0, load<u64>(p + <usize>i)), 27) * X1 + X4; i += 8; }
  if (i + 4 <= n) { h = rotl<u64>(h ^ (<u64>load<u32>(p + <usize>i) * X1), 23) * X2 + X3; i += 4; }
  while (i < n) { h = rotl<u64>(h ^ (<u64>load<u8>(p + <usize>i) * X5), 11) * X1; i++; }
  h ^= h >> 33; h *= X2; h ^= h >> 29; h *= X3; h ^= h >> 32;
  return h;
}

// ---- Bit readers ----

/**
 * A backward bit stream (Huffman and FSE payloads): written forwards, read from the last
 * byte back, whose highest set bit marks where the bits begin. Reading past the start
 * gives zeros and counts as overflow, which callers check.
 */
class BackwardBits {
  private bits: u64 = 0;
  /** Bits held in `bits` (low bits are the next to read). */
  private held: i32 = 0;
  /** The next byte to load is at p + next - 1. */
  private next: i32 = 0;
  /** Bits read beyond the start. */
  overflow: i32 = 0;
  bad: bool = false;

  constructor(private readonly p: usize, n: i32) {
    const last = n > 0 ? <u32>load<u8>(p + <usize>(n - 1)) : 0;
    if (last == 0) {
      this.bad = true;
    } else {
      this.next = n - 1;
      this.bits = <u64>last;
      this.held = 31 - <i32>clz<u32>(last); // bits below the marker
    }
  }

  /** Bits left to read (negative once reads went past the start). */
  get left(): i32 { return this.held + this.next * 8 - this.overflow; }

  @inline private refill(): void {
    while (this.held <= 56 && this.next > 0) {
      this.next--;
      this.bits = (this.bits << 8) | <u64>load<u8>(this.p + <usize>this.next);
      this.held += 8;
    }
  }

  /** The next n bits (n ≤ 32), most significant first. */
  read(n: i32): u32 {
    if (n == 0) return 0;
    if (this.held < n) this.refill();
    if (this.held >= n) {
      this.held -= n;
      return <u32>((this.bits >> <u64>this.held) & ((<u64>1 << <u64>n) - 1));
    }
    // Past the start: what is left, then zeros.
    const have = this.held;
    const v = have > 0 ? <u32>(this.bits & ((<u64>1 << <u64>have) - 1)) << <u32>(n - have) : 0;
    this.overflow += n - have;
    this.held = 0;
    return v;
  }

  /** The next n bits without consuming them (n ≤ 32). */
  peek(n: i32): u32 {
    if (this.held < n) this.refill();
    if (this.held >= n) return <u32>((this.bits >> <u64>(this.held - n)) & ((<u64>1 << <u64>n) - 1));
    return this.held > 0 ? <u32>(this.bits & ((<u64>1 << <u64>this.held) - 1)) << <u32>(n - this.held) : 0;
  }

  skip(n: i32): void {
    if (this.held >= n) { this.held -= n; return; }
    this.overflow += n - this.held;
    this.held = 0;
  }
}

// ---- FSE ----

/** An FSE decoding table: per state, its symbol, bits to read, and the base of the next state. */
// Scratch for table building, one for the VM: a frame can hold a new table in every block of a few
// bytes, and what a callback allocates is not collected before it ends.
const NEXT = new StaticArray<u16>(256);
const NORM = new StaticArray<i16>(256);
const INFO = new StaticArray<i32>(2);
const WEIGHTS = new StaticArray<u8>(256);
const RANK_START = new StaticArray<i32>(13);
const RANK_COUNT = new StaticArray<i32>(13);

class FseTable {
  log: i32 = 0;
  symbol: StaticArray<u8> = new StaticArray<u8>(512);
  bits: StaticArray<u8> = new StaticArray<u8>(512);
  base: StaticArray<u16> = new StaticArray<u16>(512);

  /** Builds from normalized counts (−1: "less than one"). False when they do not fit the log. */
  build(norm: StaticArray<i16>, symbols: i32, log: i32): bool {
    const size = 1 << log;
    if (size > 512) return false;
    this.log = log;
    const next = NEXT;
    let high = size - 1;
    let total = 0;
    for (let s = 0; s < symbols; s++) {
      const c = <i32>norm[s];
      if (c == -1) { if (high < 0) return false; this.symbol[high--] = <u8>s; next[s] = 1; total += 1; }
      else { next[s] = <u16>(c < 0 ? 0 : c); total += c < 0 ? 0 : c; }
    }
    if (total != size) return false;
    const step = (size >> 1) + (size >> 3) + 3;
    const mask = size - 1;
    let pos = 0;
    for (let s = 0; s < symbols; s++) {
      const c = <i32>norm[s];
      for (let k = 0; k < c; k++) {
        this.symbol[pos] = <u8>s;
        do { pos = (pos + step) & mask; } while (pos > high);
      }
    }
    if (pos != 0) return false;
    for (let u = 0; u < size; u++) {
      const s = <i32>this.symbol[u];
      const x = <i32>next[s];
      next[s] = <u16>(x + 1);
      const nb = log - (31 - <i32>clz<u32>(<u32>x));
      this.bits[u] = <u8>nb;
      this.base[u] = <u16>((x << nb) - size);
    }
    return true;
  }

  /** A table where every state gives `symbol` and reads nothing (RLE mode). */
  rle(symbol: u8): void {
    this.log = 0;
    this.symbol[0] = symbol;
    this.bits[0] = 0;
    this.base[0] = 0;
  }
}

/**
 * Reads an FSE table description (normalized counts) at p[at..n), forward and
 * little-endian; returns the bytes it took, or −1. Fills norm[0..maxSymbol].
 */
function readFseCounts(p: usize, n: i32, at: i32, maxLog: i32, maxSymbol: i32, norm: StaticArray<i16>, out: StaticArray<i32>): i32 {
  // Bits are read LSB-first across bytes.
  const bitAt = at << 3;
  let pos = bitAt;
  const limit = n << 3;
  if (pos + 4 > limit) return -1;
  const log = <i32>readBitsLE(p, pos, 4) + 5;
  pos += 4;
  if (log > maxLog) return -1;
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let symbol = 0;
  let previousZero = false;
  while (remaining > 1 && symbol <= maxSymbol) {
    if (previousZero) {
      // 2-bit repeat counts of further zero probabilities; 3 means "and more".
      while (true) {
        if (pos + 2 > limit) return -1;
        const r = <i32>readBitsLE(p, pos, 2);
        pos += 2;
        for (let k = 0; k < r; k++) { if (symbol > maxSymbol) return -1; norm[symbol++] = 0; }
        if (r != 3) break;
      }
      if (symbol > maxSymbol) break;
    }
    const max = (2 * threshold - 1) - remaining;
    if (pos + nbBits > limit + 16) return -1; // reads may run a little past: zeros, checked below
    let value = <i32>readBitsLE(p, pos, nbBits - 1, limit);
    if (value < max) {
      pos += nbBits - 1;
    } else {
      value = <i32>readBitsLE(p, pos, nbBits, limit);
      if (value >= threshold) value -= max;
      pos += nbBits;
    }
    const count = value - 1;
    remaining -= count < 0 ? -count : count;
    norm[symbol++] = <i16>count;
    previousZero = count == 0;
    while (remaining < threshold) { nbBits--; threshold >>= 1; }
  }
  if (remaining != 1 || pos > limit) return -1;
  for (let s = symbol; s <= maxSymbol; s++) norm[s] = 0;
  out[0] = symbol;
  out[1] = log;
  return (pos - bitAt + 7) >> 3;
}

/** `n` bits at bit position `pos` of p, LSB-first; bits at or past `limit` read as zero. */
function readBitsLE(p: usize, pos: i32, n: i32, limit: i32 = 0x7fffffff): u32 {
  let v: u32 = 0;
  for (let k = 0; k < n; k++) {
    const b = pos + k;
    if (b >= limit) break;
    v |= ((<u32>load<u8>(p + <usize>(b >> 3)) >> <u32>(b & 7)) & 1) << <u32>k;
  }
  return v;
}

// ---- Huffman ----

class HuffmanTable {
  log: i32 = 0;
  symbol: StaticArray<u8> = new StaticArray<u8>(2048);
  bits: StaticArray<u8> = new StaticArray<u8>(2048);
  ready: bool = false;
}

/** Reads a Huffman tree description at p[at..end); the bytes it took, or −1. */
function readHuffman(p: usize, end: i32, at: i32, t: HuffmanTable, scratch: FseTable): i32 {
  if (at >= end) return -1;
  const header = <i32>load<u8>(p + <usize>at);
  const weights = WEIGHTS;
  let count = 0;
  let used = 0;
  if (header >= 128) {
    // Direct: 4-bit weights, two per byte.
    count = header - 127;
    used = 1 + ((count + 1) >> 1);
    if (at + used > end) return -1;
    for (let i = 0; i < count; i++) {
      const b = <i32>load<u8>(p + <usize>(at + 1 + (i >> 1)));
      weights[i] = <u8>((i & 1) == 0 ? b >> 4 : b & 15);
    }
  } else {
    // FSE-compressed weights: a table (log ≤ 6), then two interleaved states.
    used = 1 + header;
    if (header == 0 || at + used > end) return -1;
    const norm = NORM;
    const info = INFO;
    const took = readFseCounts(p, at + used, at + 1, 6, 255, norm, info);
    if (took < 0) return -1;
    if (!scratch.build(norm, info[0], info[1])) return -1;
    const bits = new BackwardBits(p + <usize>(at + 1 + took), header - took);
    if (bits.bad) return -1;
    let s1 = <i32>bits.read(scratch.log);
    let s2 = <i32>bits.read(scratch.log);
    while (true) {
      if (count > 254) return -1;
      weights[count++] = scratch.symbol[s1];
      s1 = <i32>scratch.base[s1] + <i32>bits.read(<i32>scratch.bits[s1]);
      if (bits.left < 0) { weights[count++] = scratch.symbol[s2]; break; }
      if (count > 254) return -1;
      weights[count++] = scratch.symbol[s2];
      s2 = <i32>scratch.base[s2] + <i32>bits.read(<i32>scratch.bits[s2]);
      if (bits.left < 0) { weights[count++] = scratch.symbol[s1]; break; }
    }
  }
  // The last symbol's weight is implied: it completes the total to a power of two.
  let total = 0;
  for (let i = 0; i < count; i++) {
    const w = <i32>weights[i];
    if (w > 11) return -1;
    if (w > 0) total += 1 << (w - 1);
  }
  if (total == 0) return -1;
  const log = 32 - <i32>clz<u32>(<u32>total); // highest bit + 1
  if (log > 11) return -1;
  const rest = (1 << log) - total;
  if (rest == 0 || (rest & (rest - 1)) != 0) return -1;
  weights[count++] = <u8>(32 - <i32>clz<u32>(<u32>rest));
  // Fill the table: symbols by weight (lightest first), then by value.
  const rankStart = RANK_START;
  const rankCount = RANK_COUNT;
  for (let i = 0; i < 13; i++) { rankStart[i] = 0; rankCount[i] = 0; }
  for (let i = 0; i < count; i++) rankCount[weights[i]]++;
  let next = 0;
  for (let w = 1; w <= log; w++) { rankStart[w] = next; next += rankCount[w] << (w - 1); }
  if (next != 1 << log) return -1;
  for (let s = 0; s < count; s++) {
    const w = <i32>weights[s];
    if (w == 0) continue;
    const len = 1 << (w - 1);
    const from = rankStart[w];
    for (let k = 0; k < len; k++) { t.symbol[from + k] = <u8>s; t.bits[from + k] = <u8>(log + 1 - w); }
    rankStart[w] = from + len;
  }
  t.log = log;
  t.ready = true;
  return used;
}

/** Decodes one Huffman stream [p, p+n) into exactly `count` bytes at out. */
function huffmanStream(t: HuffmanTable, p: usize, n: i32, out: usize, count: i32): bool {
  const bits = new BackwardBits(p, n);
  if (bits.bad) return false;
  for (let i = 0; i < count; i++) {
    const idx = <i32>bits.peek(t.log);
    store<u8>(out + <usize>i, unchecked(t.symbol[idx]));
    bits.skip(<i32>unchecked(t.bits[idx]));
  }
  return bits.left == 0;
}

// ---- Frame decoding ----

class Decoder {
  out: Uint8Array;
  o: i32 = 0;
  frameStart: i32 = 0;
  error: ZstdError = ZstdError.None;
  readonly huffman: HuffmanTable = new HuffmanTable();
  readonly ll: FseTable = new FseTable();
  readonly of: FseTable = new FseTable();
  readonly ml: FseTable = new FseTable();
  readonly scratch: FseTable = new FseTable();
  llReady: bool = false;
  ofReady: bool = false;
  mlReady: bool = false;
  readonly rep: StaticArray<i32> = new StaticArray<i32>(3);
  /** sequences()'s read position, passed to table() (a field: no allocation per block). */
  private readonly pos: StaticArray<i32> = new StaticArray<i32>(1);
  literals: Uint8Array = new Uint8Array(BLOCK_MAX);

  constructor(initial: i32, readonly maxOut: i32) {
    this.out = new Uint8Array(initial);
  }

  fail(e: ZstdError): bool { if (this.error == ZstdError.None) this.error = e; return false; }

  /** Room for `n` more bytes of output, within the limit. */
  reserve(n: i32): bool {
    if (n > this.maxOut - this.o) return this.fail(ZstdError.TooLarge);
    const need = this.o + n;
    if (need <= this.out.byteLength) return true;
    let cap = this.out.byteLength * 2;
    if (cap < need) cap = need;
    if (cap > this.maxOut) cap = this.maxOut;
    const grown = new Uint8Array(cap);
    memory.copy(grown.dataStart, this.out.dataStart, <usize>this.o);
    this.out = grown;
    return true;
  }

  /** One frame starting at p[at]; the position after it, or −1. */
  frame(p: usize, n: i32, at: i32): i32 {
    if (n - at < 6) { this.fail(ZstdError.Truncated); return -1; }
    const fhd = <i32>load<u8>(p + <usize>(at + 4));
    const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dictFlag = fhd & 3;
    if ((fhd & 8) != 0) { this.fail(ZstdError.BadHeader); return -1; }
    let q = at + 5;
    if (single == 0) q++; // window descriptor: our output is bounded by maxOut anyway
    const dictBytes = dictFlag == 0 ? 0 : dictFlag == 1 ? 1 : dictFlag == 2 ? 2 : 4;
    let dict: u32 = 0;
    for (let k = 0; k < dictBytes; k++) { if (q + k >= n) { this.fail(ZstdError.Truncated); return -1; } dict |= <u32>load<u8>(p + <usize>(q + k)) << <u32>(8 * k); }
    if (dict != 0) { this.fail(ZstdError.NeedsDictionary); return -1; }
    q += dictBytes;
    const fcsBytes = fcsFlag == 0 ? single : fcsFlag == 1 ? 2 : fcsFlag == 2 ? 4 : 8;
    if (q + fcsBytes > n) { this.fail(ZstdError.Truncated); return -1; }
    let fcs: u64 = 0;
    for (let k = 0; k < fcsBytes; k++) fcs |= <u64>load<u8>(p + <usize>(q + k)) << <u64>(8 * k);
    if (fcsBytes == 2) fcs += 256;
    q += fcsBytes;
    if (fcsBytes > 0 && fcs > <u64>(this.maxOut - this.o)) { this.fail(ZstdError.TooLarge); return -1; }
    if (fcsBytes > 0 && !this.reserve(<i32>fcs)) return -1;
    this.frameStart = this.o;
    this.rep[0] = 1; this.rep[1] = 4; this.rep[2] = 8;
    this.huffman.ready = false;
    this.llReady = false; this.ofReady = false; this.mlReady = false;
    while (true) {
      if (n - q < 3) { this.fail(ZstdError.Truncated); return -1; }
      const h = <u32>load<u8>(p + <usize>q) | (<u32>load<u8>(p + <usize>(q + 1)) << 8) | (<u32>load<u8>(p + <usize>(q + 2)) << 16);
      q += 3;
      const last = (h & 1) != 0, type = (h >> 1) & 3, size = <i32>(h >> 3);
      if (type == 3 || (type != 1 && size > BLOCK_MAX)) { this.fail(ZstdError.BadBlock); return -1; }
      if (type == 0) {
        if (n - q < size) { this.fail(ZstdError.Truncated); return -1; }
        if (!this.reserve(size)) return -1;
        memory.copy(this.out.dataStart + <usize>this.o, p + <usize>q, <usize>size);
        this.o += size;
        q += size;
      } else if (type == 1) {
        if (n - q < 1) { this.fail(ZstdError.Truncated); return -1; }
        if (size > BLOCK_MAX || !this.reserve(size)) { if (size > BLOCK_MAX) this.fail(ZstdError.BadBlock); return -1; }
        memory.fill(this.out.dataStart + <usize>this.o, load<u8>(p + <usize>q), <usize>size);
        this.o += size;
        q += 1;
      } else {
        if (n - q < size) { this.fail(ZstdError.Truncated); return -1; }
        if (!this.block(p, q, q + size)) return -1;
        q += size;
      }
      if (last) break;
    }
    if (fcsBytes > 0 && <u64>(this.o - this.frameStart) != fcs) { this.fail(ZstdError.BadBlock); return -1; }
    if (checksum) {
      if (n - q < 4) { this.fail(ZstdError.Truncated); return -1; }
      const want = load<u32>(p + <usize>q);
      if (<u32>xxh64(this.out.dataStart + <usize>this.frameStart, this.o - this.frameStart) != want) { this.fail(ZstdError.BadChecksum); return -1; }
      q += 4;
    }
    return q;
  }

  /** A compressed block p[at..end). */
  block(p: usize, at: i32, end: i32): bool {
    // Literals section.
    const b0 = <i32>load<u8>(p + <usize>at);
    const ltype = b0 & 3, sf = (b0 >> 2) & 3;
    let regen = 0, comp = 0, hsize = 0, streams = 1;
    if (ltype < 2) {
      if (sf == 0 || sf == 2) { hsize = 1; regen = b0 >> 3; }
      else if (sf == 1) { hsize = 2; if (at + 2 > end) return this.fail(ZstdError.Truncated); regen = (b0 >> 4) + (<i32>load<u8>(p + <usize>(at + 1)) << 4); }
      else { hsize = 3; if (at + 3 > end) return this.fail(ZstdError.Truncated); regen = (b0 >> 4) + (<i32>load<u8>(p + <usize>(at + 1)) << 4) + (<i32>load<u8>(p + <usize>(at + 2)) << 12); }
    } else {
      hsize = sf < 2 ? 3 : sf == 2 ? 4 : 5;
      streams = sf == 0 ? 1 : 4;
      if (at + hsize > end) return this.fail(ZstdError.Truncated);
      let h: u64 = 0;
      for (let k = 0; k < hsize; k++) h |= <u64>load<u8>(p + <usize>(at + k)) << <u64>(8 * k);
      const width = hsize == 3 ? 10 : hsize == 4 ? 14 : 18;
      const mask = (<u64>1 << <u64>width) - 1;
      regen = <i32>((h >> 4) & mask);
      comp = <i32>((h >> <u64>(4 + width)) & mask);
    }
    if (regen > BLOCK_MAX) return this.fail(ZstdError.BadLiterals);
    let q = at + hsize;
    const lit = this.literals.dataStart;
    if (ltype == 0) {
      if (end - q < regen) return this.fail(ZstdError.Truncated);
      memory.copy(lit, p + <usize>q, <usize>regen);
      q += regen;
    } else if (ltype == 1) {
      if (end - q < 1) return this.fail(ZstdError.Truncated);
      memory.fill(lit, load<u8>(p + <usize>q), <usize>regen);
      q += 1;
    } else {
      if (end - q < comp) return this.fail(ZstdError.Truncated);
      const stop = q + comp;
      let r = q;
      if (ltype == 2) {
        const took = readHuffman(p, stop, r, this.huffman, this.scratch);
        if (took < 0) return this.fail(ZstdError.BadHuffman);
        r += took;
      } else if (!this.huffman.ready) {
        return this.fail(ZstdError.BadHuffman);
      }
      if (streams == 1) {
        if (!huffmanStream(this.huffman, p + <usize>r, stop - r, lit, regen)) return this.fail(ZstdError.BadLiterals);
      } else {
        if (stop - r < 6) return this.fail(ZstdError.Truncated);
        const s1 = <i32>load<u16>(p + <usize>r), s2 = <i32>load<u16>(p + <usize>(r + 2)), s3 = <i32>load<u16>(p + <usize>(r + 4));
        r += 6;
        const s4 = stop - r - s1 - s2 - s3;
        if (s4 < 1) return this.fail(ZstdError.BadLiterals);
        const each = (regen + 3) >> 2;
        const last = regen - 3 * each;
        if (last < 0) return this.fail(ZstdError.BadLiterals);
        if (!huffmanStream(this.huffman, p + <usize>r, s1, lit, each)) return this.fail(ZstdError.BadLiterals);
        if (!huffmanStream(this.huffman, p + <usize>(r + s1), s2, lit + <usize>each, each)) return this.fail(ZstdError.BadLiterals);
        if (!huffmanStream(this.huffman, p + <usize>(r + s1 + s2), s3, lit + <usize>(2 * each), each)) return this.fail(ZstdError.BadLiterals);
        if (!huffmanStream(this.huffman, p + <usize>(r + s1 + s2 + s3), s4, lit + <usize>(3 * each), last)) return this.fail(ZstdError.BadLiterals);
      }
      q = stop;
    }
    return this.sequences(p, q, end, regen);
  }

  /** Reads one sequence table per its mode; false on error. */
  private table(mode: i32, p: usize, q: StaticArray<i32>, end: i32, t: FseTable, which: i32): bool {
    if (mode == 0) {
      if (which == 0) return t.build(LL_DEFAULT, 36, 6);
      if (which == 1) return t.build(OF_DEFAULT, 29, 5);
      return t.build(ML_DEFAULT, 53, 6);
    }
    if (mode == 1) {
      if (q[0] >= end) return false;
      const s = load<u8>(p + <usize>q[0]);
      q[0]++;
      if (<i32>s > (which == 0 ? 35 : which == 1 ? 31 : 52)) return false;
      t.rle(s);
      return true;
    }
    if (mode == 2) {
      const norm = NORM;
      const info = INFO;
      const maxLog = which == 1 ? 8 : 9;
      const maxSymbol = which == 0 ? 35 : which == 1 ? 31 : 52;
      const took = readFseCounts(p, end, q[0], maxLog, maxSymbol, norm, info);
      if (took < 0) return false;
      q[0] += took;
      return t.build(norm, maxSymbol + 1, info[1]);
    }
    // Repeat: the previous block's table.
    return which == 0 ? this.llReady : which == 1 ? this.ofReady : this.mlReady;
  }

  sequences(p: usize, at: i32, end: i32, litCount: i32): bool {
    if (at >= end) return this.fail(ZstdError.Truncated);
    const b0 = <i32>load<u8>(p + <usize>at);
    let count = 0;
    let q = at + 1;
    if (b0 < 128) count = b0;
    else if (b0 < 255) { if (q >= end) return this.fail(ZstdError.Truncated); count = ((b0 - 128) << 8) + <i32>load<u8>(p + <usize>q); q++; }
    else { if (q + 2 > end) return this.fail(ZstdError.Truncated); count = <i32>load<u8>(p + <usize>q) + (<i32>load<u8>(p + <usize>(q + 1)) << 8) + 0x7f00; q += 2; }
    const lit = this.literals.dataStart;
    if (count == 0) {
      if (q != end) return this.fail(ZstdError.BadSequences);
      if (!this.reserve(litCount)) return false;
      memory.copy(this.out.dataStart + <usize>this.o, lit, <usize>litCount);
      this.o += litCount;
      return true;
    }
    if (q >= end) return this.fail(ZstdError.Truncated);
    const modes = <i32>load<u8>(p + <usize>q);
    q++;
    if ((modes & 3) != 0) return this.fail(ZstdError.BadSequences);
    const pos = this.pos;
    pos[0] = q;
    if (!this.table(modes >> 6, p, pos, end, this.ll, 0)) return this.fail(ZstdError.BadFse);
    this.llReady = true;
    if (!this.table((modes >> 4) & 3, p, pos, end, this.of, 1)) return this.fail(ZstdError.BadFse);
    this.ofReady = true;
    if (!this.table((modes >> 2) & 3, p, pos, end, this.ml, 2)) return this.fail(ZstdError.BadFse);
    this.mlReady = true;
    q = pos[0];
    const bits = new BackwardBits(p + <usize>q, end - q);
    if (bits.bad) return this.fail(ZstdError.BadSequences);
    const ll = this.ll, ot = this.of, ml = this.ml;
    let sll = <i32>bits.read(ll.log), sof = <i32>bits.read(ot.log), sml = <i32>bits.read(ml.log);
    let litPos = 0;
    const rep = this.rep;
    for (let i = 0; i < count; i++) {
      const llCode = <i32>ll.symbol[sll], ofCode = <i32>ot.symbol[sof], mlCode = <i32>ml.symbol[sml];
      if (ofCode > 31) return this.fail(ZstdError.BadSequences);
      // Extra bits: offset, then match length, then literal length.
      let offsetValue: u32 = (<u32>1 << <u32>ofCode) + bits.read(ofCode);
      const matchLen = <i32>(ML_BASE[mlCode] + bits.read(<i32>ML_BITS[mlCode]));
      const litLen = <i32>(LL_BASE[llCode] + bits.read(<i32>LL_BITS[llCode]));
      let offset: i32;
      if (offsetValue > 3) {
        offset = <i32>(offsetValue - 3);
        rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset;
      } else {
        let idx = <i32>offsetValue + (litLen == 0 ? 1 : 0);
        if (idx == 1) offset = rep[0];
        else if (idx == 2) { offset = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
        else if (idx == 3) { offset = rep[2]; rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
        else { offset = rep[0] - 1; if (offset == 0) return this.fail(ZstdError.BadOffset); rep[2] = rep[1]; rep[1] = rep[0]; rep[0] = offset; }
      }
      // Literals, then the match.
      if (litLen > litCount - litPos) return this.fail(ZstdError.BadSequences);
      if (!this.reserve(litLen + matchLen)) return false;
      const d = this.out.dataStart;
      memory.copy(d + <usize>this.o, lit + <usize>litPos, <usize>litLen);
      this.o += litLen;
      litPos += litLen;
      if (offset <= 0 || offset > this.o - this.frameStart) return this.fail(ZstdError.BadOffset);
      let src = this.o - offset;
      if (offset >= matchLen) {
        memory.copy(d + <usize>this.o, d + <usize>src, <usize>matchLen);
        this.o += matchLen;
      } else {
        for (let k = 0; k < matchLen; k++) store<u8>(d + <usize>(this.o + k), load<u8>(d + <usize>(src + k)));
        this.o += matchLen;
      }
      if (i + 1 < count) {
        // States: literal length, then match length, then offset.
        sll = <i32>ll.base[sll] + <i32>bits.read(<i32>ll.bits[sll]);
        sml = <i32>ml.base[sml] + <i32>bits.read(<i32>ml.bits[sml]);
        sof = <i32>ot.base[sof] + <i32>bits.read(<i32>ot.bits[sof]);
      }
      if (bits.overflow > 0) return this.fail(ZstdError.BadSequences);
    }
    if (bits.left != 0) return this.fail(ZstdError.BadSequences);
    const rest = litCount - litPos;
    if (!this.reserve(rest)) return false;
    memory.copy(this.out.dataStart + <usize>this.o, lit + <usize>litPos, <usize>rest);
    this.o += rest;
    return true;
  }
}

/** Decompresses one or more zstd frames into at most maxOut bytes. */
export function unzstd(view: Uint8Array, maxOut: i32): ZstdResult {
  const p = view.dataStart;
  const n = view.byteLength;
  if (n == 0) return new ZstdResult(null, ZstdError.Truncated);
  const d = new Decoder(n * 4 < maxOut ? (n * 4 < 1024 ? 1024 : n * 4) : maxOut, maxOut);
  let i = 0;
  while (i < n) {
    if (n - i < 4) return new ZstdResult(null, ZstdError.Truncated);
    const magic = load<u32>(p + <usize>i);
    if ((magic & 0xfffffff0) == 0x184d2a50) {
      // A skippable frame: magic, 4-byte size, payload.
      if (n - i < 8) return new ZstdResult(null, ZstdError.Truncated);
      const size = load<u32>(p + <usize>(i + 4));
      if (<u64>size > <u64>(n - i - 8)) return new ZstdResult(null, ZstdError.Truncated);
      i += 8 + <i32>size;
      continue;
    }
    if (magic != MAGIC) return new ZstdResult(null, ZstdError.BadMagic);
    const next = d.frame(p, n, i);
    if (next < 0) return new ZstdResult(null, d.error);
    i = next;
  }
  return new ZstdResult(d.out.subarray(0, d.o), ZstdError.None);
}

/** A zstd frame of raw (stored) blocks with its content size: valid for every reader. */
export function zstdStored(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const blocks = n == 0 ? 1 : (n + BLOCK_MAX - 1) / BLOCK_MAX;
  const out = new Uint8Array(4 + 1 + 8 + blocks * 3 + n);
  const o = out.dataStart;
  store<u32>(o, MAGIC);
  store<u8>(o + 4, 0xe0); // 8-byte content size, single segment, no checksum, no dictionary
  store<u64>(o + 5, <u64>n);
  let w: usize = 13;
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    const size = n - at < BLOCK_MAX ? n - at : BLOCK_MAX;
    const last: u32 = b == blocks - 1 ? 1 : 0;
    const h = last | (<u32>size << 3); // type 0: raw
    store<u8>(o + w, <u8>h); store<u8>(o + w + 1, <u8>(h >> 8)); store<u8>(o + w + 2, <u8>(h >> 16));
    memory.copy(o + w + 3, data.dataStart + <usize>at, <usize>size);
    w += 3 + <usize>size;
    at += size;
  }
  return out;
}
