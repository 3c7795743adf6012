// What the record-layer streaming tests share: topics with ids, connections that know them, random
// sends over them, and the layer's counters.
import { PluginHost, EmulatedConnection } from "../../tools/testing/index.js";
import { Dissector } from "../../tools/dissector/dissector.js";
import { Exchanges, TopicRef, TopicSendAny } from "./record_frames.js";
import { Rnd, int, randomPartition, GenOptions } from "./record_gen.js";

/** A topic with a made-up id (Produce and Fetch v13 name topics by id). */
export function topicRef(name: string, n: number): TopicRef {
  return { name, id: Buffer.from(Array.from({ length: 16 }, (_, i) => (i * 31 + n * 7 + 1) & 0xff)) };
}

export const LOWER = topicRef("lowercase", 1), OTHER = topicRef("other", 2), THIRD = topicRef("third.topic", 3);
export const KNOWN = [LOWER, OTHER, THIRD];

/** One to three of the known topics, each with one to three partitions of records from `o`. */
export function randomSend(rnd: Rnd, o: GenOptions): TopicSendAny[] {
  const chosen = [...KNOWN].sort(() => rnd() - 0.5).slice(0, 1 + int(rnd, 3));
  return chosen.map((t) => ({ topic: t, partitions: Array.from({ length: 1 + int(rnd, 3) }, (_, index) => ({ index, records: randomPartition(rnd, o) })) }));
}

/** The record layer's counter `kafka_records.<plugin>.<suffix>` (0 when absent). */
export function layerCounter(host: PluginHost, suffix: string): number {
  const all = host.metricsByName();
  const key = Object.keys(all).find((k) => k.startsWith("kafka_records.") && k.endsWith("." + suffix));
  return key ? all[key] : 0;
}

/** A connection whose proxy has learned the known topics' ids from a Metadata exchange. */
export function knownConnection(host: PluginHost, d: Dissector): { conn: EmulatedConnection; ex: Exchanges } {
  const conn = host.connect();
  const ex = new Exchanges(d, conn);
  ex.metadata(KNOWN);
  return { conn, ex };
}
