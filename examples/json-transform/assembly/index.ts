// Redacts orders on their way into topic `orders`: e-mail lower-cased, card numbers down to their
// last four digits, free-text notes dropped (transform.ts). A value that is not a JSON order is
// left as it came; the library's parser reads it, and never traps on malformed input.
export * from "../../../assembly/exports";
import { RecordTransform, Record, registerRecordTransform } from "../../../assembly/index";
import { transformOrder } from "./transform";

class OrderRedaction extends RecordTransform {
  constructor() {
    super();
    this.scope.topics = ["orders"];
    this.editsInPlace = false; // it only reads and replaces: no CRC check before it sees each batch
  }

  settings(): Array<string> | null { return []; } // none of its own: a misspelt key is refused

  onRecord(record: Record): void {
    const value = record.value;
    if (value == null) return;
    const redacted = transformOrder(value);
    if (redacted != null) record.setValue(Uint8Array.wrap(redacted));
  }
}

registerRecordTransform((): RecordTransform => new OrderRedaction());
