import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { fitSlopeOne, slopeOneModel } from "../../src/models/neighbourhood/slope-one";
import { Rng } from "../../src/core/random";
import { generateSyntheticMatrix } from "../../src/data/synthetic";
import { expectSamePredictions, matrix, randomTriples, SMALL_TRIPLES, type Triple } from "../helpers/matrices";
import { hasMl100k, loadFold } from "../helpers/ml100k";
import { fitDenseSlopeOne } from "./slope-one-dense";

/** Naive Slope One straight from the definition (dense table, explicit loops over users). */
function naiveSlopeOne(m: RatingsMatrix): (u: number, i: number) => number {
  const R: (number | undefined)[][] = Array.from({ length: m.nUsers }, () => new Array(m.nItems).fill(undefined));
  for (let k = 0; k < m.nnz; k++) R[m.users[k]][m.items[k]] = m.values[k];
  const mu = Array.from(m.values).reduce((a, b) => a + b, 0) / m.nnz;
  return (u, i) => {
    const rated = R[u].flatMap((v, j) => (v === undefined ? [] : [j]));
    const raters = R.flatMap((row, v) => (row[i] === undefined ? [] : [v]));
    if (rated.length === 0 || raters.length === 0) return mu;
    const meanU = rated.reduce((s, j) => s + R[u][j]!, 0) / rated.length;
    const devs: number[] = [];
    for (const j of rated) {
      const common = R.filter((row) => row[i] !== undefined && row[j] !== undefined);
      if (common.length > 0) devs.push(common.reduce((s, row) => s + row[i]! - row[j]!, 0) / common.length);
    }
    return devs.length === 0 ? meanU : meanU + devs.reduce((a, b) => a + b, 0) / devs.length;
  };
}

// u0: i0=5 i1=3 ; u1: i0=4 i1=3 i2=2 ; u2: i0=1 i1=5 i2=4 ; u3: i3=2 ; u4 no ratings ; i4 no ratings
const small = matrix(5, 5, [...SMALL_TRIPLES, [3, 3, 2]]);
const mu = 29 / 9;

describe("slope-one — hand-computed", () => {
  it("μ_u + mean deviation over the relevant items", () => {
    const { model, iterations, converged } = fitSlopeOne(small);
    expect(iterations).toBe(0);
    expect(converged).toBe(true);
    // dev(i2,i0) over u1,u2: (−2 + 3)/2 = 0.5;  dev(i2,i1): (−1 + −1)/2 = −1;  μ_u0 = 4
    expect(model.deviation(2, 0)).toBeCloseTo(0.5, 14);
    expect(model.deviation(0, 2)).toBeCloseTo(-0.5, 14);
    expect(model.deviation(2, 1)).toBeCloseTo(-1, 14);
    expect(model.predict(0, 2)).toBeCloseTo(4 + (0.5 - 1) / 2, 14);
  });

  it("items with no common user are not relevant; none relevant → the user's mean", () => {
    const { model } = fitSlopeOne(small);
    expect(Number.isNaN(model.deviation(0, 3))).toBe(true);
    // u3 rated only i3, which shares no user with i0
    expect(model.predict(3, 0)).toBeCloseTo(2, 14);
    expect(model.isFallback(3, 0)).toBe(false);
  });

  it("unknown user or item → global mean, counted as fallback", () => {
    const { model } = fitSlopeOne(small);
    expect(model.predict(4, 0)).toBeCloseTo(mu, 14);
    expect(model.predict(0, 4)).toBeCloseTo(mu, 14);
    expect(model.isFallback(4, 0)).toBe(true);
    const probe = matrix(5, 5, [
      [4, 0, 3],
      [0, 4, 3],
      [1, 1, 3],
    ]);
    expect(scorePredictor(model, probe).fallbackCount).toBe(2);
  });
});

