/**
 * Model selection without peeking at the test set.
 *
 * Protocol: carve a seeded validation split out of the training ratings ({@link validationDataset}), sweep the
 * grid fitting on the remaining training ratings and scoring the validation ratings, choose the configuration
 * with the best validation metric, and report that configuration's test metric from the main sweep (fitted on
 * all training ratings). {@link selectConfiguration} does the bookkeeping and also says what choosing by the
 * test metric would have picked, so the optimism of test-set selection is visible rather than hidden.
 */
import type { Dataset } from "../data/ratings";
import { holdoutSplit } from "../data/split";
import type { ResultsFile, RunRecord } from "./results";
import { bestRun, type MetricPath } from "./summary";
import { canonicalJson } from "./spec";

/**
 * A dataset whose `train` is the original training ratings minus a seeded random `fraction` of them, and whose
 * `test` is that held-out fraction (the validation set). Same index space as `ds`; the real test set is not used.
 * @throws RangeError when fraction is not in (0, 1)
 */
export function validationDataset(ds: Dataset, fraction = 0.2, seed = 0): Dataset {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`validationDataset: fraction must be in (0, 1), got ${fraction}`);
  const split = holdoutSplit(ds.train.nnz, fraction, seed);
  return {
    ...ds,
    name: `${ds.name}/validation(${fraction},seed=${seed})`,
    source: `${ds.source}; validation = ${fraction} of the training ratings (seed ${seed})`,
    train: ds.train.subset(split.trainIdx),
    test: ds.train.subset(split.testIdx),
  };
}

/** Model parameters without the seed: identifies a configuration across sweeps. */
export function configKey(run: RunRecord): string {
  const { seed: _seed, ...rest } = run.params;
  return canonicalJson(rest);
}

export interface Selection {
  /** Metric used to choose (on the validation results). */
  metric: MetricPath;
  /** The configuration with the best validation metric (a run of the validation sweep). */
  chosen: RunRecord;
  /** The same configuration in the main sweep: its test metrics are the honest estimate. */
  chosenInMain: RunRecord;
  /** What choosing by the test metric of the main sweep would have picked (for comparison only). */
  byTest: RunRecord;
}

/**
 * Choose by `metric` (default `test.mse`, which in a validation sweep's results is the validation MSE) on
 * `validation`, and look the configuration up in `main`.
 * @throws Error when a sweep has no ok run or the chosen configuration is missing from `main`
 */
export function selectConfiguration(validation: ResultsFile, main: ResultsFile, metric: MetricPath = "test.mse"): Selection {
  const chosen = bestRun(validation, metric);
  if (!chosen) throw new Error(`selectConfiguration: the validation sweep "${validation.experiment.name}" has no successful run`);
  const key = configKey(chosen);
  const chosenInMain = main.runs.find((r) => r.status === "ok" && configKey(r) === key);
  if (!chosenInMain) throw new Error(`selectConfiguration: the chosen configuration ${key} is not in the main sweep "${main.experiment.name}"`);
  const byTest = bestRun(main, metric)!;
  return { metric, chosen, chosenInMain, byTest };
}

