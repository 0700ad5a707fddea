/**
 * Explicit-feedback alternating least squares (the lecture's and the assignment's ALS).
 *
 * Model: A ≈ W Hᵀ on the observed entries Ω only, W ∈ ℝ^{nUsers×d}, H ∈ ℝ^{nItems×d}, prediction
 * â_ij = w_i·h_j. Objective (squared error summed, not averaged, plus Frobenius penalties):
 *
 *   L(W, H) = Σ_{(i,j)∈Ω} (a_ij − w_i·h_j)²  +  λ (‖W‖²_F + ‖H‖²_F)
 *
 * One iteration = two exact half-steps. Users first, with H fixed, each row independently:
 *
 *   w_i = (H_Ωiᵀ H_Ωi + λ I_d)⁻¹ H_Ωiᵀ a_i        (H_Ωi = rows of H for the items user i rated, a_i their ratings)
 *
 * then items with the new W: h_j = (W_Ωjᵀ W_Ωj + λ I_d)⁻¹ W_Ωjᵀ a_j. Each half-step minimises L exactly over
 * its block, so for λ > 0 L never increases. Solves: Gram assembly exploiting symmetry, then in-place
 * Cholesky (src/linalg); no per-rating allocation, all scratch reused across rows and iterations.
 *
 * Config (defaults in {@link ALS_DEFAULTS}):
 * - `d` (int ≥ 1, 10): number of latent factors.
 * - `lambda` (≥ 0, 1): λ above. Convention: the penalty multiplies the *summed* squared error, i.e. the
 *   per-row ridge is λI (not λ|Ω|I) — unless `weightedLambda`.
 * - `weightedLambda` (false): ALS-WR / Spark MLlib convention: the penalty becomes
 *   λ (Σ_i n_i ‖w_i‖² + Σ_j m_j ‖h_j‖²) with n_i, m_j the training-rating counts, so the per-row ridge is λ n_i I.
 * - `maxIterations` (int ≥ 1, 20); `tol` (≥ 0, 1e-4); `stopping`, checked after iteration t ≥ 2:
 *   - `"relative-loss"` (default): stop when |L_{t−1} − L_t| / L_{t−1} < tol.
 *   - `"assignment"`: the assignment's rule: with s_t = ‖W_t − W_{t−1}‖_F + ‖H_t − H_{t−1}‖_F (W_0, H_0 the
 *     initialisation; bias vectors count as extra factor columns when `biases`), stop when |s_{t−1} − s_t| < tol.
 *     Caveat: this does not measure convergence — it compares the step sizes of successive iterations, which
 *     can be (nearly) equal while the iterates are still far from a stationary point (e.g. a slow, steady
 *     drift along a shallow valley). It does fire once s_t → 0, but it can also fire long before.
 *   - `"none"`: always run `maxIterations` (`converged` is then false).
 * - `init` (`"uniform"`): W, H entries i.i.d. U[0, 1) as in the assignment; `"gaussian"`: N(0, initScale²),
 *   `initScale` (> 0, 0.1). Drawn from `new Rng(seed)`, W row-major first, then H. Only H_0 influences the fit
 *   (the first half-step overwrites W); W_0 enters the `"assignment"` rule's s_1.
 * - `seed` (int ≥ 0, 0).
 * - `biases` (false): model â_ij = μ + b_i + c_j + w_i·h_j with μ the training mean (fixed, not regularised) and
 *   objective Σ_Ω (a_ij − μ − b_i − c_j − w_i·h_j)² + λ(‖W‖²_F + ‖H‖²_F + ‖b‖² + ‖c‖²) (each row's term × its
 *   count with `weightedLambda`). The bias is solved jointly with the factors in each half-step as an extra
 *   constant-1 column: [w_i; b_i] = (X̃ᵀX̃ + λI_{d+1})⁻¹ X̃ᵀ (a_i − μ − c_Ωi) with X̃ = [H_Ωi, 1] — so the bias is
 *   regularised by the same λ as the factors. Biases start at 0.
 *
 * Unknown users/items (no training ratings): their factor rows (and biases) are set to zero and they predict
 * the fallback — the global training mean μ without biases; with biases μ + the known side's bias (plus 0 for
 * the unknown side). `isFallback(u, i)` is true when user u or item i has no training ratings (or is outside
 * the training index space).
 *
 * Gram products run in a WebAssembly SIMD kernel where available (see {@link AlsWorkspace}); results are
 * bitwise reproducible for a given seed on a given platform, and agree to rounding across the two kernels.
 *
 * Singular rows: with λ = 0 a row with fewer ratings than d (k = d or d+1 unknowns) gives a singular
 * X_ΩᵀX_Ω. Cholesky is run with a pivot test relative to the diagonal (1e-12); when it fails the system is
 * re-solved with a tiny ridge τ = 1e-10·trace(X_ΩᵀX_Ω) (×100 per retry, 4 retries, then the row is set to 0),
 * which approximates the minimum-norm least-squares solution (the ridge solution tends to it as τ → 0).
 *
 * Per iteration: L, train MSE/MAE (predictions clipped to `options.clip` when given, L never clipped; no clip
 * by default) and, with `options.test`, test MSE/MAE; reported through `options.onIteration` and recorded in
 * `history`.
 *
 * Complexity per iteration: Σ_rows (n·k(k+1)/2 + k³/6) ≈ |Ω|·k² + (nUsers + nItems)·k³/6 multiply-adds for the
 * two half-steps (k = d, or d + 1 with biases), plus O(|Ω|·d) for the metrics. Memory O((nUsers + nItems)·d).
 * Measured on ML-100K u1 (80k ratings, 943×1682; Node 20, one core, `node scripts/bench.js`): one iteration
 * 0.0043 s at d = 10 and 0.070 s at d = 50; the per-iteration metrics 0.002 s and 0.006 s.
 *
 * @throws SpecError for an invalid config (via {@link alsConfig}); InputError when the training matrix is
 *   empty or holds a non-finite rating.
 */
