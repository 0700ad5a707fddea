/**
 * Warm-started conjugate gradient for the ridge normal equations of one sparse row — the inner solve of
 * explicit ALS with `solver: "cg"` — with its O(n·k) passes in a WebAssembly SIMD (f64x2) kernel.
 *
 * Problem: given the n rows x̃_t (k entries each) touched by a CSR row, targets y_t and λ' > 0, improve x for
 *   (X̃ᵀX̃ + λ'I) x = X̃ᵀy
 * by `steps` CG steps from the current x, never forming X̃ᵀX̃ (k×k): each step needs one product
 * X̃ᵀ(X̃p) = Σ_t x̃_t (x̃_t·p), and the initial residual r = X̃ᵀ(y − X̃x) − λ'x one more pass. Cost per row:
 * (steps + 1) passes of 2·n·k multiply-adds, plus O(steps·k) vector work.
 *
 * Layout ({@link RowCg}): the rows are gathered once per solve into the kernel's memory, row-major with stride kp
 * (k rounded up to even) and n rounded up to a multiple of 4 with zero rows (whose target is 0, so they
 * contribute nothing), followed by the targets and the vectors x, r, p, Ap. With a bias, the caller's
 * x̃_t = [x_t; 1] (the constant column is written by {@link RowCg.gather}).
 *
 * The pass is the WebAssembly text ./wasm/cg.wat (compiled by wabt at build time, loaded by ./wasm/load):
 * `pass(rows, nPad, kp, v, y, out, mode)` computes, four rows at a time, s_t = x̃_t·v, in the residual modes
 * s_t = y_t − s_t, then out = Σ_t s_t x̃_t — or, in the "residuals" mode, stores y_t − x̃_t·v in place of y_t
 * instead of the product (a fit's training errors after the solve, on rows still in cache). cg.wat spells out
 * the order of every sum. WebAssembly SIMD has no fused multiply-add, so every operation rounds exactly as the
 * scalar fallback {@link cgPassScalar}, which performs the same operations in the same order: the two paths
 * give bitwise identical results (tested), and so do any number of threads (each row's arithmetic is
 * independent of them).
 *
 * Measured (one thread, the item half-step of 5M synthetic ratings, d = 64, 3 steps): gather 0.42–0.47 s, then the
 * passes 0.40–0.43 s with this kernel against 1.44–1.63 s with the scalar twin (≈ 3.5×). At 25M ratings the gather
 * dominates (the factor rows no longer fit in cache); see the README's speed section.
 */
import { instantiateWithMemory, kernelBytes, kernelModule } from "./wasm/load";

/**
 * What a pass computes from s_t = x̃_t·v: `Product` out = Σ s_t x̃_t; `Residual` s_t ← y_t − s_t, out = Σ s_t x̃_t;
 * `Residuals` y_t ← y_t − s_t (overwriting the targets) and nothing else.
 */
export enum CgPassMode {
  Product = 0,
  Residual = 1,
  Residuals = 2,
}

/** `pass(rowsByte, nPad, kp, vByte, yByte, outByte, mode)`; byte offsets into the kernel's memory. */
export type CgPassKernel = (rows: number, nPad: number, kp: number, v: number, y: number, out: number, mode: CgPassMode) => void;

/** The compiled module, or null where WebAssembly SIMD (or the built kernel) is unavailable. Compiled once. */
export function simdCgModule(): object | null {
  return kernelModule("cg");
}

/** The binary module dist/linalg/wasm/cg.wasm (exposed for tests), or null when not built. */
export function cgModuleBytes(): Uint8Array | null {
  return kernelBytes("cg");
}

/**
 * The scalar twin of the pass in ./wasm/cg.wat (same operations, same order, so bitwise the same results; edit
 * both together), on `m` with
 * offsets in doubles: rows at `rows` (nPad × kp), v at `v`, targets at `y`, result at `out`.
 */
