// Envoy with its listeners in a file (LDS from a path), so `dev --watch` can load a rebuilt plugin
// without restarting anything: it writes the listener again with the new module, Envoy swaps the
// listener (new connections get the new VM) and drains the old one, while Kafka keeps running.
// A hot restart would also reload, but needs a second Envoy process and shared memory; a listener
// update keeps one process, its admin address and its counters.
import fs from "node:fs";
import path from "node:path";
import { EnvoyProcess, EnvoyConfig, WasmFilter, envoyBootstrap } from "./envoy.js";

const LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";

/** Splits a static bootstrap into one reading its listeners from `ldsFile`, and that file's text. */
export function splitListeners(bootstrap: string, ldsFile: string): { bootstrap: string; lds: string } {
  const start = bootstrap.indexOf("\n  listeners:\n"), end = bootstrap.indexOf("\n  clusters:\n");
  if (start < 0 || end < start) throw new Error("reload: the bootstrap has no static listeners section before its clusters");
  const listeners = bootstrap.slice(start + "\n  listeners:\n".length, end + 1);
  const lds = "resources:\n" + listeners.replace(/^ {2}- name: /gm, `  - "@type": ${LISTENER_TYPE}\n    name: `);
  // Envoy wants a node identity for any dynamic configuration, a file included.
  const dynamic = `
node: { id: kafka-proxy-wasm-dev, cluster: kafka-proxy-wasm-dev }
dynamic_resources:
  lds_config:
    resource_api_version: V3
    path_config_source:
      path: ${JSON.stringify(ldsFile)}
      watched_directory: { path: ${JSON.stringify(path.dirname(ldsFile))} }
`;
  return { bootstrap: bootstrap.slice(0, start) + bootstrap.slice(end) + dynamic, lds };
}

export class ReloadableEnvoy extends EnvoyProcess {
  private generation = 0;

  constructor(binary: string, dir: string, config: EnvoyConfig) {
    super(binary, dir, { ...config, filters: [] });
    this.config.filters = this.copies(config.filters);
  }

  get ldsFile(): string { return path.join(this.dir, "lds", "listeners.yaml"); }

  /** Each generation's modules are copies, so a rebuild never changes what a running VM was loaded from. */
  private copies(filters: WasmFilter[]): WasmFilter[] {
    const dir = path.join(this.dir, "plugins");
    fs.mkdirSync(dir, { recursive: true });
    const gen = this.generation++;
    return filters.map((f, i) => {
      const copy = path.join(dir, `${i}-${path.basename(f.wasm, ".wasm")}-${gen}.wasm`);
      fs.copyFileSync(f.wasm, copy);
      return { ...f, wasm: copy };
    });
  }

  protected override bootstrap(): string {
    const { bootstrap, lds } = splitListeners(envoyBootstrap(this.config), this.ldsFile);
    fs.mkdirSync(path.dirname(this.ldsFile), { recursive: true });
    fs.writeFileSync(this.ldsFile, lds);
    return bootstrap;
  }

  // Connections on a replaced listener are closed after this many seconds; Kafka clients reconnect.
  protected override extraArgs(): string[] { return ["--drain-time-s", "2"]; }

  /**
   * Loads `filters` (rebuilt modules) into a new listener. Resolves once Envoy accepted the
   * update; throws with Envoy's reason when it refused it (a module that does not load, or a
   * configuration the plugin rejects), in which case the previous listener keeps serving.
   */
  async reload(filters: WasmFilter[]): Promise<void> {
    const before = await this.ldsCounters();
    this.config.filters = this.copies(filters);
    const { lds } = splitListeners(envoyBootstrap(this.config), this.ldsFile);
    // Written beside it and moved into place: Envoy sees the whole file at once.
    const tmp = path.join(path.dirname(this.ldsFile), `.listeners-${this.generation}.yaml`);
    fs.writeFileSync(tmp, lds);
    fs.renameSync(tmp, this.ldsFile);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await this.ldsCounters();
      if (now.success > before.success) return;
      if (now.rejected > before.rejected) throw new Error(`Envoy refused the new listener; see ${this.logFile}:\n${this.lastWarnings()}`);
    }
    throw new Error(`Envoy did not take the new listener within 30 s; see ${this.logFile}`);
  }

  private async ldsCounters(): Promise<{ success: number; rejected: number }> {
    const s = await this.stats("listener_manager.lds.update_");
    return { success: s.get("listener_manager.lds.update_success") ?? 0, rejected: s.get("listener_manager.lds.update_rejected") ?? 0 };
  }

  private lastWarnings(): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").split("\n").filter((l) => /\]\[(warning|error|critical)\]/.test(l)).slice(-5).join("\n");
    } catch { return ""; }
  }
}
