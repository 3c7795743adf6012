// RecordBatch v2 (magic 2), read in place: header fields at fixed offsets, records as
// views into the frame. Edits that keep every length (masking) patch the bytes where
// they are; fixCrc() then recomputes the checksum over attributes..end.
import { varintAt, varlongAt, varlongEnd, packedValue, packedEnd } from "../wire/varint_at";
import { crc32cUpdate } from "./crc32c";
import { swap64 } from "../wire/byte_order";

export const BATCH_HEADER: i32 = 61;
const OFF_LENGTH: i32 = 8;
const OFF_MAGIC: i32 = 16;
const OFF_CRC: i32 = 17;
const OFF_ATTRIBUTES: i32 = 21;
const OFF_RECORD_COUNT: i32 = 57;

export enum Compression { None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4 }

export enum BatchError {
  None = 0,
  /** Fewer bytes than the batch header, or than its length field claims. */
  Truncated = 1,
  /** Not magic 2: a legacy message set (v0/v1). */
  NotV2 = 2,
  /** A record's varints or lengths do not fit the batch. */
  BadRecord = 3,
}

@inline function be16(p: usize): i16 { return bswap<i16>(load<i16>(p)); }
@inline function be32(p: usize): i32 { return bswap<i32>(load<i32>(p)); }
@inline function be64(p: usize): i64 { return <i64>swap64(load<u64>(p)); }
const NO_BYTES = new ArrayBuffer(0);
@inline function zigzag(u: u32): i32 { return <i32>(u >>> 1) ^ -<i32>(u & 1); }

/** One batch at `offset` in `buffer`, `size` bytes long (its length field + 12). */
export class RecordBatch {
  constructor(readonly buffer: ArrayBuffer, readonly offset: i32, readonly size: i32) {}

  @inline private at(rel: i32): usize { return changetype<usize>(this.buffer) + <usize>(this.offset + rel); }

  get baseOffset(): i64 { return be64(this.at(0)); }
  get partitionLeaderEpoch(): i32 { return be32(this.at(12)); }
  get magic(): i8 { return load<i8>(this.at(OFF_MAGIC)); }
  get crc(): u32 { return <u32>be32(this.at(OFF_CRC)); }
  get attributes(): i16 { return be16(this.at(OFF_ATTRIBUTES)); }
  get compression(): Compression { return <Compression>(this.attributes & 7); }
  get isTransactional(): bool { return (this.attributes & 0x10) != 0; }
  get isControl(): bool { return (this.attributes & 0x20) != 0; }
  get lastOffsetDelta(): i32 { return be32(this.at(23)); }
  get baseTimestamp(): i64 { return be64(this.at(27)); }
  get maxTimestamp(): i64 { return be64(this.at(35)); }
  get producerId(): i64 { return be64(this.at(43)); }
  get producerEpoch(): i16 { return be16(this.at(51)); }
  get baseSequence(): i32 { return be32(this.at(53)); }
  get recordCount(): i32 { return be32(this.at(OFF_RECORD_COUNT)); }

  /** CRC-32C over attributes..end, as the batch should carry it. */
  computeCrc(): u32 {
    return crc32cUpdate(0, this.at(OFF_ATTRIBUTES), this.size - OFF_ATTRIBUTES);
  }

  crcValid(): bool { return this.computeCrc() == this.crc; }

  /** Rewrites the CRC after an in-place edit. */
  fixCrc(): void {
    store<i32>(this.at(OFF_CRC), bswap<i32>(<i32>this.computeCrc()));
  }

  /** The records section (after the header): compressed as one block when compression != None. */
  recordsView(): Uint8Array {
    return Uint8Array.wrap(this.buffer, this.offset + BATCH_HEADER, this.size - BATCH_HEADER);
  }
}

