// Secrets known by the name in front of them (the `secret_kv` detector), in the ways text
// writes a name and a value:
//   password=v  password: v  "password": "v"  --password v  set aws_secret_access_key v
//   Authorization: Bearer v  postgres://user:v@host  …;Password=v;…
// The name must contain a secret key word and none of the ignore words (`max_tokens`,
// `token_type`); the value must look like one (not null, true, a masked value or a
// template reference). Only the value is masked. Every function looks a bounded distance
// around its trigger byte, so the scan stays linear.
import { isAlnum, isAlpha, isKeyChar, isSpace, lower, mask, endsEscape } from "./chars";
import { WordSet, ExactWords } from "./words";

/** How far a name is looked for before its '=' or ':'. */
const MAX_KEY = 64;

/** True when the name [ks, ke) is a secret's: a key word in it, no ignore word. */
@inline export function secretKey(p: usize, ks: i32, ke: i32, words: WordSet, ignore: WordSet): bool {
  return words.contains(p, ks, ke) && !ignore.contains(p, ks, ke);
}

/**
 * Where an unquoted value starting at vs ends. Spaces, quotes and commas end it; `;` `&` `}`
 * `<` `>` `)` `]` end it only where they look like syntax around it (before a space, a quote,
 * a comma, the end, more closing brackets, `name=` or `</`), so `p&ss}w;rd<9` stays one value
 * but `…;Database=x` and `…&next=1` do not join it.
 */
export function valueEnd(p: usize, n: i32, vs: i32): i32 {
  let ve = vs;
  while (ve < n) {
    const d = <u32>load<u8>(p + ve);
    if (isSpace(d) || d == 0x22 || d == 0x27 || d == 0x2c) break;
    if ((d == 0x3b || d == 0x26 || d == 0x7d || d == 0x3c || d == 0x3e || d == 0x29 || d == 0x5d) && syntaxAt(p, n, ve)) break;
    ve++;
  }
  return ve;
}

function syntaxAt(p: usize, n: i32, k: i32): bool {
  if (k + 1 >= n) return true;
  const c = <u32>load<u8>(p + k);
  const next = <u32>load<u8>(p + k + 1);
  if (isSpace(next) || next == 0x22 || next == 0x27 || next == 0x2c) return true;
  // A run of closing brackets: `{password=abc}}`.
  if ((c == 0x7d || c == 0x29 || c == 0x5d) && (next == 0x7d || next == 0x29 || next == 0x5d)) return true;
  if (c == 0x3c && next == 0x2f) return true;
  if (c == 0x3b || c == 0x26) {
    // `;Name=` or `&name=`: the next pair starts (names may hold spaces: "User Id=").
    let j = k + 1;
    while (j < n && j - k <= 32 && (isKeyChar(load<u8>(p + j)) || load<u8>(p + j) == 0x20)) j++;
    if (j < n && j > k + 1 && load<u8>(p + j) == 0x3d) return true;
  }
  return false;
}

/** Words that are no secret value: empty settings, flags, and masks already applied. */
const NOT_VALUES = new ExactWords(["null", "none", "nil", "true", "false", "undefined", "redacted", "[redacted]", "<redacted>", "masked", "hidden", "disabled", "enabled", "n/a", "bearer", "basic", "on", "off", "yes", "no"]);

/** Could [vs, ve) be a secret? Not when empty, masked already, a placeholder word or a template reference. */
export function plausibleValue(p: usize, vs: i32, ve: i32): bool {
  if (ve <= vs) return false;
  let stars = 0, xs = 0;
  for (let k = vs; k < ve; k++) {
    const c = <u32>load<u8>(p + k);
    if (c == 0x2a) stars++;
    else if (c == 0x78 || c == 0x58) xs++;
  }
  if (stars == ve - vs || (xs == ve - vs && xs >= 3)) return false;
  if (NOT_VALUES.has(p, vs, ve)) return false;
  if (ve - vs >= 2) {
    const a = <u32>load<u8>(p + vs), b = <u32>load<u8>(p + vs + 1);
    if ((a == 0x24 && (b == 0x7b || b == 0x28)) || (a == 0x7b && b == 0x7b) || (a == 0x25 && b == 0x28)) return false;
  }
  return true;
}

const SCHEMES = new ExactWords(["bearer", "basic", "token", "digest", "bot", "apikey", "negotiate"]);

/** After an HTTP auth scheme word and its spaces at vs (`Bearer abc`), where the credential starts; vs when there is none. */
export function afterScheme(p: usize, n: i32, vs: i32): i32 {
  let e = vs;
  while (e < n && e - vs < 10 && isAlpha(load<u8>(p + e))) e++;
  if (e == vs || e >= n || load<u8>(p + e) != 0x20) return vs;
  if (!SCHEMES.has(p, vs, e)) return vs;
  while (e < n && load<u8>(p + e) == 0x20) e++;
  return e < n && !isSpace(load<u8>(p + e)) ? e : vs;
}

