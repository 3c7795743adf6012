// Reads the stream layer's settings from a plugin's JSON configuration:
//   { "max_frame_bytes": 104857600, "on_malformed": "close" | "passthrough" }
// Returns an error message naming the field, or "" when the settings are valid.
import { JsonValue, JsonKind } from "./json";
import { StreamConfig, parsePolicy } from "../stream/config";

export function readStreamConfig(doc: JsonValue, into: StreamConfig): string {
  const max = doc.get("max_frame_bytes");
  if (max != null) {
    if (max.kind != JsonKind.Number || max.num < 12 || max.num > 2147483643 || max.num != Math.floor(max.num)) {
      return "max_frame_bytes: must be a whole number from 12 to 2147483643";
    }
    into.maxFrameSize = <i32>max.num;
  }
  const policy = doc.get("on_malformed");
  if (policy != null) {
    const p = policy.kind == JsonKind.String ? parsePolicy(policy.str) : -1;
    if (p < 0) return "on_malformed: must be \"close\" or \"passthrough\"";
    into.onMalformed = p;
  }
  const clamp = doc.get("clamp_api_versions");
  if (clamp != null) {
    if (clamp.kind != JsonKind.Bool) return "clamp_api_versions: must be true or false";
    into.clampApiVersions = clamp.bool;
  }
  return "";
}
