import { FrameAssembler, Frame, FrameError } from "../../assembly/stream/frame_assembler";

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

describe("FrameAssembler", () => {
  it("hands out whole frames inside one chunk as views of it", () => {
    const a = new FrameAssembler(1000);
    const out = new Array<Frame>();
    const chunk = frames([3, 0, 10]);
    expect(a.push(chunk, 0, chunk.byteLength, out)).toBe(true);
    expect(out.length).toBe(3);
    expect(out[0].buffer == chunk).toBe(true);
    expect(out[2].offset).toBe(4 + 3 + 4);
    expect(out[2].length).toBe(14);
    expect(a.pendingBytes()).toBe(0);
  });

  it("reassembles frames fed one byte at a time", () => {
    const a = new FrameAssembler(1000);
    const out = new Array<Frame>();
    const chunk = frames([5, 1, 7]);
    for (let i = 0; i < chunk.byteLength; i++) expect(a.push(chunk, i, 1, out)).toBe(true);
    expect(out.length).toBe(3);
    expect(out[2].length).toBe(11);
    expect(load<u8>(changetype<usize>(out[2].buffer) + out[2].offset + 4 + 6)).toBe(<u8>(2 + 6));
    expect(a.reassembled).toBe(3);
  });

  it("refuses a size over the limit before allocating", () => {
    const a = new FrameAssembler(10);
    const out = new Array<Frame>();
    const chunk = frames([4, 11]);
    expect(a.push(chunk, 0, chunk.byteLength, out)).toBe(false);
    expect(out.length).toBe(1);
    expect(a.error).toBe(FrameError.Oversize);
    expect(a.errorSize).toBe(11);
    expect(a.errorOffset).toBe(8);
  });

  it("refuses a negative size", () => {
    const a = new FrameAssembler(10);
    const out = new Array<Frame>();
    const chunk = new ArrayBuffer(4);
    store<i32>(changetype<usize>(chunk), -1);
    expect(a.push(chunk, 0, 4, out)).toBe(false);
    expect(a.error).toBe(FrameError.NegativeSize);
  });

  it("gives back held bytes with takePending", () => {
    const a = new FrameAssembler(100);
    const out = new Array<Frame>();
    const chunk = frames([20]);
    a.push(chunk, 0, 9, out);
    expect(a.pendingBytes()).toBe(9);
    expect(a.takePending().byteLength).toBe(9);
    expect(a.pendingBytes()).toBe(0);
  });
});
