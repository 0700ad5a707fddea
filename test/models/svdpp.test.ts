import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { Rng } from "../../src/core/random";
import { SVDPP_DEFAULTS, fitSvdpp, svdppModel, type SvdppConfig, type SvdppPredictor } from "../../src/models/gradient/svdpp";
import type { IterationReport } from "../../src/models/types";
import { matrix as triples } from "../helpers/matrices";

const rows = (a: Float64Array, k: number) => Array.from({ length: a.length / k }, (_, r) => Array.from(a.subarray(r * k, r * k + k)));

interface State {
  mu: number;
  bu: number[];
  bi: number[];
  P: number[][];
  Q: number[][];
  Y: number[][];
}

function initState(train: RatingsMatrix, cfg: SvdppConfig): State {
  const m = fitSvdpp(train, { ...cfg, maxIterations: 0 }).model;
  const k = cfg.d;
  return {
    mu: m.mu,
    bu: new Array(train.nUsers).fill(0),
    bi: new Array(train.nItems).fill(0),
    P: rows(m.P, k),
    Q: rows(m.Q, k),
    Y: rows(m.Y, k),
  };
}

/** Items rated by u, in item order (= the model's CSR order with shuffle: false). */
function itemsOf(train: RatingsMatrix, u: number): { i: number; r: number }[] {
  const out: { i: number; r: number }[] = [];
  for (let t = 0; t < train.nnz; t++) if (train.users[t] === u) out.push({ i: train.items[t], r: train.values[t] });
  return out.sort((a, b) => a.i - b.i);
}

/** Surprise's SVDpp epoch verbatim in spirit: implicit sum recomputed and every y_j updated after EACH rating. */
function surpriseEpoch(train: RatingsMatrix, s: State, lr: number, reg: number): void {
  const k = s.P[0].length;
  for (let u = 0; u < train.nUsers; u++) {
    const Iu = itemsOf(train, u);
    for (const { i, r } of Iu) {
      const sq = Math.sqrt(Iu.length);
      const imp = new Array(k).fill(0);
      for (const { i: j } of Iu) for (let f = 0; f < k; f++) imp[f] += s.Y[j][f] / sq;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += s.Q[i][f] * (s.P[u][f] + imp[f]);
      const err = r - (s.mu + s.bu[u] + s.bi[i] + dot);
      s.bu[u] += lr * (err - reg * s.bu[u]);
      s.bi[i] += lr * (err - reg * s.bi[i]);
      for (let f = 0; f < k; f++) {
        const puf = s.P[u][f];
        const qif = s.Q[i][f];
        s.P[u][f] += lr * (err * qif - reg * puf);
        s.Q[i][f] += lr * (err * (puf + imp[f]) - reg * qif);
        for (const { i: j } of Iu) s.Y[j][f] += lr * ((err * qif) / sq - reg * s.Y[j][f]);
      }
    }
  }
}

/** The documented batched rule: z_u fixed during u's ratings, y-gradient accumulated, applied once per user. */
function batchedEpoch(train: RatingsMatrix, s: State, lr: number, reg: number): void {
  const k = s.P[0].length;
  for (let u = 0; u < train.nUsers; u++) {
    const Iu = itemsOf(train, u);
    if (Iu.length === 0) continue;
    const sq = Math.sqrt(Iu.length);
    const z = new Array(k).fill(0);
    for (const { i: j } of Iu) for (let f = 0; f < k; f++) z[f] += s.Y[j][f] / sq;
    const g = new Array(k).fill(0);
    for (const { i, r } of Iu) {
      let dot = 0;
      for (let f = 0; f < k; f++) dot += s.Q[i][f] * (s.P[u][f] + z[f]);
      const err = r - (s.mu + s.bu[u] + s.bi[i] + dot);
      s.bu[u] += lr * (err - reg * s.bu[u]);
      s.bi[i] += lr * (err - reg * s.bi[i]);
      for (let f = 0; f < k; f++) {
        const puf = s.P[u][f];
        const qif = s.Q[i][f];
        s.P[u][f] += lr * (err * qif - reg * puf);
        s.Q[i][f] += lr * (err * (puf + z[f]) - reg * qif);
        g[f] += err * qif;
      }
    }
    for (const { i: j } of Iu) for (let f = 0; f < k; f++) s.Y[j][f] += lr * (g[f] / sq - Iu.length * reg * s.Y[j][f]);
  }
}

