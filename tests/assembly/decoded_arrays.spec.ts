// Arrays a decoder makes: empty ones share a static empty buffer (wire/empty_arrays.ts), and
// elements are stored without bounds checks (wire/array_store.ts). Both must still behave as
// ordinary, independent arrays.
import { Reader } from "../../assembly/kafka/wire/reader";
import { Writer } from "../../assembly/kafka/wire/writer";
import { MetadataResponse, MetadataResponse_MetadataResponseBroker } from "../../assembly/kafka/generated/messages/metadata";

function encoded(m: MetadataResponse, version: i16): ArrayBuffer {
  const w = Writer.sized(m.size(version));
  m.encode(w, version);
  return w.buffer;
}

function broker(id: i32): MetadataResponse_MetadataResponseBroker {
  const b = new MetadataResponse_MetadataResponseBroker();
  b.nodeId = id;
  b.host = "broker-" + id.toString();
  b.port = 9092;
  return b;
}

describe("decoded arrays", () => {
  it("an empty decoded array grows like any other, and alone", () => {
    const bytes = encoded(new MetadataResponse(), 12); // no brokers, no topics
    const a = MetadataResponse.decodeFrom(new Reader(bytes), 12);
    const b = MetadataResponse.decodeFrom(new Reader(bytes), 12);
    expect(a.brokers.length).toBe(0);
    expect(a.brokers.dataStart < __heap_base).toBe(true); // the shared static empty buffer
    a.brokers.push(broker(7));
    expect(a.brokers.dataStart >= __heap_base).toBe(true); // the first push moved it into the heap
    a.brokers.push(broker(8));
    expect(a.brokers.length).toBe(2);
    expect(b.brokers.length).toBe(0); // the other decoded empty array did not change
    expect(a.topics.length).toBe(0);
    const again = MetadataResponse.decodeFrom(new Reader(encoded(a, 12)), 12);
    expect(again.brokers.length).toBe(2);
    expect(again.brokers[0].nodeId).toBe(7);
    expect(again.brokers[1].host).toBe("broker-8");
  });

  it("elements come back in order, and the array can still grow", () => {
    const m = new MetadataResponse();
    for (let i = 0; i < 5; i++) m.brokers.push(broker(i));
    const d = MetadataResponse.decodeFrom(new Reader(encoded(m, 12)), 12);
    expect(d.brokers.length).toBe(5);
    for (let i = 0; i < 5; i++) expect(d.brokers[i].nodeId).toBe(i);
    d.brokers.push(broker(5));
    expect(d.brokers.length).toBe(6);
    expect(d.brokers[5].nodeId).toBe(5);
    expect(d.brokers[4].nodeId).toBe(4);
  });
});
