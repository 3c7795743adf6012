// Record batches for tests: RecordBatch v2 built from plain records (any codec) and read back,
// and the lower-level builders the repository's own tests use (literal-only Snappy, stored LZ4,
// legacy message sets). Part of the test kit (kafka-proxy-wasm/testing).
import zlib from "node:zlib";
import type { KafkaCodec } from "./kafka.js";

export function varint(n: number): Buffer {
  let z = (n << 1) ^ (n >> 31);
  const out: number[] = [];
  do { let b = z & 0x7f; z >>>= 7; if (z) b |= 0x80; out.push(b); } while (z);
  return Buffer.from(out);
}


/** Raw Snappy made of literal elements only (Node has no Snappy; this is enough for tests). */
export function snappyLiteral(data: Buffer): Buffer {
  const len: number[] = [];
  let v = data.length;
  while (v >= 0x80) { len.push((v & 0x7f) | 0x80); v >>>= 7; }
  len.push(v);
  const parts: Buffer[] = [Buffer.from(len)];
  for (let at = 0; at < data.length; at += 65536) {
    const chunk = data.subarray(at, at + 65536);
    const tag = Buffer.alloc(3);
    tag[0] = 61 << 2;
    tag.writeUInt16LE(chunk.length - 1, 1);
    parts.push(tag, chunk);
  }
  return Buffer.concat(parts);
}

