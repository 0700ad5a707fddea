import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { InputError, SpecError } from "../../src/core/errors";
import { topN } from "../../src/metrics/ranking";
import { denseGram } from "../../src/linalg/gram";
import {
  IMPLICIT_ALS_DEFAULTS,
  ImplicitAlsModel,
  ImplicitWorkspace,
  fitImplicitAls,
  implicitAlsConfig,
  implicitAlsModel,
  implicitHalfStep,
  implicitObjective,
  implicitSolveRow,
  preferenceError,
  type ImplicitAlsConfig,
  type ImplicitHalfStep,
} from "../../src/models/als/implicit-als";
import { fitPopularity, popularityConfig, popularityModel } from "../../src/models/baselines/popularity";
import { Rng } from "../../src/core/random";
import { matrix, randomRatings as randomCounts, type Triple } from "../helpers/matrices";

const cfg = (partial: Partial<ImplicitAlsConfig>): ImplicitAlsConfig => implicitAlsConfig(partial as Record<string, unknown>);

function randomFactors(seed: number, n: number, d: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => rng.gaussian() * 0.5);
}

/** Dense matrix of the stored values (0 where nothing is stored). */
function dense(R: RatingsMatrix): number[][] {
  const D = Array.from({ length: R.nUsers }, () => new Array<number>(R.nItems).fill(0));
  for (let e = 0; e < R.nnz; e++) D[R.users[e]][R.items[e]] = R.values[e];
  return D;
}

/**
 * Oracle user half-step WITHOUT the YᵀY trick: for each user, A = Σ_{all items} c_ui y_i y_iᵀ + λI and
 * b = Σ_{all items} c_ui p_ui y_i over the full dense row, solved by ml-matrix (LU).
 */
function oracleUserStep(R: RatingsMatrix, Y: Float64Array, d: number, lambda: number, alpha: number, log = false, eps = 1): number[][] {
  const D = dense(R);
  return D.map((rowVals) => {
    if (rowVals.every((v) => v === 0)) return new Array<number>(d).fill(0);
    const A = Matrix.eye(d, d).mul(lambda);
    const b = Matrix.zeros(d, 1);
    rowVals.forEach((r, i) => {
      const c = 1 + (log ? alpha * Math.log(1 + r / eps) : alpha * r);
      const p = r > 0 ? 1 : 0;
      for (let a = 0; a < d; a++) {
        b.set(a, 0, b.get(a, 0) + c * p * Y[i * d + a]);
        for (let q = 0; q < d; q++) A.set(a, q, A.get(a, q) + c * Y[i * d + a] * Y[i * d + q]);
      }
    });
    return solve(A, b).getColumn(0);
  });
}

/** Brute-force objective over every (u, i) pair. */
function oracleObjective(R: RatingsMatrix, X: Float64Array, Y: Float64Array, d: number, lambda: number, alpha: number): number {
  const D = dense(R);
  let L = 0;
  for (let u = 0; u < R.nUsers; u++)
    for (let i = 0; i < R.nItems; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += X[u * d + a] * Y[i * d + a];
      const r = D[u][i];
      const p = r > 0 ? 1 : 0;
      L += (1 + alpha * r) * (p - s) ** 2;
    }
  let pen = 0;
  for (const v of X) pen += v * v;
  for (const v of Y) pen += v * v;
  return L + lambda * pen;
}

function step(R: RatingsMatrix, Y: Float64Array, X: Float64Array, d: number, over: Partial<ImplicitHalfStep> = {}): ImplicitHalfStep {
  return {
    csr: R.byUser(),
    fixed: Y,
    fixedGram: new Float64Array(d * d),
    solved: X,
    d,
    lambda: 0.7,
    alpha: 3,
    confidence: "linear",
    epsilon: 1,
    solver: "cholesky",
    cgSteps: 3,
    ...over,
  };
}

