import { describe, expect, it } from "vitest";
import type { ResultsFile, RunRecord } from "../../src/results/schema";
import { aggregateRuns, aggregateValue, summaryTable } from "../../src/results/summary";
import { VALIDATION_TABLE, validationFoldResults } from "./validation-fixture";

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

describe("validation metrics in the aggregated (fold) views", () => {
  // the hand-built fixture: d=1 and d=2 × folds u1, u2, u3 (./validation-fixture.ts); validation prefers d=1, test d=2
  const sq = (xs: readonly number[]) => xs.map((x) => x * x);
  const handMean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  /** Population std (divisor n), as mflab's ../core/stats.ts and scikit-learn's std_test_score. */
  const popStd = (xs: readonly number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - handMean(xs)) ** 2, 0) / xs.length);

  it("aggregateRuns: validation mean and POPULATION std (divisor n) per configuration, rank by mean validation RMSE", () => {
    const [a, b] = aggregateRuns(validationFoldResults());
    expect([a.params.d, b.params.d]).toEqual([1, 2]);
    // d=1: validation RMSE 0.90, 0.92, 0.94 → mean 0.92, population std 0.02·√(2/3) (the sample std would be 0.02)
    expect(a.mean_validation_rmse).toBeCloseTo(0.92, 14);
    expect(a.std_validation_rmse).toBeCloseTo(0.02 * Math.sqrt(2 / 3), 14);
    expect(a.std_validation_rmse).not.toBeCloseTo(0.02, 4);
    expect(a.mean_validation_mse).toBeCloseTo((0.81 + 0.8464 + 0.8836) / 3, 14);
    expect(a.mean_validation_mae).toBeCloseTo(0.71, 14);
    expect(a.std_validation_mae).toBeCloseTo(0.01 * Math.sqrt(2 / 3), 14);
    // d=2: validation RMSE 0.93, 0.96, 0.99 → 0.96 ± 0.03·√(2/3); MAE 0.74, 0.75, 0.79 → 0.76 ± √((0.02² + 0.01² + 0.03²)/3)
    expect(b.mean_validation_rmse).toBeCloseTo(0.96, 14);
    expect(b.std_validation_rmse).toBeCloseTo(0.03 * Math.sqrt(2 / 3), 14);
    expect(b.mean_validation_mse).toBeCloseTo((0.8649 + 0.9216 + 0.9801) / 3, 14);
    expect(b.std_validation_mse).toBeCloseTo(popStd(sq(VALIDATION_TABLE[2].valRmse)), 14);
    expect(b.std_validation_mae).toBeCloseTo(Math.sqrt((0.0004 + 0.0001 + 0.0009) / 3), 14);
    expect(a.split_validation_rmse).toEqual([0.9, 0.92, 0.94]);
    // ranks: validation chooses d=1, test would choose d=2 (mean test RMSE 0.92 < 0.97)
    expect([a.rank_validation_rmse, b.rank_validation_rmse]).toEqual([1, 2]);
    expect([a.rank_test_rmse, b.rank_test_rmse]).toEqual([2, 1]);
    expect(aggregateValue(a, "validation.rmse", "std")).toBe(a.std_validation_rmse);
    expect(aggregateValue(a, "train.rmse", "std")).toBeNaN();
  });

  it("without validation metrics aggregateRuns has no validation fields", () => {
    for (const row of aggregateRuns(validationFoldResults(false))) {
      expect(Object.keys(row).filter((k) => k.includes("validation"))).toEqual([]);
    }
  });

  it("summary: validation mean ± std columns before test, sorted and ranked by mean validation RMSE, 'chosen on validation'", () => {
    const lines = summaryTable(validationFoldResults()).split("\n");
    expect(lines[0]).toBe("val-cv on fixture-data: mean ± std over folds u1, u2, u3; sorted by mean validation.rmse (best chosen on validation)");
    expect(lines[2]).toBe(
      "model  d  runs  val MSE  val RMSE   ± std  val MAE   ± std  test MSE  test RMSE   ± std  test MAE   ± std  train MSE  train RMSE  fit s  rank",
    );
    const f = (x: number) => x.toFixed(4);
    const cells = (line: string) => line.trim().split(/\s+/);
    const t1 = VALIDATION_TABLE[1];
    const t2 = VALIDATION_TABLE[2];
    // d=1 first (validation 0.92 < 0.96) although its test RMSE is higher (0.97 > 0.92)
    expect(cells(lines[4])).toEqual([
      "als",
      "1",
      "3",
      f(2.54 / 3),
      f(0.92),
      f(0.02 * Math.sqrt(2 / 3)),
      f(0.71),
      f(0.01 * Math.sqrt(2 / 3)),
      f(handMean(sq(t1.testRmse))),
      f(0.97),
      f(popStd(t1.testRmse)),
      f(0.76),
      f(popStd(t1.testMae)),
      f(0.5),
      f(Math.sqrt(0.5)),
      "0.10",
      "1",
    ]);
    expect(cells(lines[5])).toEqual([
      "als",
      "2",
      "3",
      f(2.7666 / 3),
      f(0.96),
      f(0.03 * Math.sqrt(2 / 3)),
      f(0.76),
      f(Math.sqrt(0.0014 / 3)),
      f(handMean(sq(t2.testRmse))),
      f(0.92),
      f(popStd(t2.testRmse)),
      f(0.73),
      f(popStd(t2.testMae)),
      f(0.4),
      f(Math.sqrt(0.4)),
      "0.20",
      "2",
    ]);
    // asked for the test RMSE: d=2 first, and the header says the test set chose
    const byTest = summaryTable(validationFoldResults(), "test.rmse").split("\n");
    expect(byTest[0]).toMatch(/sorted by mean test\.rmse \(best chosen on test\)$/);
    expect(cells(byTest[4]).slice(0, 2)).toEqual(["als", "2"]);
    expect(cells(byTest[4]).at(-1)).toBe("1");
  });

  it("the same file without validation metrics prints the table of a sweep without validation", () => {
    const lines = summaryTable(validationFoldResults(false)).split("\n");
    expect(lines[0]).toBe("val-cv on fixture-data: mean ± std over folds u1, u2, u3; sorted by mean test.rmse");
    expect(lines[2]).toBe("model  d  runs  test MSE  test RMSE   ± std  test MAE   ± std  train MSE  train RMSE  fit s  rank");
    expect(lines[4]).toMatch(/^als {4}2 /); // by test RMSE
  });

  it("a single split with validation: the per-run table has val columns between train and test, sorted by validation MSE", () => {
    const file = validationFoldResults();
    file.runs = file.runs.filter((r) => r.fold === "u1").map((r) => ({ ...r, fold: undefined }));
    delete file.dataset.folds;
    const lines = summaryTable(file).split("\n");
    expect(lines[1]).toBe("2 ok, 0 failed; sorted by validation.mse");
    expect(lines[3]).toBe("d  iters  train MSE  train RMSE  train MAE  val MSE  val RMSE  val MAE  test MSE  test RMSE  test MAE  fit s  fallback");
    expect(lines[5]).toMatch(/^1 .* 0\.8100 {4}0\.9000 {3}0\.7000 {4}0\.9025 /);
  });
});
