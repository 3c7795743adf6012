// RecordBatch v2 builders for tests: small records, optional producer id, optional gzip.
import zlib from "node:zlib";

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
