// The garbage collector: mark and sweep, run only when called (assembly/runtime/pacing.ts calls
// it between host callbacks, when no managed reference is on the stack, so it scans no stack).
//
// Marking uses an epoch instead of colours: an object is marked in this collection when its
// gcInfo word equals the current epoch, so nothing has to be unmarked afterwards. Reachable
// objects are found from the globals (the compiler's __visit_globals), from pinned objects, and
// then from each marked object's members (__visit_members), through an explicit stack.
//
// Sweeping walks the heap block by block (blocks lie one after another) and hands every object
// block not marked in this epoch back to the allocator, which joins neighbouring dead blocks into
// free spans (allocator.ts: sweep). Unlike a list of all objects (what AssemblyScript's own
// collectors keep), this needs no links in the header, so allocating an object is only the
// allocator's pointer bump plus three header stores.
//
// Header fields (AssemblyScript's OBJECT layout, ~lib/rt/common): gcInfo = mark epoch,
// gcInfo2 = 1 while pinned; rtId and rtSize as the compiler and standard library expect.
import { OBJECT, BLOCK_OVERHEAD, OBJECT_OVERHEAD, OBJECT_MAXSIZE, TOTAL_OVERHEAD } from "~lib/rt/common";
import { E_ALLOCATION_TOO_LARGE, E_ALREADY_PINNED, E_NOT_PINNED } from "~lib/util/error";
import { MANAGED, closeSpan, sweep, allocate, allocateUnzeroed } from "./allocator";

/** The current collection's mark; never 0, which fresh objects and static data start with. */
let epoch: u32 = 1;
let pinnedCount: i32 = 0;

/** Objects marked but whose members are not visited yet: a raw (unmanaged) block of pointers. */
let gray: usize = 0;
let grayCapacity: usize = 0;
let grayLength: usize = 0;

function growGray(): void {
  const capacity: usize = grayCapacity == 0 ? <usize>1024 : grayCapacity << 1;
  gray = gray == 0 ? __alloc(capacity << alignof<usize>()) : __realloc(gray, capacity << alignof<usize>());
  grayCapacity = capacity;
}

// @ts-ignore: decorator
@inline function markAndPush(ptr: usize): void {
  const obj = changetype<OBJECT>(ptr - TOTAL_OVERHEAD);
  if (obj.gcInfo == epoch) return;
  obj.gcInfo = epoch;
  if (grayLength == grayCapacity) growGray();
  store<usize>(gray + (grayLength << alignof<usize>()), ptr);
  grayLength++;
}

// Inlined: every object the codec makes comes through here, and the call was a sixth of a Produce decode.
// @ts-ignore: decorator
@global @unsafe @inline
export function __new(size: usize, id: i32): usize {
  if (size > OBJECT_MAXSIZE) throw new Error(E_ALLOCATION_TOO_LARGE);
  return objectAt(allocate(OBJECT_OVERHEAD + size, MANAGED), size, id); // zero-filled: gcInfo and gcInfo2 start at 0
}

/**
 * As __new, for an object whose payload the caller writes whole at once: the buffers the host
 * fills (proxywasm/memory.ts: hostAlloc). A large one may hold old bytes until it is written
 * (allocator.ts: allocateUnzeroed); its header is zero, as __new's, and so are the bytes of its
 * block past its payload, which a resize in place would otherwise hand out.
 */
// @ts-ignore: decorator
@global @unsafe
export function __new_unzeroed(size: usize, id: i32): usize {
  if (size > OBJECT_MAXSIZE) throw new Error(E_ALLOCATION_TOO_LARGE);
  const ptr = allocateUnzeroed(OBJECT_OVERHEAD + size, MANAGED);
  const capacity = <usize>(changetype<OBJECT>(ptr - BLOCK_OVERHEAD).mmInfo & ~3);
  memory.fill(ptr + OBJECT_OVERHEAD + size, 0, capacity - OBJECT_OVERHEAD - size);
  return objectAt(ptr, size, id);
}

