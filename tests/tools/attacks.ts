// Hostile clients on raw sockets, each bounded in connections, bytes and time, and aimed
// only at 127.0.0.1. Each attack resolves with what it did; none throws on what the proxy
// does to it (closing, resetting, answering): the caller judges the proxy afterwards.
import net from "node:net";
import fs from "node:fs";
import { prng } from "./prng.js";
import { readSession } from "./session.js";
import { frame, apiVersionsV0, metadataV1, produceV7 } from "./raw_kafka.js";
import { batch } from "./batches.js";

export interface AttackStats {
  connections: number;
  bytesSent: number;
  /** Connections the proxy (or broker) closed before the attack let go of them. */
  closedByPeer: number;
  /** Bytes that came back. */
  bytesReceived: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function newStats(): AttackStats { return { connections: 0, bytesSent: 0, closedByPeer: 0, bytesReceived: 0 }; }

/**
 * One hostile connection: connects, runs `act` (which writes), keeps the socket until
 * `holdMs` has passed or the peer closes it, then destroys it. Reads are counted and dropped
 * unless `paused` (a client that never reads).
 */
export async function hostile(port: number, stats: AttackStats, act: (s: net.Socket, write: (b: Buffer) => void) => Promise<void> | void,
  holdMs: number, opts: { paused?: boolean; reset?: boolean } = {}): Promise<void> {
  stats.connections++;
  await new Promise<void>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let done = false, peerClosed = false;
    let timer: NodeJS.Timeout | null = null;
    // Whatever happens (a connect that never completes, a write that never drains), give up in time.
    const cap = setTimeout(() => finish(), holdMs + 15000);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(cap);
      if (timer) clearTimeout(timer);
      if (!peerClosed) { if (opts.reset) s.resetAndDestroy(); else s.destroy(); }
      resolve();
    };
    s.on("error", () => {});
    s.on("close", () => { peerClosed = !done; if (peerClosed) stats.closedByPeer++; finish(); });
    if (opts.paused) s.pause();
    else s.on("data", (d) => { stats.bytesReceived += d.length; });
    s.on("connect", async () => {
      const write = (b: Buffer) => { if (!s.destroyed) { s.write(b); stats.bytesSent += b.length; } };
      try { await act(s, write); } catch { /* the peer went away mid-attack */ }
      if (!done) timer = setTimeout(finish, holdMs);
    });
  });
}

/** Runs `count` jobs with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++);
  }));
}

const prefix = (size: number) => { const b = Buffer.alloc(4); b.writeInt32BE(size | 0); return b; };

/** Connections that announce frames of `sizes` (cycled), send `bodyBytes` of them, and hold. */
export async function announceHuge(port: number, connections: number, sizes: number[], bodyBytes: number, holdMs: number): Promise<AttackStats> {
  const stats = newStats();
  await Promise.all(Array.from({ length: connections }, (_, i) =>
    hostile(port, stats, (_s, write) => write(Buffer.concat([prefix(sizes[i % sizes.length]), Buffer.alloc(bodyBytes, 0x41)])), holdMs)));
  return stats;
}

/** Connections writing random bytes. */
export async function randomBytes(port: number, connections: number, maxBytes: number, holdMs: number, seed: number): Promise<AttackStats> {
  const stats = newStats();
  const rnd = prng(seed);
  await pool(connections, 20, async () => {
    const n = 1 + Math.floor(rnd() * maxBytes);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    await hostile(port, stats, (_s, write) => write(b), holdMs);
  });
  return stats;
}

/** Size prefixes that are negative or over any limit, each followed by a few bytes. */
export const BAD_SIZES = [-1, -2147483648, -104857600, 2147483647, 2147483643, 1073741824, 209715200, 104857601, 104857610];

export async function badSizes(port: number, perSize: number, holdMs: number): Promise<AttackStats> {
  const stats = newStats();
  const jobs = BAD_SIZES.flatMap((size) => Array.from({ length: perSize }, () => size));
  await pool(jobs.length, 20, (i) => hostile(port, stats, (_s, write) => write(Buffer.concat([prefix(jobs[i]), Buffer.alloc(16, 0x42)])), holdMs));
  return stats;
}

/**
 * Truncated frames: a real Produce frame cut short; half the connections then close their
 * side (FIN, the proxy sees end of stream mid-frame), half hold without sending the rest.
 */
export async function truncatedFrames(port: number, connections: number, holdMs: number): Promise<AttackStats> {
  const stats = newStats();
  const whole = produceV7(1, "adv-truncated", [{ partition: 0, records: batch(50) }]);
  await pool(connections, 20, (i) => hostile(port, stats, async (s, write) => {
    const cut = 1 + (i * 37) % (whole.length - 1);
    write(whole.subarray(0, cut));
    if (i % 2 === 0) s.end();
  }, holdMs));
  return stats;
}

/** Slow clients: each sends a valid request a byte at a time, `gapMs` apart, for at most `durationMs`. */
export async function slowClients(port: number, connections: number, gapMs: number, durationMs: number): Promise<AttackStats> {
  const stats = newStats();
  const deadline = Date.now() + durationMs;
  await Promise.all(Array.from({ length: connections }, (_, i) => hostile(port, stats, async (s, write) => {
    // Some dribble small requests, some announce a 100 MiB frame and dribble that.
    const data = i % 3 === 2 ? Buffer.concat([prefix(104857600), Buffer.alloc(64, 0x43)]) : Buffer.concat([apiVersionsV0(i), metadataV1(i + 1)]);
    for (let p = 0; p < data.length && Date.now() < deadline && !s.destroyed; p++) {
      write(data.subarray(p, p + 1));
      await sleep(gapMs);
    }
  }, 200)));
  return stats;
}