import type { Csr, RatingsMatrix } from "../data/ratings";
import { InputError } from "../errors";
import { choleskySolveInPlace } from "../linalg/cholesky";
import { GramAssembler } from "../linalg/gram";
import type { ErrorMetrics } from "../metrics/errors";
import { scorePredictor } from "../metrics/errors";
import { Rng } from "../random";
import { validateConfig, type ConfigRules } from "./config";
import { emptyHistory, recordIteration, type FitOptions, type FitResult, type IterationReport, type ModelDefinition, type Predictor } from "./types";

export type AlsStopping = "relative-loss" | "assignment" | "none";
export type AlsInit = "uniform" | "gaussian";

export interface AlsConfig {
  d: number;
  lambda: number;
  maxIterations: number;
  tol: number;
  stopping: AlsStopping;
  init: AlsInit;
  initScale: number;
  seed: number;
  biases: boolean;
  weightedLambda: boolean;
}

export const ALS_DEFAULTS: Readonly<AlsConfig> = Object.freeze({
  d: 10,
  lambda: 1,
  maxIterations: 20,
  tol: 1e-4,
  stopping: "relative-loss",
  init: "uniform",
  initScale: 0.1,
  seed: 0,
  biases: false,
  weightedLambda: false,
} as const satisfies AlsConfig);

/** Validation rule and one-line doc per config field (for `--help` and spec errors). */
export const ALS_RULES: ConfigRules<AlsConfig> = {
  d: { type: "int", min: 1, doc: "number of latent factors" },
  lambda: { type: "number", min: 0, doc: "ridge penalty λ on ‖W‖²_F + ‖H‖²_F (× counts when weightedLambda)" },
  maxIterations: { type: "int", min: 1, doc: "iteration cap (one iteration = user half-step + item half-step)" },
  tol: { type: "number", min: 0, doc: "threshold of the stopping rule" },
  stopping: { type: "enum", values: ["relative-loss", "assignment", "none"], doc: "stopping rule" },
  init: { type: "enum", values: ["uniform", "gaussian"], doc: "factor initialisation: U[0,1) or N(0, initScale²)" },
  initScale: { type: "number", min: 0, exclusiveMin: true, doc: "standard deviation of the gaussian init" },
  seed: { type: "int", min: 0, doc: "seed of the initialisation" },
  biases: { type: "boolean", doc: "add user/item biases around the global mean" },
  weightedLambda: { type: "boolean", doc: "ALS-WR: per-row ridge λ·n_i instead of λ" },
};

