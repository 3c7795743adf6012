// Sets of words looked for inside names and near numbers: the secret key words
// (`password`, `token`, …), the words that make such a key harmless (`max_tokens`,
// `token_type`), and the context words that make a bare number a phone number or an SSN.
// Matching ignores ASCII case. Words of up to four characters (`pwd`, `pass`, `auth`, `tel`)
// match only as a whole part of a name, split at anything but a letter or at a lower-to-upper
// case change (`db_pass`, `userPass`, not `passenger` or `bypass`); longer words match anywhere.
import { isAlpha, isLower, isUpper, lower, endsEscape } from "./chars";

/** Words of at most this many characters must be a whole part of the name. */
const SHORT_WORD = 4;
/** Words a set holds at most. */
export const MAX_WORDS = 64;

export class WordSet {
  /** Bit w set in startMask[c] when word w starts with byte c (either case). */
  readonly startMask: StaticArray<u64> = new StaticArray<u64>(256);
  private readonly bytes: ArrayBuffer;
  private readonly offsets: StaticArray<i32>;
  private readonly lengths: StaticArray<i32>;
  readonly count: i32;
  /** The shortest word's length: shorter names cannot contain any. */
  minLength: i32 = 0x7fffffff;

  /** Up to MAX_WORDS words; the rest are ignored (configuration checks the count). */
  constructor(words: Array<string>) {
    const n = words.length < MAX_WORDS ? words.length : MAX_WORDS;
    this.count = n;
    this.offsets = new StaticArray<i32>(n);
    this.lengths = new StaticArray<i32>(n);
    let total = 0;
    for (let w = 0; w < n; w++) total += String.UTF8.byteLength(words[w]);
    this.bytes = new ArrayBuffer(total);
    let at = 0;
    for (let w = 0; w < n; w++) {
      const b = String.UTF8.encode(words[w].toLowerCase());
      memory.copy(changetype<usize>(this.bytes) + <usize>at, changetype<usize>(b), <usize>b.byteLength);
      this.offsets[w] = at;
      this.lengths[w] = b.byteLength;
      if (b.byteLength < this.minLength) this.minLength = b.byteLength;
      at += b.byteLength;
      if (b.byteLength > 0) {
        const c = <i32>load<u8>(changetype<usize>(b));
        this.startMask[c] |= (<u64>1) << w;
        if (c >= 0x61 && c <= 0x7a) this.startMask[c - 32] |= (<u64>1) << w;
      }
    }
  }

  /** True when [s, e) contains one of the words, ignoring ASCII case (short words as whole parts). */
  contains(p: usize, s: i32, e: i32): bool {
    if (e - s < this.minLength) return false;
    const masks = changetype<usize>(this.startMask);
    const base = changetype<usize>(this.bytes);
    for (let k = s; k < e; k++) {
      let m = load<u64>(masks + (<usize>load<u8>(p + k) << 3));
      while (m != 0) {
        const w = <i32>ctz(m);
        m &= m - 1;
        const len = unchecked(this.lengths[w]);
        if (k + len > e) continue;
        const word = base + <usize>unchecked(this.offsets[w]);
        let j = 1;
        while (j < len && lower(load<u8>(p + k + j)) == <u32>load<u8>(word + j)) j++;
        if (j < len) continue;
        if (len <= SHORT_WORD && !wholePart(p, s, e, k, len, word)) continue;
        return true;
      }
    }
    return false;
  }
}

/**
 * Whole words, compared ignoring ASCII case: a value that is one of them (`null`, `redacted`),
 * a top-level domain that is a file extension. The first byte and the length pick the
 * candidates, so most lookups cost two loads and no comparison.
 */
export class ExactWords {
  /** Bit w set in byFirst[c] when word w starts with byte c (either case). */
  private readonly byFirst: StaticArray<u64> = new StaticArray<u64>(256);
  /** Bit w set in byLength[l] when word w is l bytes long. */
  private readonly byLength: StaticArray<u64>;
  private readonly bytes: ArrayBuffer;
  private readonly offsets: StaticArray<i32>;
  private readonly maxLength: i32;

