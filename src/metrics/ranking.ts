/**
 * Top-N recommendation and ranking metrics (binary relevance).
 *
 * Protocol of {@link evaluateRanking} (train and test share one index space):
 * - Candidates for user u: every catalogue item 0..nItems−1 (nItems = train.nItems, items without training
 *   interactions included) except the items u has in `train` ("already seen", whatever their rating).
 *   Items are ranked by the scorer's score, descending; ties (and NaN, ranked last) are broken by the lower
 *   item index first, so lists are deterministic.
 * - Relevant set R_u = u's test items with rating ≥ `threshold` (default 4), minus items u has in `train`
 *   (they cannot be recommended). Binary relevance: rel(i) = 1 if i ∈ R_u else 0.
 * - Users with no relevant test item (|R_u| = 0) — including test users whose test ratings are all below the
 *   threshold — are excluded from every average; their number is reported as `nUsersSkipped`. Users without
 *   any test entry are neither evaluated nor counted. Users without training interactions are evaluated
 *   with whatever the scorer gives them (its fallback).
 * - Every metric below is computed per evaluated user on the top-k list L = (i_1, …, i_k) (shorter when
 *   fewer than k candidates exist) and averaged over evaluated users with equal weight (macro average).
 *
 * Definitions, with hits = |L ∩ R_u|:
 * - precision@k = hits / k (divisor k even when L is shorter).
 * - recall@k = hits / |R_u|.
 * - hit rate@k = 1 if hits > 0 else 0.
 * - NDCG@k = DCG / IDCG with DCG = Σ_{j=1}^{|L|} rel(i_j) / log2(j + 1) and the ideal
 *   IDCG = Σ_{j=1}^{min(k, |R_u|)} 1 / log2(j + 1).
 * - AP@k = (1 / min(k, |R_u|)) Σ_{j=1}^{|L|} rel(i_j) · precision@j  (precision@j = hits in the first j / j);
 *   MAP@k is its mean. Normalising by min(k, |R_u|) (not |R_u|) makes a perfect list score 1 even when
 *   |R_u| > k — the convention of e.g. `ml_metrics.apk` and the `implicit` library.
 * - catalogue coverage@k = |∪_u L_u| / nItems over the evaluated users: the fraction of the catalogue
 *   recommended to at least one of them.
 * All metrics are NaN when no user is evaluated.
 */
import type { Csr, RatingsMatrix } from "../data/ratings";
import { InputError } from "../core/errors";

/** Anything that scores (user, item) pairs; `scoreUser` (all items at once) is used when present. */
export interface RankingScorer {
  predict(u: number, i: number): number;
  /** out[i] ← score of (u, i) for every item i < nItems. */
  scoreUser?(u: number, out: Float64Array): void;
  /** Catalogue size (needed by {@link topN} unless given in its options). */
  readonly nItems?: number;
}

/** A ranked item. */
export interface RankedItem {
  item: number;
  score: number;
}

export interface TopNOptions {
  /** Items to exclude: the user's row of this CSR (typically `train.byUser()`: items already seen). */
  exclude?: Csr;
  /** Catalogue size when the scorer has no `nItems`. */
  nItems?: number;
}

/**
 * The `n` highest-scoring items for `user`, best first (ties → lower item index; NaN scores last), skipping
 * the user's row of `options.exclude`. Fewer than n when the catalogue minus exclusions is smaller.
 * O(nItems·(scoring cost) + nItems·log n).
 * @throws RangeError when n is not a positive integer or the catalogue size is unknown
 */
export function topN(scorer: RankingScorer, user: number, n: number, options: TopNOptions = {}): RankedItem[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`topN: n must be a positive integer, got ${n}`);
  const nItems = options.nItems ?? scorer.nItems;
  if (nItems === undefined) throw new RangeError("topN: the scorer has no nItems; pass options.nItems");
  const scores = new Float64Array(nItems);
  scoreAll(scorer, user, nItems, scores);
  const mark = new Uint8Array(nItems);
  const ex = options.exclude;
  if (ex && user >= 0 && user < ex.nRows) for (let p = ex.indptr[user]; p < ex.indptr[user + 1]; p++) mark[ex.indices[p]] = 1;
  const items = new Int32Array(n);
  const heapScores = new Float64Array(n);
  const m = selectTop(scores, nItems, n, mark, items, heapScores);
  const out: RankedItem[] = [];
  for (let j = 0; j < m; j++) out.push({ item: items[j], score: scores[items[j]] });
  return out;
}

