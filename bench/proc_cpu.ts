// CPU time a process has used, from /proc/<pid>/stat (Linux). Envoy is one process whose
// workers are threads, and the process's utime and stime sum every thread's, so one read
// before and one after a run give Envoy's whole cost for that run, whatever thread did it.
import fs from "node:fs";
import { execFileSync } from "node:child_process";

let ticksPerSecond = 0;

/** Clock ticks per second, the unit of /proc's utime and stime (`getconf CLK_TCK`, usually 100). */
export function clockTicks(): number {
  if (ticksPerSecond === 0) {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK gave ${JSON.stringify(n)}, not a positive whole number`);
    ticksPerSecond = n;
  }
  return ticksPerSecond;
}

/** User plus system CPU seconds process `pid` has used so far, all its threads included. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Field 2, the command name, is in parentheses and may hold spaces: count fields after its last ')'.
  // What follows starts at field 3 (state), so field n is at index n - 3: utime (14) at 11, stime (15) at 12.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]), stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat: utime or stime is not a number: ${stat.slice(0, 200)}`);
  return (utime + stime) / clockTicks();
}
