import { describe, expect, it } from "vitest";
import { Matrix, solve } from "ml-matrix";
import { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { Rng } from "../../src/core/random";
import {
  baselineAlsModel,
  baselineSgdModel,
  globalMeanModel,
  itemMeanModel,
  randomNormalModel,
  userMeanModel,
  type BiasPredictor,
  type RandomNormalPredictor,
} from "../../src/models/baselines/baselines";
import type { IterationReport, ModelDefinition } from "../../src/models/types";
import { matrix as triples } from "../helpers/matrices";

/** 4 users × 4 items; user 3 and item 3 have no training ratings. μ = 18/6 = 3. */
function tiny(): RatingsMatrix {
  const t: [number, number, number][] = [
    [0, 0, 5],
    [0, 1, 3],
    [1, 0, 4],
    [1, 2, 1],
    [2, 1, 2],
    [2, 2, 3],
  ];
  return triples(4, 4, t);
}

/** Pairs (3,0), (0,3), (3,3) involve an unknown user or item; (0,0) does not. */
const probe = triples(4, 4, [
  [3, 0, 4],
  [0, 3, 4],
  [3, 3, 4],
  [0, 0, 4],
]);

const ALL: ModelDefinition<object>[] = [randomNormalModel, globalMeanModel, userMeanModel, itemMeanModel, baselineAlsModel, baselineSgdModel];

describe("mean baselines (hand-computed)", () => {
  it("global-mean predicts μ = 3 everywhere", () => {
    const m = globalMeanModel.fit(tiny(), globalMeanModel.config({})).model;
    expect(m.predict(0, 0)).toBe(3);
    expect(m.predict(3, 3)).toBe(3);
  });

  it("user-mean: user means 4, 2.5, 2.5; unknown user → μ", () => {
    const m = userMeanModel.fit(tiny(), userMeanModel.config({})).model;
    expect(m.predict(0, 2)).toBeCloseTo(4, 12);
    expect(m.predict(1, 0)).toBeCloseTo(2.5, 12);
    expect(m.predict(2, 3)).toBeCloseTo(2.5, 12); // unknown item does not matter for user-mean
    expect(m.predict(3, 0)).toBeCloseTo(3, 12);
  });

  it("item-mean: item means 4.5, 2.5, 2; unknown item → μ", () => {
    const m = itemMeanModel.fit(tiny(), itemMeanModel.config({})).model;
    expect(m.predict(2, 0)).toBeCloseTo(4.5, 12);
    expect(m.predict(0, 1)).toBeCloseTo(2.5, 12);
    expect(m.predict(3, 2)).toBeCloseTo(2, 12);
    expect(m.predict(1, 3)).toBeCloseTo(3, 12);
  });
});

describe("random-normal", () => {
  it("fits μ̂ and σ̂ by maximum likelihood (divisor n)", () => {
    const m = randomNormalModel.fit(tiny(), randomNormalModel.config({})).model as RandomNormalPredictor;
    expect(m.mu).toBeCloseTo(3, 12);
    // deviations 2, 0, 1, −2, −1, 0 → Σ² = 10, σ̂² = 10/6
    expect(m.sigma).toBeCloseTo(Math.sqrt(10 / 6), 12);
  });

  it("draws look like N(μ̂, σ̂²) over many pairs", () => {
    const train = triples(300, 300, [
      [0, 0, 1],
      [1, 1, 5],
      [2, 2, 3],
      [3, 3, 3],
    ]); // μ̂ = 3, σ̂² = (4 + 4 + 0 + 0)/4 = 2
    const m = randomNormalModel.fit(train, { seed: 11 }).model;
    let s = 0;
    let s2 = 0;
    let below = 0;
    const n = 300 * 300;
    for (let u = 0; u < 300; u++)
      for (let i = 0; i < 300; i++) {
        const p = m.predict(u, i);
        s += p;
        s2 += p * p;
        if (p < 3 - Math.sqrt(2)) below++;
      }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - 3)).toBeLessThan((4 * Math.sqrt(2)) / Math.sqrt(n));
    expect(Math.abs(variance - 2)).toBeLessThan(0.05);
    expect(Math.abs(below / n - 0.158655)).toBeLessThan(0.006); // Φ(−1)
  });

  it("is a pure function of (seed, u, i): call order does not matter, seeds differ", () => {
    const a = randomNormalModel.fit(tiny(), { seed: 5 }).model;
    const first = a.predict(1, 2);
    for (let k = 0; k < 10; k++) a.predict(k % 4, (k * 3) % 4);
    expect(a.predict(1, 2)).toBe(first);
    const b = randomNormalModel.fit(tiny(), { seed: 5 }).model;
    expect(b.predict(2, 1)).toBe(a.predict(2, 1));
    expect(b.predict(1, 2)).toBe(first);
    const c = randomNormalModel.fit(tiny(), { seed: 6 }).model;
    expect(c.predict(1, 2)).not.toBe(first);
  });
});

