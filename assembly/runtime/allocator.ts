// The memory allocator under every module this project builds: bump allocation inside free
// spans, which the collector's sweep rebuilds.
//
// A Kafka codec allocates many small objects per message (a partition struct, its arrays, a
// records view) and drops them all when the callback ends. So the heap is mostly garbage that
// lies in long contiguous runs. The sweep (below) joins each run of dead blocks into one span
// and zeroes it with a single fill; allocating is then a pointer bump inside the current span:
// one compare and a header store. (Free lists per size class cost a list push per dead object
// in the sweep and a pop plus a zeroing loop per allocation: measured on the codec benchmark,
// allocating and sweeping were nearly half of a Fetch decode.)
//
// - The sweep keeps two lists of spans, each in address order: the big ones (BIG_SPAN and up)
//   and the small ones. Small objects and big buffers then look where their kind fits:
// - Small requests take the next small span that fits when the current one is full, and the
//   big spans only when no small one is left; what is left of the old span stays a free block
//   until the next sweep joins it with its neighbours again. So small objects fill the holes
//   between long-lived blocks, and leave the big spans whole for big buffers.
// - Large requests (LARGE and up) that do not fit in the current span look through the spans
//   for the first that does and take its front, so a big buffer does not throw away the span
//   small objects are using: every big span first, then (only a request shorter than BIG_SPAN,
//   which a small span can hold) the first LARGE_SEARCH small ones. Listed in one address-ordered
//   list, a few hundred small spans left between long-lived objects hid every big one from a
//   search that stops early, and each 1 MiB chunk of a streamed Fetch then took fresh memory at
//   the top, behind which the next long-lived block pinned it (a VM grew to 438 MiB while
//   300 MiB of its spans were free).
// - A large object's data starts on a 64-byte boundary (a padding of 16 to 48 bytes before its
//   block stays free). Kafka frames are copied whole, and copying 64 KiB between buffers whose
//   distance is not a multiple of 64 ran at 32,000 instead of 44,000 MB/s here (memmove).
// - When the spans run out, the current span is the free memory at the top of the heap, which
//   grows by an eighth at least (and 1 MiB), not by doubling.
// - Memory freed explicitly (__free: only __realloc and the collector's mark stack do) is
//   reused after the next sweep, or at once when it was the last block handed out.
// - Zeroing is put off for big dead blocks. Every Kafka frame a plugin reads arrives in a block
//   the host fills (proxy_on_memory_allocate), and when it dies the sweep used to zero it, only
//   for the host to overwrite it with the next frame: for a plugin that reads each frame and
//   changes nothing, that fill was a tenth of its time. So the sweep leaves dead blocks of LAZY
//   bytes and up as they are when their run becomes a big span, and the span records the range
//   that may hold such bytes (its hull, [from, to)); a run that reaches the top leaves its hull
//   to topDirty. Whoever takes memory there zeroes what it takes of the hull, except a block the
//   host is about to fill (allocateUnzeroed); small objects zero it a step (ZERO_STEP) ahead of
//   themselves, so a callback pays for the memory it uses, not for the span.
//
// Contract with the rest of the runtime (AssemblyScript's ~lib/rt/common): a block is a
// 4-byte header (mmInfo: the payload capacity, whose low two bits are flags) followed by the
// payload, which starts 16-byte aligned. Every block handed out is zero-filled, as the standard
// library expects when it is built for this runtime (see index.ts). Blocks lie one after another
// from heapStart() to the top, so the heap can be walked block by block once the current span
// is closed (closeSpan()).
import { AL_MASK, BLOCK_OVERHEAD, BLOCK_MAXSIZE, OBJECT, OBJECT_OVERHEAD } from "~lib/rt/common";

/** mmInfo flag: the block is a garbage-collected object (set by the collector's __new). */
// @ts-ignore: decorator
@inline export const MANAGED: usize = 1;
/** mmInfo flag: the block is free. */
// @ts-ignore: decorator
@inline const FREE: usize = 2;
/**
 * Both flags: a free block whose payload is zero except its first three words, which a span uses
 * (the list link, then its hull: from, to), and except the bytes of its hull.
 */
// @ts-ignore: decorator
@inline const ZEROED: usize = 3;
// @ts-ignore: decorator
@inline const FLAGS: usize = 3;

