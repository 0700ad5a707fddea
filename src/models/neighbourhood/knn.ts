/**
 * Similarity-based k-nearest-neighbour predictors, as Surprise's four KNN families.
 *
 * With `userBased` (default) x = users and y = items, else x = items and y = users; write (x, y) for the
 * target (u, i) in that orientation and μ for the global training mean. N = the (at most) k x′ with the
 * largest sim(x, x′) > 0 among those who rated y (ties broken by CSR order, i.e. ascending index; only
 * positive similarities are ever aggregated, exactly as Surprise's "top-k, then keep sim > 0"). Then
 *
 *   knn-basic     r̂ = Σ_N sim · r_x′y / Σ_N sim
 *   knn-means     r̂ = μ_x + Σ_N sim · (r_x′y − μ_x′) / Σ_N sim
 *   knn-zscore    r̂ = μ_x + σ_x · Σ_N sim · (r_x′y − μ_x′) / σ_x′ / Σ_N sim
 *   knn-baseline  r̂ = b_ui + Σ_N sim · (r_x′y − b_x′y) / Σ_N sim,   b_ui = μ + b_u + b_i
 *
 * μ_x / σ_x: mean / population standard deviation of x's training ratings (σ_x = 0 → σ of all training
 * ratings). Baselines b_u, b_i: Koren's ALS estimate (see {@link alsBaselineEstimates}), used by knn-baseline
 * and by the pearson-baseline similarity. Similarities: see `similarity.ts` (msd, cosine, pearson,
 * pearson-baseline with `shrinkage`, `minSupport`).
 *
 * Not enough neighbours (|N| < minK, Surprise's PredictionImpossible / min_k rule): knn-basic predicts μ;
 * knn-means / knn-zscore predict μ_x; knn-baseline predicts b_ui. These are ordinary predictions
 * (`isFallback` false); {@link KnnPredictor.actualK} exposes |N| to count them.
 * Unknown user or item (no training ratings): knn-basic / means / zscore predict μ; knn-baseline predicts
 * μ + b_u + b_i with the unknown side's bias taken as 0. `isFallback` is true.
 *
 * Defaults (Surprise): k 40, minK 1, userBased true, similarity msd (pearson-baseline for knn-baseline —
 * Surprise itself defaults to msd there), minSupport 1, shrinkage 100, baseline ALS epochs 10,
 * lambdaU 15, lambdaI 10 (the baseline's, Surprise's bsl_options). No randomness (no seed).
 *
 * Complexity: fit O(Σ_y n_y²/2 + n_x²) time and O(n_x²) memory (dense similarity); one prediction
 * O(n_y log k) where n_y = number of raters of y. Throws SpecError for invalid configs, InputError when n_x is
 * too large for a dense similarity matrix (see `MAX_DENSE_SIMILARITY`), RangeError for an empty training matrix.
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { fitBaselineAls } from "../baselines/baselines";
import * as s from "../../core/schema";
import { modelParams } from "../../core/vocabulary";
import { type Baselines, type SimilarityName, SIMILARITY_NAMES, computeSimilarities } from "./similarity";
import { type FitOptions, type FitResult, type ModelDefinition, type Predictor, defineModel, emptyHistory } from "../types";

export type KnnFamily = "basic" | "means" | "zscore" | "baseline";

/** The config of a k-NN model, declared once per family (they differ only in the default similarity). */
function knnParams(family: KnnFamily) {
  const name = `knn-${family}`;
  const defaultSimilarity: SimilarityName = family === "baseline" ? "pearson-baseline" : "msd";
  return modelParams(
    {
      k: s.int({ min: 1, default: 40, doc: "maximum number of neighbours aggregated" }),
      minK: s.int({ min: 1, default: 1, doc: "minimum number of neighbours, else the family's default prediction" }),
      userBased: s.boolean({ default: true, doc: "user-user (true) or item-item (false) neighbourhoods" }),
      similarity: s.oneOf(SIMILARITY_NAMES, {
        default: defaultSimilarity,
        doc:
          family === "baseline"
            ? "similarity measure (default pearson-baseline, as Surprise's docs advise for KNNBaseline; Surprise's own default is msd)"
            : "similarity measure",
      }),
      minSupport: s.int({ min: 1, default: 1, doc: "minimum co-rated entries for a non-zero similarity" }),
      shrinkage: s.number({ min: 0, default: 100, doc: "shrinkage of pearson-baseline" }),
      baselineIterations: s.int({ min: 0, default: 10, doc: "ALS sweeps of the baseline estimate (Surprise's bsl_options n_epochs)" }),
      lambdaU: s.number({ min: 0, default: 15, doc: "baseline regularization of user biases (Surprise's bsl_options reg_u)" }),
      lambdaI: s.number({ min: 0, default: 10, doc: "baseline regularization of item biases (Surprise's bsl_options reg_i)" }),
    },
    name,
    {
      refine: (c: { k: number; minK: number }) => (c.minK > c.k ? { key: "minK", reason: `must be ≤ k (${c.k}), got ${c.minK}` } : undefined),
    },
  );
}

