/**
 * Conjugate gradient for A x = b with A symmetric positive definite, given only the product x ↦ A x
 * (for implicit-feedback ALS, where A = YᵀY + Yᵀ(C − I)Y + λI is never formed).
 *
 * Standard CG (Hestenes–Stiefel): r₀ = b − A x₀, p₀ = r₀; α = rᵀr / pᵀAp, x += α p, r −= α Ap,
 * β = r'ᵀr' / rᵀr, p = r' + β p. In exact arithmetic it solves a k×k system in at most k steps; a few
 * warm-started steps are the usual inexact solve. Cost per step: one `applyA` plus 5k flops.
 */

export interface CgOptions {
  /** Stop when ‖r‖₂ ≤ tol · ‖b‖₂ (default 0: run all `steps` unless the residual is exactly zero). */
  tol?: number;
  /** Scratch vectors (each of length b.length) to avoid allocation in a hot loop. */
  work?: { r: Float64Array; p: Float64Array; ap: Float64Array };
}

export interface CgResult {
  /** The solution: the same array as `x0`, updated in place. */
  x: Float64Array;
  /** Steps taken (≤ `steps`). */
  iterations: number;
  /** ‖b − A x‖₂ at exit (as tracked by the recurrence). */
  residualNorm: number;
}

/**
 * Run at most `steps` CG iterations from `x0` (overwritten with the iterate).
 * @param applyA writes A·x into `out` (must not keep references to either array)
 * @throws RangeError when x0 and b differ in length or steps is negative / not an integer
 */
export function conjugateGradient(
  applyA: (x: Float64Array, out: Float64Array) => void,
  b: Float64Array,
  x0: Float64Array,
  steps: number,
  options: CgOptions = {},
): CgResult {
  const k = b.length;
  if (x0.length !== k) throw new RangeError(`conjugateGradient: x0 has length ${x0.length}, b has ${k}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`conjugateGradient: steps must be an integer ≥ 0, got ${steps}`);
  const r = options.work?.r ?? new Float64Array(k);
  const p = options.work?.p ?? new Float64Array(k);
  const ap = options.work?.ap ?? new Float64Array(k);
  const x = x0;
  applyA(x, ap);
  let rr = 0;
  let bb = 0;
  for (let i = 0; i < k; i++) {
    const ri = b[i] - ap[i];
    r[i] = ri;
    p[i] = ri;
    rr += ri * ri;
    bb += b[i] * b[i];
  }
  const stop = (options.tol ?? 0) ** 2 * bb;
  let it = 0;
  while (it < steps && rr > stop && rr > 0) {
    applyA(p, ap);
    let pap = 0;
    for (let i = 0; i < k; i++) pap += p[i] * ap[i];
    if (!(pap > 0)) break; // A not positive definite along p (or breakdown): keep the current iterate.
    const alpha = rr / pap;
    let rrNew = 0;
    for (let i = 0; i < k; i++) {
      x[i] += alpha * p[i];
      const ri = r[i] - alpha * ap[i];
      r[i] = ri;
      rrNew += ri * ri;
    }
    const beta = rrNew / rr;
    for (let i = 0; i < k; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
    it++;
  }
  return { x, iterations: it, residualNorm: Math.sqrt(rr) };
}
