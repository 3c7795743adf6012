// Topic globs: `*` matches any run of characters (dots included), `?` exactly one; anything
// else matches itself. The matcher remembers only the last `*`, so it runs in
// O(pattern × name) at worst and never recurses.

export function globMatch(pattern: string, name: string): bool {
  let p = 0, n = 0;
  let star = -1, resume = 0;
  while (n < name.length) {
    if (p < pattern.length) {
      const c = pattern.charCodeAt(p);
      if (c == 0x2a) { star = p++; resume = n; continue; }
      if (c == 0x3f || c == name.charCodeAt(n)) { p++; n++; continue; }
    }
    if (star < 0) return false;
    // Let the last star take one more character and try again from there.
    p = star + 1;
    n = ++resume;
  }
  while (p < pattern.length && pattern.charCodeAt(p) == 0x2a) p++;
  return p == pattern.length;
}
