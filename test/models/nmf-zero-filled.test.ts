import { Matrix, SVD } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { RatingsMatrix } from "../../src/data/ratings";
import { InputError, SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import {
  fitNmfZeroFilled,
  fitNmfZeroFilledFrom,
  initializeNmf,
  NMF_ZERO_FILLED_DEFAULTS,
  nmfZeroFilledModel,
  randomizedSvd,
} from "../../src/models/nmf/nmf-zero-filled";
import { Rng } from "../../src/core/random";

/** Ratings from a dense array (0 = missing). */
function fromDense(rows: number[][]): RatingsMatrix {
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  rows.forEach((row, x) =>
    row.forEach((r, y) => {
      if (r !== 0) {
        u.push(x);
        i.push(y);
        v.push(r);
      }
    }),
  );
  return new RatingsMatrix(rows.length, rows[0].length, Int32Array.from(u), Int32Array.from(i), Float64Array.from(v));
}

/** A sparse non-negative n × m matrix (dense copy and ratings), ~density of the cells in 1..5. */
function randomSparse(seed: number, n: number, m: number, density: number): { dense: number[][]; ratings: RatingsMatrix } {
  const rng = new Rng(seed);
  const dense = Array.from({ length: n }, () => Array.from({ length: m }, () => (rng.next() < density ? 1 + rng.int(5) : 0)));
  // Every row and column gets at least one rating so that no factor is trivially zero.
  for (let x = 0; x < n; x++) dense[x][x % m] ||= 3;
  for (let y = 0; y < m; y++) dense[y % n][y] ||= 2;
  return { dense, ratings: fromDense(dense) };
}

const W = (d: Float64Array, rows: number, k: number) => new Matrix(Array.from({ length: rows }, (_, r) => Array.from(d.subarray(r * k, r * k + k))));

describe("nmf-zero-filled (sklearn-style NMF of the zero-filled matrix)", () => {
  // X = [[2, 0], [1, 3]], W = (1, 1)ᵀ, H = (1, 1), k = 1.
  const x2 = () =>
    fromDense([
      [2, 0],
      [1, 3],
    ]);
  const ones = () => ({ w: Float64Array.from([1, 1]), ht: Float64Array.from([1, 1]) });

  it("cd: matches a hand-computed iteration", () => {
    const cfg = nmfZeroFilledModel.config({ d: 1, maxIterations: 1 });
    const { model, history, iterations } = fitNmfZeroFilledFrom(x2(), cfg, ones());
    // W: HHᵀ = 2, XHᵀ = (2, 4): w0 −= (2 − 2)/2 → 1, w1 −= (2 − 4)/2 → 2.
    // H: WᵀW = 5, XᵀW = (2·1 + 1·2, 3·2) = (4, 6): h0 −= (5 − 4)/5 → 0.8, h1 −= (5 − 6)/5 → 1.2.
    expect(Array.from(model.w)).toEqual([1, 2]);
    expect(model.ht[0]).toBeCloseTo(0.8, 14);
    expect(model.ht[1]).toBeCloseTo(1.2, 14);
    // ½‖X − WH‖² with WH = [[0.8, 1.2], [1.6, 2.4]]: ½ (1.44 + 1.44 + 0.36 + 0.36) = 1.8.
    expect(history.trainLoss[0]).toBeCloseTo(1.8, 12);
    expect(iterations).toBe(1);
    // Train metrics are over the 3 observed ratings only: errors 1.2, −0.6, 0.6.
    expect(history.trainMse[0]).toBeCloseTo((1.44 + 0.36 + 0.36) / 3, 12);
  });

  it("cd: matches a hand-computed iteration with L1 + L2 regularization", () => {
    const cfg = nmfZeroFilledModel.config({ d: 1, maxIterations: 1, lambda: 0.1, l1Ratio: 0.5 });
    const { model, history } = fitNmfZeroFilledFrom(x2(), cfg, ones());
    // n_samples = n_features = 2: l1 = 2·0.1·0.5 = 0.1 and l2 = 0.1 for both W and H (lambdaH "same").
    const hess = 2 + 0.1;
    const w0 = Math.max(0, 1 - (hess * 1 - (2 - 0.1)) / hess);
    const w1 = Math.max(0, 1 - (hess * 1 - (4 - 0.1)) / hess);
    const hessH = w0 * w0 + w1 * w1 + 0.1;
    const h0 = Math.max(0, 1 - (hessH * 1 - (2 * w0 + 1 * w1 - 0.1)) / hessH);
    const h1 = Math.max(0, 1 - (hessH * 1 - (3 * w1 - 0.1)) / hessH);
    expect(model.w[0]).toBeCloseTo(w0, 14);
    expect(model.w[1]).toBeCloseTo(w1, 14);
    expect(model.ht[0]).toBeCloseTo(h0, 14);
    expect(model.ht[1]).toBeCloseTo(h1, 14);
    const resid = (2 - w0 * h0) ** 2 + (0 - w0 * h1) ** 2 + (1 - w1 * h0) ** 2 + (3 - w1 * h1) ** 2;
    const loss = 0.5 * resid + 0.1 * (w0 + w1) + 0.05 * (w0 * w0 + w1 * w1) + 0.1 * (h0 + h1) + 0.05 * (h0 * h0 + h1 * h1);
    expect(history.trainLoss[0]).toBeCloseTo(loss, 12);
  });

  it("mu: matches a hand-computed iteration with regularization", () => {
    const cfg = nmfZeroFilledModel.config({ d: 1, maxIterations: 1, solver: "mu", lambda: 0.1, l1Ratio: 0.5 });
    const { model } = fitNmfZeroFilledFrom(x2(), cfg, ones());
    // W ← W · XHᵀ / (W HHᵀ + l1 + l2 W) = (2, 4) / (2 + 0.1 + 0.1).
    const w0 = 2 / 2.2;
    const w1 = 4 / 2.2;
    // H ← H · WᵀX / (WᵀW H + l1 + l2 H) with the new W.
    const wtw = w0 * w0 + w1 * w1;
    expect(model.w[0]).toBeCloseTo(w0, 14);
    expect(model.w[1]).toBeCloseTo(w1, 14);
    expect(model.ht[0]).toBeCloseTo((2 * w0 + 1 * w1) / (wtw + 0.2), 14);
    expect(model.ht[1]).toBeCloseTo((3 * w1) / (wtw + 0.2), 14);
  });

  it("cd converges to a KKT point of the regularized objective (checked densely with ml-matrix)", () => {
    const { dense, ratings } = randomSparse(3, 12, 9, 0.4);
    const k = 3;
    const cfg = nmfZeroFilledModel.config({ d: k, tol: 1e-12, maxIterations: 5000, lambda: 0.01, l1Ratio: 0.3 });
    const { model, converged, history } = fitNmfZeroFilled(ratings, cfg);
    expect(converged).toBe(true);
    const X = new Matrix(dense);
    const w = W(model.w, 12, k);
    const h = W(model.ht, 9, k).transpose();
    const l1W = 9 * 0.01 * 0.3;
    const l2W = 9 * 0.01 * 0.7;
    const l1H = 12 * 0.01 * 0.3;
    const l2H = 12 * 0.01 * 0.7;
    const R = w.mmul(h).sub(X);
    const gW = R.mmul(h.transpose()).add(Matrix.mul(w, l2W)).add(l1W);
    const gH = w.transpose().mmul(R).add(Matrix.mul(h, l2H)).add(l1H);
    const check = (value: Matrix, grad: Matrix) => {
      for (let r = 0; r < value.rows; r++) {
        for (let c = 0; c < value.columns; c++) {
          if (value.get(r, c) > 0) expect(Math.abs(grad.get(r, c))).toBeLessThan(1e-6);
          else expect(grad.get(r, c)).toBeGreaterThan(-1e-6);
        }
      }
    };
    check(w, gW);
    check(h, gH);
    // The loss is the dense objective, and cd never increases it.
    const dense2 = R.to1DArray().reduce((s, e) => s + e * e, 0);
    const sumAbs = (m: Matrix) => m.to1DArray().reduce((s, e) => s + Math.abs(e), 0);
    const sumSq = (m: Matrix) => m.to1DArray().reduce((s, e) => s + e * e, 0);
    const loss = 0.5 * dense2 + l1W * sumAbs(w) + 0.5 * l2W * sumSq(w) + l1H * sumAbs(h) + 0.5 * l2H * sumSq(h);
    expect(history.trainLoss.at(-1)!).toBeCloseTo(loss, 8);
    for (let t = 1; t < history.trainLoss.length; t++) {
      expect(history.trainLoss[t]).toBeLessThanOrEqual(history.trainLoss[t - 1] * (1 + 1e-12));
    }
  });

  it("mu never increases the objective and stops only on a multiple of 10 iterations", () => {
    const { ratings } = randomSparse(4, 15, 11, 0.3);
    for (const cfg of [{}, { lambda: 0.02, lambdaH: 0.05, l1Ratio: 0.5 }]) {
      const { history, iterations, converged } = fitNmfZeroFilled(
        ratings,
        nmfZeroFilledModel.config({ ...cfg, d: 4, solver: "mu", tol: 1e-3, maxIterations: 500 }),
      );
      expect(converged).toBe(true);
      expect(iterations % 10).toBe(0);
      for (let t = 1; t < history.trainLoss.length; t++) {
        expect(history.trainLoss[t]).toBeLessThanOrEqual(history.trainLoss[t - 1] * (1 + 1e-12));
      }
    }
  });

  it("recovers an exactly rank-2 non-negative matrix (all cells observed)", () => {
    const rng = new Rng(9);
    const a = Array.from({ length: 8 }, () => [0.2 + rng.next(), 0.2 + rng.next()]);
    const b = Array.from({ length: 6 }, () => [0.2 + rng.next(), 0.2 + rng.next()]);
    const dense = a.map((p) => b.map((q) => p[0] * q[0] + p[1] * q[1]));
    const ratings = fromDense(dense);
    for (const solver of ["cd", "mu"] as const) {
      const { model, history } = fitNmfZeroFilled(
        ratings,
        nmfZeroFilledModel.config({ d: 2, solver, tol: 0, maxIterations: solver === "cd" ? 2000 : 20000, init: "nndsvda" }),
      );
      expect(history.trainLoss.at(-1)!).toBeLessThan(1e-8);
      expect(model.predict(3, 4)).toBeCloseTo(dense[3][4], 3);
    }
  });

  it("randomizedSvd finds the leading singular triplets (vs ml-matrix's dense SVD)", () => {
    // A matrix with a decaying spectrum: rank-6 signal plus small noise, made sparse-ish by zeros.
    const rng = new Rng(21);
    const n = 40;
    const m = 55;
    const dense = Array.from({ length: n }, () => new Array<number>(m).fill(0));
    for (let r = 0; r < 6; r++) {
      const x = Array.from({ length: n }, () => rng.next());
      const y = Array.from({ length: m }, () => rng.next());
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) dense[i][j] += 2 ** -r * x[i] * y[j];
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (rng.next() < 0.2) dense[i][j] = 0;
    const ratings = fromDense(dense);
    const ref = new SVD(new Matrix(dense), { autoTranspose: true });
    const k = 4;
    // sklearn's budget (10 oversamples, 4 power iterations here) is accurate to ~1e-5; more iterations → exact.
    for (const [iterations, tol] of [
      [undefined, 1e-4],
      [30, 1e-10],
    ] as const) {
      const got = randomizedSvd(ratings.byUser(), ratings.byItem(), k, 0, 10, iterations);
      for (let j = 0; j < k; j++) {
        expect(Math.abs(got.s[j] / ref.diagonal[j] - 1)).toBeLessThan(tol);
        let du = 0;
        let dv = 0;
        for (let i = 0; i < n; i++) du += got.u[i * k + j] * ref.leftSingularVectors.get(i, j);
        for (let i = 0; i < m; i++) dv += got.v[i * k + j] * ref.rightSingularVectors.get(i, j);
        expect(1 - Math.abs(du)).toBeLessThan(tol);
        expect(1 - Math.abs(dv)).toBeLessThan(tol);
        expect(du * dv).toBeGreaterThan(0); // same sign pairing: u σ vᵀ reproduces X
      }
    }
  });

  it("nndsvd init: exact for a rank-1 matrix; nndsvda fills zeros with mean(X); nndsvdar with small positives", () => {
    const dense = [1, 2, 0.5].map((p) => [3, 1, 2, 4].map((q) => p * q));
    const x = fromDense(dense);
    const { w, ht } = initializeNmf(x.byUser(), x.byItem(), 1, "nndsvd", 0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(w[i] * ht[j]).toBeCloseTo(dense[i][j], 10);

    const { ratings } = randomSparse(8, 10, 12, 0.3);
    const xs = ratings.byUser();
    const xts = ratings.byItem();
    const plain = initializeNmf(xs, xts, 3, "nndsvd", 0);
    const filled = initializeNmf(xs, xts, 3, "nndsvda", 0);
    const rand = initializeNmf(xs, xts, 3, "nndsvdar", 0);
    let total = 0;
    for (const v of ratings.values) total += v;
    const mean = total / (10 * 12);
    let zeros = 0;
    plain.w.forEach((v, e) => {
      if (v === 0) {
        zeros++;
        expect(filled.w[e]).toBe(mean);
        expect(rand.w[e]).toBeGreaterThan(0);
        expect(rand.w[e]).toBeLessThan(mean * 0.1);
      } else {
        expect(filled.w[e]).toBe(v);
        expect(rand.w[e]).toBe(v);
      }
    });
    expect(zeros).toBeGreaterThan(0); // components ≥ 1 use only one sign part, so zeros must exist
    // Component 0 is √σ₀ |u₀| and √σ₀ |v₀| (Perron vector), compared with ml-matrix's SVD.
    const ref = new SVD(new Matrix(Array.from({ length: 10 }, (_, i) => Array.from({ length: 12 }, (_, j) => ratingAt(ratings, i, j)))), {
      autoTranspose: true,
    });
    for (let i = 0; i < 10; i++) {
      expect(plain.w[i * 3]).toBeCloseTo(Math.sqrt(ref.diagonal[0]) * Math.abs(ref.leftSingularVectors.get(i, 0)), 8);
    }
    expect(() => initializeNmf(xs, xts, 11, "nndsvd", 0)).toThrow(InputError);
    expect(() => initializeNmf(xs, xts, 11, "nndsvd", 0)).toThrow(/d ≤ min\(nUsers, nItems\) = 10, got 11/);
  });

  it("random init has sklearn's scale √(mean(X)/k)", () => {
    const { ratings } = randomSparse(2, 60, 80, 0.2);
    const k = 5;
    const { w, ht } = initializeNmf(ratings.byUser(), ratings.byItem(), k, "random", 0);
    let total = 0;
    for (const v of ratings.values) total += v;
    const avg = Math.sqrt(total / (60 * 80) / k);
    // E|N(0,1)| = √(2/π).
    const all = [...w, ...ht];
    const meanAbs = all.reduce((s, v) => s + v, 0) / all.length;
    expect(meanAbs / avg).toBeCloseTo(Math.sqrt(2 / Math.PI), 1);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(0);
  });

  it("predicts 0 (or the mean) for unknown users/items and counts them as fallbacks", () => {
    // User 2 and item 3 have no ratings.
    const train = fromDense([
      [5, 3, 0, 0],
      [4, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
    const test = new RatingsMatrix(3, 4, Int32Array.from([2, 0, 1]), Int32Array.from([0, 3, 1]), Float64Array.from([4, 2, 5]));
    const zero = fitNmfZeroFilled(train, nmfZeroFilledModel.config({ d: 2 })).model;
    expect(zero.predict(2, 0)).toBe(0);
    expect(zero.isFallback(0, 3)).toBe(true);
    expect(zero.isFallback(1, 1)).toBe(false);
    expect(scorePredictor(zero, test).fallbackCount).toBe(2);
    const mean = fitNmfZeroFilled(train, nmfZeroFilledModel.config({ d: 2, fallback: "mean" })).model;
    expect(mean.predict(0, 3)).toBeCloseTo(13 / 4, 14);
  });

  it("is deterministic for a seed (init and cd shuffle) and depends on it", () => {
    const { ratings } = randomSparse(5, 20, 15, 0.3);
    const fit = (seed: number, shuffle: boolean) =>
      fitNmfZeroFilled(ratings, nmfZeroFilledModel.config({ d: 3, seed, shuffle, maxIterations: 30 })).model;
    expect(Array.from(fit(1, true).w)).toEqual(Array.from(fit(1, true).w));
    expect(Array.from(fit(1, true).w)).not.toEqual(Array.from(fit(1, false).w));
    expect(Array.from(fit(1, false).ht)).not.toEqual(Array.from(fit(2, false).ht));
  });

  it("reports each iteration through onIteration, with test metrics when a test set is given", () => {
    const { ratings } = randomSparse(6, 20, 15, 0.4);
    const test = new RatingsMatrix(20, 15, Int32Array.from([0, 1]), Int32Array.from([1, 2]), Float64Array.from([3, 4]));
    const seen: number[] = [];
    const res = fitNmfZeroFilled(ratings, nmfZeroFilledModel.config({ d: 2, maxIterations: 7, tol: 0 }), {
      test,
      onIteration: (r) => {
        seen.push(r.iteration);
        expect(r.test?.mse).toBeGreaterThanOrEqual(0);
      },
    });
    expect(res.iterations).toBe(7);
    expect(res.converged).toBe(false);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(res.history.testMse[6]).toBeCloseTo(scorePredictor(res.model, test).mse, 12);
  });

  it("validates its config", () => {
    expect(nmfZeroFilledModel.name).toBe("nmf-zero-filled");
    expect(nmfZeroFilledModel.config({})).toEqual(NMF_ZERO_FILLED_DEFAULTS);
    expect(NMF_ZERO_FILLED_DEFAULTS).toEqual({
      d: 15,
      init: "random",
      solver: "cd",
      tol: 1e-4,
      maxIterations: 200,
      lambda: 0,
      lambdaH: "same",
      l1Ratio: 0,
      shuffle: false,
      seed: 0,
      fallback: "zero",
    });
    expect(nmfZeroFilledModel.config({ lambdaH: 0.5 }).lambdaH).toBe(0.5);
    const known = "known: d, init, solver, tol, maxIterations, lambda, lambdaH, l1Ratio, shuffle, seed, fallback";
    expect(() => nmfZeroFilledModel.config({ nComponent: 5 })).toThrow(SpecError);
    expect(() => nmfZeroFilledModel.config({ nComponent: 5 })).toThrow(
      `nmf-zero-filled config: nComponent is not a parameter of nmf-zero-filled (did you mean "d"?); ${known}`,
    );
    expect(() => nmfZeroFilledModel.config({ lambdaH: "sam" })).toThrow(
      'nmf-zero-filled config: lambdaH must be a finite number, or one of "same", got "sam"',
    );
    expect(() => nmfZeroFilledModel.config({ lambdaH: -1 })).toThrow("nmf-zero-filled config: lambdaH must be ≥ 0, got -1");
    expect(() => nmfZeroFilledModel.config({ alphaH: -1 })).toThrow("nmf-zero-filled config: alphaH must be ≥ 0, got -1");
    expect(() => nmfZeroFilledModel.config({ l1Ratio: 1.5 })).toThrow("nmf-zero-filled config: l1Ratio must be ≤ 1, got 1.5");
    expect(() => nmfZeroFilledModel.config({ solver: "als" })).toThrow('nmf-zero-filled config: solver must be one of "cd", "mu", got "als"');
    expect(() => nmfZeroFilledModel.config({ init: "nndsvdx" })).toThrow(
      'nmf-zero-filled config: init must be one of "random", "nndsvd", "nndsvda", "nndsvdar" (did you mean "nndsvd"?), got "nndsvdx"',
    );
  });

  it("accepts the old and scikit-learn's names as aliases, stored under the canonical names", () => {
    const want = { ...NMF_ZERO_FILLED_DEFAULTS, d: 3, maxIterations: 20, lambda: 0.1, lambdaH: 0.2, l1Ratio: 0.5 };
    expect(nmfZeroFilledModel.config({ nComponents: 3, maxIter: 20, alphaW: 0.1, alphaH: 0.2, l1Ratio: 0.5 })).toEqual(want);
    expect(nmfZeroFilledModel.config({ n_components: 3, max_iter: 20, alpha_W: 0.1, alpha_H: 0.2, l1_ratio: 0.5 })).toEqual(want);
    expect(() => nmfZeroFilledModel.config({ alphaW: 0.1, lambda: 0.1 })).toThrow(
      "nmf-zero-filled config: lambda repeats a field: alphaW is another name for lambda; give it once",
    );
  });

  it("refuses negative ratings and mis-sized initial factors", () => {
    const neg = fromDense([[1, -2]]);
    expect(() => fitNmfZeroFilled(neg, nmfZeroFilledModel.config({ d: 1 }))).toThrow(/negative; NMF needs X ≥ 0/);
    expect(() => fitNmfZeroFilledFrom(x2(), nmfZeroFilledModel.config({ d: 2 }), ones())).toThrow(/initial factors must be 2×2 and 2×2/);
  });
});

function ratingAt(r: RatingsMatrix, u: number, i: number): number {
  for (let e = 0; e < r.nnz; e++) if (r.users[e] === u && r.items[e] === i) return r.values[e];
  return 0;
}
