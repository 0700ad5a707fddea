/**
 * The random draws of the Gibbs samplers in this folder (./gibbs.ts): gamma and χ² variates, a Wishart matrix
 * by Bartlett's decomposition, the Normal–Wishart conditional of a factor matrix's hyperparameters, and a
 * Gaussian row given its precision matrix. Every draw reads an explicit {@link Rng}; nothing here allocates
 * per call beyond the scratch a {@link DenseScratch} holds.
 *
 * Conventions: matrices are k×k row-major Float64Array; Gamma(shape, rate) has mean shape/rate; Wishart(W, ν)
 * has mean ν·W (W the scale matrix); a Gaussian "with precision P" has covariance P⁻¹.
 */
import type { Rng } from "../../core/random";
import { choleskyBackSolve, choleskyFactorInPlace, choleskySolveFactored } from "../../linalg/cholesky";

/**
 * A Gamma(shape, rate) draw (Marsaglia & Tsang 2000: squeeze + rejection on a transformed normal; for shape < 1
 * the shape + 1 draw times U^{1/shape}).
 * @throws RangeError when shape or rate is not positive and finite
 */
export function gammaDraw(rng: Rng, shape: number, rate: number): number {
  if (!(shape > 0 && Number.isFinite(shape)) || !(rate > 0 && Number.isFinite(rate))) {
    throw new RangeError(`gammaDraw: shape and rate must be positive and finite, got ${shape} and ${rate}`);
  }
  if (shape < 1) {
    const u = rng.next();
    return gammaDraw(rng, shape + 1, rate) * (u > 0 ? u : Number.MIN_VALUE) ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.gaussian();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return (d * v) / rate;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}

/** A χ² draw with `dof` degrees of freedom (= Gamma(dof/2, rate 1/2)). */
export function chiSquareDraw(rng: Rng, dof: number): number {
  return gammaDraw(rng, dof / 2, 0.5);
}

/** Reusable k×k scratch for the dense draws below. */
export class DenseScratch {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly v: Float64Array;
  readonly w: Float64Array;
  constructor(readonly k: number) {
    this.a = new Float64Array(k * k);
    this.b = new Float64Array(k * k);
    this.c = new Float64Array(k * k);
    this.v = new Float64Array(k);
    this.w = new Float64Array(k);
  }
}

/**
 * Λ ← a Wishart(M⁻¹, ν) draw, given the *inverse* scale matrix M (k×k SPD, not modified) — the form in which the
 * Normal–Wishart posterior comes. Bartlett: with M = R Rᵀ (Cholesky) and A lower triangular, A_ii = √χ²(ν − i)
 * (i = 0…k−1), A_ij ~ N(0, 1) below the diagonal, B = R⁻ᵀA has B Bᵀ ~ Wishart(R⁻ᵀR⁻¹ = M⁻¹, ν); Λ = B Bᵀ.
 * Draw order: A row by row (the diagonal entry of row i after its off-diagonal entries).
 * @throws RangeError when ν ≤ k − 1 or M is not positive definite
 */
export function wishartDrawFromInverseScale(rng: Rng, M: Float64Array, nu: number, k: number, out: Float64Array, s: DenseScratch): void {
  if (!(nu > k - 1)) throw new RangeError(`wishartDraw: ν = ${nu} must exceed k − 1 = ${k - 1}`);
  const R = s.a;
  R.set(M.subarray(0, k * k));
  if (!choleskyFactorInPlace(R, k)) throw new RangeError("wishartDraw: the inverse scale matrix is not positive definite");
  const B = s.b; // column-major scratch: column j of B at B[j*k ..]
  const A = s.c;
  A.fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) A[i * k + j] = rng.gaussian();
    A[i * k + i] = Math.sqrt(chiSquareDraw(rng, nu - i));
  }
  const col = s.v;
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < k; i++) col[i] = A[i * k + j];
    choleskyBackSolve(R, col, k); // Rᵀ x = A[:, j]
    for (let i = 0; i < k; i++) B[j * k + i] = col[i];
  }
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += B[j * k + a] * B[j * k + b];
      out[a * k + b] = sum;
      out[b * k + a] = sum;
    }
  }
}

/** The Normal–Wishart hyperprior of one factor matrix (Salakhutdinov & Mnih 2008, with μ₀ = 0, W₀ = I). */
export interface NormalWishartPrior {
  /** β₀: how many pseudo-rows the prior mean μ₀ = 0 is worth. */
  beta0: number;
  /** ν₀: Wishart degrees of freedom (≥ k). */
  nu0: number;
}

/** The rows a Normal–Wishart is drawn for: row r is [F[r·d … r·d + d); bias[r]] (k = d + 1) or F's row alone (k = d). */
export interface FactorRows {
  F: Float64Array;
  bias: Float64Array | null;
  d: number;
}

function rowOf(source: FactorRows, r: number, out: Float64Array): void {
  const { F, bias, d } = source;
  const o = r * d;
  for (let a = 0; a < d; a++) out[a] = F[o + a];
  if (bias !== null) out[d] = bias[r];
}

