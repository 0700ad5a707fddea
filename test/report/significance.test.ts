/**
 * The significance tests beside the paired t-test: Wilcoxon's signed-rank test against R's documented example
 * and SciPy (scipy.stats.wilcoxon 1.17, values pasted below), the paired bootstrap over test-rating buckets,
 * and the model comparisons that `mflab summary`, the report and the compare figure print.
 */
import { describe, expect, it } from "vitest";
import { bootstrapRmseDifference, wilcoxonSignedRank } from "../../src/core/paired";
import { compareModelRuns, modelComparisons } from "../../src/results/comparison";
import type { RunRecord } from "../../src/results/schema";
import { compareFigure } from "../../src/plot/figures";
import { ratingBucket } from "../../src/metrics/uncertainty";

describe("wilcoxonSignedRank", () => {
  it("matches R's wilcox.test example (Hollander & Wolfe: V = 40, p = 0.039) and SciPy's exact p", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const w = wilcoxonSignedRank(x.map((v, k) => v - y[k]));
    expect(w.wPlus).toBe(40);
    expect(w.wMinus).toBe(5);
    expect(w.p).toBeCloseTo(0.0390625, 10); // scipy.stats.wilcoxon(..., method="exact")
    expect(w.exact).toBe(true);
  });

  it("gives 2/2⁵ = 0.0625 for five folds all one way: the floor with five folds", () => {
    const w = wilcoxonSignedRank([0.01, 0.02, 0.015, 0.03, 0.005]);
    expect(w.p).toBeCloseTo(0.0625, 12);
    expect(w.minP).toBeCloseTo(0.0625, 12);
  });

  it("uses the normal approximation above 20 pairs (SciPy method='approx', no continuity correction)", () => {
    const x = [
      2.341, -2.256, 0.718, -0.268, -0.153, 0.084, -1.72, 0.068, -0.565, 3.623, 0.526, -0.053, 0.019, -0.368, -0.755, -0.091, 0.782, 0.061, 1.258,
      0.1, 0.324, 1.846, 0.845, -0.205, 0.117, 0.841, 2.235, 0.03, 0.056, 1.302,
    ];
    const w = wilcoxonSignedRank(x);
    expect(w.exact).toBe(false);
    expect(Math.min(w.wPlus, w.wMinus)).toBe(151);
    expect(w.p).toBeCloseTo(0.09367559653193051, 6);
  });
});

function buckets(values: number[]): { sse: number[]; count: number[] } {
  return { sse: values, count: values.map(() => 10) };
}

describe("bootstrapRmseDifference", () => {
  it("finds a uniform gap significant, identical runs not, and refuses different test sets", () => {
    const a = buckets(Array.from({ length: 100 }, (_, k) => 8 + (k % 7) * 0.3));
    const b = buckets(a.sse.map((v) => v + 1.5));
    const r = bootstrapRmseDifference(a, b, { resamples: 1000, seed: 1 });
    expect(r.difference).toBeGreaterThan(0);
    expect(r.p).toBeCloseTo(1 / 1000, 12);
    expect(r.low).toBeGreaterThan(0);
    expect(r.high).toBeGreaterThan(r.low);
    const same = bootstrapRmseDifference(a, a, { resamples: 200 });
    expect(same.difference).toBe(0);
    expect(same.p).toBe(1);
    expect(() => bootstrapRmseDifference(a, { sse: a.sse, count: a.count.map((c, k) => (k === 3 ? c + 1 : c)) })).toThrow(/bucket 3/);
  });

  it("buckets ratings by a fixed hash of (user, item) spread over every bucket", () => {
    const seen = new Set<number>();
    for (let u = 0; u < 50; u++) for (let i = 0; i < 50; i++) seen.add(ratingBucket(u, i, 100));
    expect(seen.size).toBe(100);
    expect(ratingBucket(7, 9, 100)).toBe(ratingBucket(7, 9, 100));
  });
});

function run(model: string, fold: string, rmse: number, shift: number): RunRecord {
  return {
    id: `${model}-${fold}`,
    params: { model, d: 10 },
    seed: 0,
    fold,
    status: "ok",
    metrics: { train: { mse: 0.5, rmse: Math.sqrt(0.5), mae: 0.5 }, test: { mse: rmse * rmse, rmse, mae: 0.7 } },
    fitSeconds: 1,
    predictSeconds: 0.1,
    testBuckets: buckets(Array.from({ length: 100 }, (_, k) => 8 + (k % 5) * 0.2 + shift)),
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
  };
}

describe("modelComparisons", () => {
  const folds = ["u1", "u2", "u3", "u4", "u5"];
  const runs = [
    ...folds.map((f, k) => run("svdpp", f, 0.92 + 0.004 * k, 0.4)),
    ...folds.map((f, k) => run("bpmf", f, 0.905 + 0.004 * k + (k % 2) * 0.001, 0)),
  ];

  it("puts the lower model first and prints Δ, the t-tests, Wilcoxon and the per-fold bootstrap", () => {
    const [c] = modelComparisons(runs);
    expect(c.a).toBe("bpmf");
    expect(c.b).toBe("svdpp");
    expect(c.paired.aLower).toBe(5);
    expect(c.rmseA - c.rmseB).toBeCloseTo(-0.015 + 0.0004, 10);
    expect(c.wilcoxon.p).toBeCloseTo(0.0625, 12);
    expect(c.bootstrap).toHaveLength(5);
    expect(c.text).toMatch(/^bpmf vs svdpp: Δ RMSE = -0\.0146 \(bpmf 0\.9134, svdpp 0\.9280; bpmf lower on 5\/5 folds\); paired t-test p < 0\.001; /);
    expect(c.text).toMatch(
      /Wilcoxon signed-rank p = 0\.063 \(the smallest possible with 5 folds\); bootstrap over test ratings within each fold: p ≤ 0\.0005 in every fold/,
    );
    expect(c.text).not.toMatch(/NaN|undefined|null/);
  });

  it("says when there are too few folds, and leaves out the bootstrap for runs without buckets", () => {
    const one = [run("a", "u1", 0.9, 0), { ...run("b", "u1", 0.95, 0), testBuckets: undefined }];
    const c = compareModelRuns("a", [one[0]], "b", [one[1]]);
    expect(c.text).toBe("a vs b: Δ RMSE = -0.0500 (a 0.9000, b 0.9500; one split); too few folds for a test over folds");
  });

  it("appears as a note of the comparison figure", () => {
    const f = compareFigure(runs, { metrics: ["rmse"] });
    const text = JSON.stringify(f.layout.annotations);
    expect(text).toContain("bpmf vs svdpp: Δ RMSE = -0.0146 (t p < 0.001, Wilcoxon p = 0.063, bootstrap p ≤ 0.0005 in every fold)");
    expect(JSON.stringify(compareFigure(runs, { metrics: ["rmse"], significance: false }).layout.annotations)).not.toContain("bpmf vs svdpp");
  });
});
