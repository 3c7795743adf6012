// Produce exchanges for emulator tests: a request frame and its response frame, their bodies
// built by our own encoder (the dissector, conformance-checked) from JSON.
import assert from "node:assert/strict";
import { Dissector } from "../../tools/dissector/dissector.js";

/** A topic in a Produce, by name (up to v12) or by id (v13+); partition i gets batches[i] and is answered errors[i]. */
export interface TopicSend { name?: string; id?: Buffer; batches: Buffer[]; errors: number[] }

function frame(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** One topic by name, one partition per batch, every partition acknowledged unless `errors` says otherwise. */
export function toTopic(name: string, batches: Buffer[], errors = batches.map(() => 0)): TopicSend[] {
  return [{ name, batches, errors }];
}

/**
 * A Produce exchange from `client` (request header v2, response header v1): v9 names topics,
 * v13 gives their ids. With acks=0 the response is built too, but a broker would not send it.
 */
export function produceExchange(d: Dissector, client: string, corr: number, topics: TopicSend[], opts: { version?: 9 | 13; acks?: number } = {}): { req: Buffer; resp: Buffer } {
  const version = opts.version ?? 9;
  const topicRef = (t: TopicSend) => (version >= 13 ? { topicId: t.id!.toString("base64url") } : { name: t.name });
  const req = d.encodeBody(0, version, false, JSON.stringify({ transactionalId: null, acks: opts.acks ?? -1, timeoutMs: 1000,
    topicData: topics.map((t) => ({ ...topicRef(t), partitionData: t.batches.map((b, i) => ({ index: i, records: b.toString("base64") })) })) }));
  const resp = d.encodeBody(0, version, true, JSON.stringify({ throttleTimeMs: 0,
    responses: topics.map((t) => ({ ...topicRef(t), partitionResponses: t.errors.map((e, i) => ({ index: i, errorCode: e, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null })) })) }));
  assert.ok(req.ok && resp.ok, req.text + resp.text);
  const header = Buffer.alloc(8);
  header.writeInt16BE(0, 0); header.writeInt16BE(version, 2); header.writeInt32BE(corr, 4);
  const id = Buffer.from(client);
  const idLen = Buffer.alloc(2); idLen.writeInt16BE(id.length);
  const corrBuf = Buffer.alloc(4); corrBuf.writeInt32BE(corr);
  return { req: frame([header, idLen, id, Buffer.from([0]), req.bytes]), resp: frame([corrBuf, Buffer.from([0]), resp.bytes]) };
}
