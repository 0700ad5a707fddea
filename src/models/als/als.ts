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
 * Config (declared once in {@link ALS_PARAMS}; defaults in {@link ALS_DEFAULTS}; reference names such as `nFactors`
 * are accepted as aliases, see ../../core/vocabulary.ts):
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
 * - `solver` (`"cholesky"`): how each row's ridge system is solved. `"cholesky"` is exact (above).
 *   `"cg"`: `cgSteps` (int ≥ 1, 3) conjugate-gradient steps on the same system (X̃ᵀX̃ + λ'I) x = X̃ᵀt,
 *   warm-started from the row's current value (as the `implicit` library's CG solver, Takács et al. 2011). The
 *   Gram matrix is never formed: the residual r₀ = X̃ᵀ(t − X̃x₀) − λ'x₀ and each product X̃ᵀ(X̃p) + λ'p are one
 *   pass over the row's n entries, so a row costs 2(cgSteps + 1)·n·k multiply-adds plus O(cgSteps·k) — linear
 *   in the ratings and in d, against n·k²/2 + k³/6 for the exact solve (CG wins for d ≳ 30 on long rows, and at
 *   every d when n is small relative to d³). Approximation: each half-step is no longer an exact block
 *   minimisation. It is still a descent step — CG iterates from x₀ minimise the row's (strictly convex for λ' > 0)
 *   quadratic over growing Krylov subspaces, so every row's term of L, hence L, does not increase (up to
 *   rounding) — and with cgSteps ≥ k it solves each row exactly in exact arithmetic. The fixed point is the same
 *   as the exact solver's; the path differs (the first half-step starts from W₀, so W₀ matters with CG). With
 *   few steps L decreases more slowly per iteration, usually much faster per second at large d.
 * - `threads` (int ≥ 1, 1): split every half-step across this many threads (this one + threads − 1
 *   worker_threads, see ./als-threads): factors and both CSR views live in SharedArrayBuffers, rows are handed
 *   out in chunks, each half-step ends at a barrier. Rows are solved independently with the same arithmetic,
 *   and the per-row changes are summed in row order, so the factors, losses and stopping decisions are bitwise
 *   identical to `threads: 1` (both solvers). Does not change the numbers, only the wall time.
 *   Small fits run on fewer threads than asked ({@link alsEffectiveThreads}: one thread per 10⁷ multiply-adds of
 *   a half-step, so ML-100K gets a second thread from d = 16), where splitting rows was measured to cost more.
 * `threads` is a performance-only option: it is never part of a run's identity or seed.
 *
 * Unknown users/items (no training ratings): their factor rows (and biases) are set to zero and they predict
 * the fallback — the global training mean μ without biases; with biases μ + the known side's bias (plus 0 for
 * the unknown side). `isFallback(u, i)` is true when user u or item i has no training ratings (or is outside
 * the training index space).
 *
 * Kernels: the Gram products, the Cholesky solve and the CG passes run in small WebAssembly SIMD kernels where
 * available (see {@link AlsWorkspace}; `simd: false` there forces the scalar code); results are bitwise
 * reproducible for a given seed on a given platform, and agree to rounding with the scalar kernels (the CG
 * passes bitwise).
 *
 * Singular rows: with λ = 0 a row with fewer ratings than d (k = d or d+1 unknowns) gives a singular
 * X_ΩᵀX_Ω. Cholesky is run with a pivot test relative to the diagonal (1e-12); when it fails the system is
 * re-solved with a tiny ridge τ = 1e-10·trace(X_ΩᵀX_Ω) (×100 per retry, 4 retries, then the row is set to 0),
 * which approximates the minimum-norm least-squares solution (the ridge solution tends to it as τ → 0).
 *
 * Per iteration: L, train MSE/MAE (predictions clipped to `options.clip` when given, L never clipped; no clip
 * by default) and, with `options.test`, test MSE/MAE; reported through `options.onIteration` and recorded in
 * `history`. The train error needs no pass of its own: the item half-step (the last of an iteration) records
 * each row's error sums at the new factors from the row data it already holds ({@link alsRowErrors}), and they
 * are added in row order — on any number of threads the same numbers.
 *
 * Complexity per iteration: Σ_rows (n·k(k+1)/2 + k³/6) ≈ |Ω|·k² + (nUsers + nItems)·k³/6 multiply-adds for the
 * two half-steps (k = d, or d + 1 with biases), plus O(|Ω|·k) for the train error. Memory O((nUsers + nItems)·d).
 * Measured (`node scripts/bench.js`, Node 20, 2-core VM): ML-100K u1 (80k ratings), one thread, 0.009 s per
 * iteration at d = 10, 0.057 s at d = 50, 0.21 s at d = 100; with `solver: "cg"` (3 steps; 8·n·k multiply-adds
 * per row) 0.032 s at d = 100. 25M synthetic ratings (MovieLens-25M shape) at d = 64, CG, 2 threads: 5.3–5.8 s
 * per iteration, memory-bound (each entry gathers a 512-byte factor row from DRAM).
 *
 * @throws SpecError for an invalid config (via {@link alsConfig}); InputError when the training matrix is
 *   empty or holds a non-finite rating.
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import type { ErrorMetrics } from "../../metrics/accuracy";
import { scorePredictor } from "../../metrics/accuracy";
import { Rng } from "../../core/random";
import { threadedAlsBackend } from "./als-threads";
import { SERIAL_ALS_BACKEND, type AlsBackend, type AlsHalfStep, type AlsHalfStepRunner, type AlsRowErrors } from "./als-rows";
import * as s from "../../core/schema";
import { lambda, maxIterations, modelParams, rank, seed, threads } from "../../core/vocabulary";
import { dotRows, maxRowLength, zeroEmptyRows } from "../factor-rows";
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

