// Lowers the highest version an ApiVersions response advertises for one API, in place (the
// length never changes), so clients use an older version of it: a proxy that cannot afford what
// newer versions carry (Fetch v16+'s leader hints, which hold every fetch response) offers less.
import { Reader } from "./wire/reader";
import { skipTaggedFields } from "./header";

/**
 * `body` reads an ApiVersions response body of `version` (after its header). Lowers `apiKey`'s
 * maximum to `cap` when it is above and the broker's minimum allows it. Returns 1 when it lowered
 * it, 0 when there was nothing to lower (or the response is an error), -1 when the body did not
 * parse (it is then left as it was).
 */
export function capApiVersion(body: Reader, version: i16, apiKey: i16, cap: i16): i32 {
  const errorCode = body.int16();
  if (body.bad) return -1;
  if (errorCode != 0) return 0;
  const flexible = version >= 3;
  const count = flexible ? body.compactArrayLength(6) : body.arrayLength(6);
  if (body.bad || count < 0) return -1;
  let found = -1;
  let foundMin: i16 = 0, foundMax: i16 = 0;
  // Read the whole array before writing anything, so a bad body is never half-edited.
  for (let i = 0; i < count; i++) {
    const at = body.pos;
    const key = body.int16();
    const min = body.int16();
    const max = body.int16();
    if (flexible) skipTaggedFields(body);
    if (key == apiKey && found < 0) { found = at; foundMin = min; foundMax = max; }
  }
  if (body.bad) return -1;
  if (found < 0 || foundMax <= cap || foundMin > cap) return 0;
  store<u16>(changetype<usize>(body.buffer) + <usize>found + 4, bswap<u16>(<u16>cap));
  return 1;
}
