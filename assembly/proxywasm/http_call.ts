// HTTP callouts to an Envoy cluster. The answer arrives later, in the root
// context's onHttpCallResponse, with the token returned here.
import { proxy_http_call, proxy_get_header_map_value } from "./hostcalls";
import { Status, MapType, BufferType } from "./enums";
import { OUT_PTR, OUT_SIZE, OUT_EXTRA, takeHostBytes, clearOut } from "./memory";
import { getBufferBytes } from "./buffers";

/**
 * Serializes header pairs the way the ABI wants them: a little-endian count, then each
 * key and value length, then each key and value followed by NUL.
 */
export function serializeHeaders(pairs: string[][]): ArrayBuffer {
  const encoded = new Array<ArrayBuffer>();
  let size = 4;
  for (let i = 0; i < pairs.length; i++) {
    const k = String.UTF8.encode(pairs[i][0]);
    const v = String.UTF8.encode(pairs[i][1]);
    encoded.push(k);
    encoded.push(v);
    size += 8 + k.byteLength + v.byteLength + 2;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, pairs.length);
  let lens = base + 4;
  let data = base + 4 + 8 * pairs.length;
  for (let i = 0; i < encoded.length; i++) {
    const part = encoded[i];
    store<u32>(lens, part.byteLength);
    lens += 4;
    memory.copy(data, changetype<usize>(part), part.byteLength);
    data += part.byteLength;
    store<u8>(data, 0);
    data += 1;
  }
  return out;
}

/**
 * Sends a request to `cluster`. `headers` must include :method, :path and :authority.
 * Returns the call token, or 0 when the host refused the call (unknown cluster, bad headers).
 */
export function httpCall(cluster: string, headers: string[][], body: ArrayBuffer | null, timeoutMillis: u32): u32 {
  const c = String.UTF8.encode(cluster);
  const h = serializeHeaders(headers);
  const t = serializeHeaders([]);
  const bodyPtr = body == null ? 0 : changetype<usize>(body);
  const bodySize = body == null ? 0 : body.byteLength;
  store<u32>(OUT_EXTRA, 0);
  const status = proxy_http_call(changetype<usize>(c), c.byteLength, changetype<usize>(h), h.byteLength,
    bodyPtr, bodySize, changetype<usize>(t), t.byteLength, timeoutMillis, OUT_EXTRA);
  return status == Status.Ok ? load<u32>(OUT_EXTRA) : 0;
}

/** A header of the callout's response; valid only inside onHttpCallResponse. */
export function httpCallResponseHeader(name: string): string | null {
  const k = String.UTF8.encode(name);
  clearOut();
  const status = proxy_get_header_map_value(MapType.HttpCallResponseHeaders, changetype<usize>(k), k.byteLength, OUT_PTR, OUT_SIZE);
  if (status != Status.Ok) return null;
  return String.UTF8.decode(takeHostBytes());
}

/** The callout's response body; valid only inside onHttpCallResponse. */
export function httpCallResponseBody(size: u32): ArrayBuffer {
  return getBufferBytes(BufferType.HttpCallResponseBody, 0, size);
}
