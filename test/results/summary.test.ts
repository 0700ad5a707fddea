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
      "d  iters  train MSE  train RMSE  train MAE  test MSE  test RMSE  test MAE  fit s  fallback",
      "-  -----  ---------  ----------  ---------  --------  ---------  --------  -----  --------",
      "1      3     0.4000      0.6325     0.2667    0.8000     0.8944    0.4000   0.50         0",
      "2      3     0.4500      0.6708     0.3000    0.9000     0.9487    0.4500   0.50         0",
      "3  FAILED: matrix not positive definite at row 17 of 943",
    ]);
  });

  it("a single split shows RMSE beside MSE and MAE, and sorts by the metric asked for", () => {
    // MAE is made to order the runs the other way round from MSE
    const a = ok(1, 0.8);
    const b = ok(2, 0.9);
    b.metrics!.test!.mae = 0.1;
    const lines = summaryTable(results([a, b]), "test.rmse").split("\n");
    expect(lines[1]).toBe("2 ok, 0 failed; sorted by test.rmse");
    expect(lines[3]).toMatch(/test MSE {2}test RMSE {2}test MAE/);
    expect(lines[5]).toMatch(/^1 .* 0\.8944 /);
    const byMae = summaryTable(results([a, b]), "test.mae").split("\n");
    expect(byMae[5]).toMatch(/^2 /);
  });
});

describe("foldSummaryTable (through summaryTable)", () => {
  const folded = (d: number, fold: string, mse: number): RunRecord => ({ ...ok(d, mse), id: `r${d}${fold}`, fold }) as RunRecord;
  const file = results([folded(1, "u1", 0.81), folded(1, "u2", 0.79), folded(2, "u1", 0.49), folded(2, "u2", 1.15)]);

  it("shows test MSE, RMSE ± std and MAE ± std, train MSE and RMSE, sorted by the mean of the metric asked for", () => {
    const lines = summaryTable(file, "test.mse").split("\n");
    expect(lines[0]).toBe("t on toy: mean ± std over one split; sorted by mean test.mse");
    expect(lines[2]).toBe("model  d  runs  test MSE  test RMSE   ± std  test MAE   ± std  train MSE  train RMSE  fit s  rank");
    // d=1: mean MSE 0.80, RMSE (0.9 + 0.8888…)/2 = 0.8944; d=2: mean MSE 0.82 (higher), RMSE (0.7 + 1.0724)/2 = 0.8862 (lower)
    const rmse1 = (Math.sqrt(0.81) + Math.sqrt(0.79)) / 2;
    expect(lines[4]).toBe(
      `als    1     2    0.8000     ${rmse1.toFixed(4)}  ${(Math.abs(Math.sqrt(0.81) - Math.sqrt(0.79)) / 2).toFixed(4)}    0.4000  0.0050     0.4000      ${((Math.sqrt(0.405) + Math.sqrt(0.395)) / 2).toFixed(4)}   0.50     1`,
    );
    expect(lines[5]).toMatch(/^als {4}2 {5}2 {4}0\.8200 {5}0\.8862 {2}0\.1862 .* 2$/);
    const byRmse = summaryTable(file, "test.rmse").split("\n");
    expect(byRmse[0]).toMatch(/sorted by mean test\.rmse$/);
    expect(byRmse[4]).toMatch(/^als {4}2 .* 1$/);
    expect(byRmse[5]).toMatch(/^als {4}1 .* 2$/);
  });
});
