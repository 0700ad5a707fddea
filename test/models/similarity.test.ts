import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { InputError } from "../../src/core/errors";
import { Rng } from "../../src/core/random";
import { type Baselines, type SimilarityName, computeSimilarities } from "../../src/models/neighbourhood/similarity";
import { matrix, randomRatings, SMALL_TRIPLES } from "../helpers/matrices";

/** A random matrix with integer ratings 1..5 and density ~p (seeded). */
function randomMatrix(nUsers: number, nItems: number, p: number, seed: number): RatingsMatrix {
  return randomRatings(seed, nUsers, nItems, p);
}

/**
 * Independent oracle: for each pair, gather the co-rated entries from a dense table and apply the textbook
 * (mean-centred) formula directly.
 */
function oracle(m: RatingsMatrix, userBased: boolean, kind: SimilarityName, minSupport: number, shrinkage: number, bl?: Baselines): number[][] {
  const nX = userBased ? m.nUsers : m.nItems;
  const nY = userBased ? m.nItems : m.nUsers;
  const dense: (number | undefined)[][] = Array.from({ length: nX }, () => new Array(nY).fill(undefined));
  for (let k = 0; k < m.nnz; k++) {
    const x = userBased ? m.users[k] : m.items[k];
    const y = userBased ? m.items[k] : m.users[k];
    dense[x][y] = m.values[k];
  }
  const bx = bl ? (userBased ? bl.bu : bl.bi) : undefined;
  const by = bl ? (userBased ? bl.bi : bl.bu) : undefined;
  const out: number[][] = [];
  for (let a = 0; a < nX; a++) {
    out.push([]);
    for (let b = 0; b < nX; b++) {
      if (a === b) {
        out[a].push(1);
        continue;
      }
      const ra: number[] = [];
      const rb: number[] = [];
      const ys: number[] = [];
      for (let y = 0; y < nY; y++) {
        const va = dense[a][y];
        const vb = dense[b][y];
        if (va !== undefined && vb !== undefined) {
          ra.push(va);
          rb.push(vb);
          ys.push(y);
        }
      }
      const n = ra.length;
      const support = kind === "pearson-baseline" ? Math.max(2, minSupport) : minSupport;
      if (n === 0 || n < support) {
        out[a].push(0);
        continue;
      }
      let s = 0;
      if (kind === "msd") {
        s = 1 / (ra.reduce((acc, v, k) => acc + (v - rb[k]) ** 2, 0) / n + 1);
      } else if (kind === "cosine") {
        const dot = ra.reduce((acc, v, k) => acc + v * rb[k], 0);
        s = dot / Math.sqrt(ra.reduce((acc, v) => acc + v * v, 0) * rb.reduce((acc, v) => acc + v * v, 0));
      } else if (kind === "pearson") {
        const ma = ra.reduce((x, y) => x + y, 0) / n;
        const mb = rb.reduce((x, y) => x + y, 0) / n;
        const num = ra.reduce((acc, v, k) => acc + (v - ma) * (rb[k] - mb), 0);
        const den = Math.sqrt(ra.reduce((acc, v) => acc + (v - ma) ** 2, 0) * rb.reduce((acc, v) => acc + (v - mb) ** 2, 0));
        s = den === 0 ? 0 : num / den;
      } else {
        const g = bl!.globalMean;
        const da = ra.map((v, k) => v - (g + bx![a] + by![ys[k]]));
        const db = rb.map((v, k) => v - (g + bx![b] + by![ys[k]]));
        const num = da.reduce((acc, v, k) => acc + v * db[k], 0);
        const den = Math.sqrt(da.reduce((acc, v) => acc + v * v, 0) * db.reduce((acc, v) => acc + v * v, 0));
        s = den === 0 ? 0 : (num / den) * ((n - 1) / (n - 1 + shrinkage));
      }
      out[a].push(s);
    }
  }
  return out;
}

function expectMatches(actual: Float64Array, expected: number[][]): void {
  const n = expected.length;
  expect(actual.length).toBe(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const got = actual[a * n + b];
      const want = expected[a][b];
      if (Math.abs(got - want) > 1e-12) throw new Error(`sim(${a}, ${b}) = ${got}, expected ${want}`);
    }
  }
}

function someBaselines(m: RatingsMatrix, seed: number): Baselines {
  const rng = new Rng(seed);
  return {
    globalMean: m.mean(),
    bu: Float64Array.from({ length: m.nUsers }, () => rng.gaussian() * 0.5),
    bi: Float64Array.from({ length: m.nItems }, () => rng.gaussian() * 0.5),
  };
}

// u0: i0=5 i1=3       ; u1: i0=4 i1=3 i2=2 ; u2: i0=1 i1=5 i2=4
const small = matrix(3, 3, SMALL_TRIPLES);
const base = { minSupport: 1, shrinkage: 100 };

