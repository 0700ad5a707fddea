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
import { holdoutSplit } from "../data/split";
import { getModel } from "../models/registry";
import { emptyHistory, recordIteration, type History, type IterationReport } from "../models/types";
import type { DatasetInfo, RunMetrics, RunRecord } from "../results/schema";
import { PRUNED, prunerCheck, type PrunerTask } from "./search/pruner";
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

/**
 * What a run's id says about the data it was fitted on: the fold's fingerprint, plus the validation split when
 * `evaluation.validation` carves one (a run fitted on fewer ratings is another run).
 */
export function fitDataKey(fingerprint: string, evaluation: { validation?: number; validationSeed?: number }): string {
  return evaluation.validation === undefined
    ? fingerprint
    : `${fingerprint}/validation=${evaluation.validation},seed=${evaluation.validationSeed ?? 0}`;
}

/** How one run is scored: the spec's evaluation options with the clip range resolved. */
export interface RunEvaluation extends Omit<EvaluationSpec, "clip"> {
  clip: readonly [number, number] | undefined;
  /** Seed of the validation split (`evaluation.validation`); the runner derives it from the sweep seed. */
  validationSeed?: number;
}

/** The training ratings a run fits on and the validation ratings carved from them (one split per dataset). */
interface ValidationSplit {
  fitTrain: RatingsMatrix;
  validation: RatingsMatrix;
}
const validationCache = new WeakMap<Dataset, Map<string, ValidationSplit>>();

/**
 * `evaluation.validation`: a seeded random `fraction` of the dataset's training ratings held out as the validation
 * set (the same ratings for every run of a sweep on this split, whatever the model or the worker); the run fits on
 * the rest. Computed once per dataset object.
 */
export function carveValidation(ds: Dataset, fraction: number, seed: number): ValidationSplit {
  const key = `${fraction}:${seed}`;
  let byKey = validationCache.get(ds);
  if (!byKey) validationCache.set(ds, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const split = holdoutSplit(ds.train.nnz, fraction, seed);
  const out = { fitTrain: ds.train.subset(split.trainIdx), validation: ds.train.subset(split.testIdx) };
  byKey.set(key, out);
  return out;
}

/** How a run was asked to score itself beyond the evaluation options: a pruner (searches only). */
export interface RunExtras {
  pruner?: PrunerTask;
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
  extras: RunExtras = {},
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
    // With a validation set the fit sees the training ratings minus it; the per-iteration held-out curve is the
    // validation curve (what a pruner watches; the test set is scored once, at the end).
    const carved =
      !ranking && evaluation.validation !== undefined ? carveValidation(ds, evaluation.validation, evaluation.validationSeed ?? 0) : undefined;
    const fitTrain = carved ? carved.fitTrain : train;
    const perIteration = carved ? carved.validation : withHistory ? test : undefined;
    const check = extras.pruner ? prunerCheck(extras.pruner) : undefined;
    const seen: History = emptyHistory();
    const onIteration = check
      ? (r: IterationReport) => {
          recordIteration(seen, r);
          if (r.test && check(r.iteration, Math.sqrt(r.test.mse))) throw PRUNED;
        }
      : undefined;
    const t0 = performance.now();
    let fit: ReturnType<typeof def.fit>;
    try {
      fit = def.fit(fitTrain, config, { test: perIteration, clip, onIteration });
    } catch (e) {
      if (e !== PRUNED) throw e;
      return prunedRecord(id, params, seed, seen, (performance.now() - t0) / 1000, withHistory, startedAt);
    }
    const fitSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let metrics: RunMetrics;
    let fallbackCount: number;
    let uncertainty: Pick<RunRecord, "testBuckets" | "calibration"> = {};
    if (ranking) {
      metrics = { ranking: evaluateRanking(fit.model as RankingScorer, ds.train, ds.test, { k: evaluation.k, threshold: evaluation.threshold }) };
      fallbackCount = scorePredictor(fit.model, test).fallbackCount;
    } else {
      const trainScore = scorePredictor(fit.model, fitTrain, { clip });
      const testScore = scorePredictor(fit.model, test, { clip });
      metrics = {
        train: { mse: trainScore.mse, rmse: trainScore.rmse, mae: trainScore.mae },
        test: { mse: testScore.mse, rmse: testScore.rmse, mae: testScore.mae },
      };
      if (carved) {
        const v = scorePredictor(fit.model, carved.validation, { clip });
        metrics.validation = { mse: v.mse, rmse: v.rmse, mae: v.mae };
      }
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
    if (withHistory && fit.history.iteration.length > 0) record.history = carved ? asValidationHistory(fit.history) : fit.history;
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

/** A fit's history whose held-out curves were measured on the validation set: stored as validation curves. */
function asValidationHistory(h: History): RunRecord["history"] {
  const nan = h.iteration.map(() => NaN);
  return { ...h, testMse: nan, testMae: nan.slice(), validationMse: h.testMse, validationMae: h.testMae };
}

/** A run stopped by the pruner: the iterations it reached and its validation error at the last one. */
function prunedRecord(
  id: string,
  params: RunRecord["params"],
  seed: number,
  seen: History,
  fitSeconds: number,
  withHistory: boolean,
  startedAt: string,
): RunRecord {
  const last = seen.iteration.length - 1;
  const mse = seen.testMse[last];
  const record: RunRecord = {
    id,
    params,
    seed,
    status: "pruned",
    metrics: { validation: { mse, rmse: Math.sqrt(mse), mae: seen.testMae[last] } },
    iterations: seen.iteration[last],
    converged: false,
    fitSeconds,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (withHistory) record.history = asValidationHistory(seen);
  return record;
}
