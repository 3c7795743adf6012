// Uppercases every value produced to topic `lowercase`: the record layer's smallest plugin.
export * from "../../../assembly/exports";
import { RecordTransform, Record, registerRecordTransform } from "../../../assembly/index";

class Uppercase extends RecordTransform {
  constructor() {
    super();
    this.scope.topics = ["lowercase"];
  }

  settings(): Array<string> | null { return []; } // none of its own: a misspelt key is refused

  onRecord(record: Record): void {
    const value = record.value;
    if (value == null) return;
    for (let i = 0; i < value.length; i++) {
      const c = unchecked(value[i]); // i < length: no bounds check needed
      if (c >= 0x61 && c <= 0x7a) unchecked(value[i] = c - 0x20); // a-z to A-Z, in place: same length
    }
    record.edited();
  }
}

registerRecordTransform((): RecordTransform => new Uppercase());