function expectState(m: SvdppPredictor, s: State, digits = 12): void {
  const k = m.d;
  rows(m.P, k).forEach((r, u) => r.forEach((x, f) => expect(x).toBeCloseTo(s.P[u][f], digits)));
  rows(m.Q, k).forEach((r, i) => r.forEach((x, f) => expect(x).toBeCloseTo(s.Q[i][f], digits)));
  rows(m.Y, k).forEach((r, i) => r.forEach((x, f) => expect(x).toBeCloseTo(s.Y[i][f], digits)));
  Array.from(m.bu).forEach((x, u) => expect(x).toBeCloseTo(s.bu[u], digits));
  Array.from(m.bi).forEach((x, i) => expect(x).toBeCloseTo(s.bi[i], digits));
}

/** Every user rates exactly one item: Surprise's per-rating rule and the batched rule coincide. */
const oneEach = triples(5, 3, [
  [0, 1, 4],
  [1, 0, 2],
  [2, 1, 5],
  [3, 2, 3],
  [4, 0, 1],
]);

/** Users with several ratings; user 4 and item 4 unrated. */
const several = triples(5, 5, [
  [0, 0, 5],
  [0, 1, 3],
  [0, 3, 4],
  [1, 0, 4],
  [1, 2, 1],
  [2, 1, 2],
  [2, 2, 3],
  [2, 3, 5],
  [3, 3, 2],
]);

describe("svdpp: update rule", () => {
  const cfg = svdppModel.config({ d: 3, lr: 0.05, lambda: 0.1, shuffle: false, seed: 2 });

  it("with one rating per user, 3 epochs equal Surprise's per-rating SVDpp exactly", () => {
    const s = initState(oneEach, cfg);
    for (let e = 0; e < 3; e++) surpriseEpoch(oneEach, s, 0.05, 0.1);
    expectState(fitSvdpp(oneEach, { ...cfg, maxIterations: 3 }).model, s);
  });

  it("with several ratings per user, follows the documented batched rule (and stays close to Surprise's)", () => {
    const batched = initState(several, cfg);
    const surprise = initState(several, cfg);
    for (let e = 0; e < 3; e++) {
      batchedEpoch(several, batched, 0.05, 0.1);
      surpriseEpoch(several, surprise, 0.05, 0.1);
    }
    const m = fitSvdpp(several, { ...cfg, maxIterations: 3 }).model;
    expectState(m, batched);
    // Not identical to Surprise, but the difference is second order in lr.
    let maxDiff = 0;
    for (let u = 0; u < 4; u++) for (let f = 0; f < 3; f++) maxDiff = Math.max(maxDiff, Math.abs(m.P[u * 3 + f] - surprise.P[u][f]));
    expect(maxDiff).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(0.01);
  });

  it("predict = μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ y_j), computed from the fitted arrays", () => {
    const m = fitSvdpp(several, { ...cfg, maxIterations: 4 }).model;
    const k = 3;
    const Nu = [0, 1, 3]; // items of user 0
    let dot = 0;
    for (let f = 0; f < k; f++) {
      let z = 0;
      for (const j of Nu) z += m.Y[j * k + f];
      dot += m.Q[3 * k + f] * (m.P[0 * k + f] + z / Math.sqrt(3));
    }
    expect(m.predict(0, 3)).toBeCloseTo(m.mu + m.bu[0] + m.bi[3] + dot, 12);
  });

  it("trainLoss = Σe² + Σ_(u,i)[reg(b_u² + b_i² + ‖p_u‖² + ‖q_i‖² + Σ_{j∈N(u)}‖y_j‖²)]", () => {
    const r = svdppModel.fit(several, { ...cfg, maxIterations: 2, lambdaYj: 0.3 });
    const m = r.model as SvdppPredictor;
    const k = 3;
    const sq = (a: Float64Array, row: number) => Array.from(a.subarray(row * k, row * k + k)).reduce((s, x) => s + x * x, 0);
    let obj = 0;
    for (let t = 0; t < several.nnz; t++) {
      const u = several.users[t];
      const i = several.items[t];
      obj += (several.values[t] - m.predict(u, i)) ** 2;
      obj += 0.1 * (m.bu[u] ** 2 + m.bi[i] ** 2 + sq(m.P, u) + sq(m.Q, i));
      for (const { i: j } of itemsOf(several, u)) obj += 0.3 * sq(m.Y, j);
    }
    expect(r.history.trainLoss[1]).toBeCloseTo(obj, 10);
    expect(r.history.trainMse[1]).toBeCloseTo(scorePredictor(m, several).mse, 12);
  });
});

