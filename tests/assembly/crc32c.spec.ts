import { crc32c, crc32cUpdate } from "../../assembly/kafka/records/crc32c";

function utf8(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

describe("CRC-32C", () => {
  it("matches the standard check value and RFC 3720 vectors", () => {
    expect(crc32c(utf8("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);        // 32 zero bytes
    const ones = new Uint8Array(32); ones.fill(0xff);
    expect(crc32c(ones)).toBe(0x62a8ab43);                       // 32 0xff bytes
    const inc = new Uint8Array(32); for (let i = 0; i < 32; i++) inc[i] = <u8>i;
    expect(crc32c(inc)).toBe(0x46dd794e);                        // 0x00..0x1f
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("gives the same answer in pieces of any size (slicing path and tail path agree)", () => {
    const data = utf8("The quick brown fox jumps over the lazy dog, twice over: the quick brown fox.");
    const whole = crc32c(data);
    for (let cut = 0; cut < data.length; cut++) {
      const c = crc32cUpdate(crc32cUpdate(0, data.dataStart, cut), data.dataStart + cut, data.length - cut);
      expect(c).toBe(whole);
    }
  });
});
