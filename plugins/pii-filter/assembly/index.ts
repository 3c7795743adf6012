// pii-filter: keeps personal data and secrets out of Kafka. It scans record values, keys and
// header values of produced batches (and, if asked, fetched ones) and masks what its
// detectors find. Masking keeps every length, so batches are patched in place and only
// their CRC is recomputed; hash and drop re-write the batch. config.ts reads and checks
// the configuration; README.md documents it with examples.
//
// Configuration (JSON; every key optional):
//   { "detectors": ["email", "card", "ssn", "aws_key_id", "jwt", "pem", "secret_kv", "phone", "iban", "json_field"],
//     "json_fields": ["ssn", "customer.email"],         // JSON values by field name or path
//     "rules": [{ "name": "employee_id", "regex": "\\bEMP-[0-9]{6}\\b" }],  // user rules (regex.ts)
//     "secret_keys": ["password", "passwd", "secret", "token", "api_key", "apikey", "access_key", "private_key", "credential"],
//     "on_unsupported": "close" | "passthrough",      // batches it cannot scan (corrupt, oversize)
//     "max_decompressed_bytes": 104857600,             // a compressed batch growing past this is unsupported
//     "direction": "produce" | "fetch" | "both",       // protect storage, consumers, or both
//     "fetch_exempt_clients": ["audit-service"],       // client.ids that fetch unmasked
//     "fetch_exempt_principals": ["auditor"],          // SASL principals that fetch unmasked
//     "actions": { "card": "partial", "pem": "reject", "email": "hash", "ssn": "drop" },
//                                                      // per detector: mask (default), partial, hash, drop, reject
//     "partial_keep": 4,                               // characters `partial` leaves visible
//     "hash_key": "at least 16 characters",            // the HMAC key of `hash` (required with it)
//     "topics": [                                      // per topic, first match wins; unset keys inherit
//       { "match": "payments.*", "detectors": ["card", "iban"], "actions": { "card": "hash" } },
//       { "match": "audit", "skip": true } ],
//     "max_frame_bytes": 104857600, "on_malformed": "close" | "passthrough" }
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, Counter, CounterFamily, logError, logInfo, logWarn,
  KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, StreamConfig, budgetRemaining, reserveTransient, MalformedPolicy, Direction, parseJson, readStreamConfig,
  TopicNames, SaslIdentity, MetadataResponse, tagName,
  ProduceRequest, ProduceRequest_TopicProduceData, ProduceRequest_PartitionProduceData, FetchResponse, ProduceResponse, ProduceResponse_TopicProduceResponse, ProduceResponse_PartitionProduceResponse, checkDecoded, BatchIterator, BatchError, Compression, RecordReader, Record, RecordBatch,
  BATCH_HEADER, gunzip, gzipCompress, InflateError, Writer, unsnappy, snappyCompress, SnappyError, unlz4, lz4Compress, Lz4Error, unzstd, zstdStored, ZstdError, batchWithRecords,
  LegacyMessage, MessageSetReader, MessageSetError, legacyWithValue,
} from "../../../assembly/index";
import { RecordEdit, Tokenizer, rewriteRecords, KEY_FIELD, VALUE_FIELD, FIRST_HEADER_FIELD } from "./edits";
import { Scanner, ACTION_NAMES } from "./scanner";
import { PiiConfig, RuleSet, readPiiConfig } from "./config";

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
const POLICY_VIOLATION: i16 = 44;

/** What scanning one partition's records came to. */
class RecordsOutcome {
  /** Non-empty when the records cannot be scanned: why. */
  unsupported: string = "";
  /** Bytes were masked in place. */
  patched: bool = false;
  /** A new records field (a batch was re-written or a partial tail dropped). */
  replacement: Uint8Array | null = null;
  /** Produce only: every record of the partition was dropped, so it must not reach the broker at all. */
  allDropped: bool = false;
}

/**
 * Produce partitions the filter removed because `drop` took every record in them. A produce
 * request must carry one non-empty batch per partition, so they leave the request, and
 * their success is added to the broker's response (or, if nothing is left, the filter answers).
 */
class RemovedPartitions {
  readonly topics: Array<string> = [];
  readonly topicIds: Array<Uint8Array> = [];
  readonly partitions: Array<i32> = [];
}
const METADATA: i16 = 3;

