// Recorded Kafka client sessions: the bytes each side sent, in the order they crossed
// the wire. File format: repeated [direction u8 (0 client→broker, 1 broker→client)][length u32 BE][bytes].
import fs from "node:fs";
import net from "node:net";

export interface Chunk { fromClient: boolean; data: Buffer }

export function readSession(file: string): Chunk[] {
  const buf = fs.readFileSync(file);
  const out: Chunk[] = [];
  let p = 0;
  while (p + 5 <= buf.length) {
    const dir = buf[p], len = buf.readUInt32BE(p + 1);
    out.push({ fromClient: dir === 0, data: buf.subarray(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return out;
}

export function writeSession(file: string, chunks: Chunk[]): void {
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const h = Buffer.alloc(5);
    h[0] = c.fromClient ? 0 : 1;
    h.writeUInt32BE(c.data.length, 1);
    parts.push(h, c.data);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

/**
 * A TCP proxy that records every connection's bytes. Connections are recorded
 * separately (a client opens several: bootstrap, then the partition leader).
 */
export class RecordingProxy {
  readonly connections: Chunk[][] = [];
  private server: net.Server | null = null;

  constructor(readonly listenPort: number, readonly upstreamPort: number) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const chunks: Chunk[] = [];
      this.connections.push(chunks);
      const upstream = net.connect(this.upstreamPort, "127.0.0.1");
      client.on("data", (d) => { chunks.push({ fromClient: true, data: Buffer.from(d) }); upstream.write(d); });
      upstream.on("data", (d) => { chunks.push({ fromClient: false, data: Buffer.from(d) }); client.write(d); });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(this.listenPort, "127.0.0.1", () => r()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
