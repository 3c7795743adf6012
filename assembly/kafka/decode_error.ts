// What a failed decode reports: which message, which version, which field, where.
import { Reader, ReadError } from "./wire/reader";

export class DecodeError {
  constructor(
    readonly message: string,
    readonly version: i16,
    /** The field being read, as a path: "ProduceRequest.TopicData[].PartitionData[].Records". */
    readonly field: string,
    /** Offset from the start of the decoded bytes. */
    readonly offset: i32,
    readonly reason: ReadError,
  ) {}

  toString(): string {
    const why = this.reason == ReadError.Truncated ? "truncated"
      : this.reason == ReadError.BadLength ? "bad length"
      : this.reason == ReadError.BadVarint ? "bad varint"
      : this.reason == ReadError.BadValue ? "bad value"
      : this.reason == ReadError.TooManyStructs ? "more elements than the memory budget can decode" : "trailing bytes";
    return this.message + " v" + this.version.toString() + ": " + why + " at offset " + this.offset.toString() + " in " + this.field;
  }
}

/**
 * Checks a finished decode: null when it consumed exactly the bytes given, else the error.
 * `mustConsumeAll` is false for a header followed by a body.
 */
export function checkDecoded(r: Reader, message: string, version: i16, mustConsumeAll: bool = true): DecodeError | null {
  if (r.bad) return new DecodeError(message, version, r.errorField, r.errorOffset, r.error);
  if (mustConsumeAll && r.pos != r.end) return new DecodeError(message, version, message, r.offset(), ReadError.None);
  return null;
}
