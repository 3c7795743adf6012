// An independent model of Kafka record data, written from the format descriptions (KIP-98's
// RecordBatch v2, the legacy message formats, and the Snappy, LZ4 frame and Zstandard formats),
// so tests can build any batch the record layer may meet and read back what it wrote without
// trusting the AssemblyScript decoders. Encoders may be simple (Snappy literals only, LZ4
// uncompressed blocks, Zstandard raw blocks); decoders read everything those formats allow
// that the layer writes or Kafka clients send (Snappy copies, LZ4 sequences, Zstandard RLE).
import zlib from "node:zlib";
import { crc32c } from "./batches.js";

// ---------------------------------------------------------------- varints (zigzag, as Kafka's)

export function writeVarlong(out: number[], value: bigint): void {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z !== 0n) b |= 0x80;
    out.push(b);
  } while (z !== 0n);
}

export function writeVarint(out: number[], value: number): void { writeVarlong(out, BigInt(value)); }

class Cursor {
  constructor(readonly b: Buffer, public pos = 0) {}
  need(n: number, what: string): void { if (n < 0 || this.pos + n > this.b.length) throw new ModelError(`${what}: needs ${n} bytes at ${this.pos}, ${this.b.length - this.pos} left`); }
  u8(what: string): number { this.need(1, what); return this.b[this.pos++]; }
  varlong(what: string): bigint {
    let z = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      const x = this.u8(what);
      z |= BigInt(x & 0x7f) << shift;
      shift += 7n;
      if (!(x & 0x80)) return BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
    }
    throw new ModelError(`${what}: varint longer than 10 bytes`);
  }
  varint(what: string): number {
    const v = this.varlong(what);
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new ModelError(`${what}: varint out of int32 range`);
    return Number(v);
  }
  bytes(n: number, what: string): Buffer { this.need(n, what); const s = this.b.subarray(this.pos, this.pos + n); this.pos += n; return s; }
}

export class ModelError extends Error {}

/** How often the decoders met each element, so tests can show which paths real data took. */
export const decoderStats = { snappyCopies: 0, lz4Matches: 0, lz4CompressedBlocks: 0, zstdRleBlocks: 0 };

/**
 * -1 is null; other negative lengths Kafka's Java readers also take as null, but a proxy may refuse
 * them: the message says "odd negative length" so tests can tell this case apart.
 */
function nullableLength(n: number, what: string): number {
  if (n < -1) throw new ModelError(`${what}: odd negative length ${n}`);
  return n;
}

// ---------------------------------------------------------------- records (RecordBatch v2)

export interface Header { key: Buffer; value: Buffer | null }
export interface Rec {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

export const CODEC_NONE = 0, CODEC_GZIP = 1, CODEC_SNAPPY = 2, CODEC_LZ4 = 3, CODEC_ZSTD = 4;
export const CODEC_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"];
export const ATTR_LOG_APPEND_TIME = 0x08, ATTR_TRANSACTIONAL = 0x10, ATTR_CONTROL = 0x20;

export interface Batch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  /** codec in bits 0-2, timestamp type 0x08, transactional 0x10, control 0x20. */
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: Rec[];
}

/** How a compressed section is framed (only where a codec allows a choice). */
export interface Framing {
  snappy?: "raw" | "xerial";
  lz4?: { blockChecksum?: boolean; contentChecksum?: boolean; contentSize?: boolean; blockSize?: number };
}

function lengthPrefixed(out: number[], b: Buffer | null): void {
  if (b === null) { writeVarint(out, -1); return; }
  writeVarint(out, b.length);
  for (const x of b) out.push(x);
}

export function encodeRecord(r: Rec): Buffer {
  const body: number[] = [r.attributes & 0xff];
  writeVarlong(body, r.timestampDelta);
  writeVarint(body, r.offsetDelta);
  lengthPrefixed(body, r.key);
  lengthPrefixed(body, r.value);
  writeVarint(body, r.headers.length);
  for (const h of r.headers) { lengthPrefixed(body, h.key); lengthPrefixed(body, h.value); }
  const out: number[] = [];
  writeVarint(out, body.length);
  return Buffer.concat([Buffer.from(out), Buffer.from(body)]);
}

