/**
 * "nmf": non-negative matrix factorization of the OBSERVED ratings only, as Surprise's `NMF` (regularized
 * multiplicative updates of Luo et al. 2014, "An efficient non-negative matrix-factorization-based approach
 * to collaborative filtering for recommender systems").
 *
 * Prediction (known user u and known item i):
 *
 *   r̂_ui = q_i·p_u                          (biased = false, the default)
 *   r̂_ui = μ + b_u + b_i + q_i·p_u           (biased = true; μ = mean of the training ratings)
 *
 * Objective (Ω = training entries, |I_u| = number of ratings of u, |U_i| = number of ratings of i):
 *
 *   J = ½ Σ_Ω (r_ui − r̂_ui)² + ½ λ_pu Σ_u |I_u| ‖p_u‖² + ½ λ_qi Σ_i |U_i| ‖q_i‖²
 *       [+ ½ λ_bu Σ_u |I_u| b_u² + ½ λ_bi Σ_i |U_i| b_i²   when biased]
 *
 * i.e. λ is applied once per rating (Surprise's convention: the user-factor penalty is scaled by |I_u|).
 * J after each epoch is reported as `trainLoss`.
 *
 * One epoch (exactly Surprise's order of operations):
 *   1. For every training rating (u, i, r), users ascending, items ascending within a user:
 *        est = μ + b_u + b_i + q_i·p_u      (μ = b = 0 when unbiased)
 *        when biased: b_u += lrBu (r − est − λ_bu b_u);  b_i += lrBi (r − est − λ_bi b_i)   (SGD steps)
 *        num_u += r q_i;   den_u += est q_i;   num_i += r p_u;   den_i += est p_u
 *      (est is computed before the bias steps; all four accumulators use the factors of the previous epoch).
 *   2. For every known user u and factor f with p_uf ≠ 0:  p_uf ← p_uf · num_uf / (den_uf + |I_u| λ_pu p_uf)
 *   3. For every known item i and factor f with q_if ≠ 0:  q_if ← q_if · num_if / (den_if + |U_i| λ_qi q_if)
 *   (Step 3 uses the accumulators of step 1, not the freshly updated p.)
 * A factor whose new denominator is exactly 0 is left unchanged (Surprise would store NaN).
 *
 * With non-negative ratings and est ≥ 0 the updates keep every factor ≥ 0 (the unbiased default guarantees
 * est ≥ 0). With biased = true a negative μ + b_u + b_i + q_i·p_u could flip signs, exactly as in Surprise.
 *
 * Initialization: p_uf, q_if ~ U[initLow, initHigh) drawn from `new Rng(seed)`: all p (user-major, factor
 * within user) then all q; biases start at 0. (Surprise draws from numpy, so individual runs differ from
 * Surprise's but follow the same distribution.)
 *
 * Config ({@link NMF_PARAMS}): `d` 15, `maxIterations` (epochs) 50, biased false, `lambda` = λ_pu = λ_qi 0.06
 * (per-side overrides `lambdaPu`, `lambdaQi`), `lambdaBu` = `lambdaBi` 0.02 (Surprise's defaults; reg_pu, … aliases),
 * lrBu = lrBi = 0.005, initLow 0, initHigh 1, seed 0.
 *
 * Fallback: when u or i has no training ratings the unbiased model predicts μ (Surprise's default prediction
 * after `PredictionImpossible`); the biased model predicts μ + b_u (if u known) + b_i (if i known), as
 * Surprise's estimate. Either way `isFallback` is true.
 *
 * Complexity: O(maxIterations · nnz · d) time, O((nUsers + nItems) · d) memory; no per-rating
 * allocation. The accumulation pass of each epoch runs in the WebAssembly kernel ../../linalg/wasm/nmf.wat where
 * available (bitwise the scalar loop here, {@link fitNmfWith} with `simd: false`). Each epoch's objective and
 * train error come from one pass over the ratings (bitwise the separate objective and scorePredictor);
 * `FitOptions.history: false` skips it (same model, no curves). Throws SpecError from `config` on bad parameters; `fit` throws InputError when the training
 * matrix is empty or has a negative rating while biased = false (multiplicative updates need r ≥ 0).
 */
