/**
 * Cold start by fold-in: place a new user (or item) in a fitted explicit ALS model ({@link AlsModel}) from a
 * handful of ratings, keeping every existing factor fixed.
 *
 * New user with ratings a_t on items j_t (t = 1..n): one regularised least-squares solve against the fixed
 * item factors H — exactly the ALS user half-step for one row (src/models/als.ts, {@link alsSolveRow}):
 *
 *   without biases:  w = (H_Ωᵀ H_Ω + λ'I_d)⁻¹ H_Ωᵀ a
 *   with biases:     [w; b] = (X̃ᵀX̃ + λ'I_{d+1})⁻¹ X̃ᵀ (a − μ − c_Ω),   X̃ = [H_Ω, 1]
 *
 * with λ' = λ, or λ·n when the model was fitted with `weightedLambda`. `lambda` / `weightedLambda` must be the
 * values the model was fitted with (the model does not store them) for the fold-in to be the model's own
 * update. A new item is the mirror image against the fixed user factors W (and user biases).
 *
 * Predictions for the folded-in user follow the model's formula: w·h_i (+ μ + b + c_i with biases); items
 * without training ratings get the model's fallback (μ, or μ + b with biases) and `isFallback` is true.
 * With no ratings at all the vector (and bias) is 0, so every prediction is the fallback-like μ (+ c_i).
 * Cost: O(n·k² + k³) for k = d (+1) unknowns.
 *
 * @throws InputError for an index outside the model, a repeated index, a non-finite rating, mismatched
 *   lengths, or a negative / non-finite λ
 */
import type { Csr } from "../../data/ratings";
import { InputError } from "../../core/errors";
import { type RankedItem, topN } from "../../metrics/ranking";
import type { AlsModel } from "./als";
import { AlsWorkspace, alsSolveRow, type AlsHalfStep } from "./als-rows";

export interface FoldInOptions {
  /** λ the model was fitted with. */
  lambda: number;
  /** Whether the model was fitted with `weightedLambda` (default false). */
  weightedLambda?: boolean;
}

/** The result of a fold-in: the new row and its arithmetic. */
export interface FoldedVector {
  /** The new factor vector (length d). */
  vector: Float64Array;
  /** The new bias (0 for a model without biases). */
  bias: number;
  /** Indices (sorted ascending) and ratings used, in the order they entered the solve. */
  indices: Int32Array;
  values: Float64Array;
  /** The (d or d+1)-square system X̃ᵀX̃ + λ'I and right-hand side that were solved (row-major copies). */
  system: Float64Array;
  rhs: Float64Array;
}

/** A user folded into a model. */
export interface FoldedUser extends FoldedVector {
  /** Predicted rating of item i for this user (module doc). */
  predict(i: number): number;
  isFallback(i: number): boolean;
  /** The n best items for this user, excluding the items they rated (unless `excludeRated` is false). */
  topN(n: number, options?: { excludeRated?: boolean }): RankedItem[];
}

/** An item folded into a model. */
export interface FoldedItem extends FoldedVector {
  /** Predicted rating of this item by user u (module doc). */
  predict(u: number): number;
  isFallback(u: number): boolean;
}

/**
 * Fold a new user into `model` from ratings of known items (`items[t]` rated `ratings[t]`).
 * @throws InputError (module doc)
 */
export function foldInUser(model: AlsModel, items: ArrayLike<number>, ratings: ArrayLike<number>, options: FoldInOptions): FoldedUser {
  const f = foldIn(model, "user", items, ratings, options);
  const { d } = model;
  const predict = (i: number): number => {
    const known = i >= 0 && i < model.nItems && model.itemCounts[i] > 0;
    if (model.itemBias === null) return known ? dot(f.vector, model.itemFactors, i * d, d) : model.globalMean;
    return model.globalMean + f.bias + (known ? model.itemBias[i] + dot(f.vector, model.itemFactors, i * d, d) : 0);
  };
  const isFallback = (i: number): boolean => !(i >= 0 && i < model.nItems && model.itemCounts[i] > 0);
  const rated: Csr = { nRows: 1, nCols: model.nItems, indptr: Int32Array.of(0, f.indices.length), indices: f.indices, values: f.values };
  return {
    ...f,
    predict,
    isFallback,
    topN: (n, opts = {}) =>
      topN({ predict: (_u, i) => predict(i), nItems: model.nItems }, 0, n, opts.excludeRated === false ? {} : { exclude: rated }),
  };
}

