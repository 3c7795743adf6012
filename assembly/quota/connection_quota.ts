// Quotas on one Kafka connection: the glue between a KafkaConnection and the QuotaEngine. A
// plugin holds one per connection and forwards the stream layer's calls to it (see
// examples/topic-quota): it says which bodies it needs, counts bytes, lowers Fetch limits in
// place, and raises throttle_time_ms in responses, keeping a broker's own larger throttle.
//
// - Produce: the request's size counts against the tenant, each topic's records bytes (from the
//   skim, not held) against the topic. The throttle is known before the response comes, and the
//   response (small) is held whole to patch its throttle time (after the topic responses).
// - Fetch: the request is held (it is small) to lower max_bytes and partition_max_bytes in place.
//   The response is never held: its throttle time is the body's first field, so the stream layer
//   is asked for a few more bytes of its head (responseScope → holdsMoreOfHead) and the field is
//   patched there. The response's size counts against the tenant when it starts, as Kafka counts
//   it; each topic's bytes, known from the skim once it has passed, count against the topic, so
//   a topic's throttle reflects what it fetched before this response.
// - Topic ids (Produce and Fetch v13+) are named from Metadata responses, shared across workers.
import { KafkaRequest, KafkaResponse } from "../stream/messages";
import { InflightRequest } from "../stream/inflight";
import { Frame } from "../stream/frame_assembler";
import { TopicNames } from "../stream/topic_names";
import { SaslIdentity } from "../stream/sasl_identity";
import { Skim } from "../kafka/records_skimmer";
import { loadI32BE, SIZE_PREFIX } from "../kafka/header";
import { isKnownApi } from "../kafka/generated/api_table";
import { MetadataResponse } from "../kafka/generated/messages/metadata";
import { connection } from "../proxywasm/properties";
import { nowNanos } from "../proxywasm/time";
import { QuotaEngine } from "./engine";
import { TenantKey } from "./config";
import { FetchLimits } from "./fetch_limits";
import { fetchThrottleAt, produceThrottleAt, raiseThrottle, hasThrottleField } from "./throttle_field";

const PRODUCE: i16 = 0, FETCH: i16 = 1, METADATA: i16 = 3;
/** A Fetch response header longer than this is not waited for (the field is then left alone). */
const MAX_HEAD: i32 = 4096;
/** Limited topics remembered per connection (a consumer's fetch session). */
const MAX_SESSION_TOPICS: i32 = 1024;

function nowMs(): i64 { return <i64>(nowNanos() / 1000000); }

/** What a request in flight left for its response. */
class Pending {
  constructor(readonly apiKey: i16, readonly apiVersion: i16, public throttleMs: i32) {}
}

export class ConnectionQuota {
  private tenantName: string = "";
  private readonly identity: SaslIdentity = new SaslIdentity();
  private readonly pending: Map<i32, Pending> = new Map();
  /** Topics under a fetch quota this connection fetched (its fetch session may name them only once). */
  private readonly sessionTopics: Array<string> = [];
  /** Whether this connection also fetched topics with no fetch quota. */
  private fetchedFreeTopics: bool = false;

  constructor(readonly engine: QuotaEngine, readonly names: TopicNames) {}

  /** The tenant quotas are charged to (as billing names it), resolved from the first request. */
  get tenant(): string { return this.tenantName; }

  /** Sets the tenant outright (a plugin that names tenants its own way). */
  setTenant(t: string): void { this.tenantName = t; }

  private resolve(req: KafkaRequest): void {
    if (this.tenantName.length > 0) return;
    const k = this.engine.config.tenantKey;
    if (k == TenantKey.ClientId) {
      const id = req.clientId;
      this.tenantName = id != null && id.length > 0 ? id : "anonymous";
    } else if (k == TenantKey.SourceAddress) {
      const a = connection.sourceAddress();
      this.tenantName = a == null ? "unknown" : (a.lastIndexOf(":") > 0 ? a.substring(0, a.lastIndexOf(":")) : a);
    } else if (k == TenantKey.Sni) {
      const s = connection.requestedServerName();
      this.tenantName = s == null || s.length == 0 ? "no-sni" : s;
    }
    // SASL: "unauthenticated" until a SaslAuthenticate succeeds.
    else if (this.tenantName.length == 0) this.tenantName = "unauthenticated";
  }

  // ---- What the connection asks (forward its wants* to these) ----

