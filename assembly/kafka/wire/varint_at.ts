// Zig-zag varints read straight from memory, for walks over many small fields (a batch's
// records), where a Reader's per-call bookkeeping (sticky error, field name, position) would
// cost more than the decoding itself.
//
// Each function reads at address `p` and never at or past `end`. The 32-bit one returns the
// value and where it ended packed in one u64 (the value in the low half, the address after it
// in the high half), so that a caller's loop keeps both in registers; the address is 0 when the
// varint is cut short by `end` or runs over its width. Widths and overflow behave as
// Reader.varint and Reader.varlong: at most 5 and 10 bytes, bits past the type dropped.

/** A zig-zag varint (at most 5 bytes) at `p`: `(after << 32) | <u32>value`, `after` 0 when malformed. */
@inline export function varintAt(p: usize, end: usize): u64 {
  // Most record fields fit one byte (deltas, short keys, header counts), and a record's length
  // and its value's length two (up to 8 KiB).
  if (p + 1 < end) {
    const b = <u32>load<u16>(p);
    if ((b & 0x80) == 0) return (<u64>(p + 1) << 32) | <u64>unzigzag32(b & 0x7f);
    if ((b & 0x8000) == 0) return (<u64>(p + 2) << 32) | <u64>unzigzag32((b & 0x7f) | ((b >>> 1) & 0x3f80));
  } else if (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80) return (<u64>(p + 1) << 32) | <u64>unzigzag32(b);
  }
  return varintLongAt(p, end);
}

/** The value of a packed varintAt result. */
@inline export function packedValue(packed: u64): i32 { return <i32><u32>packed; }

/** The address after a packed varintAt result (0: malformed). */
@inline export function packedEnd(packed: u64): usize { return <usize>(packed >>> 32); }

@inline function unzigzag32(u: u32): u32 { return (u >>> 1) ^ <u32>(-<i32>(u & 1)); }

function varintLongAt(p: usize, end: usize): u64 {
  if (p + 5 <= end) {
    // Five bytes are there: no bounds check per byte (record and value lengths are two bytes).
    let b = <u32>load<u8>(p);
    let u = b & 0x7f;
    b = <u32>load<u8>(p, 1); u |= (b & 0x7f) << 7;
    if (b < 0x80) return (<u64>(p + 2) << 32) | <u64>unzigzag32(u);
    b = <u32>load<u8>(p, 2); u |= (b & 0x7f) << 14;
    if (b < 0x80) return (<u64>(p + 3) << 32) | <u64>unzigzag32(u);
    b = <u32>load<u8>(p, 3); u |= (b & 0x7f) << 21;
    if (b < 0x80) return (<u64>(p + 4) << 32) | <u64>unzigzag32(u);
    b = <u32>load<u8>(p, 4); u |= b << 28;
    if (b < 0x80) return (<u64>(p + 5) << 32) | <u64>unzigzag32(u);
    return 0;
  }
  let u: u32 = 0;
  for (let shift: u32 = 0; shift < 35; shift += 7) {
    if (p >= end) return 0;
    const b = <u32>load<u8>(p);
    p++;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) return (<u64>p << 32) | <u64>unzigzag32(u);
  }
  return 0;
}

/** Where the last varlongAt ended (0: malformed). */
export let varlongEnd: usize = 0;

/** A zig-zag varlong (at most 10 bytes) at `p`; sets varlongEnd. */
@inline export function varlongAt(p: usize, end: usize): i64 {
  // Record timestamp deltas are most often 0 or a few milliseconds.
  if (p < end) {
    const b = <u64>load<u8>(p);
    if (b < 0x80) { varlongEnd = p + 1; return <i64>(b >>> 1) ^ -<i64>(b & 1); }
  }
  return varlongLongAt(p, end);
}

function varlongLongAt(p: usize, end: usize): i64 {
  let u: u64 = 0;
  for (let shift: u64 = 0; shift < 70; shift += 7) {
    if (p >= end) { varlongEnd = 0; return 0; }
    const b = <u64>load<u8>(p);
    p++;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) { varlongEnd = p; return <i64>(u >>> 1) ^ -<i64>(u & 1); }
  }
  varlongEnd = 0;
  return 0;
}
