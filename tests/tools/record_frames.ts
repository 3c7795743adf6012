// Produce, Fetch and Metadata exchanges of any version through an emulated connection, for the
// record layer's tests: request and response frames built by the dissector (our conformance-checked
// encoder) from JSON, and a small broker that answers what reaches it.
import assert from "node:assert/strict";
import { Dissector } from "../../tools/dissector/dissector.js";
import type { EmulatedConnection } from "../../tools/testing/index.js";

const PRODUCE = 0, FETCH = 1, METADATA = 3, API_VERSIONS = 18, SHARE_FETCH = 78;

/** First flexible version (request header v2, response header v1). */
const FLEXIBLE: Record<number, number> = { [PRODUCE]: 9, [FETCH]: 12, [METADATA]: 9, [SHARE_FETCH]: 0 };

export interface TopicRef { name: string; id: Buffer }

export interface PartitionSend { index: number; records: Buffer | null }
export interface TopicSendAny { topic: TopicRef; partitions: PartitionSend[] }

export interface PartitionAnswer { index: number; errorCode: number; baseOffset: number; errorMessage: string | null }
export interface ProduceOutcome {
  /** The frame that went to the broker (empty when nothing did). */
  forwarded: Buffer;
  /** The Produce body the broker saw, as JSON (null when it saw none, or an ApiVersions stand-in). */
  brokerSaw: any | null;
  /** True when the proxy swapped the request for an ApiVersions v0 (it answered alone). */
  substituted: boolean;
  /** What the client got back, by topic name or id (hex) then partition; null with acks=0. */
  answer: Map<string, PartitionAnswer[]> | null;
  answerFrame: Buffer | null;
  /** The response frame the broker sent (null when it sent none). */
  brokerFrame: Buffer | null;
}

