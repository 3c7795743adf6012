// Produce exchanges for emulator tests: a request frame and its response frame, built by the
// test kit's codec (the dissector, conformance-checked) from plain objects.
import { Dissector } from "../../tools/dissector/dissector.js";
import { KafkaCodec } from "../../tools/testing/kafka.js";

/** A topic in a Produce, by name (up to v12) or by id (v13+); partition i gets batches[i] and is answered errors[i]. */
export interface TopicSend { name?: string; id?: Buffer; batches: Buffer[]; errors: number[] }

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
  const codec = KafkaCodec.of(d);
  const topicRef = (t: TopicSend) => (version >= 13 ? { topicId: t.id! } : { name: t.name });
  const req = codec.request("Produce", version, { transactionalId: null, acks: opts.acks ?? -1, timeoutMs: 1000,
    topicData: topics.map((t) => ({ ...topicRef(t), partitionData: t.batches.map((b, i) => ({ index: i, records: b })) })) }, { correlationId: corr, clientId: client });
  const resp = codec.response("Produce", version, corr, { throttleTimeMs: 0,
    responses: topics.map((t) => ({ ...topicRef(t), partitionResponses: t.errors.map((e, i) => ({ index: i, errorCode: e, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null })) })) });
  return { req, resp };
}
