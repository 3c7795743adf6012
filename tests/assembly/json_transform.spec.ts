// examples/json-transform's core: the order transform over record values.
import { transformOrder, keepLastDigits } from "../../examples/json-transform/assembly/transform";
import { parseJsonBytes } from "../../assembly/json/bytes";

function bytes(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }
function text(b: ArrayBuffer | null): string { return b == null ? "<unchanged>" : String.UTF8.decode(b); }

describe("transformOrder", () => {
  it("lower-cases the email, keeps the card's last four digits and drops notes; the rest is written as it came", () => {
    const out = transformOrder(bytes('{"id":"o-1","email":"Ann.Lee@Example.ORG","card":"4111 1111 1111 1234","amount":12.50,"qty":3,"notes":"call first","items":[{"sku":"A-1","price":1e2}],"gift":false,"coupon":null}'));
    expect(text(out)).toBe('{"id":"o-1","email":"ann.lee@example.org","card":"**** **** **** 1234","amount":12.50,"qty":3,"items":[{"sku":"A-1","price":1e2}],"gift":false,"coupon":null}');
  });

  it("keeps 64-bit integers, escapes and non-ASCII text exactly", () => {
    const out = transformOrder(bytes('{"email":"ÉVA@Exämple.org","id":9007199254740993,"memo":"line1\\nline2 \\"q\\" \\u00e9 😀 \\\\ end","card":"1234567890"}'));
    expect(text(out)).toBe('{"email":"éva@exämple.org","id":9007199254740993,"memo":"line1\\nline2 \\"q\\" é 😀 \\\\ end","card":"******7890"}');
  });

  it("answers null (unchanged) when nothing changes", () => {
    expect(transformOrder(bytes('{"email":"a@b.org","card":"1234","amount":1}'))).toBeNull();
    expect(transformOrder(bytes('{"id":"x"}'))).toBeNull();
    // Only top-level fields of the order are rules; nested ones are data.
    expect(transformOrder(bytes('{"customer":{"email":"A@B.ORG","notes":"x"}}'))).toBeNull();
  });

  it("leaves fields of other types alone", () => {
    expect(transformOrder(bytes('{"email":42,"card":["4111111111111111"]}'))).toBeNull();
    expect(text(transformOrder(bytes('{"email":null,"notes":null}')))).toBe('{"email":null}');
  });

  it("leaves values that are not orders alone, without trapping", () => {
    const cases = ["", "nul", "[1,2]", '"text"', "42", '{"email":"A@B"', '{"email":"A@B",}', '{"a":1} x', "{\"a\":\"\\uZZZZ\"}", "plain text value"];
    for (let i = 0; i < cases.length; i++) expect(transformOrder(bytes(cases[i]))).toBeNull();
    // Not UTF-8: an overlong '/', a lone continuation byte, a surrogate, a cut sequence.
    const bad: u8[][] = [[0x7b, 0xc0, 0xaf, 0x7d], [0x7b, 0x80, 0x7d], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82]];
    for (let i = 0; i < bad.length; i++) {
      const b = new Uint8Array(bad[i].length);
      for (let k = 0; k < bad[i].length; k++) b[k] = bad[i][k];
      expect(transformOrder(b)).toBeNull();
    }
    // An order that would change, but with an overlong '/' (C0 AF) inside a string: left alone,
    // never rewritten with what a lenient decoder makes of it.
    const order = String.UTF8.encode('{"email":"A@B.ORG","memo":"x??"}');
    const withBad = Uint8Array.wrap(order);
    withBad[withBad.length - 4] = 0xc0;
    withBad[withBad.length - 3] = 0xaf;
    expect(transformOrder(withBad)).toBeNull();
    let deep = "";
    for (let i = 0; i < 40; i++) deep += '{"a":';
    expect(transformOrder(bytes(deep + '"x"' + "}".repeat(40)))).toBeNull();
  });

  it("fuzz: mutated and cut orders never trap, and every answer is valid JSON that parses again", () => {
    const seed = String.UTF8.encode('{"id":"o-7","email":"Mixed.Case@Example.ORG","card":"5500-0000-0000-0004","amount":99.95,"notes":"x\\u0041 \\ud83d\\ude00","tags":["a","b"]}');
    let state: u32 = 0x9e3779b9;
    let answered = 0;
    for (let round = 0; round < 3000; round++) {
      const n = seed.byteLength;
      const b = new Uint8Array(n);
      memory.copy(b.dataStart, changetype<usize>(seed), <usize>n);
      const edits = 1 + <i32>(state % 4);
      for (let e = 0; e < edits; e++) {
        state ^= state << 13; state ^= state >> 17; state ^= state << 5;
        b[<i32>(state % <u32>n)] = <u8>(state >> 8);
      }
      state ^= state << 13; state ^= state >> 17; state ^= state << 5;
      const cut = state % 5 == 0 ? b.subarray(0, <i32>(state % <u32>n)) : b;
      const out = transformOrder(cut);
      if (out != null) {
        answered++;
        const errors = new Array<string>();
        expect(parseJsonBytes(Uint8Array.wrap(out), errors)).not.toBeNull();
      }
    }
    expect(answered).toBeGreaterThan(0);
  });
});

describe("keepLastDigits", () => {
  it("masks every digit but the last ones and keeps separators", () => {
    expect(keepLastDigits("4111-1111-1111-1111", 4)).toBe("****-****-****-1111");
    expect(keepLastDigits("12345", 4)).toBe("*2345");
    expect(keepLastDigits("1234", 4)).toBe("1234");
    expect(keepLastDigits("no digits", 4)).toBe("no digits");
  });
});
