/**
 * Slope One (Lemire & Maclachlan 2005) in the form of Surprise's `SlopeOne`:
 *
 *   dev(i, j) = (1/|U_ij|) Σ_{u∈U_ij} (r_ui − r_uj),   U_ij = users who rated both i and j
 *   r̂_ui     = μ_u + (1/|R_i(u)|) Σ_{j∈R_i(u)} dev(i, j)
 *
 * where μ_u is u's mean training rating and R_i(u) = items j rated by u with |U_ij| ≥ 1 (when R_i(u) is
 * empty, r̂_ui = μ_u). No parameters, no regularization, no randomness.
 *
 * Unknown user or item (no training ratings): r̂ = global training mean μ, `isFallback` true.
 *
 * Storage: only the deviations of item pairs that some user rated both — CSR rows of co-rated items, one row per
 * item i holding each co-rated j ≠ i (ascending) with dev(i, j); each pair is stored in both rows (dev(j, i) =
 * −dev(i, j) exactly), dev(i, i) = 0 for an item with ratings. The deviations are accumulated as the dense
 * n_items × n_items table of mflab ≤ 0.3.0 accumulated them, and a prediction sums them in the same order, so every
 * prediction is bitwise that of the dense form (test/models/slope-one.test.ts checks it against that
 * implementation on random matrices and MovieLens 100K u1). There is no item limit (the dense table refused more
 * than 8,192 items); a run's memory is checked by the sweep against {@link slopeOneModel}'s `memoryBytes`.
 *
 * Complexity: fit O(Σ_u n_u²) time (two passes over each user's pairs of rated items: count, then accumulate) and
 * 24·P bytes for the P co-rated item pairs (P ≤ n_items(n_items − 1)/2 and P ≤ Σ_u n_u(n_u − 1)/2), plus O(n_items)
 * scratch; one prediction O(min(len_i, n_u log len_i)) for the len_i items co-rated with i (the dense table:
 * O(n_u)). Measured (Node 20, shared 2-core VM, best of several runs; fit / 100,000 predictions / deviations):
 * - MovieLens 100K u1 (1,682 items, 80,000 ratings; 852,848 of the 1,413,721 item pairs co-rated):
 *   dense 39 ms / 57 ms / 22.6 MB; sparse 97 ms / 349 ms / 20.5 MB.
 * - synthetic, ml-latest-small-sized (610 users × 9,778 rated items, 80,000 ratings; 9,639,868 of 47.8 million
 *   pairs co-rated): dense (limit lifted) 2.9 s / 0.54 s / 765 MB (806 MB peak RSS); sparse 3.1 s / 2.0 s /
 *   231 MB (288 MB peak RSS).
 * So the sparse rows save memory in proportion to the pairs nobody co-rated, and cost time per prediction where
 * items are co-rated with most others (ML-100K's popular items).
 * @throws RangeError for an empty training matrix
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import type * as s from "../../core/schema";
import { modelParams } from "../../core/vocabulary";
import { type FitOptions, type FitResult, type ModelDefinition, type Predictor, defineModel, emptyHistory } from "../types";

/** The config of `slope-one`: no parameters. */
export const SLOPE_ONE_PARAMS = modelParams({}, "slope-one");
export type SlopeOneConfig = s.Infer<typeof SLOPE_ONE_PARAMS>;

/** First index k in [lo, hi) of the ascending `cols` with cols[k] ≥ j (hi when none). */
function lowerBound(cols: Int32Array, j: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cols[mid] < j) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A prediction walks whichever is shorter: row i of the co-rated pairs (looking each item up in the user's ratings,
 * scattered once per user into a count per item), or the user's ratings (a binary search in row i for each) when
 * row i is more than this many times longer. Both visit the user's co-rated items in ascending order, so they sum
 * the same deviations in the same order.
 */
const SEARCH_RATIO = 8;

export class SlopeOnePredictor implements Predictor {
  /** How many times each item occurs in the ratings of user `scattered` (−1: none scattered yet). */
  private readonly rated: Int32Array;
  private scattered = -1;

