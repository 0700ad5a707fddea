/**
 * "nmf-zero-filled": scikit-learn-style NMF of the FULL user × item matrix X (nUsers × nItems) in which every
 * missing rating counts as a 0 — what `sklearn.decomposition.NMF(n_components=k, init='random',
 * random_state=0).fit_transform(pivot.fillna(0))` does. X ≈ W H with W (nUsers × k) ≥ 0 and H (k × nItems) ≥ 0;
 * the prediction is r̂_ui = w_u · h_i, unclipped. Because ~94% of X is zeros, predictions sit far below the
 * rating scale: this model exists to show why missing ratings must not be treated as zeros.
 *
 * Objective (sklearn ≥ 1.2, Frobenius `beta_loss`; n_samples = nUsers, n_features = nItems):
 *
 *   L(W, H) = ½ ‖X − WH‖²_F
 *           + αW · l1Ratio · nItems · ‖W‖₁ + ½ αW · (1 − l1Ratio) · nItems · ‖W‖²_F
 *           + αH · l1Ratio · nUsers · ‖H‖₁ + ½ αH · (1 − l1Ratio) · nUsers · ‖H‖²_F
 *
 * with αW = `lambda` and αH = `lambdaH`, which is αW when "same" (the default). L is reported as `trainLoss` after every iteration.
 *
 * Solvers (one iteration = update all of W, then all of H):
 *  - "cd" (sklearn's default): cyclic coordinate descent (Hsieh & Dhillon 2011). For W, with
 *    G = HHᵀ + l2·I and B = XHᵀ − l1: for t = 0..k−1 (in order; a seeded random order per sweep when
 *    `shuffle`), for each row u: g = (W G)_ut − B_ut, W_ut ← max(0, W_ut − g / G_tt) (skipped when G_tt = 0).
 *    The sweep's violation is Σ |projected gradient| (g, or min(0, g) where W_ut = 0), taken before each step.
 *    H is updated the same way through Hᵀ with G = WᵀW + l2H·I, B = XᵀW − l1H. Stops when
 *    violation / violation₁ ≤ tol (violation₁ from iteration 1; also stops when violation₁ = 0).
 *  - "mu": multiplicative updates (Lee & Seung) with the same regularization:
 *    W ← W ⊙ XHᵀ / (W HHᵀ + l1W + l2W·W), then H ← H ⊙ WᵀX / (WᵀW H + l1H + l2H·H); a denominator entry
 *    equal to 0 is replaced by float32 eps (1.19e−7) as in sklearn. Every 10 iterations (when tol > 0) the
 *    error e = ‖X − WH‖_F (no regularization) is computed and the fit stops when (e_prev − e) / e₀ < tol,
 *    e₀ being the error of the initialization.
 *
 * Initializations (sklearn's `_initialize_nmf`):
 *  - "random": W, H = |N(0, 1)| · √(mean(X) / k), mean over ALL nUsers·nItems cells; H is drawn first (component
 *    by component), then W (row by row), from `new Rng(seed)`. sklearn draws from numpy's RandomState, whose
 *    stream we cannot reproduce, so results match sklearn's in distribution, not bit for bit.
 *  - "nndsvd" (Boutsidis & Gallopoulos 2008): from the leading k singular triplets of X, component 0 takes
 *    √σ₀·|u₀|, √σ₀·|v₀|; component j takes the positive or negative parts of (u_j, v_j), whichever has the larger
 *    product of norms, scaled by √(σ_j · that product); then entries < 1e−6 are set to 0.
 *  - "nndsvda": nndsvd with zeros replaced by mean(X); "nndsvdar": zeros replaced by |N(0,1)| · mean(X) / 100
 *    (drawn from `new Rng(deriveSeed(seed, "nndsvdar"))`, W first then H).
 *  The truncated SVD is a randomized subspace iteration on the sparse X (as sklearn's `randomized_svd`:
 *  k + 10 columns, 7 power iterations when k < 0.1·min(nUsers, nItems) else 4, re-orthonormalized by Gram–
 *  Schmidt each half-step) followed by an exact SVD of the small projected matrix (ml-matrix). A dense SVD of
 *  the 943 × 1682 MovieLens matrix with ml-matrix takes ~19 s; this takes well under a second.
 *
 * Sparsity: X is only touched through its CSR rows (XHᵀ, XᵀW and the cross term Σ_X x·(WH)_ui of the loss);
 * WᵀW and HHᵀ are k × k, and ‖WH‖²_F = ⟨WᵀW, HHᵀ⟩. One cd or mu iteration costs O(nnz·k + (nUsers+nItems)·k²).
 *
 * Defaults: d 15, init "random", solver "cd", tol 1e-4, maxIterations 200, lambda 0, lambdaH "same",
 * l1Ratio 0, shuffle false, seed 0 (sklearn's random_state=0 of the notebook), fallback "zero".
 *
 * Fallback: a user or item without training ratings is an all-zero row/column of X, whose fitted factors
 * converge to 0, so the model's own answer is 0 ("zero", the default); "mean" predicts the mean training
 * rating instead. Either way `isFallback` is true. Per-iteration train/test metrics are over the OBSERVED
 * ratings only (the zeros are not ratings).
 *
 * Throws: SpecError from `config` for bad parameters; `fit` throws InputError for a negative rating or an
 * empty training matrix, and for an nndsvd-family init with k > min(nUsers, nItems) (as sklearn).
 */