/**
 * Merge `partial` over {@link ALS_DEFAULTS} and validate.
 * @throws SpecError naming the key (unknown keys get a "did you mean" hint)
 */
export function alsConfig(partial: Record<string, unknown> = {}): AlsConfig {
  return validateConfig("als", ALS_DEFAULTS, ALS_RULES, partial);
}

/** A fitted ALS model. Factor matrices are row-major (row u of `userFactors` is w_u). */
export class AlsModel implements Predictor {
  constructor(
    readonly d: number,
    readonly nUsers: number,
    readonly nItems: number,
    /** nUsers × d, row-major; zero rows for users without training ratings. */
    readonly userFactors: Float64Array,
    /** nItems × d, row-major; zero rows for items without training ratings. */
    readonly itemFactors: Float64Array,
    /** b_u per user when fitted with `biases`, else null. */
    readonly userBias: Float64Array | null,
    /** c_i per item when fitted with `biases`, else null. */
    readonly itemBias: Float64Array | null,
    /** Mean training rating μ: the fallback, and the offset of the biased model. */
    readonly globalMean: number,
    /** Training ratings per user / per item. */
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  /** w_u·h_i (+ μ + b_u + c_i with biases); the fallback for unknown users/items (see module doc). */
  predict(u: number, i: number): number {
    const known = this.isKnownUser(u);
    const knownItem = this.isKnownItem(i);
    if (this.userBias === null || this.itemBias === null) {
      if (!known || !knownItem) return this.globalMean;
      return dotRows(this.userFactors, u * this.d, this.itemFactors, i * this.d, this.d);
    }
    let p = this.globalMean;
    if (known) p += this.userBias[u];
    if (knownItem) p += this.itemBias[i];
    if (known && knownItem) p += dotRows(this.userFactors, u * this.d, this.itemFactors, i * this.d, this.d);
    return p;
  }

  isFallback(u: number, i: number): boolean {
    return !this.isKnownUser(u) || !this.isKnownItem(i);
  }

  private isKnownUser(u: number): boolean {
    return u >= 0 && u < this.nUsers && this.userCounts[u] > 0;
  }

  private isKnownItem(i: number): boolean {
    return i >= 0 && i < this.nItems && this.itemCounts[i] > 0;
  }
}

function dotRows(A: Float64Array, oa: number, B: Float64Array, ob: number, d: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) s += A[oa + a] * B[ob + a];
  return s;
}

/**
 * One half-step's data: solve every row of `solved` (one row per CSR row of `csr`) with `fixed` held fixed.
 * User half-step: csr = train.byUser(), fixed = H, solved = W; item half-step: csr = train.byItem(),
 * fixed = W, solved = H (biases likewise).
 */
export interface AlsHalfStep {
  /** Ratings with one row per solved entity; column indices address rows of `fixed`. */
  readonly csr: Csr;
  /** Factors of the fixed side, (csr.nCols × d) row-major. */
  readonly fixed: Float64Array;
  /** Biases of the fixed side (null without biases). */
  readonly fixedBias: Float64Array | null;
  /** Factors being solved, (csr.nRows × d) row-major; overwritten. */
  readonly solved: Float64Array;
  /** Biases being solved (null without biases); overwritten. */
  readonly solvedBias: Float64Array | null;
  readonly d: number;
  readonly lambda: number;
  readonly weightedLambda: boolean;
  /** μ, subtracted from the targets when biases are used (ignored otherwise). */
  readonly globalMean: number;
}

/** Ridge retries for singular rows (λ = 0): τ = RIDGE_START · trace, ×RIDGE_GROWTH per retry. */
const RIDGE_START = 1e-10;
const RIDGE_GROWTH = 100;
const RIDGE_RETRIES = 4;
/** Cholesky pivot test relative to the diagonal: rejects numerically rank-deficient systems. */
const PIVOT_REL_TOL = 1e-12;

