/**
 * SVD++ (Koren 2008, "Factorization meets the neighborhood", section 4), as Surprise's `SVDpp`, with the
 * implicit-feedback sum cached per user.
 *
 * Prediction:  r̂_ui = μ + b_u + b_i + q_i · (p_u + z_u),   z_u = |N(u)|^{-1/2} Σ_{j∈N(u)} y_j
 * where N(u) = the items u rated in training (the rating values are not used, only the fact of rating) and
 * μ = the mean training rating (fixed).
 *
 * Objective (λ counted once per training rating, as Koren and Surprise):
 *   L = Σ_{(u,i)∈Ω} [ e_ui² + regBu b_u² + regBi b_i² + regPu ‖p_u‖² + regQi ‖q_i‖² + regYj Σ_{j∈N(u)} ‖y_j‖² ]
 * — the reported `trainLoss`.
 *
 * Updates, user by user (each epoch visits every user with ratings; with `shuffle` the users and each
 * user's ratings in a fresh seeded order): compute z_u once, set g = 0, then for each rating (i, r) of u
 *   e = r − r̂_ui
 *   b_u ← b_u + lrBu (e − regBu b_u);   b_i ← b_i + lrBi (e − regBi b_i)
 *   p_u ← p_u + lrPu (e q_i − regPu p_u);   q_i ← q_i + lrQi (e (p_u + z_u) − regQi q_i)   (old p_u, old q_i)
 *   g ← g + e q_i (old q_i)
 * and after the user's last rating, for every j ∈ N(u):
 *   y_j ← y_j + lrYj (|N(u)|^{-1/2} g − |N(u)| regYj y_j).
 * Difference from Surprise: Surprise recomputes z_u for every rating and updates every y_j after every
 * rating (O(|N(u)|·k) per rating, O(Σ_u |N(u)|²·k) per epoch). Here the y-gradients of u's ratings are
 * accumulated and applied once per user (the usual fast formulation), so z_u is constant during u's
 * ratings; the total regularization pull |N(u)|·regYj per user is the same to first order in lr. With
 * exactly one rating per user the two coincide. Cost O(|Ω|·k) per epoch. Surprise visits ratings in
 * trainset order without shuffling; `shuffle: false` keeps the stored user order and each user's ratings
 * in CSR (item index) order.
 *
 * Initialization: b = 0; P, Q, then Y (each nRows×nFactors) from N(initMean, initStd²) with
 * `new Rng(seed)`; the shuffling stream is `deriveSeed(seed, "shuffle")`.
 * Defaults (Surprise's SVDpp): nFactors 20, nEpochs 20, lrAll 0.007, regAll 0.02, initMean 0,
 * initStd 0.1; per-term lrBu, lrBi, lrPu, lrQi, lrYj / reg* default to null = the `*All` value.
 * Keys are camelCase; Surprise's names: nFactors (n_factors), nEpochs (n_epochs), lrAll (lr_all), regAll
 * (reg_all), lrBu…lrYj (lr_bu…lr_yj), regBu…regYj (reg_bu…reg_yj), initMean (init_mean), initStd (init_std).
 *
 * Unknown user or item: μ + b_u (if u known) + b_i (if i known), no factor term (Surprise's rule);
 * `isFallback` is true. Predictions cost O(k) (z_u is cached after fitting).
 *
 * Throws: SpecError from `config`; Error `SGD diverged at epoch k (loss …): lower the learning rate
 * (lrAll = …)` when the loss becomes NaN/±Infinity.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { Rng, deriveSeed } from "../../core/random";
import type { ConfigRules } from "../config";
import {
  ErrorAccumulator,
  addRowPenalty,
  countsOf,
  fillNormal,
  finishIteration,
  hasRatings,
  lrRule,
  regRule,
  sgdRates,
  validateWithOverrides,
  type TrainEval,
} from "./svd";
import { emptyHistory, type FitOptions, type FitResult, type ModelDefinition, type Predictor } from "../types";

export interface SvdppConfig {
  nFactors: number;
  nEpochs: number;
  lrAll: number;
  regAll: number;
  lrBu: number | null;
  lrBi: number | null;
  lrPu: number | null;
  lrQi: number | null;
  lrYj: number | null;
  regBu: number | null;
  regBi: number | null;
  regPu: number | null;
  regQi: number | null;
  regYj: number | null;
  initMean: number;
  initStd: number;
  shuffle: boolean;
  seed: number;
}

export const SVDPP_DEFAULTS: Readonly<SvdppConfig> = Object.freeze({
  nFactors: 20,
  nEpochs: 20,
  lrAll: 0.007,
  regAll: 0.02,
  lrBu: null,
  lrBi: null,
  lrPu: null,
  lrQi: null,
  lrYj: null,
  regBu: null,
  regBi: null,
  regPu: null,
  regQi: null,
  regYj: null,
  initMean: 0,
  initStd: 0.1,
  shuffle: true,
  seed: 0,
});

const SVDPP_RULES: ConfigRules<SvdppConfig> = {
  nFactors: { type: "int", min: 1, max: 10000, doc: "number of latent factors" },
  nEpochs: { type: "int", min: 0, max: 100000, doc: "passes over the training ratings" },
  lrAll: { type: "number", min: 0, exclusiveMin: true, doc: "learning rate of every term unless overridden" },
  regAll: { type: "number", min: 0, doc: "regularization of every term unless overridden" },
  lrBu: lrRule("b_u"),
  lrBi: lrRule("b_i"),
  lrPu: lrRule("p_u"),
  lrQi: lrRule("q_i"),
  lrYj: lrRule("y_j"),
  regBu: regRule("b_u"),
  regBi: regRule("b_i"),
  regPu: regRule("p_u"),
  regQi: regRule("q_i"),
  regYj: regRule("y_j"),
  initMean: { type: "number", doc: "mean of the normal initialization of P, Q, Y" },
  initStd: { type: "number", min: 0, doc: "standard deviation of the normal initialization of P, Q, Y" },
  shuffle: { type: "boolean", doc: "visit users and each user's ratings in a new seeded order each epoch (Surprise: false)" },
  seed: { type: "int", min: 0, max: 4294967295, doc: "seed of the initialization and the shuffling" },
};

const SVDPP_OVERRIDES = ["lrBu", "lrBi", "lrPu", "lrQi", "lrYj", "regBu", "regBi", "regPu", "regQi", "regYj"] as const;

/** A fitted SVD++ model. Row-major factor arrays; `Z[u·k + f]` caches z_u = |N(u)|^{-1/2} Σ_{j∈N(u)} y_j. */
export class SvdppPredictor implements Predictor {
  constructor(
    readonly nFactors: number,
    readonly mu: number,
    readonly bu: Float64Array,
    readonly bi: Float64Array,
    readonly P: Float64Array,
    readonly Q: Float64Array,
    readonly Y: Float64Array,
    readonly Z: Float64Array,
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  predict(u: number, i: number): number {
    const ku = hasRatings(this.userCounts, u);
    const ki = hasRatings(this.itemCounts, i);
    if (ku && ki) {
      const k = this.nFactors;
      const { P, Q, Z } = this;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += Q[i * k + f] * (P[u * k + f] + Z[u * k + f]);
      return this.mu + this.bu[u] + this.bi[i] + dot;
    }
    return this.mu + (ku ? this.bu[u] : 0) + (ki ? this.bi[i] : 0);
  }

  isFallback(u: number, i: number): boolean {
    return !(hasRatings(this.userCounts, u) && hasRatings(this.itemCounts, i));
  }
}

/** Recompute Z[u] = |N(u)|^{-1/2} Σ_{j∈N(u)} Y[j] for every user with ratings. O(|Ω|·k). */
function computeZ(indptr: Int32Array, indices: Int32Array, Y: Float64Array, Z: Float64Array, k: number): void {
  Z.fill(0);
  const nUsers = indptr.length - 1;
  for (let u = 0; u < nUsers; u++) {
    const a = indptr[u];
    const b = indptr[u + 1];
    if (a === b) continue;
    const zu = u * k;
    for (let p = a; p < b; p++) {
      const yj = indices[p] * k;
      for (let f = 0; f < k; f++) Z[zu + f] += Y[yj + f];
    }
    const s = 1 / Math.sqrt(b - a);
    for (let f = 0; f < k; f++) Z[zu + f] *= s;
  }
}

/**
 * Fit SVD++ by SGD with per-user cached implicit feedback; see the module comment.
 * @throws Error when the loss diverges (NaN / Infinity)
 */
export function fitSvdpp(train: RatingsMatrix, config: SvdppConfig, options: FitOptions = {}): FitResult<SvdppPredictor> {
  const start = performance.now();
  const k = config.nFactors;
  const { lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = sgdRates(config);
  const lrYj = config.lrYj ?? config.lrAll;
  const regYj = config.regYj ?? config.regAll;

  const nU = train.nUsers;
  const nI = train.nItems;
  const mu = train.nnz > 0 ? train.mean() : 0;
  const bu = new Float64Array(nU);
  const bi = new Float64Array(nI);
  const P = new Float64Array(nU * k);
  const Q = new Float64Array(nI * k);
  const Y = new Float64Array(nI * k);
  const Z = new Float64Array(nU * k);
  const initRng = new Rng(config.seed);
  fillNormal(P, initRng, config.initMean, config.initStd);
  fillNormal(Q, initRng, config.initMean, config.initStd);
  fillNormal(Y, initRng, config.initMean, config.initStd);
  const userCounts = countsOf(train.users, nU);
  const itemCounts = countsOf(train.items, nI);
  const model = new SvdppPredictor(k, mu, bu, bi, P, Q, Y, Z, userCounts, itemCounts);

  const csr = train.byUser();
  const { indptr } = csr;
  // Working copies of the per-user rating lists (permuted within each user when shuffling).
  const items = csr.indices.slice();
  const values = csr.values.slice();
  const userOrder = new Int32Array(nU);
  for (let u = 0; u < nU; u++) userOrder[u] = u;
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  // Per-item weight Σ_{u∋j} |N(u)| for the y-regularization term of the loss.
  const yWeight = new Float64Array(nI);
  for (let u = 0; u < nU; u++) {
    const n = indptr[u + 1] - indptr[u];
    for (let p = indptr[u]; p < indptr[u + 1]; p++) yWeight[csr.indices[p]] += n;
  }
  const z = new Float64Array(k);
  const g = new Float64Array(k);

  const history = emptyHistory();
  const divergence = { algorithm: "SGD", lrName: "lrAll", lr: config.lrAll };
  for (let epoch = 1; epoch <= config.nEpochs; epoch++) {
    if (config.shuffle) {
      rng.shuffle(userOrder);
      for (let u = 0; u < nU; u++) {
        // Fisher–Yates within the user's slice, items and values together.
        for (let a = indptr[u], p = indptr[u + 1] - 1; p > a; p--) {
          const q = a + rng.int(p - a + 1);
          const ti = items[p];
          items[p] = items[q];
          items[q] = ti;
          const tv = values[p];
          values[p] = values[q];
          values[q] = tv;
        }
      }
    }
    for (let t = 0; t < nU; t++) {
      const u = userOrder[t];
      const a = indptr[u];
      const b = indptr[u + 1];
      if (a === b) continue;
      const nu = b - a;
      const s = 1 / Math.sqrt(nu);
      const pu = u * k;
      z.fill(0);
      g.fill(0);
      for (let p = a; p < b; p++) {
        const yj = items[p] * k;
        for (let f = 0; f < k; f++) z[f] += Y[yj + f];
      }
      for (let f = 0; f < k; f++) z[f] *= s;
      for (let p = a; p < b; p++) {
        const i = items[p];
        const qi = i * k;
        let dot = 0;
        for (let f = 0; f < k; f++) dot += Q[qi + f] * (P[pu + f] + z[f]);
        const bU = bu[u];
        const bI = bi[i];
        const e = values[p] - (mu + bU + bI + dot);
        bu[u] = bU + lrBu * (e - regBu * bU);
        bi[i] = bI + lrBi * (e - regBi * bI);
        for (let f = 0; f < k; f++) {
          const pf = P[pu + f];
          const qf = Q[qi + f];
          P[pu + f] = pf + lrPu * (e * qf - regPu * pf);
          Q[qi + f] = qf + lrQi * (e * (pf + z[f]) - regQi * qf);
          g[f] += e * qf;
        }
      }
      const decay = nu * regYj;
      for (let p = a; p < b; p++) {
        const yj = items[p] * k;
        for (let f = 0; f < k; f++) Y[yj + f] += lrYj * (s * g[f] - decay * Y[yj + f]);
      }
    }
    computeZ(indptr, csr.indices, Y, Z, k);
    const ev = svdppEval(train, model, yWeight, regBu, regBi, regPu, regQi, regYj, options.clip);
    finishIteration(history, options, train, model, epoch, ev, start, divergence);
  }
  if (config.nEpochs === 0) computeZ(indptr, csr.indices, Y, Z, k);
  return { model, iterations: config.nEpochs, converged: false, history };
}

/** The objective of the module comment plus (clipped) train metrics, in one pass using the cached Z. */
function svdppEval(
  train: RatingsMatrix,
  m: SvdppPredictor,
  yWeight: Float64Array,
  regBu: number,
  regBi: number,
  regPu: number,
  regQi: number,
  regYj: number,
  clip: readonly [number, number] | undefined,
): TrainEval {
  const { users, items, values } = train;
  const k = m.nFactors;
  const { P, Q, Y, Z, bu, bi, userCounts, itemCounts } = m;
  const acc = new ErrorAccumulator(clip);
  for (let t = 0; t < values.length; t++) {
    const u = users[t];
    const i = items[t];
    let dot = 0;
    for (let f = 0; f < k; f++) dot += Q[i * k + f] * (P[u * k + f] + Z[u * k + f]);
    acc.add(values[t], m.mu + bu[u] + bi[i] + dot);
  }
  let reg = addRowPenalty(0, userCounts, P, bu, k, regBu, regPu);
  for (let i = 0; i < itemCounts.length; i++) {
    if (itemCounts[i] === 0) continue;
    let sq = 0;
    let sy = 0;
    for (let f = 0; f < k; f++) {
      sq += Q[i * k + f] * Q[i * k + f];
      sy += Y[i * k + f] * Y[i * k + f];
    }
    reg += itemCounts[i] * (regBi * bi[i] * bi[i] + regQi * sq) + yWeight[i] * regYj * sy;
  }
  return acc.result(reg);
}

/** "svdpp": Surprise's SVDpp (SVD++ with implicit feedback), per-user cached implicit sum. */
export const svdppModel: ModelDefinition<SvdppConfig> = {
  name: "svdpp",
  summary: "SVD++: μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ y_j) by SGD (Surprise's SVDpp: 20 factors, 20 epochs, lr 0.007, reg 0.02)",
  defaults: SVDPP_DEFAULTS,
  config: (partial) => validateWithOverrides("svdpp", SVDPP_DEFAULTS, SVDPP_RULES, SVDPP_OVERRIDES, partial),
  fit: fitSvdpp,
};
