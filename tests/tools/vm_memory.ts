// How much memory each wasm VM in a running Envoy holds, read from /proc/<pid>/smaps.
//
// How a VM's memory is found. Envoy runs V8 with its WebAssembly trap handler, so V8 gives
// every wasm linear memory (one per VM) a guarded reservation of exactly 8 GiB of address
// space: the pages the module has grown to are mapped read-write at the start of the
// reservation, the rest is mapped PROT_NONE, and an out-of-bounds access faults into the
// trap handler instead of being checked in code. In /proc/<pid>/smaps such a memory is an
// anonymous `rw-p` mapping directly followed by an anonymous `---p` mapping, the two adding
// up to 8 GiB (or more, see WASM_MEMORY_RESERVATION); the `rw-p` part's Rss is what the VM really holds (V8 commits pages
// on memory.grow, the kernel makes them resident when the module touches them). Nothing
// else in Envoy reserves 8 GiB: V8's own heaps and code spaces are 1 GiB, 256 MiB and
// 512 MiB regions. Checked by loading N plugins: Envoy with --concurrency 2 shows 4 such
// regions with one plugin and 12 with three (four VMs per plugin: one per worker thread, the
// others on the main thread), each of them holding one plugin's static data (below), and the
// adversarial suite's first test asserts the count and the naming on every run.
//
// Which plugin a memory belongs to: AssemblyScript places each module's static data
// (strings, tables) with active data segments at fixed addresses in its memory, and that
// data is never written. A memory whose bytes at those addresses equal a plugin's segments
// is that plugin's; the segments common to every plugin (the runtime's own) are left out.
import fs from "node:fs";

/**
 * V8's reservation for one 32-bit wasm memory with guard regions (x86-64, trap handler on):
 * exactly 8 GiB in the V8 of Envoy 1.40; older V8s (Node 20's) reserve up to 10 GiB. A
 * reservation's PROT_NONE tail may also merge with a neighbouring PROT_NONE mapping, so the
 * rule asks for at least this much.
 */
export const WASM_MEMORY_RESERVATION = 8 * 1024 * 1024 * 1024;

export interface WasmMemory {
  /** The memory's base address in Envoy's address space (stable while the VM lives). */
  base: bigint;
  /** Pages mapped read-write: what the module has grown its memory to. */
  committedBytes: number;
  /** Of those, resident in RAM: what the VM really holds. */
  residentBytes: number;
}

interface Mapping { start: bigint; end: bigint; perms: string; anonymous: boolean; rssKb: number }

function readMappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt("0x" + head[1]), end: BigInt("0x" + head[2]), perms: head[3], anonymous: head[4].trim() === "", rssKb: 0 };
      out.push(cur);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && cur) cur.rssKb = Number(rss[1]);
  }
  return out;
}

/** Every wasm memory in the process, by the rule above, in address order. */
export function wasmMemories(pid: number): WasmMemory[] {
  const maps = readMappings(pid);
  const out: WasmMemory[] = [];
  for (let i = 0; i + 1 < maps.length; i++) {
    const rw = maps[i], guard = maps[i + 1];
    if (!rw.anonymous || !guard.anonymous || rw.perms !== "rw-p" || guard.perms !== "---p") continue;
    if (rw.end !== guard.start || guard.end - rw.start < BigInt(WASM_MEMORY_RESERVATION)) continue;
    out.push({ base: rw.start, committedBytes: Number(rw.end - rw.start), residentBytes: rw.rssKb * 1024 });
  }
  return out;
}

