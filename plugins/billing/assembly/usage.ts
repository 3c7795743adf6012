import { jsonQuote } from "../../../assembly/index";

// Usage per tenant, and its wire form between worker VMs (a shared-queue item) and to the
// collector (JSON). Counters only ever grow; a batch is the usage seen since the last one.
//
// The produced totals include idempotent producers' batches, which are also listed one by one
// (producer id, epoch, topic, partition, base sequence, records, bytes): one Envoy recognises a
// retry of such a batch itself, but a retry that went through another Envoy instance can only
// be recognised where the instances' reports meet, at the collector (tools/collector.ts).

/** Bytes of a listed batch in a queue item, before its topic. */
const BATCH_FIXED: usize = 36;

/** How many idempotent batches one table lists; beyond that they count in the totals only. */
export const MAX_LISTED: i32 = 4096;

/** An idempotent producer's batch the broker acknowledged (what identifies it across Envoy instances). */
export class IdempotentBatch {
  constructor(
    readonly producerId: i64, readonly epoch: i16, readonly topic: string, readonly partition: i32,
    readonly baseSequence: i32, readonly records: u64, readonly bytes: u64,
  ) {}
}

export class Usage {
  requests: u64 = 0;
  producedBytes: u64 = 0;
  producedRecords: u64 = 0;
  fetchedBytes: u64 = 0;
  fetchedRecords: u64 = 0;
  /** The idempotent batches among the produced ones (at most MAX_LISTED per table). */
  batches: Array<IdempotentBatch> = [];

  add(o: Usage): void {
    for (let i = 0; i < o.batches.length; i++) this.batches.push(o.batches[i]);
    this.requests += o.requests;
    this.producedBytes += o.producedBytes;
    this.producedRecords += o.producedRecords;
    this.fetchedBytes += o.fetchedBytes;
    this.fetchedRecords += o.fetchedRecords;
  }

  get empty(): bool {
    return this.requests == 0 && this.producedBytes == 0 && this.fetchedBytes == 0 && this.producedRecords == 0 && this.fetchedRecords == 0;
  }
}

/** Tenant → usage. */
export class UsageTable {
  readonly byTenant: Map<string, Usage> = new Map();
  /** Idempotent batches listed in this table. */
  listed: i32 = 0;

  /** Lists an idempotent batch under `tenant`; false (not listed) when the table holds MAX_LISTED already. */
  list(tenant: string, b: IdempotentBatch): bool {
    if (this.listed >= MAX_LISTED) return false;
    this.get(tenant).batches.push(b);
    this.listed++;
    return true;
  }

  get(tenant: string): Usage {
    if (this.byTenant.has(tenant)) return this.byTenant.get(tenant);
    const u = new Usage();
    this.byTenant.set(tenant, u);
    return u;
  }

  addAll(o: UsageTable): void {
    const keys = o.byTenant.keys();
    for (let i = 0; i < keys.length; i++) this.get(keys[i]).add(o.byTenant.get(keys[i]));
    this.listed += o.listed;
  }

  /** Bytes this usage accounts for (what a dropped batch loses). */
  totalBytes(): u64 {
    let n: u64 = 0;
    const v = this.byTenant.values();
    for (let i = 0; i < v.length; i++) n += v[i].producedBytes + v[i].fetchedBytes;
    return n;
  }

