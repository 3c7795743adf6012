// pii-filter: keeps personal data and secrets out of Kafka. It scans record values, keys and
// header values of produced records (and, if asked, fetched ones) and masks what its detectors
// find. It is a record transform: the record layer (assembly/record_layer) owns batches, codecs,
// CRCs, topic ids and partition bookkeeping; this file decides what happens to each record.
// config.ts reads and checks the configuration; README.md documents it with examples.
//
// Configuration (JSON; every key optional):
//   { "detectors": ["email", "card", "ssn", "aws_key_id", "jwt", "pem", "secret_kv", "phone", "iban", "json_field"],
//     "json_fields": ["ssn", "customer.email"],         // JSON values by field name or path
//     "rules": [{ "name": "employee_id", "regex": "\\bEMP-[0-9]{6}\\b" }],  // user rules (the library regex, assembly/text/regex.ts)
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
// pii-filter protects data: the deploy tools refuse FAIL_OPEN for it, whatever its file is named.
export { kafka_proxy_wasm_protects_data } from "../../../assembly/proxywasm/protects_data";
import {
  Counter, CounterFamily, logInfo, tagName, JsonValue, MalformedPolicy,
  RecordTransform, Record, ClientInfo, RecordsPolicy, registerRecordTransform, POLICY_VIOLATION,
} from "../../../assembly/index";
import { Tokenizer } from "./edits";
import { Scanner, ACTION_NAMES } from "./scanner";
import { PiiConfig, RuleSet, readPiiConfig, PII_SETTINGS } from "./config";

/** Matches per (topic, detector) get their own counter up to this many pairs; then topic "_other". */
const TOPIC_COUNTERS = 2000;

class PiiFilter extends RecordTransform {
  config: PiiConfig = new PiiConfig();
  /** Set when an action is `hash`. */
  tokenizer: Tokenizer | null = null;
  // Counters, defined in configure (a host call, which top-level code must not make).
  recordsScanned: Counter | null = null;
  batchesMasked: Counter | null = null;
  recordsDropped: Counter | null = null;
  dropsKept: Counter | null = null;
  rejected: Counter | null = null;
  unsupported: Counter | null = null;
  skipped: Counter | null = null;
  legacyDegraded: Counter | null = null;
  matches: CounterFamily | null = null;
  actionCounters: CounterFamily | null = null;
  private readonly topicMatches: Map<string, Counter> = new Map();
  /** Records scanned in the partition being handled. */
  private scanned: u64 = 0;
  /** The rules of the topic whose records are being scanned (records come a partition at a time). */
  private rulesTopic: string | null = null;
  private rules: RuleSet = new RuleSet("*", false, new StaticArray<bool>(0), new StaticArray<i32>(0));

  settings(): Array<string> | null { return PII_SETTINGS; }

  configure(doc: JsonValue | null): string {
    const config = new PiiConfig();
    if (doc != null) {
      const problem = readPiiConfig(doc, config);
      if (problem.length > 0) return problem;
    }
    this.config = config;
    this.rulesTopic = null;
    const key = config.hashKey;
    this.tokenizer = key != null ? new Tokenizer(key) : null;
    // What the record layer shows this plugin: every record that passes in the protected direction(s).
    const scope = this.scope;
    scope.produce = config.onProduce;
    scope.fetch = config.onFetch;
    scope.seeEveryRecord = true;
    scope.onUnsupported = config.onUnsupported == MalformedPolicy.Passthrough ? RecordsPolicy.Passthrough : RecordsPolicy.Close;
    scope.maxDecompressedBytes = <i64>config.maxDecompressed;
    this.recordsScanned = new Counter("pii.records_scanned");
    this.batchesMasked = new Counter("pii.batches_masked");
    this.unsupported = new Counter("pii.unsupported_batches");
    this.skipped = new Counter("pii.skipped_topic_batches");
    this.legacyDegraded = new Counter("pii.legacy_degraded");
    this.matches = new CounterFamily("pii.matches", "detector");
    this.actionCounters = new CounterFamily("pii.actions", "action");
    this.rejected = new Counter("pii.rejected_produces");
    this.recordsDropped = new Counter("pii.records_dropped");
    this.dropsKept = new Counter("pii.drops_kept_masked");
    logInfo("pii-filter: " + config.topics.length.toString() + " topic rules");
    return "";
  }

