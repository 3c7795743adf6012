// What Envoy does with a filter whose wasm VM died, and the rule that a plugin which protects
// data never gets FAIL_OPEN (docs/operations.md has what each policy does, as observed in Envoy 1.40).
import fs from "node:fs";
import path from "node:path";

/**
 * FAIL_CLOSED: connections that meet the dead VM are closed. FAIL_OPEN: new connections skip the
 * filter, so the plugin sees nothing. FAIL_RELOAD: the next new connection on that worker gets a
 * fresh VM (with backoff); connections that were open on the dead VM are closed.
 */
export type FailurePolicy = "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";
export const FAILURE_POLICIES: readonly FailurePolicy[] = ["FAIL_CLOSED", "FAIL_OPEN", "FAIL_RELOAD"];

/**
 * Plugins whose purpose is to keep data from passing unchecked, by the file name they are built
 * to (`build/<name>.wasm`). A filter loading one of these protects data whatever its `protects` says.
 */
export const PROTECTING_PLUGINS: ReadonlySet<string> = new Set(["pii-filter"]);

/** The export that marks a module as protecting data (assembly/proxywasm/protects_data.ts). */
export const PROTECTS_DATA_EXPORT = "kafka_proxy_wasm_protects_data";

/**
 * Whether the module at `wasm` carries the mark, read from the module itself: true or false, or
 * null when there is no module here to read (a path as Envoy will see it in a container, say).
 */
export function protectionMark(wasm: string): boolean | null {
  let bytes: Buffer;
  try { bytes = fs.readFileSync(wasm); } catch { return null; }
  let module: WebAssembly.Module;
  try { module = new WebAssembly.Module(new Uint8Array(bytes)); } catch { return null; }
  return WebAssembly.Module.exports(module).some((e) => e.name === PROTECTS_DATA_EXPORT);
}

export interface PolicySubject {
  wasm: string;
  name?: string;
  /** The plugin protects data (masking, rejecting): a dead VM must stop traffic, never wave it through. */
  protects?: boolean;
  failurePolicy?: FailurePolicy;
}

export function protectsData(f: PolicySubject): boolean {
  return f.protects === true || PROTECTING_PLUGINS.has(path.basename(f.wasm, ".wasm")) || protectionMark(f.wasm) === true;
}

/** Throws when the filter's failure policy would let data pass a protecting plugin unscanned. */
export function checkFailurePolicy(f: PolicySubject): void {
  if (f.failurePolicy !== undefined && !FAILURE_POLICIES.includes(f.failurePolicy)) {
    throw new Error(`filter "${f.name ?? path.basename(f.wasm)}": failurePolicy must be one of ${FAILURE_POLICIES.join(", ")}, got "${f.failurePolicy}"`);
  }
  if (f.failurePolicy !== "FAIL_OPEN") return;
  const plugin = path.basename(f.wasm, ".wasm");
  const who = f.name ? `filter "${f.name}" (${plugin})` : `filter ${plugin}`;
  if (protectsData(f)) {
    throw new Error(`${who} protects data and cannot run with failure policy FAIL_OPEN: ` +
      `once its VM dies, Envoy passes new connections around it and their records reach the broker and the clients unscanned. ` +
      `Use FAIL_RELOAD (a new VM for the next connection) or FAIL_CLOSED`);
  }
  // Unknown is not safe: a module that cannot be read here may be a renamed data-protecting one.
  if (f.protects !== false && protectionMark(f.wasm) === null) {
    throw new Error(`${who}: cannot read a wasm module at ${f.wasm} to see whether it protects data, so FAIL_OPEN is not written: ` +
      `write the configuration where the module is at that path (inside the image, say), or use FAIL_RELOAD or FAIL_CLOSED`);
  }
}

/** Reads a failure policy given on the command line, naming the option when it is not one. */
export function parseFailurePolicy(text: string, option: string): FailurePolicy {
  const p = text.toUpperCase();
  if (!(FAILURE_POLICIES as readonly string[]).includes(p)) {
    throw new Error(`${option} must be one of ${FAILURE_POLICIES.join(", ")}, got "${text}"`);
  }
  return p as FailurePolicy;
}
