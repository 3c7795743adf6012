// Where audit entries go: each to the Envoy log as one line, and, when a collector cluster is
// configured, in batches (newline-delimited JSON) POSTed to it from the root context's tick.
// A batch stays until the collector answers 2xx; while it is down, batches are retried at every
// tick, and the entries waiting are bounded: past `maxPending` the oldest are dropped and
// counted. Each batch carries an idempotency key, so a collector can ignore a retry of a batch
// it already stored (a 2xx that was lost on the way back).
import { Counter } from "../proxywasm/metrics";
import { logInfo, logWarn } from "../proxywasm/log";
import { httpCall, httpCallResponseHeader } from "../proxywasm/http_call";
import { nowNanos } from "../proxywasm/time";

class SentBatch {
  constructor(readonly token: u32, readonly id: string, readonly lines: Array<string>) {}
}

export class AuditSink {
  /** "": entries go to the Envoy log only. */
  cluster: string = "";
  path: string = "/audit";
  authority: string = "audit-collector";
  maxPending: i32 = 10000;
  maxBatch: i32 = 500;
  timeoutMs: u32 = 5000;
  /** Whether each entry is written to the Envoy log (at info level). */
  toLog: bool = true;
  /** Lines waiting for the collector, oldest first. */
  private pending: Array<string> = [];
  private inFlight: Array<SentBatch> = [];
  private seq: u64 = 0;
  private readonly nonce: string;
  readonly sent: Counter;
  readonly dropped: Counter;
  readonly retried: Counter;

  /** `metricPrefix`: "guard.audit" gives guard.audit.sent, .dropped and .retried (entries). */
  constructor(metricPrefix: string) {
    this.sent = new Counter(metricPrefix + ".sent");
    this.dropped = new Counter(metricPrefix + ".dropped");
    this.retried = new Counter(metricPrefix + ".retried");
    // Idempotency keys must differ across VMs and restarts.
    this.nonce = nowNanos().toString(36) + "-" + (<u64>(Math.random() * 1e15)).toString(36);
  }

  get waiting(): i32 { return this.pending.length; }

  add(line: string): void {
    if (this.toLog) logInfo("audit " + line);
    if (this.cluster.length == 0) return;
    this.pending.push(line);
    this.trim();
  }

  /** Sends what waits, one batch at a time per call; call from the root's tick. */
  flush(): void {
    if (this.cluster.length == 0 || this.pending.length == 0 || this.inFlight.length > 0) return;
    const n = this.pending.length < this.maxBatch ? this.pending.length : this.maxBatch;
    const lines = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    this.seq++;
    const id = this.nonce + "-" + this.seq.toString();
    const token = httpCall(this.cluster, [[":method", "POST"], [":path", this.path], [":authority", this.authority],
      ["content-type", "application/x-ndjson"], ["idempotency-key", id]], String.UTF8.encode(lines.join("\n") + "\n"), this.timeoutMs);
    if (token == 0) { this.requeue(lines); return; }
    this.inFlight.push(new SentBatch(token, id, lines));
  }

  /** Call from the root's onHttpCallResponse; false when the token is not an audit batch's. */
  onResponse(token: u32, headers: u32): bool {
    for (let i = 0; i < this.inFlight.length; i++) {
      const b = this.inFlight[i];
      if (b.token != token) continue;
      this.inFlight.splice(i, 1);
      let ok = false;
      if (headers > 0) {
        const status = httpCallResponseHeader(":status");
        ok = status != null && status.startsWith("2");
      }
      if (ok) this.sent.increment(<u64>b.lines.length);
      else this.requeue(b.lines);
      return true;
    }
    return false;
  }

  /** A batch that did not arrive goes back in front, to be sent again first. */
  private requeue(lines: Array<string>): void {
    this.retried.increment(<u64>lines.length);
    this.pending = lines.concat(this.pending);
    this.trim();
  }

  private trim(): void {
    const over = this.pending.length - this.maxPending;
    if (over <= 0) return;
    this.pending = this.pending.slice(over);
    this.dropped.increment(<u64>over);
    logWarn("audit: dropped " + over.toString() + " entries the collector could not take (at most " + this.maxPending.toString() + " wait)");
  }
}
