// Kafka wire primitives: a bounds-checked big-endian reader over a byte view.
//
// The error flag is sticky: after the first failure every read returns a zero
// value and the position stops moving, so decoders read on and check `bad`
// once at the end. Every length is checked against the bytes left before
// anything is allocated, so a hostile length can never trap or exhaust memory.

import { swap64 } from "./byte_order";
import { finishUtf8 } from "./utf8";

export enum ReadError {
  None = 0,
  /** A fixed-size read or a length ran past the end of the view. */
  Truncated = 1,
  /** A length was negative where null is not allowed, or over the bytes left. */
  BadLength = 2,
  /** A varint ran over its maximum width. */
  BadVarint = 3,
  /** A value that the field's type cannot hold (e.g. a bool not 0 or 1 is tolerated; this is for real violations). */
  BadValue = 4,
  /** More structs than the reader's allowance (`structsLeft`): decoding would cost more memory than the caller has. */
  TooManyStructs = 5,
}

export class Reader {
  /** Set on the first failure and never cleared. */
  bad: bool = false;
  error: ReadError = ReadError.None;
  /** Offset (from the view's start) where the first failure happened. */
  errorOffset: i32 = -1;
  /** Name of the field being read when the first failure happened; decoders keep it current. */
  field: string = "";
  errorField: string = "";
  /**
   * How many more array elements that decode to objects this reader may announce. A decoded
   * struct costs many times its bytes on the wire (an 11-byte Metadata broker becomes an object,
   * a string and their headers), so a caller with a memory budget sets this from it; the default
   * is no limit.
   */
  structsLeft: i64 = i64.MAX_VALUE;

  private readonly base: usize;
  pos: i32;
  readonly end: i32;
  readonly start: i32;

  /** A reader over bytes [offset, offset+length) of `buffer`; the range is clamped to the buffer. */
  constructor(readonly buffer: ArrayBuffer, offset: i32 = 0, length: i32 = -1) {
    const total = buffer.byteLength;
    if (offset < 0) offset = 0;
    if (offset > total) offset = total;
    if (length < 0 || length > total - offset) length = total - offset;
    this.base = changetype<usize>(buffer);
    this.start = offset;
    this.pos = offset;
    this.end = offset + length;
  }

  static of(view: Uint8Array): Reader {
    return new Reader(view.buffer, view.byteOffset, view.byteLength);
  }

  @inline remaining(): i32 { return this.end - this.pos; }

  /** True when every byte was consumed and nothing failed. */
  complete(): bool { return !this.bad && this.pos == this.end; }

  /** Offset relative to the start of the view. */
  @inline offset(): i32 { return this.pos - this.start; }

  fail(error: ReadError): void {
    if (this.bad) return;
    this.bad = true;
    this.error = error;
    this.errorOffset = this.pos - this.start;
    this.errorField = this.field;
    this.pos = this.end;
  }

  /** Reserves n bytes, returning their absolute offset, or -1 (and fails) when they are not there. */
  @inline private take(n: i32): i32 {
    const p = this.pos;
    if (n > this.end - p) { this.fail(ReadError.Truncated); return -1; }
    this.pos = p + n;
    return p;
  }

  int8(): i8 {
    const p = this.take(1);
    return p < 0 ? 0 : load<i8>(this.base + p);
  }

  bool(): bool { return this.int8() != 0; }

  @inline int16(): i16 {
    const p = this.take(2);
    return p < 0 ? 0 : bswap<i16>(load<i16>(this.base + p));
  }

  uint16(): u16 {
    const p = this.take(2);
    return p < 0 ? 0 : bswap<u16>(load<u16>(this.base + p));
  }

  @inline int32(): i32 {
    const p = this.take(4);
    return p < 0 ? 0 : bswap<i32>(load<i32>(this.base + p));
  }

  uint32(): u32 {
    const p = this.take(4);
    return p < 0 ? 0 : bswap<u32>(load<u32>(this.base + p));
  }

  @inline int64(): i64 {
    const p = this.take(8);
    return p < 0 ? 0 : <i64>swap64(load<u64>(this.base + p));
  }

  float64(): f64 {
    const p = this.take(8);
    return p < 0 ? 0 : reinterpret<f64>(swap64(load<u64>(this.base + p)));
  }

  /** Unsigned LEB128, at most 5 bytes. */
  @inline uvarint(): u32 {
    // Most are one byte: compact lengths and tagged-field counts.
    const p = this.pos;
    if (p < this.end) {
      const b = <u32>load<u8>(this.base + p);
      if (b < 0x80) { this.pos = p + 1; return b; }
    }
    return this.uvarintLong();
  }

  private uvarintLong(): u32 {
    // Straight-line when five bytes are left (no bounds check per byte): lengths of 128 bytes
    // and up, a partition's records most often.
    const p = this.pos;
    if (this.end - p >= 5) {
      const at = this.base + p;
      let b = <u32>load<u8>(at);
      let result = b & 0x7f;
      b = <u32>load<u8>(at, 1); result |= (b & 0x7f) << 7;
      if (b < 0x80) { this.pos = p + 2; return result; }
      b = <u32>load<u8>(at, 2); result |= (b & 0x7f) << 14;
      if (b < 0x80) { this.pos = p + 3; return result; }
      b = <u32>load<u8>(at, 3); result |= (b & 0x7f) << 21;
      if (b < 0x80) { this.pos = p + 4; return result; }
      b = <u32>load<u8>(at, 4); result |= b << 28;
      if (b < 0x80) { this.pos = p + 5; return result; }
      this.fail(ReadError.BadVarint);
      return 0;
    }
    let result: u32 = 0;
    for (let shift: u32 = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) { this.fail(ReadError.Truncated); return 0; }
      const b = <u32>load<u8>(this.base + this.pos);
      this.pos++;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
    this.fail(ReadError.BadVarint);
    return 0;
  }

