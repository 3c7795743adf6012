// Frames and arithmetic for emulator tests of the quota engine (assembly/quota), shared by the
// example's tests (tests/node/quota.test.ts) and guard's (tests/node/guard_quota.test.ts): two
// topics, "slow" and "free", each with a fixed topic id; Produce and Fetch exchanges built by the
// test kit's codec; Kafka's throttle formula; a clock the tests move by hand.
import type { KafkaCodec, PluginHost } from "../../tools/testing/index.js";
import { recordBatch } from "../../tools/testing/index.js";

export const SLOW_ID = Buffer.alloc(16, 0x51), FREE_ID = Buffer.alloc(16, 0x52);
export type QuotaTopic = "slow" | "free";
const idOf = (t: string): Buffer => (t === "slow" ? SLOW_ID : FREE_ID);

/** Start of a whole window, so every sample in a test falls in known windows. */
export const T0 = 1_700_000_000_000;

/** A hand-moved clock for PluginHost's `now` (nanoseconds). */
export class Clock { ms = T0; ns = (): bigint => BigInt(this.ms) * 1_000_000n; }

/** Kafka's throttle for `bytes` recorded in an otherwise empty window of 11 × 1 s, at the window's start: the span is 10 s. */
export function kafkaThrottle(bytes: number, quota: number, spanMs = 10000, max = 30000): number {
  const rate = bytes * 1000 / spanMs;
  if (rate <= quota) return 0;
  return Math.min(max, Math.round((rate - quota) / quota * spanMs));
}

/** One record whose value makes the batch about n bytes long. */
export function batchOfBytes(n: number): Buffer {
  return recordBatch([{ value: Buffer.alloc(Math.max(1, n - 70), 0x61) }]);
}

export function produceRequest(c: KafkaCodec, version: number, corr: number, parts: { topic: QuotaTopic; records: Buffer }[], clientId = "app", acks = -1): Buffer {
  return c.request("Produce", version, {
    transactionalId: null, acks, timeoutMs: 1000,
    topicData: parts.map((p) => ({ name: p.topic, topicId: idOf(p.topic), partitionData: [{ index: 0, records: p.records }] })),
  }, { correlationId: corr, clientId, lenient: true });
}

export function produceResponse(c: KafkaCodec, version: number, corr: number, topics: string[], throttleTimeMs = 0): Buffer {
  return c.response("Produce", version, corr, {
    throttleTimeMs,
    responses: topics.map((t) => ({ name: t, topicId: idOf(t), partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null }] })),
  }, { lenient: true });
}

export function fetchRequest(c: KafkaCodec, version: number, corr: number, topics: QuotaTopic[], maxBytes = 52428800, partitionMaxBytes = 1048576, clientId = "consumer"): Buffer {
  return c.request("Fetch", version, {
    replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: topics.map((t) => ({ topic: t, topicId: idOf(t), partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes }] })),
    forgottenTopicsData: [], rackId: "",
  }, { correlationId: corr, clientId, lenient: true });
}

export function fetchResponse(c: KafkaCodec, version: number, corr: number, parts: { topic: QuotaTopic; records: Buffer }[], throttleTimeMs = 0): Buffer {
  return c.response("Fetch", version, corr, {
    throttleTimeMs, errorCode: 0, sessionId: 0,
    responses: parts.map((p) => ({ topic: p.topic, topicId: idOf(p.topic), partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: [], preferredReadReplica: -1, records: p.records }] })),
  }, { lenient: true });
}

/** Teaches the plugin the topic ids (Produce and Fetch v13+ name topics by id) with a Metadata exchange. */
export function learnIds(c: KafkaCodec, conn: ReturnType<PluginHost["connect"]>): void {
  conn.fromClient(c.request("Metadata", 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { correlationId: 999, clientId: "consumer", lenient: true }));
  conn.fromBroker(c.response("Metadata", 12, 999, {
    throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1,
    topics: [["slow", SLOW_ID], ["free", FREE_ID]].map(([name, topicId]) => ({ errorCode: 0, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 })),
  }, { lenient: true }));
}
