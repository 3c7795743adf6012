// What a Produce wrote, counted once. A Produce request's partitions are noted when it
// passes (ProducePlan.of, kept in the in-flight entry's userData); its response then says
// which of them the broker wrote (error code 0). An idempotent producer that did not see an
// answer (its connection dropped, a broker failed over) sends the same batch again, with
// the same producer id, epoch and base sequence; the broker stores it once and acknowledges
// it again. ProduceDedupe remembers, in shared data (so across every worker's VM), the
// base sequences already acknowledged per producer, epoch and partition, so such a retry
// is recognised whichever worker sees it. Produce with acks=0 gets no response and so no plan.
import { ProduceRequest, ProduceResponse } from "../kafka/generated/messages/produce";
import { BatchIterator } from "../kafka/records/record_batch";
import { Skim } from "../kafka/records_skimmer";
import { getSharedData, setSharedData } from "../proxywasm/shared_data";
import { Status } from "../proxywasm/enums";
import { topicIdHex } from "./topic_names";

/** Base sequences remembered per (producer, epoch, partition): more than the 5 batches a producer may have in flight. */
const REMEMBERED: i32 = 8;
/** Attempts at a compare-and-swap update before counting anyway (another worker keeps winning the race). */
const CAS_ATTEMPTS: i32 = 16;

/** What a Produce request sent to one partition, and what its response said about it. */
export class ProducedPartition {
  constructor(
    /** The topic's name as the request gave it; "" when it names the topic by id (Produce v13+). */
    readonly topic: string,
    /** The topic id (a copy, 16 bytes; all zeros before Produce v13). */
    readonly topicId: Uint8Array,
    /** Which of the request's topic entries this partition was listed under (0, 1, …). */
    readonly topicIndex: i32,
    readonly partition: i32,
  ) {}

  /** Size of the partition's records field. */
  bytes: u64 = 0;
  /** Records in its non-control batches (batches are not decompressed; the count is in each header). */
  records: u64 = 0;
  /** The first data batch's producer id (-1: not idempotent), epoch and base sequence. */
  producerId: i64 = -1;
  producerEpoch: i16 = -1;
  baseSequence: i32 = -1;
  /** Set by ProducePlan.settle: the response acknowledged this partition with error code 0. */
  acknowledged: bool = false;
  /** Set by settle: acknowledged, but an earlier response had already acknowledged this idempotent batch. */
  retried: bool = false;

  /** Acknowledged for the first time: what was written by this Produce and counts. */
  get written(): bool { return this.acknowledged && !this.retried; }

  /** The topic as dedupe keys name it: its name, or "#<id hex>" ('#' is not allowed in topic names). */
  get topicKey(): string { return this.topic.length > 0 ? this.topic : "#" + topicIdHex(this.topicId); }
}

/** A Produce request's partitions, from request to response. */
export class ProducePlan {
  readonly partitions: Array<ProducedPartition> = [];

  /** Notes every partition of a skimmed request (the skim must not be bad). */
  static fromSkim(skim: Skim): ProducePlan {
    const plan = new ProducePlan();
    for (let i = 0; i < skim.partitions.length; i++) {
      const s = skim.partitions[i];
      const id = s.topicId;
      const pp = new ProducedPartition(s.topic, id == null ? new Uint8Array(16) : id, s.topicIndex, s.partition);
      pp.bytes = s.recordsBytes > 0 ? <u64>s.recordsBytes : 0;
      pp.records = <u64>s.records;
      pp.producerId = s.producerId;
      pp.producerEpoch = s.producerEpoch;
      pp.baseSequence = s.baseSequence;
      plan.partitions.push(pp);
    }
    return plan;
  }

