// Reads a Fetch response or a Produce request as it streams past, holding none of its records.
//
// Plugins that count what producers send and consumers receive (bytes and records per topic and
// partition, error codes, who produced) need the message's structure, not its records; and
// records are nearly all of a Fetch response or a Produce request (50 MB at once is ordinary).
// So the skimmer is fed the body in whatever pieces arrive and keeps only:
// - the few bytes of a structural field that straddles two pieces (at most MAX_HOLD), and
// - the first 61 bytes of the record batch being passed (its header: magic, length, attributes,
//   record count).
// It reads every Fetch response version (v0 to v17), every Produce request version (v0 to v13)
// and every ShareFetch response version (v0 to v2): the fields it steps over are the descriptors'.
// It counts batches as BatchIterator does: complete v2 batches, control batches apart, and
// nothing in a partition after a batch that is not v2 or is cut short.
import { Reader, ReadError } from "./wire/reader";

/** A structural field longer than this (a huge aborted-transaction list, say) stops the skim. */
const MAX_HOLD: i32 = 1 << 20;
/** RecordBatch v2 header bytes, and where its fields are. */
const BATCH_HEADER: i32 = 61;
const OFF_LENGTH: i32 = 8;
const OFF_MAGIC: i32 = 16;
const OFF_ATTRIBUTES: i32 = 21;
const OFF_PRODUCER_ID: i32 = 43;
const OFF_PRODUCER_EPOCH: i32 = 51;
const OFF_BASE_SEQUENCE: i32 = 53;
const OFF_RECORD_COUNT: i32 = 57;
const CONTROL_BIT: u16 = 0x20;

/** Which message is skimmed. */
export enum SkimKind {
  FetchResponse = 0,
  ProduceRequest = 1,
  /** A ShareFetch response (share groups, KIP-932): the records a share consumer acquires, topics by id. */
  ShareFetchResponse = 2,
}

/** What one partition of a Fetch response or Produce request carried. */
export class PartitionSkim {
  /** The topic's name (Fetch v12, Produce v12 and older), else "". */
  topic: string = "";
  /** The topic's id (v13 and newer), else null. */
  topicId: Uint8Array | null = null;
  /** Which of the message's topic entries it was listed under (0, 1, …). */
  topicIndex: i32 = 0;
  partition: i32 = 0;
  /** The partition's error code (Fetch; 0 for Produce). */
  errorCode: i16 = 0;
  /** Length of the records field (-1 when null). */
  recordsBytes: i32 = -1;
  /** Complete v2 data batches: their bytes and records. */
  batchBytes: i64 = 0;
  records: i64 = 0;
  /** Complete control batches (transaction markers). */
  controlBatches: i32 = 0;
  /** The first complete data batch's producer id (-1: none, or not idempotent), epoch and base sequence. */
  producerId: i64 = -1;
  producerEpoch: i16 = -1;
  baseSequence: i32 = -1;
}

export class Skim {
  /** The first record batch's attributes (codec in the low 3 bits), -1 before its header has passed, -2 when the first entry is not RecordBatch v2. */
  firstBatchAttributes: i32 = -1;
  /** The response's top-level error code (Fetch v7+). */
  errorCode: i16 = 0;
  /** Produce: acks (0: no response will come). */
  acks: i16 = 0;
  readonly partitions: Array<PartitionSkim> = [];
  /** Set when the body did not parse (or a field was too long to hold); the counts stop there. */
  bad: bool = false;
  /** Why, when bad. */
  reason: string = "";
}

/**
 * Sees the body pass in order, to change or hold it on its way (the record layer's streaming):
 * every byte fed goes to exactly one of `structure` (fields around the records) or `records` (the
 * records field of the partition `recordsStart` announced), in the order fed.
 */
export abstract class SkimListener {
  /** Bytes outside any records field. */
  abstract structure(buffer: ArrayBuffer, offset: i32, length: i32): void;
  /** A partition's non-empty records field starts (`p` is its skim so far; `p.recordsBytes` follow). */
  abstract recordsStart(p: PartitionSkim): void;
  /** Bytes of the records field, after the skimmer counted them. */
  abstract records(buffer: ArrayBuffer, offset: i32, length: i32): void;
  /** The records field has passed whole. */
  abstract recordsEnd(): void;
}

