// A Produce request through the transform as it streams, one record batch at a time.
//
// Held whole, a Produce request costs its full size in the VM (an 80 MiB request costs 80 MiB).
// Streamed, the request goes on as it arrives: the fields around the records at once, each
// batch once the plugin has seen its records. What is held is one batch (the one arriving across
// pieces), and, for a compressed batch, its records in the clear while the plugin reads them.
//
// This works while nothing changes a length: records kept, or edited in place in an uncompressed
// batch (the CRC fixed). Anything else (a drop or a replacement, an edit inside a compressed
// batch, a rejected partition, an unknown topic id under `reject`) would change bytes that have
// already gone on. The layer then makes the broker refuse that partition: it spoils the CRC of
// the batch, so the broker answers CORRUPT_MESSAGE for the partition and stores none of it
// (it checks every batch's CRC before appending anything). The client resends, as it does for
// any CORRUPT_MESSAGE, and from then on the connection's Produce requests are held whole, so the
// resend gets the usual handling (the edit, the drop, the rejection with its own error code).
// RecordConnection only streams requests that can be resent: acks=0 requests are held whole.
import { BodyFilter } from "../stream/body_filter";
import { OutputPlan } from "../stream/output_plan";
import { TopicNames, topicIdHex } from "../stream/topic_names";
import { RecordsSkimmer, SkimKind, SkimListener, PartitionSkim } from "../kafka/records_skimmer";
import { reserveHeld, releaseHeld, heldToTransient, noteGarbage } from "../runtime/budget";
import { PartitionRecords, Verdict } from "./partition_records";
import { RecordScope, RecordsPolicy } from "./scope";
import { DecompressionAllowance } from "./codecs";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";

/** Bytes before a RecordBatch's (or legacy message's) length field, and the field itself. */
const LOG_OVERHEAD: i32 = 12;
/** The smallest entry a length field can announce (a legacy v0 message). */
const MIN_ENTRY: i32 = 14;
/** Where the CRC sits: RecordBatch v2 (after offset, length, leader epoch, magic), legacy (after offset, length). */
const CRC_V2: i32 = 17;
const CRC_LEGACY: i32 = 12;
const MAGIC_AT: i32 = 16;

/** What happens to a partition's records field as it passes. */
enum Pass {
  /** Each batch to the transform. */
  Scan = 0,
  /** Forwarded as it comes: a topic out of scope, or `passthrough` for one the layer cannot read. */
  Forward = 1,
  /** The partition is being refused (its CRC spoiled): the rest of its batches are spoiled too, unseen. */
  Spoil = 2,
}

export class ProduceStream extends BodyFilter {
  private readonly skimmer: RecordsSkimmer;
  private readonly allowance: DecompressionAllowance;
  private readonly listener: Listener;
  /** Where this feed's bytes go. */
  private out: OutputPlan = new OutputPlan();
  private pass: Pass = Pass.Forward;
  /** The partition's topic is one the transform sees (endPartition is due). */
  private inScope: bool = false;
  private topic: string = "";
  private partition: i32 = 0;
  private fieldBytes: i32 = 0;
  /** Bytes of the records field already taken (forwarded or gathered). */
  private fieldTaken: i32 = 0;
  /** The entry (batch or legacy message) arriving across pieces, or null. */
  private gather: ArrayBuffer | null = null;
  private gatherHave: i32 = 0;
  /** The entry's full size once its length field has arrived, else -1. */
  private gatherNeed: i32 = -1;
  private charged: i32 = 0;
  /** A partition was refused for a resend: the connection holds its next requests whole. */
  resendAsked: bool = false;
  /** Why a partition went on unseen (the passthrough policy), for the log. */
  unseenReason: string = "";
  /** The body did not parse: the rest is forwarded unseen (passthrough) or the connection closes. */
  private failed: bool = false;

  constructor(version: i16, readonly partitionRecords: PartitionRecords, readonly names: TopicNames, readonly scope: RecordScope,
              readonly metrics: RecordMetrics, readonly client: ClientInfo) {
    super();
    this.skimmer = new RecordsSkimmer(SkimKind.ProduceRequest, version, false);
    this.allowance = new DecompressionAllowance(scope.maxDecompressedBytes);
    this.listener = new Listener();
    this.listener.stream = this;
    this.skimmer.listener = this.listener;
    metrics.streamedRequests.increment();
  }

  feed(buffer: ArrayBuffer, offset: i32, length: i32, out: OutputPlan): void {
    this.out = out;
    if (this.failed) { if (this.closeReason.length == 0) out.add(buffer, offset, length); return; }
    this.skimmer.feed(buffer, offset, length);
  }

