// kafka-observe: changes nothing, counts everything. Frames per API key in each
// direction and bytes per direction, as Envoy metrics:
//   wasmcustom.kafka_observe.requests.api_<Name>
//   wasmcustom.kafka_observe.responses.api_<Name>
//   wasmcustom.kafka_observe.bytes.direction_request|response
export * from "../../../assembly/exports";
import {
  RootContext, ConnectionContext, registerRootContext, Counter, CounterFamily, JsonValue,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, apiName,
} from "../../../assembly/index";

// KafkaRoot reads the configuration and applies the stream settings; this plugin has none of its own.
class ObserveRoot extends KafkaRoot {
  requests: CounterFamily | null = null;
  responses: CounterFamily | null = null;
  requestBytes: Counter | null = null;
  responseBytes: Counter | null = null;

  constructor(id: u32) { super(id, "kafka-observe"); }

  settings(): Array<string> | null { return []; }

  configure(doc: JsonValue | null): string {
    this.requests = new CounterFamily("kafka_observe.requests", "api");
    this.responses = new CounterFamily("kafka_observe.responses", "api");
    this.requestBytes = new Counter("kafka_observe.bytes.direction_request");
    this.responseBytes = new Counter("kafka_observe.bytes.direction_response");
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new ObserveConnection(id, this);
  }
}

class ObserveConnection extends KafkaConnection {
  private readonly r: ObserveRoot;
  constructor(id: u32, root: ObserveRoot) {
    super(id, root);
    this.r = root;
  }

  // Counting needs only headers and sizes: every frame is passed on as it arrives, never held.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return false; }
  wantsResponseBody(request: InflightRequest): bool { return false; }

  onRequest(req: KafkaRequest): void {
    const key = req.apiKey;
    (this.r.requests as CounterFamily).at(key, apiName(key)).increment();
    (this.r.requestBytes as Counter).increment(<u64>req.size);
  }

  onResponse(resp: KafkaResponse): void {
    const key = resp.apiKey;
    (this.r.responses as CounterFamily).at(key, apiName(key)).increment();
    (this.r.responseBytes as Counter).increment(<u64>resp.size);
  }
}

registerRootContext((id: u32): RootContext => new ObserveRoot(id));
