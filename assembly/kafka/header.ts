// Kafka request and response headers. The fixed leading fields are read in place
// (no allocation per frame); the client id and tagged fields only when asked for.
import { Reader } from "./wire/reader";
import { requestHeaderVersion, responseHeaderVersion } from "./generated/api_table";

/** A frame's size prefix is 4 bytes; the request header's fixed part is 8 more. */
export const SIZE_PREFIX: i32 = 4;
export const REQUEST_FIXED_HEADER: i32 = 8;

/** Big-endian loads from a frame held in an ArrayBuffer. Callers check bounds first. */
@inline export function loadI16BE(buf: ArrayBuffer, offset: i32): i16 {
  return bswap<i16>(load<i16>(changetype<usize>(buf) + <usize>offset));
}
@inline export function loadI32BE(buf: ArrayBuffer, offset: i32): i32 {
  return bswap<i32>(load<i32>(changetype<usize>(buf) + <usize>offset));
}
@inline export function storeI32BE(buf: ArrayBuffer, offset: i32, v: i32): void {
  store<i32>(changetype<usize>(buf) + <usize>offset, bswap<i32>(v));
}

/** A parsed request header: where the body starts, and the client id. */
export class RequestHeader {
  apiKey: i16 = 0;
  apiVersion: i16 = 0;
  correlationId: i32 = 0;
  clientId: string | null = null;
  headerVersion: i16 = 1;
  /** Bytes the header occupies (after the size prefix). */
  length: i32 = 0;
}

/**
 * Parses the request header at the reader's position (just after the size prefix).
 * Header v0 (ControlledShutdown v0) has no client id; v2 adds a tagged-field buffer,
 * whose contents a proxy has no use for and skips. Check `r.bad` afterwards.
 */
export function readRequestHeader(r: Reader): RequestHeader {
  const h = new RequestHeader();
  const start = r.pos;
  r.field = "RequestHeader";
  h.apiKey = r.int16();
  h.apiVersion = r.int16();
  h.correlationId = r.int32();
  h.headerVersion = requestHeaderVersion(h.apiKey, h.apiVersion);
  if (h.headerVersion >= 1) h.clientId = r.nullableString();
  if (h.headerVersion >= 2) skipTaggedFields(r);
  h.length = r.pos - start;
  return h;
}

/** Bytes of the response header for this API version (4, or 4 + its tagged fields). */
export function responseHeaderLength(r: Reader, apiKey: i16, apiVersion: i16): i32 {
  const start = r.pos;
  r.int32();
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) skipTaggedFields(r);
  return r.pos - start;
}

/** Skips a tagged-field buffer: a count, then each field's tag, size and data. */
export function skipTaggedFields(r: Reader): void {
  const count = r.uvarint();
  for (let i: u32 = 0; i < count && !r.bad; i++) {
    r.uvarint();
    r.skip(<i32>r.uvarint());
  }
}
