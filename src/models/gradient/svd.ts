/**
 * Stochastic-gradient matrix factorization, as Surprise's `SVD` (Funk / Koren, "biased MF").
 *
 * Prediction (biased):   r̂_ui = μ + b_u + b_i + p_u · q_i        (μ = mean of the training ratings, fixed)
 * Prediction (unbiased): r̂_ui = p_u · q_i                          (`biased: false`, model "sgd-mf")
 *
 * Objective (λ convention: one regularization term per training rating, as in Koren 2009 eq. 5 and Surprise):
 *
 *   L = Σ_{(u,i)∈Ω} [ e_ui² + λ_bu b_u² + λ_bi b_i² + λ_pu ‖p_u‖² + λ_qi ‖q_i‖² ],   e_ui = r_ui − r̂_ui
 *
 * i.e. user u's parameters are penalised |Ω_u| times and item i's |Ω_i| times. This is the reported `trainLoss`.
 * SGD takes, for each training rating in turn, a step of (lr/2)·∇ of that rating's term:
 *
 *   b_u ← b_u + lrBu (e − λ_bu b_u)          b_i ← b_i + lrBi (e − λ_bi b_i)
 *   p_u ← p_u + lrPu (e q_i − λ_pu p_u)      q_i ← q_i + lrQi (e p_u − λ_qi q_i)
 *
 * with e computed once before the step and the OLD p_u used in q_i's update (exactly Surprise's SVD).
 * Without biases, b_u and b_i stay 0 and μ is not used (Surprise sets global_mean = 0 when biased=False).
 *
 * Initialization: b = 0; every entry of P (nUsers×d) then Q (nItems×d) drawn from
 * N(initMean, initStd²) with `new Rng(seed)` (Surprise: same distribution, numpy RNG).
 *
 * Rating order: Surprise does NOT shuffle — each epoch it visits the ratings in trainset order (users in order
 * of first appearance, each user's ratings in file order). Here `shuffle: true` (default) visits the ratings
 * in a fresh seeded permutation each epoch (stream `deriveSeed(seed, "shuffle")`, independent of the init
 * stream); `shuffle: false` visits them in the order stored in the training matrix, which for MovieLens'
 * uN.base files (sorted by user, then item) is Surprise's order.
 *
 * Config (declared once in {@link SVD_PARAMS}; `mflab models` lists it): `d` (rank), `maxIterations` (epochs), `lr`,
 * `lambda` = λ of every term unless a per-term `lambdaBu`, `lambdaBi`, `lambdaPu`, `lambdaQi` (λ_bu … above) or
 * `lrBu`, `lrBi`, `lrPu`, `lrQi` is given (null = inherit, as in Surprise). Defaults: d 100, maxIterations 20,
 * lr 0.005, lambda 0.02,
 * initMean 0, initStd 0.1, seed 0, shuffle true (Surprise's SVD defaults).
 * Surprise's names (n_factors, n_epochs, lr_all, reg_all, reg_bu, …) are accepted as aliases (../../core/vocabulary.ts).
 *
 * Unknown user / item (no training ratings): biased → μ + b_u (if u known) + b_i (if i known), the factor
 * term is dropped (Surprise's rule); unbiased → μ (Surprise raises PredictionImpossible and falls back to
 * the global mean). `isFallback(u, i)` is true whenever u or i has no training ratings.
 *
 * Complexity: O(|Ω|·d) per epoch for the updates plus one more O(|Ω|·d) pass for the loss and
 * metrics (skipped with `FitOptions.history: false`); memory O((nUsers + nItems)·d). The inner loop allocates
 * nothing. Both passes run in the WebAssembly SIMD kernel ../../linalg/wasm/sgd.wat where available, bitwise the
 * same as their scalar twins here ({@link sgdEpoch}, `svdEval`); ~2× their speed, measured interleaved in
 * `npm run bench` (see the README's speed section).
 *
 * Throws: SpecError from `config` (unknown key with a suggestion, wrong type, out of range); Error
 * `SGD diverged at epoch k (loss …): lower the learning rate (lr = …)` when the loss becomes NaN/±Infinity.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { scorePredictor, type ErrorMetrics } from "../../metrics/accuracy";
import { Rng, deriveSeed } from "../../core/random";
import { createSimdSgd } from "../../linalg/simd-sgd";
import * as s from "../../core/schema";
import { lambda, lambdaOverride, lr, lrOverride, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
import {
  emptyHistory,
  recordIteration,
  type FitOptions,
  type FitResult,
  type IterationReport,
  type ModelDefinition,
  type Predictor,
  defineModel,
  type MatrixShape,
} from "../types";

/** The fields of `svd` and `sgd-mf` (which differ only in the default of `biased`); see the module doc. */
function svdFields(biased: boolean) {
  return {
    d: rank({ default: 100, max: 10000 }),
    maxIterations: maxIterations({ default: 20, min: 0, max: 100000, doc: "epochs: passes over the training ratings" }),
    biased: s.boolean({ default: biased, doc: "learn μ + b_u + b_i in addition to p_u·q_i" }),
    lr: lr({ default: 0.005, doc: "learning rate of every term unless overridden" }),
    lambda: lambda({ default: 0.02, doc: "regularization of every term unless overridden, applied per rating (module doc)" }),
    lrBu: lrOverride("b_u"),
    lrBi: lrOverride("b_i"),
    lrPu: lrOverride("p_u"),
    lrQi: lrOverride("q_i"),
    lambdaBu: lambdaOverride("b_u"),
    lambdaBi: lambdaOverride("b_i"),
    lambdaPu: lambdaOverride("p_u"),
    lambdaQi: lambdaOverride("q_i"),
    initMean: s.number({ default: 0, doc: "mean of the normal initialization of P and Q" }),
    initStd: s.number({ min: 0, default: 0.1, doc: "standard deviation of the normal initialization of P and Q" }),
    shuffle: s.boolean({ default: true, doc: "visit the ratings in a new seeded random order each epoch (Surprise: false)" }),
    seed: seed("seed of the initialization and the shuffling"),
  };
}

