// Logging through Envoy's log (component `wasm`). Never log matched user data.
import { proxy_log, proxy_get_log_level } from "./hostcalls";
import { LogLevel } from "./enums";
import { OUT_EXTRA } from "./memory";
import { nowNanos } from "./time";

export function log(level: LogLevel, message: string): void {
  const bytes = String.UTF8.encode(message);
  proxy_log(level, changetype<usize>(bytes), bytes.byteLength);
}

export function logTrace(message: string): void { log(LogLevel.Trace, message); }
export function logDebug(message: string): void { log(LogLevel.Debug, message); }
export function logInfo(message: string): void { log(LogLevel.Info, message); }
export function logWarn(message: string): void { log(LogLevel.Warn, message); }
export function logError(message: string): void { log(LogLevel.Error, message); }
export function logCritical(message: string): void { log(LogLevel.Critical, message); }

/** The host's current log level, so a plugin can skip building messages nobody sees. */
export function currentLogLevel(): LogLevel {
  store<u32>(OUT_EXTRA, <u32>LogLevel.Info);
  proxy_get_log_level(OUT_EXTRA);
  return <LogLevel>load<u32>(OUT_EXTRA);
}

const MINUTE_NANOS: u64 = 60_000_000_000;

/**
 * Logs at most `perMinute` lines a minute; the lines over that are counted, and the count is
 * told with the next line that goes out. For warnings a client can cause (a malformed frame on
 * every new connection, say), so that nobody on the network decides how much Envoy logs.
 */
export class RateLimitedLog {
  private windowStart: u64 = 0;
  private inWindow: i32 = 0;
  private suppressed: u64 = 0;

  constructor(readonly level: LogLevel, readonly perMinute: i32 = 10) {}

  /** Whether a line may go out now (counts it as suppressed when not). */
  allow(): bool {
    const now = nowNanos();
    if (now - this.windowStart >= MINUTE_NANOS || now < this.windowStart) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perMinute) { this.suppressed++; return false; }
    this.inWindow++;
    return true;
  }

  /** Logs `message` unless the limit is reached. */
  log(message: string): void {
    if (!this.allow()) return;
    const dropped = this.suppressed;
    this.suppressed = 0;
    log(this.level, dropped > 0 ? message + " (" + dropped.toString() + " similar lines suppressed)" : message);
  }
}
