// The memory allocator under every module this project builds: segregated free lists.
//
// A Kafka codec allocates many small objects per message (a partition struct, its replica
// arrays, a topic name) and drops them all when the callback ends. AssemblyScript's default
// allocator (TLSF) searches, splits and coalesces on every call; measured on the codec
// benchmark, that was over half of a Metadata decode. Here a block's size picks a class, and
// each class keeps a list of freed blocks of exactly its size: allocating pops a list or
// carves fresh memory, freeing pushes. No searching, no splitting, no coalescing.
//
// The cost is that memory freed in one class is reused only by that class. A proxy's steady
// traffic allocates the same shapes again and again, so the heap settles at its peak per class.
// Large blocks (over 2 KiB) round up to a quarter of their power of two (at most 25% slack),
// and may reuse a free block up to two classes bigger.
//
// Contract with the rest of the runtime (AssemblyScript's ~lib/rt/common): a block is a
// 4-byte header (mmInfo: the payload capacity, whose low two bits are flags) followed by the
// payload, which starts 16-byte aligned. Every block handed out is zero-filled, as the standard
// library expects when it is built for this runtime (see index.ts). Blocks are carved one after
// another and never split or merged, so the heap can be walked block by block (the collector's
// sweep does).
import { AL_MASK, BLOCK, BLOCK_OVERHEAD, BLOCK_MAXSIZE } from "~lib/rt/common";

/** Blocks up to this size (header included) have one class per 16 bytes. */
// @ts-ignore: decorator
@inline const SMALL_MAX: usize = 2048;
/** Classes 1..128 are small (index = size / 16); large ones follow, four per power of two up to 2^30. */
// @ts-ignore: decorator
@inline const SMALL_CLASSES: usize = SMALL_MAX >> 4;
// @ts-ignore: decorator
@inline const CLASS_COUNT: usize = SMALL_CLASSES + 1 + (30 - 11) * 4;
/** How many bigger classes a large request may take a free block from before carving new memory. */
// @ts-ignore: decorator
@inline const LARGE_REACH: usize = 2;

/** Head of each class's free list (0 when empty). The next link lives in a free block's payload. */
const heads: usize = memory.data(<i32>(CLASS_COUNT * sizeof<usize>()), 16);

/** Start of memory never handed out yet. Blocks are carved here, 16-byte aligned payloads. */
// @ts-ignore: decorator
@lazy let top: usize = heapStart();
/** Bytes in blocks currently handed out. */
// @ts-ignore: decorator
@lazy let inUse: usize = 0;

/** mmInfo flag: the block is a garbage-collected object (set by the collector's __new). */
// @ts-ignore: decorator
@inline export const MANAGED: usize = 1;
/** mmInfo flag: the block is on a free list. */
// @ts-ignore: decorator
@inline export const FREE: usize = 2;
// @ts-ignore: decorator
@inline const FLAGS: usize = 3;