import { Matrix, SVD } from "ml-matrix";
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import { denseGram } from "../../linalg/gram";
import { scorePredictor } from "../../metrics/accuracy";
import { deriveSeed, Rng } from "../../core/random";
import * as s from "../../core/schema";
import { lambda, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
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

/** The config of `nmf-zero-filled`, declared once (shared names: ../vocabulary.ts; scikit-learn's NMF defaults). */
export const NMF_ZERO_FILLED_PARAMS = modelParams(
  {
    d: rank({ default: 15, doc: "rank: number of components k (sklearn's n_components)" }),
    init: s.oneOf(["random", "nndsvd", "nndsvda", "nndsvdar"], { default: "random", doc: "initialization" }),
    solver: s.oneOf(["cd", "mu"], { default: "cd", doc: "coordinate descent or multiplicative updates" }),
    tol: s.number({ min: 0, default: 1e-4, doc: "stopping tolerance (see the solvers)" }),
    maxIterations: maxIterations({ default: 200, doc: "iteration cap (sklearn's max_iter)" }),
    lambda: lambda({ default: 0, doc: "regularization of W (sklearn's alpha_W, scaled by n_features; module doc)" }),
    lambdaH: s.either([s.number({ min: 0 }), s.oneOf(["same"])], {
      default: "same",
      doc: 'regularization of H, or "same" for lambda (sklearn\'s alpha_H, scaled by n_samples)',
    }),
    l1Ratio: s.number({ min: 0, max: 1, default: 0, doc: "L1 share of the regularization" }),
    shuffle: s.boolean({ default: false, doc: "cd only: visit the k coordinates in a seeded random order in every sweep" }),
    seed: seed("seed of the random init, the nndsvd SVD sketch and the shuffle"),
    fallback: s.oneOf(["zero", "mean"], {
      default: "zero",
      doc: "prediction for users/items without training ratings: 0 (the model's own value) or the mean rating",
    }),
  },
  "nmf-zero-filled",
);

export type NmfZeroFilledConfig = s.Infer<typeof NMF_ZERO_FILLED_PARAMS>;
export type NmfInit = NmfZeroFilledConfig["init"];
export type NmfSolver = NmfZeroFilledConfig["solver"];

/** Machine epsilon of float32, sklearn's guard for zero denominators in "mu". */
const EPSILON = 1.1920928955078125e-7;

/** A fitted zero-filled NMF: r̂_ui = w_u · h_i. W is nUsers × k and Hᵀ is nItems × k, both row-major. */
export class NmfZeroFilledPredictor implements Predictor {
  constructor(
    /** Rank: the number of components k. */
    readonly d: number,
    /** nUsers × k, row-major. */
    readonly w: Float64Array,
    /** Hᵀ: nItems × k, row-major (h_i = ht[i·k .. i·k + k)). */
    readonly ht: Float64Array,
    readonly knownUser: Uint8Array,
    readonly knownItem: Uint8Array,
    /** Prediction for unknown users/items. */
    readonly fallbackValue: number,
  ) {}

  predict(u: number, i: number): number {
    if (this.knownUser[u] !== 1 || this.knownItem[i] !== 1) return this.fallbackValue;
    const k = this.d;
    const a = u * k;
    const b = i * k;
    let s = 0;
    for (let t = 0; t < k; t++) s += this.w[a + t] * this.ht[b + t];
    return s;
  }

  isFallback(u: number, i: number): boolean {
    return this.knownUser[u] !== 1 || this.knownItem[i] !== 1;
  }
}

/** Regularization constants of the objective (sklearn's `_compute_regularization`). */
export interface NmfRegularization {
  l1W: number;
  l2W: number;
  l1H: number;
  l2H: number;
}

export function nmfRegularization(c: NmfZeroFilledConfig, nUsers: number, nItems: number): NmfRegularization {
  const alphaH = c.lambdaH === "same" ? c.lambda : c.lambdaH;
  return {
    l1W: nItems * c.lambda * c.l1Ratio,
    l2W: nItems * c.lambda * (1 - c.l1Ratio),
    l1H: nUsers * alphaH * c.l1Ratio,
    l2H: nUsers * alphaH * (1 - c.l1Ratio),
  };
}

/**
 * Fit the zero-filled NMF (see the module comment).
 * @throws InputError for an empty matrix, a negative rating, or an nndsvd init with k > min(nUsers, nItems)
 */
export function fitNmfZeroFilled(train: RatingsMatrix, config: NmfZeroFilledConfig, options: FitOptions = {}): FitResult<NmfZeroFilledPredictor> {
  const started = performance.now();
  checkRatings(train);
  const start = initializeNmf(train.byUser(), train.byItem(), config.d, config.init, config.seed);
  return solve(train, config, start, options, started);
}

/**
 * Run the solver from given initial factors (sklearn's init="custom"); `config.init` is then ignored.
 * The factors are updated in place and become the model's.
 * @throws InputError when the factor sizes do not match, a factor is negative, or a rating is negative
 */
export function fitNmfZeroFilledFrom(
  train: RatingsMatrix,
  config: NmfZeroFilledConfig,
  start: NmfFactors,
  options: FitOptions = {},
): FitResult<NmfZeroFilledPredictor> {
  return solve(train, config, start, options, performance.now());
}

function checkRatings(train: RatingsMatrix): void {
  if (train.nnz === 0) throw new InputError("nmf-zero-filled: the training matrix has no ratings");
  const v = train.values;
  for (let e = 0; e < v.length; e++) {
    if (v[e] < 0) throw new InputError(`nmf-zero-filled: rating ${v[e]} (entry ${e}) is negative; NMF needs X ≥ 0`);
  }
}

function solve(
  train: RatingsMatrix,
  config: NmfZeroFilledConfig,
  start: NmfFactors,
  options: FitOptions,
  started: number,
): FitResult<NmfZeroFilledPredictor> {
  checkRatings(train);
  const { nUsers: n, nItems: m } = train;
  const k = config.d;
  const { w, ht } = start;
  if (w.length !== n * k || ht.length !== m * k) {
    throw new InputError(`nmf-zero-filled: initial factors must be ${n}×${k} and ${m}×${k}, got ${w.length} and ${ht.length} entries`);
  }
  if (w.some((v) => !(v >= 0)) || ht.some((v) => !(v >= 0))) {
    throw new InputError("nmf-zero-filled: initial factors must be non-negative");
  }
  const x = train.byUser();
  const xt = train.byItem();
  const knownUser = new Uint8Array(n);
  const knownItem = new Uint8Array(m);
  for (let u = 0; u < n; u++) knownUser[u] = x.indptr[u + 1] > x.indptr[u] ? 1 : 0;
  for (let i = 0; i < m; i++) knownItem[i] = xt.indptr[i + 1] > xt.indptr[i] ? 1 : 0;
  const reg = nmfRegularization(config, n, m);
  const model = new NmfZeroFilledPredictor(k, w, ht, knownUser, knownItem, config.fallback === "mean" ? train.mean() : 0);
  const history = emptyHistory();
  const normX2 = squaredNorm(x);

  // Scratch buffers reused across iterations.
  const xht = new Float64Array(n * k);
  const xtw = new Float64Array(m * k);
  const hht = new Float64Array(k * k);
  const wtw = new Float64Array(k * k);
  const scratch = new Float64Array(k);
  const perm = new Int32Array(k);
  for (let t = 0; t < k; t++) perm[t] = t;
  const shuffleRng = new Rng(deriveSeed(config.seed, "nmf-cd-shuffle"));

  const report = (iteration: number): void => {
    const r: IterationReport = {
      iteration,
      trainLoss: nmfLoss(x, w, ht, k, normX2, reg),
      train: scorePredictor(model, train, { clip: options.clip }),
      test: options.test ? scorePredictor(model, options.test, { clip: options.clip }) : undefined,
      seconds: (performance.now() - started) / 1000,
    };
    recordIteration(history, r);
    options.onIteration?.(r);
  };

  let iterations = 0;
  let converged = false;
  if (config.solver === "cd") {
    let violationInit = 0;
    for (let it = 1; it <= config.maxIterations; it++) {
      let violation = 0;
      denseGram(ht, m, k, hht);
      spmm(x, ht, k, xht);
      addRegularization(hht, xht, k, reg.l1W, reg.l2W);
      if (config.shuffle) shuffleRng.shuffle(perm);
      violation += cdSweep(w, n, k, hht, xht, perm);
      denseGram(w, n, k, wtw);
      spmm(xt, w, k, xtw);
      addRegularization(wtw, xtw, k, reg.l1H, reg.l2H);
      if (config.shuffle) shuffleRng.shuffle(perm);
      violation += cdSweep(ht, m, k, wtw, xtw, perm);
      iterations = it;
      if (it === 1) violationInit = violation;
      report(it);
      if (violationInit === 0 || violation / violationInit <= config.tol) {
        converged = true;
        break;
      }
    }
  } else {
    const errorInit = Math.sqrt(2 * halfResidual(x, w, ht, k, normX2));
    let previous = errorInit;
    for (let it = 1; it <= config.maxIterations; it++) {
      denseGram(ht, m, k, hht);
      spmm(x, ht, k, xht);
      muStep(w, n, k, hht, xht, reg.l1W, reg.l2W, scratch);
      denseGram(w, n, k, wtw);
      spmm(xt, w, k, xtw);
      muStep(ht, m, k, wtw, xtw, reg.l1H, reg.l2H, scratch);
      iterations = it;
      report(it);
      if (config.tol > 0 && it % 10 === 0) {
        const error = Math.sqrt(2 * halfResidual(x, w, ht, k, normX2));
        if ((previous - error) / errorInit < config.tol) {
          converged = true;
          break;
        }
        previous = error;
      }
    }
  }
  return { model, iterations, converged, history };
}

/** out (nRows × k) = X B for sparse X (CSR) and B (nCols × k row-major). */
function spmm(x: Csr, b: Float64Array, k: number, out: Float64Array): void {
  out.fill(0);
  const { indptr, indices, values } = x;
  for (let r = 0; r < x.nRows; r++) {
    const o = r * k;
    for (let e = indptr[r], end = indptr[r + 1]; e < end; e++) {
      const v = values[e];
      const c = indices[e] * k;
      for (let t = 0; t < k; t++) out[o + t] += v * b[c + t];
    }
  }
}

/** G += l2·I and B −= l1 (L2 enlarges the Hessian diagonal, L1 shifts the linear term). */
function addRegularization(g: Float64Array, b: Float64Array, k: number, l1: number, l2: number): void {
  if (l2 !== 0) for (let t = 0; t < k; t++) g[t * k + t] += l2;
  if (l1 !== 0) for (let e = 0; e < b.length; e++) b[e] -= l1;
}

/** One cd sweep over all entries of A (rows × k); returns Σ |projected gradient|. */
function cdSweep(a: Float64Array, rows: number, k: number, g: Float64Array, b: Float64Array, perm: Int32Array): number {
  let violation = 0;
  for (let s = 0; s < k; s++) {
    const t = perm[s];
    const gt = t * k;
    const hess = g[gt + t];
    for (let r = 0; r < rows; r++) {
      const base = r * k;
      let grad = -b[base + t];
      for (let q = 0; q < k; q++) grad += g[gt + q] * a[base + q];
      const v = a[base + t];
      violation += Math.abs(v === 0 ? Math.min(0, grad) : grad);
      if (hess !== 0) {
        const next = v - grad / hess;
        a[base + t] = next > 0 ? next : 0;
      }
    }
  }
  return violation;
}

/** A ← A ⊙ B / (A G + l1 + l2·A), row by row (each row's denominators use the old row). */
function muStep(a: Float64Array, rows: number, k: number, g: Float64Array, b: Float64Array, l1: number, l2: number, den: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * k;
    for (let t = 0; t < k; t++) {
      let d = 0;
      for (let q = 0, gt = t * k; q < k; q++) d += a[base + q] * g[gt + q]; // G is symmetric
      if (l1 > 0) d += l1;
      if (l2 > 0) d += l2 * a[base + t];
      den[t] = d === 0 ? EPSILON : d;
    }
    for (let t = 0; t < k; t++) a[base + t] *= b[base + t] / den[t];
  }
}

