// Writing a batch's records again when the plugin changed a length or removed a record: the
// records are written anew, unchanged ones copied from their views, replaced fields from the
// plugin's bytes. The batch header is kept (producer id, epoch, base sequence, timestamps,
// attributes); length, record count, last offset delta and CRC are the new ones.
import { RecordBatch, RecordReader, BatchRecord } from "../kafka/records/record_batch";
import { RecordsWriter } from "../kafka/records/records_writer";

/** What to write instead of record `index` of a batch: nothing (drop), or these fields. */
export class RecordEdit {
  constructor(
    readonly index: i32,
    readonly drop: bool,
    readonly key: Uint8Array | null,
    readonly value: Uint8Array | null,
    readonly headerKeys: Array<Uint8Array>,
    readonly headerValues: Array<Uint8Array | null>,
  ) {}
}

/** A batch's records written again. */
export class Rewritten {
  constructor(readonly records: Uint8Array, readonly count: i32, readonly lastOffsetDelta: i32) {}
}

/**
 * The records of the uncompressed `batch` with `edits` (in record order) applied. `renumber` gives
 * the kept records offset deltas 0, 1, … (a produce batch must be contiguous: the broker refuses one
 * whose count and offset range disagree); otherwise they keep theirs (a fetched batch keeps its
 * offsets, with gaps as a compacted log's have, and its last offset delta, so the consumer moves past
 * the dropped records). Null when the batch does not parse.
 */
export function rewriteRecords(batch: RecordBatch, edits: Array<RecordEdit>, renumber: bool): Rewritten | null {
  const out = new RecordsWriter(batch.size);
  const rr = new RecordReader(batch);
  const rec = new BatchRecord();
  let index = 0;
  let e = 0;
  while (rr.next(rec)) {
    const edit = e < edits.length && edits[e].index == index ? edits[e++] : null;
    index++;
    const delta = renumber ? out.count : rec.offsetDelta;
    if (edit == null) {
      out.record(rec.attributes, rec.timestampDelta, delta, rec.key, rec.value, rec.headerKeyBytes, rec.headerValues);
    } else if (!edit.drop) {
      out.record(rec.attributes, rec.timestampDelta, delta, edit.key, edit.value, edit.headerKeys, edit.headerValues);
    }
  }
  if (!rr.complete()) return null;
  const last = renumber ? out.count - 1 : batch.lastOffsetDelta;
  return new Rewritten(out.finish(), out.count, last);
}
