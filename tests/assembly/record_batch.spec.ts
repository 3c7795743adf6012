import { RecordBatch, RecordReader, BatchRecord, BatchIterator, BatchError, Compression, BATCH_HEADER } from "../../assembly/kafka/records/record_batch";
import { Writer } from "../../assembly/kafka/wire/writer";

/** Builds a v2 batch with the given values (no key, one header) and a correct CRC. */
function batch(values: string[]): ArrayBuffer {
  const recs = new Array<ArrayBuffer>();
  let recBytes = 0;
  for (let i = 0; i < values.length; i++) {
    const v = String.UTF8.encode(values[i]);
    const body = Writer.sized(1 + 1 + 1 + 1 + 5 + v.byteLength + 1 + 1 + 1 + 1 + 1);
    body.int8(0); body.varlong(0); body.varint(i); body.varint(-1);
    body.varint(v.byteLength); body.raw(Uint8Array.wrap(v));
    body.varint(1); body.varint(1); body.raw(Uint8Array.wrap(String.UTF8.encode("h"))); body.varint(1); body.raw(Uint8Array.wrap(String.UTF8.encode("x")));
    const used = body.pos;
    const rec = Writer.sized(5 + used);
    rec.varint(used);
    rec.rawBuffer(body.buffer, 0, used);
    const r = rec.buffer.slice(0, rec.pos);
    recs.push(r);
    recBytes += r.byteLength;
  }
  const w = Writer.sized(BATCH_HEADER + recBytes);
  w.int64(100); w.int32(BATCH_HEADER + recBytes - 12); w.int32(0); w.int8(2); w.uint32(0);
  w.int16(0); w.int32(values.length - 1); w.int64(1000); w.int64(1000); w.int64(-1); w.int16(-1); w.int32(-1); w.int32(values.length);
  for (let i = 0; i < recs.length; i++) w.rawBuffer(recs[i], 0, recs[i].byteLength);
  const b = new RecordBatch(w.buffer, 0, w.buffer.byteLength);
  b.fixCrc();
  return w.buffer;
}

describe("RecordBatch v2", () => {
  it("reads header fields and records as views, and the CRC checks", () => {
    const buf = batch(["one", "two"]);
    const it = new BatchIterator(buf, 0, buf.byteLength);
    const b = it.next()!;
    expect(b.baseOffset).toBe(100);
    expect(b.magic).toBe(2);
    expect(b.recordCount).toBe(2);
    expect(b.compression).toBe(Compression.None);
    expect(b.crcValid()).toBe(true);
    const rr = new RecordReader(b);
    const rec = new BatchRecord();
    expect(rr.next(rec)).toBe(true);
    expect(String.UTF8.decode(rec.value!.slice().buffer)).toBe("one");
    expect(rec.value!.buffer == buf).toBe(true);
    expect(rec.key).toBeNull();
    expect(rec.headerKeys[0]).toBe("h");
    expect(rr.next(rec)).toBe(true);
    expect(rec.offsetDelta).toBe(1);
    expect(rr.next(rec)).toBe(false);
    expect(rr.complete()).toBe(true);
    expect(it.next()).toBeNull();
    expect(it.error).toBe(BatchError.None);
  });

  it("an in-place edit breaks the CRC until fixCrc", () => {
    const buf = batch(["secret"]);
    const b = new RecordBatch(buf, 0, buf.byteLength);
    const rec = new BatchRecord();
    new RecordReader(b).next(rec);
    rec.value!.fill(0x2a);
    expect(b.crcValid()).toBe(false);
    b.fixCrc();
    expect(b.crcValid()).toBe(true);
  });

  it("reports truncated batches and legacy magic, and bad records, without trapping", () => {
    const buf = batch(["a", "b"]);
    const cut = new BatchIterator(buf, 0, buf.byteLength - 1);
    expect(cut.next()).toBeNull();
    expect(cut.error).toBe(BatchError.Truncated);
    const legacy = buf.slice(0);
    store<u8>(changetype<usize>(legacy) + 16, 1);
    const li = new BatchIterator(legacy, 0, legacy.byteLength);
    expect(li.next()).toBeNull();
    expect(li.error).toBe(BatchError.NotV2);
    // Claim more records than there are.
    const lying = buf.slice(0);
    store<i32>(changetype<usize>(lying) + 57, bswap<i32>(5));
    const rr = new RecordReader(new RecordBatch(lying, 0, lying.byteLength));
    const rec = new BatchRecord();
    let n = 0;
    while (rr.next(rec)) n++;
    expect(n).toBe(2);
    expect(rr.complete()).toBe(false);
  });
});
