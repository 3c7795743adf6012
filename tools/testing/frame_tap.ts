// A TCP relay that counts the Kafka frames crossing it, independently of any plugin:
// put it between Envoy and the broker to check what a plugin reports against what
// really went over the wire. Framing here is plain TypeScript, not the wasm codec.
import net from "node:net";

/** Calls `each` for every whole size-prefixed frame at the front of `buf`; returns the bytes left over. */
function drainFrames(buf: Buffer, each: (frame: Buffer) => void): Buffer {
  while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
    const size = buf.readInt32BE(0);
    each(buf.subarray(0, 4 + size));
    buf = buf.subarray(4 + size);
  }
  return buf;
}

/** Relays one client connection to 127.0.0.1:upstreamPort; the callbacks see (and forward) each direction's bytes. */
function relay(client: net.Socket, upstreamPort: number, fromClient: (d: Buffer, upstream: net.Socket) => void, fromUpstream: (d: Buffer, upstream: net.Socket) => void): void {
  const upstream = net.connect(upstreamPort, "127.0.0.1");
  client.on("data", (d) => fromClient(d, upstream));
  upstream.on("data", (d) => fromUpstream(d, upstream));
  client.on("close", () => upstream.end());
  upstream.on("close", () => client.end());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
}

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
      // API keys of requests awaiting a response, in order (acks=0 produces excluded).
      const pending: { apiKey: number; correlationId: number }[] = [];
      let reqBuf: Buffer = Buffer.alloc(0), respBuf: Buffer = Buffer.alloc(0);
      relay(client, this.upstreamPort, (d, upstream) => {
        upstream.write(d);
        reqBuf = drainFrames(Buffer.concat([reqBuf, d]), (f) => {
          const apiKey = f.readInt16BE(4), version = f.readInt16BE(6), corr = f.readInt32BE(8);
          this.requests.set(apiKey, (this.requests.get(apiKey) ?? 0) + 1);
          this.requestBytes += f.length;
          if (!(apiKey === 0 && produceAcks(f.subarray(4), version) === 0)) pending.push({ apiKey, correlationId: corr });
        });
      }, (d) => {
        client.write(d);
        respBuf = drainFrames(Buffer.concat([respBuf, d]), (f) => {
          const corr = f.readInt32BE(4);
          const i = pending.findIndex((p) => p.correlationId === corr);
          if (i >= 0) {
            const apiKey = pending[i].apiKey;
            pending.splice(0, i + 1);
            this.responses.set(apiKey, (this.responses.get(apiKey) ?? 0) + 1);
          }
          this.responseBytes += f.length;
        });
      });
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
      const pending: { apiKey: number; corr: number }[] = [];
      let reqBuf: Buffer = Buffer.alloc(0), respBuf: Buffer = Buffer.alloc(0);
      let cut = false;
      relay(client, this.upstreamPort, (d, upstream) => {
        upstream.write(d);
        reqBuf = drainFrames(Buffer.concat([reqBuf, d]), (f) => pending.push({ apiKey: f.readInt16BE(4), corr: f.readInt32BE(8) }));
      }, (d, upstream) => {
        if (cut) return;
        respBuf = drainFrames(Buffer.concat([respBuf, d]), (f) => {
          if (cut) return;
          const corr = f.readInt32BE(4);
          const i = pending.findIndex((p) => p.corr === corr);
          const req = i >= 0 ? pending.splice(i, 1)[0] : null;
          if (req && req.apiKey === this.apiKey && this.dropped < this.drops) {
            this.dropped++;
            cut = true;
            client.destroy();
            upstream.destroy();
            return;
          }
          client.write(f);
        });
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", () => r()));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
