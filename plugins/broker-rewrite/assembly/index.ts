// broker-rewrite: keeps clients on the proxy in front of a Kafka cluster. Every response that
// names a broker (Metadata, FindCoordinator, DescribeCluster, DescribeQuorum, and the leader
// hints in Produce, Fetch, ShareFetch and ShareAcknowledge) gets the proxy's address for that
// broker instead of the broker's own; everything else streams past untouched.
//
// Configuration: the stream settings every Kafka plugin takes, and "broker_addresses"
// (assembly/stream/broker_addresses.ts):
//   { "broker_addresses": { "host": "127.0.0.1", "port_base": 19100, "unmapped": "close" } }
//   { "broker_addresses": { "nodes": { "1": "kafka-1.proxy:9092" }, "unmapped": "default", "default": "bootstrap.proxy:9092" } }
// "fetch_leader_hints": "hide" offers clients Fetch up to v15, so fetch responses (which from v16
// can carry leader hints after the records) stream past instead of being held to be rewritten.
// Metrics: kafka_broker_rewrite.<filter name>.rewritten_responses, rewritten_addresses,
// unmapped_addresses, refused_responses.
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, JsonValue, JsonKind,
  KafkaRoot, KafkaConnection, KafkaResponse, InflightRequest,
  BrokerAddresses, BrokerRewriter, RewriteOutcome, readBrokerAddresses, Direction, MalformedPolicy,
} from "../../../assembly/index";

/** Whether the stream setting `key` (already checked by the library) is "passthrough". */
function saysPassthrough(doc: JsonValue, key: string): bool {
  const v = doc.get(key);
  return v != null && v.kind == JsonKind.String && v.str == "passthrough";
}

class RewriteRoot extends KafkaRoot {
  readonly addresses: BrokerAddresses = new BrokerAddresses();

  constructor(id: u32) { super(id, "broker-rewrite"); }

  settings(): Array<string> | null { return ["broker_addresses"]; }

  configure(doc: JsonValue | null): string {
    if (doc == null) return "broker_addresses: missing; say which proxy address each broker gets";
    const problem = readBrokerAddresses(doc, this.addresses);
    if (problem.length > 0) return problem;
    if (!this.addresses.enabled) return "broker_addresses: missing; say which proxy address each broker gets";
    // Passing bytes on unread would let a response through unrewritten, brokers' own addresses in it.
    if (saysPassthrough(doc, "on_malformed")) return "on_malformed: passthrough would forward responses the proxy has not rewritten, with the brokers' own addresses; use close";
    if (saysPassthrough(doc, "on_over_budget")) return "on_over_budget: passthrough would forward responses the proxy has not rewritten, with the brokers' own addresses; use close";
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new RewriteConnection(id, this);
  }
}

class RewriteConnection extends KafkaConnection {
  private readonly rewriter: BrokerRewriter;
  constructor(id: u32, root: RewriteRoot) {
    super(id, root);
    this.rewriter = new BrokerRewriter(root.addresses);
  }

  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return false; }
  wantsResponseBody(request: InflightRequest): bool { return this.rewriter.wants(request); }

  onResponse(resp: KafkaResponse): void {
    if (this.rewriter.rewrite(resp) == RewriteOutcome.Refused) {
      this.giveUp(Direction.Response, this.rewriter.reason, MalformedPolicy.Close);
    }
  }
}

registerRootContext((id: u32): RootContext => new RewriteRoot(id));
