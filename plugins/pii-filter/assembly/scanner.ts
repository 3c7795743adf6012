// One pass over the bytes for every detector. A 256-entry table says which bytes can
// start (or anchor) a match; everything else costs one load and one compare. At a
// trigger byte the detectors anchored there run, mask what they find, and say where
// the scan resumes. The scan only moves forward, so it is linear in the input.
//
// A field that is a JSON document ('{' or '[' first) is walked token by token instead
// (scanJson): the detectors run inside each string, masks never touch quotes, brackets,
// colons or commas, an escape sequence is masked whole or not at all, a number is masked
// with zeros (so it stays a number), and a secret key's value counts only when it is a
// string (`"max_tokens": 4096`, `"password": null` are not secrets).
import { gluedBefore, isDigit, isUpper, setKeepTail, setRecordOnly, setSpanBase, setInNumber, spans, mask } from "./chars";
import { Regex } from "../../../assembly/index";
import { JsonFields } from "./json_fields";
import { emailAt, cardAt, ssnAt, awsKeyIdAt, jwtAt, pemAt, ibanAt } from "./anchored";
import { keyValueAt, cliFlagAt, setCommandAt, urlUserinfoAt, afterScheme, plausibleValue } from "./secrets";
import { KeyMemo } from "./key_memo";
import { phoneE164At, phoneNationalAt, ALL_SHAPES } from "./phone";
import { WordSet, DEFAULT_IGNORE_KEYS } from "./words";
import { setContextFloor } from "./context";
import { maybeTriggers, firstByte } from "./swar";

export const DETECTOR_NAMES = ["email", "card", "ssn", "aws_key_id", "jwt", "pem", "secret_kv", "phone", "iban", "json_field"];
export const EMAIL = 0, CARD = 1, SSN = 2, AWS_KEY_ID = 3, JWT = 4, PEM = 5, SECRET_KV = 6, PHONE = 7, IBAN = 8, JSON_FIELD = 9;
/** Built-in detectors; user rules (regex.ts) follow them, numbered from here. */
export const DETECTOR_COUNT = 10;
/** Work a user rule may do per scanned field: steps per byte, beyond which the field is refused. */
export const REGEX_STEPS_PER_BYTE = 1024;

/**
 * What happens to a match. mask and partial edit in place; hash replaces the match with a
 * token (the record is re-encoded); drop removes the whole record; reject fails the produce.
 */
export enum Action { Mask = 0, Partial = 1, Reject = 2, Hash = 3, Drop = 4 }
export const ACTION_NAMES = ["mask", "partial", "reject", "hash", "drop"];

/** The detectors' settings besides on/off and actions (config.ts documents each). */
export class Tuning {
  /** Words that make a secret-sounding key harmless (`ignore_keys`). */
  ignoreKeys: Array<string> = DEFAULT_IGNORE_KEYS;
  /** National phone formats to look for, as phone.ts SHAPE_ bits (`phone_locales`). */
  phoneShapes: u32 = ALL_SHAPES;
  /** Per built-in detector: `broad` confidence (`confidence`); false is `strict`. */
  broad: StaticArray<bool> = new StaticArray<bool>(DETECTOR_COUNT);
}

const T_AT: u8 = 1, T_ASSIGN: u8 = 2, T_DIGIT: u8 = 3, T_A: u8 = 4, T_J: u8 = 5, T_DASH: u8 = 6, T_PLUS: u8 = 7, T_PAREN: u8 = 8, T_PERCENT: u8 = 9, T_UNDERSCORE: u8 = 10;

function buildTable(): StaticArray<u8> {
  const t = new StaticArray<u8>(256);
  t[0x40] = T_AT;
  t[0x3d] = T_ASSIGN;
  t[0x3a] = T_ASSIGN;
  for (let c = 0x30; c <= 0x39; c++) t[c] = T_DIGIT;
  t[0x41] = T_A;
  // A JWT starts "eyJ": anchoring at the rare 'J' (and looking back) spares the common 'e'.
  t[0x4a] = T_J;
  t[0x2d] = T_DASH;
  t[0x2b] = T_PLUS;
  t[0x28] = T_PAREN;
  t[0x25] = T_PERCENT;
  t[0x5f] = T_UNDERSCORE;
  return t;
}
const TABLE = buildTable();

