/**
 * Implicit-feedback weighted ALS (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008) — the lecture's "confidence c = 1 + α·frequency".
 *
 * Data: a {@link RatingsMatrix} whose stored values r_ui ≥ 0 are interaction strengths (counts, or ratings
 * already filtered by `implicitFromRatings`, ../../data/implicit.ts). For EVERY pair (u, i) — observed or not —
 *
 *   preference  p_ui = 1 if r_ui > 0, else 0          confidence  c_ui = 1 + w_ui,
 *   w_ui = α·r_ui                       (`confidence: "linear"`, the paper's eq. 3 and the lecture), or
 *   w_ui = α·log(1 + r_ui/ε)            (`confidence: "log"`, the paper's eq. 4 with ε = `epsilon`);
 *
 * an unobserved pair (or a stored 0) has p = 0, c = 1. Objective, summed over all nUsers × nItems pairs:
 *
 *   L(X, Y) = Σ_{u,i} c_ui (p_ui − x_u·y_i)²  +  λ (‖X‖²_F + ‖Y‖²_F)
 *
 * (λ multiplies the plain Frobenius norms: the per-row ridge is λI, as in the paper and the `implicit` library.)
 * One iteration = a user half-step then an item half-step; each row's exact minimiser is
 *
 *   x_u = (YᵀC_uY + λI)⁻¹ YᵀC_u p_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ Σ_{i∈Ω_u} c_ui y_i,
 *
 * where only the n_u stored positives of row u enter Yᵀ(C_u − I)Y = Σ_{i∈Ω_u} w_ui y_i y_iᵀ (the trick: YᵀY is
 * computed once per half-step, O(nItems·d²), and the per-row work is O(n_u·d²) instead of O(nItems·d²)).
 * Items likewise with X fixed. Solvers (`solver`):
 * - `"cholesky"` (default): form A_u = YᵀY + Σ w y yᵀ + λI (weighted Gram in the WebAssembly SIMD kernel of
 *   src/linalg/simd when available) and solve exactly by Cholesky: n_u·d²/2 + d³/6 multiply-adds per row. Each half-step
 *   minimises L exactly over its block, so L never increases.
 * - `"cg"`: `cgSteps` conjugate-gradient steps per row, warm-started from the row's current value, with A_u
 *   applied implicitly: A_u v = YᵀY v + Σ_{i∈Ω_u} w_ui (y_i·v) y_i + λv, O(d² + n_u·d) per product and
 *   O((cgSteps + 1)(d² + n_u·d)) per row (as the `implicit` library's `solver="cg"`, Takács et al. 2011).
 *   Inexact: L usually decreases but is not guaranteed to.
 * Rows without positives (users/items with no interactions) are set to exactly 0 — their exact minimiser, since
 * their right-hand side is 0 — and predict 0. `isFallback(u, i)` is true when u or i has no training positive
 * (or is outside the training index space); such pairs score 0.
 *
 * Objective evaluation (`trainLoss`, every iteration), without touching the nUsers·nItems zero pairs: write
 * s_ui = x_u·y_i; then Σ_{all u,i} c(p − s)² = Σ_{all} s² + Σ_{(u,i)∈Ω⁺} [c_ui (1 − s_ui)² − s_ui²], and
 * Σ_{all} s² = Σ_u x_uᵀ(YᵀY)x_u = ⟨XᵀX, YᵀY⟩_F. Cost O((nUsers + nItems)·d² + |Ω|·d).
 *
 * Per-iteration error metrics: RMSE-type error is not what implicit ALS optimises, and ratings are not on the
 * score scale. The reported `train`/`test` {@link ErrorMetrics} are the *preference-score error* on the stored
 * entries of the matrix: mean over its entries of (p_ui − x_u·y_i)² (mse, rmse) and |p_ui − x_u·y_i| (mae),
 * unweighted, with p_ui = [r_ui > 0] — on a test matrix of positives, how far the scores are from 1. Use
 * src/metrics/ranking.ts (precision@k, NDCG@k, …) to judge the model. `options.clip` is ignored.
 *
 * Config (defaults in {@link IMPLICIT_ALS_DEFAULTS}): `d` (int ≥ 1, 32) factors; `lambda` (> 0, 100);
 * `alpha` (≥ 0, 5); `confidence` ("linear"); `epsilon` (> 0, 1, log scaling only); `maxIterations` (int ≥ 1, 15; alias `iterations`);
 * `solver` ("cholesky"); `cgSteps` (int ≥ 1, 3); `initScale` (> 0, 0.01): X, Y start i.i.d. N(0, initScale²)
 * drawn from `new Rng(seed)` (X row-major first, then Y; only Y₀ matters for "cholesky", X₀ is CG's first
 * warm start); `seed` (int ≥ 0, 0). The defaults had the best validation NDCG@10 (0.268 at d = 32; d = 64
 * gave 0.271 at 4× the cost) among 78 cells of d ∈ {16, 32, 64} × λ ∈ {1, 10, 30, 100, 300, 1000} ×
 * α ∈ {0.5, 2, 5, 10, 20, 50} on ML-100K u1.base (ratings ≥ 4 as positives, value = rating, 15 iterations;
 * a seeded 20 % of u1.base held out for validation, u1.test untouched) — they suit
 * strengths on a 1..5 scale and ~40k positives; rescale λ and α for other data. λ > 0 is required so that
 * every A_u is positive definite.
 *
 * Complexity per iteration (Cholesky): (nUsers + nItems)(d²/2 + d³/6) + |Ω|·d²/2 multiply-adds, plus the
 * objective. Memory O((nUsers + nItems)·d + d²). Measured in scripts/bench-implicit.js.
 *
 * @throws SpecError for an invalid config; InputError when the training matrix has no positive entry or holds
 *   a negative or non-finite value.
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import { conjugateGradient } from "../../linalg/cg";
import { choleskySolveInPlace } from "../../linalg/cholesky";
import { denseGram, gatherTransposed, gramTransposed } from "../../linalg/gram";
import { createSimdGram, type GramKernel } from "../../linalg/simd";
import { createSimdCholesky, type SimdCholesky } from "../../linalg/simd-cholesky";
import type { ErrorMetrics } from "../../metrics/accuracy";
import { Rng } from "../../core/random";
import * as s from "../../core/schema";
import { lambda, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
import { dotRows, maxRowLengthOf, zeroEmptyRows } from "../factor-rows";
import {
  defineModel,
  emptyHistory,
  parseConfig,
  recordIteration,
  type FitOptions,
  type FitResult,
  type IterationReport,
  type ModelDefinition,
  type Predictor,
} from "../types";

/** The config of `implicit-als`, declared once (shared names: ../vocabulary.ts). */
export const IMPLICIT_ALS_PARAMS = modelParams(
  {
    d: rank({ default: 32 }),
    lambda: lambda({ default: 100, exclusiveMin: true, doc: "ridge penalty λ on ‖X‖²_F + ‖Y‖²_F (per-row ridge λI)" }),
    alpha: s.number({ min: 0, default: 5, doc: "confidence slope: c = 1 + α·r (linear) or 1 + α·log(1 + r/ε) (log)" }),
    confidence: s.oneOf(["linear", "log"], { default: "linear", doc: "confidence scaling of the stored values" }),
    epsilon: s.number({ min: 0, exclusiveMin: true, default: 1, doc: "ε of the log confidence scaling" }),
    maxIterations: maxIterations({ default: 15, doc: "number of iterations (user half-step + item half-step; no stopping rule)" }),
    solver: s.oneOf(["cholesky", "cg"], { default: "cholesky", doc: "per-row solve: exact Cholesky or warm-started conjugate gradient" }),
    cgSteps: s.int({ min: 1, default: 3, doc: 'conjugate-gradient steps per row (solver "cg")' }),
    initScale: s.number({ min: 0, exclusiveMin: true, default: 0.01, doc: "standard deviation of the N(0, s²) initialisation" }),
    seed: seed("seed of the initialisation"),
  },
  "implicit-als",
);

