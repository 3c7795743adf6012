// billing: usage per tenant, billed only for what the broker accepted and delivered.
//   - Produce: counted per partition only when its response says the partition was written
//     (error code 0). acks=0 produces get no answer and are not billed. A retry of a batch an
//     idempotent producer already had acknowledged (same producer id, epoch, partition and
//     base sequence) is not billed twice, whichever worker sees it (shared data). Such batches are
//     also listed one by one in the usage, so the collector can count once a retry that went
//     through another Envoy instance (which billed it too).
//   - Fetch: the record batches a response actually delivered.
//   - Requests: every request.
// Workers send their usage over a shared queue to the one that drains it; that worker
// batches it and POSTs each batch to the collector with an idempotency key, keeping it until
// the collector answers 2xx (so a collector restart loses nothing). Beyond max_pending_batches
// the oldest batch is dropped and its bytes counted in billing.dropped_bytes.
// Tenants can be names clients choose (a client.id): a worker bills at most `max_tenants` of them
// per flush interval, and later ones share the tenant `_other` in that interval's usage; the
// Envoy counters per tenant stop at `max_tenants` tenants for the VM's life, later ones sharing
// `tenant_other`. Both are counted in billing.tenants_over_limit.
//
// Configuration: { "tenant_key": "client_id" | "sasl_principal" | "source_address" | "sni",
//   "flush_seconds": 10, "collector_cluster": "billing_collector", "max_pending_batches": 100,
//   "max_tenants": 10000 }
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, Counter, logError, logInfo, logWarn,
  setTickPeriod, nowNanos, httpCall, httpCallResponseHeader, connection, tagName, LabelLimit, OTHER_LABEL, readWhole,
  registerSharedQueue, enqueueShared, dequeueShared, Status,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, JsonValue, JsonKind, checkDecoded,
  ProduceRequest, ProduceResponse, FetchResponse, BatchIterator, jsonQuote, SaslIdentity, ProducePlan, ProduceDedupe, InflightRequest, Skim,
} from "../../../assembly/index";
import { UsageTable, IdempotentBatch, Usage } from "./usage";

const PRODUCE: i16 = 0, FETCH: i16 = 1, SASL_AUTHENTICATE: i16 = 36;
const KEYS = ["client_id", "sasl_principal", "source_address", "sni"];
const KEY_CLIENT_ID = 0, KEY_SASL = 1, KEY_SOURCE = 2, KEY_SNI = 3;
const QUEUE = "billing-usage";

/** A batch of usage on its way to the collector. */
class Batch {
  token: u32 = 0;
  constructor(readonly id: string, readonly body: string, readonly bytes: u64) {}
}

class BillingRoot extends KafkaRoot {
  tenantKey: i32 = KEY_CLIENT_ID;
  flushSeconds: i32 = 10;
  collector: string = "billing_collector";
  maxPending: i32 = 100;
  queue: u32 = 0;
  /** Usage this worker saw since its last tick. */
  local: UsageTable = new UsageTable();
  /** Usage gathered from every worker's queue items, not yet batched (only the draining worker has any). */
  gathered: UsageTable = new UsageTable();
  pending: Array<Batch> = [];
  private nonce: string = "";
  private seq: u64 = 0;
  private metrics: Map<string, Array<Counter>> = new Map();
  dropped: Counter | null = null;
  maxTenants: i32 = 10000;
  private tenantLabels: LabelLimit = new LabelLimit(10000);
  tenantsOverLimit: Counter | null = null;
  dedupedRecords: Counter | null = null;
  notListed: Counter | null = null;
  /** Idempotent batches already billed, on any worker (shared data under "billing.seq."). */
  readonly acked: ProduceDedupe = new ProduceDedupe("billing");

  constructor(id: u32) { super(id, "billing"); }

  settings(): Array<string> | null { return ["tenant_key", "flush_seconds", "collector_cluster", "max_pending_batches", "max_tenants"]; }

