// Random record data for the record layer's property tests, from a seeded generator: v2 batches
// in every codec and framing, idempotent, transactional and control batches, legacy messages and
// compressed wrappers (magic 0 and 1), fetch offsets with gaps, and partial trailing batches.
import {
  Batch, Rec, Header, Framing, encodeBatch, encodeLegacy, encodeLegacyWrapper,
  ATTR_CONTROL, ATTR_LOG_APPEND_TIME, ATTR_TRANSACTIONAL, CODEC_SNAPPY,
} from "./record_model.js";

export type Rnd = () => number;

export const int = (rnd: Rnd, n: number) => Math.floor(rnd() * n);
export const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[int(rnd, xs.length)];

const ALPHABET = "abcdefghijklmnopqrstuvwxyz ABCXYZ0129-_:é";

export function text(rnd: Rnd, max: number): Buffer {
  let s = "";
  const n = int(rnd, max + 1);
  for (let i = 0; i < n; i++) s += ALPHABET[int(rnd, ALPHABET.length)];
  return Buffer.from(s);
}

/** What a record's value looks like: which prefixes (record-ops' commands) to draw from. */
export type ValueGen = (rnd: Rnd) => Buffer | null;

export function plainValues(rnd: Rnd): Buffer | null {
  const r = rnd();
  if (r < 0.08) return null;
  if (r < 0.12) return Buffer.alloc(0);
  if (r < 0.14) return Buffer.alloc(300 + int(rnd, 3000), 0x61 + int(rnd, 26)); // long runs: codecs copy
  return text(rnd, 40);
}

/** Values that ask record-ops for an outcome; `reject` is rare so most partitions go through. */
export function opsValues(prefixes: readonly string[], rejectRate: number): ValueGen {
  return (rnd) => {
    if (rnd() < rejectRate) return Buffer.concat([Buffer.from("reject:"), text(rnd, 10)]);
    const v = plainValues(rnd);
    if (v === null || rnd() < 0.3) return v;
    return Buffer.concat([Buffer.from(pick(rnd, prefixes)), v]);
  };
}

export const OPS_PREFIXES = ["drop:", "grow:", "key:", "hdr:", "hdrs:", "tomb:", "upper:", "meta:"] as const;

export interface GenOptions {
  fetch: boolean;
  values: ValueGen;
  /** Probability of each kind; fetch only for control, legacy and tails. */
  codecs?: readonly number[];
  control?: number;
  legacy?: number;
  tail?: number;
  maxRecords?: number;
  /** Legacy values drawn from here (record-ops cannot give a legacy message headers: `hdrs:` is refused). */
  legacyValues?: ValueGen;
}

function headers(rnd: Rnd): Header[] {
  const n = rnd() < 0.5 ? 0 : int(rnd, 4);
  return Array.from({ length: n }, () => ({ key: text(rnd, 8), value: rnd() < 0.15 ? null : text(rnd, 12) }));
}

function framing(rnd: Rnd): Framing {
  return {
    snappy: rnd() < 0.5 ? "raw" : "xerial",
    lz4: { blockChecksum: rnd() < 0.5, contentChecksum: rnd() < 0.5, contentSize: rnd() < 0.3 },
  };
}

export interface GenBatch { bytes: Buffer; batch: Batch; framing: Framing }

