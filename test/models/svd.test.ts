import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { Rng } from "../../src/core/random";
import { SVD_DEFAULTS, fitSvd, sgdMfModel, svdModel, type SvdPredictor } from "../../src/models/gradient/svd";
import type { IterationReport } from "../../src/models/types";
import { matrix as triples } from "../helpers/matrices";

/** 3 rated users and 3 rated items, plus user 3 / item 3 without ratings. */
const small = triples(4, 4, [
  [0, 0, 5],
  [0, 1, 3],
  [1, 0, 4],
  [1, 2, 1],
  [2, 1, 2],
  [2, 2, 3],
  [2, 0, 4],
]);

/** Rank-2 ratings on a fully observed 12 × 9 grid (values ≈ 1..5). */
function rank2(): RatingsMatrix {
  const rng = new Rng(9);
  const U = Array.from({ length: 12 }, () => [1 + rng.next(), rng.next()]);
  const V = Array.from({ length: 9 }, () => [1 + rng.next(), rng.next()]);
  const t: [number, number, number][] = [];
  for (let u = 0; u < 12; u++) for (let i = 0; i < 9; i++) t.push([u, i, U[u][0] * V[i][0] + U[u][1] * V[i][1]]);
  return triples(12, 9, t);
}

/** Surprise's SVD epoch, written out plainly on arrays of arrays (the independent oracle). */
function surpriseEpoch(
  train: RatingsMatrix,
  mu: number,
  bu: number[],
  bi: number[],
  pu: number[][],
  qi: number[][],
  lr: { bu: number; bi: number; pu: number; qi: number },
  reg: { bu: number; bi: number; pu: number; qi: number },
  biased: boolean,
): void {
  for (let t = 0; t < train.nnz; t++) {
    const u = train.users[t];
    const i = train.items[t];
    let dot = 0;
    for (let f = 0; f < pu[u].length; f++) dot += qi[i][f] * pu[u][f];
    const err = train.values[t] - ((biased ? mu : 0) + bu[u] + bi[i] + dot);
    if (biased) {
      bu[u] += lr.bu * (err - reg.bu * bu[u]);
      bi[i] += lr.bi * (err - reg.bi * bi[i]);
    }
    for (let f = 0; f < pu[u].length; f++) {
      const puf = pu[u][f];
      const qif = qi[i][f];
      pu[u][f] += lr.pu * (err * qif - reg.pu * puf);
      qi[i][f] += lr.qi * (err * puf - reg.qi * qif);
    }
  }
}

const rows = (a: Float64Array, k: number) => Array.from({ length: a.length / k }, (_, r) => Array.from(a.subarray(r * k, r * k + k)));