/** ‖X‖²_F of the sparse X (duplicate (u, i) entries are summed first, as scipy does). */
function squaredNorm(x: Csr): number {
  let s = 0;
  for (let r = 0; r < x.nRows; r++) {
    let e = x.indptr[r];
    const end = x.indptr[r + 1];
    while (e < end) {
      let v = x.values[e];
      const c = x.indices[e++];
      while (e < end && x.indices[e] === c) v += x.values[e++];
      s += v * v;
    }
  }
  return s;
}

/** ½ ‖X − WH‖²_F = ½ (‖X‖² − 2 Σ_X x (WH)_ui + ⟨WᵀW, HHᵀ⟩), without forming WH. */
function halfResidual(x: Csr, w: Float64Array, ht: Float64Array, k: number, normX2: number): number {
  let cross = 0;
  for (let u = 0; u < x.nRows; u++) {
    const a = u * k;
    for (let e = x.indptr[u], end = x.indptr[u + 1]; e < end; e++) {
      const b = x.indices[e] * k;
      let dot = 0;
      for (let t = 0; t < k; t++) dot += w[a + t] * ht[b + t];
      cross += x.values[e] * dot;
    }
  }
  const wtw = new Float64Array(k * k);
  const hht = new Float64Array(k * k);
  denseGram(w, x.nRows, k, wtw);
  denseGram(ht, x.nCols, k, hht);
  let normWH = 0;
  for (let e = 0; e < k * k; e++) normWH += wtw[e] * hht[e];
  return Math.max(0, 0.5 * (normX2 - 2 * cross + normWH));
}

