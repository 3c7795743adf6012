import { unzstd, zstdStored, xxh64, ZstdError } from "../../assembly/kafka/compression/zstd";

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(h.substr(i * 2, 2), 16);
  return out;
}
function text(s: string): Uint8Array { return Uint8Array.wrap(String.UTF8.encode(s)); }

describe("xxHash64", () => {
  it("matches the reference values", () => {
    const e = text("");
    expect(xxh64(e.dataStart, 0)).toBe(0xef46db3751d8e999);
    const abc = text("abc");
    expect(xxh64(abc.dataStart, 3)).toBe(0x44bc2cf5ad770999);
  });
});

describe("zstd", () => {
  it("decodes a frame from the reference tool (compressed block, no checksum)", () => {
    const r = unzstd(hexBytes("28b52ffd20178d00005868656c6c6f20776f726c640100e14a11"), 1 << 20);
    expect(r.error).toBe(ZstdError.None);
    expect(String.UTF8.decode(r.data!.slice().buffer)).toBe("hello hello hello world");
  });
  it("writes raw-block frames that it reads back, across block boundaries", () => {
    const data = new Uint8Array(300000);
    for (let i = 0; i < data.length; i++) data[i] = <u8>(i * 31 + (i >> 7));
    const r = unzstd(zstdStored(data), 1 << 20);
    expect(r.error).toBe(ZstdError.None);
    expect(r.data!.length).toBe(300000);
    let same = true;
    for (let i = 0; i < data.length; i++) if (r.data![i] != data[i]) { same = false; break; }
    expect(same).toBe(true);
  });
  it("refuses dictionaries, bad magic, truncation and output past the limit, without trapping", () => {
    expect(unzstd(hexBytes("28b52ffd210705"), 1024).error).toBe(ZstdError.NeedsDictionary);
    expect(unzstd(hexBytes("00112233445566"), 1024).error).toBe(ZstdError.BadMagic);
    expect(unzstd(hexBytes("28b52ffd"), 1024).error).toBe(ZstdError.Truncated);
    expect(unzstd(zstdStored(new Uint8Array(5000)), 4096).error).toBe(ZstdError.TooLarge);
  });
});
