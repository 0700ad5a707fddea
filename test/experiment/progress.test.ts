import { describe, expect, it } from "vitest";
import { describeParams, describeRun, describeRunLine } from "../../src/experiment/progress";
import type { RunRecord } from "../../src/results/schema";
import { runMixedSweep } from "../helpers/mixed-sweep";

describe("progress lines show the parameters each model has", () => {
  it("describeParams: the grid keys the model has, from the params or the model's defaults; never undefined or null", () => {
    expect(describeParams({ d: 5, lambda: 2 }, ["d", "lambda"])).toBe("d=5 λ=2");
    expect(describeParams({}, ["d", "lambda"], "slope-one")).toBe("");
    expect(describeParams({}, ["d", "lambda"], "svd")).toBe("d=100 λ=0.02");
    expect(describeParams({ d: 3 }, ["d", "lambda"], "nmf")).toBe("d=3 λ=0.06");
    expect(describeParams({}, ["lambda", "k"], "baseline-als")).toBe(""); // lambda is null: unset
    expect(describeRun("knn-basic", {}, ["d", "lambda"], "u1")).toBe("knn-basic (u1)");
    expect(describeRun("als", { d: 5, lambda: 2 }, ["d", "lambda"])).toBe("als d=5 λ=2");
    const r = { params: { model: "global-mean" }, status: "ok", fold: "u2", iterations: 0, fitSeconds: 0.01, metrics: { test: { mse: 1.25 } } };
    expect(describeRunLine(3, 24, r as unknown as RunRecord, ["d", "lambda"])).toBe("[ 3/24] global-mean (u2) → test MSE 1.2500 · 0 it · 0.0 s");
  });

  it("a sweep of the nmf-vs-baselines models with an ALS d × λ grid prints no undefined, no null and no empty parameter list", async () => {
    const { lines } = await runMixedSweep({ folds: 0 });
    const text = lines.join("");
    expect(text).not.toMatch(/undefined|=null|NaN/);
    expect(text).not.toMatch(/ {2}\(|[a-z] {2}→/); // no double space where parameters would have been
    const runLines = text.split(/[\n\r]/).filter((l) => /^\[\s*\d+\/\d+\]/.test(l));
    expect(runLines).toHaveLength(19); // 13 models, nmf at d = 2 and 5, ALS at d × λ = 2 × 2
    expect(runLines.find((l) => l.includes("] slope-one "))).toMatch(/\] slope-one → test MSE/);
    expect(runLines.find((l) => l.includes("] als "))).toMatch(/\] als d=[13] λ=(0\.5|5) → /);
    expect(runLines.find((l) => l.includes("] svd "))).toMatch(/\] svd d=100 λ=0\.02 → /);
    expect(runLines.find((l) => l.includes("] nmf-zero-filled "))).toMatch(/\] nmf-zero-filled d=15 λ=0 → /);
    expect(runLines.find((l) => l.includes("] bpmf "))).toMatch(/\] bpmf d=10 → /); // no λ: bpmf has none
    // the in-place "running:" status shows the same descriptions
    expect(text).toMatch(/\[w1\] knn-means(\s|$)/m);
  });
});
