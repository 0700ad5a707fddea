/**
 * Figure builders: pure functions from sweep results (a {@link ResultsFile} or its `runs`) to plain plotly
 * figure objects `{data, layout}` that {@link show} (notebooks), `figureToHtml` / `exportFigureImage` (files)
 * render. Nothing here touches the DOM, the file system or randomness: the same input gives the same object
 * (no generated ids), so figures can be snapshot-compared and stored.
 *
 * Conventions shared by all builders:
 * - Failed runs (`status: "failed"`) are skipped, and a note under the plot says how many ("2 failed runs
 *   not shown"); so are runs lacking what a builder needs (a numeric `params.d`, a metric, a history).
 * - Metric paths are `"<split>.<metric>"`: `"test.mse"`, `"train.mae"`, … (see {@link MetricPath}).
 * - Several ok runs on the same cell (e.g. seeds) are averaged; hover text gives the count.
 * - Builders throw {@link InputError} when nothing is left to plot or the options name something absent.
 * - Text is never HTML-escaped here (plotly renders it as text); the HTML writers escape what they insert.
 * - Figure grammar (./grammar.ts): every axis carries its unit (ratings are in stars: MSE in stars², RMSE and
 *   MAE in stars), titles name every parameter held fixed (a smaller second line: model, constant parameters,
 *   dataset), legends sit outside the plot area, panels that compare share their y range, and labels are placed
 *   so that they do not overlap (test/plot/figure-lint.test.ts checks it in Chromium).
 */
import { modelComparisons } from "../results/comparison";
import { InputError } from "../core/errors";
import { meanStd } from "../core/stats";
import { hasValidation, metricValue, type ErrorMetricName, type MetricPath, type MetricSplit } from "../results/metric";
import type { ResultsFile, RunRecord } from "../results/schema";
import type { History } from "../models/types";
import { configKey, validationView } from "../results/selection";
import {
  lineCount,
  notesMargin,
  logAxis,
  metricUnit,
  notesAnnotation,
  panelTitle,
  paramAxisTitle,
  sequentialColors,
  titleWithSubtitle,
  wrapParts,
} from "./grammar";

import type { Figure, PlotlyTrace } from "./types";

export type { Figure, PlotlyTrace } from "./types";

/** A per-iteration curve of {@link History}. */
export type HistoryMetric = Exclude<keyof History, "iteration" | "seconds">;

/** What every builder accepts: a whole results file or just its runs. */
export type RunsInput = ResultsFile | readonly RunRecord[];

/** The default series of the assignment figure, in the assignment's order. */
export const ASSIGNMENT_METRICS: readonly MetricPath[] = ["train.mse", "train.mae", "test.mse", "test.mae"];

/** plotly's default colour cycle (fixed here so a metric keeps its colour in every subplot). */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] as const;

const METRIC_STYLE: Record<MetricPath, { color: string; symbol: string; dash: string }> = {
  "train.mse": { color: PALETTE[0], symbol: "circle", dash: "solid" },
  "train.mae": { color: PALETTE[1], symbol: "square", dash: "solid" },
  "test.mse": { color: PALETTE[2], symbol: "triangle-up", dash: "dash" },
  "test.mae": { color: PALETTE[3], symbol: "x", dash: "dash" },
  "train.rmse": { color: PALETTE[4], symbol: "diamond", dash: "solid" },
  "test.rmse": { color: PALETTE[5], symbol: "cross", dash: "dash" },
  "validation.mse": { color: PALETTE[6], symbol: "star", dash: "dot" },
  "validation.mae": { color: PALETTE[7], symbol: "hexagon", dash: "dot" },
  "validation.rmse": { color: PALETTE[8], symbol: "pentagon", dash: "dot" },
};

const METRIC_PATHS = Object.keys(METRIC_STYLE) as MetricPath[];
const HISTORY_METRICS: readonly HistoryMetric[] = ["trainLoss", "trainMse", "trainMae", "testMse", "testMae"];

// ---------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------

/** The runs of `input`, whichever form it has. */
export function runsOf(input: RunsInput): RunRecord[] {
  if (Array.isArray(input)) return input as RunRecord[];
  const runs = (input as ResultsFile).runs;
  if (!Array.isArray(runs)) throw new InputError("expected a results file with a runs array, or an array of runs");
  return runs;
}

/** "Train MSE", "Test MAE", … */
export function metricLabel(path: MetricPath): string {
  const [split, metric] = path.split(".");
  return `${split === "train" ? "Train" : "Test"} ${metric.toUpperCase()}`;
}

/** "Test MSE (stars²)", "Train MAE (stars)", … */
export function metricLabelWithUnit(path: MetricPath): string {
  return `${metricLabel(path)} (${metricUnit(path)})`;
}

/** "Test MSE", "Train loss", … for a {@link History} curve. */
export function historyLabel(metric: HistoryMetric): string {
  if (metric === "trainLoss") return "Train loss (objective)";
  return `${metric.startsWith("train") ? "Train" : "Test"} ${metric.replace(/^(train|test)/, "").toUpperCase()}`;
}

/** Display name of a parameter: `lambda` → `λ`. */
export function paramLabel(name: string): string {
  return name === "lambda" ? "λ" : name;
}

/** Short, exact-looking rendering of a parameter value: 0.1 → "0.1", 1e-3 → "0.001", 20 → "20". */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** Four significant decimals for metric values (0.912345 → "0.9123"). */
export function formatMetric(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toFixed(4);
}

function assertMetricPath(path: string, where: string): asserts path is MetricPath {
  if (!(METRIC_PATHS as string[]).includes(path)) {
    throw new InputError(`${where}: unknown metric "${path}"; use one of ${METRIC_PATHS.join(", ")}`);
  }
}

