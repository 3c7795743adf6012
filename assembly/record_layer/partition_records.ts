// One partition's `records` field through a transform: every batch (RecordBatch v2, or a legacy
// message set), every record, the plugin's outcome applied, and the field given back as it must go
// on. Untouched batches stay where they are in the frame; an uncompressed batch edited in place is
// patched there (only its CRC recomputed); anything else is written again, compressed in the
// batch's own codec.
//
// A batch is signed again only if it was sound: a batch corrupted on its way (or on the broker's
// disk) gets the `on_unsupported` policy with CORRUPT_MESSAGE, as the broker or the consumer would
// refuse it, and is never stored or delivered as good. The layer checks the CRC a batch came with
// before it writes a new one; for a plugin that edits in place (RecordTransform.editsInPlace), it
// checks each uncompressed batch before the plugin sees it, since the edit leaves nothing to check.
// A batch edited in place whose handling then fails cannot go on as it came: its result says so
// (`spoiled`), and the connection closes even under `passthrough`.
//
// Produce and fetch differ in what a drop may do:
// - a fetched batch keeps its offsets: dropped records leave gaps (as a compacted log's), and the
//   batch keeps its last offset delta, so the consumer moves past them; a batch may become empty.
// - a produce batch must stay contiguous and non-empty: the kept records are renumbered, and a
//   batch with nothing left goes. A batch with a producer id (idempotent or transactional) keeps
//   every record, because the broker checks its sequence numbers against the record count: a
//   dropped record stays, with an empty value and no headers (not null: that would be a tombstone).
import { BatchIterator, BatchError, RecordBatch, RecordReader, BatchRecord, Compression, BATCH_HEADER } from "../kafka/records/record_batch";
import { batchWithRecords } from "../kafka/records/records_writer";
import { MessageSetReader, MessageSetError, LegacyMessage, legacyWith, legacyWithValue } from "../kafka/records/message_set";
import { Record, Outcome } from "./record";
import { RecordTransform } from "./record_transform";
import { RecordEdit, rewriteRecords } from "./batch_rewrite";
import { DecompressionAllowance, Decompressed, compressLike } from "./codecs";
import { RecordMetrics } from "./record_metrics";
import { RecordsPolicy } from "./scope";
import { CORRUPT_MESSAGE, RECORD_LIST_TOO_LARGE, REQUEST_TIMED_OUT, UNKNOWN_SERVER_ERROR } from "../kafka/error_codes";

export enum Verdict {
  /** Forward the field as it came (it may have been patched in place: see `patched`). */
  Unchanged = 0,
  /** Forward `replacement` instead. */
  Replaced = 1,
  /** Produce: nothing is left to store; the partition leaves the request and is answered as a success. */
  Emptied = 2,
  /** The plugin refused the partition: `errorCode`, `message`. */
  Rejected = 3,
  /** The layer cannot handle the records: `message` says why; `errorCode` is what `reject` would answer. */
  Unsupported = 4,
}

export class PartitionResult {
  verdict: Verdict = Verdict.Unchanged;
  /** Bytes in the frame were changed in place (CRCs fixed): the frame must be forwarded as it is now. */
  patched: bool = false;
  /** Unsupported after the plugin edited the batch in place: it cannot go on as it came, so `passthrough` closes. */
  spoiled: bool = false;
  replacement: Uint8Array | null = null;
  errorCode: i16 = 0;
  message: string = "";
}

const EMPTY = new Uint8Array(0);

/**
 * Why a connection closes for an unsupported partition: `why`, and for a spoiled one (edited in
 * place before it failed), why `passthrough` could not forward it.
 */
export function spoiledWhy(why: string, result: PartitionResult): string {
  return result.spoiled ? why + " (the plugin had seen the batch, and may have edited it in place: it cannot go on as it came)" : why;
}

/** Whether the `on_unsupported` policy closes the connection for `result`: `close`, or `passthrough` of a spoiled batch. */
export function closesFor(policy: RecordsPolicy, result: PartitionResult): bool {
  return policy == RecordsPolicy.Close || (policy == RecordsPolicy.Passthrough && result.spoiled);
}

/** Outcome of one batch or legacy entry. */
enum Step { Kept, Patched, Rewritten, Removed, Rejected, Failed }

