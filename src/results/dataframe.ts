/**
 * Tabular views of runs: {@link runsTable} (plain column arrays, no dependency) and, as danfojs-node
 * `DataFrame`s that print as tables in a notebook with `df.print()`: {@link runsDataFrame} (the same columns),
 * {@link pivotRuns} (a pivot table such as d × λ of the mean test MSE over folds and seeds, or one column per
 * fold) and {@link groupRunsFrame} (runs grouped by model or any columns, with mean/std per metric).
 *
 * Columns, in order (one row per run, in source order):
 * - `id`; `experiment` and `dataset` when the source is a loaded set of several results files;
 * - `model`, then every parameter (first-seen order over all runs; `seed` and `model` are not repeated; nested
 *   objects flattened as `outer.inner`, arrays as JSON text; a parameter whose name is taken by another column
 *   becomes `param.<name>`);
 * - `seed`; `fold` when some run has one; `status`;
 * - `iterations`, `converged`, `fitSeconds`, `predictSeconds`, `fallbackCount`; `error` when some run failed;
 * - the metrics as `<split>_<metric>` (default: `train_mse`, `train_rmse`, `train_mae`, then `validation_mse`,
 *   `validation_rmse`, `validation_mae` only when some ok run carries validation metrics (a sweep with
 *   `evaluation.validation`), then `test_mse`, `test_rmse`, `test_mae` — the columns of `mflab summary`'s per-run
 *   table, from the same list, `tableMetrics` in ./metric.ts), last: danfojs' `print()` shows the first 4 and the
 *   last 3 columns of frames with more than 10 columns, so a full frame prints id, model, the first two parameters
 *   and the test metrics.
 * Missing values are null (a failed run's metrics, a parameter another model does not have).
 * `columns` selects and orders columns (`"summary"` for a frame that prints whole).
 *
 * danfojs-node is an optional peer dependency of mflab: a project that depends on mflab installs it only if it
 * wants these frames ({@link DANFOJS_INSTALL_HINT} says how; they throw that text when it is missing). It is heavy
 * (≈ 1 s to load, TensorFlow.js inside), so it is required only when one of the DataFrame functions is first
 * called; `import "mflab"` and the `mflab` command never load it.
 */
import { InputError } from "../core/errors";
import type { ResultsFile, RunRecord } from "./schema";
import { ALL_METRIC_PATHS, hasValidation, tableMetrics, type MetricPath, type MetricSplit } from "./metric";
import { varyingParams } from "./summary";
import type { ResultsSet, RunsSource } from "./query";

/** One cell of a {@link RunsTable}. */
export type RunsTableCell = string | number | boolean | null;

/** Column name → values (one per run); the object's key order is the column order. */
export type RunsTable = Record<string, RunsTableCell[]>;

export interface RunsTableOptions {
  /** Metric columns to include (default train, validation when the runs carry it, test: MSE, RMSE, MAE each). */
  metrics?: readonly MetricPath[];
  /**
   * Keep only these columns, in this order; `"summary"`: the model (when several), the grid parameters (those
   * that vary), fold, status and the MSE then the MAE of train, validation (when the runs carry it) and test —
   * narrow enough for `df.print()` to show every column of a two-parameter grid.
   */
  columns?: readonly string[] | "summary";
  /** Round metric and seconds columns to this many decimals (for printing; default: full precision). */
  decimals?: number;
}

const ALL_METRICS = ALL_METRIC_PATHS;
const FIXED = [
  "id",
  "experiment",
  "dataset",
  "model",
  "seed",
  "fold",
  "status",
  "iterations",
  "converged",
  "fitSeconds",
  "predictSeconds",
  "fallbackCount",
  "error",
];

interface Row {
  run: RunRecord;
  results?: ResultsFile;
}

