// Where throttle_time_ms sits in Produce and Fetch responses, and writing it in place.
//
// - Produce v1+: after the topic responses (the last field before the top-level tagged fields
//   that v9+ carry, so it is not at a fixed distance from the end).
// - Fetch v1+: the first field of the body, right after the response header (v12+ headers end
//   with a tagged-field buffer), so it can be patched in the head of a response that is still
//   streaming, without holding the rest of it.
// The field is 4 bytes whatever the version, so patching never changes a frame's length.
// Kafka's Java client honours the field (backs off by itself, KIP-219) from Produce v6 and
// Fetch v8; to older versions it is only information, as the broker delayed those responses.
import { Reader } from "../kafka/wire/reader";
import { responseHeaderLength, loadI32BE, storeI32BE, SIZE_PREFIX } from "../kafka/header";
import { ProduceResponse_TopicProduceResponse } from "../kafka/generated/messages/produce";

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;

/** Versions whose response carries throttle_time_ms. */
export function hasThrottleField(apiKey: i16, apiVersion: i16): bool {
  return (apiKey == PRODUCE || apiKey == FETCH) && apiVersion >= 1;
}

/** Versions whose throttle time Kafka's Java client obeys by itself (KIP-219). */
export function clientHonoursThrottle(apiKey: i16, apiVersion: i16): bool {
  if (apiKey == PRODUCE) return apiVersion >= 6;
  if (apiKey == FETCH) return apiVersion >= 8;
  return false;
}

/**
 * Where throttle_time_ms is in a Fetch response frame whose first `have` bytes are at
 * `offset` of `buffer` (size prefix included): an offset into `buffer`, -1 when the version has
 * none or the header is unreadable, and -2 when more of the frame must arrive first.
 */
export function fetchThrottleAt(buffer: ArrayBuffer, offset: i32, have: i32, apiVersion: i16): i32 {
  if (apiVersion < 1) return -1;
  if (have < SIZE_PREFIX + 4) return -2;
  const r = new Reader(buffer, offset + SIZE_PREFIX, have - SIZE_PREFIX);
  const headerLen = responseHeaderLength(r, FETCH, apiVersion);
  if (r.bad) return -2;
  const at = offset + SIZE_PREFIX + headerLen;
  if (at + 4 > offset + have) return -2;
  // The frame's own size must leave room for the field, or the response is not a Fetch of this version.
  if (loadI32BE(buffer, offset) < headerLen + 4) return -1;
  return at;
}

/**
 * Where throttle_time_ms is in a whole Produce response body (`length` bytes at `offset`):
 * an offset into `buffer`, or -1 when the version has none or the body does not parse.
 */
export function produceThrottleAt(buffer: ArrayBuffer, offset: i32, length: i32, apiVersion: i16): i32 {
  if (apiVersion < 1) return -1;
  const r = new Reader(buffer, offset, length);
  const flexible = apiVersion >= 9;
  const count = flexible ? r.compactArrayLength(1) : r.arrayLength(1);
  for (let i = 0; i < count && !r.bad; i++) ProduceResponse_TopicProduceResponse.decodeFrom(r, apiVersion);
  if (r.bad || r.remaining() < 4) return -1;
  return r.pos;
}

/**
 * Raises the throttle time at `at` to `ms` when it is lower (a broker's own, larger throttle is
 * kept). Returns the value the field holds afterwards.
 */
export function raiseThrottle(buffer: ArrayBuffer, at: i32, ms: i32): i32 {
  if (at < 0 || at + 4 > buffer.byteLength) return 0;
  const current = loadI32BE(buffer, at);
  if (ms > current) { storeI32BE(buffer, at, ms); return ms; }
  return current;
}