describe("svd: update rule", () => {
  for (const biased of [true, false]) {
    it(`${biased ? "biased" : "unbiased"}: 3 epochs in stored order equal Surprise's per-rating updates (per-term rates)`, () => {
      const cfg = svdModel.config({
        d: 5,
        biased,
        shuffle: false,
        lr: 0.05,
        lambda: 0.1,
        lrQi: 0.03,
        lambdaBu: 0.3,
        lambdaPu: 0.2,
        seed: 4,
      });
      const init = fitSvd(small, { ...cfg, maxIterations: 0 }).model;
      const fitted = fitSvd(small, { ...cfg, maxIterations: 3 }).model;
      const mu = 22 / 7;
      const bu = [0, 0, 0, 0];
      const bi = [0, 0, 0, 0];
      const pu = rows(init.P, 5);
      const qi = rows(init.Q, 5);
      const lr = { bu: 0.05, bi: 0.05, pu: 0.05, qi: 0.03 };
      const reg = { bu: 0.3, bi: 0.1, pu: 0.2, qi: 0.1 };
      for (let e = 0; e < 3; e++) surpriseEpoch(small, mu, bu, bi, pu, qi, lr, reg, biased);
      expect(fitted.mu).toBeCloseTo(mu, 14);
      rows(fitted.P, 5).forEach((r, u) => r.forEach((x, f) => expect(x).toBeCloseTo(pu[u][f], 12)));
      rows(fitted.Q, 5).forEach((r, i) => r.forEach((x, f) => expect(x).toBeCloseTo(qi[i][f], 12)));
      Array.from(fitted.bu).forEach((x, u) => expect(x).toBeCloseTo(bu[u], 12));
      Array.from(fitted.bi).forEach((x, i) => expect(x).toBeCloseTo(bi[i], 12));
      let dot = 0;
      for (let f = 0; f < 5; f++) dot += pu[1][f] * qi[2][f];
      expect(fitted.predict(1, 2)).toBeCloseTo(biased ? mu + bu[1] + bi[2] + dot : dot, 12);
    });
  }

  it("initialises P then Q from N(initMean, initStd²) with the seed; biases at 0", () => {
    const m = fitSvd(small, svdModel.config({ d: 3, maxIterations: 0, initMean: 1, initStd: 0.5, seed: 8 })).model;
    const rng = new Rng(8);
    for (let k = 0; k < m.P.length; k++) expect(m.P[k]).toBeCloseTo(1 + 0.5 * rng.gaussian(), 15);
    for (let k = 0; k < m.Q.length; k++) expect(m.Q[k]).toBeCloseTo(1 + 0.5 * rng.gaussian(), 15);
    expect(Array.from(m.bu)).toEqual([0, 0, 0, 0]);
  });

  it("reported trainLoss is Σe² + Σ_u |Ω_u|(reg b_u² + reg‖p_u‖²) + Σ_i |Ω_i|(…), train metrics match scorePredictor (clipped)", () => {
    const r = svdModel.fit(small, svdModel.config({ d: 4, maxIterations: 4, lr: 0.05, lambda: 0.07 }), { clip: [1, 5] });
    const m = r.model as SvdPredictor;
    let obj = 0;
    const cu = [2, 2, 3, 0];
    const ci = [3, 2, 2, 0];
    for (let t = 0; t < small.nnz; t++) obj += (small.values[t] - m.predict(small.users[t], small.items[t])) ** 2;
    const sq = (a: Float64Array, r0: number) => Array.from(a.subarray(r0 * 4, r0 * 4 + 4)).reduce((s, x) => s + x * x, 0);
    for (let u = 0; u < 4; u++) obj += cu[u] * 0.07 * (m.bu[u] ** 2 + sq(m.P, u));
    for (let i = 0; i < 4; i++) obj += ci[i] * 0.07 * (m.bi[i] ** 2 + sq(m.Q, i));
    expect(r.history.trainLoss[3]).toBeCloseTo(obj, 10);
    const s = scorePredictor(m, small, { clip: [1, 5] });
    expect(r.history.trainMse[3]).toBeCloseTo(s.mse, 12);
    expect(r.history.trainMae[3]).toBeCloseTo(s.mae, 12);
  });

  it("sgd-mf fits exact rank-2 data: training RMSE → ~0 and the loss decreases", () => {
    const train = rank2();
    const r = sgdMfModel.fit(train, sgdMfModel.config({ d: 2, maxIterations: 3000, lr: 0.02, lambda: 0, initStd: 0.5, seed: 1 }));
    const s = scorePredictor(r.model, train);
    expect(s.rmse).toBeLessThan(0.02);
    expect(r.history.trainLoss[2999]).toBeLessThan(r.history.trainLoss[0] / 100);
  });
});