export function cgPassScalar(m: Float64Array, rows: number, nPad: number, kp: number, v: number, y: number, out: number, mode: CgPassMode): void {
  m.fill(0, out, out + kp);
  for (let t = 0; t < nPad; t += 4) {
    const o0 = rows + t * kp;
    const o1 = o0 + kp;
    const o2 = o1 + kp;
    const o3 = o2 + kp;
    let e0 = 0,
      e1 = 0,
      e2 = 0,
      e3 = 0,
      d0 = 0,
      d1 = 0,
      d2 = 0,
      d3 = 0; // prettier-ignore
    for (let a = 0; a < kp; a += 2) {
      const v0 = m[v + a];
      const v1 = m[v + a + 1];
      e0 += m[o0 + a] * v0;
      d0 += m[o0 + a + 1] * v1;
      e1 += m[o1 + a] * v0;
      d1 += m[o1 + a + 1] * v1;
      e2 += m[o2 + a] * v0;
      d2 += m[o2 + a + 1] * v1;
      e3 += m[o3 + a] * v0;
      d3 += m[o3 + a + 1] * v1;
    }
    let s0 = e0 + d0;
    let s1 = e1 + d1;
    let s2 = e2 + d2;
    let s3 = e3 + d3;
    if (mode !== CgPassMode.Product) {
      s0 = m[y + t] - s0;
      s1 = m[y + t + 1] - s1;
      s2 = m[y + t + 2] - s2;
      s3 = m[y + t + 3] - s3;
    }
    if (mode === CgPassMode.Residuals) {
      m[y + t] = s0;
      m[y + t + 1] = s1;
      m[y + t + 2] = s2;
      m[y + t + 3] = s3;
      continue;
    }
    for (let a = 0; a < kp; a++) m[out + a] = m[out + a] + (s0 * m[o0 + a] + s1 * m[o1 + a] + s2 * m[o2 + a] + s3 * m[o3 + a]);
  }
}

/** Result of {@link RowCg.solve}. */
export interface RowCgResult {
  /** Steps taken (< steps only when the residual became exactly 0 or pᵀAp ≤ 0). */
  iterations: number;
  /** ‖r‖₂ at exit, as tracked by the recurrence. */
  residualNorm: number;
}

/**
 * Reusable CG state for rows of up to `maxRowLength` entries and k unknowns: the kernel instance (or the scalar
 * twin with `simd: false` / without WebAssembly SIMD) and its memory. Use: {@link gather} a row, set {@link x}
 * (its first k entries) to the warm start, {@link solve}, read {@link x}.
 */
export class RowCg {
  /** True when the WebAssembly SIMD kernel runs the passes. */
  readonly simd: boolean;
  /** k rounded up to even: the row stride of the gathered rows. */
  readonly kp: number;
  /** The solution vector (length kp; entries k.. are 0): warm start before {@link solve}, result after. */
  readonly x: Float64Array;
  /** Rows gathered by the last {@link gather}. */
  n = 0;
  private readonly memory: Float64Array;
  private readonly kernel: CgPassKernel | null;
  // Offsets (doubles) into memory.
  private readonly oRows: number;
  private readonly oY: number;
  private readonly oX: number;
  private readonly oR: number;
  private readonly oP: number;
  private readonly oAp: number;