  /** For wantsRequestBody: Fetch requests under any fetch quota, and SASL's when tenants are principals. */
  readsRequestBody(apiKey: i16, apiVersion: i16): bool {
    const c = this.engine.config;
    if (apiKey == FETCH) return c.limitsFetch && apiVersion >= 3;
    return c.tenantKey == TenantKey.SaslPrincipal && SaslIdentity.readsBody(apiKey);
  }

  /** For wantsResponseBody: Produce responses to throttle, Metadata (topic names), SASL's. */
  readsResponseBody(request: InflightRequest): bool {
    const c = this.engine.config;
    if (request.apiKey == PRODUCE) {
      if (!this.pending.has(request.correlationId)) return false;
      return this.pending.get(request.correlationId).throttleMs > 0;
    }
    if (request.apiKey == METADATA) return c.limitsTopicFetch || c.limitsTopicProduce;
    return c.tenantKey == TenantKey.SaslPrincipal && SaslIdentity.readsBody(request.apiKey);
  }

  /** For wantsProduceSkim: per-topic bytes when a topic has a produce quota. */
  wantsProduceSkim(apiVersion: i16): bool { return this.engine.config.limitsTopicProduce; }

  /** For wantsFetchSkim: per-topic bytes when a topic has a fetch quota. */
  wantsFetchSkim(request: InflightRequest): bool { return this.engine.config.limitsTopicFetch; }

  /**
   * For responseScope: true while the head of a Fetch response under quota does not yet reach
   * its throttle_time_ms (answer FrameScope.Undecided then, so the stream layer shows more).
   */
  holdsMoreOfHead(head: Frame): bool {
    if (head.length < SIZE_PREFIX + 4 || head.length >= MAX_HEAD) return false;
    const corr = loadI32BE(head.buffer, head.offset + SIZE_PREFIX);
    if (!this.pending.has(corr)) return false;
    const p = this.pending.get(corr);
    if (p.apiKey != FETCH) return false;
    return fetchThrottleAt(head.buffer, head.offset, head.length, p.apiVersion) == -2;
  }

  // ---- Requests and responses ----

  onRequest(req: KafkaRequest): void {
    this.resolve(req);
    const c = this.engine.config;
    if (c.tenantKey == TenantKey.SaslPrincipal && req.known) this.identity.onRequest(req);
    if (req.inflight == null || !req.known) {
      // acks=0 produces get no response: their bytes still count.
      if (req.apiKey == PRODUCE && c.limitsProduce && !c.limitsTopicProduce) this.engine.produceThrottle(this.tenantName, req.size, [], [], nowMs());
      return;
    }
    if (req.apiKey == PRODUCE && c.limitsProduce) {
      // Topics' bytes come with the skim (onProduceSkimmed), right after this when a topic has a quota.
      const t = c.limitsTopicProduce ? 0 : this.engine.produceThrottle(this.tenantName, req.size, [], [], nowMs());
      if (hasThrottleField(PRODUCE, req.apiVersion)) this.pending.set(req.correlationId, new Pending(PRODUCE, req.apiVersion, t));
    } else if (req.apiKey == FETCH && c.limitsFetch) {
      if (req.hasBody) this.limitFetch(req);
      if (hasThrottleField(FETCH, req.apiVersion)) this.pending.set(req.correlationId, new Pending(FETCH, req.apiVersion, 0));
    }
  }

  /** A Produce request's skim: its bytes per topic count against the topics' quotas. */
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void {
    const c = this.engine.config;
    if (!c.limitsProduce || !c.limitsTopicProduce) return;
    const topics = new Array<string>();
    const bytes = new Array<f64>();
    if (!skim.bad) {
      for (let i = 0; i < skim.partitions.length; i++) {
        const p = skim.partitions[i];
        const name = this.names.nameOf(p.topic, p.topicId != null ? p.topicId! : new Uint8Array(0));
        if (name.length == 0 || p.recordsBytes <= 0) continue;
        const at = topics.indexOf(name);
        if (at < 0) { topics.push(name); bytes.push(<f64>p.recordsBytes); }
        else bytes[at] += <f64>p.recordsBytes;
      }
    }
    const t = this.engine.produceThrottle(this.tenantName, req.size, topics, bytes, nowMs());
    const inflight = req.inflight;
    if (inflight != null && this.pending.has(inflight.correlationId)) this.pending.get(inflight.correlationId).throttleMs = t;
  }

