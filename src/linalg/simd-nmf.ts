/**
 * The accumulation pass of one NMF epoch (Surprise's NMF on observed ratings, ../models/nmf/nmf.ts) in a
 * WebAssembly kernel, ./wasm/nmf.wat: the prediction's dot product in scalar f order (as the scalar loop, so the
 * rounding is the same) and the four numerator / denominator accumulations in SIMD (f64x2).
 *
 * {@link createSimdNmf} lays out, in one kernel memory, the user-major CSR of the ratings, the factors, the biases
 * and the four accumulators; the views it returns are the fit's arrays (the memory never grows). The scalar twin
 * is the loop in `fitNmf`: bitwise the same results (test/linalg/simd-nmf.test.ts).
 *
 * Returns null where WebAssembly SIMD (or the built kernel) is unavailable or the arrays do not fit in one 32-bit
 * memory: callers use the scalar loop.
 */
import { instantiateWithMemory, kernelBytes, kernelModule } from "./wasm/load";

/** The sizes of an NMF fit. */
export interface NmfShape {
  nUsers: number;
  nItems: number;
  k: number;
  nnz: number;
}

/** One fit's arrays in the kernel memory and the kernel call. */
export interface SimdNmf {
  /** User-major CSR of the ratings (filled by the caller). */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly bu: Float64Array;
  readonly bi: Float64Array;
  readonly pu: Float64Array;
  readonly qi: Float64Array;
  readonly userNum: Float64Array;
  readonly userDen: Float64Array;
  readonly itemNum: Float64Array;
  readonly itemDen: Float64Array;
  /** The accumulation pass over every rating (accumulators must be zero; updates the biases when `biased`). */
  accumulate(gm: number, biased: boolean, lrBu: number, lrBi: number, regBu: number, regBi: number): void;
}

type Kernel = (...args: number[]) => void;

/** The compiled module, or null where WebAssembly SIMD (or the built kernel) is unavailable. */
export function simdNmfModule(): object | null {
  return kernelModule("nmf");
}

/** The binary module dist/linalg/wasm/nmf.wasm (exposed for tests), or null when not built. */
export function nmfModuleBytes(): Uint8Array | null {
  return kernelBytes("nmf");
}

/** The kernel with a memory laid out for `shape`, or null (module doc). */
export function createSimdNmf(shape: NmfShape): SimdNmf | null {
  const { nUsers, nItems, k, nnz } = shape;
  // Doubles first: bu, bi, pu, qi, un, ud, inum, iden, values; then the i32 indptr and indices.
  const sizes = [nUsers, nItems, nUsers * k, nItems * k, nUsers * k, nUsers * k, nItems * k, nItems * k, nnz];
  const offsets: number[] = [];
  let at = 0;
  for (const n of sizes) {
    offsets.push(at);
    at += n;
  }
  const ints = at; // in doubles
  const doubles = ints + Math.ceil((nUsers + 1 + nnz) / 2);
  if (doubles * 8 > 2 ** 31) return null;
  const wasm = instantiateWithMemory(simdNmfModule(), doubles);
  if (wasm === null) return null;
  const m = wasm.memory;
  const view = (j: number) => m.subarray(offsets[j], offsets[j] + sizes[j]);
  const [bu, bi, pu, qi, userNum, userDen, itemNum, itemDen, values] = sizes.map((_, j) => view(j));
  const i32 = new Int32Array(m.buffer);
  const indptr = i32.subarray(2 * ints, 2 * ints + nUsers + 1);
  const indices = i32.subarray(2 * ints + nUsers + 1, 2 * ints + nUsers + 1 + nnz);
  const kernel = wasm.exports.accumulate as Kernel;
  return {
    indptr,
    indices,
    values,
    bu,
    bi,
    pu,
    qi,
    userNum,
    userDen,
    itemNum,
    itemDen,
    accumulate(gm, biased, lrBu, lrBi, regBu, regBi) {
      kernel(
        indptr.byteOffset,
        indices.byteOffset,
        values.byteOffset,
        nUsers,
        k,
        gm,
        biased ? 1 : 0,
        bu.byteOffset,
        bi.byteOffset,
        pu.byteOffset,
        qi.byteOffset,
        userNum.byteOffset,
        userDen.byteOffset,
        itemNum.byteOffset,
        itemDen.byteOffset,
        lrBu,
        lrBi,
        regBu,
        regBi,
      );
    },
  };
}
