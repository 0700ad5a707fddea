/**
 * Row helpers shared by the ALS fits (./als and ./implicit-als) on row-major (rows × d) factor arrays and
 * CSR views. Internal: not re-exported from the package index.
 */
import type { Csr, RatingsMatrix } from "../data/ratings";

/** Σ_a A[oa + a] · B[ob + a] for a = 0..d−1, summed in order (the reference order of the ALS kernels). */
export function dotRows(A: Float64Array, oa: number, B: Float64Array, ob: number, d: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) s += A[oa + a] * B[ob + a];
  return s;
}

/** The largest number of entries in one row of `csr` (0 when it has no rows). */
export function maxRowLength(csr: Csr): number {
  let m = 0;
  for (let r = 0; r < csr.nRows; r++) m = Math.max(m, csr.indptr[r + 1] - csr.indptr[r]);
  return m;
}

/** The largest row of either CSR view of `train` (users or items): the size of a workspace for both half-steps. */
export function maxRowLengthOf(train: RatingsMatrix): number {
  return Math.max(maxRowLength(train.byUser()), maxRowLength(train.byItem()));
}

/** Zero row r of the row-major (counts.length × d) array F wherever counts[r] === 0. */
export function zeroEmptyRows(F: Float64Array, counts: Int32Array, d: number): void {
  for (let r = 0; r < counts.length; r++) if (counts[r] === 0) F.fill(0, r * d, (r + 1) * d);
}
