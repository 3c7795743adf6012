// Partitions of a produce the layer answers itself: emptied by drops (a success that stored
// nothing), refused by the plugin, or refused by a policy. They leave the request; their answers
// are merged into the broker's response, or make the whole response when nothing is left to send.
import { ProduceResponse, ProduceResponse_TopicProduceResponse, ProduceResponse_PartitionProduceResponse } from "../kafka/generated/messages/produce";

export class ProduceAnswers {
  readonly topics: Array<string> = [];
  readonly topicIds: Array<Uint8Array> = [];
  readonly partitions: Array<i32> = [];
  readonly errorCodes: Array<i16> = [];
  readonly messages: Array<string | null> = [];

  get length(): i32 { return this.partitions.length; }

  add(topic: string, topicId: Uint8Array, partition: i32, errorCode: i16, message: string | null): ProduceAnswers {
    this.topics.push(topic);
    this.topicIds.push(topicId);
    this.partitions.push(partition);
    this.errorCodes.push(errorCode);
    this.messages.push(message);
    return this;
  }

  /** Adds every answer to `resp`, under its topic entry (made when the broker's answer has none). */
  mergeInto(resp: ProduceResponse): void {
    for (let i = 0; i < this.partitions.length; i++) {
      let topic: ProduceResponse_TopicProduceResponse | null = null;
      for (let t = 0; t < resp.responses.length; t++) {
        const r = resp.responses[t];
        if (r.name == this.topics[i] && sameBytes(r.topicId, this.topicIds[i])) { topic = r; break; }
      }
      if (topic == null) {
        topic = new ProduceResponse_TopicProduceResponse();
        topic.name = this.topics[i];
        topic.topicId = this.topicIds[i];
        resp.responses.push(topic);
      }
      topic.partitionResponses.push(partitionAnswer(this.partitions[i], this.errorCodes[i], this.messages[i]));
    }
  }
}

/** A partition's produce answer that stored nothing: no offsets, `errorCode`, `message`. */
function partitionAnswer(index: i32, errorCode: i16, message: string | null): ProduceResponse_PartitionProduceResponse {
  const pr = new ProduceResponse_PartitionProduceResponse();
  pr.index = index;
  pr.errorCode = errorCode;
  pr.baseOffset = -1;
  pr.logAppendTimeMs = -1;
  pr.logStartOffset = -1;
  pr.errorMessage = message;
  return pr;
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.byteLength != b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] != b[i]) return false;
  return true;
}