function numParam(run: RunRecord, key: string): number | null {
  const v = run.params?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function sameValue(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

function uniqueSorted(values: Iterable<number>): number[] {
  const out: number[] = [];
  for (const v of [...values].sort((a, b) => a - b)) {
    if (out.length === 0 || !sameValue(out[out.length - 1], v)) out.push(v);
  }
  return out;
}

function indexOfValue(sorted: readonly number[], v: number): number {
  return sorted.findIndex((s) => sameValue(s, v));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function defaultTitle(input: RunsInput, what: string): string {
  const name = Array.isArray(input) ? undefined : (input as ResultsFile).experiment?.name;
  return name ? `${name}: ${what}` : what;
}

function valueText(v: unknown): string {
  return typeof v === "number" ? formatValue(v) : typeof v === "string" ? v : JSON.stringify(v);
}

function paramText(k: string, v: unknown): string {
  return k === "model" ? valueText(v) : `${paramLabel(k)} = ${valueText(v)}`;
}

/**
 * What every plotted run shares, for a title's second line: the model, each parameter with one value across
 * `runs` (except `exclude`, the ones on axes or panels), the seed when common, and the dataset (results files).
 */
export function fixedParameters(runs: readonly RunRecord[], exclude: readonly string[] = [], input?: RunsInput): string[] {
  const parts: string[] = [];
  if (runs.length > 0) {
    const keys: string[] = [];
    for (const r of runs) for (const k of Object.keys(r.params ?? {})) if (!keys.includes(k)) keys.push(k);
    const ordered = [...keys.filter((k) => k === "model"), ...keys.filter((k) => k !== "model")];
    for (const k of ordered) {
      if (exclude.includes(k) || k === "label") continue;
      const values = new Set(runs.map((r) => JSON.stringify(r.params?.[k] ?? null)));
      if (values.size !== 1 || runs[0].params?.[k] === undefined) continue;
      parts.push(paramText(k, runs[0].params[k]));
    }
    if (!exclude.includes("seed") && !keys.includes("seed") && new Set(runs.map((r) => r.seed)).size === 1) parts.push(`seed = ${runs[0].seed}`);
    const folds = new Set(runs.map((r) => r.fold ?? ""));
    if (folds.size === 1 && runs[0].fold) parts.push(`fold ${runs[0].fold}`);
  }
  const ds = input && !Array.isArray(input) ? (input as ResultsFile).dataset?.name : undefined;
  if (ds) parts.push(ds);
  return parts;
}

/** Title text with the fixed parameters as a smaller second line, and the top margin it needs. */
function titled(main: string, sub: readonly string[], explicit: string | undefined): { text: string; top: number } {
  const text = explicit ?? titleWithSubtitle(main, sub.length > 0 ? wrapParts(sub, 110) : undefined);
  return { text, top: 44 + 20 * lineCount(text) };
}

/**
 * Panels for n small multiples in a grid of ceil(√n) columns (2×2 for four), filled row by row from the top;
 * `hgap`/`vgap`: the gaps between panels as fractions of the figure.
 */
function panelGrid(n: number, hgap: number, vgap: number) {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const gx = cols > 1 ? hgap : 0;
  const gy = rows > 1 ? vgap : 0;
  const w = (1 - (cols - 1) * gx) / cols;
  const h = (1 - (rows - 1) * gy) / rows;
  return {
    cols,
    rows,
    panel(k: number) {
      const row = Math.floor(k / cols);
      const col = k % cols;
      const yTop = 1 - row * (h + gy);
      return { row, col, xDomain: [col * (w + gx), col * (w + gx) + w], yDomain: [Math.max(0, yTop - h), yTop], yTop };
    },
  };
}

interface Selection {
  runs: RunRecord[];
  notes: string[];
}

/**
 * The ok runs of `input` (optionally of one model) that have numeric `params[x]` and (when given)
 * `params[facet]`; notes count what was dropped. Throws when the remaining runs mix several models.
 */
function selectGridRuns(input: RunsInput, x: string, facet: string | undefined, model: string | undefined, where: string): Selection {
  const all = runsOf(input);
  const notes: string[] = [];
  const failed = all.filter((r) => r.status !== "ok").length;
  if (failed > 0) notes.push(`${plural(failed, "failed run")} not shown`);
  let ok = all.filter((r) => r.status === "ok");
  if (model !== undefined) ok = ok.filter((r) => r.params?.model === model);
  const usable = ok.filter((r) => numParam(r, x) !== null && (facet === undefined || numParam(r, facet) !== null));
  const missing = ok.length - usable.length;
  if (missing > 0) {
    const keys = facet === undefined ? x : `${x}/${paramLabel(facet)}`;
    notes.push(`${plural(missing, "run")} without numeric ${keys} not shown`);
  }
  if (usable.length === 0) {
    throw new InputError(
      `${where}: no successful run${model !== undefined ? ` of model "${model}"` : ""} with numeric params.${x}` +
        (facet !== undefined ? ` and params.${facet}` : "") +
        ` (${all.length} runs, ${failed} failed)`,
    );
  }
  const models = [...new Set(usable.map((r) => String(r.params.model)))];
  if (models.length > 1) {
    throw new InputError(`${where}: runs mix models ${models.join(", ")}; pass {model: "<name>"} to pick one`);
  }
  return { runs: usable, notes };
}

interface SeriesPoint {
  x: number;
  y: number | null;
  n: number;
}

/** Mean of `metric` per distinct `params[x]` over `runs`, sorted by x. */
function seriesOver(runs: readonly RunRecord[], x: string, metric: MetricPath): SeriesPoint[] {
  const xs = uniqueSorted(runs.map((r) => numParam(r, x) as number));
  const sum = new Float64Array(xs.length);
  const count = new Int32Array(xs.length);
  for (const r of runs) {
    const v = metricValue(r, metric);
    if (!Number.isFinite(v)) continue; // missing (NaN): a gap, plotted as null
    const k = indexOfValue(xs, numParam(r, x) as number);
    sum[k] += v;
    count[k]++;
  }
  return xs.map((xv, k) => ({ x: xv, y: count[k] > 0 ? sum[k] / count[k] : null, n: count[k] }));
}

/** A log axis reads best when x > 0 spans at least a decade (d ∈ {1, 2, 5, 10, 20, 50}); ticks at the data. */
function xAxisFor(xs: readonly number[], title: string): Record<string, unknown> {
  const positive = xs.length > 0 && xs.every((v) => v > 0);
  const log = positive && xs.length > 2 && Math.max(...xs) / Math.min(...xs) >= 10;
  return {
    title: { text: paramAxisTitle(title) },
    type: log ? "log" : "linear",
    tickmode: "array",
    tickvals: [...xs],
    ticktext: xs.map(formatValue),
    zeroline: false,
  };
}

function metricTraces(
  runs: readonly RunRecord[],
  x: string,
  metrics: readonly MetricPath[],
  axis: { x: string; y: string } | undefined,
  showlegend: boolean,
): { traces: PlotlyTrace[]; ys: number[] } {
  const traces: PlotlyTrace[] = [];
  const ys: number[] = [];
  for (const metric of metrics) {
    const points = seriesOver(runs, x, metric);
    const style = METRIC_STYLE[metric];
    const averaged = points.some((p) => p.n > 1);
    for (const p of points) if (p.y !== null) ys.push(p.y);
    const trace: PlotlyTrace = {
      type: "scatter",
      mode: "lines+markers",
      name: metricLabel(metric),
      legendgroup: metric,
      showlegend,
      x: points.map((p) => p.x),
      y: points.map((p) => p.y),
      marker: { symbol: style.symbol, size: 8, color: style.color },
      line: { color: style.color, dash: style.dash, width: 2 },
      customdata: points.map((p) => p.n),
      hovertemplate:
        `${paramLabel(x)} = %{x}<br>${metricLabel(metric)} = %{y:.4f}` +
        (averaged ? "<br>mean of %{customdata} runs" : "") +
        `<extra>${metricLabel(metric)}</extra>`,
    };
    if (axis) {
      trace.xaxis = axis.x;
      trace.yaxis = axis.y;
    }
    traces.push(trace);
  }
  return { traces, ys };
}

function paddedRange(values: readonly number[]): [number, number] | undefined {
  if (values.length === 0) return undefined;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 0.05;
  return [lo - pad, hi + pad];
}

/** "MSE (stars²)", "RMSE, MAE (stars)", "error: MSE (stars²), MAE (stars)": every metric with its unit. */
export function yTitleFor(metrics: readonly string[]): string {
  const names = [...new Set(metrics.map((m) => (m.includes(".") ? m.split(".")[1] : m).toUpperCase()))];
  const byUnit = new Map<string, string[]>();
  for (const n of names) {
    const u = metricUnit(n.toLowerCase());
    byUnit.set(u, [...(byUnit.get(u) ?? []), n]);
  }
  const groups = [...byUnit.entries()].map(([u, ns]) => `${ns.join(", ")} (${u})`);
  return groups.length === 1 ? groups[0] : `error: ${groups.join(", ")}`;
}

function checkMetrics(metrics: readonly string[] | undefined, fallback: readonly MetricPath[], where: string): MetricPath[] {
  const list = metrics ?? fallback;
  if (list.length === 0) throw new InputError(`${where}: metrics must not be empty`);
  for (const m of list) assertMetricPath(m, where);
  return [...list] as MetricPath[];
}

// ---------------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------------

export interface AssignmentGridOptions {
  /** Series per subplot; default {@link ASSIGNMENT_METRICS} (Train MSE, Train MAE, Test MSE, Test MAE). */
  metrics?: readonly MetricPath[];
  /**
   * `true` (default): every subplot gets the same y range (min..max of all plotted values ± 5 %), so λ panels
   * compare at a glance; `[lo, hi]`: that range; `false`: each subplot autoscales.
   */
  sharedYRange?: boolean | readonly [number, number];
  /** Parameter on the x axis (default "d"). */
  x?: string;
  /** Parameter with one subplot per value (default "lambda"). */
  facet?: string;
  /** Only runs with `params.model === model` (required when the runs mix models). */
  model?: string;
  title?: string;
}

/**
 * The assignment figure: one subplot per λ (facet value, ascending) in a grid of ceil(√n) columns (2×2 for
 * four λ's), each plotting the chosen metrics against d with markers and lines. Each metric has a fixed
 * colour and marker (circle, square, triangle-up, x) and appears once in the shared legend (legendgroup;
 * `showlegend` only on the first subplot), so clicking it toggles the metric in every panel. Subplot titles
 * (`λ = 1`) are layout annotations. The x axis is logarithmic when d > 0 spans at least a decade (as for
 * d ∈ {1, 2, 5, 10, 20, 50}: equal room per doubling instead of a crowded left end), with ticks at the
 * sweep's d values; otherwise linear.
 * @throws InputError when no ok run has numeric d and λ, when runs mix models without `model`, or for an
 *   unknown metric
 */
export function assignmentGridFigure(results: RunsInput, options: AssignmentGridOptions = {}): Figure {
  const where = "assignmentGridFigure";
  const x = options.x ?? "d";
  const facet = options.facet ?? "lambda";
  const metrics = checkMetrics(options.metrics, ASSIGNMENT_METRICS, where);
  const { runs, notes } = selectGridRuns(results, x, facet, options.model, where);

  const facets = uniqueSorted(runs.map((r) => numParam(r, facet) as number));
  const grid = panelGrid(facets.length, 0.08, 0.16);
  const rows = grid.rows;

  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {};
  const annotations: Record<string, unknown>[] = [];
  const allYs: number[] = [];
  const yAxes: Record<string, unknown>[] = [];
  const xs = uniqueSorted(runs.map((r) => numParam(r, x) as number));

  facets.forEach((value, k) => {
    const { col, xDomain, yDomain, yTop } = grid.panel(k);
    const suffix = k === 0 ? "" : String(k + 1);
    const inFacet = runs.filter((r) => sameValue(numParam(r, facet) as number, value));
    const { traces, ys } = metricTraces(inFacet, x, metrics, { x: `x${suffix}`, y: `y${suffix}` }, k === 0);
    data.push(...traces);
    allYs.push(...ys);
    layout[`xaxis${suffix}`] = { ...xAxisFor(xs, x), domain: xDomain, anchor: `y${suffix}` };
    const yAxis: Record<string, unknown> = {
      domain: yDomain,
      anchor: `x${suffix}`,
      title: { text: col === 0 ? yTitleFor(metrics) : "" },
    };
    layout[`yaxis${suffix}`] = yAxis;
    yAxes.push(yAxis);
    annotations.push(panelTitle(`${paramLabel(facet)} = ${formatValue(value)}`, (xDomain[0] + xDomain[1]) / 2, yTop));
  });

  const shared = options.sharedYRange ?? true;
  const range = Array.isArray(shared) ? ([shared[0], shared[1]] as [number, number]) : shared === true ? paddedRange(allYs) : undefined;
  if (range) {
    if (!(range[0] < range[1])) throw new InputError(`${where}: sharedYRange [${range[0]}, ${range[1]}] must have lo < hi`);
    for (const axis of yAxes) {
      axis.range = [range[0], range[1]];
      axis.autorange = false;
    }
    // zooming one panel zooms them all
    for (const axis of yAxes.slice(1)) axis.matches = "y";
  }

  annotations.push(...notesAnnotation(notes));
  const title = titled(
    defaultTitle(results, `error vs ${x} for each ${paramLabel(facet)}`),
    fixedParameters(runs, [x, facet], results),
    options.title,
  );
  Object.assign(layout, {
    title: { text: title.text },
    annotations,
    showlegend: true,
    legend: { title: { text: "metric" }, x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
    height: Math.max(380, 320 * rows + 80 + title.top - 60),
    margin: { t: title.top + 26, b: notesMargin(notes.length), l: 70, r: 30 },
    hovermode: "closest",
  });
  return { data, layout };
}

export interface LambdaFigureOptions {
  metrics?: readonly MetricPath[];
  x?: string;
  /** Parameter compared against `lambda` (default "lambda"). */
  facet?: string;
  model?: string;
  title?: string;
}

/**
 * Final metrics against d for one selected λ (a single plot, same styling as the grid).
 * @throws InputError listing the available λ values when no ok run has this λ
 */
export function lambdaFigure(results: RunsInput, lambda: number, options: LambdaFigureOptions = {}): Figure {
  const where = "lambdaFigure";
  const x = options.x ?? "d";
  const facet = options.facet ?? "lambda";
  const metrics = checkMetrics(options.metrics, ASSIGNMENT_METRICS, where);
  const { runs, notes } = selectGridRuns(results, x, facet, options.model, where);
  const chosen = runs.filter((r) => sameValue(numParam(r, facet) as number, lambda));
  if (chosen.length === 0) {
    const available = uniqueSorted(runs.map((r) => numParam(r, facet) as number)).map(formatValue);
    throw new InputError(`${where}: no successful run with ${facet} = ${lambda}; available: ${available.join(", ")}`);
  }
  const { traces } = metricTraces(chosen, x, metrics, undefined, true);
  const xs = uniqueSorted(chosen.map((r) => numParam(r, x) as number));
  const title = titled(
    `Final metrics for ${paramLabel(facet)} = ${formatValue(lambda)}`,
    fixedParameters(chosen, [x, facet], results),
    options.title,
  );
  return {
    data: traces,
    layout: {
      title: { text: title.text },
      xaxis: xAxisFor(xs, x),
      yaxis: { title: { text: yTitleFor(metrics) } },
      legend: { title: { text: "metric" } },
      annotations: notesAnnotation(notes),
      margin: { t: title.top, b: notesMargin(notes.length), l: 70, r: 30 },
      hovermode: "closest",
    },
  };
}

export interface HeatmapOptions {
  metric: MetricPath;
  /** Parameter on the columns (default "d"). */
  x?: string;
  /** Parameter on the rows (default "lambda"). */
  y?: string;
  model?: string;
  title?: string;
  /** plotly colorscale name (default "Viridis"; low values dark). */
  colorscale?: string;
}

/**
 * Heatmap of one metric over a two-parameter grid (columns `x`, rows `y`, both ascending and shown as
 * categories so uneven grids get even cells). Every cell with a value carries an annotation with the value
 * (4 decimals); the lowest (best) cell is bold. Cells without an ok run are empty (null).
 * @throws InputError for an unknown metric or when no ok run has numeric `x` and `y`
 */
export function heatmapFigure(results: RunsInput, options: HeatmapOptions): Figure {
  const where = "heatmapFigure";
  const metric = options.metric;
  assertMetricPath(metric, where);
  const x = options.x ?? "d";
  const y = options.y ?? "lambda";
  const { runs, notes } = selectGridRuns(results, x, y, options.model, where);
  const xs = uniqueSorted(runs.map((r) => numParam(r, x) as number));
  const ys = uniqueSorted(runs.map((r) => numParam(r, y) as number));
  const sum = ys.map(() => new Float64Array(xs.length));
  const count = ys.map(() => new Int32Array(xs.length));
  for (const r of runs) {
    const v = metricValue(r, metric);
    if (!Number.isFinite(v)) continue; // missing (NaN): a gap, plotted as null
    const i = indexOfValue(ys, numParam(r, y) as number);
    const j = indexOfValue(xs, numParam(r, x) as number);
    sum[i][j] += v;
    count[i][j]++;
  }
  const z: (number | null)[][] = ys.map((_, i) => xs.map((_, j) => (count[i][j] > 0 ? sum[i][j] / count[i][j] : null)));
  const xLabels = xs.map(formatValue);
  const yLabels = ys.map(formatValue);
  const flat = z.flat().filter((v): v is number => v !== null);
  if (flat.length === 0) throw new InputError(`${where}: no ok run has ${metric}`);
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const annotations: Record<string, unknown>[] = [];
  let bestDone = false;
  z.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v === null) return;
      const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      const best = !bestDone && v === lo;
      if (best) bestDone = true;
      // Category positions by index: numeric-looking labels ("5") would be ambiguous on a category axis.
      annotations.push({
        x: j,
        y: i,
        xref: "x",
        yref: "y",
        text: best ? `<b>${formatMetric(v)}</b>` : formatMetric(v),
        showarrow: false,
        font: { color: t < 0.6 ? "white" : "black", size: 12 },
      });
    }),
  );
  annotations.push(...notesAnnotation(notes));
  const title = titled(
    defaultTitle(results, `${metricLabel(metric)} by ${x} and ${paramLabel(y)}`),
    fixedParameters(runs, [x, y], results),
    options.title,
  );
  return {
    data: [
      {
        type: "heatmap",
        name: metricLabel(metric),
        x: xLabels,
        y: yLabels,
        z,
        colorscale: options.colorscale ?? "Viridis",
        colorbar: { title: { text: metricLabelWithUnit(metric) } },
        xgap: 1,
        ygap: 1,
        hoverongaps: false,
        hovertemplate: `${paramLabel(x)} = %{x}<br>${paramLabel(y)} = %{y}<br>${metricLabel(metric)} = %{z:.4f}<extra></extra>`,
      },
    ],
    layout: {
      title: { text: title.text },
      xaxis: { title: { text: paramAxisTitle(x) }, type: "category" },
      yaxis: { title: { text: paramAxisTitle(y) }, type: "category" },
      annotations,
      margin: { t: title.top, b: notesMargin(notes.length), l: 70, r: 30 },
    },
  };
}