describe("implicit ALS half-step (YᵀY + Yᵀ(C_u − I)Y trick)", () => {
  const d = 5;
  const R = randomCounts(1, 9, 14, 0.3, [4], [2]);
  const Y0 = randomFactors(2, R.nItems, d);

  for (const simd of [true, false]) {
    it(`Cholesky rows equal the dense full-row solve to 1e-10 (simd: ${simd})`, () => {
      const X = randomFactors(3, R.nUsers, d);
      const ws = ImplicitWorkspace.forMatrix(R, d, { simd });
      if (!simd) expect(ws.simd).toBe(false);
      implicitHalfStep(step(R, Y0, X, d), ws);
      const want = oracleUserStep(R, Y0, d, 0.7, 3);
      for (let u = 0; u < R.nUsers; u++) {
        for (let a = 0; a < d; a++) expect(Math.abs(X[u * d + a] - want[u][a])).toBeLessThan(1e-10);
      }
      // User 4 has no interactions: exactly zero.
      expect(Array.from(X.subarray(4 * d, 5 * d))).toEqual([0, 0, 0, 0, 0]);
    });
  }

  it("log confidence 1 + α log(1 + r/ε) matches the oracle", () => {
    const X = new Float64Array(R.nUsers * d);
    implicitHalfStep(step(R, Y0, X, d, { confidence: "log", epsilon: 0.5 }), ImplicitWorkspace.forMatrix(R, d));
    const want = oracleUserStep(R, Y0, d, 0.7, 3, true, 0.5);
    for (let u = 0; u < R.nUsers; u++) for (let a = 0; a < d; a++) expect(X[u * d + a]).toBeCloseTo(want[u][a], 10);
  });

  it("CG with d steps reaches the exact solve; 1 step from a warm start is inexact but improves", () => {
    const want = oracleUserStep(R, Y0, d, 0.7, 3);
    const X = randomFactors(5, R.nUsers, d);
    implicitHalfStep(step(R, Y0, X, d, { solver: "cg", cgSteps: 2 * d }), ImplicitWorkspace.forMatrix(R, d));
    for (let u = 0; u < R.nUsers; u++) for (let a = 0; a < d; a++) expect(Math.abs(X[u * d + a] - want[u][a])).toBeLessThan(1e-8);

    const X1 = randomFactors(5, R.nUsers, d);
    const dist = (F: Float64Array) => want.reduce((s, w, u) => s + w.reduce((t, v, a) => t + (F[u * d + a] - v) ** 2, 0), 0);
    const before = dist(X1);
    const ws = ImplicitWorkspace.forMatrix(R, d);
    implicitHalfStep(step(R, Y0, X1, d, { solver: "cg", cgSteps: 1 }), ws);
    const after = dist(X1);
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThan(1e-12);
  });

  it.each([true, false])("a single row exposes its arithmetic: system = YᵀY + Σ w y yᵀ + λI, rhs = Σ c y (simd: %s)", (simd) => {
    const X = new Float64Array(R.nUsers * d);
    const s = step(R, Y0, X, d);
    denseGram(Y0, R.nItems, d, s.fixedGram);
    const ws = ImplicitWorkspace.forMatrix(R, d, { simd, recordSystem: true });
    const u = 0;
    implicitSolveRow(s, u, ws);
    const csr = R.byUser();
    const A = Matrix.eye(d, d).mul(0.7);
    const b = new Array<number>(d).fill(0);
    for (let i = 0; i < R.nItems; i++)
      for (let a = 0; a < d; a++) for (let q = 0; q < d; q++) A.set(a, q, A.get(a, q) + Y0[i * d + a] * Y0[i * d + q]);
    for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) {
      const i = csr.indices[p];
      const w = 3 * csr.values[p];
      for (let a = 0; a < d; a++) {
        b[a] += (1 + w) * Y0[i * d + a];
        for (let q = 0; q < d; q++) A.set(a, q, A.get(a, q) + w * Y0[i * d + a] * Y0[i * d + q]);
      }
    }
    for (let a = 0; a < d; a++) {
      expect(ws.rhs[a]).toBeCloseTo(b[a], 12);
      for (let q = 0; q < d; q++) expect(ws.system[a * d + q]).toBeCloseTo(A.get(a, q), 11);
    }
  });

  it("rejects a workspace of the wrong size", () => {
    const X = new Float64Array(R.nUsers * d);
    expect(() => implicitSolveRow(step(R, Y0, X, d), 0, new ImplicitWorkspace(d + 1, 20))).toThrow(/workspace is for d = 6/);
    expect(() => implicitSolveRow(step(R, Y0, X, d), 0, new ImplicitWorkspace(d, 1))).toThrow(/workspace holds 1/);
  });
});

