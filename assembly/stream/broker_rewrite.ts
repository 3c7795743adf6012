// Puts the proxy's addresses in place of the brokers' own in every response that names a broker
// (Metadata, FindCoordinator, DescribeCluster, DescribeQuorum, and the NodeEndpoints of Produce,
// Fetch, ShareFetch and ShareAcknowledge: the list is generated from Kafka's descriptors, see
// codegen/emit_endpoints.ts), so a client that follows them keeps talking through the proxy.
//
// A plugin enables it with three lines (plugins/broker-rewrite does nothing else):
//   wantsResponseBody(req)  { return this.rewriter.wants(req) || <what the plugin reads>; }
//   onResponse(resp)        { if (this.rewriter.rewrite(resp) == RewriteOutcome.Refused)
//                               this.giveUp(Direction.Response, this.rewriter.reason, MalformedPolicy.Close); }
// Only responses that can carry addresses are held whole and decoded; the rest stream past
// untouched. A response whose addresses all map to themselves is forwarded as it came.
//
// Broker configurations name addresses too, in free text: a DescribeConfigs answer about a broker
// gets the values of advertised.listeners, listeners and the controller quorum's addresses
// hidden as Kafka hides a sensitive config (null value, is_sensitive set), synonyms included.
//
// Never forwarded: a response naming a node the map does not know (with `unmapped: close`), one
// the codec cannot decode, or one of a version the codec does not know. Their bytes are dropped
// and `reason` says why; the caller closes the connection.
//
// Metrics: kafka_broker_rewrite.<plugin>.rewritten_responses, rewritten_addresses,
// unmapped_addresses, refused_responses.
import { Counter, plugin, RateLimitedLog, LogLevel } from "../proxywasm/index";
import { EndpointMapper } from "../kafka/endpoint_mapper";
import { apiCarriesEndpoints, responseCarriesEndpoints, rewriteResponseEndpoints } from "../kafka/generated/endpoints";
import { apiName, isKnownApi } from "../kafka/generated/api_table";
import { checkDecoded } from "../kafka/decode_error";
import { capApiVersion } from "../kafka/api_version_cap";
import { storeI32BE, SIZE_PREFIX } from "../kafka/header";
import { BrokerAddresses, HostPort, UnmappedPolicy } from "./broker_addresses";
import { InflightRequest, InflightKind } from "./inflight";
import { KafkaResponse } from "./messages";
import { DescribeConfigsResponse } from "../kafka/generated/messages/describe_configs";
import { Writer } from "../kafka/wire/writer";
import { metricSegment } from "./stream_metrics";

const FETCH: i16 = 1;
const API_VERSIONS: i16 = 18;
const DESCRIBE_CONFIGS: i16 = 32;
/** DescribeConfigs' resource type for a broker. */
const BROKER_RESOURCE: i8 = 4;
/** Broker configs whose values name brokers' (or controllers') own addresses. */
const ADDRESS_CONFIGS: string[] = ["advertised.listeners", "listeners", "controller.quorum.voters", "controller.quorum.bootstrap.servers"];
/** The last Fetch version without leader hints (NodeEndpoints came with v16, KIP-951). */
const FETCH_WITHOUT_HINTS: i16 = 15;

export enum RewriteOutcome {
  /** Forward the response (no addresses, or all already the proxy's; an in-place edit is marked on it). */
  Untouched = 0,
  /** `resp.replacement` holds the response with the proxy's addresses. */
  Rewritten = 1,
  /** Nothing is forwarded (`reason` says why); the caller closes the connection. */
  Refused = 2,
}

class RewriteMetrics {
  readonly rewrittenResponses: Counter;
  readonly rewrittenAddresses: Counter;
  readonly unmappedAddresses: Counter;
  readonly refusedResponses: Counter;
  constructor(prefix: string) {
    this.rewrittenResponses = new Counter(prefix + "rewritten_responses");
    this.rewrittenAddresses = new Counter(prefix + "rewritten_addresses");
    this.unmappedAddresses = new Counter(prefix + "unmapped_addresses");
    this.refusedResponses = new Counter(prefix + "refused_responses");
  }
}

let metricsInstance: RewriteMetrics | null = null;

/** Defined on first use (defining a metric is a host call, which top-level code must not make). */
function rewriteMetrics(): RewriteMetrics {
  let m = metricsInstance;
  if (m == null) {
    const name = plugin.name();
    m = new RewriteMetrics("kafka_broker_rewrite." + metricSegment(name == null ? "" : name) + ".");
    metricsInstance = m;
  }
  return m;
}

/** How many unmapped node ids a VM remembers having logged (each is logged once). */
const MAX_LOGGED_NODES = 256;

let warnings: RateLimitedLog | null = null;
const loggedNodes = new Array<i32>();

/** Logs an unmapped node once per VM (and at most ten lines a minute). */
function warnUnmapped(nodeId: i32, host: string | null, port: i32, policy: UnmappedPolicy): void {
  if (loggedNodes.includes(nodeId)) return;
  if (loggedNodes.length < MAX_LOGGED_NODES) loggedNodes.push(nodeId);
  let w = warnings;
  if (w == null) { w = new RateLimitedLog(LogLevel.Warn, 10); warnings = w; }
  // The broker's own address goes to the proxy's log, never to the client.
  w.log("broker rewrite: node " + nodeId.toString() + " (" + (host == null ? "" : host) + ":" + port.toString() + ") has no proxy address in broker_addresses; " +
    (policy == UnmappedPolicy.Close ? "responses naming it are refused and their connections closed" : "clients get the default address"));
}

export class BrokerRewriter extends EndpointMapper {
  /** Why the last response was refused. */
  reason: string = "";
  /** Addresses changed in the response being rewritten. */
  private addressesChanged: i32 = 0;
  private unmappedNode: i32 = 0;

