// The records skimmer against the generated decoders and BatchIterator: random Fetch responses
// and Produce requests of every version, fed whole, byte by byte and in random pieces, must give
// the same partitions, error codes, batch bytes, record counts and first producer ids.
import {
  FetchResponse, FetchResponse_FetchableTopicResponse, FetchResponse_PartitionData, FetchResponse_AbortedTransaction,
  FetchResponse_EpochEndOffset,
} from "../../assembly/kafka/generated/messages/fetch";
import { Writer } from "../../assembly/kafka/wire/writer";
import { RecordsSkimmer, Skim, PartitionSkim, SkimKind } from "../../assembly/kafka/records_skimmer";
import { ProduceRequest, ProduceRequest_TopicProduceData, ProduceRequest_PartitionProduceData } from "../../assembly/kafka/generated/messages/produce";
import { Reader } from "../../assembly/kafka/wire/reader";
import { BatchIterator } from "../../assembly/kafka/records/record_batch";
import {
  ShareFetchResponse, ShareFetchResponse_ShareFetchableTopicResponse, ShareFetchResponse_PartitionData,
  ShareFetchResponse_AcquiredRecords, ShareFetchResponse_NodeEndpoint,
} from "../../assembly/kafka/generated/messages/share_fetch";

let seed: u32 = 12345;
function rnd(n: i32): i32 {
  // xorshift32: reproducible from the seed.
  seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
  return <i32>(seed % <u32>n);
}

/** A v2 batch of `size` bytes (at least 61) carrying `count` records; control when asked. */
function batch(size: i32, count: i32, control: bool): Uint8Array {
  const b = new Uint8Array(size);
  const p = b.dataStart;
  store<i32>(p + 8, bswap<i32>(size - 12));
  store<i8>(p + 16, 2);
  store<u16>(p + 21, bswap<u16>(control ? 0x30 : 0));
  store<i32>(p + 57, bswap<i32>(count));
  store<i64>(p + 43, bswap<i64>(<i64>rnd(3) - 1));
  store<i16>(p + 51, bswap<i16>(<i16>rnd(5)));
  store<i32>(p + 53, bswap<i32>(rnd(1000)));
  for (let i = 61; i < size; i++) store<u8>(p + i, <u8>rnd(256));
  return b;
}

/** Records: a few batches, sometimes a control batch, sometimes cut short, sometimes a legacy entry. */
function records(): Uint8Array | null {
  if (rnd(8) == 0) return null;
  const parts = new Array<Uint8Array>();
  const n = rnd(4);
  for (let i = 0; i < n; i++) {
    if (rnd(10) == 0) {
      // A legacy (magic 1) entry: counting stops here.
      const legacy = new Uint8Array(40);
      store<i32>(legacy.dataStart + 8, bswap<i32>(28));
      store<i8>(legacy.dataStart + 16, 1);
      parts.push(legacy);
      continue;
    }
    parts.push(batch(61 + rnd(300), rnd(20), rnd(6) == 0));
  }
  // A trailing partial batch, as brokers send at the fetch size.
  if (rnd(3) == 0) { const whole = batch(61 + rnd(300), 5, false); parts.push(whole.subarray(0, rnd(whole.length))); }
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i].length;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
  return out;
}

function response(version: i16): FetchResponse {
  const f = new FetchResponse();
  f.throttleTimeMs = rnd(100);
  f.errorCode = <i16>(rnd(5) == 0 ? 3 : 0);
  f.sessionId = rnd(1000);
  const topics = rnd(4);
  for (let t = 0; t < topics; t++) {
    const topic = new FetchResponse_FetchableTopicResponse();
    topic.topic = "topic-" + t.toString();
    topic.topicId = randomTopicId();
    const parts = rnd(4);
    for (let q = 0; q < parts; q++) {
      const p = new FetchResponse_PartitionData();
      p.partitionIndex = rnd(50);
      p.errorCode = <i16>(rnd(6) == 0 ? 6 : 0);
      p.highWatermark = rnd(10000);
      const aborted = new Array<FetchResponse_AbortedTransaction>();
      const na = rnd(3);
      for (let a = 0; a < na; a++) { const x = new FetchResponse_AbortedTransaction(); x.producerId = rnd(1000); x.firstOffset = rnd(1000); aborted.push(x); }
      p.abortedTransactions = rnd(5) == 0 ? null : aborted;
      if (rnd(3) == 0) { const e = new FetchResponse_EpochEndOffset(); e.epoch = 7; e.endOffset = 99; p.divergingEpoch = e; }
      p.records = records();
      topic.partitions.push(p);
    }
    f.responses.push(topic);
  }
  return f;
}

