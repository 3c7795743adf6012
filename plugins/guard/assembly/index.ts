// guard: governance in front of any Kafka, configured in JSON (docs/guard.md).
//   - Topic and config policy: CreateTopics, CreatePartitions, AlterConfigs,
//     IncrementalAlterConfigs and DeleteTopics are split as Kafka answers partly valid requests
//     (admin_policy.ts); Metadata cannot auto-create a refused name (metadata_policy.ts).
//   - Produce rules: acks, codecs, idempotence, batch and record size (produce_rules.ts, through
//     the record layer); client rules: client.id and group ids (client_rules.ts).
//   - Audit log: every admin operation, SASL authentication outcome and refusal, as JSON lines to
//     the Envoy log and, when configured, to a collector (the library's AuditSink).
//   - Quotas per topic and tenant: the library's QuotaEngine (assembly/quota), configured from the
//     key "quotas", counting only what reaches the broker.
//   - Metrics: guard.refused.rule_<rule>, guard.allowed.check_<check>, guard.quota.*,
//     guard.audit.{sent,dropped,retried}.
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, CounterFamily, logInfo, setTickPeriod, nowNanos, connection,
  JsonValue, RecordRoot, RecordConnection, KafkaRequest, KafkaResponse, InflightRequest, Direction, MalformedPolicy,
  SaslIdentity, saslPrincipal, AuditEntry, AuditSink, Refusal, INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION,
  Frame, BodyFilter, SHOW_MORE, OutputPlan, Reader, readProduceAcks, FrameScope, Skim, InflightKind, QuotaEngine, ConnectionQuota,
} from "../../../assembly/index";
import { GuardConfig, readGuardConfig, NO_ACKS_RULE, TOP_KEYS } from "./config";
import { isPolicyApi, applyPolicy, mergePolicy, refusedResults, PolicyCall, ResourceResult } from "./admin_policy";
import { BlockedNames, guardsAutoCreation, guardMetadata, fixMetadata } from "./metadata_policy";
import { GuardTransform, PartitionRefusals, acksRefusal, acksValueRefusal, refuseWhole, checkBatches } from "./produce_rules";
import { clientIdRefusal, namesGroup, checkGroups, mergeCoordinators, GroupDecision } from "./client_rules";
import { isAuditedAdminApi, adminResources, adminOutcome } from "./admin_audit";

const PRODUCE: i16 = 0, METADATA: i16 = 3, SASL_HANDSHAKE: i16 = 17, SASL_AUTHENTICATE: i16 = 36;

class GuardRoot extends RecordRoot {
  config: GuardConfig = new GuardConfig();
  readonly guard: GuardTransform;
  sink: AuditSink | null = null;
  refused: CounterFamily = new CounterFamily("guard.refused", "rule");
  allowed: CounterFamily = new CounterFamily("guard.allowed", "check");
  /** Quotas per topic and tenant (one engine per VM: a new configuration governs open connections too). */
  quota: QuotaEngine = QuotaEngine.forPrefix("guard.quota");

  constructor(id: u32, transform: GuardTransform) {
    super(id, transform);
    this.guard = transform;
  }

  settings(): Array<string> | null { return TOP_KEYS; }

  configure(doc: JsonValue | null): string {
    // Read into a new object: a refused configuration leaves the running one as it was.
    const config = new GuardConfig();
    const problem = readGuardConfig(doc, config);
    if (problem.length > 0) return problem;
    const layer = super.configure(doc);
    if (layer.length > 0) return layer;
    const quotas = this.quota.configure(doc == null ? null : doc.get("quotas"));
    if (quotas.length > 0) return quotas;
    this.config = config;
    this.guard.rules = config.produce;
    // The record layer walks produce records only when a per-partition rule needs it.
    this.guard.scope.produce = config.produce.batchRules || config.produce.recordRules;
    this.guard.scope.fetch = false;
    let sink = this.sink;
    if (sink == null) { sink = new AuditSink("guard.audit"); this.sink = sink; }
    const a = config.audit;
    sink.toLog = a.log;
    sink.cluster = a.collectorCluster;
    sink.path = a.collectorPath;
    sink.maxPending = a.maxPending;
    sink.maxBatch = a.maxBatch;
    setTickPeriod(<u32>a.flushMs);
    logInfo("guard: configured" + (a.collectorCluster.length > 0 ? ", audit to cluster " + a.collectorCluster + a.collectorPath : ", audit to the Envoy log"));
    return "";
  }

  onTick(): void {
    const sink = this.sink;
    if (sink != null) sink.flush();
  }

