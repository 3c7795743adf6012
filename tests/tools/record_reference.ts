// What the record layer must make of one partition's records, computed in TypeScript from the
// record model and the layer's documented semantics (assembly/record_layer/partition_records.ts):
//  - untouched batches and messages stay byte-identical; control batches are never shown;
//  - in-place edits patch uncompressed batches (CRC fixed); anything else is written again, in
//    the batch's own codec;
//  - fetch: drops leave offset gaps, a batch keeps its last offset delta and may become empty;
//  - produce: drops renumber, an emptied batch goes, an emptied partition is answered success;
//    a dropped record of a batch with a producer id stays, with an empty value and no headers;
//  - a reject refuses the whole partition; a fetch's partial trailing batch passes as it is.
import {
  Batch, Rec, Header, DecodedBatch, DecodedLegacy, LegacyMessage, Entry,
  decodeEntries, encodeRecords, batchAround, encodeLegacy, ATTR_CONTROL,
} from "./record_model.js";

export const REFUSED = 87, CORRUPT_MESSAGE = 2, UNKNOWN_TOPIC_ID = 100;
/** The client.id the tests' exchanges send (tests/tools/record_frames.ts). */
export const CLIENT_ID = "rt-client";

export type Decision =
  | { kind: "keep" }
  /** Changed in place: same lengths. */
  | { kind: "edit"; value: Buffer }
  | { kind: "replace"; key: Buffer | null; value: Buffer | null; headers: Header[] }
  | { kind: "drop" }
  | { kind: "reject"; code: number; message: string };

/** Where a record is, as the layer tells the plugin. */
export interface Place { topic: string; partition: number; offset: bigint; timestamp: bigint; producerId: bigint; transactional: boolean; legacy: boolean; fetched: boolean }
export interface Seen { key: Buffer | null; value: Buffer | null; headers: Header[]; legacy: boolean; place: Place }
export type Transform = (r: Seen) => Decision;

export function upper(v: Buffer): Buffer {
  return Buffer.from(v.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c)));
}

function startsWith(v: Buffer, prefix: string): boolean { return v.subarray(0, prefix.length).equals(Buffer.from(prefix)); }

/** tests/fixtures/plugins/record-ops: the outcome by the value's prefix. */
export const recordOps: Transform = (r) => {
  const v = r.value;
  if (v === null) return { kind: "keep" };
  if (startsWith(v, "drop:")) return { kind: "drop" };
  if (startsWith(v, "reject:")) return { kind: "reject", code: REFUSED, message: "refused" };
  if (startsWith(v, "grow:")) return { kind: "replace", key: r.key, value: Buffer.concat([v, v]), headers: r.headers };
  if (startsWith(v, "key:")) return { kind: "replace", key: v.subarray(4), value: v, headers: r.headers };
  if (startsWith(v, "hdrs:")) return { kind: "replace", key: r.key, value: v, headers: [{ key: Buffer.from("h"), value: v.subarray(5) }] };
  if (startsWith(v, "hdr:")) {
    if (r.headers.length === 0) return { kind: "keep" };
    return { kind: "replace", key: r.key, value: v, headers: r.headers.map((h, i) => (i === 0 ? { key: h.key, value: v.subarray(4) } : h)) };
  }
  if (startsWith(v, "tomb:")) return { kind: "replace", key: r.key, value: null, headers: r.headers };
  if (startsWith(v, "meta:")) {
    const p = r.place;
    const meta = [p.topic, p.partition, p.offset, p.timestamp, p.producerId, p.transactional ? "t" : "f", p.legacy ? "t" : "f", p.fetched ? "t" : "f", CLIENT_ID].join("|");
    return { kind: "replace", key: r.key, value: Buffer.from(meta), headers: r.headers };
  }
  if (startsWith(v, "upper:")) return { kind: "edit", value: upper(v) };
  return { kind: "keep" };
};

/** examples/uppercase: every value uppercased in place (and said edited, changed or not). */
export const uppercase: Transform = (r) => (r.value === null ? { kind: "keep" } : { kind: "edit", value: upper(r.value) });

/** The layer's counters (kafka_records.<plugin>.<name>). */
export class Counts {
  records = 0; records_edited = 0; records_replaced = 0; records_dropped = 0; records_emptied = 0;
  rejected_partitions = 0; batches_rewritten = 0; batches_patched = 0; unsupported_batches = 0;
  unknown_topic_ids = 0; partitions_passed_unseen = 0;
}

