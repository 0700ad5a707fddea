import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import { Rng } from "../../src/core/random";
import { CO_CLUSTERING_DEFAULTS, type CoClusteringConfig, coClusteringModel, fitCoClustering } from "../../src/models/clustering/co-clustering";
import type { IterationReport } from "../../src/models/types";
import { expectSamePredictions, matrix, randomRatings, SMALL_TRIPLES } from "../helpers/matrices";

const cfg = (c: Partial<CoClusteringConfig> = {}): CoClusteringConfig => ({ ...CO_CLUSTERING_DEFAULTS, ...c });

/**
 * Naive co-clustering written from the algorithm description (Surprise's loop structure, plain arrays):
 * same initial draw (users then items from Rng(seed)), per epoch averages → users → items, final averages.
 */
function naiveCoClustering(m: RatingsMatrix, c: CoClusteringConfig): (u: number, i: number) => number {
  const entries = Array.from(m.values, (r, k) => ({ u: m.users[k], i: m.items[k], r }));
  const mu = entries.reduce((s, e) => s + e.r, 0) / entries.length;
  const rng = new Rng(c.seed);
  const cu = Array.from({ length: m.nUsers }, () => rng.int(c.userClusters));
  const ci = Array.from({ length: m.nItems }, () => rng.int(c.itemClusters));
  const meanOf = (rs: number[]) => (rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : mu);
  const userMean = Array.from({ length: m.nUsers }, (_, u) => meanOf(entries.filter((e) => e.u === u).map((e) => e.r)));
  const itemMean = Array.from({ length: m.nItems }, (_, i) => meanOf(entries.filter((e) => e.i === i).map((e) => e.r)));
  const averages = () => ({
    U: Array.from({ length: c.userClusters }, (_, g) => meanOf(entries.filter((e) => cu[e.u] === g).map((e) => e.r))),
    I: Array.from({ length: c.itemClusters }, (_, h) => meanOf(entries.filter((e) => ci[e.i] === h).map((e) => e.r))),
    C: Array.from({ length: c.userClusters }, (_, g) =>
      Array.from({ length: c.itemClusters }, (_, h) => meanOf(entries.filter((e) => cu[e.u] === g && ci[e.i] === h).map((e) => e.r))),
    ),
  });
  const est = (A: ReturnType<typeof averages>, u: number, i: number, g: number, h: number) => A.C[g][h] + userMean[u] - A.U[g] + itemMean[i] - A.I[h];
  const argmin = (v: number[]) => v.indexOf(Math.min(...v));
  for (let epoch = 0; epoch < c.maxIterations; epoch++) {
    const A = averages();
    for (let u = 0; u < m.nUsers; u++) {
      const mine = entries.filter((e) => e.u === u);
      if (mine.length === 0) continue;
      cu[u] = argmin(Array.from({ length: c.userClusters }, (_, g) => mine.reduce((s, e) => s + (e.r - est(A, u, e.i, g, ci[e.i])) ** 2, 0)));
    }
    for (let i = 0; i < m.nItems; i++) {
      const mine = entries.filter((e) => e.i === i);
      if (mine.length === 0) continue;
      ci[i] = argmin(Array.from({ length: c.itemClusters }, (_, h) => mine.reduce((s, e) => s + (e.r - est(A, e.u, i, cu[e.u], h)) ** 2, 0)));
    }
  }
  const A = averages();
  const knownU = new Set(entries.map((e) => e.u));
  const knownI = new Set(entries.map((e) => e.i));
  return (u, i) => (knownU.has(u) && knownI.has(i) ? est(A, u, i, cu[u], ci[i]) : mu);
}

/** Random ratings where the last user and the last item have no ratings. */
function randomMatrix(nUsers: number, nItems: number, p: number, seed: number): RatingsMatrix {
  return randomRatings(seed, nUsers, nItems, p, [nUsers - 1], [nItems - 1]);
}

