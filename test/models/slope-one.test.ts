import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { fitSlopeOne, slopeOneModel } from "../../src/models/neighbourhood/slope-one";
import { expectSamePredictions, matrix, randomTriples, SMALL_TRIPLES } from "../helpers/matrices";

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
