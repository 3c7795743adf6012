import { gunzip, gzipStored, inflateRaw, InflateError } from "../../assembly/kafka/compression/inflate";
import { crc32 } from "../../assembly/kafka/compression/crc32";

// Vectors made with Node's zlib: dynamic Huffman (level 9), fixed Huffman, stored, and two members.
const DYN = "1f8b0800000000000203f3ad5448cd4dcccc51c82c5648ad48cc2dc84975000be825e7e75a2b388607c707bb3a07b986c43b3a3bbb0607c77bbb46dae65626961717a72617a59664a7569625e694a6ea29f88e9a346ad2a849a3268d9a3400260100979c6535c8050000";
const FIXED = "1f8b0800000000000403cb48cdc9c957c8402701e3513d8d17000000";
const STORED = "1f8b0800000000000403010300fcff616263c241243503000000";
const TWO = "1f8b08000000000000034bcb2c2a2eb1060010b39496060000001f8b08000000000000032b4e4dcecf4b010069111fb606000000";

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(s.substr(i * 2, 2), 16);
  return out;
}
/** Writes `n` bits of `v`, least significant first, at bit `at` of `out` (DEFLATE's bit order). */
function putBits(out: Uint8Array, v: u32, n: i32, at: i32): void {
  for (let k = 0; k < n; k++) {
    if (((v >> k) & 1) == 0) continue;
    const i = (at + k) >> 3;
    out[i] = out[i] | <u8>(<i32>1 << ((at + k) & 7));
  }
}
function text(v: Uint8Array): string { return String.UTF8.decodeUnsafe(v.dataStart, v.byteLength); }

describe("gzip", () => {
  it("inflates dynamic, fixed and stored blocks and several members", () => {
    const d = gunzip(hex(DYN), 1 << 20);
    expect(d.error).toBe(InflateError.None);
    expect(d.data!.byteLength).toBe(1480);
    expect(text(d.data!).startsWith("My email is example@email.com; AWS_SECRET")).toBe(true);
    expect(text(gunzip(hex(FIXED), 1 << 20).data!)).toBe("hello hello hello hello");
    expect(text(gunzip(hex(STORED), 1 << 20).data!)).toBe("abc");
    expect(text(gunzip(hex(TWO), 1 << 20).data!)).toBe("first;second");
  });

  it("refuses output over the limit (decompression bombs end in an error, not an allocation)", () => {
    const r = gunzip(hex(DYN), 100);
    expect(r.data).toBeNull();
    expect(r.error).toBe(InflateError.TooLarge);
  });

  it("reports truncation, corruption and bad checksums without trapping", () => {
    const full = hex(DYN);
    for (let cut = 0; cut < full.length; cut += 7) {
      const r = gunzip(full.subarray(0, cut), 1 << 20);
      if (cut < full.length) expect(r.data).toBeNull();
    }
    const flipped = hex(DYN);
    flipped[flipped.length - 6] ^= 0xff; // CRC byte
    expect(gunzip(flipped, 1 << 20).error).toBe(InflateError.BadChecksum);
    for (let i = 10; i < full.length - 8; i += 3) {
      const bad = hex(DYN);
      bad[i] ^= 0x5a;
      gunzip(bad, 1 << 20); // any outcome but a trap
    }
    const garbage = new Uint8Array(64);
    for (let i = 0; i < 64; i++) garbage[i] = <u8>(i * 37 + 11);
    expect(inflateRaw(garbage.dataStart, 64, 1 << 16).data).toBeNull();
  });

  it("refuses a member whose back-reference reaches into the member before it (as zlib does)", () => {
    // Made with Python's zlib: "abcdefgh", then "abcdefgh" deflated against the dictionary "abcdefgh".
    const CROSS = "1f8b08000000000000ff4b4c4a4e494d4bcf0000502aefae080000001f8b08000000000000ff4b84d200502aefae08000000";
    const r = gunzip(hex(CROSS), 1 << 20);
    expect(r.data).toBeNull();
    expect(r.error).toBe(InflateError.BadDistance);
  });

  it("inflates many members and many tiny blocks into one output, allocating by what comes out, not per member or block", () => {
    // 20,000 empty members (20 bytes each: a fixed block holding only its end), then one with "abcdefgh".
    const EMPTY = hex("1f8b08000000000000ff03000000000000000000");
    const LAST = hex("1f8b08000000000000ff4b4c4a4e494d4bcf0000502aefae08000000");
    const n = 20000;
    const input = new Uint8Array(EMPTY.length * n + LAST.length);
    for (let i = 0; i < n; i++) input.set(EMPTY, i * EMPTY.length);
    input.set(LAST, EMPTY.length * n);
    const before = memory.size();
    const r = gunzip(input, 1 << 20);
    expect(r.error).toBe(InflateError.None);
    expect(text(r.data!)).toBe("abcdefgh");
    // 64 KiB of output room, and the input: a few pages, never a page or more per member.
    expect(memory.size() - before).toBeLessThan(64);
    // One member of 50,000 fixed blocks, each a single literal "a", then an empty final block.
    const blocks = 50000;
    const raw = new Uint8Array((blocks * 18 + 10) / 8 + 2); // 18 bits a block: header, literal, end
    let bit = 0;
    for (let b = 0; b < blocks + 1; b++) {
      const final = b == blocks;
      putBits(raw, final ? 1 : 0, 1, bit); putBits(raw, 1, 2, bit + 1); bit += 3; // BFINAL, BTYPE = fixed
      if (!final) {
        // Literal 0x61: fixed code 0x30 + 0x61 = 0x91 in 8 bits, sent most significant bit first.
        const code: u32 = 0x91;
        for (let k = 0; k < 8; k++) putBits(raw, (code >> (7 - k)) & 1, 1, bit + k);
        bit += 8;
      }
      bit += 7; // end of block: seven zero bits
    }
    const body = raw.subarray(0, (bit + 7) >> 3);
    const plain = new Uint8Array(blocks).fill(0x61);
    const member = new Uint8Array(10 + body.length + 8);
    member.set(hex("1f8b08000000000000ff"), 0);
    member.set(body, 10);
    const c = crc32(plain);
    store<u32>(member.dataStart + <usize>(10 + body.length), c);
    store<u32>(member.dataStart + <usize>(14 + body.length), <u32>blocks);
    const mid = memory.size();
    const m = gunzip(member, 1 << 20);
    expect(m.error).toBe(InflateError.None);
    expect(m.data!.byteLength).toBe(blocks);
    expect(m.data![blocks - 1]).toBe(0x61);
    expect(memory.size() - mid).toBeLessThan(64);
  });

  it("writes stored gzip that inflates back, with a correct CRC-32", () => {
    const src = hex(DYN);
    const data = gunzip(src, 1 << 20).data!;
    const again = gunzip(gzipStored(data), 1 << 20);
    expect(again.error).toBe(InflateError.None);
    expect(text(again.data!)).toBe(text(data));
    expect(crc32(Uint8Array.wrap(String.UTF8.encode("123456789")))).toBe(0xcbf43926);
  });
});
