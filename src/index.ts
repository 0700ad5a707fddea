/**
 * mflab — matrix-factorization experiments for recommender systems.
 *
 * The package entry is what a notebook author needs: load data, run and resume sweeps, query and summarise
 * results, draw figures, write reports, fit the assignment's ALS by hand. Everything else is in documented
 * subpaths, for readers who want to look inside: `mflab/models` (every model, its config declaration and fit, the
 * lecture's step-level API, ALS internals), `mflab/data`, `mflab/metrics`, `mflab/linalg`, `mflab/results`,
 * `mflab/experiment`, `mflab/plot`, `mflab/report`, `mflab/core`. From a tslab notebook in this repository, import
 * the built package (`import * as mf from "../dist"`, `import * as models from "../dist/models"`), not `src/`.
 */

// errors, version, seeds, statistics
export { InputError, ParseError, SpecError } from "./core/errors";
export { MFLAB_VERSION } from "./core/version";
export { Rng, deriveSeed } from "./core/random";
export { mean, std, median, meanStd, finiteValues, type MeanStd } from "./core/stats";
export { textTable, markdownTable, type TableColumn } from "./core/table";

// data
export { RatingsMatrix, IdMap, type Dataset, type Csr } from "./data/ratings";
export { loadDataset, loadDatasetWithWarnings, dataSpecFromPath, describeDataSpec, type LoadOptions } from "./data/load";
export { validateDataSpec, type DataSpec, type DataSpecInput } from "./data/spec";
export { readRatingsFile } from "./data/parse";
export { implicitFromRatings } from "./data/implicit";
export { generateSynthetic } from "./data/synthetic";
export { holdoutSplit } from "./data/split";
export { datasetFingerprint } from "./data/fingerprint";

// models
export { getModel, modelNames, allModels } from "./models/registry";
export type { ModelDefinition, Predictor, FitOptions, FitResult, History, IterationReport } from "./models/types";
export { fitAls, alsConfig, alsObjective, AlsModel, type AlsConfig } from "./models/als/als";
export { foldInUser, foldInItem } from "./models/als/fold-in";

// metrics
export { scorePredictor, type ErrorMetrics, type ScoredMetrics } from "./metrics/accuracy";
export { evaluateRanking, topN, type RankingMetrics } from "./metrics/ranking";

// results: files, queries, tables, selection, DataFrames
export { RESULTS_SCHEMA, type ResultsFile, type RunRecord, type RunMetrics, type DatasetInfo, type EnvInfo } from "./results/schema";
export { readResults, parseResults, writeResults } from "./results/store";
export { loadResults, filterRuns, groupRuns, runsIn, compareSweeps, type ResultsSet, type RunFilter } from "./results/query";
export { metricValue, type MetricPath } from "./results/metric";
export {
  varyingParams,
  bestRun,
  aggregateRuns,
  summaryTable,
  foldSummaryTable,
  rankingSummaryTable,
  type AggregateRow,
} from "./results/summary";
export { selectConfiguration, chooseConfiguration, validationDataset, type Selection } from "./results/selection";
export {
  summarizeRace,
  raceMarkdownTable,
  testRmseCurve,
  firstAtOrBelow,
  objectiveIncreases,
  type RaceRecord,
  type RaceSummary,
  type RaceSummaryRow,
  type RaceStat,
} from "./results/race";
export { runsTable, runsDataFrame, pivotRuns, groupRunsFrame } from "./results/dataframe";

// experiments
export { validateSpec, expandSpec, type ExperimentSpec, type ModelSpec, type RunPlan } from "./experiment/spec";
export { runSweep, type SweepOptions, type SweepOutcome } from "./experiment/runner";
export { runSearch } from "./experiment/search/run";
export { loadFolds, type FoldsSpec } from "./experiment/folds";
export { progressPrinter, printProgress, type SweepProgress } from "./experiment/progress";
export { runRace, raceResults, type RaceEntry, type RaceOptions } from "./experiment/race";

// figures
export {
  assignmentGridFigure,
  lambdaFigure,
  heatmapFigure,
  convergenceFigure,
  compareFigure,
  compareRowsFromRuns,
  type Figure,
  type CompareRow,
} from "./plot/figures";
export { raceFigure } from "./plot/race";
export { calibrationFigure } from "./plot/calibration";
export { modelComparisons, type ModelComparison } from "./results/comparison";
export { factorMapFigure, type FactorMapInput, type FactorMapOptions } from "./plot/factor-map";
export { polishFigure, logTicks } from "./plot/grammar";
export { buildFigure, FIGURE_KINDS, type FigureKind } from "./plot/kinds";
export { writeFigureHtml, exportFigureImage, exportFigureImages } from "./plot/export";

// reports
export { buildReport, writeReport, renderMarkdown, renderHtml } from "./report/index";

// notebooks
export { show } from "./notebook/display";
export { notebookProgress } from "./notebook/progress";
export { dataFacts } from "./data/facts";
export { describeData, describeProtocol, describeScale, tableOf, discuss } from "./notebook/narrative";
export {
  raceObjectiveTable,
  raceComparisonTable,
  discussRace,
  type RaceNarrative,
  type RacePair,
  type RaceMethod,
  type GradientMethod,
  type RaceThreads,
} from "./notebook/race-narrative";
export { ui, type NotebookUi, type NotebookUiOptions } from "./notebook/ui";
