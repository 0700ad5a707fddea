/**
 * Co-clustering collaborative filtering (George & Merugu 2005), as Surprise's `CoClustering`.
 *
 * Users are assigned to one of `userClusters` clusters (c(u)), items to one of `itemClusters` (c(i)), and
 *
 *   r̂_ui = A(c(u), c(i)) + (μ_u − A_U(c(u))) + (μ_i − A_I(c(i)))
 *
 * where μ_u, μ_i are the user's / item's mean training ratings, A_U(g) / A_I(h) the mean training rating over
 * user cluster g / item cluster h, and A(g, h) over co-cluster (g, h); an empty cluster's average is the global
 * mean μ. The objective is the training sum of squared errors Σ (r_ui − r̂_ui)² (reported as `trainLoss`).
 *
 * Fit: clusters start uniformly at random (Rng(seed): users in index order, then items). Each epoch
 * (1) moves every user to the cluster minimising the squared error of its ratings, given the current averages
 * and item clusters (ties → lowest cluster index), (2) does the same for every item given the new user
 * clusters and the same averages, (3) recomputes the averages. `onIteration` gets the model after step (3).
 * No early stopping: `maxIterations` epochs always run (converged = whether the last epoch moved nobody).
 * With `restarts` > 1 (an mflab extension; Surprise has 1) the whole fit is repeated from independent initial
 * clusters — restart 0 uses `seed`, restart r > 0 uses deriveSeed(seed, "co-clustering restart r") — and the
 * run with the lowest final training SSE is kept; only its epochs are reported (after all restarts ran).
 *
 * Unknown user or item (no training ratings): r̂ = μ, `isFallback` true.
 * Defaults (Surprise): userClusters 3, itemClusters 3, maxIterations 20 (Surprise's n_epochs); seed 0, restarts 1.
 * Complexity: O(restarts · maxIterations · nnz · (userClusters + itemClusters)) time, O(nUsers + nItems) memory.
 * Throws SpecError for invalid configs, RangeError from `fit` for an empty training matrix.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { scorePredictor } from "../../metrics/accuracy";
import { Rng, deriveSeed } from "../../core/random";
import * as s from "../../core/schema";
import { maxIterations, modelParams, seed } from "../../core/vocabulary";
import {
  type FitOptions,
  type FitResult,
  type IterationReport,
  type ModelDefinition,
  type Predictor,
  defineModel,
  emptyHistory,
  recordIteration,
} from "../types";

/** The config of `co-clustering`, declared once (Surprise's CoClustering defaults, plus restarts). */
export const CO_CLUSTERING_PARAMS = modelParams(
  {
    userClusters: s.int({ min: 1, max: 10000, default: 3, doc: "number of user clusters" }),
    itemClusters: s.int({ min: 1, max: 10000, default: 3, doc: "number of item clusters" }),
    maxIterations: maxIterations({ default: 20, min: 0, doc: "optimisation epochs" }),
    seed: seed("seed of the random initial clusters"),
    restarts: s.int({ min: 1, max: 1000, default: 1, doc: "random initialisations, the one with the lowest training SSE kept (1 = Surprise)" }),
  },
  "co-clustering",
);

export type CoClusteringConfig = s.Infer<typeof CO_CLUSTERING_PARAMS>;

export class CoClusteringPredictor implements Predictor {
  /** Built by {@link fitCoClustering}. */
  constructor(
    readonly globalMean: number,
    /** Cluster of each user / item. */
    readonly userCluster: Int32Array,
    readonly itemCluster: Int32Array,
    private readonly userMean: Float64Array,
    private readonly itemMean: Float64Array,
    private readonly userCount: Int32Array,
    private readonly itemCount: Int32Array,
    /** A_U, A_I and A (row-major userClusters × itemClusters). */
    readonly userClusterMean: Float64Array,
    readonly itemClusterMean: Float64Array,
    readonly coClusterMean: Float64Array,
  ) {}

  isFallback(u: number, i: number): boolean {
    return !(this.userCount[u] > 0 && this.itemCount[i] > 0);
  }

  predict(u: number, i: number): number {
    if (this.isFallback(u, i)) return this.globalMean;
    const g = this.userCluster[u];
    const h = this.itemCluster[i];
    return (
      this.coClusterMean[g * this.itemClusterMean.length + h] +
      this.userMean[u] -
      this.userClusterMean[g] +
      this.itemMean[i] -
      this.itemClusterMean[h]
    );
  }
}

/**
 * Fit co-clustering; see the module comment for the update rule.
 * @returns history with one row per epoch (of the kept restart)
 * @throws RangeError when `train` has no ratings
 */
export function fitCoClustering(
  train: RatingsMatrix,
  config: Readonly<CoClusteringConfig>,
  options: FitOptions = {},
): FitResult<CoClusteringPredictor> {
  if (train.nnz === 0) throw new RangeError("co-clustering: the training matrix has no ratings");
  const started = performance.now();
  let best: CoClusteringRun | undefined;
  for (let r = 0; r < config.restarts; r++) {
    const seed = r === 0 ? config.seed : deriveSeed(config.seed, `co-clustering restart ${r}`);
    const run = coClusterOnce(train, config, seed, options, started);
    if (!best || run.sse < best.sse) best = run;
  }
  const winner = best as CoClusteringRun;
  const history = emptyHistory();
  for (const report of winner.reports) {
    recordIteration(history, report);
    options.onIteration?.(report);
  }
  return { model: winner.model, iterations: config.maxIterations, converged: winner.moved === 0, history };
}

interface CoClusteringRun {
  model: CoClusteringPredictor;
  reports: IterationReport[];
  /** Final training sum of squared errors. */
  sse: number;
  /** Users + items that changed cluster in the last epoch (−1 when no epoch ran). */
  moved: number;
}

