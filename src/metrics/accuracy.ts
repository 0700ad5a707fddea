/**
 * Rating-prediction error metrics over observed entries only.
 *
 *   MSE  = (1/|Ω|) Σ_{(u,i)∈Ω} (r_ui − r̂_ui)²
 *   RMSE = √MSE
 *   MAE  = (1/|Ω|) Σ_{(u,i)∈Ω} |r_ui − r̂_ui|
 *
 * where Ω is the set of entries of the matrix being scored. With `clip`, predictions are first clamped to
 * [lo, hi] (as Surprise does); by default they are not (as the assignment does). Empty Ω gives NaN metrics.
 */
import type { RatingsMatrix } from "../data/ratings";

/**
 * What the error metrics score (models' `Predictor` is this contract): a rating prediction for dense user `u` and
 * item `i`, and whether that prediction used the model's fallback (a user or item without training ratings).
 */
export interface RatingScorer {
  predict(u: number, i: number): number;
  isFallback(u: number, i: number): boolean;
  /**
   * Time-aware models only: the prediction for (u, i) at `time` (the rating's timestamp, in the file's units).
   * The metrics call it instead of `predict` for matrices that carry timestamps.
   */
  predictAt?(u: number, i: number, time: number): number;
}

export interface ErrorMetrics {
  mse: number;
  rmse: number;
  mae: number;
}

export interface ScoredMetrics extends ErrorMetrics {
  /** Number of entries scored. */
  n: number;
  /** How many of those predictions used the model's fallback (user or item without training ratings). */
  fallbackCount: number;
}

export interface ScoreOptions {
  /** Clamp predictions to [lo, hi] before scoring. */
  clip?: readonly [number, number];
}

/** Score a predictor on every entry of `ratings` (at each rating's time for time-aware predictors). O(nnz × cost of one prediction). */
export function scorePredictor(predictor: RatingScorer, ratings: RatingsMatrix, options: ScoreOptions = {}): ScoredMetrics {
  const { users, items, values } = ratings;
  const n = values.length;
  const lo = options.clip ? options.clip[0] : -Infinity;
  const hi = options.clip ? options.clip[1] : Infinity;
  let se = 0;
  let ae = 0;
  let fallbackCount = 0;
  const times = predictor.predictAt !== undefined ? ratings.timestamps : null;
  for (let k = 0; k < n; k++) {
    const u = users[k];
    const i = items[k];
    let p = times !== null && predictor.predictAt !== undefined ? predictor.predictAt(u, i, times[k]) : predictor.predict(u, i);
    if (p < lo) p = lo;
    else if (p > hi) p = hi;
    const e = values[k] - p;
    se += e * e;
    ae += Math.abs(e);
    if (predictor.isFallback(u, i)) fallbackCount++;
  }
  const mse = se / n;
  return { mse, rmse: Math.sqrt(mse), mae: ae / n, n, fallbackCount };
}

/** MSE/RMSE/MAE of paired arrays of true and predicted values. */
export function errorMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): ErrorMetrics {
  if (truth.length !== predicted.length) {
    throw new RangeError(`errorMetrics: ${truth.length} true values but ${predicted.length} predictions`);
  }
  let se = 0;
  let ae = 0;
  for (let k = 0; k < truth.length; k++) {
    const e = truth[k] - predicted[k];
    se += e * e;
    ae += Math.abs(e);
  }
  const mse = se / truth.length;
  return { mse, rmse: Math.sqrt(mse), mae: ae / truth.length };
}
