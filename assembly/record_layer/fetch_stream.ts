// A Fetch response through the transform as it streams, one record batch at a time.
//
// Held whole, a 50 MB Fetch response costs 50 MB in the VM, per plugin and per consumer.
// Streamed, it goes on as it arrives: the fields around the records at once, each batch once the
// plugin has seen its records. The VM holds one batch (the one arriving across pieces) and, for a
// compressed batch, its records in the clear while the plugin reads them.
//
// This works while nothing changes a length: records kept, or edited in place in an uncompressed
// batch (the CRC fixed). A change of length (a drop or a replacement, an edit inside a compressed
// batch, a rejected partition) cannot be made in a response whose sizes have already gone on.
// Kafka's own fetch semantics give the way out: a broker may end a partition's records with a
// batch cut short, and every consumer reads the complete batches before it and fetches again from
// the first offset it did not get. So the layer cuts the partition there: the changed batch goes
// on when its new form is no longer than the old, and the rest of the partition's bytes become a
// batch header that announces more bytes than follow, then zeros. The consumer fetches the rest
// again, and from then on the connection's Fetch responses are held whole, so that fetch gets the
// usual handling (the edit, the drop, the refusal with its error code).
//
// One case has no cut: the first batch of a partition growing (or refused), because a partition
// whose records hold no complete batch makes the Java consumer fail. The connection is closed
// instead, before anything of that batch went on, and the VM holds every Fetch response whole from
// then on, so the consumer's retry on a new connection gets the usual handling.
import { TopicNames } from "../stream/topic_names";
import { SkimKind } from "../kafka/records_skimmer";
import { PartitionRecords, Verdict } from "./partition_records";
import { RecordScope } from "./scope";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";
import { BatchStream, Flow, LOG_OVERHEAD, MIN_ENTRY } from "./batch_stream";
import { BATCH_HEADER } from "../kafka/records/record_batch";

/** A RecordBatch's bytes up to its magic byte, which consumers read before deciding a batch is cut short. */
const HEAD_TO_MAGIC: i32 = 17;
const MAGIC_AT: i32 = 16;

/** Set once a fetch on this VM could be handled neither streamed nor cut: every later one is held whole. */
let heldWholeOnVm: bool = false;

/** Whether this VM holds Fetch responses whole (a record transform met one it could not stream). */
export function fetchesHeldWhole(): bool { return heldWholeOnVm; }

export class FetchStream extends BatchStream {
  /** A partition was cut for a change of length: the connection holds its next responses whole. */
  holdAsked: bool = false;
  /** Complete entries of the current partition gone on, so a cut there still leaves the consumer something. */
  private entriesOut: i32 = 0;
  /** The cut's first bytes (a batch header announcing more than follows), and how much of the cut went on. */
  private fillHead: ArrayBuffer = new ArrayBuffer(0);
  private filled: i32 = 0;

  constructor(version: i16, partitionRecords: PartitionRecords, names: TopicNames, scope: RecordScope, metrics: RecordMetrics, client: ClientInfo) {
    super(SkimKind.FetchResponse, version, true, partitionRecords, names, scope, metrics, client);
    metrics.streamedResponses.increment();
  }

  protected startPartition(): void { this.entriesOut = 0; }

  /** `reject` answers the partition UNKNOWN_TOPIC_ID, whose error code field has gone on already. */
  protected rejectUnknownTopic(id: string): void {
    this.closeForWhole("a fetch response names topic id " + id + ", which no Metadata response named yet");
  }

