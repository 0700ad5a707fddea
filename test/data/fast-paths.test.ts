/**
 * The fast paths of the data layer against straightforward reference implementations kept here as oracles:
 * - Rng (state in an Int32Array, bulk fillGaussian / aliasDraws) against the generator as it was (OracleRng);
 * - the synthetic generator (Rng, stamp-array dedupe, batched noise, roundHalfUp) against the previous
 *   generator (OracleRng, a Set per user, Math.round), bitwise;
 * - buildCsr / buildCsrWith (stable scatter by row + per-row insertion/radix sort) against the previous
 *   two-pass counting sort (by column, then stable by row), entry for entry.
 */
import { describe, expect, it } from "vitest";
import { buildCsr, buildCsrWith, type Csr } from "../../src/data/ratings";
import { generateSynthetic, generateSyntheticMatrix, roundHalfUp, type SyntheticOptions, type SyntheticScaleOptions } from "../../src/data/synthetic";
import { Rng } from "../../src/core/random";

// ---------------------------------------------------------------------------------------------------------
/** Oracle 0: the random generator as it was before its state moved to an Int32Array (object fields). */
class OracleRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareGaussian: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    // SplitMix32 expands the seed into the four state words (never all zero).
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). Unbiased (rejection sampling). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= 4294967296) {
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const v = this.nextUint32();
        if (v < limit) return v % n;
      }
    }
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box–Muller, polar form), mean 0, standard deviation 1. */
  gaussian(): number {
    if (this.spareGaussian !== null) {
      const g = this.spareGaussian;
      this.spareGaussian = null;
      return g;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareGaussian = v * m;
        return u * m;
      }
    }
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

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// Oracle 1: the generator as it was (OracleRng, Set-based dedupe, per-rating gaussian and Math.round).

interface OracleDraw {
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array;
  userBias: Float64Array;
  itemBias: Float64Array;
  userFactors: Float64Array;
  itemFactors: Float64Array;
  weight: Float64Array;
}

function oracleDraw(o: Readonly<Required<SyntheticOptions>>): OracleDraw {
  const { nUsers, nItems, nRatings, rank, seed } = o;
  const rng = new OracleRng(seed);
  const order = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) order[i] = i;
  rng.shuffle(order);
  const offset = Math.max(1, 0.01 * nItems);
  const weight = new Float64Array(nItems);
  let wSum = 0;
  for (let r = 0; r < nItems; r++) {
    const w = (r + 1 + offset) ** -o.popularityExponent;
    weight[order[r]] = w;
    wSum += w;
  }
  for (let i = 0; i < nItems; i++) weight[i] /= wSum;
  const alias = oracleAlias(weight);
  const counts = oracleUserCounts(o, rng);
  const userOf = new Int32Array(nRatings);
  const itemOf = new Int32Array(nRatings);
  const itemCount = new Float64Array(nItems);
  const picked = new Int32Array(nItems);
  let e = 0;
  for (let u = 0; u < nUsers; u++) {
    const n = oraclePick(counts[u], alias, weight, rng, picked);
    for (let t = 0; t < n; t++) {
      userOf[e] = u;
      itemOf[e++] = picked[t];
      itemCount[picked[t]]++;
    }
  }
  const z = new Float64Array(nItems);
  let lm = 0;
  for (let i = 0; i < nItems; i++) lm += z[i] = Math.log(weight[i]);
  lm /= nItems;
  let lv = 0;
  for (let i = 0; i < nItems; i++) lv += (z[i] - lm) ** 2;
  const lsd = Math.sqrt(lv / nItems) || 1;
  let zw = 0;
  for (let i = 0; i < nItems; i++) zw += itemCount[i] * (z[i] = (z[i] - lm) / lsd);
  zw /= nRatings;
  const rho = 0.4;
  const itemBias = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) itemBias[i] = o.itemBiasStd * (rho * (z[i] - zw) + Math.sqrt(1 - rho * rho) * rng.gaussian());
  const userBias = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) userBias[u] = o.userBiasStd * rng.gaussian();
  const sigma = rank > 0 ? Math.sqrt(o.interactionStd / Math.sqrt(rank)) : 0;
  const userFactors = new Float64Array(nUsers * rank);
  const itemFactors = new Float64Array(nItems * rank);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = sigma * rng.gaussian();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = sigma * rng.gaussian();
  const ratings = new Float64Array(nRatings);
  const [lo, hi] = o.ratingScale;
  for (let k = 0; k < nRatings; k++) {
    const u = userOf[k];
    const i = itemOf[k];
    let dot = 0;
    for (let f = 0; f < rank; f++) dot += userFactors[u * rank + f] * itemFactors[i * rank + f];
    let r = o.mean + userBias[u] + itemBias[i] + dot + o.noise * rng.gaussian();
    if (o.discrete) r = Math.round(r);
    ratings[k] = r < lo ? lo : r > hi ? hi : r;
  }
  return { users: userOf, items: itemOf, ratings, userBias, itemBias, userFactors, itemFactors, weight };
}