/** Masks the value starting at vs (quoted or not); the end, or -1 when it is no secret value. */
function maskValue(p: usize, n: i32, vs: i32): i32 {
  if (vs >= n) return -1;
  const q = <u32>load<u8>(p + vs);
  let ve: i32;
  if (q == 0x22 || q == 0x27) {
    vs = afterScheme(p, n, vs + 1);
    ve = vs;
    while (ve < n && <u32>load<u8>(p + ve) != q) { if (load<u8>(p + ve) == 0x5c && ve + 1 < n) ve++; ve++; }
    if (ve > n) ve = n;
  } else {
    // A nested structure is no value: its own names are looked at.
    if (q == 0x7b || q == 0x5b) return -1;
    vs = afterScheme(p, n, vs);
    ve = valueEnd(p, n, vs);
  }
  if (!plausibleValue(p, vs, ve)) return -1;
  mask(p, vs, ve);
  return ve;
}

/**
 * A secret at the '=' or ':' at i: name=value, name: value or "name": "value". Only the value
 * is masked.
 */
export function keyValueAt(p: usize, n: i32, i: i32, words: WordSet, ignore: WordSet): i32 {
  let ke = i;
  while (ke > 0 && i - ke < 8 && isSpace(load<u8>(p + ke - 1))) ke--;
  if (ke > 0 && (load<u8>(p + ke - 1) == 0x22 || load<u8>(p + ke - 1) == 0x27)) ke--;
  let ks = ke;
  while (ks > 0 && ke - ks < MAX_KEY && isKeyChar(load<u8>(p + ks - 1)) && !endsEscape(p, ks - 1)) ks--;
  if (!secretKey(p, ks, ke, words, ignore)) return -1;
  // "a=b" inside a URL-encoded or longer word (`==` padding, `:=`) is not a name.
  let vs = i + 1;
  while (vs < n && vs - i < 8 && (load<u8>(p + vs) == 0x20 || load<u8>(p + vs) == 0x09)) vs++;
  return maskValue(p, n, vs);
}

/** `--name value` at the '-' at i (a command-line flag; `--name=value` is keyValueAt's). */
export function cliFlagAt(p: usize, n: i32, i: i32, words: WordSet, ignore: WordSet): i32 {
  if (i + 3 >= n || load<u8>(p + i + 1) != 0x2d || !isAlnum(load<u8>(p + i + 2))) return -1;
  if (i > 0 && !isSpace(load<u8>(p + i - 1)) && !endsEscape(p, i - 1)) return -1;
  const ks = i + 2;
  let ke = ks;
  while (ke < n && ke - ks < MAX_KEY && isKeyChar(load<u8>(p + ke))) ke++;
  if (ke + 1 >= n || load<u8>(p + ke) != 0x20 || !secretKey(p, ks, ke, words, ignore)) return -1;
  const vs = ke + 1;
  if (load<u8>(p + vs) == 0x2d) return -1; // the next flag: this one takes no value
  return maskValue(p, n, vs);
}

/**
 * `set name value` around the '_' at i, inside the name (`aws configure set
 * aws_secret_access_key …`): a command that sets a secret setting.
 */
export function setCommandAt(p: usize, n: i32, i: i32, words: WordSet, ignore: WordSet): i32 {
  let ks = i;
  while (ks > 0 && i - ks < MAX_KEY && isKeyChar(load<u8>(p + ks - 1)) && !endsEscape(p, ks - 1)) ks--;
  if (ks < 4 || load<u8>(p + ks - 1) != 0x20 || lower(load<u8>(p + ks - 2)) != 0x74 || lower(load<u8>(p + ks - 3)) != 0x65 || lower(load<u8>(p + ks - 4)) != 0x73) return -1;
  if (ks > 4 && isAlnum(load<u8>(p + ks - 5))) return -1;
  let ke = i;
  while (ke < n && ke - ks < MAX_KEY && isKeyChar(load<u8>(p + ke))) ke++;
  if (ke + 1 >= n || load<u8>(p + ke) != 0x20 || !secretKey(p, ks, ke, words, ignore)) return -1;
  return maskValue(p, n, ke + 1);
}

/** The password of `scheme://user:password@host` at the ':' at i; the '@' is passed over too. */
export function urlUserinfoAt(p: usize, n: i32, i: i32): i32 {
  let us = i;
  while (us > 0 && i - us < MAX_KEY && (isAlnum(load<u8>(p + us - 1)) || load<u8>(p + us - 1) == 0x2e || load<u8>(p + us - 1) == 0x5f || load<u8>(p + us - 1) == 0x2d || load<u8>(p + us - 1) == 0x25)) us--;
  if (us < 3 || load<u8>(p + us - 1) != 0x2f || load<u8>(p + us - 2) != 0x2f || load<u8>(p + us - 3) != 0x3a) return -1;
  let e = i + 1;
  while (e < n && e - i < 128) {
    const c = <u32>load<u8>(p + e);
    if (c == 0x40 || c == 0x2f || c == 0x3f || c == 0x23 || isSpace(c) || c == 0x22 || c == 0x27) break;
    e++;
  }
  if (e >= n || load<u8>(p + e) != 0x40 || e == i + 1) return -1;
  if (!plausibleValue(p, i + 1, e)) return -1;
  mask(p, i + 1, e);
  return e + 1;
}