/**
 * The config of `als`, declared once (type, defaults, ranges, aliases and docs; see ../vocabulary.ts for the
 * shared names). The module doc above states what each field does to the objective and the updates.
 */
export const ALS_PARAMS = modelParams(
  {
    d: rank({ default: 10 }),
    lambda: lambda({ default: 1, doc: "ridge penalty λ on ‖W‖²_F + ‖H‖²_F: per-row ridge λI (λ·n_i·I with weightedLambda)" }),
    maxIterations: maxIterations({ default: 20, doc: "iteration cap (one iteration = user half-step + item half-step)" }),
    tol: s.number({ min: 0, default: 1e-4, doc: "threshold of the stopping rule" }),
    stopping: s.oneOf(["relative-loss", "assignment", "none"], { default: "relative-loss", doc: "stopping rule (module doc)" }),
    init: s.oneOf(["uniform", "gaussian"], { default: "uniform", doc: "factor initialisation: U[0,1) or N(0, initScale²)" }),
    initScale: s.number({ min: 0, exclusiveMin: true, default: 0.1, doc: "standard deviation of the gaussian init" }),
    seed: seed("seed of the initialisation"),
    biases: s.boolean({ default: false, doc: "add user/item biases around the global mean" }),
    weightedLambda: s.boolean({ default: false, doc: "ALS-WR: per-row ridge λ·n_i instead of λ" }),
    solver: s.oneOf(["cholesky", "cg"], { default: "cholesky", doc: "per-row solve: exact Cholesky or warm-started conjugate gradient" }),
    cgSteps: s.int({ min: 1, default: 3, doc: 'conjugate-gradient steps per row (solver "cg")' }),
    threads: threads(),
  },
  "als",
);

export type AlsConfig = s.Infer<typeof ALS_PARAMS>;
export type AlsStopping = AlsConfig["stopping"];
export type AlsInit = AlsConfig["init"];

