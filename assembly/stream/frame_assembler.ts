// Turns a byte stream, chunked however TCP chose, into size-prefixed Kafka frames, and hands
// each one to a FrameSink.
//
// Nothing is allocated on a size the peer announced: a size prefix costs four bytes until the
// bytes it announces arrive.
// - A frame that arrives whole inside one chunk is handed out as a view of the chunk (no copy).
// - A frame split across chunks is held in a buffer that grows with what arrived (doubling, up
//   to the frame's size), each growth charged to the VM's memory budget (held_bytes.ts). While the frame's head
//   is arriving, the sink decides what it needs:
//     Whole:  keep holding until the frame is complete, then hand it out;
//     Stream: hand out the head now, then pass every later byte on as it arrives, holding none.
// A peer that announces 100 MiB and sends 4 bytes therefore costs 4 bytes, and one that really
// sends a frame the sink wants whole is refused (FrameError.OverBudget) as soon as the frame
// could not fit in what the budget has left.
import { budgetRemaining } from "../runtime/budget";
import { HeldBytes } from "./held_bytes";

/** A frame, or a frame's head: `length` bytes at `offset` in `buffer`, size prefix included. */
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
  /** Holding the frame would take the VM over its memory budget. */
  OverBudget = 3,
}

/** What a sink wants of a frame that has not arrived whole. */
export enum FrameScope {
  /** Not yet known: show me more of the frame. */
  Undecided = 0,
  /** Hold it and hand it out whole. */
  Whole = 1,
  /** Hand out the head now and pass the rest on as it arrives. */
  Stream = 2,
  /** The sink gave up on the connection (it applied its policy): stop. */
  Stop = 3,
}

/** Where the frames go. Returning false from any method stops the assembler after that frame. */
export abstract class FrameSink {
  /**
   * The first `have` bytes (`head`, size prefix included) of a frame of `length` bytes that has
   * not arrived whole. Called again with more bytes while it answers Undecided.
   */
  abstract scope(head: Frame, length: i32): FrameScope;
  /** A whole frame. The sink forwards it (or what replaces it). */
  abstract frame(f: Frame): bool;
  /** The head of a frame to stream, `length` bytes in all. The sink forwards it (or what replaces it). */
  abstract streamStart(head: Frame, length: i32): bool;
  /** More bytes of the frame being streamed; false when the sink stopped reading the stream there. */
  abstract streamBytes(buffer: ArrayBuffer, offset: i32, length: i32): bool;
  /** The frame being streamed has passed whole. */
  abstract streamEnd(): void;
}

/** The smallest buffer a held frame starts with (growth doubles from here or from what arrived). */
const MIN_HOLD: i32 = 4096;

export class FrameAssembler {
  error: FrameError = FrameError.None;
  /** The size prefix that caused the error, for the log line. */
  errorSize: i32 = 0;
  /** Frames that arrived in more than one chunk and were held (a measure of how chunking split the stream). */
  reassembled: u64 = 0;
  /** Frames passed on as they arrived. */
  streamed: u64 = 0;
  /**
   * After push returns false: where in the chunk the bytes not yet forwarded begin. Together with
   * takePending() (what was held before that point) they are what passthrough forwards raw.
   */
  stopOffset: i32 = 0;

  private readonly prefix: ArrayBuffer = new ArrayBuffer(4);
  private prefixHave: i32 = 0;
  /** The frame being held (nothing while none is). */
  private readonly held: HeldBytes = new HeldBytes();
  /** Length (size prefix included) of the frame being held or streamed. */
  private frameLength: i32 = 0;
  private scope: FrameScope = FrameScope.Undecided;
  /** Bytes of a streamed frame still to pass on. */
  private streamLeft: i32 = 0;

  readonly maxFrameSize: i32;

  constructor(maxFrameSize: i32) {
    // size + 4 must fit in an i32.
    this.maxFrameSize = maxFrameSize < 0 || maxFrameSize > i32.MAX_VALUE - 4 ? i32.MAX_VALUE - 4 : maxFrameSize;
  }

  /** Bytes held back waiting for the rest of a frame (a streamed frame holds none). */
  pendingBytes(): i32 {
    return this.held.holding ? this.held.length : this.prefixHave;
  }

  /** Budget this assembler holds now. */
  get heldBudget(): i32 { return this.held.charged; }

  /** Whether a frame is being passed on as it arrives. */
  get streaming(): bool { return this.streamLeft > 0; }