  onHttpCallResponse(token: u32, headers: u32, bodySize: u32, trailers: u32): void {
    const sink = this.sink;
    if (sink != null) sink.onResponse(token, headers);
  }

  audit(e: AuditEntry): void {
    const sink = this.sink;
    if (sink != null) sink.add(e.toJson());
  }

  countRefusal(r: Refusal): void { this.refused.get(r.rule).increment(); }
  countAllowed(check: string): void { this.allowed.get(check).increment(); }

  createConnectionContext(id: u32): ConnectionContext | null { return new GuardConnection(id, this); }
}

/** Carried from an admin request guard has no rule for, to its response. */
class AdminCall {
  constructor(readonly entry: AuditEntry) {}
}

/** Carried from a policy API's request to its response. */
class PolicyCarried {
  constructor(readonly call: PolicyCall, readonly entry: AuditEntry) {}
}

class GuardConnection extends RecordConnection {
  private readonly quota: ConnectionQuota;
  private readonly saslId: SaslIdentity = new SaslIdentity();
  /** The user the current SASL exchange names, for a failed authentication's entry. */
  private attempted: string = "";
  private mechanism: string = "";
  private authRounds: i32 = 0;
  private firstAuth: bool = true;
  private source: string | null = null;
  /** The client.id last found to pass the client rules (they are checked again only when it changes). */
  private clientIdPassed: string | null = null;

  constructor(id: u32, readonly g: GuardRoot) {
    super(id, g, g.guard, g.names);
    this.quota = new ConnectionQuota(g.quota, g.names);
  }

  wantsRequestBody(apiKey: i16, apiVersion: i16): bool {
    if (super.wantsRequestBody(apiKey, apiVersion)) return true;
    if (this.quota.readsRequestBody(apiKey, apiVersion)) return true;
    const c = this.g.config;
    if (apiKey == PRODUCE) return c.produce.acks != NO_ACKS_RULE;
    if (apiKey == METADATA) return guardsAutoCreation(c);
    if (namesGroup(apiKey)) return c.clients.groupIdRegex != null;
    return apiKey == SASL_HANDSHAKE || isPolicyApi(apiKey) || isAuditedAdminApi(apiKey);
  }

  /**
   * Batch and record rules read the whole Produce request, so guard holds it whole then. An acks
   * rule alone needs only the acks at the body's start: a request that passes it streams through
   * as it arrives (onRequest then sees no body, and counts it allowed); one that breaks it is held
   * and refused as usual.
   */
  requestBodyFilter(apiKey: i16, apiVersion: i16, clientId: string | null, head: Frame, bodyAt: i32): BodyFilter | null {
    const p = this.g.config.produce;
    if (apiKey != PRODUCE || p.batchRules || p.recordRules) return null;
    const acks = readProduceAcks(new Reader(head.buffer, bodyAt, head.offset + head.length - bodyAt), apiVersion);
    if (acks == i16.MIN_VALUE) return SHOW_MORE;
    if (acks == 0 || acksValueRefusal(p, acks) != null) return null;
    return new PassOn();
  }

  // Quotas: Produce and Fetch bytes per topic from the skims, and throttle_time_ms in the
  // responses (a streamed Fetch response's head is held until the field has arrived).
  wantsProduceSkim(apiVersion: i16): bool { return this.quota.wantsProduceSkim(apiVersion); }
  wantsFetchSkim(request: InflightRequest): bool { return this.quota.wantsFetchSkim(request); }
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void {
    // The skim comes after onRequest, also for a Produce guard refused: its bytes never reached the broker.
    if (reachesBroker(req)) this.quota.onProduceSkimmed(req, skim);
  }
  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void { this.quota.onFetchSkimmed(resp, skim); }
  responseScope(head: Frame): FrameScope {
    return this.quota.holdsMoreOfHead(head) ? FrameScope.Undecided : super.responseScope(head);
  }

  wantsResponseBody(request: InflightRequest): bool {
    if (super.wantsResponseBody(request)) return true;
    if (this.quota.readsResponseBody(request)) return true;
    return request.apiKey != PRODUCE && request.userData != null;
  }

  private entry(kind: string, req: KafkaRequest): AuditEntry {
    return this.entryFor(kind, req.apiKey, req.apiVersion, req.clientId);
  }

