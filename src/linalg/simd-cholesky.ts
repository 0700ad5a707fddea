/**
 * Cholesky factorization and solve of a small dense SPD system A x = b (the k×k ridge normal equations of
 * exact ALS, k = d or d + 1) in a WebAssembly SIMD (f64x2) kernel. Same mathematics and pivot test as the
 * scalar {@link choleskySolveInPlace} of ./cholesky, which remains the fallback where SIMD is unavailable.
 *
 * The kernel is the WebAssembly text ./wasm/cholesky.wat — it documents the algorithm (left-looking,
 * Cholesky–Banachiewicz, two rows at a time), the interleaved row-pair layout of L and the order of the sums —
 * compiled by wabt at build time and loaded by ./wasm/load. This module owns its memory: the row-major input A
 * (k×k, copied with one `Float64Array.set`, or a loop for k ≤ 4; the kernel reads only its lower triangle and
 * never writes it), b (padded to even k with a 0), 1/L_jj and L. Divisions by L_jj are multiplications by the
 * stored 1/L_jj, and sums are formed in a different order than the scalar code, so results agree to rounding
 * (≈1e-15 relative for well-conditioned systems), not bitwise.
 *
 * Cost: (k + 1)³/6 multiply-adds (as f64x2, half as many instructions) + O(k²) copies and solves.
 *
 * Measured (scripts/bench-cholesky.js, Node 20, 2-core AMD EPYC VM under load ≈ 2, one thread; median ns per
 * solve over pools of 32 random SPD systems; scalar = `factor.set(A)` + choleskySolveInPlace as ALS does, SIMD =
 * `solve` including its copies; two runs each, speedup range):
 *   k:        1     2     4     6     8    10    11    20     50     51     100
 *   scalar:  74   110   170   260   400   600   780  2000  16000  18000  110000
 *   SIMD:    82   100   165   220   290   390   480   850   4600   5100   26000
 *   speedup: 0.9×  1.0–1.2× 1.0–1.3× 1.2× 1.4× 1.6× 1.5–1.7× 2.3–2.5× 3.5–4.2× 3.5–4.2× 4.2–4.9×
 * (results agree with the scalar path to ≤ 5e-14 relative). Exact ALS on ML-100K u1, d = 50, one thread, with the
 * scalar solve swapped for this one: 125 → 82 ms per iteration (both half-steps) on that loaded VM.
 */

import { choleskySolveInPlace } from "./cholesky";
import { instantiateWithMemory, kernelBytes, kernelModule } from "./wasm/load";

export interface SimdCholesky {
  /** Largest k this instance handles. */
  readonly maxK: number;
  /**
   * Solve A x = b for the k×k SPD matrix A (row-major, length ≥ k², only the lower triangle incl. diagonal is
   * read; A is NOT modified) and b (length ≥ k, overwritten with x on success, untouched on failure).
   * Same pivot test as choleskyFactorInPlace(A, k, relTol): row i fails when p_i ≤ relTol·A_ii or p_i ≤ 0 or NaN.
   * @throws RangeError when k is not an integer in [0, maxK] or A / b are shorter than k² / k
   * @returns false when A is not (numerically) positive definite
   */
  solve(A: Float64Array, b: Float64Array, k: number, relTol?: number): boolean;
}

/** `solve(aByte, k, lByte, bByte, invByte, relTol)` → 1 on success, 0 when a pivot fails. */
type SolveKernel = (a: number, k: number, l: number, b: number, inv: number, relTol: number) => number;

/** The compiled module, or null where WebAssembly SIMD (or the built kernel) is unavailable. Compiled once. */
function simdCholeskyModule(): object | null {
  return kernelModule("cholesky");
}

/**
 * A solver for systems of up to `maxK` unknowns with its own wasm memory (about (maxK + 2)²·1.5 doubles).
 * @returns null where WebAssembly SIMD is unavailable (callers then use choleskySolveInPlace)
 * @throws RangeError when maxK is not an integer ≥ 1
 */
export function createSimdCholesky(maxK: number): SimdCholesky | null {
  if (!Number.isInteger(maxK) || maxK < 1) throw new RangeError(`createSimdCholesky: maxK must be an integer ≥ 1, got ${maxK}`);
  const kp = maxK + (maxK & 1);
  const np = kp / 2;
  // Doubles: L (packed pairs) at 0, then b (kp), 1/L_jj (kp), then A (maxK², rounded up to even).
  const lIdx = 0;
  const bIdx = lIdx + np * (np + 1) * 2;
  const invIdx = bIdx + kp;
  const aIdx = invIdx + kp;
  const total = aIdx + maxK * maxK + 1;
  const wasm = instantiateWithMemory(simdCholeskyModule(), total);
  if (wasm === null) return null;
  return new WasmCholesky(maxK, wasm.memory, wasm.exports.solve as SolveKernel, lIdx, bIdx, invIdx, aIdx);
}

class WasmCholesky implements SimdCholesky {
  constructor(
    readonly maxK: number,
    private readonly mem: Float64Array,
    private readonly kernel: SolveKernel,
    private readonly lIdx: number,
    private readonly bIdx: number,
    private readonly invIdx: number,
    private readonly aIdx: number,
  ) {}

  solve(A: Float64Array, b: Float64Array, k: number, relTol = 0): boolean {
    if (!(k >= 0 && k <= this.maxK && Number.isInteger(k))) {
      throw new RangeError(`SimdCholesky.solve: k = ${k} is outside 0..${this.maxK} (this instance's maxK)`);
    }
    const kk = k * k;
    if (A.length < kk || b.length < k) {
      throw new RangeError(`SimdCholesky.solve: k = ${k} needs A.length ≥ ${kk} and b.length ≥ ${k}, got ${A.length} and ${b.length}`);
    }
    if (k === 0) return true;
    const mem = this.mem;
    const aIdx = this.aIdx;
    if (kk <= 16)
      for (let t = 0; t < kk; t++) mem[aIdx + t] = A[t]; // cheaper than set() for tiny k
    else mem.set(A.length === kk ? A : A.subarray(0, kk), aIdx);
    const bIdx = this.bIdx;
    for (let i = 0; i < k; i++) mem[bIdx + i] = b[i];
    if ((k & 1) === 1) mem[bIdx + k] = 0;
    if (this.kernel(aIdx * 8, k, this.lIdx * 8, bIdx * 8, this.invIdx * 8, relTol) === 0) return false;
    for (let i = 0; i < k; i++) b[i] = mem[bIdx + i];
    return true;
  }
}

/**
 * Solve with the SIMD kernel when `simd` is non-null and k ≤ simd.maxK, else with choleskySolveInPlace on a copy
 * of A in `scratch` (length ≥ k²). Same contract as {@link SimdCholesky.solve} (A unmodified, b ← x on success).
 */
export function solveSpd(simd: SimdCholesky | null, scratch: Float64Array, A: Float64Array, b: Float64Array, k: number, relTol = 0): boolean {
  if (simd !== null && k <= simd.maxK) return simd.solve(A, b, k, relTol);
  scratch.set(A.length === k * k ? A : A.subarray(0, k * k));
  return choleskySolveInPlace(scratch, b, k, relTol);
}

/** The binary module dist/linalg/wasm/cholesky.wasm (exposed for tests and inspection), or null when not built. */
export function simdCholeskyModuleBytes(): Uint8Array | null {
  return kernelBytes("cholesky");
}
