/**
 * The optimizer-race figure: test RMSE (or train RMSE, or the objective) against iterations or seconds, one line
 * per run, coloured by entry (records of `runRace`, summarised in ../results/race.ts).
 */
import { InputError } from "../core/errors";
import type { RunRecord } from "../results/schema";
import { testRmseCurve, type RaceRecord } from "../results/race";
import type { Figure, PlotlyTrace } from "./figures";
import { logAxis, notesAnnotation, notesMargin, RATING_UNIT } from "./grammar";

export interface RaceFigureOptions {
  /** x axis: "iteration" (default) or "seconds" (wall clock since the fit started, incl. per-iteration scoring). */
  x?: "iteration" | "seconds";
  /** y: test RMSE (default), train RMSE, or the training objective. */
  metric?: "testRmse" | "trainRmse" | "trainLoss";
  logX?: boolean;
  logY?: boolean;
  title?: string;
  /** y axis title (default from the metric, e.g. "test RMSE"; say "validation RMSE" when the test set is one). */
  yTitle?: string;
  /** Fixed y range (in log10 units when logY). */
  yRange?: [number, number];
}

const RACE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/**
 * One line per run, coloured by entry label (the seeds of an entry share its colour and legend item). Failed
 * runs are drawn dotted up to their last completed iteration with an × at the end, and listed with their
 * error under the plot (also those that failed before completing an iteration, which have no line).
 * @throws InputError for an unknown x or metric, or when no run has a curve
 */
export function raceFigure(records: readonly RunRecord[], options: RaceFigureOptions = {}): Figure {
  const xKey = options.x ?? "iteration";
  const metric = options.metric ?? "testRmse";
  if (xKey !== "iteration" && xKey !== "seconds") throw new InputError(`raceFigure: x must be "iteration" or "seconds", got "${String(xKey)}"`);
  if (!["testRmse", "trainRmse", "trainLoss"].includes(metric))
    throw new InputError(`raceFigure: metric must be testRmse, trainRmse or trainLoss, got "${String(metric)}"`);
  const labelOf = (r: RunRecord) => ((r as Partial<RaceRecord>).label ?? r.params.model) as string;
  const labels = [...new Set(records.map(labelOf))];
  const legendShown = new Set<string>();
  const data: PlotlyTrace[] = [];
  const notes: string[] = [];
  for (const r of records) {
    const h = r.history;
    const label = labelOf(r);
    const failed = r.status !== "ok";
    if (failed) notes.push(`${label}, seed ${r.seed}: ${r.error ?? "failed"}`);
    if (!h || h.iteration.length === 0) continue;
    const y = metric === "testRmse" ? testRmseCurve(r) : metric === "trainRmse" ? h.trainMse.map((m) => Math.sqrt(m)) : h.trainLoss.slice();
    const color = RACE_COLORS[labels.indexOf(label) % RACE_COLORS.length];
    const first = !legendShown.has(label);
    legendShown.add(label);
    const x = xKey === "iteration" ? h.iteration.slice() : h.seconds.slice();
    data.push({
      type: "scatter",
      mode: failed ? "lines+markers" : "lines",
      name: label,
      legendgroup: label,
      showlegend: first,
      x,
      y: y.map((v) => (Number.isFinite(v) ? v : null)),
      line: { color, width: 1.5, dash: failed ? "dot" : "solid" },
      marker: { color, size: x.map((_, k) => (failed && k === x.length - 1 ? 10 : 0)), symbol: "x" },
      hovertemplate: `${label} (seed ${r.seed})<br>${xKey} %{x}<br>%{y:.4f}<extra></extra>`,
    });
  }
  if (data.length === 0) throw new InputError(`raceFigure: no run has a ${metric} curve (${records.length} runs)`);
  const yName = options.yTitle ?? (metric === "testRmse" ? "test RMSE" : metric === "trainRmse" ? "train RMSE" : "training objective L");
  const yTitle = /\(.*\)\s*$/.test(yName) ? yName : `${yName} (${metric === "trainLoss" ? `${RATING_UNIT}²` : RATING_UNIT})`;
  const xTitle = xKey === "iteration" ? "iteration (epoch for SGD / GD)" : "seconds (wall clock since the fit started, incl. per-iteration scoring)";
  const annotations = notesAnnotation(notes.map((n) => `failed: ${n}`));
  return {
    data,
    layout: {
      title: { text: options.title ?? `${yName} by ${xKey}` },
      xaxis: { title: { text: xTitle }, zeroline: false, ...(options.logX ? logAxis(data.flatMap((t) => t.x ?? [])) : { type: "linear" }) },
      yaxis: {
        title: { text: yTitle },
        ...(options.logY ? logAxis(options.yRange ? options.yRange.map((v) => 10 ** v) : data.flatMap((t) => t.y ?? [])) : { type: "linear" }),
        ...(options.yRange ? { range: options.yRange } : {}),
      },
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
      annotations,
      margin: { t: 60, b: notesMargin(notes.length), l: 70, r: 30 },
      hovermode: "closest",
    },
  };
}
