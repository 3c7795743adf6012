// Splitting a request that names several resources into the ones a policy lets through and the
// ones it refuses, and merging the broker's answer for the first with the refusals into one
// response, in request order. This is how Kafka itself answers partly valid admin requests
// (CreateTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs, DeleteTopics): every
// resource gets its own result, valid ones are applied, broken ones carry their own error.
//
// The plan is independent of the message types: the caller keys each resource (its topic name,
// or "type/name" for config resources), and gives the merge two functions: whether a broker
// result is a key's, and the result to put in for a refused key.
import { Refusal } from "./refusal";

export class SplitPlan {
  /** Each distinct key, in the order the request first named it. */
  readonly keys: Array<string> = [];
  /** Per key, the refusal or null (passed). */
  readonly refusals: Array<Refusal | null> = [];
  private readonly at: Map<string, i32> = new Map();

  /**
   * Notes a resource of the request and the policy's verdict on it. A key named twice is answered
   * once, as Kafka does; if any of its entries is refused, the key is refused whole.
   */
  add(key: string, refusal: Refusal | null): void {
    if (this.at.has(key)) {
      const i = this.at.get(key);
      if (refusal != null && this.refusals[i] == null) this.refusals[i] = refusal;
      return;
    }
    this.at.set(key, this.keys.length);
    this.keys.push(key);
    this.refusals.push(refusal);
  }

  /** Whether the entry with this key goes to the broker. */
  passes(key: string): bool {
    return !this.at.has(key) || this.refusals[this.at.get(key)] == null;
  }

  refusalOf(key: string): Refusal | null {
    return this.at.has(key) ? this.refusals[this.at.get(key)] : null;
  }

  get refusedCount(): i32 {
    let n = 0;
    for (let i = 0; i < this.refusals.length; i++) if (this.refusals[i] != null) n++;
    return n;
  }

  get passedCount(): i32 { return this.keys.length - this.refusedCount; }

  /** Nothing refused: the request can go on unchanged. */
  get allPass(): bool { return this.refusedCount == 0; }

  /** Nothing passes: the proxy answers alone and the broker sees nothing. */
  get nonePass(): bool { return this.passedCount == 0; }
}

/**
 * The entries of a request the plan lets through, in their order (duplicates kept, as sent).
 * `keyOf` gives an entry's key, as it was given to `plan.add`.
 */
export function keptEntries<T>(plan: SplitPlan, entries: Array<T>, keyOf: (e: T) => string): Array<T> {
  const kept = new Array<T>();
  for (let i = 0; i < entries.length; i++) if (plan.passes(keyOf(entries[i]))) kept.push(entries[i]);
  return kept;
}

/**
 * One result list in request order: for each key of the plan, the refusal's result (made by
 * `refused`) or the broker's results for that key (each one `matches` says is the key's, in the
 * broker's order). Broker results no key claims are kept after the rest, so nothing the broker
 * said is lost.
 */
export function mergeInOrder<R>(plan: SplitPlan, broker: Array<R>, matches: (key: string, r: R) => bool, refused: (key: string, refusal: Refusal) => R): Array<R> {
  const used = new Array<bool>(broker.length);
  const merged = new Array<R>();
  for (let i = 0; i < plan.keys.length; i++) {
    const key = plan.keys[i];
    const refusal = plan.refusals[i];
    if (refusal != null) { merged.push(refused(key, refusal)); continue; }
    for (let j = 0; j < broker.length; j++) {
      if (!used[j] && matches(key, broker[j])) { used[j] = true; merged.push(broker[j]); }
    }
  }
  for (let j = 0; j < broker.length; j++) if (!used[j]) merged.push(broker[j]);
  return merged;
}

/** Every refused key's result, in request order (the answer when nothing passes). */
export function refusedOnly<R>(plan: SplitPlan, refused: (key: string, refusal: Refusal) => R): Array<R> {
  const out = new Array<R>();
  for (let i = 0; i < plan.keys.length; i++) {
    const refusal = plan.refusals[i];
    if (refusal != null) out.push(refused(plan.keys[i], refusal));
  }
  return out;
}