export type Expected =
  /** The field as it came. */
  | { kind: "same" }
  | { kind: "rejected"; code: number; message: string }
  /** The layer cannot handle it: the unsupported policy applies. */
  | { kind: "unsupported"; code: number }
  /** Produce: nothing left to store. */
  | { kind: "emptied" }
  | { kind: "entries"; entries: ExpectedEntry[] };

export type ExpectedEntry =
  | { kind: "same"; bytes: Buffer }
  /** Exactly these bytes (uncompressed batches, plain legacy messages). */
  | { kind: "exact"; bytes: Buffer }
  /** A compressed batch written again: these fields and records, in `like`'s codec and framing. */
  | { kind: "batch"; batch: Batch; like: DecodedBatch }
  /** A legacy wrapper written again: these inner messages, each at its original absolute offset. */
  | { kind: "wrapper"; like: DecodedLegacy; inner: LegacyMessage[]; offsets: bigint[] };



/**
 * What must come out of the layer for one partition's records `field` under `t`; `counts` is
 * advanced as the layer's counters must be.
 */
export function expectPartition(field: Buffer, fetched: boolean, t: Transform, counts: Counts, where: { topic: string; partition: number } = { topic: "", partition: 0 }): Expected {
  let entries: Entry[];
  try {
    entries = decodeEntries(field);
  } catch {
    counts.unsupported_batches++;
    return { kind: "unsupported", code: CORRUPT_MESSAGE };
  }
  const out: ExpectedEntry[] = [];
  let changed = false;
  let kept = 0;
  for (const e of entries) {
    if (e.kind === "tail") {
      if (!fetched) { counts.unsupported_batches++; return { kind: "unsupported", code: CORRUPT_MESSAGE }; }
      out.push({ kind: "same", bytes: e.bytes });
      continue;
    }
    if (e.kind === "batch") {
      const r = expectBatch(e.batch, e.bytes, fetched, t, counts, where);
      if ("result" in r) return r.result;
      if (r.entry === null) { changed = true; continue; }
      if (r.entry.kind !== "same" && !(r.entry.kind === "exact" && r.patched)) changed = true;
      kept += r.kept;
      out.push(r.entry);
      continue;
    }
    const m = e.message;
    if (!m.inner) {
      const place: Place = { ...where, offset: fetched ? m.offset : -1n, timestamp: m.timestamp, producerId: -1n, transactional: false, legacy: true, fetched };
      const d = decide(t, m.key, m.value, [], place, counts);
      if (!d.ok) return d.result;
      const dec = d.decision;
      if (dec.kind === "keep") { out.push({ kind: "same", bytes: e.bytes }); kept++; continue; }
      if (dec.kind === "edit") { out.push({ kind: "exact", bytes: encodeLegacy({ ...m, value: dec.value }) }); kept++; continue; }
      changed = true;
      if (dec.kind === "drop") { counts.records_dropped++; continue; }
      if (dec.kind === "replace") { out.push({ kind: "exact", bytes: encodeLegacy({ ...m, key: dec.key, value: dec.value }) }); kept++; }
      continue;
    }
    const inner: LegacyMessage[] = [];
    const offsets: bigint[] = [];
    const absolute = legacyOffsets(m);
    let innerChanged = false;
    for (let i = 0; i < m.inner.length; i++) {
      const im = m.inner[i];
      // Magic 1 log-append time: the wrapper's timestamp is every inner record's.
      const timestamp = m.magic === 1 && (m.attributes & 0x08) !== 0 ? m.timestamp : im.timestamp >= 0n ? im.timestamp : m.timestamp;
      const place: Place = { ...where, offset: fetched ? absolute[i] : -1n, timestamp, producerId: -1n, transactional: false, legacy: true, fetched };
      const d = decide(t, im.key, im.value, [], place, counts);
      if (!d.ok) return d.result;
      const dec = d.decision;
      if (dec.kind === "drop") { counts.records_dropped++; innerChanged = true; continue; }
      if (dec.kind !== "keep") innerChanged = true;
      inner.push(dec.kind === "edit" ? { ...im, value: dec.value } : dec.kind === "replace" ? { ...im, key: dec.key, value: dec.value } : im);
      offsets.push(absolute[i]);
    }
    if (!innerChanged) { out.push({ kind: "same", bytes: e.bytes }); kept += m.inner.length; continue; }
    counts.batches_rewritten++;
    changed = true;
    if (inner.length === 0) continue;
    kept += inner.length;
    out.push({ kind: "wrapper", like: m, inner, offsets });
  }
  if (!changed) return out.every((x) => x.kind === "same") ? { kind: "same" } : { kind: "entries", entries: out };
  if (!fetched && kept === 0) return { kind: "emptied" };
  return { kind: "entries", entries: out };
}

