/**
 * The paired comparison of two configurations over the same folds, for the report's observations: per-fold
 * differences, how often each is lower, and a paired t-test — plain, and with Nadeau & Bengio's (2003) corrected
 * variance for folds that share training ratings (k-fold cross-validation: each pair of training sets overlaps),
 * σ̂²·(1/n + n_test/n_train) instead of σ̂²/n. The plain test treats the folds as independent, which they are not,
 * so its p-value is optimistic; the corrected one is the one to quote.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let k = 1; k < 9; k++) a += c[k] / (z + k);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), 0 ≤ x ≤ 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| ≥ |t|). */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** A paired comparison of `a` and `b` over the same folds (see the module doc). */
export interface PairedComparison {
  /** Folds compared. */
  n: number;
  /** Per-fold differences b − a (positive: a is lower), in fold order. */
  differences: number[];
  /** Folds where a is lower / b is lower. */
  aLower: number;
  bLower: number;
  meanDifference: number;
  /** Sample standard deviation of the differences (n − 1). */
  sd: number;
  /** Plain paired t statistic and its two-sided p (n − 1 degrees of freedom); NaN below 3 folds. */
  t: number;
  p: number;
  /** Nadeau & Bengio's corrected t and p; NaN below 3 folds or without the test/train ratio. */
  tCorrected: number;
  pCorrected: number;
}

/**
 * Compare the per-fold values of two configurations on the same folds (index k of both arrays is fold k).
 * `testTrainRatio` is n_test / n_train of a fold (for the corrected test; omit to skip it). Below 3 folds
 * the t-tests are not computed (NaN): one degree of freedom cannot separate anything but huge differences.
 */
