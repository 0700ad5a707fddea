/**
 * Reports that fit the sweep: observations chosen by what the sweep contains, the key-findings block, parameters
 * described per model (never `undefined`), the paired comparison of the two lowest models over folds.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport } from "../../src/report/build";
import { keyFindings, observeSweep, sweepContents, type Observation } from "../../src/report/observations";
import { pairedComparison, regularizedBeta, studentTwoSidedP } from "../../src/report/paired";
import type { ResultsFile, RunRecord } from "../../src/results/schema";
import { runMixedSweep } from "../helpers/mixed-sweep";
import { cellMetrics, fixtureResults } from "./fixture";

const f4 = (v: number) => v.toFixed(4);
const topics = (obs: readonly Observation[]) => [...new Set(obs.map((o) => o.topic))];
const kinds = (obs: readonly Observation[]) => obs.map((o) => o.kind);

/** `results` with only the runs that `keep` accepts (the dataset description kept). */
function only(results: ResultsFile, keep: (r: RunRecord) => boolean): ResultsFile {
  return { ...results, runs: results.runs.filter(keep) };
}

describe("Student's t and the paired comparison", () => {
  it("two-sided p-values of Student's t match the tables", () => {
    expect(studentTwoSidedP(2.776445, 4)).toBeCloseTo(0.05, 6);
    expect(studentTwoSidedP(2.228139, 10)).toBeCloseTo(0.05, 6);
    expect(studentTwoSidedP(-4.604095, 4)).toBeCloseTo(0.01, 6);
    expect(studentTwoSidedP(1, 1)).toBeCloseTo(0.5, 12);
    expect(studentTwoSidedP(0, 7)).toBe(1);
    expect(regularizedBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 4);
  });

  it("pairs per-fold values: mean difference, sample std, t, p, and the corrected t with the test/train ratio", () => {
    const a = [1.0, 1.1, 0.9, 1.0, 1.05];
    const delta = [0.02, 0.03, 0.01, 0.025, 0.015];
    const b = a.map((x, k) => x + delta[k]);
    const c = pairedComparison(a, b, 0.25);
    const m = 0.02;
    const sd = Math.sqrt(delta.reduce((s, d) => s + (d - m) ** 2, 0) / 4);
    expect(c.meanDifference).toBeCloseTo(m, 12);
    expect(c.sd).toBeCloseTo(sd, 12);
    expect(c.aLower).toBe(5);
    expect(c.t).toBeCloseTo(m / (sd / Math.sqrt(5)), 9);
    expect(c.tCorrected).toBeCloseTo(m / Math.sqrt(sd * sd * (1 / 5 + 0.25)), 9);
    expect(c.p).toBeCloseTo(studentTwoSidedP(c.t, 4), 12);
    expect(c.pCorrected).toBeGreaterThan(c.p);
    expect(Number.isNaN(pairedComparison([1, 2], [2, 3]).t)).toBe(true); // 2 folds: no test
  });
});