import type { RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import { scorePredictor } from "../../metrics/accuracy";
import { Rng } from "../../core/random";
import { createSimdNmf } from "../../linalg/simd-nmf";
import * as s from "../../core/schema";
import { lambda, lambdaOverride, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
import {
  emptyHistory,
  recordIteration,
  type FitOptions,
  type FitResult,
  type IterationReport,
  type ModelDefinition,
  type Predictor,
  defineModel,
  parseConfig,
} from "../types";

/** The config of `nmf`, declared once (shared names: ../vocabulary.ts; Surprise's NMF defaults). */
export const NMF_PARAMS = modelParams(
  {
    d: rank({ default: 15 }),
    maxIterations: maxIterations({ default: 50, doc: "epochs: passes of multiplicative updates" }),
    biased: s.boolean({ default: false, doc: "learn μ + b_u + b_i as well (by SGD steps inside each epoch)" }),
    lambda: lambda({ default: 0.06, doc: "λ of the user and item factors, per rating (module doc: scaled by |I_u|, |U_i|)" }),
    lambdaPu: lambdaOverride("the user factors"),
    lambdaQi: lambdaOverride("the item factors"),
    lambdaBu: s.number({ min: 0, default: 0.02, doc: "λ of the user biases (biased only; not set by lambda)" }),
    lambdaBi: s.number({ min: 0, default: 0.02, doc: "λ of the item biases (biased only; not set by lambda)" }),
    lrBu: s.number({ min: 0, default: 0.005, doc: "SGD step of the user biases (biased only)" }),
    lrBi: s.number({ min: 0, default: 0.005, doc: "SGD step of the item biases (biased only)" }),
    initLow: s.number({ min: 0, default: 0, doc: "lower bound of the uniform initialization" }),
    initHigh: s.number({
      min: 0,
      default: 1,
      doc: "upper bound of the uniform initialization (> 0 and ≥ initLow)",
    }),
    seed: seed("seed of the initialization"),
  },
  "nmf",
  {
    refine: (c: { initLow: number; initHigh: number }) =>
      c.initHigh < c.initLow
        ? { key: "initHigh", reason: `must be ≥ initLow (${c.initLow}), got ${c.initHigh}` }
        : c.initHigh === 0
          ? { key: "initHigh", reason: "must be > 0 (all-zero factors never change under multiplicative updates)" }
          : undefined,
  },
);

export type NmfConfig = s.Infer<typeof NMF_PARAMS>;

/** The regularization of each term with the overrides resolved. */
function nmfRegs(c: NmfConfig) {
  return { regPu: c.lambdaPu ?? c.lambda, regQi: c.lambdaQi ?? c.lambda, regBu: c.lambdaBu, regBi: c.lambdaBi };
}

/** A fitted observed-entries NMF. Factors are row-major: p_u = pu[u·k .. u·k + k). */
export class NmfPredictor implements Predictor {
  constructor(
    /** Rank: the number of latent factors. */
    readonly d: number,
    /** User factors, nUsers × k row-major. */
    readonly pu: Float64Array,
    /** Item factors, nItems × k row-major. */
    readonly qi: Float64Array,
    /** User biases (all 0 when unbiased). */
    readonly bu: Float64Array,
    /** Item biases (all 0 when unbiased). */
    readonly bi: Float64Array,
    /** Mean of the training ratings (the fallback; part of every prediction when biased). */
    readonly globalMean: number,
    readonly biased: boolean,
    /** 1 when the user has training ratings. */
    readonly knownUser: Uint8Array,
    /** 1 when the item has training ratings. */
    readonly knownItem: Uint8Array,
  ) {}

  predict(u: number, i: number): number {
    const ku = this.knownUser[u] === 1;
    const ki = this.knownItem[i] === 1;
    if (!this.biased && !(ku && ki)) return this.globalMean;
    let est = this.biased ? this.globalMean + (ku ? this.bu[u] : 0) + (ki ? this.bi[i] : 0) : 0;
    if (ku && ki) {
      const k = this.d;
      const a = u * k;
      const b = i * k;
      for (let f = 0; f < k; f++) est += this.pu[a + f] * this.qi[b + f];
    }
    return est;
  }

  isFallback(u: number, i: number): boolean {
    return this.knownUser[u] !== 1 || this.knownItem[i] !== 1;
  }
}

/**
 * Fit Surprise-style NMF on the observed ratings (see the module comment for the exact updates).
 * @throws InputError on an empty training matrix, or a negative rating when unbiased
 */
export function fitNmf(train: RatingsMatrix, config: NmfConfig, options: FitOptions = {}): FitResult<NmfPredictor> {
  return fitNmfWith(train, config, options, true);
}

/**
 * {@link fitNmf} with the accumulation pass in the WebAssembly kernel (`simd` true, when available: ../../linalg/
 * simd-nmf.ts) or in the scalar loop here (`simd` false); bitwise the same fit.
 * @internal exported for the agreement tests and the bench
 */
export function fitNmfWith(train: RatingsMatrix, config: NmfConfig, options: FitOptions, simd: boolean): FitResult<NmfPredictor> {
  const started = performance.now();
  const { nUsers, nItems } = train;
  const k = config.d;
  if (train.nnz === 0) throw new InputError("nmf: the training matrix has no ratings");
  const byUser = train.byUser();
  const { indptr, indices, values } = byUser;
  if (!config.biased) {
    for (let e = 0; e < values.length; e++) {
      if (values[e] < 0) {
        throw new InputError(`nmf: rating ${values[e]} (entry ${e}) is negative; unbiased NMF needs ratings ≥ 0`);
      }
    }
  }
  const nu = new Int32Array(nUsers);
  const ni = new Int32Array(nItems);
  for (let u = 0; u < nUsers; u++) nu[u] = indptr[u + 1] - indptr[u];
  for (let e = 0; e < indices.length; e++) ni[indices[e]]++;
  const knownUser = new Uint8Array(nUsers);
  const knownItem = new Uint8Array(nItems);
  for (let u = 0; u < nUsers; u++) knownUser[u] = nu[u] > 0 ? 1 : 0;
  for (let i = 0; i < nItems; i++) knownItem[i] = ni[i] > 0 ? 1 : 0;

  const rng = new Rng(config.seed);
  const span = config.initHigh - config.initLow;
  const wasm = simd ? createSimdNmf({ nUsers, nItems, k, nnz: values.length }) : null;
  if (wasm) {
    wasm.indptr.set(indptr);
    wasm.indices.set(indices);
    wasm.values.set(values);
  }
  const pu = wasm ? wasm.pu : new Float64Array(nUsers * k);
  const qi = wasm ? wasm.qi : new Float64Array(nItems * k);
  for (let x = 0; x < pu.length; x++) pu[x] = config.initLow + span * rng.next();
  for (let x = 0; x < qi.length; x++) qi[x] = config.initLow + span * rng.next();
  const bu = wasm ? wasm.bu : new Float64Array(nUsers);
  const bi = wasm ? wasm.bi : new Float64Array(nItems);
  const biased = config.biased;
  const mu = train.mean();
  const gm = biased ? mu : 0;
  const { regPu, regQi, regBu, regBi } = nmfRegs(config);
  const { lrBu, lrBi } = config;

  const userNum = wasm ? wasm.userNum : new Float64Array(nUsers * k);
  const userDen = wasm ? wasm.userDen : new Float64Array(nUsers * k);
  const itemNum = wasm ? wasm.itemNum : new Float64Array(nItems * k);
  const itemDen = wasm ? wasm.itemDen : new Float64Array(nItems * k);

  const model = new NmfPredictor(k, pu, qi, bu, bi, mu, biased, knownUser, knownItem);
  const history = emptyHistory();

  for (let epoch = 1; epoch <= config.maxIterations; epoch++) {
    userNum.fill(0);
    userDen.fill(0);
    itemNum.fill(0);
    itemDen.fill(0);
    if (wasm) wasm.accumulate(gm, biased, lrBu, lrBi, regBu, regBi);
    else nmfAccumulate(nUsers, indptr, indices, values, k, gm, biased, bu, bi, pu, qi, userNum, userDen, itemNum, itemDen, lrBu, lrBi, regBu, regBi);
    multiplicativeStep(pu, userNum, userDen, nu, regPu, k);
    multiplicativeStep(qi, itemNum, itemDen, ni, regQi, k);

    if (options.history === false) continue;
    // The objective and the train error in one pass (bitwise the numbers of nmfObjective + scorePredictor).
    const fused = nmfTrainPass(model, train, nu, ni, config, options.clip);
    const report: IterationReport = {
      iteration: epoch,
      trainLoss: fused.loss,
      train: fused.train,
      test: options.test ? scorePredictor(model, options.test, { clip: options.clip }) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
    recordIteration(history, report);
    options.onIteration?.(report);
  }
  // The returned model owns plain arrays (not views of the kernel memory).
  const out = wasm ? new NmfPredictor(k, pu.slice(), qi.slice(), bu.slice(), bi.slice(), mu, biased, knownUser, knownItem) : model;
  return { model: out, iterations: config.maxIterations, converged: true, history };
}

/**
 * The accumulation pass of one epoch (module doc), the scalar twin of ../../linalg/wasm/nmf.wat (same operations
 * in the same order: edit both together). Accumulators must be zero on entry.
 */
function nmfAccumulate(
  nUsers: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  k: number,
  gm: number,
  biased: boolean,
  bu: Float64Array,
  bi: Float64Array,
  pu: Float64Array,
  qi: Float64Array,
  userNum: Float64Array,
  userDen: Float64Array,
  itemNum: Float64Array,
  itemDen: Float64Array,
  lrBu: number,
  lrBi: number,
  regBu: number,
  regBi: number,
): void {
  for (let u = 0; u < nUsers; u++) {
    const a = u * k;
    for (let e = indptr[u], end = indptr[u + 1]; e < end; e++) {
      const i = indices[e];
      const r = values[e];
      const b = i * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += qi[b + f] * pu[a + f];
      const est = gm + bu[u] + bi[i] + dot;
      if (biased) {
        const err = r - est;
        bu[u] += lrBu * (err - regBu * bu[u]);
        bi[i] += lrBi * (err - regBi * bi[i]);
      }
      for (let f = 0; f < k; f++) {
        const q = qi[b + f];
        const p = pu[a + f];
        userNum[a + f] += q * r;
        userDen[a + f] += q * est;
        itemNum[b + f] += p * r;
        itemDen[b + f] += p * est;
      }
    }
  }
}

/** x_f ← x_f · num_f / (den_f + count · λ · x_f) for rows with count > 0 and x_f ≠ 0. */
function multiplicativeStep(x: Float64Array, num: Float64Array, den: Float64Array, count: Int32Array, lambda: number, k: number): void {
  for (let row = 0; row < count.length; row++) {
    const n = count[row];
    if (n === 0) continue;
    const a = row * k;
    for (let f = 0; f < k; f++) {
      const v = x[a + f];
      if (v === 0) continue;
      const d = den[a + f] + n * lambda * v;
      if (d !== 0) x[a + f] = (v * num[a + f]) / d;
    }
  }
}

/**
 * J of the module comment and the train error (as scorePredictor: predictions clipped to `clip`) in one pass over
 * the training ratings. Every training user and item is known, so `predict` is μ + b_u + b_i (biased) or 0, plus
 * Σ_f p_uf q_if in f order — the same double as J's estimate — and each sum runs in rating order as in
 * {@link nmfObjective} and scorePredictor: the results are bitwise theirs (tested).
 */
function nmfTrainPass(m: NmfPredictor, train: RatingsMatrix, nu: Int32Array, ni: Int32Array, config: NmfConfig, clip?: readonly [number, number]) {
  const { users, items, values } = train;
  const k = m.d;
  const gm = m.biased ? m.globalMean : 0;
  const lo = clip ? clip[0] : -Infinity;
  const hi = clip ? clip[1] : Infinity;
  let se = 0;
  let seClipped = 0;
  let ae = 0;
  const { pu, qi, bu, bi } = m;
  for (let e = 0; e < values.length; e++) {
    const u = users[e];
    const i = items[e];
    let est = gm + bu[u] + bi[i];
    const a = u * k;
    const b = i * k;
    for (let f = 0; f < k; f++) est += pu[a + f] * qi[b + f];
    const err = values[e] - est;
    se += err * err;
    let p = est;
    if (p < lo) p = lo;
    else if (p > hi) p = hi;
    const ec = values[e] - p;
    seClipped += ec * ec;
    ae += Math.abs(ec);
  }
  const n = values.length;
  const mse = seClipped / n;
  return {
    loss: 0.5 * (se + nmfPenalty(m, nu, ni, config)),
    train: { mse, rmse: Math.sqrt(mse), mae: ae / n, n, fallbackCount: 0 },
  };
}

/** J of the module comment for the current parameters. O(nnz · k). @internal exported for the fused-pass test */
export function nmfObjectiveOf(m: NmfPredictor, train: RatingsMatrix, config: NmfConfig): number {
  return nmfObjective(m, train, countsOf(train.users, train.nUsers), countsOf(train.items, train.nItems), config);
}

function countsOf(index: Int32Array, n: number): Int32Array {
  const c = new Int32Array(n);
  for (let t = 0; t < index.length; t++) c[index[t]]++;
  return c;
}

/** J of the module comment for the current parameters. O(nnz · k). */
function nmfObjective(m: NmfPredictor, train: RatingsMatrix, nu: Int32Array, ni: Int32Array, config: NmfConfig): number {
  const { users, items, values } = train;
  const k = m.d;
  const gm = m.biased ? m.globalMean : 0;
  let se = 0;
  for (let e = 0; e < values.length; e++) {
    const u = users[e];
    const i = items[e];
    let est = gm + m.bu[u] + m.bi[i];
    const a = u * k;
    const b = i * k;
    for (let f = 0; f < k; f++) est += m.pu[a + f] * m.qi[b + f];
    const err = values[e] - est;
    se += err * err;
  }
  return 0.5 * (se + nmfPenalty(m, nu, ni, config));
}

/** The regularization part of J (before the ½). */
function nmfPenalty(m: NmfPredictor, nu: Int32Array, ni: Int32Array, config: NmfConfig): number {
  const c = nmfRegs(config);
  const k = m.d;
  let reg = 0;
  for (let u = 0; u < nu.length; u++) {
    if (nu[u] === 0) continue;
    let s = 0;
    for (let f = 0, a = u * k; f < k; f++) s += m.pu[a + f] * m.pu[a + f];
    reg += nu[u] * (c.regPu * s + (m.biased ? c.regBu * m.bu[u] * m.bu[u] : 0));
  }
  for (let i = 0; i < ni.length; i++) {
    if (ni[i] === 0) continue;
    let s = 0;
    for (let f = 0, b = i * k; f < k; f++) s += m.qi[b + f] * m.qi[b + f];
    reg += ni[i] * (c.regQi * s + (m.biased ? c.regBi * m.bi[i] * m.bi[i] : 0));
  }
  return reg;
}

/** Merge and validate an "nmf" config (also checks initLow ≤ initHigh and initHigh > 0). */
export function nmfConfig(partial: Record<string, unknown>): NmfConfig {
  return parseConfig("nmf", NMF_PARAMS, partial);
}

export const nmfModel: ModelDefinition<NmfConfig> = defineModel({
  name: "nmf",
  summary: "NMF on observed ratings (Surprise's regularized multiplicative updates, Luo et al. 2014)",
  params: NMF_PARAMS,
  config: nmfConfig,
  fit: fitNmf,
  // P, Q, their numerator and denominator accumulators, the biases and the ratings' CSR in the kernel memory, and
  // the returned model's own copy of P, Q and the biases.
  memoryBytes: ({ nUsers, nItems, nnz }, c) => 8 * (nUsers + nItems) * (4 * c.d + 2) + 12 * nnz,
});

/** Every field of the nmf config at its default. */
export const NMF_DEFAULTS: Readonly<NmfConfig> = nmfModel.defaults;