  private entryFor(kind: string, apiKey: i16, apiVersion: i16, id: string | null): AuditEntry {
    const e = new AuditEntry();
    e.kind = kind;
    e.timeMs = <i64>(nowNanos() / 1000000);
    e.principal = this.saslId.principal;
    e.clientId = id == null ? "" : id;
    let s = this.source;
    if (s == null) { const got = connection.sourceAddress(); s = got == null ? "" : got; this.source = s; }
    e.source = s as string;
    e.apiKey = apiKey;
    e.apiVersion = apiVersion;
    return e;
  }

  /** A refusal as a policy entry, counted under its rule. */
  private refusedEntry(req: KafkaRequest, r: Refusal, resources: Array<string>, outcome: string): void {
    this.g.countRefusal(r);
    const e = this.entry("policy", req);
    for (let i = 0; i < resources.length; i++) e.resources.push(resources[i]);
    e.outcome = outcome;
    e.errorCode = r.code;
    e.rule = r.rule;
    e.message = r.message;
    this.g.audit(e);
  }

  private close(direction: Direction, reason: string): void {
    this.giveUp(direction, "guard: " + reason, MalformedPolicy.Close);
  }

  onRequest(req: KafkaRequest): void {
    this.guardRequest(req);
    if (reachesBroker(req)) this.quota.onRequest(req);
  }

  private guardRequest(req: KafkaRequest): void {
    const c = this.g.config;
    const k = req.apiKey;
    if (c.clients.clientIdRequired || c.clients.clientIdRegex != null) {
      const id = req.clientId;
      if (id == null || this.clientIdPassed == null || id != this.clientIdPassed) {
        const refusal = clientIdRefusal(c.clients, id);
        if (refusal != null) {
          this.refusedEntry(req, refusal, [], "closed");
          this.close(Direction.Request, refusal.message);
          return;
        }
        this.clientIdPassed = id;
        this.g.countAllowed("client_id");
      }
    }
    if (k == SASL_HANDSHAKE || k == SASL_AUTHENTICATE) this.noteSasl(req);
    if (k == PRODUCE) { this.guardProduce(req); return; }
    if (this.checked(req)) {
      if (!req.known) { this.close(Direction.Request, "request " + k.toString() + " v" + req.apiVersion.toString() + " is not known to the codec, so it cannot be checked"); return; }
      if (isPolicyApi(k)) this.policy(req);
      else if (isAuditedAdminApi(k)) this.admin(req);
      else if (k == METADATA) this.metadata(req);
      else if (namesGroup(k)) this.groups(req);
    }
    super.onRequest(req);
  }

  /** Whether guard reads this request (so an unknown version of it must not pass unread). */
  private checked(req: KafkaRequest): bool {
    const k = req.apiKey;
    const c = this.g.config;
    return isPolicyApi(k) || isAuditedAdminApi(k) || (k == METADATA && guardsAutoCreation(c)) || (namesGroup(k) && c.clients.groupIdRegex != null);
  }

  private noteSasl(req: KafkaRequest): void {
    this.saslId.onRequest(req);
    if (req.apiKey == SASL_HANDSHAKE) {
      // The mechanism says how many SaslAuthenticate rounds an exchange has (PLAIN 1, SCRAM 2).
      const r = req.body();
      const n = req.apiVersion >= 2 ? -1 : <i32>r.int16();
      this.mechanism = !r.bad && n > 0 && n <= r.remaining() ? String.UTF8.decode(r.view(n).slice().buffer) : "";
      this.authRounds = 0;
      this.firstAuth = true;
      this.attempted = "";
      return;
    }
    if (!req.known || !this.firstAuth) return;
    this.firstAuth = false;
    // Only the user's name is taken from the first message; the message itself is not kept here.
    const r = req.body();
    const n = req.apiVersion >= 2 ? <i32>r.uvarint() - 1 : r.int32();
    if (r.bad || n < 0 || n > r.remaining()) return;
    this.attempted = saslPrincipal(r.view(n));
  }

  private onSaslResponse(resp: KafkaResponse): void {
    if (!resp.known) return;
    const accepted = this.saslId.onResponse(resp);
    const r = resp.body();
    const code = r.int16();
    if (r.bad) return;
    this.authRounds++;
    // One entry per exchange: its failure, or its success once its last round is accepted.
    const last = this.mechanism == "PLAIN" || this.mechanism == "OAUTHBEARER" ? 1 : this.mechanism.startsWith("SCRAM-") ? 2 : 1;
    if (code == 0 && this.authRounds != last) return;
    if (code != 0 && this.authRounds > last + 1) return;
    const q = resp.request;
    const e = this.entryFor("auth", q.apiKey, q.apiVersion, q.clientId);
    e.principal = accepted ? this.saslId.principal : this.attempted;
    e.resources.push("mechanism:" + this.mechanism);
    e.outcome = code == 0 ? "succeeded" : "failed";
    e.errorCode = code;
    this.g.audit(e);
  }