export class PartitionRecords {
  readonly record: Record = new Record();
  private readonly fields: BatchRecord = new BatchRecord();
  /** Walks each batch's records (one reader for every batch: nothing allocated per batch). */
  private reader: RecordReader | null = null;
  private readonly edits: Array<RecordEdit> = [];
  private readonly pieces: Array<Uint8Array> = [];
  /** Set per partition by the caller. */
  fetched: bool = false;
  /** Leave out a fetch's partial trailing batch instead of forwarding it unseen. */
  cutPartialTail: bool = false;
  allowance: DecompressionAllowance = new DecompressionAllowance(0);
  private result: PartitionResult = new PartitionResult();
  /** Records kept in the field so far (produce: an empty field is Emptied). */
  private kept: i32 = 0;

  constructor(readonly transform: RecordTransform, readonly metrics: RecordMetrics) {}

  /** Runs the transform over one partition's records. `record` must be filled with the topic, partition and client first. */
  process(records: Uint8Array): PartitionResult {
    const result = this.walk(records);
    // Nothing of the frame stays reachable from the layer once the partition is decided.
    this.record.letGo();
    const f = this.fields;
    if (f.headerValues.length > 0) { f.headerKeys.length = 0; f.headerKeyBytes.length = 0; f.headerValues.length = 0; }
    return result;
  }

  /**
   * What `reject` answers for a batch that did not decompress. Past max_decompressed_bytes, a retry
   * meets the same limit: RECORD_LIST_TOO_LARGE. Past what the VM's budget had left, it may fit
   * another time, so the code is one clients retry: REQUEST_TIMED_OUT for a producer,
   * UNKNOWN_SERVER_ERROR for a consumer (the Java consumer logs it and fetches again).
   */
  private tooLargeCode(d: Decompressed): i16 {
    if (!d.tooLarge) return CORRUPT_MESSAGE;
    if (!d.forNow) return RECORD_LIST_TOO_LARGE;
    return this.fetched ? UNKNOWN_SERVER_ERROR : REQUEST_TIMED_OUT;
  }

  private failCrc(): Step {
    this.metrics.badChecksums.increment();
    this.fail("a batch's CRC does not match its bytes: it was corrupted before it reached the proxy", CORRUPT_MESSAGE);
    return Step.Failed;
  }

