// Memory that crosses the ABI boundary.
//
// The host returns buffers (data, properties, shared data) by calling our
// allocator export and writing the pointer and size into out-parameters.

/** Out-parameter slots the host writes into; callbacks never nest, so one set suffices. */
export const OUT_PTR: usize = memory.data(8);
export const OUT_SIZE: usize = memory.data(8);
export const OUT_EXTRA: usize = memory.data(8);

/**
 * The allocator Envoy calls to hand buffers to the module (exported as `malloc`).
 * Each block is a managed ArrayBuffer, pinned so the GC leaves it alone until
 * takeHostBytes adopts it: host data reaches plugin code with no further copy.
 */
export function hostAlloc(size: usize): usize {
  if (size > largestHostBuffer) largestHostBuffer = size;
  // The host writes every byte it asked for, so with this project's runtime the block need not
  // be zeroed first (assembly/runtime/collector.ts: __new_unzeroed); other runtimes zero it.
  if (isDefined(__new_unzeroed)) return __pin(__new_unzeroed(size, idof<ArrayBuffer>()));
  return __pin(__new(size, idof<ArrayBuffer>()));
}

/**
 * The largest buffer the host ever handed the module (a data chunk, the configuration). It is
 * memory no budget charges: a plugin downstream of one that forwards a whole 80 MiB frame at once
 * gets it as one 80 MiB chunk.
 */
let largestHostBuffer: usize = 0;

export function largestHostBufferBytes(): usize { return largestHostBuffer; }

/** Adopts the block the host just returned (OUT_PTR/OUT_SIZE) as an ArrayBuffer the GC manages. */
export function takeHostBytes(): ArrayBuffer {
  const ptr = load<usize>(OUT_PTR);
  const size = <i32>load<u32>(OUT_SIZE);
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
  if (ptr == 0) return new ArrayBuffer(0);
  __unpin(ptr);
  const buf = changetype<ArrayBuffer>(ptr);
  // The host allocates exactly what it writes; trim defensively if it ever writes less.
  return size < buf.byteLength ? buf.slice(0, size) : buf;
}

/** Releases whatever block the host left in OUT_PTR without reading it. */
export function dropHostBytes(): void {
  const ptr = load<usize>(OUT_PTR);
  if (ptr != 0) __unpin(ptr);
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
}

/** Clears the out slots before a call, so a host that writes nothing on failure leaves nothing to free. */
export function clearOut(): void {
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
  store<u64>(OUT_EXTRA, 0);
}
