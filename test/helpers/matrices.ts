/**
 * Small test fixtures shared by the model tests: RatingsMatrix builders from [user, item, rating] triples,
 * seeded random ratings, and a pairwise prediction comparison against an oracle.
 */
import { RatingsMatrix } from "../../src/data/ratings";
import { Rng } from "../../src/core/random";

export type Triple = [number, number, number];

/** Build an nUsers × nItems matrix from [user, item, rating] triples (in the given order). */
export function matrix(nUsers: number, nItems: number, triples: readonly Triple[]): RatingsMatrix {
  return new RatingsMatrix(
    nUsers,
    nItems,
    Int32Array.from(triples.map((t) => t[0])),
    Int32Array.from(triples.map((t) => t[1])),
    Float64Array.from(triples.map((t) => t[2])),
  );
}

/**
 * Random integer ratings 1..5, each (u, i) kept with probability `density` (seeded; users outer, items inner).
 * Rows/cols listed in `empty*` get none and consume no random draws.
 */
export function randomTriples(
  seed: number,
  nUsers: number,
  nItems: number,
  density: number,
  emptyUsers: number[] = [],
  emptyItems: number[] = [],
): Triple[] {
  const rng = new Rng(seed);
  const t: Triple[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (emptyUsers.includes(u) || emptyItems.includes(i)) continue;
      if (rng.next() < density) t.push([u, i, 1 + rng.int(5)]);
    }
  }
  return t;
}

/** `randomTriples` as an nUsers × nItems matrix. */
export function randomRatings(
  seed: number,
  nUsers: number,
  nItems: number,
  density: number,
  emptyUsers: number[] = [],
  emptyItems: number[] = [],
): RatingsMatrix {
  return matrix(nUsers, nItems, randomTriples(seed, nUsers, nItems, density, emptyUsers, emptyItems));
}

/** u0: i0=5 i1=3 ; u1: i0=4 i1=3 i2=2 ; u2: i0=1 i1=5 i2=4 (μ = 27/8). */
export const SMALL_TRIPLES: readonly Triple[] = [
  [0, 0, 5],
  [0, 1, 3],
  [1, 0, 4],
  [1, 1, 3],
  [1, 2, 2],
  [2, 0, 1],
  [2, 1, 5],
  [2, 2, 4],
];

/** Throws on the first (u, i) in nUsers × nItems where |got − want| ≤ tol fails (NaN fails too). */
export function expectSamePredictions(
  nUsers: number,
  nItems: number,
  got: (u: number, i: number) => number,
  want: (u: number, i: number) => number,
  tol: number,
  wantName = "expected",
): void {
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      const g = got(u, i);
      const w = want(u, i);
      if (!(Math.abs(g - w) <= tol)) throw new Error(`predict(${u}, ${i}) = ${g}, ${wantName} ${w}`);
    }
  }
}

/** `nnz` distinct random (user, item) pairs in draw order with ratings 1..5; the last user and item get no ratings. */
export function randomPairs(seed: number, nUsers: number, nItems: number, nnz: number): RatingsMatrix {
  const rng = new Rng(seed);
  const seen = new Set<number>();
  const u = new Int32Array(nnz);
  const i = new Int32Array(nnz);
  const v = new Float64Array(nnz);
  for (let t = 0; t < nnz; ) {
    const uu = rng.int(nUsers - 1);
    const ii = rng.int(nItems - 1);
    if (seen.has(uu * nItems + ii)) continue;
    seen.add(uu * nItems + ii);
    u[t] = uu;
    i[t] = ii;
    v[t] = 1 + rng.int(5);
    t++;
  }
  return new RatingsMatrix(nUsers, nItems, u, i, v);
}

/** Whether two arrays hold the same bytes (bitwise equal, NaN payloads and signed zeros included). */
export const bitwise = (a: Float64Array, b: Float64Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
