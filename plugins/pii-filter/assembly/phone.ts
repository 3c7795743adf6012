// Phone numbers. E.164 (`+` and a country code) is unambiguous; national numbers are read as
// groups of digits and judged by their shape:
//   North American      555-234-5678  (555) 234-5678  555.234.5678  1-555-234-5678
//   trunk 0             020 7946 0958  07700 900123  0612345678  (030) 12345678  030/12345678
//                       015112345678 (10-12 digits solid)
//                       06.12.34.56.78  06-12345678  090-1234-5678
//   Brazil              (11) 91234-5678  (21) 2345-6789
//   without a trunk 0   612 34 56 78 (es)  912 345 678 (es, pl)  347 123 4567 (it)
//                       98765 43210 (in)  138 0013 8000 (cn)  and plain runs of 9–11 digits
// The last group looks like many other numbers (amounts, ids, counts), so with `strict`
// confidence (the default) it counts only after a phone word (`phone`, `tel`, `mobile`,
// `Handy`, …) shortly before it, or under such a JSON key. `phone_locales` turns shapes on
// and off by country. Dates, times, versions and addresses have none of these shapes.
import { isAlnum, isDigit, maskDigits, gluedBefore } from "./chars";
import { WordSet, PHONE_CONTEXT } from "./words";
import { contextBefore } from "./context";

/** Families of national formats, as bits of Scanner.phoneShapes. */
export const SHAPE_NANP: u32 = 1, SHAPE_TRUNK0: u32 = 2, SHAPE_BR: u32 = 4, SHAPE_ES_PL: u32 = 8, SHAPE_IT: u32 = 16, SHAPE_IN: u32 = 32, SHAPE_CN: u32 = 64, SHAPE_SOLID: u32 = 128;
export const ALL_SHAPES: u32 = 255;

/** The country codes `phone_locales` accepts, and the shapes each turns on. */
export const PHONE_LOCALES = ["us", "ca", "gb", "ie", "de", "at", "ch", "fr", "be", "nl", "it", "es", "pl", "br", "jp", "au", "in", "cn"];
export function shapesOf(locale: string): u32 {
  if (locale == "us" || locale == "ca") return SHAPE_NANP | SHAPE_SOLID;
  if (locale == "br") return SHAPE_BR;
  if (locale == "es" || locale == "pl") return SHAPE_ES_PL | SHAPE_SOLID;
  if (locale == "it") return SHAPE_IT | SHAPE_TRUNK0 | SHAPE_SOLID;
  if (locale == "in") return SHAPE_IN | SHAPE_SOLID;
  if (locale == "cn") return SHAPE_CN | SHAPE_SOLID;
  return PHONE_LOCALES.includes(locale) ? SHAPE_TRUNK0 : 0;
}

const phoneWords = new WordSet(PHONE_CONTEXT);

/** True when the byte before `i` does not continue a word or number. */
@inline function startsWord(p: usize, i: i32): bool { return !gluedBefore(p, i); }
/** True when the byte at `e` does not continue a word or number. */
@inline function endsWord(p: usize, n: i32, e: i32): bool { return e >= n || !isAlnum(load<u8>(p + e)); }

/**
 * A phone number in E.164 form at the '+' at i: "+" and 8-15 digits, in groups split by single
 * spaces, dashes, dots or slashes, one of which may be parenthesised ("+1 (555) 123-4567",
 * "+44 (0)20 7946 0958": a trunk 0 in parentheses is not counted).
 */
