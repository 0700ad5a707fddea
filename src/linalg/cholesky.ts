/**
 * In-place Cholesky factorization and solve for small dense symmetric positive-definite systems
 * (the k×k normal equations of ALS, k ≲ 200). Row-major Float64Array, no allocation.
 *
 * Factorization (Cholesky–Banachiewicz, row by row): A = L Lᵀ with
 *   L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj   (j < i),    L_ii = √(A_ii − Σ_{k<i} L_ik²).
 * Only the lower triangle of A (diagonal included) is read; it is overwritten by L, the strict upper
 * triangle is left untouched. Each inner sum is a dot product of two row prefixes (contiguous in row-major
 * storage); rows are computed in pairs sharing the loads of the row they are dotted with.
 * Cost: d³/6 multiply-adds for the factorization, d² for the two triangular solves.
 */

/**
 * Factor the d×d SPD matrix `A` in place (lower triangle ← L).
 *
 * Pivot test: row i fails when `A_ii − Σ_k L_ik² ≤ relTol · A_ii` (A_ii the original diagonal entry), or is
 * NaN. With the default `relTol = 0` that is the textbook test "pivot ≤ 0"; a small positive `relTol`
 * (e.g. 1e-12) also rejects numerically rank-deficient matrices, whose rounding can leave tiny positive pivots.
 *
 * @returns false when A is not (numerically) positive definite, A then partly overwritten. Never throws.
 */
export function choleskyFactorInPlace(A: Float64Array, d: number, relTol = 0): boolean {
  // Rows are produced two at a time (i, i+1): both dot products against row j share the loads of row j,
  // and the four partial sums are independent (3 loads per 2 multiply-adds, no long dependency chain).
  let i = 0;
  for (; i + 1 < d; i += 2) {
    const r0 = i * d;
    const r1 = r0 + d;
    for (let j = 0; j < i; j++) {
      const rj = j * d;
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      let k = 0;
      for (; k + 1 < j; k += 2) {
        const l0 = A[rj + k];
        const l1 = A[rj + k + 1];
        a0 += A[r0 + k] * l0;
        a1 += A[r0 + k + 1] * l1;
        b0 += A[r1 + k] * l0;
        b1 += A[r1 + k + 1] * l1;
      }
      if (k < j) {
        const l0 = A[rj + k];
        a0 += A[r0 + k] * l0;
        b0 += A[r1 + k] * l0;
      }
      const ljj = A[rj + j];
      A[r0 + j] = (A[r0 + j] - (a0 + a1)) / ljj;
      A[r1 + j] = (A[r1 + j] - (b0 + b1)) / ljj;
    }
    // L_ii, then L_{i+1,i}, then L_{i+1,i+1}.
    let s0 = 0;
    let s1 = 0;
    let t0 = 0;
    let t1 = 0;
    let k = 0;
    for (; k + 1 < i; k += 2) {
      const x0 = A[r0 + k];
      const x1 = A[r0 + k + 1];
      s0 += x0 * x0;
      s1 += x1 * x1;
      t0 += A[r1 + k] * x0;
      t1 += A[r1 + k + 1] * x1;
    }
    if (k < i) {
      const x0 = A[r0 + k];
      s0 += x0 * x0;
      t0 += A[r1 + k] * x0;
    }
    const a = A[r0 + i];
    const p = a - (s0 + s1);
    if (!pivotOk(p, a, relTol)) return false;
    const lii = Math.sqrt(p);
    A[r0 + i] = lii;
    A[r1 + i] = (A[r1 + i] - (t0 + t1)) / lii;
    let q0 = 0;
    let q1 = 0;
    k = 0;
    for (; k + 1 <= i; k += 2) {
      const y0 = A[r1 + k];
      const y1 = A[r1 + k + 1];
      q0 += y0 * y0;
      q1 += y1 * y1;
    }
    if (k <= i) q0 += A[r1 + k] * A[r1 + k];
    const b = A[r1 + i + 1];
    const p1 = b - (q0 + q1);
    if (!pivotOk(p1, b, relTol)) return false;
    A[r1 + i + 1] = Math.sqrt(p1);
  }
  if (i < d) {
    // Last row when d is odd.
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let s = 0;
      for (let k = 0; k < j; k++) s += A[ri + k] * A[rj + k];
      const v = A[ri + j] - s;
      if (j < i) A[ri + j] = v / A[rj + j];
      else {
        if (!pivotOk(v, A[ri + i], relTol)) return false;
        A[ri + i] = Math.sqrt(v);
      }
    }
  }
  return true;
}

/** Pivot `p` of a row whose original diagonal entry is `diag`; `!(… > …)` also rejects NaN. */
function pivotOk(p: number, diag: number, relTol: number): boolean {
  return p > relTol * diag && p > 0;
}

/** Solve L Lᵀ x = b in place (b ← x), given the factor L from {@link choleskyFactorInPlace} in the lower triangle. */
export function choleskySolveFactored(L: Float64Array, b: Float64Array, d: number): void {
  // Forward: L y = b.
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[ri + k] * b[k];
    b[i] = s / L[ri + i];
  }
  // Backward: Lᵀ x = y, column-oriented so that L is read along rows: once x_i is known, subtract
  // x_i · L_i,k from b_k for all k < i.
  for (let i = d - 1; i >= 0; i--) {
    const ri = i * d;
    const x = b[i] / L[ri + i];
    b[i] = x;
    for (let k = 0; k < i; k++) b[k] -= L[ri + k] * x;
  }
}

/**
 * Solve Lᵀ x = b in place (b ← x) for the factor L of {@link choleskyFactorInPlace} (lower triangle): the
 * backward half of {@link choleskySolveFactored}. With b a standard normal vector, x ~ N(0, (L Lᵀ)⁻¹) — how a
 * Gibbs sampler draws from a Gaussian given its precision matrix. O(d²/2).
 */
export function choleskyBackSolve(L: Float64Array, b: Float64Array, d: number): void {
  for (let i = d - 1; i >= 0; i--) {
    const ri = i * d;
    const x = b[i] / L[ri + i];
    b[i] = x;
    for (let k = 0; k < i; k++) b[k] -= L[ri + k] * x;
  }
}

/**
 * Factor the d×d SPD matrix `A` in place (lower triangle read and overwritten by L), then solve A x = b,
 * overwriting `b` with x. See {@link choleskyFactorInPlace} for `relTol`.
 *
 * @returns false (b untouched, A partly overwritten) when A is not positive definite; true on success.
 */
export function choleskySolveInPlace(A: Float64Array, b: Float64Array, d: number, relTol = 0): boolean {
  if (!choleskyFactorInPlace(A, d, relTol)) return false;
  choleskySolveFactored(A, b, d);
  return true;
}
