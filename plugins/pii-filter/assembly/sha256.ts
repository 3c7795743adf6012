// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) for the `hash` action: a match becomes a
// keyed token, the same for the same text and key, that cannot be reversed or recomputed
// without the key. The key's inner and outer pads are absorbed once, at configure time.

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const H0: StaticArray<u32> = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** A running SHA-256: update() with any split of the input, then finish(). */
export class Sha256 {
  readonly state: StaticArray<u32> = new StaticArray<u32>(8);
  private readonly block: StaticArray<u8> = new StaticArray<u8>(64);
  private readonly w: StaticArray<u32> = new StaticArray<u32>(64);
  private filled: i32 = 0;
  private total: u64 = 0;

  constructor() { this.reset(); }

  reset(): void {
    for (let i = 0; i < 8; i++) this.state[i] = H0[i];
    this.filled = 0;
    this.total = 0;
  }

  /** Continues from a saved state that has absorbed `bytes` bytes (a multiple of 64). */
  resume(from: StaticArray<u32>, bytes: u64): void {
    for (let i = 0; i < 8; i++) this.state[i] = from[i];
    this.filled = 0;
    this.total = bytes;
  }

  update(p: usize, n: i32): void {
    this.total += <u64>n;
    const block = changetype<usize>(this.block);
    for (let i = 0; i < n; i++) {
      store<u8>(block + <usize>this.filled, load<u8>(p + <usize>i));
      if (++this.filled == 64) { this.compress(); this.filled = 0; }
    }
  }

  /** Pads, and writes the 32-byte digest to `out`. */
  finish(out: usize): void {
    const bits = this.total << 3;
    const block = changetype<usize>(this.block);
    store<u8>(block + <usize>this.filled, 0x80);
    this.filled++;
    if (this.filled > 56) {
      memory.fill(block + <usize>this.filled, 0, <usize>(64 - this.filled));
      this.compress();
      this.filled = 0;
    }
    memory.fill(block + <usize>this.filled, 0, <usize>(56 - this.filled));
    store<u64>(block + 56, bswap<u64>(bits));
    this.compress();
    for (let i = 0; i < 8; i++) store<u32>(out + <usize>(i << 2), bswap<u32>(this.state[i]));
  }

  private compress(): void {
    const w = this.w;
    const block = changetype<usize>(this.block);
    for (let i = 0; i < 16; i++) unchecked(w[i] = bswap<u32>(load<u32>(block + <usize>(i << 2))));
    for (let i = 16; i < 64; i++) {
      const a = unchecked(w[i - 15]), b = unchecked(w[i - 2]);
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      unchecked(w[i] = unchecked(w[i - 16]) + s0 + unchecked(w[i - 7]) + s1);
    }
    const st = this.state;
    let a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
    for (let i = 0; i < 64; i++) {
      const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[i]) + unchecked(w[i]);
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
  }
}

/** HMAC-SHA-256 with a fixed key. */
export class HmacSha256 {
  private readonly inner: StaticArray<u32> = new StaticArray<u32>(8);
  private readonly outer: StaticArray<u32> = new StaticArray<u32>(8);
  private readonly sha: Sha256 = new Sha256();
  private readonly digest: StaticArray<u8> = new StaticArray<u8>(32);

  constructor(key: Uint8Array) {
    const k = new StaticArray<u8>(64);
    if (key.byteLength > 64) {
      this.sha.update(key.dataStart, key.byteLength);
      this.sha.finish(changetype<usize>(k));
    } else {
      memory.copy(changetype<usize>(k), key.dataStart, <usize>key.byteLength);
    }
    const pad = new StaticArray<u8>(64);
    for (let i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    this.sha.reset();
    this.sha.update(changetype<usize>(pad), 64);
    for (let i = 0; i < 8; i++) this.inner[i] = this.sha.state[i];
    for (let i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    this.sha.reset();
    this.sha.update(changetype<usize>(pad), 64);
    for (let i = 0; i < 8; i++) this.outer[i] = this.sha.state[i];
  }

  /** Begins a MAC; feed the message with update(), then finish(). */
  begin(): void { this.sha.resume(this.inner, 64); }
  update(p: usize, n: i32): void { this.sha.update(p, n); }

  /** The 32-byte MAC of what was fed since begin(), written to `out`. */
  finish(out: usize): void {
    const d = changetype<usize>(this.digest);
    this.sha.finish(d);
    this.sha.resume(this.outer, 64);
    this.sha.update(d, 32);
    this.sha.finish(out);
  }
}
