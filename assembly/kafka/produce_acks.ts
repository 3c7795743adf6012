// Reads just the acks of a Produce request, without decoding the records:
// acks=0 means the broker sends no response, which the stream layer must know.
import { Reader } from "./wire/reader";
import { isFlexible } from "./generated/api_table";

export const PRODUCE: i16 = 0;

/** The request's acks, or i16.MIN_VALUE when the body is too short to say. */
export function readProduceAcks(body: Reader, version: i16): i16 {
  if (version >= 3) {
    // transactional_id comes first from v3 on.
    if (isFlexible(PRODUCE, version)) {
      const n = <i32>body.uvarint() - 1;
      if (n > 0) body.skip(n);
    } else {
      const n = <i32>body.int16();
      if (n > 0) body.skip(n);
    }
  }
  const acks = body.int16();
  return body.bad ? i16.MIN_VALUE : acks;
}
