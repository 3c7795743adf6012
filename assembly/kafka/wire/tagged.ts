// Tagged fields (flexible versions): the ones a message does not know are kept as
// raw views and written back unchanged, in tag order, alongside the known ones.
import { Writer, sizeOf } from "./writer";

export class RawTaggedField {
  constructor(readonly tag: u32, readonly data: Uint8Array) {}
}

/** Bytes the unknown tagged fields take: each one's tag, size and data. */
// @ts-ignore: decorator
@inline export function unknownTaggedSize(fields: Array<RawTaggedField> | null): i32 {
  return fields == null ? 0 : sizeOfUnknown(fields); // usually none: no call
}

function sizeOfUnknown(fields: Array<RawTaggedField>): i32 {
  let n = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = unchecked(fields[i]);
    n += sizeOf.uvarint(f.tag) + sizeOf.uvarint(<u32>f.data.byteLength) + f.data.byteLength;
  }
  return n;
}

/** Writes unknown fields from index `from` whose tag is below `tag`; returns the next index. */
// @ts-ignore: decorator
@inline export function writeUnknownTaggedBelow(w: Writer, fields: Array<RawTaggedField> | null, from: i32, tag: u32): i32 {
  return fields == null ? from : writeUnknownBelow(w, fields, from, tag); // usually none: no call
}

function writeUnknownBelow(w: Writer, fields: Array<RawTaggedField>, from: i32, tag: u32): i32 {
  let i = from;
  while (i < fields.length && unchecked(fields[i]).tag < tag) {
    const f = unchecked(fields[i]);
    w.uvarint(f.tag);
    w.uvarint(<u32>f.data.byteLength);
    w.raw(f.data);
    i++;
  }
  return i;
}

export function isZeroUuid(v: Uint8Array): bool {
  if (v.byteLength != 16) return false;
  const p = v.dataStart;
  return load<u64>(p) == 0 && load<u64>(p, 8) == 0;
}