describe("svd: contract", () => {
  it("unknown user → μ + b_i, unknown item → μ + b_u, both → μ; counted as fallbacks", () => {
    const m = svdModel.fit(small, svdModel.config({ d: 3, maxIterations: 5 })).model as SvdPredictor;
    expect(m.predict(3, 0)).toBeCloseTo(m.mu + m.bi[0], 14);
    expect(m.predict(0, 3)).toBeCloseTo(m.mu + m.bu[0], 14);
    expect(m.predict(3, 3)).toBeCloseTo(m.mu, 14);
    expect([m.isFallback(3, 0), m.isFallback(0, 3), m.isFallback(3, 3), m.isFallback(0, 0)]).toEqual([true, true, true, false]);
    const probe = triples(4, 4, [
      [3, 0, 4],
      [0, 3, 4],
      [3, 3, 4],
      [0, 0, 4],
      [2, 2, 4],
    ]);
    expect(scorePredictor(m, probe).fallbackCount).toBe(3);
  });

  it("sgd-mf: biases stay 0, known pairs predict p·q, unknown pairs the global mean", () => {
    const m = sgdMfModel.fit(small, sgdMfModel.config({ d: 3, maxIterations: 5 })).model as SvdPredictor;
    expect(m.biased).toBe(false);
    expect(Array.from(m.bu).every((x) => x === 0)).toBe(true);
    let dot = 0;
    for (let f = 0; f < 3; f++) dot += m.P[2 * 3 + f] * m.Q[1 * 3 + f];
    expect(m.predict(2, 1)).toBeCloseTo(dot, 14);
    expect(m.predict(3, 1)).toBeCloseTo(22 / 7, 14);
    expect(m.isFallback(3, 1)).toBe(true);
  });

  it("deterministic with a seed (shuffled order); another seed gives another model", () => {
    const cfg = (seed: number) => svdModel.config({ d: 4, maxIterations: 5, seed });
    const a = svdModel.fit(small, cfg(3)).model as SvdPredictor;
    const b = svdModel.fit(small, cfg(3)).model as SvdPredictor;
    const c = svdModel.fit(small, cfg(4)).model as SvdPredictor;
    expect(Array.from(b.P)).toEqual(Array.from(a.P));
    expect(Array.from(b.bi)).toEqual(Array.from(a.bi));
    expect(c.predict(0, 0)).not.toBe(a.predict(0, 0));
    // Shuffling changes the visiting order (so the result), not the initialization.
    const ordered = svdModel.fit(small, { ...cfg(3), shuffle: false }).model;
    expect(ordered.predict(0, 0)).not.toBe(a.predict(0, 0));
  });

  it("reports each epoch with train and test metrics and fills the history", () => {
    const reports: IterationReport[] = [];
    const test = triples(4, 4, [
      [0, 2, 4],
      [1, 1, 2],
    ]);
    const r = svdModel.fit(small, svdModel.config({ d: 3, maxIterations: 6 }), { test, onIteration: (x) => reports.push(x) });
    expect(reports.map((x) => x.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.history.iteration).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.iterations).toBe(6);
    expect(r.converged).toBe(false);
    expect(reports[5].test!.mse).toBeCloseTo(scorePredictor(r.model, test).mse, 12);
    expect(r.history.testMae[5]).toBeCloseTo(scorePredictor(r.model, test).mae, 12);
    expect(reports.every((x) => x.seconds >= 0)).toBe(true);
  });

  it("throws a clear error when SGD diverges", () => {
    expect(() => svdModel.fit(small, svdModel.config({ lr: 0.5, maxIterations: 50, initStd: 1 }))).toThrow(
      /^SGD diverged at epoch \d+ \(loss (Infinity|NaN)\): lower the learning rate \(lr = 0\.5\)$/,
    );
  });
});