/**
 * Scratch for {@link alsSolveRow}, sized for k = d (+1 with biases) unknowns and rows of up to `maxRowLength`
 * entries. After a solve it still holds that row's arithmetic (for showing one half-step step by step):
 * `system` = X_ΩᵀX_Ω + λ'I (λ' = λ, or λ·n with weightedLambda; + the ridge if one was needed), `rhs` = X_Ωᵀt,
 * `solution` = the new row [w; b], `n` = the row's entry count, `ridge` = τ added (0 normally),
 * `gram.design` = X_Ω transposed (feature a of entry t at `gram.design[a * gram.stride + t]`), `target` = t
 * (only filled with biases: a − μ − fixed bias).
 *
 * The Gram products use WebAssembly SIMD when available (`gram.simd`); `{ simd: false }` forces the scalar
 * kernel. The two agree to rounding (≈1e-15 relative), not bitwise.
 */
export class AlsWorkspace {
  readonly gram: GramAssembler;
  readonly target: Float64Array;
  readonly system: Float64Array;
  readonly factor: Float64Array;
  readonly rhs: Float64Array;
  readonly solution: Float64Array;
  n = 0;
  ridge = 0;

  constructor(
    readonly k: number,
    readonly maxRowLength: number,
    options: { simd?: boolean } = {},
  ) {
    this.gram = new GramAssembler(k, maxRowLength, options);
    this.target = new Float64Array(Math.max(1, maxRowLength));
    this.system = new Float64Array(k * k);
    this.factor = new Float64Array(k * k);
    this.rhs = new Float64Array(k);
    this.solution = new Float64Array(k);
  }

  /** A workspace large enough for every row of both CSR views of `train`. */
  static forMatrix(train: RatingsMatrix, k: number, options: { simd?: boolean } = {}): AlsWorkspace {
    return new AlsWorkspace(k, Math.max(maxRowLength(train.byUser()), maxRowLength(train.byItem())), options);
  }
}

function maxRowLength(csr: Csr): number {
  let m = 0;
  for (let r = 0; r < csr.nRows; r++) m = Math.max(m, csr.indptr[r + 1] - csr.indptr[r]);
  return m;
}

/**
 * Solve one row of a half-step exactly: [x; b] = (X̃ᵀX̃ + λ'I)⁻¹ X̃ᵀ t (see module doc), write it into
 * `step.solved` (and `step.solvedBias`), leave the arithmetic in `ws`. A row without entries is set to zero.
 * @returns the squared change ‖new − old‖² of the row (factors and bias)
 */
export function alsSolveRow(step: AlsHalfStep, row: number, ws: AlsWorkspace): number {
  const { csr, fixed, fixedBias, solved, solvedBias, d } = step;
  const withBias = solvedBias !== null && fixedBias !== null;
  const k = withBias ? d + 1 : d;
  if (ws.k !== k) throw new RangeError(`alsSolveRow: workspace is for k = ${ws.k} unknowns, this step has ${k}`);
  const start = csr.indptr[row];
  const end = csr.indptr[row + 1];
  const n = end - start;
  if (n > ws.maxRowLength) throw new RangeError(`alsSolveRow: row ${row} has ${n} entries, workspace holds ${ws.maxRowLength}`);
  const out = row * d;
  const x = ws.solution;
  ws.n = n;
  ws.ridge = 0;
  if (n === 0) {
    x.fill(0);
  } else {
    const G = ws.system;
    if (withBias) {
      const t = ws.target;
      const mu = step.globalMean;
      for (let p = 0; p < n; p++) t[p] = csr.values[start + p] - mu - fixedBias[csr.indices[start + p]];
      ws.gram.rowGram(fixed, d, csr.indices, start, end, true, t, 0, G, ws.rhs);
    } else {
      ws.gram.rowGram(fixed, d, csr.indices, start, end, false, csr.values, start, G, ws.rhs);
    }
    const lam = step.weightedLambda ? step.lambda * n : step.lambda;
    let trace = 0;
    for (let a = 0; a < k; a++) {
      trace += G[a * k + a];
      G[a * k + a] += lam;
    }
    ws.factor.set(G);
    x.set(ws.rhs);
    if (!choleskySolveInPlace(ws.factor, x, k, PIVOT_REL_TOL)) solveWithRidge(ws, k, trace);
  }
  let change = 0;
  for (let a = 0; a < d; a++) {
    const e = x[a] - solved[out + a];
    change += e * e;
    solved[out + a] = x[a];
  }
  if (withBias) {
    const e = x[d] - solvedBias[row];
    change += e * e;
    solvedBias[row] = x[d];
  }
  return change;
}