  wantsTopic(topic: string, fetched: bool): bool {
    if (!this.config.rulesFor(topic).skip) return true;
    (this.skipped as Counter).increment();
    return false;
  }

  /** Exempt auditors fetch in the clear. */
  wantsFetchBy(client: ClientInfo): bool {
    const config = this.config;
    if (config.fetchExemptClients.includes(client.clientId)) return false;
    return client.principal.length == 0 || !config.fetchExemptPrincipals.includes(client.principal);
  }

  onRecord(record: Record): void {
    const rules = this.rulesOf(record.topic);
    const sc = rules.scanner(this.config);
    sc.dropRecord = false;
    sc.rejectedBy = -1;
    sc.overBudget = false;
    // Masks edit in place; hash tokens replace the field (or, where lengths cannot change, mask too).
    let matched = this.scan(sc, record.value);
    const value = this.tokens(sc, record, record.value);
    if (value != null) record.setValue(value);
    matched += this.scan(sc, record.key);
    const key = this.tokens(sc, record, record.key);
    if (key != null) record.setKey(key);
    for (let h = 0; h < record.headerValues.length; h++) {
      matched += this.scan(sc, record.headerValues[h]);
      const v = this.tokens(sc, record, record.headerValues[h]);
      if (v != null) record.setHeaderValue(h, v);
    }
    this.scanned++;
    if (sc.overBudget) { record.unsupported("a user rule's regex went over its work budget on a record (REGEX_STEPS_PER_BYTE)"); return; }
    if (sc.rejectedBy >= 0 && !record.fetched) {
      (this.rejected as Counter).increment();
      record.reject(POLICY_VIOLATION, "rejected by pii-filter: " + this.config.names[sc.rejectedBy] + " found");
      return;
    }
    if (sc.dropRecord) {
      if (record.legacy) {
        (this.legacyDegraded as Counter).increment();
      } else if (!record.fetched && record.idempotent) {
        // The broker checks an idempotent batch's sequence numbers against its record count: the record stays, masked.
        (this.dropsKept as Counter).increment();
      } else {
        (this.recordsDropped as Counter).increment();
        record.drop();
        return;
      }
    }
    if (matched > 0) record.edited();
  }

  endBatch(changedRecords: i32): void {
    if (changedRecords > 0) (this.batchesMasked as Counter).increment();
  }

  endPartition(topic: string, partition: i32, fetched: bool): void {
    // Counted here, not per record: a host call per record costs more than a short record's scan.
    (this.recordsScanned as Counter).increment(<u64>this.scanned);
    this.scanned = 0;
    const rules = this.rulesOf(topic);
    this.flushMatches(rules.scanner(this.config), rules, topic);
  }

  onUnsupported(topic: string, partition: i32, reason: string): void {
    (this.unsupported as Counter).increment();
  }

  private rulesOf(topic: string): RuleSet {
    if (this.rulesTopic !== topic) {
      this.rules = this.config.rulesFor(topic);
      this.rulesTopic = topic;
    }
    return this.rules;
  }

  private scan(sc: Scanner, v: Uint8Array | null): i32 {
    return v == null || v.byteLength == 0 ? 0 : sc.scan(v.dataStart, v.byteLength);
  }

  /** After scanning one field: its `hash` matches as a tokenized copy (null when there are none). Legacy messages get masks. */
  private tokens(sc: Scanner, record: Record, field: Uint8Array | null): Uint8Array | null {
    const spans = sc.hashSpans;
    if (spans.length == 0 || field == null) return null;
    if (record.legacy) {
      // Kept from the time legacy messages could not change length: masked, and counted.
      const n = spans.length / 3;
      for (let s = 0; s < n; s++) memory.fill(field.dataStart + <usize>spans[s * 3], 0x2a, <usize>(spans[s * 3 + 1] - spans[s * 3]));
      spans.length = 0;
      (this.legacyDegraded as Counter).increment(<u64>n);
      record.edited();
      return null;
    }
    return (this.tokenizer as Tokenizer).replace(field, spans);
  }

  /** Moves a scanner's per-detector counts into the metrics (once per partition, not per match). */
  private flushMatches(sc: Scanner, rules: RuleSet, topic: string): void {
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
    const c = new Counter(tagName(tagName("pii.matches_per_topic", "topic", name), "detector", detector));
    if (name == topic) this.topicMatches.set(key, c);
    return c;
  }
}

registerRecordTransform((): RecordTransform => new PiiFilter());
