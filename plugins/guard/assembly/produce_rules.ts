// The produce rules. acks is the request's: a request with too few acks is refused whole, every
// partition answered INVALID_REQUIRED_ACKS, as the broker answers acks it does not accept (an
// acks=0 request has no answer to carry the error, so its connection is closed, as the broker
// closes it when an acks=0 produce fails). The others are per partition, read from the record
// batches' headers; a refused partition is answered through the record layer (Record.reject),
// which takes it out of the request and merges the answer into the broker's response:
//   compression   UNSUPPORTED_COMPRESSION_TYPE  (a codec the cluster does not take)
//   idempotence   INVALID_RECORD                (a batch with no producer id)
//   batch size    MESSAGE_TOO_LARGE             (as the broker answers a batch above max.message.bytes:
//                                                the Java producer splits the batch and sends it again)
//   record size   MESSAGE_TOO_LARGE             (checked per record, in the record walk)
import {
  KafkaRequest, Writer, checkDecoded, readProduceAcks, Refusal, TopicNames, BatchIterator, BatchError, RecordTransform, Record,
  ProduceRequest, ProduceResponse, ProduceResponse_TopicProduceResponse, ProduceResponse_PartitionProduceResponse,
  INVALID_REQUIRED_ACKS, UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD, MESSAGE_TOO_LARGE,
} from "../../../assembly/index";
import { ProduceRules, NO_ACKS_RULE, CODECS } from "./config";

/** The refusals of one produce, per partition ("topic/partition"). */
export class PartitionRefusals {
  readonly byKey: Map<string, Refusal> = new Map();
  readonly keys: Array<string> = [];
  add(key: string, r: Refusal): void {
    if (this.byKey.has(key)) return;
    this.byKey.set(key, r);
    this.keys.push(key);
  }
}

export function partitionKey(topic: string, partition: i32): string { return topic + "/" + partition.toString(); }

function acksText(a: i16): string { return a == -1 ? "all" : a.toString(); }

/** Orders acks by strength: 0 < 1 < all (-1). */
function acksRank(a: i16): i32 { return a == -1 ? 2 : a == 1 ? 1 : a == 0 ? 0 : -1; }

/** The acks refusal, or null. A rule is a minimum: with acks=1 required, all passes too. */
export function acksRefusal(p: ProduceRules, req: KafkaRequest): Refusal | null {
  if (p.acks == NO_ACKS_RULE) return null;
  return acksValueRefusal(p, readProduceAcks(req.body(), req.apiVersion));
}

/** As acksRefusal, for the acks already read (i16.MIN_VALUE: unreadable, left to the broker). */
export function acksValueRefusal(p: ProduceRules, acks: i16): Refusal | null {
  if (p.acks == NO_ACKS_RULE) return null;
  if (acks == i16.MIN_VALUE || acksRank(acks) >= acksRank(p.acks)) return null;
  return new Refusal(INVALID_REQUIRED_ACKS, "produce.acks", "Produce with acks=" + acksText(acks) + " breaks rule produce.acks: acks=" + acksText(p.acks) + " is required");
}

/** The answer to a produce refused whole: every partition gets the refusal. "" body: unreadable. */
export function refuseWhole(req: KafkaRequest, refusal: Refusal): ArrayBuffer | null {
  const r = req.body();
  const v = req.apiVersion;
  const produce = ProduceRequest.decodeFrom(r, v);
  if (checkDecoded(r, "ProduceRequest", v) != null) return null;
  const resp = new ProduceResponse();
  for (let i = 0; i < produce.topicData.length; i++) {
    const t = produce.topicData[i];
    const out = new ProduceResponse_TopicProduceResponse();
    out.name = t.name;
    if (v >= 13) out.topicId = t.topicId;
    for (let j = 0; j < t.partitionData.length; j++) {
      const p = new ProduceResponse_PartitionProduceResponse();
      p.index = t.partitionData[j].index;
      p.errorCode = refusal.code;
      p.errorMessage = refusal.message;
      p.baseOffset = -1;
      out.partitionResponses.push(p);
    }
    resp.responses.push(out);
  }
  const w = Writer.sized(resp.size(v));
  resp.encode(w, v);
  return w.buffer;
}

/**
 * Reads every partition's batch headers and notes the partitions that break a rule. Returns ""
 * or why the request could not be read.
 */