  private guardProduce(req: KafkaRequest): void {
    const g = this.g;
    const p = g.config.produce;
    if (!req.known) { if (p.acks != NO_ACKS_RULE || p.batchRules || p.recordRules) this.close(Direction.Request, "produce v" + req.apiVersion.toString() + " is not known to the codec"); return; }
    // Streamed (requestBodyFilter): its acks passed the rule, and no other produce rule is set.
    if (!req.hasBody) { g.countAllowed("produce"); return; }
    const acks = acksRefusal(p, req);
    if (acks != null) {
      if (!req.expectsResponse) {
        // acks=0: no answer can carry the error; the broker closes such a connection too.
        this.refusedEntry(req, acks, [], "closed");
        this.close(Direction.Request, acks.message);
        return;
      }
      const body = refuseWhole(req, acks);
      if (body == null) { this.close(Direction.Request, "unreadable Produce request"); return; }
      this.refusedEntry(req, acks, [], "refused");
      req.respond(body);
      return;
    }
    if (!p.batchRules && !p.recordRules) { g.countAllowed("produce"); return; }
    const refusals = new PartitionRefusals();
    if (p.batchRules) {
      const problem = checkBatches(req, p, g.names, refusals);
      if (problem.length > 0) { this.close(Direction.Request, "unreadable Produce request: " + problem); return; }
    }
    // The record layer walks the records only when a partition is to be refused or a record
    // rule needs every record; otherwise the request goes on as it came.
    if (refusals.keys.length > 0 || p.recordRules) {
      g.guard.current = refusals;
      super.onRequest(req);
      g.guard.current = null;
    }
    if (refusals.keys.length == 0) { g.countAllowed("produce"); return; }
    for (let i = 0; i < refusals.keys.length; i++) {
      this.refusedEntry(req, refusals.byKey.get(refusals.keys[i]), ["topic:" + refusals.keys[i]], "refused");
    }
  }

  private policy(req: KafkaRequest): void {
    const call = new PolicyCall();
    const problem = applyPolicy(req, this.g.config, this.g.names, call);
    if (problem.length > 0) { this.close(Direction.Request, "unreadable " + req.apiKey.toString() + " request: " + problem); return; }
    const plan = call.plan;
    for (let i = 0; i < plan.keys.length; i++) {
      const r = plan.refusals[i];
      if (r != null) this.g.countRefusal(r); else this.g.countAllowed("admin");
    }
    const template = this.entry("admin", req);
    if (call.answered) {
      const results = new Array<ResourceResult>();
      refusedResults(call, results);
      this.adminEntries(template, call, results);
      return;
    }
    const inflight = req.inflight;
    if (inflight != null) inflight.userData = new PolicyCarried(call, template);
  }

  /** One entry per resource, with the result the client got for it. */
  private adminEntries(template: AuditEntry, call: PolicyCall, results: Array<ResourceResult>): void {
    for (let i = 0; i < results.length; i++) {
      const res = results[i];
      const e = new AuditEntry();
      e.kind = template.kind; e.timeMs = template.timeMs; e.principal = template.principal; e.clientId = template.clientId;
      e.source = template.source; e.apiKey = template.apiKey; e.apiVersion = template.apiVersion;
      e.resources.push(res.key);
      const refusal = call.plan.refusalOf(res.key);
      e.errorCode = res.code;
      if (refusal != null) { e.outcome = "refused"; e.rule = refusal.rule; e.message = refusal.message; }
      else e.outcome = res.code == 0 ? "succeeded" : "failed";
      this.g.audit(e);
    }
  }

  private admin(req: KafkaRequest): void {
    const e = this.entry("admin", req);
    const resources = adminResources(req.apiKey, req.body(), req.apiVersion);
    if (resources == null) { this.close(Direction.Request, "unreadable admin request " + req.apiKey.toString()); return; }
    for (let i = 0; i < resources.length; i++) e.resources.push(resources[i]);
    const inflight = req.inflight;
    if (inflight != null) inflight.userData = new AdminCall(e);
  }