export function phoneE164At(p: usize, n: i32, i: i32): i32 {
  if (i + 1 >= n || load<u8>(p + i + 1) == 0x30 || !isDigit(load<u8>(p + i + 1))) return -1;
  if (gluedBefore(p, i) || (i > 0 && load<u8>(p + i - 1) == 0x2b)) return -1;
  let e = i + 1;
  let digits = 0;
  let lastDigitEnd = e;
  let parens = 0;
  while (e < n) {
    const c = <u32>load<u8>(p + e);
    if (isDigit(c)) { digits++; e++; lastDigitEnd = e; if (digits > 16) return -1; continue; }
    // One separator (or "(" / ") ") between groups, never two in a row.
    if (c == 0x20 || c == 0x2d || c == 0x2e || c == 0x2f) {
      if (e + 1 < n && isDigit(load<u8>(p + e + 1))) { e++; continue; }
      if (c == 0x20 && e + 1 < n && load<u8>(p + e + 1) == 0x28 && parens == 0) { e++; continue; }
      break;
    }
    if (c == 0x28 && parens == 0 && e + 1 < n && isDigit(load<u8>(p + e + 1))) {
      // "(0)" after the country code is the trunk prefix, written for national callers.
      if (e + 2 < n && load<u8>(p + e + 1) == 0x30 && load<u8>(p + e + 2) == 0x29) { digits--; }
      parens = 1; e++; continue;
    }
    if (c == 0x29 && parens == 1) { parens = 2; e++; if (e < n && load<u8>(p + e) == 0x20) e++; continue; }
    break;
  }
  if (parens == 1 || digits < 8 || digits > 15 || !endsWord(p, n, lastDigitEnd)) return -1;
  maskDigits(p, i, lastDigitEnd);
  return lastDigitEnd;
}

const MAX_GROUPS = 8;
const groupLen = new StaticArray<i32>(MAX_GROUPS);
const groupSep = new StaticArray<u32>(MAX_GROUPS);

/**
 * A national phone number at the digit (or '(') at i, in one of the `shapes` families;
 * `broad` accepts the ambiguous shapes without a phone word before them. Returns the end, or
 * -1; `-2 - end` when the digits run on past any phone number (the caller may skip them).
 */
export function phoneNationalAt(p: usize, n: i32, i: i32, shapes: u32, broad: bool): i32 {
  if (!startsWord(p, i)) return -1;
  // Not the tail of a longer sequence of groups ("555-123-45-6789", "2024-01-15 10:30").
  if (i >= 2) {
    const b = <u32>load<u8>(p + i - 1);
    if ((b == 0x2d || b == 0x2e || b == 0x2f || b == 0x3a) && isDigit(load<u8>(p + i - 2))) return -1;
  }
  let e = i;
  let paren = false;
  let groups = 0;
  let digits = 0;
  if (load<u8>(p + i) == 0x28) {
    let k = i + 1;
    while (k < n && k - i <= 6 && isDigit(load<u8>(p + k))) k++;
    const len = k - i - 1;
    if (len < 2 || len > 5 || k >= n || load<u8>(p + k) != 0x29) return -1;
    paren = true;
    groupLen[0] = len; groupSep[0] = 0x29;
    groups = 1; digits = len;
    e = k + 1;
    if (e < n && load<u8>(p + e) == 0x20) e++;
    if (e >= n || !isDigit(load<u8>(p + e))) return -1;
  }
  let lastDigitEnd = e;
  while (e < n) {
    let k = e;
    while (k < n && isDigit(load<u8>(p + k))) k++;
    if (k == e) break;
    if (groups >= MAX_GROUPS || digits + (k - e) > 15) return -2 - k;
    groupLen[groups] = k - e;
    groupSep[groups] = 0;
    digits += k - e;
    groups++;
    lastDigitEnd = k;
    e = k;
    // One separator: space, dash, dot or slash (" / " too), then more digits.
    if (e + 1 < n) {
      const c = <u32>load<u8>(p + e);
      if ((c == 0x20 || c == 0x2d || c == 0x2e || c == 0x2f) && isDigit(load<u8>(p + e + 1))) { groupSep[groups - 1] = c; e++; continue; }
      if (c == 0x20 && e + 3 < n && load<u8>(p + e + 1) == 0x2f && load<u8>(p + e + 2) == 0x20 && isDigit(load<u8>(p + e + 3))) { groupSep[groups - 1] = 0x2f; e += 3; continue; }
    }
    break;
  }
  if (!endsWord(p, n, lastDigitEnd)) return -1;
  // A further ".5" or ":30" makes it a decimal, a version or a time.
  if (lastDigitEnd + 1 < n) {
    const c = <u32>load<u8>(p + lastDigitEnd);
    if ((c == 0x2e || c == 0x3a || c == 0x2c) && isDigit(load<u8>(p + lastDigitEnd + 1))) return -1;
  }
  const kind = classify(p, i, paren, groups, digits, shapes);
  if (kind == 0) return -1;
  if (kind == 2 && !broad && !contextBefore(p, i, phoneWords)) return -1;
  maskDigits(p, i, lastDigitEnd);
  return lastDigitEnd;
}

