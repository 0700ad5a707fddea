/**
 * A hand-built results file with validation metrics (a sweep with `evaluation.validation`): two configurations
 * (ALS d=1 and d=2, λ=1) × three folds (u1, u2, u3), every number written out so the tests' expected means and
 * stds are computed by hand from the tables below. Validation prefers d=1 (mean validation RMSE 0.92 vs 0.96);
 * test would prefer d=2 (mean test RMSE 0.92 vs 0.97) — so ordering by validation and by test disagree.
 */
import type { ResultsFile, RunRecord } from "../../src/results/schema";
import { fixtureResults } from "../report/fixture";

/** Per configuration (d) and fold (index 0..2): validation and test RMSE and MAE; MSE = RMSE², train MSE fixed. */
export const VALIDATION_TABLE = {
  1: { valRmse: [0.9, 0.92, 0.94], valMae: [0.7, 0.71, 0.72], testRmse: [0.95, 0.97, 0.99], testMae: [0.75, 0.76, 0.77], trainMse: 0.5 },
  2: { valRmse: [0.93, 0.96, 0.99], valMae: [0.74, 0.75, 0.79], testRmse: [0.9, 0.91, 0.95], testMae: [0.72, 0.73, 0.74], trainMse: 0.4 },
} as const;

export const VALIDATION_FOLDS = ["u1", "u2", "u3"];

/** The fixture; `withValidation: false` drops the validation metrics (the same file from a sweep without them). */
export function validationFoldResults(withValidation = true): ResultsFile {
  const r = fixtureResults({ folds: VALIDATION_FOLDS, name: "val-cv" });
  r.runs = r.runs.filter((run) => run.params.lambda === 1 && (run.params.d === 1 || run.params.d === 2));
  for (const run of r.runs) {
    const t = VALIDATION_TABLE[run.params.d as 1 | 2];
    const k = VALIDATION_FOLDS.indexOf(run.fold as string);
    run.metrics = {
      train: { mse: t.trainMse, rmse: Math.sqrt(t.trainMse), mae: t.trainMse },
      ...(withValidation ? { validation: { mse: t.valRmse[k] ** 2, rmse: t.valRmse[k], mae: t.valMae[k] } } : {}),
      test: { mse: t.testRmse[k] ** 2, rmse: t.testRmse[k], mae: t.testMae[k] },
    } as RunRecord["metrics"];
  }
  return r;
}