describe("baseline-als", () => {
  it("one epoch matches the hand computation (items first, then users)", () => {
    const r = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 1, lambdaI: 1, lambdaU: 2 }));
    const m = r.model as BiasPredictor;
    // b_i = Σ(r − μ − 0)/(1 + |R_i|): i0 (2 + 1)/3 = 1, i1 (0 − 1)/3, i2 (−2 + 0)/3
    expect(Array.from(m.bi)).toEqual([1, -1 / 3, -2 / 3, 0].map((x) => expect.closeTo(x, 12)));
    // b_u = Σ(r − μ − b_i)/(2 + |R_u|): u0 (1 + 1/3)/4, u1 (0 − 4/3)/4, u2 (−2/3 + 2/3)/4
    expect(Array.from(m.bu)).toEqual([1 / 3, -1 / 3, 0, 0].map((x) => expect.closeTo(x, 12)));
    expect(m.predict(0, 0)).toBeCloseTo(3 + 1 / 3 + 1, 12);
    expect(m.predict(3, 0)).toBeCloseTo(4, 12); // unknown user: μ + b_i
    expect(m.predict(0, 3)).toBeCloseTo(3 + 1 / 3, 12); // unknown item: μ + b_u
    expect(m.predict(3, 3)).toBe(3);
    expect(r.iterations).toBe(1);
  });

  it("converges to the exact minimiser of Σe² + λ_u Σb_u² + λ_i Σb_i² (ml-matrix normal equations)", () => {
    const rng = new Rng(3);
    const t: [number, number, number][] = [];
    const seen = new Set<string>();
    while (t.length < 120) {
      const u = rng.int(20);
      const i = rng.int(15);
      if (seen.has(`${u},${i}`)) continue;
      seen.add(`${u},${i}`);
      t.push([u, i, 1 + rng.int(5)]);
    }
    const train = triples(22, 16, t); // user 20, 21 and item 15 unrated
    const regU = 4;
    const regI = 2.5;
    const r = baselineAlsModel.fit(train, baselineAlsModel.config({ maxIterations: 400, lambdaU: regU, lambdaI: regI }));
    const m = r.model as BiasPredictor;
    // Oracle: x = [b_u; b_i] solves (AᵀA + diag(λ)) x = Aᵀ(r − μ).
    const nU = 22;
    const nI = 16;
    const mu = t.reduce((s, x) => s + x[2], 0) / t.length;
    const A = Matrix.zeros(t.length, nU + nI);
    const y = Matrix.zeros(t.length, 1);
    t.forEach(([u, i, v], k) => {
      A.set(k, u, 1);
      A.set(k, nU + i, 1);
      y.set(k, 0, v - mu);
    });
    const lhs = A.transpose().mmul(A);
    for (let j = 0; j < nU + nI; j++) lhs.set(j, j, lhs.get(j, j) + (j < nU ? regU : regI));
    const x = solve(lhs, A.transpose().mmul(y));
    for (let u = 0; u < nU; u++) expect(m.bu[u]).toBeCloseTo(x.get(u, 0), 8);
    for (let i = 0; i < nI; i++) expect(m.bi[i]).toBeCloseTo(x.get(nU + i, 0), 8);
    // The reported loss is that objective and never increases (each half-step is an exact block minimisation).
    const L = r.history.trainLoss;
    for (let k = 1; k < L.length; k++) expect(L[k]).toBeLessThanOrEqual(L[k - 1] + 1e-9);
    let obj = 0;
    for (const [u, i, v] of t) obj += (v - mu - m.bu[u] - m.bi[i]) ** 2;
    for (let u = 0; u < nU; u++) obj += regU * m.bu[u] ** 2;
    for (let i = 0; i < nI; i++) obj += regI * m.bi[i] ** 2;
    expect(L[L.length - 1]).toBeCloseTo(obj, 8);
  });

  it("lambda, when a number, is the λ of both sides (replaces lambdaU and lambdaI)", () => {
    const both = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 3, lambda: 2, lambdaU: 7, lambdaI: 9 }))
      .model as BiasPredictor;
    const same = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 3, lambdaU: 2, lambdaI: 2 })).model as BiasPredictor;
    const sides = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 3, lambdaU: 7, lambdaI: 9 })).model as BiasPredictor;
    expect(Array.from(both.bu)).toEqual(Array.from(same.bu));
    expect(Array.from(both.bi)).toEqual(Array.from(same.bi));
    expect(Array.from(sides.bu)).not.toEqual(Array.from(same.bu));
  });

  it("reports every epoch with train and test metrics", () => {
    const reports: IterationReport[] = [];
    const r = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 3 }), {
      test: probe,
      onIteration: (x) => reports.push(x),
    });
    expect(reports.map((x) => x.iteration)).toEqual([1, 2, 3]);
    expect(r.history.testMse).toHaveLength(3);
    const final = scorePredictor(r.model, probe);
    expect(reports[2].test!.mse).toBeCloseTo(final.mse, 12);
    expect(reports[2].train.mse).toBeCloseTo(scorePredictor(r.model, tiny()).mse, 12);
  });
});