describe("svd: config", () => {
  it("defaults are Surprise's SVD defaults; per-term overrides default to null = lr / lambda", () => {
    const c = svdModel.config({});
    expect(c).toEqual(SVD_DEFAULTS);
    expect(c).toEqual({
      d: 100,
      maxIterations: 20,
      biased: true,
      lr: 0.005,
      lambda: 0.02,
      lrBu: null,
      lrBi: null,
      lrPu: null,
      lrQi: null,
      lambdaBu: null,
      lambdaBi: null,
      lambdaPu: null,
      lambdaQi: null,
      initMean: 0,
      initStd: 0.1,
      shuffle: true,
      seed: 0,
    });
    expect(c.lrBu).toBeNull();
    expect(svdModel.config({ lrBu: 0.01, lambdaQi: null }).lrBu).toBe(0.01);
    expect(svdModel.config({ lambdaQi: null }).lambdaQi).toBeNull();
    expect(sgdMfModel.config({})).toEqual({ ...SVD_DEFAULTS, biased: false });
    expect(sgdMfModel.name).toBe("sgd-mf");
  });

  it("accepts the old and Surprise's names as aliases, stored under the canonical names", () => {
    expect(svdModel.config({ nFactors: 5, n_epochs: 3, lr_all: 0.01, reg_all: 0.1 })).toEqual({
      ...SVD_DEFAULTS,
      d: 5,
      maxIterations: 3,
      lr: 0.01,
      lambda: 0.1,
    });
    expect(svdModel.config({ nFactors: 5, nEpochs: 3, lrAll: 0.01, regAll: 0.1 })).toEqual({
      ...SVD_DEFAULTS,
      d: 5,
      maxIterations: 3,
      lr: 0.01,
      lambda: 0.1,
    });
    expect(svdModel.config({ regBu: 0.1, reg_qi: 0.2, lr_bu: 0.3, init_std_dev: 0.2, init_mean: 0.1 })).toEqual({
      ...SVD_DEFAULTS,
      lambdaBu: 0.1,
      lambdaQi: 0.2,
      lrBu: 0.3,
      initStd: 0.2,
      initMean: 0.1,
    });
    expect(svdModel.config({ regQi: null }).lambdaQi).toBeNull();
    expect(svdModel.config({ regQi: null })).not.toHaveProperty("regQi");
    expect(() => svdModel.config({ nFactors: 5, d: 5 })).toThrow("svd config: d repeats a field: nFactors is another name for d; give it once");
    // The same fit whichever name a parameter is given under.
    const a = svdModel.fit(small, svdModel.config({ nFactors: 3, nEpochs: 4, lrAll: 0.05, regAll: 0.07, regPu: 0.1 })).model as SvdPredictor;
    const b = svdModel.fit(small, svdModel.config({ d: 3, maxIterations: 4, lr: 0.05, lambda: 0.07, lambdaPu: 0.1 })).model as SvdPredictor;
    expect(Array.from(a.P)).toEqual(Array.from(b.P));
    expect(Array.from(a.bi)).toEqual(Array.from(b.bi));
  });

  it("refuses unknown keys with a suggestion, wrong types and out-of-range values", () => {
    const known =
      "known: d, maxIterations, biased, lr, lambda, lrBu, lrBi, lrPu, lrQi, lambdaBu, lambdaBi, lambdaPu, lambdaQi, initMean, initStd, shuffle, seed";
    expect(() => svdModel.config({ lrAl: 0.01 })).toThrow(SpecError);
    expect(() => svdModel.config({ lrAl: 0.01 })).toThrow(`svd config: lrAl is not a parameter of svd (did you mean "lr"?); ${known}`);
    expect(() => sgdMfModel.config({ nFactor: 5 })).toThrow(`sgd-mf config: nFactor is not a parameter of sgd-mf (did you mean "d"?); ${known}`);
    expect(() => svdModel.config({ d: 0 })).toThrow("svd config: d must be ≥ 1, got 0");
    expect(() => svdModel.config({ nFactors: 0 })).toThrow("svd config: nFactors must be ≥ 1, got 0");
    expect(() => svdModel.config({ lr: 0 })).toThrow("svd config: lr must be > 0, got 0");
    expect(() => svdModel.config({ lrAll: 0 })).toThrow("svd config: lrAll must be > 0, got 0");
    expect(() => svdModel.config({ lrPu: -0.1 })).toThrow("svd config: lrPu must be > 0, got -0.1");
    expect(() => svdModel.config({ lambda: -1 })).toThrow("svd config: lambda must be ≥ 0, got -1");
    expect(() => svdModel.config({ regAll: -1 })).toThrow("svd config: regAll must be ≥ 0, got -1");
    expect(() => svdModel.config({ biased: "yes" })).toThrow('svd config: biased must be true or false, got "yes"');
    expect(() => svdModel.config({ seed: 1.5 })).toThrow("svd config: seed must be an integer, got 1.5");
    expect(() => svdModel.config([] as unknown as Record<string, unknown>)).toThrow("svd config: must be an object of parameters, got an array");
  });
});