export type ImplicitAlsConfig = s.Infer<typeof IMPLICIT_ALS_PARAMS>;
export type ImplicitSolver = ImplicitAlsConfig["solver"];
export type ConfidenceScaling = ImplicitAlsConfig["confidence"];

/**
 * Merge `partial` over the defaults and validate (aliases such as `iterations` become `maxIterations`).
 * @throws SpecError naming the key
 */
export function implicitAlsConfig(partial: Record<string, unknown> = {}): ImplicitAlsConfig {
  return parseConfig("implicit-als", IMPLICIT_ALS_PARAMS, partial);
}

/** A fitted implicit ALS model: scores x_u·y_i (a preference score, not a rating). */
export class ImplicitAlsModel implements Predictor {
  constructor(
    readonly d: number,
    readonly nUsers: number,
    readonly nItems: number,
    /** nUsers × d row-major; zero rows for users without positives. */
    readonly userFactors: Float64Array,
    /** nItems × d row-major; zero rows for items without positives. */
    readonly itemFactors: Float64Array,
    /** Positive training entries per user / per item. */
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  /** Preference score x_u·y_i; 0 when u or i has no training positives (their factors are 0). */
  predict(u: number, i: number): number {
    if (this.isFallback(u, i)) return 0;
    return dotRows(this.userFactors, u * this.d, this.itemFactors, i * this.d, this.d);
  }

  isFallback(u: number, i: number): boolean {
    return !(u >= 0 && u < this.nUsers && this.userCounts[u] > 0 && i >= 0 && i < this.nItems && this.itemCounts[i] > 0);
  }

  /** out[i] ← predict(u, i) for every item (0 for all items when u is unknown). O(nItems·d). */
  scoreUser(u: number, out: Float64Array): void {
    const d = this.d;
    const Y = this.itemFactors;
    if (!(u >= 0 && u < this.nUsers && this.userCounts[u] > 0)) {
      out.fill(0, 0, this.nItems);
      return;
    }
    const X = this.userFactors;
    const o = u * d;
    for (let i = 0; i < this.nItems; i++) out[i] = this.itemCounts[i] > 0 ? dotRows(X, o, Y, i * d, d) : 0;
  }
}

/**
 * One half-step's data. User half-step: csr = train.byUser(), fixed = Y, solved = X; items: byItem(), X, Y.
 * `fixedGram` must hold FᵀF of `fixed` (d×d) — see {@link denseGram}; the fit recomputes it before each half-step.
 */
export interface ImplicitHalfStep {
  readonly csr: Csr;
  readonly fixed: Float64Array;
  readonly fixedGram: Float64Array;
  readonly solved: Float64Array;
  readonly d: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly confidence: ConfidenceScaling;
  readonly epsilon: number;
  readonly solver: ImplicitSolver;
  readonly cgSteps: number;
}

/** w = c − 1 for a stored value r ≥ 0. */
export function confidenceWeight(r: number, alpha: number, scaling: ConfidenceScaling, epsilon: number): number {
  return scaling === "linear" ? alpha * r : alpha * Math.log1p(r / epsilon);
}

/**
 * Scratch for {@link implicitSolveRow} (d unknowns, rows of up to `maxRowLength` entries). After a solve it
 * holds that row's arithmetic: `weights` = w_ui of its entries, `rhs` = Σ c·p·y, `solution` = the new row;
 * after a CG solve also `cgIterations` and `cgResidual` (‖b − A x‖ by the CG recurrence). With
 * `{ recordSystem: true }` a Cholesky solve also leaves `weightedGram` = Σ w y yᵀ and `system` =
 * YᵀY + Σ w y yᵀ + λI (full d×d); by default only the lower triangle of the system is assembled, straight
 * into the Cholesky factor's buffer (the fit's hot path).
 */
export class ImplicitWorkspace {
  readonly weights: Float64Array;
  readonly weightedGram: Float64Array;
  readonly system: Float64Array;
  readonly factor: Float64Array;
  readonly rhs: Float64Array;
  readonly solution: Float64Array;
  readonly simd: boolean;
  /** The WebAssembly SIMD Cholesky solve (null: the scalar one, in place in `factor`). */
  readonly cholesky: SimdCholesky | null;
  cgIterations = 0;
  cgResidual = 0;
  /** Transposed, √w-scaled design (SIMD memory or plain scratch). */
  private readonly design: Float64Array;
  private readonly kernel: GramKernel | null;
  private readonly dp: number;
  private readonly gOffset: number;
  private readonly zeros: Float64Array;
  private readonly dummy: Float64Array;
  private readonly cgWork: { r: Float64Array; p: Float64Array; ap: Float64Array };
  // State of the row whose system CG is applying (set by implicitSolveRow).
  private step: ImplicitHalfStep | null = null;
  private rowStart = 0;
  private rowEnd = 0;
  readonly applyA: (v: Float64Array, out: Float64Array) => void;