/** Marks '"' and '\\' in BITS: where a JSON string may end. */
const STRING_STOP: u16 = 0x8000;
/** TABLE's kinds as bits (1 << kind), so a JSON string's triggers can be told apart cheaply; and STRING_STOP. */
function buildBits(): StaticArray<u16> {
  const b = new StaticArray<u16>(256);
  for (let c = 0; c < 256; c++) b[c] = TABLE[c] == 0 ? 0 : <u16>(1 << TABLE[c]);
  b[0x22] = STRING_STOP;
  b[0x5c] = STRING_STOP;
  return b;
}
const BITS = buildBits();
/**
 * Triggers that can begin a match shorter than nine bytes (`a@b.co`, `pwd=x`, `--pwd x`, `a%40b.co`):
 * a shorter string without any of them holds nothing a detector could match (cards, SSNs, phone
 * numbers, IBANs, keys and tokens are all longer).
 */
const SHORT_MATCH_BITS: u32 = (1 << T_AT) | (1 << T_ASSIGN) | (1 << T_PERCENT) | (1 << T_DASH);

/**
 * The triggers of a string [s, e) shorter than nine bytes that can begin a match there. A dash
 * counts only as the first of two (`--pwd x`): `SKU-1`, `2024-05` and `en-US` hold none.
 */
function shortTriggers(p: usize, s: i32, e: i32, triggers: u32): u32 {
  triggers &= SHORT_MATCH_BITS;
  if (triggers & (1 << T_DASH)) {
    let k = s;
    while (k + 1 < e && load<u16>(p + <usize>k) != 0x2d2d) k++;
    if (k + 1 >= e) triggers &= ~(<u32>1 << T_DASH);
  }
  return triggers;
}

/** What a byte between JSON tokens is: the walk dispatches on one table load. */
const J_OTHER: u8 = 0, J_QUOTE: u8 = 1, J_SKIP: u8 = 2, J_COMMA: u8 = 3, J_OPEN: u8 = 4, J_CLOSE: u8 = 5;
function buildJsonClasses(): StaticArray<u8> {
  const t = new StaticArray<u8>(256);
  t[0x22] = J_QUOTE;
  t[0x3a] = J_SKIP; t[0x20] = J_SKIP; t[0x0a] = J_SKIP; t[0x0d] = J_SKIP; t[0x09] = J_SKIP;
  t[0x2c] = J_COMMA;
  t[0x7b] = J_OPEN; t[0x5b] = J_OPEN;
  t[0x7d] = J_CLOSE; t[0x5d] = J_CLOSE;
  return t;
}
const JSON_CLASSES = buildJsonClasses();

/** Containers a JSON walk follows; deeper documents are scanned as text from there. */
const MAX_JSON_DEPTH = 64;

@inline function isJsonSpace(c: u32): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

export class Scanner {
  /** Matches per detector since the last reset, indexed like DETECTOR_NAMES. */
  readonly found: StaticArray<i32>;
  /** Set when a detector whose action is `reject` matched since the last reset; its index. */
  rejectedBy: i32 = -1;
  /** Set when a detector whose action is `drop` matched; the caller clears it per record. */
  dropRecord: bool = false;
  private readonly secretWords: WordSet;
  private readonly ignoreWords: WordSet;
  /** Whether a JSON key names a secret, remembered per key. */
  private readonly keyMemo: KeyMemo;
  private readonly phoneShapes: u32;
  private readonly broad: StaticArray<bool>;
  /** Spans recorded by the JSON field rules in this scan, and the first one not yet behind the walk. */
  private fieldSpans: i32 = 0;
  private fieldSpan: i32 = 0;
  /** Per open JSON container: whether it is an object. */
  private readonly isObject: StaticArray<bool> = new StaticArray<bool>(MAX_JSON_DEPTH);
  /** Per detector: its action, and for `partial` how many characters stay visible. */
  readonly actions: StaticArray<i32>;
  partialKeep: i32 = 4;
  /** Set when a user rule exceeded its work budget on a field: the caller must not trust the scan. */
  overBudget: bool = false;

