/**
 * Plain-text views of a results file: the summary table printed by `mflab sweep` and `mflab summary`, and the
 * best-run lookup.
 */
import { mean, std } from "../core/stats";
import { textTable, type TableColumn, type TextTableRow } from "../core/table";
import { chosenOn, hasValidation, metricHeader, metricValue, selectionMetric, tableMetrics, type MetricPath } from "./metric";
import type { ResultsFile, RunRecord } from "./schema";

/**
 * Parameters whose values differ between runs of the same model (the grid axes), in first-seen key order.
 * Parameters that only tell models apart (each model's own defaults) are not listed; the seed never is.
 */
export function varyingParams(runs: readonly RunRecord[]): string[] {
  const byModel = new Map<string, RunRecord[]>();
  for (const r of runs) byModel.set(r.params.model, [...(byModel.get(r.params.model) ?? []), r]);
  const keys: string[] = [];
  for (const group of byModel.values()) {
    for (const r of group) {
      for (const k of Object.keys(r.params)) {
        if (k === "seed" || k === "model" || keys.includes(k)) continue;
        if (new Set(group.map((g) => JSON.stringify(g.params[k]))).size > 1) keys.push(k);
      }
    }
  }
  return keys;
}

/**
 * The ok run with the lowest value of `metric` (undefined when no run is ok). Without `metric`: the validation MSE
 * when the runs carry validation metrics, else the test MSE ({@link selectionMetric}).
 */
export function bestRun(results: ResultsFile | readonly RunRecord[], metric?: MetricPath): RunRecord | undefined {
  const runs = Array.isArray(results) ? results : (results as ResultsFile).runs;
  metric = metric ?? selectionMetric(runs);
  let best: RunRecord | undefined;
  for (const r of runs) {
    if (r.status !== "ok") continue;
    const v = metricValue(r, metric);
    if (!Number.isNaN(v) && (best === undefined || v < metricValue(best, metric))) best = r;
  }
  return best;
}

function fmt(v: unknown): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 1e-4) ? v.toExponential(2) : v.toFixed(4);
  }
  if (v === undefined || v === null) return "–";
  return String(v);
}

/** Columns named by `params` (left-aligned), then `numbers` (right-aligned). */
function columnsOf(params: readonly string[], numbers: readonly string[]): TableColumn[] {
  return [...params.map((header) => ({ header })), ...numbers.map((header) => ({ header, align: "right" as const }))];
}

/**
 * The runs as an aligned text table (../core/table.ts) sorted by `sortBy` (default test MSE, ascending; failed
 * runs last, their error after the parameters). Columns: the varying parameters, iterations, the metrics of
 * {@link tableMetrics} (train MSE, RMSE and MAE; validation MSE, RMSE and MAE when the runs carry them; test MSE,
 * RMSE and MAE), fit seconds, fallbacks. Without `sortBy` the runs are sorted by {@link selectionMetric} (the
 * validation MSE when the runs carry validation metrics, else the test MSE). A cross-validated or repeated sweep gets
 * {@link foldSummaryTable} (sorted by the mean of `sortBy`, default the validation RMSE when present, else the test
 * RMSE), a ranking sweep {@link rankingSummaryTable}.
 */
