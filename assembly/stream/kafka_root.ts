// A root context for Kafka plugins that reads the plugin configuration once, as JSON, and
// applies the stream layer's shared settings (max_frame_bytes, on_malformed, vm_memory_budget_bytes,
// …; see assembly/config/stream_config.ts) before the plugin reads its own keys. A plugin cannot
// forget them, and a bad value fails on_configure with a message naming the field, so Envoy
// refuses the configuration instead of running with a setting it did not mean.
import { RootContext } from "../proxywasm/context";
import { logError, logInfo } from "../proxywasm/log";
import { plugin } from "../proxywasm/properties";
import { JsonValue, JsonKind, parseJson } from "../config/json";
import { readStreamConfig, unknownSetting, STREAM_SETTINGS } from "../config/stream_config";
import { StreamConfig } from "./config";

export class KafkaRoot extends RootContext {
  /** The stream settings every connection of this root shares; updated in place on reconfiguration. */
  readonly stream: StreamConfig = new StreamConfig();

  /** `name` names the plugin in log lines ("pii-filter: configuration: …"); "" uses Envoy's name for the filter. */
  constructor(id: u32, private readonly name: string = "") { super(id); }

  get pluginName(): string {
    if (this.name.length > 0) return this.name;
    const n = plugin.name();
    return n == null || n.length == 0 ? "kafka plugin" : n;
  }

  /**
   * The plugin's own settings, from the parsed configuration (null when it is empty). Returns ""
   * when they are valid, else a message naming the field. Keys of the stream layer are in `doc`
   * too; they were applied already.
   */
  configure(doc: JsonValue | null): string { return ""; }

  /**
   * The names of the plugin's own top-level settings. When given, a configuration may hold those
   * and the library's (the stream layer's, and the record layer's in a record plugin) and no
   * other key: a misspelt one is refused, named, instead of silently meaning its default. Null
   * (the default) takes any key.
   */
  settings(): Array<string> | null { return null; }

  /** The top-level keys the library's layers under the plugin read. */
  protected librarySettings(): Array<string> { return STREAM_SETTINGS; }

  onConfigure(size: u32): bool {
    const text = size == 0 ? "" : String.UTF8.decode(this.pluginConfiguration(size)).trim();
    let doc: JsonValue | null = null;
    if (text.length > 0) {
      const errors = new Array<string>();
      doc = parseJson(text, errors);
      if (doc == null) { logError(this.pluginName + ": configuration is not JSON: " + errors[0]); return false; }
      if (doc.kind != JsonKind.Object) { logError(this.pluginName + ": configuration must be a JSON object"); return false; }
    }
    if (doc != null) {
      const own = this.settings();
      if (own != null) {
        const unknown = unknownSetting(doc, own, this.librarySettings());
        if (unknown.length > 0) { logError(this.pluginName + ": configuration: " + unknown); return false; }
      }
    }
    // Checked into a copy first: a rejected configuration leaves the running one as it was.
    const stream = new StreamConfig();
    if (doc != null) {
      const problem = readStreamConfig(doc, stream);
      if (problem.length > 0) { logError(this.pluginName + ": configuration: " + problem); return false; }
    }
    const refusal = this.configure(doc);
    if (refusal.length > 0) { logError(this.pluginName + ": configuration: " + refusal); return false; }
    copyStreamConfig(stream, this.stream);
    logInfo(this.pluginName + ": configured");
    return true;
  }
}

function copyStreamConfig(from: StreamConfig, to: StreamConfig): void {
  to.maxFrameSize = from.maxFrameSize;
  to.onMalformed = from.onMalformed;
  to.onOverBudget = from.onOverBudget;
  to.memoryBudget = from.memoryBudget;
  to.clampApiVersions = from.clampApiVersions;
  to.maxInflight = from.maxInflight;
  // recordLatency is the plugin's own choice (set in configure), not a JSON setting.
}
