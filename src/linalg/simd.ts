/**
 * A WebAssembly SIMD (f64x2) kernel for the dominant cost of ALS: the Gram products G_ab = ⟨Xt_a, Xt_b⟩ of a
 * transposed design. Plain JavaScript cannot use SIMD; the same loop in wasm with 128-bit lanes runs about
 * 3× faster on ML-100K (measured: 14.5 ms vs 42.5 ms CPU for the Gram matrices of one d = 50 user half-step,
 * against the 3×3-blocked scalar kernel of ./gram).
 *
 * The kernel is the WebAssembly text ./wasm/gram.wat (which documents the loop and the memory layout),
 * compiled by wabt at build time and loaded by ./wasm/load. Its one export, `gram(xt, n, kp, g)` (byte offsets
 * into the instance's memory), computes for even `kp` and even `n`, over a row-major kp × n matrix Xt at `xt`,
 * the 2×2 blocks G[a..a+1][b..b+1] = Xt[a..a+1] · Xt[b..b+1]ᵀ for even a ≤ b, stored row-major kp × kp at `g`
 * (every entry with a ≤ b is written). Sums are formed in a different order than the scalar kernel (results
 * agree to rounding, not bitwise). Callers pad n and kp to even with zero entries / a zero row (GramAssembler
 * in ./gram does).
 *
 * {@link simdGramModule} returns null where WebAssembly or its SIMD proposal is unavailable (or the compiled
 * kernel is missing); callers then use the scalar kernel.
 */

import { instantiateWithMemory, kernelBytes, kernelModule } from "./wasm/load";

export type GramKernel = (xtByteOffset: number, n: number, kp: number, gByteOffset: number) => void;

/** A wasm instance bound to its own memory. */
export interface SimdGram {
  readonly memory: Float64Array;
  readonly gram: GramKernel;
}

/** The compiled module, or null when WebAssembly SIMD (or the built kernel) is not available here. Compiled once. */
export function simdGramModule(): object | null {
  return kernelModule("gram");
}

/**
 * Instantiate the kernel with a fresh memory of at least `doubles` Float64 entries.
 * @returns null when WebAssembly SIMD is unavailable
 */
export function createSimdGram(doubles: number): SimdGram | null {
  const wasm = instantiateWithMemory(simdGramModule(), doubles);
  return wasm === null ? null : { memory: wasm.memory, gram: wasm.exports.gram as GramKernel };
}

/** The binary module dist/linalg/wasm/gram.wasm (exposed for tests and inspection), or null when not built. */
export function gramModuleBytes(): Uint8Array | null {
  return kernelBytes("gram");
}
