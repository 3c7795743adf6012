// telemetry: what flows through Kafka, as Envoy metrics with labels (see stats_tags.yaml).
//   kafka.requests|responses|request_bytes|response_bytes.api_<API>
//   kafka.errors.api_<API>.error_<code>          (every ErrorCode in any response a broker serves)
//   kafka.latency_us.api_<API>                   (histogram, request to response)
//   kafka.topic.produced_bytes|produced_records.topic_<topic>       (written: see "Produced" below)
//   kafka.topic.produce_retried_records.topic_<topic>               (acknowledged again: idempotent retries, not in produced_*)
//   kafka.topic.produced_acks0_bytes|produced_acks0_records.topic_<topic>   (sent with acks=0: no answer, so written or not is unknown)
//   kafka.topic.fetched_bytes|fetched_records.topic_<topic>         (what Fetch responses delivered)
//   kafka.client.requests.client_<client.id>
//   kafka.connections.active (gauge), kafka.connections.total
//   kafka.flow.produce_bytes.client_<producer>.topic_<topic>   (producer: SASL principal, else client.id, else source address)
//   kafka.flow.consume_bytes.topic_<topic>.group_<group or client>
// Produced: a partition's records and bytes (its records field) count when the broker
// acknowledges the partition with error code 0 (billing's rule), not when they are sent:
//   - a partition the broker refused is not counted (its error code is, in kafka.errors);
//   - an idempotent producer's retry of a batch already acknowledged (same producer id,
//     epoch, topic, partition and base sequence; the broker stores it once) is not counted
//     again, whichever worker sees it (shared data); its records go to produce_retried_records;
//   - Produce with acks=0 gets no answer: it is counted when sent, apart, in produced_acks0_*.
// A produce flow edge carries the same bytes: produced_bytes plus produced_acks0_bytes.
// Every `flush_seconds` the flow edges seen since the last tick are logged as JSON and,
// when `collector_cluster` is set, POSTed there.
//
// Client-chosen labels are bounded: past `max_label_values` distinct clients (producers), topics
// or groups, later ones share the label `_other` (counted in kafka.labels_over_limit), and a
// flush lists at most four times that many flow edges (the rest go to an `_other` edge).
//
// Configuration: { "flush_seconds": 10, "collector_cluster": "", "max_label_values": 1000, "max_frame_bytes": …, "on_malformed": … }
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, Counter, Gauge, Histogram, CounterFamily, FilterStatus, PeerType,
  logError, logInfo, setTickPeriod, nowNanos, httpCall, connection, tagName, getSharedData, setSharedData, Status,
  LabelLimit, OTHER_LABEL, readWhole,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, JsonValue, JsonKind, apiName, checkDecoded,
  Reader, ProduceRequest, ProduceResponse, FetchResponse, MetadataResponse,
  JoinGroupRequest, SyncGroupRequest, HeartbeatRequest, OffsetCommitRequest, BatchIterator,
  SaslAuthenticateResponse, jsonQuote, TopicNames, topicIdHex, SaslIdentity, ProducePlan, ProduceDedupe,
  InflightRequest, Skim, PartitionSkim,
} from "../../../assembly/index";
import { responseErrorCodes } from "../../../assembly/kafka/generated/error_codes";

const PRODUCE: i16 = 0, FETCH: i16 = 1, METADATA: i16 = 3, OFFSET_COMMIT: i16 = 8, JOIN_GROUP: i16 = 11, HEARTBEAT: i16 = 12, SYNC_GROUP: i16 = 14, SASL_AUTHENTICATE: i16 = 36, SHARE_FETCH: i16 = 78;

/** Per-API counters, created on first use (the metric name is built once per API). */
class ApiMetrics {
  readonly requests: Counter;
  readonly responses: Counter;
  readonly requestBytes: Counter;
  readonly responseBytes: Counter;
  readonly latency: Histogram;
  readonly errors: CounterFamily;
  constructor(name: string) {
    this.requests = new Counter(tagName("kafka.requests", "api", name));
    this.responses = new Counter(tagName("kafka.responses", "api", name));
    this.requestBytes = new Counter(tagName("kafka.request_bytes", "api", name));
    this.responseBytes = new Counter(tagName("kafka.response_bytes", "api", name));
    this.latency = new Histogram(tagName("kafka.latency_us", "api", name));
    this.errors = new CounterFamily(tagName("kafka.errors", "api", name), "error");
  }
}

