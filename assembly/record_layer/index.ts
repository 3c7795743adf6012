// The record layer: plugins that work with records, not frames. See docs/records.md.
export { Record, Outcome } from "./record";
export { RecordTransform } from "./record_transform";
export { RecordScope, RecordsPolicy, globMatch } from "./scope";
export { ClientInfo } from "./client_info";
export { RecordRoot, registerRecordTransform } from "./record_root";
export { RecordConnection } from "./record_connection";
