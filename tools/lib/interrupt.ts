// What to stop if this process ends early. Long-lived children (Kafka, Envoy, a collector)
// register how to stop them while they run; a command that owns a terminal (the demo) calls
// stopOnSignals() so Ctrl-C or SIGTERM stops them before it exits, and stopRegistered() on
// failure. Registering is inert otherwise: the test runner keeps its own signal handling.
import { step } from "./proc.js";

const running = new Set<() => Promise<void>>();

/** Registers `stop` until the returned function is called (call it once the thing has stopped). */
export function stopOnExit(stop: () => Promise<void>): () => void {
  running.add(stop);
  return () => { running.delete(stop); };
}

let stopping: Promise<void> | null = null;

/** Stops everything registered, newest first (Envoy before the broker it forwards to); once. */
export function stopRegistered(): Promise<void> {
  stopping ??= (async () => {
    for (const stop of [...running].reverse()) {
      running.delete(stop);
      try { await stop(); } catch (e) { step(`while stopping: ${e instanceof Error ? e.message : e}`); }
    }
  })();
  return stopping;
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/** On SIGINT, SIGTERM or SIGHUP: stop everything registered, then exit with 128 + the signal number. */
export function stopOnSignals(): void {
  for (const [name, n] of Object.entries(SIGNALS)) {
    process.once(name as NodeJS.Signals, () => {
      step(`${name}: stopping what was started`);
      void stopRegistered().finally(() => process.exit(128 + n));
    });
  }
}
