// The size limits of a Fetch request, found in place so they can be lowered without changing
// the request's length: max_bytes (v3+, the whole response) and each partition's
// partition_max_bytes, with the topic (name up to v12, id from v13) each partition belongs to.
//
// Lowering them is safe for progress from v3 on (KIP-74): the broker still returns the first
// record batch of the first non-empty partition even when it is larger than the limit. A
// partition further down whose next batch exceeds its own limit gets nothing in that response,
// so partition limits are never lowered below PARTITION_FLOOR.
import { Reader } from "../kafka/wire/reader";
import { skipTaggedFields, loadI32BE, storeI32BE } from "../kafka/header";

/** The broker's default message.max.bytes: a partition limit at least this big fits a default-sized batch. */
export const PARTITION_FLOOR: i32 = 1048588;

export class FetchTopicLimits {
  /** The topic's name (v12 and older), else "". */
  name: string = "";
  /** The topic's id (v13 and newer), else null. */
  id: Uint8Array | null = null;
  /** Where each of its partitions' partition_max_bytes is (offsets into the request's buffer). */
  readonly partitionMaxAt: Array<i32> = [];
}

export class FetchLimits {
  /** Where max_bytes is, or -1 (v0–v2 have none). */
  maxBytesAt: i32 = -1;
  readonly topics: Array<FetchTopicLimits> = [];
  /** The body did not parse: nothing may be changed. */
  bad: bool = false;

  /** Reads a Fetch request body (`length` bytes at `offset` of `buffer`) at `version`. */
  static read(buffer: ArrayBuffer, offset: i32, length: i32, version: i16): FetchLimits {
    const out = new FetchLimits();
    const r = new Reader(buffer, offset, length);
    const flexible = version >= 12;
    if (version <= 14) r.int32(); // replica_id
    r.int32(); // max_wait_ms
    r.int32(); // min_bytes
    if (version >= 3) { out.maxBytesAt = r.pos; r.int32(); }
    if (version >= 4) r.int8(); // isolation_level
    if (version >= 7) { r.int32(); r.int32(); } // session_id, session_epoch
    // Each topic takes at least a name length (or id) and a partition count; each partition at least 16 bytes.
    const topics = flexible ? r.compactArrayLength(2) : r.arrayLength(4);
    for (let i = 0; i < topics && !r.bad; i++) {
      const t = new FetchTopicLimits();
      if (version <= 12) t.name = flexible ? r.compactString() : r.string();
      else t.id = r.uuid();
      const parts = flexible ? r.compactArrayLength(16) : r.arrayLength(16);
      for (let j = 0; j < parts && !r.bad; j++) {
        r.int32(); // partition
        if (version >= 9) r.int32(); // current_leader_epoch
        r.int64(); // fetch_offset
        if (version >= 12) r.int32(); // last_fetched_epoch
        if (version >= 5) r.int64(); // log_start_offset
        t.partitionMaxAt.push(r.pos);
        r.int32(); // partition_max_bytes
        if (flexible) skipTaggedFields(r);
      }
      if (flexible) skipTaggedFields(r);
      out.topics.push(t);
    }
    // What follows (forgotten topics, rack id, tagged fields) holds no limit; the body must still
    // have been readable up to here for the offsets to be trusted.
    out.bad = r.bad;
    return out;
  }

  /** Lowers max_bytes to `cap` when it is higher. True when the request changed. */
  lowerMaxBytes(buffer: ArrayBuffer, cap: i32): bool {
    if (this.bad || this.maxBytesAt < 0 || cap < 1) return false;
    const current = loadI32BE(buffer, this.maxBytesAt);
    if (current <= cap) return false;
    storeI32BE(buffer, this.maxBytesAt, cap);
    return true;
  }

  /** Lowers topic `i`'s partition limits to `cap` (never below PARTITION_FLOOR). True when the request changed. */
  lowerPartitions(buffer: ArrayBuffer, i: i32, cap: i32): bool {
    if (this.bad || this.maxBytesAt < 0 || i < 0 || i >= this.topics.length) return false;
    const limit = cap < PARTITION_FLOOR ? PARTITION_FLOOR : cap;
    const at = this.topics[i].partitionMaxAt;
    let changed = false;
    for (let j = 0; j < at.length; j++) {
      if (loadI32BE(buffer, at[j]) > limit) { storeI32BE(buffer, at[j], limit); changed = true; }
    }
    return changed;
  }
}