export function summaryTable(results: ResultsFile, sortBy?: MetricPath): string {
  if (results.runs.some((r) => r.metrics?.ranking)) return rankingSummaryTable(results);
  if (results.runs.some((r) => r.fold || r.repeat !== undefined)) return foldSummaryTable(results, sortBy);
  const metrics = tableMetrics(results.runs);
  const sort = sortBy ?? selectionMetric(results.runs);
  const order = (r: RunRecord) => (r.status === "ok" ? 0 : r.status === "pruned" ? 1 : 2);
  const runs = [...results.runs].sort((a, b) => {
    if (a.status !== b.status) return order(a) - order(b);
    return metricValue(a, sort) - metricValue(b, sort);
  });
  const params = varyingParams(results.runs);
  if (new Set(results.runs.map((r) => r.params.model)).size > 1 && !params.includes("model")) params.unshift("model");
  else if (params.length === 0) params.push("model");
  const searched = results.runs.some((r) => r.trial !== undefined);
  const leading = searched ? ["trial", ...params] : params;
  const columns = columnsOf(leading, ["iters", ...metrics.map(metricHeader), "fit s", "fallback"]);
  const rows = runs.map((r): TextTableRow => {
    const base = [...(searched ? [fmt(r.trial)] : []), ...params.map((k) => fmt(r.params[k]))];
    if (r.status === "pruned") {
      return { cells: base, note: `PRUNED at iteration ${r.iterations ?? "?"} (validation RMSE ${fmt(metricValue(r, "validation.rmse"))})` };
    }
    if (r.status !== "ok") return { cells: base, note: `FAILED: ${r.error ?? ""}` };
    return [
      ...base,
      fmt(r.iterations),
      ...metrics.map((m) => fmt(metricValue(r, m))),
      r.fitSeconds === undefined ? "–" : r.fitSeconds.toFixed(2),
      fmt(r.fallbackCount),
    ];
  });
  const d = results.dataset;
  const ok = results.runs.filter((r) => r.status === "ok").length;
  const pruned = results.runs.filter((r) => r.status === "pruned").length;
  const failed = results.runs.length - ok - pruned;
  return (
    `${results.experiment.name} on ${d.name} (${d.nUsers} users × ${d.nItems} items, ${d.nTrain} train / ${d.nTest} test ratings, fingerprint ${d.fingerprint})\n` +
    `${ok} ok, ${failed} failed${pruned > 0 ? `, ${pruned} pruned` : ""}; sorted by ${sort}\n\n` +
    textTable(columns, rows)
  );
}

/** One configuration's metrics aggregated over folds (sklearn GridSearchCV-style names). */
export interface AggregateRow {
  /** Parameters of the configuration (model + full config). */
  params: RunRecord["params"];
  /** Folds with a successful run. */
  nFolds: number;
  /** Folds whose run failed, with the first error. */
  nFailed: number;
  error?: string;
  mean_test_rmse: number;
  std_test_rmse: number;
  mean_test_mae: number;
  std_test_mae: number;
  mean_test_mse: number;
  std_test_mse: number;
  mean_train_rmse: number;
  mean_train_mae: number;
  mean_train_mse: number;
  /**
   * Validation metrics (mean and population std over the ok runs), present only when the runs carry validation
   * metrics (a sweep with `evaluation.validation`; {@link hasValidation}).
   */
  mean_validation_rmse?: number;
  std_validation_rmse?: number;
  mean_validation_mae?: number;
  std_validation_mae?: number;
  mean_validation_mse?: number;
  std_validation_mse?: number;
  /** 1 = lowest mean test RMSE (ties share a rank, as sklearn's "min" ranking). */
  rank_test_rmse: number;
  /** 1 = lowest mean validation RMSE (ties share a rank); present only with validation metrics. */
  rank_validation_rmse?: number;
  mean_fit_time: number;
  mean_predict_time: number;
  /** Per-fold values, in fold order: test RMSE / MAE. */
  split_test_rmse: number[];
  split_test_mae: number[];
  /** Per-fold validation RMSE, in fold order; present only with validation metrics. */
  split_validation_rmse?: number[];
  folds: string[];
}

/**
 * Mean (or population std) of `metric` in an aggregated row: NaN when the row has no ok run, when the metric is not
 * aggregated (a train std; validation metrics of a file without them).
 */
export function aggregateValue(row: AggregateRow, metric: MetricPath, stat: "mean" | "std" = "mean"): number {
  const v = (row as unknown as Record<string, unknown>)[`${stat}_${metric.replace(".", "_")}`];
  return typeof v === "number" ? v : NaN;
}

/** Sklearn's "min" ranks (1 = lowest; ties share a rank) of `values`; NaN ranks NaN. */
function minRanks(values: readonly number[]): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return values.map((v) => (Number.isNaN(v) ? NaN : sorted.indexOf(v) + 1));
}

/**
 * Group runs by configuration (all params except the seed) and aggregate over folds and repeats (seeds): mean and
 * population std (../core/stats.ts; divisor n, as scikit-learn's std_test_score) of every test and validation error
 * metric, the mean of the train ones, rank by mean test RMSE (and by mean validation RMSE), mean fit and predict
 * seconds, per-run values. The validation fields exist only when the runs carry validation metrics
 * ({@link hasValidation}). Rows in first-seen order. A metric or timing missing from one ok run makes its mean NaN.
 */
