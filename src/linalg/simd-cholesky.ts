/**
 * Cholesky factorization and solve of a small dense SPD system A x = b (the k×k ridge normal equations of
 * exact ALS, k = d or d + 1) in a WebAssembly SIMD (f64x2) kernel. Same mathematics and pivot test as the
 * scalar {@link choleskySolveInPlace} of ./cholesky, which remains the fallback where SIMD is unavailable.
 *
 * Algorithm (left-looking, Cholesky–Banachiewicz, two rows at a time): for each pair of rows (i, i+1), i even,
 * and each earlier pair of rows (j, j+1), j < i, even,
 *   [L_ij,   L_i+1,j  ] = ([A_ij,   A_i+1,j  ] − Σ_{t<j} [L_it, L_i+1,t] · L_jt) / L_jj
 *   [L_i,j+1, L_i+1,j+1] = ([A_i,j+1, A_i+1,j+1] − Σ_{t<j} [L_it, L_i+1,t] · L_j+1,t − [L_ij, L_i+1,j] · L_j+1,j) / L_j+1,j+1
 * then the 2×2 diagonal block: p_i = A_ii − Σ_{t<i} L_it², L_ii = √p_i, L_i+1,i = (A_i+1,i − Σ L_i+1,t L_it) / L_ii,
 * p_i+1 = A_i+1,i+1 − Σ_{t≤i} L_i+1,t², L_i+1,i+1 = √p_i+1. Pivot test as in choleskyFactorInPlace: row r fails
 * when !(p_r > relTol·A_rr) or !(p_r > 0) (so NaN fails). Then L y = b (forward, pairs of rows) and Lᵀ x = y
 * (backward, pairs of rows, column i of L read across the later row pairs). Divisions by L_jj are
 * multiplications by a stored 1/L_jj, and sums are formed in a different order than the scalar code, so
 * results agree to rounding (≈1e-15 relative for well-conditioned systems), not bitwise.
 *
 * Layout (byte offsets into the instance's own memory): the row-major input A (k×k, copied with one
 * `Float64Array.set`, or a loop for k ≤ 4), and L packed by row pairs with the two rows INTERLEAVED: pair P (rows 2P, 2P+1) holds
 * 2P + 2 columns, column c as the f64x2 [L_2P,c, L_2P+1,c], pair P starting at P(P+1)·16 bytes. So one v128
 * load gives a column of both rows, and the inner loop of the factorization is, per t (unrolled by 2),
 *   S_j += [L_it, L_i+1,t] · splat(L_jt),   S_j+1 += [L_it, L_i+1,t] · splat(L_j+1,t)
 * (1 load + 2 load-splats per 2 f64x2 multiply-adds, 4 independent accumulators), and every epilogue works on
 * both rows at once with no horizontal sums. Odd k is padded to k + 1 with an identity row (A_kk = 1, b_k = 0),
 * which leaves the first k unknowns unchanged. The kernel first copies A's lower triangle into this layout
 * (reading nothing above the diagonal; A itself is never written).
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
 * Variants tried and rejected (slower in V8 at every k): four rows × one column pair per inner loop (8
 * accumulators), and unrolling t by 4 (8 accumulators) — presumably more live v128 values than V8
 * keeps in registers.
 */

import { choleskySolveInPlace } from "./cholesky";
import {
  ADD, AND, BLOCK, ELSE, END, EQZ, F64, F64_ADD, F64_DIV, F64_GT, F64_MUL, F64_SQRT, F64_SUB, F64X2_ADD, F64X2_MUL,
  F64X2_SUB, I32, IF, LOOP, LE_S, LT_S, MUL, RETURN, SHL, SUB, V128, V128_ZERO, addTo, br, brIf, compileModule, f64,
  f64Load, f64Store, get, i32, instantiateWithMemory, lane, set, tee, v128Load, v128Load64Splat, v128Store, wasmModule,
  whileLt,
} from "./wasm-asm"; // prettier-ignore

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

