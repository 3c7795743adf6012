// RecordReader's walk (a quick path for one- and two-byte varints without headers, a full one for
// the rest) against a reference written on the bounds-checked Reader: random records with every
// varint width from the shortest to the widest (non-minimal encodings included), null and
// negative lengths, headers, and damage anywhere in the batch (a flipped byte, a cut, a wrong
// count). Both must accept the same records with the same fields, and stop at the same place.
import { RecordBatch, RecordReader, BatchRecord, BATCH_HEADER } from "../../assembly/kafka/records/record_batch";
import { Reader } from "../../assembly/kafka/wire/reader";

let seed: u32 = 0x9e3779b9;
function rand(n: u32): u32 {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return seed % n;
}

/** Unsigned LEB128 of `u`, `width` bytes at least (padded with continuation bytes), at most `max`. */
function putVarint(out: Array<u8>, u: u64, width: i32): void {
  let n = 0;
  while (true) {
    const low = <u8>(u & 0x7f);
    u >>= 7;
    n++;
    if (u == 0 && n >= width) { out.push(low); return; }
    out.push(low | 0x80);
  }
}
function minWidth(u: u64): i32 { let n = 1; while (u >= 0x80) { u >>= 7; n++; } return n; }
function zz32(v: i32): u64 { return <u64><u32>((v << 1) ^ (v >> 31)); }
function zz64(v: i64): u64 { return <u64>((v << 1) ^ (v >> 63)); }
/** A width for `u`: its shortest most of the time, else anything up to `max`. */
function widthFor(u: u64, max: i32): i32 { const m = minWidth(u); return rand(3) == 0 ? m + <i32>rand(<u32>(max - m + 1)) : m; }
function varint(out: Array<u8>, v: i32): void { const u = zz32(v); putVarint(out, u, widthFor(u, 5)); }

const LENGTHS: i32[] = [0, 1, 5, 63, 64, 100, 1024, 8191, 8192, 9000];
function someLength(): i32 {
  const r = rand(10);
  if (r == 0) return -1;
  if (r == 1) return -2 - <i32>rand(3); // Negative other than -1: read as null, as Reader-based code did.
  return LENGTHS[rand(LENGTHS.length)];
}
function bytesField(out: Array<u8>, n: i32): void {
  varint(out, n);
  for (let i = 0; i < n; i++) out.push(<u8>(97 + rand(26)));
}

function record(out: Array<u8>, index: i32): void {
  const body = new Array<u8>();
  body.push(<u8>rand(256));
  const stamps: i64[] = [0, 1, -1, 63, 64, 200, 8000, -8191, 100000, -5000000000, 1 << 40];
  const ts = stamps[rand(stamps.length)];
  putVarint(body, zz64(ts), widthFor(zz64(ts), 10));
  // Offset deltas of every size up to five bytes (the walk reads them, whatever their order).
  const deltas: i32[] = [index, 64 + index, 4000 + index, 8191 - index, 1 << 20, i32.MAX_VALUE - index, i32.MIN_VALUE + index];
  varint(body, deltas[rand(deltas.length)]);
  bytesField(body, someLength());
  bytesField(body, someLength());
  const headers = rand(4) == 0 ? 1 + <i32>rand(2) : 0;
  varint(body, headers);
  for (let h = 0; h < headers; h++) {
    bytesField(body, <i32>rand(4));
    const vl = someLength();
    bytesField(body, vl > 100 ? 7 : vl);
  }
  varint(out, body.length);
  for (let i = 0; i < body.length; i++) out.push(body[i]);
}

function batchOf(section: Array<u8>, count: i32): ArrayBuffer {
  const buf = new ArrayBuffer(BATCH_HEADER + section.length);
  const base = changetype<usize>(buf);
  store<i32>(base + 8, bswap<i32>(buf.byteLength - 12));
  store<u8>(base + 16, 2);
  store<i32>(base + 57, bswap<i32>(count));
  for (let i = 0; i < section.length; i++) store<u8>(base + BATCH_HEADER + i, section[i]);
  return buf;
}

/** One record as the reference reads it (offsets into the buffer; -1 lengths for null). */
class Ref {
  attributes: i8 = 0; timestampDelta: i64 = 0; offsetDelta: i32 = 0;
  keyAt: i32 = 0; keyLength: i32 = -1; valueAt: i32 = 0; valueLength: i32 = -1;
  headerAt: i32[] = []; headerKeyLength: i32[] = []; headerValueAt: i32[] = []; headerValueLength: i32[] = [];
}

/** The reference walk: Reader's sticky error, every length checked against the record's end. */
function reference(buf: ArrayBuffer, out: Array<Ref>): bool {
  const r = new Reader(buf, BATCH_HEADER, buf.byteLength - BATCH_HEADER);
  const count = bswap<i32>(load<i32>(changetype<usize>(buf) + 57));
  if (count < 0) return false;
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (r.bad || length < 0 || length > r.remaining()) return false;
    const end = r.pos + length;
    const x = new Ref();
    x.attributes = r.int8();
    x.timestampDelta = r.varlong();
    x.offsetDelta = r.varint();
    let n = r.varint();
    if (n >= 0 && n > end - r.pos) return false;
    x.keyAt = r.pos; x.keyLength = n < 0 ? -1 : n; if (n > 0) r.skip(n);
    n = r.varint();
    if (n >= 0 && n > end - r.pos) return false;
    x.valueAt = r.pos; x.valueLength = n < 0 ? -1 : n; if (n > 0) r.skip(n);
    const headers = r.varint();
    if (r.bad || headers < 0 || headers > end - r.pos) return false;
    for (let h = 0; h < headers; h++) {
      const kl = r.varint();
      if (r.bad || kl < 0 || kl > end - r.pos) return false;
      x.headerAt.push(r.pos); x.headerKeyLength.push(kl); r.skip(kl);
      const vl = r.varint();
      if (vl >= 0 && vl > end - r.pos) return false;
      x.headerValueAt.push(r.pos); x.headerValueLength.push(vl < 0 ? -1 : vl); if (vl > 0) r.skip(vl);
    }
    if (r.bad || r.pos != end) return false;
    out.push(x);
  }
  return r.remaining() == 0;
}

