// A fake Kafka broker behind an emulated plugin: every request the plugin forwards is answered
// (by default like a one-node broker that stores what is produced; per API by a handler the test
// gives), and the answer goes back through the plugin to the client. So a plugin that answers a
// request itself with respond() is tested as a client sees it, and records produced through the
// plugin can be read back as the broker stored them.
import crypto from "node:crypto";
import { PluginHost, EmulatedConnection, HostOptions } from "./host.js";
import { KafkaCodec, ApiRef, Body, DecodedRequest, DecodedResponse } from "./kafka.js";
import { recordBatch, readRecordBatches, RecordInput, RecordOutput, BatchOptions } from "./records.js";

/** Answers a request the plugin forwarded: the response body (fields the version lacks are left out), or null for none. */
export type Handler = (req: DecodedRequest, broker: FakeBroker) => Body | null;

export interface StoredTopic { name: string; id: Buffer; partitions: Buffer[][] }

/** The API versions the fake broker announces (Kafka 4.x ranges for the common APIs). */
const API_VERSIONS: [number, number, number][] = [
  [0, 3, 13], [1, 4, 17], [2, 1, 10], [3, 0, 13], [8, 2, 9], [9, 1, 9], [10, 0, 6], [11, 0, 9], [12, 0, 4],
  [13, 0, 5], [14, 0, 5], [15, 0, 6], [16, 0, 5], [17, 0, 1], [18, 0, 4], [19, 2, 7], [20, 1, 6], [22, 0, 5],
  [32, 1, 4], [36, 0, 2], [37, 0, 3], [60, 0, 2], [68, 0, 1],
];

/** Kafka error codes the fake broker answers with. */
const UNKNOWN_TOPIC_OR_PARTITION = 3, TOPIC_ALREADY_EXISTS = 36, UNKNOWN_TOPIC_ID = 100;

export interface ProduceResult {
  /** The partition's error code in the response the client got (0: stored). */
  errorCode: number;
  errorMessage: string | null;
  /** The whole response the client got; null when none came (acks=0, or the connection closed). */
  response: DecodedResponse | null;
}

export interface FetchResult { errorCode: number; records: RecordOutput[]; response: DecodedResponse | null }

export class FakeBroker {
  /** Every request the broker received, in order (after the plugin). */
  readonly received: DecodedRequest[] = [];
  /** Every response the client received, in order (after the plugin). */
  readonly delivered: DecodedResponse[] = [];
  readonly topics = new Map<string, StoredTopic>();
  /** Produce to a topic it does not know creates it (one partition), as auto.create.topics.enable does. */
  autoCreateTopics = true;
  private readonly handlers = new Map<number, Handler>();
  /** What the client sent and has not had an answer to: correlation id → API key and version. */
  private readonly pending = new Map<number, { apiKey: number; apiVersion: number }>();
  /** The start of a frame not yet whole: sent by the client, forwarded to the broker, on its way to the client. */
  private clientRest: Buffer = Buffer.alloc(0);
  private brokerRest: Buffer = Buffer.alloc(0);
  private answerRest: Buffer = Buffer.alloc(0);
  private nextCorrelation = 1;

  constructor(readonly codec: KafkaCodec, readonly conn: EmulatedConnection) {}

  /** Loads a plugin in the emulated host, opens a connection through it, and puts a broker behind it. */
  static async start(wasm: string | Buffer, options: HostOptions = {}): Promise<FakeBroker> {
    const host = await PluginHost.load(wasm, options);
    return new FakeBroker(await KafkaCodec.load(), host.connect());
  }

  get host(): PluginHost { return this.conn.host; }

  /** Answers `api` with `handler` instead of the default. */
  on(api: ApiRef, handler: Handler): this {
    this.handlers.set(this.codec.apiKey(api), handler);
    return this;
  }

  /** Creates a topic with `partitions` empty partitions (a random topic id). */
  createTopic(name: string, partitions = 1): StoredTopic {
    const t = { name, id: crypto.randomBytes(16), partitions: Array.from({ length: partitions }, () => [] as Buffer[]) };
    this.topics.set(name, t);
    return t;
  }

  /** The topic with this id. */
  topicById(id: Buffer): StoredTopic | undefined {
    for (const t of this.topics.values()) if (t.id.equals(id)) return t;
    return undefined;
  }

  /** The records the broker stored for a topic's partition. */
  stored(topic: string, partition = 0): RecordOutput[] {
    const t = this.topics.get(topic);
    if (!t) return [];
    return readRecordBatches(Buffer.concat(t.partitions[partition] ?? []), this.codec).flatMap((b) => b.records);
  }

