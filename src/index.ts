/**
 * mflab — matrix-factorization experiments for recommender systems.
 * The public API: everything a notebook, a script or the CLI uses. From a tslab notebook, import the built
 * package (`import * as mf from "../dist"`), not `src/`.
 */
export * from "./core/errors";
export * from "./core/json";
export * from "./core/random";
export * from "./core/stats";
export * from "./core/table";
export * from "./core/version";

// data
export * from "./data/ratings";
export * from "./data/parse";
export * from "./data/load";
export { holdoutSplit, kFoldSplits, type Split as IndexSplit } from "./data/split";
export * from "./data/synthetic";
export * from "./data/fingerprint";
export * from "./data/toy";
export * from "./data/implicit";
export {
  streamRatingsFile,
  readRatingsFileSync,
  RatingsCsvParser,
  streamedToMatrix,
  readProgressPrinter,
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
export * from "./models/als/als";
export * from "./models/als/als-threads";
export * from "./models/als/als-rows";
export * from "./models/baselines/baselines";
export * from "./models/gradient/svd";
export * from "./models/gradient/svdpp";
export * from "./models/gradient/gd-mf";
export * from "./models/neighbourhood/similarity";
export * from "./models/neighbourhood/knn";
export * from "./models/neighbourhood/slope-one";
export * from "./models/clustering/co-clustering";
export * from "./models/nmf/nmf";
export * from "./models/nmf/nmf-zero-filled";
export * from "./models/steps";
export * from "./models/als/implicit-als";
export * from "./models/baselines/popularity";
export * from "./models/als/fold-in";

// metrics
export * from "./metrics/accuracy";
export * from "./metrics/ranking";

// experiments
export * from "./results/schema";
export * from "./experiment/spec";
export * from "./results/store";
export * from "./experiment/env";
export * from "./experiment/runner";
export * from "./experiment/execute";
export { availableCores, threadsPerFit } from "./experiment/pool";
export * from "./experiment/progress";
export * from "./results/metric";
export * from "./results/summary";
export * from "./results/selection";
export * from "./experiment/folds";
export * from "./experiment/race";
export * from "./results/race";
export * from "./plot/race";
export * from "./results/query";
export * from "./results/dataframe";
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
export * from "./notebook/display";
export * from "./notebook/progress";
