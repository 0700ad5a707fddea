import { describe, expect, it } from "vitest";
import { Matrix } from "ml-matrix";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { Rng } from "../../src/core/random";
import { GD_DEFAULTS, fitGd, gdMfModel, type GdConfig, type GdPredictor } from "../../src/models/gradient/gd-mf";
import type { IterationReport } from "../../src/models/types";
import { matrix as triples } from "../helpers/matrices";

/** 5 users × 4 items, 12 observed entries; user 4 and item 3 have none. */
const obs: [number, number, number][] = [
  [0, 0, 5],
  [0, 1, 3],
  [0, 2, 4],
  [1, 0, 4],
  [1, 2, 1],
  [2, 1, 2],
  [2, 2, 3],
  [2, 0, 4],
  [3, 0, 1],
  [3, 1, 5],
  [3, 2, 2],
  [1, 1, 3],
];
const train = triples(5, 4, obs);

const toMatrix = (a: Float64Array, rows: number, d: number) =>
  new Matrix(Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * d, r * d + d))));

/** Oracle: one simultaneous step with dense ml-matrix algebra and an observation mask. */
function matrixStep(cfg: GdConfig, W0: Matrix, H0: Matrix, mu: number, b0: number[], c0: number[]) {
  const nU = W0.rows;
  const nI = H0.rows;
  const A = Matrix.zeros(nU, nI);
  const M = Matrix.zeros(nU, nI);
  for (const [u, i, v] of obs) {
    A.set(u, i, v);
    M.set(u, i, 1);
  }
  const pred = W0.mmul(H0.transpose());
  if (cfg.biased) for (let u = 0; u < nU; u++) for (let i = 0; i < nI; i++) pred.set(u, i, pred.get(u, i) + mu + b0[u] + c0[i]);
  const E = Matrix.sub(A, pred).mul(M); // residuals on Ω only
  const gradW = E.mmul(H0)
    .mul(-2)
    .add(Matrix.mul(W0, 2 * cfg.lambda));
  const gradH = E.transpose()
    .mmul(W0)
    .mul(-2)
    .add(Matrix.mul(H0, 2 * cfg.lambda));
  const W1 = Matrix.sub(W0, gradW.mul(cfg.lr));
  const H1 = Matrix.sub(H0, gradH.mul(cfg.lr));
  const rowSums = E.sum("row");
  const colSums = E.sum("column");
  const b1 = b0.map((b, u) => (cfg.biased ? b - cfg.lr * (-2 * rowSums[u] + 2 * cfg.lambda * b) : 0));
  const c1 = c0.map((c, i) => (cfg.biased ? c - cfg.lr * (-2 * colSums[i] + 2 * cfg.lambda * c) : 0));
  return { W1, H1, b1, c1 };
}

describe("gd-mf: update rule", () => {
  for (const biased of [false, true]) {
    it(`${biased ? "biased" : "unbiased"}: one epoch equals W − α∇_W L, H − α∇_H L from the same W, H (ml-matrix)`, () => {
      const cfg = gdMfModel.config({ d: 3, lr: 0.01, lambda: 0.7, biased, initScale: 0.5, seed: 6 });
      const init = fitGd(train, { ...cfg, maxIterations: 0 }).model;
      const one = fitGd(train, { ...cfg, maxIterations: 1 }).model;
      const mu = obs.reduce((s, x) => s + x[2], 0) / obs.length;
      const { W1, H1, b1, c1 } = matrixStep(cfg, toMatrix(init.W, 5, 3), toMatrix(init.H, 4, 3), mu, [0, 0, 0, 0, 0], [0, 0, 0, 0]);
      for (let u = 0; u < 5; u++) for (let f = 0; f < 3; f++) expect(one.W[u * 3 + f]).toBeCloseTo(W1.get(u, f), 12);
      for (let i = 0; i < 4; i++) for (let f = 0; f < 3; f++) expect(one.H[i * 3 + f]).toBeCloseTo(H1.get(i, f), 12);
      Array.from(one.b).forEach((x, u) => expect(x).toBeCloseTo(b1[u], 12));
      Array.from(one.c).forEach((x, i) => expect(x).toBeCloseTo(c1[i], 12));
    });
  }

  it("trainLoss is Σ_Ω e² + λ(‖W‖² + ‖H‖² + ‖b‖² + ‖c‖²) and decreases monotonically for a small step", () => {
    const r = gdMfModel.fit(train, gdMfModel.config({ d: 2, lr: 0.005, lambda: 0.3, maxIterations: 300, biased: true }));
    const m = r.model as GdPredictor;
    let obj = 0;
    for (const [u, i, v] of obs) obj += (v - m.predict(u, i)) ** 2;
    const ss = (a: Float64Array) => a.reduce((s, x) => s + x * x, 0);
    obj += 0.3 * (ss(m.W) + ss(m.H) + ss(m.b) + ss(m.c));
    const L = r.history.trainLoss;
    expect(L[L.length - 1]).toBeCloseTo(obj, 10);
    for (let k = 1; k < L.length; k++) expect(L[k]).toBeLessThanOrEqual(L[k - 1] + 1e-12);
    expect(L[L.length - 1]).toBeLessThan(L[0] / 3);
  });

  it("recovers exact rank-2 data (λ = 0): training RMSE → ~0", () => {
    const rng = new Rng(4);
    const U = Array.from({ length: 10 }, () => [1 + rng.next(), rng.next()]);
    const V = Array.from({ length: 8 }, () => [1 + rng.next(), rng.next()]);
    const t: [number, number, number][] = [];
    for (let u = 0; u < 10; u++) for (let i = 0; i < 8; i++) t.push([u, i, U[u][0] * V[i][0] + U[u][1] * V[i][1]]);
    const full = triples(10, 8, t);
    const r = gdMfModel.fit(full, gdMfModel.config({ d: 2, lr: 0.01, lambda: 0, maxIterations: 5000, initScale: 0.5 }));
    expect(scorePredictor(r.model, full).rmse).toBeLessThan(0.01);
  });

  it("stops early with converged = true once the relative decrease falls below tol", () => {
    const r = gdMfModel.fit(train, gdMfModel.config({ d: 2, lr: 0.005, lambda: 0.3, maxIterations: 100000, tol: 1e-6 }));
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(100000);
    const L = r.history.trainLoss;
    expect((L[L.length - 2] - L[L.length - 1]) / L[L.length - 2]).toBeLessThan(1e-6);
    const noTol = gdMfModel.fit(train, gdMfModel.config({ d: 2, lr: 0.005, maxIterations: 50 }));
    expect([noTol.iterations, noTol.converged]).toEqual([50, false]);
  });

  it("uniform init draws U[0, initScale) in order W then H", () => {
    const m = fitGd(train, gdMfModel.config({ d: 2, maxIterations: 0, init: "uniform", initScale: 2, seed: 3 })).model;
    const rng = new Rng(3);
    for (let k = 0; k < m.W.length; k++) expect(m.W[k]).toBe(2 * rng.next());
    for (let k = 0; k < m.H.length; k++) expect(m.H[k]).toBe(2 * rng.next());
  });
});

