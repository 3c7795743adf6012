// One record, as a record plugin sees it: where it is going (or coming from), who sent or
// fetches it, its key, value and headers as views into the frame, and what the plugin decides.
// The layer fills one Record per record and hands it to RecordTransform.onRecord; the plugin
// reads it and calls at most one of the outcome methods. Everything else (batches, codecs, CRCs,
// offsets, topic ids) is the layer's business.
import { ClientInfo } from "./client_info";
import { BatchRecord } from "../kafka/records/record_batch";
import { UNKNOWN_SERVER_ERROR } from "../kafka/error_codes";

/** What the plugin decided about a record. */
export enum Outcome {
  /** Forwarded as it was (the default). */
  Keep = 0,
  /** Bytes of the key, value or header values were changed in place; lengths are the same. */
  Edited = 1,
  /** The key, value or headers were replaced; lengths may differ. */
  Replaced = 2,
  /** The record is removed (see RecordTransform's docs for idempotent produce batches). */
  Drop = 3,
  /** The whole partition's produce is refused with an error code and message. */
  Reject = 4,
  /** The plugin cannot handle the record: the layer's `on_unsupported` policy applies to its partition. */
  Unsupported = 5,
}

/** What a record points into between two partitions. */
const NOTHING = new ArrayBuffer(0);

export class Record {
  // ---- Where the record is ----
  /** The topic's name: the layer resolves topic ids (Produce and Fetch v13+ carry only ids). */
  topic: string = "";
  partition: i32 = 0;
  /** True for a record a consumer fetches, false for one a producer sends. */
  fetched: bool = false;
  /** The record's offset in the partition (fetched records); -1 for produced ones (the broker assigns it). */
  get offset(): i64 { return this.offsetFromDelta ? this.offsetBase + <i64>this.fields.offsetDelta : this.offsetBase; }
  /** Create time or log-append time, in milliseconds since the epoch. */
  get timestamp(): i64 { return this.timestampFromDelta ? this.timestampBase + this.fields.timestampDelta : this.timestampBase; }
  /** The batch's producer id: -1 unless the producer is idempotent or transactional. */
  producerId: i64 = -1;
  /** The record belongs to a transaction. */
  transactional: bool = false;
  /** The record comes from a legacy message set (magic 0 or 1): it has no headers. */
  legacy: bool = false;
  /** Who sent or fetches it. */
  client: ClientInfo = new ClientInfo();

  // ---- The record ----
  // What the layer's record reader found (RecordBatch v2): where the key and value lie in `src`
  // (the frame or the decompressed batch), the offset and timestamp deltas. The key and value
  // views, the offset and the timestamp are made from them when the plugin reads them, so a
  // plugin that looks at none of them costs nothing per record for them. (Legacy messages set
  // the views, offset and timestamp themselves.)
  private fields: BatchRecord = new BatchRecord();
  private src: ArrayBuffer = new ArrayBuffer(0);
  private offsetBase: i64 = -1;
  private offsetFromDelta: bool = false;
  private timestampBase: i64 = -1;
  private timestampFromDelta: bool = false;
  private keyView: Uint8Array | null = null;
  private valueView: Uint8Array | null = null;
  private keyMade: bool = true;
  private valueMade: bool = true;

  /** The key, a view into the frame (or into the decompressed batch): edit in place and call edited(). */
  get key(): Uint8Array | null {
    if (!this.keyMade) {
      const f = this.fields;
      this.keyView = f.keyLength < 0 ? null : Uint8Array.wrap(this.src, f.keyAt, f.keyLength);
      this.keyMade = true;
    }
    return this.keyView;
  }
  set key(view: Uint8Array | null) { this.keyView = view; this.keyMade = true; }

  /** The value, as the key. */
  get value(): Uint8Array | null {
    if (!this.valueMade) {
      const f = this.fields;
      this.valueView = f.valueLength < 0 ? null : Uint8Array.wrap(this.src, f.valueAt, f.valueLength);
      this.valueMade = true;
    }
    return this.valueView;
  }
  set value(view: Uint8Array | null) { this.valueView = view; this.valueMade = true; }

  /**
   * The layer, after a partition: lets go of the frame (or decompressed batch) the record's views
   * point into, so that a connection between two messages keeps none of it alive.
   */
  letGo(): void {
    this.src = NOTHING;
    this.keyView = null;
    this.valueView = null;
    this.keyMade = true;
    this.valueMade = true;
    this.newKey = null;
    this.newValue = null;
    if (this.headerValues.length > 0) { this.headerKeys.length = 0; this.headerKeyBytes.length = 0; this.headerValues.length = 0; }
    if (this.newHeaderValues.length > 0) { this.newHeaderKeys.length = 0; this.newHeaderValues.length = 0; }
  }

  /**
   * The layer, for a RecordBatch v2: its records are read into `fields` (the reader's, kept for
   * every batch), their key and value lie in `src`; a fetched record's offset is `baseOffset`
   * plus its delta, its timestamp `timestampBase` plus its delta (or `timestampBase` itself for
   * log-append time).
   */
  startBatch(fields: BatchRecord, src: ArrayBuffer, baseOffset: i64, timestampBase: i64, timestampFromDelta: bool): void {
    this.fields = fields;
    this.src = src;
    this.offsetBase = this.fetched ? baseOffset : -1;
    this.offsetFromDelta = this.fetched;
    this.timestampBase = timestampBase;
    this.timestampFromDelta = timestampFromDelta;
  }

