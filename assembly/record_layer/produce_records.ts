// A Produce request through the transform: topic by topic, partition by partition, each
// partition's records given back as PartitionRecords decided. Partitions that leave the request
// (emptied, rejected, refused by a policy) are answered by the layer; when nothing is left to
// send, the layer answers the whole request and the broker never sees it.
import { KafkaRequest } from "../stream/messages";
import { TopicNames, topicIdHex } from "../stream/topic_names";
import { Writer } from "../kafka/wire/writer";
import { checkDecoded } from "../kafka/decode_error";
import { ProduceRequest, ProduceRequest_TopicProduceData, ProduceRequest_PartitionProduceData, ProduceResponse } from "../kafka/generated/messages/produce";
import { PartitionRecords, Verdict, spoiledWhy, closesFor } from "./partition_records";
import { ProduceAnswers } from "./produce_answers";
import { RecordScope, RecordsPolicy } from "./scope";
import { DecompressionAllowance } from "./codecs";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";
import { NONE, UNKNOWN_TOPIC_ID } from "../kafka/error_codes";

export class ProduceRecords {
  /** Set when the connection must be closed (a `close` policy): why. Nothing of the request is forwarded then. */
  closeReason: string = "";
  /** Non-empty when a partition went on unseen (a `passthrough` policy): why, for the log. */
  unseenReason: string = "";

  /** What this connection's held requests may decompress, started over for each. */
  private readonly allowance: DecompressionAllowance;

  constructor(readonly partitions: PartitionRecords, readonly names: TopicNames, readonly scope: RecordScope, readonly metrics: RecordMetrics) {
    this.allowance = new DecompressionAllowance(scope.maxDecompressedBytes);
  }