  /** Whether Cholesky solves fill `weightedGram` and `system` (see class doc). */
  readonly recordSystem: boolean;

  constructor(
    readonly d: number,
    readonly maxRowLength: number,
    options: { simd?: boolean; recordSystem?: boolean } = {},
  ) {
    this.recordSystem = options.recordSystem ?? false;
    const m = Math.max(1, maxRowLength);
    this.weights = new Float64Array(m);
    this.weightedGram = new Float64Array(d * d);
    this.system = new Float64Array(d * d);
    this.factor = new Float64Array(d * d);
    this.cholesky = options.simd === false ? null : createSimdCholesky(d);
    this.rhs = new Float64Array(d);
    this.solution = new Float64Array(d);
    this.zeros = new Float64Array(m);
    this.dummy = new Float64Array(d);
    this.cgWork = { r: new Float64Array(d), p: new Float64Array(d), ap: new Float64Array(d) };
    this.dp = d + (d & 1);
    const maxStride = Math.max(2, m + (m & 1));
    this.gOffset = this.dp * maxStride;
    const wasm = options.simd === false ? null : createSimdGram(this.gOffset + this.dp * this.dp);
    this.simd = wasm !== null;
    this.kernel = wasm ? wasm.gram : null;
    this.design = wasm ? wasm.memory : new Float64Array(d * m);
    this.applyA = (v, out) => this.apply(v, out);
  }

