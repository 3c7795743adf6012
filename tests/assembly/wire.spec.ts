import { Reader, ReadError } from "../../assembly/kafka/wire/reader";
import { Writer, sizeOf } from "../../assembly/kafka/wire/writer";

function bytes(values: i32[]): ArrayBuffer {
  const b = new ArrayBuffer(values.length);
  for (let i = 0; i < values.length; i++) store<u8>(changetype<usize>(b) + i, <u8>values[i]);
  return b;
}

describe("Reader", () => {
  it("reads big-endian integers", () => {
    const r = new Reader(bytes([0x12, 0x34, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 1, 0]));
    expect(r.int16()).toBe(0x1234);
    expect(r.int32()).toBe(-2);
    expect(r.int64()).toBe(256);
    expect(r.complete()).toBe(true);
  });

  it("is sticky after the first error: zeros, no movement, first offset kept", () => {
    const r = new Reader(bytes([0, 1, 2]));
    r.field = "A";
    expect(r.int16()).toBe(1);
    r.field = "B";
    expect(r.int32()).toBe(0);
    expect(r.bad).toBe(true);
    expect(r.error).toBe(ReadError.Truncated);
    expect(r.errorOffset).toBe(2);
    expect(r.errorField).toBe("B");
    r.field = "C";
    expect(r.int8()).toBe(0);
    expect(r.errorField).toBe("B");
  });

  it("decodes unsigned and zig-zag varints", () => {
    const r = new Reader(bytes([0x96, 0x01, 0x01, 0x02, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(r.uvarint()).toBe(150);
    expect(r.varint()).toBe(-1);
    expect(r.varint()).toBe(1);
    expect(r.varint()).toBe(-2);
    expect(r.uvarint()).toBe(0xffffffff);
    expect(r.complete()).toBe(true);
  });

  it("reads varints of every width, with room after them, at the very end, and cut short", () => {
    const values: u32[] = [1, 200, 20000, 3000000, 0xfffffff0];
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      const width = sizeOf.uvarint(v);
      expect(width).toBe(k + 1);
      // Padded: the reader has five or more bytes left (its straight-line path).
      const padded = new ArrayBuffer(width + 5);
      new Writer(padded).uvarint(v);
      const a = new Reader(padded);
      expect(a.uvarint()).toBe(v);
      expect(a.offset()).toBe(width);
      // Exact: the varint ends the buffer (its byte-by-byte path when under five bytes).
      const exact = new ArrayBuffer(width);
      new Writer(exact).uvarint(v);
      const b = new Reader(exact);
      expect(b.uvarint()).toBe(v);
      expect(b.complete()).toBe(true);
      // Cut short by one byte: truncated, never a wrong value.
      if (width > 1) {
        const c = new Reader(exact, 0, width - 1);
        expect(c.uvarint()).toBe(0);
        expect(c.error).toBe(ReadError.Truncated);
      }
    }
  });

  it("rejects an over-long varint", () => {
    const r = new Reader(bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    r.uvarint();
    expect(r.bad).toBe(true);
    expect(r.error).toBe(ReadError.BadVarint);
  });

  it("reads strings, nullable and compact", () => {
    const r = new Reader(bytes([0, 2, 0x68, 0x69, 0xff, 0xff, 3, 0x6f, 0x6b, 0]));
    expect(r.string()).toBe("hi");
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe("ok");
    expect(r.compactNullableString()).toBeNull();
    expect(r.complete()).toBe(true);
  });

  it("checks a length against the bytes left before allocating", () => {
    const r = new Reader(bytes([0x7f, 0xff, 0xff, 0xff, 1, 2]));
    const v = r.bytes();
    expect(v.byteLength).toBe(0);
    expect(r.bad).toBe(true);
  });

  it("refuses array counts larger than the bytes left could hold", () => {
    const r = new Reader(bytes([0, 0, 0, 100, 0, 0, 0, 0]));
    expect(r.arrayLength(4)).toBe(0);
    expect(r.bad).toBe(true);
    const ok = new Reader(bytes([0, 0, 0, 1, 0, 0, 0, 7]));
    expect(ok.arrayLength(4)).toBe(1);
    const nul = new Reader(bytes([0xff, 0xff, 0xff, 0xff]));
    expect(nul.arrayLength(4)).toBe(-1);
    expect(nul.bad).toBe(false);
  });

  it("hands out byte fields as views into the frame", () => {
    const buf = bytes([0, 0, 0, 2, 9, 8]);
    const v = new Reader(buf).bytes();
    expect(v.buffer == buf).toBe(true);
    expect(v.byteOffset).toBe(4);
    expect(v[1]).toBe(8);
  });
});

describe("Writer", () => {
  it("round-trips every primitive through Reader with exact sizes", () => {
    const s = "héllo";
    const size = 1 + 2 + 4 + 8 + 8 + sizeOf.uvarint(300) + sizeOf.varint(-300) + sizeOf.varlong(-5000000000)
      + sizeOf.str(s) + sizeOf.nullableStr(null) + sizeOf.compactStr(s) + sizeOf.compactNullableStr(null);
    const w = Writer.sized(size);
    w.int8(-3); w.int16(-2); w.int32(123456); w.int64(-9); w.float64(1.5);
    w.uvarint(300); w.varint(-300); w.varlong(-5000000000);
    w.string(s); w.nullableString(null); w.compactString(s); w.compactNullableString(null);
    expect(w.complete()).toBe(true);
    const r = new Reader(w.buffer);
    expect(r.int8()).toBe(-3);
    expect(r.int16()).toBe(-2);
    expect(r.int32()).toBe(123456);
    expect(r.int64()).toBe(-9);
    expect(r.float64()).toBe(1.5);
    expect(r.uvarint()).toBe(300);
    expect(r.varint()).toBe(-300);
    expect(r.varlong()).toBe(-5000000000);
    expect(r.string()).toBe(s);
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe(s);
    expect(r.compactNullableString()).toBeNull();
    expect(r.complete()).toBe(true);
  });

  it("sets bad instead of writing past the end", () => {
    const w = Writer.sized(3);
    w.int32(1);
    expect(w.bad).toBe(true);
  });
});
