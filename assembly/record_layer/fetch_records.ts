// A Fetch (or ShareFetch) response through the transform: each partition's records given back as
// PartitionRecords decided. A partition the plugin rejects, or whose records a `reject` policy
// refuses, is answered with the error code and no records, as a broker answers a partition it
// cannot serve.
//
// ShareFetch (share groups, KIP-932) carries the same records fields, topics named by id only:
// the records a share consumer acquires are scanned as a consumer's are. A dropped record leaves
// an offset gap, which share consumers acknowledge as a gap, as they do in a compacted topic.
import { KafkaResponse } from "../stream/messages";
import { TopicNames, topicIdHex } from "../stream/topic_names";
import { Writer } from "../kafka/wire/writer";
import { checkDecoded } from "../kafka/decode_error";
import { FetchResponse } from "../kafka/generated/messages/fetch";
import { ShareFetchResponse, ShareFetchResponse_PartitionData } from "../kafka/generated/messages/share_fetch";
import { PartitionRecords, Verdict, spoiledWhy, closesFor } from "./partition_records";
import { RecordScope, RecordsPolicy } from "./scope";
import { DecompressionAllowance } from "./codecs";
import { ClientInfo } from "./client_info";
import { RecordMetrics } from "./record_metrics";
import { UNKNOWN_TOPIC_ID } from "../kafka/error_codes";

const NO_NAME: string = "";

export class FetchRecords {
  closeReason: string = "";
  unseenReason: string = "";
  /** The response must be written again (a partition refused or its records replaced). */
  private rewritten: bool = false;
  /** Bytes of the frame were edited in place. */
  private patched: bool = false;

  /** What this connection's held responses may decompress, started over for each. */
  private readonly allowance: DecompressionAllowance;

  constructor(readonly partitions: PartitionRecords, readonly names: TopicNames, readonly scope: RecordScope, readonly metrics: RecordMetrics) {
    this.allowance = new DecompressionAllowance(scope.maxDecompressedBytes);
  }

  handle(resp: KafkaResponse, client: ClientInfo): void {
    if (!this.begin(resp, "Fetch", client)) return;
    const r = resp.body();
    const fetch = FetchResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "FetchResponse", resp.apiVersion);
    if (err != null) { this.unsupportedResponse(err.toString()); return; }
    for (let t = 0; t < fetch.responses.length; t++) {
      const topic = fetch.responses[t];
      if (!this.topic(topic, this.names.nameOf(topic.topic, topic.topicId))) return;
    }
    this.writeBack(fetch, resp);
  }

  handleShare(resp: KafkaResponse, client: ClientInfo): void {
    if (!this.begin(resp, "ShareFetch", client)) return;
    const r = resp.body();
    const share = ShareFetchResponse.decodeFrom(r, resp.apiVersion);
    const err = checkDecoded(r, "ShareFetchResponse", resp.apiVersion);
    if (err != null) { this.unsupportedResponse(err.toString()); return; }
    for (let t = 0; t < share.responses.length; t++) {
      const topic = share.responses[t];
      if (!this.topic(topic, this.names.nameOf(NO_NAME, topic.topicId))) return;
    }
    this.writeBack(share, resp);
  }

  /** The decoded response (Fetch or ShareFetch) written again when a partition changed, or the frame marked as patched in place. */
  private writeBack<M>(message: M, resp: KafkaResponse): void {
    if (this.rewritten) {
      const w = Writer.sized(message.size(resp.apiVersion));
      message.encode(w, resp.apiVersion);
      resp.replaceBody(w.buffer);
    } else if (this.patched) {
      resp.markPatched();
    }
  }

  /** Readies the layer for one response; false when the codec does not know its version (the policy applied). */
  private begin(resp: KafkaResponse, api: string, client: ClientInfo): bool {
    this.closeReason = "";
    this.unseenReason = "";
    this.rewritten = false;
    this.patched = false;
    if (!resp.known) { this.unsupportedResponse(api + " v" + resp.apiVersion.toString() + " is not known to the codec"); return false; }
    const pr = this.partitions;
    pr.fetched = true;
    pr.cutPartialTail = this.scope.seeEveryRecord;
    pr.allowance = this.allowance.reset();
    pr.record.fetched = true;
    pr.record.client = client;
    return true;
  }

  /** One topic's partitions (a Fetch or ShareFetch topic entry); false when the connection must close. */
  private topic<T>(topic: T, name: string): bool {
    const pr = this.partitions;
    const scope = this.scope;
    if (name.length == 0) {
      this.metrics.unknownTopics.increment(<u64>topic.partitions.length);
      pr.transform.onUnsupported("", -1, "topic id " + topicIdHex(topic.topicId) + " is not known yet");
      const policy = scope.onUnknownTopic;
      if (policy == RecordsPolicy.Close) { this.closeReason = "a fetch response names topic id " + topicIdHex(topic.topicId) + ", which no Metadata response named"; return false; }
      if (policy == RecordsPolicy.Passthrough) { this.passedUnseen("topic id " + topicIdHex(topic.topicId) + " is not known", topic.partitions.length); return true; }
      // The consumer refreshes its metadata (through the proxy, which learns the name) and fetches again.
      for (let q = 0; q < topic.partitions.length; q++) refuse(topic.partitions[q], UNKNOWN_TOPIC_ID);
      this.rewritten = true;
      return true;
    }
    if (!pr.transform.wantsTopic(name, true)) return true;
    pr.record.topic = name;
    for (let q = 0; q < topic.partitions.length; q++) {
      const p = topic.partitions[q];
      const records = p.records;
      if (records == null || records.byteLength == 0) continue;
      pr.record.partition = p.partitionIndex;
      const result = pr.process(records);
      pr.transform.endPartition(name, p.partitionIndex, true);
      const verdict = result.verdict;
      if (verdict == Verdict.Unchanged) {
        if (result.patched) this.patched = true;
      } else if (verdict == Verdict.Replaced) {
        p.records = result.replacement;
        this.rewritten = true;
      } else if (verdict == Verdict.Rejected) {
        refuse(p, result.errorCode);
        this.rewritten = true;
      } else {
        const policy = scope.onUnsupported;
        const why = "topic " + name + " partition " + p.partitionIndex.toString() + ": " + result.message;
        pr.transform.onUnsupported(name, p.partitionIndex, result.message);
        if (closesFor(policy, result)) { this.closeReason = spoiledWhy(why, result); return false; }
        if (policy == RecordsPolicy.Passthrough) { this.passedUnseen(why); if (result.patched) this.patched = true; continue; }
        refuse(p, result.errorCode);
        this.rewritten = true;
      }
    }
    return true;
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

/**
 * The partition (of a Fetch or ShareFetch response) answered with `code` and no records. A
 * ShareFetch partition loses its acquired ranges too: a broker never sends them beside an error,
 * and the records they name are not delivered (their acquisition lock runs out, as for a consumer
 * that never received them).
 */
function refuse<P>(p: P, code: i16): void {
  p.errorCode = code;
  p.records = new Uint8Array(0);
  if (p instanceof ShareFetchResponse_PartitionData) p.acquiredRecords.length = 0;
}
