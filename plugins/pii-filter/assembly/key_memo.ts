// The answers for JSON key names seen before. A JSON topic's records repeat the same few
// keys, and whether a key names a secret (secrets.ts: secretKey, a search for every key word
// in it) depends on its bytes alone: a key of up to 16 bytes is remembered whole (its length
// and its first and last eight bytes) in a small direct-mapped table, so a repeated key costs
// a hash and a compare. The table belongs to one scanner, whose words never change.
import { WordSet } from "./words";
import { secretKey } from "./secrets";

const SLOTS_LOG2 = 6;
const SLOTS = 1 << SLOTS_LOG2;
/** Keys longer than this are not remembered (two eight-byte words hold the whole key). */
const MAX_REMEMBERED = 16;

export class KeyMemo {
  private readonly first: StaticArray<u64> = new StaticArray<u64>(SLOTS);
  private readonly last: StaticArray<u64> = new StaticArray<u64>(SLOTS);
  /** The key's length in the slot, 0 when empty. */
  private readonly lengths: StaticArray<i32> = new StaticArray<i32>(SLOTS);
  private readonly answers: StaticArray<bool> = new StaticArray<bool>(SLOTS);

  constructor(private readonly words: WordSet, private readonly ignore: WordSet) {}

  /** secretKey for the key [ks, ke) of the field [p, p+n), from the table when it was asked before. */
  isSecret(p: usize, n: i32, ks: i32, ke: i32): bool {
    const len = ke - ks;
    // The eight-byte loads must stay inside the field.
    if (len <= 0 || len > MAX_REMEMBERED || ks + 8 > n) return secretKey(p, ks, ke, this.words, this.ignore);
    let a = load<u64>(p + <usize>ks);
    if (len < 8) a &= ((<u64>1) << (<u64>len << 3)) - 1;
    const b = len > 8 ? load<u64>(p + <usize>(ke - 8)) : 0;
    const slot = <i32>(((a ^ (b * 0x9e3779b97f4a7c15) ^ <u64>len) * 0x9e3779b97f4a7c15) >> (64 - SLOTS_LOG2));
    if (unchecked(this.lengths[slot]) == len && unchecked(this.first[slot]) == a && unchecked(this.last[slot]) == b) return unchecked(this.answers[slot]);
    const answer = secretKey(p, ks, ke, this.words, this.ignore);
    unchecked(this.lengths[slot] = len);
    unchecked(this.first[slot] = a);
    unchecked(this.last[slot] = b);
    unchecked(this.answers[slot] = answer);
    return answer;
  }
}
