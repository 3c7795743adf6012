// A small regular-expression engine that never backtracks, for patterns from plugin configuration.
//
// A pattern compiles to a Thompson NFA program; a search runs every thread of it in lock
// step over the input (a Pike VM), so one search costs O(input × program) whatever the
// pattern: no catastrophic backtracking. Matches are leftmost-longest and do not overlap.
// Literal lists compile to an alternation of escaped literals.
//
// The subset (bytes, not Unicode code points; classes are ASCII):
//   literal bytes, `.` (any byte but \n), `[abc]`, `[a-z0-9_]`, `[^...]`,
//   `\d \w \s \D \W \S`, escapes `\. \\ \- \[ \] \( \) \{ \} \* \+ \? \| \^ \$ \/ \t \n \r`,
//   `(...)`, `(?:...)`, `a|b`, `* + ?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 100),
//   `^` and `$` (start and end of the field), `\b` and `\B` (ASCII word boundary).
// Not supported (rejected at configure time): backreferences, lookaround, lazy
// quantifiers, possessive quantifiers, named groups, Unicode classes.

const OP_BYTE: u8 = 0, OP_CLASS: u8 = 1, OP_SPLIT: u8 = 2, OP_JMP: u8 = 3, OP_MATCH: u8 = 4,
  OP_BEGIN: u8 = 5, OP_END: u8 = 6, OP_WORDB: u8 = 7, OP_NOT_WORDB: u8 = 8;

/** Largest program a pattern may compile to (instructions). */
export const MAX_PROGRAM = 20000;
const MAX_REPEAT = 100;

const N_LITERAL = 0, N_CLASS = 1, N_CONCAT = 2, N_ALT = 3, N_REPEAT = 4, N_ASSERT = 5, N_EMPTY = 6;

class Node {
  kind: i32 = N_EMPTY;
  /** N_LITERAL: the byte; N_CLASS: the class index; N_ASSERT: the op. */
  value: i32 = 0;
  min: i32 = 0;
  max: i32 = 0; // -1: unbounded
  children: Array<Node> = [];
}

/** \d \w \s \D \W \S (the letter after the backslash). */
@inline function isShorthand(e: i32): bool { const l = e | 0x20; return l == 0x64 || l == 0x77 || l == 0x73; }

