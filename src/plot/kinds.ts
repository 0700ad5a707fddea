/**
 * Figure kinds by name, for the CLI (`mflab plot --kind …`) and reports: one entry point that maps a kind and
 * loosely typed options (strings from the command line) onto the builders of ./figures.
 */
import { InputError } from "../core/errors";
import type { ResultsFile } from "../results/schema";
import { bestRun } from "../results/summary";
import { calibrationFigure } from "./calibration";
import {
  assignmentGridFigure,
  compareFigure,
  convergenceFigure,
  heatmapFigure,
  lambdaFigure,
  runsOf,
  type Figure,
  type HistoryMetric,
  type RunsInput,
} from "./figures";
import type { ErrorMetricName, MetricPath } from "../results/metric";
import { importanceFigure, searchHistoryFigure, searchView, sliceFigure } from "./search";

/** The figure kinds `buildFigure` (and `mflab plot --kind`) draws from a results file. */
export const FIGURE_KINDS = [
  "grid",
  "lambda",
  "heatmap",
  "convergence",
  "compare",
  "history",
  "history-seconds",
  "slice",
  "importance",
  "calibration",
] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

export interface BuildFigureOptions {
  /**
   * grid/lambda: comma-separated metric paths (default the assignment's four); heatmap: one metric path
   * (default "test.mse"); convergence: a history curve (default "testMse"); compare: comma-separated
   * mse/rmse/mae (default "rmse,mae").
   */
  metric?: string;
  /** lambda: the λ to show (default: the λ of the run with the lowest test MSE). */
  lambda?: number;
  /** Only runs of this model (grid, lambda, heatmap). */
  model?: string;
}

/**
 * Build the figure of `kind` from a results file.
 * @throws InputError for an unknown kind and whatever the builder throws (no runs, unknown metric, …)
 */
export function buildFigure(results: ResultsFile | RunsInput, kind: FigureKind, options: BuildFigureOptions = {}): Figure {
  const list = (s: string | undefined) =>
    s === undefined
      ? undefined
      : s
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== "");
  switch (kind) {
    case "grid":
      return assignmentGridFigure(results, { metrics: list(options.metric) as MetricPath[] | undefined, model: options.model });
    case "lambda":
      return lambdaFigure(results, options.lambda ?? bestLambda(results), {
        metrics: list(options.metric) as MetricPath[] | undefined,
        model: options.model,
      });
    case "heatmap":
      return heatmapFigure(results, { metric: (options.metric ?? "test.mse") as MetricPath, model: options.model });
    case "convergence":
      return convergenceFigure(results, { metric: (options.metric ?? "testMse") as HistoryMetric });
    case "compare":
      return compareFigure(results, { metrics: list(options.metric) as ErrorMetricName[] | undefined });
    case "history":
    case "history-seconds":
      return searchHistoryFigure([searchView(asResults(results))], { x: kind === "history" ? "trial" : "seconds" });
    case "slice":
      return sliceFigure(searchView(asResults(results)));
    case "importance":
      return importanceFigure(searchView(asResults(results)));
    case "calibration":
      return calibrationFigure(results);
    default:
      throw new InputError(`unknown figure kind "${String(kind)}"; use one of ${FIGURE_KINDS.join(", ")}`);
  }
}

/** A results file, or bare runs wrapped as one (for the search figures, which read the spec when there is one). */
function asResults(input: ResultsFile | RunsInput): ResultsFile {
  return Array.isArray(input) ? ({ experiment: { name: "runs", spec: null }, runs: input } as unknown as ResultsFile) : (input as ResultsFile);
}

/** The λ of the ok run with the lowest test MSE. @throws InputError when no ok run has λ and test MSE */
export function bestLambda(results: RunsInput): number {
  const best = bestRun(
    runsOf(results).filter((r) => typeof r.params?.lambda === "number"),
    "test.mse",
  );
  if (!best) throw new InputError("no successful run with a numeric params.lambda and a test MSE; pass --lambda");
  return best.params.lambda as number;
}
