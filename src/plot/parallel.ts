/**
 * Parallel coordinates of a sweep: one vertical axis per parameter that varies between the runs (the model too,
 * when there are several) and a last axis for the metric; one line per ok run, coloured by the metric (dark =
 * low). It shows which parameter values the good runs share, whatever the number of axes — the view of
 * TensorBoard's HParams and Optuna Dashboard. Used by `mflab ui`.
 */
import { InputError } from "../core/errors";
import { metricValue, type MetricPath } from "../results/metric";
import type { RunRecord } from "../results/schema";
import { varyingParams } from "../results/summary";
import { formatMetric, formatValue, metricLabelWithUnit, paramLabel, runsOf, type Figure, type PlotlyTrace, type RunsInput } from "./figures";

export interface ParallelOptions {
  /** The metric of the last axis and of the colours (default "test.mse"). */
  metric?: MetricPath;
  title?: string;
}

interface Dimension {
  label: string;
  values: number[];
  tickvals?: number[];
  ticktext?: string[];
  range?: [number, number];
}

/**
 * One dimension per parameter: numbers as they are (positive values spanning ≥ 100× on a log10 axis, ticked with
 * their values), anything else as categories in first-seen order. Runs without the parameter (a baseline has no
 * `d`) sit on a "–" tick below the axis.
 */
function dimensionOf(key: string, runs: readonly RunRecord[]): Dimension {
  const raw = runs.map((r) => r.params[key]);
  const label = paramLabel(key);
  const numbers = raw.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const missing = raw.some((v) => v === undefined || v === null);
  if (numbers.length === raw.filter((v) => v !== undefined && v !== null).length && numbers.length > 0) {
    const unique = [...new Set(numbers)].sort((a, b) => a - b);
    const log = unique[0] > 0 && unique[unique.length - 1] / unique[0] >= 100;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const lo = f(unique[0]);
    const hi = f(unique[unique.length - 1]);
    const missingAt = lo - 1 - Math.abs(hi - lo); // below the range: drawn at MISSING_AT
    const values = raw.map((v) => (typeof v === "number" && Number.isFinite(v) ? f(v) : missingAt));
    const dim: Dimension = { label: log ? `${label} (log scale)` : label, values };
    if (log || missing || unique.length <= 12) {
      const ticks = unique.length <= 12 ? unique : unique.filter((_, k) => k % Math.ceil(unique.length / 10) === 0);
      dim.tickvals = [...(missing ? [missingAt] : []), ...ticks.map(f)];
      dim.ticktext = [...(missing ? ["–"] : []), ...ticks.map(formatValue)];
    }
    dim.range = [lo, hi > lo ? hi : lo + 1];
    return dim;
  }
  const categories: string[] = [];
  const text = raw.map((v) => (v === undefined || v === null ? "–" : typeof v === "string" ? v : JSON.stringify(v)));
  for (const t of text) if (!categories.includes(t)) categories.push(t);
  return {
    label,
    values: text.map((t) => categories.indexOf(t)),
    tickvals: categories.map((_, k) => k),
    ticktext: categories,
    range: [0, Math.max(1, categories.length - 1)],
  };
}

/** Plotly's Viridis at ten evenly spaced points (dark = low). */
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

/** Where runs without a parameter sit, below the axis (normalised units). */
const MISSING_AT = -0.1;

/**
 * Parallel coordinates of the ok runs with a finite `metric` (see the module doc), drawn with plain SVG lines
 * (plotly's own `parcoords` needs WebGL, which headless browsers and many remote desktops lack): each axis is
 * scaled to [0, 1] between its lowest and highest value, runs are grouped into ten colour bins of the metric
 * (the lowest drawn last, on top), and a marker per run on the metric axis carries the colour bar and a hover
 * text with the run's parameters.
 * @throws InputError when no ok run has the metric
 */
