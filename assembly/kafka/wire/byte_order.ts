// Byte order for 64-bit fields. Kafka is big-endian and wasm little-endian, so every int64
// (offsets, timestamps, producer ids) is swapped. The standard library's bswap<i64> is a call
// that the optimizer does not inline (it showed up on its own in a Fetch decode profile); two
// 32-bit swaps inline to a few instructions.

// @ts-ignore: decorator
@inline function swap32(v: u32): u32 {
  return rotl<u32>(v & 0xff00ff00, 8) | rotr<u32>(v & 0x00ff00ff, 8);
}

/** The 64-bit value with its bytes reversed. */
// @ts-ignore: decorator
@inline export function swap64(v: u64): u64 {
  return (<u64>swap32(<u32>v) << 32) | <u64>swap32(<u32>(v >>> 32));
}
