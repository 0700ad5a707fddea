/**
 * The in-memory ratings representation shared by every model.
 *
 * A {@link RatingsMatrix} holds observed entries (user, item, rating) as coordinate triples on typed arrays,
 * with compressed-sparse-row views by user and by item built on first use. Users and items are dense
 * indices 0..nUsers-1 / 0..nItems-1; the raw ids live in the {@link Dataset}'s id maps. Train and test
 * matrices of one dataset share the same index space, so a user who appears only in the test set has an
 * index but no training ratings (models then use their documented fallback).
 */

/** Compressed sparse rows: the entries of row r are `indices/values[indptr[r] .. indptr[r+1])`, columns ascending. */
export interface Csr {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export class RatingsMatrix {
  private csrByUser: Csr | undefined;
  private csrByItem: Csr | undefined;

  /**
   * @param users dense user index per entry
   * @param items dense item index per entry
   * @param values rating per entry
   * @throws RangeError when the arrays differ in length or an index is out of range
   */
  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    readonly users: Int32Array,
    readonly items: Int32Array,
    readonly values: Float64Array,
  ) {
    if (users.length !== items.length || users.length !== values.length) {
      throw new RangeError(
        `RatingsMatrix: users (${users.length}), items (${items.length}) and values (${values.length}) must have equal length`,
      );
    }
    for (let k = 0; k < users.length; k++) {
      const u = users[k];
      const i = items[k];
      if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
        throw new RangeError(`RatingsMatrix: entry ${k} (user ${u}, item ${i}) outside ${nUsers}×${nItems}`);
      }
    }
  }

  /** Number of observed entries. */
  get nnz(): number {
    return this.values.length;
  }

  /** CSR with one row per user (columns = items). Built once, then cached. */
  byUser(): Csr {
    return (this.csrByUser ??= buildCsr(this.nUsers, this.nItems, this.users, this.items, this.values));
  }

  /** CSR with one row per item (columns = users). Built once, then cached. */
  byItem(): Csr {
    return (this.csrByItem ??= buildCsr(this.nItems, this.nUsers, this.items, this.users, this.values));
  }

  /** Mean of all observed ratings (NaN when empty). */
  mean(): number {
    let s = 0;
    for (let k = 0; k < this.values.length; k++) s += this.values[k];
    return s / this.values.length;
  }

  /** A new matrix with the entries at the given positions (same index space). */
  subset(entryIndices: ArrayLike<number>): RatingsMatrix {
    const n = entryIndices.length;
    const u = new Int32Array(n);
    const i = new Int32Array(n);
    const v = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const e = entryIndices[k];
      u[k] = this.users[e];
      i[k] = this.items[e];
      v[k] = this.values[e];
    }
    return new RatingsMatrix(this.nUsers, this.nItems, u, i, v);
  }
}

/** Counting-sort the triples by row; within a row, entries are sorted by column. O(nnz + nRows). */
export function buildCsr(
  nRows: number,
  nCols: number,
  rows: Int32Array,
  cols: Int32Array,
  values: Float64Array,
): Csr {
  return buildCsrWith(nRows, nCols, rows, cols, values, (n) => new Int32Array(n), (n) => new Float64Array(n));
}

/**
 * {@link buildCsr} with the three result arrays (indptr, indices, values) from the given zero-filled allocators
 * (e.g. on SharedArrayBuffers); the counting sort and so the result are the same entry for entry.
 * @internal
 */
export function buildCsrWith(
  nRows: number,
  nCols: number,
  rows: Int32Array,
  cols: Int32Array,
  values: Float64Array,
  int32: (n: number) => Int32Array,
  float64: (n: number) => Float64Array,
): Csr {
  const nnz = values.length;
  const indptr = int32(nRows + 1);
  for (let k = 0; k < nnz; k++) indptr[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  // Place entries in column order: first bucket by column, then stable-scatter by row.
  const colOrder = new Int32Array(nnz);
  const colPtr = new Int32Array(nCols + 1);
  for (let k = 0; k < nnz; k++) colPtr[cols[k] + 1]++;
  for (let c = 0; c < nCols; c++) colPtr[c + 1] += colPtr[c];
  for (let k = 0; k < nnz; k++) colOrder[colPtr[cols[k]]++] = k;
  const next = indptr.slice(0, nRows);
  const indices = int32(nnz);
  const vals = float64(nnz);
  for (let t = 0; t < nnz; t++) {
    const k = colOrder[t];
    const p = next[rows[k]]++;
    indices[p] = cols[k];
    vals[p] = values[k];
  }
  return { nRows, nCols, indptr, indices, values: vals };
}

/** Raw id ⇄ dense index. Indices are assigned in order of first appearance. */
export class IdMap {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  /** Index of `raw`, assigning the next free index when it is new. */
  intern(raw: string): number {
    let k = this.index.get(raw);
    if (k === undefined) {
      k = this.ids.length;
      this.ids.push(raw);
      this.index.set(raw, k);
    }
    return k;
  }

  /** Index of `raw`, or undefined when it was never seen. */
  get(raw: string): number | undefined {
    return this.index.get(raw);
  }

  get size(): number {
    return this.ids.length;
  }
}

/** A dataset ready for a model: a train matrix and a test matrix in one shared index space. */
export interface Dataset {
  /** Short name, e.g. `ml-100k/u1` or `synthetic`. */
  readonly name: string;
  /** Where it came from (path(s) or generator parameters), for the record. */
  readonly source: string;
  /** Raw user id of each dense user index. */
  readonly userIds: readonly string[];
  /** Raw item id of each dense item index. */
  readonly itemIds: readonly string[];
  readonly train: RatingsMatrix;
  readonly test: RatingsMatrix;
  /** Declared rating scale [min, max] (used for clipping when asked and for sanity checks). */
  readonly ratingScale: readonly [number, number];
  /** Optional item titles by dense item index (e.g. from MovieLens `u.item`). */
  readonly itemTitles?: readonly string[];
}