/** Connect/close churn: connect and close at once, reset, or close after half a size prefix. */
export async function churn(port: number, connections: number, concurrency: number): Promise<AttackStats> {
  const stats = newStats();
  await pool(connections, concurrency, (i) => {
    const kind = i % 4;
    return hostile(port, stats, (_s, write) => {
      if (kind === 2) write(Buffer.from([0, 0]));
      if (kind === 3) write(apiVersionsV0(i).subarray(0, 9));
    }, 0, { reset: kind === 1 });
  });
  return stats;
}

/** Every API key and version the codec knows, from the generated table (its source text). */
export function knownApis(apiTableSource: string): { key: number; version: number; flexible: boolean }[] {
  const arr = (name: string) => {
    const m = new RegExp(`const ${name}: StaticArray<i16> = \\[([^\\]]*)\\]`).exec(apiTableSource);
    if (!m) throw new Error(`knownApis: ${name} not found in the API table`);
    return m[1].split(",").map((x) => Number(x.trim()));
  };
  const min = arr("MIN_VERSION"), max = arr("MAX_VERSION"), flex = arr("FLEXIBLE_MIN");
  const out: { key: number; version: number; flexible: boolean }[] = [];
  for (let key = 0; key < max.length; key++) {
    for (let v = min[key]; v <= max[key]; v++) out.push({ key, version: v, flexible: flex[key] >= 0 && v >= flex[key] });
  }
  return out;
}

/** Garbage bodies: random bytes, all 0xFF (lengths -1), huge int32 lengths, huge unsigned varints. */
export function garbageBodies(rnd: () => number): Buffer[] {
  const random = Buffer.alloc(48);
  for (let i = 0; i < random.length; i++) random[i] = Math.floor(rnd() * 256);
  return [
    random,
    Buffer.alloc(48, 0xff),
    Buffer.concat(Array.from({ length: 12 }, () => Buffer.from([0x7f, 0xff, 0xff, 0xf0]))),
    Buffer.concat(Array.from({ length: 10 }, () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07]))),
  ];
}

/**
 * Valid request headers (v1, or v2 with an empty tag buffer for flexible versions) with
 * garbage bodies, for every known API key and version: one connection per request, since
 * the proxy may close a connection at its first bad request.
 */
export async function garbageBodiesEveryApi(port: number, apis: { key: number; version: number; flexible: boolean }[], seed: number, holdMs: number, concurrency: number): Promise<AttackStats & { requests: number }> {
  const stats = newStats();
  const rnd = prng(seed);
  const frames: Buffer[] = [];
  for (const a of apis) {
    for (const body of garbageBodies(rnd)) {
      const headerTail = a.flexible ? Buffer.from([0]) : Buffer.alloc(0);
      frames.push(frame(a.key, a.version, frames.length, Buffer.concat([headerTail, body])));
    }
  }
  await pool(frames.length, concurrency, (i) => hostile(port, stats, (_s, write) => write(frames[i]), holdMs));
  return { ...stats, requests: frames.length };
}

/** The request frames (size prefix included) a client sent in a recorded session. */
export function sessionRequestFrames(file: string): Buffer[] {
  const data = Buffer.concat(readSession(file).filter((c) => c.fromClient).map((c) => c.data));
  const out: Buffer[] = [];
  for (let p = 0; p + 4 <= data.length;) {
    const n = data.readInt32BE(p);
    if (n < 0 || p + 4 + n > data.length) break;
    out.push(data.subarray(p, p + 4 + n));
    p += 4 + n;
  }
  return out;
}

/** Real client sessions with a few bytes flipped, replayed one connection each. */
export async function mutatedSessions(port: number, sessionFiles: string[], connections: number, seed: number, holdMs: number): Promise<AttackStats> {
  const stats = newStats();
  const rnd = prng(seed);
  const sessions = sessionFiles.map(sessionRequestFrames).filter((f) => f.length > 0);
  await pool(connections, 20, async (i) => {
    const frames = sessions[i % sessions.length].map((f) => Buffer.from(f));
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) {
      const f = frames[Math.floor(rnd() * frames.length)];
      const at = Math.floor(rnd() * f.length);
      // Half the flips hit the header (size, key, version, correlation id, client id length).
      const pos = rnd() < 0.5 ? at % Math.min(f.length, 14) : at;
      f[pos] ^= 1 << Math.floor(rnd() * 8);
    }
    await hostile(port, stats, (_s, write) => write(Buffer.concat(frames)), holdMs);
  });
  return stats;
}

/** Pipelined floods: many small requests written without ever reading a response. */
export async function pipelinedFlood(port: number, connections: number, requestsPerConnection: number, holdMs: number): Promise<AttackStats> {
  const stats = newStats();
  const one = Buffer.concat([apiVersionsV0(1), metadataV1(2)]);
  const chunk = Buffer.concat(Array.from({ length: 500 }, () => one));
  await Promise.all(Array.from({ length: connections }, () => hostile(port, stats, async (s, write) => {
    for (let sent = 0; sent < requestsPerConnection && !s.destroyed; sent += 1000) {
      write(chunk);
      if (s.writableLength > 4 * 1024 * 1024) await sleep(20); // the proxy stopped reading: stay bounded
    }
  }, holdMs, { paused: true })));
  return stats;
}

export function sessionFilesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(".bin")).sort().map((f) => `${dir}/${f}`);
}