export type KnnConfig = s.Infer<ReturnType<typeof knnParams>>;

const FAMILY_NAME: Record<KnnFamily, string> = {
  basic: "knn-basic",
  means: "knn-means",
  zscore: "knn-zscore",
  baseline: "knn-baseline",
};

/**
 * Koren's baseline estimates b_u, b_i by Surprise's ALS (`fitBaselineAls` of baselines.ts: b = 0, then per
 * epoch b_i = Σ (r_ui − μ − b_u) / (regI + |R(i)|) for every item, then b_u likewise with regU).
 * O(epochs · nnz). @throws RangeError on an empty matrix
 */
export function alsBaselineEstimates(train: RatingsMatrix, epochs: number, regU: number, regI: number): Baselines {
  const { model } = fitBaselineAls(train, { maxIterations: epochs, lambda: null, lambdaU: regU, lambdaI: regI });
  return { globalMean: model.mu, bu: model.bu, bi: model.bi };
}

/** A fitted kNN model. Holds the dense similarity matrix and the y-major CSR of the training ratings. */
export class KnnPredictor implements Predictor {
  private readonly heapSim: Float64Array;
  private readonly heapPos: Int32Array;
  private readonly yr: Csr;
  private readonly sim: Float64Array;
  private readonly n: number;
  /** Per-x offset subtracted from a neighbour's rating (0, μ_x′, or μ + b_x′). */
  private readonly offset: Float64Array;
  /** Per-x factor applied to a neighbour's centred rating (1, or 1/σ_x′). */
  private readonly invScale: Float64Array;
  private readonly userCount: Int32Array;
  private readonly itemCount: Int32Array;

  /** Built by {@link fitKnn}. */
  constructor(
    readonly family: KnnFamily,
    readonly config: Readonly<KnnConfig>,
    readonly globalMean: number,
    train: RatingsMatrix,
    similarity: Float64Array,
    /** μ_x (means, zscore) */
    private readonly means: Float64Array,
    /** σ_x (zscore) */
    private readonly sigmas: Float64Array,
    /** b_u, b_i (baseline) */
    private readonly baselines: Baselines | undefined,
  ) {
    this.yr = config.userBased ? train.byItem() : train.byUser();
    this.n = config.userBased ? train.nUsers : train.nItems;
    this.sim = similarity;
    this.heapSim = new Float64Array(config.k);
    this.heapPos = new Int32Array(config.k);
    this.userCount = rowCounts(train.byUser());
    this.itemCount = rowCounts(train.byItem());
    this.offset = new Float64Array(this.n);
    this.invScale = new Float64Array(this.n).fill(1);
    if (family === "means" || family === "zscore") this.offset.set(means);
    if (family === "zscore") for (let x = 0; x < this.n; x++) this.invScale[x] = 1 / sigmas[x];
    if (family === "baseline" && baselines) {
      const bx = config.userBased ? baselines.bu : baselines.bi;
      for (let x = 0; x < this.n; x++) this.offset[x] = globalMean + bx[x];
    }
  }