enum Step {
  HeaderTags,
  Top,
  Topic,
  Partition,
  Records,
  /** ShareFetch: a partition's acquired-records ranges, after its records. */
  Acquired,
  PartitionTags,
  TopicTags,
  /** ShareFetch: the node endpoints, after the topics. */
  NodeEndpoints,
  TopTags,
  Done,
}

/** A step's outcome when it cannot finish: the bytes ran out, or they are wrong. */
const NEED_MORE: i32 = -1;
const MALFORMED: i32 = -2;

export class RecordsSkimmer {
  readonly skim: Skim = new Skim();
  private step: Step;
  private readonly flexible: bool;
  private readonly produce: bool;
  private readonly share: bool;
  private topicsLeft: i32 = 0;
  private topicIndex: i32 = -1;
  private partitionsLeft: i32 = 0;
  private topicName: string = "";
  private topicId: Uint8Array | null = null;
  private current: PartitionSkim | null = null;
  /** Bytes of a structural step that straddles pieces. */
  private hold: ArrayBuffer = new ArrayBuffer(0);
  private holdLen: i32 = 0;

  // The records field being passed.
  private recordsLeft: i32 = 0;
  private readonly batchHead: ArrayBuffer = new ArrayBuffer(BATCH_HEADER);
  private batchHave: i32 = 0;
  /** Bytes of the current batch after its header still to pass, once the header is known. */
  private batchSkip: i32 = 0;
  private batchSize: i32 = 0;
  private batchIsControl: bool = false;
  private batchRecords: i32 = 0;
  private batchProducerId: i64 = -1;
  private batchProducerEpoch: i16 = -1;
  private batchBaseSequence: i32 = -1;
  /** The partition's batches stopped counting (not v2, or malformed). */
  private batchesStopped: bool = false;

  /**
   * `headerTags`: whether the bytes fed start with a response header's tagged fields (flexible
   * Fetch versions), i.e. right after the correlation id. A Produce request is fed from its body.
   */
  constructor(readonly kind: SkimKind, readonly version: i16, headerTags: bool) {
    this.produce = kind == SkimKind.ProduceRequest;
    this.share = kind == SkimKind.ShareFetchResponse;
    this.flexible = this.share || (this.produce ? version >= 9 : version >= 12);
    this.step = headerTags && this.flexible ? Step.HeaderTags : Step.Top;
  }

  /** Sees every byte fed, in order (null: counting only). */
  listener: SkimListener | null = null;

  get done(): bool { return this.step == Step.Done || this.skim.bad; }

  /** The next `length` bytes of the body. */
  feed(buffer: ArrayBuffer, offset: i32, length: i32): void {
    let p = offset;
    const end = offset + length;
    const listener = this.listener;
    while (p < end && !this.done) {
      if (this.step == Step.Records) {
        const n = min(end - p, this.recordsLeft);
        this.passRecords(buffer, p, n);
        if (listener != null) listener.records(buffer, p, n);
        p += n;
        this.recordsLeft -= n;
        if (this.recordsLeft == 0) {
          if (listener != null) listener.recordsEnd();
          this.afterRecords();
        }
        continue;
      }
      const from = p;
      p = this.structural(buffer, p, end);
      // A step's bytes go out once parsed (a partition's head before its records); bytes held for a
      // step that straddles pieces go out as they are taken, which is before any records too.
      if (listener != null && p > from) listener.structure(buffer, from, p - from);
    }
    // Whatever follows a finished or failed body is not ours to read, but it is the body's.
    if (listener != null && p < end) listener.structure(buffer, p, end - p);
  }

