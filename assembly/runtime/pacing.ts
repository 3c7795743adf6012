// When the collector runs. Under this project's runtime (index.ts) garbage is collected only
// when the code says so, and only where no managed reference lives on the stack: at the end of
// the outermost host callback. `leaveCallback` runs a collection there once the heap in use has
// grown by enough since the last one: at least MIN_BYTES, and at least what was live after it.
// (Between collections almost nothing is freed, so that growth is what was allocated.) That
// keeps the heap within about twice the live data (plus MIN_BYTES), and the collector's work
// proportional to what is allocated.
//
// Depth counting matters: a host call made inside a callback (closing a connection, say) may
// call back into the module before returning, and that inner callback must not collect objects
// the outer one still holds in locals.
//
// Under AssemblyScript's own runtimes this does nothing for "incremental" (it collects by
// itself) and collects at every outermost exit for "minimal" (TLSF has no counters to pace by).

import { releaseTransient, budgetHeld } from "./budget";

/** Allocate at least this much between two collections. */
// @ts-ignore: decorator
@inline const MIN_BYTES: usize = 4 << 20;

let depth: i32 = 0;
let liveAfterLast: usize = 0;

// @ts-ignore: decorator
@inline export function enterCallback(): void {
  depth++;
}

// @ts-ignore: decorator
@inline export function leaveCallback(): void {
  if (--depth == 0) {
    // Large transient buffers (a frame handled, a batch decompressed) are garbage now. When they
    // were big, collect at once, so the next callback reuses their memory instead of growing it.
    if (releaseTransient() >= <i64>MIN_BYTES) collectNow();
    else collectIfDue();
  }
}

/** Collects if enough was allocated since the last collection. Call only with no managed locals live. */
export function collectIfDue(): void {
  if (isDefined(__heap_in_use)) {
    // Large buffers held across callbacks (frames still arriving) cost the mark phase next to
    // nothing, so they do not earn garbage an allowance: only the rest of what is live does.
    const held = <usize>budgetHeld();
    const rest = liveAfterLast > held ? liveAfterLast - held : 0;
    if (__heap_in_use() < liveAfterLast + max(MIN_BYTES, rest)) return;
    collectNow();
  } else if (ASC_RUNTIME == 1) {
    __collect();
  }
}

/** Collects now (same rule: no managed locals live). */
export function collectNow(): void {
  __collect();
  if (isDefined(__heap_in_use)) liveAfterLast = __heap_in_use();
}
