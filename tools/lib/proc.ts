// Running external programs with visible progress, and failing with their output when they fail.
import { spawn, spawnSync, SpawnOptions, ChildProcess } from "node:child_process";

export function step(message: string): void {
  process.stderr.write(`[kafka-proxy-wasm] ${message}\n`);
}

/** Runs a command, streaming a heartbeat every 10 s so long installs show progress. */
export async function run(cmd: string, args: string[], opts: SpawnOptions & { label?: string; quiet?: boolean } = {}): Promise<string> {
  const label = opts.label ?? `${cmd} ${args.join(" ")}`;
  const started = Date.now();
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => { out += d; });
    child.stderr!.on("data", (d) => { out += d; });
    const beat = setInterval(() => step(`… ${label} (${Math.round((Date.now() - started) / 1000)} s)`), 10000);
    child.on("error", (e) => { clearInterval(beat); reject(new Error(`${label}: ${e.message}`)); });
    child.on("close", (code) => {
      clearInterval(beat);
      if (code === 0) resolve(out);
      else reject(new Error(`${label} failed (exit ${code}):\n${out.slice(-4000)}`));
    });
  });
}

/**
 * `cmd args` wrapped so the child gets SIGTERM when this process dies, even by SIGKILL (setpriv's
 * parent-death signal, util-linux); unwrapped where setpriv is missing. setpriv execs the command,
 * so the pid stays the child's.
 */
export function withParentDeath(cmd: string, args: string[]): [string, string[]] {
  return hasSetpriv() ? ["setpriv", ["--pdeathsig", "TERM", "--", cmd, ...args]] : [cmd, args];
}

let setprivKnown: boolean | undefined;
function hasSetpriv(): boolean {
  setprivKnown ??= process.platform === "linux" && spawnSync("setpriv", ["--help"], { encoding: "utf8" }).stdout?.includes("--pdeathsig") === true;
  return setprivKnown;
}

/** True when `cmd` is on the PATH. */
export function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(child: ChildProcess | null, graceMs: number): Promise<void> {
  // No pid: it never started (spawn failed), so there is no exit to wait for.
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), graceMs).unref();
  });
}