  /** One structural step (or part of it) from `p`: where the bytes it used end (the skim may have failed there). */
  private structural(buffer: ArrayBuffer, p: i32, end: i32): i32 {
    if (this.holdLen == 0) {
      const before = this.step;
      const used = this.parseStep(new Reader(buffer, p, end - p));
      // Every step reads at least a byte; one that read none and stayed put would spin here.
      if (used == 0 && this.step == before) { this.fail("the body does not parse"); return p; }
      if (used >= 0) return p + used;
      if (used == MALFORMED) { this.fail("the body does not parse"); return p; }
      // The step runs past this piece: everything left is part of it.
      this.keep(buffer, p, end - p);
      return end;
    }
    // A step that began in an earlier piece: add bytes until it parses.
    const take = min(end - p, max(256, this.holdLen));
    const before = this.holdLen;
    if (!this.keep(buffer, p, take)) return p;
    const used = this.parseStep(new Reader(this.hold, 0, this.holdLen));
    if (used >= 0) {
      this.holdLen = 0;
      return p + used - before;
    }
    if (used == MALFORMED) { this.fail("the body does not parse"); return p; }
    return p + take;
  }

  /** Call once the whole body was fed: the skim, marked bad if the body ended early. */
  finish(): Skim {
    if (!this.done) {
      // Passing records ends with the body; any other step is cut short.
      if (this.step == Step.Records || this.holdLen > 0 || this.step != Step.Done) this.fail("the body ends early");
    }
    return this.skim;
  }

  private fail(reason: string): void {
    if (this.skim.bad) return;
    this.skim.bad = true;
    this.skim.reason = reason;
  }

  private keep(buffer: ArrayBuffer, offset: i32, n: i32): bool {
    const need = this.holdLen + n;
    if (need > MAX_HOLD) { this.fail("a field is longer than " + MAX_HOLD.toString() + " bytes"); return false; }
    if (need > this.hold.byteLength) {
      const grown = new ArrayBuffer(max(need, this.hold.byteLength * 2));
      memory.copy(changetype<usize>(grown), changetype<usize>(this.hold), <usize>this.holdLen);
      this.hold = grown;
    }
    memory.copy(changetype<usize>(this.hold) + <usize>this.holdLen, changetype<usize>(buffer) + <usize>offset, <usize>n);
    this.holdLen = need;
    return true;
  }

  /** Runs the current step on `r`: the bytes it used, or NEED_MORE, or MALFORMED. */
  private parseStep(r: Reader): i32 {
    const start = r.pos;
    let ok: bool;
    // A step moves the skimmer on only once all of its bytes are there: a step cut short is
    // tried again from its start when more arrive.
    switch (this.step) {
      case Step.HeaderTags: ok = this.skipTags(r) && (r.bad || this.to(Step.Top)); break;
      case Step.Top: ok = this.top(r); break;
      case Step.Topic: ok = this.topic(r); break;
      case Step.Partition: ok = this.partition(r); break;
      case Step.Acquired: ok = this.acquired(r); break;
      case Step.PartitionTags: ok = this.skipTags(r) && (r.bad || this.afterPartition()); break;
      case Step.TopicTags: ok = this.skipTags(r) && (r.bad || this.afterTopic()); break;
      case Step.NodeEndpoints: ok = this.nodeEndpoints(r); break;
      case Step.TopTags: ok = this.skipTags(r) && (r.bad || this.to(Step.Done)); break;
      default: ok = true;
    }
    if (r.bad) return r.error == ReadError.Truncated ? NEED_MORE : MALFORMED;
    if (!ok) return MALFORMED;
    return r.pos - start;
  }

  private to(step: Step): bool { this.step = step; return true; }

  /** An array's element count: -1 for null, i32.MIN_VALUE when malformed. */
  private count(r: Reader): i32 {
    if (this.flexible) {
      const n = r.uvarint();
      return n > <u64>i32.MAX_VALUE ? i32.MIN_VALUE : <i32>n - 1;
    }
    const n = r.int32();
    return n < -1 ? i32.MIN_VALUE : n;
  }

  private skipTags(r: Reader): bool {
    if (!this.flexible) return true;
    const n = r.uvarint();
    for (let i: u64 = 0; i < n && !r.bad; i++) {
      r.uvarint();
      const size = r.uvarint();
      if (size > <u64>i32.MAX_VALUE) return false;
      r.skip(<i32>size);
    }
    return true;
  }