function legacyOffsets(m: DecodedLegacy): bigint[] {
  const inner = m.inner!;
  if (m.magic === 0) return inner.map((i) => i.offset);
  const last = inner[inner.length - 1].offset;
  return inner.map((i) => m.offset - last + i.offset);
}

function decide(t: Transform, key: Buffer | null, value: Buffer | null, headers: Header[], place: Place, counts: Counts):
  { ok: true; decision: Decision } | { ok: false; result: Expected } {
  const legacy = place.legacy;
  counts.records++;
  const d = t({ key, value, headers, legacy, place });
  if (d.kind === "reject") { counts.rejected_partitions++; return { ok: false, result: { kind: "rejected", code: d.code, message: d.message } }; }
  if (d.kind === "edit") counts.records_edited++;
  if (d.kind === "replace") {
    if (legacy && d.headers.length > 0) { counts.unsupported_batches++; return { ok: false, result: { kind: "unsupported", code: CORRUPT_MESSAGE } }; }
    counts.records_replaced++;
  }
  return { ok: true, decision: d };
}

function expectBatch(b: DecodedBatch, bytes: Buffer, fetched: boolean, t: Transform, counts: Counts, where: { topic: string; partition: number }):
  { entry: ExpectedEntry | null; kept: number; patched: boolean } | { result: Expected } {
  if (b.attributes & ATTR_CONTROL) return { entry: { kind: "same", bytes }, kept: b.recordCount, patched: false };
  const next: Rec[] = [];
  let edits = false, inPlace = false;
  for (const r of b.records) {
    counts.records++;
    const place: Place = {
      ...where, offset: fetched ? b.baseOffset + BigInt(r.offsetDelta) : -1n,
      timestamp: (b.attributes & 0x08) !== 0 ? b.maxTimestamp : b.baseTimestamp + r.timestampDelta,
      producerId: b.producerId, transactional: (b.attributes & 0x10) !== 0, legacy: false, fetched,
    };
    const d = t({ key: r.key, value: r.value, headers: r.headers, legacy: false, place });
    if (d.kind === "reject") { counts.rejected_partitions++; return { result: { kind: "rejected", code: d.code, message: d.message } }; }
    if (d.kind === "keep") { next.push(r); continue; }
    if (d.kind === "edit") { counts.records_edited++; inPlace = true; next.push({ ...r, value: d.value }); continue; }
    edits = true;
    if (d.kind === "drop" && !fetched && b.producerId >= 0n) {
      counts.records_emptied++;
      next.push({ ...r, value: Buffer.alloc(0), headers: [] });
    } else if (d.kind === "drop") {
      counts.records_dropped++;
    } else {
      counts.records_replaced++;
      next.push({ ...r, key: d.key, value: d.value, headers: d.headers });
    }
  }
  if (!edits && !inPlace) return { entry: { kind: "same", bytes }, kept: b.recordCount, patched: false };
  const compressed = b.codec !== 0;
  if (!edits && !compressed) {
    counts.batches_patched++;
    return { entry: { kind: "exact", bytes: batchAround(b, encodeRecords(next), next.length) }, kept: next.length, patched: true };
  }
  counts.batches_rewritten++;
  // A produce batch written again is contiguous: offset deltas 0, 1, …
  const renumber = edits && !fetched;
  const records = renumber ? next.map((r, i) => ({ ...r, offsetDelta: i })) : next;
  if (records.length === 0 && !fetched) return { entry: null, kept: 0, patched: false };
  const batch: Batch = { ...b, records, lastOffsetDelta: renumber ? records.length - 1 : b.lastOffsetDelta };
  if (!compressed) return { entry: { kind: "exact", bytes: batchAround(batch, encodeRecords(records), records.length) }, kept: records.length, patched: false };
  return { entry: { kind: "batch", batch, like: b }, kept: records.length, patched: false };
}


