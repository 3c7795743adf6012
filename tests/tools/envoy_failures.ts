// The lines Envoy 1.40 writes when a wasm VM fails. A trap in a plugin callback is logged by
// source/extensions/common/wasm/wasm_vm.cc as
//   [error][wasm] [source/extensions/common/wasm/wasm_vm.cc:38] Function: proxy_on_downstream_data failed: Uncaught RuntimeError: unreachable
// (the callback's name and V8's message vary: unreachable, memory access out of bounds, ...).
// The VM is then dropped from that worker, and with FAIL_CLOSED every later connection on it
// is closed.
import fs from "node:fs";

/** A failed wasm call ("Function: … failed: …"), any V8 trap text, or a VM reported failed. */
const FAILURE = /Function: \S+ failed|Uncaught \w*Error|\bunreachable\b|Wasm VM failed/i;
/** What plugins log themselves ("wasm log <plugin> …") is theirs to word; it is not Envoy's verdict. */
const PLUGIN_LOG = /\bwasm log /;

export function failureLines(text: string): string[] {
  return text.split("\n").filter((l) => FAILURE.test(l) && !PLUGIN_LOG.test(l));
}

/** Reads a log from a byte offset, so each attack is judged on what it caused. */
export class LogCursor {
  private offset = 0;
  constructor(private file: string) { this.mark(); }

  /** Moves to the end of the log (or to the start of a new log file). */
  mark(file?: string): void {
    if (file) this.file = file;
    try { this.offset = file ? 0 : fs.statSync(this.file).size; } catch { this.offset = 0; }
  }

  /** The text written since the mark. */
  since(): string {
    try {
      const fd = fs.openSync(this.file, "r");
      try {
        const size = fs.fstatSync(fd).size;
        const buf = Buffer.alloc(Math.max(0, size - this.offset));
        fs.readSync(fd, buf, 0, buf.length, this.offset);
        return buf.toString("utf8");
      } finally { fs.closeSync(fd); }
    } catch { return ""; }
  }
}
