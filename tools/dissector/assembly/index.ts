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
