// The compressors the filters use when they re-write a batch: each round-trips through our
// decompressor, and shrinks what is compressible. (Independent readers check them too: Node's
// zlib in tests/node/pii.test.ts, and Kafka's Java consumer in the e2e tests.)
import { gzipCompress, gunzip, InflateError } from "../../assembly/kafka/compression/inflate";
import { lz4Compress, unlz4, Lz4Error } from "../../assembly/kafka/compression/lz4";
import { snappyCompress, unsnappy, SnappyError } from "../../assembly/kafka/compression/snappy";

let seed: u32 = 12345;
function rnd(): u32 { seed = seed * 1103515245 + 12345; return (seed >>> 16) & 0x7fff; }

/** Inputs: empty, tiny, text-like, runs, random, and large (several blocks). */
function inputs(): Array<Uint8Array> {
  const out = new Array<Uint8Array>();
  out.push(new Uint8Array(0));
  out.push(Uint8Array.wrap(String.UTF8.encode("abc")));
  out.push(Uint8Array.wrap(String.UTF8.encode("password=******* the quick brown fox, the quick brown fox, the quick brown fox!")));
  const runs = new Uint8Array(70000); runs.fill(0x61); out.push(runs);
  const random = new Uint8Array(5000); for (let i = 0; i < random.length; i++) random[i] = <u8>rnd(); out.push(random);
  const words = ["kafka ", "envoy ", "record ", "batch ", "*** ", "1234 ", "mail ", "\n"];
  let text = "";
  while (text.length < 300000) text += words[rnd() % 8];
  out.push(Uint8Array.wrap(String.UTF8.encode(text)));
  return out;
}

function same(a: Uint8Array, b: Uint8Array | null): bool {
  if (b == null || a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("compressors", () => {
  it("gzip (fixed-code deflate) round-trips and shrinks text", () => {
    const all = inputs();
    for (let i = 0; i < all.length; i++) {
      const c = gzipCompress(all[i]);
      const r = gunzip(c, 1 << 24);
      expect(r.error).toBe(InflateError.None);
      expect(same(all[i], r.data)).toBe(true);
    }
    expect(gzipCompress(all[5]).length).toBeLessThan(all[5].length / 3);
  });
  it("lz4 frames round-trip and shrink text", () => {
    const all = inputs();
    for (let i = 0; i < all.length; i++) {
      const r = unlz4(lz4Compress(all[i]), 1 << 24);
      expect(r.error).toBe(Lz4Error.None);
      expect(same(all[i], r.data)).toBe(true);
    }
    expect(lz4Compress(all[5]).length).toBeLessThan(all[5].length / 2);
  });
  it("snappy (raw and xerial) round-trips and shrinks text", () => {
    const all = inputs();
    const xerial = new Uint8Array(16);
    const magic: StaticArray<u8> = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1];
    for (let i = 0; i < 16; i++) xerial[i] = magic[i];
    for (let i = 0; i < all.length; i++) {
      for (let framing = 0; framing < 2; framing++) {
        const r = unsnappy(snappyCompress(all[i], framing == 0 ? new Uint8Array(0) : xerial), 1 << 24);
        expect(r.error).toBe(SnappyError.None);
        expect(same(all[i], r.data)).toBe(true);
      }
    }
    expect(snappyCompress(all[5], new Uint8Array(0)).length).toBeLessThan(all[5].length / 2);
  });
});
