import { unsnappy, snappyLiteral, isXerial, SnappyError } from "../../assembly/kafka/compression/snappy";

function bytes(values: i32[]): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = <u8>values[i];
  return out;
}
function text(v: Uint8Array): string { return String.UTF8.decodeUnsafe(v.dataStart, v.byteLength); }
function utf8(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

// Hand-assembled raw Snappy: length 12, literal "abcd", copy (1-byte offset) of 8 at distance 4.
const RAW = bytes([0x0c, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x11, 0x04]);
// Length 10, literal "a", copy (2-byte offset) of 9 at distance 1: an overlapping copy.
const OVERLAP = bytes([0x0a, 0x00, 0x61, 0x22, 0x01, 0x00]);

describe("snappy", () => {
  it("decodes literals and copies, including overlapping ones", () => {
    expect(text(unsnappy(RAW, 1 << 20).data!)).toBe("abcdabcdabcd");
    expect(text(unsnappy(OVERLAP, 1 << 20).data!)).toBe("aaaaaaaaaa");
  });

  it("reads the xerial framing Java's client writes", () => {
    const header = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];
    const framed = bytes(header.concat([0, 0, 0, 8]).concat([0x0c, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x11, 0x04]).concat([0, 0, 0, 6]).concat([0x0a, 0x00, 0x61, 0x22, 0x01, 0x00]));
    expect(isXerial(framed)).toBe(true);
    expect(text(unsnappy(framed, 1 << 20).data!)).toBe("abcdabcdabcdaaaaaaaaaa");
  });

  it("writes literal-only Snappy, raw or xerial like the original, that reads back", () => {
    let big = "";
    for (let i = 0; i < 3000; i++) big += "record " + i.toString() + " password=*******; ";
    const data = utf8(big);
    expect(text(unsnappy(snappyLiteral(data, RAW), 1 << 22).data!)).toBe(big);
    const like = bytes([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = snappyLiteral(data, like);
    expect(isXerial(framed)).toBe(true);
    expect(text(unsnappy(framed, 1 << 22).data!)).toBe(big);
  });

  it("refuses bad offsets, truncation and output over the limit, without trapping", () => {
    expect(unsnappy(bytes([0x04, 0x11, 0x04]), 100).error).toBe(SnappyError.BadOffset); // copy before any output
    expect(unsnappy(RAW.subarray(0, 5), 100).error).toBe(SnappyError.Truncated);
    expect(unsnappy(RAW, 5).error).toBe(SnappyError.TooLarge);
    expect(unsnappy(bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 100).data).toBeNull();
    for (let i = 0; i < 200; i++) {
      const junk = new Uint8Array(24);
      for (let k = 0; k < 24; k++) junk[k] = <u8>((i * 31 + k * 17) & 0xff);
      unsnappy(junk, 4096); // any outcome but a trap
    }
  });
});
