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
 */
import { InputError } from "../core/errors";
import { meanStd } from "../core/stats";
import { metricValue, type ErrorMetricName, type MetricPath, type MetricSplit } from "../results/metric";
import type { ResultsFile, RunRecord } from "../results/schema";
import type { History } from "../models/types";

/** One plotly trace (only the fields mflab sets are typed; any plotly attribute may be added). */
export interface PlotlyTrace {
  type: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  [attribute: string]: unknown;
}

/** A plotly figure as a plain JSON-serialisable object. */
export interface Figure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  /** plotly config (e.g. `{responsive: true}`); the renderers add sensible defaults. */
  config?: Record<string, unknown>;
}

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

/** The note placed under a plot listing what was left out. */
function notesAnnotation(notes: readonly string[]): Record<string, unknown>[] {
  if (notes.length === 0) return [];
  return [
    {
      text: notes.join("<br>"),
      xref: "paper",
      yref: "paper",
      x: 0,
      y: 0,
      xanchor: "left",
      yanchor: "top",
      yshift: -48,
      showarrow: false,
      align: "left",
      font: { size: 11, color: "#8a1c1c" },
      name: "mflab-notes",
    },
  ];
}

function defaultTitle(input: RunsInput, what: string): string {
  const name = Array.isArray(input) ? undefined : (input as ResultsFile).experiment?.name;
  return name ? `${name}: ${what}` : what;
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
    title: { text: title },
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

function yTitleFor(metrics: readonly MetricPath[]): string {
  return [...new Set(metrics.map((m) => m.split(".")[1].toUpperCase()))].join(" / ");
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
   * `true`: every subplot gets the same y range (min..max of all plotted values ± 5 %), so λ panels compare
   * at a glance; `[lo, hi]`: that range; `false` (default): each subplot autoscales.
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
  const n = facets.length;
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const hgap = cols > 1 ? 0.08 : 0;
  const vgap = rows > 1 ? 0.16 : 0;
  const w = (1 - (cols - 1) * hgap) / cols;
  const h = (1 - (rows - 1) * vgap) / rows;

  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {};
  const annotations: Record<string, unknown>[] = [];
  const allYs: number[] = [];
  const yAxes: Record<string, unknown>[] = [];
  const xs = uniqueSorted(runs.map((r) => numParam(r, x) as number));

  facets.forEach((value, k) => {
    const row = Math.floor(k / cols);
    const col = k % cols;
    const suffix = k === 0 ? "" : String(k + 1);
    const xDomain = [col * (w + hgap), col * (w + hgap) + w];
    const yTop = 1 - row * (h + vgap);
    const yDomain = [Math.max(0, yTop - h), yTop];
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
    annotations.push({
      text: `${paramLabel(facet)} = ${formatValue(value)}`,
      xref: "paper",
      yref: "paper",
      x: (xDomain[0] + xDomain[1]) / 2,
      y: yTop,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 14 },
      name: "subplot-title",
    });
  });

  const shared = options.sharedYRange;
  const range = Array.isArray(shared) ? ([shared[0], shared[1]] as [number, number]) : shared === true ? paddedRange(allYs) : undefined;
  if (range) {
    if (!(range[0] < range[1])) throw new InputError(`${where}: sharedYRange [${range[0]}, ${range[1]}] must have lo < hi`);
    for (const axis of yAxes) {
      axis.range = [range[0], range[1]];
      axis.autorange = false;
    }
  }

  annotations.push(...notesAnnotation(notes));
  Object.assign(layout, {
    title: { text: options.title ?? defaultTitle(results, `error vs ${x} for each ${paramLabel(facet)}`) },
    annotations,
    showlegend: true,
    legend: { title: { text: "metric" } },
    height: Math.max(380, 320 * rows + 80),
    margin: { t: 90, b: notes.length > 0 ? 100 : 60, l: 70, r: 30 },
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
  return {
    data: traces,
    layout: {
      title: { text: options.title ?? `Final metrics for ${paramLabel(facet)} = ${formatValue(lambda)}` },
      xaxis: xAxisFor(xs, x),
      yaxis: { title: { text: yTitleFor(metrics) } },
      legend: { title: { text: "metric" } },
      annotations: notesAnnotation(notes),
      margin: { t: 70, b: notes.length > 0 ? 100 : 60, l: 70, r: 30 },
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
  return {
    data: [
      {
        type: "heatmap",
        name: metricLabel(metric),
        x: xLabels,
        y: yLabels,
        z,
        colorscale: options.colorscale ?? "Viridis",
        colorbar: { title: { text: metricLabel(metric) } },
        xgap: 1,
        ygap: 1,
        hoverongaps: false,
        hovertemplate: `${paramLabel(x)} = %{x}<br>${paramLabel(y)} = %{y}<br>${metricLabel(metric)} = %{z:.4f}<extra></extra>`,
      },
    ],
    layout: {
      title: { text: options.title ?? defaultTitle(results, `${metricLabel(metric)} by ${x} and ${paramLabel(y)}`) },
      xaxis: { title: { text: x }, type: "category" },
      yaxis: { title: { text: paramLabel(y) }, type: "category" },
      annotations,
      margin: { t: 70, b: notes.length > 0 ? 100 : 60, l: 70, r: 30 },
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
  /** Logarithmic y axis (useful for the training objective). */
  logY?: boolean;
  title?: string;
}

/**
 * One line per ok run with a history: `metric` against iteration (or seconds), ordered by parameters
 * ({@link compareRuns}: d, then λ, … numerically). Lines are named by the
 * parameters that differ between the plotted runs (`d=10 λ=0.1`; the run id when none differ). Missing
 * values (null/NaN, e.g. test curves without a test set) are gaps; runs whose curve is entirely missing are
 * left out and counted in the note.
 * @throws InputError for an unknown metric or when no run has the curve
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
  const labels = runLabels(curves.map((c) => c.run));
  const maxIteration = Math.max(...curves.map((c) => c.x.length));
  const data: PlotlyTrace[] = curves.map((c, k) => ({
    type: "scatter",
    mode: c.x.length <= 30 ? "lines+markers" : "lines",
    name: labels[k],
    x: c.x,
    y: c.y,
    line: { color: PALETTE[k % PALETTE.length], width: 2 },
    marker: { size: 5, color: PALETTE[k % PALETTE.length] },
    hovertemplate: `${xKey} %{x}<br>${historyLabel(metric)} = %{y:.4f}<extra>${labels[k]}</extra>`,
  }));
  return {
    data,
    layout: {
      title: { text: options.title ?? defaultTitle(results, `${historyLabel(metric)} by ${xKey}`) },
      xaxis:
        xKey === "iteration"
          ? { title: { text: "iteration" }, tickformat: "d", ...(maxIteration <= 12 ? { tick0: 0, dtick: 1 } : {}) }
          : { title: { text: "seconds" } },
      yaxis: { title: { text: historyLabel(metric) }, type: options.logY ? "log" : "linear" },
      annotations: notesAnnotation(notes),
      margin: { t: 70, b: notes.length > 0 ? 100 : 60, l: 70, r: 30 },
      hovermode: "closest",
    },
  };
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

/** Labels naming each run by the parameters (and seed) that differ across `runs`. */
export function runLabels(runs: readonly RunRecord[]): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params ?? {})) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const varying = keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.params?.[k] ?? null))).size > 1);
  const seedVaries = new Set(runs.map((r) => r.seed)).size > 1;
  return runs.map((r) => {
    const parts = varying.map((k) => {
      const v = r.params[k];
      const text = typeof v === "number" ? formatValue(v) : typeof v === "string" ? v : JSON.stringify(v);
      return k === "model" ? text : `${paramLabel(k)}=${text}`;
    });
    if (seedVaries) parts.push(`seed=${r.seed}`);
    return parts.length > 0 ? parts.join(" ") : r.id;
  });
}