/** The full objective L(W, H) of the module comment. */
function nmfLoss(x: Csr, w: Float64Array, ht: Float64Array, k: number, normX2: number, reg: NmfRegularization): number {
  let loss = halfResidual(x, w, ht, k, normX2);
  if (reg.l1W !== 0 || reg.l2W !== 0) loss += reg.l1W * sumAbs(w) + 0.5 * reg.l2W * sumSquares(w);
  if (reg.l1H !== 0 || reg.l2H !== 0) loss += reg.l1H * sumAbs(ht) + 0.5 * reg.l2H * sumSquares(ht);
  return loss;
}

function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let e = 0; e < a.length; e++) s += Math.abs(a[e]);
  return s;
}

function sumSquares(a: Float64Array): number {
  let s = 0;
  for (let e = 0; e < a.length; e++) s += a[e] * a[e];
  return s;
}

/** Initial W (nUsers × k row-major) and Hᵀ (nItems × k row-major). */
export interface NmfFactors {
  w: Float64Array;
  ht: Float64Array;
}

/**
 * sklearn's `_initialize_nmf` for a sparse non-negative X (see the module comment).
 * @throws InputError for an nndsvd-family init with k > min(nRows, nCols)
 */
export function initializeNmf(x: Csr, xt: Csr, k: number, init: NmfInit, seed: number): NmfFactors {
  const n = x.nRows;
  const m = x.nCols;
  let total = 0;
  for (let e = 0; e < x.values.length; e++) total += x.values[e];
  const mean = total / (n * m);
  const w = new Float64Array(n * k);
  const ht = new Float64Array(m * k);
  if (init === "random") {
    const rng = new Rng(seed);
    const avg = Math.sqrt(mean / k);
    for (let t = 0; t < k; t++) for (let i = 0; i < m; i++) ht[i * k + t] = Math.abs(avg * rng.gaussian());
    for (let e = 0; e < n * k; e++) w[e] = Math.abs(avg * rng.gaussian());
    return { w, ht };
  }
  if (k > Math.min(n, m)) {
    throw new InputError(`nmf-zero-filled: init "${init}" needs d ≤ min(nUsers, nItems) = ${Math.min(n, m)}, got ${k}`);
  }
  const svd = randomizedSvd(x, xt, k, seed);
  const colNorm = (a: Float64Array, rows: number, j: number, sign: 1 | -1): number => {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const v = sign * a[r * k + j];
      if (v > 0) s += v * v;
    }
    return Math.sqrt(s);
  };
  for (let j = 0; j < k; j++) {
    const sigma = svd.s[j];
    if (j === 0) {
      const root = Math.sqrt(sigma);
      for (let r = 0; r < n; r++) w[r * k] = root * Math.abs(svd.u[r * k]);
      for (let i = 0; i < m; i++) ht[i * k] = root * Math.abs(svd.v[i * k]);
      continue;
    }
    const xp = colNorm(svd.u, n, j, 1);
    const yp = colNorm(svd.v, m, j, 1);
    const xn = colNorm(svd.u, n, j, -1);
    const yn = colNorm(svd.v, m, j, -1);
    const mp = xp * yp;
    const mn = xn * yn;
    const sign: 1 | -1 = mp > mn ? 1 : -1;
    const [nx, ny, prod] = sign === 1 ? [xp, yp, mp] : [xn, yn, mn];
    if (prod === 0) continue; // both parts vanish: the component starts at 0
    const lambda = Math.sqrt(sigma * prod);
    for (let r = 0; r < n; r++) {
      const v = sign * svd.u[r * k + j];
      w[r * k + j] = v > 0 ? (lambda * v) / nx : 0;
    }
    for (let i = 0; i < m; i++) {
      const v = sign * svd.v[i * k + j];
      ht[i * k + j] = v > 0 ? (lambda * v) / ny : 0;
    }
  }
  for (let e = 0; e < w.length; e++) if (w[e] < 1e-6) w[e] = 0;
  for (let e = 0; e < ht.length; e++) if (ht[e] < 1e-6) ht[e] = 0;
  if (init === "nndsvda") {
    for (let e = 0; e < w.length; e++) if (w[e] === 0) w[e] = mean;
    for (let e = 0; e < ht.length; e++) if (ht[e] === 0) ht[e] = mean;
  } else if (init === "nndsvdar") {
    const rng = new Rng(deriveSeed(seed, "nndsvdar"));
    for (let e = 0; e < w.length; e++) if (w[e] === 0) w[e] = Math.abs((mean * rng.gaussian()) / 100);
    // sklearn fills H (k × nItems) in row-major order: component by component.
    for (let t = 0; t < k; t++) {
      for (let i = 0; i < m; i++) if (ht[i * k + t] === 0) ht[i * k + t] = Math.abs((mean * rng.gaussian()) / 100);
    }
  }
  return { w, ht };
}