  /**
   * Client → plugin → broker → plugin → client for raw request bytes (one frame or several, or
   * part of one). Returns the responses the client received during this exchange, decoded.
   */
  send(bytes: Buffer): DecodedResponse[] {
    // Each side's bytes are read as frames once whole: a frame sent (or forwarded) in parts waits for the rest.
    const sent = wholeFrames(Buffer.concat([this.clientRest, bytes]));
    this.clientRest = sent.rest;
    for (const f of sent.frames) if (f.length >= 12) this.pending.set(f.readInt32BE(8), { apiKey: f.readInt16BE(4), apiVersion: f.readInt16BE(6) });
    const forwarded = wholeFrames(Buffer.concat([this.brokerRest, this.conn.fromClient(bytes)]));
    this.brokerRest = forwarded.rest;
    const toClient: Buffer[] = [this.answerRest];
    for (const frame of forwarded.frames) {
      const req = this.codec.decodeRequest(frame);
      this.received.push(req);
      const body = (this.handlers.get(req.apiKey) ?? defaultHandler)(req, this);
      if (body === null) continue;
      toClient.push(this.conn.fromBroker(this.codec.response(req.apiKey, req.apiVersion, req.correlationId, body, { lenient: true })));
    }
    const out: DecodedResponse[] = [];
    const answers = wholeFrames(Buffer.concat(toClient));
    this.answerRest = answers.rest;
    for (const frame of answers.frames) {
      const corr = frame.readInt32BE(4);
      const asked = this.pending.get(corr);
      if (!asked) throw new Error(`the client got a response with correlation id ${corr}, which it never asked for`);
      this.pending.delete(corr);
      const resp = this.codec.decodeResponse(frame, asked.apiKey, asked.apiVersion);
      this.delivered.push(resp);
      out.push(resp);
    }
    return out;
  }

  /** Sends one request built from `body`; returns the client's response to it, or null if none came. */
  request(api: ApiRef, version: number, body: Body, opts: { clientId?: string | null; lenient?: boolean } = {}): DecodedResponse | null {
    const correlationId = this.nextCorrelation++;
    const responses = this.send(this.codec.request(api, version, body, { correlationId, clientId: opts.clientId, lenient: opts.lenient }));
    return responses.find((r) => r.correlationId === correlationId) ?? null;
  }

  /**
   * Produces `records` to a topic's partition through the plugin, in one batch (compression and
   * producer fields from `opts`), with Produce v9 (topic names) or v13 (topic ids) and acks -1.
   */
  produce(topic: string, records: RecordInput[], opts: BatchOptions & { partition?: number; version?: number; acks?: number; clientId?: string } = {}): ProduceResult {
    const version = opts.version ?? 9;
    const partition = opts.partition ?? 0;
    const t = this.topics.get(topic) ?? (version >= 13 ? this.createTopic(topic) : undefined);
    const ref = version >= 13 ? { topicId: t!.id } : { name: topic };
    const batch = recordBatch(records, opts, this.codec);
    const response = this.request("Produce", version, {
      transactionalId: null, acks: opts.acks ?? -1, timeoutMs: 30000,
      topicData: [{ ...ref, partitionData: [{ index: partition, records: batch }] }],
    }, { clientId: opts.clientId, lenient: true });
    if (!response) return { errorCode: -1, errorMessage: null, response };
    const p = ((response.body.responses as Body[])[0].partitionResponses as Body[])[0];
    return { errorCode: p.errorCode as number, errorMessage: (p.errorMessage as string | null) ?? null, response };
  }

  /** Fetches a topic's partition from `offset` through the plugin (Fetch v12); the records the client got. */
  fetch(topic: string, opts: { partition?: number; offset?: number; version?: number; clientId?: string } = {}): FetchResult {
    const version = opts.version ?? 12;
    const t = this.topics.get(topic);
    const ref = version >= 13 ? { topicId: t?.id ?? Buffer.alloc(16) } : { topic };
    const response = this.request("Fetch", version, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ ...ref, partitions: [{ partition: opts.partition ?? 0, fetchOffset: opts.offset ?? 0, logStartOffset: -1, partitionMaxBytes: 52428800 }] }],
      forgottenTopicsData: [], rackId: "",
    }, { clientId: opts.clientId, lenient: true });
    if (!response) return { errorCode: -1, records: [], response };
    const p = ((response.body.responses as Body[])[0].partitions as Body[])[0];
    const records = p.records ? readRecordBatches(p.records as Buffer, this.codec).flatMap((b) => b.records) : [];
    return { errorCode: p.errorCode as number, records, response };
  }
}

/** Frames in what the client sends, for noting correlation ids; a partial frame is skipped. */
/** The whole frames at the start of `bytes`, and what follows them (a frame not yet whole). */
function wholeFrames(bytes: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const size = bytes.readInt32BE(at);
    if (size < 0) throw new Error(`a frame of size ${size} at offset ${at}`);
    if (at + 4 + size > bytes.length) break;
    frames.push(bytes.subarray(at, at + 4 + size));
    at += 4 + size;
  }
  return { frames, rest: Buffer.from(bytes.subarray(at)) };
}

/** A copy of `batch` with its base offset set (the broker assigns offsets). */
function withBaseOffset(batch: Buffer, offset: bigint): Buffer {
  const b = Buffer.from(batch);
  b.writeBigInt64BE(offset, 0);
  return b;
}