  /** A workspace for every row of both CSR views of `train`. */
  static forMatrix(train: RatingsMatrix, d: number, options: { simd?: boolean; recordSystem?: boolean } = {}): ImplicitWorkspace {
    return new ImplicitWorkspace(d, maxRowLengthOf(train), options);
  }

  /**
   * The system of the current row (weights already set): lower triangle of `factor` ←
   * FᵀF + Σ_t w_t y_t y_tᵀ + λI over the entries [start, end) (plus `weightedGram` / `system` in full with
   * `recordSystem`). The weighted Gram runs in the SIMD kernel (upper 2×2 blocks) when available.
   */
  assembleSystem(fixed: Float64Array, fixedGram: Float64Array, lambda: number, indices: Int32Array, start: number, end: number): void {
    const d = this.d;
    const n = end - start;
    const Xt = this.design;
    const L = this.factor;
    // Gw(a, b) for a ≤ b lives at src[a·ld + b].
    let src: Float64Array;
    let off: number;
    let ld: number;
    if (this.kernel === null) {
      gatherTransposed(fixed, d, indices, start, end, false, Xt, n);
      for (let t = 0; t < n; t++) {
        const s = Math.sqrt(this.weights[t]);
        for (let a = 0, p = t; a < d; a++, p += n) Xt[p] *= s;
      }
      gramTransposed(Xt, n, d, this.zeros, 0, this.weightedGram, this.dummy, n);
      src = this.weightedGram;
      off = 0;
      ld = d;
    } else {
      const stride = n + (n & 1);
      for (let t = 0; t < n; t++) {
        const s = Math.sqrt(this.weights[t]);
        const o = indices[start + t] * d;
        for (let a = 0, p = t; a < d; a++, p += stride) Xt[p] = s * fixed[o + a];
      }
      if (stride > n) for (let a = 0; a < d; a++) Xt[a * stride + n] = 0;
      const dp = this.dp;
      if (dp > d) Xt.fill(0, d * stride, dp * stride);
      this.kernel(0, stride, dp, this.gOffset * 8);
      src = Xt;
      off = this.gOffset;
      ld = dp;
    }
    for (let a = 0; a < d; a++) {
      const ra = a * d;
      for (let b = 0; b <= a; b++) L[ra + b] = fixedGram[ra + b] + src[off + b * ld + a];
      L[ra + a] += lambda;
    }
    if (this.recordSystem) {
      const G = this.weightedGram;
      const A = this.system;
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          const g = src[off + a * ld + b];
          G[a * d + b] = g;
          G[b * d + a] = g;
          A[a * d + b] = A[b * d + a] = fixedGram[a * d + b] + g + (a === b ? lambda : 0);
        }
      }
    }
  }

  /** out ← (FᵀF + Σ_t w_t y_t y_tᵀ + λI) v for the current row (the CG operator). */
  private apply(v: Float64Array, out: Float64Array): void {
    const step = this.step!;
    const { fixed, fixedGram: FtF, d, lambda } = step;
    const indices = step.csr.indices;
    // Dot products with four independent partial sums (a single accumulator is add-latency bound).
    for (let a = 0; a < d; a++) out[a] = lambda * v[a] + dot4(FtF, a * d, v, d);
    const weights = this.weights;
    for (let p = this.rowStart, t = 0; p < this.rowEnd; p++, t++) {
      const w = weights[t];
      if (w === 0) continue;
      const o = indices[p] * d;
      const f = w * dot4(fixed, o, v, d);
      for (let a = 0; a < d; a++) out[a] += f * fixed[o + a];
    }
  }

  /** @internal run CG on the current row */
  runCg(step: ImplicitHalfStep, start: number, end: number): void {
    this.step = step;
    this.rowStart = start;
    this.rowEnd = end;
    const res = conjugateGradient(this.applyA, this.rhs, this.solution, step.cgSteps, { work: this.cgWork });
    this.cgIterations = res.iterations;
    this.cgResidual = res.residualNorm;
    this.step = null;
  }
}