function rowsOf(source: RunsSource): { rows: Row[]; multiFile: boolean } {
  if (Array.isArray(source)) return { rows: (source as readonly RunRecord[]).map((run) => ({ run })), multiFile: false };
  const set = source as ResultsSet;
  if (Array.isArray(set.files) && Array.isArray(set.runs)) {
    return { rows: set.files.flatMap((f) => f.results.runs.map((run) => ({ run, results: f.results }))), multiFile: set.files.length > 1 };
  }
  const results = source as ResultsFile;
  if (!Array.isArray(results.runs)) throw new InputError("runsTable: expected a results file, a loaded results set, or an array of runs");
  return { rows: results.runs.map((run) => ({ run, results })), multiFile: false };
}

/** Flatten a parameter into `[column suffix, cell]` pairs. */
function flattenParam(name: string, value: unknown, out: [string, RunsTableCell][]): void {
  if (value === null || value === undefined) out.push([name, null]);
  else if (Array.isArray(value)) out.push([name, JSON.stringify(value)]);
  else if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.push([name, "{}"]);
    for (const [k, v] of entries) flattenParam(`${name}.${k}`, v, out);
  } else if (typeof value === "number") out.push([name, Number.isFinite(value) ? value : null]);
  else if (typeof value === "string" || typeof value === "boolean") out.push([name, value]);
  else out.push([name, String(value)]);
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function rounder(decimals: number | undefined): (v: number | null) => number | null {
  if (decimals === undefined) return (v) => v;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15)
    throw new InputError(`runsTable: decimals must be an integer from 0 to 15, got ${decimals}`);
  const f = 10 ** decimals;
  return (v) => (v === null ? null : Math.round(v * f) / f);
}

/**
 * The runs of `source` as plain column arrays (see the module doc for the columns).
 * @throws InputError for an unknown metric path
 */
export function runsTable(source: RunsSource, options: RunsTableOptions = {}): RunsTable {
  const { rows, multiFile } = rowsOf(source);
  const metrics =
    options.metrics ??
    tableMetrics(
      rows.map((r) => r.run),
      ["train", "validation", "test"],
    );
  for (const m of metrics) {
    if (!ALL_METRICS.includes(m)) throw new InputError(`runsTable: unknown metric "${m}"; use one of ${ALL_METRICS.join(", ")}`);
  }
  const round = rounder(options.decimals);
  const flat = rows.map((r) => {
    const out: [string, RunsTableCell][] = [];
    for (const [k, v] of Object.entries(r.run.params ?? {})) if (k !== "model" && k !== "seed") flattenParam(k, v, out);
    return out.map(([k, v]) => [FIXED.includes(k) || metricColumn(k) ? `param.${k}` : k, v] as [string, RunsTableCell]);
  });
  const paramColumns: string[] = [];
  for (const pairs of flat) for (const [k] of pairs) if (!paramColumns.includes(k)) paramColumns.push(k);

  const table: RunsTable = {};
  const col = (name: string, values: RunsTableCell[]) => {
    table[name] = values;
  };
  col(
    "id",
    rows.map((r) => r.run.id),
  );
  if (multiFile) {
    col(
      "experiment",
      rows.map((r) => r.results?.experiment.name ?? null),
    );
    col(
      "dataset",
      rows.map((r) => r.results?.dataset.name ?? null),
    );
  }
  col(
    "model",
    rows.map((r) => r.run.params?.model ?? null),
  );
  for (const p of paramColumns) {
    col(
      p,
      flat.map((pairs) => {
        const hit = pairs.find(([k]) => k === p);
        return hit ? hit[1] : null;
      }),
    );
  }
  col(
    "seed",
    rows.map((r) => num(r.run.seed)),
  );
  if (rows.some((r) => r.run.fold))
    col(
      "fold",
      rows.map((r) => r.run.fold ?? null),
    );
  col(
    "status",
    rows.map((r) => r.run.status),
  );
  col(
    "iterations",
    rows.map((r) => num(r.run.iterations)),
  );
  col(
    "converged",
    rows.map((r) => (typeof r.run.converged === "boolean" ? r.run.converged : null)),
  );
  col(
    "fitSeconds",
    rows.map((r) => round(num(r.run.fitSeconds))),
  );
  col(
    "predictSeconds",
    rows.map((r) => round(num(r.run.predictSeconds))),
  );
  col(
    "fallbackCount",
    rows.map((r) => num(r.run.fallbackCount)),
  );
  if (rows.some((r) => r.run.status !== "ok"))
    col(
      "error",
      rows.map((r) => r.run.error ?? null),
    );
  for (const m of metrics) {
    const [split, name] = m.split(".") as [MetricSplit, "mse" | "rmse" | "mae"];
    col(
      `${split}_${name}`,
      rows.map((r) => round(num(r.run.metrics?.[split]?.[name]))),
    );
  }
  return options.columns === undefined
    ? table
    : selectColumns(
        table,
        options.columns,
        rows.map((r) => r.run),
      );
}

