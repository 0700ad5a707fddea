/**
 * Tabular views of runs: {@link runsTable} (plain column arrays, no dependency) and {@link runsDataFrame} (a
 * danfojs-node `DataFrame` of the same columns, which prints as a table in a notebook with `df.print()`).
 *
 * Columns, in order (one row per run, in source order):
 * - `id`; `experiment` and `dataset` when the source is a loaded set of several results files;
 * - `model`, then every parameter (first-seen order over all runs; `seed` and `model` are not repeated; nested
 *   objects flattened as `outer.inner`, arrays as JSON text; a parameter whose name is taken by another column
 *   becomes `param.<name>`);
 * - `seed`; `fold` when some run has one; `status`;
 * - `iterations`, `converged`, `fitSeconds`, `predictSeconds`, `fallbackCount`; `error` when some run failed;
 * - the metrics as `<split>_<metric>` (default all six: `train_mse`, `train_rmse`, `train_mae`, `test_mse`,
 *   `test_rmse`, `test_mae`), last: danfojs' `print()` shows the first 4 and the last 3 columns of frames with
 *   more than 10 columns, so a full frame prints id, model, the first two parameters and the test metrics.
 * Missing values are null (a failed run's metrics, a parameter another model does not have).
 * `columns` selects and orders columns (`"summary"` for a frame that prints whole).
 *
 * danfojs-node is heavy (≈ 1 s to load, TensorFlow.js inside), so it is required only when
 * {@link runsDataFrame} is first called; `import "mflab"` does not load it.
 */
import { InputError } from "../core/errors";
import type { ResultsFile, RunRecord } from "./schema";
import type { MetricPath } from "./metric";
import { varyingParams } from "./summary";
import type { ResultsSet, RunsSource } from "./query";

/** One cell of a {@link RunsTable}. */
export type RunsTableCell = string | number | boolean | null;

/** Column name → values (one per run); the object's key order is the column order. */
export type RunsTable = Record<string, RunsTableCell[]>;

export interface RunsTableOptions {
  /** Metric columns to include (default all six, train first). */
  metrics?: readonly MetricPath[];
  /**
   * Keep only these columns, in this order; `"summary"`: the model (when several), the grid parameters (those
   * that vary), fold, status and train/test MSE and MAE — narrow enough for `df.print()` to show every column.
   */
  columns?: readonly string[] | "summary";
  /** Round metric and seconds columns to this many decimals (for printing; default: full precision). */
  decimals?: number;
}

const ALL_METRICS: readonly MetricPath[] = ["train.mse", "train.rmse", "train.mae", "test.mse", "test.rmse", "test.mae"];
const FIXED = ["id", "experiment", "dataset", "model", "seed", "fold", "status", "iterations", "converged", "fitSeconds", "predictSeconds", "fallbackCount", "error"];

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
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15) throw new InputError(`runsTable: decimals must be an integer from 0 to 15, got ${decimals}`);
  const f = 10 ** decimals;
  return (v) => (v === null ? null : Math.round(v * f) / f);
}

/**
 * The runs of `source` as plain column arrays (see the module doc for the columns).
 * @throws InputError for an unknown metric path
 */
export function runsTable(source: RunsSource, options: RunsTableOptions = {}): RunsTable {
  const metrics = options.metrics ?? ALL_METRICS;
  for (const m of metrics) {
    if (!ALL_METRICS.includes(m)) throw new InputError(`runsTable: unknown metric "${m}"; use one of ${ALL_METRICS.join(", ")}`);
  }
  const round = rounder(options.decimals);
  const { rows, multiFile } = rowsOf(source);
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
  col("id", rows.map((r) => r.run.id));
  if (multiFile) {
    col("experiment", rows.map((r) => r.results?.experiment.name ?? null));
    col("dataset", rows.map((r) => r.results?.dataset.name ?? null));
  }
  col("model", rows.map((r) => r.run.params?.model ?? null));
  for (const p of paramColumns) {
    col(p, flat.map((pairs) => {
      const hit = pairs.find(([k]) => k === p);
      return hit ? hit[1] : null;
    }));
  }
  col("seed", rows.map((r) => num(r.run.seed)));
  if (rows.some((r) => r.run.fold)) col("fold", rows.map((r) => r.run.fold ?? null));
  col("status", rows.map((r) => r.run.status));
  col("iterations", rows.map((r) => num(r.run.iterations)));
  col("converged", rows.map((r) => (typeof r.run.converged === "boolean" ? r.run.converged : null)));
  col("fitSeconds", rows.map((r) => round(num(r.run.fitSeconds))));
  col("predictSeconds", rows.map((r) => round(num(r.run.predictSeconds))));
  col("fallbackCount", rows.map((r) => num(r.run.fallbackCount)));
  if (rows.some((r) => r.run.status !== "ok")) col("error", rows.map((r) => r.run.error ?? null));
  for (const m of metrics) {
    const [split, name] = m.split(".") as ["train" | "test", "mse" | "rmse" | "mae"];
    col(`${split}_${name}`, rows.map((r) => round(num(r.run.metrics?.[split]?.[name]))));
  }
  return options.columns === undefined ? table : selectColumns(table, options.columns, rows.map((r) => r.run));
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
  for (const c of ["fold", "status", "train_mse", "test_mse", "train_mae", "test_mae"]) if (c in table) out.push(c);
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
  return /^(train|test)_(mse|rmse|mae)$/.test(name);
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

/**
 * {@link runsTable} as a danfojs-node `DataFrame` (loaded on first use). In a tslab notebook `df.print()` prints
 * the table; `df.sortValues("test_mse").head(5).print()` the five lowest test MSEs.
 * @throws InputError when danfojs-node is not installed, or when there is no run (danfojs cannot build an
 *   empty frame with columns)
 */
export function runsDataFrame(source: RunsSource, options: RunsDataFrameOptions = {}): RunsDataFrame {
  const table = runsTable(source, options);
  if (rowsOf(source).rows.length === 0) throw new InputError("runsDataFrame: no runs to put in a DataFrame");
  let danfo: { DataFrame: new (data: unknown, options?: unknown) => RunsDataFrame };
  try {
    danfo = require("danfojs-node");
  } catch (e) {
    throw new InputError(`runsDataFrame needs the danfojs-node package (npm install danfojs-node): ${(e as Error).message}`);
  }
  return new danfo.DataFrame(table, { config: { tableMaxRow: options.maxRows ?? 50 } });
}