/** A record inside an uncompressed batch, as read from it; key, value and header values are views. */
export class BatchRecord {
  attributes: i8 = 0;
  timestampDelta: i64 = 0;
  offsetDelta: i32 = 0;
  /** Views of the key and value (null: absent). RecordReader.nextSpans leaves them null and sets the spans only. */
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  /** Where the key and value lie in the batch's buffer, and their lengths (-1: null). */
  keyAt: i32 = 0;
  keyLength: i32 = -1;
  valueAt: i32 = 0;
  valueLength: i32 = -1;
  headerKeys: Array<string> = [];
  /** The header keys as they are on the wire (views), for writing the record again exactly. */
  headerKeyBytes: Array<Uint8Array> = [];
  headerValues: Array<Uint8Array | null> = [];
}

/**
 * Splits a `records` field (one or more batches back to back) into batches. Stops with
 * an error at the first batch that is short or not v2. A trailing partial batch (brokers
 * may cut a fetch mid-batch) is reported as Truncated with `partialOffset` set.
 */
export class BatchIterator {
  error: BatchError = BatchError.None;
  private pos: i32;
  private readonly end: i32;
  constructor(readonly buffer: ArrayBuffer, offset: i32, length: i32) {
    this.pos = offset;
    this.end = offset + length;
  }

  /** Where the next batch starts (after NotV2: where the legacy entry starts). */
  get position(): i32 { return this.pos; }

  /** Continues at `pos` (after the caller handled a legacy entry there), clearing the error. */
  skipTo(pos: i32): void {
    this.pos = pos;
    this.error = BatchError.None;
  }

  /** The next batch, or null at the end or on error. */
  next(): RecordBatch | null {
    if (this.error != BatchError.None || this.pos >= this.end) return null;
    const left = this.end - this.pos;
    const base = changetype<usize>(this.buffer) + <usize>this.pos;
    if (left < 17) { this.error = BatchError.Truncated; return null; }
    const length = be32(base + OFF_LENGTH);
    if (load<i8>(base + OFF_MAGIC) != 2) { this.error = BatchError.NotV2; return null; }
    if (length < BATCH_HEADER - 12 || length > left - 12) { this.error = BatchError.Truncated; return null; }
    const b = new RecordBatch(this.buffer, this.pos, length + 12);
    this.pos += length + 12;
    return b;
  }
}

/**
 * Reads the records of an uncompressed batch one at a time. `next` fills `into` and
 * returns false at the end or on a malformed record (then `bad` is set).
 *
 * It walks the bytes directly (varint_at.ts): every varint and length is checked against the
 * end of its record, and the record's length against the end of the section, so a record
 * cannot reach into the next one or past the batch. Every field of a record is checked as it
 * is read, headers included: a record that `next` accepts is whole and exactly as long as it
 * says.
 */
export class RecordReader {
  bad: bool = false;
  private buffer: ArrayBuffer;
  /** Addresses: the next record, and the end of the records section. */
  private p: usize = 0;
  private end: usize = 0;
  private left: i32 = 0;
  /** Offset (in the buffer) of the record's first byte after its length varint, and its end. */
  recordStart: i32 = 0;
  recordEnd: i32 = 0;

  constructor(batch: RecordBatch) {
    this.buffer = batch.buffer;
    this.reset(batch);
  }

  /** Starts over on the records of `batch` (one reader can serve batch after batch). */
  reset(batch: RecordBatch): void {
    const buffer = batch.buffer;
    this.buffer = buffer;
    // The section, clamped to the buffer (as Reader clamps its range).
    const total = buffer.byteLength;
    let from = batch.offset + BATCH_HEADER;
    let to = batch.offset + batch.size;
    if (from < 0) from = 0;
    if (from > total) from = total;
    if (to > total) to = total;
    if (to < from) to = from;
    const base = changetype<usize>(buffer);
    this.p = base + <usize>from;
    this.end = base + <usize>to;
    this.left = batch.recordCount;
    this.bad = this.left < 0;
    this.recordStart = 0;
    this.recordEnd = 0;
  }

