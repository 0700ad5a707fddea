/**
 * Similarities between all pairs of users (or of items) over their co-rated entries, as in Surprise's
 * `similarities` module. With `userBased`, x ranges over users and y over items; otherwise the reverse.
 * For a pair (x, x′) let Y = the y both rated, n = |Y|, r = x's ratings and r′ = x′'s ratings on Y:
 *
 *   msd               1 / (Σ_Y (r − r′)² / n + 1)
 *   cosine            Σ_Y r r′ / √(Σ_Y r² · Σ_Y r′²)
 *   pearson           (n Σ r r′ − Σ r Σ r′) / √((n Σ r² − (Σ r)²)(n Σ r′² − (Σ r′)²))   (means over Y only)
 *   pearson-baseline  Σ_Y d d′ / √(Σ_Y d² · Σ_Y d′²) · (n − 1) / (n − 1 + shrinkage),
 *                     with d = r_xy − (μ + b_x + b_y), the baseline residual
 *
 * A pair with n < minSupport (for pearson-baseline: n < max(2, minSupport)) has similarity 0, and so has a pair
 * whose formula divides by zero (constant ratings for pearson, all-zero residuals for pearson-baseline, zero
 * ratings for cosine). sim(x, x) = 1 for every x. The result is symmetric.
 *
 * Computation is sparse: for each x (ascending) and each y it rated, the later raters x′ > x of y are visited
 * (a per-y cursor into the y-major CSR), accumulating into per-x′ scratch vectors; then the touched x′ are
 * finalised. Time O(Σ_y n_y² / 2 + n_x²), memory O(n_x²) for the dense result (8 bytes per pair).
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";

export type SimilarityName = "msd" | "cosine" | "pearson" | "pearson-baseline";

export const SIMILARITY_NAMES: readonly SimilarityName[] = ["msd", "cosine", "pearson", "pearson-baseline"];

/** Largest n_x for which a dense n_x × n_x similarity matrix is built (8192² doubles = 512 MiB). */
export const MAX_DENSE_SIMILARITY = 8192;

/** Baseline estimates r̂ = μ + b_u + b_i needed by pearson-baseline (indexed by dense user / item). */
export interface Baselines {
  globalMean: number;
  bu: Float64Array;
  bi: Float64Array;
}

export interface SimilarityOptions {
  userBased: boolean;
  similarity: SimilarityName;
  /** Minimum number of co-rated entries for a non-zero similarity (Surprise's `min_support`). */
  minSupport: number;
  /** Shrinkage for pearson-baseline. */
  shrinkage: number;
  /** Required for pearson-baseline. */
  baselines?: Baselines;
}

/** A dense symmetric similarity matrix: sim(a, b) = values[a * n + b]. */
export interface SimilarityMatrix {
  readonly n: number;
  readonly values: Float64Array;
}

/**
 * All-pairs similarity of users (userBased) or items.
 * @throws InputError when n_x exceeds {@link MAX_DENSE_SIMILARITY}, or pearson-baseline lacks baselines
 */