/** Where the first block starts. */
// @ts-ignore: decorator
@inline export function heapStart(): usize {
  return ((__heap_base + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

/** Where the next fresh block will be carved (the end of the walkable heap). */
export function heapTop(): usize {
  return top;
}

/** A request's block size (header included), before class rounding: a multiple of 16, at least 16. */
// @ts-ignore: decorator
@inline function blockSizeFor(size: usize): usize {
  return (size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK;
}

/** The class of a block size (a multiple of 16). */
// @ts-ignore: decorator
@inline function classOf(b: usize): usize {
  if (b <= SMALL_MAX) return b >> 4;
  const k = <usize>(31 - clz<u32>(<u32>(b - 1)));          // 2^k < b <= 2^(k+1)
  const quarter = (b - 1) >> (k - 2);                        // 4..7: which quarter of the span b falls in
  return SMALL_CLASSES + 1 + (k - 11) * 4 + (quarter - 4);
}

/** The block size of a class: the largest size that maps to it. */
// @ts-ignore: decorator
@inline function classSize(c: usize): usize {
  if (c <= SMALL_CLASSES) return c << 4;
  const i = c - SMALL_CLASSES - 1;
  const k = (i >> 2) + 11;
  return (<usize>1 << k) + (((i & 3) + 1) << (k - 2));
}

/** Carves `b` bytes at the top, growing memory as needed. */
function carve(b: usize): usize {
  const block = top;
  const end = block + b;
  const limit = <usize>memory.size() << 16;
  if (end > limit) {
    const pagesNeeded = <i32>((end - limit + 0xffff) >>> 16);
    // Grow by an eighth at least (and 1 MiB), not double: memory is never given back, so a
    // single large frame should not leave the heap twice its size.
    const pagesWanted = max(pagesNeeded, max(memory.size() >> 3, 16));
    if (memory.grow(pagesWanted) < 0) {
      if (memory.grow(pagesNeeded) < 0) unreachable(); // out of memory: the host's limit
    }
  }
  top = end;
  return block;
}

/**
 * Zeroes a reused block's payload. Small ones with plain stores: most objects are a few words,
 * and a bulk-memory call costs more than the stores (measured: about a third of a small
 * allocation). Payloads are 16-byte aligned and their capacity is 12 more than a multiple of
 * 16, so 8-byte stores and one 4-byte store cover them.
 */
// @ts-ignore: decorator
@inline function zero(ptr: usize, capacity: usize): void {
  if (capacity <= 124) {
    const last = ptr + capacity - 4;
    for (let p = ptr; p < last; p += 8) store<u64>(p, 0);
    store<u32>(last, 0);
  } else {
    memory.fill(ptr, 0, capacity);
  }
}

/** Pops a free block of class c, or 0. */
// @ts-ignore: decorator
@inline function pop(c: usize): usize {
  const slot = heads + (c << alignof<usize>());
  const block = load<usize>(slot);
  if (block != 0) store<usize>(slot, load<usize>(block + BLOCK_OVERHEAD));
  return block;
}

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  return allocate(size);
}

/** __alloc's body, inlined where objects are made (the collector's __new). */
// @ts-ignore: decorator
@inline export function allocate(size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable(); // callers check their own limits first
  const c = classOf(blockSizeFor(size));
  const block = pop(c);
  if (block != 0) return reuse(block); // the common case: a block this size was freed before
  return allocSlow(c);
}

/** Hands out a block taken from a free list: flags cleared, payload zeroed. */
// @ts-ignore: decorator
@inline function reuse(block: usize): usize {
  const capacity = changetype<BLOCK>(block).mmInfo & ~FLAGS;
  changetype<BLOCK>(block).mmInfo = capacity;
  zero(block + BLOCK_OVERHEAD, capacity);
  inUse += capacity + BLOCK_OVERHEAD;
  return block + BLOCK_OVERHEAD;
}

/** No free block of class c: a bigger free one (large classes only), or fresh memory. */
function allocSlow(c: usize): usize {
  if (c > SMALL_CLASSES) {
    for (let up: usize = 1; up <= LARGE_REACH && c + up < CLASS_COUNT; up++) {
      const block = pop(c + up);
      if (block != 0) return reuse(block);
    }
  }
  const b = classSize(c);
  const block = carve(b); // never handed out before, so still zero
  changetype<BLOCK>(block).mmInfo = b - BLOCK_OVERHEAD;
  inUse += b;
  return block + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  if (ptr < __heap_base || (ptr & AL_MASK) != 0) return; // static data, or not ours
  release(ptr - BLOCK_OVERHEAD);
}

/** Puts a block handed out before on its class's free list (the collector's sweep calls this). */
// @ts-ignore: decorator
@inline export function release(block: usize): void {
  const capacity = changetype<BLOCK>(block).mmInfo & ~FLAGS;
  changetype<BLOCK>(block).mmInfo = capacity | FREE;
  const slot = heads + (classOf(capacity + BLOCK_OVERHEAD) << alignof<usize>());
  store<usize>(block + BLOCK_OVERHEAD, load<usize>(slot));
  store<usize>(slot, block);
  inUse -= capacity + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable();
  const capacity = changetype<BLOCK>(ptr - BLOCK_OVERHEAD).mmInfo & ~FLAGS;
  const have = classOf(capacity + BLOCK_OVERHEAD);
  const reach = have > SMALL_CLASSES ? LARGE_REACH : 0;
  if (size <= capacity && classOf(blockSizeFor(size)) + reach >= have) {
    // Still fits, and no smaller than __alloc would have accepted: keep it. Bytes past the
    // new size are zeroed, so growing in place later reads zeros, as a fresh block would.
    memory.fill(ptr + size, 0, capacity - size);
    return ptr;
  }
  const moved = __alloc(size);
  memory.copy(moved, ptr, min(size, capacity));
  __free(ptr);
  return moved;
}

/** Bytes in blocks currently handed out (after a collection: what is live). */
// @ts-ignore: decorator
@global @unsafe
export function __heap_in_use(): usize {
  return inUse;
}