  /** Notes every partition of a decoded request (check it decoded cleanly first). */
  static of(p: ProduceRequest): ProducePlan {
    const plan = new ProducePlan();
    for (let i = 0; i < p.topicData.length; i++) {
      const t = p.topicData[i];
      const parts = t.partitionData;
      for (let j = 0; j < parts.length; j++) {
        // The decoded id is a view into the frame, which is gone by the time the response comes.
        const pp = new ProducedPartition(t.name, t.topicId.slice(), i, parts[j].index);
        const recs = parts[j].records;
        if (recs != null) {
          pp.bytes = <u64>recs.byteLength;
          const it = new BatchIterator(recs.buffer, recs.byteOffset, recs.byteLength);
          let first = true;
          while (true) {
            const batch = it.next();
            if (batch == null) break;
            if (batch.isControl) continue;
            if (batch.recordCount > 0) pp.records += <u64>batch.recordCount;
            if (first) { pp.producerId = batch.producerId; pp.producerEpoch = batch.producerEpoch; pp.baseSequence = batch.baseSequence; first = false; }
          }
        }
        plan.partitions.push(pp);
      }
    }
    return plan;
  }

  /**
   * Marks what the response says: each partition it acknowledged with error code 0, and,
   * among those, each idempotent batch `dedupe` had already seen acknowledged. A response
   * partition is matched to the request's by topic name (or by topic id when the response
   * names topics by id) and partition index, each request partition at most once.
   */
  settle(resp: ProduceResponse, dedupe: ProduceDedupe): void {
    for (let i = 0; i < resp.responses.length; i++) {
      const t = resp.responses[i];
      const byName = t.name.length > 0;
      const id = byName ? "" : topicIdHex(t.topicId);
      for (let j = 0; j < t.partitionResponses.length; j++) {
        const pr = t.partitionResponses[j];
        if (pr.errorCode != 0) continue;
        for (let k = 0; k < this.partitions.length; k++) {
          const pp = this.partitions[k];
          if (pp.acknowledged || pp.partition != pr.index) continue;
          if (byName ? pp.topic != t.name : topicIdHex(pp.topicId) != id) continue;
          pp.acknowledged = true;
          pp.retried = pp.producerId >= 0 && !dedupe.firstAck(pp.producerId, pp.producerEpoch, pp.topicKey, pp.partition, pp.baseSequence);
          break;
        }
      }
    }
  }
}

/** Which idempotent batches were already acknowledged, shared by every worker of one plugin. */
export class ProduceDedupe {
  /** `scope` keeps each plugin's shared-data keys apart ("billing", "telemetry"): each must see every batch once itself. */
  constructor(readonly scope: string) {}

  /**
   * True the first time this (producer, epoch, topic, partition, base sequence) is acknowledged,
   * on any worker; false for a retry of it. When shared data cannot be updated, true: a batch
   * may then be counted twice, never not at all.
   */
  firstAck(producerId: i64, epoch: i16, topic: string, partition: i32, sequence: i32): bool {
    const key = this.scope + ".seq." + producerId.toString() + "." + epoch.toString() + "." + topic + "." + partition.toString();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = getSharedData(key);
      const v = cur.value;
      // The value: the last REMEMBERED acknowledged base sequences, i32 each, oldest first.
      let n = 0;
      if (cur.status == Status.Ok && v != null) {
        n = v.byteLength / 4;
        for (let k = 0; k < n; k++) if (load<i32>(changetype<usize>(v) + (<usize>k << 2)) == sequence) return false;
      }
      const keep = n < REMEMBERED ? n : REMEMBERED - 1;
      const next = new ArrayBuffer((keep + 1) * 4);
      if (v != null && keep > 0) memory.copy(changetype<usize>(next), changetype<usize>(v) + <usize>((n - keep) * 4), <usize>(keep * 4));
      store<i32>(changetype<usize>(next) + <usize>(keep * 4), sequence);
      const st = setSharedData(key, next, cur.status == Status.Ok ? cur.cas : 0);
      // CasMismatch: another worker wrote in between; read again (it may have been this very batch).
      if (st != Status.CasMismatch) return true;
    }
    return true;
  }
}