  configure(doc: JsonValue | null): string {
    if (doc != null) {
      const key = doc.get("tenant_key");
      if (key != null) {
        const at = key.kind == JsonKind.String ? KEYS.indexOf(key.str) : -1;
        if (at < 0) { return "tenant_key: must be one of " + KEYS.join(", "); }
        this.tenantKey = at;
      }
      const flush = doc.get("flush_seconds");
      if (flush != null) {
        if (flush.kind != JsonKind.Number || flush.num < 1 || flush.num > 3600 || flush.num != Math.floor(flush.num)) { return "flush_seconds: must be a whole number from 1 to 3600"; }
        this.flushSeconds = <i32>flush.num;
      }
      const cluster = doc.get("collector_cluster");
      if (cluster != null) {
        if (cluster.kind != JsonKind.String || cluster.str.length == 0) { return "collector_cluster: must be a non-empty string"; }
        this.collector = cluster.str;
      }
      const max = doc.get("max_pending_batches");
      if (max != null) {
        if (max.kind != JsonKind.Number || max.num < 1 || max.num > 100000 || max.num != Math.floor(max.num)) { return "max_pending_batches: must be a whole number from 1 to 100000"; }
        this.maxPending = <i32>max.num;
      }
      const tenants = doc.get("max_tenants");
      if (tenants != null) {
        const problem = new Array<string>();
        this.maxTenants = <i32>readWhole(tenants, "max_tenants", 1, 1000000, problem);
        if (problem.length > 0) return problem[0];
      }
    }
    this.tenantLabels = new LabelLimit(this.maxTenants);
    this.tenantsOverLimit = new Counter("billing.tenants_over_limit");
    this.stream.recordLatency = false;
    this.queue = registerSharedQueue(QUEUE);
    this.dropped = new Counter("billing.dropped_bytes");
    this.dedupedRecords = new Counter("billing.retried_records_not_billed");
    this.notListed = new Counter("billing.idempotent_batches_not_listed");
    // Idempotency keys must differ across VMs and restarts: time at start, context id, randomness.
    this.nonce = nowNanos().toString(36) + "-" + this.id.toString(36) + "-" + (<u64>(Math.random() * 1e15)).toString(36);
    setTickPeriod(<u32>this.flushSeconds * 1000);
    logInfo("billing: configured, tenant by " + KEYS[this.tenantKey] + ", flushing every " + this.flushSeconds.toString() + " s to cluster " + this.collector);
    return "";
  }

  /** The name `tenant`'s usage goes under this interval: its own, or `_other` once the interval has max_tenants tenants. */
  billedAs(tenant: string): string {
    const local = this.local;
    if (local.byTenant.size >= this.maxTenants && !local.byTenant.has(tenant)) {
      (this.tenantsOverLimit as Counter).increment();
      return OTHER_LABEL;
    }
    return tenant;
  }

  usageOf(tenant: string): Usage { return this.local.get(this.billedAs(tenant)); }

  /** The tenant's Envoy counters, in the order of Usage's fields (shared as `tenant_other` past max_tenants). */
  counters(name: string): Array<Counter> {
    const tenant = this.tenantLabels.of(name);
    if (tenant != name) (this.tenantsOverLimit as Counter).increment();
    if (this.metrics.has(tenant)) return this.metrics.get(tenant);
    const c: Array<Counter> = [
      new Counter(tagName("billing.requests", "tenant", tenant)),
      new Counter(tagName("billing.produced_bytes", "tenant", tenant)),
      new Counter(tagName("billing.produced_records", "tenant", tenant)),
      new Counter(tagName("billing.fetched_bytes", "tenant", tenant)),
      new Counter(tagName("billing.fetched_records", "tenant", tenant)),
    ];
    this.metrics.set(tenant, c);
    return c;
  }

  onTick(): void {
    // 1. This worker's usage goes to whichever worker drains the queue (maybe this one).
    if (this.local.byTenant.size > 0) {
      if (enqueueShared(this.queue, this.local.encode()) != Status.Ok) logWarn("billing: could not enqueue usage; kept for the next tick");
      else this.local = new UsageTable();
    }
    // 2. What was gathered becomes a batch with its own idempotency key.
    if (this.gathered.byTenant.size > 0) {
      this.seq++;
      const id = this.nonce + "-" + this.seq.toString();
      const body = "{\"batch_id\":" + jsonQuote(id) + ",\"created_at_ms\":" + (nowNanos() / 1000000).toString() + ",\"usage\":" + this.gathered.toJson() + "}";
      this.pending.push(new Batch(id, body, this.gathered.totalBytes()));
      this.gathered = new UsageTable();
      while (this.pending.length > this.maxPending) {
        const lost = this.pending.shift();
        (this.dropped as Counter).increment(lost.bytes);
        logWarn("billing: dropped batch " + lost.id + " after " + this.maxPending.toString() + " batches waited for the collector");
      }
    }
    // 3. Send every batch not already on its way; failures are retried next tick with the same key.
    for (let i = 0; i < this.pending.length; i++) {
      const b = this.pending[i];
      if (b.token != 0) continue;
      b.token = httpCall(this.collector, [[":method", "POST"], [":path", "/usage"], [":authority", "billing-collector"],
        ["content-type", "application/json"], ["idempotency-key", b.id]], String.UTF8.encode(b.body), 5000);
    }
  }

  onQueueReady(queueId: u32): void {
    while (true) {
      const item = dequeueShared(queueId);
      if (item == null) break;
      if (!this.gathered.addEncoded(item)) logWarn("billing: ignored a malformed usage item");
    }
  }

  onHttpCallResponse(token: u32, headers: u32, bodySize: u32, trailers: u32): void {
    let ok = false;
    if (headers > 0) {
      const status = httpCallResponseHeader(":status");
      ok = status != null && status.startsWith("2");
    }
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pending[i].token != token) continue;
      if (ok) this.pending.splice(i, 1);
      else this.pending[i].token = 0;
      break;
    }
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new BillingConnection(id, this); }
}

