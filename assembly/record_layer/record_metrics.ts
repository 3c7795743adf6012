// Counters of the record layer, named after the plugin as the stream layer's are:
//   kafka_records.<plugin>.<counter>
// Defined once per VM on first use (a host call, which top-level code must not make).
import { Counter, plugin } from "../proxywasm/index";
import { metricSegment } from "../stream/stream_metrics";

export class RecordMetrics {
  /** Records handed to the plugin. */
  readonly records: Counter;
  readonly edited: Counter;
  readonly replaced: Counter;
  readonly dropped: Counter;
  /** Drops in idempotent or transactional produce batches, kept as records with an empty value. */
  readonly emptied: Counter;
  readonly rejectedPartitions: Counter;
  /** Batches written again (a length changed, or a compressed batch's records changed). */
  readonly batchesRewritten: Counter;
  /** Uncompressed batches patched in place (only the CRC recomputed). */
  readonly batchesPatched: Counter;
  /** Batches the layer could not handle (malformed, unknown codec, over the decompression limits). */
  readonly unsupported: Counter;
  /** Partitions whose topic id no Metadata response had named. */
  readonly unknownTopics: Counter;
  /** Partitions forwarded unseen under a `passthrough` policy. */
  readonly passedUnseen: Counter;
  /** Fetch partial trailing batches left out (seeEveryRecord). */
  readonly partialTailsCut: Counter;

  constructor(prefix: string) {
    this.records = new Counter(prefix + "records");
    this.edited = new Counter(prefix + "records_edited");
    this.replaced = new Counter(prefix + "records_replaced");
    this.dropped = new Counter(prefix + "records_dropped");
    this.emptied = new Counter(prefix + "records_emptied");
    this.rejectedPartitions = new Counter(prefix + "rejected_partitions");
    this.batchesRewritten = new Counter(prefix + "batches_rewritten");
    this.batchesPatched = new Counter(prefix + "batches_patched");
    this.unsupported = new Counter(prefix + "unsupported_batches");
    this.unknownTopics = new Counter(prefix + "unknown_topic_ids");
    this.passedUnseen = new Counter(prefix + "partitions_passed_unseen");
    this.partialTailsCut = new Counter(prefix + "partial_tails_cut");
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