function oracleUserCounts(o: Readonly<Required<SyntheticOptions>>, rng: OracleRng): Int32Array {
  const { nUsers, nItems, nRatings } = o;
  const m = Math.min(o.minPerUser, Math.floor(nRatings / nUsers), nItems);
  const cap = Math.min(nItems, Math.max(Math.ceil(nRatings / nUsers), Math.round(0.45 * nItems)));
  const activity = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) activity[u] = Math.exp(1.2 * rng.gaussian());
  const share = new Float64Array(nUsers);
  const capped = new Uint8Array(nUsers);
  let remaining = nRatings - m * nUsers;
  for (;;) {
    let w = 0;
    for (let u = 0; u < nUsers; u++) if (!capped[u]) w += activity[u];
    let changed = false;
    for (let u = 0; u < nUsers; u++) {
      if (capped[u]) continue;
      share[u] = (remaining * activity[u]) / w;
      if (m + share[u] > cap) {
        capped[u] = 1;
        share[u] = cap - m;
        remaining -= cap - m;
        changed = true;
      }
    }
    if (!changed || w === 0) break;
  }
  const counts = new Int32Array(nUsers);
  let cum = 0;
  let prev = 0;
  let total = 0;
  for (let u = 0; u < nUsers; u++) {
    cum += share[u];
    const next = Math.round(cum);
    counts[u] = m + Math.min(cap - m, Math.max(0, next - prev));
    prev = next;
    total += counts[u];
  }
  for (let u = 0; total !== nRatings && u < 4 * nUsers; u++) {
    const v = u % nUsers;
    if (total < nRatings && counts[v] < cap) {
      counts[v]++;
      total++;
    } else if (total > nRatings && counts[v] > m) {
      counts[v]--;
      total--;
    }
  }
  return counts;
}

function oracleAlias(p: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = p.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    scaled[i] = p[i] * n;
    if (scaled[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) prob[large[--nl]] = 1;
  while (ns > 0) prob[small[--ns]] = 1;
  return { prob, alias };
}

function oraclePick(count: number, table: { prob: Float64Array; alias: Int32Array }, weight: Float64Array, rng: OracleRng, out: Int32Array): number {
  const n = weight.length;
  const taken = new Set<number>();
  let have = 0;
  let budget = 20 * count + 100;
  while (have < count && budget-- > 0) {
    const j = rng.int(n);
    const i = rng.next() < table.prob[j] ? j : table.alias[j];
    if (!taken.has(i)) {
      taken.add(i);
      out[have++] = i;
    }
  }
  if (have < count) {
    const cand: number[] = [];
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (taken.has(i)) continue;
      key[i] = -Math.log(1 - rng.next()) / weight[i];
      cand.push(i);
    }
    cand.sort((a, b) => key[a] - key[b] || a - b);
    for (let t = 0; have < count; t++) out[have++] = cand[t];
  }
  return have;
}