export function computeSimilarities(train: RatingsMatrix, options: SimilarityOptions): SimilarityMatrix {
  const xr: Csr = options.userBased ? train.byUser() : train.byItem();
  const yr: Csr = options.userBased ? train.byItem() : train.byUser();
  const n = xr.nRows;
  if (n > MAX_DENSE_SIMILARITY) {
    throw new InputError(
      `a dense ${n}×${n} ${options.userBased ? "user" : "item"} similarity matrix is too large (limit ${MAX_DENSE_SIMILARITY}); ` +
        `use ${options.userBased ? "userBased: false" : "userBased: true"} or a smaller dataset`,
    );
  }
  const sim = new Float64Array(n * n);

  const freq = new Int32Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const touched = new Int32Array(n);
  const cursor = yr.indptr.slice(0, yr.nRows);
  const { indptr: xPtr, indices: xIdx, values: xVal } = xr;
  const { indptr: yPtr, indices: yIdx, values: yVal } = yr;

  // Residuals r − (μ + b_x + b_y) in y-major order, for pearson-baseline.
  let resid: Float64Array | undefined;
  if (options.similarity === "pearson-baseline") {
    const bl = options.baselines;
    if (!bl) throw new InputError("pearson-baseline similarity needs baseline estimates");
    const bx = options.userBased ? bl.bu : bl.bi;
    const by = options.userBased ? bl.bi : bl.bu;
    resid = new Float64Array(yVal.length);
    for (let y = 0; y < yr.nRows; y++) {
      const part = bl.globalMean + by[y];
      for (let q = yPtr[y]; q < yPtr[y + 1]; q++) resid[q] = yVal[q] - (part + bx[yIdx[q]]);
    }
  }
  const minSupport = options.similarity === "pearson-baseline" ? Math.max(2, options.minSupport) : options.minSupport;
  const shrinkage = options.shrinkage;
  const kind = options.similarity;

  for (let x = 0; x < n; x++) {
    let nTouched = 0;
    for (let p = xPtr[x]; p < xPtr[x + 1]; p++) {
      const y = xIdx[p];
      // yr row y lists its raters ascending; all raters < x were consumed already, so cursor[y] points at x.
      const self = cursor[y]++;
      const end = yPtr[y + 1];
      if (kind === "msd") {
        const r = xVal[p];
        for (let q = self + 1; q < end; q++) {
          const x2 = yIdx[q];
          if (freq[x2]++ === 0) touched[nTouched++] = x2;
          const diff = r - yVal[q];
          a[x2] += diff * diff;
        }
      } else if (kind === "cosine") {
        const r = xVal[p];
        const rr = r * r;
        for (let q = self + 1; q < end; q++) {
          const x2 = yIdx[q];
          if (freq[x2]++ === 0) touched[nTouched++] = x2;
          const r2 = yVal[q];
          a[x2] += r * r2;
          b[x2] += rr;
          c[x2] += r2 * r2;
        }
      } else if (kind === "pearson") {
        const r = xVal[p];
        const rr = r * r;
        for (let q = self + 1; q < end; q++) {
          const x2 = yIdx[q];
          if (freq[x2]++ === 0) touched[nTouched++] = x2;
          const r2 = yVal[q];
          a[x2] += r * r2;
          b[x2] += rr;
          c[x2] += r2 * r2;
          d[x2] += r;
          e[x2] += r2;
        }
      } else {
        const res = resid as Float64Array;
        const di = res[self];
        const dd = di * di;
        for (let q = self + 1; q < end; q++) {
          const x2 = yIdx[q];
          if (freq[x2]++ === 0) touched[nTouched++] = x2;
          const dj = res[q];
          a[x2] += di * dj;
          b[x2] += dd;
          c[x2] += dj * dj;
        }
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const x2 = touched[t];
      const m = freq[x2];
      let s = 0;
      if (m >= minSupport) {
        if (kind === "msd") {
          s = 1 / (a[x2] / m + 1);
        } else if (kind === "cosine") {
          const den = Math.sqrt(b[x2] * c[x2]);
          s = den > 0 ? a[x2] / den : 0;
        } else if (kind === "pearson") {
          const varX = m * b[x2] - d[x2] * d[x2];
          const varX2 = m * c[x2] - e[x2] * e[x2];
          // Relative tolerance: with non-integer ratings the difference of two large sums can be rounding noise.
          if (varX > 1e-12 * m * b[x2] && varX2 > 1e-12 * m * c[x2]) {
            s = (m * a[x2] - d[x2] * e[x2]) / Math.sqrt(varX * varX2);
          }
        } else {
          const den = Math.sqrt(b[x2] * c[x2]);
          s = den > 0 ? (a[x2] / den) * ((m - 1) / (m - 1 + shrinkage)) : 0;
        }
      }
      sim[x * n + x2] = s;
      sim[x2 * n + x] = s;
      freq[x2] = 0;
      a[x2] = 0;
      b[x2] = 0;
      c[x2] = 0;
      d[x2] = 0;
      e[x2] = 0;
    }
  }
  for (let x = 0; x < n; x++) sim[x * n + x] = 1; // (a duplicated entry would otherwise pair x with itself)
  return { n, values: sim };
}
