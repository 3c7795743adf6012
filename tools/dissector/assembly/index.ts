// The frame dissector's wasm side: the same generated codec plugins use, compiled with
// every message, for `kafka-proxy-wasm decode|encode` and the codec round-trip tests.
import { Reader } from "../../../assembly/kafka/wire/reader";
import { JsonWriter } from "../../../assembly/kafka/wire/json_writer";
import { decodeBodyToJson, reencodeBody, encodeFromJson, decodeBodyOnly } from "../../../assembly/kafka/generated/dispatch";
import { JsonParser } from "../../../assembly/config/json";
import { JsonErrors } from "../../../assembly/kafka/wire/json_reader";
import { checkDecoded } from "../../../assembly/kafka/decode_error";
import { apiName, requestHeaderVersion, responseHeaderVersion } from "../../../assembly/kafka/generated/api_table";
import { readRequestHeader, responseHeaderLength } from "../../../assembly/kafka/header";
import { collectIfDue } from "../../../assembly/runtime/pacing";
import { RequestHeader, ResponseHeader } from "../../../assembly/kafka/generated/messages/headers";
import { Writer } from "../../../assembly/kafka/wire/writer";
import { gunzip, gzipCompress } from "../../../assembly/kafka/compression/inflate";
import { unsnappy, snappyCompress } from "../../../assembly/kafka/compression/snappy";
import { unlz4, lz4Compress } from "../../../assembly/kafka/compression/lz4";
import { unzstd, zstdStored } from "../../../assembly/kafka/compression/zstd";

let result: ArrayBuffer = new ArrayBuffer(0);
/** The benchmark's reused output buffer (a global, so collections between repetitions keep it). */
let output: ArrayBuffer = new ArrayBuffer(0);

/** Memory for the host to write input into; released by the next call to release(). */
export function alloc(size: i32): usize {
  return __pin(__new(<usize>size, idof<ArrayBuffer>()));
}
export function release(ptr: usize): void { __unpin(ptr); }

/**
 * The host calls this after each operation, when nothing of it is on the stack: the runtime
 * (assembly/runtime) collects garbage only when told to, as the Proxy-Wasm SDK does between callbacks.
 */
export function collect(): void { collectIfDue(); }

export function resultPtr(): usize { return changetype<usize>(result); }
export function resultLen(): i32 { return result.byteLength; }

/**
 * Decodes a message body (header excluded) and leaves JSON in the result buffer.
 * Returns 0 on success, 1 for an unknown API, 2 when the body did not decode (the
 * result then holds the error text).
 */
export function decode(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32): i32 {
  const r = new Reader(changetype<ArrayBuffer>(ptr), 0, len);
  const j = new JsonWriter();
  if (!decodeBodyToJson(apiKey, version, response, r, j)) { result = String.UTF8.encode("unknown api key " + apiKey.toString()); return 1; }
  const err = checkDecoded(r, apiName(apiKey) + (response ? "Response" : "Request"), version);
  if (err != null) { result = String.UTF8.encode(err.toString()); return 2; }
  result = String.UTF8.encode(j.toString());
  return 0;
}

/**
 * Decodes and re-encodes a body. Returns 0 when the bytes are identical, 1 unknown API,
 * 2 decode failure, 3 size() disagreed with what encode wrote, 4 bytes differ.
 */
export function roundTrip(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32): i32 {
  const input = changetype<ArrayBuffer>(ptr);
  const r = new Reader(input, 0, len);
  const sizes = new Array<i32>();
  const out = reencodeBody(apiKey, version, response, r, sizes);
  if (out == null) return sizes.length == 0 && !r.bad ? 1 : 2;
  if (!r.complete()) return 2;
  result = out;
  if (sizes[0] != out.byteLength) return 3;
  if (out.byteLength != len || memory.compare(changetype<usize>(out), ptr, len) != 0) return 4;
  return 0;
}

/** Where a request frame's body starts (the frame given without its size prefix), or -1. */
export function requestBodyOffset(ptr: usize, len: i32): i32 {
  const r = new Reader(changetype<ArrayBuffer>(ptr), 0, len);
  const h = readRequestHeader(r);
  return r.bad ? -1 : h.length;
}