  /** One whole entry (batch, legacy message, or the partial tail or malformed rest of the field) at `at`. */
  protected entry(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void {
    const pr = this.prepared();
    const result = pr.process(Uint8Array.wrap(buffer, at, size));
    const verdict = result.verdict;
    const tail = this.entryAt + size == this.fieldBytes && announcesMore(buffer, at, size);
    if (verdict == Verdict.Unchanged) {
      if (result.patched && inChunk) this.out.patched = true;
      this.out.add(buffer, at, size);
      this.entriesOut++;
      return;
    }
    const replaced = result.replacement;
    if (tail && verdict == Verdict.Replaced && (replaced == null || replaced.byteLength == 0)) {
      // A partial tail left out (see_every_record): its bytes go on as a cut holding nothing.
      this.startCut(this.entryAt, entryBaseOffset(buffer, at, size));
      this.spill(buffer, at, size, inChunk);
      return;
    }
    // `close` or `passthrough` settle it; under `reject` the partition is refused as a change of length is.
    if (verdict == Verdict.Unsupported && this.unsupported(result, buffer, at, size, inChunk)) return;
    // A change of length: replaced or dropped records, an edit in a compressed batch, a refusal.
    const base = entryBaseOffset(buffer, at, size);
    if (verdict == Verdict.Replaced && replaced != null) {
      const replacement = replaced;
      const n = replacement.byteLength;
      if (n <= size && (n > 0 || this.entriesOut > 0)) {
        // The batch, shorter, goes on; the rest of the partition is cut and fetched again.
        this.holdFromNowOn();
        this.out.add(replacement.buffer, replacement.byteOffset, n);
        this.startCut(this.entryAt + n, base);
        this.spill(buffer, at + n, size - n, inChunk);
        return;
      }
    }
    if (this.entriesOut > 0) {
      // The batches before it went on; this one and the rest are fetched again, held whole.
      this.holdFromNowOn();
      this.startCut(this.entryAt, base);
      this.spill(buffer, at, size, inChunk);
      return;
    }
    this.closeForWhole("topic " + this.topic + " partition " + this.partition.toString() +
      ": the first batch of a streamed fetch response needed a change of length that does not fit; the VM holds fetch responses whole from now on");
  }

  private holdFromNowOn(): void {
    this.holdAsked = true;
    this.metrics.streamCuts.increment();
  }

  /** Nothing of what needs the whole response has gone on: close, and hold every later fetch on this VM whole. */
  private closeForWhole(why: string): void {
    heldWholeOnVm = true;
    this.metrics.streamCuts.increment();
    this.close(why);
  }

  /** The rest of the field from `cutAt` becomes a batch cut short: a header that announces more than follows, then zeros. */
  private startCut(cutAt: i32, baseOffset: i64): void {
    const total = this.fieldBytes - cutAt;
    // A fresh buffer each time: the plan may still hold the last one until the callback ends.
    const head = new ArrayBuffer(min(total, HEAD_TO_MAGIC));
    const h = changetype<usize>(head);
    if (total >= LOG_OVERHEAD) {
      store<u64>(h, bswap<u64>(<u64>baseOffset));
      // More than follows, and no less than an entry of its magic can announce (consumers refuse
      // less than a legacy message's 14 bytes; a v2 batch's header alone is 49 after the length).
      const least = total >= HEAD_TO_MAGIC ? BATCH_HEADER - LOG_OVERHEAD : MIN_ENTRY;
      store<u32>(h + 8, bswap<u32>(<u32>max(least, total - LOG_OVERHEAD + 1)));
    }
    if (total >= HEAD_TO_MAGIC) {
      store<u32>(h + 12, 0xffffffff); // partition leader epoch: unknown
      store<u8>(h + MAGIC_AT, 2);
    }
    this.fillHead = head;
    this.filled = 0;
    this.flow = Flow.Spill;
  }

  /** Bytes of a cut partition: the cut's header first, then zeros in place of what came. */
  protected spill(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void {
    const head = this.fillHead;
    let p = at;
    let left = size;
    if (this.filled < head.byteLength) {
      const h = min(left, head.byteLength - this.filled);
      this.out.add(head, this.filled, h);
      this.filled += h;
      p += h;
      left -= h;
    }
    if (left <= 0) return;
    memory.fill(changetype<usize>(buffer) + <usize>p, 0, <usize>left);
    if (inChunk) this.out.patched = true;
    this.out.add(buffer, p, left);
    this.filled += left;
  }
}

/** Whether the entry's length field announces more than the entry holds (a partial tail), or it has none. */
function announcesMore(buffer: ArrayBuffer, at: i32, size: i32): bool {
  if (size < LOG_OVERHEAD) return true;
  const length = bswap<i32>(load<i32>(changetype<usize>(buffer) + <usize>at + 8));
  return length >= MIN_ENTRY && length > size - LOG_OVERHEAD;
}

/** The entry's base offset (its first 8 bytes), or -1 when it is too short to have one. */
function entryBaseOffset(buffer: ArrayBuffer, at: i32, size: i32): i64 {
  if (size < 8) return -1;
  return <i64>bswap<u64>(load<u64>(changetype<usize>(buffer) + <usize>at));
}