/** Payload words of a span: the link to the next span of its list, and its hull [from, to). */
// @ts-ignore: decorator
@inline const LINK: usize = BLOCK_OVERHEAD;
// @ts-ignore: decorator
@inline const HULL_FROM: usize = BLOCK_OVERHEAD + 4;
// @ts-ignore: decorator
@inline const HULL_TO: usize = BLOCK_OVERHEAD + 8;
/** A free block's bytes from here on are payload that no span word uses. */
// @ts-ignore: decorator
@inline const SPAN_WORDS_END: usize = BLOCK_OVERHEAD + 12;
/** Dead blocks this size and up are not zeroed by the sweep when their run becomes a big span. */
// @ts-ignore: decorator
@inline const LAZY: usize = 2048;

/** Runs of dead blocks shorter than this stay holes (not reused) until a neighbour dies too. */
// @ts-ignore: decorator
@inline const MIN_SPAN: usize = 256;
/** Blocks this size and up are aligned, and placed first-fit among the spans when the current one is full. */
// @ts-ignore: decorator
@inline const LARGE: usize = 2048;
/** A large block starts here modulo 64, so an object's data (20 bytes in) is on a 64-byte boundary. */
// @ts-ignore: decorator
@inline const LARGE_PHASE: usize = 64 - (BLOCK_OVERHEAD + OBJECT_OVERHEAD);
/**
 * Spans this size and up are listed apart, and a large request looks at every one of them: there
 * is at most one per BIG_SPAN bytes of free memory, so the search costs little next to the bytes
 * it finds. No smaller span can hold a request this size or more.
 */
// @ts-ignore: decorator
@inline const BIG_SPAN: usize = 64 << 10;
/** How many small spans a large request shorter than BIG_SPAN looks at (after the big ones) before it takes fresh memory at the top. */
// @ts-ignore: decorator
@inline const LARGE_SEARCH: i32 = 64;

/**
 * End of the blocks handed out, when the current span is not at the top: above it memory is
 * free, and zero from topDirty on (a run of garbage that reached the top may have left a hull
 * there, which whoever takes that memory zeroes, as in a span).
 */
// @ts-ignore: decorator
@lazy let top: usize = heapStart();
let topDirty: usize = 0;
/**
 * The current span: [cur, spanEnd) is not yet handed out. Of it, [cur, curEnd) is zero, and so
 * is [curEnd, spanEnd) except [curEnd, curHullTo), what is left of the span's hull: bump
 * allocation zeroes that part as it reaches it (extendZero), a step at a time, so the small
 * objects of a callback pay only for the memory they take. Without a hull, curEnd is spanEnd.
 */
// @ts-ignore: decorator
@lazy let cur: usize = heapStart();
// @ts-ignore: decorator
@lazy let curEnd: usize = heapStart();
// @ts-ignore: decorator
@lazy let spanEnd: usize = heapStart();
let curHullTo: usize = 0;
/** How far bump allocation zeroes ahead of itself in a hull. */
// @ts-ignore: decorator
@inline const ZERO_STEP: usize = 4096;
/** The current span is the fresh memory at the top: spanEnd is the end of memory, and `top` is stale until closeSpan(). */
let curAtTop: bool = false;
/**
 * The spans the last sweep found and no request took yet: those of BIG_SPAN and up, and the
 * others, each list in address order; a span links to the next of its list in its first payload
 * word. (A big span a large request took the front of stays in the big list with its rest, even
 * when that rest is shorter than BIG_SPAN.)
 */
let bigSpans: usize = 0;
let smallSpans: usize = 0;
/** Bytes in blocks currently handed out (after a sweep: what is live). */
// @ts-ignore: decorator
@lazy let inUse: usize = 0;

