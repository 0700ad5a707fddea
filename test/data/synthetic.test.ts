import { describe, expect, it } from "vitest";
import { median } from "../../src/core/stats";
import { generateSynthetic, type SyntheticRatings } from "../../src/data/synthetic";

function countBy(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function duplicatePairs(s: SyntheticRatings): number {
  const pairs = new Set<string>();
  for (let k = 0; k < s.users.length; k++) pairs.add(`${s.users[k]} ${s.items[k]}`);
  return s.users.length - pairs.size;
}

describe("generateSynthetic (defaults: ML-100K-like)", () => {
  const t0 = performance.now();
  const s = generateSynthetic();
  const firstMs = performance.now() - t0;

  it("has ML-100K's size: 100,000 ratings, 943 users, at most 1682 items, no duplicate pairs", () => {
    expect(s.ratings.length).toBe(100_000);
    expect(s.users.length).toBe(100_000);
    expect(s.items.length).toBe(100_000);
    expect(countBy(s.users).size).toBe(943);
    const nItems = countBy(s.items).size;
    expect(nItems).toBeGreaterThan(1600);
    expect(nItems).toBeLessThanOrEqual(1682);
    expect(duplicatePairs(s)).toBe(0);
    expect(s.users[0]).toBe("u1");
    expect(s.items.every((i) => /^i\d+$/.test(i))).toBe(true);
  });

  it("gives every user at least 20 ratings, with a heavy tail", () => {
    const perUser = [...countBy(s.users).values()];
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(20);
    const mean = 100_000 / 943;
    expect(median(perUser)).toBeLessThan(0.8 * mean); // right-skewed, like ML-100K (median 65, mean 106)
    expect(Math.max(...perUser)).toBeGreaterThan(4 * mean);
  });

  it("has long-tail item popularity", () => {
    const perItem = [...countBy(s.items).values()];
    expect(Math.max(...perItem)).toBeGreaterThan(8 * median(perItem)); // ML-100K: 583 vs 27
  });

  it("has a rating histogram close to ML-100K's (≈ 6/11/27/34/21 %, mean ≈ 3.53)", () => {
    const h = [0, 0, 0, 0, 0, 0];
    let sum = 0;
    let outside = 0;
    for (const r of s.ratings) {
      if (!(Number.isInteger(r) && r >= 1 && r <= 5)) outside++;
      else h[r]++;
      sum += r;
    }
    expect(outside).toBe(0);
    const pct = h.map((c) => (100 * c) / s.ratings.length);
    const bands: Array<[number, number]> = [
      [0, 0],
      [2, 10],
      [7, 18],
      [22, 33],
      [26, 40],
      [15, 27],
    ];
    for (let r = 1; r <= 5; r++) {
      expect(pct[r], `share of ${r}s`).toBeGreaterThanOrEqual(bands[r][0]);
      expect(pct[r], `share of ${r}s`).toBeLessThanOrEqual(bands[r][1]);
    }
    expect(sum / s.ratings.length).toBeGreaterThan(3.4);
    expect(sum / s.ratings.length).toBeLessThan(3.65);
  });

  it("rates popular items somewhat better (positive correlation of log count and mean rating)", () => {
    const n = new Map<string, number>();
    const tot = new Map<string, number>();
    for (let k = 0; k < s.items.length; k++) {
      n.set(s.items[k], (n.get(s.items[k]) ?? 0) + 1);
      tot.set(s.items[k], (tot.get(s.items[k]) ?? 0) + s.ratings[k]);
    }
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [i, c] of n) {
      if (c < 5) continue;
      xs.push(Math.log(c));
      ys.push(tot.get(i)! / c);
    }
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let k = 0; k < xs.length; k++) {
      sxy += (xs[k] - mx) * (ys[k] - my);
      sxx += (xs[k] - mx) ** 2;
      syy += (ys[k] - my) ** 2;
    }
    const corr = sxy / Math.sqrt(sxx * syy);
    expect(corr).toBeGreaterThan(0.15);
    expect(corr).toBeLessThan(0.7);
  });

  it("has an interaction term p_u·q_i with standard deviation ≈ 0.6", () => {
    const { userFactors, itemFactors, rank } = s.truth;
    expect(rank).toBe(5);
    let s1 = 0;
    let s2 = 0;
    const n = s.ratings.length;
    for (let k = 0; k < n; k++) {
      const u = Number(s.users[k].slice(1)) - 1;
      const i = Number(s.items[k].slice(1)) - 1;
      let dot = 0;
      for (let f = 0; f < rank; f++) dot += userFactors[u * rank + f] * itemFactors[i * rank + f];
      s1 += dot;
      s2 += dot * dot;
    }
    const sd = Math.sqrt(s2 / n - (s1 / n) ** 2);
    expect(sd).toBeGreaterThan(0.45);
    expect(sd).toBeLessThan(0.75);
  });

  it("is deterministic for a seed and changes with the seed", () => {
    const again = generateSynthetic();
    expect(again.users).toEqual(s.users);
    expect(again.items).toEqual(s.items);
    expect(Array.from(again.ratings)).toEqual(Array.from(s.ratings));
    const other = generateSynthetic({ seed: 43 });
    expect(other.items.slice(0, 50)).not.toEqual(s.items.slice(0, 50));
  });

  it("is fast (< 300 ms for 100k ratings)", () => {
    const t = performance.now();
    generateSynthetic({ seed: 7 });
    expect(Math.min(firstMs, performance.now() - t)).toBeLessThan(300);
  });
});