  /** Built by {@link fitSlopeOne}. */
  constructor(
    readonly globalMean: number,
    /**
     * Co-rated item pairs as CSR rows, one per item i: `pairCols[pairPtr[i] .. pairPtr[i+1])` are the items j ≠ i
     * that some user rated together with i (ascending) and `pairDevs` holds dev(i, j) for each.
     */
    private readonly pairPtr: Int32Array,
    private readonly pairCols: Int32Array,
    private readonly pairDevs: Float64Array,
    private readonly userMean: Float64Array,
    private readonly byUser: Csr,
    private readonly itemCount: Int32Array,
  ) {
    this.rated = new Int32Array(itemCount.length);
  }

  isFallback(u: number, i: number): boolean {
    return !(this.byUser.indptr[u + 1] > this.byUser.indptr[u] && this.itemCount[i] > 0);
  }

  /**
   * r̂_ui = μ_u + the mean of dev(i, j) over u's items j co-rated with i (dev(i, i) = 0 when u rated i; a
   * repeated rating counts each time), summed in ascending j as the dense table of mflab ≤ 0.3.0 did.
   */
  predict(u: number, i: number): number {
    if (this.isFallback(u, i)) return this.globalMean;
    const { indptr, indices } = this.byUser;
    const cols = this.pairCols;
    const devs = this.pairDevs;
    const start = this.pairPtr[i];
    const end = this.pairPtr[i + 1];
    const nu = indptr[u + 1] - indptr[u];
    let sum = 0;
    let count = 0;
    if (end - start > SEARCH_RATIO * nu) {
      let k = start;
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        const j = indices[p];
        if (j === i) {
          count++; // dev(i, i) = 0
          continue;
        }
        k = lowerBound(cols, j, k, end);
        if (k < end && cols[k] === j) {
          sum += devs[k];
          count++;
        }
      }
    } else {
      const rated = this.rated;
      if (this.scattered !== u) {
        if (this.scattered >= 0) for (let p = indptr[this.scattered]; p < indptr[this.scattered + 1]; p++) rated[indices[p]] = 0;
        for (let p = indptr[u]; p < indptr[u + 1]; p++) rated[indices[p]]++;
        this.scattered = u;
      }
      count = rated[i]; // dev(i, i) = 0, once per rating of i by u
      for (let k = start; k < end; k++) {
        const m = rated[cols[k]];
        if (m === 0) continue;
        for (let t = 0; t < m; t++) sum += devs[k];
        count += m;
      }
    }
    // Adding dev(i, i) = 0 is left out: x + 0 = x except for x = −0, and the sign of a zero sum cannot reach the
    // prediction (μ_u is never −0), so the result is bitwise that of the dense sum.
    return count > 0 ? this.userMean[u] + sum / count : this.userMean[u];
  }

  /** dev(i, j), or NaN when no user rated both. */
  deviation(i: number, j: number): number {
    if (i === j) return this.itemCount[i] > 0 ? 0 : NaN;
    const end = this.pairPtr[i + 1];
    const k = lowerBound(this.pairCols, j, this.pairPtr[i], end);
    return k < end && this.pairCols[k] === j ? this.pairDevs[k] : NaN;
  }

  /** Number of co-rated item pairs {i, j}, i ≠ j (each stored twice: dev(i, j) in row i, −dev(i, j) in row j). */
  get pairCount(): number {
    return this.pairPtr[this.pairPtr.length - 1] / 2;
  }
}

/**
 * Fit Slope One: the mean deviation of every co-rated item pair, visiting each user's pairs of rated items
 * (item-major: for item i, its raters' items j > i) twice — once to count each item's co-rated items, then to
 * accumulate the deviations into rows of exactly that size.
 * Not iterative (iterations 0, converged true, empty history; `onIteration` is never called).
 * @throws RangeError when `train` has no ratings, or has more co-rated item pairs than one array can index
 */
