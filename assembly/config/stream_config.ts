// Reads the stream layer's settings from a plugin's JSON configuration:
//   { "max_frame_bytes": 104857600, "on_malformed": "close" | "passthrough",
//     "clamp_api_versions": true, "max_inflight": 4096,
//     "vm_memory_budget_bytes": 268435456, "on_over_budget": "close" | "passthrough" }
// Returns an error message naming the field, or "" when the settings are valid.
import { JsonValue, JsonKind } from "./json";
import { unknownKey } from "./keys";
import { StreamConfig, parsePolicy } from "../stream/config";

/** The top-level keys readStreamConfig reads. */
export const STREAM_SETTINGS: string[] = ["max_frame_bytes", "on_malformed", "clamp_api_versions", "max_inflight", "vm_memory_budget_bytes", "on_over_budget"];

/**
 * "" when every top-level key of `doc` is the plugin's own (`own`) or the library's (`layers`);
 * else a message naming the first that is not, and what is known.
 */
export function unknownSetting(doc: JsonValue, own: Array<string>, layers: Array<string>): string {
  const known = own.slice(0);
  for (let i = 0; i < layers.length; i++) if (!known.includes(layers[i])) known.push(layers[i]);
  return unknownKey(doc, "", known);
}

/** A whole number in [min, max], or -1 when `v` is not one. */
function wholeNumber(v: JsonValue, min: f64, max: f64): f64 {
  if (v.kind != JsonKind.Number || v.num < min || v.num > max || v.num != Math.floor(v.num)) return -1;
  return v.num;
}

export function readStreamConfig(doc: JsonValue, into: StreamConfig): string {
  const max = doc.get("max_frame_bytes");
  if (max != null) {
    const n = wholeNumber(max, 12, 2147483643);
    if (n < 0) return "max_frame_bytes: must be a whole number from 12 to 2147483643";
    into.maxFrameSize = <i32>n;
  }
  const policy = doc.get("on_malformed");
  if (policy != null) {
    const p = policy.kind == JsonKind.String ? parsePolicy(policy.str) : -1;
    if (p < 0) return "on_malformed: must be \"close\" or \"passthrough\"";
    into.onMalformed = p;
  }
  const overBudget = doc.get("on_over_budget");
  if (overBudget != null) {
    const p = overBudget.kind == JsonKind.String ? parsePolicy(overBudget.str) : -1;
    if (p < 0) return "on_over_budget: must be \"close\" or \"passthrough\"";
    into.onOverBudget = p;
  }
  const clamp = doc.get("clamp_api_versions");
  if (clamp != null) {
    if (clamp.kind != JsonKind.Bool) return "clamp_api_versions: must be true or false";
    into.clampApiVersions = clamp.bool;
  }
  const inflight = doc.get("max_inflight");
  if (inflight != null) {
    const n = wholeNumber(inflight, 1, 1048576);
    if (n < 0) return "max_inflight: must be a whole number from 1 to 1048576";
    into.maxInflight = <i32>n;
  }
  const budget = doc.get("vm_memory_budget_bytes");
  if (budget != null) {
    // V8 stops a VM at 1 GiB of linear memory; the collector needs room above the budget.
    const n = wholeNumber(budget, 1048576, 536870912);
    if (n < 0) return "vm_memory_budget_bytes: must be a whole number from 1048576 (1 MiB) to 536870912 (512 MiB)";
    into.memoryBudget = <i64>n;
  }
  return "";
}
