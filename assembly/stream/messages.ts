// What a plugin's onRequest/onResponse receive: the header, the body as a lazily
// read view into the frame, and ways to replace it. Untouched frames are forwarded
// from the original bytes, without a copy.
//
// A frame whose body the plugin said it does not read (KafkaConnection.wantsRequestBody /
// wantsResponseBody) has no body here (`hasBody` false, body() reads nothing): the stream layer
// passes its bytes on as they arrive instead of holding the frame.
import { Frame } from "./frame_assembler";
import { InflightRequest, InflightKind } from "./inflight";
import { Reader, ReadError } from "../kafka/wire/reader";
import { RequestHeader, storeI32BE, SIZE_PREFIX } from "../kafka/header";
import { isKnownApi, responseHeaderVersion } from "../kafka/generated/api_table";
import { budgetRemaining } from "../runtime/budget";

/** The frame's first `headerLen` bytes (size prefix and header) followed by `body`, with the size prefix recomputed. */
function reframe(frame: Frame, headerLen: i32, body: ArrayBuffer): ArrayBuffer {
  const out = new ArrayBuffer(headerLen + body.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(frame.buffer) + <usize>frame.offset, <usize>headerLen);
  memory.copy(changetype<usize>(out) + <usize>headerLen, changetype<usize>(body), <usize>body.byteLength);
  storeI32BE(out, 0, out.byteLength - SIZE_PREFIX);
  return out;
}

/**
 * What a decoded struct costs the VM, about: the object, its strings and arrays, and their headers
 * (a Metadata broker of 11 bytes on the wire took about 144).
 */
const STRUCT_BYTES: i64 = 160;

function bodyReader(frame: Frame, offset: i32, length: i32, hasBody: bool): Reader {
  const r = new Reader(frame.buffer, offset, length);
  if (!hasBody) r.fail(ReadError.Truncated);
  // A body of millions of tiny structs (a Metadata response of brokers with empty hosts) would
  // decode to many times its size: it may announce only as many as the VM's budget has room for,
  // and a decode past that fails like a malformed one.
  r.structsLeft = budgetRemaining() / STRUCT_BYTES;
  return r;
}

export class KafkaRequest {
  /** Set by replaceBody/respond/drop; null forwards the original frame. */
  replacement: ArrayBuffer | null = null;
  /** Set by markPatched: the frame's own bytes were edited in place and must be forwarded as they are now. */
  patched: bool = false;

  constructor(
    readonly frame: Frame,
    readonly header: RequestHeader,
    /** The in-flight entry its response will be matched to; null when no response is expected. */
    readonly inflight: InflightRequest | null,
    /** Frame size on the wire, size prefix included. */
    readonly size: i32,
    /** False when the plugin said it does not read this body: body() then reads nothing. */
    readonly hasBody: bool = true,
  ) {}

  get apiKey(): i16 { return this.header.apiKey; }
  get apiVersion(): i16 { return this.header.apiVersion; }
  get correlationId(): i32 { return this.header.correlationId; }
  get clientId(): string | null { return this.header.clientId; }
  /** Whether the compiled codec knows this API version (else only the header is meaningful). */
  get known(): bool { return isKnownApi(this.header.apiKey, this.header.apiVersion); }
  get expectsResponse(): bool { return this.inflight != null; }

  get bodyOffset(): i32 { return this.frame.offset + SIZE_PREFIX + this.header.length; }
  get bodyLength(): i32 { return this.hasBody ? this.frame.length - SIZE_PREFIX - this.header.length : 0; }

  /** A reader over the body, in the frame's own memory (failed and empty when hasBody is false). */
  body(): Reader { return bodyReader(this.frame, this.bodyOffset, this.bodyLength, this.hasBody); }

  /** The whole frame (size prefix included) as a view. */
  bytes(): Uint8Array { return Uint8Array.wrap(this.frame.buffer, this.frame.offset, this.frame.length); }

  /** Say so after editing bytes of bytes()/body() in place (a length-preserving mask, say). */
  markPatched(): void { if (this.hasBody) this.patched = true; }

