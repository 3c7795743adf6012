// One pass over the bytes for every detector. A 256-entry table says which bytes can
// start (or anchor) a match; everything else costs one load and one compare. At a
// trigger byte the detectors anchored there run, mask what they find, and say where
// the scan resumes. The scan only moves forward, so it is linear in the input.
import { isAlnum, isDigit, isUpper, setKeepTail, setRecordOnly, spans, mask } from "./chars";
import { Regex } from "./regex";
import { JsonFields } from "./json_fields";
import { emailAt, cardAt, ssnAt, awsKeyIdAt, jwtAt, pemAt, keyValueAt, phoneE164At, phoneNationalAt, ibanAt, SecretWords } from "./anchored";

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

const T_AT: u8 = 1, T_ASSIGN: u8 = 2, T_DIGIT: u8 = 3, T_A: u8 = 4, T_E: u8 = 5, T_DASH: u8 = 6, T_PLUS: u8 = 7, T_PAREN: u8 = 8;

function buildTable(): StaticArray<u8> {
  const t = new StaticArray<u8>(256);
  t[0x40] = T_AT;
  t[0x3d] = T_ASSIGN;
  t[0x3a] = T_ASSIGN;
  for (let c = 0x30; c <= 0x39; c++) t[c] = T_DIGIT;
  t[0x41] = T_A;
  t[0x65] = T_E;
  t[0x2d] = T_DASH;
  t[0x2b] = T_PLUS;
  t[0x28] = T_PAREN;
  return t;
}
const TABLE = buildTable();

export class Scanner {
  /** Matches per detector since the last reset, indexed like DETECTOR_NAMES. */
  readonly found: StaticArray<i32>;
  /** Set when a detector whose action is `reject` matched since the last reset; its index. */
  rejectedBy: i32 = -1;
  /** Set when a detector whose action is `drop` matched; the caller clears it per record. */
  dropRecord: bool = false;
  private readonly secretWords: SecretWords;
  /** Per detector: its action, and for `partial` how many characters stay visible. */
  readonly actions: StaticArray<i32>;
  partialKeep: i32 = 4;
  /** Set when a user rule exceeded its work budget on a field: the caller must not trust the scan. */
  overBudget: bool = false;

  /**
   * `enabled` has one entry per detector: the built-ins, then one per user rule in `rules`.
   */
  constructor(readonly enabled: StaticArray<bool>, words: Array<string>, readonly rules: Array<Regex> = [], readonly jsonFields: JsonFields | null = null) {
    this.secretWords = new SecretWords(words);
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
    const table = changetype<usize>(TABLE);
    const on = this.enabled;
    let total = 0;
    const json = this.jsonFields;
    // JSON field rules first: what they mask, the detectors below no longer see.
    if (json != null && unchecked(on[JSON_FIELD])) {
      this.prepare(JSON_FIELD);
      const k = json.scan(p, n);
      for (let m = 0; m < k; m++) this.matched(JSON_FIELD);
      total += k;
    }
    let i = 0;
    while (i < n) {
      const kind = load<u8>(table + <usize>load<u8>(p + <usize>i));
      if (kind == 0) { i++; continue; }
      let next = i + 1;
      if (kind == T_ASSIGN) {
        if (unchecked(on[SECRET_KV])) {
          this.prepare(SECRET_KV);
          const e = keyValueAt(p, n, i, this.secretWords);
          if (e > 0) { this.matched(SECRET_KV); total++; next = e; }
        }
      } else if (kind == T_AT) {
        if (unchecked(on[EMAIL])) {
          this.prepare(EMAIL);
          const e = emailAt(p, n, i);
          if (e > 0) { this.matched(EMAIL); total++; next = e; }
        }
      } else if (kind == T_DIGIT) {
        // Only a digit that starts a number (not glued to a letter or digit before it).
        if (i == 0 || !isAlnum(load<u8>(p + <usize>(i - 1)))) {
          // The run of digits first: a short run not followed by a space, dash or dot cannot
          // begin an SSN, card or phone number (each needs 13+ digits or a separator there),
          // which settles most numbers (counts, ids, JSON values) without a call.
          let run = i + 1;
          while (run < n && isDigit(load<u8>(p + <usize>run))) run++;
          if (run - i < 13) {
            const after = run < n ? <u32>load<u8>(p + <usize>run) : 0;
            if (after != 0x20 && after != 0x2d && after != 0x2e) { i = run; continue; }
          }
          let e = -1;
          if (unchecked(on[SSN])) { this.prepare(SSN); e = ssnAt(p, n, i); if (e > 0) { this.matched(SSN); total++; } }
          if (e < 0 && unchecked(on[CARD])) { this.prepare(CARD); e = cardAt(p, n, i); if (e > 0) { this.matched(CARD); total++; } }
          if (e < 0 && unchecked(on[PHONE])) { this.prepare(PHONE); e = phoneNationalAt(p, n, i); if (e > 0) { this.matched(PHONE); total++; } }
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
      } else if (kind == T_E) {
        // 'e' is common in text; a JWT needs "eyJ".
        if (unchecked(on[JWT]) && i + 2 < n && load<u8>(p + <usize>(i + 1)) == 0x79 && load<u8>(p + <usize>(i + 2)) == 0x4a) {
          this.prepare(JWT);
          const e = jwtAt(p, n, i);
          if (e > 0) { this.matched(JWT); total++; next = e; }
        }
      } else if (kind == T_DASH) {
        // A PEM line starts with five dashes.
        if (unchecked(on[PEM]) && i + 4 < n && load<u32>(p + <usize>(i + 1)) == 0x2d2d2d2d) {
          this.prepare(PEM);
          const e = pemAt(p, n, i);
          if (e > 0) { this.matched(PEM); total++; next = e; }
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
          const e = phoneNationalAt(p, n, i);
          if (e > 0) { this.matched(PHONE); total++; next = e; }
        }
      }
      i = next;
    }
    if (this.rules.length > 0) total += this.scanRules(p, n);
    if (spans.length > 3 && (json != null || this.rules.length > 0)) sortSpans();
    return total;
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