/** 0: no phone number; 1: a phone number; 2: a phone number if a phone word comes before it. */
function classify(p: usize, i: i32, paren: bool, groups: i32, digits: i32, shapes: u32): i32 {
  const at = paren ? i + 1 : i;
  const g0 = groupLen[0];
  const f0 = <i32>load<u8>(p + at) - 0x30, f1 = g0 >= 2 ? <i32>load<u8>(p + at + 1) - 0x30 : -1;
  // Separators: dots only between equal groups, never mixed with others.
  let dots = 0, others = 0;
  for (let g = 0; g < groups - 1; g++) { if (groupSep[g] == 0x2e) dots++; else others++; }
  if (dots > 0 && others > 0) return 0;
  // North American: 3-3-4 (or 1-3-3-4), area and exchange codes from 2.
  if (shapes & SHAPE_NANP) {
    if (groups == 3 && g0 == 3 && groupLen[1] == 3 && groupLen[2] == 4 && f0 >= 2 && exchangeOk(p, i, paren) && sameSeparators(groups, paren)) return 1;
    if (groups == 4 && g0 == 1 && f0 == 1 && groupLen[1] == 3 && groupLen[2] == 3 && groupLen[3] == 4 && !paren && sameSeparators(groups, false)) return 1;
  }
  if (f0 == 0) {
    if (!(shapes & SHAPE_TRUNK0) || f1 == 0) return 0;
    if (groups == 1) return digits >= 10 && digits <= 12 ? 1 : 0;
    if (g0 < 2 || g0 > 5 || digits < 9 || digits > 12) return 0;
    // 09825-6382 is a ZIP+4 code.
    if (groups == 2 && g0 == 5 && groupLen[1] == 4 && groupSep[0] == 0x2d) return 0;
    if (dots > 0) { for (let g = 0; g < groups; g++) if (groupLen[g] != 2) return 0; }
    return 1;
  }
  if (paren && g0 == 2 && groups == 3 && (shapes & SHAPE_BR) && (groupLen[1] == 4 || groupLen[1] == 5) && groupLen[2] == 4 && groupSep[1] == 0x2d) return 1;
  if (paren || dots > 0) return 0;
  // The ambiguous shapes: a phone word must say so (unless broad).
  if (groups == 1) return (shapes & SHAPE_SOLID) && digits >= 9 && digits <= 11 ? 2 : 0;
  if (shapes & SHAPE_ES_PL) {
    if (digits == 9 && groups == 4 && g0 == 3 && groupLen[1] == 2 && groupLen[2] == 2 && groupLen[3] == 2) return 2;
    if (digits == 9 && groups == 3 && g0 == 3 && groupLen[1] == 3) return 2;
  }
  if ((shapes & SHAPE_IT) && f0 == 3 && groups == 3 && g0 == 3 && groupLen[1] == 3 && groupLen[2] >= 3 && groupLen[2] <= 4) return 2;
  if ((shapes & SHAPE_IN) && f0 >= 6 && groups == 2 && g0 == 5 && groupLen[1] == 5) return 2;
  if ((shapes & SHAPE_CN) && f0 == 1 && groups == 3 && g0 == 3 && groupLen[1] == 4 && groupLen[2] == 4) return 2;
  return 0;
}

/** The exchange code (the second group) starts from 2. */
function exchangeOk(p: usize, i: i32, paren: bool): bool {
  // The second group starts after the first group and one separator (or ") ").
  let k = i;
  if (paren) { k = i + 5; if (load<u8>(p + k) == 0x20) k++; }
  else { k = i + 4; }
  return <i32>load<u8>(p + k) >= 0x32;
}

/** All separators the same (after a parenthesised area code, a dash or a space may follow). */
function sameSeparators(groups: i32, paren: bool): bool {
  const from = paren ? 1 : 0;
  for (let g = from + 1; g < groups - 1; g++) if (groupSep[g] != groupSep[from]) return false;
  return true;
}