function coClusterOnce(
  train: RatingsMatrix,
  config: Readonly<CoClusteringConfig>,
  seed: number,
  options: FitOptions,
  started: number,
): CoClusteringRun {
  const kU = config.userClusters;
  const kI = config.itemClusters;
  const { nUsers, nItems, users, items, values } = train;
  const nnz = values.length;
  const mu = train.mean();
  const byU = train.byUser();
  const byI = train.byItem();

  const userMean = new Float64Array(nUsers);
  const itemMean = new Float64Array(nItems);
  const userCount = new Int32Array(nUsers);
  const itemCount = new Int32Array(nItems);
  for (let k = 0; k < nnz; k++) {
    userMean[users[k]] += values[k];
    itemMean[items[k]] += values[k];
    userCount[users[k]]++;
    itemCount[items[k]]++;
  }
  for (let u = 0; u < nUsers; u++) if (userCount[u] > 0) userMean[u] /= userCount[u];
  for (let i = 0; i < nItems; i++) if (itemCount[i] > 0) itemMean[i] /= itemCount[i];

  const rng = new Rng(seed);
  const cu = new Int32Array(nUsers);
  const ci = new Int32Array(nItems);
  for (let u = 0; u < nUsers; u++) cu[u] = rng.int(kU);
  for (let i = 0; i < nItems; i++) ci[i] = rng.int(kI);

  const avgU = new Float64Array(kU);
  const avgI = new Float64Array(kI);
  const avgC = new Float64Array(kU * kI);
  const cntU = new Float64Array(kU);
  const cntI = new Float64Array(kI);
  const cntC = new Float64Array(kU * kI);
  const computeAverages = (): void => {
    avgU.fill(0);
    avgI.fill(0);
    avgC.fill(0);
    cntU.fill(0);
    cntI.fill(0);
    cntC.fill(0);
    for (let k = 0; k < nnz; k++) {
      const g = cu[users[k]];
      const h = ci[items[k]];
      const r = values[k];
      avgU[g] += r;
      cntU[g]++;
      avgI[h] += r;
      cntI[h]++;
      avgC[g * kI + h] += r;
      cntC[g * kI + h]++;
    }
    for (let g = 0; g < kU; g++) avgU[g] = cntU[g] > 0 ? avgU[g] / cntU[g] : mu;
    for (let h = 0; h < kI; h++) avgI[h] = cntI[h] > 0 ? avgI[h] / cntI[h] : mu;
    for (let c = 0; c < kU * kI; c++) avgC[c] = cntC[c] > 0 ? avgC[c] / cntC[c] : mu;
  };

  const model = new CoClusteringPredictor(mu, cu, ci, userMean, itemMean, userCount, itemCount, avgU, avgI, avgC);
  const reports: IterationReport[] = [];
  const errU = new Float64Array(kU);
  const errI = new Float64Array(kI);
  let moved = -1;
  computeAverages();
  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
    moved = 0;
    // (1) users, given item clusters and the averages.
    for (let u = 0; u < nUsers; u++) {
      const start = byU.indptr[u];
      const end = byU.indptr[u + 1];
      if (end === start) continue;
      errU.fill(0);
      for (let p = start; p < end; p++) {
        const i = byU.indices[p];
        const h = ci[i];
        // r − r̂ = (r − μ_u − μ_i + A_I(h)) − A(g, h) + A_U(g)
        const base = byU.values[p] - userMean[u] - itemMean[i] + avgI[h];
        for (let g = 0; g < kU; g++) {
          const e = base - avgC[g * kI + h] + avgU[g];
          errU[g] += e * e;
        }
      }
      const best = argmin(errU);
      if (best !== cu[u]) moved++;
      cu[u] = best;
    }
    // (2) items, given the new user clusters and the same averages.
    for (let i = 0; i < nItems; i++) {
      const start = byI.indptr[i];
      const end = byI.indptr[i + 1];
      if (end === start) continue;
      errI.fill(0);
      for (let p = start; p < end; p++) {
        const u = byI.indices[p];
        const g = cu[u];
        const base = byI.values[p] - userMean[u] - itemMean[i] + avgU[g];
        for (let h = 0; h < kI; h++) {
          const e = base - avgC[g * kI + h] + avgI[h];
          errI[h] += e * e;
        }
      }
      const best = argmin(errI);
      if (best !== ci[i]) moved++;
      ci[i] = best;
    }
    // (3) averages for the new clusters.
    computeAverages();

    let sse = 0;
    for (let k = 0; k < nnz; k++) {
      const e = values[k] - model.predict(users[k], items[k]);
      sse += e * e;
    }
    const report: IterationReport = {
      iteration: epoch,
      trainLoss: sse,
      train: scorePredictor(model, train, { clip: options.clip }),
      test: options.test ? scorePredictor(model, options.test, { clip: options.clip }) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
    reports.push(report);
  }
  let sse = 0;
  for (let k = 0; k < nnz; k++) {
    const e = values[k] - model.predict(users[k], items[k]);
    sse += e * e;
  }
  return { model, reports, sse, moved };
}

function argmin(a: Float64Array): number {
  let best = 0;
  for (let k = 1; k < a.length; k++) if (a[k] < a[best]) best = k;
  return best;
}

export const coClusteringModel: ModelDefinition<CoClusteringConfig> = defineModel({
  name: "co-clustering",
  summary: "Co-clustering of users and items with cluster-average predictions (George & Merugu; Surprise CoClustering)",
  params: CO_CLUSTERING_PARAMS,
  fit: (train, config, options) => fitCoClustering(train, config, options),
});

export const CO_CLUSTERING_DEFAULTS: Readonly<CoClusteringConfig> = coClusteringModel.defaults;
