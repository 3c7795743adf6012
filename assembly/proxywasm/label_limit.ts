// Label values a client chooses (a client.id, a group name, a topic it asks for) would otherwise
// make one Envoy stat, and one map entry in the VM, per value for as long as the VM lives: a
// client sending a new client.id per connection grows both without end. A LabelLimit lets the
// first `max` distinct values through and gives every later one a shared label.

/** The label every value past the limit shares. */
export const OTHER_LABEL: string = "_other";

export class LabelLimit {
  private readonly seen: Set<string> = new Set();
  /** Values turned into OTHER_LABEL (one count per use). */
  overflowed: u64 = 0;

  constructor(readonly max: i32) {}

  /** `value` when it is known or there is room for it; OTHER_LABEL otherwise. */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) { this.overflowed++; return OTHER_LABEL; }
    this.seen.add(value);
    return value;
  }
}
