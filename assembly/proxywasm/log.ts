// Logging through Envoy's log (component `wasm`). Never log matched user data.
import { proxy_log, proxy_get_log_level } from "./hostcalls";
import { LogLevel } from "./enums";
import { OUT_EXTRA } from "./memory";

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
