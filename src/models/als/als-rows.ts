/**
 * The rows of one ALS half-step: each row's ridge system (X_ΩᵀX_Ω + λ'I) x = X_Ωᵀt solved exactly (Gram + Cholesky)
 * or by warm-started conjugate gradient, its training errors recorded on request, and the backends that run a
 * half-step's rows on this thread ({@link SERIAL_ALS_BACKEND}) or on worker threads (./als-threads). The
 * objective, the update rule and the config are documented in ./als.ts; this file holds the per-row arithmetic
 * that every thread runs identically.
 */
import type { Csr, RatingsMatrix } from "../../data/ratings";
import { createSimdCholesky, solveSpd, type SimdCholesky } from "../../linalg/simd-cholesky";
import { GramAssembler } from "../../linalg/gram";
import { RowCg } from "../../linalg/simd-cg";
import { maxRowLengthOf } from "../factor-rows";

/** Row solver: exact Cholesky or warm-started conjugate gradient. */
export type AlsSolver = "cholesky" | "cg";

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
  /** Row solver (default "cholesky"); "cg" runs `cgSteps` (default 3) warm-started CG steps (module doc). */
  readonly solver?: AlsSolver;
  readonly cgSteps?: number;
  /**
   * When given, each solved row also writes its training-error sums at the new factors (the last half-step of an
   * iteration gives the iteration's train error with no extra pass over the data): out[3r] = Σ (a − p)²,
   * out[3r + 1] = Σ (a − clip p)², out[3r + 2] = Σ |a − clip p| over row r's entries, p the model's prediction,
   * clip to [lo, hi]. See {@link alsRowErrors}.
   */
  readonly errors?: AlsRowErrors | null;
}

/** Where and how {@link alsSolveRow} records per-row training errors (see {@link AlsHalfStep.errors}). */
export interface AlsRowErrors {
  /** 3 sums per row of the step (length ≥ 3 · nRows). */
  readonly out: Float64Array;
  readonly lo: number;
  readonly hi: number;
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
 * The Gram products and the Cholesky solve use WebAssembly SIMD kernels when available (`gram.simd`,
 * `cholesky`), and so do the CG passes; `{ simd: false }` forces the scalar code. Gram and Cholesky agree with
 * their scalar versions to rounding (≈1e-15 relative), not bitwise; the CG passes bitwise.
 */
export class AlsWorkspace {
  readonly gram: GramAssembler;
  readonly target: Float64Array;
  readonly system: Float64Array;
  /** Scratch for the scalar Cholesky (used when WebAssembly SIMD is unavailable or `simd: false`). */
  readonly factor: Float64Array;
  /** The WebAssembly SIMD Cholesky solve (null: scalar). */
  readonly cholesky: SimdCholesky | null;
  readonly rhs: Float64Array;
  readonly solution: Float64Array;
  /** The residuals a − p of the last row whose training errors were recorded (exact solver; length maxRowLength). */
  readonly residual: Float64Array;
  n = 0;
  ridge = 0;
  /** CG steps taken by the last "cg" solve, and ‖r‖₂ at its exit (by the CG recurrence). */
  cgIterations = 0;
  cgResidual = 0;
  private cg: RowCg | null = null;
  private readonly simdOption: boolean | undefined;

  constructor(
    readonly k: number,
    readonly maxRowLength: number,
    options: { simd?: boolean } = {},
  ) {
    this.gram = new GramAssembler(k, maxRowLength, options);
    this.target = new Float64Array(Math.max(1, maxRowLength));
    this.system = new Float64Array(k * k);
    this.factor = new Float64Array(k * k);
    this.cholesky = options.simd === false ? null : createSimdCholesky(k);
    this.rhs = new Float64Array(k);
    this.solution = new Float64Array(k);
    this.residual = new Float64Array(Math.max(1, maxRowLength));
    this.simdOption = options.simd;
  }

  /** The CG state (solver "cg"; gathered rows, WebAssembly SIMD passes), created on the first CG solve. */
  rowCg(): RowCg {
    this.cg ??= new RowCg(this.k, this.maxRowLength, { simd: this.simdOption });
    return this.cg;
  }

