/**
 * One run, start to finish: fit a model on a fold's training ratings and score it ({@link executeRun}), the run's
 * identity ({@link runId}) and the dataset description recorded with it. The same function runs in the sweep's
 * own thread and in its worker threads (./sweep-worker.ts), so numbers do not depend on where a run ran.
 */
import { createHash } from "node:crypto";
import { InputError } from "../core/errors";
import { canonicalJson } from "../core/json";
import { MFLAB_VERSION } from "../core/version";
import type { Dataset, RatingsMatrix } from "../data/ratings";
import { datasetFingerprint } from "../data/fingerprint";
import { implicitFromRatings } from "../data/implicit";
import { scorePredictor } from "../metrics/accuracy";
import { calibrationBins, hasPredictiveSd, testErrorBuckets } from "../metrics/uncertainty";
import { evaluateRanking, type RankingScorer } from "../metrics/ranking";
import { getModel } from "../models/registry";
import type { DatasetInfo, RunMetrics, RunRecord } from "../results/schema";
import type { EvaluationSpec } from "./spec";

/** Describe a dataset for the results file. */
export function datasetInfo(ds: Dataset): DatasetInfo {
  return {
    name: ds.name,
    source: ds.source,
    fingerprint: datasetFingerprint(ds),
    nUsers: ds.train.nUsers,
    nItems: ds.train.nItems,
    nTrain: ds.train.nnz,
    nTest: ds.test.nnz,
    ratingScale: [ds.ratingScale[0], ds.ratingScale[1]],
  };
}

/** The stable id of a run: model + full config (incl. seed) + dataset fingerprint + mflab version. */
export function runId(params: Record<string, unknown>, seed: number, fingerprint: string): string {
  return createHash("sha256")
    .update(canonicalJson({ params, seed, fingerprint, mflab: MFLAB_VERSION }))
    .digest("hex")
    .slice(0, 12);
}

/** How one run is scored: the spec's evaluation options with the clip range resolved. */
export interface RunEvaluation extends Omit<EvaluationSpec, "clip"> {
  clip: readonly [number, number] | undefined;
}

/**
 * Fit and score one run; any error becomes a "failed" record (the sweep goes on).
 * Task "rating": fit on the training ratings; metrics.train/test = MSE/RMSE/MAE.
 * Task "ranking": fit on the training ratings ≥ threshold (see {@link implicitFromRatings}); metrics.ranking = top-k
 * metrics against the test ratings ≥ threshold, with every item the user rated in training excluded.
 */
export function executeRun(
  id: string,
  params: { model: string; [key: string]: unknown },
  seed: number,
  ds: Dataset,
  evaluation: RunEvaluation,
  threads = 1,
): RunRecord {
  const startedAt = new Date().toISOString();
  const def = getModel(params.model)!;
  const { model: _name, ...identity } = params;
  const config = def.threadable && threads > 1 ? { ...identity, threads } : identity;
  const { clip, history: withHistory } = evaluation;
  const ranking = evaluation.task === "ranking";
  try {
    const positives = (m: RatingsMatrix) => implicitFromRatings(m, { threshold: evaluation.threshold, value: evaluation.implicitValue });
    const train = ranking ? positives(ds.train) : ds.train;
    const test = ranking ? positives(ds.test) : ds.test;
    // A run is scored on its test set: without one it is failed with the reason, never "ok" with empty metrics.
    if (ds.test.nnz === 0) {
      throw new InputError(`the test set of ${ds.name} has no ratings, so there is nothing to score (check the split or the test file)`);
    }
    if (ranking && test.nnz === 0) {
      throw new InputError(
        `no test rating of ${ds.name} is ≥ ${evaluation.threshold} (the ranking threshold), so no user has a relevant item to rank`,
      );
    }
    const t0 = performance.now();
    const fit = def.fit(train, config, { test: withHistory ? test : undefined, clip });
    const fitSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let metrics: RunMetrics;
    let fallbackCount: number;
    let uncertainty: Pick<RunRecord, "testBuckets" | "calibration"> = {};
    if (ranking) {
      metrics = { ranking: evaluateRanking(fit.model as RankingScorer, ds.train, ds.test, { k: evaluation.k, threshold: evaluation.threshold }) };
      fallbackCount = scorePredictor(fit.model, test).fallbackCount;
    } else {
      const trainScore = scorePredictor(fit.model, train, { clip });
      const testScore = scorePredictor(fit.model, test, { clip });
      metrics = {
        train: { mse: trainScore.mse, rmse: trainScore.rmse, mae: trainScore.mae },
        test: { mse: testScore.mse, rmse: testScore.rmse, mae: testScore.mae },
      };
      fallbackCount = testScore.fallbackCount;
      uncertainty = { testBuckets: testErrorBuckets(fit.model, test, { clip }) };
      if (hasPredictiveSd(fit.model)) uncertainty.calibration = calibrationBins(fit.model, test, { clip });
    }
    const predictSeconds = (performance.now() - t1) / 1000;
    const record: RunRecord = {
      id,
      params,
      seed,
      status: "ok",
      metrics,
      iterations: fit.iterations,
      converged: fit.converged,
      fitSeconds,
      predictSeconds,
      fallbackCount,
      ...uncertainty,
      ...(def.threadable && threads > 1 ? { threads } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (withHistory && fit.history.iteration.length > 0) record.history = fit.history;
    return record;
  } catch (e) {
    return {
      id,
      params,
      seed,
      status: "failed",
      error: e instanceof Error ? e.message : String(e),
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  }
}
