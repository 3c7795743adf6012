// The Kafka error codes the record layer answers with.
export const NONE: i16 = 0;
export const CORRUPT_MESSAGE: i16 = 2;
export const RECORD_LIST_TOO_LARGE: i16 = 18;
export const UNKNOWN_TOPIC_ID: i16 = 100;