  isFallback(u: number, i: number): boolean {
    return !(this.userCount[u] > 0 && this.itemCount[i] > 0);
  }

  /** Number of neighbours aggregated for (u, i) (Surprise's `actual_k`); −1 for an unknown user or item. */
  actualK(u: number, i: number): number {
    if (this.isFallback(u, i)) return -1;
    return this.config.userBased ? this.select(u, i) : this.select(i, u);
  }

  predict(u: number, i: number): number {
    const bl = this.baselines;
    if (this.isFallback(u, i)) {
      if (this.family !== "baseline" || !bl) return this.globalMean;
      return this.globalMean + (this.userCount[u] > 0 ? bl.bu[u] : 0) + (this.itemCount[i] > 0 ? bl.bi[i] : 0);
    }
    const ub = this.config.userBased;
    const x = ub ? u : i;
    const y = ub ? i : u;
    let base: number;
    let yOffset = 0;
    switch (this.family) {
      case "basic":
        base = this.globalMean;
        break;
      case "means":
      case "zscore":
        base = this.means[x];
        break;
      case "baseline": {
        const b = bl as Baselines;
        base = this.globalMean + b.bu[u] + b.bi[i];
        yOffset = ub ? b.bi[i] : b.bu[u];
        break;
      }
    }
    const size = this.select(x, y);
    if (size < this.config.minK) return base;
    const { indices, values } = this.yr;
    const offset = this.offset;
    const invScale = this.invScale;
    let sumSim = 0;
    let sum = 0;
    for (let t = 0; t < size; t++) {
      const s = this.heapSim[t];
      const q = this.heapPos[t];
      const nb = indices[q];
      sumSim += s;
      sum += s * (values[q] - offset[nb] - yOffset) * invScale[nb];
    }
    const agg = sum / sumSim;
    switch (this.family) {
      case "basic":
        return agg;
      case "zscore":
        return base + agg * this.sigmas[x];
      default:
        return base + agg;
    }
  }

  /**
   * Fill heapSim/heapPos[0..size) with the (at most k) raters x′ of y having the largest sim(x, x′) > 0;
   * among equal similarities the earlier CSR position wins (as a stable top-k). Returns size.
   */
  private select(x: number, y: number): number {
    const k = this.config.k;
    const sim = this.sim;
    const row = x * this.n;
    const { indptr, indices } = this.yr;
    const hs = this.heapSim;
    const hp = this.heapPos;
    const end = indptr[y + 1];
    let size = 0;
    for (let q = indptr[y]; q < end; q++) {
      const s = sim[row + indices[q]];
      if (!(s > 0)) continue;
      if (size < k) {
        // Min-heap on (sim, then later position first); q is the latest position so far.
        let j = size++;
        while (j > 0) {
          const parent = (j - 1) >> 1;
          if (s <= hs[parent]) {
            hs[j] = hs[parent];
            hp[j] = hp[parent];
            j = parent;
          } else break;
        }
        hs[j] = s;
        hp[j] = q;
      } else if (s > hs[0]) {
        let j = 0;
        for (;;) {
          const l = 2 * j + 1;
          if (l >= k) break;
          let c = l;
          const r = l + 1;
          if (r < k && (hs[r] < hs[l] || (hs[r] === hs[l] && hp[r] > hp[l]))) c = r;
          if (hs[c] < s) {
            hs[j] = hs[c];
            hp[j] = hp[c];
            j = c;
          } else break;
        }
        hs[j] = s;
        hp[j] = q;
      }
    }
    return size;
  }
}