export interface ConvergenceOptions {
  /** Curve to plot (default "testMse"). */
  metric?: HistoryMetric;
  /** Horizontal axis: iteration number (default) or seconds since the fit started. */
  x?: "iteration" | "seconds";
  /** Keep only the runs for which this returns true (applied after dropping failed runs). */
  filter?: (run: RunRecord) => boolean;
  /** Logarithmic y axis (useful for the training objective); ticks at 1, 2, 5 × 10ᵏ. */
  logY?: boolean;
  /**
   * One panel per value of this parameter (small multiples, shared y range), `false` for one panel. Default: when
   * more than 10 curves differ in two or more parameters, the varying parameter with the fewest values (2–6).
   */
  facet?: string | false;
  title?: string;
}

/** Parameters (not the seed, not `label`) whose values differ across `runs`, in first-seen key order. */
function varyingKeys(runs: readonly RunRecord[]): string[] {
  const keys: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.params ?? {})) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => k !== "seed" && k !== "label" && new Set(runs.map((r) => JSON.stringify(r.params?.[k] ?? null))).size > 1);
}

function distinctValues(runs: readonly RunRecord[], key: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const r of runs) {
    const v = r.params?.[key];
    const k = JSON.stringify(v ?? null);
    if (!seen.has(k)) seen.set(k, v);
  }
  const values = [...seen.values()];
  return values.every((v) => typeof v === "number") ? (values as number[]).sort((a, b) => a - b) : values;
}

