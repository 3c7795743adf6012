// RecordBatch v2 builders for tests: small records, optional producer id, optional gzip.
import zlib from "node:zlib";

export function varint(n: number): Buffer {
  let z = (n << 1) ^ (n >> 31);
  const out: number[] = [];
  do { let b = z & 0x7f; z >>>= 7; if (z) b |= 0x80; out.push(b); } while (z);
  return Buffer.from(out);
}

/** A RecordBatch v2 holding `values`; `pid` −1 means not idempotent. The CRC is left 0 (brokers check it; the filters recompute it). */
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

export function batchOf(values: Buffer[], opts: { pid?: number; sequence?: number; gzip?: boolean; snappy?: boolean } = {}): Buffer {
  const pid = opts.pid ?? -1;
  let records: Buffer = Buffer.concat(values.map((v, i) => {
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(-1), varint(v.length), v, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  }));
  if (opts.gzip) records = zlib.gzipSync(records);
  if (opts.snappy) records = snappyLiteral(records);
  const h = Buffer.alloc(61);
  h.writeInt32BE(61 - 12 + records.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(opts.gzip ? 1 : opts.snappy ? 2 : 0, 21);
  h.writeInt32BE(values.length - 1, 23);
  h.writeBigInt64BE(BigInt(pid), 43);
  h.writeInt16BE(pid < 0 ? -1 : 0, 51);
  h.writeInt32BE(pid < 0 ? -1 : (opts.sequence ?? 0), 53);
  h.writeInt32BE(values.length, 57);
  return Buffer.concat([h, records]);
}

/** `count` records "value-<i>". */
export function batch(count: number, pid = -1, sequence = 0): Buffer {
  return batchOf(Array.from({ length: count }, (_, i) => Buffer.from(`value-${i}`)), { pid, sequence });
}