function nextOffset(partition: Buffer[]): bigint {
  if (partition.length === 0) return 0n;
  const last = partition[partition.length - 1];
  return last.readBigInt64BE(0) + BigInt(last.readInt32BE(23)) + 1n;
}

/** Splits stored batches of a records field into batches (Produce may carry several). */
function batchesIn(records: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 12 <= records.length;) {
    const end = at + 12 + records.readInt32BE(at + 8);
    out.push(records.subarray(at, end));
    at = end;
  }
  return out;
}

/** The one-node broker: ApiVersions, Metadata, Produce (stores), Fetch (serves), CreateTopics. */
function defaultHandler(req: DecodedRequest, broker: FakeBroker): Body | null {
  const b = req.body;
  switch (req.apiKey) {
    case 18: // ApiVersions
      return { errorCode: 0, apiKeys: API_VERSIONS.map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion })), throttleTimeMs: 0 };
    case 3: { // Metadata
      const asked = b.topics as Body[] | null;
      const names = asked === null ? [...broker.topics.keys()] : asked.map((t) => (t.name as string | null) ?? "");
      return {
        throttleTimeMs: 0, brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }], clusterId: "fake-cluster", controllerId: 1,
        topics: names.map((name) => {
          const t = broker.topics.get(name) ?? (broker.autoCreateTopics && asked !== null ? broker.createTopic(name) : undefined);
          if (!t) return { errorCode: UNKNOWN_TOPIC_OR_PARTITION, name, topicId: Buffer.alloc(16), isInternal: false, partitions: [] };
          return {
            errorCode: 0, name, topicId: t.id, isInternal: false,
            partitions: t.partitions.map((_, i) => ({ errorCode: 0, partitionIndex: i, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
          };
        }),
      };
    }
    case 0: { // Produce
      const responses = (b.topicData as Body[]).map((td) => {
        const byId = td.topicId instanceof Buffer && req.apiVersion >= 13;
        let t = byId ? broker.topicById(td.topicId as Buffer) : broker.topics.get(td.name as string);
        if (!t && !byId && broker.autoCreateTopics) t = broker.createTopic(td.name as string);
        const ref = byId ? { topicId: td.topicId } : { name: td.name };
        return {
          ...ref,
          partitionResponses: (td.partitionData as Body[]).map((pd) => {
            const index = pd.index as number;
            const part = t?.partitions[index];
            if (!part) return { index, errorCode: byId ? UNKNOWN_TOPIC_ID : UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null };
            const base = nextOffset(part);
            let at = base;
            for (const batch of batchesIn((pd.records as Buffer | null) ?? Buffer.alloc(0))) {
              part.push(withBaseOffset(batch, at));
              at += BigInt(batch.readInt32BE(23)) + 1n;
            }
            return { index, errorCode: 0, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null };
          }),
        };
      });
      if ((b.acks as number) === 0) return null;
      return { responses, throttleTimeMs: 0 };
    }
    case 1: { // Fetch
      return {
        throttleTimeMs: 0, errorCode: 0, sessionId: 0,
        responses: (b.topics as Body[]).map((ft) => {
          const byId = req.apiVersion >= 13;
          const t = byId ? broker.topicById(ft.topicId as Buffer) : broker.topics.get(ft.topic as string);
          return {
            ...(byId ? { topicId: ft.topicId } : { topic: ft.topic }),
            partitions: (ft.partitions as Body[]).map((fp) => {
              const index = fp.partition as number;
              const part = t?.partitions[index];
              if (!part) return { partitionIndex: index, errorCode: byId ? UNKNOWN_TOPIC_ID : UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, preferredReadReplica: -1, records: null };
              const from = BigInt(fp.fetchOffset as number);
              const batches = part.filter((x) => x.readBigInt64BE(0) + BigInt(x.readInt32BE(23)) >= from);
              const hw = nextOffset(part);
              return { partitionIndex: index, errorCode: 0, highWatermark: hw, lastStableOffset: hw, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: Buffer.concat(batches) };
            }),
          };
        }),
      };
    }
    case 19: // CreateTopics
      return {
        throttleTimeMs: 0,
        topics: (b.topics as Body[]).map((ct) => {
          const name = ct.name as string;
          if (broker.topics.has(name)) return { name, topicId: broker.topics.get(name)!.id, errorCode: TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.`, numPartitions: -1, replicationFactor: -1, configs: [] };
          const n = (ct.numPartitions as number) > 0 ? (ct.numPartitions as number) : 1;
          const t = (b.validateOnly as boolean) ? { id: Buffer.alloc(16) } : broker.createTopic(name, n);
          return { name, topicId: t.id, errorCode: 0, errorMessage: null, numPartitions: n, replicationFactor: 1, configs: [] };
        }),
      };
    default:
      throw new Error(`the fake broker has no answer for API key ${req.apiKey} v${req.apiVersion}; give one with broker.on(${req.apiKey}, (req) => body)`);
  }
}