class PiiRoot extends RootContext {
  config: PiiConfig = new PiiConfig();
  /** The stream settings KafkaConnection holds on to: updated in place on reconfiguration. */
  readonly stream: StreamConfig = new StreamConfig();
  /** Set when an action is `hash`. */
  tokenizer: Tokenizer | null = null;
  /** Topic ids to names, for topic rules on requests that name topics by id. */
  readonly topicNames: TopicNames = new TopicNames("pii");
  recordsDropped: Counter | null = null;
  dropsKept: Counter | null = null;
  actionCounters: CounterFamily | null = null;
  rejected: Counter | null = null;
  recordsScanned: Counter | null = null;
  batchesPatched: Counter | null = null;
  unsupported: Counter | null = null;
  skipped: Counter | null = null;
  legacyDegraded: Counter | null = null;
  matches: CounterFamily | null = null;
  /** Matches per (topic, detector), created on first use; past TOPIC_COUNTERS topics they go to topic "_other". */
  private readonly topicMatches: Map<string, Counter> = new Map();

  onConfigure(size: u32): bool {
    const text = String.UTF8.decode(this.pluginConfiguration(size)).trim();
    const config = new PiiConfig();
    if (text.length > 0) {
      const errors = new Array<string>();
      const doc = parseJson(text, errors);
      if (doc == null) { logError("pii-filter: configuration is not JSON: " + errors[0]); return false; }
      const problem = readPiiConfig(doc, config);
      if (problem.length > 0) { logError("pii-filter: configuration: " + problem); return false; }
      readStreamConfig(doc, this.stream);
    }
    this.config = config;
    const key = config.hashKey;
    this.tokenizer = key != null ? new Tokenizer(key) : null;
    this.recordsScanned = new Counter("pii.records_scanned");
    this.batchesPatched = new Counter("pii.batches_masked");
    this.unsupported = new Counter("pii.unsupported_batches");
    this.skipped = new Counter("pii.skipped_topic_batches");
    this.legacyDegraded = new Counter("pii.legacy_degraded");
    this.matches = new CounterFamily("pii.matches", "detector");
    this.actionCounters = new CounterFamily("pii.actions", "action");
    this.rejected = new Counter("pii.rejected_produces");
    this.recordsDropped = new Counter("pii.records_dropped");
    this.dropsKept = new Counter("pii.drops_kept_masked");
    logInfo("pii-filter: configured (" + config.topics.length.toString() + " topic rules)");
    return true;
  }

  createConnectionContext(id: u32): ConnectionContext | null { return new PiiConnection(id, this); }

  /** Moves a scanner's per-detector counts into the metrics (once per topic of a request, not per match). */
  flushMatches(sc: Scanner, rules: RuleSet, topic: string): void {
    const m = this.matches as CounterFamily;
    const names = this.config.names;
    for (let d = 0; d < names.length; d++) {
      const n = sc.found[d];
      if (n == 0) continue;
      m.at(d, names[d]).increment(<u64>n);
      const a = rules.actions[d];
      (this.actionCounters as CounterFamily).at(a, ACTION_NAMES[a]).increment(<u64>n);
      this.topicCounter(topic.length > 0 ? topic : "_unknown", d).increment(<u64>n);
      sc.found[d] = 0;
    }
  }

  private topicCounter(topic: string, d: i32): Counter {
    const detector = this.config.names[d];
    const key = topic + "\0" + detector;
    if (this.topicMatches.has(key)) return this.topicMatches.get(key);
    const name = this.topicMatches.size < TOPIC_COUNTERS ? topic : "_other";
    const c = new Counter(tagName(tagName("pii.topic_matches", "topic", name), "detector", detector));
    if (name == topic) this.topicMatches.set(key, c);
    return c;
  }
}
const TOPIC_COUNTERS = 2000;

class PiiConnection extends KafkaConnection {
  private readonly record: Record = new Record();
  /** Length-changing edits found in the batch being scanned, in record order. */
  private readonly edits: Array<RecordEdit> = [];
  private readonly identity: SaslIdentity = new SaslIdentity();
  /** Bytes decompressed for the request or response being handled. */
  private decompressedInFrame: i64 = 0;
  constructor(id: u32, readonly pii: PiiRoot) { super(id, pii, pii.stream); }

  private scan(sc: Scanner, v: Uint8Array | null): i32 {
    return v == null || v.byteLength == 0 ? 0 : sc.scan(v.dataStart, v.byteLength);
  }

