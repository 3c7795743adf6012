// A connection plugin: it sees every request and response of a Kafka connection, each response
// matched to its request. This one counts requests per API and client.id, and bytes per
// direction, reading headers only, so every frame passes on as it arrives and nothing is held.
//   wasmcustom.{{metric}}.requests.api_<Name>
//   wasmcustom.{{metric}}.clients.client_<client.id>
//   wasmcustom.{{metric}}.bytes.direction_request|response
export * from "kafka-proxy-wasm/assembly/exports"; // the callbacks Envoy calls
import {
  RootContext, ConnectionContext, registerRootContext, Counter, CounterFamily, JsonValue,
  KafkaRoot, KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, apiName,
} from "kafka-proxy-wasm";

// KafkaRoot reads the configuration and applies the settings every Kafka plugin shares
// (max_frame_bytes, on_malformed, …); configure() reads the plugin's own (this one has none).
class Root extends KafkaRoot {
  requests: CounterFamily | null = null;
  clients: CounterFamily | null = null;
  requestBytes: Counter | null = null;
  responseBytes: Counter | null = null;

  constructor(id: u32) { super(id, "{{name}}"); }

  // The keys this plugin reads (none): any other is refused, named; the library's are always taken.
  settings(): Array<string> | null { return []; }

  configure(doc: JsonValue | null): string {
    this.requests = new CounterFamily("{{metric}}.requests", "api");
    this.clients = new CounterFamily("{{metric}}.clients", "client");
    this.requestBytes = new Counter("{{metric}}.bytes.direction_request");
    this.responseBytes = new Counter("{{metric}}.bytes.direction_response");
    return "";
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new Connection(id, this);
  }
}

class Connection extends KafkaConnection {
  constructor(id: u32, readonly plugin: Root) {
    super(id, plugin);
  }

  // Counting needs only headers and sizes: no body is read, so no frame is held.
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return false; }
  wantsResponseBody(request: InflightRequest): bool { return false; }

  onRequest(req: KafkaRequest): void {
    (this.plugin.requests as CounterFamily).at(req.apiKey, apiName(req.apiKey)).increment();
    const client = req.clientId;
    if (client != null && client.length > 0) (this.plugin.clients as CounterFamily).get(client).increment();
    (this.plugin.requestBytes as Counter).increment(<u64>req.size);
  }

  onResponse(resp: KafkaResponse): void {
    (this.plugin.responseBytes as Counter).increment(<u64>resp.size);
  }
}

registerRootContext((id: u32): RootContext => new Root(id));
