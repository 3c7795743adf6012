// Legacy message sets (magic 0 and 1), the format before RecordBatch v2. Brokers before 4.0
// still serve them from old log segments. Each entry is
//   offset int64, message_size int32, crc uint32, magic int8, attributes int8,
//   [timestamp int64, magic 1 only], key bytes (int32 length, −1 null), value bytes
// and a compressed entry (attributes & 7 ≠ 0) is a wrapper whose value is a whole inner
// message set, compressed. The CRC is CRC-32 (IEEE) over magic..end. Read in place: keys
// and values are views, so length-preserving edits patch them and fixCrc() repairs the entry.
import { crc32Update } from "../compression/crc32";

/** Offset of the magic byte in an entry: it sits where RecordBatch v2 keeps its own. */
export const LEGACY_MAGIC_AT: i32 = 16;

@inline function be32(p: usize): i32 { return bswap<i32>(load<i32>(p)); }

/** One message of a legacy message set, at `offset` in `buffer`, `size` bytes long (its message_size + 12). */
export class LegacyMessage {
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  constructor(readonly buffer: ArrayBuffer, readonly offset: i32, readonly size: i32) {}

  @inline private at(rel: i32): usize { return changetype<usize>(this.buffer) + <usize>(this.offset + rel); }
  get magic(): i8 { return load<i8>(this.at(LEGACY_MAGIC_AT)); }
  get attributes(): i8 { return load<i8>(this.at(17)); }
  /** 0 none, 1 gzip, 2 snappy, 3 lz4. */
  get compression(): i32 { return this.attributes & 7; }
  get crc(): u32 { return <u32>be32(this.at(12)); }
  /** The entry's offset: absolute, or (inner messages of a magic 1 wrapper) relative to the set. */
  get messageOffset(): i64 { return (<i64>be32(this.at(0)) << 32) | (<i64>be32(this.at(4)) & 0xffffffff); }
  /** Magic 1's timestamp (-1 for magic 0). */
  get timestamp(): i64 { return this.magic == 1 ? (<i64>be32(this.at(18)) << 32) | (<i64>be32(this.at(22)) & 0xffffffff) : -1; }

  computeCrc(): u32 { return crc32Update(0, this.at(LEGACY_MAGIC_AT), this.size - LEGACY_MAGIC_AT); }
  crcValid(): bool { return this.computeCrc() == this.crc; }
  fixCrc(): void { store<i32>(this.at(12), bswap<i32>(<i32>this.computeCrc())); }
}

export enum MessageSetError { None = 0, Truncated = 1, BadMagic = 2, BadLength = 3 }

/**
 * Reads the messages of a legacy message set one at a time. A trailing partial message
 * (brokers cut fetches mid-message) ends the set with Truncated and `partialAt` set.
 */
export class MessageSetReader {
  error: MessageSetError = MessageSetError.None;
  private pos: i32;
  private readonly end: i32;
  constructor(readonly buffer: ArrayBuffer, offset: i32, length: i32) {
    this.pos = offset;
    this.end = offset + length;
  }

  /** Where the next message starts. */
  get position(): i32 { return this.pos; }

  next(): LegacyMessage | null {
    if (this.error != MessageSetError.None || this.pos >= this.end) return null;
    const base = changetype<usize>(this.buffer) + <usize>this.pos;
    const left = this.end - this.pos;
    if (left < 12) { this.error = MessageSetError.Truncated; return null; }
    const size = be32(base + 8);
    if (size < 0 || size > left - 12) { this.error = MessageSetError.Truncated; return null; }
    const magic = size >= 6 ? load<i8>(base + <usize>LEGACY_MAGIC_AT) : -1;
    if (magic != 0 && magic != 1) { this.error = MessageSetError.BadMagic; return null; }
    const m = new LegacyMessage(this.buffer, this.pos, size + 12);
    // crc(4) magic(1) attributes(1) [timestamp(8)] key value
    let q = this.pos + 12 + 4 + 1 + 1 + (magic == 1 ? 8 : 0);
    const stop = this.pos + 12 + size;
    const key = this.bytes(q, stop);
    if (key < -1) { this.error = MessageSetError.BadLength; return null; }
    m.key = key < 0 ? null : Uint8Array.wrap(this.buffer, q + 4, key);
    q += 4 + (key < 0 ? 0 : key);
    const value = this.bytes(q, stop);
    if (value < -1) { this.error = MessageSetError.BadLength; return null; }
    m.value = value < 0 ? null : Uint8Array.wrap(this.buffer, q + 4, value);
    q += 4 + (value < 0 ? 0 : value);
    if (q != stop) { this.error = MessageSetError.BadLength; return null; }
    this.pos = stop;
    return m;
  }

  /** The length of the bytes field at q (−1 null), or −2 when it does not fit before `stop`. */
  private bytes(q: i32, stop: i32): i32 {
    if (stop - q < 4) return -2;
    const n = be32(changetype<usize>(this.buffer) + <usize>q);
    if (n < -1 || n > stop - q - 4) return -2;
    return n;
  }
}

/**
 * `wrapper` again with a new (compressed) value: same offset, magic, attributes and
 * timestamp and key, new size and CRC.
 */
export function legacyWithValue(wrapper: LegacyMessage, value: Uint8Array): Uint8Array {
  return legacyWith(wrapper, wrapper.key, value);
}

/**
 * `message` again with a new key and value (either may be null): same offset, magic, attributes
 * and timestamp, new size and CRC.
 */
export function legacyWith(message: LegacyMessage, key: Uint8Array | null, value: Uint8Array | null): Uint8Array {
  const head = message.magic == 1 ? 14 : 6; // crc, magic, attributes [, timestamp]: after offset and size, up to the key
  const keyLen = key == null ? 0 : key.byteLength;
  const valueLen = value == null ? 0 : value.byteLength;
  const size = head + 4 + keyLen + 4 + valueLen;
  const out = new ArrayBuffer(12 + size);
  const o = changetype<usize>(out);
  memory.copy(o, changetype<usize>(message.buffer) + <usize>message.offset, 12 + <usize>head);
  store<i32>(o + 8, bswap<i32>(size));
  let q = o + 12 + <usize>head;
  store<i32>(q, bswap<i32>(key == null ? -1 : keyLen));
  if (key != null) memory.copy(q + 4, key.dataStart, <usize>keyLen);
  q += 4 + <usize>keyLen;
  store<i32>(q, bswap<i32>(value == null ? -1 : valueLen));
  if (value != null) memory.copy(q + 4, value.dataStart, <usize>valueLen);
  const m = new LegacyMessage(out, 0, out.byteLength);
  m.fixCrc();
  return Uint8Array.wrap(out);
}
