// A TCP relay that counts the Kafka frames crossing it, independently of any plugin:
// put it between Envoy and the broker to check what a plugin reports against what
// really went over the wire. Framing here is plain TypeScript, not the wasm codec.
import net from "node:net";

export class FrameTap {
  readonly requests = new Map<number, number>();
  readonly responses = new Map<number, number>();
  requestBytes = 0;
  responseBytes = 0;
  /** Connections relayed so far. */
  connections = 0;
  private server: net.Server | null = null;
  port = 0;

  constructor(readonly upstreamPort: number) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect(this.upstreamPort, "127.0.0.1");
      // API keys of requests awaiting a response, in order (acks=0 produces excluded).
      const pending: { apiKey: number; correlationId: number }[] = [];
      let reqBuf = Buffer.alloc(0), respBuf = Buffer.alloc(0);
      client.on("data", (d) => {
        upstream.write(d);
        reqBuf = Buffer.concat([reqBuf, d]);
        while (reqBuf.length >= 4 && reqBuf.length >= 4 + reqBuf.readInt32BE(0)) {
          const size = reqBuf.readInt32BE(0);
          const apiKey = reqBuf.readInt16BE(4), version = reqBuf.readInt16BE(6), corr = reqBuf.readInt32BE(8);
          this.requests.set(apiKey, (this.requests.get(apiKey) ?? 0) + 1);
          this.requestBytes += 4 + size;
          if (!(apiKey === 0 && produceAcks(reqBuf.subarray(4, 4 + size), version) === 0)) pending.push({ apiKey, correlationId: corr });
          reqBuf = reqBuf.subarray(4 + size);
        }
      });
      upstream.on("data", (d) => {
        client.write(d);
        respBuf = Buffer.concat([respBuf, d]);
        while (respBuf.length >= 4 && respBuf.length >= 4 + respBuf.readInt32BE(0)) {
          const size = respBuf.readInt32BE(0);
          const corr = respBuf.readInt32BE(4);
          const i = pending.findIndex((p) => p.correlationId === corr);
          if (i >= 0) {
            const apiKey = pending[i].apiKey;
            pending.splice(0, i + 1);
            this.responses.set(apiKey, (this.responses.get(apiKey) ?? 0) + 1);
          }
          this.responseBytes += 4 + size;
          respBuf = respBuf.subarray(4 + size);
        }
      });
      client.on("close", () => upstream.end());
      upstream.on("close", () => client.end());
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", () => r()));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** acks of a Produce request body+header (frame without its size prefix); v9+ headers and bodies are flexible. */
function produceAcks(frame: Buffer, version: number): number {
  let p = 8;
  const clientIdLen = frame.readInt16BE(p); p += 2 + Math.max(0, clientIdLen);
  const flexible = version >= 9;
  if (flexible) p = skipTagged(frame, p);
  if (version >= 3) {
    if (flexible) { const [n, q] = uvarint(frame, p); p = q + Math.max(0, n - 1); }
    else { const n = frame.readInt16BE(p); p += 2 + Math.max(0, n); }
  }
  return frame.readInt16BE(p);
}

function uvarint(b: Buffer, p: number): [number, number] {
  let v = 0, shift = 0;
  for (;;) { const x = b[p++]; v |= (x & 0x7f) << shift; if (!(x & 0x80)) return [v >>> 0, p]; shift += 7; }
}

function skipTagged(b: Buffer, p: number): number {
  let [n, q] = uvarint(b, p);
  for (let i = 0; i < n; i++) { const [, a] = uvarint(b, q); const [size, c] = uvarint(b, a); q = c + size; }
  return q;
}

/**
 * A relay in front of Envoy that cuts the client's connection right after the first response
 * to a request of `apiKey` has gone through Envoy, without delivering it: the broker acted and
 * the filters saw the answer, but the client did not, so it retries. For testing what a plugin
 * does with retries (an idempotent producer's, say).
 */
export class DropAfterResponse {
  dropped = 0;
  port = 0;
  private server: net.Server | null = null;

  constructor(readonly upstreamPort: number, readonly apiKey: number, readonly drops = 1) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.upstreamPort, "127.0.0.1");
      const pending: { apiKey: number; corr: number }[] = [];
      let reqBuf = Buffer.alloc(0), respBuf = Buffer.alloc(0);
      client.on("data", (d) => {
        upstream.write(d);
        reqBuf = Buffer.concat([reqBuf, d]);
        while (reqBuf.length >= 4 && reqBuf.length >= 4 + reqBuf.readInt32BE(0)) {
          const size = reqBuf.readInt32BE(0);
          pending.push({ apiKey: reqBuf.readInt16BE(4), corr: reqBuf.readInt32BE(8) });
          reqBuf = reqBuf.subarray(4 + size);
        }
      });
      upstream.on("data", (d) => {
        respBuf = Buffer.concat([respBuf, d]);
        while (respBuf.length >= 4 && respBuf.length >= 4 + respBuf.readInt32BE(0)) {
          const size = respBuf.readInt32BE(0);
          const frame = respBuf.subarray(0, 4 + size);
          respBuf = respBuf.subarray(4 + size);
          const corr = frame.readInt32BE(4);
          const i = pending.findIndex((p) => p.corr === corr);
          const req = i >= 0 ? pending.splice(i, 1)[0] : null;
          if (req && req.apiKey === this.apiKey && this.dropped < this.drops) {
            this.dropped++;
            client.destroy();
            upstream.destroy();
            return;
          }
          client.write(frame);
        }
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", () => r()));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