/** The config of `svd`, declared once (shared names: ../vocabulary.ts). */
export const SVD_PARAMS = modelParams(svdFields(true), "svd");
/** The config of `sgd-mf`: the same fields, `biased` false by default. */
export const SGD_MF_PARAMS = modelParams(svdFields(false), "sgd-mf");

export type SvdConfig = s.Infer<typeof SVD_PARAMS>;

/** The learning rates and regularizations of an SGD-style config with its per-term overrides. @internal */
export interface SgdRateConfig {
  lr: number;
  lambda: number;
  lrBu: number | null;
  lrBi: number | null;
  lrPu: number | null;
  lrQi: number | null;
  lambdaBu: number | null;
  lambdaBi: number | null;
  lambdaPu: number | null;
  lambdaQi: number | null;
}

/** The effective learning rates and regularization of the bias and factor terms (null overrides resolved). @internal */
export function sgdRates(config: SgdRateConfig) {
  return {
    lrBu: config.lrBu ?? config.lr,
    lrBi: config.lrBi ?? config.lr,
    lrPu: config.lrPu ?? config.lr,
    lrQi: config.lrQi ?? config.lr,
    regBu: config.lambdaBu ?? config.lambda,
    regBi: config.lambdaBi ?? config.lambda,
    regPu: config.lambdaPu ?? config.lambda,
    regQi: config.lambdaQi ?? config.lambda,
  };
}

/** True when `x` is a row index with at least one training rating (`counts[x] > 0`). @internal */
export function hasRatings(counts: Int32Array, x: number): boolean {
  return x >= 0 && x < counts.length && counts[x] > 0;
}