  /** Lets go of the batch's buffer (a reader kept for the next batch must not keep a frame alive). */
  release(): void {
    this.buffer = NO_BYTES;
    this.p = changetype<usize>(NO_BYTES);
    this.end = this.p;
    this.left = 0;
  }

  next(into: BatchRecord): bool {
    if (!this.nextSpans(into)) return false;
    const buffer = this.buffer;
    into.key = into.keyLength < 0 ? null : Uint8Array.wrap(buffer, into.keyAt, into.keyLength);
    into.value = into.valueLength < 0 ? null : Uint8Array.wrap(buffer, into.valueAt, into.valueLength);
    return true;
  }

  /** As next, but the key and value are given as spans (keyAt, keyLength, …), with no view made. */
  @inline nextSpans(into: BatchRecord): bool {
    if (this.bad || this.left <= 0) return false;
    if (this.quick(into)) return true;
    return this.full(into);
  }

  /**
   * The common record, read with no call and no varint wider than two bytes: every varint one or
   * two bytes long, no headers. Each position is the previous one plus a width the branch
   * predictor guesses, so the walk is not a chain of loads. It accepts only records `full`
   * accepts, reads the same fields, and leaves anything else (a wider varint, headers, a length
   * that does not fit, bytes left over) to `full`, which reads the record again from its start
   * and judges it: false then, with nothing of the reader changed.
   */
  @inline private quick(into: BatchRecord): bool {
    const base = changetype<usize>(this.buffer);
    const limit = this.end;
    let p = this.p;
    // Record length.
    if (p + 1 >= limit) return false;
    let b = <u32>load<u16>(p);
    let u: u32;
    if ((b & 0x80) == 0) { u = b & 0x7f; p += 1; }
    else if ((b & 0x8000) == 0) { u = (b & 0x7f) | ((b >>> 1) & 0x3f80); p += 2; }
    else return false;
    const length = zigzag(u);
    if (length < 0 || <usize>length > limit - p) return false;
    const start = p;
    const end = p + <usize>length;
    // Attributes (int8), then the timestamp delta's first two bytes: p + 2 < end.
    if (p + 2 >= end) return false;
    const attributes = load<i8>(p);
    p += 1;
    b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) { u = b & 0x7f; p += 1; }
    else if ((b & 0x8000) == 0) { u = (b & 0x7f) | ((b >>> 1) & 0x3f80); p += 2; }
    else return false;
    const timestampDelta = <i64>zigzag(u);
    // Offset delta.
    if (p + 1 >= end) return false;
    b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) { u = b & 0x7f; p += 1; }
    else if ((b & 0x8000) == 0) { u = (b & 0x7f) | ((b >>> 1) & 0x3f80); p += 2; }
    else return false;
    const offsetDelta = zigzag(u);
    // Key: length (negative: null), then its bytes.
    if (p + 1 >= end) return false;
    b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) { u = b & 0x7f; p += 1; }
    else if ((b & 0x8000) == 0) { u = (b & 0x7f) | ((b >>> 1) & 0x3f80); p += 2; }
    else return false;
    let keyLength = zigzag(u);
    const keyAt = p;
    if (keyLength < 0) keyLength = -1;
    else if (<usize>keyLength > end - p) return false;
    else p += <usize>keyLength;
    // Value, as the key.
    if (p + 1 >= end) return false;
    b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) { u = b & 0x7f; p += 1; }
    else if ((b & 0x8000) == 0) { u = (b & 0x7f) | ((b >>> 1) & 0x3f80); p += 2; }
    else return false;
    let valueLength = zigzag(u);
    const valueAt = p;
    if (valueLength < 0) valueLength = -1;
    else if (<usize>valueLength > end - p) return false;
    else p += <usize>valueLength;
    // No headers (a count of 0), and the record ends there.
    if (p + 1 != end || load<u8>(p) != 0) return false;
    into.attributes = attributes;
    into.timestampDelta = timestampDelta;
    into.offsetDelta = offsetDelta;
    into.keyAt = <i32>(keyAt - base);
    into.keyLength = keyLength;
    into.valueAt = <i32>(valueAt - base);
    into.valueLength = valueLength;
    if (into.headerValues.length > 0) { into.headerKeys.length = 0; into.headerKeyBytes.length = 0; into.headerValues.length = 0; }
    this.recordStart = <i32>(start - base);
    this.recordEnd = <i32>(end - base);
    this.p = end;
    this.left--;
    return true;
  }

  /** Any record, every varint width and headers included; false (and `bad`) when it is malformed. */
  private full(into: BatchRecord): bool {
    const base = changetype<usize>(this.buffer);
    let v = varintAt(this.p, this.end);
    let p = packedEnd(v);
    const length = packedValue(v);
    if (p == 0 || length < 0 || <usize>length > this.end - p) return this.malformed();
    const end = p + <usize>length;
    this.recordStart = <i32>(p - base);
    this.recordEnd = <i32>(end - base);
    // attributes: int8
    if (p >= end) return this.malformed();
    into.attributes = load<i8>(p);
    p++;
    into.timestampDelta = varlongAt(p, end);
    p = varlongEnd;
    if (p == 0) return this.malformed();
    v = varintAt(p, end);
    p = packedEnd(v);
    into.offsetDelta = packedValue(v);
    if (p == 0) return this.malformed();
    // key and value: a length (negative: null), then the bytes, within the record.
    v = varintAt(p, end);
    p = packedEnd(v);
    let n = packedValue(v);
    if (p == 0) return this.malformed();
    if (n < 0) { n = -1; into.keyAt = <i32>(p - base); } else {
      if (<usize>n > end - p) return this.malformed();
      into.keyAt = <i32>(p - base);
      p += <usize>n;
    }
    into.keyLength = n;
    v = varintAt(p, end);
    p = packedEnd(v);
    n = packedValue(v);
    if (p == 0) return this.malformed();
    if (n < 0) { n = -1; into.valueAt = <i32>(p - base); } else {
      if (<usize>n > end - p) return this.malformed();
      into.valueAt = <i32>(p - base);
      p += <usize>n;
    }
    into.valueLength = n;
    v = varintAt(p, end);
    p = packedEnd(v);
    const headers = packedValue(v);
    // Most records have no headers: an array's length is set only when it changes (a call per set).
    if (into.headerValues.length > 0) { into.headerKeys.length = 0; into.headerKeyBytes.length = 0; into.headerValues.length = 0; }
    if (p == 0 || headers < 0 || <usize>headers > end - p) return this.malformed();
    if (headers > 0) {
      p = this.headers(into, p, end, headers, base);
      if (p == 0) return this.malformed();
    }
    if (p != end) return this.malformed();
    this.p = end;
    this.left--;
    return true;
  }

  /** Reads `count` headers at `p` into `into`; the address after them, or 0 when they do not fit `end`. */
  private headers(into: BatchRecord, p: usize, end: usize, count: i32, base: usize): usize {
    const buffer = this.buffer;
    for (let i = 0; i < count; i++) {
      let v = varintAt(p, end);
      p = packedEnd(v);
      const kl = packedValue(v);
      if (p == 0 || kl < 0 || <usize>kl > end - p) return 0;
      into.headerKeys.push(String.UTF8.decodeUnsafe(p, <usize>kl));
      into.headerKeyBytes.push(Uint8Array.wrap(buffer, <i32>(p - base), kl));
      p += <usize>kl;
      v = varintAt(p, end);
      p = packedEnd(v);
      const vl = packedValue(v);
      if (p == 0) return 0;
      if (vl < 0) { into.headerValues.push(null); continue; }
      if (<usize>vl > end - p) return 0;
      into.headerValues.push(Uint8Array.wrap(buffer, <i32>(p - base), vl));
      p += <usize>vl;
    }
    return p;
  }

  private malformed(): bool {
    this.bad = true;
    return false;
  }

  /** True when every record was read and the section ended exactly. */
  complete(): bool { return !this.bad && this.left == 0 && this.p == this.end; }
}
