/**
 * SVD++ (Koren 2008, "Factorization meets the neighborhood", section 4), as Surprise's `SVDpp`, with the
 * implicit-feedback sum cached per user.
 *
 * Prediction:  r̂_ui = μ + b_u + b_i + q_i · (p_u + z_u),   z_u = |N(u)|^{-1/2} Σ_{j∈N(u)} y_j
 * where N(u) = the items u rated in training (the rating values are not used, only the fact of rating) and
 * μ = the mean training rating (fixed).
 *
 * Objective (λ counted once per training rating, as Koren and Surprise):
 *   L = Σ_{(u,i)∈Ω} [ e_ui² + λ_bu b_u² + λ_bi b_i² + λ_pu ‖p_u‖² + λ_qi ‖q_i‖² + λ_yj Σ_{j∈N(u)} ‖y_j‖² ]
 * — the reported `trainLoss`.
 *
 * Updates, user by user (each epoch visits every user with ratings; with `shuffle` the users and each
 * user's ratings in a fresh seeded order): compute z_u once, set g = 0, then for each rating (i, r) of u
 *   e = r − r̂_ui
 *   b_u ← b_u + lrBu (e − λ_bu b_u);   b_i ← b_i + lrBi (e − λ_bi b_i)
 *   p_u ← p_u + lrPu (e q_i − λ_pu p_u);   q_i ← q_i + lrQi (e (p_u + z_u) − λ_qi q_i)   (old p_u, old q_i)
 *   g ← g + e q_i (old q_i)
 * and after the user's last rating, for every j ∈ N(u):
 *   y_j ← y_j + lrYj (|N(u)|^{-1/2} g − |N(u)| λ_yj y_j).
 * Difference from Surprise: Surprise recomputes z_u for every rating and updates every y_j after every
 * rating (O(|N(u)|·k) per rating, O(Σ_u |N(u)|²·k) per epoch). Here the y-gradients of u's ratings are
 * accumulated and applied once per user (the usual fast formulation), so z_u is constant during u's
 * ratings; the total regularization pull |N(u)|·λ_yj per user is the same to first order in lr. With
 * exactly one rating per user the two coincide. Cost O(|Ω|·k) per epoch. Surprise visits ratings in
 * trainset order without shuffling; `shuffle: false` keeps the stored user order and each user's ratings
 * in CSR (item index) order.
 *
 * Initialization: b = 0; P, Q, then Y (each nRows×d) from N(initMean, initStd²) with
 * `new Rng(seed)`; the shuffling stream is `deriveSeed(seed, "shuffle")`.
 * Config (declared once in {@link SVDPP_PARAMS}): `d`, `maxIterations` (epochs), `lr`, `lambda` (λ of every term
 * unless a per-term `lambdaBu` … `lambdaYj` / `lrBu` … `lrYj` is given; null = inherit). Defaults (Surprise's SVDpp):
 * d 20, maxIterations 20, lr 0.007, lambda 0.02, initMean 0, initStd 0.1. Surprise's names (n_factors, n_epochs,
 * lr_all, reg_all, reg_yj, …) are accepted as aliases.
 *
 * Unknown user or item: μ + b_u (if u known) + b_i (if i known), no factor term (Surprise's rule);
 * `isFallback` is true. Predictions cost O(k) (z_u is cached after fitting).
 *
 * Throws: SpecError from `config`; Error `SGD diverged at epoch k (loss …): lower the learning rate
 * (lr = …)` when the loss becomes NaN/±Infinity.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { Rng, deriveSeed } from "../../core/random";
import * as s from "../../core/schema";
import { lambda, lambdaOverride, lr, lrOverride, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
import { ErrorAccumulator, addRowPenalty, countsOf, fillNormal, finishIteration, hasRatings, sgdRates, type TrainEval } from "./svd";
import { defineModel, emptyHistory, type FitOptions, type FitResult, type ModelDefinition, type Predictor } from "../types";

/** The config of `svdpp`, declared once (shared names: ../vocabulary.ts; Surprise's SVDpp defaults). */
export const SVDPP_PARAMS = modelParams(
  {
    d: rank({ default: 20, max: 10000 }),
    maxIterations: maxIterations({ default: 20, min: 0, max: 100000, doc: "epochs: passes over the training ratings" }),
    lr: lr({ default: 0.007, doc: "learning rate of every term unless overridden" }),
    lambda: lambda({ default: 0.02, doc: "regularization of every term unless overridden, applied per rating (module doc)" }),
    lrBu: lrOverride("b_u"),
    lrBi: lrOverride("b_i"),
    lrPu: lrOverride("p_u"),
    lrQi: lrOverride("q_i"),
    lrYj: lrOverride("y_j"),
    lambdaBu: lambdaOverride("b_u"),
    lambdaBi: lambdaOverride("b_i"),
    lambdaPu: lambdaOverride("p_u"),
    lambdaQi: lambdaOverride("q_i"),
    lambdaYj: lambdaOverride("y_j"),
    initMean: s.number({ default: 0, doc: "mean of the normal initialization of P, Q, Y" }),
    initStd: s.number({ min: 0, default: 0.1, doc: "standard deviation of the normal initialization of P, Q, Y" }),
    shuffle: s.boolean({ default: true, doc: "visit users and each user's ratings in a new seeded order each epoch (Surprise: false)" }),
    seed: seed("seed of the initialization and the shuffling"),
  },
  "svdpp",
);

export type SvdppConfig = s.Infer<typeof SVDPP_PARAMS>;

/** A fitted SVD++ model. Row-major factor arrays; `Z[u·k + f]` caches z_u = |N(u)|^{-1/2} Σ_{j∈N(u)} y_j. */
export class SvdppPredictor implements Predictor {
  constructor(
    /** Rank: the number of latent factors. */
    readonly d: number,
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
      const k = this.d;
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
  const k = config.d;
  const { lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = sgdRates(config);
  const lrYj = config.lrYj ?? config.lr;
  const regYj = config.lambdaYj ?? config.lambda;

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
  const divergence = { algorithm: "SGD", lrName: "lr", lr: config.lr };
  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
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
  if (config.maxIterations === 0) computeZ(indptr, csr.indices, Y, Z, k);
  return { model, iterations: config.maxIterations, converged: false, history };
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
  const k = m.d;
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
export const svdppModel: ModelDefinition<SvdppConfig> = defineModel({
  name: "svdpp",
  summary: "SVD++: μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ y_j) by SGD (Surprise's SVDpp: d = 20, 20 epochs, lr 0.007, λ 0.02)",
  params: SVDPP_PARAMS,
  fit: fitSvdpp,
  // P, Q, Y, the cached Z, the biases and the per-user gradient; the CSR view by user.
  memoryBytes: ({ nUsers, nItems, nnz }, c) => 8 * (2 * nUsers * c.d + 2 * nItems * c.d + nUsers + nItems + c.d) + 12 * nnz,
});

/** Every field of the svdpp config at its default. */
export const SVDPP_DEFAULTS: Readonly<SvdppConfig> = svdppModel.defaults;