/** Σ_a A[o + a]·v[a] for a < d, with four partial sums. */
function dot4(A: Float64Array, o: number, v: Float64Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < d; a += 4) {
    s0 += A[o + a] * v[a];
    s1 += A[o + a + 1] * v[a + 1];
    s2 += A[o + a + 2] * v[a + 2];
    s3 += A[o + a + 3] * v[a + 3];
  }
  for (; a < d; a++) s0 += A[o + a] * v[a];
  return s0 + s1 + (s2 + s3);
}

/**
 * Solve one row of a half-step (module doc) and write it into `step.solved`; leave the arithmetic in `ws`.
 * A row with no positive entry is set to 0. Cholesky: exact. CG: `cgSteps` steps warm-started from the row.
 * @returns the squared change ‖new − old‖² of the row
 * @throws RangeError when the workspace does not fit the step
 */
export function implicitSolveRow(step: ImplicitHalfStep, row: number, ws: ImplicitWorkspace): number {
  const { csr, fixed, fixedGram, solved, d, lambda, alpha, confidence, epsilon } = step;
  if (ws.d !== d) throw new RangeError(`implicitSolveRow: workspace is for d = ${ws.d}, this step has d = ${d}`);
  const start = csr.indptr[row];
  const end = csr.indptr[row + 1];
  const n = end - start;
  if (n > ws.maxRowLength) throw new RangeError(`implicitSolveRow: row ${row} has ${n} entries, workspace holds ${ws.maxRowLength}`);
  const x = ws.solution;
  const b = ws.rhs;
  b.fill(0);
  let positives = 0;
  for (let p = start, t = 0; p < end; p++, t++) {
    const r = csr.values[p];
    ws.weights[t] = r > 0 ? confidenceWeight(r, alpha, confidence, epsilon) : 0;
    if (r > 0) {
      positives++;
      const c = 1 + ws.weights[t];
      const o = csr.indices[p] * d;
      for (let a = 0; a < d; a++) b[a] += c * fixed[o + a];
    }
  }
  const out = row * d;
  if (positives === 0) {
    x.fill(0);
  } else if (step.solver === "cholesky") {
    ws.assembleSystem(fixed, fixedGram, lambda, csr.indices, start, end);
    x.set(b);
    // `factor` holds the system's lower triangle; with the SIMD kernel it is read, not overwritten.
    const ok = ws.cholesky !== null ? ws.cholesky.solve(ws.factor, x, d) : choleskySolveInPlace(ws.factor, x, d);
    if (!ok) x.fill(0); // only with non-finite data (λ > 0 ⇒ SPD)
  } else {
    for (let a = 0; a < d; a++) x[a] = solved[out + a];
    ws.runCg(step, start, end);
  }
  let change = 0;
  for (let a = 0; a < d; a++) {
    const e = x[a] - solved[out + a];
    change += e * e;
    solved[out + a] = x[a];
  }
  return change;
}