/**
 * Merge `partial` over the defaults and validate (aliases such as `nFactors` become `d`).
 * @throws SpecError naming the key (unknown keys get a "did you mean" hint)
 */
export function alsConfig(partial: Record<string, unknown> = {}): AlsConfig {
  return parseConfig("als", ALS_PARAMS, partial);
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

/** L (module doc) and the train error of `model` on `train`, in one pass over the entries. */
export interface AlsObjective {
  loss: number;
  train: ErrorMetrics;
}

/** Σ over rows, in row order, of the per-row error sums in `rowErrors` (3 per row) → [sse, clippedSe, clippedAe]. */
function sumRowErrors(rowErrors: Float64Array): [number, number, number] {
  let sse = 0;
  let se = 0;
  let ae = 0;
  for (let o = 0; o < rowErrors.length; o += 3) {
    sse += rowErrors[o];
    se += rowErrors[o + 1];
    ae += rowErrors[o + 2];
  }
  return [sse, se, ae];
}

/**
 * L (module doc) from the error sums [Σ(a − p)², Σ(a − clip p)², Σ|a − clip p|] over n entries and the penalty of
 * the model's factors, and the train metrics MSE / RMSE / MAE of the (clipped) predictions.
 */
function objectiveFromSums(model: AlsModel, sums: readonly number[], n: number, lambda: number, weightedLambda: boolean): AlsObjective {
  const { d, userFactors: W, itemFactors: H, userBias, itemBias } = model;
  const penalty = penaltyOf(W, userBias, model.userCounts, d, weightedLambda) + penaltyOf(H, itemBias, model.itemCounts, d, weightedLambda);
  const mse = sums[1] / n;
  return { loss: sums[0] + lambda * penalty, train: { mse, rmse: Math.sqrt(mse), mae: sums[2] / n } };
}

/**
 * The ALS objective L for the model's current factors (see module doc for the biases / weightedLambda
 * variants) and train MSE/MAE (predictions clipped to `clip` when given; L is always unclipped), in one pass
 * over the entries of `train`. fitAls reports the same quantities per iteration from the errors its item
 * half-step records ({@link alsRowErrors}); the two agree to rounding (the residuals are summed in a different
 * order). O(|Ω|·d + (nUsers + nItems)·d).
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
  const biased = userBias !== null && itemBias !== null;
  const add = (e: number, dot: number): void => {
    let p = dot;
    if (biased) p += globalMean + userBias[users[e]] + itemBias[items[e]];
    const r = values[e] - p;
    sse += r * r;
    const c = p < lo ? lo : p > hi ? hi : p;
    const rc = values[e] - c;
    clippedSe += rc * rc;
    clippedAe += Math.abs(rc);
  };
  // Four entries at a time: four independent dot products (each summed in the same order as dotRows, so
  // every prediction and every running sum is bitwise what the one-at-a-time loop gives), for latency hiding.
  let e = 0;
  for (; e + 3 < n; e += 4) {
    const w0 = users[e] * d;
    const w1 = users[e + 1] * d;
    const w2 = users[e + 2] * d;
    const w3 = users[e + 3] * d;
    const h0 = items[e] * d;
    const h1 = items[e + 1] * d;
    const h2 = items[e + 2] * d;
    const h3 = items[e + 3] * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let a = 0; a < d; a++) {
      s0 += W[w0 + a] * H[h0 + a];
      s1 += W[w1 + a] * H[h1 + a];
      s2 += W[w2 + a] * H[h2 + a];
      s3 += W[w3 + a] * H[h3 + a];
    }
    add(e, s0);
    add(e + 1, s1);
    add(e + 2, s2);
    add(e + 3, s3);
  }
  for (; e < n; e++) add(e, dotRows(W, users[e] * d, H, items[e] * d, d));
  return objectiveFromSums(model, [sse, clippedSe, clippedAe], n, lambda, weightedLambda);
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

/**
 * Fit explicit ALS on `train` (see the module doc for objective, updates, config and fallbacks).
 * With `threads` > 1 the half-steps run on worker threads (./als-threads); same numbers.
 * @throws SpecError for an invalid config; InputError for an empty training matrix or a non-finite rating
 */
export function fitAls(train: RatingsMatrix, config: AlsConfig, options: FitOptions = {}): FitResult<AlsModel> {
  const c = alsConfig(config as unknown as Record<string, unknown>);
  const threads = alsEffectiveThreads(train.nnz, c.d + (c.biases ? 1 : 0), c.threads ?? 1, c.solver, c.cgSteps);
  if (threads > 1) return fitAlsThreaded(train, { ...c, threads }, options);
  return fitAlsWith(SERIAL_ALS_BACKEND, train, c, options);
}

/**
 * Multiply-adds of one half-step per extra thread below which splitting rows costs more than it saves (the
 * barrier, the wake-ups and the shared CSR build): measured on ML-100K u1 (`npm run bench`, one row per d), a
 * second thread made d ≤ 10 slower (d = 10: 8·10⁶) and paid from d = 20 (3.2·10⁷).
 */
export const ALS_MIN_WORK_PER_THREAD = 1e7;

/**
 * The threads {@link fitAls} uses for `requested` threads: at most one per {@link ALS_MIN_WORK_PER_THREAD}
 * multiply-adds of a half-step (nnz·k² for the exact solver, 2(cgSteps + 1)·nnz·k for CG; k = d, + 1 with
 * biases), at least 1. Small fits get their parallelism from running side by side (sweep workers) instead.
 */
export function alsEffectiveThreads(nnz: number, k: number, requested: number, solver: "cholesky" | "cg" = "cholesky", cgSteps = 3): number {
  const work = solver === "cg" ? 2 * (cgSteps + 1) * nnz * k : nnz * k * k;
  return Math.max(1, Math.min(requested, Math.floor(work / ALS_MIN_WORK_PER_THREAD)));
}

/**
 * {@link fitAls} splitting every half-step over `config.threads` threads whatever the size (no
 * {@link alsEffectiveThreads} rule). @internal for the thread tests
 */
export function fitAlsOnThreads(train: RatingsMatrix, config: AlsConfig, options: FitOptions = {}): FitResult<AlsModel> {
  const c = alsConfig(config as unknown as Record<string, unknown>);
  if ((c.threads ?? 1) > 1) return fitAlsThreaded(train, c, options);
  return fitAlsWith(SERIAL_ALS_BACKEND, train, c, options);
}

/**
 * {@link fitAls} with its half-steps on `config.threads` threads (module doc); the returned model holds
 * ordinary (unshared) copies of the factors. `config` must be validated (fitAls does it).
 */
function fitAlsThreaded(train: RatingsMatrix, config: AlsConfig, options: FitOptions = {}): FitResult<AlsModel> {
  const result = fitAlsWith(threadedAlsBackend(config.threads ?? 1), train, config, options);
  const m = result.model;
  const copy = (a: Float64Array | null): Float64Array | null => (a === null ? null : a.slice());
  const model = new AlsModel(
    m.d,
    m.nUsers,
    m.nItems,
    m.userFactors.slice(),
    m.itemFactors.slice(),
    copy(m.userBias),
    copy(m.itemBias),
    m.globalMean,
    m.userCounts,
    m.itemCounts,
  );
  return { ...result, model };
}

/**
 * The fit loop of {@link fitAls} on a given backend (`config` must already be validated).
 * @internal
 */
export function fitAlsWith(backend: AlsBackend, train: RatingsMatrix, c: AlsConfig, options: FitOptions = {}): FitResult<AlsModel> {
  const started = performance.now();
  if (train.nnz === 0) throw new InputError("ALS: the training matrix has no ratings");
  for (let e = 0; e < train.nnz; e++) {
    if (!Number.isFinite(train.values[e])) {
      throw new InputError(`ALS: training rating ${e} (user ${train.users[e]}, item ${train.items[e]}) is ${train.values[e]}`);
    }
  }
  const { d } = c;
  const { byUser, byItem } = backend.csr(train);
  const userCounts = rowCounts(byUser);
  const itemCounts = rowCounts(byItem);
  const mu = train.mean();

  const W = backend.allocate(train.nUsers * d);
  const H = backend.allocate(train.nItems * d);
  const rng = new Rng(c.seed);
  initFactors(W, rng, c);
  initFactors(H, rng, c);
  zeroEmptyRows(W, userCounts, d);
  zeroEmptyRows(H, itemCounts, d);
  const bu = c.biases ? backend.allocate(train.nUsers) : null;
  const bi = c.biases ? backend.allocate(train.nItems) : null;
  const model = new AlsModel(d, train.nUsers, train.nItems, W, H, bu, bi, mu, userCounts, itemCounts);

  const common = { d, lambda: c.lambda, weightedLambda: c.weightedLambda, globalMean: mu, solver: c.solver, cgSteps: c.cgSteps };
  const userStep: AlsHalfStep = { ...common, csr: byUser, fixed: H, fixedBias: bi, solved: W, solvedBias: bu };
  const clip = options.clip;
  // The item half-step, the last of an iteration, records each item row's training errors (no separate pass).
  const errors: AlsRowErrors = { out: backend.allocate(3 * byItem.nRows), lo: clip ? clip[0] : -Infinity, hi: clip ? clip[1] : Infinity };
  const itemStep: AlsHalfStep = { ...common, csr: byItem, fixed: W, fixedBias: bu, solved: H, solvedBias: bi, errors };
  const runner = backend.start([userStep, itemStep], c.biases ? d + 1 : d, Math.max(maxRowLength(byUser), maxRowLength(byItem)));
  try {
    return alsIterate(runner, errors.out, model, train, c, options, started);
  } finally {
    runner.close();
  }
}

function alsIterate(
  runner: AlsHalfStepRunner,
  rowErrors: Float64Array,
  model: AlsModel,
  train: RatingsMatrix,
  c: AlsConfig,
  options: FitOptions,
  started: number,
): FitResult<AlsModel> {
  const history = emptyHistory();
  let prevLoss = NaN;
  let prevStep = NaN;
  let converged = false;
  let iterations = 0;
  for (let it = 1; it <= c.maxIterations; it++) {
    const dW = runner.run(0);
    const dH = runner.run(1);
    iterations = it;
    const objective = objectiveFromSums(model, sumRowErrors(rowErrors), train.nnz, c.lambda, c.weightedLambda);
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

export const alsModel: ModelDefinition<AlsConfig> = defineModel({
  name: "als",
  summary: "Explicit ALS: A ≈ WHᵀ on observed entries, exact alternating ridge solves (optional biases, ALS-WR λ)",
  params: ALS_PARAMS,
  config: alsConfig,
  fit: (train, config, options) => fitAls(train, config, options),
  threadable: true,
  stoppingRule: true,
  // W, H and the biases; both CSR views; per thread a k×k system and its factor (exact solver), the k × longest-row
  // design matrix and row scratch (k = d, or d + 1 with biases); the item half-step's per-row error sums.
  memoryBytes: ({ nUsers, nItems, nnz }, c) => {
    const k = c.d + (c.biases ? 1 : 0);
    const longestRow = Math.min(nnz, Math.max(nUsers, nItems));
    const perThread = (c.solver === "cg" ? 0 : 3 * k * k) + 2 * k * longestRow + 4 * k;
    return 8 * ((nUsers + nItems) * (k + 1) + 3 * nItems + c.threads * perThread) + 24 * nnz;
  },
});

/** Every field of the als config at its default. */
export const ALS_DEFAULTS: Readonly<AlsConfig> = alsModel.defaults;
