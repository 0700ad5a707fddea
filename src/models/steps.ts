/**
 * Step-level API: one ALS row solve and one SGD update, with every intermediate quantity returned, so a
 * notebook can show the lecture's arithmetic — computed by the same code the full solvers run.
 *
 * ALS (lecture: "ALS Step 1/2"). For user i with the item factors H held fixed (item step: swap roles),
 *
 *   X = the rows h_j of H for the items j ∈ Ω_i user i rated (ascending j),   y = (a_ij)_{j∈Ω_i}
 *   w_i = (XᵀX + λ'I)⁻¹ Xᵀy,     λ' = λ (default 0: the lecture's plain least squares), or λ·|Ω_i| with
 *                                `weightedLambda` (ALS-WR) — the λ convention of src/models/als.ts.
 *
 * The solve is {@link alsSolveRow} on an {@link AlsHalfStep} over `train.byUser()` / `train.byItem()` with an
 * {@link AlsWorkspace} made by `AlsWorkspace.forMatrix` — exactly what {@link fitAls} runs (same Gram kernel:
 * WebAssembly SIMD when available, unless `simd: false`), so the results agree bit-for-bit with a fit started
 * from the same factors. X, XᵀX + λ'I and Xᵀy are read back from the workspace after the solve (`gram.design`,
 * `system`, `rhs`). Singular systems (λ = 0 and fewer ratings than d) get als.ts's tiny ridge; `ridge`
 * reports it (0 normally). A row with no ratings gets w = 0 and empty X, y. No biases (the lecture has none).
 *
 * SGD (lecture: eq. 11–12, "SGD: Step-by-Step Example"). For one rating a_ij,
 *
 *   â = offset + w·h,   e = a_ij − â,
 *   w ← w + α (e h − λ w),   h ← h + α (e w_old − λ h)
 *
 * i.e. a step of α/2 along −∇ of the per-rating loss ℓ = e² + λ(‖w‖² + ‖h‖²), whose gradients
 * ∇_w ℓ = −2e h + 2λw, ∇_h ℓ = −2e w + 2λh (eq. 9–10 restricted to one rating) are returned. The lecture's
 * update w ← w + α e h is this with λ = 0: it folds the 2 of eq. 9 into α. `offset` is a fixed additive part
 * of the prediction (μ + b_i + b_j of a biased model, not updated here; default 0). The update itself is
 * {@link sgdEpoch} from src/models/sgd.ts — the hot loop of {@link fitSvd} — run on a one-rating epoch, with the
 * bias learning rates 0 (so the offset stays fixed); â and e are computed with the same expressions as that loop.
 *
 * Cost: ALS O(|Ω_i|·d² + d³); SGD O(d). These allocate their results (they are for showing, not for speed).
 * Throws InputError for factor matrices whose shape does not match the ratings, a ragged or non-finite
 * matrix, an index out of range, or a negative λ / non-positive α.
 */
import type { RatingsMatrix } from "../data/ratings";
import { InputError } from "../core/errors";
import { AlsWorkspace, alsSolveRow, type AlsHalfStep } from "./als/als-rows";
import { dotRows, sgdEpoch } from "./gradient/svd";

/** A factor matrix as nested arrays, one row per entity (W: users × d, H: items × d). */
export type FactorRows = readonly (readonly number[])[];

export type AlsSide = "user" | "item";

export interface AlsStepOptions {
  /** λ ≥ 0 added to the diagonal of XᵀX (default 0 — the lecture's unregularised least squares). */
  lambda?: number;
  /** ALS-WR: add λ·|Ω_i| instead of λ (default false). */
  weightedLambda?: boolean;
  /** `false` forces the scalar Gram kernel (default: as fitAls, SIMD when available). */
  simd?: boolean;
}