describe("slope-one — against the naive definition", () => {
  const m = matrix(31, 26, randomTriples(5, 30, 25, 0.25));
  it("every (user, item) pair matches, including fallbacks", () => {
    const { model } = fitSlopeOne(m);
    const naive = naiveSlopeOne(m);
    expectSamePredictions(m.nUsers, m.nItems, (u, i) => model.predict(u, i), naive, 1e-12);
  });

  it("is deterministic", () => {
    const a = fitSlopeOne(m).model;
    const b = fitSlopeOne(m).model;
    for (let u = 0; u < m.nUsers; u++) for (let i = 0; i < m.nItems; i++) expect(a.predict(u, i)).toBe(b.predict(u, i));
  });
});

describe("slope-one — definition and config", () => {
  it("has no parameters; any key is refused", () => {
    expect(slopeOneModel.name).toBe("slope-one");
    expect(slopeOneModel.defaults).toEqual({});
    expect(slopeOneModel.config({})).toEqual(slopeOneModel.defaults);
    expect(slopeOneModel.config({ model: "slope-one" })).toEqual({});
    expect(() => slopeOneModel.config({ weighted: true })).toThrow(SpecError);
    expect(() => slopeOneModel.config({ weighted: true })).toThrow(/^slope-one config: weighted is not a parameter of slope-one \(it takes none\)/);
    expect(slopeOneModel.fit(small, {}).model.predict(0, 2)).toBeCloseTo(3.75, 14);
  });

  it("an empty training matrix is refused", () => {
    expect(() => fitSlopeOne(matrix(2, 2, []))).toThrow(/slope-one: the training matrix has no ratings/);
  });
});

/** Every prediction, fallback flag and deviation of `m` bitwise equal to the dense implementation of mflab ≤ 0.3.0. */
function expectBitwiseDense(m: RatingsMatrix, pairs?: readonly [number, number][]): void {
  const sparse = fitSlopeOne(m).model;
  const dense = fitDenseSlopeOne(m);
  const all = pairs ?? Array.from({ length: m.nUsers * m.nItems }, (_, k): [number, number] => [Math.floor(k / m.nItems), k % m.nItems]);
  for (const [u, i] of all) {
    const got = sparse.predict(u, i);
    const want = dense.predict(u, i);
    if (!Object.is(got, want)) throw new Error(`predict(${u}, ${i}) = ${got}, dense ${want}`);
    expect(sparse.isFallback(u, i)).toBe(dense.isFallback(u, i));
  }
  if (pairs === undefined) {
    for (let i = 0; i < m.nItems; i++) {
      for (let j = 0; j < m.nItems; j++) {
        if (!Object.is(sparse.deviation(i, j), dense.deviation(i, j)))
          throw new Error(`deviation(${i}, ${j}) = ${sparse.deviation(i, j)}, dense ${dense.deviation(i, j)}`);
      }
    }
    let coRated = 0;
    for (let i = 0; i < m.nItems; i++) for (let j = i + 1; j < m.nItems; j++) if (!Number.isNaN(dense.deviation(i, j))) coRated++;
    expect(sparse.pairCount).toBe(coRated);
  }
}

