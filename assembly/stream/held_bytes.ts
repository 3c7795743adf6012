// Bytes kept across callbacks while something finishes arriving: a frame split across reads
// (frame_assembler.ts), or one record batch of a message streamed batch by batch
// (record_layer/batch_stream.ts).
//
// The buffer grows with what arrived, never with what a client announced: a size prefix that says
// 100 MiB costs nothing until 100 MiB come. It doubles (from a floor the owner picks), so a large
// message is copied a logarithmic number of times, and it never grows past the announced size.
// Every growth is charged to the VM's memory budget before it is made; when the budget has no
// room, nothing is allocated and the owner refuses its one connection (runtime/budget.ts).
import { reserveHeld, releaseHeld, heldToTransient, noteGarbage } from "../runtime/budget";

export class HeldBytes {
  /** The buffer, null while nothing is held; its first `length` bytes are what arrived. */
  buffer: ArrayBuffer | null = null;
  length: i32 = 0;
  /** What the budget is charged for the buffer: its capacity. */
  charged: i32 = 0;
  /** After append() returned false: the capacity the budget had no room for. */
  refused: i32 = 0;

  /** Whether anything is held. */
  get holding(): bool { return this.buffer != null; }

  /**
   * Appends `src[at, at + n)`. A buffer too small is replaced by one of twice its capacity (at
   * least `least`, at least what is needed, at most `most`: the size the message announced). False
   * when the budget has no room for that: nothing changed then, and `refused` says how much it was.
   */
  append(src: ArrayBuffer, at: i32, n: i32, least: i32, most: i32): bool {
    const need = this.length + n;
    let buf = this.buffer;
    if (buf == null || buf.byteLength < need) {
      const capacity = buf == null ? 0 : buf.byteLength;
      let next = max(need, max(capacity * 2, least));
      if (next > most) next = max(most, need);
      if (!reserveHeld(<i64>(next - this.charged))) { this.refused = next; return false; }
      this.charged = next;
      const grown = new ArrayBuffer(next);
      if (buf != null) {
        memory.copy(changetype<usize>(grown), changetype<usize>(buf), <usize>this.length);
        // The outgrown buffer is garbage until the collector runs: counted until the callback
        // ends, so that the end of the callback collects it when it is large.
        noteGarbage(<i64>capacity);
      }
      this.buffer = grown;
      buf = grown;
    }
    memory.copy(changetype<usize>(buf) + <usize>this.length, changetype<usize>(src) + <usize>at, <usize>n);
    this.length = need;
    return true;
  }

  /**
   * Hands the buffer over to this callback (to handle, or to forward): its charge lasts until the
   * callback ends, and nothing is held any more. Null when nothing was.
   */
  handOver(): ArrayBuffer | null {
    const buf = this.buffer;
    heldToTransient(<i64>this.charged);
    this.forget();
    return buf;
  }

  /** Drops what is held and gives its charge back. */
  release(): void {
    if (this.charged > 0) releaseHeld(<i64>this.charged);
    this.forget();
  }

  private forget(): void {
    this.buffer = null;
    this.length = 0;
    this.charged = 0;
  }
}