/** The columns of the "summary" preset (see {@link RunsTableOptions.columns}). */
function summaryColumns(table: RunsTable, runs: readonly RunRecord[]): string[] {
  const out: string[] = [];
  if (new Set(runs.map((r) => r.params?.model)).size > 1) out.push("model");
  for (const k of varyingParams(runs)) {
    if (k === "model") continue;
    const name = FIXED.includes(k) || metricColumn(k) ? `param.${k}` : k;
    if (name in table) out.push(name);
    else out.push(...Object.keys(table).filter((c) => c.startsWith(`${name}.`)));
  }
  const metrics = tableMetrics(runs).map((m) => m.replace(".", "_"));
  const byName = (name: string) => metrics.filter((c) => c.endsWith(`_${name}`));
  for (const c of ["fold", "status", ...byName("mse"), ...byName("mae")]) if (c in table) out.push(c);
  return out;
}

function selectColumns(table: RunsTable, columns: readonly string[] | "summary", runs: readonly RunRecord[]): RunsTable {
  const names = columns === "summary" ? summaryColumns(table, runs) : columns;
  const out: RunsTable = {};
  for (const c of names) {
    if (!(c in table)) throw new InputError(`runsTable: no column "${c}"; the columns are ${Object.keys(table).join(", ")}`);
    out[c] = table[c];
  }
  return out;
}

function metricColumn(name: string): boolean {
  return /^(train|validation|test)_(mse|rmse|mae)$/.test(name);
}

/**
 * The methods of a danfojs-node `DataFrame` that mflab documents (the object returned is a full danfojs
 * `DataFrame`; cast it to `import("danfojs-node").DataFrame` for the rest of its API). Typed here rather than
 * through danfojs' own declarations, which do not compile without `skipLibCheck` (they import `request`,
 * `papaparse` and `plotly.js-dist-min` types that are not installed) and would slow down every tslab cell.
 */
export interface RunsDataFrame {
  /** Print the frame as a box-drawn text table (danfojs shows at most its configured number of rows/columns). */
  print(): void;
  /** [rows, columns] */
  readonly shape: number[];
  readonly columns: string[];
  /** Row-major values. */
  readonly values: unknown[];
  /** Column name → danfojs dtype (`float32`, `int32`, `string`, `boolean`). */
  readonly ctypes: { print(): void; values: unknown[] };
  head(rows?: number): RunsDataFrame;
  tail(rows?: number): RunsDataFrame;
  /** Sorted copy by a column (`{ascending: false}` for descending). */
  sortValues(column: string, options?: { ascending?: boolean; inplace?: false }): RunsDataFrame;
  /** Copy with only these columns. */
  loc(args: { rows?: unknown; columns?: string[] }): RunsDataFrame;
  /** Rows where the boolean mask (e.g. `df["test_mse"].lt(0.9)`) is true. */
  query(condition: unknown): RunsDataFrame;
  /** One column as a danfojs `Series`. */
  column(name: string): unknown;
  /** Group by columns; aggregate with `.mean()`, `.min()`, `.agg({...})`. */
  groupby(columns: string[]): unknown;
  /** The frame as an array of row objects. */
  toJSON(options?: { format?: "row" | "column" }): unknown;
  [key: string]: unknown;
}