describe("slope-one — sparse deviations, bitwise equal to the dense table of mflab ≤ 0.3.0", () => {
  it("on random matrices of several densities, with empty users and items", () => {
    for (const [seed, density] of [
      [1, 0.05],
      [2, 0.2],
      [3, 0.5],
      [4, 0.9],
    ] as const) {
      expectBitwiseDense(matrix(23, 31, randomTriples(seed, 23, 31, density, [4, 17], [0, 9, 30])));
    }
  });

  it("with repeated (user, item) ratings, zero and negative ratings (−0 deviations) and a single rating", () => {
    const rng = new Rng(7);
    const triples: Triple[] = [];
    for (let k = 0; k < 400; k++) triples.push([rng.int(15), rng.int(20), rng.int(5) - 2]);
    for (let k = 0; k < 30; k++) triples.push(triples[rng.int(triples.length)]); // exact repeats
    for (let k = 0; k < 30; k++) {
      const [u, i] = triples[rng.int(triples.length)];
      triples.push([u, i, rng.int(5) - 2]); // same pair, another rating
    }
    expectBitwiseDense(matrix(16, 21, triples));
    expectBitwiseDense(matrix(3, 4, [[1, 2, 4]]));
    expectBitwiseDense(matrix(3, 3, [...SMALL_TRIPLES]));
  });

  it.skipIf(!hasMl100k)("on MovieLens 100K u1: every test and training rating and 20,000 random (user, item) pairs", () => {
    const { train, test } = loadFold("u1");
    const rng = new Rng(11);
    const pairs: [number, number][] = [];
    for (const m of [test, train]) for (let k = 0; k < m.nnz; k++) pairs.push([m.users[k], m.items[k]]);
    for (let k = 0; k < 20_000; k++) pairs.push([rng.int(train.nUsers), rng.int(train.nItems)]);
    expectBitwiseDense(train, pairs);
    // far fewer co-rated pairs than item pairs: 852,848 of 1,413,721
    expect(fitSlopeOne(train).model.pairCount).toBe(852_848);
  });

  it("fits 10,000 items (an ml-latest-small-sized synthetic set) that the dense table refused, with the memory it declares", () => {
    const { matrix: m } = generateSyntheticMatrix({ nUsers: 610, nItems: 10_000, nRatings: 100_000, seed: 5 });
    const { model } = fitSlopeOne(m);
    // Each stored pair costs 24 bytes (an int32 item and a float64 deviation, in both rows): far below the 800 MB
    // of a dense 10,000 × 10,000 table here, and bounded by the declared estimate (whose worst case, every item
    // pair co-rated, is 12·n_items² bytes).
    const stored = 24 * model.pairCount;
    const declared = slopeOneModel.memoryBytes!({ nUsers: m.nUsers, nItems: m.nItems, nnz: m.nnz }, {});
    expect(stored).toBeLessThanOrEqual(declared);
    expect(stored).toBeLessThan((8 * 10_000 * 10_000) / 2);
    // Predictions agree bitwise with the definition computed pair by pair, in the dense table's order.
    const byItem = m.byItem();
    const byUser = m.byUser();
    const raters = (i: number) => {
      const map = new Map<number, number>();
      for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) map.set(byItem.indices[p], byItem.values[p]);
      return map;
    };
    /** dev(a, b) for a < b as the dense fit accumulated it: Σ over common users (ascending) of r_ua − r_ub. */
    const upperDev = (a: number, b: number): number => {
      const ra = raters(a);
      const rb = raters(b);
      let acc = 0;
      let n = 0;
      for (const [u, r] of ra) {
        const s = rb.get(u);
        if (s !== undefined) {
          acc += r - s;
          n++;
        }
      }
      return n === 0 ? NaN : acc / n;
    };
    const rng = new Rng(3);
    for (let t = 0; t < 40; t++) {
      const u = rng.int(m.nUsers);
      const i = m.items[rng.int(m.nnz)]; // a rated item
      let sum = 0;
      let count = 0;
      let userSum = 0;
      for (let p = byUser.indptr[u]; p < byUser.indptr[u + 1]; p++) {
        const j = byUser.indices[p];
        userSum += byUser.values[p];
        const d = j === i ? 0 : i < j ? upperDev(i, j) : -upperDev(j, i);
        if (!Number.isNaN(d)) {
          sum += d;
          count++;
        }
      }
      const mu = userSum / (byUser.indptr[u + 1] - byUser.indptr[u]);
      const want = count > 0 ? mu + sum / count : mu;
      expect(Object.is(model.predict(u, i), want), `predict(${u}, ${i}) = ${model.predict(u, i)}, definition ${want}`).toBe(true);
    }
  });
});