export function fitSlopeOne(train: RatingsMatrix, _config: Readonly<SlopeOneConfig> = {}, _options: FitOptions = {}): FitResult<SlopeOnePredictor> {
  if (train.nnz === 0) throw new RangeError("slope-one: the training matrix has no ratings");
  const n = train.nItems;
  const byUser = train.byUser();
  const byItem = train.byItem();
  const { indptr, indices, values } = byItem;
  const { indptr: uPtr, indices: uIdx, values: uVal } = byUser;
  // The pairs of item i are (u, i) with u's later items q > self: u's items < i were consumed already (cursor).
  // Pass 1: per item, how many distinct items j > i share a user with it (upper) and how many j < i do (lower).
  const upper = new Int32Array(n);
  const lower = new Int32Array(n);
  const stamp = new Int32Array(n).fill(-1);
  let cursor = uPtr.slice(0, byUser.nRows);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const u = indices[p];
      const end = uPtr[u + 1];
      for (let q = cursor[u]++ + 1; q < end; q++) {
        const j = uIdx[q];
        if (j !== i && stamp[j] !== i) {
          stamp[j] = i;
          upper[i]++;
          lower[j]++;
        }
      }
    }
  }
  const pairPtr = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += lower[i] + upper[i];
    if (total > 0x7fffffff) throw new RangeError(`slope-one: more than ${0x7fffffff / 2} co-rated item pairs (${n} items)`);
    pairPtr[i + 1] = total;
  }
  const pairCols = new Int32Array(total);
  const pairDevs = new Float64Array(total);
  // Pass 2: for item i, accumulate Σ (r_ui − r_uj) and |U_ij| over its raters' items j > i; store dev(i, j) in
  // row i's upper part (items > i, after its lower part) and −dev(i, j) in row j's lower part (items < j, filled
  // in ascending i).
  const lowerNext = pairPtr.slice(0, n);
  const freq = new Int32Array(n);
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  cursor = uPtr.slice(0, byUser.nRows);
  for (let i = 0; i < n; i++) {
    let nTouched = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const u = indices[p];
      const r = values[p];
      const end = uPtr[u + 1];
      for (let q = cursor[u]++ + 1; q < end; q++) {
        const j = uIdx[q];
        if (freq[j]++ === 0) touched[nTouched++] = j;
        acc[j] += r - uVal[q];
      }
    }
    // A repeated (u, i) rating touches i itself: dev(i, i) is 0 whatever it accumulated, so it is not stored.
    let nPairs = 0;
    for (let t = 0; t < nTouched; t++) if (touched[t] !== i) touched[nPairs++] = touched[t];
    freq[i] = 0;
    acc[i] = 0;
    touched.subarray(0, nPairs).sort();
    const at = pairPtr[i] + lower[i];
    for (let t = 0; t < nPairs; t++) {
      const j = touched[t];
      const d = acc[j] / freq[j];
      pairCols[at + t] = j;
      pairDevs[at + t] = d;
      const back = lowerNext[j]++;
      pairCols[back] = i;
      pairDevs[back] = -d;
      freq[j] = 0;
      acc[j] = 0;
    }
  }
  const userMean = new Float64Array(train.nUsers);
  for (let u = 0; u < train.nUsers; u++) {
    const start = uPtr[u];
    const end = uPtr[u + 1];
    if (end === start) continue;
    let s = 0;
    for (let p = start; p < end; p++) s += uVal[p];
    userMean[u] = s / (end - start);
  }
  const itemCount = new Int32Array(n);
  for (let i = 0; i < n; i++) itemCount[i] = indptr[i + 1] - indptr[i];
  const model = new SlopeOnePredictor(train.mean(), pairPtr, pairCols, pairDevs, userMean, byUser, itemCount);
  return { model, iterations: 0, converged: true, history: emptyHistory() };
}

export const slopeOneModel: ModelDefinition<SlopeOneConfig> = defineModel({
  name: "slope-one",
  summary: "Slope One: user mean plus the average item-to-item rating deviation (Surprise SlopeOne)",
  params: SLOPE_ONE_PARAMS,
  fit: (train, config, options) => fitSlopeOne(train, config, options),
  // The co-rated pairs, each in two rows (an int32 item and a float64 deviation: 24 bytes a pair; at most every
  // pair of items, and at most nnz·(n_items − 1)/2 as a user with n_u ratings co-rates n_u(n_u − 1)/2 pairs),
  // the O(n_items) counts and scratch, the user means and the matrix's CSR views by user and by item.
  memoryBytes: ({ nUsers, nItems, nnz }) =>
    24 * Math.min((nItems * (nItems - 1)) / 2, (nnz * Math.max(0, nItems - 1)) / 2) + 48 * nItems + 16 * nUsers + 32 * nnz,
});
