/**
 * Reference baselines every recommender is compared against:
 *
 * - "random-normal" — Surprise's NormalPredictor: r̂_ui ~ N(μ̂, σ̂²) with the maximum-likelihood estimates
 *   μ̂ = (1/|Ω|) Σ r,  σ̂² = (1/|Ω|) Σ (r − μ̂)²  (divisor |Ω|, not |Ω| − 1). Unlike Surprise (a fresh numpy draw
 *   per call), a prediction is a pure function of (seed, u, i): the draw is the first standard normal of
 *   `new Rng(deriveSeed(seed, "u,i"))`, so it does not depend on call order and repeats exactly.
 * - "global-mean" — r̂_ui = μ̂.
 * - "user-mean" — r̂_ui = mean of u's training ratings; μ̂ when u has none.
 * - "item-mean" — r̂_ui = mean of i's training ratings; μ̂ when i has none.
 * - "baseline-als" — Koren's baseline r̂_ui = μ + b_u + b_i minimising
 *       L = Σ_{(u,i)∈Ω} (r_ui − μ − b_u − b_i)² + λ_u Σ_u b_u² + λ_i Σ_i b_i²
 *   by Surprise's alternating closed-form updates (b = 0 initially; each epoch items first, then users):
 *       b_i ← Σ_{u∈Ω_i} (r_ui − μ − b_u) / (λ_i + |Ω_i|),   b_u ← Σ_{i∈Ω_u} (r_ui − μ − b_i) / (λ_u + |Ω_u|).
 *   Each half-step is an exact block minimisation, so L never increases. Config: `maxIterations` 10, `lambdaU`
 *   (λ_u) 15, `lambdaI` (λ_i) 10 (Surprise's BaselineOnly defaults n_epochs, reg_u, reg_i — accepted as aliases);
 *   `lambda`, when a number, is λ of both sides. O(|Ω|) per epoch.
 * - "baseline-sgd" — the same model by SGD, exactly Surprise's baseline SGD: for each rating,
 *       e = r − (μ + b_u + b_i);  b_u ← b_u + lr (e − reg b_u);  b_i ← b_i + lr (e − reg b_i)
 *   (both steps use the same e), minimising Σ_Ω [e² + reg (b_u² + b_i²)] (reg counted once per rating).
 *   Config: `maxIterations` 20, `lr` 0.005, `lambda` (reg above) 0.02. Surprise visits ratings in trainset order; here `shuffle: true`
 *   (default) uses a fresh seeded permutation each epoch, `shuffle: false` the stored order. O(|Ω|) per epoch.
 *
 * μ (μ̂) is always the mean of the training ratings. For the bias models an unknown user or item contributes
 * b = 0 (Surprise's rule), so an unknown pair gets μ + the known side's bias.
 * `isFallback(u, i)` is true for every model whenever u or i has no training ratings (so fallback counts
 * are comparable across models), even when, as for global-mean, the prediction formula is the same.
 *
 * Throws: SpecError from `config` (unknown key with a suggestion, wrong type, out of range);
 * RangeError from `fit` when the training matrix is empty (μ̂ undefined).
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { Rng, deriveSeed } from "../../core/random";
import * as s from "../../core/schema";
import { lambda, lr, maxIterations, modelParams, seed } from "../../core/vocabulary";
import { countsOf, finishIteration } from "../gradient/svd";
import { defineModel, emptyHistory, type FitOptions, type FitResult, type ModelDefinition, type Predictor } from "../types";

/** Shared predictor shape for the bias-style baselines: μ + (u known ? bu[u] : 0) + (i known ? bi[i] : 0). */
export class BiasPredictor implements Predictor {
  constructor(
    readonly mu: number,
    readonly bu: Float64Array,
    readonly bi: Float64Array,
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  predict(u: number, i: number): number {
    return this.mu + (this.knowsUser(u) ? this.bu[u] : 0) + (this.knowsItem(i) ? this.bi[i] : 0);
  }

  isFallback(u: number, i: number): boolean {
    return !(this.knowsUser(u) && this.knowsItem(i));
  }

  knowsUser(u: number): boolean {
    return u >= 0 && u < this.userCounts.length && this.userCounts[u] > 0;
  }

  knowsItem(i: number): boolean {
    return i >= 0 && i < this.itemCounts.length && this.itemCounts[i] > 0;
  }
}

function requireRatings(model: string, train: RatingsMatrix): number {
  if (train.nnz === 0) throw new RangeError(`${model}: the training matrix has no ratings`);
  return train.mean();
}

function closedForm<M extends Predictor>(model: M): FitResult<M> {
  return { model, iterations: 0, converged: true, history: emptyHistory() };
}

// ---------------------------------------------------------------- random-normal

/** The config of `random-normal`, declared once. */
export const RANDOM_NORMAL_PARAMS = modelParams({ seed: seed("seed of the per-(user,item) draws") }, "random-normal");
export type RandomNormalConfig = s.Infer<typeof RANDOM_NORMAL_PARAMS>;

export class RandomNormalPredictor implements Predictor {
  constructor(
    readonly mu: number,
    readonly sigma: number,
    readonly seed: number,
    private readonly known: BiasPredictor,
  ) {}
  predict(u: number, i: number): number {
    return this.mu + this.sigma * new Rng(deriveSeed(this.seed, `${u},${i}`)).gaussian();
  }
  isFallback(u: number, i: number): boolean {
    return this.known.isFallback(u, i);
  }
}

/** Fit N(μ̂, σ̂²) by maximum likelihood. O(|Ω|). @throws RangeError on an empty matrix */
export function fitRandomNormal(train: RatingsMatrix, config: RandomNormalConfig): FitResult<RandomNormalPredictor> {
  const mu = requireRatings("random-normal", train);
  let ss = 0;
  for (let k = 0; k < train.nnz; k++) ss += (train.values[k] - mu) ** 2;
  const known = biasFromSums(train, mu, false, false);
  return closedForm(new RandomNormalPredictor(mu, Math.sqrt(ss / train.nnz), config.seed, known));
}

export const randomNormalModel: ModelDefinition<RandomNormalConfig> = defineModel({
  name: "random-normal",
  summary: "Random N(μ̂, σ̂²) predictions, σ̂ by maximum likelihood (Surprise's NormalPredictor); deterministic per (seed, user, item)",
  params: RANDOM_NORMAL_PARAMS,
  fit: fitRandomNormal,
});

// ---------------------------------------------------------------- global / user / item mean

/** The mean baselines take no parameters. */
export const MEAN_PARAMS = modelParams({}, "mean baseline");
export type MeanConfig = s.Infer<typeof MEAN_PARAMS>;

/** μ + optional per-user / per-item mean deviations (plain means, no shrinkage). */
function biasFromSums(train: RatingsMatrix, mu: number, byUser: boolean, byItem: boolean): BiasPredictor {
  const userCounts = countsOf(train.users, train.nUsers);
  const itemCounts = countsOf(train.items, train.nItems);
  const bu = new Float64Array(train.nUsers);
  const bi = new Float64Array(train.nItems);
  if (byUser) {
    for (let k = 0; k < train.nnz; k++) bu[train.users[k]] += train.values[k];
    for (let u = 0; u < bu.length; u++) bu[u] = userCounts[u] > 0 ? bu[u] / userCounts[u] - mu : 0;
  }
  if (byItem) {
    for (let k = 0; k < train.nnz; k++) bi[train.items[k]] += train.values[k];
    for (let i = 0; i < bi.length; i++) bi[i] = itemCounts[i] > 0 ? bi[i] / itemCounts[i] - mu : 0;
  }
  return new BiasPredictor(mu, bu, bi, userCounts, itemCounts);
}

/** r̂ = μ̂. O(|Ω|). @throws RangeError on an empty matrix */
export function fitGlobalMean(train: RatingsMatrix): FitResult<BiasPredictor> {
  return closedForm(biasFromSums(train, requireRatings("global-mean", train), false, false));
}
/** r̂_ui = mean of u's ratings (μ̂ for unknown u). O(|Ω|). @throws RangeError on an empty matrix */
export function fitUserMean(train: RatingsMatrix): FitResult<BiasPredictor> {
  return closedForm(biasFromSums(train, requireRatings("user-mean", train), true, false));
}
/** r̂_ui = mean of i's ratings (μ̂ for unknown i). O(|Ω|). @throws RangeError on an empty matrix */
export function fitItemMean(train: RatingsMatrix): FitResult<BiasPredictor> {
  return closedForm(biasFromSums(train, requireRatings("item-mean", train), false, true));
}

function meanModel(name: string, summary: string, fit: (t: RatingsMatrix) => FitResult): ModelDefinition<MeanConfig> {
  return defineModel({ name, summary, params: modelParams({}, name), fit: (train) => fit(train) });
}

export const globalMeanModel = meanModel("global-mean", "Predicts the mean training rating μ̂ for everyone", fitGlobalMean);
export const userMeanModel = meanModel("user-mean", "Predicts the user's mean training rating (μ̂ for unknown users)", fitUserMean);
export const itemMeanModel = meanModel("item-mean", "Predicts the item's mean training rating (μ̂ for unknown items)", fitItemMean);

// ---------------------------------------------------------------- baseline-als

/** The config of `baseline-als`, declared once (Surprise's BaselineOnly defaults: reg_u 15, reg_i 10). */
export const BASELINE_ALS_PARAMS = modelParams(
  {
    maxIterations: maxIterations({ default: 10, min: 0, max: 100000, doc: "alternating passes (items, then users)" }),
    lambda: s.nullable(s.number({ min: 0 }), {
      default: null,
      doc: "when a number: λ of both sides (replaces lambdaU and lambdaI, so a grid over lambda sweeps both)",
    }),
    lambdaU: s.number({ min: 0, default: 15, doc: "λ_u on Σ b_u² (Surprise's reg_u)" }),
    lambdaI: s.number({ min: 0, default: 10, doc: "λ_i on Σ b_i² (Surprise's reg_i)" }),
  },
  "baseline-als",
);
export type BaselineAlsConfig = s.Infer<typeof BASELINE_ALS_PARAMS>;

/** L = Σ (r − μ − b_u − b_i)² + regU Σ b_u² + regI Σ b_i² (optionally with regularization per rating, for SGD). */
function biasLoss(train: RatingsMatrix, m: BiasPredictor, regU: number, regI: number, perRating: boolean): number {
  const { users, items, values } = train;
  let loss = 0;
  for (let k = 0; k < values.length; k++) {
    const u = users[k];
    const i = items[k];
    const e = values[k] - m.mu - m.bu[u] - m.bi[i];
    loss += e * e;
    if (perRating) loss += regU * m.bu[u] * m.bu[u] + regI * m.bi[i] * m.bi[i];
  }
  if (!perRating) {
    for (let u = 0; u < m.bu.length; u++) loss += regU * m.bu[u] * m.bu[u];
    for (let i = 0; i < m.bi.length; i++) loss += regI * m.bi[i] * m.bi[i];
  }
  return loss;
}

/** Surprise's baseline ALS; see the module comment. @throws RangeError on an empty matrix */
export function fitBaselineAls(train: RatingsMatrix, config: BaselineAlsConfig, options: FitOptions = {}): FitResult<BiasPredictor> {
  const start = performance.now();
  const mu = requireRatings("baseline-als", train);
  const m = biasFromSums(train, mu, false, false);
  const { bu, bi } = m;
  const regU = config.lambda ?? config.lambdaU;
  const regI = config.lambda ?? config.lambdaI;
  const byItem = train.byItem();
  const byUser = train.byUser();
  const history = emptyHistory();
  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
    biasHalfStep(byItem, mu, bu, bi, regI);
    biasHalfStep(byUser, mu, bi, bu, regU);
    finishIteration(history, options, train, m, epoch, biasLoss(train, m, regU, regI, false), start);
  }
  return { model: m, iterations: config.maxIterations, converged: false, history };
}

