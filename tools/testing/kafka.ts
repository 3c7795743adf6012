// Kafka frames for tests, from plain objects and back: the test kit's codec. Bodies are encoded
// and decoded by the project's own generated codec (build/dissector.wasm, checked against Apache
// Kafka's classes by the conformance suite), so every API and version is available.
//
// Field names are the JSON forms `kafka-proxy-wasm decode` prints (docs/dissector-json.md):
// camelCase as in Kafka's descriptors (`topicData`, `partitionData`, `errorCode`). Fields left
// out take their defaults. `records` and uuid fields (topic ids) take a Buffer and decode to one;
// other byte fields are base64 strings, as in the JSON forms.
import { Dissector } from "../dissector/dissector.js";

export type ApiRef = string | number;
/** A message body as a plain object (see the JSON forms above). */
export type Body = Record<string, unknown>;

export interface DecodedRequest {
  apiKey: number; apiVersion: number; correlationId: number; clientId: string | null;
  body: Body;
  /** The whole frame, size prefix included. */
  frame: Buffer;
}
export interface DecodedResponse { apiKey: number; apiVersion: number; correlationId: number; body: Body; frame: Buffer }

/** Fields whose JSON form is base64 (records) or base64url (uuids), read back as Buffers. */
const BYTES_FIELDS = new Set(["records"]);
const UUID_FIELDS = new Set(["topicId", "directoryId", "incarnationId"]);

/** JSON text for the dissector: Buffers as base64 (base64url for uuids), bigints as exact digits. */
function toJsonText(value: unknown): string {
  const bigints: string[] = [];
  const marker = `bigint-${Math.random().toString(36).slice(2)}-`;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString(UUID_FIELDS.has(key) ? "base64url" : "base64");
    if (typeof raw === "bigint") { bigints.push(raw.toString()); return `${marker}${bigints.length - 1}`; }
    return v;
  });
  return bigints.length === 0 ? text : text.replace(new RegExp(`"${marker}(\\d+)"`, "g"), (_, i) => bigints[Number(i)]);
}

/** Decoded JSON with byte fields as Buffers. */
function fromJsonText(text: string): Body {
  return JSON.parse(text, (key, v) => {
    if (typeof v !== "string") return v;
    if (BYTES_FIELDS.has(key)) return Buffer.from(v, "base64");
    if (UUID_FIELDS.has(key)) return Buffer.from(v, "base64url");
    return v;
  });
}

/**
 * Removes the field an encoder error names ("ProduceResponse.Responses[0].TopicId") from `doc`:
 * the message name is skipped, each part is the JSON key with a lower-case first letter.
 */
function deletePath(doc: Body, errorPath: string): void {
  const parts = errorPath.split(".").slice(1);
  let node: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const m = /^([A-Za-z0-9_]+)(?:\[(\d+)\])?$/.exec(parts[i]);
    if (!m || node === null || typeof node !== "object") return;
    const key = m[1][0].toLowerCase() + m[1].slice(1);
    const obj = node as Record<string, unknown>;
    if (i === parts.length - 1 && m[2] === undefined) { delete obj[key]; return; }
    node = m[2] === undefined ? obj[key] : (obj[key] as unknown[] | undefined)?.[Number(m[2])];
  }
}

function sizePrefixed(parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Splits bytes into whole frames (size prefix included); throws on a partial frame at the end. */
export function splitFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new Error(`splitFrames: ${bytes.length - at} bytes left, less than a size prefix`);
    const size = bytes.readInt32BE(at);
    if (size < 0 || at + 4 + size > bytes.length) throw new Error(`splitFrames: a frame of ${size} bytes at offset ${at}, but ${bytes.length - at - 4} bytes follow`);
    frames.push(bytes.subarray(at, at + 4 + size));
    at += 4 + size;
  }
  return frames;
}

let shared: Promise<KafkaCodec> | null = null;

export class KafkaCodec {
  private constructor(readonly dissector: Dissector) {}

  /** A codec over a dissector already loaded. */
  static of(dissector: Dissector): KafkaCodec { return new KafkaCodec(dissector); }

  /** The codec (one instance per process; loading compiles the 1.6 MB codec module once). */
  static load(): Promise<KafkaCodec> {
    shared ??= Dissector.load().then((d) => new KafkaCodec(d));
    return shared;
  }

  /** An API's key, from its key or its name as Kafka spells it ("Produce", "CreateTopics"). */
  apiKey(api: ApiRef): number {
    if (typeof api === "number") return api;
    const name = Buffer.from(api, "utf8");
    const key = this.dissector.apiKeyOf(name);
    if (key < 0) throw new Error(`unknown Kafka API "${api}"`);
    return key;
  }