/**
 * One line per ok run with a history: `metric` against iteration (or seconds), ordered by parameters
 * ({@link compareRuns}: d, then λ, … numerically). Lines are named by the parameters that differ between the
 * plotted runs (`d=10 λ=0.1`; the seed only when it is needed to tell lines apart; the run id when nothing
 * differs). Many lines are split into small multiples (see {@link ConvergenceOptions.facet}: one panel per λ,
 * shared y range), and an ordered numeric parameter is coloured with a sequential scale (dark = small), so 24
 * lines stay distinguishable; a legend entry stands for its colour in every panel. The title's second line
 * names every parameter held fixed. Missing values (null/NaN, e.g. test curves without a test set) are gaps;
 * runs whose curve is entirely missing are left out and counted in the note.
 * @throws InputError for an unknown metric or facet, or when no run has the curve
 */
export function convergenceFigure(results: RunsInput, options: ConvergenceOptions = {}): Figure {
  const where = "convergenceFigure";
  const metric = options.metric ?? "testMse";
  if (!HISTORY_METRICS.includes(metric)) {
    throw new InputError(`${where}: unknown metric "${metric}"; use one of ${HISTORY_METRICS.join(", ")}`);
  }
  const xKey = options.x ?? "iteration";
  if (xKey !== "iteration" && xKey !== "seconds") throw new InputError(`${where}: x must be "iteration" or "seconds", got "${xKey}"`);
  const all = runsOf(results);
  const notes: string[] = [];
  const failed = all.filter((r) => r.status !== "ok").length;
  if (failed > 0) notes.push(`${plural(failed, "failed run")} not shown`);
  let runs = all.filter((r) => r.status === "ok");
  if (options.filter) runs = runs.filter(options.filter);
  const curves: { run: RunRecord; x: number[]; y: (number | null)[] }[] = [];
  let without = 0;
  for (const run of runs) {
    const hist = run.history;
    const ys = hist?.[metric];
    const xs = hist?.[xKey];
    if (!Array.isArray(ys) || !Array.isArray(xs)) {
      without++;
      continue;
    }
    const y = ys.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
    if (y.every((v) => v === null)) {
      without++;
      continue;
    }
    curves.push({ run, x: xs.map((v) => Number(v)), y });
  }
  if (without > 0) notes.push(`${plural(without, "run")} without a ${metric} curve not shown`);
  if (curves.length === 0) {
    throw new InputError(`${where}: no successful run has a ${metric} history (${all.length} runs, ${failed} failed)`);
  }
  curves.sort((a, b) => compareRuns(a.run, b.run));
  const plotted = curves.map((c) => c.run);
  const varying = varyingKeys(plotted);

  // Panels: one per value of the facet parameter.
  let facet: string | undefined;
  if (typeof options.facet === "string") {
    if (!plotted.some((r) => r.params?.[options.facet as string] !== undefined)) {
      throw new InputError(`${where}: no plotted run has the facet parameter "${options.facet}"`);
    }
    facet = options.facet;
  } else if (options.facet === undefined && curves.length > 10 && varying.length >= 2) {
    const candidates = varying.filter((k) => {
      const n = distinctValues(plotted, k).length;
      return n >= 2 && n <= 6;
    });
    facet = candidates.sort(
      (a, b) => distinctValues(plotted, a).length - distinctValues(plotted, b).length || varying.indexOf(b) - varying.indexOf(a),
    )[0];
  }
  const panelValues = facet === undefined ? [undefined] : distinctValues(plotted, facet);
  const inPanel = (r: RunRecord, k: number) =>
    facet === undefined || JSON.stringify(r.params?.[facet] ?? null) === JSON.stringify(panelValues[k] ?? null);

  // Colours and names: by the remaining varying parameters.
  const rest = varying.filter((k) => k !== facet);
  const labels = runLabels(plotted, facet === undefined ? [] : [facet]);
  const colorKey = rest.length === 1 ? rest[0] : undefined;
  const colorValues = colorKey ? distinctValues(plotted, colorKey) : [...new Set(labels)];
  const ordered = colorKey !== undefined && colorValues.every((v) => typeof v === "number");
  const colors = ordered || colorValues.length > PALETTE.length ? sequentialColors(colorValues.length) : [...PALETTE];
  const colorOf = (k: number) => {
    const idx = colorKey
      ? colorValues.findIndex((v) => JSON.stringify(v ?? null) === JSON.stringify(plotted[k].params?.[colorKey] ?? null))
      : colorValues.indexOf(labels[k]);
    return colors[Math.max(0, idx) % colors.length];
  };

  const n = panelValues.length;
  const grid = panelGrid(n, 0.07, 0.14);
  const { cols, rows } = grid;
  const layout: Record<string, unknown> = {};
  const annotations: Record<string, unknown>[] = [];
  const data: PlotlyTrace[] = [];
  const legendShown = new Set<string>();
  const allY: number[] = [];
  const maxIteration = Math.max(...curves.map((c) => c.x.length));
  const yTitle = metric === "trainLoss" ? `training objective L (${metricUnit(metric)})` : `${historyLabel(metric)} (${metricUnit(metric)})`;
  const xTitle = xKey === "iteration" ? "iteration" : "seconds (s)";
  panelValues.forEach((value, p) => {
    const { row, col, xDomain, yDomain, yTop } = grid.panel(p);
    const suffix = p === 0 ? "" : String(p + 1);
    curves.forEach((c, k) => {
      if (!inPanel(c.run, p)) return;
      const group = colorKey ? `${colorKey}=${JSON.stringify(c.run.params?.[colorKey] ?? null)}` : labels[k];
      const first = !legendShown.has(group);
      legendShown.add(group);
      for (const v of c.y) if (v !== null) allY.push(v);
      const color = colorOf(k);
      data.push({
        type: "scatter",
        mode: c.x.length <= 30 && curves.length <= 12 ? "lines+markers" : "lines",
        name: labels[k],
        legendgroup: group,
        showlegend: facet === undefined || first,
        x: c.x,
        y: c.y,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        line: { color, width: 2 },
        marker: { size: 5, color },
        hovertemplate: `${xKey} %{x}<br>${historyLabel(metric)} = %{y:.4f}<extra>${labels[k]}${
          facet === undefined ? "" : ` ${paramLabel(facet)}=${typeof value === "number" ? formatValue(value) : String(value)}`
        }</extra>`,
      });
    });
    layout[`xaxis${suffix}`] = {
      domain: xDomain,
      anchor: `y${suffix}`,
      title: { text: row === rows - 1 || p + cols >= n ? xTitle : "" },
      ...(xKey === "iteration" ? { tickformat: "d", ...(maxIteration <= 12 ? { tick0: 0, dtick: 1 } : {}) } : {}),
    };
    layout[`yaxis${suffix}`] = {
      domain: yDomain,
      anchor: `x${suffix}`,
      title: { text: col === 0 ? yTitle : "" },
      type: options.logY ? "log" : "linear",
      ...(p > 0 ? { matches: "y" } : {}),
    };
    if (facet !== undefined) {
      annotations.push(panelTitle(`${paramLabel(facet)} = ${valueText(value)}`, (xDomain[0] + xDomain[1]) / 2, yTop));
    }
  });
  if (options.logY) {
    const ticks = logAxis(allY);
    for (let p = 0; p < n; p++) Object.assign(layout[`yaxis${p === 0 ? "" : String(p + 1)}`] as object, ticks);
  }
  annotations.push(...notesAnnotation(notes));
  const title = titled(
    defaultTitle(results, `${historyLabel(metric)} by ${xKey}${facet === undefined ? "" : ` for each ${paramLabel(facet)}`}`),
    fixedParameters(plotted, [], results),
    options.title,
  );
  Object.assign(layout, {
    title: { text: title.text },
    annotations,
    showlegend: true,
    legend: {
      title: { text: colorKey ? paramLabel(colorKey) : "run" },
      x: 1.02,
      xanchor: "left",
      y: 1,
      yanchor: "top",
      ...(legendShown.size > 14 ? { font: { size: 10 } } : {}),
    },
    height: facet === undefined ? 450 + title.top - 70 : Math.max(450, 300 * rows + 80 + title.top - 60),
    margin: { t: title.top + (facet === undefined ? 0 : 26), b: notesMargin(notes.length), l: 70, r: 30 },
    hovermode: "closest",
  });
  return { data, layout };
}