class BillingConnection extends KafkaConnection {
  private tenant: string = "";
  private readonly identity: SaslIdentity = new SaslIdentity();
  private counters: Array<Counter> | null = null;

  constructor(id: u32, readonly b: BillingRoot) { super(id, b); }

  private setTenant(t: string): void {
    this.tenant = t;
    this.counters = null;
  }

  /** This connection's tenant, resolved on first use (or after SASL authentication). */
  private resolve(req: KafkaRequest | null): void {
    if (this.tenant.length > 0) return;
    const k = this.b.tenantKey;
    if (k == KEY_CLIENT_ID) {
      let id: string | null = null;
      if (req != null) id = req.clientId;
      this.setTenant(id != null && id.length > 0 ? id : "anonymous");
    } else if (k == KEY_SOURCE) {
      const a = connection.sourceAddress();
      this.setTenant(a == null ? "unknown" : a.substring(0, a.lastIndexOf(":") > 0 ? a.lastIndexOf(":") : a.length));
    } else if (k == KEY_SNI) {
      const s = connection.requestedServerName();
      this.setTenant(s == null || s.length == 0 ? "no-sni" : s);
    } else {
      this.setTenant("unauthenticated");
    }
  }

  private bill(requests: u64, pBytes: u64, pRecords: u64, fBytes: u64, fRecords: u64): void {
    // The table is replaced at every tick, so the entry is looked up each time, not cached.
    const u = this.b.usageOf(this.tenant);
    u.requests += requests; u.producedBytes += pBytes; u.producedRecords += pRecords; u.fetchedBytes += fBytes; u.fetchedRecords += fRecords;
    let c = this.counters;
    if (c == null) { c = this.b.counters(this.tenant); this.counters = c; }
    if (requests > 0) c[0].increment(requests);
    if (pBytes > 0) c[1].increment(pBytes);
    if (pRecords > 0) c[2].increment(pRecords);
    if (fBytes > 0) c[3].increment(fBytes);
    if (fRecords > 0) c[4].increment(fRecords);
  }

  onRequest(req: KafkaRequest): void {
    this.resolve(req);
    this.bill(1, 0, 0, 0, 0);
    if (!req.known) return;
    this.identity.onRequest(req);
  }

  /** What a Produce sends to each partition, noted until its response says what was written. */
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void {
    const inflight = req.inflight;
    if (inflight != null && !skim.bad) inflight.userData = ProducePlan.fromSkim(skim);
  }

  // Held whole: Produce responses and SASL's. Produce requests and Fetch responses are billed from
  // skims as they pass; everything else passes as it arrives.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return SaslIdentity.readsBody(apiKey); }

  wantsProduceSkim(apiVersion: i16): bool { return true; }

  wantsResponseBody(request: InflightRequest): bool {
    return (request.apiKey == PRODUCE && request.userData != null) || SaslIdentity.readsBody(request.apiKey);
  }

  wantsFetchSkim(request: InflightRequest): bool { return true; }

  /** Fetched usage: complete data batches of partitions served without error, as delivered. */
  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void {
    if (skim.bad) return;
    let bytes: u64 = 0, records: u64 = 0;
    for (let i = 0; i < skim.partitions.length; i++) {
      const p = skim.partitions[i];
      if (p.errorCode != 0) continue;
      bytes += <u64>p.batchBytes;
      records += <u64>p.records;
    }
    this.bill(0, 0, 0, bytes, records);
  }

  onResponse(resp: KafkaResponse): void {
    if (!resp.known) return;
    if (resp.apiKey == PRODUCE) {
      const data = resp.request.userData;
      if (data == null || !(data instanceof ProducePlan)) return;
      const plan = changetype<ProducePlan>(data);
      const r = resp.body();
      const p = ProduceResponse.decodeFrom(r, resp.apiVersion);
      if (checkDecoded(r, "ProduceResponse", resp.apiVersion) != null) return;
      plan.settle(p, this.b.acked);
      let bytes: u64 = 0, records: u64 = 0;
      for (let k = 0; k < plan.partitions.length; k++) {
        const pp = plan.partitions[k];
        if (pp.written) {
          bytes += pp.bytes; records += pp.records;
          // Listed for the collector, which recognises a retry that another Envoy instance billed.
          if (pp.producerId >= 0 && !this.b.local.list(this.b.billedAs(this.tenant), new IdempotentBatch(pp.producerId, pp.producerEpoch, pp.topicKey, pp.partition, pp.baseSequence, pp.records, pp.bytes))) {
            (this.b.notListed as Counter).increment();
          }
        }
        else if (pp.retried) (this.b.dedupedRecords as Counter).increment(pp.records);
      }
      this.bill(0, bytes, records, 0, 0);
    } else if (resp.apiKey == SASL_AUTHENTICATE) {
      if (this.identity.onResponse(resp) && this.b.tenantKey == KEY_SASL && this.identity.principal.length > 0) this.setTenant(this.identity.principal);
    }
  }
}

registerRootContext((id: u32): RootContext => new BillingRoot(id));