  constructor(
    readonly k: number,
    readonly maxRowLength: number,
    options: { simd?: boolean } = {},
  ) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`RowCg: k must be an integer ≥ 1, got ${k}`);
    this.kp = k + (k & 1);
    const nMax = roundUp4(Math.max(1, maxRowLength));
    this.oRows = 0;
    this.oY = nMax * this.kp;
    this.oX = this.oY + nMax;
    this.oR = this.oX + this.kp;
    this.oP = this.oR + this.kp;
    this.oAp = this.oP + this.kp;
    const doubles = this.oAp + this.kp;
    const wasm = options.simd === false ? null : instantiateWithMemory(simdCgModule(), doubles);
    this.simd = wasm !== null;
    this.memory = wasm ? wasm.memory : new Float64Array(doubles);
    this.kernel = wasm ? (wasm.exports.pass as CgPassKernel) : null;
    this.x = this.memory.subarray(this.oX, this.oX + this.kp);
  }

  /**
   * Gather the entries [start, end) of a CSR row: x̃_t = row `indices[t]` of F (width d) followed by a 1 when
   * `withBias` (then k must be d + 1, else d), target y_t = values[t] − μ − fixedBias[indices[t]] (the bias
   * part only with `withBias`).
   * @throws RangeError when the row is longer than maxRowLength or k does not match
   */
  gather(
    F: Float64Array,
    d: number,
    indices: Int32Array,
    values: Float64Array,
    start: number,
    end: number,
    withBias: boolean,
    fixedBias: Float64Array | null,
    mu: number,
  ): void {
    const n = end - start;
    if (n > this.maxRowLength) throw new RangeError(`RowCg: row of ${n} entries, built for at most ${this.maxRowLength}`);
    if (d + (withBias ? 1 : 0) !== this.k) throw new RangeError(`RowCg: built for k = ${this.k}, got d = ${d}${withBias ? " + 1" : ""}`);
    const m = this.memory;
    const kp = this.kp;
    const oY = this.oY;
    const tail = this.kp - d; // entries after the factor part: the bias 1 and/or padding
    // Rows eight at a time, interleaved: eight independent streams of (likely cache-missing) reads of F — at 25M
    // ratings, where F is far larger than the caches, 20 % faster than four and 1.5× faster than one at a time.
    let t = 0;
    for (; t + 7 < n; t += 8) {
      const q = start + t;
      const o0 = indices[q] * d;
      const o1 = indices[q + 1] * d;
      const o2 = indices[q + 2] * d;
      const o3 = indices[q + 3] * d;
      const o4 = indices[q + 4] * d;
      const o5 = indices[q + 5] * d;
      const o6 = indices[q + 6] * d;
      const o7 = indices[q + 7] * d;
      const b0 = t * kp;
      const b1 = b0 + kp;
      const b2 = b1 + kp;
      const b3 = b2 + kp;
      const b4 = b3 + kp;
      const b5 = b4 + kp;
      const b6 = b5 + kp;
      const b7 = b6 + kp;
      for (let a = 0; a < d; a++) {
        m[b0 + a] = F[o0 + a];
        m[b1 + a] = F[o1 + a];
        m[b2 + a] = F[o2 + a];
        m[b3 + a] = F[o3 + a];
        m[b4 + a] = F[o4 + a];
        m[b5 + a] = F[o5 + a];
        m[b6 + a] = F[o6 + a];
        m[b7 + a] = F[o7 + a];
      }
    }
    for (; t < n; t++) {
      const src = indices[start + t] * d;
      const dst = t * kp;
      for (let a = 0; a < d; a++) m[dst + a] = F[src + a];
    }
    if (tail > 0) {
      const one = withBias ? 1 : 0;
      for (let q = 0, dst = d; q < n; q++, dst += kp) {
        m[dst] = one;
        if (tail > 1) m[dst + 1] = 0;
      }
    }
    if (withBias && fixedBias !== null) for (let q = 0; q < n; q++) m[oY + q] = values[start + q] - mu - fixedBias[indices[start + q]];
    else for (let q = 0; q < n; q++) m[oY + q] = values[start + q];
    const nPad = roundUp4(n);
    if (nPad > n) {
      m.fill(0, n * kp, nPad * kp);
      m.fill(0, oY + n, oY + nPad);
    }
    this.n = n;
  }

  /**
   * `steps` CG steps on (X̃ᵀX̃ + λ'I) x = X̃ᵀy for the gathered row, from and into {@link x}.
   */
  solve(lambda: number, steps: number): RowCgResult {
    const m = this.memory;
    const k = this.k;
    const { oX, oR, oP, oAp } = this;
    // r ← X̃ᵀ(y − X̃x) − λ'x,  p ← r
    this.pass(oX, oR, CgPassMode.Residual);
    let rr = 0;
    for (let a = 0; a < k; a++) {
      const ra = m[oR + a] - lambda * m[oX + a];
      m[oR + a] = ra;
      m[oP + a] = ra;
      rr += ra * ra;
    }
    if (this.kp > k) m[oP + k] = 0;
    let it = 0;
    while (it < steps && rr > 0) {
      // Ap ← X̃ᵀ(X̃p) + λ'p
      this.pass(oP, oAp, CgPassMode.Product);
      let pap = 0;
      for (let a = 0; a < k; a++) {
        const apa = m[oAp + a] + lambda * m[oP + a];
        m[oAp + a] = apa;
        pap += m[oP + a] * apa;
      }
      if (!(pap > 0)) break;
      const alpha = rr / pap;
      let rrNew = 0;
      for (let a = 0; a < k; a++) {
        m[oX + a] += alpha * m[oP + a];
        const ra = m[oR + a] - alpha * m[oAp + a];
        m[oR + a] = ra;
        rrNew += ra * ra;
      }
      const beta = rrNew / rr;
      for (let a = 0; a < k; a++) m[oP + a] = m[oR + a] + beta * m[oP + a];
      rr = rrNew;
      it++;
    }
    return { iterations: it, residualNorm: Math.sqrt(rr) };
  }

  /**
   * The residuals y_t − x̃_t·x of the gathered rows at the current {@link x} (after a {@link solve}: the row's
   * training errors), as a view of length n — valid until the next gather. Overwrites the targets: call last.
   */
  residuals(): Float64Array {
    this.pass(this.oX, this.oAp, CgPassMode.Residuals);
    return this.memory.subarray(this.oY, this.oY + this.n);
  }

  private pass(v: number, out: number, mode: CgPassMode): void {
    const nPad = roundUp4(this.n);
    if (this.kernel !== null) this.kernel(this.oRows * 8, nPad, this.kp, v * 8, this.oY * 8, out * 8, mode);
    else cgPassScalar(this.memory, this.oRows, nPad, this.kp, v, this.oY, out, mode);
  }
}

function roundUp4(n: number): number {
  return (n + 3) & ~3;
}