/** Where a response body starts for this API version (frame without its size prefix), or -1. */
export function responseBodyOffset(apiKey: i16, version: i16, ptr: usize, len: i32): i32 {
  const r = new Reader(changetype<ArrayBuffer>(ptr), 0, len);
  const n = responseHeaderLength(r, apiKey, version);
  return r.bad ? -1 : n;
}

/** Decodes without rendering (for fuzzing): 0 decoded, 1 unknown API, 2 error value. */
export function decodeOnly(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32): i32 {
  const r = new Reader(changetype<ArrayBuffer>(ptr), 0, len);
  const sizes = new Array<i32>();
  const out = reencodeBody(apiKey, version, response, r, sizes);
  if (out == null) return sizes.length == 0 && !r.bad ? 1 : 2;
  return 0;
}

/** The paths of the fields the last encode filled with their defaults, one per line. */
let lastFilled: string = "";

/**
 * Encodes a body from JSON (as decode prints it) and leaves the bytes in the result buffer.
 * With `wrapped`, the JSON is decode's whole output and the body is its "body". Returns 0 on
 * success, 1 for an unknown API, 2 when the JSON does not parse or does not fit the message
 * (the result then holds the problems, one per line). Fields the JSON leaves out take their
 * defaults; filled() lists them.
 */
export function encode(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32, wrapped: bool): i32 {
  lastFilled = "";
  const text = String.UTF8.decodeUnsafe(ptr, <usize>len);
  const parser = new JsonParser(text, 64);
  let v = parser.parse();
  if (v == null) { result = String.UTF8.encode("not JSON: " + parser.error); return 2; }
  if (wrapped) {
    v = v.get("body");
    if (v == null) { result = String.UTF8.encode("the JSON has no \"body\""); return 2; }
  }
  const e = new JsonErrors();
  const out = encodeFromJson(apiKey, version, response, v, e);
  lastFilled = e.filled.join("\n");
  if (out == null) {
    result = String.UTF8.encode(e.ok ? "unknown api key " + apiKey.toString() : e.list.join("\n"));
    return e.ok ? 1 : 2;
  }
  result = out;
  return 0;
}

/**
 * Decodes a request or response header of version `headerVersion` at the start of the frame
 * (size prefix excluded) and leaves its JSON in the result buffer. Returns the header's
 * length, or -1 when it does not decode (the result then holds the error).
 */
export function decodeHeader(headerVersion: i16, response: bool, ptr: usize, len: i32): i32 {
  const r = new Reader(changetype<ArrayBuffer>(ptr), 0, len);
  const j = new JsonWriter();
  if (response) ResponseHeader.decodeFrom(r, headerVersion).toJson(j, headerVersion);
  else RequestHeader.decodeFrom(r, headerVersion).toJson(j, headerVersion);
  const err = checkDecoded(r, response ? "ResponseHeader" : "RequestHeader", headerVersion, false);
  if (err != null) { result = String.UTF8.encode(err.toString()); return -1; }
  result = String.UTF8.encode(j.toString());
  return r.pos;
}

/**
 * Encodes a header of version `headerVersion` from JSON (as decodeHeader writes it) and leaves
 * the bytes in the result buffer. Returns 0, or 2 when the JSON does not fit (the result then
 * holds the problems). Fields left out take their defaults; filled() lists them.
 */
export function encodeHeader(headerVersion: i16, response: bool, ptr: usize, len: i32): i32 {
  lastFilled = "";
  const parser = new JsonParser(String.UTF8.decodeUnsafe(ptr, <usize>len), 8);
  const v = parser.parse();
  if (v == null) { result = String.UTF8.encode("not JSON: " + parser.error); return 2; }
  const e = new JsonErrors();
  let w: Writer;
  if (response) {
    const h = ResponseHeader.fromJson(v, headerVersion, e);
    w = Writer.sized(h.size(headerVersion));
    h.encode(w, headerVersion);
  } else {
    const h = RequestHeader.fromJson(v, headerVersion, e);
    w = Writer.sized(h.size(headerVersion));
    h.encode(w, headerVersion);
  }
  lastFilled = e.filled.join("\n");
  if (!e.ok) { result = String.UTF8.encode(e.list.join("\n")); return 2; }
  result = w.buffer;
  return 0;
}