/** Leading singular triplets of a sparse matrix: X ≈ U diag(s) Vᵀ. */
export interface TruncatedSvd {
  /** nRows × k row-major (column j = j-th left singular vector). */
  u: Float64Array;
  /** Singular values, descending. */
  s: Float64Array;
  /** nCols × k row-major (column j = j-th right singular vector). */
  v: Float64Array;
}

/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp 2011, as sklearn's `randomized_svd`): sketch
 * Y = X Ω with Ω Gaussian (nCols × (k + oversamples)), `powerIterations` rounds Q ← orth(X orth(Xᵀ Q)),
 * then the exact SVD of the small Qᵀ X. Defaults follow sklearn: 10 oversamples, 7 power iterations when
 * k < 0.1·min(nRows, nCols), else 4. `xt` must be the transpose of `x`. O((nnz + (nRows + nCols)·l)·l·q).
 */
export function randomizedSvd(
  x: Csr,
  xt: Csr,
  k: number,
  seed: number,
  oversamples = 10,
  powerIterations = k < 0.1 * Math.min(x.nRows, x.nCols) ? 7 : 4,
): TruncatedSvd {
  const n = x.nRows;
  const m = x.nCols;
  const l = Math.min(k + oversamples, Math.min(n, m));
  const rng = new Rng(seed);
  const omega = new Float64Array(m * l);
  for (let e = 0; e < omega.length; e++) omega[e] = rng.gaussian();
  const q = new Float64Array(n * l);
  const z = new Float64Array(m * l);
  spmm(x, omega, l, q);
  orthonormalizeColumns(q, n, l);
  for (let it = 0; it < powerIterations; it++) {
    spmm(xt, q, l, z);
    orthonormalizeColumns(z, m, l);
    spmm(x, z, l, q);
    orthonormalizeColumns(q, n, l);
  }
  // Bᵀ = Xᵀ Q (m × l); Bᵀ = Ub S Vbᵀ  ⇒  X ≈ Q B = (Q Vb) S Ubᵀ.
  spmm(xt, q, l, z);
  const bt = new Matrix(m, l);
  for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) bt.set(i, j, z[i * l + j]);
  const svd = new SVD(bt, { autoTranspose: true });
  const ub = svd.leftSingularVectors;
  const vb = svd.rightSingularVectors;
  const sv = svd.diagonal;
  const order = Array.from({ length: sv.length }, (_, j) => j).sort((a, b) => sv[b] - sv[a]);
  const u = new Float64Array(n * k);
  const v = new Float64Array(m * k);
  const s = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const c = order[j];
    s[j] = sv[c];
    for (let i = 0; i < m; i++) v[i * k + j] = ub.get(i, c);
    for (let r = 0; r < n; r++) {
      let acc = 0;
      for (let t = 0; t < l; t++) acc += q[r * l + t] * vb.get(t, c);
      u[r * k + j] = acc;
    }
  }
  return { u, s, v };
}

