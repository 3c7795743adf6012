// Memory gauges of the plugin's VMs, for operators:
//   wasm_vm.<plugin>.memory_bytes          the size of the VM's linear memory
//   wasm_vm.<plugin>.budget_peak_bytes     the most the VM's memory budget ever had charged
//   wasm_vm.<plugin>.largest_chunk_bytes   the largest buffer the host handed the VM
// <plugin> is the filter's `name` (the `plugin_name` property, as metricSegment spells it).
//
// Each worker thread runs its own VM of the plugin, and they all write the same stat: each
// gauge holds the largest value any of them reported (a VM only ever raises it), so it shows
// the VM closest to trouble. All three only grow while a VM lives: linear memory never shrinks,
// and V8 traps a VM whose memory would pass 1 GiB.
//
// Reported at the end of data callbacks, and only when a value passed what this VM reported
// before: a few host calls per growth, none on the common path.
import { Gauge, metricSegment } from "./metrics";
import { plugin } from "./properties";
import { largestHostBufferBytes } from "./memory";
import { budgetPeak } from "../runtime/budget";

class VmMemoryGauges {
  readonly memory: Gauge;
  readonly budgetPeak: Gauge;
  readonly largestChunk: Gauge;
  constructor(prefix: string) {
    this.memory = new Gauge(prefix + "memory_bytes");
    this.budgetPeak = new Gauge(prefix + "budget_peak_bytes");
    this.largestChunk = new Gauge(prefix + "largest_chunk_bytes");
  }
}

let gauges: VmMemoryGauges | null = null;
let reportedMemory: u64 = 0;
let reportedPeak: u64 = 0;
let reportedChunk: u64 = 0;

/** Raises `g` to `value` unless another VM already reported more. */
function raise(g: Gauge, value: u64): void {
  if (g.get() < value) g.set(value);
}

/** Call at the end of a data callback, after garbage was collected. */
export function reportVmMemory(): void {
  const mem = <u64>memory.size() << 16;
  const peak = <u64>budgetPeak();
  const chunk = <u64>largestHostBufferBytes();
  if (mem <= reportedMemory && peak <= reportedPeak && chunk <= reportedChunk) return;
  let g = gauges;
  if (g == null) {
    const name = plugin.name();
    g = new VmMemoryGauges("wasm_vm." + metricSegment(name == null ? "" : name) + ".");
    gauges = g;
  }
  if (mem > reportedMemory) { raise(g.memory, mem); reportedMemory = mem; }
  if (peak > reportedPeak) { raise(g.budgetPeak, peak); reportedPeak = peak; }
  if (chunk > reportedChunk) { raise(g.largestChunk, chunk); reportedChunk = chunk; }
}