  /** A workspace large enough for every row of both CSR views of `train`. */
  static forMatrix(train: RatingsMatrix, k: number, options: { simd?: boolean } = {}): AlsWorkspace {
    return new AlsWorkspace(k, maxRowLengthOf(train), options);
  }
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
  } else if (step.solver === "cg") {
    for (let a = 0; a < d; a++) x[a] = solved[out + a];
    if (withBias) x[d] = solvedBias[row];
    cgSolveRow(step, start, end, withBias, ws);
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
    x.set(ws.rhs);
    if (!solveSpd(ws.cholesky, ws.factor, G, x, k, PIVOT_REL_TOL)) solveWithRidge(ws, k, trace);
  }
  if (step.errors) alsRowErrors(step, row, withBias, ws, step.errors);
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

/**
 * The training errors of row `row` at the solution just computed in `ws` (before it is written back): with r_t =
 * t_t − x̃_t·x the residual of entry t (t = a − μ − fixed bias with biases, else a; x̃ = [x_fixed; 1]),
 * p_t = a_t − r_t, the sums Σ r², Σ (a − clip p)², Σ |a − clip p| go to errors.out[3·row ..] (a − clip p is r
 * itself when p is inside [lo, hi]). The residuals come from the row data the solve already has in cache: the
 * gathered rows of the CG kernel (bitwise the same with and without SIMD), or the transposed design of the exact
 * solve (Σ over features in order). O(n·k).
 */
export function alsRowErrors(step: AlsHalfStep, row: number, withBias: boolean, ws: AlsWorkspace, errors: AlsRowErrors): void {
  const { csr } = step;
  const start = csr.indptr[row];
  const n = csr.indptr[row + 1] - start;
  const values = csr.values;
  let res: Float64Array;
  if (n === 0) {
    res = ws.residual;
  } else if (step.solver === "cg") {
    res = ws.rowCg().residuals();
  } else {
    // r_t = t_t − Σ_a Xt[a][t]·x_a over the k design rows (the bias row of ones included), features in order.
    res = ws.residual;
    const { design, stride } = ws.gram;
    const x = ws.solution;
    const k = ws.k;
    if (withBias) res.set(ws.target.subarray(0, n));
    else res.set(values.subarray(start, start + n));
    for (let a = 0; a < k; a++) {
      const xa = x[a];
      const o = a * stride;
      for (let t = 0; t < n; t++) res[t] -= design[o + t] * xa;
    }
  }
  const { lo, hi } = errors;
  let sse = 0;
  let clippedSe = 0;
  let clippedAe = 0;
  for (let t = 0; t < n; t++) {
    const r = res[t];
    sse += r * r;
    const a = values[start + t];
    const p = a - r;
    const rc = p < lo ? a - lo : p > hi ? a - hi : r;
    clippedSe += rc * rc;
    clippedAe += Math.abs(rc);
  }
  const o = 3 * row;
  errors.out[o] = sse;
  errors.out[o + 1] = clippedSe;
  errors.out[o + 2] = clippedAe;
}

function solveWithRidge(ws: AlsWorkspace, k: number, trace: number): void {
  const G = ws.system;
  let tau = RIDGE_START * (trace > 0 ? trace : 1);
  for (let attempt = 0; attempt <= RIDGE_RETRIES; attempt++, tau *= RIDGE_GROWTH) {
    for (let a = 0; a < k; a++) G[a * k + a] += tau - ws.ridge;
    ws.ridge = tau;
    ws.solution.set(ws.rhs);
    if (solveSpd(ws.cholesky, ws.factor, G, ws.solution, k, PIVOT_REL_TOL)) return;
  }
  ws.solution.fill(0); // Only reachable with non-finite data; keeps predictions finite.
}

/**
 * `step.cgSteps` CG steps (module doc) on row [start, end) of `step.csr`, from and into `ws.solution`
 * (k = d, or d + 1 with a trailing constant-1 column for the bias), by {@link RowCg}: the row's fixed factors are
 * gathered once into the kernel's memory, then every pass streams that contiguous copy (random access into a
 * large F costs cache and TLB misses only once). No allocation; stops early only when the residual is exactly 0
 * or pᵀAp ≤ 0 (breakdown).
 */
function cgSolveRow(step: AlsHalfStep, start: number, end: number, withBias: boolean, ws: AlsWorkspace): void {
  const cg = ws.rowCg();
  const k = ws.k;
  const n = end - start;
  cg.gather(step.fixed, step.d, step.csr.indices, step.csr.values, start, end, withBias, step.fixedBias, withBias ? step.globalMean : 0);
  const x = ws.solution;
  const cx = cg.x;
  for (let a = 0; a < k; a++) cx[a] = x[a];
  const res = cg.solve(step.weightedLambda ? step.lambda * n : step.lambda, step.cgSteps ?? 3);
  for (let a = 0; a < k; a++) x[a] = cx[a];
  ws.cgIterations = res.iterations;
  ws.cgResidual = res.residualNorm;
}

/**
 * One half-step (exact with the default solver): {@link alsSolveRow} for every row of `step.csr`, in order.
 * @returns Σ over rows of the squared change, i.e. ‖ΔW‖²_F (bias changes included when used)
 */
export function alsHalfStep(step: AlsHalfStep, ws: AlsWorkspace): number {
  let change = 0;
  for (let r = 0; r < step.csr.nRows; r++) change += alsSolveRow(step, r, ws);
  return change;
}

/** Runs the two half-steps of a fit (index 0: users, 1: items). */
export interface AlsHalfStepRunner {
  /** Run half-step `which`; returns Σ over rows of the squared change, summed in row order. */
  run(which: number): number;
  /** Release threads / buffers (called once, also when the fit throws). */
  close(): void;
}

/**
 * Where a fit keeps its arrays and how it runs half-steps: {@link SERIAL_ALS_BACKEND} (this thread, plain
 * arrays), or the worker-thread backend of ./als-threads (SharedArrayBuffer arrays).
 */
export interface AlsBackend {
  /** The CSR views of `train` (by user, by item) the half-steps read. */
  csr(train: RatingsMatrix): { byUser: Csr; byItem: Csr };
  /** A zeroed Float64Array of length n for factors / biases. */
  allocate(n: number): Float64Array;
  /** Prepare to run `steps` (k unknowns per row, rows of at most `maxRowLength` entries). */
  start(steps: readonly AlsHalfStep[], k: number, maxRowLength: number): AlsHalfStepRunner;
}

/** The single-thread backend: the cached CSR views of the matrix, {@link alsHalfStep} with one workspace. */
export const SERIAL_ALS_BACKEND: AlsBackend = {
  csr: (train) => ({ byUser: train.byUser(), byItem: train.byItem() }),
  allocate: (n) => new Float64Array(n),
  start(steps, k, maxRow) {
    const ws = new AlsWorkspace(k, maxRow);
    return { run: (which) => alsHalfStep(steps[which], ws), close: () => {} };
  },
};
