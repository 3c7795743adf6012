// Writes the records section of a RecordBatch v2, and batches around a new records section.
// Used when an edit changes lengths (a value replaced by a token, a record removed): the
// records are written again, unchanged fields copied from their views, and the batch gets
// a new length, record count, last offset delta and CRC. Everything else in the header
// (producer id, epoch, base sequence, timestamps, attributes) is kept.
import { RecordBatch, BATCH_HEADER } from "./record_batch";
import { sizeOf } from "../wire/writer";

/** Grows as records are appended; `finish()` gives the section. */
export class RecordsWriter {
  private buf: ArrayBuffer;
  private pos: i32 = 0;
  /** Records appended so far. */
  count: i32 = 0;

  constructor(capacity: i32 = 1024) {
    this.buf = new ArrayBuffer(capacity < 64 ? 64 : capacity);
  }

  private reserve(n: i32): usize {
    const need = this.pos + n;
    if (need > this.buf.byteLength) {
      let cap = this.buf.byteLength << 1;
      while (cap < need) cap <<= 1;
      const grown = new ArrayBuffer(cap);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buf), <usize>this.pos);
      this.buf = grown;
    }
    return changetype<usize>(this.buf) + <usize>this.pos;
  }

  private uvarint(v: u32): void {
    const p = this.reserve(5);
    let k = 0;
    while (v >= 0x80) { store<u8>(p + <usize>k, <u8>((v & 0x7f) | 0x80)); v >>>= 7; k++; }
    store<u8>(p + <usize>k, <u8>v);
    this.pos += k + 1;
  }
  private varint(v: i32): void { this.uvarint(<u32>((v << 1) ^ (v >> 31))); }
  private varlong(v: i64): void {
    let u = <u64>((v << 1) ^ (v >> 63));
    const p = this.reserve(10);
    let k = 0;
    while (u >= 0x80) { store<u8>(p + <usize>k, <u8>((u & 0x7f) | 0x80)); u >>>= 7; k++; }
    store<u8>(p + <usize>k, <u8>u);
    this.pos += k + 1;
  }
  private raw(v: Uint8Array): void {
    const p = this.reserve(v.byteLength);
    memory.copy(p, v.dataStart, <usize>v.byteLength);
    this.pos += v.byteLength;
  }
  /** A varint length and the bytes; -1 for null. */
  private field(v: Uint8Array | null): void {
    if (v == null) { this.varint(-1); return; }
    this.varint(v.byteLength);
    this.raw(v);
  }
  private static fieldSize(v: Uint8Array | null): i32 {
    return v == null ? 1 : sizeOf.varint(v.byteLength) + v.byteLength;
  }

  /** Appends one record. Header keys are raw bytes, so they round-trip exactly. */
  record(attributes: i8, timestampDelta: i64, offsetDelta: i32, key: Uint8Array | null, value: Uint8Array | null,
    headerKeys: Array<Uint8Array>, headerValues: Array<Uint8Array | null>): void {
    let body = 1 + sizeOf.varlong(timestampDelta) + sizeOf.varint(offsetDelta)
      + RecordsWriter.fieldSize(key) + RecordsWriter.fieldSize(value) + sizeOf.varint(headerKeys.length);
    for (let h = 0; h < headerKeys.length; h++) body += RecordsWriter.fieldSize(headerKeys[h]) + RecordsWriter.fieldSize(headerValues[h]);
    this.varint(body);
    const p = this.reserve(1);
    store<i8>(p, attributes);
    this.pos++;
    this.varlong(timestampDelta);
    this.varint(offsetDelta);
    this.field(key);
    this.field(value);
    this.varint(headerKeys.length);
    for (let h = 0; h < headerKeys.length; h++) { this.field(headerKeys[h]); this.field(headerValues[h]); }
    this.count++;
  }

  /** The section written so far (a view of the writer's buffer). */
  finish(): Uint8Array { return Uint8Array.wrap(this.buf, 0, this.pos); }
}

/**
 * `batch`'s header around a new records section (compressed or not, as the batch's
 * attributes say), with the given record count and last offset delta; length and CRC fixed.
 */
export function batchWithRecords(batch: RecordBatch, records: Uint8Array, count: i32, lastOffsetDelta: i32): Uint8Array {
  const out = new ArrayBuffer(BATCH_HEADER + records.byteLength);
  const base = changetype<usize>(out);
  memory.copy(base, changetype<usize>(batch.buffer) + <usize>batch.offset, <usize>BATCH_HEADER);
  memory.copy(base + <usize>BATCH_HEADER, records.dataStart, <usize>records.byteLength);
  store<i32>(base + 8, bswap<i32>(out.byteLength - 12));
  store<i32>(base + 23, bswap<i32>(lastOffsetDelta));
  store<i32>(base + 57, bswap<i32>(count));
  new RecordBatch(out, 0, out.byteLength).fixCrc();
  return Uint8Array.wrap(out);
}
