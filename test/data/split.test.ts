import { describe, expect, it } from "vitest";
import { SpecError } from "../../src/core/errors";
import { holdoutSplit, kFoldSplits } from "../../src/data/split";

function isSortedAscending(a: Int32Array): boolean {
  for (let k = 1; k < a.length; k++) if (!(a[k - 1] < a[k])) return false;
  return true;
}

/** Train and test are disjoint and together cover 0..n-1 exactly once. */
function expectPartition(n: number, trainIdx: Int32Array, testIdx: Int32Array): void {
  const seen = new Uint8Array(n);
  for (const k of trainIdx) seen[k]++;
  for (const k of testIdx) seen[k]++;
  expect(trainIdx.length + testIdx.length).toBe(n);
  expect(seen.every((c) => c === 1)).toBe(true);
}

describe("holdoutSplit", () => {
  it("puts exactly round(n·f) entries in test, sorted, disjoint from train", () => {
    for (const [n, f, m] of [
      [1000, 0.2, 200],
      [10, 0.25, 3], // round(2.5) = 3
      [7, 0.5, 4], // round(3.5) = 4
      [3, 0.1, 0],
      [5, 0, 0],
      [5, 1, 5],
      [0, 0.2, 0],
    ]) {
      const s = holdoutSplit(n, f, 7);
      expect(s.testIdx.length, `n=${n} f=${f}`).toBe(m);
      expect(isSortedAscending(s.testIdx)).toBe(true);
      expect(isSortedAscending(s.trainIdx)).toBe(true);
      expectPartition(n, s.trainIdx, s.testIdx);
    }
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = holdoutSplit(500, 0.2, 42);
    const b = holdoutSplit(500, 0.2, 42);
    const c = holdoutSplit(500, 0.2, 43);
    expect(Array.from(a.testIdx)).toEqual(Array.from(b.testIdx));
    expect(Array.from(a.testIdx)).not.toEqual(Array.from(c.testIdx));
  });

  it("gives every position the same chance to be in test (no shuffle bias)", () => {
    const n = 20;
    const runs = 4000;
    const hits = new Float64Array(n);
    for (let s = 0; s < runs; s++) for (const k of holdoutSplit(n, 0.25, s).testIdx) hits[k]++;
    // Expected 1000 per position, binomial sd ≈ 27: allow ±5 sd.
    for (let k = 0; k < n; k++) expect(Math.abs(hits[k] - 1000), `position ${k}`).toBeLessThan(140);
  });

  it("refuses bad arguments", () => {
    expect(() => holdoutSplit(10, 1.5, 1)).toThrow("holdoutSplit: testFraction must be in [0, 1], got 1.5");
    expect(() => holdoutSplit(-1, 0.2, 1)).toThrow("split: n must be a non-negative integer, got -1");
  });
});

describe("kFoldSplits", () => {
  it("puts every entry in exactly one test fold, with fold sizes ⌊n/k⌋ or ⌈n/k⌉", () => {
    const n = 103;
    const k = 5;
    const folds = kFoldSplits(n, k, 9);
    expect(folds.length).toBe(k);
    const inTest = new Uint8Array(n);
    for (const f of folds) {
      expect([20, 21]).toContain(f.testIdx.length);
      expect(isSortedAscending(f.testIdx)).toBe(true);
      expect(isSortedAscending(f.trainIdx)).toBe(true);
      expectPartition(n, f.trainIdx, f.testIdx);
      for (const e of f.testIdx) inTest[e]++;
    }
    expect(inTest.every((c) => c === 1)).toBe(true);
  });

  it("is deterministic for a seed", () => {
    const a = kFoldSplits(50, 3, 1).map((f) => Array.from(f.testIdx));
    const b = kFoldSplits(50, 3, 1).map((f) => Array.from(f.testIdx));
    const c = kFoldSplits(50, 3, 2).map((f) => Array.from(f.testIdx));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("refuses k < 2 (a RangeError: the caller's mistake) or k > n (a SpecError at folds: the data has too few ratings)", () => {
    expect(() => kFoldSplits(10, 1, 1)).toThrow("kFoldSplits: k must be an integer between 2 and n (10), got 1");
    for (const [n, k] of [
      [10, 11],
      [1, 2],
      [0, 2],
    ]) {
      const e = (() => {
        try {
          kFoldSplits(n, k, 1);
        } catch (e) {
          return e;
        }
      })();
      expect(e).toBeInstanceOf(SpecError);
      expect((e as Error).message).toBe(
        `folds must be at most the number of ratings (${n}), so that every test fold holds at least one rating, got ${k}`,
      );
    }
    expect(kFoldSplits(2, 2, 1).map((f) => [f.trainIdx.length, f.testIdx.length])).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });
});
