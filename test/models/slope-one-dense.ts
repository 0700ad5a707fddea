/**
 * Test oracle: the dense Slope One of mflab ≤ 0.3.0 (one n_items × n_items Float64Array of deviations, NaN where
 * no user rated both items), kept verbatim except for the item limit, so the sparse implementation in
 * src/models/neighbourhood/slope-one.ts can be checked against it bitwise. O(n_items²) memory: small data only.
 */
import type { Csr, RatingsMatrix } from "../../src/data/ratings";

export class DenseSlopeOne {
  constructor(
    readonly globalMean: number,
    private readonly nItems: number,
    /** dev(i, j) at i * nItems + j; NaN when no user rated both. */
    readonly dev: Float64Array,
    private readonly userMean: Float64Array,
    private readonly byUser: Csr,
    private readonly itemCount: Int32Array,
  ) {}

  isFallback(u: number, i: number): boolean {
    return !(this.byUser.indptr[u + 1] > this.byUser.indptr[u] && this.itemCount[i] > 0);
  }

  predict(u: number, i: number): number {
    if (this.isFallback(u, i)) return this.globalMean;
    const { indptr, indices } = this.byUser;
    const dev = this.dev;
    const row = i * this.nItems;
    let sum = 0;
    let count = 0;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const d = dev[row + indices[p]];
      if (!Number.isNaN(d)) {
        sum += d;
        count++;
      }
    }
    return count > 0 ? this.userMean[u] + sum / count : this.userMean[u];
  }

  deviation(i: number, j: number): number {
    return this.dev[i * this.nItems + j];
  }
}

export function fitDenseSlopeOne(train: RatingsMatrix): DenseSlopeOne {
  if (train.nnz === 0) throw new RangeError("slope-one: the training matrix has no ratings");
  const n = train.nItems;
  const byUser = train.byUser();
  const byItem = train.byItem();
  const { indptr, indices, values } = byItem;
  const freq = new Int32Array(n);
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const dev = new Float64Array(n * n).fill(NaN);
  const { indptr: uPtr, indices: uIdx, values: uVal } = byUser;
  const cursor = uPtr.slice(0, byUser.nRows);
  for (let i = 0; i < n; i++) {
    let nTouched = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const u = indices[p];
      const r = values[p];
      const self = cursor[u]++;
      const end = uPtr[u + 1];
      for (let q = self + 1; q < end; q++) {
        const j = uIdx[q];
        if (freq[j]++ === 0) touched[nTouched++] = j;
        acc[j] += r - uVal[q];
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      const d = acc[j] / freq[j];
      dev[i * n + j] = d;
      dev[j * n + i] = -d;
      freq[j] = 0;
      acc[j] = 0;
    }
    if (indptr[i + 1] > indptr[i]) dev[i * n + i] = 0;
  }
  const userMean = new Float64Array(train.nUsers);
  for (let u = 0; u < train.nUsers; u++) {
    const start = uPtr[u];
    const end = uPtr[u + 1];
    if (end === start) continue;
    let s = 0;
    for (let p = start; p < end; p++) s += uVal[p];
    userMean[u] = s / (end - start);
  }
  const itemCount = new Int32Array(n);
  for (let i = 0; i < n; i++) itemCount[i] = indptr[i + 1] - indptr[i];
  return new DenseSlopeOne(train.mean(), n, dev, userMean, byUser, itemCount);
}