export function aggregateRuns(results: ResultsFile | readonly RunRecord[]): AggregateRow[] {
  const runs = Array.isArray(results) ? results : (results as ResultsFile).runs;
  const withValidation = hasValidation(runs);
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = JSON.stringify(
      Object.keys(r.params)
        .filter((k) => k !== "seed")
        .sort()
        .map((k) => [k, r.params[k]]),
    );
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows: AggregateRow[] = [...groups.values()].map((group) => {
    const ok = group.filter((r) => r.status === "ok");
    const pick = (m: MetricPath) => ok.map((r) => metricValue(r, m));
    const failed = group.filter((r) => r.status !== "ok");
    const row: AggregateRow = {
      params: group[0].params,
      nFolds: ok.length,
      nFailed: failed.length,
      ...(failed.length > 0 ? { error: failed[0].error } : {}),
      mean_test_rmse: mean(pick("test.rmse")),
      std_test_rmse: std(pick("test.rmse")),
      mean_test_mae: mean(pick("test.mae")),
      std_test_mae: std(pick("test.mae")),
      mean_test_mse: mean(pick("test.mse")),
      std_test_mse: std(pick("test.mse")),
      mean_train_rmse: mean(pick("train.rmse")),
      mean_train_mae: mean(pick("train.mae")),
      mean_train_mse: mean(pick("train.mse")),
      rank_test_rmse: 0,
      mean_fit_time: mean(ok.map((r) => r.fitSeconds ?? NaN)),
      mean_predict_time: mean(ok.map((r) => r.predictSeconds ?? NaN)),
      split_test_rmse: pick("test.rmse"),
      split_test_mae: pick("test.mae"),
      folds: ok.map((r) => `${r.fold ?? ""}${r.repeat !== undefined ? `#${r.repeat}` : ""}`),
    };
    if (withValidation) {
      const fields = row as unknown as Record<string, number>;
      for (const m of tableMetrics(runs, ["validation"])) {
        const name = m.replace(".", "_");
        fields[`mean_${name}`] = mean(pick(m));
        fields[`std_${name}`] = std(pick(m));
      }
      row.split_validation_rmse = pick("validation.rmse");
    }
    return row;
  });
  const testRanks = minRanks(rows.map((r) => (r.nFolds > 0 ? r.mean_test_rmse : NaN)));
  rows.forEach((row, i) => (row.rank_test_rmse = testRanks[i]));
  if (withValidation) {
    const validationRanks = minRanks(rows.map((r) => (r.nFolds > 0 ? aggregateValue(r, "validation.rmse") : NaN)));
    rows.forEach((row, i) => (row.rank_validation_rmse = validationRanks[i]));
  }
  return rows;
}

/**
 * The aggregated rows ordered by the mean of `metric` (default {@link selectionMetric} of RMSE: the validation RMSE
 * when the runs carry validation metrics, else the test RMSE), ascending; rows without an ok run (or without the
 * metric) last, in first-seen order. `rank` is each row's "min" rank by that mean (NaN for those last rows);
 * the first row is the best configuration, chosen on `metric`'s split.
 */
export function rankConfigurations(
  results: ResultsFile | readonly RunRecord[],
  metric?: MetricPath,
): { metric: MetricPath; rows: AggregateRow[]; rank: number[] } {
  const runs = Array.isArray(results) ? results : (results as ResultsFile).runs;
  const by = metric ?? selectionMetric(runs, "test.rmse");
  const key = (r: AggregateRow) => (r.nFolds === 0 ? NaN : aggregateValue(r, by));
  const rows = aggregateRuns(runs).sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x - y;
  });
  return { metric: by, rows, rank: minRanks(rows.map(key)) };
}

/**
 * The aggregated table of a cross-validated (or repeated-seed) sweep: one row per configuration, mean ± std over
 * its folds and seeds, sorted by the mean of `sortBy` (default the validation RMSE when the runs carry validation
 * metrics, else the test RMSE; ascending; configurations without an ok run last). Columns: the varying parameters,
 * runs, then for validation (when present) and test: MSE, RMSE ± std, MAE ± std; train MSE, train RMSE, fit seconds,
 * and the rank by the mean of `sortBy` (ties share a rank). With validation metrics the first line says which split
 * chose ("chosen on validation").
 */