function scoreAll(scorer: RankingScorer, u: number, nItems: number, out: Float64Array): void {
  if (scorer.scoreUser) scorer.scoreUser(u, out);
  else for (let i = 0; i < nItems; i++) out[i] = scorer.predict(u, i);
}

/** True when (score a, item ia) ranks below (score b, item ib): lower score, or equal score and higher index. */
function worse(a: number, ia: number, b: number, ib: number): boolean {
  return a < b || (a === b && ia > ib);
}

/**
 * Top-k selection by a size-k min-heap (root = worst kept), then sorted best first into `outItems[0..m)`.
 * Items with `skip[i] === 1` are ignored; NaN scores count as −∞. `heapScores` is scratch of length ≥ k.
 * @returns m = min(k, candidates)
 */
function selectTop(scores: Float64Array, nItems: number, k: number, skip: Uint8Array, outItems: Int32Array, heapScores: Float64Array): number {
  let size = 0;
  const hi = outItems;
  const hs = heapScores;
  for (let i = 0; i < nItems; i++) {
    if (skip[i] === 1) continue;
    let s = scores[i];
    if (Number.isNaN(s)) s = -Infinity;
    if (size < k) {
      // Sift up.
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, hs[p], hi[p])) break;
        hs[c] = hs[p];
        hi[c] = hi[p];
        c = p;
      }
      hs[c] = s;
      hi[c] = i;
    } else if (worse(hs[0], hi[0], s, i)) {
      siftDown(hs, hi, size, s, i);
    }
  }
  // Heap-sort in place: repeatedly move the worst to the end → best first.
  for (let end = size - 1; end > 0; end--) {
    const s = hs[end];
    const it = hi[end];
    hs[end] = hs[0];
    hi[end] = hi[0];
    siftDown(hs, hi, end, s, it);
  }
  return size;
}

/** Place (s, it) at the root of a min-heap of `size` entries and sift it down. */
function siftDown(hs: Float64Array, hi: Int32Array, size: number, s: number, it: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(hs[r], hi[r], hs[l], hi[l]) ? r : l;
    if (!worse(hs[m], hi[m], s, it)) break;
    hs[c] = hs[m];
    hi[c] = hi[m];
    c = m;
  }
  hs[c] = s;
  hi[c] = it;
}

/** Membership test for a relevant set (a Set<number> qualifies). */
export interface RelevantSet {
  has(item: number): boolean;
  readonly size: number;
}

/** The five per-list metrics of the module doc for one ranked list. */
export interface ListMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  averagePrecision: number;
  hit: number;
}

/**
 * All per-list metrics at k for `ranked` (best first; only its first k entries are used) against `relevant`.
 * @throws RangeError when k is not a positive integer or `relevant` is empty (the metrics are undefined)
 */
export function listMetrics(ranked: ArrayLike<number>, relevant: RelevantSet, k: number): ListMetrics {
  checkK(k);
  const nRel = relevant.size;
  if (nRel === 0) throw new RangeError("ranking metrics: the relevant set is empty (such users are skipped, not scored)");
  const len = Math.min(k, ranked.length);
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  for (let j = 0; j < len; j++) {
    if (relevant.has(ranked[j])) {
      hits++;
      dcg += 1 / Math.log2(j + 2);
      apSum += hits / (j + 1);
    }
  }
  const ideal = Math.min(k, nRel);
  let idcg = 0;
  for (let j = 0; j < ideal; j++) idcg += 1 / Math.log2(j + 2);
  return { precision: hits / k, recall: hits / nRel, ndcg: dcg / idcg, averagePrecision: apSum / ideal, hit: hits > 0 ? 1 : 0 };
}

/** precision@k = hits / k. */
export const precisionAtK = (ranked: ArrayLike<number>, relevant: RelevantSet, k: number): number => listMetrics(ranked, relevant, k).precision;
/** recall@k = hits / |R|. */
export const recallAtK = (ranked: ArrayLike<number>, relevant: RelevantSet, k: number): number => listMetrics(ranked, relevant, k).recall;
/** NDCG@k, binary relevance, log2 discount, IDCG over min(k, |R|) positions. */
export const ndcgAtK = (ranked: ArrayLike<number>, relevant: RelevantSet, k: number): number => listMetrics(ranked, relevant, k).ndcg;
/** AP@k normalised by min(k, |R|). */
export const averagePrecisionAtK = (ranked: ArrayLike<number>, relevant: RelevantSet, k: number): number =>
  listMetrics(ranked, relevant, k).averagePrecision;
