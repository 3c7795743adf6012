// kafka-proxy-wasm: everything a plugin imports. A plugin's entry file also does
//   export * from "<path>/assembly/exports";
// so Envoy finds the Proxy-Wasm callbacks.
export * from "./proxywasm/index";
export * from "./kafka/index";
export * from "./stream/index";
export { JsonValue, JsonKind, JsonParser, parseJson } from "./config/json";
export { readStreamConfig } from "./config/stream_config";
export { Regex, wholeMatchRegex, matchesWhole } from "./text/regex";
export { parseJsonBytes } from "./json/bytes";
export { writeJson, quoteJson } from "./json/writer";
export { jsonString, jsonRemove } from "./json/edit";
export { isValidUtf8 } from "./json/utf8";
export { budgetLimit, budgetInUse, budgetRemaining, budgetPeak, reserveTransient } from "./runtime/budget";
export * from "./record_layer/index";
export * from "./quota/index";
export { FrameScope } from "./stream/frame_assembler";
export { Refusal } from "./policy/refusal";
export { SplitPlan, keptEntries, mergeInOrder, refusedOnly } from "./policy/split";
export { ConfigRules, NumberRange, readConfigRules, strictNumber, CONFIG_SET, CONFIG_DELETE, CONFIG_APPEND, CONFIG_SUBTRACT } from "./policy/config_rules";
export { unknownKey, join as joinPath, readWhole, readStrings, readPattern, readPatterns } from "./policy/fields";
export { AuditEntry } from "./audit/entry";
export { AuditSink } from "./audit/sink";