export interface RunsDataFrameOptions extends RunsTableOptions {
  /** Rows `print()` shows (default 50; danfojs' own default is 10). */
  maxRows?: number;
}

/** The part of a danfojs-node `DataFrame` this module calls (danfojs' own declarations are not used, see above). */
interface DanfoFrame extends RunsDataFrame {
  groupby(columns: string[]): { agg(ops: Record<string, string | string[]>): DanfoFrame };
  query(condition: unknown): DanfoFrame;
  loc(args: { rows?: unknown; columns?: string[] }): DanfoFrame;
  rename(mapper: Record<string, string>): DanfoFrame;
  column(name: string): { eq(value: unknown): unknown; values: unknown[] };
  addColumn(name: string, values: unknown[], options?: { inplace?: false }): DanfoFrame;
  iloc(args: { rows: number[] }): DanfoFrame;
  resetIndex(options: { inplace: true }): void;
  readonly config: { setMaxRow(rows: number): void };
}

interface Danfo {
  DataFrame: new (data: unknown, options?: unknown) => DanfoFrame;
  merge(args: { left: DanfoFrame; right: DanfoFrame; on: string[]; how: "left" | "right" | "inner" | "outer" }): DanfoFrame;
}

/**
 * The `overrides` a project needs in its own package.json before `npm install danfojs-node` where only the npm
 * registry is reachable (npm applies overrides only from the root project, so mflab's own cannot do it for you):
 * danfojs-node 1.2 takes `xlsx` from a tarball on cdn.sheetjs.com instead of the registry (without that host the
 * install fails after minutes of retries), and depends on `@tensorflow/tfjs-node`, whose install script downloads
 * a native TensorFlow library from storage.googleapis.com (and builds from source where no binary exists).
 * `@tensorflow/tfjs` is the same API in plain JavaScript, which is all danfojs needs for mflab's frames.
 */
export const DANFOJS_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({
  xlsx: "0.18.5",
  "@tensorflow/tfjs-node": "npm:@tensorflow/tfjs@3.21.0",
});

/** How to install danfojs-node in a project that depends on mflab (part of the error when it is missing). */
export const DANFOJS_INSTALL_HINT =
  "danfojs-node is an optional peer dependency of mflab (only the DataFrame views use it). In your project:\n" +
  `  1. add to package.json  "overrides": ${JSON.stringify(DANFOJS_OVERRIDES)}\n` +
  "  2. npm install danfojs-node\n" +
  "Without the overrides the install also needs cdn.sheetjs.com (danfojs-node's xlsx) and storage.googleapis.com " +
  "(the native TensorFlow library of @tensorflow/tfjs-node); with them it needs only the npm registry.";

/**
 * danfojs-node, required on first use (never at import time: it takes about a second and pulls TensorFlow.js;
 * Node's module cache makes later calls free).
 */