  constructor(readonly addresses: BrokerAddresses) { super(); }

  /** Whether the response to `request` must be held whole: it can name brokers. */
  wants(request: InflightRequest): bool {
    if (!this.addresses.enabled || request.kind != InflightKind.Kafka) return false;
    const key = request.apiKey, version = request.apiVersion;
    if (key == API_VERSIONS && this.addresses.hideFetchHints) return true;
    if (key == DESCRIBE_CONFIGS) return true;
    // A version the codec does not know is held too, and refused: it could name brokers.
    return responseCarriesEndpoints(key, version) || (apiCarriesEndpoints(key) && !isKnownApi(key, version));
  }

  map(nodeId: i32, host: string | null, port: i32): bool {
    if (nodeId < 0 && (host == null || host.length == 0)) {
      // "No node" (FindCoordinator's error answer: -1, "", -1): no address to hide.
      this.host = host == null ? "" : host;
      this.port = port;
      return true;
    }
    let to: HostPort | null = this.addresses.lookup(nodeId);
    if (to == null) {
      rewriteMetrics().unmappedAddresses.increment();
      warnUnmapped(nodeId, host, port, this.addresses.unmapped);
      if (this.addresses.unmapped == UnmappedPolicy.Close) { this.unmappedNode = nodeId; return false; }
      to = this.addresses.defaultAddress;
      if (to == null) { this.unmappedNode = nodeId; return false; }
    }
    if (host == null || to.host != host || to.port != port) {
      this.changed = true;
      this.addressesChanged++;
    }
    this.host = to.host;
    this.port = to.port;
    return true;
  }

  /**
   * Rewrites the brokers' addresses in `resp` (a response `wants` asked to hold). On Rewritten,
   * `resp.replacement` is the new frame; on Refused, nothing is forwarded and `reason` says why.
   */
  rewrite(resp: KafkaResponse): RewriteOutcome {
    if (!this.wants(resp.request)) return RewriteOutcome.Untouched;
    if (resp.apiKey == API_VERSIONS) {
      // fetch_leader_hints "hide": offer Fetch up to v15, whose responses stream past untouched.
      if (resp.hasBody && capApiVersion(resp.body(), resp.apiVersion, FETCH, FETCH_WITHOUT_HINTS) > 0) resp.markPatched();
      return RewriteOutcome.Untouched;
    }
    const what = apiName(resp.apiKey) + " v" + resp.apiVersion.toString() + " response";
    if (!resp.hasBody) return this.refuse(resp, what + " was not held whole (wantsResponseBody must include wants())");
    if (!resp.known) return this.refuse(resp, what + ": a version the codec does not know, which could name brokers");
    if (resp.apiKey == DESCRIBE_CONFIGS) return this.hideAddressConfigs(resp, what);
    const r = resp.body();
    const headerBytes = SIZE_PREFIX + resp.headerLength;
    this.addressesChanged = 0;
    const out = rewriteResponseEndpoints(resp.apiKey, resp.apiVersion, r, this, headerBytes);
    const bad = checkDecoded(r, apiName(resp.apiKey) + "Response", resp.apiVersion);
    if (bad != null) return this.refuse(resp, what + " does not decode (" + bad.toString() + ")");
    if (this.refused) return this.refuse(resp, what + " names node " + this.unmappedNode.toString() + ", which broker_addresses does not map");
    if (out == null) return RewriteOutcome.Untouched;
    // The frame's own size prefix and header, then the body written again.
    memory.copy(changetype<usize>(out), changetype<usize>(resp.frame.buffer) + <usize>resp.frame.offset, <usize>headerBytes);
    storeI32BE(out, 0, out.byteLength - SIZE_PREFIX);
    resp.replacement = out;
    const m = rewriteMetrics();
    m.rewrittenResponses.increment();
    m.rewrittenAddresses.increment(<u64>this.addressesChanged);
    return RewriteOutcome.Rewritten;
  }

  /** A DescribeConfigs answer with the address-naming broker configs hidden (see the top of the file). */
  private hideAddressConfigs(resp: KafkaResponse, what: string): RewriteOutcome {
    const r = resp.body();
    const d = DescribeConfigsResponse.decodeFrom(r, resp.apiVersion);
    const bad = checkDecoded(r, "DescribeConfigsResponse", resp.apiVersion);
    if (bad != null) return this.refuse(resp, what + " does not decode (" + bad.toString() + ")");
    let hidden = 0;
    for (let i = 0; i < d.results.length; i++) {
      const result = d.results[i];
      if (result.resourceType != BROKER_RESOURCE) continue;
      for (let j = 0; j < result.configs.length; j++) {
        const c = result.configs[j];
        if (!ADDRESS_CONFIGS.includes(c.name)) continue;
        if (c.value != null) { c.value = null; hidden++; }
        c.isSensitive = true;
        for (let k = 0; k < c.synonyms.length; k++) {
          const s = c.synonyms[k];
          if (s.value != null) { s.value = null; hidden++; }
        }
      }
    }
    if (hidden == 0) return RewriteOutcome.Untouched;
    const w = Writer.sized(d.size(resp.apiVersion));
    d.encode(w, resp.apiVersion);
    resp.replaceBody(w.buffer);
    const m = rewriteMetrics();
    m.rewrittenResponses.increment();
    m.rewrittenAddresses.increment(<u64>hidden);
    return RewriteOutcome.Rewritten;
  }

  private refuse(resp: KafkaResponse, reason: string): RewriteOutcome {
    this.reason = "broker rewrite: " + reason;
    resp.replacement = new ArrayBuffer(0);
    rewriteMetrics().refusedResponses.increment();
    return RewriteOutcome.Refused;
  }
}
