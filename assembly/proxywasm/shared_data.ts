// Key-value data shared by every VM of the same vm_id across Envoy's worker threads.
// Writes use compare-and-swap: read a value with its cas, write it back with that cas,
// and retry on CasMismatch when another worker got there first.
import { proxy_get_shared_data, proxy_set_shared_data } from "./hostcalls";
import { Status } from "./enums";
import { OUT_PTR, OUT_SIZE, OUT_EXTRA, takeHostBytes, clearOut } from "./memory";

export class SharedValue {
  constructor(readonly value: ArrayBuffer | null, readonly cas: u32, readonly status: Status) {}
}

export function getSharedData(key: string): SharedValue {
  const k = String.UTF8.encode(key);
  clearOut();
  const status = <Status>proxy_get_shared_data(changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE, OUT_EXTRA);
  const cas = load<u32>(OUT_EXTRA);
  if (status != Status.Ok) return new SharedValue(null, cas, status);
  return new SharedValue(takeHostBytes(), cas, status);
}

/** cas 0 writes unconditionally; otherwise the write fails with CasMismatch if the value changed since it was read. */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32 = 0): Status {
  const k = String.UTF8.encode(key);
  return <Status>proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(value), value.byteLength, cas);
}

/** Atomically adds `delta` to a little-endian u64 stored under `key`, retrying on contention. Returns the new value. */
export function addSharedU64(key: string, delta: u64, maxAttempts: i32 = 64): u64 {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = getSharedData(key);
    let value: u64 = 0;
    const buf = current.value;
    if (buf != null && buf.byteLength >= 8) value = load<u64>(changetype<usize>(buf));
    const next = new ArrayBuffer(8);
    store<u64>(changetype<usize>(next), value + delta);
    const status = setSharedData(key, next, current.status == Status.Ok ? current.cas : 0);
    if (status == Status.Ok) return value + delta;
    if (status != Status.CasMismatch) break;
  }
  return 0;
}
