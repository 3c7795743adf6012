import { unlz4, lz4Stored, xxh32, Lz4Error } from "../../assembly/kafka/compression/lz4";

// Frames made with the lz4 Python package: default; with block and content checksums and the
// content size; linked blocks of 64 KiB; a tiny one.
const PLAIN = "04224d186840900b000000000000815f000000f1054d7920656d61696c206973206578616d706c65401100ff222e636f6d3b204157535f5345435245545f4143434553535f4b45593d6d796177737365637265746b657976616c75652e204a00ffffffffffffffffffffff39506c75652e2000000000";
const CHECKSUMS = "04224d187c40900b000000000000725f000000f1054d7920656d61696c206973206578616d706c65401100ff222e636f6d3b204157535f5345435245545f4143434553535f4b45593d6d796177737365637265746b657976616c75652e204a00ffffffffffffffffffffff39506c75652e206f68f76d00000000e6e899d0";
const LINKED = "04224d186840701700000000000071240000003f6162630300ffffffffffffffffffffffffffffffffffffffffffffff6c50626361626300000000";
const TINY = "04224d1868400500000000000000610500008068656c6c6f00000000";

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(s.substr(i * 2, 2), 16);
  return out;
}
function text(v: Uint8Array): string { return String.UTF8.decodeUnsafe(v.dataStart, v.byteLength); }

describe("lz4 frames", () => {
  it("xxHash32 matches the reference values", () => {
    const empty = new Uint8Array(0);
    expect(xxh32(empty.dataStart, 0)).toBe(0x02cc5d05);
    const abc = Uint8Array.wrap(String.UTF8.encode("abc"));
    expect(xxh32(abc.dataStart, 3)).toBe(0x32d153ff);
  });

  it("decompresses frames with and without checksums, and linked blocks", () => {
    const a = unlz4(hex(PLAIN), 1 << 20);
    expect(a.error).toBe(Lz4Error.None);
    expect(a.data!.byteLength).toBe(2960);
    expect(text(a.data!).startsWith("My email is example@email.com")).toBe(true);
    expect(text(unlz4(hex(CHECKSUMS), 1 << 20).data!)).toBe(text(a.data!));
    expect(unlz4(hex(LINKED), 1 << 20).data!.byteLength).toBe(6000);
    expect(text(unlz4(hex(TINY), 1 << 20).data!)).toBe("hello");
  });

  it("refuses bad checksums, truncation and output over the limit, without trapping", () => {
    const bad = hex(CHECKSUMS);
    bad[bad.length - 1] ^= 0xff; // content checksum
    expect(unlz4(bad, 1 << 20).error).toBe(Lz4Error.BadChecksum);
    const desc = hex(PLAIN);
    desc[6] ^= 0xff; // descriptor checksum
    expect(unlz4(desc, 1 << 20).error).toBe(Lz4Error.BadChecksum);
    expect(unlz4(hex(PLAIN), 100).data).toBeNull();
    const full = hex(PLAIN);
    for (let cut = 0; cut < full.length; cut += 5) expect(unlz4(full.subarray(0, cut), 1 << 20).data).toBeNull();
    for (let i = 7; i < full.length; i += 3) {
      const mutated = hex(PLAIN);
      mutated[i] ^= 0x5a;
      unlz4(mutated, 1 << 20); // any outcome but a trap
    }
  });

  it("takes the header checksum Kafka's magic-0 writers made over the magic number too, and no other", () => {
    const legacy = hex(TINY);
    // TINY's descriptor: FLG, BD and an 8-byte content size, then the checksum byte at 14. Kafka's
    // magic-0 writers hashed from the frame's first byte (the magic number too), as KAFKA-3160 describes.
    legacy[14] = <u8>((xxh32(legacy.dataStart, 14) >>> 8) & 0xff);
    expect(legacy[14]).not.toBe(hex(TINY)[14]);
    expect(text(unlz4(legacy, 1 << 20).data!)).toBe("hello");
    legacy[14] ^= 0x01;
    expect(unlz4(legacy, 1 << 20).error).toBe(Lz4Error.BadChecksum);
  });

  it("writes frames with stored blocks that read back", () => {
    const data = unlz4(hex(PLAIN), 1 << 20).data!;
    let big = new Uint8Array(200000);
    for (let i = 0; i < big.length; i++) big[i] = <u8>(i * 7);
    expect(text(unlz4(lz4Stored(data), 1 << 20).data!)).toBe(text(data));
    const back = unlz4(lz4Stored(big), 1 << 20).data!;
    expect(back.byteLength).toBe(200000);
    expect(back[123457]).toBe(big[123457]);
  });
});