  private metadata(req: KafkaRequest): void {
    const blocked = new BlockedNames();
    const problem = guardMetadata(req, this.g.config, blocked);
    if (problem.length > 0) { this.close(Direction.Request, "unreadable Metadata request: " + problem); return; }
    if (!blocked.any) return;
    // Answered here (a v0 request left with no names): the refusal is recorded now.
    if (blocked.missing.length > 0) { this.autoCreationEntry(req.apiKey, req.apiVersion, req.clientId, blocked); return; }
    // Otherwise the response says which refused names do not exist: only for those did the
    // refusal change anything, and only those are recorded.
    const inflight = req.inflight;
    if (inflight != null) inflight.userData = blocked;
  }

  private autoCreationEntry(apiKey: i16, apiVersion: i16, clientId: string | null, blocked: BlockedNames): void {
    const refusal = blocked.refusal;
    if (refusal == null || blocked.missing.length == 0) return;
    this.g.countRefusal(refusal);
    const e = this.entryFor("policy", apiKey, apiVersion, clientId);
    for (let i = 0; i < blocked.missing.length; i++) e.resources.push("topic:" + blocked.missing[i]);
    e.outcome = "refused";
    e.errorCode = blocked.invalid.length > 0 && blocked.missing.includes(blocked.invalid[0]) ? INVALID_TOPIC_EXCEPTION : UNKNOWN_TOPIC_OR_PARTITION;
    e.rule = refusal.rule;
    e.message = "auto-creation refused: " + refusal.message;
    this.g.audit(e);
  }

  private groups(req: KafkaRequest): void {
    const d = checkGroups(req, this.g.config.clients);
    if (d.unreadable.length > 0) { this.close(Direction.Request, "unreadable request " + req.apiKey.toString() + ": " + d.unreadable); return; }
    if (d.refused.length == 0) { this.g.countAllowed("group_id"); return; }
    for (let i = 0; i < d.refused.length; i++) this.refusedEntry(req, d.refusals[i], ["group:" + d.refused[i]], d.close ? "closed" : "refused");
    if (d.close) { this.close(Direction.Request, d.refusals[0].message); return; }
    const inflight = req.inflight;
    if (inflight != null && d.plan != null) inflight.userData = d;
  }

  onResponse(resp: KafkaResponse): void {
    if (resp.apiKey == SASL_AUTHENTICATE) this.onSaslResponse(resp);
    const data = resp.request.userData;
    if (data != null && resp.apiKey != PRODUCE) {
      if (data instanceof PolicyCarried) {
        const carried = changetype<PolicyCarried>(data);
        const results = new Array<ResourceResult>();
        const problem = mergePolicy(resp, carried.call, results);
        if (problem.length > 0) { this.close(Direction.Response, "unreadable response: " + problem); return; }
        this.adminEntries(carried.entry, carried.call, results);
      } else if (data instanceof AdminCall) {
        const e = changetype<AdminCall>(data).entry;
        const o = adminOutcome(resp.apiKey, resp.body(), resp.apiVersion);
        if (o == null) { e.outcome = "unknown"; }
        else { e.outcome = o.code == 0 ? "succeeded" : "failed"; e.errorCode = o.code; e.message = o.message; }
        this.g.audit(e);
      } else if (data instanceof BlockedNames) {
        const blocked = changetype<BlockedNames>(data);
        const problem = fixMetadata(resp, blocked);
        if (problem.length > 0) { this.close(Direction.Response, "unreadable Metadata response: " + problem); return; }
        const q = resp.request;
        this.autoCreationEntry(q.apiKey, q.apiVersion, q.clientId, blocked);
      } else if (data instanceof GroupDecision) {
        const plan = changetype<GroupDecision>(data).plan;
        if (plan != null) {
          const body = mergeCoordinators(resp.body(), resp.apiVersion, plan);
          if (body == null) { this.close(Direction.Response, "unreadable FindCoordinator response"); return; }
          resp.replaceBody(body);
        }
      }
    }
    super.onResponse(resp);
    this.quota.onResponse(resp);
  }
}

/** Quotas count what goes to the broker: not a request guard answered itself or that closed the connection. */
function reachesBroker(req: KafkaRequest): bool {
  const inflight = req.inflight;
  if (inflight != null && inflight.kind == InflightKind.Substituted) return false;
  return !(req.replacement != null && req.replacement!.byteLength == 0);
}

/** A Produce request's body, on as it arrives. */
class PassOn extends BodyFilter {
  feed(buffer: ArrayBuffer, offset: i32, length: i32, out: OutputPlan): void { out.add(buffer, offset, length); }
  end(out: OutputPlan): void {}
}

registerRootContext((id: u32): RootContext => new GuardRoot(id, new GuardTransform()));
