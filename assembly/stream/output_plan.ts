// What a data callback hands back to the host: the frames to forward, in order.
// When they are exactly the bytes that arrived, the host buffer is left alone;
// when they are one contiguous run of the chunk, that run is passed without a copy.

const NO_CHUNK = new ArrayBuffer(0);

export class OutputPlan {
  private bufs: Array<ArrayBuffer> = [];
  private offs: Array<i32> = [];
  private lens: Array<i32> = [];
  private total: i32 = 0;
  /** Set when bytes of the chunk were patched in place: the host's copy is stale. */
  patched: bool = false;
  chunk: ArrayBuffer = new ArrayBuffer(0);

  reset(chunk: ArrayBuffer): void {
    this.bufs.length = 0;
    this.offs.length = 0;
    this.lens.length = 0;
    this.total = 0;
    this.patched = false;
    this.chunk = chunk;
  }

  /** Lets go of everything (after the host copied it). */
  clear(): void {
    if (this.bufs.length > 0) { this.bufs.length = 0; this.offs.length = 0; this.lens.length = 0; }
    this.total = 0;
    this.patched = false;
    this.chunk = NO_CHUNK;
  }

  add(buf: ArrayBuffer, offset: i32, length: i32): void {
    if (length <= 0) return;
    const n = this.bufs.length;
    // Merge with the previous piece when it continues it (consecutive frames of one chunk).
    if (n > 0 && this.bufs[n - 1] == buf && this.offs[n - 1] + this.lens[n - 1] == offset) {
      this.lens[n - 1] += length;
    } else {
      this.bufs.push(buf);
      this.offs.push(offset);
      this.lens.push(length);
    }
    this.total += length;
  }

  get size(): i32 { return this.total; }

  /** True when forwarding these pieces means forwarding the chunk exactly as it came. */
  isWholeChunk(): bool {
    if (this.patched) return false;
    if (this.bufs.length == 0) return this.chunk.byteLength == 0;
    return this.bufs.length == 1 && this.bufs[0] == this.chunk && this.offs[0] == 0 && this.lens[0] == this.chunk.byteLength;
  }

  /** A single contiguous piece: (pointer, length) ready for the host, else 0 pointer. */
  singlePiecePtr(): usize {
    if (this.bufs.length != 1) return 0;
    return changetype<usize>(this.bufs[0]) + <usize>this.offs[0];
  }

  pieceCount(): i32 { return this.bufs.length; }

  /** All pieces concatenated. */
  concat(): ArrayBuffer {
    const out = new ArrayBuffer(this.total);
    let p: usize = changetype<usize>(out);
    for (let i = 0; i < this.bufs.length; i++) {
      memory.copy(p, changetype<usize>(this.bufs[i]) + <usize>this.offs[i], <usize>this.lens[i]);
      p += <usize>this.lens[i];
    }
    return out;
  }
}
