/**
 * Seeded train/test splits over entry positions 0..n-1.
 *
 * - {@link holdoutSplit}: exactly round(n·testFraction) positions go to test, chosen by a partial Fisher–Yates
 *   shuffle driven by `new Rng(seed)`; both index lists are sorted ascending. O(n).
 * - {@link kFoldSplits}: one seeded Fisher–Yates permutation cut into k contiguous folds of size ⌊n/k⌋ or
 *   ⌈n/k⌉; fold f's test set is the f-th block, its train set everything else. Every position is in exactly
 *   one test fold. O(n·k).
 *
 * Same (n, fraction or k, seed) → same split on every platform.
 */
import { SpecError } from "../core/errors";
import { Rng } from "../core/random";

export interface Split {
  /** Positions in the training set, ascending. */
  trainIdx: Int32Array;
  /** Positions in the test set, ascending. */
  testIdx: Int32Array;
}

/**
 * @throws RangeError when n is not a non-negative integer or testFraction is outside [0, 1]
 */
export function holdoutSplit(n: number, testFraction: number, seed: number): Split {
  checkCount(n);
  if (!(testFraction >= 0 && testFraction <= 1)) {
    throw new RangeError(`holdoutSplit: testFraction must be in [0, 1], got ${testFraction}`);
  }
  const m = Math.round(n * testFraction);
  const perm = new Int32Array(n);
  for (let k = 0; k < n; k++) perm[k] = k;
  const rng = new Rng(seed);
  for (let k = 0; k < m; k++) {
    const j = k + rng.int(n - k);
    const t = perm[k];
    perm[k] = perm[j];
    perm[j] = t;
  }
  return complementSplit(n, perm.slice(0, m).sort());
}

/**
 * @throws RangeError when n is not a non-negative integer or k is not an integer ≥ 2 (a caller's mistake);
 *   SpecError (at `folds`) when there are fewer ratings than folds — some test fold would be empty, a fact
 *   about the data, so it reads as a message: `folds must be at most the number of ratings (3) …, got 5`
 */
export function kFoldSplits(n: number, k: number, seed: number): Split[] {
  checkCount(n);
  if (!Number.isInteger(k) || k < 2) {
    throw new RangeError(`kFoldSplits: k must be an integer between 2 and n (${n}), got ${k}`);
  }
  if (k > n) {
    throw new SpecError("folds", `must be at most the number of ratings (${n}), so that every test fold holds at least one rating, got ${k}`);
  }
  const perm = new Int32Array(n);
  for (let t = 0; t < n; t++) perm[t] = t;
  new Rng(seed).shuffle(perm);
  const folds: Split[] = [];
  for (let f = 0; f < k; f++) {
    const lo = Math.floor((f * n) / k);
    const hi = Math.floor(((f + 1) * n) / k);
    folds.push(complementSplit(n, perm.slice(lo, hi).sort()));
  }
  return folds;
}

/** Train = every position not in the (sorted) test list. */
function complementSplit(n: number, testIdx: Int32Array): Split {
  const trainIdx = new Int32Array(n - testIdx.length);
  let t = 0;
  let w = 0;
  for (let k = 0; k < n; k++) {
    if (t < testIdx.length && testIdx[t] === k) t++;
    else trainIdx[w++] = k;
  }
  return { trainIdx, testIdx };
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`split: n must be a non-negative integer, got ${n}`);
}
