// Counters of the record layer, named after the plugin as the stream layer's are:
//   kafka_records.<plugin>.<counter>
// Defined once per VM on first use (a host call, which top-level code must not make).
// Counts add up in the VM and reach Envoy once per request or response (flush): a host call per
// record would cost more than an identity transform's whole record walk.
import { Counter, plugin } from "../proxywasm/index";
import { metricSegment } from "../stream/stream_metrics";

/** A counter whose increments wait in the VM until flush(). */
export class Tally {
  private pending: u64 = 0;
  private readonly counter: Counter;
  constructor(name: string) { this.counter = new Counter(name); }
  increment(by: u64 = 1): void { this.pending += by; }
  flush(): void {
    if (this.pending == 0) return;
    this.counter.increment(this.pending);
    this.pending = 0;
  }
  /** What Envoy has, plus what waits. */
  get(): u64 { return this.counter.get() + this.pending; }
}

export class RecordMetrics {
  /** Records handed to the plugin. */
  readonly records: Tally;
  readonly edited: Tally;
  readonly replaced: Tally;
  readonly dropped: Tally;
  /** Drops in idempotent or transactional produce batches, kept as records with an empty value. */
  readonly emptied: Tally;
  readonly rejectedPartitions: Tally;
  /** Batches written again (a length changed, or a compressed batch's records changed). */
  readonly batchesRewritten: Tally;
  /** Uncompressed batches patched in place (only the CRC recomputed). */
  readonly batchesPatched: Tally;
  /** Batches the layer could not handle (malformed, unknown codec, over the decompression limits). */
  readonly unsupported: Tally;
  /** Batches (or legacy messages) a change was to be made to whose CRC was already wrong; counted in `unsupported` too. */
  readonly badChecksums: Tally;
  /** Partitions whose topic id no Metadata response had named. */
  readonly unknownTopics: Tally;
  /** Partitions forwarded unseen under a `passthrough` policy. */
  readonly passedUnseen: Tally;
  /** Fetch partial trailing batches left out (seeEveryRecord). */
  readonly partialTailsCut: Tally;
  /** Produce requests streamed batch by batch instead of held whole. */
  readonly streamedRequests: Tally;
  /** Partitions of a streamed request refused for a resend (a change of length found mid-stream). */
  readonly streamRetries: Tally;
  /** Fetch responses streamed batch by batch instead of held whole. */
  readonly streamedResponses: Tally;
  /** Partitions of a streamed fetch response cut short for a change of length (or its connection closed: see fetch_stream.ts). */
  readonly streamCuts: Tally;

  private readonly all: StaticArray<Tally> = new StaticArray<Tally>(17);

  constructor(prefix: string) {
    this.records = new Tally(prefix + "records");
    this.edited = new Tally(prefix + "records_edited");
    this.replaced = new Tally(prefix + "records_replaced");
    this.dropped = new Tally(prefix + "records_dropped");
    this.emptied = new Tally(prefix + "records_emptied");
    this.rejectedPartitions = new Tally(prefix + "rejected_partitions");
    this.batchesRewritten = new Tally(prefix + "batches_rewritten");
    this.batchesPatched = new Tally(prefix + "batches_patched");
    this.unsupported = new Tally(prefix + "unsupported_batches");
    this.badChecksums = new Tally(prefix + "bad_checksums");
    this.unknownTopics = new Tally(prefix + "unknown_topic_ids");
    this.passedUnseen = new Tally(prefix + "partitions_passed_unseen");
    this.partialTailsCut = new Tally(prefix + "partial_tails_cut");
    this.streamedRequests = new Tally(prefix + "streamed_requests");
    this.streamRetries = new Tally(prefix + "stream_retries");
    this.streamedResponses = new Tally(prefix + "streamed_responses");
    this.streamCuts = new Tally(prefix + "stream_cuts");
    const all: Tally[] = [
      this.records, this.edited, this.replaced, this.dropped,
      this.emptied, this.rejectedPartitions, this.batchesRewritten, this.batchesPatched,
      this.unsupported, this.unknownTopics, this.passedUnseen, this.partialTailsCut,
      this.streamedRequests, this.streamRetries, this.streamedResponses, this.streamCuts,
      this.badChecksums,
    ];
    for (let i = 0; i < all.length; i++) this.all[i] = all[i];
  }

  /** Hands what was counted to Envoy: once per request or response. */
  flush(): void {
    const all = this.all;
    for (let i = 0; i < all.length; i++) unchecked(all[i]).flush();
  }
}

let instance: RecordMetrics | null = null;

export function recordMetrics(): RecordMetrics {
  let m = instance;
  if (m == null) {
    const name = plugin.name();
    m = new RecordMetrics("kafka_records." + metricSegment(name == null ? "" : name) + ".");
    instance = m;
  }
  return m;
}