/** What BatchIterator says of a records field, in the skim's terms. */
function countBatches(recs: Uint8Array | null, e: PartitionSkim): void {
  e.recordsBytes = recs == null ? -1 : recs.byteLength;
  if (recs == null) return;
  const it = new BatchIterator(recs.buffer, recs.byteOffset, recs.byteLength);
  while (true) {
    const b = it.next();
    if (b == null) break;
    if (b.isControl) { e.controlBatches++; continue; }
    if (e.batchBytes == 0) { e.producerId = b.producerId; e.producerEpoch = b.producerEpoch; e.baseSequence = b.baseSequence; }
    e.batchBytes += b.size;
    if (b.recordCount > 0) e.records += b.recordCount;
  }
}

/** What the generated decoder and BatchIterator say, in the skim's terms. */
function expected(body: ArrayBuffer, version: i16): Skim {
  const f = FetchResponse.decodeFrom(new Reader(body), version);
  const s = new Skim();
  s.errorCode = f.errorCode;
  for (let t = 0; t < f.responses.length; t++) {
    for (let q = 0; q < f.responses[t].partitions.length; q++) {
      const p = f.responses[t].partitions[q];
      const e = new PartitionSkim();
      e.topic = version <= 12 ? f.responses[t].topic : "";
      e.topicIndex = t;
      e.partition = p.partitionIndex;
      e.errorCode = p.errorCode;
      countBatches(p.records, e);
      s.partitions.push(e);
    }
  }
  return s;
}

function same(a: Skim, b: Skim): bool {
  if (a.bad || b.bad || a.errorCode != b.errorCode || a.partitions.length != b.partitions.length) return false;
  for (let i = 0; i < a.partitions.length; i++) {
    const x = a.partitions[i], y = b.partitions[i];
    if (x.topic != y.topic || x.partition != y.partition || x.errorCode != y.errorCode || x.recordsBytes != y.recordsBytes) return false;
    if (x.batchBytes != y.batchBytes || x.records != y.records || x.controlBatches != y.controlBatches) return false;
    if (x.topicIndex != y.topicIndex || x.producerId != y.producerId || x.producerEpoch != y.producerEpoch || x.baseSequence != y.baseSequence) return false;
  }
  return true;
}

function skimIn(body: ArrayBuffer, version: i16, piece: i32, kind: SkimKind = SkimKind.FetchResponse): Skim {
  const s = new RecordsSkimmer(kind, version, false);
  for (let at = 0; at < body.byteLength; ) {
    const n = piece > 0 ? min(piece, body.byteLength - at) : 1 + rnd(min(400, body.byteLength - at));
    s.feed(body, at, n);
    at += n;
  }
  return s.finish();
}

/** The skim of `body` fed whole, byte by byte and in random pieces must each equal `want`. */
function expectSkimsAgree(body: ArrayBuffer, version: i16, kind: SkimKind, want: Skim): void {
  const v = version.toString();
  expect(same(skimIn(body, version, body.byteLength, kind), want)).toBe(true, "whole, v" + v);
  expect(same(skimIn(body, version, 1, kind), want)).toBe(true, "byte by byte, v" + v);
  expect(same(skimIn(body, version, 0, kind), want)).toBe(true, "random pieces, v" + v);
}

/** A random topic id. */
function randomTopicId(): Uint8Array {
  const id = new Uint8Array(16);
  for (let i = 0; i < 16; i++) id[i] = <u8>rnd(256);
  return id;
}

describe("RecordsSkimmer", () => {
  it("agrees with the decoder for every version, whole, byte by byte and in random pieces", () => {
    let checked = 0;
    for (let v: i16 = 0; v <= 17; v++) {
      for (let k = 0; k < 30; k++) {
        const f = response(v);
        const w = Writer.sized(f.size(v));
        f.encode(w, v);
        const want = expected(w.buffer, v);
        expectSkimsAgree(w.buffer, v, SkimKind.FetchResponse, want);
        checked++;
      }
    }
    expect(checked).toBe(18 * 30);
  });

  it("marks a body cut short, and garbage, as bad without trapping", () => {
    for (let v: i16 = 0; v <= 17; v++) {
      const f = response(v);
      const w = Writer.sized(f.size(v));
      f.encode(w, v);
      if (w.buffer.byteLength > 1) {
        const s = new RecordsSkimmer(SkimKind.FetchResponse, v, false);
        s.feed(w.buffer, 0, w.buffer.byteLength - 1);
        expect(s.finish().bad).toBe(true);
      }
      const junk = new ArrayBuffer(300);
      for (let i = 0; i < 300; i++) store<u8>(changetype<usize>(junk) + i, <u8>rnd(256));
      const g = new RecordsSkimmer(SkimKind.FetchResponse, v, true);
      g.feed(junk, 0, 300);
      g.finish();
    }
  });

  it("agrees with the decoder on Produce requests of every version, in any pieces", () => {
    for (let v: i16 = 0; v <= 13; v++) {
      for (let k = 0; k < 30; k++) {
        const p = new ProduceRequest();
        p.transactionalId = rnd(3) == 0 ? null : "tx-" + k.toString();
        p.acks = <i16>(rnd(3) - 1);
        p.timeoutMs = 1000;
        const topics = rnd(4);
        for (let t = 0; t < topics; t++) {
          const topic = new ProduceRequest_TopicProduceData();
          topic.name = "produced-" + t.toString();
          topic.topicId = randomTopicId();
          const n = rnd(3);
          for (let q = 0; q < n; q++) {
            const part = new ProduceRequest_PartitionProduceData();
            part.index = rnd(20);
            part.records = records();
            topic.partitionData.push(part);
          }
          p.topicData.push(topic);
        }
        const w = Writer.sized(p.size(v));
        p.encode(w, v);
        const want = produceExpected(w.buffer, v);
        expectSkimsAgree(w.buffer, v, SkimKind.ProduceRequest, want);
        expect(skimIn(w.buffer, v, 0, SkimKind.ProduceRequest).acks).toBe(p.acks);
      }
    }
  });

  it("agrees with the decoder on ShareFetch responses of every version, in any pieces", () => {
    for (let v: i16 = 0; v <= 2; v++) {
      for (let k = 0; k < 40; k++) {
        const f = shareResponse(v);
        const w = Writer.sized(f.size(v));
        f.encode(w, v);
        const want = shareExpected(w.buffer, v);
        expectSkimsAgree(w.buffer, v, SkimKind.ShareFetchResponse, want);
      }
    }
  });
});