function loadDanfo(caller: string): Danfo {
  try {
    return require("danfojs-node") as Danfo;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const absent = err?.code === "MODULE_NOT_FOUND" && /['"]danfojs-node['"]/.test(String(err.message));
    if (absent) throw new InputError(`${caller} needs the danfojs-node package, which is not installed.\n${DANFOJS_INSTALL_HINT}`);
    throw new InputError(
      `${caller}: danfojs-node is installed but failed to load: ${String(err?.message ?? e).split("\n")[0]}\n${DANFOJS_INSTALL_HINT}`,
    );
  }
}

/**
 * {@link runsTable} as a danfojs-node `DataFrame` (danfojs is loaded on first use). In a tslab notebook
 * `df.print()` prints the table; `df.sortValues("test_mse").head(5).print()` the five lowest test MSEs.
 * @throws InputError when danfojs-node is not installed (with the install command), or when there is no run
 *   (danfojs cannot build an empty frame with columns)
 */
export function runsDataFrame(source: RunsSource, options: RunsDataFrameOptions = {}): RunsDataFrame {
  const table = runsTable(source, options);
  if (rowsOf(source).rows.length === 0) throw new InputError("runsDataFrame: no runs to put in a DataFrame");
  const danfo = loadDanfo("runsDataFrame");
  return new danfo.DataFrame(table, { config: { tableMaxRow: options.maxRows ?? 50 } });
}

/** Aggregates of {@link pivotRuns}; `std` is the population standard deviation, as in {@link aggregateRuns}. */
export type PivotAggregate = "mean" | "std" | "min" | "max" | "median" | "count";

/** Statistics of {@link groupRunsFrame}. */
export type GroupStat = "mean" | "std" | "min" | "max" | "median";

export interface PivotRunsOptions {
  /** The row key(s): columns of {@link runsTable} such as a parameter (`"d"`), `"model"`, `"fold"` or `"seed"`. */
  rows: string | readonly string[];
  /** The column key: each of its values becomes a column named `<columns>=<value>` (e.g. `lambda=2`). */
  columns: string;
  /** The metric in the cells (default `test.mse`). */
  metric?: MetricPath;
  /** How the runs of one cell (folds, seeds) are combined (default `mean`). */
  aggregate?: PivotAggregate;
  /** Rows `print()` shows (default 50). */
  maxRows?: number;
}

export interface GroupRunsFrameOptions {
  /** Group by these columns of {@link runsTable} (default `"model"`). */
  by?: string | readonly string[];
  /**
   * Metrics to summarise (default validation MSE, RMSE and MAE when every ok run carries validation metrics, then
   * test MSE, RMSE and MAE).
   */
  metrics?: readonly MetricPath[];
  /** Statistics of each metric, in this order (default mean and std). */
  stats?: readonly GroupStat[];
  /** Rows `print()` shows (default 50). */
  maxRows?: number;
}

const PIVOT_AGGREGATES: readonly PivotAggregate[] = ["mean", "std", "min", "max", "median", "count"];
const GROUP_STATS: readonly GroupStat[] = ["mean", "std", "min", "max", "median"];

function metricColumnOf(metric: MetricPath): string {
  return metric.replace(".", "_");
}

/** Ascending; numbers before strings before booleans, so d, λ and fold names come out in their natural order. */
function compareKeys(a: RunsTableCell, b: RunsTableCell): number {
  const rank = (v: RunsTableCell) => (typeof v === "number" ? 0 : typeof v === "string" ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function compareRows(a: readonly RunsTableCell[], b: readonly RunsTableCell[]): number {
  for (let k = 0; k < a.length; k++) {
    const c = compareKeys(a[k], b[k]);
    if (c !== 0) return c;
  }
  return 0;
}

/** Distinct key tuples, in first-seen order. */
function distinctRows(table: RunsTable, keys: readonly string[], indices: readonly number[]): RunsTableCell[][] {
  const seen = new Set<string>();
  const out: RunsTableCell[][] = [];
  for (const i of indices) {
    const tuple = keys.map((k) => table[k][i]);
    const id = JSON.stringify(tuple);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(tuple);
    }
  }
  return out;
}

function columnsFrom(keys: readonly string[], tuples: readonly RunsTableCell[][]): RunsTable {
  const out: RunsTable = {};
  keys.forEach((k, j) => (out[k] = tuples.map((t) => t[j])));
  return out;
}

function subTable(table: RunsTable, columns: readonly string[], indices: readonly number[]): RunsTable {
  const out: RunsTable = {};
  for (const c of columns) out[c] = indices.map((i) => table[c][i]);
  return out;
}

function checkKeys(caller: string, table: RunsTable, keys: readonly string[]): void {
  if (keys.length === 0) throw new InputError(`${caller}: name at least one key column`);
  for (const k of keys) {
    if (!(k in table) || metricColumn(k)) {
      const usable = Object.keys(table).filter((c) => !metricColumn(c));
      throw new InputError(`${caller}: no key column "${k}"; use one of ${usable.join(", ")}`);
    }
  }
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup !== undefined) throw new InputError(`${caller}: key column "${dup}" is named twice`);
}

function checkMetric(caller: string, metric: string): asserts metric is MetricPath {
  if (!ALL_METRICS.includes(metric as MetricPath))
    throw new InputError(`${caller}: unknown metric "${metric}"; use one of ${ALL_METRICS.join(", ")}`);
}

/** Runs that are ok, have every metric, and a value for every key (the rows the DataFrame functions use). */
function usableRuns(table: RunsTable, keys: readonly string[], metricColumns: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.id.length; i++) {
    if (table.status[i] !== "ok") continue;
    if (keys.some((k) => table[k][i] === null) || metricColumns.some((m) => table[m][i] === null)) continue;
    out.push(i);
  }
  return out;
}