  /** Runs the transform over `req` and sets what is to be forwarded. `answers` collects what the layer answers itself. */
  handle(req: KafkaRequest, client: ClientInfo): ProduceAnswers | null {
    this.closeReason = "";
    this.unseenReason = "";
    if (!req.known) return this.unsupportedRequest(req, "Produce v" + req.apiVersion.toString() + " is not known to the codec");
    const r = req.body();
    const produce = ProduceRequest.decodeFrom(r, req.apiVersion);
    const err = checkDecoded(r, "ProduceRequest", req.apiVersion);
    if (err != null) return this.unsupportedRequest(req, err.toString());
    const scope = this.scope;
    const pr = this.partitions;
    pr.fetched = false;
    pr.cutPartialTail = false;
    pr.allowance = this.allowance.reset();
    const rec = pr.record;
    rec.fetched = false;
    rec.client = client;
    // What the layer answers itself, made when the first partition is answered (most requests have none).
    let answers: ProduceAnswers | null = null;
    let patched = false;
    let rewritten = false;
    // The topics and partitions that stay in the request. Most requests keep all of them: the
    // lists are made only once one leaves (`null`: all so far stay).
    const topics = produce.topicData;
    let keptTopics: Array<ProduceRequest_TopicProduceData> | null = null;
    for (let t = 0; t < topics.length; t++) {
      const topic = topics[t];
      const name = this.names.nameOf(topic.name, topic.topicId);
      if (name.length == 0) {
        this.metrics.unknownTopics.increment(<u64>topic.partitionData.length);
        pr.transform.onUnsupported("", -1, "topic id " + topicIdHex(topic.topicId) + " is not known yet");
        const policy = scope.onUnknownTopic;
        if (policy == RecordsPolicy.Close) return this.close(req, "a produce names topic id " + topicIdHex(topic.topicId) + ", which no Metadata response named");
        if (policy == RecordsPolicy.Passthrough) { this.passedUnseen("topic id " + topicIdHex(topic.topicId) + " is not known", topic.partitionData.length); if (keptTopics != null) keptTopics.push(topic); continue; }
        for (let q = 0; q < topic.partitionData.length; q++) {
          answers = answered(answers).add(topic.name, topic.topicId, topic.partitionData[q].index, UNKNOWN_TOPIC_ID, "the proxy has not yet seen this topic id in a Metadata response");
        }
        if (keptTopics == null) keptTopics = topics.slice(0, t);
        continue;
      }
      if (!this.wantsTopic(name)) { if (keptTopics != null) keptTopics.push(topic); continue; }
      rec.topic = name;
      const partitions = topic.partitionData;
      let kept: Array<ProduceRequest_PartitionProduceData> | null = null;
      for (let q = 0; q < partitions.length; q++) {
        const p = partitions[q];
        const records = p.records;
        if (records == null || records.byteLength == 0) { if (kept != null) kept.push(p); continue; }
        rec.partition = p.index;
        const result = pr.process(records);
        pr.transform.endPartition(name, p.index, false);
        const verdict = result.verdict;
        let stays = true;
        if (verdict == Verdict.Unchanged) {
          if (result.patched) patched = true;
        } else if (verdict == Verdict.Replaced) {
          p.records = result.replacement;
          rewritten = true;
        } else if (verdict == Verdict.Emptied) {
          answers = answered(answers).add(topic.name, topic.topicId, p.index, NONE, null);
          stays = false;
        } else if (verdict == Verdict.Rejected) {
          answers = answered(answers).add(topic.name, topic.topicId, p.index, result.errorCode, result.message);
          stays = false;
        } else {
          const policy = scope.onUnsupported;
          const why = "topic " + name + " partition " + p.index.toString() + ": " + result.message;
          pr.transform.onUnsupported(name, p.index, result.message);
          if (closesFor(policy, result)) return this.close(req, spoiledWhy(why, result));
          if (policy == RecordsPolicy.Passthrough) {
            this.passedUnseen(why);
            if (result.patched) patched = true;
          } else {
            answers = answered(answers).add(topic.name, topic.topicId, p.index, result.errorCode, "refused by the proxy: " + result.message);
            stays = false;
          }
        }
        if (stays) { if (kept != null) kept.push(p); }
        else if (kept == null) kept = partitions.slice(0, q);
      }
      if (kept != null) topic.partitionData = kept;
      if (topic.partitionData.length > 0) { if (keptTopics != null) keptTopics.push(topic); }
      else if (keptTopics == null) keptTopics = topics.slice(0, t);
    }
    if (answers != null) {
      const left = keptTopics == null ? topics : keptTopics;
      if (left.length == 0) {
        // Nothing left for the broker: the layer answers (acks=0: nothing to answer, nothing sent).
        const resp = new ProduceResponse();
        answers.mergeInto(resp);
        const w = Writer.sized(resp.size(req.apiVersion));
        resp.encode(w, req.apiVersion);
        req.respond(w.buffer);
        return null;
      }
      produce.topicData = left;
      rewritten = true;
    }
    if (rewritten) {
      // Lengths changed: the body is encoded again (the header is kept).
      const w = Writer.sized(produce.size(req.apiVersion));
      produce.encode(w, req.apiVersion);
      req.replaceBody(w.buffer);
    } else if (patched) {
      req.markPatched();
    }
    return answers != null && req.expectsResponse ? answers : null;
  }

  private wantsTopic(name: string): bool { return this.partitions.transform.wantsTopic(name, false); }

  private passedUnseen(why: string, partitions: i32 = 1): void {
    this.metrics.passedUnseen.increment(<u64>partitions);
    if (this.unseenReason.length == 0) this.unseenReason = why;
  }

  private close(req: KafkaRequest, why: string): ProduceAnswers | null {
    req.drop();
    this.closeReason = why;
    return null;
  }

  /** A request the layer cannot read at all: `reject` cannot name its partitions, so it closes too. */
  private unsupportedRequest(req: KafkaRequest, why: string): ProduceAnswers | null {
    this.metrics.unsupported.increment();
    this.partitions.transform.onUnsupported("", -1, why);
    if (this.scope.onUnsupported == RecordsPolicy.Passthrough) { this.passedUnseen(why); return null; }
    return this.close(req, why);
  }
}

/** `answers`, or a new ProduceAnswers when there are none yet. */
function answered(answers: ProduceAnswers | null): ProduceAnswers {
  return answers != null ? answers : new ProduceAnswers();
}