  // Only these frames are held whole; every other frame passes on as it arrives.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool {
    return (apiKey == PRODUCE && this.pii.config.onProduce) || SaslIdentity.readsBody(apiKey);
  }

  wantsResponseBody(request: InflightRequest): bool {
    const k = request.apiKey;
    if (SaslIdentity.readsBody(k)) return true;
    // Topic ids are learnt only when rules go by topic.
    if (k == METADATA) return this.pii.config.topics.length > 0;
    // Partitions the filter removed are merged back into the answer.
    if (k == PRODUCE) return request.userData != null;
    if (k == FETCH) return this.scansFetch(request);
    return false;
  }

  /** Whether the records this fetch returns are scanned (fetch-side masking on, client not exempt). */
  private scansFetch(request: InflightRequest): bool {
    const config = this.pii.config;
    if (!config.onFetch) return false;
    const client = request.clientId;
    if (client != null && config.fetchExemptClients.includes(client)) return false;
    if (config.fetchExemptPrincipals.length > 0) {
      const principal = this.identity.principal;
      if (principal.length > 0 && config.fetchExemptPrincipals.includes(principal)) return false;
    }
    return true;
  }

  onRequest(req: KafkaRequest): void {
    this.decompressedInFrame = 0;
    if (req.known) this.identity.onRequest(req);
    const config = this.pii.config;
    if (req.apiKey != PRODUCE || !config.onProduce) return;
    if (!req.known) { this.unsupportedProduce(req, "Produce v" + req.apiVersion.toString() + " is not known to the codec"); return; }
    const r = req.body();
    const produce = ProduceRequest.decodeFrom(r, req.apiVersion);
    const err = checkDecoded(r, "ProduceRequest", req.apiVersion);
    if (err != null) { this.unsupportedProduce(req, err.toString()); return; }
    let patched = false;
    let rewritten = false;
    let rejectedBy = -1;
    let removed: RemovedPartitions | null = null;
    const keptTopics = new Array<ProduceRequest_TopicProduceData>();
    for (let t = 0; t < produce.topicData.length; t++) {
      const topic = produce.topicData[t];
      const partitions = topic.partitionData;
      // Named once: the rules and the per-topic counters both need it.
      const name = this.pii.topicNames.nameOf(topic.name, topic.topicId);
      const rules = config.rulesFor(name);
      if (rules.skip) { (this.pii.skipped as Counter).increment(<u64>partitions.length); keptTopics.push(topic); continue; }
      const sc = rules.scanner(config);
      sc.rejectedBy = -1;
      const kept = new Array<ProduceRequest_PartitionProduceData>();
      for (let q = 0; q < partitions.length; q++) {
        const outcome = this.processRecords(sc, partitions[q].records, false);
        if (outcome.unsupported.length > 0) { this.pii.flushMatches(sc, rules, name); this.unsupportedProduce(req, outcome.unsupported); return; }
        if (outcome.patched) patched = true;
        if (outcome.replacement != null) { partitions[q].records = outcome.replacement; rewritten = true; }
        if (outcome.allDropped) {
          if (removed == null) removed = new RemovedPartitions();
          removed.topics.push(topic.name);
          removed.topicIds.push(topic.topicId);
          removed.partitions.push(partitions[q].index);
        } else {
          kept.push(partitions[q]);
        }
      }
      topic.partitionData = kept;
      if (kept.length > 0) keptTopics.push(topic);
      this.pii.flushMatches(sc, rules, name);
      if (rejectedBy < 0) rejectedBy = sc.rejectedBy;
    }
    if (rejectedBy >= 0) {
      this.reject(req, produce, config.names[rejectedBy]);
      return;
    }
    if (removed != null) {
      if (keptTopics.length == 0) { this.answerDropped(req, removed); return; }
      produce.topicData = keptTopics;
      const inflight = req.inflight;
      if (inflight != null) inflight.userData = removed;
    }
    if (rewritten) {
      // Lengths changed: the whole request body is encoded again (the header is kept).
      const w = Writer.sized(produce.size(req.apiVersion));
      produce.encode(w, req.apiVersion);
      req.replaceBody(w.buffer);
    } else if (patched) {
      req.markPatched();
    }
  }

  /**
   * The `reject` action: the broker never sees this produce; the client gets POLICY_VIOLATION
   * for every partition. (With acks=0 there is no answer to give: the request is just dropped.)
   */
  private reject(req: KafkaRequest, produce: ProduceRequest, detector: string): void {
    (this.pii.rejected as Counter).increment();
    const resp = new ProduceResponse();
    for (let t = 0; t < produce.topicData.length; t++) {
      const topic = new ProduceResponse_TopicProduceResponse();
      topic.name = produce.topicData[t].name;
      topic.topicId = produce.topicData[t].topicId;
      const parts = produce.topicData[t].partitionData;
      for (let q = 0; q < parts.length; q++) {
        topic.partitionResponses.push(partitionResponse(parts[q].index, POLICY_VIOLATION, "rejected by pii-filter: " + detector + " found"));
      }
      resp.responses.push(topic);
    }
    const w = Writer.sized(resp.size(req.apiVersion));
    resp.encode(w, req.apiVersion);
    req.respond(w.buffer);
  }

  /** Every partition of the produce was dropped whole: the filter answers it with success. */
  private answerDropped(req: KafkaRequest, removed: RemovedPartitions): void {
    const resp = new ProduceResponse();
    addRemoved(resp, removed);
    const w = Writer.sized(resp.size(req.apiVersion));
    resp.encode(w, req.apiVersion);
    req.respond(w.buffer);
  }

  /** Fetch path: masks what consumers receive, unless the client is exempt. Produce: adds back removed partitions. */
  onResponse(resp: KafkaResponse): void {
    this.decompressedInFrame = 0;
    if (resp.known) this.identity.onResponse(resp);
    const config = this.pii.config;
    if (resp.apiKey == METADATA) {
      // Learn topic ids only when rules go by topic (newer Produce and Fetch name topics by id).
      if (config.topics.length > 0 && resp.known) {
        const r = resp.body();
        const md = MetadataResponse.decodeFrom(r, resp.apiVersion);
        if (checkDecoded(r, "MetadataResponse", resp.apiVersion) == null) this.pii.topicNames.learn(md);
      }
      return;
    }
    if (resp.apiKey == PRODUCE) {
      const removed = resp.request.userData;
      if (removed != null && removed instanceof RemovedPartitions) this.addRemovedTo(resp, changetype<RemovedPartitions>(removed));
      return;
    }
    if (resp.apiKey != FETCH || !resp.known || !this.scansFetch(resp.request)) return;
    const r = resp.body();
    const fetch = FetchResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "FetchResponse", resp.apiVersion);
    if (err != null) { this.unsupported(Direction.Response, err.toString()); return; }
    let patched = false;
    let rewritten = false;
    for (let t = 0; t < fetch.responses.length; t++) {
      const topic = fetch.responses[t];
      const partitions = topic.partitions;
      const name = this.pii.topicNames.nameOf(topic.topic, topic.topicId);
      const rules = config.rulesFor(name);
      if (rules.skip) { (this.pii.skipped as Counter).increment(<u64>partitions.length); continue; }
      const sc = rules.scanner(config);
      for (let q = 0; q < partitions.length; q++) {
        const outcome = this.processRecords(sc, partitions[q].records, true);
        if (outcome.unsupported.length > 0) { this.pii.flushMatches(sc, rules, name); this.unsupported(Direction.Response, outcome.unsupported); return; }
        if (outcome.patched) patched = true;
        if (outcome.replacement != null) { partitions[q].records = outcome.replacement; rewritten = true; }
      }
      this.pii.flushMatches(sc, rules, name);
    }
    if (rewritten) {
      const w = Writer.sized(fetch.size(resp.apiVersion));
      fetch.encode(w, resp.apiVersion);
      resp.replaceBody(w.buffer);
    } else if (patched) {
      resp.markPatched();
    }
  }

  /**
   * Scans and masks one partition's records (one or more batches). Uncompressed batches are
   * patched in place; gzip batches that needed masking are re-written, which makes a new
   * records field (`replacement`). On the fetch path a trailing partial batch (the broker
   * cuts at the fetch size) is dropped: it cannot be scanned, and the consumer fetches it again.
   */
  /**
   * Decompresses within two limits: max_decompressed_bytes for all the batches of one request or
   * response together (several bombs each under the limit add up), and what the VM's memory
   * budget has left. The output, its in-the-clear copy and the buffers it outgrew are charged to
   * the budget until the callback ends.
   */
  private decompressWithin(codec: Compression, section: Uint8Array): Decompressed {
    const perFrame = <i64>this.pii.config.maxDecompressed - this.decompressedInFrame;
    // Room for the output, the copy the scanner reads, and the buffers the output outgrew on the
    // way (doubling: together less than the output).
    const vm = budgetRemaining() / 3;
    const max = perFrame < vm ? perFrame : vm;
    const limit = perFrame < vm ? "max_decompressed_bytes (for all the batches of one request or response)" : "the VM's memory budget (vm_memory_budget_bytes)";
    if (max <= 0) return new Decompressed(null, "batches decompress past " + limit);
    const d = decompress(codec, section, <i32>max);
    const plain = d.data;
    if (plain == null) return d.tooLarge ? new Decompressed(null, "a batch decompresses past " + limit) : d;
    this.decompressedInFrame += <i64>plain.byteLength;
    reserveTransient(<i64>plain.byteLength * 3);
    return d;
  }

  private processRecords(sc: Scanner, records: Uint8Array | null, fetch: bool): RecordsOutcome {
    const outcome = new RecordsOutcome();
    if (records == null) return outcome;
    const rebuilt = new Array<Uint8Array>();
    let changed = false;
    const batches = new BatchIterator(records.buffer, records.byteOffset, records.byteLength);
    while (true) {
      const batch = batches.next();
      if (batch == null) {
        if (batches.error != BatchError.NotV2) break;
        // A legacy message (magic 0/1) here: scanned on its own, then back to batches.
        const at = batches.position;
        const next = this.processLegacy(sc, records.buffer, at, records.byteOffset + records.byteLength - at, fetch, rebuilt, outcome);
        if (next == LEGACY_FAILED) return outcome;
        if (next == LEGACY_PARTIAL_TAIL) { changed = true; break; }
        if (next < 0) changed = true; // re-written: -(end)
        batches.skipTo(next < 0 ? -next : next);
        continue;
      }
      const original = Uint8Array.wrap(batch.buffer, batch.offset, batch.size);
      if (batch.isControl) { rebuilt.push(original); continue; }
      const codec = batch.compression;
      if (codec == Compression.None) {
        const masked = this.scanBatch(sc, batch);
        if (masked < 0) { outcome.unsupported = "a record batch does not parse"; return outcome; }
        if (sc.overBudget) { outcome.unsupported = OVER_BUDGET; return outcome; }
        if (this.edits.length > 0) {
          const again = this.rewrite(batch, batch, fetch, null);
          if (again == null) { outcome.unsupported = "a record batch does not parse"; return outcome; }
          if (again != WHOLE_BATCH_DROPPED) rebuilt.push(again);
          changed = true;
          continue;
        }
        if (masked > 0) { batch.fixCrc(); (this.pii.batchesPatched as Counter).increment(); outcome.patched = true; }
        rebuilt.push(original);
      } else if (codec == Compression.Gzip || codec == Compression.Snappy || codec == Compression.Lz4 || codec == Compression.Zstd) {
        const section = batch.recordsView();
        const d = this.decompressWithin(codec, section);
        const plain = d.data;
        if (plain == null) { outcome.unsupported = d.why; return outcome; }
        // The header with the records in the clear, so the same reader and scanner apply.
        const clear = new ArrayBuffer(BATCH_HEADER + plain.byteLength);
        memory.copy(changetype<usize>(clear), changetype<usize>(batch.buffer) + <usize>batch.offset, <usize>BATCH_HEADER);
        memory.copy(changetype<usize>(clear) + <usize>BATCH_HEADER, plain.dataStart, <usize>plain.byteLength);
        const clearBatch = new RecordBatch(clear, 0, clear.byteLength);
        const masked = this.scanBatch(sc, clearBatch);
        if (masked < 0) { outcome.unsupported = "a compressed batch's records do not parse"; return outcome; }
        if (sc.overBudget) { outcome.unsupported = OVER_BUDGET; return outcome; }
        if (this.edits.length > 0) {
          const again = this.rewrite(batch, clearBatch, fetch, section);
          if (again == null) { outcome.unsupported = "a compressed batch's records do not parse"; return outcome; }
          if (again != WHOLE_BATCH_DROPPED) rebuilt.push(again);
          changed = true;
          continue;
        }
        if (masked == 0) { rebuilt.push(original); continue; }
        const records = Uint8Array.wrap(clear, BATCH_HEADER, plain.byteLength);
        rebuilt.push(batchWithRecords(batch, compressLike(codec, records, section), batch.recordCount, batch.lastOffsetDelta));
        (this.pii.batchesPatched as Counter).increment();
        changed = true;
      } else {
        outcome.unsupported = "compressed batch (codec " + codec.toString() + ") cannot be scanned yet";
        return outcome;
      }
    }
    if (batches.error == BatchError.Truncated && fetch) {
      changed = true; // leave the partial tail out
    } else if (batches.error != BatchError.None && batches.error != BatchError.NotV2) {
      outcome.unsupported = "truncated record batch";
      return outcome;
    }
    if (changed && !fetch && rebuilt.length == 0) {
      outcome.allDropped = true;
      return outcome;
    }
    if (changed) {
      let total = 0;
      for (let i = 0; i < rebuilt.length; i++) total += rebuilt[i].byteLength;
      const joined = new Uint8Array(total);
      let at = 0;
      for (let i = 0; i < rebuilt.length; i++) { joined.set(rebuilt[i], at); at += rebuilt[i].byteLength; }
      outcome.replacement = joined;
    }
    return outcome;
  }

  /**
   * One top-level legacy message at `at` (magic 0 or 1; a compressed one wraps a whole inner
   * message set). Masks in place and fixes CRC-32s; a compressed wrapper whose inner messages
   * changed is written again. hash and drop need a record re-write this format does not get:
   * their matches are masked instead (counted in pii.legacy_degraded). Returns the position
   * after the message (negative when a re-written copy went into `rebuilt`), or LEGACY_FAILED /
   * LEGACY_PARTIAL_TAIL.
   */
  private processLegacy(sc: Scanner, buffer: ArrayBuffer, at: i32, length: i32, fetch: bool, rebuilt: Array<Uint8Array>, outcome: RecordsOutcome): i32 {
    const reader = new MessageSetReader(buffer, at, length);
    const m = reader.next();
    if (m == null) {
      if (reader.error == MessageSetError.Truncated && fetch) return LEGACY_PARTIAL_TAIL;
      outcome.unsupported = "a legacy message (magic 0/1) does not parse";
      return LEGACY_FAILED;
    }
    const codec = m.compression;
    if (codec == 0) {
      if (this.scanLegacy(sc, m) > 0) { m.fixCrc(); outcome.patched = true; (this.pii.batchesPatched as Counter).increment(); }
      rebuilt.push(Uint8Array.wrap(buffer, m.offset, m.size));
      return reader.position;
    }
    const wrapped = m.value;
    if (wrapped == null || codec > 3) { outcome.unsupported = "a legacy compressed message has no value or an unknown codec"; return LEGACY_FAILED; }
    // Legacy attributes number gzip, snappy and lz4 as RecordBatch v2 does.
    const d = this.decompressWithin(<Compression>codec, wrapped);
    const plain = d.data;
    if (plain == null) { outcome.unsupported = "a legacy message: " + d.why; return LEGACY_FAILED; }
    const inner = new MessageSetReader(plain.buffer, plain.byteOffset, plain.byteLength);
    let masked = 0;
    while (true) {
      const im = inner.next();
      if (im == null) break;
      const k = this.scanLegacy(sc, im);
      if (k > 0) { im.fixCrc(); masked += k; }
    }
    if (inner.error != MessageSetError.None) { outcome.unsupported = "a legacy compressed message's inner messages do not parse"; return LEGACY_FAILED; }
    if (masked == 0) {
      rebuilt.push(Uint8Array.wrap(buffer, m.offset, m.size));
      return reader.position;
    }
    const again = compressLike(<Compression>codec, plain, wrapped);
    rebuilt.push(legacyWithValue(m, again));
    (this.pii.batchesPatched as Counter).increment();
    return -reader.position;
  }

  /** Scans a legacy message's key and value in place; hash and drop degrade to masking here. */
  private scanLegacy(sc: Scanner, m: LegacyMessage): i32 {
    sc.dropRecord = false;
    let n = this.scan(sc, m.value);
    let degraded = maskSpans(m.value, sc.hashSpans);
    n += this.scan(sc, m.key);
    degraded += maskSpans(m.key, sc.hashSpans);
    if (sc.dropRecord) degraded++;
    if (degraded > 0) (this.pii.legacyDegraded as Counter).increment(<u64>degraded);
    (this.pii.recordsScanned as Counter).increment();
    return n;
  }

  /**
   * Scans every record of an uncompressed batch: masks in place, and notes in `edits` what
   * changes lengths (hash tokens, dropped records). The matches, or -1 when it does not parse.
   */
  private scanBatch(sc: Scanner, batch: RecordBatch): i32 {
    let masked = 0;
    let scanned = 0;
    sc.overBudget = false;
    const rr = new RecordReader(batch);
    const rec = this.record;
    this.edits.length = 0;
    while (rr.next(rec)) {
      sc.dropRecord = false;
      let edit: RecordEdit | null = null;
      masked += this.scan(sc, rec.value);
      edit = this.hashed(sc, edit, scanned, VALUE_FIELD, rec.value);
      masked += this.scan(sc, rec.key);
      edit = this.hashed(sc, edit, scanned, KEY_FIELD, rec.key);
      for (let h = 0; h < rec.headerValues.length; h++) {
        masked += this.scan(sc, rec.headerValues[h]);
        edit = this.hashed(sc, edit, scanned, FIRST_HEADER_FIELD + h, rec.headerValues[h]);
      }
      if (sc.dropRecord) {
        if (edit == null) edit = new RecordEdit(scanned);
        edit.drop = true;
      }
      if (edit != null) this.edits.push(edit);
      scanned++;
    }
    (this.pii.recordsScanned as Counter).increment(<u64>scanned);
    return rr.complete() ? masked : -1;
  }

  /** After scanning one field: its `hash` matches become tokens in a replacement. */
  private hashed(sc: Scanner, edit: RecordEdit | null, index: i32, field: i32, bytes: Uint8Array | null): RecordEdit | null {
    const spans = sc.hashSpans;
    if (spans.length == 0 || bytes == null) return edit;
    const e = edit != null ? edit : new RecordEdit(index);
    e.fields.push(field);
    e.values.push((this.pii.tokenizer as Tokenizer).replace(bytes, spans));
    return e;
  }

  /**
   * `batch` written again with this.edits applied, from the records in `clear` (the batch
   * itself, or its decompressed copy), compressed like `section` when it was compressed.
   * A produce batch with a producer id (idempotent or transactional) keeps every record: the
   * broker checks its sequence numbers against the record count, so dropped records stay in
   * place, masked. A produce batch never becomes empty: when every record goes, so does the
   * batch (WHOLE_BATCH_DROPPED).
   */
  private rewrite(batch: RecordBatch, clear: RecordBatch, fetch: bool, section: Uint8Array | null): Uint8Array | null {
    const edits = this.edits;
    let drops = 0;
    for (let i = 0; i < edits.length; i++) if (edits[i].drop) drops++;
    const remove = fetch || batch.producerId < 0;
    if (!fetch && remove && drops == clear.recordCount) {
      // A produce batch cannot be empty: the whole batch goes (and its partition, see RemovedPartitions).
      (this.pii.recordsDropped as Counter).increment(<u64>drops);
      return WHOLE_BATCH_DROPPED;
    }
    if (!remove && drops > 0) (this.pii.dropsKept as Counter).increment(<u64>drops);
    const again = rewriteRecords(clear, edits, remove, !fetch);
    if (again == null) return null;
    if (remove) (this.pii.recordsDropped as Counter).increment(<u64>drops);
    (this.pii.batchesPatched as Counter).increment();
    const records = section == null ? again.records : compressLike(batch.compression, again.records, section);
    return batchWithRecords(batch, records, again.count, again.lastOffsetDelta);
  }
  /** The broker's produce response with the partitions the filter took out answered as successes. */
  private addRemovedTo(resp: KafkaResponse, removed: RemovedPartitions): void {
    const r = resp.body();
    const produce = ProduceResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "ProduceResponse", resp.apiVersion);
    if (err != null) { this.giveUp(Direction.Response, "pii-filter: " + err.toString(), this.pii.stream.onMalformed); return; }
    addRemoved(produce, removed);
    const w = Writer.sized(produce.size(resp.apiVersion));
    produce.encode(w, resp.apiVersion);
    resp.replaceBody(w.buffer);
  }

  /** A fetch response the filter cannot scan: never delivered unscanned under "close". */
  private unsupported(direction: Direction, reason: string): void {
    (this.pii.unsupported as Counter).increment();
    if (this.pii.config.onUnsupported == MalformedPolicy.Close) this.giveUp(direction, "pii-filter: " + reason, MalformedPolicy.Close);
    else logWarn("pii-filter: forwarding unscanned: " + reason);
  }

  /** A produce the filter cannot scan: never forwarded unscanned under "close". */
  private unsupportedProduce(req: KafkaRequest, reason: string): void {
    (this.pii.unsupported as Counter).increment();
    if (this.pii.config.onUnsupported == MalformedPolicy.Close) {
      req.drop();
      this.giveUp(Direction.Request, "pii-filter: " + reason, MalformedPolicy.Close);
    } else {
      logWarn("pii-filter: forwarding a produce unscanned: " + reason);
    }
  }
}

