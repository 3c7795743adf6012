// Replays recorded sessions through a plugin in the host emulator.
import fs from "node:fs";
import path from "node:path";
import { PluginHost, EmulatedConnection } from "../../tools/testing/index.js";
import { rootPath } from "../../tools/lib/paths.js";
import { readSession, Chunk } from "./session.js";
import { prng } from "./prng.js";

export const SESSIONS_DIR = rootPath("tests", "fixtures", "sessions");

export function sessionFiles(): string[] {
  return fs.readdirSync(SESSIONS_DIR).filter((f) => f.endsWith(".bin")).sort().map((f) => path.join(SESSIONS_DIR, f));
}

export function loadSession(file: string): Chunk[] { return readSession(file); }

export { prng };

export type Splitter = (data: Buffer) => Buffer[];

export const whole: Splitter = (d) => [d];
export const byteByByte: Splitter = (d) => Array.from({ length: d.length }, (_, i) => d.subarray(i, i + 1));
export function randomSplitter(seed: number, maxPiece: number): Splitter {
  const rnd = prng(seed);
  return (d) => {
    const out: Buffer[] = [];
    for (let p = 0; p < d.length;) {
      const n = 1 + Math.floor(rnd() * maxPiece);
      out.push(d.subarray(p, p + n));
      p += n;
    }
    return out;
  };
}

export interface ReplayResult { toBroker: Buffer; toClient: Buffer; conn: EmulatedConnection }

export function replay(host: PluginHost, chunks: Chunk[], split: Splitter): ReplayResult {
  const conn = host.connect();
  for (const c of chunks) {
    for (const piece of split(c.data)) {
      if (c.fromClient) conn.fromClient(piece);
      else conn.fromBroker(piece);
    }
  }
  return { toBroker: conn.forwardedToBroker(), toClient: conn.forwardedToClient(), conn };
}

export function concatDirection(chunks: Chunk[], fromClient: boolean): Buffer {
  return Buffer.concat(chunks.filter((c) => c.fromClient === fromClient).map((c) => c.data));
}

export const OBSERVE_WASM = rootPath("build", "kafka-observe.wasm");