/**
 * One closed-form bias pass over the rows of `csr` (items with byItem, users with byUser): for each row r with
 * ratings, solved[r] = Σ_p (value − μ − fixed[column]) / (reg + row length). Rows without ratings keep their value.
 */
function biasHalfStep(csr: Csr, mu: number, fixed: Float64Array, solved: Float64Array, reg: number): void {
  for (let r = 0; r < csr.nRows; r++) {
    const a = csr.indptr[r];
    const b = csr.indptr[r + 1];
    if (a === b) continue;
    let dev = 0;
    for (let p = a; p < b; p++) dev += csr.values[p] - mu - fixed[csr.indices[p]];
    solved[r] = dev / (reg + (b - a));
  }
}

export const baselineAlsModel: ModelDefinition<BaselineAlsConfig> = defineModel({
  name: "baseline-als",
  summary: "μ + b_u + b_i by alternating closed-form updates (Surprise's BaselineOnly default: 10 epochs, λ_u 15, λ_i 10)",
  params: BASELINE_ALS_PARAMS,
  fit: fitBaselineAls,
});

// ---------------------------------------------------------------- baseline-sgd

/** The config of `baseline-sgd`, declared once (Surprise's BaselineOnly with method "sgd"). */
export const BASELINE_SGD_PARAMS = modelParams(
  {
    maxIterations: maxIterations({ default: 20, min: 0, max: 100000, doc: "epochs: passes over the training ratings" }),
    lr: lr({ default: 0.005, doc: "learning rate (Surprise: learning_rate)" }),
    lambda: lambda({ default: 0.02, doc: "λ on b_u² + b_i², per rating (Surprise: reg)" }),
    shuffle: s.boolean({ default: true, doc: "visit the ratings in a new seeded random order each epoch (Surprise: false)" }),
    seed: seed("seed of the shuffling"),
  },
  "baseline-sgd",
);
export type BaselineSgdConfig = s.Infer<typeof BASELINE_SGD_PARAMS>;