function solveWithRidge(ws: AlsWorkspace, k: number, trace: number): void {
  const G = ws.system;
  let tau = RIDGE_START * (trace > 0 ? trace : 1);
  for (let attempt = 0; attempt <= RIDGE_RETRIES; attempt++, tau *= RIDGE_GROWTH) {
    for (let a = 0; a < k; a++) G[a * k + a] += tau - ws.ridge;
    ws.ridge = tau;
    ws.factor.set(G);
    ws.solution.set(ws.rhs);
    if (choleskySolveInPlace(ws.factor, ws.solution, k, PIVOT_REL_TOL)) return;
  }
  ws.solution.fill(0); // Only reachable with non-finite data; keeps predictions finite.
}

/**
 * One exact half-step: {@link alsSolveRow} for every row of `step.csr`.
 * @returns Σ over rows of the squared change, i.e. ‖ΔW‖²_F (bias changes included when used)
 */
export function alsHalfStep(step: AlsHalfStep, ws: AlsWorkspace): number {
  let change = 0;
  for (let r = 0; r < step.csr.nRows; r++) change += alsSolveRow(step, r, ws);
  return change;
}

/** L (module doc) and the train error of `model` on `train`, in one pass over the entries. */
export interface AlsObjective {
  loss: number;
  train: ErrorMetrics;
}

/**
 * The ALS objective L for the model's current factors (see module doc for the biases / weightedLambda
 * variants) and train MSE/MAE (predictions clipped to `clip` when given; L is always unclipped).
 * O(|Ω|·d + (nUsers + nItems)·d).
 */
export function alsObjective(
  model: AlsModel,
  train: RatingsMatrix,
  lambda: number,
  weightedLambda: boolean,
  clip?: readonly [number, number],
): AlsObjective {
  const { d, userFactors: W, itemFactors: H, userBias, itemBias, globalMean } = model;
  const { users, items, values } = train;
  const lo = clip ? clip[0] : -Infinity;
  const hi = clip ? clip[1] : Infinity;
  let sse = 0;
  let clippedSe = 0;
  let clippedAe = 0;
  const n = values.length;
  for (let e = 0; e < n; e++) {
    const u = users[e];
    const i = items[e];
    let p = dotRows(W, u * d, H, i * d, d);
    if (userBias !== null && itemBias !== null) p += globalMean + userBias[u] + itemBias[i];
    const r = values[e] - p;
    sse += r * r;
    const c = p < lo ? lo : p > hi ? hi : p;
    const rc = values[e] - c;
    clippedSe += rc * rc;
    clippedAe += Math.abs(rc);
  }
  const penalty =
    penaltyOf(W, userBias, model.userCounts, d, weightedLambda) + penaltyOf(H, itemBias, model.itemCounts, d, weightedLambda);
  const mse = clippedSe / n;
  return { loss: sse + lambda * penalty, train: { mse, rmse: Math.sqrt(mse), mae: clippedAe / n } };
}

function penaltyOf(F: Float64Array, bias: Float64Array | null, counts: Int32Array, d: number, weighted: boolean): number {
  let total = 0;
  for (let r = 0; r < counts.length; r++) {
    let s = 0;
    const o = r * d;
    for (let a = 0; a < d; a++) s += F[o + a] * F[o + a];
    if (bias !== null) s += bias[r] * bias[r];
    total += weighted ? counts[r] * s : s;
  }
  return total;
}

function rowCounts(csr: Csr): Int32Array {
  const c = new Int32Array(csr.nRows);
  for (let r = 0; r < csr.nRows; r++) c[r] = csr.indptr[r + 1] - csr.indptr[r];
  return c;
}

function initFactors(F: Float64Array, rng: Rng, config: AlsConfig): void {
  if (config.init === "uniform") {
    for (let p = 0; p < F.length; p++) F[p] = rng.next();
  } else {
    const s = config.initScale;
    for (let p = 0; p < F.length; p++) F[p] = s * rng.gaussian();
  }
}