const LEGACY_FAILED: i32 = i32.MIN_VALUE, LEGACY_PARTIAL_TAIL: i32 = i32.MIN_VALUE + 1;

/** Masks the bytes of recorded `hash` spans (where a token cannot be written); how many. */
function maskSpans(v: Uint8Array | null, spans: Array<i32>): i32 {
  if (v == null) return 0;
  const n = spans.length / 3;
  for (let s = 0; s < n; s++) memory.fill(v.dataStart + <usize>spans[s * 3], 0x2a, <usize>(spans[s * 3 + 1] - spans[s * 3]));
  spans.length = 0;
  return n;
}

const OVER_BUDGET = "a user rule's regex went over its work budget on a record (REGEX_STEPS_PER_BYTE)";

/** What rewrite() returns for a produce batch whose records were all dropped. */
const WHOLE_BATCH_DROPPED = new Uint8Array(0);

/** Adds each removed partition to `resp` as a success (no offset: nothing was stored). */
function addRemoved(resp: ProduceResponse, removed: RemovedPartitions): void {
  for (let i = 0; i < removed.partitions.length; i++) {
    let topic: ProduceResponse_TopicProduceResponse | null = null;
    for (let t = 0; t < resp.responses.length; t++) {
      if (resp.responses[t].name == removed.topics[i] && sameId(resp.responses[t].topicId, removed.topicIds[i])) { topic = resp.responses[t]; break; }
    }
    if (topic == null) {
      topic = new ProduceResponse_TopicProduceResponse();
      topic.name = removed.topics[i];
      topic.topicId = removed.topicIds[i];
      resp.responses.push(topic);
    }
    topic.partitionResponses.push(partitionResponse(removed.partitions[i], 0, null));
  }
}

