// Memory that crosses the ABI boundary.
//
// The host returns buffers (data, properties, shared data) by calling our
// allocator export and writing the pointer and size into out-parameters.
// Those blocks come from the raw heap, are invisible to the GC, and are
// ours to free: takeHostBytes copies one into a managed ArrayBuffer and frees it.

/** Out-parameter slots the host writes into; callbacks never nest, so one set suffices. */
export const OUT_PTR: usize = memory.data(8);
export const OUT_SIZE: usize = memory.data(8);
export const OUT_EXTRA: usize = memory.data(8);

/** The allocator Envoy calls to hand buffers to the module. Exported as `malloc`. */
export function hostAlloc(size: usize): usize {
  // heap.alloc never returns 0 for a valid size; a zero-size block is still a distinct pointer.
  return heap.alloc(size == 0 ? 1 : size);
}

/** Copies the block the host just returned (OUT_PTR/OUT_SIZE) into a managed buffer and frees it. */
export function takeHostBytes(): ArrayBuffer {
  const ptr = load<usize>(OUT_PTR);
  const size = <i32>load<u32>(OUT_SIZE);
  const out = new ArrayBuffer(size);
  if (ptr != 0) {
    if (size > 0) memory.copy(changetype<usize>(out), ptr, size);
    heap.free(ptr);
  }
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
  return out;
}

/** Frees whatever block the host left in OUT_PTR without reading it. */
export function dropHostBytes(): void {
  const ptr = load<usize>(OUT_PTR);
  if (ptr != 0) heap.free(ptr);
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
}

/** Clears the out slots before a call, so a host that writes nothing on failure leaves nothing to free. */
export function clearOut(): void {
  store<usize>(OUT_PTR, 0);
  store<u32>(OUT_SIZE, 0);
  store<u64>(OUT_EXTRA, 0);
}