export function pairedComparison(a: readonly number[], b: readonly number[], testTrainRatio?: number): PairedComparison {
  if (a.length !== b.length) throw new RangeError(`pairedComparison: ${a.length} values against ${b.length}`);
  const n = a.length;
  const differences = a.map((x, k) => b[k] - x);
  const meanDifference = n > 0 ? differences.reduce((s, x) => s + x, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(differences.reduce((s, x) => s + (x - meanDifference) ** 2, 0) / (n - 1)) : NaN;
  const aLower = differences.filter((x) => x > 0).length;
  const bLower = differences.filter((x) => x < 0).length;
  let t = NaN;
  let p = NaN;
  let tCorrected = NaN;
  let pCorrected = NaN;
  if (n >= 3) {
    const statistic = (variance: number) =>
      variance > 0 ? meanDifference / Math.sqrt(variance) : meanDifference === 0 ? 0 : Math.sign(meanDifference) * Infinity;
    t = statistic((sd * sd) / n);
    p = meanDifference === 0 && sd === 0 ? 1 : studentTwoSidedP(t, n - 1);
    if (testTrainRatio !== undefined && testTrainRatio > 0 && Number.isFinite(testTrainRatio)) {
      tCorrected = statistic(sd * sd * (1 / n + testTrainRatio));
      pCorrected = meanDifference === 0 && sd === 0 ? 1 : studentTwoSidedP(tCorrected, n - 1);
    }
  }
  return { n, differences, aLower, bLower, meanDifference, sd, t, p, tCorrected, pCorrected };
}

/** Wilcoxon's signed-rank test of paired differences (see {@link wilcoxonSignedRank}). */
export interface WilcoxonResult {
  /** Non-zero differences ranked (zeros are dropped, Wilcoxon's convention). */
  n: number;
  /** Sum of the ranks of the positive / negative differences (ties get their average rank). */
  wPlus: number;
  wMinus: number;
  /** Two-sided p: exact (all 2ⁿ sign patterns of the ranks) for n ≤ 20, else the normal approximation with the tie correction. NaN for n = 0. */
  p: number;
  exact: boolean;
  /** The smallest two-sided p that n pairs can give (2/2ⁿ exactly): with 5 folds 0.0625, so never below 0.05. */
  minP: number;
}

/**
 * Wilcoxon signed-rank test of H₀ "the differences are symmetric about 0" (Wilcoxon 1945): rank |x| (average
 * ranks for ties), W⁺ = Σ ranks of positive x. Exact p: the fraction of the 2ⁿ equally likely sign assignments of
 * the same ranks whose min(W⁺, W⁻) is ≤ the observed one (doubled min-tail, capped at 1). Distribution-free,
 * unlike the t-test, at the price of power with few folds: its p cannot fall below {@link WilcoxonResult.minP}.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const xs = differences.filter((x) => x !== 0 && Number.isFinite(x));
  const n = xs.length;
  if (n === 0) return { n: 0, wPlus: 0, wMinus: 0, p: NaN, exact: true, minP: NaN };
  const order = xs.map((_x, k) => k).sort((a, b) => Math.abs(xs[a]) - Math.abs(xs[b]));
  const ranks = new Array<number>(n);
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && Math.abs(xs[order[e + 1]]) === Math.abs(xs[order[s]])) e++;
    for (let t = s; t <= e; t++) ranks[order[t]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  let wPlus = 0;
  for (let k = 0; k < n; k++) if (xs[k] > 0) wPlus += ranks[k];
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const observed = Math.min(wPlus, wMinus);
  if (n <= 20) {
    let atMost = 0;
    const patterns = 2 ** n;
    for (let mask = 0; mask < patterns; mask++) {
      let w = 0;
      for (let k = 0; k < n; k++) if (mask & (1 << k)) w += ranks[k];
      if (Math.min(w, total - w) <= observed + 1e-9) atMost++;
    }
    return { n, wPlus, wMinus, p: Math.min(1, atMost / patterns), exact: true, minP: Math.min(1, 2 / patterns) };
  }
  const counts = new Map<number, number>();
  for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
  let tie = 0;
  for (const t of counts.values()) tie += t ** 3 - t;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tie / 48);
  const zAbs = Math.abs(wPlus - total / 2) / sd;
  return { n, wPlus, wMinus, p: Math.min(1, 2 * normalUpperTail(zAbs)), exact: false, minP: 0 };
}

/** P(Z ≥ z) of the standard normal (via the regularized incomplete gamma of ½z², as erfc). */
function normalUpperTail(z: number): number {
  if (z <= 0) return 1 - normalUpperTail(-z);
  // erfc(x) by its continued fraction (Lentz), x = z/√2; accurate to ~1e-14 for x > 0.5, series below.
  const x = z / Math.SQRT2;
  if (x < 0.5) {
    let sum = x;
    let term = x;
    for (let k = 1; k < 60; k++) {
      term *= (-x * x) / k;
      sum += term / (2 * k + 1);
    }
    return 0.5 * (1 - (2 / Math.sqrt(Math.PI)) * sum);
  }
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = x + a / c;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return (0.5 * Math.exp(-x * x)) / (f * Math.sqrt(Math.PI));
}

/** Per-bucket squared-error sums of one run on one fold (the results' `testBuckets`). */
export interface BucketSums {
  sse: readonly number[];
  count: readonly number[];
}

/** A bootstrap over the test ratings of one fold, paired across two runs (see {@link bootstrapRmseDifference}). */
export interface BootstrapResult {
  /** RMSE(b) − RMSE(a) on the fold's test ratings (positive: a is lower). */
  difference: number;
  /** 95 % percentile interval of the difference over the resamples. */
  low: number;
  high: number;
  /** Two-sided bootstrap p: twice the share of resamples on the other side of 0 than the observed difference (≥ 1/resamples reported as such). */
  p: number;
  resamples: number;
}

/**
 * Paired bootstrap of RMSE(b) − RMSE(a) over one fold's test ratings, from the runs' bucket sums (the buckets
 * are a fixed random partition of the test ratings, the same for both runs; resampling buckets with replacement
 * stands in for resampling ratings). Resample r draws B bucket indices from a generator seeded by `seed`, the same
 * indices for a and b. O(resamples · B).
 * @throws RangeError when the two runs have different buckets
 */
export function bootstrapRmseDifference(a: BucketSums, b: BucketSums, options: { resamples?: number; seed?: number } = {}): BootstrapResult {
  const B = a.sse.length;
  if (b.sse.length !== B || a.count.length !== B || b.count.length !== B)
    throw new RangeError("bootstrapRmseDifference: the runs have different buckets");
  for (let t = 0; t < B; t++) {
    if (a.count[t] !== b.count[t])
      throw new RangeError(
        `bootstrapRmseDifference: bucket ${t} holds ${a.count[t]} ratings in one run and ${b.count[t]} in the other (not the same test set)`,
      );
  }
  const rmse = (s: readonly number[], pick: (t: number) => number) => {
    let se = 0;
    let n = 0;
    for (let t = 0; t < B; t++) {
      const k = pick(t);
      se += s[k];
      n += a.count[k];
    }
    return Math.sqrt(se / n);
  };
  const difference = rmse(b.sse, (t) => t) - rmse(a.sse, (t) => t);
  const R = options.resamples ?? 2000;
  // xorshift32 seeded from `seed`: self-contained so this module stays free of imports.
  let state = ((options.seed ?? 0) ^ 0x9e3779b9) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const picks = new Int32Array(B);
  const diffs = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < B; t++) picks[t] = next() % B;
    diffs[r] = rmse(b.sse, (t) => picks[t]) - rmse(a.sse, (t) => picks[t]);
  }
  const sorted = Array.from(diffs).sort((x, y) => x - y);
  const other = diffs.filter((x) => (difference >= 0 ? x <= 0 : x >= 0)).length;
  return {
    difference,
    low: sorted[Math.floor(0.025 * (R - 1))],
    high: sorted[Math.ceil(0.975 * (R - 1))],
    p: Math.min(1, Math.max(2 * other, 1) / R),
    resamples: R,
  };
}