/**
 * One half-step: recompute `step.fixedGram` ← FᵀF, then {@link implicitSolveRow} for every row.
 * @returns ‖Δ(solved)‖²_F
 */
export function implicitHalfStep(step: ImplicitHalfStep, ws: ImplicitWorkspace): number {
  denseGram(step.fixed, step.csr.nCols, step.d, step.fixedGram);
  let change = 0;
  for (let r = 0; r < step.csr.nRows; r++) change += implicitSolveRow(step, r, ws);
  return change;
}

/**
 * The implicit objective L (module doc) of the model's factors on `train`, by the ⟨XᵀX, YᵀY⟩ identity,
 * with the preference-score error on the stored training entries.
 * `gram` (optional scratch, 2·d² entries) avoids allocation.
 */
export function implicitObjective(
  model: ImplicitAlsModel,
  train: RatingsMatrix,
  config: Pick<ImplicitAlsConfig, "lambda" | "alpha" | "confidence" | "epsilon">,
  gram?: Float64Array,
): { loss: number; train: ErrorMetrics } {
  const { d, userFactors: X, itemFactors: Y } = model;
  const G = gram ?? new Float64Array(2 * d * d);
  const XtX = G.subarray(0, d * d);
  const YtY = G.subarray(d * d, 2 * d * d);
  denseGram(X, model.nUsers, d, XtX);
  denseGram(Y, model.nItems, d, YtY);
  let allSquares = 0;
  for (let k = 0; k < d * d; k++) allSquares += XtX[k] * YtY[k];
  let correction = 0;
  let se = 0;
  let ae = 0;
  const { users, items, values } = train;
  for (let e = 0; e < values.length; e++) {
    const r = values[e];
    const s = dotRows(X, users[e] * d, Y, items[e] * d, d);
    const p = r > 0 ? 1 : 0;
    if (r > 0) {
      const c = 1 + confidenceWeight(r, config.alpha, config.confidence, config.epsilon);
      correction += c * (1 - s) * (1 - s) - s * s;
    }
    se += (p - s) * (p - s);
    ae += Math.abs(p - s);
  }
  let penalty = 0;
  for (let k = 0; k < d; k++) penalty += XtX[k * d + k] + YtY[k * d + k];
  const n = values.length;
  const mse = se / n;
  return { loss: allSquares + correction + config.lambda * penalty, train: { mse, rmse: Math.sqrt(mse), mae: ae / n } };
}

/** Preference-score error (module doc) of `model` on the stored entries of `ratings`. O(nnz·d). */
export function preferenceError(model: ImplicitAlsModel, ratings: RatingsMatrix): ErrorMetrics {
  let se = 0;
  let ae = 0;
  const { users, items, values } = ratings;
  for (let e = 0; e < values.length; e++) {
    const err = (values[e] > 0 ? 1 : 0) - model.predict(users[e], items[e]);
    se += err * err;
    ae += Math.abs(err);
  }
  const n = values.length;
  const mse = se / n;
  return { mse, rmse: Math.sqrt(mse), mae: ae / n };
}

function positiveCounts(csr: Csr): Int32Array {
  const c = new Int32Array(csr.nRows);
  for (let r = 0; r < csr.nRows; r++) {
    let k = 0;
    for (let p = csr.indptr[r]; p < csr.indptr[r + 1]; p++) if (csr.values[p] > 0) k++;
    c[r] = k;
  }
  return c;
}