export function parallelFigure(results: RunsInput, options: ParallelOptions = {}): Figure {
  const metric = options.metric ?? "test.mse";
  const runs = runsOf(results).filter((r) => r.status === "ok" && Number.isFinite(metricValue(r, metric)));
  if (runs.length === 0) throw new InputError(`parallelFigure: no successful run has ${metric}`);
  const keys = varyingParams(runs).filter((k) => k !== "model");
  if (new Set(runs.map((r) => r.params.model)).size > 1) keys.unshift("model");
  const values = runs.map((r) => metricValue(r, metric));
  const metricDim: Dimension = { label: metricLabelWithUnit(metric), values };
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const ticks = hi > lo ? [0, 0.25, 0.5, 0.75, 1].map((t) => lo + t * (hi - lo)) : [lo];
  metricDim.tickvals = ticks;
  metricDim.ticktext = ticks.map((v) => formatMetric(v));
  metricDim.range = [lo, hi > lo ? hi : lo + 1];
  const dims = [...keys.map((k) => dimensionOf(k, runs)), metricDim];
  const norm = (d: Dimension, v: number) => {
    const [a, b] = d.range ?? [0, 1];
    return v < a ? MISSING_AT : (v - a) / (b - a || 1);
  };
  const t = values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
  const bins = VIRIDIS.map(() => [] as number[]);
  t.forEach((x, i) => bins[Math.min(VIRIDIS.length - 1, Math.floor(x * VIRIDIS.length))].push(i));
  const data: PlotlyTrace[] = [];
  for (let b = VIRIDIS.length - 1; b >= 0; b--) {
    if (bins[b].length === 0) continue;
    const x: (number | null)[] = [];
    const y: (number | null)[] = [];
    for (const i of bins[b]) {
      dims.forEach((d, k) => {
        x.push(k);
        y.push(norm(d, d.values[i]));
      });
      x.push(null);
      y.push(null);
    }
    data.push({ type: "scatter", mode: "lines", x, y, line: { color: VIRIDIS[b], width: 1.5 }, opacity: 0.75, hoverinfo: "skip", showlegend: false });
  }
  const last = dims.length - 1;
  data.push({
    type: "scatter",
    mode: "markers",
    x: runs.map(() => last),
    y: t,
    marker: {
      color: values,
      colorscale: "Viridis",
      size: 7,
      showscale: true,
      colorbar: { title: { text: metricLabelWithUnit(metric), side: "right" }, thickness: 14 },
    },
    hovertext: runs.map((r, i) => `${[...keys].map((k) => `${paramLabel(k)}=${valueText(r.params[k])}`).join(" ")} → ${formatMetric(values[i])}`),
    hoverinfo: "text",
    showlegend: false,
  });
  const shapes = dims.map((_, k) => ({ type: "line", x0: k, x1: k, y0: 0, y1: 1, line: { color: "#444", width: 1 } }));
  const annotations: Record<string, unknown>[] = [];
  dims.forEach((d, k) => {
    annotations.push({ x: k, y: 1.04, text: d.label, showarrow: false, xanchor: "center", yanchor: "bottom", font: { size: 13 } });
    (d.tickvals ?? []).forEach((v, j) => {
      annotations.push({
        x: k,
        y: norm(d, v),
        text: d.ticktext?.[j] ?? String(v),
        showarrow: false,
        xanchor: "right",
        xshift: -4,
        font: { size: 11, color: "#444" },
      });
    });
  });
  return {
    data,
    layout: {
      title: { text: options.title ?? `${metricLabelWithUnit(metric)} by parameter (${runs.length} runs)` },
      xaxis: { visible: false, range: [-0.6, last + 0.3], fixedrange: true },
      yaxis: { visible: false, range: [MISSING_AT - 0.06, 1.12], fixedrange: true },
      shapes,
      annotations,
      margin: { t: 80, l: 40, r: 40, b: 20 },
      height: 440,
      hovermode: "closest",
    },
  };
}

function valueText(v: unknown): string {
  return typeof v === "number" ? formatValue(v) : typeof v === "string" ? v : v === undefined ? "–" : JSON.stringify(v);
}