function zeroEmptyRows(F: Float64Array, counts: Int32Array, d: number): void {
  for (let r = 0; r < counts.length; r++) if (counts[r] === 0) F.fill(0, r * d, (r + 1) * d);
}

/**
 * Fit explicit ALS on `train` (see the module doc for objective, updates, config and fallbacks).
 * @throws SpecError for an invalid config; InputError for an empty training matrix or a non-finite rating
 */
export function fitAls(train: RatingsMatrix, config: AlsConfig, options: FitOptions = {}): FitResult<AlsModel> {
  const c = alsConfig(config as unknown as Record<string, unknown>);
  const started = performance.now();
  if (train.nnz === 0) throw new InputError("ALS: the training matrix has no ratings");
  for (let e = 0; e < train.nnz; e++) {
    if (!Number.isFinite(train.values[e])) {
      throw new InputError(`ALS: training rating ${e} (user ${train.users[e]}, item ${train.items[e]}) is ${train.values[e]}`);
    }
  }
  const { d } = c;
  const byUser = train.byUser();
  const byItem = train.byItem();
  const userCounts = rowCounts(byUser);
  const itemCounts = rowCounts(byItem);
  const mu = train.mean();

  const W = new Float64Array(train.nUsers * d);
  const H = new Float64Array(train.nItems * d);
  const rng = new Rng(c.seed);
  initFactors(W, rng, c);
  initFactors(H, rng, c);
  zeroEmptyRows(W, userCounts, d);
  zeroEmptyRows(H, itemCounts, d);
  const bu = c.biases ? new Float64Array(train.nUsers) : null;
  const bi = c.biases ? new Float64Array(train.nItems) : null;
  const model = new AlsModel(d, train.nUsers, train.nItems, W, H, bu, bi, mu, userCounts, itemCounts);

  const ws = AlsWorkspace.forMatrix(train, c.biases ? d + 1 : d);
  const common = { d, lambda: c.lambda, weightedLambda: c.weightedLambda, globalMean: mu };
  const userStep: AlsHalfStep = { ...common, csr: byUser, fixed: H, fixedBias: bi, solved: W, solvedBias: bu };
  const itemStep: AlsHalfStep = { ...common, csr: byItem, fixed: W, fixedBias: bu, solved: H, solvedBias: bi };

  const history = emptyHistory();
  let prevLoss = NaN;
  let prevStep = NaN;
  let converged = false;
  let iterations = 0;
  for (let it = 1; it <= c.maxIterations; it++) {
    const dW = alsHalfStep(userStep, ws);
    const dH = alsHalfStep(itemStep, ws);
    iterations = it;
    const objective = alsObjective(model, train, c.lambda, c.weightedLambda, options.clip);
    let test: ErrorMetrics | undefined;
    if (options.test) {
      const s = scorePredictor(model, options.test, { clip: options.clip });
      test = { mse: s.mse, rmse: s.rmse, mae: s.mae };
    }
    const report: IterationReport = {
      iteration: it,
      trainLoss: objective.loss,
      train: objective.train,
      seconds: (performance.now() - started) / 1000,
    };
    if (test) report.test = test;
    recordIteration(history, report);
    options.onIteration?.(report);

    const stepSize = Math.sqrt(dW) + Math.sqrt(dH);
    if (it >= 2) {
      if (c.stopping === "relative-loss") {
        const rel = prevLoss > 0 ? Math.abs(prevLoss - objective.loss) / prevLoss : objective.loss === prevLoss ? 0 : Infinity;
        converged = rel < c.tol;
      } else if (c.stopping === "assignment") {
        converged = Math.abs(prevStep - stepSize) < c.tol;
      }
    }
    prevLoss = objective.loss;
    prevStep = stepSize;
    if (converged) break;
  }
  return { model, iterations, converged, history };
}

export const alsModel: ModelDefinition<AlsConfig> = {
  name: "als",
  summary: "Explicit ALS: A ≈ WHᵀ on observed entries, exact alternating ridge solves (optional biases, ALS-WR λ)",
  defaults: ALS_DEFAULTS,
  config: alsConfig,
  fit: (train, config, options) => fitAls(train, config, options),
};