class TopicMetrics {
  readonly producedBytes: Counter;
  readonly producedRecords: Counter;
  readonly fetchedBytes: Counter;
  readonly fetchedRecords: Counter;
  // Retries and acks=0 are rare: their counters are made on first use.
  private _retriedRecords: Counter | null = null;
  private _acks0Bytes: Counter | null = null;
  private _acks0Records: Counter | null = null;
  constructor(readonly topic: string) {
    this.producedBytes = new Counter(tagName("kafka.topic.produced_bytes", "topic", topic));
    this.producedRecords = new Counter(tagName("kafka.topic.produced_records", "topic", topic));
    this.fetchedBytes = new Counter(tagName("kafka.topic.fetched_bytes", "topic", topic));
    this.fetchedRecords = new Counter(tagName("kafka.topic.fetched_records", "topic", topic));
  }
  private counter(name: string): Counter { return new Counter(tagName(name, "topic", this.topic)); }
  get retriedRecords(): Counter { let c = this._retriedRecords; if (c == null) { c = this.counter("kafka.topic.produce_retried_records"); this._retriedRecords = c; } return c; }
  get acks0Bytes(): Counter { let c = this._acks0Bytes; if (c == null) { c = this.counter("kafka.topic.produced_acks0_bytes"); this._acks0Bytes = c; } return c; }
  get acks0Records(): Counter { let c = this._acks0Records; if (c == null) { c = this.counter("kafka.topic.produced_acks0_records"); this._acks0Records = c; } return c; }
}

class TelemetryRoot extends KafkaRoot {
  collector: string = "";
  flushSeconds: i32 = 10;
  private apis: Map<i32, ApiMetrics> = new Map();
  private topics: Map<string, TopicMetrics> = new Map();
  private clients: Map<string, Counter> = new Map();
  /** Topic ids (hex) to names, learned from Metadata responses: Produce v13+ and Fetch v13+ name topics by id. */
  readonly topicNames: TopicNames = new TopicNames("telemetry");
  /** Flow edges since the last flush: "produce\tproducer\ttopic" or "consume\ttopic\tgroup" → bytes. */
  edges: Map<string, u64> = new Map();
  active: Gauge | null = null;
  total: Counter | null = null;
  maxLabelValues: i32 = 1000;
  private clientLabels: LabelLimit = new LabelLimit(1000);
  private topicLabels: LabelLimit = new LabelLimit(1000);
  private groupLabels: LabelLimit = new LabelLimit(1000);
  private overLimit: Counter | null = null;
  private overLimitReported: u64 = 0;
  /** Idempotent batches already counted, on any worker (shared data under "telemetry.seq."; billing keeps its own). */
  readonly acked: ProduceDedupe = new ProduceDedupe("telemetry");

  constructor(id: u32) { super(id, "telemetry"); }

  settings(): Array<string> | null { return ["flush_seconds", "collector_cluster", "max_label_values"]; }

  configure(doc: JsonValue | null): string {
    this.stream.recordLatency = true;
    if (doc != null) {
      const flush = doc.get("flush_seconds");
      if (flush != null) {
        if (flush.kind != JsonKind.Number || flush.num < 1 || flush.num > 3600 || flush.num != Math.floor(flush.num)) { return "flush_seconds: must be a whole number from 1 to 3600"; }
        this.flushSeconds = <i32>flush.num;
      }
      const cluster = doc.get("collector_cluster");
      if (cluster != null) {
        if (cluster.kind != JsonKind.String) { return "collector_cluster: must be a string"; }
        this.collector = cluster.str;
      }
      const max = doc.get("max_label_values");
      if (max != null) {
        const problem = new Array<string>();
        this.maxLabelValues = <i32>readWhole(max, "max_label_values", 1, 1000000, problem);
        if (problem.length > 0) return problem[0];
      }
    }
    this.clientLabels = new LabelLimit(this.maxLabelValues);
    this.topicLabels = new LabelLimit(this.maxLabelValues);
    this.groupLabels = new LabelLimit(this.maxLabelValues);
    this.overLimit = new Counter("kafka.labels_over_limit");
    this.active = new Gauge("kafka.connections.active");
    this.total = new Counter("kafka.connections.total");
    setTickPeriod(<u32>this.flushSeconds * 1000);
    logInfo("telemetry: configured, flushing flow edges every " + this.flushSeconds.toString() + " s");
    return "";
  }

