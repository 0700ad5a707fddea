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
import type { ResultsFile, RunRecord } from "./schema";
import { hasValidation, type MetricPath } from "./metric";
import { bestRun } from "./summary";
import { canonicalJson } from "../core/json";

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

export interface BestOptions {
  /** Results of the same grid fitted on the training ratings minus a validation split and scored on it. */
  validation?: ResultsFile;
  /** Metric to minimise (default `test.mse`; in validation results the "test" set is the validation split). */
  metric?: MetricPath;
  /** Where the warning goes when there are no validation results (default console.warn). */
  warn?: (message: string) => void;
}

/**
 * The configuration to report: chosen on validation results by default ({@link selectConfiguration}). Without
 * `validation`, it falls back to choosing on the test metric of `main` and warns that the test error of the choice
 * is then optimistic.
 */
export function chooseConfiguration(main: ResultsFile, options: BestOptions = {}): Selection {
  const metric = options.metric ?? "test.mse";
  if (options.validation) return selectConfiguration(options.validation, main, metric);
  (options.warn ?? console.warn)(
    `mflab: choosing the configuration of "${main.experiment.name}" by its test ${metric.split(".")[1].toUpperCase()}: ` +
      "the reported test error of the choice is optimistic (the test set chose it). Sweep the same grid on " +
      "validationDataset(...) and pass those results as `validation`.",
  );
  const best = bestRun(main, metric);
  if (!best) throw new Error(`chooseConfiguration: "${main.experiment.name}" has no successful run`);
  return { metric, chosen: best, chosenInMain: best, byTest: best };
}

/**
 * A sweep with `evaluation.validation` seen as the validation results of {@link selectConfiguration}: the same runs
 * with their validation metrics in place of their test metrics (so choosing "by test" on the view is choosing on
 * validation). Undefined when no run carries validation metrics.
 */
export function validationView(results: ResultsFile): ResultsFile | undefined {
  if (!hasValidation(results.runs)) return undefined;
  const runs = results.runs
    .filter((r) => r.status === "ok" && r.metrics?.validation !== undefined)
    .map((r) => ({ ...r, metrics: { ...r.metrics, test: r.metrics!.validation } }));
  return { ...results, experiment: { ...results.experiment, name: `${results.experiment.name} (validation)` }, runs };
}