  /**
   * `enabled` has one entry per detector: the built-ins, then one per user rule in `rules`.
   */
  constructor(readonly enabled: StaticArray<bool>, words: Array<string>, readonly rules: Array<Regex> = [], readonly jsonFields: JsonFields | null = null, tuning: Tuning | null = null) {
    const t = tuning != null ? tuning : new Tuning();
    const secretWords = new WordSet(words), ignoreWords = new WordSet(t.ignoreKeys);
    this.secretWords = secretWords;
    this.ignoreWords = ignoreWords;
    this.keyMemo = new KeyMemo(secretWords, ignoreWords);
    this.phoneShapes = t.phoneShapes;
    this.broad = t.broad;
    this.found = new StaticArray<i32>(enabled.length);
    this.actions = new StaticArray<i32>(enabled.length);
  }

  /** Before running detector `d`: what its mask spares. */
  @inline private prepare(d: i32): void {
    const a = unchecked(this.actions[d]);
    setKeepTail(a == Action.Partial ? this.partialKeep : 0);
    setRecordOnly(a == Action.Hash);
  }

  /** After detector `d` matched: a `reject` detector marks the whole request. */
  @inline private matched(d: i32): void {
    unchecked(this.found[d]++);
    const a = unchecked(this.actions[d]);
    if (a == Action.Reject && this.rejectedBy < 0) this.rejectedBy = d;
    else if (a == Action.Drop) this.dropRecord = true;
  }

  /**
   * Matches of `hash` detectors in the last scan: (start, end, letters-and-digits-only)
   * triples, in order, relative to the scanned bytes. Their bytes were left as they were.
   */
  get hashSpans(): Array<i32> { return spans; }

  /** Masks in place every match in [p, p+n) (or records it, for `hash`); returns how many matched. */
  scan(p: usize, n: i32): i32 {
    spans.length = 0;
    let total = 0;
    const json = this.jsonFields;
    // JSON field rules first: what they mask, the detectors below no longer see.
    if (json != null && unchecked(this.enabled[JSON_FIELD])) {
      this.prepare(JSON_FIELD);
      const k = json.scan(p, n);
      for (let m = 0; m < k; m++) this.matched(JSON_FIELD);
      total += k;
    }
    let i = 0;
    while (i < n && isJsonSpace(load<u8>(p + <usize>i))) i++;
    const first = i < n ? <u32>load<u8>(p + <usize>i) : 0;
    // `hash` matches of the JSON field rules are only recorded: the walk passes over those strings.
    this.fieldSpans = spans.length / 3;
    total += first == 0x7b || first == 0x5b ? this.scanJson(p, n, i) : this.scanText(p, n);
    if (this.rules.length > 0) total += this.scanRules(p, n);
    if (spans.length > 3 && (json != null || this.rules.length > 0)) sortSpans();
    return total;
  }

  /** The text detectors over [from, to) of the field at p, as if those bytes were all there is (context may look before). */
  private scanRange(p: usize, from: i32, to: i32): i32 {
    if (to <= from) return 0;
    setSpanBase(from);
    setContextFloor(from);
    const k = this.scanText(p + <usize>from, to - from);
    setSpanBase(0);
    setContextFloor(0);
    return k;
  }