  api(key: i16): ApiMetrics {
    const k = <i32>key;
    if (this.apis.has(k)) return this.apis.get(k);
    const m = new ApiMetrics(apiName(key));
    this.apis.set(k, m);
    return m;
  }

  topic(topic: string): TopicMetrics {
    const name = this.topicLabels.of(topic);
    if (this.topics.has(name)) return this.topics.get(name);
    const m = new TopicMetrics(name);
    this.topics.set(name, m);
    return m;
  }

  client(clientId: string): Counter {
    const id = this.clientLabels.of(clientId);
    if (this.clients.has(id)) return this.clients.get(id);
    const c = new Counter(tagName("kafka.client.requests", "client", id));
    this.clients.set(id, c);
    return c;
  }

  edge(kind: string, source: string, target: string, bytes: u64): void {
    const produce = kind == "produce";
    const from = produce ? this.clientLabels.of(source) : this.topicLabels.of(source);
    const to = produce ? this.topicLabels.of(target) : this.groupLabels.of(target);
    let key = kind + "\t" + from + "\t" + to;
    if (!this.edges.has(key) && this.edges.size >= 4 * this.maxLabelValues) key = kind + "\t" + OTHER_LABEL + "\t" + OTHER_LABEL;
    this.edges.set(key, (this.edges.has(key) ? this.edges.get(key) : 0) + bytes);
    const name = kind == "produce"
      ? tagName(tagName("kafka.flow.produce_bytes", "client", from), "topic", to)
      : tagName(tagName("kafka.flow.consume_bytes", "topic", from), "group", to);
    this.flowCounter(name).increment(bytes);
  }

  private flows: Map<string, Counter> = new Map();
  private flowCounter(name: string): Counter {
    if (this.flows.has(name)) return this.flows.get(name);
    const c = new Counter(name);
    this.flows.set(name, c);
    return c;
  }

  onTick(): void {
    const over = this.clientLabels.overflowed + this.topicLabels.overflowed + this.groupLabels.overflowed;
    const counter = this.overLimit;
    if (counter != null && over > this.overLimitReported) { counter.increment(over - this.overLimitReported); this.overLimitReported = over; }
    const keys = this.edges.keys();
    if (keys.length == 0) return;
    // One string per edge, joined once: `json +=` would copy everything so far at every edge.
    const pieces = new Array<string>();
    pieces.push("{\"at_ms\":" + (nowNanos() / 1000000).toString() + ",\"edges\":[");
    for (let i = 0; i < keys.length; i++) {
      const parts = keys[i].split("\t");
      pieces.push((i > 0 ? "," : "") + "{\"kind\":" + jsonQuote(parts[0]) + ",\"from\":" + jsonQuote(parts[1]) + ",\"to\":" + jsonQuote(parts[2]) + ",\"bytes\":" + this.edges.get(keys[i]).toString() + "}");
    }
    pieces.push("]}");
    const json = pieces.join("");
    this.edges = new Map();
    logInfo("telemetry flow " + json);
    if (this.collector.length > 0) {
      httpCall(this.collector, [[":method", "POST"], [":path", "/flow"], [":authority", "collector"], ["content-type", "application/json"]], String.UTF8.encode(json), 5000);
    }
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new TelemetryConnection(id, this); }
}



/** Sum of records and bytes over the batches of a records field (record batches are not decompressed). */
/** The topic id of topics named by name (v12 and older): names are looked up first. */
const EMPTY_ID = new Uint8Array(16);

/** One topic entry's partitions summed: they are consecutive in a skim, from `start` to `end`. */
class TopicSum { end: i32 = 0; bytes: u64 = 0; records: u64 = 0; }

function sumTopicEntry(parts: Array<PartitionSkim>, start: i32, into: TopicSum): void {
  const entry = parts[start].topicIndex;
  into.bytes = 0;
  into.records = 0;
  let end = start;
  for (; end < parts.length && parts[end].topicIndex == entry; end++) {
    const p = parts[end];
    if (p.recordsBytes > 0) into.bytes += <u64>p.recordsBytes;
    into.records += <u64>p.records;
  }
  into.end = end;
}


