// Wall-clock time from the host, and the tick timer.
import { proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds } from "./hostcalls";
import { OUT_EXTRA } from "./memory";

/** Nanoseconds since the Unix epoch, as the host sees it. */
export function nowNanos(): u64 {
  store<u64>(OUT_EXTRA, 0);
  proxy_get_current_time_nanoseconds(OUT_EXTRA);
  return load<u64>(OUT_EXTRA);
}

/** Asks the host to call onTick on the root context every `millis` ms (0 stops it). */
export function setTickPeriod(millis: u32): void {
  proxy_set_tick_period_milliseconds(millis);
}