/** One bar group of {@link compareFigure}: a label and one value per fold/seed for each metric. */
export interface CompareRow {
  label: string;
  mse?: readonly number[];
  rmse?: readonly number[];
  mae?: readonly number[];
}

export interface CompareRowsOptions {
  /** Which metrics of each run to collect (default "test"). */
  split?: MetricSplit;
  /**
   * Group key of a run: a parameter name, or a function. Default: `params.label` when it is a string, else
   * `params.model`. Runs with equal keys (e.g. the folds or seeds of one model) form one row.
   */
  groupBy?: string | ((run: RunRecord) => string);
}

/**
 * Rows for {@link compareFigure} from runs: ok runs grouped by `groupBy`, each row collecting the split's
 * mse/rmse/mae of its runs (rows in order of first appearance).
 */
export function compareRowsFromRuns(results: RunsInput, options: CompareRowsOptions = {}): CompareRow[] {
  const split = options.split ?? "test";
  const groupBy = options.groupBy;
  const keyOf =
    typeof groupBy === "function"
      ? groupBy
      : typeof groupBy === "string"
        ? (r: RunRecord) => String(r.params?.[groupBy] ?? "")
        : (r: RunRecord) => (typeof r.params?.label === "string" ? r.params.label : String(r.params?.model ?? ""));
  const rows = new Map<string, { label: string; mse: number[]; rmse: number[]; mae: number[] }>();
  for (const run of runsOf(results)) {
    if (run.status !== "ok" || !run.metrics?.[split]) continue;
    const key = keyOf(run);
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { label: key, mse: [], rmse: [], mae: [] }));
    for (const m of ["mse", "rmse", "mae"] as const) {
      const v = metricValue(run, `${split}.${m}`);
      if (Number.isFinite(v)) row[m].push(v);
    }
  }
  return [...rows.values()];
}