  /**
   * Encodes a body (no header); throws naming every field the object gets wrong. With `lenient`,
   * fields the version does not have are left out instead (one object serves every version).
   */
  encodeBody(api: ApiRef, version: number, response: boolean, body: Body, opts: { lenient?: boolean } = {}): Buffer {
    const key = this.apiKey(api);
    let doc = body;
    for (let attempt = 0; ; attempt++) {
      const r = this.dissector.encodeBody(key, version, response, toJsonText(doc));
      if (r.ok) return r.bytes;
      const absent = [...r.text.matchAll(/^(\S+): is not in version \d+/gm)].map((m) => m[1]);
      if (!opts.lenient || absent.length === 0 || attempt > 100) throw new Error(`${response ? "response" : "request"} ${api} v${version}: ${r.text}`);
      doc = structuredClone(doc);
      for (const p of absent) deletePath(doc, p);
    }
  }

  decodeBody(api: ApiRef, version: number, response: boolean, body: Uint8Array): Body {
    const r = this.dissector.decodeBody(this.apiKey(api), version, response, body);
    if (!r.ok) throw new Error(`${response ? "response" : "request"} ${api} v${version} does not decode: ${r.text}`);
    return fromJsonText(r.text);
  }

  /** A whole request frame (size prefix, header of the version the API needs, body). */
  request(api: ApiRef, version: number, body: Body, opts: { correlationId?: number; clientId?: string | null; lenient?: boolean } = {}): Buffer {
    const key = this.apiKey(api);
    const headerVersion = this.dissector.requestHeaderVersion(key, version);
    const header = this.dissector.encodeHeader(headerVersion, false, JSON.stringify({
      requestApiKey: key, requestApiVersion: version, correlationId: opts.correlationId ?? 1,
      clientId: opts.clientId === undefined ? "test-client" : opts.clientId,
    }));
    if (!header.ok) throw new Error(`request header for ${api} v${version}: ${header.text}`);
    return sizePrefixed([header.bytes, this.encodeBody(key, version, false, body, opts)]);
  }

  /** A whole response frame for a request of `api` at `version`. */
  response(api: ApiRef, version: number, correlationId: number, body: Body, opts: { lenient?: boolean } = {}): Buffer {
    const key = this.apiKey(api);
    const headerVersion = this.dissector.responseHeaderVersion(key, version);
    const header = this.dissector.encodeHeader(headerVersion, true, JSON.stringify({ correlationId }));
    if (!header.ok) throw new Error(`response header for ${api} v${version}: ${header.text}`);
    return sizePrefixed([header.bytes, this.encodeBody(key, version, true, body, opts)]);
  }

  /** Reads one request frame: its header and its body as an object. */
  decodeRequest(frame: Buffer): DecodedRequest {
    if (frame.length < 12) throw new Error(`decodeRequest: ${frame.length} bytes is too short for a request`);
    const apiKey = frame.readInt16BE(4), apiVersion = frame.readInt16BE(6), correlationId = frame.readInt32BE(8);
    const headerVersion = this.dissector.requestHeaderVersion(apiKey, apiVersion);
    const header = this.dissector.decodeHeader(headerVersion, false, frame.subarray(4));
    if (header.length < 0) throw new Error(`decodeRequest: the header does not decode: ${header.text}`);
    const h = JSON.parse(header.text) as { clientId?: string | null };
    return { apiKey, apiVersion, correlationId, clientId: h.clientId ?? null, body: this.decodeBody(apiKey, apiVersion, false, frame.subarray(4 + header.length)), frame };
  }

  /** Reads one response frame, given the API and version of the request it answers. */
  decodeResponse(frame: Buffer, api: ApiRef, version: number): DecodedResponse {
    const apiKey = this.apiKey(api);
    const headerVersion = this.dissector.responseHeaderVersion(apiKey, version);
    const header = this.dissector.decodeHeader(headerVersion, true, frame.subarray(4));
    if (header.length < 0) throw new Error(`decodeResponse: the header does not decode: ${header.text}`);
    return { apiKey, apiVersion: version, correlationId: frame.readInt32BE(4), body: this.decodeBody(apiKey, version, true, frame.subarray(4 + header.length)), frame };
  }

  /** Every request frame in `bytes` (what a plugin forwarded to the broker), decoded. */
  decodeRequests(bytes: Buffer): DecodedRequest[] {
    return splitFrames(bytes).map((f) => this.decodeRequest(f));
  }

  /** Compresses records with the codec plugins use (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compress(codec: number, data: Uint8Array): Buffer { return this.dissector.compress(codec, data); }
  /** Decompresses a batch's records (codec as in compress); throws when they are not valid. */
  decompress(codec: number, data: Uint8Array, maxOut = 256 << 20): Buffer { return this.dissector.decompress(codec, data, maxOut); }
}