  /** Up to MAX_WORDS lower-case words (a longer list is a programming error: the rest are ignored). */
  constructor(words: Array<string>) {
    const n = words.length < MAX_WORDS ? words.length : MAX_WORDS;
    this.offsets = new StaticArray<i32>(n);
    let total = 0;
    let longest = 0;
    for (let w = 0; w < n; w++) {
      const len = String.UTF8.byteLength(words[w]);
      total += len;
      if (len > longest) longest = len;
    }
    this.maxLength = longest;
    this.byLength = new StaticArray<u64>(longest + 1);
    this.bytes = new ArrayBuffer(total);
    let at = 0;
    for (let w = 0; w < n; w++) {
      const b = String.UTF8.encode(words[w].toLowerCase());
      if (b.byteLength == 0) continue;
      memory.copy(changetype<usize>(this.bytes) + <usize>at, changetype<usize>(b), <usize>b.byteLength);
      this.offsets[w] = at;
      at += b.byteLength;
      const bit = (<u64>1) << w;
      this.byLength[b.byteLength] |= bit;
      const c = <i32>load<u8>(changetype<usize>(b));
      this.byFirst[c] |= bit;
      if (c >= 0x61 && c <= 0x7a) this.byFirst[c - 32] |= bit;
    }
  }

  /** True when [s, e) is one of the words, ignoring ASCII case. */
  has(p: usize, s: i32, e: i32): bool {
    const len = e - s;
    if (len <= 0 || len > this.maxLength) return false;
    let m = unchecked(this.byFirst[load<u8>(p + <usize>s)]) & unchecked(this.byLength[len]);
    const base = changetype<usize>(this.bytes);
    while (m != 0) {
      const word = base + <usize>unchecked(this.offsets[<i32>ctz(m)]);
      m &= m - 1;
      let j = 1;
      while (j < len && lower(load<u8>(p + <usize>(s + j))) == <u32>load<u8>(word + <usize>j)) j++;
      if (j == len) return true;
    }
    return false;
  }
}

/** A short word found at [k, k+len) of the name [s, e): does it stand alone there? */
function wholePart(p: usize, s: i32, e: i32, k: i32, len: i32, word: usize): bool {
  const first = <u32>load<u8>(word), last = <u32>load<u8>(word + len - 1);
  if (isAlpha(first) && k > s) {
    const before = <u32>load<u8>(p + k - 1);
    if (isAlpha(before) && !(isLower(before) && isUpper(load<u8>(p + k))) && !endsEscape(p, k - 1)) return false;
  }
  if (isAlpha(last) && k + len < e) {
    const after = <u32>load<u8>(p + k + len);
    if (isAlpha(after) && !(isLower(load<u8>(p + k + len - 1)) && isUpper(after))) return false;
  }
  return true;
}

/** Key words of `secret_kv` (and the `secret_keys` default). */
export const DEFAULT_SECRET_KEYS = [
  "password", "passwd", "passphrase", "secret", "token", "api_key", "apikey", "api-key", "access_key", "private_key",
  "credential", "authorization", "pwd", "pass", "auth",
];

/**
 * Words that make a secret-sounding key harmless (the `ignore_keys` default): counts, types,
 * flags, times, limits and addresses of secrets rather than secrets.
 */
export const DEFAULT_IGNORE_KEYS = [
  "tokens", "type", "count", "changed", "length", "expires", "expiry", "ttl", "policy", "reset", "required", "enabled",
  "rotation", "version", "hint", "_id", "_at", "max", "min", "url", "uri", "endpoint", "file", "path", "attempts", "limit",
  "method", "mode", "provider", "scheme", "status", "days",
];

/** Words before a number that say it is a phone number (within CONTEXT_WINDOW bytes). */
export const PHONE_CONTEXT = [
  "phone", "tel", "tél", "mobile", "mob", "mobil", "cell", "call", "fax", "sms", "whatsapp", "contact", "handy", "telefon",
  "telefono", "teléfono", "telefone", "móvil", "movil", "cellulare", "celular", "portable", "rufnummer", "numero", "número",
  "nummer", "kom", "ph", "téléphone", "llámame", "llamar", "chiamami", "chiamare", "appelle", "appeler", "anrufen",
];

/** Words before a number that say it is a US Social Security number. */
export const SSN_CONTEXT = ["ssn", "social security", "social_security", "socialsecurity", "soc sec", "soc. sec", "ss#", "ss #", "ssa"];

/** How far before a number context words are looked for. */
export const CONTEXT_WINDOW = 40;