  /** Forwards nothing for this request (use with closing the connection, or for acks=0 requests). */
  drop(): void { this.replacement = new ArrayBuffer(0); }

  /** Forwards this header with a new body; the size prefix is recomputed. Needs hasBody. */
  replaceBody(body: ArrayBuffer): bool {
    if (!this.hasBody) return false;
    this.replacement = reframe(this.frame, SIZE_PREFIX + this.header.length, body);
    return true;
  }

  /**
   * Answers the request without the broker acting on it. Envoy cannot inject bytes,
   * so the request is swapped for a harmless ApiVersions v0 with the same correlation
   * id, and that request's response is swapped for `responseBody` (encoded for this
   * request's API version, header excluded). Returns false when the client expects
   * no response (acks=0), in which case the request is dropped instead.
   */
  respond(responseBody: ArrayBuffer): bool {
    const inflight = this.inflight;
    // ApiVersions v0 request: header v1 (api key, version, correlation id, null client id), empty body.
    const sub = new ArrayBuffer(SIZE_PREFIX + 10);
    const p = changetype<usize>(sub);
    storeI32BE(sub, 0, 10);
    store<u16>(p + 4, bswap<u16>(18));
    store<u16>(p + 6, 0);
    storeI32BE(sub, 8, this.header.correlationId);
    store<u16>(p + 12, 0xffff);
    if (inflight == null) {
      this.replacement = new ArrayBuffer(0);
      return false;
    }
    inflight.kind = InflightKind.Substituted;
    inflight.substituteResponse = responseBody;
    this.replacement = sub;
    return true;
  }
}

export class KafkaResponse {
  replacement: ArrayBuffer | null = null;
  patched: bool = false;

  constructor(
    readonly frame: Frame,
    /** The request this answers. */
    readonly request: InflightRequest,
    /** Response header bytes (after the size prefix). */
    readonly headerLength: i32,
    /** Frame size on the wire, size prefix included. */
    readonly size: i32,
    /** False when the plugin said it does not read this body: body() then reads nothing. */
    readonly hasBody: bool = true,
  ) {}

  get apiKey(): i16 { return this.request.apiKey; }
  get apiVersion(): i16 { return this.request.apiVersion; }
  get correlationId(): i32 { return this.request.correlationId; }
  get known(): bool { return isKnownApi(this.request.apiKey, this.request.apiVersion); }

  get bodyOffset(): i32 { return this.frame.offset + SIZE_PREFIX + this.headerLength; }
  get bodyLength(): i32 { return this.hasBody ? this.frame.length - SIZE_PREFIX - this.headerLength : 0; }
  body(): Reader { return bodyReader(this.frame, this.bodyOffset, this.bodyLength, this.hasBody); }
  bytes(): Uint8Array { return Uint8Array.wrap(this.frame.buffer, this.frame.offset, this.frame.length); }

  /** Say so after editing the frame's bytes in place. */
  markPatched(): void { if (this.hasBody) this.patched = true; }

  /** Forwards this header with a new body; the size prefix is recomputed. Needs hasBody. */
  replaceBody(body: ArrayBuffer): bool {
    if (!this.hasBody) return false;
    this.replacement = reframe(this.frame, SIZE_PREFIX + this.headerLength, body);
    return true;
  }
}

/** Builds a whole response frame: size, correlation id, an empty tagged-field buffer when the header is v1, then the body. */
export function buildResponseFrame(apiKey: i16, apiVersion: i16, correlationId: i32, body: ArrayBuffer): ArrayBuffer {
  const tagged = responseHeaderVersion(apiKey, apiVersion) >= 1 ? 1 : 0;
  const out = new ArrayBuffer(SIZE_PREFIX + 4 + tagged + body.byteLength);
  storeI32BE(out, 0, out.byteLength - SIZE_PREFIX);
  storeI32BE(out, 4, correlationId);
  if (tagged) store<u8>(changetype<usize>(out) + 8, 0);
  memory.copy(changetype<usize>(out) + 8 + <usize>tagged, changetype<usize>(body), <usize>body.byteLength);
  return out;
}