/** 1 when any of the first k items is relevant. */
export const hitAtK = (ranked: ArrayLike<number>, relevant: RelevantSet, k: number): number => listMetrics(ranked, relevant, k).hit;

/**
 * Catalogue coverage: |∪ lists| / nItems (items outside 0..nItems−1 are ignored).
 * @throws RangeError when nItems < 1
 */
export function catalogueCoverage(lists: Iterable<ArrayLike<number>>, nItems: number): number {
  if (!(nItems >= 1)) throw new RangeError(`catalogueCoverage: nItems must be ≥ 1, got ${nItems}`);
  const seen = new Uint8Array(nItems);
  let covered = 0;
  for (const list of lists) {
    for (let j = 0; j < list.length; j++) {
      const i = list[j];
      if (i >= 0 && i < nItems && seen[i] === 0) {
        seen[i] = 1;
        covered++;
      }
    }
  }
  return covered / nItems;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`ranking metrics: k must be a positive integer, got ${k}`);
}

export interface RankingOptions {
  /** List length (default 10). */
  k?: number;
  /** Test ratings ≥ threshold are relevant (default 4). */
  threshold?: number;
}

/** What {@link evaluateRanking} returns (module doc for every definition). */
export interface RankingMetrics {
  k: number;
  threshold: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hitRate: number;
  coverage: number;
  /** Users with ≥ 1 relevant test item (the denominator of the averages). */
  nUsersEvaluated: number;
  /** Users with test entries but no relevant test item: excluded from the averages. */
  nUsersSkipped: number;
}

/**
 * Rank every candidate item for every test user and average the ranking metrics (module doc).
 * Cost: O(nUsersEvaluated · (nItems · scoring cost + nItems·log k)).
 * @throws InputError when train and test have different shapes; RangeError for an invalid k
 */
export function evaluateRanking(scorer: RankingScorer, train: RatingsMatrix, test: RatingsMatrix, options: RankingOptions = {}): RankingMetrics {
  const k = options.k ?? 10;
  const threshold = options.threshold ?? 4;
  checkK(k);
  if (train.nUsers !== test.nUsers || train.nItems !== test.nItems) {
    throw new InputError(
      `evaluateRanking: train is ${train.nUsers}×${train.nItems} but test is ${test.nUsers}×${test.nItems}; they must share one index space`,
    );
  }
  const nItems = train.nItems;
  const seen = train.byUser();
  const tests = test.byUser();
  const scores = new Float64Array(nItems);
  const skip = new Uint8Array(nItems);
  const relMark = new Uint8Array(nItems);
  const covered = new Uint8Array(nItems);
  const list = new Int32Array(k);
  const heap = new Float64Array(k);
  const relevant = { size: 0, has: (i: number) => relMark[i] === 1 };
  let nEval = 0;
  let nSkipped = 0;
  let sp = 0,
    sr = 0,
    sn = 0,
    sa = 0,
    sh = 0; // prettier-ignore
  for (let u = 0; u < test.nUsers; u++) {
    const t0 = tests.indptr[u];
    const t1 = tests.indptr[u + 1];
    if (t0 === t1) continue;
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) skip[seen.indices[p]] = 1;
    let nRel = 0;
    for (let p = t0; p < t1; p++) {
      const i = tests.indices[p];
      if (tests.values[p] >= threshold && skip[i] === 0 && relMark[i] === 0) {
        relMark[i] = 1;
        nRel++;
      }
    }
    if (nRel === 0) {
      nSkipped++;
    } else {
      relevant.size = nRel;
      scoreAll(scorer, u, nItems, scores);
      const m = selectTop(scores, nItems, k, skip, list, heap);
      const r = listMetrics(list.subarray(0, m), relevant, k);
      sp += r.precision;
      sr += r.recall;
      sn += r.ndcg;
      sa += r.averagePrecision;
      sh += r.hit;
      for (let j = 0; j < m; j++) covered[list[j]] = 1;
      nEval++;
    }
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) skip[seen.indices[p]] = 0;
    for (let p = t0; p < t1; p++) relMark[tests.indices[p]] = 0;
  }
  let nCovered = 0;
  for (let i = 0; i < nItems; i++) nCovered += covered[i];
  const avg = (s: number) => (nEval > 0 ? s / nEval : NaN);
  return {
    k,
    threshold,
    precision: avg(sp),
    recall: avg(sr),
    ndcg: avg(sn),
    map: avg(sa),
    hitRate: avg(sh),
    coverage: nEval > 0 ? nCovered / nItems : NaN,
    nUsersEvaluated: nEval,
    nUsersSkipped: nSkipped,
  };
}