  /** Every built-in detector over [p, p+n), one pass. */
  private scanText(p: usize, n: i32): i32 {
    const table = changetype<usize>(TABLE);
    const on = this.enabled;
    let total = 0;
    let i = 0;
    while (i < n) {
      // Eight bytes at a time while none of them can be a trigger: most text has few. The
      // bytes that might be (capitals, punctuation) are looked up one by one.
      while (i + 8 <= n) {
        let cand = maybeTriggers(load<u64>(p + <usize>i));
        while (cand != 0 && load<u8>(table + <usize>load<u8>(p + <usize>(i + firstByte(cand)))) == 0) cand &= cand - 1;
        if (cand != 0) { i += firstByte(cand); break; }
        i += 8;
      }
      if (i >= n) break;
      const kind = load<u8>(table + <usize>load<u8>(p + <usize>i));
      if (kind == 0) { i++; continue; }
      let next = i + 1;
      if (kind == T_ASSIGN) {
        if (unchecked(on[SECRET_KV])) {
          this.prepare(SECRET_KV);
          let e = keyValueAt(p, n, i, this.secretWords, this.ignoreWords);
          if (e < 0 && load<u8>(p + <usize>i) == 0x3a) e = urlUserinfoAt(p, n, i);
          if (e > 0) { this.matched(SECRET_KV); total++; next = e; }
        }
      } else if (kind == T_AT) {
        if (unchecked(on[EMAIL])) {
          this.prepare(EMAIL);
          const e = emailAt(p, n, i, 1, unchecked(this.broad[EMAIL]));
          if (e > 0) { this.matched(EMAIL); total++; next = e; }
        }
      } else if (kind == T_DIGIT) {
        // Only a digit that starts a number (not glued to a letter or digit before it).
        if (!gluedBefore(p, i)) {
          // The run of digits first: a short run not followed by a separator cannot begin an
          // SSN, card or phone number (each needs 9+ digits or a separator there), which
          // settles most numbers (counts, ids, JSON values) without a call.
          let run = i + 1;
          while (run < n && isDigit(load<u8>(p + <usize>run))) run++;
          const len = run - i;
          if (len < 9 || len > 19) {
            const after = run < n ? <u32>load<u8>(p + <usize>run) : 0;
            if (after != 0x20 && after != 0x2d && after != 0x2e && after != 0x2f) { i = run; continue; }
          }
          let e = -1;
          if (unchecked(on[SSN])) { this.prepare(SSN); e = ssnAt(p, n, i, unchecked(this.broad[SSN])); if (e > 0) { this.matched(SSN); total++; } }
          if (e < 0 && unchecked(on[CARD])) { this.prepare(CARD); e = cardAt(p, n, i, unchecked(this.broad[CARD])); if (e > 0) { this.matched(CARD); total++; } }
          if (e < 0 && unchecked(on[PHONE])) {
            this.prepare(PHONE);
            e = phoneNationalAt(p, n, i, this.phoneShapes, unchecked(this.broad[PHONE]));
            if (e > 0) { this.matched(PHONE); total++; }
            // Digits running on past any phone number (a tracking number) are passed over whole.
            else if (e <= -2) { next = -2 - e; e = -1; i = next; continue; }
          }
          next = e > 0 ? e : run;
        } else if (i >= 2 && unchecked(on[IBAN]) && isUpper(load<u8>(p + <usize>(i - 1))) && isUpper(load<u8>(p + <usize>(i - 2)))) {
          // An IBAN's check digits follow its two-letter country code.
          this.prepare(IBAN);
          const e = ibanAt(p, n, i - 2);
          if (e > 0) { this.matched(IBAN); total++; next = e; }
        }
      } else if (kind == T_A) {
        // AKIA / ASIA: the second byte decides before any call.
        if (unchecked(on[AWS_KEY_ID]) && i + 1 < n && (load<u8>(p + <usize>(i + 1)) == 0x4b || load<u8>(p + <usize>(i + 1)) == 0x53)) {
          this.prepare(AWS_KEY_ID);
          const e = awsKeyIdAt(p, n, i);
          if (e > 0) { this.matched(AWS_KEY_ID); total++; next = e; }
        }
      } else if (kind == T_J) {
        if (unchecked(on[JWT]) && i >= 2 && load<u8>(p + <usize>(i - 1)) == 0x79 && load<u8>(p + <usize>(i - 2)) == 0x65) {
          this.prepare(JWT);
          const e = jwtAt(p, n, i - 2);
          if (e > 0) { this.matched(JWT); total++; next = e; }
        }
      } else if (kind == T_DASH) {
        if (i + 4 < n && load<u8>(p + <usize>(i + 1)) == 0x2d) {
          // A PEM line starts with five dashes; a command-line flag with two.
          if (load<u32>(p + <usize>(i + 1)) == 0x2d2d2d2d) {
            if (unchecked(on[PEM])) {
              this.prepare(PEM);
              const e = pemAt(p, n, i);
              if (e > 0) { this.matched(PEM); total++; next = e; }
            }
          } else if (unchecked(on[SECRET_KV])) {
            this.prepare(SECRET_KV);
            const e = cliFlagAt(p, n, i, this.secretWords, this.ignoreWords);
            if (e > 0) { this.matched(SECRET_KV); total++; next = e; }
          }
        }
      } else if (kind == T_PLUS) {
        if (unchecked(on[PHONE])) {
          this.prepare(PHONE);
          const e = phoneE164At(p, n, i);
          if (e > 0) { this.matched(PHONE); total++; next = e; }
        }
      } else if (kind == T_PAREN) {
        if (unchecked(on[PHONE])) {
          this.prepare(PHONE);
          const e = phoneNationalAt(p, n, i, this.phoneShapes, unchecked(this.broad[PHONE]));
          if (e > 0) { this.matched(PHONE); total++; next = e; }
        }
      } else if (kind == T_PERCENT) {
        // "%40" is a URL-encoded '@'.
        if (unchecked(on[EMAIL]) && i + 2 < n && load<u8>(p + <usize>(i + 1)) == 0x34 && load<u8>(p + <usize>(i + 2)) == 0x30) {
          this.prepare(EMAIL);
          const e = emailAt(p, n, i, 3, unchecked(this.broad[EMAIL]));
          if (e > 0) { this.matched(EMAIL); total++; next = e; }
        }
      } else if (kind == T_UNDERSCORE) {
        if (unchecked(on[SECRET_KV])) {
          this.prepare(SECRET_KV);
          const e = setCommandAt(p, n, i, this.secretWords, this.ignoreWords);
          if (e > 0) { this.matched(SECRET_KV); total++; next = e; }
        }
      }
      i = next;
    }
    return total;
  }