export function encodeRecords(records: Rec[]): Buffer { return Buffer.concat(records.map(encodeRecord)); }

/** The records of a section in the clear, `count` of them; throws on anything malformed or left over. */
export function decodeRecords(section: Buffer, count: number): Rec[] {
  const c = new Cursor(section);
  const out: Rec[] = [];
  for (let i = 0; i < count; i++) {
    const len = c.varint("record length");
    if (len < 0) throw new ModelError("negative record length");
    const end = c.pos + len;
    c.need(len, "record");
    const attributes = c.u8("record attributes");
    const timestampDelta = c.varlong("timestamp delta");
    const offsetDelta = c.varint("offset delta");
    const kl = nullableLength(c.varint("key length"), "key");
    const key = kl < 0 ? null : Buffer.from(c.bytes(kl, "key"));
    const vl = nullableLength(c.varint("value length"), "value");
    const value = vl < 0 ? null : Buffer.from(c.bytes(vl, "value"));
    const hn = c.varint("header count");
    if (hn < 0) throw new ModelError("negative header count");
    const headers: Header[] = [];
    for (let h = 0; h < hn; h++) {
      const hkl = c.varint("header key length");
      if (hkl < 0) throw new ModelError("null header key");
      const hk = Buffer.from(c.bytes(hkl, "header key"));
      const hvl = nullableLength(c.varint("header value length"), "header value");
      headers.push({ key: hk, value: hvl < 0 ? null : Buffer.from(c.bytes(hvl, "header value")) });
    }
    if (c.pos !== end) throw new ModelError(`record ${i}: length ${len} but fields take ${c.pos - (end - len)}`);
    out.push({ attributes, timestampDelta, offsetDelta, key, value, headers });
  }
  if (c.pos !== section.length) throw new ModelError(`${section.length - c.pos} bytes after ${count} records`);
  return out;
}

export const BATCH_HEADER = 61;

/** A RecordBatch v2 on the wire: the records compressed with the attributes' codec, CRC-32C computed. */
export function encodeBatch(b: Batch, framing: Framing = {}): Buffer {
  const clear = encodeRecords(b.records);
  const section = compress(b.attributes & 7, clear, framing);
  return batchAround(b, section, b.records.length);
}