  /** Consumes `chunk[offset, offset+length)`, handing every frame to `sink`. False when it stopped. */
  push(chunk: ArrayBuffer, offset: i32, length: i32, sink: FrameSink): bool {
    if (this.error != FrameError.None) return false;
    let p = offset;
    const end = offset + length;
    const base = changetype<usize>(chunk);
    while (p < end) {
      // The rest of a streamed frame goes straight on.
      if (this.streamLeft > 0) {
        const n = min(end - p, this.streamLeft);
        const go = sink.streamBytes(chunk, p, n);
        this.streamLeft -= n;
        p += n;
        // The sink took these bytes (forwarded, or given back for passthrough) and stopped.
        if (!go) return this.stop(p, FrameError.None, 0);
        if (this.streamLeft == 0) sink.streamEnd();
        continue;
      }
      // More of a frame being held.
      if (this.held.holding) {
        const n = min(end - p, this.frameLength - this.held.length);
        if (!this.append(chunk, p, n)) return this.stop(p, FrameError.OverBudget, this.frameLength - 4);
        p += n;
        const more = this.afterArrival(sink);
        if (more == 0) return this.stop(p, FrameError.None, 0);
        if (more < 0) return this.stop(p, FrameError.OverBudget, this.frameLength - 4);
        continue;
      }
      // A size prefix split across chunks.
      if (this.prefixHave > 0 || end - p < 4) {
        while (this.prefixHave < 4 && p < end) {
          store<u8>(changetype<usize>(this.prefix) + <usize>this.prefixHave, load<u8>(base + <usize>p));
          this.prefixHave++;
          p++;
        }
        if (this.prefixHave < 4) break;
        const size = bswap<i32>(load<i32>(changetype<usize>(this.prefix)));
        const bad = this.checkSize(size);
        if (bad != FrameError.None) return this.stop(p, bad, size);
        this.prefixHave = 0;
        if (!this.begin(this.prefix, 0, 4, size + 4)) return this.stop(p, FrameError.OverBudget, size);
        const more = this.afterArrival(sink);
        if (more == 0) return this.stop(p, FrameError.None, 0);
        if (more < 0) return this.stop(p, FrameError.OverBudget, size);
        continue;
      }
      // At a frame boundary inside this chunk.
      const size = bswap<i32>(load<i32>(base + <usize>p));
      const bad = this.checkSize(size);
      if (bad != FrameError.None) return this.stop(p, bad, size);
      if (size <= end - p - 4) {
        const whole = new Frame(chunk, p, size + 4);
        p += size + 4;
        if (!sink.frame(whole)) return this.stop(p, FrameError.None, 0);
        continue;
      }
      // The frame continues in a later chunk.
      if (!this.begin(chunk, p, end - p, size + 4)) return this.stop(p, FrameError.OverBudget, size);
      p = end;
      const more = this.afterArrival(sink);
      if (more == 0) return this.stop(p, FrameError.None, 0);
      if (more < 0) return this.stop(p, FrameError.OverBudget, size);
    }
    return true;
  }

  /**
   * After bytes of a held frame arrived: hand it out if complete, else ask the sink what it wants.
   * 1 to go on, 0 when the sink stopped, -1 when the frame cannot be afforded.
   */
  private afterArrival(sink: FrameSink): i32 {
    const held = this.held;
    const have = held.length;
    if (have == this.frameLength) {
      // The buffer now lives until this callback ends.
      const f = new Frame(held.handOver()!, 0, have);
      this.scope = FrameScope.Undecided;
      this.reassembled++;
      return sink.frame(f) ? 1 : 0;
    }
    if (this.scope != FrameScope.Undecided) return 1;
    const scope = sink.scope(new Frame(held.buffer!, 0, have), this.frameLength);
    if (scope == FrameScope.Stop) return 0;
    if (scope == FrameScope.Whole) {
      // It could never finish arriving: refuse it now rather than after holding most of it.
      if (<i64>(this.frameLength - held.charged) > budgetRemaining()) return -1;
      this.scope = FrameScope.Whole;
      return 1;
    }
    if (scope == FrameScope.Stream) {
      const head = new Frame(held.handOver()!, 0, have);
      this.scope = FrameScope.Undecided;
      this.streamLeft = this.frameLength - have;
      this.streamed++;
      return sink.streamStart(head, head.length + this.streamLeft) ? 1 : 0;
    }
    return 1;
  }

  /** Starts holding a frame of `frameLength` bytes with its first `n` bytes. */
  private begin(src: ArrayBuffer, offset: i32, n: i32, frameLength: i32): bool {
    this.frameLength = frameLength;
    this.scope = FrameScope.Undecided;
    return this.append(src, offset, n);
  }

  /** Appends to the held frame, its buffer growing with what arrived, never past the frame's size. */
  private append(src: ArrayBuffer, offset: i32, n: i32): bool {
    return this.held.append(src, offset, n, MIN_HOLD, this.frameLength);
  }

  private stop(p: i32, error: FrameError, size: i32): bool {
    this.stopOffset = p;
    if (error != FrameError.None) {
      this.error = error;
      this.errorSize = size;
    }
    return false;
  }

  private checkSize(size: i32): FrameError {
    if (size < 0) return FrameError.NegativeSize;
    if (size > this.maxFrameSize) return FrameError.Oversize;
    return FrameError.None;
  }

  /**
   * Hands back the held bytes (for end of stream or passthrough) as a view, and forgets them;
   * their budget charge lasts until this callback ends, when the host has copied them.
   */
  takePending(): Frame {
    const held = this.held;
    let out: Frame;
    if (held.holding) {
      const have = held.length;
      out = new Frame(held.handOver()!, 0, have);
      this.scope = FrameScope.Undecided;
    } else {
      out = new Frame(this.prefix.slice(0, this.prefixHave), 0, this.prefixHave);
    }
    this.prefixHave = 0;
    return out;
  }

  /** Drops whatever is held and gives its budget back (the connection is closing). */
  release(): void {
    this.held.release();
    this.scope = FrameScope.Undecided;
    this.prefixHave = 0;
    this.streamLeft = 0;
  }
}