function shareResponse(version: i16): ShareFetchResponse {
  const f = new ShareFetchResponse();
  f.throttleTimeMs = rnd(100);
  f.errorCode = <i16>(rnd(5) == 0 ? 3 : 0);
  f.errorMessage = rnd(3) == 0 ? "share fetch trouble" : null;
  f.acquisitionLockTimeoutMs = 30000;
  const topics = rnd(4);
  for (let t = 0; t < topics; t++) {
    const topic = new ShareFetchResponse_ShareFetchableTopicResponse();
    topic.topicId = randomTopicId();
    const parts = rnd(4);
    for (let q = 0; q < parts; q++) {
      const p = new ShareFetchResponse_PartitionData();
      p.partitionIndex = rnd(50);
      p.errorCode = <i16>(rnd(6) == 0 ? 6 : 0);
      p.errorMessage = rnd(4) == 0 ? "not the leader" : null;
      p.acknowledgeErrorCode = <i16>(rnd(5) == 0 ? 73 : 0);
      p.acknowledgeErrorMessage = rnd(5) == 0 ? "ack refused" : null;
      p.currentLeader.leaderId = rnd(3);
      p.currentLeader.leaderEpoch = rnd(9);
      const r = records();
      // Records are nullable in v0 only.
      p.records = r == null && version >= 1 ? new Uint8Array(0) : r;
      const acquired = rnd(3);
      for (let a = 0; a < acquired; a++) {
        const x = new ShareFetchResponse_AcquiredRecords();
        x.firstOffset = rnd(1000); x.lastOffset = x.firstOffset + rnd(50); x.deliveryCount = <i16>(1 + rnd(3));
        p.acquiredRecords.push(x);
      }
      topic.partitions.push(p);
    }
    f.responses.push(topic);
  }
  const nodes = rnd(3);
  for (let n = 0; n < nodes; n++) {
    const e = new ShareFetchResponse_NodeEndpoint();
    e.nodeId = n; e.host = "broker-" + n.toString(); e.port = 9092 + n; e.rack = rnd(2) == 0 ? null : "rack-a";
    f.nodeEndpoints.push(e);
  }
  return f;
}

/** What the generated decoder and BatchIterator say of a ShareFetch response, in the skim's terms. */
function shareExpected(body: ArrayBuffer, version: i16): Skim {
  const f = ShareFetchResponse.decodeFrom(new Reader(body), version);
  const s = new Skim();
  s.errorCode = f.errorCode;
  for (let t = 0; t < f.responses.length; t++) {
    for (let q = 0; q < f.responses[t].partitions.length; q++) {
      const p = f.responses[t].partitions[q];
      const e = new PartitionSkim();
      e.topicIndex = t;
      e.partition = p.partitionIndex;
      e.errorCode = p.errorCode;
      countBatches(p.records, e);
      s.partitions.push(e);
    }
  }
  return s;
}

/** What the generated decoder and BatchIterator say of a Produce request, in the skim's terms. */
function produceExpected(body: ArrayBuffer, version: i16): Skim {
  const p = ProduceRequest.decodeFrom(new Reader(body), version);
  const s = new Skim();
  for (let t = 0; t < p.topicData.length; t++) {
    for (let q = 0; q < p.topicData[t].partitionData.length; q++) {
      const d = p.topicData[t].partitionData[q];
      const e = new PartitionSkim();
      e.topic = version <= 12 ? p.topicData[t].name : "";
      e.topicIndex = t;
      e.partition = d.index;
      countBatches(d.records, e);
      s.partitions.push(e);
    }
  }
  return s;
}