@inline function isWordByte(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

/** A compiled pattern. `error` is non-empty when the pattern is invalid or unsupported. */
export class Regex {
  error: string = "";
  private readonly ops: Array<u8> = [];
  private readonly args: Array<i32> = [];
  private readonly args2: Array<i32> = [];
  /** 256-bit sets, 8 words each. */
  private readonly classes: Array<u32> = [];
  /** Bytes that can begin a match (at an empty thread list, others are skipped quickly). */
  private readonly first: StaticArray<bool> = new StaticArray<bool>(256);
  /** True when a match can begin without consuming a byte at any position (then no skipping). */
  private firstAny: bool = false;
  // Parser state.
  private src: Array<i32> = [];
  private pos: i32 = 0;
  private ignoreCase: bool = false;
  // Search state: two thread lists (sparse sets keyed by pc) and a work stack.
  private cpc: StaticArray<i32> = new StaticArray<i32>(0);
  private cstart: StaticArray<i32> = new StaticArray<i32>(0);
  private npc: StaticArray<i32> = new StaticArray<i32>(0);
  private nstart: StaticArray<i32> = new StaticArray<i32>(0);
  private mark: StaticArray<i32> = new StaticArray<i32>(0);
  private stack: StaticArray<i32> = new StaticArray<i32>(0);
  private generation: i32 = 0;
  /** Steps the last search took (threads advanced), for the per-field work budget. */
  steps: i64 = 0;

  /** Compiles `pattern` (a regular expression in the subset above). */
  static compile(pattern: string, ignoreCase: bool): Regex {
    const re = new Regex();
    re.ignoreCase = ignoreCase;
    const bytes = String.UTF8.encode(pattern);
    for (let i = 0; i < bytes.byteLength; i++) re.src.push(<i32>load<u8>(changetype<usize>(bytes) + <usize>i));
    if (re.src.length == 0) { re.error = "empty pattern"; return re; }
    const ast = re.parseAlt();
    if (re.error.length == 0 && re.pos < re.src.length) re.fail(re.src[re.pos] == 0x29 ? "unbalanced )" : "unexpected character");
    if (re.error.length == 0) re.finish(ast);
    return re;
  }

  /** Compiles a list of literal strings into one alternation, optionally bounded by word edges. */
  static literals(words: Array<string>, ignoreCase: bool, wholeWords: bool): Regex {
    const re = new Regex();
    re.ignoreCase = ignoreCase;
    const alt = new Node();
    alt.kind = N_ALT;
    for (let w = 0; w < words.length; w++) {
      const seq = new Node();
      seq.kind = N_CONCAT;
      if (wholeWords) seq.children.push(re.assertNode(OP_WORDB));
      const b = String.UTF8.encode(words[w]);
      for (let i = 0; i < b.byteLength; i++) seq.children.push(re.byteNode(<i32>load<u8>(changetype<usize>(b) + <usize>i)));
      if (wholeWords) seq.children.push(re.assertNode(OP_WORDB));
      alt.children.push(seq);
    }
    re.finish(alt);
    return re;
  }

  private finish(ast: Node): void {
    this.emit(ast);
    this.op(OP_MATCH, 0, 0);
    if (this.error.length == 0 && this.ops.length > MAX_PROGRAM) this.error = "pattern too large (over " + MAX_PROGRAM.toString() + " instructions once repetitions are expanded)";
    if (this.error.length > 0) return;
    const n = this.ops.length;
    this.cpc = new StaticArray<i32>(n);
    this.cstart = new StaticArray<i32>(n);
    this.npc = new StaticArray<i32>(n);
    this.nstart = new StaticArray<i32>(n);
    this.mark = new StaticArray<i32>(n);
    this.stack = new StaticArray<i32>(n * 2 + 2);
    this.computeFirst();
  }

  private fail(why: string): void {
    if (this.error.length == 0) this.error = why + " at offset " + this.pos.toString();
  }

  // ---- Parser: alternation > concatenation > repetition > atom ----

  private parseAlt(): Node {
    const first = this.parseConcat();
    if (this.pos >= this.src.length || this.src[this.pos] != 0x7c) return first;
    const alt = new Node();
    alt.kind = N_ALT;
    alt.children.push(first);
    while (this.error.length == 0 && this.pos < this.src.length && this.src[this.pos] == 0x7c) {
      this.pos++;
      alt.children.push(this.parseConcat());
    }
    return alt;
  }

  private parseConcat(): Node {
    const seq = new Node();
    seq.kind = N_CONCAT;
    while (this.error.length == 0 && this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c == 0x7c || c == 0x29) break;
      const atom = this.parseAtom();
      seq.children.push(this.parseRepeat(atom));
    }
    return seq;
  }

  private parseRepeat(atom: Node): Node {
    while (this.error.length == 0 && this.pos < this.src.length) {
      const c = this.src[this.pos];
      let min = -1, max = -1;
      if (c == 0x2a) { min = 0; max = -1; this.pos++; }
      else if (c == 0x2b) { min = 1; max = -1; this.pos++; }
      else if (c == 0x3f) { min = 0; max = 1; this.pos++; }
      else if (c == 0x7b) {
        const save = this.pos;
        this.pos++;
        const lo = this.number();
        if (lo < 0) { this.pos = save; this.fail("expected a number after {"); return atom; }
        let hi = lo;
        if (this.pos < this.src.length && this.src[this.pos] == 0x2c) {
          this.pos++;
          hi = this.pos < this.src.length && this.src[this.pos] == 0x7d ? -1 : this.number();
          if (hi == -2) { this.fail("expected a number or } after ,"); return atom; }
        }
        if (this.pos >= this.src.length || this.src[this.pos] != 0x7d) { this.fail("expected }"); return atom; }
        this.pos++;
        if (lo > MAX_REPEAT || hi > MAX_REPEAT) { this.fail("repetition count over " + MAX_REPEAT.toString()); return atom; }
        if (hi >= 0 && hi < lo) { this.fail("{n,m} with m < n"); return atom; }
        min = lo; max = hi;
      } else break;
      if (this.pos < this.src.length && (this.src[this.pos] == 0x3f || this.src[this.pos] == 0x2b)) { this.fail("lazy and possessive quantifiers are not supported"); return atom; }
      if (atom.kind == N_ASSERT) { this.fail("nothing to repeat"); return atom; }
      const r = new Node();
      r.kind = N_REPEAT;
      r.min = min;
      r.max = max;
      r.children.push(atom);
      atom = r;
    }
    return atom;
  }

  /** A decimal number (-1 when none, -2 past 9999). */
  private number(): i32 {
    let v = 0, digits = 0;
    while (this.pos < this.src.length && this.src[this.pos] >= 0x30 && this.src[this.pos] <= 0x39) {
      v = v * 10 + this.src[this.pos] - 0x30;
      this.pos++;
      if (++digits > 4) return -2;
    }
    return digits == 0 ? -1 : v;
  }

  private parseAtom(): Node {
    const c = this.src[this.pos++];
    if (c == 0x28) {
      if (this.pos < this.src.length && this.src[this.pos] == 0x3f) {
        if (this.pos + 1 < this.src.length && this.src[this.pos + 1] == 0x3a) this.pos += 2;
        else { this.fail("lookaround and named groups are not supported"); return new Node(); }
      }
      const inner = this.parseAlt();
      if (this.pos >= this.src.length || this.src[this.pos] != 0x29) { this.fail("missing )"); return inner; }
      this.pos++;
      return inner;
    }
    if (c == 0x5b) return this.parseClass();
    if (c == 0x2e) { const set = this.newClass(); for (let b = 0; b < 256; b++) if (b != 0x0a) this.addToClass(set, b); return this.classNode(set); }
    if (c == 0x5e) return this.assertNode(OP_BEGIN);
    if (c == 0x24) return this.assertNode(OP_END);
    if (c == 0x2a || c == 0x2b || c == 0x3f || c == 0x7b) { this.pos--; this.fail("nothing to repeat"); this.pos++; return new Node(); }
    if (c == 0x5c) {
      if (this.pos >= this.src.length) { this.fail("trailing \\"); return new Node(); }
      const e = this.src[this.pos++];
      if (e == 0x62) return this.assertNode(OP_WORDB);
      if (e == 0x42) return this.assertNode(OP_NOT_WORDB);
      if (isShorthand(e)) { const set = this.newClass(); this.shorthand(e, set); return this.classNode(set); }
      const lit = this.escaped(e);
      if (lit < 0) { this.pos--; this.fail("unsupported escape \\" + String.fromCharCode(e)); return new Node(); }
      return this.byteNode(lit);
    }
    return this.byteNode(c);
  }

  /** The byte an escape stands for, or -1. */
  private escaped(e: i32): i32 {
    if (e == 0x74) return 0x09;
    if (e == 0x6e) return 0x0a;
    if (e == 0x72) return 0x0d;
    // Escaped punctuation stands for itself.
    if ((e >= 0x21 && e <= 0x2f) || (e >= 0x3a && e <= 0x40) || (e >= 0x5b && e <= 0x60) || (e >= 0x7b && e <= 0x7e)) return e;
    return -1;
  }

  /** \d \w \s and their negations into `set`; false when `e` is not one. */
  private shorthand(e: i32, set: i32): bool {
    if (!isShorthand(e)) return false;
    const lowerE = e | 0x20;
    const negate = e < 0x61;
    for (let b = 0; b < 256; b++) {
      let in_ = false;
      if (lowerE == 0x64) in_ = b >= 0x30 && b <= 0x39;
      else if (lowerE == 0x77) in_ = isWordByte(b);
      else in_ = b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d || b == 0x0b || b == 0x0c;
      if (in_ != negate) this.addToClass(set, b);
    }
    return true;
  }

  private parseClass(): Node {
    const set = this.newClass();
    let negate = false;
    if (this.pos < this.src.length && this.src[this.pos] == 0x5e) { negate = true; this.pos++; }
    const members = this.newClass();
    let first = true;
    while (true) {
      if (this.pos >= this.src.length) { this.fail("missing ]"); return new Node(); }
      let c = this.src[this.pos++];
      if (c == 0x5d && !first) break;
      first = false;
      if (c == 0x5c) {
        if (this.pos >= this.src.length) { this.fail("trailing \\"); return new Node(); }
        const e = this.src[this.pos++];
        if (this.shorthand(e, members)) continue;
        c = this.escaped(e);
        if (c < 0) { this.pos--; this.fail("unsupported escape in class"); return new Node(); }
      }
      let hi = c;
      if (this.pos + 1 < this.src.length && this.src[this.pos] == 0x2d && this.src[this.pos + 1] != 0x5d) {
        this.pos++;
        hi = this.src[this.pos++];
        if (hi == 0x5c) {
          if (this.pos >= this.src.length) { this.fail("trailing \\"); return new Node(); }
          hi = this.escaped(this.src[this.pos++]);
          if (hi < 0) { this.fail("unsupported escape in class"); return new Node(); }
        }
        if (hi < c) { this.fail("range out of order"); return new Node(); }
      }
      for (let b = c; b <= hi; b++) this.addToClass(members, b);
    }
    for (let b = 0; b < 256; b++) if (this.inClass(members, b) != negate) this.addToClass(set, b);
    return this.classNode(set);
  }

  private newClass(): i32 {
    const at = this.classes.length >> 3;
    for (let i = 0; i < 8; i++) this.classes.push(0);
    return at;
  }
  private addToClass(set: i32, b: i32): void {
    this.classes[(set << 3) + (b >> 5)] |= 1 << (b & 31);
    if (this.ignoreCase && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) {
      const o = b ^ 0x20;
      this.classes[(set << 3) + (o >> 5)] |= 1 << (o & 31);
    }
  }
  @inline private inClass(set: i32, b: i32): bool {
    return (unchecked(this.classes[(set << 3) + (b >> 5)]) & (1 << (b & 31))) != 0;
  }

  private byteNode(b: i32): Node {
    if (this.ignoreCase && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) {
      const set = this.newClass();
      this.addToClass(set, b);
      return this.classNode(set);
    }
    const n = new Node();
    n.kind = N_LITERAL;
    n.value = b;
    return n;
  }
  private classNode(set: i32): Node { const n = new Node(); n.kind = N_CLASS; n.value = set; return n; }
  private assertNode(op: u8): Node { const n = new Node(); n.kind = N_ASSERT; n.value = op; return n; }

  // ---- Compiler: Thompson construction, repetitions expanded ----

  private op(o: u8, a: i32, b: i32): i32 {
    this.ops.push(o);
    this.args.push(a);
    this.args2.push(b);
    return this.ops.length - 1;
  }

  private emit(n: Node): void {
    if (this.ops.length > MAX_PROGRAM) return; // checked once at the end
    if (n.kind == N_LITERAL) { this.op(OP_BYTE, n.value, 0); return; }
    if (n.kind == N_CLASS) { this.op(OP_CLASS, n.value, 0); return; }
    if (n.kind == N_ASSERT) { this.op(<u8>n.value, 0, 0); return; }
    if (n.kind == N_CONCAT) { for (let i = 0; i < n.children.length; i++) this.emit(n.children[i]); return; }
    if (n.kind == N_ALT) {
      // split L1, next; L1: a; jmp end; next: split L2, next2; ...
      const jumps = new Array<i32>();
      for (let i = 0; i < n.children.length; i++) {
        if (i < n.children.length - 1) {
          const split = this.op(OP_SPLIT, 0, 0);
          this.args[split] = split + 1;
          this.emit(n.children[i]);
          jumps.push(this.op(OP_JMP, 0, 0));
          this.args2[split] = this.ops.length;
        } else {
          this.emit(n.children[i]);
        }
      }
      for (let j = 0; j < jumps.length; j++) this.args[jumps[j]] = this.ops.length;
      return;
    }
    if (n.kind == N_REPEAT) {
      const child = n.children[0];
      for (let i = 0; i < n.min; i++) this.emit(child);
      if (n.max < 0) {
        // loop: split body, out; body; jmp loop
        const loop = this.op(OP_SPLIT, 0, 0);
        this.args[loop] = loop + 1;
        this.emit(child);
        this.op(OP_JMP, loop, 0);
        this.args2[loop] = this.ops.length;
      } else {
        const splits = new Array<i32>();
        for (let i = n.min; i < n.max; i++) {
          const s = this.op(OP_SPLIT, 0, 0);
          this.args[s] = s + 1;
          splits.push(s);
          this.emit(child);
        }
        for (let j = 0; j < splits.length; j++) this.args2[splits[j]] = this.ops.length;
      }
      return;
    }
  }

  /** Which bytes can start a match: the byte instructions reachable from pc 0 without consuming. */
  private computeFirst(): void {
    const seen = new StaticArray<bool>(this.ops.length);
    const todo = new Array<i32>();
    todo.push(0);
    while (todo.length > 0) {
      const pc = todo.pop();
      if (seen[pc]) continue;
      seen[pc] = true;
      const o = this.ops[pc];
      if (o == OP_BYTE) this.first[this.args[pc]] = true;
      else if (o == OP_CLASS) { for (let b = 0; b < 256; b++) if (this.inClass(this.args[pc], b)) this.first[b] = true; }
      else if (o == OP_SPLIT) { todo.push(this.args[pc]); todo.push(this.args2[pc]); }
      else if (o == OP_JMP) todo.push(this.args[pc]);
      else if (o == OP_MATCH) this.firstAny = true;
      else todo.push(pc + 1); // assertions: look past them (they only narrow)
    }
  }

  // ---- Search ----

  /**
   * The leftmost-longest match in [from, n) of the bytes at p, as (start << 32 | end), or -1.
   * Empty matches are not reported (they mask nothing). Counts its work in `steps`.
   */
  find(p: usize, n: i32, from: i32): i64 {
    let ccount = 0;
    let bestStart = -1, bestEnd = -1;
    let i = from;
    // Marks say "this pc is in the list being built"; each list has its own generation.
    let curGen = 0;
    while (i <= n) {
      if (ccount == 0) {
        if (bestStart >= 0) break;
        curGen = ++this.generation;
        // Nothing running: skip to a byte that can start a match.
        if (!this.firstAny) {
          while (i < n && !unchecked(this.first[load<u8>(p + <usize>i)])) i++;
          if (i >= n) break;
        }
      }
      // The current list is (cpc, cstart)[0..ccount), in priority order: earlier start first,
      // so the new thread starting here goes last.
      if (bestStart < 0) ccount = this.add(this.cpc, this.cstart, ccount, 0, i, p, n, i, curGen);
      const cur = i < n ? <i32>load<u8>(p + <usize>i) : -1;
      const ngen = ++this.generation;
      let ncount = 0;
      for (let t = 0; t < ccount; t++) {
        const pc = unchecked(this.cpc[t]);
        const start = unchecked(this.cstart[t]);
        this.steps++;
        const o = unchecked(this.ops[pc]);
        if (o == OP_MATCH) {
          if (i > start && (bestStart < 0 || start < bestStart || (start == bestStart && i > bestEnd))) { bestStart = start; bestEnd = i; }
          // Threads after this one started later: they cannot give a leftmost match.
          if (bestStart == start) {
            let keep = t + 1;
            while (keep < ccount && unchecked(this.cstart[keep]) == start) keep++;
            if (keep < ccount) ccount = keep;
          }
          continue;
        }
        if (cur < 0) continue;
        let ok = false;
        if (o == OP_BYTE) ok = unchecked(this.args[pc]) == cur;
        else if (o == OP_CLASS) ok = this.inClass(unchecked(this.args[pc]), cur);
        if (ok) ncount = this.add(this.npc, this.nstart, ncount, pc + 1, start, p, n, i + 1, ngen);
      }
      // Swap lists.
      const tp = this.cpc; this.cpc = this.npc; this.npc = tp;
      const ts = this.cstart; this.cstart = this.nstart; this.nstart = ts;
      ccount = ncount;
      curGen = ngen;
      i++;
    }
    return bestStart < 0 ? -1 : (<i64>bestStart << 32) | <i64>bestEnd;
  }

  /**
   * Adds the thread (pc, start) and everything it reaches without consuming a byte at
   * position `at`, to a list; each pc once per step (the earliest start wins, as it came first).
   */
  private add(pcs: StaticArray<i32>, starts: StaticArray<i32>, count: i32, pc0: i32, start: i32, p: usize, n: i32, at: i32, gen: i32): i32 {
    const stack = this.stack;
    let sp = 0;
    unchecked(stack[sp++] = pc0);
    while (sp > 0) {
      const pc = unchecked(stack[--sp]);
      if (unchecked(this.mark[pc]) == gen) continue;
      unchecked(this.mark[pc] = gen);
      const o = unchecked(this.ops[pc]);
      if (o == OP_JMP) { unchecked(stack[sp++] = this.args[pc]); continue; }
      if (o == OP_SPLIT) {
        // Push the second branch first so the first is explored first (priority).
        unchecked(stack[sp++] = this.args2[pc]);
        unchecked(stack[sp++] = this.args[pc]);
        continue;
      }
      if (o == OP_BEGIN) { if (at == 0) unchecked(stack[sp++] = pc + 1); continue; }
      if (o == OP_END) { if (at == n) unchecked(stack[sp++] = pc + 1); continue; }
      if (o == OP_WORDB || o == OP_NOT_WORDB) {
        const before = at > 0 && isWordByte(<i32>load<u8>(p + <usize>(at - 1)));
        const after = at < n && isWordByte(<i32>load<u8>(p + <usize>at));
        if ((before != after) == (o == OP_WORDB)) unchecked(stack[sp++] = pc + 1);
        continue;
      }
      unchecked(pcs[count] = pc);
      unchecked(starts[count] = start);
      count++;
    }
    return count;
  }
}

/**
 * A pattern that must match a whole string (as Java's String.matches does): `pattern` wrapped
 * in ^(?:…)$. Check `error` before use.
 */
export function wholeMatchRegex(pattern: string, ignoreCase: bool = false): Regex {
  // Compiled alone first: errors then name offsets in the pattern as written, and a pattern
  // like "a)|(b" that only the wrapping would balance is refused.
  const alone = Regex.compile(pattern, ignoreCase);
  if (alone.error.length > 0) return alone;
  return Regex.compile("^(?:" + pattern + ")$", ignoreCase);
}

/** Whether the whole of `s` matches a regex made by wholeMatchRegex. An empty string never does. */
export function matchesWhole(re: Regex, s: string): bool {
  if (re.error.length > 0 || s.length == 0) return false;
  const bytes = String.UTF8.encode(s);
  return re.find(changetype<usize>(bytes), bytes.byteLength, 0) >= 0;
}