  private limitFetch(req: KafkaRequest): void {
    const e = this.engine;
    const buf = req.frame.buffer;
    const limits = FetchLimits.read(buf, req.bodyOffset, req.bodyLength, req.apiVersion);
    if (limits.bad) return;
    let changed = false;
    let topicCaps: i64 = 0;
    for (let i = 0; i < limits.topics.length; i++) {
      const t = limits.topics[i];
      const id = t.id;
      const name = this.names.nameOf(t.name, id != null ? id : new Uint8Array(0));
      const cap = name.length > 0 ? e.fetchCapForTopic(name) : 0;
      if (cap <= 0) { this.fetchedFreeTopics = true; continue; }
      this.remember(name);
      if (limits.lowerPartitions(buf, i, cap)) changed = true;
    }
    // The response as a whole: within the tenant's cap, and within the topics' caps when every
    // topic this connection fetches has one (a free topic must not be starved by a limited one).
    for (let i = 0; i < this.sessionTopics.length; i++) topicCaps += <i64>e.fetchCapForTopic(this.sessionTopics[i]);
    let cap: i64 = <i64>e.fetchCapForTenant(this.tenantName);
    if (!this.fetchedFreeTopics && topicCaps > 0 && (cap == 0 || topicCaps < cap)) cap = topicCaps;
    if (cap > 0 && limits.lowerMaxBytes(buf, cap > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>cap)) changed = true;
    if (changed) {
      req.markPatched();
      e.limitedFetches.increment();
    }
  }

  private remember(topic: string): void {
    if (this.sessionTopics.includes(topic) || this.sessionTopics.length >= MAX_SESSION_TOPICS) return;
    this.sessionTopics.push(topic);
  }

  onResponse(resp: KafkaResponse): void {
    const c = this.engine.config;
    if (resp.apiKey == METADATA) {
      if (resp.hasBody && resp.known) {
        const r = resp.body();
        const md = MetadataResponse.decodeFrom(r, resp.apiVersion);
        if (!r.bad) this.names.learn(md);
      }
      return;
    }
    if (c.tenantKey == TenantKey.SaslPrincipal && resp.apiKey == 36) {
      if (this.identity.onResponse(resp) && this.identity.principal.length > 0) this.tenantName = this.identity.principal;
      return;
    }
    const corr = resp.correlationId;
    if (!this.pending.has(corr)) return;
    const p = this.pending.get(corr);
    this.pending.delete(corr);
    if (p.apiKey != resp.apiKey) return;
    const f = resp.frame;
    if (resp.apiKey == FETCH) {
      // Drop the remembered topics that have lost their quota since (a reconfiguration).
      const live = new Array<string>();
      for (let i = 0; i < this.sessionTopics.length; i++) if (this.engine.limitsFetchOf(this.sessionTopics[i])) live.push(this.sessionTopics[i]);
      const t = this.engine.fetchThrottle(this.tenantName, resp.size, live, nowMs());
      if (t <= 0) return;
      const at = fetchThrottleAt(f.buffer, f.offset, f.length, resp.apiVersion);
      if (at < 0) return;
      raiseThrottle(f.buffer, at, t);
      // A whole frame in the host's chunk must be re-sent; a streamed head is already a copy.
      resp.patched = true;
      this.engine.throttledResponses.increment();
    } else if (resp.apiKey == PRODUCE) {
      if (p.throttleMs <= 0 || !resp.hasBody) return;
      const at = produceThrottleAt(f.buffer, resp.bodyOffset, resp.bodyLength, resp.apiVersion);
      if (at < 0) return;
      raiseThrottle(f.buffer, at, p.throttleMs);
      resp.markPatched();
      this.engine.throttledResponses.increment();
    }
  }

  /** A Fetch response's skim: what each topic under a fetch quota received counts against it. */
  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void {
    if (skim.bad || !this.engine.config.limitsTopicFetch) return;
    // ShareFetch responses are skimmed too; share-group consumers are not under fetch quotas
    // (docs/quotas.md), so what they receive is not charged to the topics' other consumers either.
    if (resp.apiKey != FETCH) return;
    const topics = new Array<string>();
    const bytes = new Array<f64>();
    for (let i = 0; i < skim.partitions.length; i++) {
      const p = skim.partitions[i];
      if (p.recordsBytes <= 0) continue;
      const name = this.names.nameOf(p.topic, p.topicId != null ? p.topicId! : new Uint8Array(0));
      if (name.length == 0 || !this.engine.limitsFetchOf(name)) continue;
      const at = topics.indexOf(name);
      if (at < 0) { topics.push(name); bytes.push(<f64>p.recordsBytes); }
      else bytes[at] += <f64>p.recordsBytes;
    }
    const now = nowMs();
    for (let i = 0; i < topics.length; i++) {
      this.remember(topics[i]);
      this.engine.recordFetchedTopic(topics[i], bytes[i], now);
    }
  }
}