/** Where the first block starts. */
// @ts-ignore: decorator
@inline function heapStart(): usize {
  return ((__heap_base + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

/** A request's block size (header included): a multiple of 16, at least 16. */
// @ts-ignore: decorator
@inline function blockSizeFor(size: usize): usize {
  return (size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK;
}

// @ts-ignore: decorator
@inline function blockSize(block: usize): usize {
  return BLOCK_OVERHEAD + (<usize>load<u32>(block) & ~FLAGS);
}

// @ts-ignore: decorator
@inline function memoryEnd(): usize {
  return <usize>memory.size() << 16;
}

/** Grows memory to cover `end`: by an eighth at least (and 1 MiB), since memory is never given back. */
function growTo(end: usize): void {
  const limit = memoryEnd();
  if (end <= limit) return;
  const pagesNeeded = <i32>((end - limit + 0xffff) >>> 16);
  const pagesWanted = max(pagesNeeded, max(memory.size() >> 3, 16));
  if (memory.grow(pagesWanted) < 0) {
    if (memory.grow(pagesNeeded) < 0) unreachable(); // out of memory: the host's limit
  }
}

/** Writes the header of a block of `b` bytes at `block` and counts it; returns the payload. */
// @ts-ignore: decorator
@inline function handOut(block: usize, b: usize, flags: usize): usize {
  store<u32>(block, <u32>(b - BLOCK_OVERHEAD | flags));
  inUse += b;
  return block + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  return allocate(size, 0);
}

/** Whether a large block taken from a span must be zeroed: false only inside allocateUnzeroed. */
let zeroing: bool = true;

/**
 * As allocate, for a block whose caller writes every byte of it at once (the host, filling a
 * buffer it asked for): what it takes of a span's hull is not zeroed. The first 16 payload bytes
 * are, as they are an object's header.
 */
export function allocateUnzeroed(size: usize, flags: usize): usize {
  zeroing = false;
  const ptr = allocate(size, flags);
  zeroing = true;
  return ptr;
}

/** __alloc's body, inlined where objects are made (the collector's __new passes MANAGED). */
// @ts-ignore: decorator
@inline export function allocate(size: usize, flags: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable(); // callers check their own limits first
  const b = blockSizeFor(size);
  const block = cur;
  const next = block + b;
  if (b < LARGE && next <= curEnd) { // the common case: a small block, room in the current span
    cur = next;
    return handOut(block, b, flags);
  }
  return handOut(allocSlow(b), b, flags);
}

/** The current span is full for a `b`-byte block: place it elsewhere and return where. */
function allocSlow(b: usize): usize {
  if (b >= LARGE) {
    if (cur + padFor(cur) + b <= spanEnd) return takeInSpan(b);
    let fit = takeFirstFit(b, true, i32.MAX_VALUE);
    if (fit == 0 && b < BIG_SPAN) fit = takeFirstFit(b, false, LARGE_SEARCH);
    if (fit != 0) return fit;
    // Memory at the top, leaving the current span for small blocks.
    if (curAtTop) {
      growSpanAtTop(cur + padFor(cur) + b);
      return takeInSpan(b);
    }
    const at = top;
    const block = at + padFor(at);
    growTo(block + b);
    if (topDirty > at) { // zero what the block takes of it (its padding and first words only, for the host)
      const to = min(topDirty, zeroing ? block + b : block + 2 * SPAN_WORDS_END);
      memory.fill(at, 0, to - at);
    }
    padding(at, block);
    top = block + b;
    return block;
  }
  if (cur + b <= spanEnd) { // room in the span, past what is zeroed so far
    extendZero(cur + b);
    const block = cur;
    cur = block + b;
    return block;
  }
  if (!curAtTop) {
    retireSpan();
    // Small spans first, then big ones.
    let span = popSpan(b, false);
    if (span == 0) span = popSpan(b, true);
    if (span != 0) {
      const size = blockSize(span);
      const hullFrom = load<usize>(span + HULL_FROM), hullTo = load<usize>(span + HULL_TO);
      memory.fill(span, 0, SPAN_WORDS_END);
      openSpan(span, span + size, hullFrom, hullTo);
      extendZero(span + b);
      cur = span + b;
      return span;
    }
    openSpan(top, memoryEnd(), top, topDirty);
    curAtTop = true;
  }
  // At the top: grow memory as far as needed.
  const block = cur;
  if (block + b > spanEnd) growSpanAtTop(block + b);
  extendZero(block + b);
  cur = block + b;
  return block;
}

/** Makes [from, end) the current span, zero except its hull [hullFrom, hullTo). */
function openSpan(from: usize, end: usize, hullFrom: usize, hullTo: usize): void {
  cur = from;
  spanEnd = end;
  if (hullTo > hullFrom && hullTo > from) { curEnd = max(from, hullFrom); curHullTo = hullTo; } else { curEnd = end; curHullTo = 0; }
}

/** A `b`-byte large block from the current span, which has room for it after the padding. */
function takeInSpan(b: usize): usize {
  const inSpan = cur + padFor(cur);
  if (zeroing) {
    extendZero(inSpan + b);
  } else { // zero up to the block's first words; its bytes are handed out as they are
    extendZero(inSpan + 2 * SPAN_WORDS_END);
    if (curEnd < inSpan + b) curEnd = inSpan + b >= curHullTo ? spanEnd : inSpan + b;
  }
  padding(cur, inSpan);
  cur = inSpan + b;
  return inSpan;
}

/** Grows memory so that the current span, at the top, reaches `to`. */
function growSpanAtTop(to: usize): void {
  growTo(to);
  const end = memoryEnd();
  if (curEnd == spanEnd) curEnd = end;
  spanEnd = end;
}

/** Zeroes the current span's hull up to `to` at least (ZERO_STEP at least), moving curEnd on. */
function extendZero(to: usize): void {
  if (to <= curEnd) return;
  const next = min(spanEnd, max(to, curEnd + ZERO_STEP));
  const zeroTo = min(next, curHullTo);
  if (zeroTo > curEnd) memory.fill(curEnd, 0, zeroTo - curEnd);
  curEnd = next >= curHullTo ? spanEnd : next;
}

/**
 * Unlists spans from the front of the big list (`big`) or the small one until one holds `b`
 * bytes, and returns it (0: none left). Too small ones stay free blocks until the next sweep;
 * the big list can hold one too, the rest of a big span a large request took the front of.
 */
// @ts-ignore: decorator
@inline function popSpan(b: usize, big: bool): usize {
  let span = big ? bigSpans : smallSpans;
  while (span != 0 && blockSize(span) < b) span = load<usize>(span + BLOCK_OVERHEAD);
  const next = span != 0 ? load<usize>(span + BLOCK_OVERHEAD) : 0;
  if (big) bigSpans = next; else smallSpans = next;
  return span;
}

/** Bytes to skip from `at` so that a large block starts at LARGE_PHASE modulo 64: 0, 16, 32 or 48. */
// @ts-ignore: decorator
@inline function padFor(at: usize): usize {
  return (LARGE_PHASE - at) & 63;
}

/** Makes the bytes from `at` to `block` (zero past its first word, at most 48) a free block, so the heap stays walkable. */
// @ts-ignore: decorator
@inline function padding(at: usize, block: usize): void {
  if (block != at) {
    store<u32>(at, <u32>(block - at - BLOCK_OVERHEAD | ZEROED));
    store<usize>(at + LINK, 0);
  }
}

/** Zeroes what of [from, to) lies in the hull [hullFrom, hullTo). */
// @ts-ignore: decorator
@inline function zeroHull(from: usize, to: usize, hullFrom: usize, hullTo: usize): void {
  const a = max(from, hullFrom), z = min(to, hullTo);
  if (z > a) memory.fill(a, 0, z - a);
}

/**
 * Takes the first span of the big list (`big`) or of the small one, among its first `limit`,
 * with room for `b` bytes after its padding; or returns 0.
 */
function takeFirstFit(b: usize, big: bool, limit: i32): usize {
  let prev: usize = 0;
  let span = big ? bigSpans : smallSpans;
  for (let seen = 0; span != 0 && seen < limit; seen++) {
    const size = blockSize(span);
    const next = load<usize>(span + LINK);
    const pad = padFor(span);
    if (size >= pad + b) {
      const hullFrom = load<usize>(span + HULL_FROM), hullTo = load<usize>(span + HULL_TO);
      let follow = next;
      // The span's words go; a padding is zero (the hull starts past the span's words).
      memory.fill(span, 0, SPAN_WORDS_END);
      zeroHull(span, span + pad, hullFrom, hullTo);
      padding(span, span + pad);
      const block = span + pad;
      // The block: zero, or (for the host to fill) zero in its first words only.
      zeroHull(block, zeroing ? block + b : block + 2 * SPAN_WORDS_END, hullFrom, hullTo);
      const rest = size - pad - b;
      if (rest != 0) { // the rest stays free; listed again, with its part of the hull, if it is still a span
        const restBlock = block + b;
        zeroHull(restBlock, restBlock + SPAN_WORDS_END, hullFrom, hullTo);
        store<u32>(restBlock, <u32>(rest - BLOCK_OVERHEAD | ZEROED));
        store<usize>(restBlock + LINK, 0);
        let restFrom = max(hullFrom, restBlock + SPAN_WORDS_END);
        let restTo = hullTo;
        if (rest < MIN_SPAN && restTo > restFrom) { memory.fill(restFrom, 0, restTo - restFrom); restTo = restFrom; }
        if (restTo <= restFrom) { restFrom = 0; restTo = 0; }
        store<usize>(restBlock + HULL_FROM, restFrom);
        store<usize>(restBlock + HULL_TO, restTo);
        if (rest >= MIN_SPAN) {
          store<usize>(restBlock + LINK, next);
          follow = restBlock;
        }
      }
      if (prev != 0) store<usize>(prev + LINK, follow);
      else if (big) bigSpans = follow;
      else smallSpans = follow;
      return block;
    }
    prev = span;
    span = next;
  }
  return 0;
}

/** What is left of the current span (not at the top) becomes a free block, with what is left of its hull. */
function retireSpan(): void {
  if (curAtTop || cur >= spanEnd) return;
  extendZero(cur + SPAN_WORDS_END);
  store<u32>(cur, <u32>(spanEnd - cur - BLOCK_OVERHEAD | ZEROED));
  store<usize>(cur + LINK, 0);
  const from = max(curEnd, cur + SPAN_WORDS_END);
  const to = curEnd < spanEnd ? curHullTo : 0;
  store<usize>(cur + HULL_FROM, to > from ? from : 0);
  store<usize>(cur + HULL_TO, to > from ? to : 0);
}

/**
 * Makes the heap walkable from heapStart() to the top: the current span's rest becomes a free
 * block, or fresh memory again at the top. The next allocation opens a span again.
 */
export function closeSpan(): void {
  if (curAtTop) {
    top = cur;
    topDirty = curEnd < spanEnd ? curHullTo : 0;
    curAtTop = false;
  } else {
    retireSpan();
  }
  cur = 0;
  curEnd = 0;
  spanEnd = 0;
  curHullTo = 0;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  if (ptr < __heap_base || (ptr & AL_MASK) != 0) return; // static data, or not ours
  const block = ptr - BLOCK_OVERHEAD;
  const b = blockSize(block);
  inUse -= b;
  if (block + b == cur) { // the last block handed out: back into the span, zero again
    memory.fill(block, 0, b);
    cur = block;
  } else {
    store<u32>(block, <u32>(b - BLOCK_OVERHEAD | FREE));
  }
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable();
  const block = ptr - BLOCK_OVERHEAD;
  const flags = <usize>load<u32>(block) & FLAGS;
  const old = blockSize(block);
  const capacity = old - BLOCK_OVERHEAD;
  const b = blockSizeFor(size);
  const last = block + old == cur; // the last block handed out can grow or shrink where it is
  if (size <= capacity) {
    // Bytes past the new size are zeroed, so growing in place later reads zeros, as a fresh block would.
    memory.fill(ptr + size, 0, capacity - size);
    if (last) {
      cur = block + b;
      store<u32>(block, <u32>(b - BLOCK_OVERHEAD | flags));
      inUse -= old - b;
    }
    return ptr;
  }
  if (last && (block + b <= spanEnd || curAtTop)) {
    if (block + b > spanEnd) growSpanAtTop(block + b);
    extendZero(block + b);
    cur = block + b;
    store<u32>(block, <u32>(b - BLOCK_OVERHEAD | flags));
    inUse += b - old;
    return ptr;
  }
  const moved = __alloc(size);
  memory.copy(moved, ptr, capacity);
  __free(ptr);
  return moved;
}

/**
 * The collector's sweep, after closeSpan() and marking: every object block whose mark is not
 * `marked`, and every block freed explicitly, is dead. Each run of dead blocks becomes one
 * block: a span (listed) when it is at least MIN_SPAN long, otherwise a hole. A run that reaches
 * the top becomes free memory at the top again (its hull recorded in topDirty).
 *
 * Bytes are zeroed at the latest moment the walk allows: a dead block's bytes are only known to
 * be needed zero when the next zero block, LAZY block or live block is reached (`dirty` marks
 * where the unzeroed bytes start). Dead LAZY blocks and the hulls of dead spans are not zeroed
 * but joined into the run's hull, which the run keeps if it becomes a big span; a shorter run
 * zeroes its hull.
 */
export function sweep(marked: u32): void {
  const end = top;
  let run: usize = 0;   // start of the current run of dead blocks (0: none)
  let dirty: usize = 0; // from here on the run's bytes are not known to be zero
  bigSpans = 0; bigLast = 0; smallSpans = 0; smallLast = 0;
  inUse = 0;
  for (let b = heapStart(); b < end;) {
    const mm = <usize>load<u32>(b);
    const size = BLOCK_OVERHEAD + (mm & ~FLAGS);
    const flags = mm & FLAGS;
    const dead = flags == MANAGED ? changetype<OBJECT>(b).gcInfo != marked : flags != 0;
    if (dead) {
      if (run == 0) { run = b; dirty = b; hullFrom = 0; hullTo = 0; }
      if (flags == ZEROED) { // zero what came before it and its span words; its hull joins the run's
        const from = load<usize>(b + HULL_FROM), to = load<usize>(b + HULL_TO);
        memory.fill(dirty, 0, b + SPAN_WORDS_END - dirty);
        if (to > from) widenHull(from, to);
        dirty = b + size;
      } else if (size >= LAZY) { // zero what came before it and its first words; the rest joins the hull
        memory.fill(dirty, 0, b + SPAN_WORDS_END - dirty);
        widenHull(b + SPAN_WORDS_END, b + size);
        dirty = b + size;
      }
    } else {
      inUse += size;
      if (run != 0) {
        endRun(run, dirty, b);
        run = 0;
      }
    }
    b += size;
  }
  if (run != 0) { // free memory at the top again; its hull is zeroed when that memory is taken
    memory.fill(dirty, 0, end - dirty);
    if (hullTo > hullFrom && hullTo > topDirty) topDirty = hullTo;
    top = run;
  }
}

/** The hull of the current run of the sweep: [hullFrom, hullTo) may hold bytes that are not zero. */
let hullFrom: usize = 0;
let hullTo: usize = 0;

/** Adds [from, to), which lies past everything in the run's hull so far, to the hull. */
// @ts-ignore: decorator
@inline function widenHull(from: usize, to: usize): void {
  if (hullTo <= hullFrom) hullFrom = from;
  hullTo = to;
}

/** The last span of each list while the sweep builds them. */
let bigLast: usize = 0;
let smallLast: usize = 0;

/**
 * Closes the run of dead blocks [run, end): lists it as a span (at the end of its list) or leaves
 * a hole. Only a big span keeps its hull; a smaller span is zeroed whole, so that a small span
 * is all zero past its words.
 */
// @ts-ignore: decorator
@inline function endRun(run: usize, dirty: usize, end: usize): void {
  const length = end - run;
  if (length < MIN_SPAN) { // (no hull: a LAZY block or a span would make it longer)
    store<u32>(run, <u32>(length - BLOCK_OVERHEAD | FREE));
    return;
  }
  memory.fill(dirty, 0, end - dirty);
  let from = hullFrom, to = hullTo;
  if (to > from && length < BIG_SPAN) memory.fill(from, 0, to - from);
  if (to <= from || length < BIG_SPAN) { from = 0; to = 0; }
  store<u32>(run, <u32>(length - BLOCK_OVERHEAD | ZEROED));
  store<usize>(run + HULL_FROM, from);
  store<usize>(run + HULL_TO, to);
  if (length >= BIG_SPAN) {
    if (bigLast == 0) bigSpans = run; else store<usize>(bigLast + LINK, run);
    bigLast = run;
  } else {
    if (smallLast == 0) smallSpans = run; else store<usize>(smallLast + LINK, run);
    smallLast = run;
  }
}

/** Bytes in blocks currently handed out (after a collection: what is live). */
// @ts-ignore: decorator
@global @unsafe
export function __heap_in_use(): usize {
  return inUse;
}
