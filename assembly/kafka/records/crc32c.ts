// CRC-32C (Castagnoli), the checksum of RecordBatch v2. Table-driven, slicing by 8:
// eight bytes per step, which is what keeps re-checksumming a patched batch cheap.

const POLY: u32 = 0x82f63b78; // reflected Castagnoli polynomial
let table: StaticArray<u32> | null = null;

function buildTable(): StaticArray<u32> {
  const t = new StaticArray<u32>(8 * 256);
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
    unchecked(t[i] = c);
  }
  for (let i = 0; i < 256; i++) {
    let c = unchecked(t[i]);
    for (let s = 1; s < 8; s++) {
      c = unchecked(t[c & 0xff]) ^ (c >>> 8);
      unchecked(t[s * 256 + i] = c);
    }
  }
  return t;
}

/** Continues a CRC-32C over `length` bytes at `ptr` (start with crc = 0). */
export function crc32cUpdate(crc: u32, ptr: usize, length: i32): u32 {
  let t = table;
  if (t == null) { t = buildTable(); table = t; }
  const tp = changetype<usize>(t);
  let c = ~crc;
  let p = ptr;
  let n = length;
  while (n >= 8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c = load<u32>(tp + ((7 * 256 + (lo & 0xff)) << 2))
      ^ load<u32>(tp + ((6 * 256 + ((lo >>> 8) & 0xff)) << 2))
      ^ load<u32>(tp + ((5 * 256 + ((lo >>> 16) & 0xff)) << 2))
      ^ load<u32>(tp + ((4 * 256 + (lo >>> 24)) << 2))
      ^ load<u32>(tp + ((3 * 256 + (hi & 0xff)) << 2))
      ^ load<u32>(tp + ((2 * 256 + ((hi >>> 8) & 0xff)) << 2))
      ^ load<u32>(tp + ((1 * 256 + ((hi >>> 16) & 0xff)) << 2))
      ^ load<u32>(tp + ((hi >>> 24) << 2));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = load<u32>(tp + (((c ^ load<u8>(p)) & 0xff) << 2)) ^ (c >>> 8);
    p++;
    n--;
  }
  return ~c;
}

/** CRC-32C of a byte view. */
export function crc32c(view: Uint8Array): u32 {
  return crc32cUpdate(0, view.dataStart, view.byteLength);
}
