/**
 * Descriptive statistics of a list of numbers, the one implementation behind every "mean ± std" and median that
 * mflab prints, plots or stores (fold aggregates, race summaries, error bars, report observations).
 *
 * Standard deviation: the POPULATION standard deviation, √(Σ (x − mean)² / n) — divisor n, ddof = 0. That is
 * numpy's `np.std` default, the number scikit-learn's `cv_results_` (`std_test_score`) and Surprise's
 * `cross_validate` report, so mflab's "± std" over folds or seeds can be compared with theirs. One value has
 * std 0.
 *
 * Missing values: every function takes the values as given. A NaN among them makes the result NaN (as numpy's
 * `np.mean` / `np.std`), and no values at all give NaN (with `n = 0` in {@link meanStd}). A caller that means
 * "over the values that exist" says so by passing {@link finiteValues}(values), and then `n` counts only those.
 *
 * Arithmetic: sums run left to right from 0 with plain `+`, so a result is the same bit for bit wherever it is
 * computed (a table, a figure, a report).
 */

/** Mean, population standard deviation and count of the same values (see the module doc for the conventions). */
export interface MeanStd {
  mean: number;
  /** Population standard deviation (divisor n); 0 for one value, NaN for none. */
  std: number;
  /** How many values went in. */
  n: number;
}

/** Arithmetic mean; NaN for no values or when a value is NaN. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return s / values.length;
}

/** Σ (x − m)², left to right. */
function squaredDeviations(values: ArrayLike<number>, m: number): number {
  let ss = 0;
  for (let k = 0; k < values.length; k++) ss += (values[k] - m) * (values[k] - m);
  return ss;
}

/** Population standard deviation √(Σ (x − mean)² / n) (module doc); 0 for one value, NaN for none. */
export function std(values: ArrayLike<number>): number {
  return Math.sqrt(squaredDeviations(values, mean(values)) / values.length);
}

/** {@link mean}, {@link std} and the count of the same values (the mean computed once). */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const m = mean(values);
  return { mean: m, std: Math.sqrt(squaredDeviations(values, m) / values.length), n: values.length };
}

/** Median (mean of the two middle values for an even count); NaN for no values or when a value is NaN. */
export function median(values: ArrayLike<number>): number {
  const sorted = Array.from(values);
  if (sorted.length === 0 || sorted.some(Number.isNaN)) return NaN;
  sorted.sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** The finite values, in order: what a statistic "over the values that exist" is taken of. */
export function finiteValues(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let k = 0; k < values.length; k++) if (Number.isFinite(values[k])) out.push(values[k]);
  return out;
}