let cachedModule: object | null | undefined;
let cachedBytes: Uint8Array | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable. Compiled once. */
function simdCholeskyModule(): object | null {
  if (cachedModule === undefined) cachedModule = compileModule(simdCholeskyModuleBytes());
  return cachedModule;
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
    if (kk <= 16) for (let t = 0; t < kk; t++) mem[aIdx + t] = A[t]; // cheaper than set() for tiny k
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
export function solveSpd(
  simd: SimdCholesky | null,
  scratch: Float64Array,
  A: Float64Array,
  b: Float64Array,
  k: number,
  relTol = 0,
): boolean {
  if (simd !== null && k <= simd.maxK) return simd.solve(A, b, k, relTol);
  scratch.set(A.length === k * k ? A : A.subarray(0, k * k));
  return choleskySolveInPlace(scratch, b, k, relTol);
}

/** The binary module (exposed for tests and inspection). */
export function simdCholeskyModuleBytes(): Uint8Array {
  if (cachedBytes) return cachedBytes;
  // Params: a, k, l, b, inv (i32 byte offsets / size), relTol (f64).
  const [a, k, l, b, inv, relTol] = [0, 1, 2, 3, 4, 5];
  // i32 locals 6..18, f64 locals 19..22, v128 locals 23..30.
  const [kp, i, j, pP, pQ, x, y, end, s0, s1, step, bEnd, r1] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const [p, w, m, a0] = [19, 20, 21, 22];
  const [s0a, s0b, s1a, s1b, X0, X1, V0, D] = [23, 24, 25, 26, 27, 28, 29, 30];

  const zero = (...vs: number[]) => vs.flatMap((v) => [...V128_ZERO, ...set(v)]);
  /** acc += (v128 at base+off) · splat(f64 at sb+soff) */
  const maddSplat = (acc: number, X: number, sb: number, soff: number) => [
    ...get(acc), ...get(X), ...get(sb), ...v128Load64Splat(soff), ...F64X2_MUL, ...F64X2_ADD, ...set(acc),
  ]; // prettier-ignore
  const hsum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), ...F64_ADD];
  /** `local ← base + idx·2^shift` */
  const addr = (into: number, base: number, idx: number, shift: number) => [...get(base), ...get(idx), ...i32(shift), ...SHL, ...ADD, ...set(into)];
  /** return 0 unless v > relTol·diag and v > 0 (NaN fails). */
  const pivotCheck = (v: number, diag: number) => [
    ...get(v), ...get(relTol), ...get(diag), ...F64_MUL, ...F64_GT,
    ...get(v), ...f64(0), ...F64_GT, ...AND, ...EQZ, ...IF, ...i32(0), ...RETURN, ...END,
  ]; // prettier-ignore

  // 1. Copy A's lower triangle into the interleaved pair layout (upper slot of each diagonal block ← 0; for odd
  //    k the padding row is [0 … 0 1]).
  const relayout = [
    ...i32(0), ...set(i), ...get(l), ...set(pP),
    ...whileLt(i, kp, [
      ...get(i), ...i32(1), ...ADD, ...set(r1),
      // s0 = a + i·k·8 (row i), x = pP, end = pP + r1·16 (column r1 of this pair)
      ...get(a), ...get(i), ...get(k), ...MUL, ...i32(3), ...SHL, ...ADD, ...set(s0),
      ...get(pP), ...set(x), ...addr(end, pP, r1, 4),
      ...get(r1), ...get(k), ...LT_S, ...IF,
      ...get(s0), ...get(k), ...i32(3), ...SHL, ...ADD, ...set(s1),
      ...whileLt(x, end, [
        ...get(x), ...get(s0), ...f64Load(0), ...f64Store(0),
        ...get(x), ...get(s1), ...f64Load(0), ...f64Store(8),
        ...addTo(s0, 8), ...addTo(s1, 8), ...addTo(x, 16),
      ]),
      ...get(x), ...f64(0), ...f64Store(0),
      ...get(x), ...get(s1), ...f64Load(0), ...f64Store(8),
      ...ELSE,
      ...whileLt(x, end, [
        ...get(x), ...get(s0), ...f64Load(0), ...f64Store(0),
        ...get(x), ...f64(0), ...f64Store(8),
        ...addTo(s0, 8), ...addTo(x, 16),
      ]),
      ...get(x), ...f64(0), ...f64Store(0),
      ...get(x), ...f64(1), ...f64Store(8),
      ...END,
      ...get(x), ...i32(16), ...ADD, ...set(pP),
      ...addTo(i, 2),
    ]),
  ]; // prettier-ignore

  // 2. Factor, pair of rows (i, i+1) by pair; pP = its pair's first column, pQ = pair (j, j+1)'s.
  const dotLoop = whileLt(x, end, [
    ...get(x), ...v128Load(0), ...set(X0),
    ...get(x), ...v128Load(16), ...set(X1),
    ...maddSplat(s0a, X0, y, 0),
    ...maddSplat(s1a, X0, y, 8),
    ...maddSplat(s0b, X1, y, 16),
    ...maddSplat(s1b, X1, y, 24),
    ...addTo(x, 32), ...addTo(y, 32),
  ]); // prettier-ignore
  // After dotLoop: x = column j of pair P, y = column j of pair Q.
  const offDiagonal = [
    ...addr(s0, inv, j, 3),
    ...get(x),
    ...get(x), ...v128Load(0), ...get(s0a), ...get(s0b), ...F64X2_ADD, ...F64X2_SUB,
    ...get(s0), ...v128Load64Splat(0), ...F64X2_MUL, ...tee(V0), ...v128Store(0),
    ...get(x),
    ...get(x), ...v128Load(16), ...get(s1a), ...get(s1b), ...F64X2_ADD, ...F64X2_SUB,
    ...get(V0), ...get(y), ...v128Load64Splat(8), ...F64X2_MUL, ...F64X2_SUB,
    ...get(s0), ...v128Load64Splat(8), ...F64X2_MUL, ...v128Store(16),
  ]; // prettier-ignore
  const diagonal = [
    ...addr(s0, inv, i, 3),
    ...get(x), ...v128Load(0), ...get(s0a), ...get(s0b), ...F64X2_ADD, ...F64X2_SUB, ...set(D),
    ...get(x), ...f64Load(0), ...set(a0),
    ...get(D), ...lane(0), ...set(p),
    ...pivotCheck(p, a0),
    ...get(p), ...F64_SQRT, ...set(p),
    ...f64(1), ...get(p), ...F64_DIV, ...set(w),
    ...get(x), ...get(p), ...f64Store(0),
    ...get(s0), ...get(w), ...f64Store(0),
    ...get(x), ...get(D), ...lane(1), ...get(w), ...F64_MUL, ...tee(m), ...f64Store(8),
    ...get(x), ...f64Load(24), ...set(a0),
    ...get(a0), ...get(s1a), ...get(s1b), ...F64X2_ADD, ...lane(1), ...F64_SUB, ...get(m), ...get(m), ...F64_MUL, ...F64_SUB, ...set(p),
    ...pivotCheck(p, a0),
    ...get(p), ...F64_SQRT, ...set(p),
    ...get(x), ...get(p), ...f64Store(24),
    ...get(s0), ...f64(1), ...get(p), ...F64_DIV, ...f64Store(8),
  ]; // prettier-ignore
  const factor = [
    ...i32(0), ...set(i), ...get(l), ...set(pP),
    ...whileLt(i, kp, [
      ...i32(0), ...set(j), ...get(l), ...set(pQ),
      ...BLOCK, ...LOOP,
      ...zero(s0a, s0b, s1a, s1b),
      ...get(pP), ...set(x), ...get(pQ), ...set(y), ...addr(end, pP, j, 4),
      ...dotLoop,
      ...get(j), ...get(i), ...LT_S, ...IF, ...offDiagonal, ...ELSE, ...diagonal, ...END,
      ...get(y), ...i32(32), ...ADD, ...set(pQ),
      ...addTo(j, 2),
      ...get(j), ...get(i), ...LE_S, ...brIf(0),
      ...END, ...END,
      ...get(x), ...i32(32), ...ADD, ...set(pP),
      ...addTo(i, 2),
    ]),
  ]; // prettier-ignore

  // 3. Forward substitution L y = b, two rows at a time (b ← y).
  const forward = [
    ...i32(0), ...set(i), ...get(l), ...set(pP),
    ...whileLt(i, kp, [
      ...zero(s0a, s0b),
      ...get(pP), ...set(x), ...get(b), ...set(y), ...addr(end, pP, i, 4),
      ...whileLt(x, end, [
        ...get(x), ...v128Load(0), ...set(X0),
        ...get(x), ...v128Load(16), ...set(X1),
        ...maddSplat(s0a, X0, y, 0),
        ...maddSplat(s0b, X1, y, 8),
        ...addTo(x, 32), ...addTo(y, 16),
      ]),
      // x = column i of pair i, y = b + i·8
      ...addr(s0, inv, i, 3),
      ...get(y), ...v128Load(0), ...get(s0a), ...get(s0b), ...F64X2_ADD, ...F64X2_SUB, ...set(D),
      ...get(y), ...get(D), ...lane(0), ...get(s0), ...f64Load(0), ...F64_MUL, ...tee(p), ...f64Store(0),
      ...get(y), ...get(D), ...lane(1), ...get(x), ...f64Load(8), ...get(p), ...F64_MUL, ...F64_SUB,
      ...get(s0), ...f64Load(8), ...F64_MUL, ...f64Store(8),
      ...get(x), ...i32(32), ...ADD, ...set(pP),
      ...addTo(i, 2),
    ]),
  ]; // prettier-ignore

  // 4. Back substitution Lᵀ x = y, pairs from the last: column i, i+1 of L read across the later pairs.
  //    On entry pP = the end of L (after the forward loop), i = kp.
  const backward = [
    ...addr(bEnd, b, kp, 3),
    ...BLOCK, ...LOOP,
    ...get(i), ...EQZ, ...brIf(1),
    ...get(i), ...i32(2), ...SUB, ...set(i),
    // pP ← pP − (i + 2)·16: the start of pair i
    ...get(pP), ...get(i), ...i32(2), ...ADD, ...i32(4), ...SHL, ...SUB, ...set(pP),
    ...zero(s0a, s1a),
    // x = column i of pair i+2 = pP + (i+2)·16 + i·16; step to the next pair = (i+4)·16; y = b + (i+2)·8
    ...get(pP), ...get(i), ...i32(5), ...SHL, ...ADD, ...i32(32), ...ADD, ...set(x),
    ...get(i), ...i32(4), ...ADD, ...i32(4), ...SHL, ...set(step),
    ...get(b), ...get(i), ...i32(2), ...ADD, ...i32(3), ...SHL, ...ADD, ...set(y),
    ...whileLt(y, bEnd, [
      ...get(y), ...v128Load(0), ...set(X0),
      ...get(s0a), ...get(x), ...v128Load(0), ...get(X0), ...F64X2_MUL, ...F64X2_ADD, ...set(s0a),
      ...get(s1a), ...get(x), ...v128Load(16), ...get(X0), ...F64X2_MUL, ...F64X2_ADD, ...set(s1a),
      ...get(x), ...get(step), ...ADD, ...set(x),
      ...addTo(step, 32), ...addTo(y, 16),
    ]),
    ...addr(s0, inv, i, 3),
    ...addr(y, b, i, 3),
    ...addr(x, pP, i, 4),
    ...get(y), ...get(y), ...f64Load(8), ...hsum(s1a), ...F64_SUB, ...get(s0), ...f64Load(8), ...F64_MUL, ...tee(p), ...f64Store(8),
    ...get(y), ...get(y), ...f64Load(0), ...hsum(s0a), ...F64_SUB, ...get(x), ...f64Load(8), ...get(p), ...F64_MUL, ...F64_SUB,
    ...get(s0), ...f64Load(0), ...F64_MUL, ...f64Store(0),
    ...br(0),
    ...END, ...END,
  ]; // prettier-ignore

  const body = [
    ...get(k), ...i32(1), ...ADD, ...i32(-2), ...AND, ...set(kp),
    ...relayout,
    ...factor,
    ...forward,
    ...backward,
    ...i32(1),
  ]; // prettier-ignore
  cachedBytes = wasmModule([
    {
      name: "solve",
      params: [I32, I32, I32, I32, I32, F64],
      results: [I32],
      locals: [{ count: 13, type: I32 }, { count: 4, type: F64 }, { count: 8, type: V128 }],
      body,
    },
  ]);
  return cachedBytes;
}
