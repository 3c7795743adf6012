// The library's JSON for client bytes: strict UTF-8, size limit, and the writer.
import { isValidUtf8 } from "../../assembly/json/utf8";
import { parseJsonBytes } from "../../assembly/json/bytes";
import { writeJson, quoteJson } from "../../assembly/json/writer";
import { JsonParser } from "../../assembly/config/json";

function valid(b: u8[]): bool {
  const a = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) a[i] = b[i];
  return isValidUtf8(a.dataStart, a.length);
}

describe("isValidUtf8", () => {
  it("accepts well-formed UTF-8 of every length", () => {
    expect(valid([0x41])).toBe(true);
    expect(valid([0xc3, 0xa9])).toBe(true);             // é
    expect(valid([0xe2, 0x82, 0xac])).toBe(true);       // €
    expect(valid([0xf0, 0x9f, 0x98, 0x80])).toBe(true); // 😀
    expect(valid([0xf4, 0x8f, 0xbf, 0xbf])).toBe(true); // U+10FFFF
  });
  it("refuses overlong forms, surrogates, values over U+10FFFF, stray and missing continuation bytes", () => {
    expect(valid([0xc0, 0xaf])).toBe(false);
    expect(valid([0xe0, 0x80, 0xaf])).toBe(false);
    expect(valid([0xed, 0xa0, 0x80])).toBe(false);
    expect(valid([0xf4, 0x90, 0x80, 0x80])).toBe(false);
    expect(valid([0x80])).toBe(false);
    expect(valid([0xe2, 0x82])).toBe(false);
    expect(valid([0xc3, 0x41])).toBe(false);
    expect(valid([0xff])).toBe(false);
  });
});

describe("parseJsonBytes and writeJson", () => {
  it("round-trips a document byte for byte when it has no insignificant whitespace", () => {
    const doc = '{"a":[1,-2.50,1e400,true,null,{}],"b":"\\"q\\" \\\\ \\n \\u0001 é 😀","c":{"d":[]},"e":123456789012345678901}';
    const errors = new Array<string>();
    const v = parseJsonBytes(Uint8Array.wrap(String.UTF8.encode(doc)), errors);
    expect(v).not.toBeNull();
    expect(String.UTF8.decode(writeJson(v!))).toBe(doc);
  });
  it("refuses bytes over the limit and invalid UTF-8, saying why", () => {
    const errors = new Array<string>();
    expect(parseJsonBytes(Uint8Array.wrap(String.UTF8.encode('{"a":"bbbbbbbbbb"}')), errors, 8)).toBeNull();
    expect(errors[0]).toBe("18 bytes is over the 8-byte limit");
    const bad = new Uint8Array(3); bad[0] = 0x22; bad[1] = 0xff; bad[2] = 0x22;
    const more = new Array<string>();
    expect(parseJsonBytes(bad, more)).toBeNull();
    expect(more[0]).toBe("not well-formed UTF-8");
  });
  it("escapes lone surrogates and control characters, so the output is always valid", () => {
    const v = new JsonParser('["\\ud800 x \\udc00", "\\u001f"]').parse()!;
    const out = writeJson(v);
    expect(isValidUtf8(changetype<usize>(out), out.byteLength)).toBe(true);
    expect(String.UTF8.decode(out)).toBe('["\\ud800 x \\udc00","\\u001f"]');
    expect(quoteJson("a\"b")).toBe('"a\\"b"');
  });
});
