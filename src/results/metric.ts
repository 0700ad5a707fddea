/**
 * One error metric of a run record, by path: `"test.mse"`, `"train.mae"`, `"test.rmse"`, … — how tables,
 * selection, queries, reports and figures all read a run's numbers.
 *
 * Missing values: a metric the run does not have (a failed run, a split that was not scored, a ranking run,
 * a non-numeric entry) reads as NaN, never as 0 or undefined, so it cannot win a "lowest" comparison
 * (`NaN < x` is false) and it turns any mean it enters into NaN (../core/stats.ts). Callers that want
 * something else convert at the call site: plotly figures draw a gap for `null`
 * (`Number.isFinite(v) ? v : null`), tables print "–".
 */
import type { RunRecord } from "./schema";

export type MetricSplit = "train" | "test" | "validation";
export type ErrorMetricName = "mse" | "rmse" | "mae";
/** A metric path such as `test.mse`, `train.mae`, `test.rmse`. */
export type MetricPath = `${MetricSplit}.${ErrorMetricName}`;

/** `run.metrics[split][name]` as stored, or NaN when the run has no such number (module doc). */
export function metricValue(run: RunRecord, metric: MetricPath): number {
  const [split, name] = metric.split(".") as [MetricSplit, ErrorMetricName];
  const v = run.metrics?.[split]?.[name];
  return typeof v === "number" ? v : NaN;
}

/** Whether any ok run carries validation metrics (a sweep with `evaluation.validation`). */
export function hasValidation(runs: readonly RunRecord[]): boolean {
  return runs.some((r) => r.status === "ok" && r.metrics?.validation !== undefined);
}

/**
 * The metric selection minimises: `metric` (default MSE) moved to the validation set when the runs carry
 * validation metrics — so the best run, a report's chosen configuration and a figure's highlighted cell are chosen
 * on validation whenever it exists, and the test set only reports the choice.
 */
export function selectionMetric(runs: readonly RunRecord[], metric?: MetricPath): MetricPath {
  const name = (metric ?? "test.mse").split(".")[1] as ErrorMetricName;
  if (metric !== undefined && !metric.startsWith("test.")) return metric;
  return hasValidation(runs) ? `validation.${name}` : (metric ?? "test.mse");
}

/** The error metrics every table shows for a split, in column order. */
export const ERROR_METRIC_NAMES: readonly ErrorMetricName[] = ["mse", "rmse", "mae"];

/** Every metric path, in table column order: train, validation, test (each MSE, RMSE, MAE). */
export const ALL_METRIC_PATHS: readonly MetricPath[] = (["train", "validation", "test"] as const).flatMap((split) =>
  ERROR_METRIC_NAMES.map((name): MetricPath => `${split}.${name}`),
);

/**
 * The metric columns of the runs' tables, in order: train, then validation only when some ok run carries validation
 * metrics ({@link hasValidation}), then test — the one list the per-run summary, the aggregated (fold) tables,
 * the DataFrames and `mflab ui` derive their columns from. `splits` restricts it (e.g. `["validation", "test"]`).
 */
export function tableMetrics(runs: readonly RunRecord[], splits: readonly MetricSplit[] = ["train", "validation", "test"]): MetricPath[] {
  const withValidation = hasValidation(runs);
  return ALL_METRIC_PATHS.filter((m) => {
    const split = m.split(".")[0] as MetricSplit;
    return splits.includes(split) && (split !== "validation" || withValidation);
  });
}

/** The column header of a metric in the text tables: `train MSE`, `val RMSE`, `test MAE`. */
export function metricHeader(metric: MetricPath): string {
  const [split, name] = metric.split(".") as [MetricSplit, ErrorMetricName];
  return `${split === "validation" ? "val" : split} ${name.toUpperCase()}`;
}

/** Which split chose, for a table's header: "chosen on validation" or "chosen on test". */
export function chosenOn(metric: MetricPath): string {
  return `chosen on ${metric.split(".")[0]}`;
}