/** Byte-level equality (so −0 ≠ +0 and NaN payloads count), with the first differing element on failure. */
function expectBitwiseEqual(actual: ArrayBufferView, expected: ArrayBufferView, what: string): void {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  expect(a.length, `${what}: length in bytes`).toBe(b.length);
  let first = -1;
  for (let k = 0; k < a.length && first < 0; k++) if (a[k] !== b[k]) first = k;
  const width = (actual as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT ?? 1;
  expect(first, `${what}: first differing element ${Math.floor(first / width)}`).toBe(-1);
}

// ---------------------------------------------------------------------------------------------------------

describe("Rng (the generator's stream) equals OracleRng draw for draw", () => {
  it("nextUint32, next, int (incl. n = 1, 2^31 + 1, 2^32 and > 2^32), gaussian and shuffle, interleaved", () => {
    for (const seed of [0, 1, 42, -7, 2 ** 40 + 3, 123456789.9]) {
      const a = new OracleRng(seed);
      const b = new Rng(seed);
      const ns = [1, 2, 3, 7, 1682, 59_047, 2 ** 31 - 1, 2 ** 31 + 1, 3_000_000_019, 2 ** 32, 2 ** 40 + 5];
      for (let k = 0; k < 20_000; k++) {
        switch (k % 5) {
          case 0:
            expect(b.nextUint32()).toBe(a.nextUint32());
            break;
          case 1:
            expect(b.next()).toBe(a.next());
            break;
          case 2: {
            const n = ns[(k >> 3) % ns.length];
            expect(b.int(n)).toBe(a.int(n));
            break;
          }
          default:
            // Gaussians in runs of 1 or 2 so the spare is sometimes pending across other draws.
            expect(b.gaussian()).toBe(a.gaussian());
        }
      }
      const xa = Int32Array.from({ length: 500 }, (_, i) => i);
      const xb = xa.slice();
      a.shuffle(xa);
      b.shuffle(xb);
      expect(Array.from(xb)).toEqual(Array.from(xa));
      expect(b.nextUint32()).toBe(a.nextUint32());
    }
  });

  it("int is uniform-by-rejection exactly like OracleRng.int for many moduli (the ⌊v/n⌋ remainder is exact)", () => {
    const a = new OracleRng(5);
    const b = new Rng(5);
    const pick = new OracleRng(6);
    for (let k = 0; k < 100_000; k++) {
      const n = 1 + pick.int(k % 2 === 0 ? 4_294_967_296 : 100_000);
      expect(b.int(n)).toBe(a.int(n));
    }
  });

  it("fillGaussian gives the values of successive gaussian() calls, with or without a pending spare", () => {
    for (const length of [0, 1, 2, 3, 10, 1001]) {
      for (const pending of [false, true]) {
        const a = new OracleRng(length + 11);
        const b = new Rng(length + 11);
        if (pending) expect(b.gaussian()).toBe(a.gaussian());
        const out = new Float64Array(length);
        b.fillGaussian(out);
        const expected = Float64Array.from({ length }, () => a.gaussian());
        expectBitwiseEqual(out, expected, `fillGaussian(${length}, pending ${pending})`);
        // The streams stay in step afterwards (spare included).
        for (let k = 0; k < 5; k++) expect(b.gaussian()).toBe(a.gaussian());
        expect(b.next()).toBe(a.next());
      }
    }
  });

  it("aliasDraws gives, per draw, j = int(n) then j or alias[j] by next() < prob[j], and stays in step", () => {
    for (const n of [1, 2, 7, 1682, 59_047, 3_000_001]) {
      const a = new OracleRng(n);
      const b = new Rng(n);
      const table = new OracleRng(n + 1);
      const prob = Float64Array.from({ length: n }, () => table.next());
      const alias = Int32Array.from({ length: n }, () => table.int(n));
      for (const m of [0, 1, 5, 300]) {
        const out = new Int32Array(m + 3).fill(-1);
        b.aliasDraws(prob, alias, out, m);
        const expected = new Int32Array(m + 3).fill(-1);
        for (let k = 0; k < m; k++) {
          const j = a.int(n);
          expected[k] = a.next() < prob[j] ? j : alias[j];
        }
        expect(Array.from(out)).toEqual(Array.from(expected));
        expect(b.nextUint32()).toBe(a.nextUint32());
      }
    }
  });

  it("throws clear errors for bad arguments", () => {
    expect(() => new Rng(NaN)).toThrow("Rng: seed must be a finite number, got NaN");
    expect(() => new Rng(1).int(0)).toThrow("Rng.int: n must be a positive integer, got 0");
    expect(() => new Rng(1).int(2.5)).toThrow("Rng.int: n must be a positive integer, got 2.5");
  });
});

describe("roundHalfUp equals Math.round bitwise", () => {
  it("on edge cases and on random values of every magnitude and sign", () => {
    const xs = [
      0,
      -0,
      0.5,
      -0.5,
      0.49999999999999994,
      -0.49999999999999994,
      0.5000000000000001,
      1 - 2 ** -53,
      1.5,
      2.5,
      -1.5,
      -2.5,
      2 ** 51 - 0.5,
      2 ** 51 + 0.5,
      2 ** 52 - 0.5,
      2 ** 52 - 1,
      2 ** 52,
      2 ** 52 + 1,
      2 ** 53 + 2,
      -(2 ** 52) - 1,
      1e300,
      -1e300,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Infinity,
      -Infinity,
      NaN,
    ];
    const rng = new OracleRng(3);
    for (let k = 0; k < 200_000; k++) xs.push((rng.next() - 0.5) * 2 ** (rng.int(130) - 65));
    for (let k = 0; k < 200_000; k++) xs.push((rng.int(2_000_001) - 1_000_000) / 2 + (rng.next() - 0.5) * 2 ** -rng.int(60));
    let bad = 0;
    let example = "";
    for (const x of xs) {
      if (!Object.is(roundHalfUp(x), Math.round(x))) {
        bad++;
        example ||= `${x}: ${roundHalfUp(x)} vs ${Math.round(x)}`;
      }
    }
    expect(example).toBe("");
    expect(bad).toBe(0);
  });
});

describe("generateSyntheticMatrix equals the previous generator bitwise", () => {
  const cases: SyntheticScaleOptions[] = [
    {},
    { seed: 43 },
    // No noise, continuous, wide scale; negative ratings (round/clip around −0 and 0).
    { nUsers: 30, nItems: 40, nRatings: 600, rank: 3, noise: 0, discrete: false, ratingScale: [-100, 100], seed: 5 },
    { nUsers: 40, nItems: 50, nRatings: 900, noise: 2, mean: 0, ratingScale: [0, 3], seed: 8 },
    { nUsers: 40, nItems: 50, nRatings: 900, noise: 2, mean: -0.2, ratingScale: [-2, 2], seed: 9 },
    // Complete and nearly complete matrices: the exponential-keys fallback of the sampler.
    { nUsers: 12, nItems: 9, nRatings: 108, seed: 4 },
    { nUsers: 100, nItems: 60, nRatings: 5000, popularityExponent: 3, seed: 11 },
    { nUsers: 7, nItems: 1000, nRatings: 6000, popularityExponent: 2, seed: 12, rank: 1 },
    { nUsers: 10, nItems: 8, nRatings: 70, seed: 3 },
    { nUsers: 20, nItems: 30, nRatings: 400, rank: 0 },
    { scale: 123_457, seed: 9, minPerUser: 0 },
    { scale: "1M" },
  ];
  for (const options of cases) {
    it(`for ${JSON.stringify(options)}`, () => {
      const g = generateSyntheticMatrix(options);
      const want = oracleDraw(g.options);
      expectBitwiseEqual(g.matrix.users, want.users, "users");
      expectBitwiseEqual(g.matrix.items, want.items, "items");
      expectBitwiseEqual(g.matrix.values, want.ratings, "ratings");
      expectBitwiseEqual(g.truth.userBias, want.userBias, "userBias");
      expectBitwiseEqual(g.truth.itemBias, want.itemBias, "itemBias");
      expectBitwiseEqual(g.truth.userFactors, want.userFactors, "userFactors");
      expectBitwiseEqual(g.truth.itemFactors, want.itemFactors, "itemFactors");
      expectBitwiseEqual(g.truth.itemPopularity, want.weight, "itemPopularity");
    });
  }

  it("and generateSynthetic (string ids) carries the same draws", () => {
    const options = { nUsers: 50, nItems: 70, nRatings: 2000, seed: 21 };
    const s = generateSynthetic(options);
    const want = oracleDraw(s.options);
    expect(s.users).toEqual(Array.from(want.users, (u) => `u${u + 1}`));
    expect(s.items).toEqual(Array.from(want.items, (i) => `i${i + 1}`));
    expectBitwiseEqual(s.ratings, want.ratings, "ratings");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Oracle 2: the previous CSR build (counting sort by column, then a stable scatter by row).

function oracleCsr(nRows: number, nCols: number, rows: Int32Array, cols: Int32Array, values: Float64Array): Csr {
  const nnz = values.length;
  const indptr = new Int32Array(nRows + 1);
  for (let k = 0; k < nnz; k++) indptr[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const colOrder = new Int32Array(nnz);
  const colPtr = new Int32Array(nCols + 1);
  for (let k = 0; k < nnz; k++) colPtr[cols[k] + 1]++;
  for (let c = 0; c < nCols; c++) colPtr[c + 1] += colPtr[c];
  for (let k = 0; k < nnz; k++) colOrder[colPtr[cols[k]]++] = k;
  const next = indptr.slice(0, nRows);
  const indices = new Int32Array(nnz);
  const vals = new Float64Array(nnz);
  for (let t = 0; t < nnz; t++) {
    const k = colOrder[t];
    const p = next[rows[k]]++;
    indices[p] = cols[k];
    vals[p] = values[k];
  }
  return { nRows, nCols, indptr, indices, values: vals };
}

interface Triples {
  nRows: number;
  nCols: number;
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * Random triples: row lengths from a heavy-tailed mix (empty rows, short rows for insertion sort, long rows
 * for the radix sort), columns from a small pool when `dupes` (many equal (row, column) pairs), values
 * distinct (the entry's position, so any reordering of ties shows), then arranged as asked.
 */
function randomTriples(
  seed: number,
  nRows: number,
  nCols: number,
  arrangement: "shuffled" | "row-sorted" | "col-sorted" | "sorted" | "sorted-desc",
  dupes: boolean,
): Triples {
  const rng = new OracleRng(seed);
  const rowsList: number[] = [];
  const colsList: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const kind = rng.int(10);
    const length = kind < 2 ? 0 : kind < 6 ? 1 + rng.int(40) : kind < 9 ? 30 + rng.int(200) : 500 + rng.int(3000);
    const pool = dupes ? 1 + rng.int(Math.min(nCols, 12)) : nCols;
    const base = rng.int(nCols);
    for (let t = 0; t < length; t++) {
      rowsList.push(r);
      colsList.push(dupes ? (base + rng.int(pool) * 7919) % nCols : rng.int(nCols));
    }
  }
  const n = rowsList.length;
  const order = Int32Array.from({ length: n }, (_, k) => k);
  rng.shuffle(order);
  const key = (k: number): [number, number] => [rowsList[k], colsList[k]];
  const sorted = Array.from(order);
  if (arrangement === "row-sorted") sorted.sort((a, b) => key(a)[0] - key(b)[0]); // stable: columns stay shuffled
  if (arrangement === "col-sorted") sorted.sort((a, b) => key(a)[1] - key(b)[1]);
  if (arrangement === "sorted") sorted.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
  if (arrangement === "sorted-desc") sorted.sort((a, b) => key(a)[0] - key(b)[0] || key(b)[1] - key(a)[1]);
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  const values = new Float64Array(n);
  sorted.forEach((k, t) => {
    rows[t] = rowsList[k];
    cols[t] = colsList[k];
    values[t] = t + 0.25;
  });
  return { nRows, nCols, rows, cols, values };
}

function expectSameCsr(actual: Csr, expected: Csr, what: string): void {
  expect(actual.nRows, `${what}: nRows`).toBe(expected.nRows);
  expect(actual.nCols, `${what}: nCols`).toBe(expected.nCols);
  expectBitwiseEqual(actual.indptr, expected.indptr, `${what}: indptr`);
  expectBitwiseEqual(actual.indices, expected.indices, `${what}: indices`);
  expectBitwiseEqual(actual.values, expected.values, `${what}: values`);
}

describe("buildCsr equals the two-pass counting sort entry for entry", () => {
  const arrangements = ["shuffled", "row-sorted", "col-sorted", "sorted", "sorted-desc"] as const;
  for (const arrangement of arrangements) {
    for (const dupes of [false, true]) {
      it(`${arrangement} input${dupes ? " with many duplicate (row, column) pairs" : ""}`, () => {
        for (const [seed, nRows, nCols] of [
          [1, 200, 59_047],
          [2, 150, 1682],
          [3, 60, 5],
          [4, 120, 300_000],
          [5, 40, 1],
        ] as const) {
          const t = randomTriples(seed * 31 + (dupes ? 1 : 0), nRows, nCols, arrangement, dupes);
          const want = oracleCsr(t.nRows, t.nCols, t.rows, t.cols, t.values);
          expectSameCsr(buildCsr(t.nRows, t.nCols, t.rows, t.cols, t.values), want, `${arrangement} ${nRows}×${nCols}`);
          // The transposed view from the same triples.
          const wantT = oracleCsr(t.nCols, t.nRows, t.cols, t.rows, t.values);
          expectSameCsr(buildCsr(t.nCols, t.nRows, t.cols, t.rows, t.values), wantT, `${arrangement} transposed`);
        }
      });
    }
  }

  it("with more than 22 column bits (two radix rounds), long rows included", () => {
    const t = randomTriples(77, 50, 2 ** 23 + 5, "shuffled", false);
    for (let k = 0; k < t.cols.length; k += 3) t.cols[k] = (t.cols[k] * 97 + 2 ** 23) % t.nCols; // use the high bits
    expectSameCsr(buildCsr(t.nRows, t.nCols, t.rows, t.cols, t.values), oracleCsr(t.nRows, t.nCols, t.rows, t.cols, t.values), "2^23 columns");
  });

  it("keeps −0 and NaN payloads of the values as they are", () => {
    const rows = Int32Array.from([1, 0, 1, 1, 0]);
    const cols = Int32Array.from([2, 1, 0, 2, 1]);
    const values = Float64Array.from([-0, NaN, 1.5, 0, -Infinity]);
    const csr = buildCsr(2, 3, rows, cols, values);
    expect(Array.from(csr.indptr)).toEqual([0, 2, 5]);
    expect(Array.from(csr.indices)).toEqual([1, 1, 0, 2, 2]);
    expect(Array.from(csr.values)).toEqual([NaN, -Infinity, 1.5, -0, 0]);
    expect(Object.is(csr.values[3], -0)).toBe(true);
  });

  it("handles no entries, no rows and all entries in one row", () => {
    const e = new Int32Array(0);
    expectSameCsr(buildCsr(3, 4, e, e, new Float64Array(0)), oracleCsr(3, 4, e, e, new Float64Array(0)), "empty");
    expectSameCsr(buildCsr(0, 0, e, e, new Float64Array(0)), oracleCsr(0, 0, e, e, new Float64Array(0)), "0×0");
    const n = 5000;
    const rng = new OracleRng(4);
    const rows = new Int32Array(n).fill(2);
    const cols = Int32Array.from({ length: n }, () => rng.int(700));
    const values = Float64Array.from({ length: n }, (_, k) => k);
    expectSameCsr(buildCsr(3, 700, rows, cols, values), oracleCsr(3, 700, rows, cols, values), "one row");
  });

  it("buildCsrWith writes into the given allocators' arrays (e.g. shared memory), same result", () => {
    const t = randomTriples(9, 300, 5000, "row-sorted", true);
    const shared32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * n));
    const shared64 = (n: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * n));
    const csr = buildCsrWith(t.nRows, t.nCols, t.rows, t.cols, t.values, shared32, shared64);
    expect(csr.indptr.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(csr.indices.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(csr.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectSameCsr(csr, oracleCsr(t.nRows, t.nCols, t.rows, t.cols, t.values), "shared");
  });

  it("on generated data: both views of a 200k-rating synthetic matrix", () => {
    const { matrix: m } = generateSyntheticMatrix({ scale: 200_000, seed: 3 });
    expectSameCsr(m.byUser(), oracleCsr(m.nUsers, m.nItems, m.users, m.items, m.values), "byUser");
    expectSameCsr(m.byItem(), oracleCsr(m.nItems, m.nUsers, m.items, m.users, m.values), "byItem");
  });
});