describe("implicit objective", () => {
  it("the ⟨XᵀX, YᵀY⟩ identity equals the brute-force sum over all pairs", () => {
    const d = 4;
    const R = randomCounts(11, 7, 10, 0.35);
    const X = randomFactors(12, R.nUsers, d);
    const Y = randomFactors(13, R.nItems, d);
    const model = new ImplicitAlsModel(d, R.nUsers, R.nItems, X, Y, new Int32Array(R.nUsers).fill(1), new Int32Array(R.nItems).fill(1));
    const got = implicitObjective(model, R, { lambda: 0.3, alpha: 2, confidence: "linear", epsilon: 1 });
    const want = oracleObjective(R, X, Y, d, 0.3, 2);
    expect(Math.abs(got.loss - want) / want).toBeLessThan(1e-12);
    // Preference error on the stored positives: mean (1 − s)².
    let se = 0;
    for (let e = 0; e < R.nnz; e++) se += (1 - model.predict(R.users[e], R.items[e])) ** 2;
    expect(got.train.mse).toBeCloseTo(se / R.nnz, 12);
    expect(preferenceError(model, R).mse).toBeCloseTo(se / R.nnz, 12);
  });
});

describe("fitImplicitAls", () => {
  const R = randomCounts(21, 30, 40, 0.15, [7], [5]);

  it("Cholesky: the objective never increases; history and hook agree", () => {
    const reports: number[] = [];
    const res = fitImplicitAls(R, cfg({ d: 6, lambda: 0.5, alpha: 4, maxIterations: 8 }), { onIteration: (r) => reports.push(r.trainLoss) });
    expect(res.iterations).toBe(8);
    expect(res.history.trainLoss).toEqual(reports);
    for (let t = 1; t < reports.length; t++) expect(reports[t]).toBeLessThanOrEqual(reports[t - 1] * (1 + 1e-12));
    // The reported loss is the brute-force objective of the final factors.
    const m = res.model;
    expect(reports[7]).toBeCloseTo(oracleObjective(R, m.userFactors, m.itemFactors, 6, 0.5, 4), 6);
    expect(res.history.testMse.every(Number.isNaN)).toBe(true);
  });

  it("CG (3 steps) reaches an objective within 1% of Cholesky's after 10 iterations", () => {
    const chol = fitImplicitAls(R, cfg({ d: 6, lambda: 0.5, alpha: 4, maxIterations: 10 }));
    const cg = fitImplicitAls(R, cfg({ d: 6, lambda: 0.5, alpha: 4, maxIterations: 10, solver: "cg", cgSteps: 3 }));
    const a = chol.history.trainLoss[9];
    const b = cg.history.trainLoss[9];
    expect(Math.abs(a - b) / a).toBeLessThan(0.01);
    expect(cg.history.trainLoss[9]).toBeLessThan(cg.history.trainLoss[0]);
  });

  it("users/items without interactions are zero, score 0 and are fallbacks; seeded fits repeat exactly", () => {
    const a = fitImplicitAls(R, cfg({ d: 4, maxIterations: 3, seed: 5 }));
    const b = fitImplicitAls(R, cfg({ d: 4, maxIterations: 3, seed: 5 }));
    const c = fitImplicitAls(R, cfg({ d: 4, maxIterations: 3, seed: 6, solver: "cg" }));
    expect(Array.from(a.model.userFactors)).toEqual(Array.from(b.model.userFactors));
    expect(Array.from(c.model.userFactors)).not.toEqual(Array.from(a.model.userFactors));
    const m = a.model;
    expect(m.isFallback(7, 0)).toBe(true);
    expect(m.isFallback(0, 5)).toBe(true);
    expect(m.isFallback(-1, 0)).toBe(true);
    expect(m.isFallback(0, 40)).toBe(true);
    expect(m.isFallback(0, 0)).toBe(false);
    expect(m.predict(7, 3)).toBe(0);
    expect(m.predict(0, 5)).toBe(0);
    const out = new Float64Array(R.nItems);
    m.scoreUser(3, out);
    for (let i = 0; i < R.nItems; i++) expect(out[i]).toBeCloseTo(m.predict(3, i), 12);
  });

  it("with a test set reports the preference-score error (p = 1 on positives)", () => {
    const test = randomCounts(22, 30, 40, 0.05);
    const res = fitImplicitAls(R, cfg({ d: 4, maxIterations: 2 }), { test });
    const want = preferenceError(res.model, test);
    expect(res.history.testMse[1]).toBeCloseTo(want.mse, 12);
    expect(res.history.testMae[1]).toBeCloseTo(want.mae, 12);
  });

  it("stored zeros are unobserved (p = 0, c = 1): same fit as without them", () => {
    const withZeros = matrix(R.nUsers, R.nItems, [
      ...Array.from({ length: R.nnz }, (_, e): Triple => [R.users[e], R.items[e], R.values[e]]),
      [7, 1, 0],
      [0, 5, 0],
    ]);
    const a = fitImplicitAls(R, cfg({ d: 4, maxIterations: 3 })).model;
    const b = fitImplicitAls(withZeros, cfg({ d: 4, maxIterations: 3 })).model;
    for (let k = 0; k < a.userFactors.length; k++) expect(b.userFactors[k]).toBeCloseTo(a.userFactors[k], 10);
    expect(b.isFallback(7, 1)).toBe(true);
  });

  it("refuses negative, non-finite or all-zero data", () => {
    expect(() => fitImplicitAls(matrix(2, 2, [[0, 0, -1]]), cfg({}))).toThrow(InputError);
    expect(() => fitImplicitAls(matrix(2, 2, [[0, 1, -1]]), cfg({}))).toThrow(/value 0 \(user 0, item 1\) is -1/);
    expect(() => fitImplicitAls(matrix(2, 2, [[0, 1, NaN]]), cfg({}))).toThrow(/is NaN/);
    expect(() => fitImplicitAls(matrix(2, 2, [[0, 1, 0]]), cfg({}))).toThrow(/no positive interactions/);
  });
});

