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
 * Complexity: fit O(Σ_u n_u²/2 + n_items²) time, O(n_items²) memory (one dense Float64Array of deviations,
 * NaN where U_ij is empty); one prediction O(n_u). Throws InputError when n_items exceeds
 * `MAX_DENSE_SIMILARITY` (8192), RangeError for an empty training matrix.
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import type * as s from "../../core/schema";
import { modelParams } from "../../core/vocabulary";
import { MAX_DENSE_SIMILARITY } from "./similarity";
import { type FitOptions, type FitResult, type ModelDefinition, type Predictor, defineModel, emptyHistory } from "../types";

/** Slope One has no parameters. */
/** The config of `slope-one`: no parameters. */
export const SLOPE_ONE_PARAMS = modelParams({}, "slope-one");
export type SlopeOneConfig = s.Infer<typeof SLOPE_ONE_PARAMS>;

export class SlopeOnePredictor implements Predictor {
  /** Built by {@link fitSlopeOne}. */
  constructor(
    readonly globalMean: number,
    private readonly nItems: number,
    /** dev(i, j) at i * nItems + j; NaN when no user rated both. */
    private readonly dev: Float64Array,
    private readonly userMean: Float64Array,
    private readonly byUser: Csr,
    private readonly itemCount: Int32Array,
  ) {}

  isFallback(u: number, i: number): boolean {
    return !(this.byUser.indptr[u + 1] > this.byUser.indptr[u] && this.itemCount[i] > 0);
  }

  predict(u: number, i: number): number {
    if (this.isFallback(u, i)) return this.globalMean;
    const { indptr, indices } = this.byUser;
    const dev = this.dev;
    const row = i * this.nItems;
    let sum = 0;
    let count = 0;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const d = dev[row + indices[p]];
      if (!Number.isNaN(d)) {
        sum += d;
        count++;
      }
    }
    return count > 0 ? this.userMean[u] + sum / count : this.userMean[u];
  }

  /** dev(i, j), or NaN when no user rated both. */
  deviation(i: number, j: number): number {
    return this.dev[i * this.nItems + j];
  }
}

/**
 * Fit Slope One: all pairwise mean deviations, visiting each user's pairs of rated items once.
 * Not iterative (iterations 0, converged true, empty history; `onIteration` is never called).
 * @throws InputError when n_items > MAX_DENSE_SIMILARITY; RangeError when `train` has no ratings
 */
export function fitSlopeOne(train: RatingsMatrix, _config: Readonly<SlopeOneConfig> = {}, _options: FitOptions = {}): FitResult<SlopeOnePredictor> {
  if (train.nnz === 0) throw new RangeError("slope-one: the training matrix has no ratings");
  const n = train.nItems;
  if (n > MAX_DENSE_SIMILARITY) {
    throw new InputError(`slope-one needs a dense ${n}×${n} deviation matrix (limit ${MAX_DENSE_SIMILARITY} items)`);
  }
  const byUser = train.byUser();
  const byItem = train.byItem();
  const { indptr, indices, values } = byItem;
  // Item-major pass: for item i, accumulate Σ (r_ui − r_uj) and |U_ij| over its raters' items j > i.
  const freq = new Int32Array(n);
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const dev = new Float64Array(n * n).fill(NaN);
  const { indptr: uPtr, indices: uIdx, values: uVal } = byUser;
  const cursor = uPtr.slice(0, byUser.nRows);
  for (let i = 0; i < n; i++) {
    let nTouched = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const u = indices[p];
      const r = values[p];
      const self = cursor[u]++; // u's items < i were consumed already, so this is (u, i)
      const end = uPtr[u + 1];
      for (let q = self + 1; q < end; q++) {
        const j = uIdx[q];
        if (freq[j]++ === 0) touched[nTouched++] = j;
        acc[j] += r - uVal[q];
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      const d = acc[j] / freq[j];
      dev[i * n + j] = d;
      dev[j * n + i] = -d;
      freq[j] = 0;
      acc[j] = 0;
    }
    if (indptr[i + 1] > indptr[i]) dev[i * n + i] = 0;
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
  const model = new SlopeOnePredictor(train.mean(), n, dev, userMean, byUser, itemCount);
  return { model, iterations: 0, converged: true, history: emptyHistory() };
}

export const slopeOneModel: ModelDefinition<SlopeOneConfig> = defineModel({
  name: "slope-one",
  summary: "Slope One: user mean plus the average item-to-item rating deviation (Surprise SlopeOne)",
  params: SLOPE_ONE_PARAMS,
  fit: (train, config, options) => fitSlopeOne(train, config, options),
  // The dense item × item deviation matrix and its co-rating counts.
  memoryBytes: ({ nItems, nnz }) => 12 * nItems * nItems + 12 * nnz,
});