  private top(r: Reader): bool {
    const v = this.version;
    if (this.produce) {
      if (v >= 3) {
        // transactional_id: a nullable string, stepped over.
        const n = this.flexible ? <i64>r.uvarint() - 1 : <i64>r.int16();
        if (n < -1) return r.bad;
        if (n > 0) r.skip(<i32>n);
      }
      this.skim.acks = r.int16();
      r.int32();                                // timeout_ms
    } else if (this.share) {
      r.int32();                                // throttle_time_ms
      this.skim.errorCode = r.int16();
      r.compactNullableString();                // error_message
      if (v >= 1) r.int32();                    // acquisition_lock_timeout_ms
    } else {
      if (v >= 1) r.int32();                    // throttle_time_ms
      if (v >= 7) { this.skim.errorCode = r.int16(); r.int32(); } // error_code, session_id
    }
    const topics = this.count(r);
    if (r.bad) return true;
    if (topics < 0) return false;
    this.topicsLeft = topics;
    return this.afterTopicsCounted();
  }

  private afterTopicsCounted(): bool {
    return this.to(this.topicsLeft > 0 ? Step.Topic : this.afterTopics());
  }

  /** What follows the last topic. */
  private afterTopics(): Step {
    if (this.share) return Step.NodeEndpoints;
    return this.flexible ? Step.TopTags : Step.Done;
  }

  private topic(r: Reader): bool {
    const v = this.version;
    let name = "";
    let id: Uint8Array | null = null;
    if (!this.share && v <= 12) name = this.flexible ? r.compactString() : r.string();
    if (this.share || v >= 13) {
      const view = r.view(16);
      if (!r.bad) { const copy = new Uint8Array(16); memory.copy(copy.dataStart, view.dataStart, 16); id = copy; }
    }
    const partitions = this.count(r);
    if (r.bad) return true;
    if (partitions < 0) return false;
    this.topicName = name;
    this.topicId = id;
    this.topicIndex++;
    this.partitionsLeft = partitions;
    if (partitions > 0) return this.to(Step.Partition);
    if (this.flexible) return this.to(Step.TopicTags);
    return this.afterTopic();
  }

  private partition(r: Reader): bool {
    const v = this.version;
    const index = r.int32();
    let errorCode: i16 = 0;
    if (this.share) {
      errorCode = r.int16();
      r.compactNullableString();               // error_message
      r.int16();                               // acknowledge_error_code
      r.compactNullableString();               // acknowledge_error_message
      r.int32();                               // current_leader: leader_id
      r.int32();                               //   leader_epoch
      if (!this.skipTags(r)) return false;
    } else if (!this.produce) {
      errorCode = r.int16();
      r.int64();                               // high_watermark
      if (v >= 4) r.int64();                   // last_stable_offset
      if (v >= 5) r.int64();                   // log_start_offset
    }
    if (!this.produce && !this.share && v >= 4) {
      const aborted = this.count(r);
      if (aborted == i32.MIN_VALUE) return r.bad;
      for (let i = 0; i < aborted && !r.bad; i++) {
        r.int64();                             // producer_id
        r.int64();                             // first_offset
        if (!this.skipTags(r)) return false;
      }
    }
    if (!this.produce && !this.share && v >= 11) r.int32(); // preferred_read_replica
    let recordsLength: i32;
    if (this.flexible) {
      const n = r.uvarint();
      if (n > <u64>i32.MAX_VALUE) return r.bad;
      recordsLength = <i32>n - 1;
    } else {
      recordsLength = r.int32();
    }
    if (r.bad) return true;
    if (recordsLength < -1) return false;
    const p = new PartitionSkim();
    p.topic = this.topicName;
    p.topicId = this.topicId;
    p.topicIndex = this.topicIndex;
    p.partition = index;
    p.errorCode = errorCode;
    p.recordsBytes = recordsLength;
    this.skim.partitions.push(p);
    this.current = p;
    this.batchHave = 0;
    this.batchSkip = 0;
    this.batchesStopped = false;
    if (recordsLength > 0) {
      this.recordsLeft = recordsLength;
      const listener = this.listener;
      if (listener != null) listener.recordsStart(p);
      return this.to(Step.Records);
    }
    this.afterRecords();
    return true;
  }

  private afterRecords(): void {
    if (this.share) { this.step = Step.Acquired; return; }
    if (this.flexible) { this.step = Step.PartitionTags; return; }
    this.afterPartition();
  }