/** The danfojs ops that give `stat` (std comes from the sample variance and the count, see populationStd). */
function danfoOps(stat: PivotAggregate): string[] {
  return stat === "std" ? ["var", "count"] : [stat];
}

/**
 * The column of `stat` of `metricCol` in a grouped frame. danfojs' std/var are the sample ones (n − 1, pandas'
 * default); mflab reports the population std everywhere (aggregateRuns, the fold tables, scikit-learn's
 * std_test_*), so std is sqrt(var · (n − 1) / n), computed here in float64 (danfojs' own Series arithmetic
 * runs in float32 on TensorFlow.js).
 */
function statColumn(grouped: DanfoFrame, metricCol: string, stat: PivotAggregate): unknown[] {
  if (stat !== "std") return grouped.column(`${metricCol}_${stat}`).values;
  const variance = grouped.column(`${metricCol}_var`).values as number[];
  const count = grouped.column(`${metricCol}_count`).values as number[];
  return variance.map((v, k) => (count[k] > 1 ? Math.sqrt((v * (count[k] - 1)) / count[k]) : 0));
}

/**
 * A pivot table of the runs as a danfojs `DataFrame`: one row per value of `rows` (sorted ascending), one
 * column `<columns>=<value>` per value of `columns` (sorted ascending), and in each cell `aggregate` (default
 * the mean) of `metric` over the ok runs of that cell — the folds and seeds of one configuration. The assignment's
 * d × λ table of mean test MSE is `pivotRuns(results, { rows: "d", columns: "lambda" })`; one configuration per
 * row with a column per fold (the folds joined side by side) is
 * `pivotRuns(results, { rows: ["d", "lambda"], columns: "fold", metric: "test.rmse" })`.
 *
 * danfojs does the work: `groupby(rows + columns)` aggregates, and each column of the result is a
 * `merge` (left join on the row keys) of one column value's groups onto the sorted row keys.
 * A cell without an ok run is NaN; failed runs, and runs without a value for a key (a baseline has no `d`), are
 * left out. The cells equal {@link aggregateRuns}' means when rows + columns are the grid axes.
 * @throws InputError for an unknown key column or metric, when no run is usable, or when danfojs-node is not
 *   installed (with the install command)
 */
