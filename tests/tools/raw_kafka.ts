// Raw Kafka requests over a plain socket, for tests that must control every byte: the
// requests (ApiVersions v0, Metadata v1, Produce v7, Fetch v4, all non-flexible), and a
// connection that reads whole response frames back.
import net from "node:net";

function str(s: string | null): Buffer {
  if (s === null) { const b = Buffer.alloc(2); b.writeInt16BE(-1); return b; }
  const body = Buffer.from(s, "utf8");
  const b = Buffer.alloc(2);
  b.writeInt16BE(body.length);
  return Buffer.concat([b, body]);
}
const i8 = (n: number) => Buffer.from([n & 0xff]);
const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const i64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };

/** A whole request frame: size prefix, header v1 (key, version, correlation id, client id), body. */
export function frame(apiKey: number, version: number, correlationId: number, body: Buffer, clientId: string | null = "adversarial"): Buffer {
  const payload = Buffer.concat([i16(apiKey), i16(version), i32(correlationId), str(clientId), body]);
  return Buffer.concat([i32(payload.length), payload]);
}

export const apiVersionsV0 = (correlationId: number) => frame(18, 0, correlationId, Buffer.alloc(0));
/** Metadata v1 for the given topics (an empty list asks for brokers only). */
export const metadataV1 = (correlationId: number, topics: string[] = []) =>
  frame(3, 1, correlationId, Buffer.concat([i32(topics.length), ...topics.map(str)]));

/** Produce v7: one topic, each entry a partition and its record batches (already encoded). */
export function produceV7(correlationId: number, topic: string, partitions: { partition: number; records: Buffer }[], acks = 1, timeoutMs = 30000, clientId: string | null = "adversarial"): Buffer {
  const parts = partitions.map((p) => Buffer.concat([i32(p.partition), i32(p.records.length), p.records]));
  return frame(0, 7, correlationId, Buffer.concat([str(null), i16(acks), i32(timeoutMs), i32(1), str(topic), i32(parts.length), ...parts]), clientId);
}

/** Fetch v4: one topic partition from an offset, up to maxBytes. */
export function fetchV4(correlationId: number, topic: string, partition: number, offset: bigint, maxBytes: number, maxWaitMs = 500): Buffer {
  return frame(1, 4, correlationId, Buffer.concat([i32(-1), i32(maxWaitMs), i32(1), i32(maxBytes), i8(0),
    i32(1), str(topic), i32(1), i32(partition), i64(offset), i32(maxBytes)]));
}

/** A response frame's correlation id and body (after the v0 response header). */
export interface Response { correlationId: number; body: Buffer }

/** Produce v7 response: each partition's error code. */
export function produceErrors(r: Response): number[] {
  const b = r.body;
  let p = 0;
  const out: number[] = [];
  const topics = b.readInt32BE(p); p += 4;
  for (let t = 0; t < topics; t++) {
    p += 2 + b.readInt16BE(p);
    const parts = b.readInt32BE(p); p += 4;
    for (let i = 0; i < parts; i++) { out.push(b.readInt16BE(p + 4)); p += 4 + 2 + 8 + 8 + 8; }
  }
  return out;
}

/** Fetch v4 response of one partition: its error code and the size of its records. */
export function fetchResult(r: Response): { error: number; recordBytes: number } {
  const b = r.body;
  let p = 4; // throttle
  p += 4; // topics count (1)
  p += 2 + b.readInt16BE(p);
  p += 4; // partitions count (1)
  const error = b.readInt16BE(p + 4);
  p += 4 + 2 + 8 + 8;
  const aborted = b.readInt32BE(p); p += 4 + Math.max(aborted, 0) * 16;
  return { error, recordBytes: Math.max(b.readInt32BE(p), 0) };
}

/** ApiVersions v0 response: error code and how many APIs it lists. */
export function apiVersionsResult(r: Response): { error: number; apis: number } {
  return { error: r.body.readInt16BE(0), apis: r.body.readInt32BE(2) };
}

/** Metadata v1 response: how many brokers it lists. */
export function metadataBrokers(r: Response): number {
  return r.body.readInt32BE(0);
}

/** A client connection that sends raw frames and hands back whole response frames in order. */
export class RawConnection {
  private chunks: Buffer[] = [];
  private have = 0;
  private readonly frames: Response[] = [];
  private waiters: { resolve: (r: Response) => void; reject: (e: Error) => void }[] = [];
  closed = false;
  private error: Error | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d) => this.onData(d));
    socket.on("error", (e) => { this.error = e; });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters) w.reject(this.error ?? new Error("connection closed by the proxy"));
      this.waiters = [];
    });
  }

  static connect(port: number, timeoutMs = 5000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1");
      const timer = setTimeout(() => { s.destroy(); reject(new Error(`connect to 127.0.0.1:${port} timed out`)); }, timeoutMs);
      s.once("connect", () => { clearTimeout(timer); resolve(new RawConnection(s)); });
      s.once("error", (e) => { clearTimeout(timer); reject(e); });
    });
  }

  private onData(d: Buffer): void {
    // Chunks are kept in a list and joined only once a whole frame is there: joining on every
    // chunk would copy a 50 MiB response hundreds of times.
    this.chunks.push(d);
    this.have += d.length;
    while (this.have >= 4) {
      if (this.chunks[0].length < 4) this.join();
      const size = this.chunks[0].readInt32BE(0);
      if (this.have < 4 + size) break;
      if (this.chunks[0].length < 4 + size) this.join();
      const head = this.chunks[0];
      const f = head.subarray(4, 4 + size);
      if (head.length === 4 + size) this.chunks.shift(); else this.chunks[0] = head.subarray(4 + size);
      this.have -= 4 + size;
      const r = { correlationId: f.readInt32BE(0), body: f.subarray(4) };
      const w = this.waiters.shift();
      if (w) w.resolve(r); else this.frames.push(r);
    }
  }

  private join(): void { this.chunks = [Buffer.concat(this.chunks)]; }

  send(data: Buffer): void { this.socket.write(data); }

  /** The next response frame, or a rejection when the connection closes or time runs out. */
  next(timeoutMs: number): Promise<Response> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closed) return Promise.reject(this.error ?? new Error("connection closed by the proxy"));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (r: Response) => { clearTimeout(timer); resolve(r); },
        reject: (e: Error) => { clearTimeout(timer); reject(e); },
      };
      const timer = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error(`no response within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async request(data: Buffer, timeoutMs: number): Promise<Response> {
    this.send(data);
    return await this.next(timeoutMs);
  }

  close(): void { this.socket.destroy(); }
}