  /** Unsigned LEB128, at most 10 bytes. */
  uvarlong(): u64 {
    let result: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) { this.fail(ReadError.Truncated); return 0; }
      const b = <u64>load<u8>(this.base + this.pos);
      this.pos++;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
    this.fail(ReadError.BadVarint);
    return 0;
  }

  /** Zig-zag signed varint (record fields). */
  varint(): i32 {
    const u = this.uvarint();
    return <i32>(u >>> 1) ^ -(<i32>(u & 1));
  }

  /** Zig-zag signed varlong (record timestamps). */
  varlong(): i64 {
    const u = this.uvarlong();
    return <i64>(u >>> 1) ^ -(<i64>(u & 1));
  }

  /** 16 raw bytes. */
  uuid(): Uint8Array {
    return this.view(16);
  }

  /** A view of the next n bytes (no copy). Fails when fewer are left. */
  view(n: i32): Uint8Array {
    if (n < 0) { this.fail(ReadError.BadLength); return new Uint8Array(0); }
    const p = this.take(n);
    if (p < 0) return new Uint8Array(0);
    // What Uint8Array.wrap does, minus the range checks take() has just made.
    const v = changetype<usize>(__new(offsetof<Uint8Array>(), idof<Uint8Array>()));
    store<usize>(v, changetype<usize>(this.buffer), offsetof<Uint8Array>("buffer"));
    __link(v, changetype<usize>(this.buffer), false);
    store<usize>(v, this.base + <usize>p, offsetof<Uint8Array>("dataStart"));
    store<i32>(v, n, offsetof<Uint8Array>("byteLength"));
    return changetype<Uint8Array>(v);
  }

  /** Skips n bytes. */
  skip(n: i32): void {
    if (n < 0) { this.fail(ReadError.BadLength); return; }
    this.take(n);
  }

  private utf8(n: i32): string {
    const p = this.take(n);
    if (p < 0) return "";
    const src = this.base + p;
    // Names on the wire (topics, groups, clients) are ASCII: widen them into a string of the
    // final size. At the first other byte the lossless UTF-8 decoder (wire/utf8.ts) takes over,
    // in the same string.
    const out = changetype<usize>(__new(<usize>n << 1, idof<string>()));
    for (let i = 0; i < n; i++) {
      const b = load<u8>(src + i);
      if (b >= 0x80) return finishUtf8(out, i, src, n);
      store<u16>(out + (<usize>i << 1), b);
    }
    return changetype<string>(out);
  }

  /** int16 length, then UTF-8. A negative length fails: the field is not nullable. */
  string(): string {
    const n = <i32>this.int16();
    if (n < 0) { this.fail(ReadError.BadLength); return ""; }
    return this.utf8(n);
  }

  nullableString(): string | null {
    const n = <i32>this.int16();
    if (n < 0) return null;
    return this.utf8(n);
  }

  /** Unsigned varint of length+1, then UTF-8; 0 would mean null, which is a failure here. */
  compactString(): string {
    const n = <i32>this.uvarint() - 1;
    if (n < 0) { this.fail(ReadError.BadLength); return ""; }
    return this.utf8(n);
  }

  compactNullableString(): string | null {
    const n = <i32>this.uvarint() - 1;
    if (n < 0) return null;
    return this.utf8(n);
  }

  /** int32 length, then bytes, as a view. */
  bytes(): Uint8Array {
    const n = this.int32();
    if (n < 0) { this.fail(ReadError.BadLength); return new Uint8Array(0); }
    return this.view(n);
  }

  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.view(n);
  }

  compactBytes(): Uint8Array {
    const n = <i32>this.uvarint() - 1;
    if (n < 0) { this.fail(ReadError.BadLength); return new Uint8Array(0); }
    return this.view(n);
  }

  compactNullableBytes(): Uint8Array | null {
    const n = <i32>this.uvarint() - 1;
    if (n < 0) return null;
    return this.view(n);
  }

  /**
   * An int32 array count, checked against the bytes left given each element's
   * smallest encoding. Returns -1 for null (the caller decides whether null is allowed).
   */
  @inline arrayLength(minElementSize: i32): i32 {
    const n = this.int32();
    return this.checkCount(n, minElementSize);
  }

  /** A compact array count (unsigned varint of count+1); -1 for null. */
  @inline compactArrayLength(minElementSize: i32): i32 {
    const n = <i32>this.uvarint() - 1;
    return this.checkCount(n, minElementSize);
  }

  /** arrayLength for an array of structs: the count also comes out of `structsLeft`. */
  @inline structArrayLength(minElementSize: i32): i32 {
    return this.takeStructs(this.arrayLength(minElementSize));
  }

  /** compactArrayLength for an array of structs: the count also comes out of `structsLeft`. */
  @inline compactStructArrayLength(minElementSize: i32): i32 {
    return this.takeStructs(this.compactArrayLength(minElementSize));
  }

  private takeStructs(n: i32): i32 {
    if (n <= 0) return n;
    this.structsLeft -= <i64>n;
    if (this.structsLeft < 0) { this.fail(ReadError.TooManyStructs); return 0; }
    return n;
  }

  @inline private checkCount(n: i32, minElementSize: i32): i32 {
    if (this.bad) return 0;
    if (n < 0) return -1;
    const min = minElementSize < 1 ? 1 : minElementSize;
    if (<i64>n * <i64>min > <i64>this.remaining()) { this.fail(ReadError.BadLength); return 0; }
    return n;
  }
}