/** Orthonormalize the l columns of A (rows × l, row-major) in place by modified Gram–Schmidt, twice. */
function orthonormalizeColumns(a: Float64Array, rows: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += a[r * l + j] * a[r * l + p];
        if (dot !== 0) for (let r = 0; r < rows; r++) a[r * l + j] -= dot * a[r * l + p];
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += a[r * l + j] * a[r * l + j];
      norm = Math.sqrt(norm);
      // A (numerically) dependent column is zeroed: the sketch then has fewer than l directions.
      const scale = norm > 1e-300 ? 1 / norm : 0;
      for (let r = 0; r < rows; r++) a[r * l + j] *= scale;
    }
  }
}

/** Merge and validate an "nmf-zero-filled" config (lambdaH accepts a number ≥ 0 or "same"). */
export function nmfZeroFilledConfig(partial: Record<string, unknown>): NmfZeroFilledConfig {
  return parseConfig("nmf-zero-filled", NMF_ZERO_FILLED_PARAMS, partial);
}

export const nmfZeroFilledModel: ModelDefinition<NmfZeroFilledConfig> = defineModel({
  name: "nmf-zero-filled",
  summary: "sklearn-style NMF of the full user×item matrix with missing ratings as 0 (cd or mu solver)",
  params: NMF_ZERO_FILLED_PARAMS,
  config: nmfZeroFilledConfig,
  fit: fitNmfZeroFilled,
  // W, Hᵀ, the sparse products X H, Xᵀ W and the randomized-SVD sketch of the nndsvd inits (~4 × the factors).
  memoryBytes: ({ nUsers, nItems, nnz }, c) => 8 * 4 * (nUsers + nItems) * (c.d + 10) + 24 * nnz,
  stoppingRule: true,
});

/** Every field of the nmf-zero-filled config at its default. */
export const NMF_ZERO_FILLED_DEFAULTS: Readonly<NmfZeroFilledConfig> = nmfZeroFilledModel.defaults;