/** Everything one ALS row solve computes. Matrices are nested arrays (row-major). */
export interface AlsRowStep {
  /** Which side was solved: "user" (row of W, H fixed) or "item" (row of H, W fixed). */
  side: AlsSide;
  /** Dense index of the user (or item) solved. */
  index: number;
  /** Ω: the item (or user) indices this row's ratings involve, ascending; row t of X belongs to observed[t]. */
  observed: number[];
  /** Design matrix X (|Ω| × d): the fixed factors of the observed entries. */
  X: number[][];
  /** Targets y (|Ω|): the observed ratings, in the order of `observed`. */
  y: number[];
  /** XᵀX (d × d), i.e. `system` without λ' and the ridge on the diagonal. */
  XtX: number[][];
  /** λ' added to the diagonal (λ, or λ·|Ω| with weightedLambda). */
  lambda: number;
  /** Extra ridge τ used because the system was singular (0 normally; see src/models/als.ts). */
  ridge: number;
  /** The system actually solved: XᵀX + (λ' + ridge)I (d × d). */
  system: number[][];
  /** Xᵀy (d). */
  Xty: number[];
  /** The solution (XᵀX + λ'I)⁻¹Xᵀy: the new w_i (or h_j). */
  solution: number[];
  /** Σ_t (y_t − x_t·solution)²: the row's squared error after the solve. */
  residualSse: number;
}

/** A whole half-step done row by row (the order {@link alsHalfStep} uses). */
export interface AlsHalfStepDetail {
  side: AlsSide;
  /** One entry per user (or item), in index order. */
  rows: AlsRowStep[];
  /** The solved factor matrix (users × d for "user", items × d for "item"). */
  factors: number[][];
}

/** One ALS iteration from H⁽ᵗ⁻¹⁾: users with H fixed, then items with the new W. */
export interface AlsIterationDetail {
  users: AlsHalfStepDetail;
  items: AlsHalfStepDetail;
  /** W⁽ᵗ⁾ (users × d). */
  W: number[][];
  /** H⁽ᵗ⁾ (items × d). */
  H: number[][];
  /** Σ_Ω (a_ij − w_i·h_j)² after the iteration. */
  sse: number;
}

/** Flatten `rows` (expected `nRows` × d) to row-major; returns d. */
function flatten(rows: FactorRows, nRows: number, what: string): { flat: Float64Array; d: number } {
  if (rows.length !== nRows) throw new InputError(`${what} has ${rows.length} rows, expected ${nRows}`);
  const d = nRows > 0 ? rows[0].length : 0;
  if (d < 1) throw new InputError(`${what} has no columns`);
  const flat = new Float64Array(nRows * d);
  rows.forEach((row, r) => {
    if (row.length !== d) throw new InputError(`${what} row ${r} has ${row.length} entries, row 0 has ${d}`);
    row.forEach((v, a) => {
      if (!Number.isFinite(v)) throw new InputError(`${what}[${r}][${a}] is ${v}`);
      flat[r * d + a] = v;
    });
  });
  return { flat, d };
}

function unflatten(flat: Float64Array, nRows: number, d: number): number[][] {
  return Array.from({ length: nRows }, (_, r) => Array.from(flat.subarray(r * d, (r + 1) * d)));
}

function checkLambda(options: AlsStepOptions): number {
  const lambda = options.lambda ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new InputError(`ALS step: lambda must be a finite number ≥ 0, got ${lambda}`);
  return lambda;
}

/** Shared setup: the AlsHalfStep fitAls would build for this side, its workspace, and the sizes. */
function prepare(train: RatingsMatrix, side: AlsSide, fixed: FactorRows, options: AlsStepOptions) {
  if (side !== "user" && side !== "item") throw new InputError(`ALS step: side must be "user" or "item", got ${String(side)}`);
  const lambda = checkLambda(options);
  const csr = side === "user" ? train.byUser() : train.byItem();
  const fixedName = side === "user" ? "H (items × d)" : "W (users × d)";
  const { flat, d } = flatten(fixed, csr.nCols, fixedName);
  const step: AlsHalfStep = {
    csr,
    fixed: flat,
    fixedBias: null,
    solved: new Float64Array(csr.nRows * d),
    solvedBias: null,
    d,
    lambda,
    weightedLambda: options.weightedLambda ?? false,
    globalMean: 0,
  };
  const ws = AlsWorkspace.forMatrix(train, d, options.simd === false ? { simd: false } : {});
  return { step, ws, d };
}

