// A TCP relay in front of one proxy listener that decodes, with the dissector, every answer
// that can name brokers (Metadata, FindCoordinator, DescribeCluster, DescribeQuorum, Produce) on
// its way to the client, and records each host:port it names. A cluster test puts one in front of
// each Envoy listener and checks that clients were only ever told the proxy's addresses.
// Fetch answers pass undecoded (they are large; the emulator test covers their leader hints).
import net from "node:net";
import { Dissector } from "../../tools/dissector/dissector.js";

const DECODED = new Set([0, 3, 10, 55, 60]);

export interface NamedAddress { apiKey: number; version: number; address: string }

/** Every "host" + "port" pair in a decoded body's JSON. */
function addressesIn(v: unknown, out: string[]): void {
  if (Array.isArray(v)) { for (const x of v) addressesIn(x, out); return; }
  if (v === null || typeof v !== "object") return;
  const o = v as Record<string, unknown>;
  if ("host" in o && "port" in o) out.push(`${typeof o.host === "string" ? o.host : JSON.stringify(o.host)}:${o.port}`);
  for (const x of Object.values(o)) addressesIn(x, out);
}

export class AnswerTap {
  /** Every address any decoded answer named, in order. */
  readonly named: NamedAddress[] = [];
  /** Decoded answers per API key. */
  readonly answers = new Map<number, number>();
  /** Answers the dissector could not decode (a test fails on any). */
  readonly undecodable: string[] = [];
  connections = 0;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly dissector: Dissector, readonly upstreamPort: number) {}

  async start(port: number): Promise<void> {
    this.server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
  }

  private relay(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.upstreamPort, "127.0.0.1");
    this.sockets.add(client).add(upstream);
    const asked = new Map<number, { apiKey: number; version: number }>();
    let reqBuf: Buffer = Buffer.alloc(0), respBuf: Buffer = Buffer.alloc(0);
    client.on("data", (d) => {
      upstream.write(d);
      reqBuf = drain(Buffer.concat([reqBuf, d]), (f) => {
        if (f.length >= 12) asked.set(f.readInt32BE(8), { apiKey: f.readInt16BE(4), version: f.readInt16BE(6) });
      });
    });
    upstream.on("data", (d) => {
      respBuf = drain(Buffer.concat([respBuf, d]), (f) => this.answer(f, asked));
      client.write(d);
    });
    client.on("close", () => { upstream.end(); this.sockets.delete(client); });
    upstream.on("close", () => { client.end(); this.sockets.delete(upstream); });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  }

  private answer(frame: Buffer, asked: Map<number, { apiKey: number; version: number }>): void {
    if (frame.length < 8) return;
    const corr = frame.readInt32BE(4);
    const req = asked.get(corr);
    asked.delete(corr);
    if (!req || !DECODED.has(req.apiKey)) return;
    const body = frame.subarray(4);
    const headerLength = this.dissector.responseHeaderLength(req.apiKey, req.version, body);
    const decoded = headerLength < 0 ? { ok: false, text: "no header" } : this.dissector.decodeBody(req.apiKey, req.version, true, body.subarray(headerLength));
    if (!decoded.ok) { this.undecodable.push(`api ${req.apiKey} v${req.version}: ${decoded.text.slice(0, 200)}`); return; }
    this.answers.set(req.apiKey, (this.answers.get(req.apiKey) ?? 0) + 1);
    const found: string[] = [];
    addressesIn(JSON.parse(decoded.text), found);
    for (const address of found) this.named.push({ apiKey: req.apiKey, version: req.version, address });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function drain(buf: Buffer, each: (frame: Buffer) => void): Buffer {
  while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
    const size = buf.readInt32BE(0);
    each(buf.subarray(0, 4 + size));
    buf = buf.subarray(4 + size);
  }
  return buf;
}