  private walk(records: Uint8Array): PartitionResult {
    const result = new PartitionResult();
    this.result = result;
    this.kept = 0;
    const pieces = this.pieces;
    pieces.length = 0;
    let changed = false;
    const end = records.byteOffset + records.byteLength;
    const batches = new BatchIterator(records.buffer, records.byteOffset, records.byteLength);
    while (true) {
      const batch = batches.next();
      let step = Step.Kept;
      if (batch != null) {
        step = this.batch(batch);
      } else if (batches.error == BatchError.NotV2) {
        const at = batches.position;
        const next = this.legacyEntry(records.buffer, at, end - at);
        if (next < 0) {
          // A cut-short legacy entry at the end of a fetch is a partial tail, like a v2 one.
          if (next == LEGACY_TRUNCATED && this.fetched && cutShort(records.buffer, at, end)) { this.partialTail(records.buffer, at, end); changed = changed || this.cutPartialTail; break; }
          return this.fail(next == LEGACY_TRUNCATED ? "a legacy message is cut short" : this.result.message.length > 0 ? this.result.message : "a legacy message (magic 0/1) does not parse", CORRUPT_MESSAGE);
        }
        batches.skipTo(next);
        step = this.legacyStep;
      } else {
        break;
      }
      if (step == Step.Failed || step == Step.Rejected) return result;
      if (step == Step.Patched) result.patched = true;
      if (step == Step.Rewritten || step == Step.Removed) changed = true;
    }
    if (batches.error == BatchError.Truncated) {
      if (!this.fetched) return this.fail("a record batch is cut short", CORRUPT_MESSAGE);
      if (!cutShort(records.buffer, batches.position, end)) return this.fail("a record batch's length is smaller than its header", CORRUPT_MESSAGE);
      this.partialTail(records.buffer, batches.position, end);
      if (this.cutPartialTail) changed = true;
    } else if (batches.error != BatchError.None && batches.error != BatchError.NotV2) {
      return this.fail("a record batch does not parse", CORRUPT_MESSAGE);
    }
    if (!changed) return result;
    if (!this.fetched && this.kept == 0) { result.verdict = Verdict.Emptied; return result; }
    let total = 0;
    for (let i = 0; i < pieces.length; i++) total += pieces[i].byteLength;
    const joined = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < pieces.length; i++) { joined.set(pieces[i], at); at += pieces[i].byteLength; }
    result.verdict = Verdict.Replaced;
    result.replacement = joined;
    return result;
  }

  private fail(why: string, code: i16): PartitionResult {
    const r = this.result;
    r.verdict = Verdict.Unsupported;
    r.message = why;
    r.errorCode = code;
    this.metrics.unsupported.increment();
    return r;
  }

  private partialTail(buffer: ArrayBuffer, from: i32, end: i32): void {
    if (this.cutPartialTail) { this.metrics.partialTailsCut.increment(); return; }
    this.pieces.push(Uint8Array.wrap(buffer, from, end - from));
  }

  /**
   * Notes an outcome other than Keep, and clears the decision for the next record (a record kept
   * leaves none to clear: every outcome method moves `outcome` off Keep); false when it rejected
   * the partition (or said it cannot handle it).
   */
  private noted(index: i32): bool {
    const go = this.noteOutcome(index);
    this.record.reset();
    return go;
  }

  private noteOutcome(index: i32): bool {
    const rec = this.record;
    const m = this.metrics;
    const outcome = rec.outcome;
    this.changedInBatch++;
    if (outcome == Outcome.Edited) { m.edited.increment(); this.inPlace = true; return true; }
    if (outcome == Outcome.Reject) {
      const r = this.result;
      r.verdict = Verdict.Rejected;
      r.errorCode = rec.rejectCode;
      r.message = rec.rejectMessage;
      m.rejectedPartitions.increment();
      return false;
    }
    if (outcome == Outcome.Unsupported) { this.fail(rec.rejectMessage, CORRUPT_MESSAGE); return false; }
    if (outcome == Outcome.Drop && !this.fetched && rec.producerId >= 0) {
      // Idempotent or transactional: the record keeps its place in the sequence, emptied.
      m.emptied.increment();
      this.edits.push(new RecordEdit(index, false, rec.key, EMPTY, [], []));
      return true;
    }
    if (outcome == Outcome.Drop) {
      m.dropped.increment();
      this.edits.push(new RecordEdit(index, true, null, null, [], []));
      return true;
    }
    m.replaced.increment();
    this.edits.push(new RecordEdit(index, false, rec.finalKey, rec.finalValue, rec.finalHeaderKeys.slice(0), rec.finalHeaderValues.slice(0)));
    return true;
  }
  private inPlace: bool = false;
  /** Records of the current batch the plugin edited, replaced or dropped. */
  private changedInBatch: i32 = 0;

  /** One RecordBatch v2. */
  private batch(b: RecordBatch): Step {
    if (b.isControl) {
      // Never shown to the plugin, so it must be what it says: one uncompressed control record.
      if (!this.holdsOneControlRecord(b)) { this.fail("a control batch does not hold one control record", CORRUPT_MESSAGE); return Step.Failed; }
      this.pieces.push(Uint8Array.wrap(b.buffer, b.offset, b.size));
      this.kept++;
      return Step.Kept;
    }
    // An uncompressed batch is what a plugin edits in place, after which its old CRC tells nothing.
    const checkedFirst = b.compression == Compression.None && this.transform.editsInPlace;
    if (checkedFirst && !b.crcValid()) return this.failCrc();
    this.inPlace = false;
    const step = this.batchRecords(b, checkedFirst);
    // The plugin may have written into what it saw before the batch failed (pii-filter masks as it scans).
    if (step == Step.Failed && b.compression == Compression.None && (checkedFirst || this.inPlace)) this.result.spoiled = true;
    return step;
  }

  /**
   * A control batch as brokers write them (a transaction marker, say): uncompressed, one record
   * whose key is the control record's version and type (4 bytes) and whose value is short. Data
   * dressed as a control batch would otherwise pass every plugin unseen.
   */
  private holdsOneControlRecord(b: RecordBatch): bool {
    if (b.compression != Compression.None || b.recordCount != 1) return false;
    const f = this.fields;
    let rr = this.reader;
    if (rr == null) { rr = new RecordReader(b); this.reader = rr; } else { rr.reset(b); }
    const one = rr.nextSpans(f) && f.keyLength == 4 && f.valueLength <= MAX_CONTROL_VALUE && f.headerValues.length == 0;
    const only = one && !rr.nextSpans(f) && rr.complete();
    rr.release();
    return only;
  }

  private batchRecords(b: RecordBatch, checkedFirst: bool): Step {
    const pieces = this.pieces;
    const original = Uint8Array.wrap(b.buffer, b.offset, b.size);
    const codec = b.compression;
    let clear = b;
    let section: Uint8Array | null = null;
    if (codec != Compression.None) {
      const s = b.recordsView();
      section = s;
      const d = this.allowance.decompress(codec, s);
      const plain = d.data;
      if (plain == null) { this.fail(d.why, this.tooLargeCode(d)); return Step.Failed; }
      // The header with the records in the clear, so one reader serves every codec.
      const buf = new ArrayBuffer(BATCH_HEADER + plain.byteLength);
      memory.copy(changetype<usize>(buf), changetype<usize>(b.buffer) + <usize>b.offset, <usize>BATCH_HEADER);
      memory.copy(changetype<usize>(buf) + <usize>BATCH_HEADER, plain.dataStart, <usize>plain.byteLength);
      clear = new RecordBatch(buf, 0, buf.byteLength);
    }
    const rec = this.record;
    rec.legacy = false;
    rec.producerId = b.producerId;
    rec.transactional = b.isTransactional;
    const logAppendTime = (b.attributes & 0x08) != 0;
    this.edits.length = 0;
    this.inPlace = false;
    this.changedInBatch = 0;
    let rr = this.reader;
    if (rr == null) { rr = new RecordReader(clear); this.reader = rr; } else { rr.reset(clear); }
    const f = this.fields;
    rec.startBatch(f, clear.buffer, b.baseOffset, logAppendTime ? b.maxTimestamp : b.baseTimestamp, !logAppendTime);
    rec.reset();
    const transform = this.transform;
    let showsHeaders = rec.headerValues.length > 0;
    let index = 0;
    while (rr.nextSpans(f)) {
      rec.nextInBatch();
      // The headers, copied only when this record or the one before has any.
      const headers = f.headerValues.length;
      if (headers > 0 || showsHeaders) {
        const hk = rec.headerKeys, hb = rec.headerKeyBytes, hv = rec.headerValues;
        hk.length = 0; hb.length = 0; hv.length = 0;
        for (let h = 0; h < headers; h++) { hk.push(f.headerKeys[h]); hb.push(f.headerKeyBytes[h]); hv.push(f.headerValues[h]); }
        showsHeaders = headers > 0;
      }
      transform.onRecord(rec);
      // Kept, the common case, needs nothing more. The plugin saw the records up to this one
      // (counted here: the count after the loop is not reached).
      if (rec.outcome != Outcome.Keep && !this.noted(index)) {
        rr.release();
        this.metrics.records.increment(<u64>index + 1);
        return this.result.verdict == Verdict.Rejected ? Step.Rejected : Step.Failed;
      }
      index++;
    }
    const complete = rr.complete();
    rr.release();
    this.metrics.records.increment(<u64>index);
    this.transform.endBatch(this.changedInBatch);
    if (!complete) { this.fail(codec == Compression.None ? "a record batch does not parse" : "a compressed batch's records do not parse", CORRUPT_MESSAGE); return Step.Failed; }
    const edits = this.edits;
    if (edits.length == 0 && !this.inPlace) { pieces.push(original); this.kept += index; return Step.Kept; }
    // Something changes: sign nothing that came corrupted. The frame's batch is as it came unless
    // edited in place, in which case it was checked first (or the plugin said it never edits in
    // place, and its edit is signed unchecked).
    if (!checkedFirst && !(this.inPlace && codec == Compression.None) && !b.crcValid()) return this.failCrc();
    if (edits.length == 0 && codec == Compression.None) {
      b.fixCrc();
      this.metrics.batchesPatched.increment();
      pieces.push(original);
      this.kept += index;
      return Step.Patched;
    }
    const editedFrame = this.inPlace && codec == Compression.None;
    let records: Uint8Array;
    let count = clear.recordCount;
    let last = clear.lastOffsetDelta;
    if (edits.length > 0) {
      const again = rewriteRecords(clear, edits, !this.fetched);
      if (again == null) { this.fail("a record batch does not parse", CORRUPT_MESSAGE); return Step.Failed; }
      records = again.records;
      count = again.count;
      last = again.lastOffsetDelta;
    } else {
      records = clear.recordsView();
    }
    this.metrics.batchesRewritten.increment();
    let step = Step.Removed;
    if (count > 0 || this.fetched) {
      this.kept += count;
      pieces.push(batchWithRecords(b, section == null ? records : compressLike(codec, records, section), count, last));
      step = Step.Rewritten;
    }
    if (editedFrame) {
      // The frame's own bytes were edited too: keep that batch's CRC true, should the partition go
      // on as it is after all (a later batch the passthrough policy forwards unseen).
      b.fixCrc();
      this.result.patched = true;
    }
    return step;
  }

  /** The step legacyEntry took. */
  private legacyStep: Step = Step.Kept;

  /**
   * One top-level legacy entry at `at`: a plain message, or a compressed wrapper around a whole inner
   * message set. Sets legacyStep and returns the position after it, or LEGACY_TRUNCATED / LEGACY_BAD
   * (a rejection or decompression failure sets legacyStep instead and returns the position).
   */
  private legacyEntry(buffer: ArrayBuffer, at: i32, length: i32): i32 {
    const reader = new MessageSetReader(buffer, at, length);
    const m = reader.next();
    if (m == null) return reader.error == MessageSetError.Truncated ? LEGACY_TRUNCATED : LEGACY_BAD;
    const rec = this.record;
    rec.legacy = true;
    rec.producerId = -1;
    rec.transactional = false;
    const codec = m.compression;
    if (codec == 0) {
      rec.legacyPosition(this.fetched ? m.messageOffset : -1, m.timestamp);
      // A plain message lies in the frame, where an edit in place leaves its old CRC telling nothing.
      const checkedFirst = this.transform.editsInPlace;
      if (checkedFirst && !m.crcValid()) { this.legacyStep = this.failCrc(); return reader.position; }
      const step = this.legacyMessage(m, this.pieces, checkedFirst);
      if (step == Step.Failed && checkedFirst) this.result.spoiled = true;
      this.legacyStep = step;
      this.metrics.records.increment();
      if (step != Step.Failed && step != Step.Rejected) this.transform.endBatch(step == Step.Kept ? 0 : 1);
      return reader.position;
    }
    const wrapped = m.value;
    if (wrapped == null || codec > 3) { this.fail("a legacy compressed message has no value or an unknown codec", CORRUPT_MESSAGE); this.legacyStep = Step.Failed; return reader.position; }
    // Legacy attributes number gzip, snappy and lz4 as RecordBatch v2 does.
    const d = this.allowance.decompress(<Compression>codec, wrapped);
    const plain = d.data;
    if (plain == null) { this.fail("a legacy message: " + d.why, this.tooLargeCode(d)); this.legacyStep = Step.Failed; return reader.position; }
    const inner = new MessageSetReader(plain.buffer, plain.byteOffset, plain.byteLength);
    const messages = new Array<LegacyMessage>();
    let nested = false;
    while (true) {
      const im = inner.next();
      if (im == null) break;
      // Inner messages are plain: a compressed one (which Kafka refuses) would reach the plugin as compressed bytes.
      if (im.compression != 0) nested = true;
      messages.push(im);
    }
    if (inner.error != MessageSetError.None || messages.length == 0 || nested) { this.fail("a legacy compressed message's inner messages do not parse", CORRUPT_MESSAGE); this.legacyStep = Step.Failed; return reader.position; }
    // Magic 1 inner offsets count from 0; the wrapper carries the last one's absolute offset.
    const lastRelative = messages[messages.length - 1].messageOffset;
    const relative = m.magic == 1;
    // Magic 1 with log-append time (attribute bit 3): the broker stamped the wrapper, whose timestamp is every inner record's.
    const logAppendTime = m.magic == 1 && (m.attributes & 0x08) != 0;
    const innerPieces = new Array<Uint8Array>();
    let changed = 0;
    let keptBefore = this.kept;
    for (let i = 0; i < messages.length; i++) {
      const im = messages[i];
      rec.legacyPosition(!this.fetched ? -1 : relative ? m.messageOffset - lastRelative + im.messageOffset : im.messageOffset,
        logAppendTime || im.timestamp < 0 ? m.timestamp : im.timestamp);
      const step = this.legacyMessage(im, innerPieces, false);
      if (step == Step.Failed || step == Step.Rejected) { this.metrics.records.increment(<u64>i + 1); this.legacyStep = step; return reader.position; }
      if (step != Step.Kept) changed++;
    }
    this.metrics.records.increment(<u64>messages.length);
    this.transform.endBatch(changed);
    if (changed == 0) { this.pieces.push(Uint8Array.wrap(buffer, m.offset, m.size)); this.legacyStep = Step.Kept; return reader.position; }
    // The wrapper's own bytes are untouched (the plugin saw its records decompressed).
    if (!m.crcValid()) { this.legacyStep = this.failCrc(); return reader.position; }
    this.metrics.batchesRewritten.increment();
    if (this.kept == keptBefore) { this.legacyStep = Step.Removed; return reader.position; }
    let total = 0;
    for (let i = 0; i < innerPieces.length; i++) total += innerPieces[i].byteLength;
    const set = new Uint8Array(total);
    let q = 0;
    for (let i = 0; i < innerPieces.length; i++) { set.set(innerPieces[i], q); q += innerPieces[i].byteLength; }
    const rewritten = legacyWithValue(m, compressLike(<Compression>codec, set, wrapped));
    if (relative) {
      // A consumer places inner message i at (wrapper offset - last inner offset + i's offset): with
      // the last one dropped, the wrapper takes the last kept one's offset, so every kept record
      // keeps its own (the offset is outside the CRC).
      const lastKept = bswap<i64>(load<i64>(innerPieces[innerPieces.length - 1].dataStart));
      store<i64>(rewritten.dataStart, bswap<i64>(m.messageOffset - lastRelative + lastKept));
    }
    this.pieces.push(rewritten);
    this.legacyStep = Step.Rewritten;
    return reader.position;
  }

  /**
   * One plain legacy message (top-level or inside a wrapper) through the plugin; its bytes go to
   * `out`. `checkedFirst`: its CRC was checked before the plugin saw it.
   */
  private legacyMessage(m: LegacyMessage, out: Array<Uint8Array>, checkedFirst: bool): Step {
    const rec = this.record;
    rec.key = m.key;
    rec.value = m.value;
    rec.headerKeys.length = 0;
    rec.headerKeyBytes.length = 0;
    rec.headerValues.length = 0;
    rec.reset();
    this.transform.onRecord(rec);
    const met = this.metrics;
    const original = Uint8Array.wrap(m.buffer, m.offset, m.size);
    const outcome = rec.outcome;
    if (outcome == Outcome.Keep) { out.push(original); this.kept++; return Step.Kept; }
    // Changed: sign nothing that came corrupted. An inner message's CRC is checked with its
    // wrapper's; an edit in place by a plugin that said it never makes one is signed unchecked.
    if (!checkedFirst && out == this.pieces && outcome == Outcome.Replaced && !m.crcValid()) return this.failCrc();
    if (outcome == Outcome.Edited) { met.edited.increment(); m.fixCrc(); out.push(original); this.kept++; return Step.Patched; }
    if (outcome == Outcome.Reject) {
      const r = this.result;
      r.verdict = Verdict.Rejected;
      r.errorCode = rec.rejectCode;
      r.message = rec.rejectMessage;
      met.rejectedPartitions.increment();
      return Step.Rejected;
    }
    if (outcome == Outcome.Unsupported) { this.fail(rec.rejectMessage, CORRUPT_MESSAGE); return Step.Failed; }
    if (outcome == Outcome.Drop) { met.dropped.increment(); return Step.Removed; }
    if (rec.headersReplaced && rec.newHeaderKeys.length > 0) {
      this.fail("a legacy message (magic " + m.magic.toString() + ") cannot carry headers", CORRUPT_MESSAGE);
      return Step.Failed;
    }
    met.replaced.increment();
    out.push(legacyWith(m, rec.finalKey, rec.finalValue));
    this.kept++;
    return Step.Rewritten;
  }
}

/**
 * Whether the entry at `at` is cut short by the end of the field (a fetch's partial trailing batch)
 * rather than malformed: its length is not all there, or it is one a batch (49 bytes after the
 * length at least) or a legacy message (14) can have and runs past the end. A length below that
 * (or negative) is a malformed batch, which the unsupported policy handles, not a tail to forward.
 */
function cutShort(buffer: ArrayBuffer, at: i32, end: i32): bool {
  const left = end - at;
  if (left < 12) return true;
  const size = bswap<i32>(load<i32>(changetype<usize>(buffer) + <usize>at + 8));
  const min = left >= 17 && load<u8>(changetype<usize>(buffer) + <usize>at + 16) == 2 ? BATCH_HEADER - 12 : 14;
  return size >= min && size > left - 12;
}

/** The longest control record value taken: a transaction marker's is 6 bytes, KRaft's own records are longer but small. */
const MAX_CONTROL_VALUE: i32 = 4096;

const LEGACY_TRUNCATED: i32 = -1;
const LEGACY_BAD: i32 = -2;