describe("svdpp: contract", () => {
  it("unknown user → μ + b_i, unknown item → μ + b_u; fallbacks counted", () => {
    const m = svdppModel.fit(several, svdppModel.config({ d: 2, maxIterations: 3 })).model as SvdppPredictor;
    expect(m.predict(4, 0)).toBeCloseTo(m.mu + m.bi[0], 14);
    expect(m.predict(0, 4)).toBeCloseTo(m.mu + m.bu[0], 14);
    expect(m.predict(4, 4)).toBeCloseTo(m.mu, 14);
    const probe = triples(5, 5, [
      [4, 0, 3],
      [0, 4, 3],
      [4, 4, 3],
      [1, 1, 3],
    ]);
    expect(scorePredictor(m, probe).fallbackCount).toBe(3);
    expect(m.isFallback(1, 1)).toBe(false);
  });

  it("deterministic with a seed (shuffled users and ratings); another seed differs", () => {
    const c = (seed: number) => svdppModel.config({ d: 3, maxIterations: 4, seed });
    const a = svdppModel.fit(several, c(1)).model as SvdppPredictor;
    const b = svdppModel.fit(several, c(1)).model as SvdppPredictor;
    expect(Array.from(b.Y)).toEqual(Array.from(a.Y));
    expect(svdppModel.fit(several, c(2)).model.predict(0, 0)).not.toBe(a.predict(0, 0));
  });

  it("reports each epoch with test metrics; diverges with a clear error", () => {
    const reports: IterationReport[] = [];
    const test = triples(5, 5, [[1, 1, 3]]);
    svdppModel.fit(several, svdppModel.config({ d: 2, maxIterations: 3 }), { test, onIteration: (x) => reports.push(x) });
    expect(reports.map((x) => x.iteration)).toEqual([1, 2, 3]);
    expect(reports.every((x) => x.test !== undefined && Number.isFinite(x.test.mse))).toBe(true);
    expect(() => svdppModel.fit(several, svdppModel.config({ lr: 0.9, maxIterations: 100, initStd: 2 }))).toThrow(
      /^SGD diverged at epoch \d+ \(loss (Infinity|NaN)\): lower the learning rate \(lr = 0\.9\)$/,
    );
  });

  it("learns: on a larger random problem the training error falls well below the global-mean error", () => {
    const rng = new Rng(12);
    const t: [number, number, number][] = [];
    const seen = new Set<number>();
    const a = Array.from({ length: 40 }, () => rng.next());
    const b = Array.from({ length: 30 }, () => rng.next());
    while (t.length < 600) {
      const u = rng.int(40);
      const i = rng.int(30);
      if (seen.has(u * 30 + i)) continue;
      seen.add(u * 30 + i);
      t.push([u, i, 1 + 4 * a[u] * b[i]]);
    }
    const train = triples(40, 30, t);
    const r = svdppModel.fit(train, svdppModel.config({ maxIterations: 60 }));
    const mu = t.reduce((s, x) => s + x[2], 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, x) => s + (x[2] - mu) ** 2, 0) / t.length);
    expect(scorePredictor(r.model, train).rmse).toBeLessThan(0.35 * sd);
    expect(r.history.trainLoss[59]).toBeLessThan(r.history.trainLoss[0]);
  });
});

