// Turns a byte stream, chunked however TCP chose, into whole size-prefixed Kafka frames.
//
// Frames that arrive whole inside one chunk are handed out as views of that
// chunk (no copy). Only a frame split across chunks is copied, once, into a
// buffer of exactly its size, allocated when its size prefix is known and
// checked against the limit, so memory stays bounded by the maximum frame size.

/** A whole frame: `length` bytes at `offset` in `buffer`, size prefix included. */
export class Frame {
  constructor(readonly buffer: ArrayBuffer, readonly offset: i32, readonly length: i32) {}
  /** The frame's bytes after the 4-byte size prefix. */
  get bodyLength(): i32 { return this.length - 4; }
}

export enum FrameError {
  None = 0,
  /** The size prefix is larger than the configured maximum. */
  Oversize = 1,
  /** The size prefix is negative. */
  NegativeSize = 2,
}

export class FrameAssembler {
  error: FrameError = FrameError.None;
  /** The size prefix that caused the error, for the log line. */
  errorSize: i32 = 0;
  /** Frames that arrived in more than one chunk (a measure of how chunking split the stream). */
  reassembled: u64 = 0;

  // A frame in progress: its 4-byte prefix may itself be split.
  private readonly prefix: ArrayBuffer = new ArrayBuffer(4);
  private prefixHave: i32 = 0;
  private partial: ArrayBuffer | null = null;
  private partialHave: i32 = 0;

  readonly maxFrameSize: i32;

  constructor(maxFrameSize: i32) {
    // size + 4 must fit in an i32.
    this.maxFrameSize = maxFrameSize < 0 || maxFrameSize > i32.MAX_VALUE - 4 ? i32.MAX_VALUE - 4 : maxFrameSize;
  }

  /** Bytes held back waiting for the rest of a frame. */
  pendingBytes(): i32 {
    return this.partial != null ? this.partialHave : this.prefixHave;
  }

  /** After push returns false: where in the chunk the bytes that were not framed begin. */
  errorOffset: i32 = 0;

  /**
   * Consumes `chunk[offset, offset+length)`, appending every frame it completes to `out`.
   * Stops at the first bad size prefix and returns false.
   */
  push(chunk: ArrayBuffer, offset: i32, length: i32, out: Array<Frame>): bool {
    if (this.error != FrameError.None) return false;
    let p = offset;
    const end = offset + length;
    const base = changetype<usize>(chunk);
    while (p < end) {
      // Finish a frame started in an earlier chunk.
      const partial = this.partial;
      if (partial != null) {
        const need = partial.byteLength - this.partialHave;
        const n = end - p < need ? end - p : need;
        memory.copy(changetype<usize>(partial) + <usize>this.partialHave, base + <usize>p, n);
        this.partialHave += n;
        p += n;
        if (this.partialHave == partial.byteLength) {
          out.push(new Frame(partial, 0, partial.byteLength));
          this.partial = null;
          this.partialHave = 0;
          this.reassembled++;
        }
        continue;
      }
      if (this.prefixHave > 0) {
        // Finish a split size prefix.
        while (this.prefixHave < 4 && p < end) {
          store<u8>(changetype<usize>(this.prefix) + <usize>this.prefixHave, load<u8>(base + <usize>p));
          this.prefixHave++;
          p++;
        }
        if (this.prefixHave < 4) break;
        const size = bswap<i32>(load<i32>(changetype<usize>(this.prefix)));
        if (!this.checkSize(size)) { this.errorOffset = p; return false; }
        const buf = new ArrayBuffer(size + 4);
        memory.copy(changetype<usize>(buf), changetype<usize>(this.prefix), 4);
        this.partial = buf;
        this.partialHave = 4;
        this.prefixHave = 0;
        if (size == 0) {
          out.push(new Frame(buf, 0, 4));
          this.partial = null;
          this.partialHave = 0;
        }
        continue;
      }
      // At a frame boundary inside this chunk.
      if (end - p < 4) {
        while (p < end) {
          store<u8>(changetype<usize>(this.prefix) + <usize>this.prefixHave, load<u8>(base + <usize>p));
          this.prefixHave++;
          p++;
        }
        break;
      }
      const size = bswap<i32>(load<i32>(base + <usize>p));
      if (!this.checkSize(size)) { this.errorOffset = p; return false; }
      if (size <= end - p - 4) {
        out.push(new Frame(chunk, p, size + 4));
        p += size + 4;
        continue;
      }
      // The frame continues in a later chunk: copy what we have into a buffer of its exact size.
      const buf = new ArrayBuffer(size + 4);
      const have = end - p;
      memory.copy(changetype<usize>(buf), base + <usize>p, have);
      this.partial = buf;
      this.partialHave = have;
      p = end;
    }
    return true;
  }

  private checkSize(size: i32): bool {
    if (size < 0) { this.error = FrameError.NegativeSize; this.errorSize = size; return false; }
    if (size > this.maxFrameSize) { this.error = FrameError.Oversize; this.errorSize = size; return false; }
    return true;
  }

  /** Hands back the held partial bytes (for end of stream or passthrough) and forgets them. */
  takePending(): ArrayBuffer {
    const partial = this.partial;
    let out: ArrayBuffer;
    if (partial != null) out = partial.slice(0, this.partialHave);
    else out = this.prefix.slice(0, this.prefixHave);
    this.partial = null;
    this.partialHave = 0;
    this.prefixHave = 0;
    return out;
  }
}