  /**
   * A JSON document whose first '{' or '[' is at `i`: strings get the text detectors (and
   * a secret key's string value is masked whole), numbers the number detectors; structure is
   * never masked. Where the bytes stop being JSON, the rest is scanned as text.
   */
  private scanJson(p: usize, n: i32, i: i32): i32 {
    this.fieldSpan = 0;
    let total = 0;
    let depth = 0;
    let expectKey = false;
    // Whether the innermost open container is an object (so a comma is followed by a key).
    let inObject = false;
    let keyS = -1, keyE = -1;
    const isObject = this.isObject;
    const classes = changetype<usize>(JSON_CLASSES);
    let lastQuote = n - 1;
    while (lastQuote > i && load<u8>(p + <usize>lastQuote) != 0x22) lastQuote--;
    while (i < n) {
      const c = <u32>load<u8>(p + <usize>i);
      const k = <u32>load<u8>(classes + <usize>c);
      if (k == J_QUOTE) {
        const e = stringEnd(p, n, i + 1, lastQuote);
        if (e >= n) break;
        // An escape (STRING_STOP, the highest bit) is no trigger; a mask in such a string needs mending.
        const escapes = stringTriggers >= STRING_STOP;
        let triggers = stringTriggers & (STRING_STOP - 1);
        if (triggers != 0 && e - i - 1 < 9) triggers = shortTriggers(p, i + 1, e, triggers);
        if (expectKey) {
          // A key is text too: an address or a number used as a name is masked (it stays a string).
          if (triggers != 0) total += this.scanString(p, i + 1, e, escapes);
          keyS = i + 1; keyE = e;
          expectKey = false;
        } else {
          if (keyS >= 0 && unchecked(this.enabled[SECRET_KV]) && this.keyMemo.isSecret(p, n, keyS, keyE) && !this.hashedByFieldRule(i + 1)) {
            const vs = afterScheme(p, e, i + 1);
            if (plausibleValue(p, vs, e)) {
              this.prepare(SECRET_KV);
              mask(p, vs, e);
              this.matched(SECRET_KV);
              total++;
            } else if (triggers != 0) total += this.scanString(p, i + 1, e, escapes);
          } else if (triggers != 0) total += this.scanString(p, i + 1, e, escapes);
          keyS = -1;
        }
        i = e + 1;
        continue;
      }
      if (k == J_SKIP) { i++; continue; }
      if (k == J_COMMA) { expectKey = inObject; keyS = -1; i++; continue; }
      if (k == J_OPEN) {
        if (depth >= MAX_JSON_DEPTH) break;
        inObject = c == 0x7b;
        unchecked(isObject[depth] = inObject);
        depth++;
        expectKey = inObject;
        keyS = -1;
        i++;
        continue;
      }
      if (k == J_CLOSE) {
        if (depth == 0) break;
        depth--;
        keyS = -1;
        i++;
        if (depth == 0) break;
        inObject = unchecked(isObject[depth - 1]);
        continue;
      }
      // A number or a literal, up to the next delimiter.
      let e = i;
      while (e < n) {
        const d = <u32>load<u8>(p + <usize>e);
        if (d == 0x2c || d == 0x7d || d == 0x5d || isJsonSpace(d)) break;
        e++;
      }
      // Numbers of fewer than nine characters (counts, ids, amounts) hold nothing to mask.
      if (c == 0x2d || isDigit(c)) { if (e - i >= 9) total += this.scanNumber(p, i, e, keyS, keyE); }
      else if (c != 0x74 && c != 0x66 && c != 0x6e) break; // not JSON: the rest is text
      keyS = -1;
      i = e;
    }
    if (i < n) total += this.scanRange(p, i, n);
    return total;
  }

