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

export type MetricSplit = "train" | "test";
export type ErrorMetricName = "mse" | "rmse" | "mae";
/** A metric path such as `test.mse`, `train.mae`, `test.rmse`. */
export type MetricPath = `${MetricSplit}.${ErrorMetricName}`;

/** `run.metrics[split][name]` as stored, or NaN when the run has no such number (module doc). */
export function metricValue(run: RunRecord, metric: MetricPath): number {
  const [split, name] = metric.split(".") as [MetricSplit, ErrorMetricName];
  const v = run.metrics?.[split]?.[name];
  return typeof v === "number" ? v : NaN;
}
