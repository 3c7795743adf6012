// topic-quota: produce and fetch bytes per second per topic and per tenant, enforced as Kafka
// enforces its own quotas: throttle_time_ms in Produce and Fetch responses (clients back off by
// themselves) and smaller Fetch limits. Counters are shared by every Envoy worker; a new
// configuration applies to open connections without closing them. See README.md.
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, JsonValue, logInfo,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, Frame, FrameScope, Skim,
  TopicNames, QuotaEngine, ConnectionQuota,
} from "../../../assembly/index";

class QuotaRoot extends KafkaRoot {
  engine: QuotaEngine | null = null;
  readonly names: TopicNames = new TopicNames("topic_quota");

  constructor(id: u32) { super(id, "topic-quota"); }

  settings(): Array<string> | null { return ["quotas"]; }

  configure(doc: JsonValue | null): string {
    // One engine per VM: a new configuration (a new root context) also governs the connections
    // still open on the previous one.
    const engine = QuotaEngine.forPrefix("topic_quota");
    this.engine = engine;
    const problem = engine.configure(doc == null ? null : doc.get("quotas"));
    if (problem.length > 0) return problem;
    this.stream.recordLatency = false;
    const c = engine.config;
    logInfo("topic-quota: " + c.topics.length.toString() + " topic and " + c.tenants.length.toString() + " tenant quotas");
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new QuotaConnection(id, this, new ConnectionQuota(this.engine!, this.names));
  }
}

class QuotaConnection extends KafkaConnection {
  constructor(id: u32, root: QuotaRoot, readonly quota: ConnectionQuota) { super(id, root); }

  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return this.quota.readsRequestBody(apiKey, apiVersion); }
  wantsResponseBody(request: InflightRequest): bool { return this.quota.readsResponseBody(request); }
  wantsProduceSkim(apiVersion: i16): bool { return this.quota.wantsProduceSkim(apiVersion); }
  wantsFetchSkim(request: InflightRequest): bool { return this.quota.wantsFetchSkim(request); }

  // A Fetch response is passed on as it arrives; only its head is held until throttle_time_ms is in it.
  responseScope(head: Frame): FrameScope {
    return this.quota.holdsMoreOfHead(head) ? FrameScope.Undecided : super.responseScope(head);
  }

  onRequest(req: KafkaRequest): void { this.quota.onRequest(req); }
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void { this.quota.onProduceSkimmed(req, skim); }
  onResponse(resp: KafkaResponse): void { this.quota.onResponse(resp); }
  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void { this.quota.onFetchSkimmed(resp, skim); }
}

registerRootContext((id: u32): RootContext => new QuotaRoot(id));
