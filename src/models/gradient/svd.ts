/**
 * Stochastic-gradient matrix factorization, as Surprise's `SVD` (Funk / Koren, "biased MF").
 *
 * Prediction (biased):   r̂_ui = μ + b_u + b_i + p_u · q_i        (μ = mean of the training ratings, fixed)
 * Prediction (unbiased): r̂_ui = p_u · q_i                          (`biased: false`, model "sgd-mf")
 *
 * Objective (λ convention: one regularization term per training rating, as in Koren 2009 eq. 5 and Surprise):
 *
 *   L = Σ_{(u,i)∈Ω} [ e_ui² + regBu b_u² + regBi b_i² + regPu ‖p_u‖² + regQi ‖q_i‖² ],   e_ui = r_ui − r̂_ui
 *
 * i.e. user u's parameters are penalised |Ω_u| times and item i's |Ω_i| times. This is the reported `trainLoss`.
 * SGD takes, for each training rating in turn, a step of (lr/2)·∇ of that rating's term:
 *
 *   b_u ← b_u + lrBu (e − regBu b_u)          b_i ← b_i + lrBi (e − regBi b_i)
 *   p_u ← p_u + lrPu (e q_i − regPu p_u)      q_i ← q_i + lrQi (e p_u − regQi q_i)
 *
 * with e computed once before the step and the OLD p_u used in q_i's update (exactly Surprise's SVD).
 * Without biases, b_u and b_i stay 0 and μ is not used (Surprise sets global_mean = 0 when biased=False).
 *
 * Initialization: b = 0; every entry of P (nUsers×nFactors) then Q (nItems×nFactors) drawn from
 * N(initMean, initStd²) with `new Rng(seed)` (Surprise: same distribution, numpy RNG).
 *
 * Rating order: Surprise does NOT shuffle — each epoch it visits the ratings in trainset order (users in order
 * of first appearance, each user's ratings in file order). Here `shuffle: true` (default) visits the ratings
 * in a fresh seeded permutation each epoch (stream `deriveSeed(seed, "shuffle")`, independent of the init
 * stream); `shuffle: false` visits them in the order stored in the training matrix, which for MovieLens'
 * uN.base files (sorted by user, then item) is Surprise's order.
 *
 * Per-term rates: `lrBu, lrBi, lrPu, lrQi` (`reg*` likewise) default to `null` = inherit `lrAll`
 * (`regAll`), as in Surprise. Defaults: nFactors 100, nEpochs 20, lrAll 0.005, regAll 0.02,
 * initMean 0, initStd 0.1, seed 0, shuffle true (Surprise's SVD defaults).
 * Keys are camelCase; Surprise's names: nFactors (n_factors), nEpochs (n_epochs), lrAll (lr_all), regAll
 * (reg_all), lrBu/lrBi/lrPu/lrQi (lr_bu/lr_bi/lr_pu/lr_qi), regBu/regBi/regPu/regQi (reg_bu/reg_bi/reg_pu/reg_qi),
 * initMean (init_mean), initStd (init_std).
 *
 * Unknown user / item (no training ratings): biased → μ + b_u (if u known) + b_i (if i known), the factor
 * term is dropped (Surprise's rule); unbiased → μ (Surprise raises PredictionImpossible and falls back to
 * the global mean). `isFallback(u, i)` is true whenever u or i has no training ratings.
 *
 * Complexity: O(|Ω|·nFactors) per epoch for the updates plus one more O(|Ω|·nFactors) pass for the loss and
 * metrics; memory O((nUsers + nItems)·nFactors). The inner loop allocates nothing.
 *
 * Throws: SpecError from `config` (unknown key with a suggestion, wrong type, out of range); Error
 * `SGD diverged at epoch k (loss …): lower the learning rate (lrAll = …)` when the loss becomes NaN/±Infinity.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { scorePredictor, type ErrorMetrics } from "../../metrics/accuracy";
import { Rng, deriveSeed } from "../../core/random";
import { validateConfig, type ConfigRules } from "../config";
import {
  emptyHistory,
  recordIteration,
  type FitOptions,
  type FitResult,
  type IterationReport,
  type ModelDefinition,
  type Predictor,
} from "../types";

export interface SvdConfig {
  nFactors: number;
  nEpochs: number;
  biased: boolean;
  lrAll: number;
  regAll: number;
  /** Per-term learning rates; null = use `lrAll`. */
  lrBu: number | null;
  lrBi: number | null;
  lrPu: number | null;
  lrQi: number | null;
  /** Per-term regularization; null = use `regAll`. */
  regBu: number | null;
  regBi: number | null;
  regPu: number | null;
  regQi: number | null;
  initMean: number;
  initStd: number;
  shuffle: boolean;
  seed: number;
}

