// The pieces that make the dissector's JSON lossless: strings that are not UTF-8, float64 text.
import { decodeUtf8, utf8Length, encodeUtf8, hasLoneSurrogate } from "../../assembly/kafka/wire/utf8";
import { parseDecimal } from "../../assembly/kafka/wire/decimal";
import { floatText } from "../../assembly/kafka/wire/json_writer";

function bytesOf(list: Array<u8>): Uint8Array {
  const b = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) b[i] = list[i];
  return b;
}

function decode(b: Uint8Array): string { return decodeUtf8(b.dataStart, b.byteLength); }

function encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  encodeUtf8(s, out.dataStart);
  return out;
}

function same(a: Uint8Array, b: Uint8Array): bool {
  if (a.byteLength != b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("lossless UTF-8", () => {
  it("decodes well-formed UTF-8 as the standard decoder does, and encodes it back", () => {
    const text = "a\u0000é日本😀\uffff";
    const b = Uint8Array.wrap(String.UTF8.encode(text));
    expect(decode(b)).toBe(text);
    expect(same(encode(text), b)).toBe(true);
    expect(hasLoneSurrogate(text)).toBe(false);
  });

  it("keeps every byte of malformed sequences: each becomes U+DC80..U+DCFF and is written back", () => {
    // A lone continuation byte, 0xff, an overlong NUL, an encoded surrogate, a cut 3-byte
    // sequence, one above U+10FFFF, a cut 4-byte sequence at the end.
    const b = bytesOf([0x61, 0x80, 0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82, 0x62, 0xf4, 0x90, 0x80, 0x80, 0xf0, 0x9f, 0x98]);
    const s = decode(b);
    expect(s.charCodeAt(0)).toBe(0x61);
    expect(s.charCodeAt(1)).toBe(0xdc80);
    expect(s.charCodeAt(2)).toBe(0xdcff);
    expect(s.length).toBe(b.byteLength); // one unit a byte: 'a' and 'b', the rest escapes
    expect(hasLoneSurrogate(s)).toBe(true);
    expect(utf8Length(s)).toBe(b.byteLength);
    expect(same(encode(s), b)).toBe(true);
  });

  it("mixes valid sequences and escapes", () => {
    const b = bytesOf([0xc3, 0xa9, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc3]);
    const s = decode(b);
    expect(s).toBe("é\udc80😀\udcc3");
    expect(same(encode(s), b)).toBe(true);
  });
});

describe("float64 text", () => {
  it("reads decimal text to the nearest double, where parseFloat is off", () => {
    expect(reinterpret<u64>(parseDecimal("1.048659633221575e+40"))).toBe(0x483ed13cfd351add);
    expect(reinterpret<u64>(parseDecimal("-3.2267301181343414e+42"))).toBe(0xc8c28540f7d93adf);
    expect(reinterpret<u64>(parseDecimal("-0.0"))).toBe(0x8000000000000000);
    expect(parseDecimal("5e-324")).toBe(reinterpret<f64>(<u64>1));
    expect(parseDecimal("2.4703282292062327e-324")).toBe(0); // just below half the smallest subnormal
    expect(parseDecimal("2.4703282292062328e-324")).toBe(reinterpret<f64>(<u64>1));
    expect(parseDecimal("1.7976931348623157e308")).toBe(f64.MAX_VALUE);
    expect(parseDecimal("1.8e308")).toBe(Infinity);
    // 2^53 + 1 is halfway between 2^53 and 2^53 + 2: ties go to the even one.
    expect(parseDecimal("9007199254740993")).toBe(9007199254740992);
    expect(parseDecimal("9007199254740995")).toBe(9007199254740996);
  });

  it("writes the values JSON numbers cannot hold in their own forms", () => {
    expect(floatText(-0.0)).toBe("-0.0");
    expect(floatText(0.0)).toBe("0.0");
    expect(floatText(NaN)).toBe("\"NaN\"");
    expect(floatText(reinterpret<f64>(<u64>0xfff0000000000001))).toBe("\"NaN:fff0000000000001\"");
    expect(floatText(Infinity)).toBe("\"Infinity\"");
    expect(floatText(-Infinity)).toBe("\"-Infinity\"");
  });
});
