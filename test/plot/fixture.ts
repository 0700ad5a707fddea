/**
 * A hand-made results file: 24 ALS runs on d ∈ {1,2,5,10,20,50} × λ ∈ {0.01,0.1,1,10}, stored in a scrambled
 * order, plus 2 failed runs (one with d = 100, which must never appear on an axis). Metric values follow
 * simple closed forms so tests can recompute the expected value of any cell independently of the builders.
 */
import type { ResultsFile, RunRecord } from "../../src/results/schema";

export const DS = [1, 2, 5, 10, 20, 50];
export const LAMBDAS = [0.01, 0.1, 1, 10];

/** The metric values of cell (d, λ). */
export function expected(d: number, lambda: number) {
  const trainMse = 0.5 + 1 / d + 0.1 * lambda;
  const trainMae = 0.4 + 0.5 / d + 0.05 * lambda;
  const testMse = 0.8 + 0.02 * d + 0.3 / d + 0.07 * lambda;
  const testMae = 0.7 + 0.01 * d + 0.2 / d + 0.03 * lambda;
  return {
    train: { mse: trainMse, rmse: Math.sqrt(trainMse), mae: trainMae },
    test: { mse: testMse, rmse: Math.sqrt(testMse), mae: testMae },
  };
}

function run(d: number, lambda: number, k: number): RunRecord {
  const m = expected(d, lambda);
  const iters = 5;
  const history = {
    iteration: [1, 2, 3, 4, 5],
    trainLoss: Array.from({ length: iters }, (_, t) => 100 / (t + 1) + d),
    trainMse: Array.from({ length: iters }, (_, t) => m.train.mse + 0.1 / (t + 1)),
    trainMae: Array.from({ length: iters }, (_, t) => m.train.mae + 0.1 / (t + 1)),
    // JSON turns NaN into null: the d = 50, λ = 10 run has no test curve at all.
    testMse: Array.from({ length: iters }, (_, t) => (d === 50 && lambda === 10 ? null : m.test.mse + 0.05 / (t + 1))) as number[],
    testMae: Array.from({ length: iters }, (_, t) => m.test.mae + 0.05 / (t + 1)),
    seconds: Array.from({ length: iters }, (_, t) => 0.1 * (t + 1) * d),
  };
  return {
    id: `run-${k}`,
    params: { model: "als", d, lambda, iterations: 5 },
    seed: 42,
    status: "ok",
    metrics: m,
    iterations: iters,
    converged: true,
    fitSeconds: 0.5 * d,
    history,
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
  };
}

export function fixtureRuns(): RunRecord[] {
  const cells: [number, number][] = [];
  for (const lambda of LAMBDAS) for (const d of DS) cells.push([d, lambda]);
  // Fixed scramble (multiplier 7 is coprime with 24): stored order is not sorted by d or λ.
  const order = cells.map((_, k) => cells[(k * 7 + 5) % cells.length]);
  const runs = order.map(([d, lambda], k) => run(d, lambda, k));
  runs.splice(3, 0, {
    id: "failed-1",
    params: { model: "als", d: 100, lambda: 1, iterations: 5 },
    seed: 42,
    status: "failed",
    error: "out of memory",
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
  });
  runs.push({
    id: "failed-2",
    params: { model: "als", d: 10, lambda: 1000, iterations: 5 },
    seed: 42,
    status: "failed",
    error: "diverged",
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
  });
  return runs;
}

export function fixtureResults(): ResultsFile {
  return {
    schema: "mflab.results/1",
    experiment: { name: "als-grid", spec: {} },
    dataset: {
      name: "fixture",
      source: "hand-made",
      fingerprint: "0000000000000000",
      nUsers: 10,
      nItems: 10,
      nTrain: 80,
      nTest: 20,
      ratingScale: [1, 5],
    },
    env: {
      mflab: "0.1.0",
      node: "v20",
      platform: "linux",
      cpu: "test",
      gitCommit: null,
      gitDirty: null,
      startedAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:00:00.000Z",
    },
    runs: fixtureRuns(),
  };
}

/**
 * Runs of svdpp, bpmf and bayes-svdpp on five folds with test-error buckets (bpmf and bayes-svdpp also with
 * calibration bins): the comparison notes and the calibration figure.
 */
export function bayesianRuns(): RunRecord[] {
  const out: RunRecord[] = [];
  const models: [string, number, number][] = [
    ["svdpp", 0.922, 0.3],
    ["bpmf", 0.895, 0.05],
    ["bayes-svdpp", 0.893, 0],
  ];
  for (const [model, base, shift] of models) {
    for (let f = 1; f <= 5; f++) {
      const rmse = base + 0.004 * f + (f % 2) * 0.001 * (model.length % 3);
      const run: RunRecord = {
        id: `${model}-u${f}`,
        params: { model, d: 10 },
        seed: 0,
        fold: `u${f}`,
        status: "ok",
        metrics: { train: { mse: 0.55, rmse: Math.sqrt(0.55), mae: 0.58 }, test: { mse: rmse * rmse, rmse, mae: 0.7 } },
        fitSeconds: 10,
        predictSeconds: 0.5,
        testBuckets: {
          sse: Array.from({ length: 100 }, (_, k) => 160 + (k % 9) * 3 + shift * 20 + f),
          count: Array.from({ length: 100 }, () => 200),
        },
        startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: "2026-01-01T00:00:10.000Z",
      };
      if (model !== "svdpp") {
        const sd = Array.from({ length: 10 }, (_, b) => 0.8 + 0.04 * b + 0.01 * f);
        run.calibration = { sd, rmse: sd.map((s, b) => s * (0.95 + 0.01 * b) + (model === "bpmf" ? 0.02 : 0)), count: sd.map(() => 2000) };
      }
      out.push(run);
    }
  }
  return out;
}
