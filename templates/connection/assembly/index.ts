// A connection plugin: it sees every request and response of a Kafka connection, each response
// matched to its request. This one counts requests per API and client.id, and bytes per
// direction, reading headers only, so every frame passes on as it arrives and nothing is held.
//   wasmcustom.{{metric}}.requests.api_<Name>
//   wasmcustom.{{metric}}.clients.client_<client.id>
//   wasmcustom.{{metric}}.bytes.direction_request|response
export * from "kafka-proxy-wasm/assembly/exports"; // the callbacks Envoy calls
import {
  RootContext, ConnectionContext, registerRootContext, Counter, CounterFamily, logError, logInfo,
  KafkaConnection, KafkaRequest, KafkaResponse, InflightRequest, StreamConfig, apiName, parseJson, readStreamConfig,
} from "kafka-proxy-wasm";

class Root extends RootContext {
  // The settings every Kafka plugin shares (max_frame_bytes, on_malformed, …), read from the configuration.
  readonly stream: StreamConfig = new StreamConfig();
  requests: CounterFamily | null = null;
  clients: CounterFamily | null = null;
  requestBytes: Counter | null = null;
  responseBytes: Counter | null = null;

  onConfigure(size: u32): bool {
    const text = String.UTF8.decode(this.pluginConfiguration(size));
    if (text.trim().length > 0) {
      const errors = new Array<string>();
      const doc = parseJson(text, errors);
      if (doc == null) { logError("{{name}}: configuration is not JSON: " + errors[0]); return false; }
      const problem = readStreamConfig(doc, this.stream);
      if (problem.length > 0) { logError("{{name}}: configuration: " + problem); return false; }
    }
    this.requests = new CounterFamily("{{metric}}.requests", "api");
    this.clients = new CounterFamily("{{metric}}.clients", "client");
    this.requestBytes = new Counter("{{metric}}.bytes.direction_request");
    this.responseBytes = new Counter("{{metric}}.bytes.direction_response");
    logInfo("{{name}}: configured");
    return true;
  }

  createConnectionContext(id: u32): ConnectionContext | null {
    return new Connection(id, this);
  }
}

class Connection extends KafkaConnection {
  constructor(id: u32, readonly plugin: Root) {
    super(id, plugin, plugin.stream);
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