/** Order runs by their parameters (in key order; numbers numerically), then seed, then id. */
export function compareRuns(a: RunRecord, b: RunRecord): number {
  const keys = [...new Set([...Object.keys(a.params ?? {}), ...Object.keys(b.params ?? {})])];
  for (const k of keys) {
    const x = a.params?.[k];
    const y = b.params?.[k];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    const c = JSON.stringify(x ?? null).localeCompare(JSON.stringify(y ?? null));
    if (c !== 0) return c;
  }
  return a.seed - b.seed || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Labels naming each run by the parameters that differ across `runs` (`d=10 λ=0.1`; `omit`: parameters named
 * elsewhere, e.g. a panel's), with `seed=…` added only where two labels would otherwise be equal, and the run id
 * when nothing differs.
 */
export function runLabels(runs: readonly RunRecord[], omit: readonly string[] = []): string[] {
  const varying = varyingKeys(runs).filter((k) => !omit.includes(k));
  const base = runs.map((r) => varying.map((k) => (k === "model" ? valueText(r.params[k]) : `${paramLabel(k)}=${valueText(r.params[k])}`)).join(" "));
  // Two runs need their seeds only when everything else about them is equal (omitted parameters included).
  const identity = runs.map((r, k) => `${base[k]}\u0000${omit.map((key) => JSON.stringify(r.params?.[key] ?? null)).join("\u0000")}`);
  const count = new Map<string, number>();
  for (const id of identity) count.set(id, (count.get(id) ?? 0) + 1);
  return runs.map((r, k) => {
    if ((count.get(identity[k]) ?? 0) > 1 && new Set(runs.map((x) => x.seed)).size > 1)
      return base[k] ? `${base[k]} seed=${r.seed}` : `seed=${r.seed}`;
    return base[k] || r.id;
  });
}

/** One bar group of {@link compareFigure}: a label and one value per fold/seed for each metric. */
export interface CompareRow {
  label: string;
  mse?: readonly number[];
  rmse?: readonly number[];
  mae?: readonly number[];
  /** The configuration shown, when the model had several (its parameters that vary within the group: "d = 2 · λ = 1"). */
  config?: string;
  /** Where that configuration was chosen: on validation results, or (optimistically) on the test set itself. */
  chosenOn?: "validation" | "test";
  /** How many configurations the model had. */
  configurations?: number;
}

export interface CompareRowsOptions {
  /** Which metrics of each run to collect (default "test"). */
  split?: MetricSplit;
  /**
   * Group key of a run: a parameter name, or a function. Default: `params.label` when it is a string, else
   * `params.model`. Runs with equal keys (e.g. the folds or seeds of one model) form one row.
   */
  groupBy?: string | ((run: RunRecord) => string);
  /**
   * Results of the same configurations fitted without the validation ratings and scored on them (see
   * ../results/selection.ts): a group's configuration is then chosen there. Without them (or for a group they
   * lack), it is chosen on the test metric of `results`, and the row says so.
   */
  validation?: RunsInput;
  /** Metric minimised to choose a configuration (default "test.mse": in validation results, the validation MSE). */
  selectBy?: MetricPath;
}

/**
 * Rows for {@link compareFigure} from runs: ok runs grouped by `groupBy` (rows in order of first appearance). A
 * group with several configurations (parameters other than the seed; e.g. an ALS d × λ grid) is shown at ONE
 * configuration, the one with the lowest mean `selectBy` over its folds/seeds — on `validation` when given, else
 * on the test set (`chosenOn: "test"`) — and its values are that configuration's folds/seeds only, so a model
 * is neither averaged over its bad cells nor given error bars that measure the grid instead of the noise.
 */
export function compareRowsFromRuns(results: RunsInput, options: CompareRowsOptions = {}): CompareRow[] {
  const split = options.split ?? "test";
  const selectBy = options.selectBy ?? "test.mse";
  assertMetricPath(selectBy, "compareRowsFromRuns");
  const groupBy = options.groupBy;
  const keyOf =
    typeof groupBy === "function"
      ? groupBy
      : typeof groupBy === "string"
        ? (r: RunRecord) => String(r.params?.[groupBy] ?? "")
        : (r: RunRecord) => (typeof r.params?.label === "string" ? r.params.label : String(r.params?.model ?? ""));
  const group = (runs: readonly RunRecord[], needSplit: MetricSplit) => {
    const out = new Map<string, RunRecord[]>();
    for (const run of runs) {
      if (run.status !== "ok" || !run.metrics?.[needSplit]) continue;
      const key = keyOf(run);
      out.set(key, [...(out.get(key) ?? []), run]);
    }
    return out;
  };
  const byConfig = (runs: readonly RunRecord[]) => {
    const out = new Map<string, RunRecord[]>();
    for (const r of runs) out.set(configKey(r), [...(out.get(configKey(r)) ?? []), r]);
    return out;
  };
  const meanOf = (runs: readonly RunRecord[]) => {
    const vs = runs.map((r) => metricValue(r, selectBy)).filter((v) => Number.isFinite(v));
    return vs.length > 0 ? vs.reduce((a, b) => a + b, 0) / vs.length : Infinity;
  };
  const bestKey = (configs: Map<string, RunRecord[]>, among: ReadonlySet<string>) => {
    let best: string | undefined;
    let bestValue = Infinity;
    for (const [key, runs] of configs) {
      if (!among.has(key)) continue;
      const v = meanOf(runs);
      if (best === undefined || v < bestValue) [best, bestValue] = [key, v];
    }
    return best;
  };
  const groups = group(runsOf(results), split);
  // Runs that carry their own validation metrics (evaluation.validation) are chosen on them.
  const inFile =
    options.validation === undefined && hasValidation(runsOf(results)) ? validationView({ runs: runsOf(results) } as ResultsFile) : undefined;
  const validationInput = options.validation ?? inFile;
  const validationGroups = validationInput ? group(runsOf(validationInput), selectBy.split(".")[0] as MetricSplit) : undefined;
  const rows: CompareRow[] = [];
  for (const [label, runs] of groups) {
    const configs = byConfig(runs);
    let chosen = runs;
    const row: CompareRow = { label };
    if (configs.size > 1) {
      const keys = new Set(configs.keys());
      const fromValidation = validationGroups?.get(label);
      const validationKey = fromValidation ? bestKey(byConfig(fromValidation), keys) : undefined;
      const key = validationKey ?? bestKey(configs, keys)!;
      chosen = configs.get(key)!;
      const vary = varyingKeys([...configs.values()].map((rs) => rs[0]));
      row.config = vary.map((k) => paramText(k, chosen[0].params?.[k])).join(" · ");
      row.chosenOn = validationKey !== undefined ? "validation" : "test";
      row.configurations = configs.size;
    }
    const values = { mse: [] as number[], rmse: [] as number[], mae: [] as number[] };
    for (const run of chosen) {
      for (const m of ["mse", "rmse", "mae"] as const) {
        const v = metricValue(run, `${split}.${m}`);
        if (Number.isFinite(v)) values[m].push(v);
      }
    }
    rows.push({ ...row, ...values });
  }
  return rows;
}

export interface CompareOptions extends CompareRowsOptions {
  /** Bars per label (default ["rmse", "mae"]). */
  metrics?: readonly ErrorMetricName[];
  /** Order of the labels: as given (default) or by ascending mean of the first metric. */
  sort?: "none" | "ascending";
  /**
   * A second panel zooming on the best models' first metric (markers ± std on a narrow axis, so differences of
   * a few hundredths are visible next to bars that must start at zero). `undefined` (default): when some value
   * is more than 1.5 × the zoom window's top; `true` / `false`: always / never.
   */
  zoom?: boolean;
  title?: string;
  /**
   * Notes with the paired significance of the lowest model against the next three (src/results/comparison.ts:
   * Δ RMSE, t-test and Wilcoxon p over folds, bootstrap p over test ratings). Default true for runs without
   * `validation`; false leaves them out.
   */
  significance?: boolean;
}

/**
 * Horizontal bar chart comparing models: one row per label (best on top with `sort: "ascending"`), one bar per
 * metric (legend: "Test RMSE", "Test MAE"), bar length = mean over the row's values, error bars = ± one
 * population standard deviation (as in the tables; shown when some row has ≥ 2 values, i.e. several folds or
 * seeds). Each mean is written right of its error bar, so labels never meet the caps or each other. Rows from
 * runs show each model at its best configuration ({@link compareRowsFromRuns}; the configuration under the
 * model name, with where it was chosen). When one model is far off the others (the zero-filled NMF at 2.5
 * against 0.92–0.98), a zoomed panel shows the best models' first metric on a narrow axis ({@link CompareOptions.zoom}).
 * Input: explicit {@link CompareRow}s, or runs / a results file.
 *
 *   compareFigure([{label: "ALS", rmse: [0.91, 0.92], mae: [0.72, 0.73]}, {label: "SVD", rmse: [0.93], mae: [0.74]}])
 *   compareFigure(results, {metrics: ["rmse"], validation: validationResults, sort: "ascending"})
 *
 * @throws InputError when there is nothing to compare or a metric is unknown
 */
export function compareFigure(input: readonly CompareRow[] | RunsInput, options: CompareOptions = {}): Figure {
  const where = "compareFigure";
  const metrics = options.metrics ?? (["rmse", "mae"] as const);
  if (metrics.length === 0) throw new InputError(`${where}: metrics must not be empty`);
  for (const m of metrics) {
    if (m !== "mse" && m !== "rmse" && m !== "mae") throw new InputError(`${where}: unknown metric "${m}"; use mse, rmse or mae`);
  }
  const notes: string[] = [];
  let rows: CompareRow[];
  const split: MetricSplit = options.split ?? "test";
  if (isCompareRows(input)) {
    rows = [...input];
  } else {
    const all = runsOf(input);
    const failed = all.filter((r) => r.status !== "ok").length;
    if (failed > 0) notes.push(`${plural(failed, "failed run")} not shown`);
    rows = compareRowsFromRuns(input, options);
    // Paired significance of the lowest model against each other one (each at its best configuration).
    if (options.significance !== false && !options.validation) {
      for (const c of modelComparisons(input).slice(0, 3)) notes.push(c.short);
    }
  }
  if (rows.length === 0) throw new InputError(`${where}: nothing to compare (no rows / no successful runs)`);
  const stats = rows.map((row) => metrics.map((m) => meanStd(row[m] ?? [])));
  let order = rows.map((_, k) => k);
  if (options.sort === "ascending") {
    const key = (k: number) => (Number.isFinite(stats[k][0].mean) ? stats[k][0].mean : Infinity);
    order = order.sort((a, b) => key(a) - key(b) || a - b);
  }
  const splitName = split === "train" ? "Train" : "Test";
  const selectName = (options.selectBy ?? "test.mse").split(".")[1].toUpperCase();
  const categories = order.map((k) => {
    const r = rows[k];
    if (!r.config && !r.chosenOn) return r.label;
    const where = r.chosenOn === "validation" ? "chosen on validation" : r.chosenOn === "test" ? "chosen on test" : "";
    const sub = [r.config, where].filter((t) => t).join(" · ");
    return `${r.label}<br><span style="font-size:10px;color:#555">${sub}</span>`;
  });
  const multi = stats.some((s) => s.some((t) => t.n > 1));
  const empty = rows.filter((_, k) => stats[k].every((t) => t.n === 0)).map((r) => r.label);
  if (empty.length > 0) notes.push(`no values for ${empty.join(", ")}`);
  if (multi) notes.push("error bars: ± 1 standard deviation over the folds/seeds of the configuration shown (population, as in the tables)");
  const onTest = rows.filter((r) => r.chosenOn === "test");
  if (onTest.length > 0) {
    notes.push(
      `${onTest.map((r) => `${r.label} (best of ${r.configurations})`).join(", ")}: configuration chosen by ${splitName.toLowerCase()} ${selectName} on the test set itself — optimistic; pass validation results`,
    );
  }
  const onValidation = rows.filter((r) => r.chosenOn === "validation");
  if (onValidation.length > 0) {
    notes.push(`${onValidation.map((r) => `${r.label} (best of ${r.configurations})`).join(", ")}: configuration chosen by validation ${selectName}`);
  }

  // Geometry: bars of one row share a band of width 1 - BARGAP around the row's index.
  const BARGAP = 0.25;
  const nm = metrics.length;
  const offset = (j: number) => -(1 - BARGAP) / 2 + ((j + 0.5) * (1 - BARGAP)) / nm;
  const ends = order.flatMap((k) => stats[k].filter((t) => t.n > 0).map((t) => t.mean + (multi ? t.std : 0)));
  const top = Math.max(...ends, 0) || 1;

  // Zoom window on the first metric: the rows within 12 % of the best (at least 3).
  const firsts = order.map((k) => stats[k][0]).filter((t) => t.n > 0);
  const sortedMeans = firsts.map((t) => t.mean).sort((a, b) => a - b);
  let zoomRange: [number, number] | undefined;
  let zoomRows: number[] = [];
  if (sortedMeans.length >= 3 && options.zoom !== false) {
    const best = sortedMeans[0];
    const limit = Math.max(best * 1.12, sortedMeans[2]);
    zoomRows = order.map((k, i) => (stats[k][0].n > 0 && stats[k][0].mean <= limit + 1e-12 ? i : -1)).filter((i) => i >= 0);
    const lo = Math.min(...zoomRows.map((i) => stats[order[i]][0].mean - (multi ? stats[order[i]][0].std : 0)));
    const hi = Math.max(...zoomRows.map((i) => stats[order[i]][0].mean + (multi ? stats[order[i]][0].std : 0)));
    const pad = Math.max((hi - lo) * 0.12, 0.002);
    if (options.zoom === true || top > 1.5 * hi) zoomRange = [lo - pad, hi + pad * 2.5];
  }
  const mainDomain: [number, number] = zoomRange ? [0, 0.56] : [0, 1];

  const annotations: Record<string, unknown>[] = [];
  const data: PlotlyTrace[] = metrics.map((m, j) => {
    const s = order.map((k) => stats[k][j]);
    const label = `${splitName} ${m.toUpperCase()}`;
    s.forEach((t, i) => {
      if (t.n === 0) return;
      annotations.push({
        x: t.mean + (multi ? t.std : 0),
        y: i + offset(j),
        xref: "x",
        yref: "y",
        text: formatMetric(t.mean),
        xanchor: "left",
        yanchor: "middle",
        xshift: 4,
        showarrow: false,
        font: { size: 10, color: "#333" },
        name: "value-label",
      });
    });
    return {
      type: "bar",
      orientation: "h",
      name: label,
      legendgroup: label,
      y: order.map((_, i) => i),
      x: s.map((t) => (t.n > 0 ? t.mean : null)),
      error_x: { type: "data", array: s.map((t) => (t.n > 0 ? t.std : null)), visible: multi, thickness: 1.2, width: 3 },
      customdata: s.map((t, i) => [t.n, order.map((k) => rows[k].label)[i]]),
      marker: { color: PALETTE[j % PALETTE.length] },
      hovertemplate: `%{customdata[1]}<br>${label} = %{x:.4f}${multi ? " (n = %{customdata[0]})" : ""}<extra></extra>`,
    };
  });
  const unit = yTitleFor(metrics);
  const layout: Record<string, unknown> = {
    barmode: "group",
    bargap: BARGAP,
    bargroupgap: 0,
    xaxis: { title: { text: `${splitName} ${unit}` }, range: [0, top * 1.2], domain: mainDomain, zeroline: true, anchor: "y" },
    yaxis: {
      // no title: the model names label the axis (a title would crowd the configuration lines under them)
      title: { text: "" },
      type: "linear",
      tickmode: "array",
      tickvals: order.map((_, i) => i),
      ticktext: categories,
      range: [order.length - 0.5, -0.5],
      zeroline: false,
      showgrid: false,
    },
    legend: { title: { text: "metric" }, x: 1.02, xanchor: "left", y: 1, yanchor: "top", traceorder: "normal" },
  };
  if (zoomRange) {
    const t0 = order.map((k) => stats[k][0]);
    const first = `${splitName} ${metrics[0].toUpperCase()}`;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${first} (zoom)`,
      legendgroup: `${splitName} ${metrics[0].toUpperCase()}`,
      showlegend: false,
      xaxis: "x2",
      yaxis: "y",
      x: zoomRows.map((i) => t0[i].mean),
      y: zoomRows.map((i) => i),
      error_x: { type: "data", array: zoomRows.map((i) => t0[i].std), visible: multi, thickness: 1.2, width: 4 },
      marker: { color: PALETTE[0], size: 9, symbol: "diamond" },
      hovertemplate: `${first} = %{x:.4f}<extra></extra>`,
    });
    t0.forEach((t, i) => {
      if (t.n === 0 || zoomRows.includes(i)) return;
      annotations.push({
        x: zoomRange![1],
        y: i,
        xref: "x2",
        yref: "y",
        text: `${formatMetric(t.mean)} →`,
        xanchor: "right",
        yanchor: "middle",
        showarrow: false,
        font: { size: 10, color: "#777" },
        name: "off-scale",
      });
    });
    layout.xaxis2 = {
      title: { text: `${first} (${metricUnit(metrics[0])}), zoomed` },
      range: zoomRange,
      nticks: 6,
      domain: [0.62, 1],
      anchor: "y",
      zeroline: false,
    };
    annotations.push(
      { ...panelTitle("all models, from zero", (mainDomain[0] + mainDomain[1]) / 2, 1, 13), yshift: 4 },
      { ...panelTitle(`zoom: the ${zoomRows.length} best by ${first}`, 0.81, 1, 13), yshift: 4 },
    );
    notes.push(`right: the ${zoomRows.length} best models' ${first} on a narrow axis; → marks values beyond it`);
  }
  annotations.push(...notesAnnotation(notes));
  const subtitle = !isCompareRows(input) && !Array.isArray(input) ? fixedParameters([], [], input) : [];
  const title = titled(isCompareRows(input) ? "Model comparison" : defaultTitle(input, `model comparison (${unit})`), subtitle, options.title);
  const rowHeight = Math.max(30, nm * 17 + 12);
  return {
    data,
    layout: {
      ...layout,
      title: { text: title.text },
      annotations,
      height: Math.max(360, order.length * rowHeight + title.top + (zoomRange ? 24 : 0) + 80 + 15 * notes.length),
      margin: { t: title.top + (zoomRange ? 24 : 0), b: notesMargin(notes.length), l: 70, r: 30 },
      hovermode: "closest",
    },
  };
}

function isCompareRows(input: readonly CompareRow[] | RunsInput): input is readonly CompareRow[] {
  return Array.isArray(input) && input.length > 0 && typeof (input[0] as { label?: unknown }).label === "string" && !("params" in input[0]);
}
