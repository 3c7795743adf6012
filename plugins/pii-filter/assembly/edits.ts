// Edits that change lengths, so a batch cannot be patched in place: `hash` replaces a match
// with a token, `drop` removes a record. Scanning notes them per record; when a batch has
// any, its records are written again (unchanged fields copied from their views).
import { RecordBatch, RecordReader, Record, RecordsWriter } from "../../../assembly/index";
import { HmacSha256 } from "./sha256";
import { isAlnum } from "./chars";

/** Field numbers: the key, the value, then header values. */
export const KEY_FIELD = 0, VALUE_FIELD = 1, FIRST_HEADER_FIELD = 2;

/** What to change in one record (its index in the batch). */
export class RecordEdit {
  drop: bool = false;
  readonly fields: Array<i32> = [];
  readonly values: Array<Uint8Array> = [];
  constructor(readonly index: i32) {}

  /** The replacement for field `f`, or null when it is kept. */
  replacement(f: i32): Uint8Array | null {
    const at = this.fields.indexOf(f);
    return at < 0 ? null : this.values[at];
  }
}

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

/** A batch's records written again. */
export class Rewritten {
  constructor(readonly records: Uint8Array, readonly count: i32, readonly lastOffsetDelta: i32) {}
}

/**
 * Writes the records of the uncompressed `batch` again with `edits` (in record order) applied.
 * Dropped records are left out when `removeDropped`; `renumber` gives the kept records offset
 * deltas 0, 1, … (a produce batch must be contiguous), otherwise they keep theirs (a fetched
 * batch keeps its offsets, with gaps like a compacted log's). Null when the batch does not parse.
 */
export function rewriteRecords(batch: RecordBatch, edits: Array<RecordEdit>, removeDropped: bool, renumber: bool): Rewritten | null {
  const out = new RecordsWriter(batch.size);
  const rr = new RecordReader(batch);
  const rec = new Record();
  let index = 0;
  let e = 0;
  const values = new Array<Uint8Array | null>();
  while (rr.next(rec)) {
    const edit = e < edits.length && edits[e].index == index ? edits[e++] : null;
    index++;
    if (edit != null && edit.drop && removeDropped) continue;
    let key = rec.key, value = rec.value;
    values.length = 0;
    for (let h = 0; h < rec.headerValues.length; h++) values.push(rec.headerValues[h]);
    if (edit != null) {
      const k = edit.replacement(KEY_FIELD); if (k != null) key = k;
      const v = edit.replacement(VALUE_FIELD); if (v != null) value = v;
      for (let h = 0; h < values.length; h++) { const r = edit.replacement(FIRST_HEADER_FIELD + h); if (r != null) values[h] = r; }
    }
    out.record(rec.attributes, rec.timestampDelta, renumber ? out.count : rec.offsetDelta, key, value, rec.headerKeyBytes, values);
  }
  if (!rr.complete()) return null;
  const last = renumber ? out.count - 1 : batch.lastOffsetDelta;
  return new Rewritten(out.finish(), out.count, last);
}