describe("implicit-als config", () => {
  it("defaults and validation messages", () => {
    expect(implicitAlsConfig({})).toEqual({ ...IMPLICIT_ALS_DEFAULTS });
    expect(IMPLICIT_ALS_DEFAULTS).toEqual({
      d: 32,
      lambda: 100,
      alpha: 5,
      confidence: "linear",
      epsilon: 1,
      maxIterations: 15,
      solver: "cholesky",
      cgSteps: 3,
      initScale: 0.01,
      seed: 0,
    });
    expect(implicitAlsModel.name).toBe("implicit-als");
    expect(() => implicitAlsConfig({ lambda: 0 })).toThrow("implicit-als config: lambda must be > 0, got 0");
    expect(() => implicitAlsConfig({ solver: "lu" })).toThrow(
      'implicit-als config: solver must be one of "cholesky", "cg" (did you mean "cg"?), got "lu"',
    );
    expect(() => implicitAlsConfig({ d: 2.5 })).toThrow(SpecError);
    expect(() => implicitAlsConfig({ d: 2.5 })).toThrow("implicit-als config: d must be an integer, got 2.5");
    expect(() => implicitAlsConfig({ cgSteps: 0 })).toThrow("implicit-als config: cgSteps must be ≥ 1, got 0");
    expect(() => implicitAlsConfig({ alpha: -1 })).toThrow("implicit-als config: alpha must be ≥ 0, got -1");
  });

  it("a typo of a parameter suggests that parameter (not another parameter's alias)", () => {
    // "alpah" is as close to "alphaW" (an alias of lambda) as to "alpha"; the hint must name alpha.
    expect(() => implicitAlsConfig({ alpah: 3 })).toThrow(
      'implicit-als config: alpah is not a parameter of implicit-als (did you mean "alpha"?); known: d, lambda, alpha, confidence, epsilon, maxIterations, solver, cgSteps, initScale, seed',
    );
  });

  it("accepts implicit's and the old names as aliases, stored under the canonical names", () => {
    expect(implicitAlsConfig({ factors: 8, regularization: 0.5, iterations: 4, random_state: 2 })).toEqual({
      ...IMPLICIT_ALS_DEFAULTS,
      d: 8,
      lambda: 0.5,
      maxIterations: 4,
      seed: 2,
    });
    expect(() => implicitAlsConfig({ iterations: 4, maxIterations: 4 })).toThrow(
      "implicit-als config: maxIterations repeats a field: iterations is another name for maxIterations; give it once",
    );
  });
});

