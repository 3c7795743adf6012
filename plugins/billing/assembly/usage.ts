import { jsonQuote } from "../../../assembly/index";

// Usage per tenant, and its wire form between worker VMs (a shared-queue item) and to the
// collector (JSON). Counters only ever grow; a batch is the usage seen since the last one.

export class Usage {
  requests: u64 = 0;
  producedBytes: u64 = 0;
  producedRecords: u64 = 0;
  fetchedBytes: u64 = 0;
  fetchedRecords: u64 = 0;

  add(o: Usage): void {
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

  get(tenant: string): Usage {
    if (this.byTenant.has(tenant)) return this.byTenant.get(tenant);
    const u = new Usage();
    this.byTenant.set(tenant, u);
    return u;
  }

  addAll(o: UsageTable): void {
    const keys = o.byTenant.keys();
    for (let i = 0; i < keys.length; i++) this.get(keys[i]).add(o.byTenant.get(keys[i]));
  }

  /** Bytes this usage accounts for (what a dropped batch loses). */
  totalBytes(): u64 {
    let n: u64 = 0;
    const v = this.byTenant.values();
    for (let i = 0; i < v.length; i++) n += v[i].producedBytes + v[i].fetchedBytes;
    return n;
  }

  /**
   * Queue item form: for each tenant, its UTF-8 name length (u16), name, and five u64
   * counters, all little-endian. Workers exchange these; nothing outside reads them.
   */
  encode(): ArrayBuffer {
    const keys = this.byTenant.keys();
    const names = new Array<ArrayBuffer>();
    let size = 0;
    for (let i = 0; i < keys.length; i++) { const b = String.UTF8.encode(keys[i]); names.push(b); size += 2 + b.byteLength + 40; }
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
    }
    return true;
  }

  toJson(): string {
    const keys = this.byTenant.keys();
    let s = "[";
    for (let i = 0; i < keys.length; i++) {
      const u = this.byTenant.get(keys[i]);
      if (i > 0) s += ",";
      s += "{\"tenant\":" + jsonQuote(keys[i]) + ",\"requests\":" + u.requests.toString() + ",\"produced_bytes\":" + u.producedBytes.toString()
        + ",\"produced_records\":" + u.producedRecords.toString() + ",\"fetched_bytes\":" + u.fetchedBytes.toString() + ",\"fetched_records\":" + u.fetchedRecords.toString() + "}";
    }
    return s + "]";
  }
}