/** Run alsSolveRow for `row` and read its arithmetic back from the workspace. */
function solveRow(side: AlsSide, step: AlsHalfStep, row: number, ws: AlsWorkspace): AlsRowStep {
  const { csr, d } = step;
  alsSolveRow(step, row, ws);
  const start = csr.indptr[row];
  const n = csr.indptr[row + 1] - start;
  const { design, stride } = ws.gram;
  const observed = Array.from(csr.indices.subarray(start, start + n));
  const y = Array.from(csr.values.subarray(start, start + n));
  const X = n === 0 ? [] : Array.from({ length: n }, (_, t) => Array.from({ length: d }, (_, a) => design[a * stride + t]));
  const lambda = n === 0 ? 0 : step.weightedLambda ? step.lambda * n : step.lambda;
  const ridge = ws.ridge;
  const system = n === 0 ? zeros(d, d) : Array.from({ length: d }, (_, a) => Array.from(ws.system.subarray(a * d, (a + 1) * d)));
  const XtX = system.map((r, a) => r.map((v, b) => (a === b && n > 0 ? v - lambda - ridge : v)));
  const Xty = n === 0 ? new Array<number>(d).fill(0) : Array.from(ws.rhs.subarray(0, d));
  const solution = Array.from(step.solved.subarray(row * d, (row + 1) * d));
  let residualSse = 0;
  for (let t = 0; t < n; t++) {
    let p = 0;
    for (let a = 0; a < d; a++) p += X[t][a] * solution[a];
    residualSse += (y[t] - p) ** 2;
  }
  return { side, index: row, observed, X, y, XtX, lambda, ridge, system, Xty, solution, residualSse };
}

function zeros(r: number, c: number): number[][] {
  return Array.from({ length: r }, () => new Array<number>(c).fill(0));
}

function checkIndex(index: number, n: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new InputError(`ALS step: ${what} index ${index} is outside 0..${n - 1}`);
}

/**
 * Solve user `user`'s row with the item factors `H` (items × d) fixed: w = (XᵀX + λ'I)⁻¹Xᵀy (module doc).
 * @throws InputError for a bad shape, index or λ
 */
export function alsUserStep(train: RatingsMatrix, H: FactorRows, user: number, options: AlsStepOptions = {}): AlsRowStep {
  checkIndex(user, train.nUsers, "user");
  const { step, ws } = prepare(train, "user", H, options);
  return solveRow("user", step, user, ws);
}

/**
 * Solve item `item`'s row with the user factors `W` (users × d) fixed: h = (XᵀX + λ'I)⁻¹Xᵀy, X = rows of W.
 * @throws InputError for a bad shape, index or λ
 */
export function alsItemStep(train: RatingsMatrix, W: FactorRows, item: number, options: AlsStepOptions = {}): AlsRowStep {
  checkIndex(item, train.nItems, "item");
  const { step, ws } = prepare(train, "item", W, options);
  return solveRow("item", step, item, ws);
}

/**
 * A full half-step: every user (side "user", `fixed` = H) or every item (side "item", `fixed` = W) solved
 * in index order with one workspace — what {@link alsHalfStep} does inside {@link fitAls}.
 */
export function alsHalfStepDetail(train: RatingsMatrix, side: AlsSide, fixed: FactorRows, options: AlsStepOptions = {}): AlsHalfStepDetail {
  const { step, ws, d } = prepare(train, side, fixed, options);
  const rows: AlsRowStep[] = [];
  for (let r = 0; r < step.csr.nRows; r++) rows.push(solveRow(side, step, r, ws));
  return { side, rows, factors: unflatten(step.solved, step.csr.nRows, d) };
}

/**
 * One ALS iteration from the item factors `H` (items × d): users first, then items with the new W. The
 * lecture's W⁽⁰⁾ is not an input: the user half-step never reads the old W.
 */
