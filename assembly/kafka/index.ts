// The Kafka codec's public API. Usable anywhere: it knows nothing of Proxy-Wasm.
export { Reader, ReadError } from "./wire/reader";
export { Writer, sizeOf } from "./wire/writer";
export { RequestHeader, readRequestHeader, skipTaggedFields } from "./header";
export * from "./generated/api_table";
export { readProduceAcks } from "./produce_acks";
export { clampApiVersions } from "./api_versions_clamp";
export { DecodeError, checkDecoded } from "./decode_error";
export { RawTaggedField } from "./wire/tagged";
export { JsonWriter, quote as jsonQuote } from "./wire/json_writer";
export * from "./generated/messages/index";
export { crc32c, crc32cUpdate } from "./records/crc32c";
export { RecordBatch, Record, RecordReader, BatchIterator, BatchError, Compression, BATCH_HEADER } from "./records/record_batch";
export { RecordsWriter, batchWithRecords } from "./records/records_writer";
export { gunzip, gzipStored, inflateRaw, InflateError, InflateResult } from "./compression/inflate";
export { crc32, crc32Update } from "./compression/crc32";
export { saslPrincipal } from "./sasl";
export { unsnappy, snappyLiteral, isXerial, SnappyError, SnappyResult } from "./compression/snappy";
export { unlz4, lz4Stored, xxh32, Lz4Error, Lz4Result } from "./compression/lz4";
