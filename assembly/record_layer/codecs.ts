// Decompression within limits, and compression again in a batch's own codec. A batch is
// decompressed only when the plugin is to see its records, and compressed again only when
// something in it changed: an untouched compressed batch is forwarded as it came.
import { Compression } from "../kafka/records/record_batch";
import { gunzip, gzipCompress, InflateError } from "../kafka/compression/inflate";
import { unsnappy, snappyCompress, SnappyError } from "../kafka/compression/snappy";
import { unlz4, lz4Compress, Lz4Error } from "../kafka/compression/lz4";
import { unzstd, zstdStored, ZstdError } from "../kafka/compression/zstd";
import { budgetRemaining, reserveTransient } from "../runtime/budget";

/** Decompressed records, or null and why not. */
export class Decompressed {
  /** The limit reached was what the VM's memory budget had left: another time the same batch may fit. */
  forNow: bool = false;
  constructor(readonly data: Uint8Array | null, readonly why: string, readonly tooLarge: bool = false) {}
}

export function codecName(codec: i32): string {
  if (codec == Compression.Gzip) return "gzip";
  if (codec == Compression.Snappy) return "snappy";
  if (codec == Compression.Lz4) return "lz4";
  if (codec == Compression.Zstd) return "zstd";
  return "codec " + codec.toString();
}

/** A compressed records section in the clear, bounded by `max` bytes. */
export function decompress(codec: Compression, section: Uint8Array, max: i32): Decompressed {
  let data: Uint8Array | null = null;
  let tooLarge = false;
  let code = 0;
  if (codec == Compression.Gzip) {
    const r = gunzip(section, max); data = r.data; code = r.error; tooLarge = r.error == InflateError.TooLarge;
  } else if (codec == Compression.Snappy) {
    const r = unsnappy(section, max); data = r.data; code = r.error; tooLarge = r.error == SnappyError.TooLarge;
  } else if (codec == Compression.Lz4) {
    const r = unlz4(section, max); data = r.data; code = r.error; tooLarge = r.error == Lz4Error.TooLarge;
  } else if (codec == Compression.Zstd) {
    const r = unzstd(section, max); data = r.data; code = r.error; tooLarge = r.error == ZstdError.TooLarge;
  } else {
    return new Decompressed(null, "a batch uses an unknown compression codec (" + (<i32>codec).toString() + ")");
  }
  if (code == 0 && data != null) return new Decompressed(data, "");
  const name = codecName(codec);
  return new Decompressed(null, tooLarge ? "a " + name + " batch decompresses past the limit" : "a " + name + " batch does not decompress (error " + code.toString() + ")", tooLarge);
}

/** Records compressed again in the batch's own codec (and, for snappy, the framing `section` had). */
export function compressLike(codec: Compression, records: Uint8Array, section: Uint8Array): Uint8Array {
  if (codec == Compression.Gzip) return gzipCompress(records);
  if (codec == Compression.Snappy) return snappyCompress(records, section);
  if (codec == Compression.Lz4) return lz4Compress(records);
  return zstdStored(records);
}

function tooLarge(why: string, forNow: bool): Decompressed {
  const d = new Decompressed(null, why, true);
  d.forNow = forNow;
  return d;
}

/**
 * What one request or response may still decompress: `max_decompressed_bytes` for all its batches
 * together (several bombs each under the limit add up), and what the VM's memory budget has left.
 */
export class DecompressionAllowance {
  used: i64 = 0;
  constructor(readonly perFrame: i64) {}

  /** Starts the allowance over, for the next request or response (one object serves them all). */
  reset(): DecompressionAllowance {
    this.used = 0;
    return this;
  }

  /** Decompresses `section` within both limits; the output is charged to the budget until the callback ends. */
  decompress(codec: Compression, section: Uint8Array): Decompressed {
    const frameLeft = this.perFrame - this.used;
    // Room for the output, a copy with the batch header, and the buffers it outgrew (together less than the output).
    const vmLeft = budgetRemaining() / 3;
    const max = frameLeft < vmLeft ? frameLeft : vmLeft;
    const limit = frameLeft < vmLeft ? "max_decompressed_bytes (for all the batches of one request or response)" : "the VM's memory budget (vm_memory_budget_bytes)";
    const forNow = vmLeft <= frameLeft;
    if (max <= 0) return tooLarge("batches decompress past " + limit, forNow);
    const d = decompress(codec, section, <i32>(max < <i64>i32.MAX_VALUE ? max : <i64>i32.MAX_VALUE));
    const plain = d.data;
    if (plain == null) return d.tooLarge ? tooLarge("a " + codecName(codec) + " batch decompresses past " + limit, forNow) : d;
    this.used += <i64>plain.byteLength;
    reserveTransient(<i64>plain.byteLength * 3);
    return d;
  }
}
