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