/** A partition's produce answer that stores nothing: no offsets, `errorCode`, `message`. */
function partitionResponse(index: i32, errorCode: i16, message: string | null): ProduceResponse_PartitionProduceResponse {
  const pr = new ProduceResponse_PartitionProduceResponse();
  pr.index = index;
  pr.errorCode = errorCode;
  pr.baseOffset = -1;
  pr.logAppendTimeMs = -1;
  pr.logStartOffset = -1;
  pr.errorMessage = message;
  return pr;
}

function sameId(a: Uint8Array, b: Uint8Array): bool {
  if (a.byteLength != b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] != b[i]) return false;
  return true;
}

/** Decompressed records, or null and why not. */
class Decompressed {
  constructor(readonly data: Uint8Array | null, readonly why: string, readonly tooLarge: bool = false) {}
}

/** A compressed records section in the clear, bounded by `max` bytes. */
function decompress(codec: Compression, section: Uint8Array, max: i32): Decompressed {
  let data: Uint8Array | null = null;
  let tooLarge = false;
  let code = 0;
  let name = "";
  if (codec == Compression.Gzip) {
    const r = gunzip(section, max); data = r.data; code = r.error; tooLarge = r.error == InflateError.TooLarge; name = "gzip";
  } else if (codec == Compression.Snappy) {
    const r = unsnappy(section, max); data = r.data; code = r.error; tooLarge = r.error == SnappyError.TooLarge; name = "snappy";
  } else if (codec == Compression.Lz4) {
    const r = unlz4(section, max); data = r.data; code = r.error; tooLarge = r.error == Lz4Error.TooLarge; name = "lz4";
  } else {
    const r = unzstd(section, max); data = r.data; code = r.error; tooLarge = r.error == ZstdError.TooLarge; name = "zstd";
  }
  if (code == 0 && data != null) return new Decompressed(data, "");
  return new Decompressed(null, tooLarge ? "a " + name + " batch decompresses past max_decompressed_bytes" : "a " + name + " batch does not decompress (error " + code.toString() + ")", tooLarge);
}

/** Records compressed again in the batch's own codec (and, for snappy, the framing `section` had). */
function compressLike(codec: Compression, records: Uint8Array, section: Uint8Array): Uint8Array {
  if (codec == Compression.Gzip) return gzipCompress(records);
  if (codec == Compression.Snappy) return snappyCompress(records, section);
  if (codec == Compression.Lz4) return lz4Compress(records);
  return zstdStored(records);
}

registerRootContext((id: u32): RootContext => new PiiRoot(id));