/** Active data segments (offset, bytes) of a wasm module: where its static data sits in memory. */
export function dataSegments(wasm: Buffer): { offset: number; bytes: Buffer }[] {
  let p = 8;
  const u = (): number => { let r = 0, s = 0, b: number; do { b = wasm[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const segs: { offset: number; bytes: Buffer }[] = [];
  while (p < wasm.length) {
    const id = wasm[p++];
    const len = u();
    const end = p + len;
    if (id === 11) {
      const n = u();
      for (let i = 0; i < n; i++) {
        const flags = u();
        if (flags !== 0) break; // passive or explicit-memory segments: AssemblyScript writes neither
        if (wasm[p++] !== 0x41) break; // i32.const
        let off = 0, s = 0, b: number;
        do { b = wasm[p++]; off |= (b & 0x7f) << s; s += 7; } while (b & 0x80);
        if (wasm[p++] !== 0x0b) break; // end
        const l = u();
        segs.push({ offset: off, bytes: wasm.subarray(p, p + l) });
        p += l;
      }
    }
    p = end;
  }
  return segs;
}

export interface PluginImage { name: string; wasm: string }

/**
 * Names each memory by the plugin whose static data it holds. Reads Envoy's memory through
 * /proc/<pid>/mem (needs the right to trace Envoy: its parent, or root). "?" when none matches.
 */
export class VmNamer {
  private readonly signatures: { name: string; segs: { offset: number; bytes: Buffer }[] }[];
  private readonly names = new Map<bigint, string>();

  constructor(plugins: PluginImage[]) {
    const all = plugins.map((p) => ({ name: p.name, segs: dataSegments(fs.readFileSync(p.wasm)) }));
    const key = (s: { offset: number; bytes: Buffer }) => `${s.offset}:${s.bytes.toString("hex")}`;
    const count = new Map<string, number>();
    for (const p of all) for (const s of new Set(p.segs.map(key))) count.set(s, (count.get(s) ?? 0) + 1);
    // Only what is the plugin's own: a segment every plugin has says nothing.
    this.signatures = all.map((p) => ({ name: p.name, segs: p.segs.filter((s) => count.get(key(s)) === 1 && s.bytes.length >= 8).slice(0, 64) }));
  }

  name(pid: number, m: WasmMemory): string {
    const known = this.names.get(m.base);
    if (known) return known;
    let best = "?", bestScore = 0;
    let fd: number;
    try { fd = fs.openSync(`/proc/${pid}/mem`, "r"); } catch { return "?"; }
    try {
      for (const sig of this.signatures) {
        let score = 0;
        for (const s of sig.segs) {
          if (s.offset + s.bytes.length > m.committedBytes) continue;
          const buf = Buffer.alloc(s.bytes.length);
          try { fs.readSync(fd, buf, 0, buf.length, m.base + BigInt(s.offset)); } catch { continue; }
          if (buf.equals(s.bytes)) score++;
        }
        if (score > bestScore) { bestScore = score; best = sig.name; }
      }
    } finally { fs.closeSync(fd); }
    if (best !== "?") this.names.set(m.base, best);
    return best;
  }
}

export interface VmSample { label: string; base: bigint; residentBytes: number; committedBytes: number }

/** Per-VM resident bytes now, each labelled "<plugin>#<n>" (n counts that plugin's VMs by address). */
export function vmResidentBytes(pid: number, namer: VmNamer): VmSample[] {
  const seen = new Map<string, number>();
  return wasmMemories(pid).map((m) => {
    const name = namer.name(pid, m);
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return { label: `${name}#${n}`, base: m.base, residentBytes: m.residentBytes, committedBytes: m.committedBytes };
  });
}

/**
 * Samples every VM's resident bytes on a timer and keeps each one's peak. A VM that traps is
 * dropped by Envoy and its memory unmapped, so only sampling while an attack runs sees how
 * far it got.
 */
export class VmMemoryMonitor {
  private peaks = new Map<bigint, VmSample>();
  private timer: NodeJS.Timeout | null = null;
  /** VMs seen during the window that were gone at its end (dropped, usually after a trap). */
  vanished: VmSample[] = [];
  private atStart = new Set<bigint>();

  constructor(private pid: number, private readonly namer: VmNamer, private readonly intervalMs = 100) {}

  setPid(pid: number): void { this.pid = pid; }

  sample(): VmSample[] {
    let now: VmSample[];
    try { now = vmResidentBytes(this.pid, this.namer); } catch { return []; }
    for (const s of now) {
      const p = this.peaks.get(s.base);
      this.peaks.set(s.base, p ? { ...p, residentBytes: Math.max(p.residentBytes, s.residentBytes), committedBytes: Math.max(p.committedBytes, s.committedBytes) } : s);
    }
    return now;
  }

  start(): void {
    this.peaks.clear();
    this.vanished = [];
    this.atStart = new Set(this.sample().map((s) => s.base));
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Stops sampling; each VM's peaks (resident and linear memory size) during the window, in address order. */
  stop(): VmSample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const end = new Set(this.sample().map((s) => s.base));
    const peaks = [...this.peaks.values()].sort((a, b) => (a.base < b.base ? -1 : 1));
    this.vanished = peaks.filter((p) => !end.has(p.base) && this.atStart.has(p.base));
    return peaks;
  }
}

export const MiB = 1024 * 1024;
