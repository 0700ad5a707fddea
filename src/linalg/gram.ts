/**
 * Normal-equation assembly for one sparse row: given a factor matrix X (nRows×d, row-major) and the
 * entries (j_t, y_t), t = 0..n−1, of one CSR row, build
 *
 *   G = Σ_t x_{j_t} x_{j_t}ᵀ   (k×k)      and      r = Σ_t y_t x_{j_t}   (k)
 *
 * i.e. G = X_Ωᵀ X_Ω and r = X_Ωᵀ y for the sub-matrix X_Ω of the rows the entry touches. With `appendOne`
 * each x gets a trailing constant 1 (k = d + 1), which is how a bias term is solved jointly with the factors.
 *
 * Method: the n touched rows are first gathered, transposed, into a k×n scratch `Xt` (feature a of all n
 * entries contiguous), then each upper-triangle entry G_ab = ⟨Xt_a, Xt_b⟩ is a dot product of two contiguous
 * vectors, computed in 3×3 register blocks (9 independent accumulators, 6 loads per 9 multiply-adds), and the
 * lower triangle is mirrored from the upper. Cost: n·k(k+1)/2 multiply-adds for G (symmetry halves it), n·k
 * for the gather and for r. No allocation: all buffers are supplied by the caller.
 */

/**
 * Gather rows `indices[start..end)` of X (row width d) into `Xt` as a k×n row-major matrix (k = d, or d + 1
 * with a final row of ones when `appendOne`), n = end − start. `Xt` needs at least k·n entries.
 * @returns n
 */
export function gatherTransposed(
  X: Float64Array,
  d: number,
  indices: Int32Array,
  start: number,
  end: number,
  appendOne: boolean,
  Xt: Float64Array,
): number {
  const n = end - start;
  for (let t = 0; t < n; t++) {
    const o = indices[start + t] * d;
    for (let a = 0, p = t; a < d; a++, p += n) Xt[p] = X[o + a];
  }
  if (appendOne) Xt.fill(1, d * n, (d + 1) * n);
  return n;
}

/**
 * G ← Xt Xtᵀ (k×k, full symmetric) and r ← Xt y, for `Xt` a k×n row-major matrix (see {@link gatherTransposed})
 * and y = `y[yOffset .. yOffset + n)`. Overwrites G and r (does not add to them).
 */
export function gramTransposed(
  Xt: Float64Array,
  n: number,
  k: number,
  y: Float64Array,
  yOffset: number,
  G: Float64Array,
  r: Float64Array,
): void {
  let a = 0;
  for (; a + 2 < k; a += 3) {
    const ra0 = a * n;
    const ra1 = ra0 + n;
    const ra2 = ra1 + n;
    const g0 = a * k;
    const g1 = g0 + k;
    const g2 = g1 + k;
    let b = a;
    for (; b + 2 < k; b += 3) {
      const rb0 = b * n;
      const rb1 = rb0 + n;
      const rb2 = rb1 + n;
      let s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, s20 = 0, s21 = 0, s22 = 0; // prettier-ignore
      for (let t = 0; t < n; t++) {
        const x0 = Xt[ra0 + t];
        const x1 = Xt[ra1 + t];
        const x2 = Xt[ra2 + t];
        const y0 = Xt[rb0 + t];
        const y1 = Xt[rb1 + t];
        const y2 = Xt[rb2 + t];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s22 += x2 * y2;
      }
      G[g0 + b] = s00;
      G[g0 + b + 1] = s01;
      G[g0 + b + 2] = s02;
      G[g1 + b] = s10;
      G[g1 + b + 1] = s11;
      G[g1 + b + 2] = s12;
      G[g2 + b] = s20;
      G[g2 + b + 1] = s21;
      G[g2 + b + 2] = s22;
    }
    for (; b < k; b++) {
      const rb = b * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let t = 0; t < n; t++) {
        const yb = Xt[rb + t];
        s0 += Xt[ra0 + t] * yb;
        s1 += Xt[ra1 + t] * yb;
        s2 += Xt[ra2 + t] * yb;
      }
      G[g0 + b] = s0;
      G[g1 + b] = s1;
      G[g2 + b] = s2;
    }
  }
  for (; a < k; a++) {
    const ra = a * n;
    for (let b = a; b < k; b++) {
      const rb = b * n;
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < n; t += 2) {
        s0 += Xt[ra + t] * Xt[rb + t];
        s1 += Xt[ra + t + 1] * Xt[rb + t + 1];
      }
      if (t < n) s0 += Xt[ra + t] * Xt[rb + t];
      G[a * k + b] = s0 + s1;
    }
  }
  // Mirror the upper triangle (the diagonal blocks above also wrote some lower entries; same values).
  for (let i = 1; i < k; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) G[ri + j] = G[j * k + i];
  }
  for (let i = 0; i < k; i++) {
    const ri = i * n;
    let s0 = 0;
    let s1 = 0;
    let t = 0;
    for (; t + 1 < n; t += 2) {
      s0 += Xt[ri + t] * y[yOffset + t];
      s1 += Xt[ri + t + 1] * y[yOffset + t + 1];
    }
    if (t < n) s0 += Xt[ri + t] * y[yOffset + t];
    r[i] = s0 + s1;
  }
}

/**
 * Normal equations of CSR row `row`: G ← X_Ωᵀ X_Ω (d×d) and r ← X_Ωᵀ y where Ω = the row's column indices and
 * y its values. `work` is scratch of at least d × (row length) entries.
 * @returns the row length n
 */
export function csrRowGram(
  X: Float64Array,
  d: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  row: number,
  G: Float64Array,
  r: Float64Array,
  work: Float64Array,
): number {
  const start = indptr[row];
  const n = gatherTransposed(X, d, indices, start, indptr[row + 1], false, work);
  gramTransposed(work, n, d, values, start, G, r);
  return n;
}
