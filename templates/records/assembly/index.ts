// A record plugin: the record layer hands it each record of the batches in its scope (here:
// produced to topics matching "lowercase*"), decompressed, and writes back the batches it
// changed (compressed as they came, CRC fixed). This one upper-cases ASCII letters in values.
export * from "kafka-proxy-wasm/assembly/exports"; // the callbacks Envoy calls
import { RecordTransform, Record, registerRecordTransform } from "kafka-proxy-wasm";

class Uppercase extends RecordTransform {
  constructor() {
    super();
    this.scope.produce = true;           // records on their way to the broker (fetch is possible too)
    this.scope.topics = ["lowercase*"];  // topic globs
  }

  // The configuration keys this plugin reads (none): any other is refused, named; the library's
  // own (on_unsupported, max_frame_bytes, …) are always taken.
  settings(): Array<string> | null { return []; }

  onRecord(record: Record): void {
    // record.topic, partition, offset, timestamp, key, value, headers are views into the batch.
    const v = record.value;
    if (v == null) return;
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (c >= 97 && c <= 122) v[i] = c - 32;
    }
    record.edited(); // or setValue(bytes), setKey, setHeaders, drop(), reject(code, message)
  }
}

registerRecordTransform((): RecordTransform => new Uppercase());