/** An LZ4 frame of uncompressed blocks (Node has no lz4 compressor); the descriptor checksum of FLG 0x60, BD 0x40 is 0x82. */
export function lz4Uncompressed(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82])];
  for (let at = 0; at < data.length; at += 65536) {
    const chunk = data.subarray(at, at + 65536);
    const size = Buffer.alloc(4);
    size.writeUInt32LE((chunk.length | 0x80000000) >>> 0);
    parts.push(size, chunk);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** The records section of a batch: one record per value, no key, no headers, offset deltas 0, 1, … */
export function recordsSection(values: Buffer[]): Buffer {
  return Buffer.concat(values.map((v, i) => {
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(-1), varint(v.length), v, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  }));
}

export function batchOf(values: Buffer[], opts: { pid?: number; sequence?: number; gzip?: boolean; snappy?: boolean; lz4?: boolean } = {}): Buffer {
  const pid = opts.pid ?? -1;
  let records: Buffer = recordsSection(values);
  if (opts.gzip) records = zlib.gzipSync(records);
  if (opts.snappy) records = snappyLiteral(records);
  if (opts.lz4) records = lz4Uncompressed(records);
  return batchFromSection(records, opts.gzip ? 1 : opts.snappy ? 2 : opts.lz4 ? 3 : 0, values.length, pid, opts.sequence ?? 0);
}

/**
 * A batch around a records section already encoded (and compressed with `codec`: 0 none,
 * 1 gzip, 2 snappy, 3 lz4, 4 zstd) holding `count` records; CRC-32C computed.
 */
export function batchFromSection(records: Buffer, codec: number, count: number, pid = -1, sequence = 0): Buffer {
  const h = Buffer.alloc(61);
  h.writeInt32BE(61 - 12 + records.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(codec, 21);
  h.writeInt32BE(count - 1, 23);
  h.writeBigInt64BE(BigInt(pid), 43);
  h.writeInt16BE(pid < 0 ? -1 : 0, 51);
  h.writeInt32BE(pid < 0 ? -1 : sequence, 53);
  h.writeInt32BE(count, 57);
  const b = Buffer.concat([h, records]);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

/** `count` records "value-<i>". */
export function batch(count: number, pid = -1, sequence = 0): Buffer {
  return batchOf(Array.from({ length: count }, (_, i) => Buffer.from(`value-${i}`)), { pid, sequence });
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), bit by bit from its polynomial: an independent check on the wasm one. */
export function crc32c(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC32C_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ParsedRecord { offsetDelta: number; key: Buffer | null; value: Buffer | null }
export interface ParsedBatch { count: number; lastOffsetDelta: number; producerId: bigint; crcValid: boolean; codec: number; records: ParsedRecord[] }

function readVarint(b: Buffer, at: { pos: number }): number {
  let shift = 0, z = 0;
  for (;;) { const x = b[at.pos++]; z |= (x & 0x7f) << shift; shift += 7; if (!(x & 0x80)) break; }
  return (z >>> 1) ^ -(z & 1);
}

/** Reads the first RecordBatch v2 in `b` (uncompressed or gzip) back into its records, for assertions. */
export function parseBatch(b: Buffer): ParsedBatch {
  const codec = b.readInt16BE(21) & 7;
  let section = b.subarray(61, 12 + b.readInt32BE(8));
  if (codec == 1) section = zlib.gunzipSync(section);
  else if (codec == 4) section = unzstdStored(section);
  else if (codec != 0) throw new Error(`parseBatch: codec ${codec} not supported here`);
  const count = b.readInt32BE(57);
  const at = { pos: 0 };
  const records: ParsedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const len = readVarint(section, at);
    const end = at.pos + len;
    at.pos++; // attributes
    readVarint(section, at); // timestamp delta (fits a varint in these tests)
    const offsetDelta = readVarint(section, at);
    const kl = readVarint(section, at);
    const key = kl < 0 ? null : section.subarray(at.pos, at.pos + kl); if (kl > 0) at.pos += kl;
    const vl = readVarint(section, at);
    const value = vl < 0 ? null : section.subarray(at.pos, at.pos + vl); if (vl > 0) at.pos += vl;
    records.push({ offsetDelta, key, value });
    at.pos = end;
  }
  if (at.pos != section.length) throw new Error(`parseBatch: ${section.length - at.pos} bytes after ${count} records`);
  return { count, lastOffsetDelta: b.readInt32BE(23), producerId: b.readBigInt64BE(43), crcValid: b.readUInt32BE(17) == crc32c(b.subarray(21, 12 + b.readInt32BE(8))), codec, records };
}

/** Reads zstd frames made only of raw and RLE blocks (what pii-filter writes); throws on anything else. */
export function unzstdStored(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    if (b.readUInt32LE(at) !== 0xfd2fb528) throw new Error("unzstdStored: not a zstd frame");
    const fhd = b[at + 4];
    const single = (fhd >> 5) & 1, fcsFlag = fhd >> 6, dictFlag = fhd & 3, checksum = (fhd >> 2) & 1;
    let q = at + 5 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag] + [single, 2, 4, 8][fcsFlag];
    for (;;) {
      const h = b[q] | (b[q + 1] << 8) | (b[q + 2] << 16);
      q += 3;
      const type = (h >> 1) & 3, size = h >> 3;
      if (type === 0) { out.push(b.subarray(q, q + size)); q += size; }
      else if (type === 1) { out.push(Buffer.alloc(size, b[q])); q += 1; }
      else throw new Error("unzstdStored: a compressed block");
      if (h & 1) break;
    }
    at = q + (checksum ? 4 : 0);
  }
  return Buffer.concat(out);
}

/** A legacy message (magic 0 or 1) with a CRC-32 from node:zlib, as a broker before 4.0 would serve it. */
export function legacyMessage(magic: 0 | 1, value: Buffer | null, opts: { offset?: number; key?: Buffer | null; attributes?: number; timestamp?: number } = {}): Buffer {
  const key = opts.key ?? null;
  const body = Buffer.concat([
    Buffer.from([magic, opts.attributes ?? 0]),
    magic === 1 ? (() => { const t = Buffer.alloc(8); t.writeBigInt64BE(BigInt(opts.timestamp ?? 1700000000000)); return t; })() : Buffer.alloc(0),
    (() => { const l = Buffer.alloc(4); l.writeInt32BE(key ? key.length : -1); return l; })(), key ?? Buffer.alloc(0),
    (() => { const l = Buffer.alloc(4); l.writeInt32BE(value ? value.length : -1); return l; })(), value ?? Buffer.alloc(0),
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(opts.offset ?? 0));
  head.writeInt32BE(4 + body.length, 8);
  return Buffer.concat([head, crc, body]);
}

export interface LegacyParsed { offset: bigint; magic: number; attributes: number; crcValid: boolean; value: Buffer | null }

/** Reads a legacy message set back, checking every CRC-32 with node:zlib; wrappers are inflated (gzip) and their inner messages listed. */
export function parseLegacy(b: Buffer): LegacyParsed[] {
  const out: LegacyParsed[] = [];
  let at = 0;
  while (at + 12 <= b.length) {
    const size = b.readInt32BE(at + 8);
    const m = b.subarray(at, at + 12 + size);
    const magic = m[16], attributes = m[17];
    let q = 18 + (magic === 1 ? 8 : 0);
    const kl = m.readInt32BE(q); q += 4 + Math.max(kl, 0);
    const vl = m.readInt32BE(q); q += 4;
    const value = vl < 0 ? null : m.subarray(q, q + vl);
    out.push({ offset: m.readBigInt64BE(0), magic, attributes, crcValid: m.readUInt32BE(12) === zlib.crc32(m.subarray(16)), value });
    if ((attributes & 7) === 1 && value) out.push(...parseLegacy(zlib.gunzipSync(value)));
    at += 12 + size;
  }
  return out;
}

/** A record as tests write it: strings are UTF-8; null key or value is Kafka's null. */
export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: [string, Buffer | string | null][];
  /** Milliseconds since the epoch; the batch's first timestamp by default. */
  timestamp?: number;
}

/** A record read back from a batch. */
export interface RecordOutput {
  offset: bigint; timestamp: number;
  key: Buffer | null; value: Buffer | null;
  headers: [string, Buffer | null][];
}

export type Compression = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const COMPRESSIONS: readonly Compression[] = ["none", "gzip", "snappy", "lz4", "zstd"];

export interface BatchOptions {
  compression?: Compression;
  baseOffset?: number | bigint;
  /** Idempotent producer: its id, epoch and the batch's first sequence number. */
  producerId?: number | bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  /** The first timestamp (ms); now by default. */
  timestamp?: number;
}

export interface BatchOutput {
  baseOffset: bigint; producerId: bigint; producerEpoch: number; baseSequence: number;
  compression: Compression; transactional: boolean; control: boolean;
  crcValid: boolean; records: RecordOutput[];
}

const bytesOf = (v: Buffer | string | null | undefined): Buffer | null => (v == null ? null : typeof v === "string" ? Buffer.from(v, "utf8") : v);

function varlong(n: bigint): Buffer {
  let z = (n << 1n) ^ (n >> 63n);
  z &= (1n << 64n) - 1n;
  const out: number[] = [];
  do { let b = Number(z & 0x7fn); z >>= 7n; if (z) b |= 0x80; out.push(b); } while (z);
  return Buffer.from(out);
}

function lengthPrefixed(b: Buffer | null): Buffer {
  return b === null ? varint(-1) : Buffer.concat([varint(b.length), b]);
}

/**
 * A RecordBatch v2 holding `records`, compressed as asked (gzip with node:zlib; snappy, lz4 and
 * zstd with the codec plugins use, so pass `codec` for those; zstd is written as raw blocks, a
 * valid frame that is not smaller), CRC-32C computed.
 */
export function recordBatch(records: RecordInput[], opts: BatchOptions = {}, codec?: KafkaCodec): Buffer {
  if (records.length === 0) throw new Error("recordBatch: a batch holds at least one record");
  const first = opts.timestamp ?? records[0].timestamp ?? Date.now();
  let maxTs = first;
  const section = Buffer.concat(records.map((r, i) => {
    const ts = r.timestamp ?? first;
    if (ts > maxTs) maxTs = ts;
    const headers = r.headers ?? [];
    const body = Buffer.concat([
      Buffer.from([0]), varlong(BigInt(ts - first)), varint(i),
      lengthPrefixed(bytesOf(r.key)), lengthPrefixed(bytesOf(r.value)),
      varint(headers.length),
      ...headers.map(([k, v]) => Buffer.concat([lengthPrefixed(Buffer.from(k, "utf8")), lengthPrefixed(bytesOf(v))])),
    ]);
    return Buffer.concat([varint(body.length), body]);
  }));
  const compression = opts.compression ?? "none";
  const codecId = COMPRESSIONS.indexOf(compression);
  if (codecId < 0) throw new Error(`recordBatch: compression must be one of ${COMPRESSIONS.join(", ")}, not ${compression}`);
  let payload: Buffer = section;
  if (codecId === 1) payload = zlib.gzipSync(section);
  else if (codecId > 1) {
    if (!codec) throw new Error(`recordBatch: ${compression} needs the codec (KafkaCodec.load())`);
    payload = codec.compress(codecId, section);
  }
  const pid = BigInt(opts.producerId ?? -1);
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), 0);
  h.writeInt32BE(61 - 12 + payload.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(codecId | (opts.transactional ? 0x10 : 0), 21);
  h.writeInt32BE(records.length - 1, 23);
  h.writeBigInt64BE(BigInt(first), 27);
  h.writeBigInt64BE(BigInt(maxTs), 35);
  h.writeBigInt64BE(pid, 43);
  h.writeInt16BE(pid < 0n ? -1 : (opts.producerEpoch ?? 0), 51);
  h.writeInt32BE(pid < 0n ? -1 : (opts.baseSequence ?? 0), 53);
  h.writeInt32BE(records.length, 57);
  const b = Buffer.concat([h, payload]);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

function readVarlong(b: Buffer, at: { pos: number }): bigint {
  let shift = 0n, z = 0n;
  for (;;) {
    if (at.pos >= b.length) throw new Error("readRecordBatches: a varint runs past the records");
    const x = b[at.pos++]; z |= BigInt(x & 0x7f) << shift; shift += 7n;
    if (!(x & 0x80)) break;
  }
  return (z >> 1n) ^ -(z & 1n);
}

function readBytes(b: Buffer, at: { pos: number }): Buffer | null {
  const n = Number(readVarlong(b, at));
  if (n < 0) return null;
  if (at.pos + n > b.length) throw new Error("readRecordBatches: a field runs past the records");
  const v = b.subarray(at.pos, at.pos + n);
  at.pos += n;
  return v;
}

/**
 * Every RecordBatch v2 in `bytes` (a Produce partition's or a Fetch partition's records), with
 * its records decompressed: gzip with node:zlib, snappy, lz4 and zstd with the codec plugins
 * use (pass `codec`). Throws on what is not a well-formed batch; `crcValid` reports the CRC.
 */
export function readRecordBatches(bytes: Buffer, codec?: KafkaCodec): BatchOutput[] {
  const out: BatchOutput[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 61 > bytes.length) throw new Error(`readRecordBatches: ${bytes.length - at} bytes left, less than a batch header`);
    const len = bytes.readInt32BE(at + 8);
    if (len < 49 || at + 12 + len > bytes.length) throw new Error(`readRecordBatches: batch length ${len} at offset ${at} does not fit`);
    const b = bytes.subarray(at, at + 12 + len);
    if (b[16] !== 2) throw new Error(`readRecordBatches: magic ${b[16]} at offset ${at} (only v2 batches)`);
    const attributes = b.readInt16BE(21);
    const codecId = attributes & 7;
    let section = b.subarray(61);
    if (codecId === 1) section = zlib.gunzipSync(section);
    else if (codecId > 1) {
      if (!codec) throw new Error(`readRecordBatches: ${COMPRESSIONS[codecId] ?? codecId} needs the codec (KafkaCodec.load())`);
      section = codec.decompress(codecId, section);
    }
    const baseOffset = b.readBigInt64BE(0), firstTs = b.readBigInt64BE(27), count = b.readInt32BE(57);
    const records: RecordOutput[] = [];
    const p = { pos: 0 };
    for (let i = 0; i < count; i++) {
      const size = Number(readVarlong(section, p));
      const end = p.pos + size;
      p.pos++; // attributes
      const ts = firstTs + readVarlong(section, p);
      const offset = baseOffset + readVarlong(section, p);
      const key = readBytes(section, p), value = readBytes(section, p);
      const nh = Number(readVarlong(section, p));
      const headers: [string, Buffer | null][] = [];
      for (let j = 0; j < nh; j++) {
        const k = readBytes(section, p);
        headers.push([k ? k.toString("utf8") : "", readBytes(section, p)]);
      }
      if (p.pos !== end) throw new Error(`readRecordBatches: record ${i} of the batch at offset ${at} is ${size} bytes long but ${p.pos - end + size} were read`);
      records.push({ offset, timestamp: Number(ts), key, value, headers });
    }
    if (p.pos !== section.length) throw new Error(`readRecordBatches: ${section.length - p.pos} bytes after ${count} records in the batch at offset ${at}`);
    out.push({
      baseOffset, producerId: b.readBigInt64BE(43), producerEpoch: b.readInt16BE(51), baseSequence: b.readInt32BE(53),
      compression: COMPRESSIONS[codecId] ?? "none", transactional: (attributes & 0x10) !== 0, control: (attributes & 0x20) !== 0,
      crcValid: b.readUInt32BE(17) === crc32c(b.subarray(21)), records,
    });
    at += 12 + len;
  }
  return out;
}
