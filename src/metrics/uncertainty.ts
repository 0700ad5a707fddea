/**
 * What a run keeps of its test errors for the uncertainty of comparisons and of the model itself:
 *
 * - {@link testErrorBuckets}: the test ratings split into B fixed buckets by a hash of (user, item) — the same
 *   bucket for the same rating in every model's run on that fold — with each bucket's Σ(r − r̂)² and count. A
 *   bootstrap that resamples buckets with replacement approximates the bootstrap over test ratings (the buckets
 *   are a random partition, so their sums are exchangeable), paired across models, from 2B numbers per run
 *   instead of one error per rating.
 * - {@link calibrationBins}: for models with a predictive sd (the Bayesian samplers), the test ratings in bins of
 *   predicted sd (equal counts), each with its mean predicted sd and the observed RMSE — a calibrated model has
 *   RMSE ≈ sd in every bin.
 */
import type { RatingsMatrix } from "../data/ratings";
import type { RatingScorer } from "./accuracy";

/** Buckets per run (a bootstrap over 100 exchangeable sums behaves like one over the ratings for means). */
export const TEST_BUCKETS = 100;

/** The bucket of the rating (u, i): a 32-bit multiply–xorshift hash of the dense indices, mod `buckets`. */
export function ratingBucket(u: number, i: number, buckets: number): number {
  let h = Math.imul(u ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ i, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2f) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) % buckets;
}

export interface ErrorBuckets {
  /** Σ (r − r̂)² per bucket (predictions clipped when asked). */
  sse: number[];
  count: number[];
}

/** Per-bucket squared-error sums of `predictor` on `ratings` (module doc). O(nnz × one prediction). */
export function testErrorBuckets(
  predictor: RatingScorer,
  ratings: RatingsMatrix,
  options: { clip?: readonly [number, number]; buckets?: number } = {},
): ErrorBuckets {
  const B = options.buckets ?? TEST_BUCKETS;
  const sse = new Array<number>(B).fill(0);
  const count = new Array<number>(B).fill(0);
  const lo = options.clip ? options.clip[0] : -Infinity;
  const hi = options.clip ? options.clip[1] : Infinity;
  const times = predictor.predictAt !== undefined ? ratings.timestamps : null;
  for (let e = 0; e < ratings.nnz; e++) {
    const u = ratings.users[e];
    const i = ratings.items[e];
    let p = times !== null && predictor.predictAt !== undefined ? predictor.predictAt(u, i, times[e]) : predictor.predict(u, i);
    if (p < lo) p = lo;
    else if (p > hi) p = hi;
    const b = ratingBucket(u, i, B);
    sse[b] += (ratings.values[e] - p) ** 2;
    count[b]++;
  }
  return { sse, count };
}

/** A scorer that also gives the predictive standard deviation of a rating. */
export interface UncertainScorer extends RatingScorer {
  predictiveSd(u: number, i: number, time?: number): number;
}

export function hasPredictiveSd(p: RatingScorer): p is UncertainScorer {
  return typeof (p as Partial<UncertainScorer>).predictiveSd === "function";
}

export interface CalibrationBins {
  /** Mean predicted sd per bin (ascending). */
  sd: number[];
  /** Observed RMSE of the (clipped) predictions per bin. */
  rmse: number[];
  count: number[];
}

/** Test ratings in `bins` equal-count bins of predicted sd (module doc). O(nnz log nnz). */
export function calibrationBins(
  predictor: UncertainScorer,
  ratings: RatingsMatrix,
  options: { clip?: readonly [number, number]; bins?: number } = {},
): CalibrationBins {
  const n = ratings.nnz;
  const bins = Math.max(1, Math.min(options.bins ?? 10, n));
  const lo = options.clip ? options.clip[0] : -Infinity;
  const hi = options.clip ? options.clip[1] : Infinity;
  const times = ratings.timestamps;
  const sd = new Float64Array(n);
  const se = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const u = ratings.users[e];
    const i = ratings.items[e];
    const t = times === null ? undefined : times[e];
    let p = t !== undefined && predictor.predictAt !== undefined ? predictor.predictAt(u, i, t) : predictor.predict(u, i);
    if (p < lo) p = lo;
    else if (p > hi) p = hi;
    sd[e] = predictor.predictiveSd(u, i, t);
    se[e] = (ratings.values[e] - p) ** 2;
  }
  const order = Array.from({ length: n }, (_, e) => e).sort((a, b) => sd[a] - sd[b] || a - b);
  const out: CalibrationBins = { sd: [], rmse: [], count: [] };
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    let s = 0;
    let q = 0;
    for (let t = from; t < to; t++) {
      s += sd[order[t]];
      q += se[order[t]];
    }
    const m = to - from;
    out.sd.push(s / m);
    out.rmse.push(Math.sqrt(q / m));
    out.count.push(m);
  }
  return out;
}