describe("computeSimilarities — hand-computed values", () => {
  it("msd: 1 / (mean squared difference over co-rated items + 1)", () => {
    const { n, values } = computeSimilarities(small, { ...base, userBased: true, similarity: "msd" });
    expect(n).toBe(3);
    // u0,u1: diffs (1, 0) → msd 0.5 → 2/3;  u0,u2: diffs (4, −2) → msd 10 → 1/11;  u1,u2: (3, −2, −2) → 17/3
    expect(values[0 * 3 + 1]).toBeCloseTo(2 / 3, 14);
    expect(values[0 * 3 + 2]).toBeCloseTo(1 / 11, 14);
    expect(values[1 * 3 + 2]).toBeCloseTo(1 / (17 / 3 + 1), 14);
    expect(values[2 * 3 + 1]).toBe(values[1 * 3 + 2]);
    expect([values[0], values[4], values[8]]).toEqual([1, 1, 1]);
  });

  it("cosine over co-rated items only", () => {
    const { values } = computeSimilarities(small, { ...base, userBased: true, similarity: "cosine" });
    // u0,u1 on i0,i1: (5·4 + 3·3) / √(34 · 25)
    expect(values[1]).toBeCloseTo(29 / Math.sqrt(34 * 25), 14);
  });

  it("pearson centres on the co-rated means; item-based orientation", () => {
    const { values } = computeSimilarities(small, { ...base, userBased: false, similarity: "pearson" });
    // i1, i2 are co-rated by u1 (3, 2) and u2 (5, 4): perfectly correlated
    expect(values[1 * 3 + 2]).toBeCloseTo(1, 14);
    // i0, i1 over u0,u1,u2: (5,3), (4,3), (1,5) → anti-correlated
    const a = [5, 4, 1];
    const b = [3, 3, 5];
    const ma = 10 / 3;
    const mb = 11 / 3;
    const num = a.reduce((s, v, k) => s + (v - ma) * (b[k] - mb), 0);
    const den = Math.sqrt(a.reduce((s, v) => s + (v - ma) ** 2, 0) * b.reduce((s, v) => s + (v - mb) ** 2, 0));
    expect(values[0 * 3 + 1]).toBeCloseTo(num / den, 14);
    expect(values[0 * 3 + 1]).toBeLessThan(-0.9);
  });

  it("pearson-baseline: residual correlation shrunk by (n−1)/(n−1+shrinkage), needs ≥ 2 co-ratings", () => {
    const bl: Baselines = { globalMean: 3, bu: Float64Array.of(0.5, 0, -0.5), bi: Float64Array.of(0.2, 0, -0.2) };
    const { values } = computeSimilarities(small, { userBased: true, similarity: "pearson-baseline", minSupport: 1, shrinkage: 10, baselines: bl });
    // u0,u1 on i0,i1: d0 = (5−3.7, 3−3.5) = (1.3, −0.5), d1 = (4−3.2, 3−3) = (0.8, 0)
    const rho = (1.3 * 0.8) / Math.sqrt((1.3 ** 2 + 0.5 ** 2) * 0.8 ** 2);
    expect(values[1]).toBeCloseTo(rho * (1 / 11), 14);
    // only one co-rated item → 0 even with minSupport 1
    const one = matrix(2, 2, [
      [0, 0, 5],
      [1, 0, 3],
      [1, 1, 4],
    ]);
    const s = computeSimilarities(one, {
      userBased: true,
      similarity: "pearson-baseline",
      minSupport: 1,
      shrinkage: 0,
      baselines: { globalMean: 4, bu: new Float64Array(2), bi: new Float64Array(2) },
    });
    expect(s.values[1]).toBe(0);
  });

  it("minSupport zeroes pairs with too few co-ratings; constant ratings give pearson 0", () => {
    const { values } = computeSimilarities(small, { ...base, minSupport: 3, userBased: true, similarity: "msd" });
    expect(values[0 * 3 + 1]).toBe(0); // 2 co-rated items
    expect(values[1 * 3 + 2]).toBeCloseTo(1 / (17 / 3 + 1), 14); // 3 co-rated items
    const flat = matrix(2, 3, [
      [0, 0, 4],
      [0, 1, 4],
      [0, 2, 4],
      [1, 0, 1],
      [1, 1, 3],
      [1, 2, 5],
    ]);
    expect(computeSimilarities(flat, { ...base, userBased: true, similarity: "pearson" }).values[1]).toBe(0);
  });

  it("throws InputError for pearson-baseline without baselines", () => {
    expect(() => computeSimilarities(small, { ...base, userBased: true, similarity: "pearson-baseline" })).toThrow(InputError);
    expect(() => computeSimilarities(small, { ...base, userBased: true, similarity: "pearson-baseline" })).toThrow(/needs baseline/);
  });
});

describe("computeSimilarities — against a naive all-pairs oracle", () => {
  const m = randomMatrix(37, 23, 0.3, 7);
  const bl = someBaselines(m, 3);
  for (const kind of ["msd", "cosine", "pearson", "pearson-baseline"] as const) {
    for (const userBased of [true, false]) {
      for (const minSupport of [1, 4]) {
        it(`${kind}, ${userBased ? "user" : "item"}-based, minSupport ${minSupport}`, () => {
          const got = computeSimilarities(m, { userBased, similarity: kind, minSupport, shrinkage: 25, baselines: bl });
          expectMatches(got.values, oracle(m, userBased, kind, minSupport, 25, bl));
        });
      }
    }
  }

  it("users / items without ratings have similarity 0 to everyone else", () => {
    const holes = matrix(4, 3, [
      [0, 0, 5],
      [0, 1, 2],
      [2, 0, 4],
      [2, 1, 1],
    ]);
    const { values } = computeSimilarities(holes, { ...base, userBased: true, similarity: "msd" });
    expect(values[0 * 4 + 2]).toBeCloseTo(1 / (1 + 1), 14);
    for (const other of [0, 2, 3]) expect(values[1 * 4 + other]).toBe(0);
    expect(values[1 * 4 + 1]).toBe(1);
  });
});
