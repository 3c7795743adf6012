// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
// The standard library's decoder replaces bad sequences silently; a plugin that rewrites a
// record must not, so it checks first and leaves invalid input alone.

/** Whether the `n` bytes at `p` are well-formed UTF-8. */
export function isValidUtf8(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c < 0x80) { i++; continue; }
    let need = 0;
    let min: u32 = 0;
    let cp: u32 = 0;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; min = 0x10000; }
    else return false;
    // The sequence's last byte is at i + need.
    if (i + need >= n) return false;
    for (let k = 1; k <= need; k++) {
      const d = <u32>load<u8>(p + <usize>(i + k));
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
