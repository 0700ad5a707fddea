/**
 * Biased-MF SGD epochs (Surprise's SVD update) and the per-epoch training-error pass in a WebAssembly SIMD (f64x2)
 * kernel, ./wasm/sgd.wat (which spells out every operation and its order).
 *
 * {@link createSimdSgd} lays out, in one kernel memory, the factors (P users × k, Q items × k, row-major), the
 * biases, the ratings in their stored order (for the error pass) and, when `shuffled`, a second copy that the
 * caller refills in each epoch's visiting order. The Float64Array / Int32Array views it returns are the model's
 * arrays during a fit (the memory never grows, so the views stay valid).
 *
 * The scalar twins are `sgdEpoch` and the error pass of `fitSvd` in ../models/gradient/svd.ts: the same operations
 * in the same order, without fused multiply-add on either side, so the two paths give bitwise identical factors
 * and errors (test/linalg/simd-sgd.test.ts). Measured on ML-100K u1 at 100 factors: see scripts/bench-sgd.js.
 *
 * Returns null where WebAssembly SIMD (or the built kernel) is unavailable, or the memory cannot be had: callers
 * use the scalar twins.
 */
import { instantiateWithMemory, kernelBytes, kernelModule } from "./wasm/load";

/** The sizes of an SGD fit. */
export interface SgdShape {
  nUsers: number;
  nItems: number;
  /** Factors per row. */
  k: number;
  /** Training ratings. */
  nnz: number;
  /** Whether epochs visit the ratings in an order other than the stored one (a second copy of the ratings). */
  shuffled: boolean;
}

/** The learning rates and regularizations of one epoch. */
export interface SgdRates {
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
}

/** Sums of one training-error pass (ratings in stored order). */
export interface SgdErrorSums {
  /** Σ (r − r̂)² */
  sse: number;
  /** Σ (r − clip(r̂))² */
  sseClipped: number;
  /** Σ |r − clip(r̂)| */
  sae: number;
}

/** One fit's arrays in the kernel memory and the two kernel calls. */
export interface SimdSgd {
  readonly bu: Float64Array;
  readonly bi: Float64Array;
  readonly P: Float64Array;
  readonly Q: Float64Array;
  /** The ratings in stored order (filled by the caller; the error pass reads these). */
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly values: Float64Array;
  /** The visiting order of the next epoch: separate arrays when `shuffled`, else the stored-order arrays. */
  readonly orderUsers: Int32Array;
  readonly orderItems: Int32Array;
  readonly orderValues: Float64Array;
  /** One SGD epoch over the ratings in visiting order (updates bu, bi, P, Q in place). */
  epoch(mu: number, biased: boolean, rates: SgdRates): void;
  /** The training errors of the current factors over the stored-order ratings, predictions clipped to [lo, hi]. */
  evaluate(mu: number, biased: boolean, lo: number, hi: number): SgdErrorSums;
}

type EpochKernel = (...args: number[]) => void;

/** The compiled module, or null where WebAssembly SIMD (or the built kernel) is unavailable. Compiled once. */
export function simdSgdModule(): object | null {
  return kernelModule("sgd");
}

/** The binary module dist/linalg/wasm/sgd.wasm (exposed for tests), or null when not built. */
export function sgdModuleBytes(): Uint8Array | null {
  return kernelBytes("sgd");
}

/**
 * The kernel instantiated with a memory laid out for `shape` (see the module doc).
 * @returns null when WebAssembly SIMD is unavailable or the arrays do not fit in one 32-bit memory
 */
export function createSimdSgd(shape: SgdShape): SimdSgd | null {
  const { nUsers, nItems, k, nnz, shuffled } = shape;
  const copies = shuffled ? 2 : 1;
  // Doubles first (8-byte aligned), then the i32 indices.
  const o = { bu: 0, bi: nUsers, P: nUsers + nItems, Q: 0, values: 0, orderValues: 0, out: 0, ints: 0 };
  o.Q = o.P + nUsers * k;
  o.values = o.Q + nItems * k;
  o.orderValues = shuffled ? o.values + nnz : o.values;
  o.out = o.values + copies * nnz;
  o.ints = o.out + 4; // in doubles; i32 offsets are 2× this
  const doubles = o.ints + Math.ceil((2 * copies * nnz) / 2);
  if (doubles * 8 > 2 ** 31) return null; // byte offsets are i32
  const wasm = instantiateWithMemory(simdSgdModule(), doubles);
  if (wasm === null) return null;
  const m = wasm.memory;
  const buffer = m.buffer;
  const i0 = 2 * o.ints;
  const ints = new Int32Array(buffer);
  const users = ints.subarray(i0, i0 + nnz);
  const items = ints.subarray(i0 + nnz, i0 + 2 * nnz);
  const orderUsers = shuffled ? ints.subarray(i0 + 2 * nnz, i0 + 3 * nnz) : users;
  const orderItems = shuffled ? ints.subarray(i0 + 3 * nnz, i0 + 4 * nnz) : items;
  const byte = (a: { byteOffset: number }) => a.byteOffset;
  const epochKernel = wasm.exports.epoch as EpochKernel;
  const evaluateKernel = wasm.exports.evaluate as EpochKernel;
  const view = {
    bu: m.subarray(o.bu, o.bu + nUsers),
    bi: m.subarray(o.bi, o.bi + nItems),
    P: m.subarray(o.P, o.P + nUsers * k),
    Q: m.subarray(o.Q, o.Q + nItems * k),
    values: m.subarray(o.values, o.values + nnz),
    orderValues: m.subarray(o.orderValues, o.orderValues + nnz),
  };
  return {
    ...view,
    users,
    items,
    orderUsers,
    orderItems,
    epoch(mu, biased, r) {
      epochKernel(
        byte(orderUsers),
        byte(orderItems),
        byte(view.orderValues),
        nnz,
        k,
        mu,
        biased ? 1 : 0,
        byte(view.bu),
        byte(view.bi),
        byte(view.P),
        byte(view.Q),
        r.lrBu,
        r.lrBi,
        r.lrPu,
        r.lrQi,
        r.regBu,
        r.regBi,
        r.regPu,
        r.regQi,
      );
    },
    evaluate(mu, biased, lo, hi) {
      evaluateKernel(
        byte(users),
        byte(items),
        byte(view.values),
        nnz,
        k,
        mu,
        biased ? 1 : 0,
        byte(view.bu),
        byte(view.bi),
        byte(view.P),
        byte(view.Q),
        lo,
        hi,
        8 * o.out,
      );
      return { sse: m[o.out], sseClipped: m[o.out + 1], sae: m[o.out + 2] };
    },
  };
}