/** The batch header of `b` around a records section already encoded, `count` records. */
export function batchAround(b: Batch, section: Buffer, count: number): Buffer {
  const h = Buffer.alloc(BATCH_HEADER);
  h.writeBigInt64BE(b.baseOffset, 0);
  h.writeInt32BE(BATCH_HEADER - 12 + section.length, 8);
  h.writeInt32BE(b.partitionLeaderEpoch, 12);
  h.writeInt8(2, 16);
  h.writeInt16BE(b.attributes, 21);
  h.writeInt32BE(b.lastOffsetDelta, 23);
  h.writeBigInt64BE(b.baseTimestamp, 27);
  h.writeBigInt64BE(b.maxTimestamp, 35);
  h.writeBigInt64BE(b.producerId, 43);
  h.writeInt16BE(b.producerEpoch, 51);
  h.writeInt32BE(b.baseSequence, 53);
  h.writeInt32BE(count, 57);
  const out = Buffer.concat([h, section]);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

export interface DecodedBatch extends Batch {
  crc: number;
  crcValid: boolean;
  codec: number;
  recordCount: number;
  /** Bytes the batch takes on the wire. */
  size: number;
  /** The compressed section as it was. */
  section: Buffer;
  snappyFraming?: "raw" | "xerial";
}

/**
 * The RecordBatch v2 at the start of `buf` (which must hold all of it). With `controlRecords`
 * false, a control batch's records are not read (a proxy forwards control batches unseen).
 */
export function decodeBatch(buf: Buffer, controlRecords = true): DecodedBatch {
  if (buf.length < BATCH_HEADER) throw new ModelError("batch shorter than its header");
  const length = buf.readInt32BE(8);
  if (buf[16] !== 2) throw new ModelError(`magic ${buf[16]}, not 2`);
  if (length < BATCH_HEADER - 12 || 12 + length > buf.length) throw new ModelError(`batch length ${length} does not fit`);
  const b = buf.subarray(0, 12 + length);
  const attributes = b.readInt16BE(21);
  const codec = attributes & 7;
  const recordCount = b.readInt32BE(57);
  const section = b.subarray(BATCH_HEADER);
  const skip = !controlRecords && (attributes & ATTR_CONTROL) !== 0;
  const clear = skip ? Buffer.alloc(0) : decompress(codec, section);
  return {
    baseOffset: b.readBigInt64BE(0), partitionLeaderEpoch: b.readInt32BE(12), attributes,
    lastOffsetDelta: b.readInt32BE(23), baseTimestamp: b.readBigInt64BE(27), maxTimestamp: b.readBigInt64BE(35),
    producerId: b.readBigInt64BE(43), producerEpoch: b.readInt16BE(51), baseSequence: b.readInt32BE(53),
    records: skip ? [] : decodeRecords(clear, recordCount),
    crc: b.readUInt32BE(17), crcValid: b.readUInt32BE(17) === crc32c(b.subarray(21)),
    codec, recordCount, size: b.length, section: Buffer.from(section),
    snappyFraming: codec === CODEC_SNAPPY ? (isXerial(section) ? "xerial" : "raw") : undefined,
  };
}

// ---------------------------------------------------------------- legacy message sets (magic 0, 1)

export interface LegacyMessage {
  offset: bigint;
  magic: 0 | 1;
  /** codec in bits 0-2 (1 gzip, 2 snappy, 3 lz4), timestamp type 0x08 (magic 1). */
  attributes: number;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface DecodedLegacy extends LegacyMessage { crcValid: boolean; size: number; inner?: DecodedLegacy[] }

function int32(n: number): Buffer { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }

/** One legacy message on the wire, CRC-32 over magic to the end. */
export function encodeLegacy(m: LegacyMessage): Buffer {
  const ts = Buffer.alloc(m.magic === 1 ? 8 : 0);
  if (m.magic === 1) ts.writeBigInt64BE(m.timestamp);
  const body = Buffer.concat([Buffer.from([m.magic, m.attributes & 0xff]), ts,
    int32(m.key === null ? -1 : m.key.length), m.key ?? Buffer.alloc(0),
    int32(m.value === null ? -1 : m.value.length), m.value ?? Buffer.alloc(0)]);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(m.offset, 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(zlib.crc32(body), 12);
  return Buffer.concat([head, body]);
}

/**
 * A compressed wrapper around `inner` (plain messages of the same magic). Magic 1 inner offsets
 * are relative (0, 1, …) and the wrapper carries the absolute offset of the last; magic 0 inner
 * offsets are absolute, and so is the wrapper's (the last one's).
 */
export function encodeLegacyWrapper(magic: 0 | 1, codec: number, firstOffset: bigint, inner: Omit<LegacyMessage, "offset" | "magic">[], framing: Framing = {}, wrapperTimestamp = -1n): Buffer {
  const set = Buffer.concat(inner.map((m, i) => encodeLegacy({ ...m, magic, offset: magic === 1 ? BigInt(i) : firstOffset + BigInt(i) })));
  return encodeLegacy({ offset: firstOffset + BigInt(inner.length - 1), magic, attributes: codec, timestamp: wrapperTimestamp, key: null, value: compress(codec & 7, set, framing) });
}

/** Legacy messages from `buf` (whole ones); compressed wrappers are opened into `inner`. */
export function decodeLegacySet(buf: Buffer): DecodedLegacy[] {
  const out: DecodedLegacy[] = [];
  let at = 0;
  while (at < buf.length) {
    const m = decodeLegacy(buf.subarray(at));
    out.push(m);
    at += m.size;
  }
  return out;
}

export function decodeLegacy(buf: Buffer): DecodedLegacy {
  const c = new Cursor(buf);
  const offset = c.bytes(8, "legacy offset").readBigInt64BE(0);
  const size = c.bytes(4, "legacy size").readInt32BE(0);
  if (size < 14) throw new ModelError(`legacy message size ${size} too small`);
  c.need(size, "legacy message");
  const end = 12 + size;
  const crc = c.bytes(4, "crc").readUInt32BE(0);
  const magic = c.u8("magic");
  if (magic !== 0 && magic !== 1) throw new ModelError(`legacy magic ${magic}`);
  const attributes = c.u8("attributes");
  const timestamp = magic === 1 ? c.bytes(8, "timestamp").readBigInt64BE(0) : -1n;
  const kl = nullableLength(c.bytes(4, "key length").readInt32BE(0), "legacy key");
  const key = kl < 0 ? null : Buffer.from(c.bytes(kl, "key"));
  const vl = nullableLength(c.bytes(4, "value length").readInt32BE(0), "legacy value");
  const value = vl < 0 ? null : Buffer.from(c.bytes(vl, "value"));
  if (c.pos !== end) throw new ModelError(`legacy message: size ${size} but fields take ${c.pos - 12}`);
  const m: DecodedLegacy = { offset, magic, attributes, timestamp, key, value, crcValid: crc === zlib.crc32(buf.subarray(16, end)), size: end };
  const codec = attributes & 7;
  if (codec !== 0) {
    if (value === null) throw new ModelError("a compressed legacy wrapper without a value");
    if (codec > 3) throw new ModelError(`legacy codec ${codec} (magic 0 and 1 know gzip, snappy and lz4)`);
    m.inner = decodeLegacySet(decompress(codec, value));
    if (m.inner.length === 0) throw new ModelError("a compressed legacy wrapper with no inner messages");
    if (m.inner.some((i) => (i.attributes & 7) !== 0)) throw new ModelError("a compressed legacy message inside a compressed one");
  }
  return m;
}

/**
 * The absolute offsets a consumer gives the records of a legacy entry (as Kafka's consumer
 * computes them): a plain message its own; magic 1 inner messages wrapper − last inner + inner.
 */
export function legacyRecordOffsets(m: DecodedLegacy): bigint[] {
  if (!m.inner) return [m.offset];
  if (m.magic === 0) return m.inner.map((i) => i.offset);
  const last = m.inner[m.inner.length - 1].offset;
  return m.inner.map((i) => m.offset - last + i.offset);
}

// ---------------------------------------------------------------- a partition's records field

export type Entry =
  | { kind: "batch"; batch: DecodedBatch; bytes: Buffer }
  | { kind: "legacy"; message: DecodedLegacy; bytes: Buffer }
  | { kind: "tail"; bytes: Buffer };

/**
 * The entries of a records field: v2 batches and legacy messages in order, and what is left at the
 * end when it is cut short (a fetch's partial trailing batch). Throws on anything that is not cut
 * short but does not parse.
 */
export function decodeEntries(field: Buffer, controlRecords = true): Entry[] {
  const out: Entry[] = [];
  let at = 0;
  while (at < field.length) {
    const left = field.length - at;
    if (left < 12) { out.push({ kind: "tail", bytes: field.subarray(at) }); break; }
    if (left < 17 && field.readInt32BE(at + 8) >= 14) { out.push({ kind: "tail", bytes: field.subarray(at) }); break; }
    const size = field.readInt32BE(at + 8);
    const magic = field[at + 16];
    // Cut short only when the announced size is one an entry can have (a legacy message takes 14
    // bytes or more, a v2 batch 49) and runs past the end; any other size is malformed.
    const min = magic === 2 ? BATCH_HEADER - 12 : 14;
    if (size >= min && 12 + size > left) { out.push({ kind: "tail", bytes: field.subarray(at) }); break; }
    const bytes = field.subarray(at, at + 12 + size);
    if (magic === 2) out.push({ kind: "batch", batch: decodeBatch(bytes, controlRecords), bytes });
    else out.push({ kind: "legacy", message: decodeLegacy(bytes), bytes });
    at += 12 + size;
  }
  return out;
}

// ---------------------------------------------------------------- codecs

export function compress(codec: number, data: Buffer, framing: Framing = {}): Buffer {
  switch (codec) {
    case CODEC_NONE: return data;
    case CODEC_GZIP: return zlib.gzipSync(data);
    case CODEC_SNAPPY: return framing.snappy === "xerial" ? snappyXerial(data) : snappyRaw(data);
    case CODEC_LZ4: return lz4Frame(data, framing.lz4);
    case CODEC_ZSTD: return zstdRaw(data);
    default: throw new ModelError(`codec ${codec}`);
  }
}

export function decompress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case CODEC_NONE: return data;
    case CODEC_GZIP: return gunzip(data);
    case CODEC_SNAPPY: return unsnappy(data);
    case CODEC_LZ4: return unlz4(data);
    case CODEC_ZSTD: return unzstd(data);
    default: throw new ModelError(`codec ${codec}`);
  }
}

/**
 * gzip members; bytes after the last one are refused with a message saying "trailing" (Java's
 * GZIPInputStream ignores them, a proxy may refuse them: tests can tell this case apart).
 */
export function gunzip(data: Buffer): Buffer {
  let r: { buffer: Buffer; engine: zlib.Gunzip };
  try {
    r = zlib.gunzipSync(data, { info: true }) as unknown as { buffer: Buffer; engine: zlib.Gunzip };
  } catch (e) {
    throw new ModelError(`gzip: ${(e as Error).message}`);
  }
  if (r.engine.bytesWritten < data.length) throw new ModelError(`gzip: ${data.length - r.engine.bytesWritten} trailing bytes after the last member`);
  return r.buffer;
}

// ---- Snappy: raw blocks, and the xerial stream (magic, version, compatible version, then
// blocks each prefixed by its big-endian length) that Kafka's Java client writes.

const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

export function isXerial(b: Buffer): boolean { return b.length >= 16 && b.subarray(0, 8).equals(XERIAL); }

/** Raw Snappy of literal elements only. */
export function snappyRaw(data: Buffer): Buffer {
  const out: number[] = [];
  let n = data.length;
  do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n);
  const parts: Buffer[] = [Buffer.from(out)];
  for (let at = 0; at < data.length; at += 65536) {
    const chunk = data.subarray(at, at + 65536);
    const len = chunk.length - 1;
    if (len < 60) parts.push(Buffer.from([len << 2]));
    else if (len < 256) parts.push(Buffer.from([60 << 2, len]));
    else parts.push(Buffer.from([61 << 2, len & 0xff, len >> 8]));
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export function snappyXerial(data: Buffer, blockSize = 32768): Buffer {
  const parts: Buffer[] = [XERIAL, int32(1), int32(1)];
  for (let at = 0; at < data.length; at += blockSize) {
    const block = snappyRaw(data.subarray(at, at + blockSize));
    parts.push(int32(block.length), block);
  }
  return Buffer.concat(parts);
}

export function unsnappy(b: Buffer): Buffer {
  if (!isXerial(b)) return unsnappyRaw(b);
  const out: Buffer[] = [];
  let at = 16;
  while (at < b.length) {
    if (at + 4 > b.length) throw new ModelError("xerial: block length cut short");
    const n = b.readInt32BE(at);
    if (n < 0 || at + 4 + n > b.length) throw new ModelError("xerial: block length out of range");
    out.push(unsnappyRaw(b.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return Buffer.concat(out);
}

/** Raw Snappy: a varint length, then literals and copies with 1-, 2- and 4-byte offsets. */
export function unsnappyRaw(b: Buffer): Buffer {
  const c = new Cursor(b);
  let total = 0, shift = 0;
  for (;;) {
    const x = c.u8("snappy length");
    total += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(x & 0x80)) break;
    if (shift > 28) throw new ModelError("snappy length varint too long");
  }
  if (total > 1 << 28) throw new ModelError("snappy length past the model's limit");
  const out = Buffer.alloc(total);
  let o = 0;
  while (c.pos < b.length) {
    const tag = c.u8("snappy tag");
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const extra = len - 59;
        len = 0;
        for (let i = 0; i < extra; i++) len += c.u8("literal length") * 2 ** (8 * i);
      }
      len += 1;
      if (o + len > total) throw new ModelError("snappy literal past the announced length");
      c.bytes(len, "literal").copy(out, o);
      o += len;
      continue;
    }
    let len: number, off: number;
    if (kind === 1) { len = 4 + ((tag >> 2) & 7); off = ((tag >> 5) << 8) | c.u8("copy offset"); }
    else if (kind === 2) { len = (tag >> 2) + 1; off = c.bytes(2, "copy offset").readUInt16LE(0); }
    else { len = (tag >> 2) + 1; off = c.bytes(4, "copy offset").readUInt32LE(0); }
    if (off === 0 || off > o) throw new ModelError(`snappy copy offset ${off} at ${o}`);
    decoderStats.snappyCopies++;
    if (o + len > total) throw new ModelError("snappy copy past the announced length");
    for (let i = 0; i < len; i++, o++) out[o] = out[o - off];
  }
  if (o !== total) throw new ModelError(`snappy: ${o} bytes, ${total} announced`);
  return out;
}

// ---- LZ4 frame format: magic, descriptor (FLG, BD, optional content size and dictionary id,
// header checksum), blocks (4-byte size, high bit = stored), end mark, optional checksums.

const PRIME32_1 = 0x9e3779b1, PRIME32_2 = 0x85ebca77, PRIME32_3 = 0xc2b2ae3d, PRIME32_4 = 0x27d4eb2f, PRIME32_5 = 0x165667b1;

function rotl32(x: number, r: number): number { return ((x << r) | (x >>> (32 - r))) >>> 0; }

/** xxHash32, for the LZ4 frame's header, block and content checksums. */
export function xxh32(b: Buffer, seed = 0): number {
  let p = 0;
  let h: number;
  const round = (acc: number, lane: number) => Math.imul(rotl32((acc + Math.imul(lane, PRIME32_2)) >>> 0, 13), PRIME32_1) >>> 0;
  if (b.length >= 16) {
    let v1 = (seed + PRIME32_1 + PRIME32_2) >>> 0, v2 = (seed + PRIME32_2) >>> 0, v3 = seed >>> 0, v4 = (seed - PRIME32_1) >>> 0;
    while (p + 16 <= b.length) {
      v1 = round(v1, b.readUInt32LE(p)); v2 = round(v2, b.readUInt32LE(p + 4));
      v3 = round(v3, b.readUInt32LE(p + 8)); v4 = round(v4, b.readUInt32LE(p + 12));
      p += 16;
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) >>> 0;
  } else {
    h = (seed + PRIME32_5) >>> 0;
  }
  h = (h + b.length) >>> 0;
  while (p + 4 <= b.length) { h = Math.imul(rotl32((h + Math.imul(b.readUInt32LE(p), PRIME32_3)) >>> 0, 17), PRIME32_4) >>> 0; p += 4; }
  while (p < b.length) { h = Math.imul(rotl32((h + Math.imul(b[p], PRIME32_5)) >>> 0, 11), PRIME32_1) >>> 0; p++; }
  h ^= h >>> 15; h = Math.imul(h, PRIME32_2) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, PRIME32_3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const LZ4_BLOCK_SIZES = [0, 0, 0, 0, 65536, 262144, 1048576, 4194304];

/** An LZ4 frame of stored blocks, with the checksums and content size asked for. */
export function lz4Frame(data: Buffer, o: Framing["lz4"] = {}): Buffer {
  const bdCode = o.blockSize ?? 4;
  const blockMax = LZ4_BLOCK_SIZES[bdCode];
  const flg = 0x40 | 0x20 | (o.blockChecksum ? 0x10 : 0) | (o.contentSize ? 0x08 : 0) | (o.contentChecksum ? 0x04 : 0);
  const desc = [flg, bdCode << 4];
  if (o.contentSize) { const s = Buffer.alloc(8); s.writeBigUInt64LE(BigInt(data.length)); desc.push(...s); }
  const d = Buffer.from(desc);
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), d, Buffer.from([(xxh32(d) >>> 8) & 0xff])];
  for (let at = 0; at < data.length; at += blockMax) {
    const chunk = data.subarray(at, at + blockMax);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((chunk.length | 0x80000000) >>> 0);
    parts.push(size, chunk);
    if (o.blockChecksum) { const c = Buffer.alloc(4); c.writeUInt32LE(xxh32(chunk)); parts.push(c); }
  }
  parts.push(Buffer.alloc(4));
  if (o.contentChecksum) { const c = Buffer.alloc(4); c.writeUInt32LE(xxh32(data)); parts.push(c); }
  return Buffer.concat(parts);
}

/** An LZ4 frame (one or more, concatenated), checksums verified. */
export function unlz4(b: Buffer): Buffer {
  const out: Buffer[] = [];
  const c = new Cursor(b);
  while (c.pos < b.length) {
    if (c.bytes(4, "lz4 magic").readUInt32LE(0) !== 0x184d2204) throw new ModelError("lz4: bad magic");
    const descStart = c.pos;
    const flg = c.u8("lz4 FLG");
    const bd = c.u8("lz4 BD");
    if (flg >> 6 !== 1) throw new ModelError("lz4: frame version not 01");
    const blockChecksum = (flg & 0x10) !== 0, contentSize = (flg & 0x08) !== 0, contentChecksum = (flg & 0x04) !== 0, dictId = (flg & 0x01) !== 0;
    const blockMax = LZ4_BLOCK_SIZES[(bd >> 4) & 7];
    if (!blockMax) throw new ModelError("lz4: bad block size code");
    if (contentSize) c.bytes(8, "lz4 content size");
    if (dictId) c.bytes(4, "lz4 dictionary id");
    const hc = c.u8("lz4 header checksum");
    if (hc !== ((xxh32(b.subarray(descStart, c.pos - 1)) >>> 8) & 0xff)) throw new ModelError("lz4: header checksum");
    const frame: Buffer[] = [];
    for (;;) {
      const word = c.bytes(4, "lz4 block size").readUInt32LE(0);
      if (word === 0) break;
      const stored = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw new ModelError("lz4: block larger than the frame's maximum");
      const block = c.bytes(size, "lz4 block");
      if (blockChecksum && c.bytes(4, "lz4 block checksum").readUInt32LE(0) !== xxh32(block)) throw new ModelError("lz4: block checksum");
      if (!stored) decoderStats.lz4CompressedBlocks++;
      frame.push(stored ? Buffer.from(block) : lz4Block(block, blockMax));
    }
    const content = Buffer.concat(frame);
    if (contentChecksum && c.bytes(4, "lz4 content checksum").readUInt32LE(0) !== xxh32(content)) throw new ModelError("lz4: content checksum");
    out.push(content);
  }
  return Buffer.concat(out);
}

/** One LZ4 block: sequences of a token, literals, and a match (2-byte offset, length from 4). */
export function lz4Block(b: Buffer, max: number): Buffer {
  const out = Buffer.alloc(max);
  let o = 0;
  const c = new Cursor(b);
  for (;;) {
    const token = c.u8("lz4 token");
    let lit = token >> 4;
    if (lit === 15) for (;;) { const x = c.u8("lz4 literal length"); lit += x; if (x !== 255) break; }
    if (o + lit > max) throw new ModelError("lz4: literals past the block size");
    c.bytes(lit, "lz4 literals").copy(out, o);
    o += lit;
    if (c.pos === b.length) break; // the last sequence has literals only
    const off = c.bytes(2, "lz4 offset").readUInt16LE(0);
    if (off === 0 || off > o) throw new ModelError(`lz4: match offset ${off} at ${o}`);
    decoderStats.lz4Matches++;
    let len = token & 15;
    if (len === 15) for (;;) { const x = c.u8("lz4 match length"); len += x; if (x !== 255) break; }
    len += 4;
    if (o + len > max) throw new ModelError("lz4: match past the block size");
    for (let i = 0; i < len; i++, o++) out[o] = out[o - off];
  }
  return out.subarray(0, o);
}

// ---- Zstandard: frames of raw and RLE blocks (node 20 has no zstd; the layer writes raw blocks).

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_BLOCK_MAX = 128 * 1024;

/** One single-segment frame with a 4-byte content size, raw blocks of at most 128 KiB. */
export function zstdRaw(data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(ZSTD_MAGIC, 0);
  head[4] = 0xa0; // content size in 4 bytes, single segment, no checksum, no dictionary
  head.writeUInt32LE(data.length, 5);
  const parts: Buffer[] = [head];
  let at = 0;
  do {
    const chunk = data.subarray(at, at + ZSTD_BLOCK_MAX);
    at += chunk.length;
    const last = at >= data.length ? 1 : 0;
    const h = (chunk.length << 3) | (0 << 1) | last;
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), chunk);
  } while (at < data.length);
  return Buffer.concat(parts);
}