class TelemetryConnection extends KafkaConnection {
  /** Who produces on this connection: its SASL principal once authenticated, else its client.id, else its source address. */
  private who: string = "";
  private readonly identity: SaslIdentity = new SaslIdentity();
  /** The consumer group this connection works for, once it names one. */
  private group: string = "";
  private clientCounter: Counter | null = null;
  private readonly codes: Array<i16> = [];
  private readonly sum: TopicSum = new TopicSum();

  constructor(id: u32, readonly t: TelemetryRoot) { super(id, t); }

  onNewConnection(): FilterStatus {
    (this.t.active as Gauge).add(1);
    (this.t.total as Counter).increment();
    return FilterStatus.Continue;
  }

  onDownstreamClose(peer: PeerType): void { (this.t.active as Gauge).add(-1); }

  /** A topic's name: given, learned from Metadata (here or on another worker), else "id-<hex>". */
  private skimTopic(p: PartitionSkim): string {
    const id = p.topicId;
    return this.topicName(p.topic, id == null ? EMPTY_ID : id);
  }

  private topicName(name: string, id: Uint8Array): string {
    const known = this.t.topicNames.nameOf(name, id);
    return known.length > 0 ? known : "id-" + topicIdHex(id);
  }

  onRequest(req: KafkaRequest): void {
    const m = this.t.api(req.apiKey);
    m.requests.increment();
    m.requestBytes.increment(<u64>req.size);
    if (this.clientCounter == null) {
      const id = req.clientId;
      if (id != null && id.length > 0) this.who = id;
      else { const src = connection.sourceAddress(); this.who = src == null ? "unknown" : src; }
      this.clientCounter = this.t.client(this.who);
    }
    (this.clientCounter as Counter).increment();
    if (!req.known) return;
    this.identity.onRequest(req);
    const k = req.apiKey;
    if (k == JOIN_GROUP) this.joined(JoinGroupRequest.decodeFrom(req.body(), req.apiVersion).groupId);
    else if (k == SYNC_GROUP) this.joined(SyncGroupRequest.decodeFrom(req.body(), req.apiVersion).groupId);
    else if (k == HEARTBEAT) this.joined(HeartbeatRequest.decodeFrom(req.body(), req.apiVersion).groupId);
    else if (k == OFFSET_COMMIT) this.joined(OffsetCommitRequest.decodeFrom(req.body(), req.apiVersion).groupId);
  }

  /**
   * A client coordinates its group on one connection and fetches on others, maybe on
   * another worker: the group is published per client.id in shared data for them.
   */
  private joined(group: string): void {
    if (group.length == 0 || group == this.group) return;
    this.group = group;
    setSharedData("telemetry.group." + this.who, String.UTF8.encode(group));
  }

  /** The consumer to name in a flow edge: this connection's group, the client's group, or the client. */
  private consumer(): string {
    if (this.group.length > 0) return this.group;
    const shared = getSharedData("telemetry.group." + this.who);
    const v = shared.value;
    if (shared.status == Status.Ok && v != null && v.byteLength > 0) {
      this.group = String.UTF8.decode(v);
      return this.group;
    }
    return this.who;
  }

  // Produce requests and Fetch responses are counted from skims as they pass (they can be tens of
  // MB); every other frame is small and read whole, for group ids and error codes.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return apiKey != PRODUCE; }
  wantsProduceSkim(apiVersion: i16): bool { return true; }

  /**
   * A Produce request: its partitions are noted until the response says which were written;
   * with acks=0 no response comes, so what it sends is counted now, as produced_acks0_*.
   */
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void {
    if (skim.bad) return;
    const inflight = req.inflight;
    if (inflight != null) { inflight.userData = ProducePlan.fromSkim(skim); return; }
    const parts = skim.partitions;
    const sum = this.sum;
    for (let k = 0; k < parts.length; k = sum.end) {
      sumTopicEntry(parts, k, sum);
      const topic = this.skimTopic(parts[k]);
      const tm = this.t.topic(topic);
      tm.acks0Bytes.increment(sum.bytes);
      tm.acks0Records.increment(sum.records);
      this.t.edge("produce", this.who, topic, sum.bytes);
    }
  }