function rowCounts(csr: Csr): Int32Array {
  const c = new Int32Array(csr.nRows);
  for (let r = 0; r < csr.nRows; r++) c[r] = csr.indptr[r + 1] - csr.indptr[r];
  return c;
}

/**
 * Fit a kNN model of the given family: baselines (when needed), the similarity matrix, per-x means and σ.
 * Not iterative: the result has iterations 0, converged true, an empty history, and `onIteration` is never
 * called.
 * @throws InputError see {@link computeSimilarities}; RangeError when `train` has no ratings
 */
export function fitKnn(train: RatingsMatrix, family: KnnFamily, config: Readonly<KnnConfig>, _options: FitOptions = {}): FitResult<KnnPredictor> {
  if (train.nnz === 0) throw new RangeError(`${FAMILY_NAME[family]}: the training matrix has no ratings`);
  const needBaselines = family === "baseline" || config.similarity === "pearson-baseline";
  const baselines = needBaselines ? alsBaselineEstimates(train, config.baselineIterations, config.lambdaU, config.lambdaI) : undefined;
  const { values: sim } = computeSimilarities(train, {
    userBased: config.userBased,
    similarity: config.similarity,
    minSupport: config.minSupport,
    shrinkage: config.shrinkage,
    baselines,
  });
  const xr = config.userBased ? train.byUser() : train.byItem();
  const nX = xr.nRows;
  const means = new Float64Array(nX);
  const sigmas = new Float64Array(nX);
  const mu = train.mean();
  if (family === "means" || family === "zscore") {
    let overallSigma = 0;
    if (family === "zscore") {
      let ss = 0;
      for (let k = 0; k < train.values.length; k++) ss += (train.values[k] - mu) ** 2;
      overallSigma = Math.sqrt(ss / train.values.length);
    }
    for (let x = 0; x < nX; x++) {
      const start = xr.indptr[x];
      const end = xr.indptr[x + 1];
      if (end === start) continue;
      let s = 0;
      for (let p = start; p < end; p++) s += xr.values[p];
      const m = s / (end - start);
      means[x] = m;
      if (family === "zscore") {
        let ss = 0;
        for (let p = start; p < end; p++) ss += (xr.values[p] - m) ** 2;
        const sigma = Math.sqrt(ss / (end - start));
        sigmas[x] = sigma > 0 ? sigma : overallSigma > 0 ? overallSigma : 1;
      }
    }
  }
  const model = new KnnPredictor(family, config, mu, train, sim, means, sigmas, family === "baseline" ? baselines : undefined);
  return { model, iterations: 0, converged: true, history: emptyHistory() };
}

function knnDefinition(family: KnnFamily, summary: string): ModelDefinition<KnnConfig> {
  return defineModel({
    name: FAMILY_NAME[family],
    summary,
    params: knnParams(family),
    fit: (train, config, options) => fitKnn(train, family, config, options),
  });
}

export const knnBasicModel = knnDefinition("basic", "k-NN: similarity-weighted average of the neighbours' ratings (Surprise KNNBasic)");
export const knnMeansModel = knnDefinition("means", "k-NN on mean-centred ratings (Surprise KNNWithMeans)");
export const knnZScoreModel = knnDefinition("zscore", "k-NN on z-scored ratings (Surprise KNNWithZScore)");
export const knnBaselineModel = knnDefinition(
  "baseline",
  "k-NN on baseline residuals, pearson-baseline similarity (Surprise KNNBaseline; Surprise's default similarity is msd)",
);

export const KNN_BASIC_DEFAULTS: Readonly<KnnConfig> = knnBasicModel.defaults;
export const KNN_MEANS_DEFAULTS: Readonly<KnnConfig> = knnMeansModel.defaults;
export const KNN_ZSCORE_DEFAULTS: Readonly<KnnConfig> = knnZScoreModel.defaults;
export const KNN_BASELINE_DEFAULTS: Readonly<KnnConfig> = knnBaselineModel.defaults;
