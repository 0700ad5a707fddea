import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors";
import {
  averagePrecisionAtK,
  catalogueCoverage,
  evaluateRanking,
  hitAtK,
  listMetrics,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  topN,
  type RankingScorer,
} from "../../src/metrics/ranking";
import { Rng } from "../../src/core/random";
import { matrix, type Triple } from "../helpers/matrices";

const L2 = (j: number) => 1 / Math.log2(j + 1); // discount of 1-based position j

describe("per-list metrics, hand-computed", () => {
  // Ranked list 10, 20, 30, 40, 50; relevant {20, 50, 99}.
  const ranked = [10, 20, 30, 40, 50];
  const rel = new Set([20, 50, 99]);

  it("k = 5", () => {
    expect(precisionAtK(ranked, rel, 5)).toBeCloseTo(2 / 5, 15);
    expect(recallAtK(ranked, rel, 5)).toBeCloseTo(2 / 3, 15);
    expect(hitAtK(ranked, rel, 5)).toBe(1);
    // DCG = 1/log2(3) + 1/log2(6); IDCG over min(5, 3) = 3 positions.
    expect(ndcgAtK(ranked, rel, 5)).toBeCloseTo((L2(2) + L2(5)) / (L2(1) + L2(2) + L2(3)), 15);
    // AP@5 = (P@2 + P@5) / min(5, 3) = (1/2 + 2/5) / 3 = 0.3
    expect(averagePrecisionAtK(ranked, rel, 5)).toBeCloseTo(0.3, 15);
  });

  it("k = 2 truncates the list and normalises AP and IDCG by min(k, |R|) = 2", () => {
    expect(precisionAtK(ranked, rel, 2)).toBeCloseTo(0.5, 15);
    expect(recallAtK(ranked, rel, 2)).toBeCloseTo(1 / 3, 15);
    expect(ndcgAtK(ranked, rel, 2)).toBeCloseTo(L2(2) / (L2(1) + L2(2)), 15);
    expect(averagePrecisionAtK(ranked, rel, 2)).toBeCloseTo(0.5 / 2, 15);
    expect(hitAtK(ranked, rel, 1)).toBe(0);
  });

  it("a perfect list scores 1 even when |R| > k; precision divides by k for short lists", () => {
    const m = listMetrics([1, 2], new Set([1, 2, 3, 4]), 2);
    expect(m).toEqual({ precision: 1, recall: 0.5, ndcg: 1, averagePrecision: 1, hit: 1 });
    const short = listMetrics([7], new Set([7]), 3);
    expect(short.precision).toBeCloseTo(1 / 3, 15);
    expect(short.ndcg).toBe(1);
    expect(short.averagePrecision).toBe(1);
  });

  it("edge cases throw with a clear message", () => {
    expect(() => listMetrics([1], new Set(), 3)).toThrow(/relevant set is empty/);
    expect(() => ndcgAtK([1], new Set([1]), 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => catalogueCoverage([], 0)).toThrow(/nItems must be ≥ 1/);
  });

  it("coverage counts distinct recommended items", () => {
    expect(catalogueCoverage([[0, 1], [1, 2], [9]], 10)).toBeCloseTo(0.4, 15);
  });
});

describe("evaluateRanking", () => {
  // 4 users × 6 items. Fixed scorer: score(u, i) = 10 − i (item 0 best for everyone).
  const scorer: RankingScorer = { predict: (_u, i) => 10 - i };
  const train = matrix(4, 6, [
    [0, 0, 5], // user 0 has seen item 0 → excluded from its ranking
    [1, 1, 2],
    [2, 0, 4],
    [3, 0, 1],
  ]);
  const test = matrix(4, 6, [
    [0, 1, 4], // relevant
    [0, 3, 5], // relevant
    [0, 2, 2], // not relevant
    [1, 0, 3], // user 1: nothing ≥ 4 → skipped
    [2, 5, 4], // user 2: relevant item 5, ranked last
    // user 3: no test entries → neither evaluated nor skipped
  ]);

  it("matches a hand computation at k = 2", () => {
    const r = evaluateRanking(scorer, train, test, { k: 2, threshold: 4 });
    // user 0: list (1, 2) → hits 1 of R = {1, 3}: P 0.5, R 0.5, NDCG 1/(1 + 1/log2 3), AP (1/1)/2 = 0.5, hit 1
    // user 2: list (1, 2) → no hits (R = {5}).
    expect(r.nUsersEvaluated).toBe(2);
    expect(r.nUsersSkipped).toBe(1);
    expect(r.precision).toBeCloseTo(0.25, 15);
    expect(r.recall).toBeCloseTo(0.25, 15);
    expect(r.ndcg).toBeCloseTo(1 / (1 + L2(2)) / 2, 15);
    expect(r.map).toBeCloseTo(0.25, 15);
    expect(r.hitRate).toBeCloseTo(0.5, 15);
    expect(r.coverage).toBeCloseTo(2 / 6, 15); // items {1, 2}
    expect([r.k, r.threshold]).toEqual([2, 4]);
  });

  it("threshold 2 makes user 1 relevant and user 0's item 2 too", () => {
    const r = evaluateRanking(scorer, train, test, { k: 2, threshold: 2 });
    expect(r.nUsersEvaluated).toBe(3);
    expect(r.nUsersSkipped).toBe(0);
    // user 0: list (1, 2), R = {1, 2, 3}: P 1, R 2/3; user 1 (seen 1): list (0, 2), R = {0}: P 0.5, R 1; user 2: 0.
    expect(r.precision).toBeCloseTo((1 + 0.5 + 0) / 3, 15);
    expect(r.recall).toBeCloseTo((2 / 3 + 1 + 0) / 3, 15);
  });

  it("a relevant test item already seen in training is not counted as relevant", () => {
    const t2 = matrix(4, 6, [[2, 0, 5]]); // user 2 saw item 0 in training
    const r = evaluateRanking(scorer, train, t2, { k: 3 });
    expect(r.nUsersEvaluated).toBe(0);
    expect(r.nUsersSkipped).toBe(1);
    expect(r.ndcg).toBeNaN();
    expect(r.coverage).toBeNaN();
  });

  it("uses scoreUser when present and equals the predict path", () => {
    let calls = 0;
    const fast: RankingScorer = {
      predict: () => {
        throw new Error("predict should not be called");
      },
      scoreUser: (_u, out) => {
        calls++;
        for (let i = 0; i < 6; i++) out[i] = 10 - i;
      },
    };
    expect(evaluateRanking(fast, train, test, { k: 2 })).toEqual(evaluateRanking(scorer, train, test, { k: 2 }));
    expect(calls).toBe(2);
  });

  it("agrees with an independent sort-based computation on random data", () => {
    const rng = new Rng(3);
    const nU = 25;
    const nI = 40;
    const tr: Triple[] = [];
    const te: Triple[] = [];
    for (let u = 0; u < nU; u++)
      for (let i = 0; i < nI; i++) {
        const x = rng.next();
        if (x < 0.15) tr.push([u, i, 1 + rng.int(5)]);
        else if (x < 0.3) te.push([u, i, 1 + rng.int(5)]);
      }
    const S = Array.from({ length: nU * nI }, () => Math.round(rng.next() * 20) / 4); // many ties
    const sc: RankingScorer = { predict: (u, i) => S[u * nI + i] };
    const trainM = matrix(nU, nI, tr);
    const testM = matrix(nU, nI, te);
    const k = 5;
    const got = evaluateRanking(sc, trainM, testM, { k, threshold: 4 });
    let n = 0;
    let skipped = 0;
    let sumN = 0;
    let sumP = 0;
    let sumAp = 0;
    const recommended = new Set<number>();
    for (let u = 0; u < nU; u++) {
      const seen = new Set(tr.filter((t) => t[0] === u).map((t) => t[1]));
      const mine = te.filter((t) => t[0] === u);
      if (mine.length === 0) continue;
      const rel = new Set(mine.filter((t) => t[2] >= 4 && !seen.has(t[1])).map((t) => t[1]));
      if (rel.size === 0) {
        skipped++;
        continue;
      }
      const list = [...Array(nI).keys()]
        .filter((i) => !seen.has(i))
        .sort((a, b) => S[u * nI + b] - S[u * nI + a] || a - b)
        .slice(0, k);
      list.forEach((i) => recommended.add(i));
      let dcg = 0;
      let h = 0;
      let ap = 0;
      list.forEach((i, j) => {
        if (rel.has(i)) {
          h++;
          dcg += L2(j + 1);
          ap += h / (j + 1);
        }
      });
      let idcg = 0;
      for (let j = 1; j <= Math.min(k, rel.size); j++) idcg += L2(j);
      sumN += dcg / idcg;
      sumP += h / k;
      sumAp += ap / Math.min(k, rel.size);
      n++;
    }
    expect(got.nUsersEvaluated).toBe(n);
    expect(got.nUsersSkipped).toBe(skipped);
    expect(got.ndcg).toBeCloseTo(sumN / n, 12);
    expect(got.precision).toBeCloseTo(sumP / n, 12);
    expect(got.map).toBeCloseTo(sumAp / n, 12);
    expect(got.coverage).toBeCloseTo(recommended.size / nI, 12);
    // topN gives the same list as the sort for user 0.
    const seen0 = new Set(tr.filter((t) => t[0] === 0).map((t) => t[1]));
    const want0 = [...Array(nI).keys()]
      .filter((i) => !seen0.has(i))
      .sort((a, b) => S[b] - S[a] || a - b)
      .slice(0, 7);
    expect(topN(sc, 0, 7, { nItems: nI, exclude: trainM.byUser() }).map((r) => r.item)).toEqual(want0);
  });

  it("NaN scores rank last", () => {
    const nanScorer: RankingScorer = { predict: (_u, i) => (i === 0 ? NaN : i) };
    expect(topN(nanScorer, 0, 6, { nItems: 6 }).map((r) => r.item)).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it("refuses mismatched shapes and a bad k", () => {
    expect(() => evaluateRanking(scorer, train, matrix(4, 7, []))).toThrow(InputError);
    expect(() => evaluateRanking(scorer, train, matrix(4, 7, []))).toThrow(/train is 4×6 but test is 4×7/);
    expect(() => evaluateRanking(scorer, train, test, { k: 1.5 })).toThrow(/k must be a positive integer, got 1.5/);
  });
});