  /** ShareFetch: the partition's acquired ranges (first offset, last offset, delivery count), stepped over. */
  private acquired(r: Reader): bool {
    const n = this.count(r);
    if (n == i32.MIN_VALUE) return r.bad;
    for (let i = 0; i < n && !r.bad; i++) {
      r.int64();
      r.int64();
      r.int16();
      if (!this.skipTags(r)) return false;
    }
    return r.bad || this.to(Step.PartitionTags);
  }

  /** ShareFetch: the node endpoints (id, host, port, rack), stepped over. */
  private nodeEndpoints(r: Reader): bool {
    const n = this.count(r);
    if (n == i32.MIN_VALUE) return r.bad;
    for (let i = 0; i < n && !r.bad; i++) {
      r.int32();
      r.compactString();
      r.int32();
      r.compactNullableString();
      if (!this.skipTags(r)) return false;
    }
    return r.bad || this.to(Step.TopTags);
  }

  private afterPartition(): bool {
    this.partitionsLeft--;
    if (this.partitionsLeft > 0) return this.to(Step.Partition);
    if (this.flexible) return this.to(Step.TopicTags);
    return this.afterTopic();
  }

  private afterTopic(): bool {
    this.topicsLeft--;
    if (this.topicsLeft > 0) return this.to(Step.Topic);
    return this.to(this.afterTopics());
  }

  /** Walks record batches through `n` bytes of the records field, counting the complete ones. */
  private passRecords(buffer: ArrayBuffer, offset: i32, n: i32): void {
    let p = offset;
    const end = offset + n;
    const base = changetype<usize>(buffer);
    while (p < end && !this.batchesStopped) {
      if (this.batchSkip > 0) {
        const k = min(end - p, this.batchSkip);
        this.batchSkip -= k;
        p += k;
        if (this.batchSkip == 0) this.countBatch();
        continue;
      }
      // Gather the batch header.
      const want = (this.batchHave < OFF_MAGIC + 1 ? OFF_MAGIC + 1 : BATCH_HEADER) - this.batchHave;
      const k = min(end - p, want);
      memory.copy(changetype<usize>(this.batchHead) + <usize>this.batchHave, base + <usize>p, <usize>k);
      this.batchHave += k;
      p += k;
      if (this.batchHave == OFF_MAGIC + 1) {
        const head = changetype<usize>(this.batchHead);
        const length = bswap<i32>(load<i32>(head + OFF_LENGTH));
        // Not v2, or a length no batch has (or that overflows with the 12 bytes before it): counting stops.
        if (load<i8>(head + OFF_MAGIC) != 2 || length < BATCH_HEADER - 12 || length > i32.MAX_VALUE - 12) {
          if (this.skim.firstBatchAttributes == -1) this.skim.firstBatchAttributes = -2;
          this.batchesStopped = true;
          return;
        }
        this.batchSize = length + 12;
      }
      if (this.batchHave == BATCH_HEADER) {
        const head = changetype<usize>(this.batchHead);
        const attributes = bswap<u16>(load<u16>(head + OFF_ATTRIBUTES));
        if (this.skim.firstBatchAttributes == -1) this.skim.firstBatchAttributes = <i32>attributes;
        this.batchIsControl = (attributes & CONTROL_BIT) != 0;
        this.batchRecords = bswap<i32>(load<i32>(head + OFF_RECORD_COUNT));
        this.batchProducerId = bswap<i64>(load<i64>(head + OFF_PRODUCER_ID));
        this.batchProducerEpoch = bswap<i16>(load<i16>(head + OFF_PRODUCER_EPOCH));
        this.batchBaseSequence = bswap<i32>(load<i32>(head + OFF_BASE_SEQUENCE));
        this.batchSkip = this.batchSize - BATCH_HEADER;
        if (this.batchSkip == 0) this.countBatch();
      }
    }
  }

  private countBatch(): void {
    const p = this.current!;
    if (this.batchIsControl) p.controlBatches++;
    else {
      if (p.batchBytes == 0) {
        p.producerId = this.batchProducerId;
        p.producerEpoch = this.batchProducerEpoch;
        p.baseSequence = this.batchBaseSequence;
      }
      p.batchBytes += <i64>this.batchSize;
      if (this.batchRecords > 0) p.records += <i64>this.batchRecords;
    }
    this.batchHave = 0;
  }
}