describe("a single-model d × λ sweep", () => {
  const results = fixtureResults();
  const obs = observeSweep(results);

  it("gets over- and under-fitting and the grid detail, no model ranking, no NMF comparison", () => {
    expect(sweepContents(results)).toMatchObject({ models: ["als"], dLambda: ["als"], nmfVariants: false, baselines: [] });
    expect(topics(obs)).toEqual(["Over- and under-fitting: over d × λ", "Grid detail", "Runs"]);
    expect(kinds(obs)).not.toContain("models");
    expect(kinds(obs)).not.toContain("top-two");
  });

  it("key findings: the lowest cell, the over-fitting side and the under-fitting side, with the closed-form numbers", () => {
    const key = keyFindings(obs);
    expect(kinds(key)).toEqual(["grid-best", "overfitting", "underfitting"]);
    expect(key[0].text).toBe(
      `lowest test MSE over the d × λ grid: 0.8800 at d=2, λ=2, with train MSE ${f4(cellMetrics(2, 2).train.mse)}; it lies inside the grid on both axes`,
    );
    const [lo, hi] = [cellMetrics(1, 1), cellMetrics(5, 1)];
    expect(key[1].text).toBe(
      `at the smallest λ (1), raising d from 1 to 5 moves train MSE from ${f4(lo.train.mse)} to ${f4(hi.train.mse)} and test MSE from ` +
        `${f4(lo.test.mse)} to ${f4(hi.test.mse)} (gap test − train from ${f4(lo.test.mse - lo.train.mse)} to ${f4(hi.test.mse - hi.train.mse)}); ` +
        `the gap is larger at d=5 than at d=1 for 3 of 3 λ values; at d=5, λ=4 test MSE is ${f4(cellMetrics(5, 4).test.mse)} ` +
        `(gap ${f4(cellMetrics(5, 4).test.mse - cellMetrics(5, 4).train.mse)})`,
    );
    const u = cellMetrics(1, 4); // the highest train MSE: 0.95
    expect(key[2].text).toBe(
      `the highest train MSE of the grid is ${f4(u.train.mse)} at d=1, λ=4 (test ${f4(u.test.mse)}, gap ${f4(u.test.mse - u.train.mse)}), ` +
        `${f4(u.test.mse - 0.88)} above the lowest test MSE`,
    );
  });

  it("a failed run and a lowest cell at the grid's edge are key findings too", () => {
    const withFailure = keyFindings(observeSweep(fixtureResults({ failed: true })));
    expect(kinds(withFailure)).toEqual(["grid-best", "failed", "overfitting"]);
    const edge = only(fixtureResults(), (r) => (r.params.d as number) >= 2 && (r.params.lambda as number) >= 2);
    expect(keyFindings(observeSweep(edge))[0].text).toContain(
      "it lies at the grid's edge — the smallest d (2) and the smallest λ (2) — so the minimum may lie beyond the grid",
    );
  });

  it("the report opens with a numbered Key findings block, before the dataset", () => {
    const md = buildReport(fixtureResults(), { format: "md", figures: false });
    const key = md.slice(md.indexOf("## Key findings"), md.indexOf("## Dataset"));
    expect(md.indexOf("## Key findings")).toBeGreaterThan(0);
    expect(key).toMatch(/\n1\. Lowest test MSE over d × λ: lowest test MSE over the d × λ grid: 0\.8800 at d=2, λ=2/);
    expect(key).toMatch(/\n2\. Over-fitting side \(large d, small λ\): at the smallest λ/);
    expect(key).toMatch(/\n3\. Under-fitting side \(small d, large λ\): the highest train MSE/);
    expect(md).toContain("### Over- and under-fitting: over d × λ");
    const html = buildReport(fixtureResults(), { figures: false });
    expect(html).toMatch(/<h2>Key findings<\/h2>\n<ol>\n<li>Lowest test MSE over d × λ: /);
  });
});

describe("the iteration cap is only observed for models with a stopping rule", () => {
  it("svd runs (fixed epochs, converged = false) are not counted as stopped at the cap", () => {
    const r = fixtureResults();
    for (const run of r.runs) if (run.params.d === 5) run.params = { model: "svd", d: 5, lambda: run.params.lambda, maxIterations: 20, seed: 1 };
    for (const run of r.runs) if (run.params.model === "svd") run.converged = false;
    const obs = observeSweep(r);
    const cap = obs.filter((o) => o.kind === "convergence");
    expect(cap.map((o) => o.text)).toEqual(["als: 0 of 6 runs stopped at the iteration cap before the stopping rule fired (converged = false)"]);
    expect(obs.find((o) => o.kind === "fixed-iterations")!.text).toContain(": svd 10");
  });
});

