// Decompression bombs: record batches whose compressed records section is small and
// inflates to one record holding `size` bytes of "a". Each is a valid stream in its codec,
// so a decompressor cannot refuse it before it has produced the bytes:
//   gzip   deflate of the whole section (Node's zlib; about 1000:1);
//   zstd   one frame: a raw block, RLE blocks of 128 KiB, a raw block (about 32000:1);
//   lz4    one frame of 4 MiB blocks, each a literal "a" and one long match at offset 1 (about 250:1);
//   snappy raw Snappy: a literal, then 64-byte copies at offset 1 (about 21:1, the format's most).
import zlib from "node:zlib";
import { batchFromSection, varint } from "./batches.js";

export type Codec = "gzip" | "snappy" | "lz4" | "zstd";
export const CODEC_ID: Record<Codec, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const A = 0x61;

/** The section around one record of `size` "a"s: the bytes before the value, and after it. */
function recordFrame(size: number): { head: Buffer; tail: Buffer } {
  const tail = varint(0); // no headers
  const fields = Buffer.concat([Buffer.from([0]), varint(0), varint(0), varint(-1), varint(size)]);
  const bodyLength = fields.length + size + tail.length;
  return { head: Buffer.concat([varint(bodyLength), fields]), tail };
}

// ---- zstd (RFC 8878) ----

function zstdBlockHeader(last: boolean, type: 0 | 1, size: number): Buffer {
  const h = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff]);
}

export function zstdBomb(size: number): Buffer {
  const { head, tail } = recordFrame(size);
  const total = head.length + size + tail.length;
  const fcs = Buffer.alloc(4);
  fcs.writeUInt32LE(total);
  // Frame header descriptor 0xA0: a 4-byte content size, single segment (the window is the whole content).
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), fcs, zstdBlockHeader(false, 0, head.length), head];
  for (let left = size; left > 0;) {
    const n = Math.min(left, 128 * 1024);
    parts.push(zstdBlockHeader(false, 1, n), Buffer.from([A]));
    left -= n;
  }
  parts.push(zstdBlockHeader(true, 0, tail.length), tail);
  return Buffer.concat(parts);
}

// ---- LZ4 frame ----

const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1;
const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;

/** xxHash32, seed 0, of a short input (under 16 bytes: the frame descriptor is all it hashes here). */
export function xxh32Short(b: Buffer): number {
  if (b.length >= 16) throw new Error("xxh32Short: inputs of 16 bytes or more are not needed here");
  let h = (P5 + b.length) >>> 0;
  let p = 0;
  for (; p + 4 <= b.length; p += 4) h = Math.imul(rotl((h + Math.imul(b.readUInt32LE(p), P3)) >>> 0, 17), P4) >>> 0;
  for (; p < b.length; p++) h = Math.imul(rotl((h + Math.imul(b[p], P5)) >>> 0, 11), P1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), P2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), P3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function lz4Length(n: number): number[] {
  const out: number[] = [];
  for (; n >= 255; n -= 255) out.push(255);
  out.push(n);
  return out;
}

/** One LZ4 block: literals `head`, a match of `match` bytes at offset 1, then literals `tail` (5 bytes or more). */
function lz4Block(head: Buffer, match: number, tail: Buffer): Buffer {
  const ml = match - 4;
  const seq1 = [((Math.min(head.length, 15)) << 4) | Math.min(ml, 15)];
  if (head.length >= 15) seq1.push(...lz4Length(head.length - 15));
  const after = [1, 0, ...(ml >= 15 ? lz4Length(ml - 15) : [])];
  const seq2 = [Math.min(tail.length, 15) << 4, ...(tail.length >= 15 ? lz4Length(tail.length - 15) : [])];
  const body = Buffer.concat([Buffer.from(seq1), head, Buffer.from(after), Buffer.from(seq2), tail]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([size, body]);
}

export function lz4Bomb(size: number): Buffer {
  const { head, tail } = recordFrame(size);
  const maxBlock = 4 * 1024 * 1024;
  const flg = 0x60, bd = 0x70; // version 1, independent blocks, no checksums; 4 MiB blocks
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, flg, bd, (xxh32Short(Buffer.from([flg, bd])) >>> 8) & 0xff])];
  let left = size; // "a"s still to write
  for (let first = true; ; first = false) {
    const lit = Buffer.concat([first ? head : Buffer.alloc(0), Buffer.from([A])]);
    const cap = maxBlock - lit.length - 5;
    const lastMatch = left - 1 - 4; // the last block ends with four "a"s and the record's tail
    if (lastMatch <= cap) {
      parts.push(lz4Block(lit, lastMatch, Buffer.concat([Buffer.alloc(4, A), tail])));
      break;
    }
    const match = Math.min(cap, left - 1 - 5 - 32); // leave the last block enough for a legal match
    parts.push(lz4Block(lit, match, Buffer.alloc(5, A)));
    left -= 1 + match + 5;
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

// ---- Snappy (raw) ----

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

export function snappyBomb(size: number): Buffer {
  const { head, tail } = recordFrame(size);
  const lit = Buffer.concat([head, Buffer.from([A])]);
  const parts: Buffer[] = [uvarint(head.length + size + tail.length), Buffer.from([(lit.length - 1) << 2]), lit];
  const copies = Math.floor((size - 1) / 64), rest = (size - 1) % 64;
  const run = Buffer.alloc(copies * 3);
  for (let i = 0; i < copies; i++) { run[i * 3] = (63 << 2) | 2; run[i * 3 + 1] = 1; run[i * 3 + 2] = 0; }
  parts.push(run);
  if (rest > 0) parts.push(Buffer.from([((rest - 1) << 2) | 2, 1, 0]));
  parts.push(Buffer.from([(tail.length - 1) << 2]), tail);
  return Buffer.concat(parts);
}

export function gzipBomb(size: number): Buffer {
  const { head, tail } = recordFrame(size);
  return zlib.gzipSync(Buffer.concat([head, Buffer.alloc(size, A), tail]), { level: 9 });
}

export function compressedBomb(codec: Codec, size: number): Buffer {
  switch (codec) {
    case "gzip": return gzipBomb(size);
    case "zstd": return zstdBomb(size);
    case "lz4": return lz4Bomb(size);
    case "snappy": return snappyBomb(size);
  }
}

/** A record batch (no producer id) of one record whose value is `size` "a"s, compressed with `codec`. */
export function bombBatch(codec: Codec, size: number): Buffer {
  return batchFromSection(compressedBomb(codec, size), CODEC_ID[codec], 1);
}

/** The uncompressed records section the bomb inflates to (to check the encoders). */
export function bombPlain(size: number): Buffer {
  const { head, tail } = recordFrame(size);
  return Buffer.concat([head, Buffer.alloc(size, A), tail]);
}