  /** The layer: the reader has read the next record of the batch into `fields`. */
  @inline nextInBatch(): void {
    this.keyMade = false;
    this.valueMade = false;
  }

  /** The layer, for a legacy message: its offset (-1 when produced) and timestamp. */
  legacyPosition(offset: i64, timestamp: i64): void {
    this.offsetBase = offset;
    this.offsetFromDelta = false;
    this.timestampBase = timestamp;
    this.timestampFromDelta = false;
  }

  /** Header keys, decoded, and their raw bytes as they were on the wire. */
  readonly headerKeys: Array<string> = [];
  readonly headerKeyBytes: Array<Uint8Array> = [];
  readonly headerValues: Array<Uint8Array | null> = [];

  // ---- The decision ----
  outcome: Outcome = Outcome.Keep;
  /** Set by setKey / setValue / setHeader*: the replacement, taken in place of the original. */
  newKey: Uint8Array | null = null;
  newValue: Uint8Array | null = null;
  keyReplaced: bool = false;
  valueReplaced: bool = false;
  headersReplaced: bool = false;
  readonly newHeaderKeys: Array<Uint8Array> = [];
  readonly newHeaderValues: Array<Uint8Array | null> = [];
  rejectCode: i16 = 0;
  rejectMessage: string = "";

  /** The producer is idempotent or transactional: the broker checks its batches' sequence numbers. */
  get idempotent(): bool { return this.producerId >= 0; }

  /** Says that bytes of key, value or header values were changed in place (same lengths). */
  edited(): void {
    if (this.outcome == Outcome.Keep) this.outcome = Outcome.Edited;
  }

  /** Replaces the value (null makes a tombstone on a compacted topic). Any length. */
  setValue(value: Uint8Array | null): void {
    this.newValue = value;
    this.valueReplaced = true;
    this.replaced();
  }

  /** Replaces the key. Any length. */
  setKey(key: Uint8Array | null): void {
    this.newKey = key;
    this.keyReplaced = true;
    this.replaced();
  }

  /** Replaces header `index`'s value. */
  setHeaderValue(index: i32, value: Uint8Array | null): void {
    if (index < 0 || index >= this.headerValues.length) return;
    this.startHeaders();
    this.newHeaderValues[index] = value;
    this.replaced();
  }

  /** Replaces all headers with these (keys as text). */
  setHeaders(keys: Array<string>, values: Array<Uint8Array | null>): void {
    this.newHeaderKeys.length = 0;
    this.newHeaderValues.length = 0;
    const n = keys.length < values.length ? keys.length : values.length;
    for (let i = 0; i < n; i++) {
      this.newHeaderKeys.push(Uint8Array.wrap(String.UTF8.encode(keys[i])));
      this.newHeaderValues.push(values[i]);
    }
    this.headersReplaced = true;
    this.replaced();
  }

  /** Removes the record. */
  drop(): void {
    if (this.outcome != Outcome.Reject && this.outcome != Outcome.Unsupported) this.outcome = Outcome.Drop;
  }

  /**
   * Refuses the produce of this record's partition: the client gets `errorCode` and `message`
   * for it, and nothing of the partition is stored. On a fetched record, the partition is
   * answered with the error and no records. A code of 0 (NONE) would tell a producer its records
   * were stored: it is answered UNKNOWN_SERVER_ERROR instead.
   */
  reject(errorCode: i16, message: string): void {
    this.outcome = Outcome.Reject;
    this.rejectCode = errorCode == 0 ? UNKNOWN_SERVER_ERROR : errorCode;
    this.rejectMessage = message;
  }

  /**
   * Says the plugin cannot handle this record (a scan that ran out of its work budget, say): the
   * partition gets the `on_unsupported` policy (close the connection, pass it unseen, or refuse it).
   */
  unsupported(reason: string): void {
    this.outcome = Outcome.Unsupported;
    this.rejectMessage = reason;
  }

  // ---- For the layer ----

  /** The key, value and headers as they are to be written. */
  get finalKey(): Uint8Array | null { return this.keyReplaced ? this.newKey : this.key; }
  get finalValue(): Uint8Array | null { return this.valueReplaced ? this.newValue : this.value; }
  get finalHeaderKeys(): Array<Uint8Array> { return this.headersReplaced ? this.newHeaderKeys : this.headerKeyBytes; }
  get finalHeaderValues(): Array<Uint8Array | null> { return this.headersReplaced ? this.newHeaderValues : this.headerValues; }

  /** Clears the decision before the next record. */
  @inline reset(): void {
    this.outcome = Outcome.Keep;
    this.keyReplaced = false;
    this.valueReplaced = false;
    this.headersReplaced = false;
    this.newKey = null;
    this.newValue = null;
    if (this.newHeaderValues.length > 0) { this.newHeaderKeys.length = 0; this.newHeaderValues.length = 0; }
  }

  private replaced(): void {
    if (this.outcome == Outcome.Keep || this.outcome == Outcome.Edited) this.outcome = Outcome.Replaced;
  }

  /** Header edits start from a copy of the record's own headers. */
  private startHeaders(): void {
    if (this.headersReplaced) return;
    this.newHeaderKeys.length = 0;
    this.newHeaderValues.length = 0;
    for (let i = 0; i < this.headerValues.length; i++) {
      this.newHeaderKeys.push(this.headerKeyBytes[i]);
      this.newHeaderValues.push(this.headerValues[i]);
    }
    this.headersReplaced = true;
  }
}
