// CRC-32 (IEEE 802.3), the checksum of gzip members and of legacy (magic 0/1) messages.

let table: StaticArray<u32> | null = null;

function build(): StaticArray<u32> {
  const t = new StaticArray<u32>(256);
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  return t;
}

export function crc32Update(crc: u32, ptr: usize, length: i32): u32 {
  let t = table;
  if (t == null) { t = build(); table = t; }
  const tp = changetype<usize>(t);
  let c = ~crc;
  for (let i = 0; i < length; i++) c = load<u32>(tp + (((c ^ load<u8>(ptr + <usize>i)) & 0xff) << 2)) ^ (c >>> 8);
  return ~c;
}

export function crc32(view: Uint8Array): u32 {
  return crc32Update(0, view.dataStart, view.byteLength);
}
