// The three messages the codec benchmark decodes and re-encodes, built with our own encoder
// (whose output conformance checks against Kafka's): a Produce request (v9) carrying 1 MiB of
// record batches, a Metadata response (v12) with 1,000 topics × 10 partitions, and a Fetch
// response (v12) with 100 partitions. Written as raw bodies that every peer reads.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { Dissector } from "../tools/dissector/dissector.js";
import { cachePath } from "../tools/lib/paths.js";

export interface CodecInput { name: string; apiKey: number; version: number; response: boolean; file: string; bytes: number }

/** `n` deterministic pseudo-random bytes, base64 (record contents do not matter to the codec). */
function b64(n: number, seed: number): string {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < n; i++) chunks.push(crypto.createHash("sha256").update(`${seed}:${i}`).digest());
  return Buffer.concat(chunks).subarray(0, n).toString("base64");
}

export async function buildCodecInputs(): Promise<CodecInput[]> {
  const dir = cachePath("bench", "codec");
  fs.mkdirSync(dir, { recursive: true });
  const d = await Dissector.load();
  const uuid = (i: number) => crypto.createHash("md5").update(`topic-${i}`).digest().toString("base64url");
  const produce = {
    transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: "bench-produce", partitionData: Array.from({ length: 16 }, (_, p) => ({ index: p, records: b64(65536, p) })) }],
  };
  const metadata = {
    throttleTimeMs: 0,
    brokers: [0, 1, 2].map((id) => ({ nodeId: id, host: `broker-${id}.kafka.internal`, port: 9092, rack: `rack-${id}` })),
    clusterId: "kafka-proxy-wasm-bench", controllerId: 1,
    topics: Array.from({ length: 1000 }, (_, t) => ({
      errorCode: 0, name: `topic-${t}`, topicId: uuid(t), isInternal: false, topicAuthorizedOperations: -2147483648,
      partitions: Array.from({ length: 10 }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: p % 3, leaderEpoch: 5, replicaNodes: [0, 1, 2], isrNodes: [0, 1, 2], offlineReplicas: [] })),
    })),
  };
  const fetch = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 12345,
    responses: Array.from({ length: 10 }, (_, t) => ({
      topic: `fetch-topic-${t}`,
      partitions: Array.from({ length: 10 }, (_, p) => ({
        partitionIndex: p, errorCode: 0, highWatermark: 100000, lastStableOffset: 100000, logStartOffset: 0,
        abortedTransactions: [], preferredReadReplica: -1, records: b64(10240, t * 10 + p),
      })),
    })),
  };
  const out: CodecInput[] = [];
  for (const [name, apiKey, version, response, json] of [
    ["Produce request, 1 MiB of batches", 0, 9, false, produce],
    ["Metadata response, 1,000 topics × 10 partitions", 3, 12, true, metadata],
    ["Fetch response, 100 partitions", 1, 12, true, fetch],
  ] as [string, number, number, boolean, unknown][]) {
    const built = d.encodeBody(apiKey, version, response, JSON.stringify(json));
    if (!built.ok) throw new Error(`${name}: ${built.text}`);
    const file = path.join(dir, `${apiKey}-${version}-${response ? "response" : "request"}.bin`);
    fs.writeFileSync(file, built.bytes);
    out.push({ name, apiKey, version, response, file, bytes: built.bytes.length });
  }
  fs.writeFileSync(path.join(dir, "inputs.json"), JSON.stringify(out, null, 2));
  return out;
}
