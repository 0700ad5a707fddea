import { describe, expect, it } from "vitest";
import { metricValue } from "../../src/results/metric";
import type { RunRecord } from "../../src/results/schema";

const run = (metrics: unknown): RunRecord => ({ id: "r", params: { model: "als" }, status: "ok", metrics }) as unknown as RunRecord;

describe("metricValue", () => {
  it("reads a stored metric by path", () => {
    const r = run({ train: { mse: 0.5, rmse: Math.sqrt(0.5), mae: 0.4 }, test: { mse: 0.9, rmse: Math.sqrt(0.9), mae: 0.7 } });
    expect(metricValue(r, "test.mse")).toBe(0.9);
    expect(metricValue(r, "train.mae")).toBe(0.4);
    expect(metricValue(r, "test.rmse")).toBe(Math.sqrt(0.9));
  });

  it("reads NaN for anything missing: no metrics, no split, no value, a non-number", () => {
    expect(metricValue(run(undefined), "test.mse")).toBeNaN();
    expect(metricValue(run({ train: { mse: 1 } }), "test.mse")).toBeNaN();
    expect(metricValue(run({ test: { mse: 1 } }), "test.mae")).toBeNaN();
    expect(metricValue(run({ test: { mse: null } }), "test.mse")).toBeNaN();
  });
});