describe("svdpp: config", () => {
  it("defaults are Surprise's SVDpp defaults", () => {
    expect(svdppModel.config({})).toEqual(SVDPP_DEFAULTS);
    expect(SVDPP_DEFAULTS).toEqual({
      d: 20,
      maxIterations: 20,
      lr: 0.007,
      lambda: 0.02,
      lrBu: null,
      lrBi: null,
      lrPu: null,
      lrQi: null,
      lrYj: null,
      lambdaBu: null,
      lambdaBi: null,
      lambdaPu: null,
      lambdaQi: null,
      lambdaYj: null,
      initMean: 0,
      initStd: 0.1,
      shuffle: true,
      seed: 0,
    });
    expect(svdppModel.config({ lrYj: 0.001 }).lrYj).toBe(0.001);
  });

  it("accepts the old and Surprise's names as aliases, stored under the canonical names", () => {
    expect(svdppModel.config({ nFactors: 5, n_epochs: 3, lr_all: 0.01, reg_all: 0.1, regYj: 0.3, lr_yj: 0.2 })).toEqual({
      ...SVDPP_DEFAULTS,
      d: 5,
      maxIterations: 3,
      lr: 0.01,
      lambda: 0.1,
      lambdaYj: 0.3,
      lrYj: 0.2,
    });
    expect(() => svdppModel.config({ regYj: 0.3, reg_yj: 0.3 })).toThrow(
      "svdpp config: reg_yj repeats a field: regYj and reg_yj both mean lambdaYj; give it once",
    );
  });

  it("refuses unknown keys (with a suggestion) and out-of-range values", () => {
    const known =
      "known: d, maxIterations, lr, lambda, lrBu, lrBi, lrPu, lrQi, lrYj, lambdaBu, lambdaBi, lambdaPu, lambdaQi, lambdaYj, initMean, initStd, shuffle, seed";
    expect(() => svdppModel.config({ lamdaYj: 0.1 })).toThrow(SpecError);
    expect(() => svdppModel.config({ lamdaYj: 0.1 })).toThrow(
      `svdpp config: lamdaYj is not a parameter of svdpp (did you mean "lambdaYj"?); ${known}`,
    );
    expect(() => svdppModel.config({ maxIterations: -1 })).toThrow("svdpp config: maxIterations must be ≥ 0, got -1");
    expect(() => svdppModel.config({ nEpochs: -1 })).toThrow("svdpp config: nEpochs must be ≥ 0, got -1");
    expect(() => svdppModel.config({ lrYj: 0 })).toThrow("svdpp config: lrYj must be > 0, got 0");
    expect(() => svdppModel.config({ lambdaYj: -1 })).toThrow("svdpp config: lambdaYj must be ≥ 0, got -1");
    expect(() => svdppModel.config({ initStd: "0.1" })).toThrow('svdpp config: initStd must be a finite number, got "0.1"');
  });

  it("a typo of a parameter's name suggests that parameter (not another parameter's alias)", () => {
    // "regY" is one edit from both "regYj" (an alias of lambdaYj) and "reg" (an alias of lambda); the hint must name
    // the y_j regularization, which the old name regYj was for.
    const known =
      "known: d, maxIterations, lr, lambda, lrBu, lrBi, lrPu, lrQi, lrYj, lambdaBu, lambdaBi, lambdaPu, lambdaQi, lambdaYj, initMean, initStd, shuffle, seed";
    expect(() => svdppModel.config({ regY: 0.1 })).toThrow(`svdpp config: regY is not a parameter of svdpp (did you mean "lambdaYj"?); ${known}`);
  });
});
