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
  constructor(readonly samples: i32 = 11, readonly windowMs: i64 = 1000, readonly tokenBucket: bool = false) {}
  /** Bytes of the record each key keeps. */
  get recordBytes(): i32 { return this.tokenBucket ? BUCKET_BYTES : this.samples * 16; }
  /** A token bucket's credit: quota × samples × window (KIP-599). */
  burst(quotaPerSecond: f64): f64 { return quotaPerSecond * <f64>this.samples * <f64>this.windowMs / 1000.0; }
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

// ---- Token bucket (Kafka's controller mutation quota, KIP-599) ----
//
// The sampled rate above lets a client send a whole span's worth of bytes again each time an
// old window leaves the span, so a client that pushes as fast as it can moves in bursts of
// quota × (samples − 1) windows. KIP-599 gave Kafka's controller mutation quota a token bucket
// for that reason, and it is the default here: the bucket holds at most quota × samples ×
// window bytes of credit, refills at the quota, every byte takes one token, and a negative
// balance is the throttle: −tokens / quota. After the first burst the rate is held smooth.
// The record is 16 bytes: tokens (f64) and the time of the last update in ms (i64, 0: never).

export const BUCKET_BYTES: i32 = 16;

/**
 * Takes `bytes` from the bucket at `p` (refilled at `quotaPerSecond` since its last update,
 * up to `burst` tokens) when `write`, and returns the throttle time its balance asks for.
 */
export function chargeBucket(p: usize, nowMs: i64, bytes: f64, quotaPerSecond: f64, burst: f64, maxMs: i32, write: bool): i32 {
  if (quotaPerSecond <= 0) return 0;
  let tokens = load<f64>(p);
  const last = load<i64>(p + 8);
  if (last == 0) tokens = burst;
  else if (nowMs > last) tokens += quotaPerSecond * <f64>(nowMs - last) / 1000.0;
  if (tokens > burst) tokens = burst;
  tokens -= bytes;
  if (write) {
    store<f64>(p, tokens);
    store<i64>(p + 8, nowMs > last ? nowMs : last);
  }
  if (tokens >= 0) return 0;
  const t = Math.round(-tokens / quotaPerSecond * 1000.0);
  return t >= <f64>maxMs ? maxMs : <i32>t;
}