describe("topN", () => {
  // Hand-set factors (d = 1): scores for user 0 are y_i.
  const Y = Float64Array.of(0.5, 2, -1, 2, 0.7, 3);
  const model = new ImplicitAlsModel(1, 1, 6, Float64Array.of(1), Y, Int32Array.of(1), Int32Array.of(1, 1, 1, 1, 1, 0));
  it("ranks by score, ties to the lower index, unknown items score 0, excluded items skipped", () => {
    expect(topN(model, 0, 3).map((r) => r.item)).toEqual([1, 3, 4]);
    const seen = matrix(1, 6, [[0, 3, 1]]).byUser();
    expect(topN(model, 0, 3, { exclude: seen })).toEqual([
      { item: 1, score: 2 },
      { item: 4, score: 0.7 },
      { item: 0, score: 0.5 },
    ]);
    // Item 5 has no training positives: score 0 (not 3), ranked between 0.5 and −1.
    expect(topN(model, 0, 10).map((r) => r.item)).toEqual([1, 3, 4, 0, 5, 2]);
  });
  it("checks n and the catalogue size", () => {
    expect(() => topN(model, 0, 0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => topN({ predict: () => 1 }, 0, 2)).toThrow(/pass options.nItems/);
    expect(topN({ predict: (_u, i) => -i }, 0, 2, { nItems: 4 }).map((r) => r.item)).toEqual([0, 1]);
  });
});

describe("popularity", () => {
  const R = matrix(3, 4, [
    [0, 1, 5],
    [1, 1, 1],
    [2, 1, 2],
    [0, 2, 4],
    [1, 2, 4],
    [2, 0, 0],
  ]);
  it("scores items by their number of positive training interactions", () => {
    const m = fitPopularity(R).model;
    expect([0, 1, 2, 3].map((i) => m.predict(0, i))).toEqual([0, 3, 2, 0]);
    expect(m.isFallback(0, 0)).toBe(true);
    expect(m.isFallback(1, 1)).toBe(false);
    expect(m.isFallback(99, 1)).toBe(true); // an unknown user gets the popularity ranking, counted as a fallback
    // User 2 has seen items 1 and 0 (a stored 0 still counts as seen for exclusion).
    expect(topN(m, 2, 2, { exclude: R.byUser() }).map((r) => r.item)).toEqual([2, 3]);
    expect(popularityModel.fit(R, popularityConfig({})).iterations).toBe(0);
  });
  it("has no parameters", () => {
    expect(() => popularityConfig({ alpha: 1 })).toThrow(/^popularity config: alpha is not a parameter of popularity \(it takes none\)/);
    expect(() => fitPopularity(matrix(1, 1, []))).toThrow(/no positive interactions/);
  });
});
