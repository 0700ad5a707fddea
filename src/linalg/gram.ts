/**
 * Normal-equation assembly for one sparse row: given a factor matrix X (nRows×d, row-major) and the
 * entries (j_t, y_t), t = 0..n−1, of one CSR row, build
 *
 *   G = Σ_t x_{j_t} x_{j_t}ᵀ   (k×k)      and      r = Σ_t y_t x_{j_t}   (k)
 *
 * i.e. G = X_Ωᵀ X_Ω and r = X_Ωᵀ y for the sub-matrix X_Ω of the rows of X that the CSR row touches. With `appendOne`
 * each x gets a trailing constant 1 (k = d + 1), which is how a bias term is solved jointly with the factors.
 *
 * Method: the n touched rows are first gathered, transposed, into a k×n scratch `Xt` (feature a of all n
 * entries contiguous), then each upper-triangle entry G_ab = ⟨Xt_a, Xt_b⟩ is a dot product of two contiguous
 * vectors, computed in 3×3 register blocks (9 independent accumulators, 6 loads per 9 multiply-adds), and the
 * lower triangle is mirrored from the upper. Cost: n·k(k+1)/2 multiply-adds for G (symmetry halves it), n·k
 * for the gather and for r. No allocation: all buffers are supplied by the caller.
 *
 * {@link GramAssembler} wraps this with reusable buffers and, where WebAssembly SIMD is available, replaces
 * the scalar dot-product kernel by the f64x2 kernel of ./simd (about 3× faster).
 */
import { createSimdGram, type GramKernel } from "./simd";

/**
 * Gather rows `indices[start..end)` of X (row width d) into `Xt` as a k×n matrix (k = d, or d + 1 with a final
 * row of ones when `appendOne`), n = end − start, row a starting at a·stride (stride ≥ n; entries n..stride−1
 * of every row are set to 0). `Xt` needs at least k·stride entries.
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
  stride = end - start,
): number {
  const n = end - start;
  let t = 0;
  // Four source rows at a time: each pass writes four adjacent entries of every Xt row.
  for (; t + 3 < n; t += 4) {
    const o0 = indices[start + t] * d;
    const o1 = indices[start + t + 1] * d;
    const o2 = indices[start + t + 2] * d;
    const o3 = indices[start + t + 3] * d;
    for (let a = 0, p = t; a < d; a++, p += stride) {
      Xt[p] = X[o0 + a];
      Xt[p + 1] = X[o1 + a];
      Xt[p + 2] = X[o2 + a];
      Xt[p + 3] = X[o3 + a];
    }
  }
  for (; t < n; t++) {
    const o = indices[start + t] * d;
    for (let a = 0, p = t; a < d; a++, p += stride) Xt[p] = X[o + a];
  }
  const k = appendOne ? d + 1 : d;
  if (appendOne) Xt.fill(1, d * stride, d * stride + n);
  if (stride > n) for (let a = 0; a < k; a++) Xt.fill(0, a * stride + n, (a + 1) * stride);
  return n;
}

/**
 * G ← Xt Xtᵀ (k×k, full symmetric) and r ← Xt y, for `Xt` a k×n matrix with rows `stride` apart (see
 * {@link gatherTransposed}) and y = `y[yOffset .. yOffset + n)`. Overwrites G and r (does not add to them).
 * Scalar JavaScript; {@link GramAssembler} uses the SIMD kernel when available.
 */