/**
 * Fold a new item into `model` from ratings by known users (`users[t]` gave `ratings[t]`).
 * @throws InputError (module doc)
 */
export function foldInItem(model: AlsModel, users: ArrayLike<number>, ratings: ArrayLike<number>, options: FoldInOptions): FoldedItem {
  const f = foldIn(model, "item", users, ratings, options);
  const { d } = model;
  const known = (u: number) => u >= 0 && u < model.nUsers && model.userCounts[u] > 0;
  return {
    ...f,
    predict: (u: number): number => {
      if (model.userBias === null) return known(u) ? dot(f.vector, model.userFactors, u * d, d) : model.globalMean;
      return model.globalMean + f.bias + (known(u) ? model.userBias[u] + dot(f.vector, model.userFactors, u * d, d) : 0);
    },
    isFallback: (u: number) => !known(u),
  };
}

function dot(v: Float64Array, F: Float64Array, o: number, d: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) s += v[a] * F[o + a];
  return s;
}

function foldIn(
  model: AlsModel,
  side: "user" | "item",
  indexArg: ArrayLike<number>,
  ratingArg: ArrayLike<number>,
  options: FoldInOptions,
): FoldedVector {
  const what = side === "user" ? "foldInUser" : "foldInItem";
  const other = side === "user" ? "item" : "user";
  const nOther = side === "user" ? model.nItems : model.nUsers;
  if (indexArg.length !== ratingArg.length) {
    throw new InputError(`${what}: ${indexArg.length} ${other}s but ${ratingArg.length} ratings`);
  }
  if (!(Number.isFinite(options.lambda) && options.lambda >= 0)) {
    throw new InputError(`${what}: lambda must be a finite number ≥ 0, got ${options.lambda}`);
  }
  const n = indexArg.length;
  const order = Array.from({ length: n }, (_, t) => t);
  for (let t = 0; t < n; t++) {
    const j = indexArg[t];
    if (!Number.isInteger(j) || j < 0 || j >= nOther) {
      throw new InputError(`${what}: ${other} index ${j} (entry ${t}) is outside the model's 0..${nOther - 1}`);
    }
    if (!Number.isFinite(ratingArg[t])) throw new InputError(`${what}: rating ${t} (${other} ${j}) is ${ratingArg[t]}`);
  }
  order.sort((a, b) => indexArg[a] - indexArg[b]);
  const indices = new Int32Array(n);
  const values = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    indices[t] = indexArg[order[t]];
    values[t] = ratingArg[order[t]];
    if (t > 0 && indices[t] === indices[t - 1]) throw new InputError(`${what}: ${other} ${indices[t]} is rated more than once`);
  }
  const withBias = model.userBias !== null && model.itemBias !== null;
  const d = model.d;
  const k = withBias ? d + 1 : d;
  const csr: Csr = { nRows: 1, nCols: nOther, indptr: Int32Array.of(0, n), indices, values };
  const solved = new Float64Array(d);
  const solvedBias = withBias ? new Float64Array(1) : null;
  const step: AlsHalfStep = {
    csr,
    fixed: side === "user" ? model.itemFactors : model.userFactors,
    fixedBias: withBias ? (side === "user" ? model.itemBias : model.userBias) : null,
    solved,
    solvedBias,
    d,
    lambda: options.lambda,
    weightedLambda: options.weightedLambda ?? false,
    globalMean: model.globalMean,
  };
  const ws = new AlsWorkspace(k, Math.max(1, n));
  alsSolveRow(step, 0, ws);
  return {
    vector: solved,
    bias: solvedBias ? solvedBias[0] : 0,
    indices,
    values,
    system: n > 0 ? ws.system.slice() : new Float64Array(k * k),
    rhs: n > 0 ? ws.rhs.slice() : new Float64Array(k),
  };
}