// u0: i0=5 i1=3 ; u1: i0=4 i1=3 i2=2 ; u2: i0=1 i1=5 i2=4
const small = matrix(3, 3, SMALL_TRIPLES);

describe("co-clustering — hand-computed and planted structure", () => {
  it("one user cluster and one item cluster: r̂ = μ_u + μ_i − μ", () => {
    const { model } = fitCoClustering(small, cfg({ userClusters: 1, itemClusters: 1, maxIterations: 3 }));
    // μ = 27/8, μ_u0 = 4, μ_i2 = 3
    expect(model.predict(0, 2)).toBeCloseTo(4 + 3 - 27 / 8, 14);
    expect(model.predict(2, 0)).toBeCloseTo(10 / 3 + 10 / 3 - 27 / 8, 14);
  });

  it("recovers a planted 2×2 block structure exactly", () => {
    // Users in group A (u % 3 === 0) like items in X (i % 2 === 0): 5, and dislike Y: 1; group B the reverse.
    // Fully observed, so each user's (item's) mean equals its cluster's mean: the model is exact once clusters are right.
    const t: [number, number, number][] = [];
    const inA = (u: number) => u % 3 === 0;
    for (let u = 0; u < 18; u++) for (let i = 0; i < 12; i++) t.push([u, i, inA(u) === (i % 2 === 0) ? 5 : 1]);
    const m = matrix(18, 12, t);
    const { model } = fitCoClustering(m, cfg({ userClusters: 2, itemClusters: 2, restarts: 5 }));
    expect(scorePredictor(model, m).rmse).toBeLessThan(1e-9);
    for (let u = 0; u < 18; u++) expect(model.userCluster[u] === model.userCluster[0]).toBe(inA(u) === inA(0));
    for (let i = 0; i < 12; i++) expect(model.itemCluster[i] === model.itemCluster[0]).toBe(i % 2 === 0);
  });
});

describe("co-clustering — against the naive algorithm", () => {
  const m = randomMatrix(41, 33, 0.3, 9);
  for (const c of [
    cfg({ seed: 1 }),
    cfg({ seed: 2, userClusters: 4, itemClusters: 2, maxIterations: 7 }),
    cfg({ seed: 3, userClusters: 2, itemClusters: 5, maxIterations: 0 }),
  ]) {
    it(`matches for ${JSON.stringify(c)}`, () => {
      const { model } = fitCoClustering(m, c);
      const naive = naiveCoClustering(m, c);
      expectSamePredictions(m.nUsers, m.nItems, (u, i) => model.predict(u, i), naive, 1e-12);
    });
  }

  it("unknown user or item → global mean, counted as fallback", () => {
    const { model } = fitCoClustering(m, cfg());
    expect(model.predict(40, 0)).toBeCloseTo(m.mean(), 14);
    expect(model.predict(0, 32)).toBeCloseTo(m.mean(), 14);
    const probe = matrix(41, 33, [
      [40, 0, 3],
      [0, 32, 3],
      [40, 32, 3],
      [m.users[0], m.items[0], 3],
    ]);
    expect(scorePredictor(model, probe).fallbackCount).toBe(3);
  });

  it("same seed → same model; the seed matters", () => {
    const a = fitCoClustering(m, cfg({ seed: 4 })).model;
    const b = fitCoClustering(m, cfg({ seed: 4 })).model;
    expect(Array.from(a.userCluster)).toEqual(Array.from(b.userCluster));
    expect(Array.from(a.itemCluster)).toEqual(Array.from(b.itemCluster));
    const differs = [5, 6, 7, 8].some((s) => {
      const o = fitCoClustering(m, cfg({ seed: s })).model;
      return Array.from(o.userCluster).some((g, u) => g !== a.userCluster[u]);
    });
    expect(differs).toBe(true);
  });

  it("restarts keep the run with the lowest training SSE (restart 0 is the plain seeded run)", () => {
    const single = fitCoClustering(m, cfg({ seed: 4 }));
    const multi = fitCoClustering(m, cfg({ seed: 4, restarts: 6 }));
    const sse = (r: typeof single) => r.history.trainLoss[r.history.trainLoss.length - 1];
    expect(sse(multi)).toBeLessThanOrEqual(sse(single));
    const direct = scorePredictor(multi.model, m);
    expect(sse(multi)).toBeCloseTo(direct.mse * direct.n, 9);
  });

  it("reports every epoch: history, onIteration, test metrics", () => {
    const test = randomMatrix(41, 33, 0.1, 99);
    const reports: IterationReport[] = [];
    const r = fitCoClustering(m, cfg({ maxIterations: 5 }), { test, clip: [1, 5], onIteration: (x) => reports.push(x) });
    expect(r.iterations).toBe(5);
    expect(reports.map((x) => x.iteration)).toEqual([1, 2, 3, 4, 5]);
    expect(r.history.iteration).toEqual([1, 2, 3, 4, 5]);
    const finalTest = scorePredictor(r.model, test, { clip: [1, 5] });
    expect(r.history.testMse[4]).toBeCloseTo(finalTest.mse, 12);
    expect(reports[4].test?.mae).toBeCloseTo(finalTest.mae, 12);
    const finalTrain = scorePredictor(r.model, m);
    expect(r.history.trainLoss[4]).toBeCloseTo(finalTrain.mse * finalTrain.n, 9);
    expect(reports.every((x) => x.seconds >= 0)).toBe(true);
    const noTest = fitCoClustering(m, cfg({ maxIterations: 2 }));
    expect(noTest.history.testMse.every(Number.isNaN)).toBe(true);
  });
});