describe("gd-mf: contract", () => {
  it("unknown user/item → μ (unbiased) or μ + known bias (biased); fallbacks counted", () => {
    const probe = triples(5, 4, [
      [4, 0, 3],
      [0, 3, 3],
      [4, 3, 3],
      [0, 0, 3],
    ]);
    const mu = obs.reduce((s, x) => s + x[2], 0) / obs.length;
    const plain = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 20 })).model;
    expect(plain.predict(4, 0)).toBeCloseTo(mu, 14);
    expect(scorePredictor(plain, probe).fallbackCount).toBe(3);
    const biased = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 20, biased: true })).model as GdPredictor;
    expect(biased.predict(4, 0)).toBeCloseTo(mu + biased.c[0], 14);
    expect(biased.predict(0, 3)).toBeCloseTo(mu + biased.b[0], 14);
    expect(biased.isFallback(0, 0)).toBe(false);
  });

  it("deterministic with a seed; another seed differs", () => {
    const a = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 10, seed: 1 })).model;
    const b = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 10, seed: 1 })).model;
    const c = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 10, seed: 2 })).model;
    expect(b.predict(1, 2)).toBe(a.predict(1, 2));
    expect(c.predict(1, 2)).not.toBe(a.predict(1, 2));
  });

  it("reports each epoch with train/test metrics; diverges with a clear error", () => {
    const reports: IterationReport[] = [];
    const test = triples(5, 4, [[1, 1, 2]]);
    const r = gdMfModel.fit(train, gdMfModel.config({ maxIterations: 4 }), { test, onIteration: (x) => reports.push(x) });
    expect(reports.map((x) => x.iteration)).toEqual([1, 2, 3, 4]);
    expect(r.history.testMse[3]).toBeCloseTo(scorePredictor(r.model, test).mse, 12);
    expect(() => gdMfModel.fit(train, gdMfModel.config({ lr: 0.5, maxIterations: 500, initScale: 1 }))).toThrow(
      /^GD diverged at epoch \d+ \(loss (Infinity|NaN)\): lower the learning rate \(lr = 0\.5\)$/,
    );
  });
});

describe("gd-mf: config", () => {
  it("defaults and validation", () => {
    expect(gdMfModel.config({})).toEqual(GD_DEFAULTS);
    expect(() => gdMfModel.config({ lamda: 1 })).toThrow(SpecError);
    expect(() => gdMfModel.config({ lamda: 1 })).toThrow(
      'gd-mf config: lamda is not a parameter of gd-mf (did you mean "lambda"?); known: d, lr, lambda, maxIterations, init, initScale, biased, tol, seed',
    );
    expect(() => gdMfModel.config({ init: "gaussian" })).toThrow('gd-mf config: init must be one of "normal", "uniform", got "gaussian"');
    expect(() => gdMfModel.config({ d: 0 })).toThrow("gd-mf config: d must be ≥ 1, got 0");
    expect(() => gdMfModel.config({ lr: -1 })).toThrow("gd-mf config: lr must be > 0, got -1");
    expect(() => gdMfModel.config({ tol: -0.1 })).toThrow("gd-mf config: tol must be ≥ 0, got -0.1");
    expect(GD_DEFAULTS).toEqual({ d: 10, lr: 0.0005, lambda: 5, maxIterations: 200, init: "normal", initScale: 0.1, biased: false, tol: 0, seed: 0 });
  });

  it("accepts the old and the reference libraries' names as aliases, stored under the canonical names", () => {
    expect(gdMfModel.config({ epochs: 5, n_factors: 3, learning_rate: 0.01, reg: 0.2 })).toEqual({
      ...GD_DEFAULTS,
      d: 3,
      lr: 0.01,
      lambda: 0.2,
      maxIterations: 5,
    });
    expect(() => gdMfModel.config({ epochs: 5, maxIterations: 5 })).toThrow(
      "gd-mf config: maxIterations repeats a field: epochs is another name for maxIterations; give it once",
    );
  });
});
