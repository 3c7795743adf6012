// The memory budget of this VM: how many bytes of large buffers (frames held across reads,
// decompressed batches, re-encoded frames) it may hold at once.
//
// Why a budget and not a per-frame limit: every connection on a worker shares one VM, V8 caps a
// VM's linear memory at 1 GiB, and a VM that reaches the cap traps and takes every connection
// with it. Linear memory also never shrinks. So the one number that matters is what the VM holds
// in total, and when a connection's next buffer would push it over, that connection is refused
// (its plugin applies its policy) while the VM and every other connection carry on.
//
// Two kinds of charges:
// - held: buffers kept across callbacks (a frame still arriving). The owner releases them.
// - transient: buffers that live only until the current host callback returns (a decompressed
//   batch, a re-encoded frame). They are released together at the end of the outermost callback,
//   which is also where the collector may reclaim them (see pacing.ts).
//
// Small objects (decoded structs, strings) are not charged: the large buffers dominate, and the
// collector keeps the rest within about twice the live data.

/** 256 MiB: room for a 100 MiB frame (Kafka's default socket.request.max.bytes) and its rewrite. */
export const DEFAULT_BUDGET_BYTES: i64 = 256 << 20;

let limit: i64 = DEFAULT_BUDGET_BYTES;
let held: i64 = 0;
let transient: i64 = 0;
let peak: i64 = 0;
let refusals: i64 = 0;

/** Sets the budget (a plugin reads it from its configuration). */
export function setBudgetLimit(bytes: i64): void { limit = bytes; }

export function budgetLimit(): i64 { return limit; }

/** Bytes charged now, held and transient. */
export function budgetInUse(): i64 { return held + transient; }

/** Bytes charged for buffers kept across callbacks. */
export function budgetHeld(): i64 { return held; }

/** The most ever charged at once. */
export function budgetPeak(): i64 { return peak; }

/** How many charges were refused. */
export function budgetRefusals(): i64 { return refusals; }

/** What may still be charged. */
export function budgetRemaining(): i64 {
  const left = limit - held - transient;
  return left > 0 ? left : 0;
}

function charge(n: i64): bool {
  if (n <= 0) return true;
  if (held + transient + n > limit) { refusals++; return false; }
  return true;
}

function notePeak(): void {
  const now = held + transient;
  if (now > peak) peak = now;
}

/** Charges a buffer kept across callbacks; false (nothing charged) when it would exceed the budget. */
export function reserveHeld(n: i64): bool {
  if (!charge(n)) return false;
  held += n;
  notePeak();
  return true;
}

/** Gives back what reserveHeld charged. */
export function releaseHeld(n: i64): void {
  held -= n;
  if (held < 0) held = 0;
}

/** Charges a buffer that dies with the current callback; false (nothing charged) when over budget. */
export function reserveTransient(n: i64): bool {
  if (!charge(n)) return false;
  transient += n;
  notePeak();
  return true;
}

/** Turns a held charge into a transient one (a frame that finished arriving and is now handled). */
export function heldToTransient(n: i64): void {
  releaseHeld(n);
  transient += n;
}

/**
 * Counts a buffer that just became garbage (a frame buffer outgrown) until the callback ends,
 * whatever the budget says: it is memory until the collector runs, and counting it makes the end
 * of the callback collect it at once when it is large.
 */
export function noteGarbage(n: i64): void {
  transient += n;
  notePeak();
}

/** Releases every transient charge; returns how many bytes that was. Called at the end of the outermost callback. */
export function releaseTransient(): i64 {
  const n = transient;
  transient = 0;
  return n;
}