  /** A Produce response: counts, per topic, what it acknowledged for the first time, and the retries it acknowledged again. */
  private acknowledged(resp: KafkaResponse, p: ProduceResponse): void {
    const data = resp.request.userData;
    if (data == null || !(data instanceof ProducePlan)) return;
    const plan = changetype<ProducePlan>(data);
    plan.settle(p, this.t.acked);
    // Sum each topic entry's partitions, then count once per topic.
    const parts = plan.partitions;
    let k = 0;
    while (k < parts.length) {
      const first = parts[k];
      let bytes: u64 = 0, records: u64 = 0, retried: u64 = 0;
      let end = k;
      for (; end < parts.length; end++) {
        const pp = parts[end];
        if (pp.topicIndex != first.topicIndex) break;
        if (pp.written) { bytes += pp.bytes; records += pp.records; }
        else if (pp.retried) retried += pp.records;
      }
      k = end;
      if (bytes == 0 && records == 0 && retried == 0) continue;
      const topic = this.topicName(first.topic, first.topicId);
      const tm = this.t.topic(topic);
      if (bytes > 0 || records > 0) {
        tm.producedBytes.increment(bytes);
        tm.producedRecords.increment(records);
        this.t.edge("produce", this.who, topic, bytes);
      }
      if (retried > 0) tm.retriedRecords.increment(retried);
    }
  }

  onResponse(resp: KafkaResponse): void {
    const m = this.t.api(resp.apiKey);
    m.responses.increment();
    m.responseBytes.increment(<u64>resp.size);
    const sent = resp.request.sentAtNanos;
    if (sent > 0) {
      const now = nowNanos();
      if (now > sent) m.latency.record((now - sent) / 1000);
    }
    if (!resp.known) return;
    const k = resp.apiKey;
    const v = resp.apiVersion;
    const codes = this.codes;
    codes.length = 0;
    if (k == PRODUCE) {
      const r = resp.body();
      const p = ProduceResponse.decodeFrom(r, v);
      p.errorCodes(v, codes);
      if (checkDecoded(r, "ProduceResponse", v) == null) this.acknowledged(resp, p);
    } else if (k == SASL_AUTHENTICATE) {
      const auth = SaslAuthenticateResponse.decodeFrom(resp.body(), v);
      auth.errorCodes(v, codes);
      if (this.identity.onResponse(resp) && this.identity.principal.length > 0) {
        this.who = this.identity.principal;
        this.clientCounter = this.t.client(this.who);
      }
    } else if (k == FETCH || k == SHARE_FETCH) {
      // Counted in onFetchSkimmed once the response has passed.
    } else if (k == METADATA) {
      const md = MetadataResponse.decodeFrom(resp.body(), v);
      md.errorCodes(v, codes);
      this.t.topicNames.learn(md);
    } else {
      responseErrorCodes(k, v, resp.body(), codes);
    }
    for (let i = 0; i < codes.length; i++) this.error(m, codes[i]);
  }

  // Fetch responses are counted from a skim as they pass (they can be tens of MB); every other
  // response is small and read whole, for its error codes.
  /** Fetch and ShareFetch responses are skimmed as they pass (onFetchSkimmed), never held. */
  wantsResponseBody(request: InflightRequest): bool { return request.apiKey != FETCH && request.apiKey != SHARE_FETCH; }
  wantsFetchSkim(request: InflightRequest): bool { return true; }

  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void {
    if (skim.bad) return;
    // A share consumer's records (ShareFetch) count as consumed, under its own API's errors.
    const m = this.t.api(resp.apiKey);
    this.error(m, skim.errorCode);
    const consumer = this.consumer();
    const parts = skim.partitions;
    for (let i = 0; i < parts.length; i++) this.error(m, parts[i].errorCode);
    const sum = this.sum;
    for (let k = 0; k < parts.length; k = sum.end) {
      sumTopicEntry(parts, k, sum);
      if (sum.bytes == 0) continue;
      const topic = this.skimTopic(parts[k]);
      const tm = this.t.topic(topic);
      tm.fetchedBytes.increment(sum.bytes);
      tm.fetchedRecords.increment(sum.records);
      this.t.edge("consume", topic, consumer, sum.bytes);
    }
  }

  private error(m: ApiMetrics, code: i16): void {
    if (code != 0) m.errors.at(code, code.toString()).increment();
  }
}

registerRootContext((id: u32): RootContext => new TelemetryRoot(id));