export interface CompareOptions extends CompareRowsOptions {
  /** Bars per label (default ["rmse", "mae"]). */
  metrics?: readonly ErrorMetricName[];
  /** Order of the labels: as given (default) or by ascending mean of the first metric. */
  sort?: "none" | "ascending";
  title?: string;
}

/**
 * Grouped bar chart comparing models: one category per row label on the x axis, one bar trace per metric
 * (legend: "Test RMSE", "Test MAE"), bar height = mean over the row's values, error bars = ± one standard
 * deviation (the population std of ../core/stats.ts, as in the tables; shown when some row has ≥ 2 values, i.e.
 * several folds or seeds), mean printed on the bar. Input: explicit {@link CompareRow}s, or runs / a results file grouped with {@link compareRowsFromRuns}.
 *
 *   compareFigure([{label: "ALS", rmse: [0.91, 0.92], mae: [0.72, 0.73]}, {label: "SVD", rmse: [0.93], mae: [0.74]}])
 *   compareFigure(results, {groupBy: "model", metrics: ["rmse"]})
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
  }
  if (rows.length === 0) throw new InputError(`${where}: nothing to compare (no rows / no successful runs)`);
  const stats = rows.map((row) => metrics.map((m) => meanStd(row[m] ?? [])));
  let order = rows.map((_, k) => k);
  if (options.sort === "ascending") {
    const key = (k: number) => (Number.isFinite(stats[k][0].mean) ? stats[k][0].mean : Infinity);
    order = order.sort((a, b) => key(a) - key(b) || a - b);
  }
  const labels = order.map((k) => rows[k].label);
  const multi = stats.some((s) => s.some((t) => t.n > 1));
  const empty = rows.filter((_, k) => stats[k].every((t) => t.n === 0)).map((r) => r.label);
  if (empty.length > 0) notes.push(`no values for ${empty.join(", ")}`);
  if (multi) notes.push("error bars: ± 1 standard deviation over folds/seeds (population, as in the tables)");
  const splitName = split === "train" ? "Train" : "Test";
  const data: PlotlyTrace[] = metrics.map((m, j) => {
    const s = order.map((k) => stats[k][j]);
    const label = `${splitName} ${m.toUpperCase()}`;
    return {
      type: "bar",
      name: label,
      x: labels,
      y: s.map((t) => (t.n > 0 ? t.mean : null)),
      error_y: { type: "data", array: s.map((t) => (t.n > 0 ? t.std : null)), visible: multi },
      text: s.map((t) => (t.n > 0 ? formatMetric(t.mean) : "")),
      textposition: "outside",
      customdata: s.map((t) => t.n),
      marker: { color: PALETTE[j % PALETTE.length] },
      hovertemplate: `%{x}<br>${label} = %{y:.4f}${multi ? " (n = %{customdata})" : ""}<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? (isCompareRows(input) ? "Model comparison" : defaultTitle(input, "model comparison")) },
      barmode: "group",
      xaxis: { title: { text: "model" }, type: "category" },
      yaxis: { title: { text: `${splitName.toLowerCase()} error` }, rangemode: "tozero" },
      annotations: notesAnnotation(notes),
      margin: { t: 70, b: notes.length > 0 ? 110 : 60, l: 70, r: 30 },
    },
  };
}

function isCompareRows(input: readonly CompareRow[] | RunsInput): input is readonly CompareRow[] {
  return Array.isArray(input) && input.length > 0 && typeof (input[0] as { label?: unknown }).label === "string" && !("params" in input[0]);
}
