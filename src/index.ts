/**
 * mflab — matrix-factorization experiments for recommender systems.
 * The public API: everything a notebook, a script or the CLI uses. From a tslab notebook, import the built
 * package (`import * as mf from "../dist"`), not `src/`.
 */
export * from "./errors";
export * from "./json";
export * from "./random";
export * from "./version";

// data
export * from "./data/ratings";
export * from "./data/parse";
export * from "./data/load";
export { holdoutSplit, kFoldSplits, type Split as IndexSplit } from "./data/split";
export * from "./data/synthetic";
export * from "./data/fingerprint";
export * from "./data/toy";
export {
  streamRatingsFile,
  readRatingsFileSync,
  RatingsCsvParser,
  streamedToMatrix,
  progressPrinter as streamProgressPrinter,
  type StreamOptions,
  type StreamProgress,
  type StreamedRatings,
} from "./data/stream";

// dense kernels
export * from "./linalg/index";

// models
export * from "./models/types";
export * from "./models/config";
export * from "./models/registry";
export * from "./models/als";
export * from "./models/als-threads";
export * from "./models/baselines";
export * from "./models/sgd";
export * from "./models/svdpp";
export * from "./models/gd";
export * from "./models/similarity";
export * from "./models/knn";
export * from "./models/slope-one";
export * from "./models/co-clustering";
export * from "./models/nmf-observed";
export * from "./models/nmf-sklearn";
export * from "./models/steps";
export * from "./models/implicit-als";
export * from "./models/popularity";
export * from "./models/fold-in";

// metrics
export * from "./metrics/errors";
export * from "./metrics/ranking";

// experiments
export * from "./experiment/results";
export * from "./experiment/spec";
export * from "./experiment/store";
export * from "./experiment/env";
export * from "./experiment/runner";
export * from "./experiment/progress";
export * from "./experiment/summary";
export * from "./experiment/selection";
export * from "./experiment/folds";
export * from "./experiment/race";
export * from "./experiment/query";
export * from "./experiment/dataframe";
export * from "./report/index";

// figures
export {
  ASSIGNMENT_METRICS,
  assignmentGridFigure,
  lambdaFigure,
  heatmapFigure,
  convergenceFigure,
  compareFigure,
  compareRowsFromRuns,
  meanStd,
  runsOf,
  runLabels,
  type Figure,
  type PlotlyTrace,
  type AssignmentGridOptions,
  type LambdaFigureOptions,
  type HeatmapOptions,
  type ConvergenceOptions,
  type CompareOptions,
  type CompareRow,
  type RunsInput,
  type HistoryMetric,
} from "./plot/figures";
export * from "./plot/kinds";
export * from "./plot/export";
export * from "./plot/display";
export * from "./notebook/progress";
