// A byte rate measured the way Kafka's broker measures client quotas: `samples` windows of
// `windowMs` each, the rate being the bytes in the windows still retained divided by the time
// they span, and that span never shorter than `samples - 1` whole windows (so a client's first
// burst is spread over the full window, as Kafka's Rate does).
//
// Windows are aligned on the clock (window k covers [k·windowMs, (k+1)·windowMs)), so every
// Envoy worker that updates the same shared counter agrees on which window a byte belongs to.
// The state is a small fixed-size record that lives in shared data (shared_rates.ts); these
// functions read and update it in place and never allocate on anything a peer sent.

/** How quotas are measured: Kafka's `quota.window.num` and `quota.window.size.seconds`. */
export class RateShape {
  constructor(readonly samples: i32 = 11, readonly windowMs: i64 = 1000) {}
}

/** Bytes in a rate record: per sample its window number (i64) and its bytes (f64). */
export function rateBytes(shape: RateShape): i32 { return shape.samples * 16; }

@inline function windowAt(p: usize, i: i32): i64 { return load<i64>(p + (<usize>i << 4)); }
@inline function bytesAt(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 4) + 8); }

/** Adds `bytes` at time `nowMs` to the record at `p` (rateBytes(shape) bytes). */
export function recordRate(p: usize, shape: RateShape, nowMs: i64, bytes: f64): void {
  if (nowMs < 0) nowMs = 0;
  const w = nowMs / shape.windowMs;
  const i = <i32>(w % <i64>shape.samples);
  if (windowAt(p, i) != w + 1) {
    // A window number is stored plus one, so an all-zero record means "never used".
    store<i64>(p + (<usize>i << 4), w + 1);
    store<f64>(p + (<usize>i << 4) + 8, 0);
  }
  store<f64>(p + (<usize>i << 4) + 8, bytesAt(p, i) + bytes);
}

/** What a rate record says at `nowMs`: bytes retained, the span they are divided by, and the rate. */
export class RateReading {
  bytes: f64 = 0;
  spanMs: f64 = 0;
  /** Bytes per second. */
  get perSecond(): f64 { return this.spanMs <= 0 ? 0 : this.bytes * 1000.0 / this.spanMs; }
}

export function readRate(p: usize, shape: RateShape, nowMs: i64, out: RateReading): RateReading {
  if (nowMs < 0) nowMs = 0;
  const current = nowMs / shape.windowMs;
  const n = <i64>shape.samples;
  let total: f64 = 0;
  let oldest = current;
  for (let i = 0; i < shape.samples; i++) {
    const stored = windowAt(p, i);
    if (stored == 0) continue;
    const w = stored - 1;
    // Windows older than the retained ones (or from a clock that went back) are obsolete.
    if (w <= current - n || w > current) continue;
    total += bytesAt(p, i);
    if (w < oldest) oldest = w;
  }
  let span = <f64>(nowMs - oldest * shape.windowMs);
  const full = <i64>(span / <f64>shape.windowMs);
  if (full < n - 1) span += <f64>(n - 1 - full) * <f64>shape.windowMs;
  out.bytes = total;
  out.spanMs = span;
  return out;
}

/**
 * Kafka's throttle time for a rate over its quota: (observed − quota) / quota × the span the
 * rate was measured over, rounded, capped at `maxMs`; 0 when the rate is within the quota.
 */
export function throttleMs(reading: RateReading, quotaPerSecond: f64, maxMs: i32): i32 {
  if (quotaPerSecond <= 0) return 0;
  const observed = reading.perSecond;
  if (observed <= quotaPerSecond) return 0;
  const t = Math.round((observed - quotaPerSecond) / quotaPerSecond * reading.spanMs);
  if (t >= <f64>maxMs) return maxMs;
  return t < 0 ? 0 : <i32>t;
}