  /**
   * The text detectors over a JSON string's contents [s, e); then escapes a mask broke are
   * mended (`escapes`: the string holds any; a mask never writes a backslash or a quote).
   */
  private scanString(p: usize, s: i32, e: i32, escapes: bool): i32 {
    if (this.hashedByFieldRule(s)) return 0;
    const k = this.scanRange(p, s, e);
    if (k > 0 && escapes) repairEscapes(p, s, e);
    return k;
  }

  /** Was the string starting at s recorded by a JSON field rule under `hash`? (Spans and walk are both in order.) */
  private hashedByFieldRule(s: i32): bool {
    while (this.fieldSpan < this.fieldSpans && unchecked(spans[this.fieldSpan * 3 + 1]) <= s) this.fieldSpan++;
    return this.fieldSpan < this.fieldSpans && unchecked(spans[this.fieldSpan * 3]) <= s;
  }

  /**
   * A JSON number [s, e): a card, an SSN or a phone number written as digits only (the key
   * before it is context). Masked digits become 0, the first 1, so it stays a valid number.
   */
  private scanNumber(p: usize, s: i32, e: i32, keyS: i32, keyE: i32): i32 {
    const len = e - s;
    if (len < 9 || len > 19) return 0;
    for (let k = s; k < e; k++) if (!isDigit(load<u8>(p + <usize>k))) return 0;
    setInNumber(true);
    setSpanBase(s);
    setContextFloor(s);
    const q = p + <usize>s;
    let found = 0;
    if (unchecked(this.enabled[SSN])) { this.prepare(SSN); if (ssnAt(q, len, 0, unchecked(this.broad[SSN])) > 0) { this.matched(SSN); found = 1; } }
    if (found == 0 && unchecked(this.enabled[CARD])) { this.prepare(CARD); if (cardAt(q, len, 0, unchecked(this.broad[CARD])) > 0) { this.matched(CARD); found = 1; } }
    if (found == 0 && unchecked(this.enabled[PHONE])) { this.prepare(PHONE); if (phoneNationalAt(q, len, 0, this.phoneShapes, unchecked(this.broad[PHONE])) > 0) { this.matched(PHONE); found = 1; } }
    setInNumber(false);
    setSpanBase(0);
    setContextFloor(0);
    if (found > 0 && len > 1 && load<u8>(q) == 0x30) store<u8>(q, 0x31);
    return found;
  }

  /** User rules, each a separate linear-time pass; then `hash` spans are put back in order. */
  private scanRules(p: usize, n: i32): i32 {
    let total = 0;
    const budget = <i64>REGEX_STEPS_PER_BYTE * <i64>(n + 64);
    for (let k = 0; k < this.rules.length; k++) {
      const d = DETECTOR_COUNT + k;
      if (!this.enabled[d]) continue;
      const re = this.rules[k];
      this.prepare(d);
      re.steps = 0;
      let from = 0;
      while (from < n) {
        const m = re.find(p, n, from);
        if (re.steps > budget) { this.overBudget = true; break; }
        if (m < 0) break;
        const s = <i32>(m >>> 32), e = <i32>(m & 0xffffffff);
        mask(p, s, e);
        this.matched(d);
        total++;
        from = e;
      }
    }
    return total;
  }
}

