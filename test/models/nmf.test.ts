import { describe, expect, it } from "vitest";
import { RatingsMatrix } from "../../src/data/ratings";
import { SpecError, InputError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { fitNmf, nmfModel, nmfObjectiveOf, NMF_DEFAULTS } from "../../src/models/nmf/nmf";
import type { IterationReport } from "../../src/models/types";
import { Rng } from "../../src/core/random";

/** 3 users × 3 items; user 2 and item 2 have no training ratings. */
function tiny(): RatingsMatrix {
  return new RatingsMatrix(3, 3, Int32Array.from([0, 0, 1]), Int32Array.from([0, 1, 0]), Float64Array.from([4, 2, 3]));
}

/** A random non-negative rank-2 rating matrix on nUsers × nItems, `density` observed, rounded to 1..5. */
function synthetic(seed: number, nUsers = 40, nItems = 30, density = 0.5): RatingsMatrix {
  const rng = new Rng(seed);
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  const a = Array.from({ length: nUsers }, () => [rng.next(), rng.next()]);
  const b = Array.from({ length: nItems }, () => [rng.next(), rng.next()]);
  for (let x = 0; x < nUsers; x++) {
    for (let y = 0; y < nItems; y++) {
      if (rng.next() > density) continue;
      const r = 1 + 2 * (a[x][0] * b[y][0] + a[x][1] * b[y][1]);
      u.push(x);
      i.push(y);
      v.push(Math.min(5, Math.max(1, Math.round(r))));
    }
  }
  return new RatingsMatrix(nUsers, nItems, Int32Array.from(u), Int32Array.from(i), Float64Array.from(v));
}

describe("nmf (observed entries, Surprise's NMF)", () => {
  it("matches a hand-computed epoch (k = 1, factors initialized to 1)", () => {
    const cfg = nmfModel.config({ d: 1, maxIterations: 1, initLow: 1, initHigh: 1 });
    const { model, history } = fitNmf(tiny(), cfg);
    // All estimates are 1·1 = 1 during the epoch. User 0: num = 1·4 + 1·2, den = 1 + 1 + |I_0|=2 · 0.06 · 1.
    const p0 = 6 / 2.12;
    const p1 = 3 / 1.06; // user 1: num = 3, den = 1 + 1·0.06
    const q0 = 7 / 2.12; // item 0: num = 1·4 + 1·3 (old p), den = 1 + 1 + 2·0.06
    const q1 = 2 / 1.06; // item 1: num = 2, den = 1 + 0.06
    expect(model.pu[0]).toBeCloseTo(p0, 12);
    expect(model.pu[1]).toBeCloseTo(p1, 12);
    expect(model.qi[0]).toBeCloseTo(q0, 12);
    expect(model.qi[1]).toBeCloseTo(q1, 12);
    expect(model.predict(0, 0)).toBeCloseTo(p0 * q0, 12);
    expect(model.predict(0, 1)).toBeCloseTo(p0 * q1, 12);
    expect(model.predict(1, 0)).toBeCloseTo(p1 * q0, 12);
    const se = (4 - p0 * q0) ** 2 + (2 - p0 * q1) ** 2 + (3 - p1 * q0) ** 2;
    const reg = 0.06 * (2 * p0 * p0 + p1 * p1) + 0.06 * (2 * q0 * q0 + q1 * q1);
    expect(history.trainLoss).toHaveLength(1);
    expect(history.trainLoss[0]).toBeCloseTo(0.5 * (se + reg), 10);
    expect(history.trainMse[0]).toBeCloseTo(se / 3, 12);
  });

  it("matches a hand-computed biased epoch (SGD bias steps inside the pass)", () => {
    const cfg = nmfModel.config({ d: 1, maxIterations: 1, initLow: 1, initHigh: 1, biased: true });
    const { model } = fitNmf(tiny(), cfg);
    const mu = 3;
    const lr = 0.005;
    const rb = 0.02;
    let bu0 = 0;
    let bu1 = 0;
    let bi0 = 0;
    let bi1 = 0;
    // (0, 0, 4)
    const e1 = mu + bu0 + bi0 + 1;
    bu0 += lr * (4 - e1 - rb * bu0);
    bi0 += lr * (4 - e1 - rb * bi0);
    // (0, 1, 2)
    const e2 = mu + bu0 + bi1 + 1;
    bu0 += lr * (2 - e2 - rb * bu0);
    bi1 += lr * (2 - e2 - rb * bi1);
    // (1, 0, 3)
    const e3 = mu + bu1 + bi0 + 1;
    bu1 += lr * (3 - e3 - rb * bu1);
    bi0 += lr * (3 - e3 - rb * bi0);
    const p0 = 6 / (e1 + e2 + 2 * 0.06);
    const p1 = 3 / (e3 + 0.06);
    const q0 = 7 / (e1 + e3 + 2 * 0.06);
    const q1 = 2 / (e2 + 0.06);
    expect(model.bu[0]).toBeCloseTo(bu0, 14);
    expect(model.bu[1]).toBeCloseTo(bu1, 14);
    expect(model.bi[0]).toBeCloseTo(bi0, 14);
    expect(model.bi[1]).toBeCloseTo(bi1, 14);
    expect(model.pu[0]).toBeCloseTo(p0, 12);
    expect(model.pu[1]).toBeCloseTo(p1, 12);
    expect(model.qi[0]).toBeCloseTo(q0, 12);
    expect(model.qi[1]).toBeCloseTo(q1, 12);
    expect(model.predict(1, 0)).toBeCloseTo(mu + bu1 + bi0 + p1 * q0, 12);
    // Unknown item: μ + b_u only (Surprise's estimate), flagged as fallback.
    expect(model.predict(0, 2)).toBeCloseTo(mu + bu0, 14);
    expect(model.isFallback(0, 2)).toBe(true);
  });

  it("predicts the global mean for unknown users/items and counts them as fallbacks", () => {
    const { model } = fitNmf(tiny(), nmfModel.config({ d: 2, maxIterations: 3 }));
    expect(model.predict(2, 0)).toBe(3);
    expect(model.predict(0, 2)).toBe(3);
    expect(model.isFallback(2, 0)).toBe(true);
    expect(model.isFallback(0, 0)).toBe(false);
    const test = new RatingsMatrix(3, 3, Int32Array.from([2, 0, 1, 2]), Int32Array.from([0, 2, 1, 2]), Float64Array.from([5, 1, 4, 2]));
    const s = scorePredictor(model, test);
    expect(s.fallbackCount).toBe(3);
    expect(s.n).toBe(4);
  });

  it("keeps factors non-negative and reduces the objective on a synthetic low-rank matrix", () => {
    const train = synthetic(7);
    const { model, history, iterations, converged } = fitNmf(train, nmfModel.config({ d: 3, maxIterations: 60, seed: 3 }));
    expect(iterations).toBe(60);
    expect(converged).toBe(true);
    expect(Math.min(...model.pu, ...model.qi)).toBeGreaterThanOrEqual(0);
    expect(history.trainLoss).toHaveLength(60);
    expect(history.trainLoss[59]).toBeLessThan(0.5 * history.trainLoss[0]);
    // The recorded train error is the error of the returned model.
    expect(history.trainMse[59]).toBeCloseTo(scorePredictor(model, train).mse, 12);
    // Better than predicting the mean everywhere.
    const mean = train.mean();
    let se = 0;
    for (const r of train.values) se += (r - mean) ** 2;
    expect(history.trainMse[59]).toBeLessThan(0.5 * (se / train.nnz));
  });

  it("reports every epoch with train and test metrics through onIteration", () => {
    const all = synthetic(11);
    const idx = new Rng(1).shuffle(Int32Array.from({ length: all.nnz }, (_, k) => k));
    const cut = Math.floor(all.nnz * 0.8);
    const train = all.subset(idx.subarray(0, cut));
    const test = all.subset(idx.subarray(cut));
    const seen: number[] = [];
    const { model, history } = fitNmf(train, nmfModel.config({ maxIterations: 5 }), {
      test,
      clip: [1, 5],
      onIteration: (r) => {
        seen.push(r.iteration);
        expect(r.test).toBeDefined();
        expect(r.seconds).toBeGreaterThanOrEqual(0);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(history.testMse[4]).toBeCloseTo(scorePredictor(model, test, { clip: [1, 5] }).mse, 12);
    expect(history.testMae.every(Number.isFinite)).toBe(true);
  });

  it("is deterministic for a seed and depends on it", () => {
    const train = synthetic(5);
    const a = fitNmf(train, nmfModel.config({ seed: 42, maxIterations: 10 })).model;
    const b = fitNmf(train, nmfModel.config({ seed: 42, maxIterations: 10 })).model;
    const c = fitNmf(train, nmfModel.config({ seed: 43, maxIterations: 10 })).model;
    expect(Array.from(a.pu)).toEqual(Array.from(b.pu));
    expect(a.predict(3, 4)).toBe(b.predict(3, 4));
    expect(a.predict(3, 4)).not.toBe(c.predict(3, 4));
  });

  it("validates its config", () => {
    expect(nmfModel.name).toBe("nmf");
    expect(nmfModel.config({})).toEqual(NMF_DEFAULTS);
    expect(NMF_DEFAULTS).toEqual({
      d: 15,
      maxIterations: 50,
      biased: false,
      lambda: 0.06,
      lambdaPu: null,
      lambdaQi: null,
      lambdaBu: 0.02,
      lambdaBi: 0.02,
      lrBu: 0.005,
      lrBi: 0.005,
      initLow: 0,
      initHigh: 1,
      seed: 0,
    });
    expect(() => nmfModel.config({ nFactor: 10 })).toThrow(SpecError);
    expect(() => nmfModel.config({ nFactor: 10 })).toThrow(
      'nmf config: nFactor is not a parameter of nmf (did you mean "d"?); known: d, maxIterations, biased, lambda, lambdaPu, lambdaQi, lambdaBu, lambdaBi, lrBu, lrBi, initLow, initHigh, seed',
    );
    expect(() => nmfModel.config({ lambdaPu: -0.1 })).toThrow("nmf config: lambdaPu must be ≥ 0, got -0.1");
    expect(() => nmfModel.config({ regPu: -0.1 })).toThrow("nmf config: regPu must be ≥ 0, got -0.1");
    expect(() => nmfModel.config({ lambda: -1 })).toThrow("nmf config: lambda must be ≥ 0, got -1");
    expect(() => nmfModel.config({ maxIterations: 2.5 })).toThrow("nmf config: maxIterations must be an integer, got 2.5");
    expect(() => nmfModel.config({ biased: "yes" })).toThrow('nmf config: biased must be true or false, got "yes"');
    expect(() => nmfModel.config({ initLow: 2, initHigh: 1 })).toThrow("nmf config: initHigh must be ≥ initLow (2), got 1");
    expect(() => nmfModel.config({ initHigh: 0 })).toThrow(/^nmf config: initHigh must be > 0/);
  });

  it("accepts the old and Surprise's names as aliases, stored under the canonical names", () => {
    const want = { ...NMF_DEFAULTS, d: 3, maxIterations: 4, lambdaPu: 0.1, lambdaQi: 0.2, lambdaBu: 0.3, lambdaBi: 0.4 };
    expect(nmfModel.config({ nFactors: 3, nEpochs: 4, regPu: 0.1, regQi: 0.2, regBu: 0.3, regBi: 0.4 })).toEqual(want);
    expect(nmfModel.config({ n_factors: 3, n_epochs: 4, reg_pu: 0.1, reg_qi: 0.2, reg_bu: 0.3, reg_bi: 0.4 })).toEqual(want);
    expect(nmfModel.config({ init_low: 0.1, init_high: 0.9 })).toEqual({ ...NMF_DEFAULTS, initLow: 0.1, initHigh: 0.9 });
    expect(() => nmfModel.config({ regPu: 0.1, lambdaPu: 0.1 })).toThrow(
      "nmf config: lambdaPu repeats a field: regPu is another name for lambdaPu; give it once",
    );
  });

  it("lambda regularizes both factor sides; lambdaPu / lambdaQi override it (null = lambda)", () => {
    const train = synthetic(5);
    const fit = (c: Record<string, unknown>) => fitNmf(train, nmfModel.config({ maxIterations: 5, ...c })).model;
    const viaLambda = fit({ lambda: 0.3 });
    const viaOverrides = fit({ lambdaPu: 0.3, lambdaQi: 0.3 });
    expect(Array.from(viaLambda.pu)).toEqual(Array.from(viaOverrides.pu));
    expect(Array.from(viaLambda.qi)).toEqual(Array.from(viaOverrides.qi));
    // The overrides win over lambda, and the default (lambda 0.06) differs from lambda 0.3.
    expect(Array.from(fit({ lambda: 5, lambdaPu: 0.3, lambdaQi: 0.3 }).pu)).toEqual(Array.from(viaLambda.pu));
    expect(Array.from(fit({}).pu)).not.toEqual(Array.from(viaLambda.pu));
  });

  it("refuses negative ratings when unbiased and an empty matrix", () => {
    const neg = new RatingsMatrix(1, 1, Int32Array.from([0]), Int32Array.from([0]), Float64Array.from([-1]));
    expect(() => fitNmf(neg, nmfModel.config({}))).toThrow(InputError);
    expect(() => fitNmf(neg, nmfModel.config({}))).toThrow(/negative/);
    const empty = new RatingsMatrix(2, 2, new Int32Array(0), new Int32Array(0), new Float64Array(0));
    expect(() => fitNmf(empty, nmfModel.config({}))).toThrow(/no ratings/);
  });

  it("the per-epoch objective and train error (one fused pass) are bitwise the separate objective and scorePredictor", () => {
    const train = synthetic(21);
    for (const [biased, clip] of [
      [false, undefined],
      [true, [1, 5]],
      [true, [2.5, 3.5]],
    ] as const) {
      const config = nmfModel.config({ d: 4, maxIterations: 3, biased, seed: 4 });
      for (let epochs = 1; epochs <= 3; epochs++) {
        const { model, history } = fitNmf(train, { ...config, maxIterations: epochs }, { clip });
        const score = scorePredictor(model, train, { clip });
        expect(history.trainLoss[epochs - 1]).toBe(nmfObjectiveOf(model, train, config));
        expect(history.trainMse[epochs - 1]).toBe(score.mse);
        expect(history.trainMae[epochs - 1]).toBe(score.mae);
      }
    }
  });

  it("history: false gives the same model without per-epoch reports", () => {
    const train = synthetic(22);
    const config = nmfModel.config({ d: 3, maxIterations: 4, biased: true, seed: 1 });
    const reports: IterationReport[] = [];
    const on = fitNmf(train, config);
    const off = fitNmf(train, config, { history: false, onIteration: (r) => reports.push(r) });
    expect(Array.from(off.model.pu)).toEqual(Array.from(on.model.pu));
    expect(Array.from(off.model.bi)).toEqual(Array.from(on.model.bi));
    expect(on.history.iteration).toHaveLength(4);
    expect(off.history.iteration).toEqual([]);
    expect(reports).toEqual([]);
  });
});
