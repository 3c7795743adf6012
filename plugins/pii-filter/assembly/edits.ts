// The `hash` action's tokens: a match replaced by a keyed hash, so equal values stay joinable
// without being readable. A token changes the field's length; the record layer writes the
// record again.
import { HmacSha256 } from "./sha256";
import { isAlnum } from "./chars";

/** Hex digits a token has: 64 bits of the MAC. */
export const TOKEN_LENGTH = 16;
const HEX = "0123456789abcdef";

/**
 * Turns matches into tokens: the first 64 bits of HMAC-SHA-256(key, match), in hex. Spans
 * flagged letters-and-digits-only (cards, SSNs, phones, IBANs) hash without their separators,
 * so one number hashes alike however it was written.
 */
export class Tokenizer {
  private readonly hmac: HmacSha256;
  private readonly mac: StaticArray<u8> = new StaticArray<u8>(32);
  constructor(key: Uint8Array) { this.hmac = new HmacSha256(key); }

  /** `field` with each (start, end, alnumOnly) span replaced by its token. */
  replace(field: Uint8Array, spans: Array<i32>): Uint8Array {
    const n = spans.length / 3;
    let size = field.byteLength;
    for (let s = 0; s < n; s++) size += TOKEN_LENGTH - (spans[s * 3 + 1] - spans[s * 3]);
    const out = new Uint8Array(size);
    const src = field.dataStart;
    const dst = out.dataStart;
    let from = 0;
    let at = 0;
    for (let s = 0; s < n; s++) {
      const start = spans[s * 3], end = spans[s * 3 + 1], alnumOnly = spans[s * 3 + 2] != 0;
      memory.copy(dst + <usize>at, src + <usize>from, <usize>(start - from));
      at += start - from;
      this.hmac.begin();
      if (alnumOnly) {
        for (let k = start; k < end; k++) if (isAlnum(load<u8>(src + <usize>k))) this.hmac.update(src + <usize>k, 1);
      } else {
        this.hmac.update(src + <usize>start, end - start);
      }
      const mac = changetype<usize>(this.mac);
      this.hmac.finish(mac);
      for (let k = 0; k < TOKEN_LENGTH / 2; k++) {
        const b = <i32>load<u8>(mac + <usize>k);
        store<u8>(dst + <usize>(at + 2 * k), <u8>HEX.charCodeAt(b >> 4));
        store<u8>(dst + <usize>(at + 2 * k + 1), <u8>HEX.charCodeAt(b & 15));
      }
      at += TOKEN_LENGTH;
      from = end;
    }
    memory.copy(dst + <usize>at, src + <usize>from, <usize>(field.byteLength - from));
    return out;
  }
}
