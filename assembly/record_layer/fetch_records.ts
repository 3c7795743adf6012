// A Fetch response through the transform: each partition's records given back as
// PartitionRecords decided. A partition the plugin rejects, or whose records a `reject` policy
// refuses, is answered with the error code and no records, as a broker answers a partition it
// cannot serve.
import { KafkaResponse } from "../stream/messages";
import { TopicNames, topicIdHex } from "../stream/topic_names";
import { Writer } from "../kafka/wire/writer";
import { checkDecoded } from "../kafka/decode_error";
import { FetchResponse, FetchResponse_PartitionData } from "../kafka/generated/messages/fetch";
import { PartitionRecords, Verdict } from "./partition_records";
import { RecordScope, RecordsPolicy } from "./scope";
import { DecompressionAllowance } from "./codecs";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";
import { UNKNOWN_TOPIC_ID } from "../kafka/error_codes";

export class FetchRecords {
  closeReason: string = "";
  unseenReason: string = "";

  constructor(readonly partitions: PartitionRecords, readonly names: TopicNames, readonly scope: RecordScope, readonly metrics: RecordMetrics) {}

  handle(resp: KafkaResponse, client: ClientInfo): void {
    this.closeReason = "";
    this.unseenReason = "";
    if (!resp.known) { this.unsupportedResponse("Fetch v" + resp.apiVersion.toString() + " is not known to the codec"); return; }
    const r = resp.body();
    const fetch = FetchResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "FetchResponse", resp.apiVersion);
    if (err != null) { this.unsupportedResponse(err.toString()); return; }
    const scope = this.scope;
    const pr = this.partitions;
    pr.fetched = true;
    pr.cutPartialTail = scope.seeEveryRecord;
    pr.allowance = new DecompressionAllowance(scope.maxDecompressedBytes);
    const rec = pr.record;
    rec.fetched = true;
    rec.client = client;
    let patched = false;
    let rewritten = false;
    for (let t = 0; t < fetch.responses.length; t++) {
      const topic = fetch.responses[t];
      const name = this.names.nameOf(topic.topic, topic.topicId);
      if (name.length == 0) {
        this.metrics.unknownTopics.increment(<u64>topic.partitions.length);
        pr.transform.onUnsupported("", -1, "topic id " + topicIdHex(topic.topicId) + " is not known yet");
        const policy = scope.onUnknownTopic;
        if (policy == RecordsPolicy.Close) { this.closeReason = "a fetch response names topic id " + topicIdHex(topic.topicId) + ", which no Metadata response named"; return; }
        if (policy == RecordsPolicy.Passthrough) { this.passedUnseen("topic id " + topicIdHex(topic.topicId) + " is not known", topic.partitions.length); continue; }
        // The consumer refreshes its metadata (through the proxy, which learns the name) and fetches again.
        for (let q = 0; q < topic.partitions.length; q++) refuse(topic.partitions[q], UNKNOWN_TOPIC_ID);
        rewritten = true;
        continue;
      }
      if (!pr.transform.wantsTopic(name, true)) continue;
      rec.topic = name;
      for (let q = 0; q < topic.partitions.length; q++) {
        const p = topic.partitions[q];
        const records = p.records;
        if (records == null || records.byteLength == 0) continue;
        rec.partition = p.partitionIndex;
        const result = pr.process(records);
        pr.transform.endPartition(name, p.partitionIndex, true);
        const verdict = result.verdict;
        if (verdict == Verdict.Unchanged) {
          if (result.patched) patched = true;
        } else if (verdict == Verdict.Replaced) {
          p.records = result.replacement;
          rewritten = true;
        } else if (verdict == Verdict.Rejected) {
          refuse(p, result.errorCode);
          rewritten = true;
        } else {
          const policy = scope.onUnsupported;
          const why = "topic " + name + " partition " + p.partitionIndex.toString() + ": " + result.message;
          pr.transform.onUnsupported(name, p.partitionIndex, result.message);
          if (policy == RecordsPolicy.Close) { this.closeReason = why; return; }
          if (policy == RecordsPolicy.Passthrough) { this.passedUnseen(why); if (result.patched) patched = true; continue; }
          refuse(p, result.errorCode);
          rewritten = true;
        }
      }
    }
    if (rewritten) {
      const w = Writer.sized(fetch.size(resp.apiVersion));
      fetch.encode(w, resp.apiVersion);
      resp.replaceBody(w.buffer);
    } else if (patched) {
      resp.markPatched();
    }
  }

  private passedUnseen(why: string, partitions: i32 = 1): void {
    this.metrics.passedUnseen.increment(<u64>partitions);
    if (this.unseenReason.length == 0) this.unseenReason = why;
  }

  private unsupportedResponse(why: string): void {
    this.metrics.unsupported.increment();
    this.partitions.transform.onUnsupported("", -1, why);
    if (this.scope.onUnsupported == RecordsPolicy.Passthrough) this.passedUnseen(why);
    else this.closeReason = why;
  }
}

/** The partition answered with `code` and no records. */
function refuse(p: FetchResponse_PartitionData, code: i16): void {
  p.errorCode = code;
  p.records = new Uint8Array(0);
}
