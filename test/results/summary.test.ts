import { describe, expect, it } from "vitest";
import type { ResultsFile, RunRecord } from "../../src/results/schema";
import { summaryTable } from "../../src/results/summary";

const ok = (d: number, mse: number): RunRecord =>
  ({
    id: `r${d}`,
    params: { model: "als", d, seed: 1 },
    seed: 1,
    status: "ok",
    iterations: 3,
    fitSeconds: 0.5,
    fallbackCount: 0,
    metrics: { train: { mse: mse / 2, rmse: Math.sqrt(mse / 2), mae: mse / 3 }, test: { mse, rmse: Math.sqrt(mse), mae: mse / 2 } },
  }) as unknown as RunRecord;

const results = (runs: RunRecord[]): ResultsFile =>
  ({
    experiment: { name: "t" },
    dataset: { name: "toy", nUsers: 2, nItems: 3, nTrain: 4, nTest: 2, fingerprint: "f" },
    runs,
  }) as unknown as ResultsFile;

describe("summaryTable", () => {
  it("prints the runs sorted by test MSE; a failed run's error follows its parameters and widens no column", () => {
    const failed = {
      ...ok(3, 0),
      id: "r3",
      status: "failed",
      error: "matrix not positive definite at row 17 of 943",
      metrics: undefined,
    } as unknown as RunRecord;
    const lines = summaryTable(results([ok(2, 0.9), failed, ok(1, 0.8)])).split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "t on toy (2 users × 3 items, 4 train / 2 test ratings, fingerprint f)",
      "2 ok, 1 failed; sorted by test.mse",
    ]);
    expect(lines.slice(3)).toEqual([
      "d  iters  train MSE  train MAE  test MSE  test MAE  fit s  fallback",
      "-  -----  ---------  ---------  --------  --------  -----  --------",
      "1      3     0.4000     0.2667    0.8000    0.4000   0.50         0",
      "2      3     0.4500     0.3000    0.9000    0.4500   0.50         0",
      "3  FAILED: matrix not positive definite at row 17 of 943",
    ]);
  });
});