/** Sets the header of the object whose block's payload starts at `ptr`; returns where its data starts. */
// @ts-ignore: decorator
@inline function objectAt(ptr: usize, size: usize, id: i32): usize {
  const obj = changetype<OBJECT>(ptr - BLOCK_OVERHEAD);
  obj.rtId = id;
  obj.rtSize = <u32>size;
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __renew(oldPtr: usize, size: usize): usize {
  const old = changetype<OBJECT>(oldPtr - TOTAL_OVERHEAD);
  // Static data is copied into the heap. So is a pinned object, which stays where it is and
  // pinned (the pin list holds its address), as AssemblyScript's own runtimes do.
  if (oldPtr < __heap_base || old.gcInfo2 != 0) {
    const moved = __new(size, old.rtId);
    memory.copy(moved, oldPtr, min(size, <usize>old.rtSize));
    return moved;
  }
  if (size > OBJECT_MAXSIZE) throw new Error(E_ALLOCATION_TOO_LARGE);
  // The header (mark, id) moves with the payload; a moved block needs its flag again.
  const ptr = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size) + OBJECT_OVERHEAD;
  const obj = changetype<OBJECT>(ptr - TOTAL_OVERHEAD);
  obj.mmInfo |= MANAGED;
  obj.rtSize = <u32>size;
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {
  // Nothing: the collector never runs while the program does, so it needs no write barrier.
}

// @ts-ignore: decorator
@global @unsafe
export function __visit(ptr: usize, cookie: i32): void {
  if (ptr != 0) markAndPush(ptr);
}

/** Pinned objects: a raw block of pointers, so a collection finds them without walking the heap. */
let pins: usize = 0;
let pinsCapacity: usize = 0;

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  if (ptr != 0) {
    const obj = changetype<OBJECT>(ptr - TOTAL_OVERHEAD);
    if (obj.gcInfo2 != 0) throw new Error(E_ALREADY_PINNED);
    obj.gcInfo2 = 1;
    if (<usize>pinnedCount == pinsCapacity) {
      const capacity: usize = pinsCapacity == 0 ? <usize>16 : pinsCapacity << 1;
      pins = pins == 0 ? __alloc(capacity << alignof<usize>()) : __realloc(pins, capacity << alignof<usize>());
      pinsCapacity = capacity;
    }
    store<usize>(pins + (<usize>pinnedCount << alignof<usize>()), ptr);
    pinnedCount++;
  }
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {
  if (ptr == 0) return;
  const obj = changetype<OBJECT>(ptr - TOTAL_OVERHEAD);
  if (obj.gcInfo2 == 0) throw new Error(E_NOT_PINNED);
  obj.gcInfo2 = 0;
  // Usually the newest pin is the one let go: search from the end, move the last one into its place.
  const last = pinnedCount - 1;
  for (let i = last; i >= 0; i--) {
    const slot = pins + (<usize>i << alignof<usize>());
    if (load<usize>(slot) == ptr) {
      store<usize>(slot, load<usize>(pins + (<usize>last << alignof<usize>())));
      break;
    }
  }
  pinnedCount = last;
}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {
  epoch = epoch == u32.MAX_VALUE ? 1 : epoch + 1;
  closeSpan(); // the heap is walkable from here on (the mark stack grows only by large blocks, which keep it so)

  // Roots: globals, then pinned objects.
  __visit_globals(0);
  for (let i = 0; i < pinnedCount; i++) markAndPush(load<usize>(pins + (<usize>i << alignof<usize>())));
  // Everything reachable from them.
  while (grayLength > 0) {
    grayLength--;
    __visit_members(load<usize>(gray + (grayLength << alignof<usize>())), 0);
  }
  // Objects this epoch did not mark are garbage; the allocator joins them into free spans.
  sweep(epoch);
}
