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
import { TopicNames } from "../stream/topic_names";
import { SkimKind } from "../kafka/records_skimmer";
import { PartitionRecords, Verdict } from "./partition_records";
import { RecordScope } from "./scope";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";
import { BatchStream, Flow } from "./batch_stream";

/** Where the CRC sits: RecordBatch v2 (after offset, length, leader epoch, magic), legacy (after offset, length). */
const CRC_V2: i32 = 17;
const CRC_LEGACY: i32 = 12;
const MAGIC_AT: i32 = 16;

export class ProduceStream extends BatchStream {
  /** A partition was refused for a resend: the connection holds its next requests whole. */
  resendAsked: bool = false;
  /** The current partition is being refused: each of its entries goes on with its CRC spoiled, unseen. */
  private spoiling: bool = false;

  constructor(version: i16, partitionRecords: PartitionRecords, names: TopicNames, scope: RecordScope, metrics: RecordMetrics, client: ClientInfo) {
    super(SkimKind.ProduceRequest, version, false, partitionRecords, names, scope, metrics, client);
    metrics.streamedRequests.increment();
  }

  protected startPartition(): void { this.spoiling = false; }

  /** Refused for now (its CRC spoiled); the resend, held whole, is answered UNKNOWN_TOPIC_ID by the layer. */
  protected rejectUnknownTopic(id: string): void { this.startSpoiling(); }

  /** One whole entry (batch, legacy message, or the malformed or cut-short rest of the field) at `at`. */
  protected entry(buffer: ArrayBuffer, at: i32, size: i32, inChunk: bool): void {
    if (this.spoiling) { this.spoil(buffer, at, size, inChunk); return; }
    const pr = this.prepared();
    const result = pr.process(Uint8Array.wrap(buffer, at, size));
    const verdict = result.verdict;
    if (verdict == Verdict.Unchanged) {
      if (result.patched && inChunk) this.out.patched = true;
      this.out.add(buffer, at, size);
      return;
    }
    // `close` or `passthrough` settle it; under `reject` the partition is refused as a change of length is.
    if (verdict == Verdict.Unsupported && this.unsupported(result, buffer, at, size, inChunk)) return;
    // Replaced, emptied or rejected (or refused by `reject`): not possible in bytes already sent on.
    this.startSpoiling();
    this.spoil(buffer, at, size, inChunk);
  }

  private startSpoiling(): void {
    // Entry by entry still (each entry's CRC is spoiled), but none to the transform.
    this.flow = Flow.Scan;
    this.spoiling = true;
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
}