describe("baseline-sgd", () => {
  it("one epoch over two ratings matches the hand computation (stored order)", () => {
    const train = triples(2, 2, [
      [0, 0, 5],
      [0, 1, 3],
    ]); // μ = 4
    const r = baselineSgdModel.fit(train, baselineSgdModel.config({ maxIterations: 1, lr: 0.1, lambda: 0.5, shuffle: false }));
    const m = r.model as BiasPredictor;
    // rating 1: e = 1 → b_u = 0.1, b_i0 = 0.1; rating 2: e = 3 − 4.1 = −1.1 → b_u = 0.1 + 0.1(−1.1 − 0.05), b_i1 = −0.11
    expect(m.bu[0]).toBeCloseTo(-0.015, 12);
    expect(m.bi[0]).toBeCloseTo(0.1, 12);
    expect(m.bi[1]).toBeCloseTo(-0.11, 12);
    expect(m.predict(0, 0)).toBeCloseTo(4.085, 12);
    // loss = Σ e² + reg Σ_per-rating (b_u² + b_i²) = 0.915² + 0.875² + 0.5(0.015² + 0.1²) + 0.5(0.015² + 0.11²)
    expect(r.history.trainLoss[0]).toBeCloseTo(1.614125, 12);
  });

  it("shuffling is seeded: same seed same model, another seed another model", () => {
    const cfg = (seed: number) => baselineSgdModel.config({ seed, maxIterations: 3, lr: 0.05 });
    const a = baselineSgdModel.fit(tiny(), cfg(1)).model as BiasPredictor;
    const b = baselineSgdModel.fit(tiny(), cfg(1)).model as BiasPredictor;
    const c = baselineSgdModel.fit(tiny(), cfg(2)).model as BiasPredictor;
    expect(Array.from(b.bu)).toEqual(Array.from(a.bu));
    expect(Array.from(c.bu)).not.toEqual(Array.from(a.bu));
  });

  it("throws a clear divergence error for a huge learning rate", () => {
    expect(() => baselineSgdModel.fit(tiny(), baselineSgdModel.config({ lr: 50, maxIterations: 200 }))).toThrow(
      /^SGD diverged at epoch \d+ \(loss (Infinity|NaN)\): lower the learning rate \(lr = 50\)$/,
    );
  });
});