function offsetOf(view: Uint8Array | null, buf: ArrayBuffer): i32 {
  return view == null ? -1 : <i32>(view.dataStart - changetype<usize>(buf));
}

/** Walks `buf` with RecordReader and the reference; the number of records both accepted. */
function compare(buf: ArrayBuffer): i32 {
  const want = new Array<Ref>();
  const whole = reference(buf, want);
  const rr = new RecordReader(new RecordBatch(buf, 0, buf.byteLength));
  const rec = new BatchRecord();
  let n = 0;
  while (rr.next(rec)) {
    expect(n).toBeLessThan(want.length, "RecordReader accepted a record the reference refuses");
    if (n >= want.length) return n;
    const x = want[n];
    expect(rec.attributes).toBe(x.attributes);
    expect(rec.timestampDelta).toBe(x.timestampDelta);
    expect(rec.offsetDelta).toBe(x.offsetDelta);
    expect(rec.keyLength).toBe(x.keyLength);
    expect(rec.valueLength).toBe(x.valueLength);
    if (x.keyLength >= 0) expect(offsetOf(rec.key, buf)).toBe(x.keyAt); else expect(rec.key).toBeNull();
    if (x.valueLength >= 0) expect(offsetOf(rec.value, buf)).toBe(x.valueAt); else expect(rec.value).toBeNull();
    expect(rec.headerValues.length).toBe(x.headerAt.length);
    for (let h = 0; h < x.headerAt.length; h++) {
      expect(offsetOf(rec.headerKeyBytes[h], buf)).toBe(x.headerAt[h]);
      expect(rec.headerKeyBytes[h].byteLength).toBe(x.headerKeyLength[h]);
      const hv = rec.headerValues[h];
      if (x.headerValueLength[h] < 0) expect(hv).toBeNull();
      else { expect(offsetOf(hv, buf)).toBe(x.headerValueAt[h]); expect(hv!.byteLength).toBe(x.headerValueLength[h]); }
    }
    n++;
  }
  expect(n).toBe(want.length, "RecordReader stopped before a record the reference accepts");
  expect(rr.complete()).toBe(whole);
  return n;
}

describe("RecordReader's walk", () => {
  it("reads what the Reader-based reference reads: every varint width, null keys and values, headers", () => {
    let records = 0;
    for (let c = 0; c < 250; c++) {
      const section = new Array<u8>();
      const count = 1 + <i32>rand(12);
      for (let i = 0; i < count; i++) record(section, i);
      const buf = batchOf(section, count);
      const n = compare(buf);
      expect(n).toBe(count);
      records += n;
    }
    expect(records).toBeGreaterThan(1000);
  });

  it("stops where the reference does on damage anywhere in a batch", () => {
    let damagedInTheMiddle = 0;
    for (let c = 0; c < 800; c++) {
      const section = new Array<u8>();
      const count = 2 + <i32>rand(6);
      const starts = new Array<i32>();
      for (let i = 0; i < count; i++) { starts.push(section.length); record(section, i); }
      const kind = rand(4);
      let claimed = count;
      if (kind == 0) {
        // A byte of a record in the middle changed; the records before it are fine.
        const r = 1 + <i32>rand(<u32>(count - 1));
        const from = starts[r];
        const to = r + 1 < count ? starts[r + 1] : section.length;
        // Anywhere in it, its varints (the first bytes) and its header count (the last) most often.
        const k = rand(3);
        const at = k == 0 ? from + <i32>rand(<u32>min(to - from, 12)) : k == 1 ? to - 1 : from + <i32>rand(<u32>(to - from));
        section[at] = <u8>rand(256);
        damagedInTheMiddle++;
      } else if (kind == 1) {
        section.length = <i32>rand(<u32>section.length); // cut anywhere
      } else if (kind == 2) {
        claimed = count + (rand(2) == 0 ? 1 : -1); // count off by one
      } else {
        section.push(<u8>rand(256)); // a byte too many
      }
      compare(batchOf(section, claimed));
    }
    expect(damagedInTheMiddle).toBeGreaterThan(100);
  });

  it("a record whose length swallows the next one's first byte: the one before is read, then the reader is bad", () => {
    // Three records of 9 bytes: attributes 0, timestamp delta 0, offset delta i, null key, value "abc", no headers.
    const section = new Array<u8>();
    for (let i = 0; i < 3; i++) {
      section.push(18); // zig-zag 9
      section.push(0); section.push(0); section.push(<u8>(i * 2)); section.push(1);
      section.push(6); section.push(97); section.push(98); section.push(99); section.push(0);
    }
    const rec = new BatchRecord();
    const good = batchOf(section, 3);
    const rr0 = new RecordReader(new RecordBatch(good, 0, good.byteLength));
    let n0 = 0;
    while (rr0.next(rec)) n0++;
    expect(n0).toBe(3);
    expect(rr0.complete()).toBe(true);
    expect(compare(good)).toBe(3);
    section[10] = 20; // the second record says 10 bytes
    const bad = batchOf(section, 3);
    const rr = new RecordReader(new RecordBatch(bad, 0, bad.byteLength));
    let n = 0;
    while (rr.next(rec)) n++;
    expect(n).toBe(1);
    expect(rr.bad).toBe(true);
    expect(rr.complete()).toBe(false);
    expect(compare(bad)).toBe(1);
  });
});