/** Orders `hash` spans by start and drops any that overlap an earlier one (rules run in separate passes). */
function sortSpans(): void {
  const n = spans.length / 3;
  if (n < 2) return;
  for (let i = 1; i < n; i++) {
    const s = spans[i * 3], e = spans[i * 3 + 1], f = spans[i * 3 + 2];
    let j = i - 1;
    while (j >= 0 && spans[j * 3] > s) { spans[(j + 1) * 3] = spans[j * 3]; spans[(j + 1) * 3 + 1] = spans[j * 3 + 1]; spans[(j + 1) * 3 + 2] = spans[j * 3 + 2]; j--; }
    spans[(j + 1) * 3] = s; spans[(j + 1) * 3 + 1] = e; spans[(j + 1) * 3 + 2] = f;
  }
  let kept = 1;
  for (let i = 1; i < n; i++) {
    if (spans[i * 3] < spans[(kept - 1) * 3 + 1]) continue;
    spans[kept * 3] = spans[i * 3]; spans[kept * 3 + 1] = spans[i * 3 + 1]; spans[kept * 3 + 2] = spans[i * 3 + 2];
    kept++;
  }
  spans.length = kept * 3;
}

/** The trigger kinds (bits 1 << kind) in the last string stringEnd passed over, and STRING_STOP when it holds an escape; escaped bytes do not count. */
let stringTriggers: u32 = 0;

/**
 * The closing quote of the JSON string whose contents start at i (n when there is none), one
 * table lookup per byte, noting in stringTriggers which triggers the string holds (most strings
 * have none: no second pass). `last` is the field's last quote: no string ends after it, and the
 * quote there stops the byte loop, which so needs no bounds check. Eight bytes a step (swar.ts)
 * measured slower: the strings of a JSON document are short.
 */
function stringEnd(p: usize, n: i32, i: i32, last: i32): i32 {
  if (i > last) { stringTriggers = 0; return n; }
  const table = changetype<usize>(BITS);
  let e = i;
  let triggers: u32 = 0;
  while (true) {
    const c = <usize>load<u8>(p + <usize>e);
    const b = <u32>load<u16>(table + (c << 1));
    if (b == 0) { e++; continue; }
    if (b & STRING_STOP) {
      if (c == 0x22) break;
      e += 2; // an escape: the next byte is never the end
      triggers |= b; // STRING_STOP among the triggers: the string holds an escape
      if (e > last) { e = n; break; }
      continue;
    }
    triggers |= b;
    e++;
  }
  stringTriggers = triggers;
  return e;
}

/**
 * After masking inside a JSON string [s, e): an escape whose backslash survived but whose
 * next characters were masked (`\*`, `\u0*e9`) is no escape any more, and a quote whose
 * backslash was masked would end the string. Both become '*'.
 */
function repairEscapes(p: usize, s: i32, e: i32): void {
  let k = s;
  while (k < e) {
    const c = <u32>load<u8>(p + <usize>k);
    if (c == 0x22) { store<u8>(p + <usize>k, 0x2a); k++; continue; }
    if (c != 0x5c) { k++; continue; }
    const d = k + 1 < e ? <u32>load<u8>(p + <usize>(k + 1)) : 0;
    if (d == 0x22 || d == 0x5c || d == 0x2f || d == 0x62 || d == 0x66 || d == 0x6e || d == 0x72 || d == 0x74) { k += 2; continue; }
    if (d == 0x75 && k + 5 < e && isHex(load<u8>(p + <usize>(k + 2))) && isHex(load<u8>(p + <usize>(k + 3))) && isHex(load<u8>(p + <usize>(k + 4))) && isHex(load<u8>(p + <usize>(k + 5)))) { k += 6; continue; }
    store<u8>(p + <usize>k, 0x2a);
    k++;
  }
}

@inline function isHex(c: u32): bool { return isDigit(c) || (c | 0x20) - 0x61 < 6; }