describe("contract: every baseline", () => {
  for (const def of ALL) {
    it(`${def.name}: unknown user/item → fallback, counted by scorePredictor; never NaN`, () => {
      const m = def.fit(tiny(), def.config({})).model;
      const s = scorePredictor(m, probe);
      expect(s.fallbackCount).toBe(3);
      expect(m.isFallback(0, 0)).toBe(false);
      expect(m.isFallback(3, 0)).toBe(true);
      for (let u = 0; u < 4; u++) for (let i = 0; i < 4; i++) expect(Number.isFinite(m.predict(u, i))).toBe(true);
    });

    it(`${def.name}: deterministic for a fixed config`, () => {
      const a = def.fit(tiny(), def.config({})).model;
      const b = def.fit(tiny(), def.config({})).model;
      for (let u = 0; u < 4; u++) for (let i = 0; i < 4; i++) expect(b.predict(u, i)).toBe(a.predict(u, i));
    });

    it(`${def.name}: refuses unknown keys and an empty training matrix`, () => {
      expect(() => def.config({ bogus_key: 1 })).toThrow(SpecError);
      expect(() => def.config({ bogus_key: 1 })).toThrow(`${def.name} config: bogus_key is not a parameter of ${def.name}`);
      const empty = new RatingsMatrix(2, 2, new Int32Array(0), new Int32Array(0), new Float64Array(0));
      expect(() => def.fit(empty, def.config({}))).toThrow(`${def.name}: the training matrix has no ratings`);
    });
  }

  it("config errors name the key, suggest, and check ranges", () => {
    expect(() => randomNormalModel.config({ sed: 1 })).toThrow(
      'random-normal config: sed is not a parameter of random-normal (did you mean "seed"?); known: seed',
    );
    expect(() => baselineAlsModel.config({ reg_uu: 3 })).toThrow(
      'baseline-als config: reg_uu is not a parameter of baseline-als (did you mean "lambdaU"?); known: maxIterations, lambda, lambdaU, lambdaI',
    );
    expect(() => baselineAlsModel.config({ lambdaU: -1 })).toThrow("baseline-als config: lambdaU must be ≥ 0, got -1");
    expect(() => baselineAlsModel.config({ regU: -1 })).toThrow("baseline-als config: regU must be ≥ 0, got -1");
    expect(() => baselineAlsModel.config({ lambda: -1 })).toThrow("baseline-als config: lambda must be ≥ 0, got -1");
    expect(() => baselineAlsModel.config({ maxIterations: 1.5 })).toThrow("baseline-als config: maxIterations must be an integer, got 1.5");
    expect(() => baselineSgdModel.config({ lr: 0 })).toThrow("baseline-sgd config: lr must be > 0, got 0");
    expect(() => baselineSgdModel.config({ learning_rat: 0.01 })).toThrow(
      'baseline-sgd config: learning_rat is not a parameter of baseline-sgd (did you mean "lr"?); known: maxIterations, lr, lambda, shuffle, seed',
    );
    expect(baselineAlsModel.config({})).toEqual({ maxIterations: 10, lambda: null, lambdaU: 15, lambdaI: 10 });
    expect(baselineAlsModel.defaults).toEqual(baselineAlsModel.config({}));
    expect(baselineSgdModel.config({ shuffle: false })).toEqual({ maxIterations: 20, lr: 0.005, lambda: 0.02, shuffle: false, seed: 0 });
    expect(baselineSgdModel.defaults).toEqual(baselineSgdModel.config({}));
  });

  it("accepts the old and Surprise's names as aliases, stored under the canonical names", () => {
    expect(baselineAlsModel.config({ nEpochs: 4, regU: 3, regI: 2 })).toEqual({ maxIterations: 4, lambda: null, lambdaU: 3, lambdaI: 2 });
    expect(baselineAlsModel.config({ n_epochs: 4, reg_u: 3, reg_i: 2 })).toEqual({ maxIterations: 4, lambda: null, lambdaU: 3, lambdaI: 2 });
    expect(baselineSgdModel.config({ n_epochs: 3, learning_rate: 0.01, reg: 0.1 })).toEqual({
      maxIterations: 3,
      lr: 0.01,
      lambda: 0.1,
      shuffle: true,
      seed: 0,
    });
    expect(() => baselineAlsModel.config({ regU: 3, lambdaU: 3 })).toThrow(
      "baseline-als config: lambdaU repeats a field: regU is another name for lambdaU; give it once",
    );
    // An alias gives the same fit as the canonical name.
    const viaAlias = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ nEpochs: 2, regU: 3, regI: 2 })).model as BiasPredictor;
    const canonical = baselineAlsModel.fit(tiny(), baselineAlsModel.config({ maxIterations: 2, lambdaU: 3, lambdaI: 2 })).model as BiasPredictor;
    expect(Array.from(viaAlias.bu)).toEqual(Array.from(canonical.bu));
    expect(Array.from(viaAlias.bi)).toEqual(Array.from(canonical.bi));
  });
});
