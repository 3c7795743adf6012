// Decimal text to the nearest float64, exactly. AssemblyScript's parseFloat can be off, by
// one unit in the last place (1.048659633221575e+40) or far more (3.2267301181343414e+42),
// so a float64 printed by the dissector would not read back to the same bits. This makes a
// first guess within a few units in the last place, from the leading 19 digits and a power of
// ten, and corrects it by comparing the decimal value with the halfway points to the guess's
// neighbours in exact big-integer arithmetic (Clinger's AlgorithmR, ties to even).

/** An unsigned big integer, 32-bit limbs, least significant first. */
class Big {
  limbs: Array<u32> = [];

  static of(v: u32): Big { const b = new Big(); if (v != 0) b.limbs.push(v); return b; }

  copy(): Big { const b = new Big(); b.limbs = this.limbs.slice(0); return b; }

  mulAdd(m: u32, add: u32): void {
    let carry = <u64>add;
    for (let i = 0; i < this.limbs.length; i++) {
      const x = <u64>unchecked(this.limbs[i]) * <u64>m + carry;
      unchecked(this.limbs[i] = <u32>x);
      carry = x >> 32;
    }
    if (carry != 0) this.limbs.push(<u32>carry);
  }

  mulPow5(n: i32): void {
    // 5^13 is the largest power of five below 2^32.
    for (; n >= 13; n -= 13) this.mulAdd(1220703125, 0);
    let p: u32 = 1;
    for (; n > 0; n--) p *= 5;
    this.mulAdd(p, 0);
  }

  shl(bits: i32): void {
    if (this.limbs.length == 0) return;
    const words = bits >> 5, rest = bits & 31;
    if (rest != 0) {
      let carry: u32 = 0;
      for (let i = 0; i < this.limbs.length; i++) {
        const x = unchecked(this.limbs[i]);
        unchecked(this.limbs[i] = (x << rest) | carry);
        carry = x >> (32 - rest);
      }
      if (carry != 0) this.limbs.push(carry);
    }
    if (words > 0) {
      const shifted = new Array<u32>(words);
      for (let i = 0; i < words; i++) unchecked(shifted[i] = 0);
      this.limbs = shifted.concat(this.limbs);
    }
  }

  cmp(o: Big): i32 {
    if (this.limbs.length != o.limbs.length) return this.limbs.length < o.limbs.length ? -1 : 1;
    for (let i = this.limbs.length - 1; i >= 0; i--) {
      const a = unchecked(this.limbs[i]), b = unchecked(o.limbs[i]);
      if (a != b) return a < b ? -1 : 1;
    }
    return 0;
  }
}

/** Sign of (digits × 10^exp10) − (h × 2^exp2), exactly. */
function compareWithHalfway(digits: Big, exp10: i32, h: u64, exp2: i32): i32 {
  const left = digits.copy();
  const right = Big.of(<u32>h);
  if ((h >> 32) != 0) right.limbs.push(<u32>(h >> 32));
  // digits × 5^e × 2^e against h × 2^exp2: move the powers of five to one side, then align the twos.
  if (exp10 >= 0) left.mulPow5(exp10); else right.mulPow5(-exp10);
  if (exp10 >= exp2) left.shl(exp10 - exp2); else right.shl(exp2 - exp10);
  return left.cmp(right);
}

function withSign(v: f64, negative: bool): f64 { return negative ? -v : v; }

/** x × 10^e in a few roundings; the scale is split where 10^e alone would overflow or underflow. */
function scale10(x: f64, e: i32): f64 {
  if (e > 300) return x * Math.pow(10, 300) * Math.pow(10, e - 300);
  if (e < -300) return x * 1e-300 / Math.pow(10, -300 - e);
  return e >= 0 ? x * Math.pow(10, e) : x / Math.pow(10, -e);
}

/**
 * The float64 nearest to `text`, a JSON number (the JSON parser has checked its grammar),
 * ties to even. -0.0 keeps its sign.
 */
export function parseDecimal(text: string): f64 {
  const negative = text.startsWith("-");
  const digits = new Big();
  let exp10 = 0, significant = 0, i = negative ? 1 : 0, seenPoint = false;
  // The leading 19 significant digits (they fit a u64) and how many came after them, for the guess.
  let top: u64 = 0, cut = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x2e) { seenPoint = true; continue; }
    if (c < 0x30 || c > 0x39) break;
    if (seenPoint) exp10--;
    if (significant == 0 && c == 0x30) continue;
    significant++;
    digits.mulAdd(10, <u32>(c - 0x30));
    if (significant <= 19) top = top * 10 + <u64>(c - 0x30);
    else cut++;
  }
  if (i < text.length) {
    // The exponent; a huge one is capped, which the range checks below make harmless.
    i++;
    let expNegative = false;
    if (text.charCodeAt(i) == 0x2b) i++;
    else if (text.charCodeAt(i) == 0x2d) { expNegative = true; i++; }
    let e = 0;
    for (; i < text.length; i++) if (e < 100000) e = e * 10 + (text.charCodeAt(i) - 0x30);
    exp10 += expNegative ? -e : e;
  }
  // Values of 10^310 and more overflow; values below 10^-330 round to zero.
  if (significant == 0 || exp10 + significant < -330) return withSign(0, negative);
  if (exp10 + significant > 310) return withSign(Infinity, negative);

  let z = scale10(<f64>top, exp10 + cut);
  if (!isFinite(z)) z = f64.MAX_VALUE;
  for (let round = 0; round < 64; round++) {
    const bits = reinterpret<u64>(z);
    const e = <i32>(bits >> 52);
    const frac = bits & 0xfffffffffffff;
    if (bits == 0) {
      // Zero: the value rounds up only past half the smallest subnormal (a tie goes to zero, which is even).
      if (compareWithHalfway(digits, exp10, 1, -1075) > 0) { z = reinterpret<f64>(1); continue; }
      return withSign(0, negative);
    }
    const m: u64 = e == 0 ? frac : frac | (<u64>1 << 52);
    const k = e == 0 ? -1074 : e - 1075;
    const odd = (m & 1) != 0;
    const above = compareWithHalfway(digits, exp10, 2 * m + 1, k - 1);
    if (above > 0 || (above == 0 && odd)) {
      z = reinterpret<f64>(bits + 1);
      if (!isFinite(z)) return withSign(Infinity, negative);
      continue;
    }
    // Below a power of two the next float down is half as far away.
    const closerBelow = frac == 0 && e > 1;
    const below = closerBelow ? compareWithHalfway(digits, exp10, 4 * m - 1, k - 2) : compareWithHalfway(digits, exp10, 2 * m - 1, k - 1);
    if (below < 0 || (below == 0 && odd)) { z = reinterpret<f64>(bits - 1); continue; }
    return withSign(z, negative);
  }
  return withSign(z, negative);
}
