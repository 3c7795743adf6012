// Byte rates per key (a topic, a tenant), shared by every Envoy worker through proxy shared
// data, and bounded: at most `capacity` keys are tracked at once.
//
// Envoy's shared data cannot delete a key, so the table is a fixed set of slots
// ("<prefix>.<n>", n < capacity), each holding one tracked key and its rate record. A key lives
// in one of PROBES slots chosen by its hash. When all of them hold other keys, the one used least
// recently is taken over (an idle key's windows have mostly expired anyway; a key idle for the
// whole measured span has nothing left to lose). Every update is a compare-and-swap: read the
// slot with its cas, write it back with that cas, and start again when another worker got there
// first.
//
// Slot layout (little-endian): last use in ms (i64), key length (u32), the key's record
// (rate.ts: sampled windows or a token bucket, RateShape.recordBytes), key bytes (UTF-8).
import { getSharedData, setSharedData } from "../proxywasm/shared_data";
import { Status } from "../proxywasm/enums";
import { RateShape, RateReading, recordRate, readRate, throttleMs, chargeBucket } from "./rate";

/** Slots a key may live in. */
const PROBES: i32 = 4;
/** Compare-and-swap attempts before an update is given up (counted in `lostUpdates`). */
const MAX_ATTEMPTS: i32 = 16;
const OFF_LAST: usize = 0;
const OFF_KEYLEN: usize = 8;
const OFF_RATE: usize = 12;

function fnv1a(bytes: ArrayBuffer): u32 {
  let h: u32 = 0x811c9dc5;
  const p = changetype<usize>(bytes);
  for (let i = 0; i < bytes.byteLength; i++) {
    h ^= <u32>load<u8>(p + <usize>i);
    h *= 0x01000193;
  }
  return h;
}

function sameKey(slot: ArrayBuffer, key: ArrayBuffer, rateLen: i32): bool {
  if (slot.byteLength != <i32>OFF_RATE + rateLen + key.byteLength) return false;
  if (load<u32>(changetype<usize>(slot) + OFF_KEYLEN) != <u32>key.byteLength) return false;
  return memory.compare(changetype<usize>(slot) + OFF_RATE + <usize>rateLen, changetype<usize>(key), <usize>key.byteLength) == 0;
}

export class SharedRates {
  /** Updates given up after MAX_ATTEMPTS compare-and-swap conflicts. */
  lostUpdates: u64 = 0;
  /** Keys that took over a slot another key held. */
  evictions: u64 = 0;
  private readonly rateLen: i32;
  /** Where this VM last found each key (a hint; the slot is checked every time). */
  private readonly hints: Map<string, i32> = new Map();
  private readonly reading: RateReading = new RateReading();

  /**
   * `prefix` keeps this table's shared-data keys apart from others ("guard.quota"); `capacity`
   * bounds the number of keys tracked at once (and so the shared-data keys used).
   */
  constructor(readonly prefix: string, readonly capacity: i32, readonly shape: RateShape) {
    this.rateLen = shape.recordBytes;
  }

  /**
   * Counts `bytes` against `key` at `nowMs` (when `write`; else only looks) and returns the
   * throttle time its quota of `quotaPerSecond` asks for, at most `maxMs`. A key not tracked yet
   * has nothing to throttle when only looked at.
   */
  charge(key: string, nowMs: i64, bytes: f64, quotaPerSecond: f64, maxMs: i32, write: bool): i32 {
    return this.update(key, nowMs, bytes, quotaPerSecond, maxMs, write);
  }

  private measure(p: usize, nowMs: i64, bytes: f64, quota: f64, maxMs: i32, write: bool): i32 {
    const shape = this.shape;
    if (shape.tokenBucket) return chargeBucket(p, nowMs, bytes, quota, shape.burst(quota), maxMs, write);
    if (write) recordRate(p, shape, nowMs, bytes);
    return throttleMs(readRate(p, shape, nowMs, this.reading), quota, maxMs);
  }

  private slotName(n: i32): string { return this.prefix + "." + n.toString(); }

  private update(key: string, nowMs: i64, bytes: f64, quota: f64, maxMs: i32, write: bool): i32 {
    const k = String.UTF8.encode(key);
    const cap = this.capacity < 1 ? 1 : this.capacity;
    const home = <i32>(fnv1a(k) % <u32>cap);
    const rateLen = this.rateLen;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // Find the key's slot, or the slot it should take: an empty one first, else the least recently used.
      let found = -1, foundCas: u32 = 0;
      let foundValue: ArrayBuffer | null = null;
      let victim = -1, victimCas: u32 = 0, victimLast: i64 = i64.MAX_VALUE, victimEmpty = false;
      let hinted = this.hints.has(key) ? this.hints.get(key) : -1;
      for (let j = -1; j < PROBES; j++) {
        let n: i32;
        if (j < 0) { if (hinted < 0 || hinted >= cap) continue; n = hinted; }
        else { n = (home + j) % cap; if (n == hinted) continue; }
        const got = getSharedData(this.slotName(n));
        const v = got.value;
        if (got.status != Status.Ok || v == null || v.byteLength < <i32>OFF_RATE + rateLen) {
          if (!victimEmpty) { victim = n; victimCas = got.status == Status.Ok ? got.cas : 0; victimEmpty = true; }
          continue;
        }
        if (sameKey(v, k, rateLen)) { found = n; foundCas = got.cas; foundValue = v; break; }
        const last = load<i64>(changetype<usize>(v) + OFF_LAST);
        if (!victimEmpty && last < victimLast) { victim = n; victimCas = got.cas; victimLast = last; }
      }
      if (found < 0 && !write) return 0;
      let slot: i32, cas: u32, value: ArrayBuffer;
      if (found >= 0) {
        slot = found; cas = foundCas; value = foundValue!;
        if (!write) return this.measure(changetype<usize>(value) + OFF_RATE, nowMs, 0, quota, maxMs, false);
      } else {
        // A fresh record for the key (zeroed: nothing counted yet).
        slot = victim < 0 ? home : victim; cas = victim < 0 ? 0 : victimCas;
        value = new ArrayBuffer(<i32>OFF_RATE + rateLen + k.byteLength);
        store<u32>(changetype<usize>(value) + OFF_KEYLEN, <u32>k.byteLength);
        memory.copy(changetype<usize>(value) + OFF_RATE + <usize>rateLen, changetype<usize>(k), <usize>k.byteLength);
      }
      const p = changetype<usize>(value);
      store<i64>(p + OFF_LAST, nowMs);
      const throttle = this.measure(p + OFF_RATE, nowMs, bytes, quota, maxMs, true);
      const status = setSharedData(this.slotName(slot), value, cas);
      if (status == Status.Ok) {
        if (found < 0 && !victimEmpty) this.evictions++;
        if (this.hints.size >= cap * 2) this.hints.clear();
        this.hints.set(key, slot);
        return throttle;
      }
      if (status != Status.CasMismatch) break;
    }
    this.lostUpdates++;
    return 0;
  }
}
