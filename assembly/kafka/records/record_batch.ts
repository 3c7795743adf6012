// RecordBatch v2 (magic 2), read in place: header fields at fixed offsets, records as
// views into the frame. Edits that keep every length (masking) patch the bytes where
// they are; fixCrc() then recomputes the checksum over attributes..end.
import { Reader, ReadError } from "../wire/reader";
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
 */
export class RecordReader {
  bad: bool = false;
  private readonly r: Reader;
  private left: i32;
  /** Offset (in the buffer) of the record's first byte after its length varint, and its end. */
  recordStart: i32 = 0;
  recordEnd: i32 = 0;

  constructor(batch: RecordBatch) {
    this.r = new Reader(batch.buffer, batch.offset + BATCH_HEADER, batch.size - BATCH_HEADER);
    this.left = batch.recordCount;
    if (this.left < 0) this.bad = true;
  }

  next(into: BatchRecord): bool {
    if (!this.nextSpans(into)) return false;
    const buffer = this.r.buffer;
    into.key = into.keyLength < 0 ? null : Uint8Array.wrap(buffer, into.keyAt, into.keyLength);
    into.value = into.valueLength < 0 ? null : Uint8Array.wrap(buffer, into.valueAt, into.valueLength);
    return true;
  }

  /** As next, but the key and value are given as spans (keyAt, keyLength, …), with no view made. */
  nextSpans(into: BatchRecord): bool {
    if (this.bad || this.left <= 0) return false;
    const r = this.r;
    const length = r.varint();
    if (r.bad || length < 0 || length > r.remaining()) { this.bad = true; return false; }
    this.recordStart = r.pos;
    this.recordEnd = r.pos + length;
    into.attributes = r.int8();
    into.timestampDelta = r.varlong();
    into.offsetDelta = r.varint();
    into.keyLength = this.span();
    into.keyAt = r.pos - max(into.keyLength, 0);
    into.valueLength = this.span();
    into.valueAt = r.pos - max(into.valueLength, 0);
    const headers = r.varint();
    // Most records have no headers: an array's length is set only when it changes (a call per set).
    if (into.headerValues.length > 0) { into.headerKeys.length = 0; into.headerKeyBytes.length = 0; into.headerValues.length = 0; }
    if (headers < 0 || headers > this.recordEnd - r.pos) { this.bad = true; return false; }
    for (let i = 0; i < headers && !r.bad; i++) {
      const kl = r.varint();
      if (kl < 0 || kl > this.recordEnd - r.pos) { this.bad = true; return false; }
      const k = r.view(kl);
      into.headerKeys.push(String.UTF8.decodeUnsafe(k.dataStart, <usize>k.byteLength));
      into.headerKeyBytes.push(k);
      into.headerValues.push(this.bytes());
    }
    if (r.bad || r.pos != this.recordEnd) { this.bad = true; return false; }
    this.left--;
    return true;
  }

  /** Steps over a length-prefixed field: its length (-1: null); the reader ends after it. */
  private span(): i32 {
    const r = this.r;
    const n = r.varint();
    if (n < 0) return -1;
    if (n > this.recordEnd - r.pos) { r.fail(ReadError.BadLength); return -1; }
    r.skip(n);
    return n;
  }

  private bytes(): Uint8Array | null {
    const r = this.r;
    const n = r.varint();
    if (n < 0) return null;
    if (n > this.recordEnd - r.pos) { r.fail(ReadError.BadLength); return null; }
    return r.view(n);
  }

  /** True when every record was read and the section ended exactly. */
  complete(): bool { return !this.bad && this.left == 0 && this.r.remaining() == 0; }
}
