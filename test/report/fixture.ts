/**
 * Hand-made results files for the results-store, DataFrame and report tests: ALS on d ∈ {1, 2, 5} × λ ∈ {1, 2, 4}
 * with metrics from closed forms (so any number the code reports can be recomputed here), optional folds, a
 * failed run, and a validation sweep whose best configuration differs from the test-best one.
 */
import type { ResultsFile, RunRecord } from "../../src/results/schema";

export const DS = [1, 2, 5];
export const LAMBDAS = [1, 2, 4];

/** Train MSE falls with d and rises with λ; test MSE is U-shaped in d and λ (lowest at d=2, λ=2 on test). */
export function cellMetrics(d: number, lambda: number, foldShift = 0) {
  const trainMse = 0.9 - 0.15 * d + 0.05 * lambda + foldShift;
  const testMse = 0.85 + 0.02 * (d - 2) ** 2 + 0.01 * (lambda - 2) ** 2 + (0.03 * d) / lambda + foldShift;
  const trainMae = 0.7 - 0.05 * d + 0.02 * lambda;
  const testMae = 0.72 + 0.01 * (d - 2) ** 2 + 0.005 * (lambda - 2) ** 2;
  return {
    train: { mse: trainMse, rmse: Math.sqrt(trainMse), mae: trainMae },
    test: { mse: testMse, rmse: Math.sqrt(testMse), mae: testMae },
  };
}

export function seedOf(d: number, lambda: number): number {
  return 1000 * d + lambda;
}

function run(d: number, lambda: number, fold?: string, foldShift = 0): RunRecord {
  return {
    id: `r-d${d}-l${lambda}${fold ? `-${fold}` : ""}`,
    params: { model: "als", d, lambda, maxIterations: 10, init: "uniform", seed: seedOf(d, lambda) },
    seed: seedOf(d, lambda),
    ...(fold ? { fold } : {}),
    status: "ok",
    metrics: cellMetrics(d, lambda, foldShift),
    iterations: 10,
    converged: d !== 5,
    fitSeconds: 0.1 * d,
    predictSeconds: 0.01,
    fallbackCount: 3,
    history: {
      iteration: [1, 2],
      trainLoss: [10, 9],
      trainMse: [1, 0.9],
      trainMae: [0.8, 0.7],
      testMse: [1.1, 1.0],
      testMae: [0.9, 0.8],
      seconds: [0.05, 0.1],
    },
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
  };
}

export interface FixtureOptions {
  name?: string;
  dataset?: string;
  fingerprint?: string;
  description?: string;
  /** Fold names: every configuration runs on each (fold k shifts MSEs by 0.01·k). */
  folds?: string[];
  /** Add a failed run (d = 10, λ = 1). */
  failed?: boolean;
}

export function fixtureResults(options: FixtureOptions = {}): ResultsFile {
  const runs: RunRecord[] = [];
  for (const d of DS) {
    for (const lambda of LAMBDAS) {
      if (options.folds) options.folds.forEach((f, k) => runs.push(run(d, lambda, f, 0.01 * k)));
      else runs.push(run(d, lambda));
    }
  }
  if (options.failed) {
    runs.push({
      id: "r-failed",
      params: { model: "als", d: 10, lambda: 1, maxIterations: 10, init: "uniform", seed: 7 },
      seed: 7,
      status: "failed",
      error: "matrix not positive definite",
      startedAt: "2024-01-01T00:00:00.000Z",
      finishedAt: "2024-01-01T00:00:01.000Z",
    });
  }
  return {
    schema: "mflab.results/1",
    experiment: {
      name: options.name ?? "fixture-grid",
      ...(options.description !== undefined ? { description: options.description } : {}),
      spec: {
        name: options.name ?? "fixture-grid",
        data: { kind: "synthetic" },
        ...(options.folds ? { folds: options.folds } : {}),
        models: [{ model: "als", params: { maxIterations: 10, init: "uniform" }, grid: { d: DS, lambda: LAMBDAS } }],
        seed: 42,
        evaluation: { clip: false, history: true },
      },
    },
    dataset: {
      name: options.dataset ?? "fixture-data",
      source: "hand-made",
      fingerprint: options.fingerprint ?? "00000000000000aa",
      nUsers: 10,
      nItems: 12,
      nTrain: 80,
      nTest: 20,
      ratingScale: [1, 5],
      ...(options.folds
        ? { folds: options.folds.map((name) => ({ name, fingerprint: `f-${name}`, nUsers: 10, nItems: 12, nTrain: 80, nTest: 20 })) }
        : {}),
    },
    env: {
      mflab: "0.1.0",
      node: "v20.0.0",
      platform: "linux x64",
      cpu: "test cpu",
      gitCommit: "abc123",
      gitDirty: true,
      startedAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:10:00.000Z",
    },
    runs,
  };
}

/**
 * The same grid scored on a validation split: validation MSE is lowest at d=1, λ=4 (not the test-best d=2, λ=2).
 */
export function fixtureValidation(): ResultsFile {
  const r = fixtureResults({ dataset: "fixture-data/validation(0.2,seed=42)", fingerprint: "00000000000000bb" });
  for (const run of r.runs) {
    const d = run.params.d as number;
    const lambda = run.params.lambda as number;
    const mse = 0.8 + 0.02 * (d - 1) ** 2 + 0.01 * (lambda - 4) ** 2;
    run.metrics!.test = { mse, rmse: Math.sqrt(mse), mae: 0.7 };
  }
  return r;
}
