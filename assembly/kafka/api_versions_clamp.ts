// Lowers the maxima an ApiVersions response advertises to what the compiled codec
// can parse. It edits the response in place: the length never changes.
import { Reader } from "./wire/reader";
import { isKnownApi, maxVersion } from "./generated/api_table";
import { skipTaggedFields } from "./header";

/**
 * `body` reads the response body (after its v0 header). Returns how many entries
 * were lowered, or -1 when the body did not parse (it is then left as it was).
 * Only error-free responses are touched: an UNSUPPORTED_VERSION answer is v0-encoded
 * whatever was asked, and carries nothing to clamp.
 */
export function clampApiVersions(body: Reader, version: i16): i32 {
  const errorCode = body.int16();
  if (body.bad) return -1;
  if (errorCode != 0) return 0;
  const flexible = version >= 3;
  const count = flexible ? body.compactArrayLength(6) : body.arrayLength(6);
  if (body.bad || count < 0) return -1;
  // Validate the whole array before writing anything, so a bad body is never half-edited.
  const start = body.pos;
  for (let i = 0; i < count; i++) {
    body.skip(6);
    if (flexible) skipTaggedFields(body);
  }
  if (body.bad) return -1;
  body.pos = start;
  let lowered = 0;
  const base = changetype<usize>(body.buffer);
  for (let i = 0; i < count; i++) {
    const at = body.pos;
    const key = body.int16();
    const min = body.int16();
    const max = body.int16();
    if (flexible) skipTaggedFields(body);
    if (key < 0) continue;
    const codecMax = maxVersion(key);
    // Only clamp when the codec knows the API and still overlaps the broker's range.
    if (codecMax >= 0 && max > codecMax && codecMax >= min && isKnownApi(key, codecMax)) {
      store<u16>(base + <usize>at + 4, bswap<u16>(<u16>codecMax));
      lowered++;
    }
  }
  return lowered;
}