/** A fitted SGD factorization. Arrays are row-major: P[u·k + f], Q[i·k + f]. */
export class SvdPredictor implements Predictor {
  constructor(
    /** Rank: the number of latent factors. */
    readonly d: number,
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
      const k = this.d;
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
  const k = m.d;
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
 *
 * The epochs and the per-epoch training-error pass run in the WebAssembly SIMD kernel of
 * ../../linalg/simd-sgd.ts where available, else in their scalar twins {@link sgdEpoch} and `svdEval` here: both
 * give bitwise the same model and history. `options.history === false` skips the per-epoch scoring (no history
 * rows, no `onIteration`); the model is the same.
 * @throws Error when the loss diverges (NaN / Infinity)
 */
export function fitSvd(train: RatingsMatrix, config: SvdConfig, options: FitOptions = {}): FitResult<SvdPredictor> {
  return fitSvdWith(train, config, options, true);
}

/**
 * {@link fitSvd} with the WebAssembly kernel (`simd` true, when available) or the scalar twins (`simd` false).
 * @internal exported for the agreement tests and scripts/bench-sgd.js
 */
export function fitSvdWith(train: RatingsMatrix, config: SvdConfig, options: FitOptions, simd: boolean): FitResult<SvdPredictor> {
  const start = performance.now();
  const k = config.d;
  const rates = sgdRates(config);
  const { lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = rates;

  const n = train.nnz;
  const mu = n > 0 ? train.mean() : 0;
  const wasm = simd ? createSimdSgd({ nUsers: train.nUsers, nItems: train.nItems, k, nnz: n, shuffled: config.shuffle }) : null;
  const bu = wasm ? wasm.bu : new Float64Array(train.nUsers);
  const bi = wasm ? wasm.bi : new Float64Array(train.nItems);
  const P = wasm ? wasm.P : new Float64Array(train.nUsers * k);
  const Q = wasm ? wasm.Q : new Float64Array(train.nItems * k);
  const initRng = new Rng(config.seed);
  fillNormal(P, initRng, config.initMean, config.initStd);
  fillNormal(Q, initRng, config.initMean, config.initStd);
  const userCounts = countsOf(train.users, train.nUsers);
  const itemCounts = countsOf(train.items, train.nItems);
  const model = new SvdPredictor(k, config.biased, mu, bu, bi, P, Q, userCounts, itemCounts);

  // Visiting order buffers (copied per epoch when shuffling so the hot loop reads sequentially).
  let us = train.users;
  let is = train.items;
  let rs = train.values;
  if (wasm) {
    wasm.users.set(train.users);
    wasm.items.set(train.items);
    wasm.values.set(train.values);
    us = wasm.orderUsers;
    is = wasm.orderItems;
    rs = wasm.orderValues;
  } else if (config.shuffle) {
    us = new Int32Array(n);
    is = new Int32Array(n);
    rs = new Float64Array(n);
  }
  let perm: Int32Array | undefined;
  const shuffleRng = new Rng(deriveSeed(config.seed, "shuffle"));
  if (config.shuffle) {
    perm = new Int32Array(n);
    for (let t = 0; t < n; t++) perm[t] = t;
  }

  const history = emptyHistory();
  const divergence = { algorithm: "SGD", lrName: "lr", lr: config.lr };
  const record = options.history !== false;
  const lo = options.clip ? options.clip[0] : -Infinity;
  const hi = options.clip ? options.clip[1] : Infinity;
  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
    if (perm) {
      shuffleRng.shuffle(perm);
      for (let t = 0; t < n; t++) {
        const e = perm[t];
        us[t] = train.users[e];
        is[t] = train.items[e];
        rs[t] = train.values[e];
      }
    }
    if (wasm) wasm.epoch(mu, config.biased, rates);
    else sgdEpoch(us, is, rs, k, mu, config.biased, bu, bi, P, Q, lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi);
    if (!record) {
      if (!finiteSum(bu) || !finiteSum(bi) || !finiteSum(P) || !finiteSum(Q)) {
        finishIteration(history, {}, train, model, epoch, Number.NaN, start, divergence); // throws the divergence error
      }
      continue;
    }
    let ev: TrainEval;
    if (wasm) {
      const sums = wasm.evaluate(mu, config.biased, lo, hi);
      let reg = addRowPenalty(0, userCounts, P, bu, k, regBu, regPu);
      reg = addRowPenalty(reg, itemCounts, Q, bi, k, regBi, regQi);
      ev = { loss: sums.sse + reg, mse: sums.sseClipped / n, mae: sums.sae / n };
    } else {
      ev = svdEval(train, model, regBu, regBi, regPu, regQi, options.clip);
    }
    finishIteration(history, options, train, model, epoch, ev, start, divergence);
  }
  // The returned model owns plain arrays (not views of the kernel memory).
  const out = wasm ? new SvdPredictor(k, config.biased, mu, bu.slice(), bi.slice(), P.slice(), Q.slice(), userCounts, itemCounts) : model;
  return { model: out, iterations: config.maxIterations, converged: false, history };
}

/** Whether Σ a is finite (false as soon as one entry is NaN or ±Infinity, or the sum overflows). */
function finiteSum(a: Float64Array): boolean {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += a[t];
  return Number.isFinite(s);
}

/**
 * P, Q and the biases twice (in the kernel memory during the fit, then the returned model's own copy), and the
 * ratings in the kernel memory (16 bytes per rating, twice when shuffling: stored order and visiting order).
 */
function sgdMemory({ nUsers, nItems, nnz }: MatrixShape, c: SvdConfig): number {
  return 16 * (nUsers + nItems) * (c.d + 1) + 16 * nnz * (c.shuffle ? 2 : 1);
}

/** "svd": Surprise's SVD (biased MF by SGD). */
export const svdModel: ModelDefinition<SvdConfig> = defineModel({
  name: "svd",
  summary: "Biased MF μ + b_u + b_i + p_u·q_i fitted by SGD (Surprise's SVD: d = 100, 20 epochs, lr 0.005, λ 0.02)",
  params: SVD_PARAMS,
  fit: fitSvd,
  memoryBytes: sgdMemory,
});

/** "sgd-mf": plain p_u·q_i fitted by SGD (Surprise's SVD with biased=False, i.e. PMF-style). */
export const sgdMfModel: ModelDefinition<SvdConfig> = defineModel({
  name: "sgd-mf",
  summary: "Unbiased MF p_u·q_i fitted by SGD (Surprise's SVD with biased=False)",
  params: SGD_MF_PARAMS,
  fit: fitSvd,
  memoryBytes: sgdMemory,
});

/** Every field of the svd / sgd-mf config at its default. */
export const SVD_DEFAULTS: Readonly<SvdConfig> = svdModel.defaults;
export const SGD_MF_DEFAULTS: Readonly<SvdConfig> = sgdMfModel.defaults;