export function checkBatches(req: KafkaRequest, p: ProduceRules, names: TopicNames, out: PartitionRefusals): string {
  const r = req.body();
  const v = req.apiVersion;
  const produce = ProduceRequest.decodeFrom(r, v);
  const err = checkDecoded(r, "ProduceRequest", v);
  if (err != null) return err.toString();
  for (let i = 0; i < produce.topicData.length; i++) {
    const t = produce.topicData[i];
    // v13 names topics by id; an id the proxy has not learnt is the record layer's to refuse.
    const topic = v >= 13 ? names.nameOf(null, t.topicId) : t.name;
    if (topic.length == 0) continue;
    for (let j = 0; j < t.partitionData.length; j++) {
      const part = t.partitionData[j];
      const records = part.records;
      if (records == null) continue;
      const refusal = batchRefusal(p, topic, part.index, records);
      if (refusal != null) out.add(partitionKey(topic, part.index), refusal);
    }
  }
  return "";
}

function batchRefusal(p: ProduceRules, topic: string, partition: i32, records: Uint8Array): Refusal | null {
  const where = "Produce to " + topic + "-" + partition.toString();
  const it = new BatchIterator(records.buffer, records.byteOffset, records.byteLength);
  while (true) {
    const b = it.next();
    if (b == null) break;
    const size = b.size;
    if (p.maxBatchBytes > 0 && size > p.maxBatchBytes) {
      return new Refusal(MESSAGE_TOO_LARGE, "produce.max_batch_bytes", where + " breaks rule produce.max_batch_bytes: a batch of " + size.toString() + " bytes is above the maximum of " + p.maxBatchBytes.toString());
    }
    const codes = p.compression;
    if (codes != null && !codes.includes(<i32>b.compression)) {
      const codec = <i32>b.compression < CODECS.length ? CODECS[<i32>b.compression] : "codec " + (<i32>b.compression).toString();
      return new Refusal(UNSUPPORTED_COMPRESSION_TYPE, "produce.compression", where + " breaks rule produce.compression: " + codec + " is not allowed (allowed: " + allowedCodecs(codes) + ")");
    }
    if (p.idempotenceRequired && b.producerId < 0) {
      return new Refusal(INVALID_RECORD, "produce.idempotence_required", where + " breaks rule produce.idempotence_required: the batch has no producer id (enable.idempotence=true is required)");
    }
  }
  if (it.error == BatchError.NotV2 && (p.compression != null || p.idempotenceRequired || p.maxBatchBytes > 0)) {
    // Legacy message sets (magic 0 and 1, produce v0-2) carry no producer id; Kafka 4 brokers refuse them anyway.
    return new Refusal(INVALID_RECORD, p.idempotenceRequired ? "produce.idempotence_required" : "produce.legacy", where + " uses a legacy message format, which the produce rules do not accept");
  }
  return null;
}

function allowedCodecs(codes: Array<i32>): string {
  const names = new Array<string>();
  for (let i = 0; i < codes.length; i++) names.push(CODECS[codes[i]]);
  return names.join(", ");
}

/**
 * guard's record transform: rejects the partitions checkBatches refused (the connection hands
 * them over just before the record layer walks the request) and records above max_record_bytes.
 * One transform serves every connection of the VM, and a request is walked synchronously, so
 * `current` is the refusals of the request being walked.
 */
export class GuardTransform extends RecordTransform {
  rules: ProduceRules = new ProduceRules();
  current: PartitionRefusals | null = null;

  constructor() {
    super();
    this.editsInPlace = false; // it only refuses: no CRC check before it sees each batch
  }

  onRecord(record: Record): void {
    const current = this.current;
    if (current != null) {
      const key = partitionKey(record.topic, record.partition);
      if (current.byKey.has(key)) {
        const refusal = current.byKey.get(key);
        record.reject(refusal.code, refusal.message);
        return;
      }
    }
    const max = this.rules.maxRecordBytes;
    if (max <= 0) return;
    const size = recordSize(record);
    if (size <= max) return;
    const refusal = new Refusal(MESSAGE_TOO_LARGE, "produce.max_record_bytes", "Produce to " + record.topic + "-" + record.partition.toString() +
      " breaks rule produce.max_record_bytes: a record of " + size.toString() + " bytes (key, value and headers) is above the maximum of " + max.toString());
    if (current != null) current.add(partitionKey(record.topic, record.partition), refusal);
    record.reject(refusal.code, refusal.message);
  }
}

function recordSize(r: Record): i32 {
  let n = 0;
  const k = r.key, v = r.value;
  if (k != null) n += k.length;
  if (v != null) n += v.length;
  for (let i = 0; i < r.headerKeyBytes.length; i++) n += r.headerKeyBytes[i].length;
  for (let i = 0; i < r.headerValues.length; i++) { const h = r.headerValues[i]; if (h != null) n += h.length; }
  return n;
}
