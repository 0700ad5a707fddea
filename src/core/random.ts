/**
 * Seeded pseudo-random numbers. Every stochastic step in mflab takes an explicit seed and draws from a
 * {@link Rng}; nothing uses `Math.random`.
 *
 * Generator: xoshiro128** (Blackman & Vigna) on four 32-bit words, seeded by SplitMix32 from a single
 * integer seed. Period 2^128 − 1; uniform doubles carry 53 random bits (two 32-bit outputs).
 * Same seed → same sequence on every platform (only 32-bit integer arithmetic is used).
 *
 * The state lives in an Int32Array so hot loops run without boxed doubles; `fillGaussian` and `aliasDraws` are
 * bulk forms giving exactly the values (and leaving exactly the state) of the equivalent single calls.
 */
export class Rng {
  private readonly s = new Int32Array(4);
  private spare = 0;
  /** Scratch for the bulk draws. */
  private readonly words = new Int32Array(4);
  private hasSpare = false;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /**
   * Restart the generator as `new Rng(seed)` would (same sequence from here on), without allocating: for hot
   * loops that give every row its own seeded stream (the Gibbs samplers).
   */
  reseed(seed: number): this {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    this.hasSpare = false;
    this.spare = 0;
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    for (let w = 0; w < 4; w++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[w] = z ^ (z >>> 16);
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    return this;
  }

  /** Next unsigned 32-bit integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0];
    const s1 = s[1];
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Uniform integer in [0, n) for an integer 1 ≤ n ≤ 2^32, `limit` = 2^32 − 2^32 mod n (hoisted by callers):
   * v mod n by rejection, as Rng.int. The remainder is v − ⌊v/n⌋·n: for v < 2^32 the quotient v/n is at least
   * 1/n ≥ 2^−32 away from the next integer, far more than its rounding error (< 2^−21/n), so ⌊v/n⌋ is exact —
   * and this costs a division instead of V8's `%` on doubles (fmod, ≈ 15 ns).
   */
  below(n: number, limit: number): number {
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v - Math.floor(v / n) * n;
    }
  }

  /** Uniform integer in [0, n) (as Rng.int). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= 4294967296) return this.below(n, 4294967296 - (4294967296 % n));
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (polar Box–Muller; the second value of a pair is kept for the next call). */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        this.hasSpare = true;
        return u * m;
      }
    }
  }

  /**
   * Fill `out` with standard normal draws: the values of out.length successive {@link gaussian} calls.
   * Draws four words at a time with {@link fillWords}.
   */
  fillGaussian(out: Float64Array): void {
    const n = out.length;
    let k = 0;
    if (n > 0 && this.hasSpare) {
      this.hasSpare = false;
      out[k++] = this.spare;
    }
    const w = this.words;
    while (k + 1 < n) {
      this.fillWords(w, 4);
      const u = 2 * (((w[0] >>> 5) * 67108864 + (w[1] >>> 6)) / 9007199254740992) - 1;
      const v = 2 * (((w[2] >>> 5) * 67108864 + (w[3] >>> 6)) / 9007199254740992) - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        out[k++] = u * m;
        out[k++] = v * m;
      }
    }
    if (k < n) out[k] = this.gaussian();
  }

  /**
   * `m` draws of the alias method for the table (prob, alias) of n = prob.length outcomes into out[0 .. m):
   * each is j = int(n), then j if next() < prob[j], else alias[j] — the same values and stream as those calls.
   */
  aliasDraws(prob: Float64Array, alias: Int32Array, out: Int32Array, m: number): void {
    const n = prob.length;
    const limit = 4294967296 - (4294967296 % n);
    const w = this.words;
    for (let k = 0; k < m; k++) {
      do this.fillWords(w, 1);
      while (w[0] >>> 0 >= limit);
      const v = w[0] >>> 0;
      const j = v - Math.floor(v / n) * n; // v mod n, see below()
      this.fillWords(w, 2);
      out[k] = ((w[0] >>> 5) * 67108864 + (w[1] >>> 6)) / 9007199254740992 < prob[j] ? j : alias[j];
    }
  }

  /** out[0 .. count) ← the next `count` outputs of {@link nextUint32} (as int32 bits; `>>> 0` gives the value). */
  fillWords(out: Int32Array, count: number): void {
    const st = this.s;
    let s0 = st[0];
    let s1 = st[1];
    let s2 = st[2];
    let s3 = st[3];
    for (let q = 0; q < count; q++) {
      const x = Math.imul(s1, 5);
      out[q] = Math.imul((x << 7) | (x >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/**
 * Derive a sub-seed from a parent seed and a label (e.g. a run's normalized parameters), so that a run's
 * randomness depends only on what it is, never on scheduling order. FNV-1a over the label, mixed with the seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}