export function pivotRuns(source: RunsSource, options: PivotRunsOptions): RunsDataFrame {
  const caller = "pivotRuns";
  const rows = typeof options.rows === "string" ? [options.rows] : [...(options.rows ?? [])];
  const metric = options.metric ?? "test.mse";
  checkMetric(caller, metric);
  const aggregate = options.aggregate ?? "mean";
  if (!PIVOT_AGGREGATES.includes(aggregate))
    throw new InputError(`${caller}: unknown aggregate "${aggregate}"; use one of ${PIVOT_AGGREGATES.join(", ")}`);
  const table = runsTable(source, { metrics: [metric] });
  if (table.id.length === 0) throw new InputError(`${caller}: no runs to pivot`);
  const keys = [...rows, options.columns];
  checkKeys(caller, table, keys);
  const metricCol = metricColumnOf(metric);
  const use = usableRuns(table, keys, [metricCol]);
  if (use.length === 0) throw new InputError(`${caller}: no ok run has ${metric} and a value for each of ${keys.join(", ")}`);

  const danfo = loadDanfo(caller);
  const runs = new danfo.DataFrame(subTable(table, [...keys, metricCol], use));
  const grouped = runs.groupby(keys).agg({ [metricCol]: danfoOps(aggregate) });
  const cell = `${metricCol}_cell`;
  const cells = grouped.addColumn(cell, statColumn(grouped, metricCol, aggregate));
  const rowTuples = distinctRows(table, rows, use).sort(compareRows);
  const columnValues = distinctRows(table, [options.columns], use)
    .map((t) => t[0])
    .sort(compareKeys);
  let wide = new danfo.DataFrame(columnsFrom(rows, rowTuples));
  for (const value of columnValues) {
    const name = `${options.columns}=${value}`;
    const part = cells
      .query(cells.column(options.columns).eq(value))
      .loc({ columns: [...rows, cell] })
      .rename({ [cell]: name });
    wide = danfo.merge({ left: wide, right: part, on: rows, how: "left" });
  }
  return withMaxRows(wide, options.maxRows);
}

/**
 * The runs grouped by `by` (default the model) as a danfojs `DataFrame`, one row per group (in first-seen order, except that danfojs' merge puts numeric keys in ascending order):
 * the key columns, `runs` (ok runs in the group), `failed` (when some run failed), then for each metric
 * `<split>_<metric>_<stat>` (default `test_mse_mean`, `test_mse_std`, … for test MSE, RMSE and MAE; when every ok
 * run carries validation metrics, `validation_mse_mean`, … first, and the rows sorted by the mean validation RMSE,
 * lowest first — the configuration chosen on validation on top — with `metrics` not given). std is the
 * population standard deviation, as in {@link aggregateRuns}; a group whose runs all failed has NaN statistics.
 * With `by` set to the grid parameters (plus `"model"`), the rows are {@link aggregateRuns}' configurations.
 *
 * danfojs does the work: `groupby(by).agg(...)` for the counts and the statistics, joined with `merge` onto the
 * group keys. Runs without a value for a key are left out.
 * @throws InputError for an unknown key column, metric or statistic, when there is no run, or when danfojs-node is
 *   not installed (with the install command)
 */