/** Puts the paths of the fields the last encode filled (one per line) in the result buffer. */
export function filled(): void { result = String.UTF8.encode(lastFilled); }

/** Header versions, so tools can build whole frames. */
export function requestHeaderVersionOf(apiKey: i16, version: i16): i16 { return requestHeaderVersion(apiKey, version); }
export function responseHeaderVersionOf(apiKey: i16, version: i16): i16 { return responseHeaderVersion(apiKey, version); }

/** Benchmark entry: decodes the body at ptr `reps` times. 0 when every decode succeeded. */
export function benchDecode(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32, reps: i32): i32 {
  const buf = changetype<ArrayBuffer>(ptr);
  for (let i = 0; i < reps; i++) {
    const r = new Reader(buf, 0, len);
    if (!decodeBodyOnly(apiKey, version, response, r) || r.bad) return 2;
    collectIfDue(); // as a plugin would between callbacks
  }
  return 0;
}

/** Benchmark entry: decodes and re-encodes the body at ptr `reps` times. 0 when all succeeded. */
export function benchRoundTrip(apiKey: i16, version: i16, response: bool, ptr: usize, len: i32, reps: i32): i32 {
  const buf = changetype<ArrayBuffer>(ptr);
  // One output buffer for every repetition, as the Go and Rust peers reuse theirs.
  output = new ArrayBuffer(len);
  for (let i = 0; i < reps; i++) {
    const r = new Reader(buf, 0, len);
    const sizes = new Array<i32>();
    if (reencodeBody(apiKey, version, response, r, sizes, output) == null) return 2;
    collectIfDue(); // as a plugin would between callbacks
  }
  return 0;
}

/**
 * Record compression for the test kit (kafka-proxy-wasm/testing), with the codec plugins use:
 * codec 1 gzip, 2 snappy (raw block), 3 lz4 (frame), 4 zstd (raw blocks). Returns 0 and leaves
 * the bytes in the result buffer, or 1 for an unknown codec.
 */
export function compress(codec: i32, ptr: usize, len: i32): i32 {
  const data = Uint8Array.wrap(changetype<ArrayBuffer>(ptr), 0, len);
  let out: Uint8Array;
  if (codec == 1) out = gzipCompress(data);
  else if (codec == 2) out = snappyCompress(data, new Uint8Array(0));
  else if (codec == 3) out = lz4Compress(data);
  else if (codec == 4) out = zstdStored(data);
  else return 1;
  result = out.slice().buffer;
  return 0;
}

/**
 * Decompresses a record batch's records (codec as in compress; snappy raw or xerial-framed) into
 * at most maxOut bytes. Returns 0 with the bytes in the result buffer, 1 for an unknown codec,
 * 2 when the input is not valid for the codec (the result then holds the error number as text).
 */
export function decompress(codec: i32, ptr: usize, len: i32, maxOut: i32): i32 {
  const data = Uint8Array.wrap(changetype<ArrayBuffer>(ptr), 0, len);
  let out: Uint8Array | null = null;
  let error: i32 = 0;
  if (codec == 1) { const r = gunzip(data, maxOut); out = r.data; error = <i32>r.error; }
  else if (codec == 2) { const r = unsnappy(data, maxOut); out = r.data; error = <i32>r.error; }
  else if (codec == 3) { const r = unlz4(data, maxOut); out = r.data; error = <i32>r.error; }
  else if (codec == 4) { const r = unzstd(data, maxOut); out = r.data; error = <i32>r.error; }
  else return 1;
  if (out == null || error != 0) { result = String.UTF8.encode(error.toString()); return 2; }
  result = out.slice().buffer;
  return 0;
}

/** The key of an API named as Kafka names it ("Produce", "CreateTopics"), or -1. */
export function apiKeyOf(ptr: usize, len: i32): i16 {
  const name = String.UTF8.decodeUnsafe(ptr, len);
  for (let k: i16 = 0; k < 200; k++) if (apiName(k) == name) return k;
  return -1;
}