export function unzstd(b: Buffer): Buffer {
  const out: Buffer[] = [];
  const c = new Cursor(b);
  while (c.pos < b.length) {
    const magic = c.bytes(4, "zstd magic").readUInt32LE(0);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) { const n = c.bytes(4, "skippable size").readUInt32LE(0); c.bytes(n, "skippable frame"); continue; }
    if (magic !== ZSTD_MAGIC) throw new ModelError("zstd: bad magic");
    const fhd = c.u8("zstd frame header");
    const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1, checksum = (fhd >> 2) & 1, dictFlag = fhd & 3;
    if (fhd & 0x08) throw new ModelError("zstd: reserved bit set");
    if (!single) c.u8("zstd window descriptor");
    c.bytes([0, 1, 2, 4][dictFlag], "zstd dictionary id");
    const fcsBytes = [single, 2, 4, 8][fcsFlag];
    let fcs = -1;
    if (fcsBytes) {
      const f = c.bytes(fcsBytes, "zstd content size");
      fcs = fcsBytes === 1 ? f[0] : fcsBytes === 2 ? f.readUInt16LE(0) + 256 : fcsBytes === 4 ? f.readUInt32LE(0) : Number(f.readBigUInt64LE(0));
    }
    const frame: Buffer[] = [];
    for (;;) {
      const hb = c.bytes(3, "zstd block header");
      const h = hb[0] | (hb[1] << 8) | (hb[2] << 16);
      const last = h & 1, type = (h >> 1) & 3, size = h >>> 3;
      if (size > ZSTD_BLOCK_MAX) throw new ModelError("zstd: block past 128 KiB");
      if (type === 0) frame.push(Buffer.from(c.bytes(size, "zstd raw block")));
      else if (type === 1) { decoderStats.zstdRleBlocks++; frame.push(Buffer.alloc(size, c.u8("zstd RLE byte"))); }
      else throw new ModelError(`zstd: block type ${type} (the model reads raw and RLE blocks only)`);
      if (last) break;
    }
    const content = Buffer.concat(frame);
    if (fcs >= 0 && content.length !== fcs) throw new ModelError(`zstd: ${content.length} bytes, content size says ${fcs}`);
    if (checksum) c.bytes(4, "zstd checksum");
    out.push(content);
  }
  return Buffer.concat(out);
}