export const SVD_DEFAULTS: Readonly<SvdConfig> = Object.freeze({
  nFactors: 100,
  nEpochs: 20,
  biased: true,
  lrAll: 0.005,
  regAll: 0.02,
  lrBu: null,
  lrBi: null,
  lrPu: null,
  lrQi: null,
  regBu: null,
  regBi: null,
  regPu: null,
  regQi: null,
  initMean: 0,
  initStd: 0.1,
  shuffle: true,
  seed: 0,
});

/** "sgd-mf": the same algorithm without biases (plain p_u · q_i). */
export const SGD_MF_DEFAULTS: Readonly<SvdConfig> = Object.freeze({ ...SVD_DEFAULTS, biased: false });

/** Config rule of a nullable per-term learning rate (null = lrAll). @internal */
export const lrRule = (what: string) => ({ type: "number" as const, min: 0, exclusiveMin: true, doc: `learning rate for ${what} (null = lrAll)` });
/** Config rule of a nullable per-term regularization (null = regAll). @internal */
export const regRule = (what: string) => ({ type: "number" as const, min: 0, doc: `regularization for ${what} (null = regAll)` });

const SVD_RULES: ConfigRules<SvdConfig> = {
  nFactors: { type: "int", min: 1, max: 10000, doc: "number of latent factors" },
  nEpochs: { type: "int", min: 0, max: 100000, doc: "passes over the training ratings" },
  biased: { type: "boolean", doc: "learn μ + b_u + b_i in addition to p_u·q_i" },
  lrAll: { type: "number", min: 0, exclusiveMin: true, doc: "learning rate of every term unless overridden" },
  regAll: { type: "number", min: 0, doc: "regularization of every term unless overridden" },
  lrBu: lrRule("b_u"),
  lrBi: lrRule("b_i"),
  lrPu: lrRule("p_u"),
  lrQi: lrRule("q_i"),
  regBu: regRule("b_u"),
  regBi: regRule("b_i"),
  regPu: regRule("p_u"),
  regQi: regRule("q_i"),
  initMean: { type: "number", doc: "mean of the normal initialization of P and Q" },
  initStd: { type: "number", min: 0, doc: "standard deviation of the normal initialization of P and Q" },
  shuffle: { type: "boolean", doc: "visit the ratings in a new seeded random order each epoch (Surprise: false)" },
  seed: { type: "int", min: 0, max: 4294967295, doc: "seed of the initialization and the shuffling" },
};

/**
 * validateConfig for configs with nullable per-term overrides (`null` = inherit the `*All` value):
 * null/absent overrides are validated with a placeholder and come back as null.
 * @internal
 */
export function validateWithOverrides<C extends object>(
  model: string,
  defaults: Readonly<C>,
  rules: ConfigRules<C>,
  overrideKeys: readonly string[],
  partial: Record<string, unknown>,
): C {
  if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
    return validateConfig(model, defaults, rules, partial); // throws the standard message
  }
  const p: Record<string, unknown> = { ...partial };
  const unset: string[] = [];
  for (const key of overrideKeys) {
    const v = key in p ? p[key] : (defaults as Record<string, unknown>)[key];
    if (v === null || v === undefined) {
      p[key] = 1; // valid for every lr/reg rule; replaced by null below
      unset.push(key);
    }
  }
  const out = validateConfig(model, defaults, rules, p) as Record<string, unknown>;
  for (const key of unset) out[key] = null;
  return out as C;
}

const SVD_OVERRIDES = ["lrBu", "lrBi", "lrPu", "lrQi", "regBu", "regBi", "regPu", "regQi"] as const;

/** The per-term overrides of SVD-style configs (null = inherit lrAll / regAll). @internal */
export type SgdRateConfig = Pick<SvdConfig, "lrAll" | "regAll" | (typeof SVD_OVERRIDES)[number]>;

/** The effective learning rates and regularization of the bias and factor terms (overrides resolved). @internal */
export function sgdRates(config: SgdRateConfig) {
  return {
    lrBu: config.lrBu ?? config.lrAll,
    lrBi: config.lrBi ?? config.lrAll,
    lrPu: config.lrPu ?? config.lrAll,
    lrQi: config.lrQi ?? config.lrAll,
    regBu: config.regBu ?? config.regAll,
    regBi: config.regBi ?? config.regAll,
    regPu: config.regPu ?? config.regAll,
    regQi: config.regQi ?? config.regAll,
  };
}

