// Kafka wire primitives: a big-endian writer into a buffer sized up front.
// Messages compute their exact size first, so encoding allocates once. A write
// past the end sets the sticky `bad` flag instead of trapping.

import { swap64 } from "./byte_order";
import { utf8Length, encodeUtf8 } from "./utf8";

export class Writer {
  bad: bool = false;
  private readonly base: usize;
  pos: i32;
  readonly end: i32;

  /** A writer over `buffer` from `offset`, up to `end` (the buffer's end when -1 or past it). */
  constructor(readonly buffer: ArrayBuffer, offset: i32 = 0, end: i32 = -1) {
    this.base = changetype<usize>(buffer);
    const total = buffer.byteLength;
    this.end = end < 0 || end > total ? total : end;
    this.pos = offset < 0 ? 0 : (offset > this.end ? this.end : offset);
  }

  /** A writer over a fresh buffer of exactly `size` bytes. */
  static sized(size: i32): Writer {
    return new Writer(new ArrayBuffer(size < 0 ? 0 : size));
  }

  /** True when the buffer was filled exactly and nothing overflowed. */
  complete(): bool { return !this.bad && this.pos == this.end; }

  @inline private take(n: i32): i32 {
    const p = this.pos;
    if (n > this.end - p) { this.bad = true; this.pos = this.end; return -1; }
    this.pos = p + n;
    return p;
  }

  @inline int8(v: i8): void { const p = this.take(1); if (p >= 0) store<i8>(this.base + p, v); }
  bool(v: bool): void { this.int8(v ? 1 : 0); }
  @inline int16(v: i16): void { const p = this.take(2); if (p >= 0) store<i16>(this.base + p, bswap<i16>(v)); }
  uint16(v: u16): void { const p = this.take(2); if (p >= 0) store<u16>(this.base + p, bswap<u16>(v)); }
  @inline int32(v: i32): void { const p = this.take(4); if (p >= 0) store<i32>(this.base + p, bswap<i32>(v)); }
  uint32(v: u32): void { const p = this.take(4); if (p >= 0) store<u32>(this.base + p, bswap<u32>(v)); }
  @inline int64(v: i64): void { const p = this.take(8); if (p >= 0) store<u64>(this.base + p, swap64(<u64>v)); }
  float64(v: f64): void { const p = this.take(8); if (p >= 0) store<u64>(this.base + p, swap64(reinterpret<u64>(v))); }

  @inline uvarint(v: u32): void {
    // Most are one byte: compact lengths and tagged-field counts.
    if (v < 0x80) this.int8(<i8>v);
    else this.uvarintLong(v);
  }

  private uvarintLong(v: u32): void {
    while (v >= 0x80) { this.int8(<i8>((v & 0x7f) | 0x80)); v >>>= 7; }
    this.int8(<i8>v);
  }

  uvarlong(v: u64): void {
    while (v >= 0x80) { this.int8(<i8>((v & 0x7f) | 0x80)); v >>>= 7; }
    this.int8(<i8>v);
  }

  varint(v: i32): void { this.uvarint(<u32>((v << 1) ^ (v >> 31))); }
  varlong(v: i64): void { this.uvarlong(<u64>((v << 1) ^ (v >> 63))); }

  /** Raw bytes with no length prefix. */
  raw(view: Uint8Array): void {
    const n = view.byteLength;
    const p = this.take(n);
    if (p >= 0) memory.copy(this.base + p, view.dataStart, n);
  }

  rawBuffer(buf: ArrayBuffer, offset: i32, length: i32): void {
    if (offset < 0 || length < 0 || offset > buf.byteLength - length) { this.bad = true; return; }
    const p = this.take(length);
    if (p >= 0) memory.copy(this.base + p, changetype<usize>(buf) + offset, length);
  }

  uuid(v: Uint8Array): void {
    if (v.byteLength != 16) { this.bad = true; return; }
    this.raw(v);
  }

  private utf8(s: string, n: i32): void {
    const p = this.take(n);
    if (p >= 0) encodeUtf8(s, this.base + p);
  }

  string(s: string): void { const n = utf8Length(s); this.int16(<i16>n); this.utf8(s, n); }
  nullableString(s: string | null): void {
    if (s == null) { this.int16(-1); return; }
    this.string(s);
  }
  compactString(s: string): void { const n = utf8Length(s); this.uvarint(<u32>n + 1); this.utf8(s, n); }
  compactNullableString(s: string | null): void {
    if (s == null) { this.uvarint(0); return; }
    this.compactString(s);
  }

  bytes(v: Uint8Array): void { this.int32(v.byteLength); this.raw(v); }
  nullableBytes(v: Uint8Array | null): void {
    if (v == null) { this.int32(-1); return; }
    this.bytes(v);
  }
  compactBytes(v: Uint8Array): void { this.uvarint(<u32>v.byteLength + 1); this.raw(v); }
  compactNullableBytes(v: Uint8Array | null): void {
    if (v == null) { this.uvarint(0); return; }
    this.compactBytes(v);
  }

  arrayLength(n: i32): void { this.int32(n); }
  compactArrayLength(n: i32): void { this.uvarint(n < 0 ? 0 : <u32>n + 1); }
}

/** Encoded sizes, for the exact size() every message computes before encoding. */
export namespace sizeOf {
  export function uvarint(v: u32): i32 {
    let n = 1;
    while (v >= 0x80) { v >>>= 7; n++; }
    return n;
  }
  export function uvarlong(v: u64): i32 {
    let n = 1;
    while (v >= 0x80) { v >>>= 7; n++; }
    return n;
  }
  export function varint(v: i32): i32 { return uvarint(<u32>((v << 1) ^ (v >> 31))); }
  export function varlong(v: i64): i32 { return uvarlong(<u64>((v << 1) ^ (v >> 63))); }
  export function str(s: string): i32 { return 2 + utf8Length(s); }
  export function nullableStr(s: string | null): i32 { return s == null ? 2 : str(s); }
  export function compactStr(s: string): i32 { const n = utf8Length(s); return uvarint(<u32>n + 1) + n; }
  export function compactNullableStr(s: string | null): i32 { return s == null ? 1 : compactStr(s); }
  export function bytes(v: Uint8Array): i32 { return 4 + v.byteLength; }
  export function nullableBytes(v: Uint8Array | null): i32 { return v == null ? 4 : bytes(v); }
  export function compactBytes(v: Uint8Array): i32 { return uvarint(<u32>v.byteLength + 1) + v.byteLength; }
  export function compactNullableBytes(v: Uint8Array | null): i32 { return v == null ? 1 : compactBytes(v); }
  export function compactArrayLength(n: i32): i32 { return uvarint(n < 0 ? 0 : <u32>n + 1); }
}