describe("generateSynthetic (other sizes)", () => {
  it("reproduces the stated model exactly without noise or rounding", () => {
    const s = generateSynthetic({ nUsers: 30, nItems: 40, nRatings: 600, rank: 3, noise: 0, discrete: false, ratingScale: [-100, 100], seed: 5 });
    const { mean, userBias, itemBias, userFactors, itemFactors, rank } = s.truth;
    for (let k = 0; k < s.ratings.length; k++) {
      const u = Number(s.users[k].slice(1)) - 1;
      const i = Number(s.items[k].slice(1)) - 1;
      let dot = 0;
      for (let f = 0; f < rank; f++) dot += userFactors[u * rank + f] * itemFactors[i * rank + f];
      expect(s.ratings[k]).toBeCloseTo(mean + userBias[u] + itemBias[i] + dot, 12);
    }
  });

  it("clips to the rating scale", () => {
    const s = generateSynthetic({ nUsers: 50, nItems: 50, nRatings: 1500, noise: 3, seed: 2 });
    const values = new Set(s.ratings);
    expect([...values].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("lowers the per-user minimum when there are fewer ratings than 20 per user", () => {
    const s = generateSynthetic({ nUsers: 10, nItems: 8, nRatings: 70, seed: 3 });
    expect(s.ratings.length).toBe(70);
    expect(duplicatePairs(s)).toBe(0);
    const perUser = [...countBy(s.users).values()];
    expect(perUser.length).toBe(10);
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(7);
    expect(Math.max(...perUser)).toBeLessThanOrEqual(8);
  });

  it("fills a complete matrix (every user rates every item) without duplicates", () => {
    const s = generateSynthetic({ nUsers: 12, nItems: 9, nRatings: 108, seed: 4 });
    expect(duplicatePairs(s)).toBe(0);
    expect(s.ratings.length).toBe(108);
  });

  it("supports rank 0 (biases only)", () => {
    const s = generateSynthetic({ nUsers: 20, nItems: 30, nRatings: 400, rank: 0 });
    expect(s.truth.userFactors.length).toBe(0);
    expect(s.ratings.length).toBe(400);
  });

  it("refuses impossible sizes", () => {
    expect(() => generateSynthetic({ nUsers: 2, nItems: 3, nRatings: 7 })).toThrow(
      "generateSynthetic: nRatings (7) exceeds nUsers × nItems (2 × 3) without duplicates",
    );
    expect(() => generateSynthetic({ nUsers: 1.5 })).toThrow("generateSynthetic: nUsers must be an integer ≥ 1, got 1.5");
  });

  it("scales linearly: 1M ratings in a few seconds at most", () => {
    const t = performance.now();
    const s = generateSynthetic({ nUsers: 10_000, nItems: 5_000, nRatings: 1_000_000, seed: 1 });
    const ms = performance.now() - t;
    expect(s.ratings.length).toBe(1_000_000);
    expect(ms).toBeLessThan(5000);
  });
});