  end(out: OutputPlan): void {
    this.out = out;
    const skim = this.skimmer.finish();
    if (skim.bad && !this.failed) this.bodyFails(skim.reason);
    if (this.failed && this.closeReason.length == 0 && this.gather != null) {
      // Passthrough: what was being gathered goes on unseen too.
      out.add(this.gather!, 0, this.gatherHave);
    }
    this.dropGather();
    this.metrics.flush();
  }

  release(): void { this.dropGather(); }

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
    const topicId = p.topicId;
    const name = this.names.nameOf(p.topic, topicId == null ? new Uint8Array(16) : topicId);
    const transform = this.partitionRecords.transform;
    if (name.length == 0) {
      const id = topicId == null ? "(none)" : topicIdHex(topicId);
      this.metrics.unknownTopics.increment();
      transform.onUnsupported("", -1, "topic id " + id + " is not known yet");
      const policy = this.scope.onUnknownTopic;
      if (policy == RecordsPolicy.Close) { this.close("a produce names topic id " + id + ", which no Metadata response named"); return; }
      if (policy == RecordsPolicy.Passthrough) { this.passedUnseen("topic id " + id + " is not known"); this.pass = Pass.Forward; return; }
      // Refused for now; the resend, held whole, is answered UNKNOWN_TOPIC_ID by the layer.
      this.topic = "";
      this.startSpoiling();
      return;
    }
    this.topic = name;
    this.inScope = transform.wantsTopic(name, false);
    this.pass = this.inScope ? Pass.Scan : Pass.Forward;
  }

  recordsEnd(): void {
    if (this.inScope && this.closeReason.length == 0) this.partitionRecords.transform.endPartition(this.topic, this.partition, false);
    this.pass = Pass.Forward;
    this.inScope = false;
  }

  records(buffer: ArrayBuffer, offset: i32, length: i32): void {
    let p = offset;
    const end = offset + length;
    while (p < end && this.closeReason.length == 0) {
      if (this.pass == Pass.Forward) { this.out.add(buffer, p, end - p); this.fieldTaken += end - p; return; }
      if (this.gather == null) {
        // At an entry's start: handled where it lies when all of it is in this piece.
        const left = this.fieldBytes - this.fieldTaken;
        if (end - p >= LOG_OVERHEAD || end - p >= left) {
          const size = entrySize(buffer, p, left);
          if (end - p >= size) {
            this.entry(buffer, p, size, buffer == this.out.chunk);
            this.fieldTaken += size;
            p += size;
            continue;
          }
        }
        if (!this.startGather(min(left, 4096))) return;
        // A rest of the field too short for a length field is an entry of its own (malformed).
        if (left < LOG_OVERHEAD) this.gatherNeed = left;
      }
      // Gather: first the length field, then the rest of the entry.
      const want = (this.gatherNeed < 0 ? LOG_OVERHEAD : this.gatherNeed) - this.gatherHave;
      const n = min(end - p, want);
      if (!this.append(buffer, p, n)) return;
      p += n;
      this.fieldTaken += n;
      if (this.gatherNeed < 0 && this.gatherHave == LOG_OVERHEAD) {
        this.gatherNeed = entrySize(this.gather!, 0, this.fieldBytes - this.fieldTaken + LOG_OVERHEAD);
      }
      if (this.gatherNeed >= 0 && this.gatherHave == this.gatherNeed) {
        const g = this.gather!;
        const size = this.gatherHave;
        // The buffer goes on with this callback's output: it is not reused, and is charged until the callback ends.
        heldToTransient(<i64>this.charged);
        this.gather = null;
        this.charged = 0;
        this.gatherNeed = -1;
        this.gatherHave = 0;
        this.entry(g, 0, size, false);
      }
    }
  }

  // ---- One entry ----

  /** One whole entry (batch, legacy message, or the malformed or cut-short rest of the field) at `at`. */
  private entry(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void {
    if (this.pass == Pass.Spoil) { this.spoil(buffer, at, size, inChunk); return; }
    const pr = this.partitionRecords;
    // The connection's PartitionRecords also serves fetch responses between two pieces of this request.
    pr.fetched = false;
    pr.cutPartialTail = false;
    pr.allowance = this.allowance;
    const rec = pr.record;
    rec.fetched = false;
    rec.client = this.client;
    rec.topic = this.topic;
    rec.partition = this.partition;
    const result = pr.process(Uint8Array.wrap(buffer, at, size));
    const verdict = result.verdict;
    if (verdict == Verdict.Unchanged) {
      if (result.patched && inChunk) this.out.patched = true;
      this.out.add(buffer, at, size);
      return;
    }
    if (verdict == Verdict.Unsupported) {
      const why = "topic " + this.topic + " partition " + this.partition.toString() + ": " + result.message;
      pr.transform.onUnsupported(this.topic, this.partition, result.message);
      const policy = this.scope.onUnsupported;
      if (policy == RecordsPolicy.Close) { this.close(why); return; }
      if (policy == RecordsPolicy.Passthrough) {
        this.passedUnseen(why);
        if (result.patched && inChunk) this.out.patched = true;
        this.out.add(buffer, at, size);
        this.pass = Pass.Forward;
        return;
      }
    }
    // Replaced, emptied or rejected (or refused by `reject`): not possible in bytes already sent on.
    this.startSpoiling();
    this.spoil(buffer, at, size, inChunk);
  }

  private startSpoiling(): void {
    this.pass = Pass.Spoil;
    this.resendAsked = true;
    this.metrics.streamRetries.increment();
  }

  /** Forwards the entry with its CRC inverted: the broker refuses the whole partition as CORRUPT_MESSAGE. */
  private spoil(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void {
    const base = changetype<usize>(buffer) + <usize>at;
    const crcAt = size > MAGIC_AT && load<u8>(base + MAGIC_AT) == 2 ? CRC_V2 : CRC_LEGACY;
    if (size >= crcAt + 4) {
      store<u32>(base + <usize>crcAt, ~load<u32>(base + <usize>crcAt));
      if (inChunk) this.out.patched = true;
      this.out.add(buffer, at, size);
    } else {
      // Too short to carry a CRC: the broker refuses it as it is (a cut-short entry).
      this.out.add(buffer, at, size);
    }
  }

  // ---- Gathering an entry that arrives across pieces ----

  private startGather(capacity: i32): bool {
    if (!reserveHeld(<i64>capacity)) { this.refuseOverBudget(capacity); return false; }
    this.gather = new ArrayBuffer(capacity);
    this.charged = capacity;
    this.gatherHave = 0;
    this.gatherNeed = -1;
    return true;
  }

  /** Appends what arrived, growing the buffer with it (never to a size only announced). */
  private append(buffer: ArrayBuffer, at: i32, n: i32): bool {
    let g = this.gather!;
    const need = this.gatherHave + n;
    if (need > g.byteLength) {
      let next = max(need, g.byteLength * 2);
      if (this.gatherNeed > 0 && next > this.gatherNeed) next = this.gatherNeed;
      if (!reserveHeld(<i64>(next - this.charged))) { this.refuseOverBudget(next); return false; }
      const grown = new ArrayBuffer(next);
      memory.copy(changetype<usize>(grown), changetype<usize>(g), <usize>this.gatherHave);
      // The outgrown buffer is garbage until the collector runs: counted until the callback ends
      // (as the frame assembler counts its own), so that the end of the callback collects it.
      noteGarbage(<i64>g.byteLength);
      this.charged = next;
      this.gather = grown;
      g = grown;
    }
    memory.copy(changetype<usize>(g) + <usize>this.gatherHave, changetype<usize>(buffer) + <usize>at, <usize>n);
    this.gatherHave = need;
    return true;
  }

  private dropGather(): void {
    if (this.charged > 0) releaseHeld(<i64>this.charged);
    this.gather = null;
    this.charged = 0;
    this.gatherHave = 0;
    this.gatherNeed = -1;
  }

  // ---- Policies ----

  private refuseOverBudget(size: i32): void {
    this.overBudget = true;
    this.close("the VM's memory budget has no room for a record batch of " + size.toString() + " bytes");
  }

  private close(why: string): void {
    if (this.closeReason.length == 0) this.closeReason = "record layer: " + why;
    this.dropGather();
  }

  private passedUnseen(why: string): void {
    this.metrics.passedUnseen.increment();
    if (this.unseenReason.length == 0) this.unseenReason = why;
  }

  /** The request's structure does not parse: the `on_unsupported` policy, for all of it (reject cannot name a partition). */
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
 * field, which PartitionRecords then judges as a whole (a produce cannot end in a partial batch).
 */
function entrySize(buffer: ArrayBuffer, at: i32, left: i32): i32 {
  if (left < LOG_OVERHEAD) return left;
  const length = bswap<i32>(load<i32>(changetype<usize>(buffer) + <usize>at + 8));
  if (length < MIN_ENTRY || length > left - LOG_OVERHEAD) return left;
  return length + LOG_OVERHEAD;
}

/** The skimmer's view of the request, handed to the stream. */
class Listener extends SkimListener {
  stream: ProduceStream | null = null;
  structure(buffer: ArrayBuffer, offset: i32, length: i32): void { this.stream!.structure(buffer, offset, length); }
  recordsStart(p: PartitionSkim): void { this.stream!.recordsStart(p); }
  records(buffer: ArrayBuffer, offset: i32, length: i32): void { this.stream!.records(buffer, offset, length); }
  recordsEnd(): void { this.stream!.recordsEnd(); }
}
