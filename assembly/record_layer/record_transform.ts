// What a record plugin writes: a class with one callback, onRecord, and a scope said once.
//
//   class Uppercase extends RecordTransform {
//     constructor() { super(); this.scope.topics = ["lowercase"]; }
//     onRecord(record: Record): void { … record.edited(); }
//   }
//   registerRecordTransform((): RecordTransform => new Uppercase());
//
// One transform serves every connection of its VM. Per record it may keep, edit in place, replace
// key, value or headers, drop, or reject the partition (see Record). The layer owns the rest; what
// the outcomes mean for idempotent and transactional producers is in docs/records.md.
import { JsonValue } from "../config/json";
import { Record } from "./record";
import { RecordScope } from "./scope";
import { ClientInfo } from "./client_info";

export abstract class RecordTransform {
  /** Which directions and topics this transform sees, and the layer's policies. */
  readonly scope: RecordScope = new RecordScope();

  /**
   * Whether onRecord may change bytes in place (and call record.edited()). The layer then checks
   * each uncompressed batch's CRC before the plugin sees it, since an edit leaves nothing to check
   * after, so that a corrupted batch is refused instead of signed again; and a batch the plugin saw
   * and then failed is not forwarded under `passthrough` (it may hold edits): its connection closes.
   * A transform that only reads, replaces, drops or rejects may say false and save that pass; an
   * edit in place it makes anyway is then signed unchecked.
   */
  editsInPlace: bool = true;

  /**
   * The plugin's own settings (null when the configuration is empty). Return "" when they are
   * valid, else a message naming the field: Envoy then refuses the configuration. The stream
   * layer's and the record layer's settings were read already.
   */
  configure(config: JsonValue | null): string { return ""; }

  /**
   * The names of the plugin's own top-level settings. When given, any other key besides the
   * library's is refused, named (a misspelt key would otherwise mean its default). Null: any key.
   */
  settings(): Array<string> | null { return null; }

  /** Whether records of `topic` are to be seen (default: the scope's topic globs). */
  wantsTopic(topic: string, fetched: bool): bool { return this.scope.matches(topic); }

  /** Whether the records this client fetches are to be seen (say false for an exempt auditor). */
  wantsFetchBy(client: ClientInfo): bool { return true; }

  /** One record. Read it, and call at most one of its outcome methods. */
  abstract onRecord(record: Record): void;

  /** After each batch (or legacy entry): how many of its records the plugin edited, replaced or dropped. */
  endBatch(changedRecords: i32): void {}

  /** After the last record of one partition of a request or response (for per-topic counting). */
  endPartition(topic: string, partition: i32, fetched: bool): void {}

  /**
   * Records the layer could not hand over (a batch that does not parse, an unknown codec, past the
   * decompression limits, a topic id not yet known, or the plugin's record.unsupported()), just
   * before the policy applies. `partition` is -1 when the whole request or response is concerned.
   */
  onUnsupported(topic: string, partition: i32, reason: string): void {}
}