/**
 * Draw (μ, Λ) from their conditional given the rows x_1…x_N (k-vectors, {@link FactorRows}; `rows` their indices) under the
 * Normal–Wishart hyperprior with μ₀ = 0 and W₀ = I:
 *
 *   x̄ = (1/N) Σ x_r,  S = Σ (x_r − x̄)(x_r − x̄)ᵀ,  β* = β₀ + N,  ν* = ν₀ + N,  μ* = N x̄ / (β₀ + N)
 *   (W*)⁻¹ = I + S + (β₀N / (β₀ + N)) x̄ x̄ᵀ
 *   Λ ~ Wishart(W*, ν*),  μ | Λ ~ N(μ*, (β* Λ)⁻¹).
 *
 * Writes Λ into `lambda` (k×k) and Λμ (the prior's linear term, what a row's conditional needs) into `lambdaMu`,
 * μ into `mu`. With N = 0 this is a draw from the prior.
 */
export function drawNormalWishart(
  rng: Rng,
  prior: NormalWishartPrior,
  k: number,
  rows: Int32Array,
  source: FactorRows,
  lambda: Float64Array,
  mu: Float64Array,
  lambdaMu: Float64Array,
  s: DenseScratch,
): void {
  const n = rows.length;
  const mean = new Float64Array(k);
  const x = new Float64Array(k);
  for (let t = 0; t < n; t++) {
    rowOf(source, rows[t], x);
    for (let a = 0; a < k; a++) mean[a] += x[a];
  }
  if (n > 0) for (let a = 0; a < k; a++) mean[a] /= n;
  const M = new Float64Array(k * k);
  for (let t = 0; t < n; t++) {
    rowOf(source, rows[t], x);
    for (let a = 0; a < k; a++) x[a] -= mean[a];
    for (let a = 0; a < k; a++) {
      const xa = x[a];
      for (let b = a; b < k; b++) M[a * k + b] += xa * x[b];
    }
  }
  const shrink = (prior.beta0 * n) / (prior.beta0 + n);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      const v = M[a * k + b] + shrink * mean[a] * mean[b] + (a === b ? 1 : 0);
      M[a * k + b] = v;
      M[b * k + a] = v;
    }
  }
  wishartDrawFromInverseScale(rng, M, prior.nu0 + n, k, lambda, s);
  const betaStar = prior.beta0 + n;
  // μ = μ* + L⁻ᵀ z / √β*, Λ = L Lᵀ.
  const L = s.a;
  L.set(lambda.subarray(0, k * k));
  if (!choleskyFactorInPlace(L, k)) throw new RangeError("drawNormalWishart: the drawn precision is not positive definite");
  const z = s.w;
  for (let a = 0; a < k; a++) z[a] = rng.gaussian();
  choleskyBackSolve(L, z, k);
  const scale = 1 / Math.sqrt(betaStar);
  for (let a = 0; a < k; a++) mu[a] = (n * mean[a]) / betaStar + scale * z[a];
  for (let a = 0; a < k; a++) {
    let sum = 0;
    for (let b = 0; b < k; b++) sum += lambda[a * k + b] * mu[b];
    lambdaMu[a] = sum;
  }
}

/**
 * x ← a draw from N(P⁻¹h, P⁻¹) for the k×k precision P (overwritten by its Cholesky factor) and linear term h
 * (overwritten): P = L Lᵀ, mean m = L⁻ᵀL⁻¹h, x = m + L⁻ᵀz with z ~ N(0, I) drawn from `rng` (k draws, in order).
 * @returns false when P is not numerically positive definite (x untouched)
 */
export function drawGaussianFromPrecision(rng: Rng, P: Float64Array, h: Float64Array, k: number, x: Float64Array, z: Float64Array): boolean {
  if (!choleskyFactorInPlace(P, k)) return false;
  choleskySolveFactored(P, h, k);
  // The bulk form gives exactly the values of k successive gaussian() calls, with fewer calls per draw.
  if (z.length === k) rng.fillGaussian(z);
  else for (let a = 0; a < k; a++) z[a] = rng.gaussian();
  choleskyBackSolve(P, z, k);
  for (let a = 0; a < k; a++) x[a] = h[a] + z[a];
  return true;
}

/**
 * A 32-bit seed for one (sweep, block, row) of a sampler: the run's seed mixed with the position by 32-bit
 * multiply–xorshift rounds (MurmurHash3's finaliser), so every row's draws depend only on where it is — not
 * on the order in which rows are visited or on which thread visits them.
 */
export function rowSeed(seed: number, sweep: number, block: number, row: number): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const v of [sweep, block, row]) {
    h = Math.imul(h ^ (v >>> 0), 0xcc9e2d51) >>> 0;
    h = ((h << 15) | (h >>> 17)) >>> 0;
    h = Math.imul(h, 0x1b873593) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
