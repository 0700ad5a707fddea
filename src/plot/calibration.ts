/**
 * The calibration figure of models with a predictive standard deviation (the Bayesian samplers `bpmf`,
 * `bayes-svdpp`): for each model at its best configuration, the test ratings in bins of predicted sd (the runs'
 * `calibration` records, averaged bin by bin over folds/seeds), observed RMSE against mean predicted sd, with the
 * diagonal RMSE = sd. Points on the diagonal: the sd means what it says; above it: over-confident; below:
 * under-confident. A rising line shows that the sd ranks ratings by how wrong they will be.
 */
import { InputError } from "../core/errors";
import { bestConfigurationRuns } from "../results/comparison";
import { runsOf, type Figure, type PlotlyTrace, type RunsInput } from "./figures";
import { notesAnnotation, notesMargin, RATING_UNIT, titleWithSubtitle } from "./grammar";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

export interface CalibrationFigureOptions {
  title?: string;
}

/**
 * Observed test RMSE against predicted sd, one line per model with `calibration` records (module doc).
 * @throws InputError when no run has a calibration record
 */
export function calibrationFigure(results: RunsInput, options: CalibrationFigureOptions = {}): Figure {
  const best = bestConfigurationRuns(runsOf(results));
  const data: PlotlyTrace[] = [];
  const notes: string[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  let k = 0;
  for (const [model, runs] of best) {
    const withCal = runs.filter((r) => r.calibration && r.calibration.sd.length > 0);
    if (withCal.length === 0) continue;
    const bins = Math.min(...withCal.map((r) => r.calibration!.sd.length));
    const sd: number[] = [];
    const rmse: number[] = [];
    for (let b = 0; b < bins; b++) {
      sd.push(withCal.reduce((s, r) => s + r.calibration!.sd[b], 0) / withCal.length);
      rmse.push(Math.sqrt(withCal.reduce((s, r) => s + r.calibration!.rmse[b] ** 2, 0) / withCal.length));
    }
    for (const v of [...sd, ...rmse]) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const color = COLORS[k++ % COLORS.length];
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: model,
      x: sd,
      y: rmse,
      line: { color, width: 2 },
      marker: { color, size: 7 },
      hovertemplate: `${model}<br>predicted sd %{x:.3f}<br>observed RMSE %{y:.3f}<extra></extra>`,
    });
    notes.push(
      `${model}: ${bins} equal-count bins of the test ratings by predicted sd, ${withCal.length === 1 ? "one run" : `averaged over ${withCal.length} folds/seeds`}`,
    );
  }
  if (data.length === 0)
    throw new InputError(
      "calibrationFigure: no run has a calibration record (only models with a predictive sd, e.g. bpmf and bayes-svdpp, record one)",
    );
  const pad = 0.05 * (hi - lo || 1);
  const range: [number, number] = [Math.max(0, lo - pad), hi + pad];
  data.push({
    type: "scatter",
    mode: "lines",
    name: "RMSE = sd (calibrated)",
    x: range,
    y: range,
    line: { color: "#888", width: 1, dash: "dash" },
    hoverinfo: "skip",
  });
  return {
    data,
    layout: {
      title: {
        text: titleWithSubtitle(
          options.title ?? "Calibration: observed error against predicted sd",
          "test ratings binned by the model's predictive standard deviation",
        ),
      },
      xaxis: { title: { text: `predicted standard deviation (${RATING_UNIT})` }, range, zeroline: false },
      yaxis: { title: { text: `observed test RMSE (${RATING_UNIT})` }, range, zeroline: false },
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
      annotations: notesAnnotation(notes),
      margin: { t: 80, b: notesMargin(notes.length), l: 70, r: 30 },
      width: 900,
      height: 560 + 15 * notes.length,
      hovermode: "closest",
    },
  };
}