function frame(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function requestHeader(apiKey: number, version: number, corr: number, clientId: string): Buffer {
  const h = Buffer.alloc(8);
  h.writeInt16BE(apiKey, 0); h.writeInt16BE(version, 2); h.writeInt32BE(corr, 4);
  const id = Buffer.from(clientId);
  const len = Buffer.alloc(2); len.writeInt16BE(id.length);
  return Buffer.concat([h, len, id, version >= FLEXIBLE[apiKey] ? Buffer.from([0]) : Buffer.alloc(0)]);
}

function responseHeader(apiKey: number, version: number, corr: number): Buffer {
  const c = Buffer.alloc(4); c.writeInt32BE(corr);
  return version >= FLEXIBLE[apiKey] ? Buffer.concat([c, Buffer.from([0])]) : c;
}

export function topicKey(t: { name?: string | null; topicId?: string }): string {
  return t.name ? t.name : Buffer.from(t.topicId ?? "", "base64url").toString("hex");
}

/** One client connection's exchanges; correlation ids count up. */
export class Exchanges {
  private corr = 100;
  constructor(readonly d: Dissector, readonly conn: EmulatedConnection, readonly clientId = "rt-client") {}

  private encode(apiKey: number, version: number, response: boolean, json: unknown): Buffer {
    const e = this.d.encodeBody(apiKey, version, response, JSON.stringify(json));
    assert.ok(e.ok, `encoding api ${apiKey} v${version}: ${e.text}`);
    return e.bytes;
  }

  /** A Metadata v12 exchange naming `topics` with their ids, so the proxy learns them. */
  metadata(topics: TopicRef[]): void {
    const corr = this.corr++;
    const req = frame([requestHeader(METADATA, 12, corr, this.clientId), this.encode(METADATA, 12, false, { topics: null })]);
    assert.ok(this.conn.fromClient(req).equals(req), "Metadata request forwarded as it came");
    const resp = frame([responseHeader(METADATA, 12, corr), this.encode(METADATA, 12, true, {
      topics: topics.map((t) => ({ name: t.name, topicId: t.id.toString("base64url"), partitions: [] })) })]);
    assert.ok(this.conn.fromBroker(resp).equals(resp), "Metadata response forwarded as it came");
  }

  produceRequest(version: number, acks: number, topics: TopicSendAny[], corr: number): Buffer {
    return frame([requestHeader(PRODUCE, version, corr, this.clientId), this.encode(PRODUCE, version, false, {
      transactionalId: null, acks, timeoutMs: 1000,
      topicData: topics.map((t) => ({
        ...(version >= 13 ? { topicId: t.topic.id.toString("base64url") } : { name: t.topic.name }),
        partitionData: t.partitions.map((p) => ({ index: p.index, records: p.records === null ? null : p.records.toString("base64") })),
      })),
    })]);
  }

  /**
   * Sends a Produce; a broker that stores every partition it receives answers it with error 0 and
   * base offset 1000 + partition index (unless acks=0), and the client's answer is decoded.
   */
  produce(version: number, acks: number, topics: TopicSendAny[], sent?: (frame: Buffer) => void): ProduceOutcome {
    const corr = this.corr++;
    const req = this.produceRequest(version, acks, topics, corr);
    sent?.(req);
    const forwarded = this.conn.fromClient(req);
    const out: ProduceOutcome = { forwarded, brokerSaw: null, substituted: false, answer: null, answerFrame: null, brokerFrame: null };
    if (forwarded.length === 0) return out;
    assert.equal(forwarded.readInt32BE(4 + 4), corr, "the forwarded request keeps the correlation id");
    const apiKey = forwarded.readInt16BE(4);
    let response: Buffer;
    if (apiKey === API_VERSIONS) {
      out.substituted = true;
      response = frame([responseHeader(API_VERSIONS, 0, corr), Buffer.alloc(6)]); // error 0, no api keys
    } else {
      assert.equal(apiKey, PRODUCE);
      const body = forwarded.subarray(4 + this.d.requestHeaderLength(forwarded.subarray(4)));
      const decoded = this.d.decodeBody(PRODUCE, version, false, body);
      assert.ok(decoded.ok, `forwarded Produce v${version} decodes: ${decoded.text}`);
      out.brokerSaw = JSON.parse(decoded.text);
      if (acks === 0) return out;
      response = frame([responseHeader(PRODUCE, version, corr), this.encode(PRODUCE, version, true, {
        responses: out.brokerSaw.topicData.map((t: any) => ({
          ...(version >= 13 ? { topicId: t.topicId } : { name: t.name }),
          partitionResponses: t.partitionData.map((p: any) => ({ index: p.index, errorCode: 0, baseOffset: 1000 + p.index, ...(version >= 8 ? { errorMessage: null } : {}) })),
        })),
      })]);
    }
    out.brokerFrame = response;
    const answer = this.conn.fromBroker(response);
    out.answerFrame = answer;
    assert.equal(answer.readInt32BE(4), corr, "the answer keeps the correlation id");
    const decoded = this.d.decodeBody(PRODUCE, version, true, answer.subarray(4 + responseHeader(PRODUCE, version, corr).length));
    assert.ok(decoded.ok, `the Produce v${version} answer decodes: ${decoded.text}`);
    const json = JSON.parse(decoded.text);
    const map = new Map<string, PartitionAnswer[]>();
    for (const t of json.responses) {
      const key = topicKey(t);
      assert.ok(!map.has(key), `topic ${key} appears once in the answer`);
      map.set(key, t.partitionResponses.map((p: any) => ({ index: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset, errorMessage: p.errorMessage ?? null })));
    }
    out.answer = map;
    return out;
  }

  /** A Fetch request, then a response carrying `topics`' records; returns what the client got (frame and decoded). */
  fetch(version: number, topics: TopicSendAny[], sent?: (frame: Buffer) => void, deliver?: (frame: Buffer) => Buffer): { frame: Buffer; sentFrame: Buffer; json: any | null } {
    const corr = this.corr++;
    const req = frame([requestHeader(FETCH, version, corr, this.clientId), this.encode(FETCH, version, false, {})]);
    assert.ok(this.conn.fromClient(req).equals(req), "Fetch request forwarded as it came");
    const resp = frame([responseHeader(FETCH, version, corr), this.encode(FETCH, version, true, {
      responses: topics.map((t) => ({
        ...(version >= 13 ? { topicId: t.topic.id.toString("base64url") } : { topic: t.topic.name }),
        partitions: t.partitions.map((p) => ({ partitionIndex: p.index, errorCode: 0, highWatermark: 5000, records: p.records === null ? null : p.records.toString("base64") })),
      })),
    })]);
    sent?.(resp);
    const got = deliver ? deliver(resp) : this.conn.fromBroker(resp);
    if (got.length === 0) return { frame: got, sentFrame: resp, json: null };
    const decoded = this.d.decodeBody(FETCH, version, true, got.subarray(4 + responseHeader(FETCH, version, corr).length));
    assert.ok(decoded.ok, `the Fetch v${version} response decodes: ${decoded.text}`);
    return { frame: got, sentFrame: resp, json: JSON.parse(decoded.text) };
  }

  /**
   * A ShareFetch request, then a response carrying `topics`' records (named by id), each partition's
   * records acquired whole; returns what the share consumer got (frame and decoded).
   */
  shareFetch(version: number, topics: TopicSendAny[]): { frame: Buffer; sentFrame: Buffer; json: any | null } {
    const corr = this.corr++;
    const req = frame([requestHeader(SHARE_FETCH, version, corr, this.clientId), this.encode(SHARE_FETCH, version, false, { groupId: "share-group", memberId: "m1" })]);
    assert.ok(this.conn.fromClient(req).equals(req), "ShareFetch request forwarded as it came");
    const resp = frame([responseHeader(SHARE_FETCH, version, corr), this.encode(SHARE_FETCH, version, true, {
      responses: topics.map((t) => ({
        topicId: t.topic.id.toString("base64url"),
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.index, errorCode: 0, acknowledgeErrorCode: 0, currentLeader: { leaderId: 1, leaderEpoch: 0 },
          records: p.records === null ? null : p.records.toString("base64"),
          acquiredRecords: [{ firstOffset: 0, lastOffset: 1000, deliveryCount: 1 }],
        })),
      })),
      nodeEndpoints: [],
    })]);
    const got = this.conn.fromBroker(resp);
    if (got.length === 0) return { frame: got, sentFrame: resp, json: null };
    const decoded = this.d.decodeBody(SHARE_FETCH, version, true, got.subarray(4 + responseHeader(SHARE_FETCH, version, corr).length));
    assert.ok(decoded.ok, `the ShareFetch v${version} response decodes: ${decoded.text}`);
    return { frame: got, sentFrame: resp, json: JSON.parse(decoded.text) };
  }
}