describe("a sweep of the nmf-vs-baselines models with an ALS d × λ grid (synthetic, 3 folds)", () => {
  let results: ResultsFile;
  let obs: Observation[];
  beforeAll(async () => {
    results = (await runMixedSweep({ folds: 3 })).results;
    obs = observeSweep(results);
  }, 120_000);

  it("observations follow the sweep's point: zero-filled vs observed-entry NMF first, then the ranking, then the ALS grid", () => {
    expect(sweepContents(results)).toMatchObject({ nmfVariants: true, dLambda: ["als"], folds: ["fold1", "fold2", "fold3"] });
    expect(topics(obs)).toEqual([
      "Zero-filled vs observed-entry NMF",
      "Model ranking",
      "Over- and under-fitting: als over d × λ",
      "Grid: nmf",
      "Spread over folds",
      "Runs",
    ]);
    // ALS is one model among 13: a few sentences, not one per slice of its grid
    expect(obs.filter((o) => o.model === "als").length).toBeLessThanOrEqual(4);
    expect(kinds(keyFindings(obs))).toEqual(["nmf-variants", "nmf-baselines", "top-two"]);
    const nmf = obs.find((o) => o.kind === "nmf-variants")!;
    expect(nmf.values.zeroFilledTest as number).toBeGreaterThan(nmf.values.observedTest as number);
    expect(nmf.text).toMatch(
      /^nmf-zero-filled \(missing ratings taken as 0\) has test MSE \d\.\d{4} and train MSE \d\.\d{4}; nmf \(observed ratings only\) at d=\d/,
    );
  });

  it("the paired comparison of the two lowest models over the 3 folds, with the corrected test", () => {
    const top = obs.find((o) => o.kind === "top-two")!;
    expect(top.values.n).toBe(3);
    expect(top.text).toMatch(
      /paired t-test t = -?\d+\.\d\d \(2 df\), two-sided p = (0\.\d{3}|< 0\.001); corrected for the training ratings the folds share/,
    );
    expect(top.values.pCorrected as number).toBeGreaterThanOrEqual(top.values.p as number);
  });

  it("the iteration cap only for als and nmf-zero-filled (the models with a stopping rule)", () => {
    const capped = obs.filter((o) => o.kind === "convergence").map((o) => o.model);
    expect(capped.sort()).toEqual(["als", "nmf-zero-filled"]);
    expect(obs.find((o) => o.kind === "fixed-iterations")!.text).toMatch(/svd 20, svdpp 20/);
  });

  it("no undefined, null or NaN anywhere in the report; configurations described with each model's own parameters", () => {
    const md = buildReport(results, { format: "md", figures: false });
    const html = buildReport(results, { figures: false });
    for (const text of [md, html]) expect(text).not.toMatch(/undefined|=null|NaN|n\/a/);
    expect(md).not.toMatch(/model=(svd|svdpp|knn-\w+|slope-one), d=/);
    const selected = md.slice(md.indexOf("## Selected configuration"));
    expect(selected).toMatch(/- \*\*configuration:\*\* model=[\w-]+(, d=\d+, λ=[\d.]+)?\n/);
  });

  it("without the NMF variants: the ranking and the lowest model against the baselines lead", () => {
    const plain = only(results, (r) => r.params.model !== "nmf-zero-filled" && r.params.model !== "nmf");
    const o = observeSweep(plain);
    expect(topics(o)[0]).toBe("Model ranking");
    expect(kinds(keyFindings(o))).toEqual(["top-two", "vs-baseline", "models"]);
    expect(o.find((x) => x.kind === "vs-baseline")!.text).toMatch(/, the lowest, has test MSE \d\.\d{4}: -?\d\.\d{4} below global-mean/);
  });

  it("says so honestly when there are too few folds: two folds, or one split", () => {
    const two = observeSweep(only(results, (r) => r.fold !== "fold3")).find((o) => o.kind === "top-two")!;
    expect(two.text).toMatch(/lower on \d of 2 folds \(differences .*\); 2 folds are too few for a paired test \(1 degree of freedom\)/);
    const one = observeSweep(only(results, (r) => r.fold === "fold1")).find((o) => o.kind === "top-two")!;
    expect(one.text).toMatch(/measured on one train\/test split, with no fold-to-fold variation to compare it with/);
  });
});

describe("a sweep of several models on one split", () => {
  it("has no undefined in any report line either", async () => {
    const { results } = await runMixedSweep({ folds: 0 });
    const md = buildReport(results, { format: "md", figures: false });
    expect(md).not.toMatch(/undefined|=null|NaN/);
    expect(md).toMatch(/## Key findings\n\n1\. Zero-filled vs observed-entry NMF: /);
    expect(md).toMatch(/measured on one train\/test split/);
  }, 120_000);
});

describe("failures", () => {
  it("a model whose every run failed leads the key findings (it is missing from every comparison)", () => {
    const r = fixtureResults();
    r.runs.push({
      id: "svd-failed",
      params: { model: "svd", d: 100, lambda: 0.02, seed: 1 },
      seed: 1,
      status: "failed",
      error: "needs about 9 GB, more than the memory budget",
      startedAt: "2024-01-01T00:00:00.000Z",
      finishedAt: "2024-01-01T00:00:01.000Z",
    });
    const key = keyFindings(observeSweep(r));
    expect(key[0].kind).toBe("failed");
    expect(key[0].text).toBe(
      "1 of 10 runs failed (every run of svd, so it is in no comparison above); first error (svd): needs about 9 GB, more than the memory budget",
    );
  });
});