  /**
   * Queue item form: for each tenant, its UTF-8 name length (u16), name, five u64 counters, the
   * number of listed batches (u32) and each batch (producer id i64, epoch i16, partition i32,
   * base sequence i32, records u64, bytes u64, topic length u16, topic), all little-endian.
   * Workers exchange these; nothing outside reads them.
   */
  encode(): ArrayBuffer {
    const keys = this.byTenant.keys();
    const names = new Array<ArrayBuffer>();
    const topics = new Array<ArrayBuffer>();
    let size = 0;
    for (let i = 0; i < keys.length; i++) {
      const b = String.UTF8.encode(keys[i]); names.push(b); size += 2 + b.byteLength + 40 + 4;
      const batches = this.byTenant.get(keys[i]).batches;
      for (let j = 0; j < batches.length; j++) { const t = String.UTF8.encode(batches[j].topic); topics.push(t); size += BATCH_FIXED + t.byteLength; }
    }
    let topicAt = 0;
    const out = new ArrayBuffer(size);
    let p = changetype<usize>(out);
    for (let i = 0; i < keys.length; i++) {
      const u = this.byTenant.get(keys[i]);
      store<u16>(p, <u16>names[i].byteLength);
      memory.copy(p + 2, changetype<usize>(names[i]), <usize>names[i].byteLength);
      p += 2 + <usize>names[i].byteLength;
      store<u64>(p, u.requests); store<u64>(p, u.producedBytes, 8); store<u64>(p, u.producedRecords, 16);
      store<u64>(p, u.fetchedBytes, 24); store<u64>(p, u.fetchedRecords, 32);
      p += 40;
      store<u32>(p, <u32>u.batches.length);
      p += 4;
      for (let j = 0; j < u.batches.length; j++) {
        const b = u.batches[j], t = topics[topicAt++];
        store<i64>(p, b.producerId); store<i16>(p, b.epoch, 8); store<i32>(p, b.partition, 10); store<i32>(p, b.baseSequence, 14);
        store<u64>(p, b.records, 18); store<u64>(p, b.bytes, 26); store<u16>(p, <u16>t.byteLength, 34);
        memory.copy(p + BATCH_FIXED, changetype<usize>(t), <usize>t.byteLength);
        p += BATCH_FIXED + <usize>t.byteLength;
      }
    }
    return out;
  }

  /** Adds a queue item's usage; a malformed item is ignored (returns false), never trusted past its end. */
  addEncoded(buf: ArrayBuffer): bool {
    let p = changetype<usize>(buf);
    const end = p + <usize>buf.byteLength;
    while (p < end) {
      if (end - p < 2) return false;
      const n = <usize>load<u16>(p);
      if (end - p < 2 + n + 40) return false;
      const u = this.get(String.UTF8.decodeUnsafe(p + 2, n));
      p += 2 + n;
      u.requests += load<u64>(p); u.producedBytes += load<u64>(p, 8); u.producedRecords += load<u64>(p, 16);
      u.fetchedBytes += load<u64>(p, 24); u.fetchedRecords += load<u64>(p, 32);
      p += 40;
      if (end - p < 4) return false;
      const count = load<u32>(p);
      p += 4;
      for (let j: u32 = 0; j < count; j++) {
        if (end - p < BATCH_FIXED) return false;
        const tn = <usize>load<u16>(p, 34);
        if (end - p < BATCH_FIXED + tn) return false;
        u.batches.push(new IdempotentBatch(load<i64>(p), load<i16>(p, 8), String.UTF8.decodeUnsafe(p + BATCH_FIXED, tn), load<i32>(p, 10), load<i32>(p, 14), load<u64>(p, 18), load<u64>(p, 26)));
        this.listed++;
        p += BATCH_FIXED + tn;
      }
    }
    return true;
  }

  toJson(): string {
    // One string per piece, joined once: `s +=` would copy everything so far at every tenant.
    const keys = this.byTenant.keys();
    const parts = new Array<string>();
    parts.push("[");
    for (let i = 0; i < keys.length; i++) {
      const u = this.byTenant.get(keys[i]);
      if (i > 0) parts.push(",");
      parts.push("{\"tenant\":" + jsonQuote(keys[i]) + ",\"requests\":" + u.requests.toString() + ",\"produced_bytes\":" + u.producedBytes.toString()
        + ",\"produced_records\":" + u.producedRecords.toString() + ",\"fetched_bytes\":" + u.fetchedBytes.toString() + ",\"fetched_records\":" + u.fetchedRecords.toString());
      if (u.batches.length > 0) {
        // [producer id (a string: it can pass 2^53), epoch, topic, partition, base sequence, records, bytes]
        parts.push(",\"idempotent\":[");
        for (let j = 0; j < u.batches.length; j++) {
          const b = u.batches[j];
          if (j > 0) parts.push(",");
          parts.push("[\"" + b.producerId.toString() + "\"," + b.epoch.toString() + "," + jsonQuote(b.topic) + "," + b.partition.toString() + "," + b.baseSequence.toString() + "," + b.records.toString() + "," + b.bytes.toString() + "]");
        }
        parts.push("]");
      }
      parts.push("}");
    }
    parts.push("]");
    return parts.join("");
  }
}