/** Surprise's baseline SGD; see the module comment. @throws RangeError on an empty matrix, Error on divergence */
export function fitBaselineSgd(train: RatingsMatrix, config: BaselineSgdConfig, options: FitOptions = {}): FitResult<BiasPredictor> {
  const start = performance.now();
  const mu = requireRatings("baseline-sgd", train);
  const m = biasFromSums(train, mu, false, false);
  const { bu, bi } = m;
  const { lr, lambda: reg } = config;
  const n = train.nnz;
  const order = new Int32Array(n);
  for (let t = 0; t < n; t++) order[t] = t;
  const rng = new Rng(deriveSeed(config.seed, "shuffle"));
  const { users, items, values } = train;
  const history = emptyHistory();
  const divergence = { algorithm: "SGD", lrName: "lr", lr };
  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
    if (config.shuffle) rng.shuffle(order);
    for (let t = 0; t < n; t++) {
      const k = order[t];
      const u = users[k];
      const i = items[k];
      const e = values[k] - (mu + bu[u] + bi[i]);
      bu[u] += lr * (e - reg * bu[u]);
      bi[i] += lr * (e - reg * bi[i]);
    }
    finishIteration(history, options, train, m, epoch, biasLoss(train, m, reg, reg, true), start, divergence);
  }
  return { model: m, iterations: config.maxIterations, converged: false, history };
}

export const baselineSgdModel: ModelDefinition<BaselineSgdConfig> = defineModel({
  name: "baseline-sgd",
  summary: "μ + b_u + b_i by SGD (Surprise's BaselineOnly with method 'sgd': 20 epochs, lr 0.005, λ 0.02)",
  params: BASELINE_SGD_PARAMS,
  fit: fitBaselineSgd,
});

export const RANDOM_NORMAL_DEFAULTS: Readonly<RandomNormalConfig> = randomNormalModel.defaults;
export const BASELINE_ALS_DEFAULTS: Readonly<BaselineAlsConfig> = baselineAlsModel.defaults;
export const BASELINE_SGD_DEFAULTS: Readonly<BaselineSgdConfig> = baselineSgdModel.defaults;