describe("co-clustering — definition and config", () => {
  it("name and Surprise defaults", () => {
    expect(coClusteringModel.name).toBe("co-clustering");
    expect(coClusteringModel.config({})).toEqual({ userClusters: 3, itemClusters: 3, maxIterations: 20, seed: 0, restarts: 1 });
    expect(coClusteringModel.defaults).toEqual(CO_CLUSTERING_DEFAULTS);
    expect(CO_CLUSTERING_DEFAULTS).toEqual(coClusteringModel.config({}));
  });

  it("accepts the old and Surprise's names as aliases, stored under the canonical names", () => {
    expect(coClusteringModel.config({ epochs: 3, n_cltr_u: 2, n_cltr_i: 4, random_state: 3 })).toEqual({
      userClusters: 2,
      itemClusters: 4,
      maxIterations: 3,
      seed: 3,
      restarts: 1,
    });
    expect(coClusteringModel.config({ nCltrU: 2, nCltrI: 4, n_epochs: 5 })).toEqual({
      ...CO_CLUSTERING_DEFAULTS,
      userClusters: 2,
      itemClusters: 4,
      maxIterations: 5,
    });
    expect(() => coClusteringModel.config({ epochs: 3, maxIterations: 3 })).toThrow(
      "co-clustering config: maxIterations repeats a field: epochs is another name for maxIterations; give it once",
    );
  });

  it("invalid configs name the key", () => {
    expect(() => coClusteringModel.config({ epoch: 3 })).toThrow(SpecError);
    expect(() => coClusteringModel.config({ epoch: 3 })).toThrow(
      'co-clustering config: epoch is not a parameter of co-clustering (did you mean "maxIterations"?); known: userClusters, itemClusters, maxIterations, seed, restarts',
    );
    expect(() => coClusteringModel.config({ userClusters: 0 })).toThrow("co-clustering config: userClusters must be ≥ 1, got 0");
    expect(() => coClusteringModel.config({ seed: 1.5 })).toThrow("co-clustering config: seed must be an integer, got 1.5");
    expect(() => coClusteringModel.config({ restarts: 0 })).toThrow("co-clustering config: restarts must be ≥ 1, got 0");
  });

  it("an empty training matrix is refused", () => {
    expect(() => fitCoClustering(matrix(2, 2, []), cfg())).toThrow(/co-clustering: the training matrix has no ratings/);
  });
});