export function foldSummaryTable(results: ResultsFile, sortBy?: MetricPath): string {
  const { metric, rows, rank } = rankConfigurations(results, sortBy);
  const params = varyingParams(results.runs);
  if (!params.includes("model")) params.unshift("model");
  const aggregated = tableMetrics(results.runs, ["validation", "test"]);
  const train = tableMetrics(results.runs, ["train"]).filter((m) => !m.endsWith(".mae"));
  const withStd = (m: MetricPath) => !m.endsWith(".mse");
  const columns = columnsOf(params, [
    "runs",
    ...aggregated.flatMap((m) => (withStd(m) ? [metricHeader(m), "± std"] : [metricHeader(m)])),
    ...train.map(metricHeader),
    "fit s",
    "rank",
  ]);
  const body = rows.map((r, i) => [
    ...params.map((k) => fmt(r.params[k])),
    r.nFailed > 0 ? `${r.nFolds}/${r.nFolds + r.nFailed}` : String(r.nFolds),
    ...aggregated.flatMap((m) => (withStd(m) ? [fmt(aggregateValue(r, m)), fmt(aggregateValue(r, m, "std"))] : [fmt(aggregateValue(r, m))])),
    ...train.map((m) => fmt(aggregateValue(r, m))),
    Number.isFinite(r.mean_fit_time) ? r.mean_fit_time.toFixed(2) : "–",
    Number.isNaN(rank[i]) ? "–" : String(rank[i]),
  ]);
  const d = results.dataset;
  const failures = rows.filter((r) => r.nFailed > 0).map((r) => `  ${params.map((k) => `${k}=${fmt(r.params[k])}`).join(" ")}: ${r.error}`);
  return (
    `${results.experiment.name} on ${d.name}: mean ± std over ${d.folds ? `folds ${d.folds.map((f) => f.name).join(", ")}` : "one split"}` +
    `${results.runs.some((r) => r.repeat !== undefined) ? ` × ${new Set(results.runs.map((r) => r.repeat)).size} seeds` : ""}; sorted by mean ${metric}` +
    `${hasValidation(results.runs) ? ` (best ${chosenOn(metric)})` : ""}\n\n` +
    textTable(columns, body) +
    (failures.length > 0 ? `\n\nfailed runs:\n${failures.join("\n")}` : "")
  );
}

/** The table of a ranking sweep (`evaluation.task` "ranking"), sorted by NDCG@k, best first. */
export function rankingSummaryTable(results: ResultsFile): string {
  const runs = [...results.runs].sort((a, b) => {
    if (a.status !== b.status) return a.status === "ok" ? -1 : 1;
    return (b.metrics?.ranking?.ndcg ?? -Infinity) - (a.metrics?.ranking?.ndcg ?? -Infinity);
  });
  const params = varyingParams(results.runs);
  if (new Set(results.runs.map((r) => r.params.model)).size > 1 || params.length === 0) params.unshift("model");
  const k = runs.find((r) => r.metrics?.ranking)?.metrics?.ranking?.k ?? 10;
  const folded = results.runs.some((r) => r.fold);
  const columns = columnsOf(
    [...params, ...(folded ? ["fold"] : [])],
    ["iters", `P@${k}`, `R@${k}`, `NDCG@${k}`, `MAP@${k}`, "hit rate", "coverage", "users", "fit s"],
  );
  const rows = runs.map((r): TextTableRow => {
    const base = [...params.map((key) => fmt(r.params[key])), ...(folded ? [r.fold ?? ""] : [])];
    const m = r.metrics?.ranking;
    if (r.status !== "ok" || !m) return { cells: base, note: `FAILED: ${r.error ?? "no ranking metrics"}` };
    return [
      ...base,
      fmt(r.iterations),
      fmt(m.precision),
      fmt(m.recall),
      fmt(m.ndcg),
      fmt(m.map),
      fmt(m.hitRate),
      fmt(m.coverage),
      String(m.nUsersEvaluated),
      r.fitSeconds === undefined ? "–" : r.fitSeconds.toFixed(2),
    ];
  });
  const d = results.dataset;
  const threshold = runs.find((r) => r.metrics?.ranking)?.metrics?.ranking?.threshold;
  return (
    `${results.experiment.name} on ${d.name}: top-${k} ranking, test ratings ≥ ${threshold} relevant, items rated in training excluded\n\n` +
    textTable(columns, rows)
  );
}
