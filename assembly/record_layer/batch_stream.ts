// What the streamed Produce requests and Fetch responses of the record layer share: a records
// field read as it passes, one entry (record batch, or legacy message) at a time.
//
// A RecordsSkimmer walks the message as pieces arrive. The bytes around the records fields go on
// at once. Inside a records field, an entry that lies whole within one piece is handled where it
// lies; one that arrives across pieces is gathered (growing with what arrived, charged to the VM's
// budget) and handled once whole. So the VM holds one entry at a time, never the message.
// What to do with an entry (and with a length that cannot be kept) is the subclass's business.
import { BodyFilter } from "../stream/body_filter";
import { OutputPlan } from "../stream/output_plan";
import { TopicNames, topicIdHex } from "../stream/topic_names";
import { RecordsSkimmer, SkimKind, SkimListener, PartitionSkim } from "../kafka/records_skimmer";
import { HeldBytes } from "../stream/held_bytes";
import { PartitionRecords, PartitionResult, spoiledWhy, closesFor } from "./partition_records";
import { RecordScope, RecordsPolicy } from "./scope";
import { DecompressionAllowance } from "./codecs";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";

/** Bytes before a RecordBatch's (or legacy message's) length field, and the field itself. */
export const LOG_OVERHEAD: i32 = 12;
/** The smallest entry a length field can announce (a legacy v0 message). */
export const MIN_ENTRY: i32 = 14;

/** What happens to the rest of a partition's records field as it passes. */
export enum Flow {
  /** Each entry to the transform. */
  Scan = 0,
  /** Forwarded as it comes: a topic out of scope, or `passthrough` for one the layer cannot read. */
  Forward = 1,
  /** Handed to `spill` as it comes, not entry by entry (a fetch partition cut short: see FetchStream). */
  Spill = 2,
}

export abstract class BatchStream extends BodyFilter {
  protected readonly skimmer: RecordsSkimmer;
  protected readonly allowance: DecompressionAllowance;
  /** Where this feed's bytes go. */
  protected out: OutputPlan = new OutputPlan();
  protected flow: Flow = Flow.Forward;
  /** The partition's topic is one the transform sees (endPartition is due). */
  protected inScope: bool = false;
  protected topic: string = "";
  protected partition: i32 = 0;
  /** Length of the partition's records field, and bytes of it already taken (forwarded or gathered). */
  protected fieldBytes: i32 = 0;
  protected fieldTaken: i32 = 0;
  /** Where in the field the entry being handled starts. */
  protected entryAt: i32 = 0;
  /** The entry (batch or legacy message) arriving across pieces (nothing while none is). */
  private readonly gather: HeldBytes = new HeldBytes();
  /** The piece being fed and where it ends; after an over-budget refusal, where its bytes not taken begin (-1: none). */
  private feedBuffer: ArrayBuffer | null = null;
  private feedEnd: i32 = 0;
  private stoppedAt: i32 = -1;
  /** The entry's full size once its length field has arrived, else -1. */
  private gatherNeed: i32 = -1;
  /** The first capacity of the entry's buffer (what is left of the field, up to 4 KiB). */
  private gatherFirst: i32 = 0;
  /** Why a partition went on unseen (the passthrough policy), for the log. */
  unseenReason: string = "";
  /** The message did not parse: the rest is forwarded unseen (passthrough) or the connection closes. */
  protected failed: bool = false;

  constructor(kind: SkimKind, version: i16, readonly fetched: bool, readonly partitionRecords: PartitionRecords, readonly names: TopicNames,
              readonly scope: RecordScope, readonly metrics: RecordMetrics, readonly client: ClientInfo) {
    super();
    // A Fetch response is fed from right after its correlation id, header tagged fields and all.
    this.skimmer = new RecordsSkimmer(kind, version, fetched);
    this.allowance = new DecompressionAllowance(scope.maxDecompressedBytes);
    const listener = new Listener();
    listener.stream = this;
    this.skimmer.listener = listener;
  }

  feed(buffer: ArrayBuffer, offset: i32, length: i32, out: OutputPlan): void {
    this.out = out;
    this.feedBuffer = buffer;
    this.feedEnd = offset + length;
    if (this.failed) { if (this.closeReason.length == 0) out.add(buffer, offset, length); return; }
    this.skimmer.feed(buffer, offset, length);
  }

  end(out: OutputPlan): void {
    this.out = out;
    const skim = this.skimmer.finish();
    if (skim.bad && !this.failed) this.bodyFails(skim.reason);
    const gather = this.gather;
    if (this.failed && this.closeReason.length == 0 && gather.holding) {
      // Passthrough: what was being gathered goes on unseen too.
      out.add(gather.buffer!, 0, gather.length);
    }
    this.dropGather();
    this.forgetSkim();
    this.metrics.flush();
  }