/** One v2 batch starting at `baseOffset` (fetch) or 0 (produce); returns it and how many offsets it spans. */
export function randomBatch(rnd: Rnd, o: GenOptions, baseOffset: bigint): GenBatch {
  const codec = pick(rnd, o.codecs ?? [0, 1, 2, 3, 4]);
  const idempotent = rnd() < 0.5;
  const producerId = idempotent ? BigInt(int(rnd, 1 << 30)) : -1n;
  const transactional = idempotent && rnd() < 0.5;
  const control = o.fetch && transactional && rnd() < (o.control ?? 0);
  const logAppend = o.fetch && rnd() < 0.2;
  const baseTimestamp = 1_700_000_000_000n + BigInt(int(rnd, 1 << 30));
  const records: Rec[] = [];
  const n = control ? 1 : 1 + int(rnd, o.maxRecords ?? 6);
  let delta = 0;
  let maxTs = baseTimestamp;
  for (let i = 0; i < n; i++) {
    const tsDelta = BigInt(int(rnd, 100_000)) - (rnd() < 0.05 ? 200_000n : 0n);
    if (baseTimestamp + tsDelta > maxTs) maxTs = baseTimestamp + tsDelta;
    if (control) {
      // A commit or abort marker: key (version 0, type), value (version 0, coordinator epoch).
      records.push({ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: Buffer.from([0, 0, 0, int(rnd, 2)]), value: Buffer.from([0, 0, 0, 0, 0, 7]), headers: [] });
    } else {
      const key = rnd() < 0.4 ? null : text(rnd, 10);
      records.push({ attributes: 0, timestampDelta: tsDelta, offsetDelta: delta, key, value: o.values(rnd), headers: headers(rnd) });
    }
    // A fetched batch of a compacted log has gaps between offsets.
    delta += o.fetch && rnd() < 0.3 ? 1 + int(rnd, 3) : 1;
  }
  const lastOffsetDelta = records[records.length - 1].offsetDelta + (o.fetch && rnd() < 0.2 ? 1 + int(rnd, 2) : 0);
  const batch: Batch = {
    baseOffset: o.fetch ? baseOffset : 0n,
    partitionLeaderEpoch: o.fetch ? int(rnd, 20) : -1,
    // Brokers write control batches uncompressed (and the layer refuses one that is not).
    attributes: (control ? 0 : codec) | (logAppend ? ATTR_LOG_APPEND_TIME : 0) | (transactional ? ATTR_TRANSACTIONAL : 0) | (control ? ATTR_CONTROL : 0),
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp: logAppend ? maxTs + 5n : maxTs,
    producerId,
    producerEpoch: idempotent ? int(rnd, 5) : -1,
    baseSequence: idempotent ? int(rnd, 100000) : -1,
    records,
  };
  const f = framing(rnd);
  return { bytes: encodeBatch(batch, f), batch, framing: f };
}

/** One legacy entry (a plain message, or a compressed wrapper) at `offset`; returns bytes and the offsets it spans. */
export function randomLegacy(rnd: Rnd, o: GenOptions, offset: bigint): { bytes: Buffer; span: number } {
  const magic: 0 | 1 = rnd() < 0.5 ? 0 : 1;
  const values = o.legacyValues ?? o.values;
  const timestamp = magic === 1 ? 1_600_000_000_000n + BigInt(int(rnd, 1 << 30)) : -1n;
  const message = () => ({ attributes: 0, timestamp, key: rnd() < 0.5 ? null : text(rnd, 8), value: values(rnd) });
  if (rnd() < 0.5) {
    return { bytes: encodeLegacy({ offset, magic, ...message() }), span: 1 };
  }
  // Kafka's LZ4 for magic 0 had a wrong header checksum: no client wrote it usefully; leave it out.
  const codec = pick(rnd, magic === 1 ? [1, 2, 3] : [1, 2]);
  const n = 1 + int(rnd, 5);
  const inner = Array.from({ length: n }, message);
  const f = framing(rnd);
  if (codec === CODEC_SNAPPY) f.snappy = "xerial"; // what the Java client wrote for legacy sets
  // Magic 1 wrappers may carry log-append time: then the wrapper's timestamp is every record's.
  const logAppend = magic === 1 && rnd() < 0.3 ? 0x08 : 0;
  const wrapperTimestamp = magic === 1 ? timestamp + BigInt(logAppend ? 777 : 0) : -1n;
  return { bytes: encodeLegacyWrapper(magic, codec | logAppend, offset, inner, f, wrapperTimestamp), span: n };
}

/** A partition's records field: produce, batches only; fetch, legacy first (an upgraded log), then batches, maybe a cut tail. */
export function randomPartition(rnd: Rnd, o: GenOptions): Buffer {
  const parts: Buffer[] = [];
  let offset = BigInt(int(rnd, 100000));
  if (o.fetch) {
    const legacy = rnd() < (o.legacy ?? 0) ? 1 + int(rnd, 3) : 0;
    for (let i = 0; i < legacy; i++) {
      const l = randomLegacy(rnd, o, offset);
      parts.push(l.bytes);
      offset += BigInt(l.span + int(rnd, 2));
    }
  }
  const batches = (parts.length > 0 && rnd() < 0.3) ? 0 : 1 + int(rnd, 3);
  for (let i = 0; i < batches; i++) {
    const g = randomBatch(rnd, o, offset);
    parts.push(g.bytes);
    offset += BigInt(g.batch.lastOffsetDelta + 1 + int(rnd, 3));
  }
  if (o.fetch && rnd() < (o.tail ?? 0)) {
    const whole = rnd() < 0.2 ? randomLegacy(rnd, o, offset).bytes : randomBatch(rnd, o, offset).bytes;
    parts.push(whole.subarray(0, 1 + int(rnd, whole.length - 1)));
  }
  return Buffer.concat(parts);
}