/** True when `x` is a row index with at least one training rating (`counts[x] > 0`). @internal */
export function hasRatings(counts: Int32Array, x: number): boolean {
  return x >= 0 && x < counts.length && counts[x] > 0;
}

/** A fitted SGD factorization. Arrays are row-major: P[u·k + f], Q[i·k + f]. */
export class SvdPredictor implements Predictor {
  constructor(
    readonly nFactors: number,
    readonly biased: boolean,
    /** Global mean μ of the training ratings (used as fallback even when unbiased). */
    readonly mu: number,
    readonly bu: Float64Array,
    readonly bi: Float64Array,
    readonly P: Float64Array,
    readonly Q: Float64Array,
    /** Training-rating count per user / item (0 = unknown). */
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  predict(u: number, i: number): number {
    const ku = hasRatings(this.userCounts, u);
    const ki = hasRatings(this.itemCounts, i);
    if (ku && ki) {
      const k = this.nFactors;
      const dot = dotRows(this.P, u * k, this.Q, i * k, k);
      return this.biased ? this.mu + this.bu[u] + this.bi[i] + dot : dot;
    }
    if (!this.biased) return this.mu;
    return this.mu + (ku ? this.bu[u] : 0) + (ki ? this.bi[i] : 0);
  }

  isFallback(u: number, i: number): boolean {
    return !(hasRatings(this.userCounts, u) && hasRatings(this.itemCounts, i));
  }
}

/** Training-rating count per row index (users or items). @internal */
export function countsOf(index: Int32Array, n: number): Int32Array {
  const c = new Int32Array(n);
  for (let k = 0; k < index.length; k++) c[index[k]]++;
  return c;
}

/**
 * `reg` plus Σ_r counts[r]·(regB·b_r² + regF·‖F_r‖²) over the rows r with counts[r] > 0, added row by row
 * in index order (F row-major with k columns). @internal
 */
export function addRowPenalty(reg: number, counts: Int32Array, F: Float64Array, b: Float64Array, k: number, regB: number, regF: number): number {
  for (let r = 0; r < counts.length; r++) {
    if (counts[r] === 0) continue;
    let s = 0;
    for (let f = 0; f < k; f++) s += F[r * k + f] * F[r * k + f];
    reg += counts[r] * (regB * b[r] * b[r] + regF * s);
  }
  return reg;
}

/** Fill `a` with N(mean, std²) draws. @internal */
export function fillNormal(a: Float64Array, rng: Rng, mean: number, std: number): void {
  for (let k = 0; k < a.length; k++) a[k] = mean + std * rng.gaussian();
}

/** Train metrics computed by the model's own evaluation pass (clipped as FitOptions.clip asks). @internal */
export interface TrainEval {
  loss: number;
  mse: number;
  mae: number;
}

/**
 * Accumulates the squared and absolute training errors of one evaluation pass (clipping as asked).
 * @internal
 */
export class ErrorAccumulator {
  sse = 0;
  sseClipped = 0;
  sae = 0;
  n = 0;
  private readonly lo: number;
  private readonly hi: number;
  constructor(clip?: readonly [number, number]) {
    this.lo = clip ? clip[0] : -Infinity;
    this.hi = clip ? clip[1] : Infinity;
  }
  add(truth: number, pred: number): void {
    const e = truth - pred;
    this.sse += e * e;
    const c = pred < this.lo ? this.lo : pred > this.hi ? this.hi : pred;
    const ec = truth - c;
    this.sseClipped += ec * ec;
    this.sae += Math.abs(ec);
    this.n++;
  }
  result(regularization: number): TrainEval {
    return { loss: this.sse + regularization, mse: this.sseClipped / this.n, mae: this.sae / this.n };
  }
}

/**
 * Record one iteration: train metrics (from the model's own pass when given, else scorePredictor), test
 * metrics through scorePredictor, the history row and the hook. Throws the divergence error when the loss
 * is not finite. @internal
 */
export function finishIteration(
  history: ReturnType<typeof emptyHistory>,
  options: FitOptions,
  train: RatingsMatrix,
  predictor: Predictor,
  iteration: number,
  trainEval: TrainEval | number,
  startMs: number,
  divergence?: { algorithm: string; lrName: string; lr: number },
): void {
  const trainLoss = typeof trainEval === "number" ? trainEval : trainEval.loss;
  if (divergence && !Number.isFinite(trainLoss)) {
    throw new Error(
      `${divergence.algorithm} diverged at epoch ${iteration} (loss ${trainLoss}): lower the learning rate (${divergence.lrName} = ${divergence.lr})`,
    );
  }
  const clip = options.clip ? { clip: options.clip } : {};
  let trainMetrics: ErrorMetrics;
  if (typeof trainEval === "number") {
    const tr = scorePredictor(predictor, train, clip);
    trainMetrics = { mse: tr.mse, rmse: tr.rmse, mae: tr.mae };
  } else {
    trainMetrics = { mse: trainEval.mse, rmse: Math.sqrt(trainEval.mse), mae: trainEval.mae };
  }
  const report: IterationReport = {
    iteration,
    trainLoss,
    train: trainMetrics,
    seconds: (performance.now() - startMs) / 1000,
  };
  if (options.test) {
    const te = scorePredictor(predictor, options.test, clip);
    report.test = { mse: te.mse, rmse: te.rmse, mae: te.mae };
  }
  recordIteration(history, report);
  options.onIteration?.(report);
}

/**
 * Hot loop: one SGD pass over the ratings in the given order, updating bu, bi, P, Q in place. No allocation.
 * @internal exported for scripts/bench-sgd.js
 */
export function sgdEpoch(
  us: Int32Array,
  is: Int32Array,
  rs: Float64Array,
  k: number,
  mu: number,
  biased: boolean,
  bu: Float64Array,
  bi: Float64Array,
  P: Float64Array,
  Q: Float64Array,
  lrBu: number,
  lrBi: number,
  lrPu: number,
  lrQi: number,
  regBu: number,
  regBi: number,
  regPu: number,
  regQi: number,
): void {
  const n = rs.length;
  const k4 = k - (k % 4);
  for (let t = 0; t < n; t++) {
    const u = us[t];
    const i = is[t];
    const pu = u * k;
    const qi = i * k;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let f = 0;
    for (; f < k4; f += 4) {
      d0 += P[pu + f] * Q[qi + f];
      d1 += P[pu + f + 1] * Q[qi + f + 1];
      d2 += P[pu + f + 2] * Q[qi + f + 2];
      d3 += P[pu + f + 3] * Q[qi + f + 3];
    }
    for (; f < k; f++) d0 += P[pu + f] * Q[qi + f];
    const dot = d0 + d1 + (d2 + d3);
    let err: number;
    if (biased) {
      const bU = bu[u];
      const bI = bi[i];
      err = rs[t] - (mu + bU + bI + dot);
      bu[u] = bU + lrBu * (err - regBu * bU);
      bi[i] = bI + lrBi * (err - regBi * bI);
    } else {
      err = rs[t] - dot;
    }
    const ep = lrPu * err;
    const eq = lrQi * err;
    const sp = 1 - lrPu * regPu;
    const sq = 1 - lrQi * regQi;
    // p ← p + lrPu(e q − regPu p) = (1 − lrPu regPu) p + lrPu e q; q likewise with the old p. Unrolled ×4.
    for (f = 0; f < k4; f += 4) {
      const p0 = P[pu + f];
      const p1 = P[pu + f + 1];
      const p2 = P[pu + f + 2];
      const p3 = P[pu + f + 3];
      const q0 = Q[qi + f];
      const q1 = Q[qi + f + 1];
      const q2 = Q[qi + f + 2];
      const q3 = Q[qi + f + 3];
      P[pu + f] = sp * p0 + ep * q0;
      P[pu + f + 1] = sp * p1 + ep * q1;
      P[pu + f + 2] = sp * p2 + ep * q2;
      P[pu + f + 3] = sp * p3 + ep * q3;
      Q[qi + f] = sq * q0 + eq * p0;
      Q[qi + f + 1] = sq * q1 + eq * p1;
      Q[qi + f + 2] = sq * q2 + eq * p2;
      Q[qi + f + 3] = sq * q3 + eq * p3;
    }
    for (; f < k; f++) {
      const p = P[pu + f];
      const q = Q[qi + f];
      P[pu + f] = sp * p + ep * q;
      Q[qi + f] = sq * q + eq * p;
    }
  }
}

/** Σ_f A[a + f] · B[b + f], unrolled ×4. @internal */
export function dotRows(A: Float64Array, a: number, B: Float64Array, b: number, k: number): number {
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let f = 0;
  const k4 = k - (k % 4);
  for (; f < k4; f += 4) {
    d0 += A[a + f] * B[b + f];
    d1 += A[a + f + 1] * B[b + f + 1];
    d2 += A[a + f + 2] * B[b + f + 2];
    d3 += A[a + f + 3] * B[b + f + 3];
  }
  for (; f < k; f++) d0 += A[a + f] * B[b + f];
  return d0 + d1 + (d2 + d3);
}

/** One pass: L = Σ e² + Σ_u |Ω_u|(regBu b_u² + regPu‖p_u‖²) + Σ_i |Ω_i|(regBi b_i² + regQi‖q_i‖²), plus metrics. */
function svdEval(
  train: RatingsMatrix,
  m: SvdPredictor,
  regBu: number,
  regBi: number,
  regPu: number,
  regQi: number,
  clip: readonly [number, number] | undefined,
): TrainEval {
  const { users, items, values } = train;
  const k = m.nFactors;
  const { P, Q, bu, bi, userCounts, itemCounts } = m;
  const acc = new ErrorAccumulator(clip);
  for (let t = 0; t < values.length; t++) {
    const u = users[t];
    const i = items[t];
    acc.add(values[t], m.biased ? m.mu + bu[u] + bi[i] + dotRows(P, u * k, Q, i * k, k) : dotRows(P, u * k, Q, i * k, k));
  }
  let reg = addRowPenalty(0, userCounts, P, bu, k, regBu, regPu);
  reg = addRowPenalty(reg, itemCounts, Q, bi, k, regBi, regQi);
  return acc.result(reg);
}

/**
 * Fit biased (or unbiased) MF by SGD; see the module comment for the exact update rule.
 * @throws Error when the loss diverges (NaN / Infinity)
 */
export function fitSvd(train: RatingsMatrix, config: SvdConfig, options: FitOptions = {}): FitResult<SvdPredictor> {
  const start = performance.now();
  const k = config.nFactors;
  const { lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = sgdRates(config);

  const n = train.nnz;
  const mu = n > 0 ? train.mean() : 0;
  const bu = new Float64Array(train.nUsers);
  const bi = new Float64Array(train.nItems);
  const P = new Float64Array(train.nUsers * k);
  const Q = new Float64Array(train.nItems * k);
  const initRng = new Rng(config.seed);
  fillNormal(P, initRng, config.initMean, config.initStd);
  fillNormal(Q, initRng, config.initMean, config.initStd);
  const model = new SvdPredictor(
    k,
    config.biased,
    mu,
    bu,
    bi,
    P,
    Q,
    countsOf(train.users, train.nUsers),
    countsOf(train.items, train.nItems),
  );

  // Visiting order buffers (copied per epoch when shuffling so the hot loop reads sequentially).
  let us = train.users;
  let is = train.items;
  let rs = train.values;
  let perm: Int32Array | undefined;
  const shuffleRng = new Rng(deriveSeed(config.seed, "shuffle"));
  if (config.shuffle) {
    perm = new Int32Array(n);
    for (let t = 0; t < n; t++) perm[t] = t;
    us = new Int32Array(n);
    is = new Int32Array(n);
    rs = new Float64Array(n);
  }

  const history = emptyHistory();
  const divergence = { algorithm: "SGD", lrName: "lrAll", lr: config.lrAll };
  for (let epoch = 1; epoch <= config.nEpochs; epoch++) {
    if (perm) {
      shuffleRng.shuffle(perm);
      for (let t = 0; t < n; t++) {
        const e = perm[t];
        us[t] = train.users[e];
        is[t] = train.items[e];
        rs[t] = train.values[e];
      }
    }
    sgdEpoch(us, is, rs, k, mu, config.biased, bu, bi, P, Q, lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi);
    const ev = svdEval(train, model, regBu, regBi, regPu, regQi, options.clip);
    finishIteration(history, options, train, model, epoch, ev, start, divergence);
  }
  return { model, iterations: config.nEpochs, converged: false, history };
}

/** "svd": Surprise's SVD (biased MF by SGD). */
export const svdModel: ModelDefinition<SvdConfig> = {
  name: "svd",
  summary: "Biased MF μ + b_u + b_i + p_u·q_i fitted by SGD (Surprise's SVD: 100 factors, 20 epochs, lr 0.005, reg 0.02)",
  defaults: SVD_DEFAULTS,
  config: (partial) => validateWithOverrides("svd", SVD_DEFAULTS, SVD_RULES, SVD_OVERRIDES, partial),
  fit: fitSvd,
};

/** "sgd-mf": plain p_u·q_i fitted by SGD (Surprise's SVD with biased=False, i.e. PMF-style). */
export const sgdMfModel: ModelDefinition<SvdConfig> = {
  name: "sgd-mf",
  summary: "Unbiased MF p_u·q_i fitted by SGD (Surprise's SVD with biased=False)",
  defaults: SGD_MF_DEFAULTS,
  config: (partial) => validateWithOverrides("sgd-mf", SGD_MF_DEFAULTS, SVD_RULES, SVD_OVERRIDES, partial),
  fit: fitSvd,
};