/**
 * Fit implicit ALS (module doc).
 * @throws SpecError for an invalid config; InputError for a matrix without positives or with a negative or
 *   non-finite value
 */
export function fitImplicitAls(train: RatingsMatrix, config: ImplicitAlsConfig, options: FitOptions = {}): FitResult<ImplicitAlsModel> {
  const c = implicitAlsConfig(config as unknown as Record<string, unknown>);
  const started = performance.now();
  let nPositive = 0;
  for (let e = 0; e < train.nnz; e++) {
    const v = train.values[e];
    if (!Number.isFinite(v) || v < 0) {
      throw new InputError(
        `implicit-als: training value ${e} (user ${train.users[e]}, item ${train.items[e]}) is ${v}; interaction strengths must be finite and ≥ 0`,
      );
    }
    if (v > 0) nPositive++;
  }
  if (nPositive === 0) throw new InputError("implicit-als: the training matrix has no positive interactions");
  const { d } = c;
  const byUser = train.byUser();
  const byItem = train.byItem();
  const userCounts = positiveCounts(byUser);
  const itemCounts = positiveCounts(byItem);
  const X = new Float64Array(train.nUsers * d);
  const Y = new Float64Array(train.nItems * d);
  const rng = new Rng(c.seed);
  for (let p = 0; p < X.length; p++) X[p] = c.initScale * rng.gaussian();
  for (let p = 0; p < Y.length; p++) Y[p] = c.initScale * rng.gaussian();
  zeroEmptyRows(X, userCounts, d);
  zeroEmptyRows(Y, itemCounts, d);
  const model = new ImplicitAlsModel(d, train.nUsers, train.nItems, X, Y, userCounts, itemCounts);

  const ws = ImplicitWorkspace.forMatrix(train, d);
  const gram = new Float64Array(2 * d * d);
  const common = { d, lambda: c.lambda, alpha: c.alpha, confidence: c.confidence, epsilon: c.epsilon, solver: c.solver, cgSteps: c.cgSteps };
  const fixedGram = new Float64Array(d * d);
  const userStep: ImplicitHalfStep = { ...common, csr: byUser, fixed: Y, fixedGram, solved: X };
  const itemStep: ImplicitHalfStep = { ...common, csr: byItem, fixed: X, fixedGram, solved: Y };
  const history = emptyHistory();
  for (let it = 1; it <= c.maxIterations; it++) {
    implicitHalfStep(userStep, ws);
    implicitHalfStep(itemStep, ws);
    const objective = implicitObjective(model, train, c, gram);
    const report: IterationReport = {
      iteration: it,
      trainLoss: objective.loss,
      train: objective.train,
      seconds: (performance.now() - started) / 1000,
    };
    if (options.test) report.test = preferenceError(model, options.test);
    recordIteration(history, report);
    options.onIteration?.(report);
  }
  return { model, iterations: c.maxIterations, converged: false, history };
}

export const implicitAlsModel: ModelDefinition<ImplicitAlsConfig> = defineModel({
  name: "implicit-als",
  summary: "Implicit-feedback weighted ALS (Hu, Koren & Volinsky 2008): confidence 1 + α·r, Cholesky or CG solves",
  task: "ranking",
  params: IMPLICIT_ALS_PARAMS,
  config: implicitAlsConfig,
  fit: (train, config, options) => fitImplicitAls(train, config, options),
  // X, Y; YᵀY and a d×d system per row solve; the k × longest-row design scratch; both CSR views.
  memoryBytes: ({ nUsers, nItems, nnz }, c) =>
    8 * ((nUsers + nItems) * c.d + 4 * c.d * c.d + 2 * c.d * Math.min(nnz, Math.max(nUsers, nItems))) + 24 * nnz,
});

/** Every field of the implicit-als config at its default. */
export const IMPLICIT_ALS_DEFAULTS: Readonly<ImplicitAlsConfig> = implicitAlsModel.defaults;
