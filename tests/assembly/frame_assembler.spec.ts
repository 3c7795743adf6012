import { FrameAssembler, Frame, FrameError, FrameScope, FrameSink } from "../../assembly/stream/frame_assembler";
import { setBudgetLimit, budgetInUse, releaseTransient, DEFAULT_BUDGET_BYTES } from "../../assembly/runtime/budget";

function frames(sizes: i32[]): ArrayBuffer {
  let total = 0;
  for (let i = 0; i < sizes.length; i++) total += 4 + sizes[i];
  const b = new ArrayBuffer(total);
  let p = 0;
  for (let i = 0; i < sizes.length; i++) {
    store<i32>(changetype<usize>(b) + p, bswap<i32>(sizes[i]));
    for (let j = 0; j < sizes[i]; j++) store<u8>(changetype<usize>(b) + p + 4 + j, <u8>(i + j));
    p += 4 + sizes[i];
  }
  return b;
}

/** Collects what the assembler hands out; answers every scope question with `answer`. */
class Collect extends FrameSink {
  whole: Array<Frame> = [];
  heads: Array<Frame> = [];
  streamedBytes: i32 = 0;
  scopeCalls: i32 = 0;
  constructor(readonly answer: FrameScope, readonly headBytes: i32 = 0) { super(); }
  scope(head: Frame, length: i32): FrameScope {
    this.scopeCalls++;
    // Undecided until `headBytes` of the frame are known, as a sink waiting for a header would.
    return head.length < this.headBytes ? FrameScope.Undecided : this.answer;
  }
  frame(f: Frame): bool { this.whole.push(f); return true; }
  streamStart(head: Frame, length: i32): bool { this.heads.push(head); return true; }
  streamBytes(buffer: ArrayBuffer, offset: i32, length: i32): bool { this.streamedBytes += length; return true; }
  streamEnd(): void { this.ends++; }
  ends: i32 = 0;
}

function reset(): void {
  releaseTransient();
  setBudgetLimit(DEFAULT_BUDGET_BYTES);
}

describe("FrameAssembler", () => {
  it("hands out whole frames inside one chunk as views of it", () => {
    reset();
    const a = new FrameAssembler(1000);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([3, 0, 10]);
    expect(a.push(chunk, 0, chunk.byteLength, out)).toBe(true);
    expect(out.whole.length).toBe(3);
    expect(out.whole[0].buffer == chunk).toBe(true);
    expect(out.whole[2].offset).toBe(4 + 3 + 4);
    expect(out.whole[2].length).toBe(14);
    expect(a.pendingBytes()).toBe(0);
    expect(out.scopeCalls).toBe(0);
  });

  it("reassembles frames fed one byte at a time", () => {
    reset();
    const a = new FrameAssembler(1000);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([5, 1, 7]);
    for (let i = 0; i < chunk.byteLength; i++) expect(a.push(chunk, i, 1, out)).toBe(true);
    expect(out.whole.length).toBe(3);
    expect(out.whole[2].length).toBe(11);
    expect(load<u8>(changetype<usize>(out.whole[2].buffer) + out.whole[2].offset + 4 + 6)).toBe(<u8>(2 + 6));
    expect(a.reassembled).toBe(3);
  });

  it("refuses a size over the limit before allocating", () => {
    reset();
    const a = new FrameAssembler(10);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([4, 11]);
    expect(a.push(chunk, 0, chunk.byteLength, out)).toBe(false);
    expect(out.whole.length).toBe(1);
    expect(a.error).toBe(FrameError.Oversize);
    expect(a.errorSize).toBe(11);
    expect(a.stopOffset).toBe(8);
  });

  it("refuses a negative size", () => {
    reset();
    const a = new FrameAssembler(10);
    const out = new Collect(FrameScope.Whole);
    const chunk = new ArrayBuffer(4);
    store<i32>(changetype<usize>(chunk), -1);
    expect(a.push(chunk, 0, 4, out)).toBe(false);
    expect(a.error).toBe(FrameError.NegativeSize);
  });

  it("gives back held bytes with takePending", () => {
    reset();
    const a = new FrameAssembler(100);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([20]);
    a.push(chunk, 0, 9, out);
    expect(a.pendingBytes()).toBe(9);
    expect(a.takePending().length).toBe(9);
    expect(a.pendingBytes()).toBe(0);
  });

  it("holds only what arrived of a frame announced at 100 MiB", () => {
    reset();
    const a = new FrameAssembler(104857600);
    const out = new Collect(FrameScope.Whole);
    const chunk = new ArrayBuffer(14);
    store<i32>(changetype<usize>(chunk), bswap<i32>(104857600));
    expect(a.push(chunk, 0, 14, out)).toBe(true);
    expect(a.pendingBytes()).toBe(14);
    // The buffer grows with arrivals from a 4 KiB start, never to the announced size.
    expect(a.heldBudget).toBeLessThanOrEqual(4096);
    expect(budgetInUse()).toBe(<i64>a.heldBudget);
    a.release();
    expect(budgetInUse()).toBe(0);
  });

  it("streams a frame the sink does not need whole, holding none of it", () => {
    reset();
    const a = new FrameAssembler(1 << 20);
    const out = new Collect(FrameScope.Stream, 12);
    const chunk = frames([100000]);
    // 10-byte head first: not enough to decide; then 1000-byte pieces.
    expect(a.push(chunk, 0, 10, out)).toBe(true);
    expect(out.heads.length).toBe(0);
    for (let p = 10; p < chunk.byteLength; p += 1000) {
      const n = min(1000, chunk.byteLength - p);
      expect(a.push(chunk, p, n, out)).toBe(true);
      expect(a.pendingBytes()).toBe(0);
    }
    expect(out.heads.length).toBe(1);
    expect(out.heads[0].length + out.streamedBytes).toBe(chunk.byteLength);
    expect(out.ends).toBe(1);
    expect(out.whole.length).toBe(0);
    expect(a.streaming).toBe(false);
    expect(a.streamed).toBe(1);
    // The next frame is framed again.
    const next = frames([3]);
    expect(a.push(next, 0, next.byteLength, out)).toBe(true);
    expect(out.whole.length).toBe(1);
  });

  it("refuses a whole frame the budget cannot fit, and charges nothing more for it", () => {
    reset();
    setBudgetLimit(64 * 1024);
    const a = new FrameAssembler(1 << 20);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([100000]);
    expect(a.push(chunk, 0, 5000, out)).toBe(false);
    expect(a.error).toBe(FrameError.OverBudget);
    expect(budgetInUse()).toBeLessThanOrEqual(8192);
    a.release();
    expect(budgetInUse()).toBe(0);
    reset();
  });

  it("charges a finished frame until the callback ends", () => {
    reset();
    const a = new FrameAssembler(1 << 20);
    const out = new Collect(FrameScope.Whole);
    const chunk = frames([50000]);
    expect(a.push(chunk, 0, 20000, out)).toBe(true);
    expect(a.push(chunk, 20000, chunk.byteLength - 20000, out)).toBe(true);
    expect(out.whole.length).toBe(1);
    expect(a.heldBudget).toBe(0);
    // The frame, and the buffers it outgrew on the way, are charged until the callback ends.
    const inUse = budgetInUse();
    expect(inUse).toBeGreaterThanOrEqual(<i64>chunk.byteLength);
    expect(releaseTransient()).toBe(inUse);
    expect(budgetInUse()).toBe(0);
  });
});