  release(): void { this.dropGather(); this.forgetSkim(); }

  giveBack(out: OutputPlan): void {
    const gather = this.gather;
    if (gather.holding) {
      const n = gather.length;
      out.add(gather.handOver()!, 0, n);
    }
    const buffer = this.feedBuffer;
    if (buffer != null && this.stoppedAt >= 0 && this.stoppedAt < this.feedEnd) out.add(buffer, this.stoppedAt, this.feedEnd - this.stoppedAt);
    this.stoppedAt = -1;
    this.feedBuffer = null;
    this.forgetSkim();
  }

  /**
   * The connection keeps the last stream until the next message, to learn from it: it keeps
   * none of the skim's per-partition entries (a 1,000-partition fetch has 1,000).
   */
  private forgetSkim(): void { this.skimmer.skim.partitions.length = 0; }

  // ---- What the subclass decides ----

  /** A partition's non-empty records field starts: the subclass resets what it keeps per partition. */
  protected abstract startPartition(): void;

  /** The partition names a topic id no Metadata response named, under `on_unknown_topic: reject`. */
  protected abstract rejectUnknownTopic(id: string): void;

  /** One whole entry at `at` (`inChunk`: `buffer` is the callback's chunk, so in-place edits set out.patched). */
  protected abstract entry(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void;

  /** Bytes of the field under Flow.Spill (by default forwarded as they are). */
  protected spill(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void { this.out.add(buffer, at, size); }

  // ---- From the skimmer ----

  structure(buffer: ArrayBuffer, offset: i32, length: i32): void {
    if (this.skimmer.skim.bad && !this.failed) this.bodyFails(this.skimmer.skim.reason);
    if (this.closeReason.length > 0) return;
    this.out.add(buffer, offset, length);
  }

  recordsStart(p: PartitionSkim): void {
    this.fieldBytes = p.recordsBytes;
    this.fieldTaken = 0;
    this.partition = p.partition;
    this.topic = "";
    this.inScope = false;
    this.flow = Flow.Forward;
    this.startPartition();
    const topicId = p.topicId;
    const name = this.names.nameOf(p.topic, topicId == null ? new Uint8Array(16) : topicId);
    const transform = this.partitionRecords.transform;
    if (name.length == 0) {
      const id = topicId == null ? "(none)" : topicIdHex(topicId);
      this.metrics.unknownTopics.increment();
      transform.onUnsupported("", -1, "topic id " + id + " is not known yet");
      const policy = this.scope.onUnknownTopic;
      const what = this.fetched ? "a fetch response" : "a produce";
      if (policy == RecordsPolicy.Close) { this.close(what + " names topic id " + id + ", which no Metadata response named"); return; }
      if (policy == RecordsPolicy.Passthrough) { this.passedUnseen("topic id " + id + " is not known"); return; }
      this.rejectUnknownTopic(id);
      return;
    }
    this.topic = name;
    this.inScope = transform.wantsTopic(name, this.fetched);
    this.flow = this.inScope ? Flow.Scan : Flow.Forward;
  }

  recordsEnd(): void {
    if (this.inScope && this.closeReason.length == 0) this.partitionRecords.transform.endPartition(this.topic, this.partition, this.fetched);
    this.flow = Flow.Forward;
    this.inScope = false;
  }

  records(buffer: ArrayBuffer, offset: i32, length: i32): void {
    let p = offset;
    const end = offset + length;
    while (p < end && this.closeReason.length == 0) {
      if (this.flow == Flow.Forward) { this.out.add(buffer, p, end - p); this.fieldTaken += end - p; return; }
      if (this.flow == Flow.Spill) { this.spill(buffer, p, end - p, buffer == this.out.chunk); this.fieldTaken += end - p; return; }
      const gather = this.gather;
      if (!gather.holding) {
        // At an entry's start: handled where it lies when all of it is in this piece.
        const left = this.fieldBytes - this.fieldTaken;
        if (end - p >= LOG_OVERHEAD || end - p >= left) {
          const size = entrySize(buffer, p, left);
          if (end - p >= size) {
            this.entryAt = this.fieldTaken;
            this.fieldTaken += size;
            this.entry(buffer, p, size, buffer == this.out.chunk);
            p += size;
            continue;
          }
        }
        this.gatherFirst = min(left, 4096);
        // A rest of the field too short for a length field is an entry of its own (malformed, or a fetch's partial tail).
        this.gatherNeed = left < LOG_OVERHEAD ? left : -1;
        this.entryAt = this.fieldTaken;
      }
      // Gather: first the length field, then the rest of the entry.
      const want = (this.gatherNeed < 0 ? LOG_OVERHEAD : this.gatherNeed) - gather.length;
      const n = min(end - p, want);
      if (!gather.append(buffer, p, n, this.gatherFirst, this.gatherNeed > 0 ? this.gatherNeed : i32.MAX_VALUE)) {
        this.refuseOverBudget(gather.refused, p);
        return;
      }
      p += n;
      this.fieldTaken += n;
      if (this.gatherNeed < 0 && gather.length == LOG_OVERHEAD) {
        this.gatherNeed = entrySize(gather.buffer!, 0, this.fieldBytes - this.fieldTaken + LOG_OVERHEAD);
      }
      if (this.gatherNeed >= 0 && gather.length == this.gatherNeed) {
        const size = gather.length;
        this.gatherNeed = -1;
        // The buffer goes on with this callback's output: it is not reused, and is charged until the callback ends.
        this.entry(gather.handOver()!, 0, size, false);
      }
    }
  }

  /** The connection's PartitionRecords, set up for one entry of this message's current partition. */
  protected prepared(): PartitionRecords {
    const pr = this.partitionRecords;
    // The same PartitionRecords also serves the other direction between two pieces of this message.
    pr.fetched = this.fetched;
    pr.cutPartialTail = this.fetched && this.scope.seeEveryRecord;
    pr.allowance = this.allowance;
    const rec = pr.record;
    rec.fetched = this.fetched;
    rec.client = this.client;
    rec.topic = this.topic;
    rec.partition = this.partition;
    return pr;
  }

  /**
   * The `on_unsupported` policy for an entry the layer could not hand over: true when that settles
   * it (`close`, or `passthrough`: the entry and the rest of the partition go on unseen); false
   * under `reject`, which the subclass carries out.
   */
  protected unsupported(result: PartitionResult, buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): bool {
    const why = "topic " + this.topic + " partition " + this.partition.toString() + ": " + result.message;
    this.partitionRecords.transform.onUnsupported(this.topic, this.partition, result.message);
    const policy = this.scope.onUnsupported;
    if (closesFor(policy, result)) { this.close(spoiledWhy(why, result)); return true; }
    if (policy != RecordsPolicy.Passthrough) return false;
    this.passedUnseen(why);
    if (result.patched && inChunk) this.out.patched = true;
    this.out.add(buffer, at, size);
    this.flow = Flow.Forward;
    return true;
  }

  private dropGather(): void {
    this.gather.release();
    this.gatherNeed = -1;
  }

  // ---- Policies ----

  /**
   * The entry being gathered cannot grow: the connection's `on_over_budget` decides. What was
   * gathered stays, with where in the piece being fed the bytes not taken begin (`at`), for
   * giveBack() should the connection pass through; a close releases it.
   */
  private refuseOverBudget(size: i32, at: i32): void {
    this.overBudget = true;
    this.stoppedAt = at;
    if (this.closeReason.length == 0) this.closeReason = "record layer: the VM's memory budget has no room for a record batch of " + size.toString() + " bytes";
    // end() will not come: what was counted goes to Envoy now.
    this.metrics.flush();
  }

  protected close(why: string): void {
    if (this.closeReason.length == 0) this.closeReason = "record layer: " + why;
    this.dropGather();
    // end() will not come: what was counted goes to Envoy now.
    this.metrics.flush();
  }

  protected passedUnseen(why: string): void {
    this.metrics.passedUnseen.increment();
    if (this.unseenReason.length == 0) this.unseenReason = why;
  }

  /** The message's structure does not parse: the `on_unsupported` policy, for all of it (reject cannot name a partition). */
  private bodyFails(why: string): void {
    this.failed = true;
    this.metrics.unsupported.increment();
    this.partitionRecords.transform.onUnsupported("", -1, why);
    if (this.scope.onUnsupported == RecordsPolicy.Passthrough) this.passedUnseen(why);
    else this.close(why);
  }
}

/**
 * The size of the entry at `at`, with `left` bytes of the field from there: the length field plus
 * what comes before it, or (a length no entry has, or one past the field's end) the rest of the
 * field, which PartitionRecords then judges as a whole (malformed, or a fetch's partial tail).
 */
export function entrySize(buffer: ArrayBuffer, at: i32, left: i32): i32 {
  if (left < LOG_OVERHEAD) return left;
  const length = bswap<i32>(load<i32>(changetype<usize>(buffer) + <usize>at + 8));
  if (length < MIN_ENTRY || length > left - LOG_OVERHEAD) return left;
  return length + LOG_OVERHEAD;
}

/** The skimmer's view of the message, handed to the stream. */
class Listener extends SkimListener {
  stream: BatchStream | null = null;
  structure(buffer: ArrayBuffer, offset: i32, length: i32): void { this.stream!.structure(buffer, offset, length); }
  recordsStart(p: PartitionSkim): void { this.stream!.recordsStart(p); }
  records(buffer: ArrayBuffer, offset: i32, length: i32): void { this.stream!.records(buffer, offset, length); }
  recordsEnd(): void { this.stream!.recordsEnd(); }
}