export function alsIterationDetail(train: RatingsMatrix, H: FactorRows, options: AlsStepOptions = {}): AlsIterationDetail {
  const users = alsHalfStepDetail(train, "user", H, options);
  const items = alsHalfStepDetail(train, "item", users.factors, options);
  const W = users.factors;
  const Hn = items.factors;
  let sse = 0;
  for (let e = 0; e < train.nnz; e++) {
    const w = W[train.users[e]];
    const h = Hn[train.items[e]];
    let p = 0;
    for (let a = 0; a < w.length; a++) p += w[a] * h[a];
    sse += (train.values[e] - p) ** 2;
  }
  return { users, items, W, H: Hn, sse };
}

// ---------------------------------------------------------------------------------------------------------
// SGD

export interface SgdStepInput {
  /** The observed rating a_ij. */
  rating: number;
  /** Current user vector w_i. */
  w: readonly number[];
  /** Current item vector h_j (same length as w). */
  h: readonly number[];
  /** Learning rate α > 0 (the lecture's α: w ← w + α e h). */
  alpha: number;
  /** λ ≥ 0 of the per-rating loss e² + λ(‖w‖² + ‖h‖²) (default 0, the lecture's). */
  lambda?: number;
  /** Fixed additive part of the prediction, â = offset + w·h (default 0). */
  offset?: number;
}

/** Everything one SGD update computes. */
export interface SgdStepResult {
  /** w·h. */
  dot: number;
  /** â = offset + w·h. */
  prediction: number;
  /** e = rating − â. */
  error: number;
  /** ∇_w of e² + λ(‖w‖² + ‖h‖²) at the old values: −2e h + 2λ w. */
  gradW: number[];
  /** ∇_h likewise: −2e w + 2λ h. */
  gradH: number[];
  /** Updated w = w + α(e h − λ w) = w − (α/2)·gradW. */
  w: number[];
  /** Updated h = h + α(e w_old − λ h) = h − (α/2)·gradH. */
  h: number[];
}

const ONE_RATING = new Int32Array(1); // user index 0, item index 0

/**
 * One SGD update for one rating (module doc), through src/models/sgd.ts's {@link sgdEpoch}.
 * @throws InputError for vectors of different or zero length, non-finite inputs, α ≤ 0 or λ < 0
 */
export function sgdStep(input: SgdStepInput): SgdStepResult {
  const { rating, alpha } = input;
  const lambda = input.lambda ?? 0;
  const offset = input.offset ?? 0;
  const k = input.w.length;
  if (k === 0 || input.h.length !== k)
    throw new InputError(`SGD step: w has ${k} entries and h has ${input.h.length}; they must match and be non-empty`);
  for (const [name, v] of [
    ["rating", rating],
    ["offset", offset],
  ] as const) {
    if (!Number.isFinite(v)) throw new InputError(`SGD step: ${name} is ${v}`);
  }
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new InputError(`SGD step: alpha must be a finite number > 0, got ${alpha}`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new InputError(`SGD step: lambda must be a finite number ≥ 0, got ${lambda}`);
  const P = Float64Array.from(input.w);
  const Q = Float64Array.from(input.h);
  if (!P.every(Number.isFinite) || !Q.every(Number.isFinite)) throw new InputError("SGD step: w and h must be finite");
  const w0 = Array.from(P);
  const h0 = Array.from(Q);

  // The same expressions as sgdEpoch: the ×4-unrolled dot, then e = r − (μ + b_u + b_i + dot) or r − dot.
  const dot = dotRows(P, 0, Q, 0, k);
  const biased = offset !== 0;
  const prediction = biased ? offset + dot : dot; // sgdEpoch: μ + b_u + b_i + dot with b_u = b_i = 0 — the same double

  const error = rating - prediction;
  const gradW = w0.map((wa, a) => -2 * error * h0[a] + 2 * lambda * wa);
  const gradH = h0.map((ha, a) => -2 * error * w0[a] + 2 * lambda * ha);

  const bu = new Float64Array(1);
  const bi = new Float64Array(1);
  sgdEpoch(ONE_RATING, ONE_RATING, Float64Array.of(rating), k, offset, biased, bu, bi, P, Q, 0, 0, alpha, alpha, 0, 0, lambda, lambda);
  return { dot, prediction, error, gradW, gradH, w: Array.from(P), h: Array.from(Q) };
}