export function groupRunsFrame(source: RunsSource, options: GroupRunsFrameOptions = {}): RunsDataFrame {
  const caller = "groupRunsFrame";
  const by = options.by === undefined ? ["model"] : typeof options.by === "string" ? [options.by] : [...options.by];
  const metrics = options.metrics ?? defaultGroupMetrics(rowsOf(source).rows.map((r) => r.run));
  for (const m of metrics) checkMetric(caller, m);
  if (metrics.length === 0) throw new InputError(`${caller}: name at least one metric`);
  const stats = options.stats ?? (["mean", "std"] as const);
  for (const s of stats)
    if (!GROUP_STATS.includes(s)) throw new InputError(`${caller}: unknown statistic "${s}"; use one of ${GROUP_STATS.join(", ")}`);
  if (stats.length === 0) throw new InputError(`${caller}: name at least one statistic`);
  const table = runsTable(source, { metrics });
  if (table.id.length === 0) throw new InputError(`${caller}: no runs to group`);
  checkKeys(caller, table, by);
  const metricCols = metrics.map(metricColumnOf);
  const keyed = table.id.map((_, i) => i).filter((i) => by.every((k) => table[k][i] !== null));
  if (keyed.length === 0) throw new InputError(`${caller}: no run has a value for each of ${by.join(", ")}`);

  const danfo = loadDanfo(caller);
  // every keyed run: ok (1) or not (0), so that sum = ok runs and count - sum = failed runs
  const all = new danfo.DataFrame({
    ...subTable(table, by, keyed),
    ok: keyed.map((i) => (table.status[i] === "ok" && metricCols.every((m) => table[m][i] !== null) ? 1 : 0)),
  });
  const counts = all.groupby(by).agg({ ok: ["sum", "count"] });
  const okRuns = counts.column("ok_sum").values as number[];
  const failedRuns = (counts.column("ok_count").values as number[]).map((n, k) => n - okRuns[k]);
  let countFrame = counts.addColumn("runs", okRuns).loc({ columns: [...by, "runs"] });
  if (failedRuns.some((n) => n > 0)) countFrame = countFrame.addColumn("failed", failedRuns);

  let frame = danfo.merge({ left: new danfo.DataFrame(columnsFrom(by, distinctRows(table, by, keyed))), right: countFrame, on: by, how: "left" });
  const use = usableRuns(table, by, metricCols);
  if (use.length > 0) {
    const ops: Record<string, string[]> = {};
    for (const m of metricCols) ops[m] = [...new Set(stats.flatMap((s) => danfoOps(s)))];
    const grouped = new danfo.DataFrame(subTable(table, [...by, ...metricCols], use)).groupby(by).agg(ops);
    let statFrame = grouped.loc({ columns: by });
    for (const m of metricCols) for (const s of stats) statFrame = statFrame.addColumn(`${m}_${s}`, statColumn(grouped, m, s));
    frame = danfo.merge({ left: frame, right: statFrame, on: by, how: "left" });
  } else {
    for (const m of metricCols)
      for (const s of stats)
        frame = frame.addColumn(
          `${m}_${s}`,
          frame.column(by[0]).values.map(() => NaN),
        );
  }
  // with validation metrics by default: the configuration chosen on validation first
  if (options.metrics === undefined && frame.columns.includes("validation_rmse_mean")) frame = sortedByColumn(frame, "validation_rmse_mean");
  return withMaxRows(frame, options.maxRows);
}

/**
 * The rows of `frame` sorted by its column `column`, ascending (ties keep their order; NaN last), re-indexed 0…n−1 —
 * the best configuration first. (Sorting the group keys before the joins would not do: danfojs' `merge` returns
 * numeric keys in ascending order.)
 */
function sortedByColumn(frame: DanfoFrame, column: string): DanfoFrame {
  const values = (frame.column(column).values as unknown[]).map((v) => (typeof v === "number" ? v : NaN));
  const order = values.map((_, i) => i);
  order.sort((i, j) => {
    const a = values[i];
    const b = values[j];
    return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b;
  });
  const sorted = frame.iloc({ rows: order });
  sorted.resetIndex({ inplace: true });
  return sorted;
}

/**
 * {@link groupRunsFrame}'s default metrics: validation (when every ok run has it: a run without would leave its
 * group's test statistics too, see usableRuns) then test — MSE, RMSE, MAE each, as `tableMetrics` orders them.
 */
function defaultGroupMetrics(runs: readonly RunRecord[]): MetricPath[] {
  const ok = runs.filter((r) => r.status === "ok");
  const everyValidation = hasValidation(runs) && ok.every((r) => r.metrics?.validation !== undefined);
  return tableMetrics(runs, everyValidation ? ["validation", "test"] : ["test"]);
}

/** The frame, with `print()` showing up to `maxRows` rows (default 50; danfojs keeps this setting per frame). */
function withMaxRows(frame: DanfoFrame, maxRows: number | undefined): RunsDataFrame {
  frame.config.setMaxRow(maxRows ?? 50);
  return frame;
}