export function gramTransposed(
  Xt: Float64Array,
  n: number,
  k: number,
  y: Float64Array,
  yOffset: number,
  G: Float64Array,
  r: Float64Array,
  stride = n,
): void {
  let a = 0;
  for (; a + 2 < k; a += 3) {
    const ra0 = a * stride;
    const ra1 = ra0 + stride;
    const ra2 = ra1 + stride;
    const g0 = a * k;
    const g1 = g0 + k;
    const g2 = g1 + k;
    let b = a;
    for (; b + 2 < k; b += 3) {
      const rb0 = b * stride;
      const rb1 = rb0 + stride;
      const rb2 = rb1 + stride;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s20 = 0,
        s21 = 0,
        s22 = 0; // prettier-ignore
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
      const rb = b * stride;
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
    const ra = a * stride;
    for (let b = a; b < k; b++) G[a * k + b] = pairedDot(Xt, ra, Xt, b * stride, n);
  }
  // Mirror the upper triangle (the diagonal blocks above also wrote some lower entries; same values).
  for (let i = 1; i < k; i++) {
    const ri = i * k;
    for (let j = 0; j < i; j++) G[ri + j] = G[j * k + i];
  }
  rhsTransposed(Xt, n, k, y, yOffset, r, stride);
}

/** r ← Xt y for the k×n matrix Xt (rows `stride` apart) and y = `y[yOffset .. yOffset + n)`. */
function rhsTransposed(Xt: Float64Array, n: number, k: number, y: Float64Array, yOffset: number, r: Float64Array, stride: number): void {
  for (let i = 0; i < k; i++) r[i] = pairedDot(Xt, i * stride, y, yOffset, n);
}

/** Σ_t A[oa + t] · B[ob + t] for t < n, as two interleaved partial sums (even t, odd t) added at the end. */
function pairedDot(A: Float64Array, oa: number, B: Float64Array, ob: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 1 < n; t += 2) {
    s0 += A[oa + t] * B[ob + t];
    s1 += A[oa + t + 1] * B[ob + t + 1];
  }
  if (t < n) s0 += A[oa + t] * B[ob + t];
  return s0 + s1;
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

/**
 * Row-by-row normal-equation assembly with reusable buffers: the SIMD kernel of ./simd when WebAssembly SIMD
 * is available (about 3× faster), else the scalar {@link gramTransposed}. Both give G ← X_ΩᵀX_Ω, r ← X_Ωᵀy
 * for the rows Ω of one CSR row, equal to rounding (their summation orders differ, so the two paths are not
 * bitwise identical to each other; each is deterministic).
 *
 * SIMD path: the design is gathered (transposed, rows padded to an even length with zeros) straight into the
 * kernel's memory, followed by a zero row when k is odd and then y as one more row, so the single kernel call
 * also yields r = X_Ωᵀy as column kp of its output; the upper triangle is then copied out and mirrored.
 *
 * After {@link rowGram}, `design` holds the transposed design of that row: feature a of entry t at
 * `design[a * stride + t]` (t < n; the padding up to `stride` is zero).
 */
export class GramAssembler {
  /** True when the WebAssembly SIMD kernel is used. */
  readonly simd: boolean;
  /** The transposed design of the last row (see class doc). */
  readonly design: Float64Array;
  /** Row stride of `design` for the last row (n, or n rounded up to even with SIMD). */
  stride = 0;
  /** Entries of the last row. */
  n = 0;
  private readonly kernel: GramKernel | null = null;
  /** k rounded up to even (SIMD path). */
  private readonly kp: number;
  /** Offset (in doubles) of the (kp+2)² kernel output in `design`'s memory. */
  private readonly gOffset: number;

  /**
   * @param k unknowns per row (d, or d + 1 with a bias column)
   * @param maxRowLength the longest row that will be assembled
   * @param options `simd: false` forces the scalar kernel
   */
  constructor(
    readonly k: number,
    readonly maxRowLength: number,
    options: { simd?: boolean } = {},
  ) {
    this.kp = k + (k & 1);
    const maxStride = Math.max(2, maxRowLength + (maxRowLength & 1));
    // SIMD layout: (kp + 2) rows of maxStride (design, padding, y, padding), then the (kp + 2)² kernel output.
    this.gOffset = (this.kp + 2) * maxStride;
    const wasm = options.simd === false ? null : createSimdGram(this.gOffset + (this.kp + 2) ** 2);
    if (wasm) {
      this.simd = true;
      this.design = wasm.memory;
      this.kernel = wasm.gram;
    } else {
      this.simd = false;
      this.design = new Float64Array(k * Math.max(1, maxRowLength));
    }
  }

  /**
   * G ← X_ΩᵀX_Ω (k×k, full symmetric) and r ← X_Ωᵀy, X_Ω = rows `indices[start..end)` of X (row width d, plus a
   * trailing 1 when `appendOne`, so k = d + 1), y = `y[yOffset ..]`.
   * @returns n = end − start
   * @throws RangeError when k does not match d (+1) or the row is longer than `maxRowLength`
   */
  rowGram(
    X: Float64Array,
    d: number,
    indices: Int32Array,
    start: number,
    end: number,
    appendOne: boolean,
    y: Float64Array,
    yOffset: number,
    G: Float64Array,
    r: Float64Array,
  ): number {
    const k = this.k;
    const n = end - start;
    if (d + (appendOne ? 1 : 0) !== k) throw new RangeError(`GramAssembler: built for k = ${k}, got d = ${d}${appendOne ? " + 1" : ""}`);
    if (n > this.maxRowLength) throw new RangeError(`GramAssembler: row of ${n} entries, built for at most ${this.maxRowLength}`);
    this.n = n;
    const Xt = this.design;
    if (this.kernel === null) {
      this.stride = n;
      gatherTransposed(X, d, indices, start, end, appendOne, Xt, n);
      gramTransposed(Xt, n, k, y, yOffset, G, r, n);
      return n;
    }
    const stride = n + (n & 1);
    this.stride = stride;
    gatherTransposed(X, d, indices, start, end, appendOne, Xt, stride);
    // Rows: 0..k−1 the design, a zero row when k is odd, then y and a zero row, so that the kernel's
    // column kp holds r = X_Ωᵀy (its last two rows/columns are by-products and ignored).
    const kp = this.kp;
    const m = kp + 2;
    if (kp > k) Xt.fill(0, k * stride, kp * stride);
    const yRow = kp * stride;
    for (let t = 0; t < n; t++) Xt[yRow + t] = y[yOffset + t];
    Xt.fill(0, yRow + n, yRow + 2 * stride);
    const go = this.gOffset;
    this.kernel(0, stride, m, go * 8);
    for (let a = 0; a < k; a++) {
      const src = go + a * m;
      for (let b = a; b < k; b++) {
        const v = Xt[src + b];
        G[a * k + b] = v;
        G[b * k + a] = v;
      }
      r[a] = Xt[src + kp];
    }
    return n;
  }
}

/**
 * G ← FᵀF (full symmetric d×d, the first d² entries of G) for a row-major (nRows × d) matrix F. O(nRows·d²/2).
 * Used for implicit ALS's YᵀY and zero-filled NMF's WᵀW / HHᵀ.
 * Plain blocked loops over rows (accumulating outer products), so the sum order is fixed and reproducible.
 */
export function denseGram(F: Float64Array, nRows: number, d: number, G: Float64Array): void {
  G.fill(0, 0, d * d);
  for (let r = 0; r < nRows; r++) {
    const o = r * d;
    for (let a = 0; a < d; a++) {
      const fa = F[o + a];
      if (fa === 0) continue;
      const ga = a * d;
      for (let b = a; b < d; b++) G[ga + b] += fa * F[o + b];
    }
  }
  for (let a = 1; a < d; a++) for (let b = 0; b < a; b++) G[a * d + b] = G[b * d + a];
}
