/**
 * The write-up skeleton of a sweep (`mflab report`): everything an author needs from the stored results, with
 * the interpretation left to them. Sections:
 *
 * 0. Key findings — the three most important observations ({@link keyFindings}), each with its numbers.
 * 1. Dataset — name, source, fingerprint, sizes, rating scale, folds.
 * 2. Protocol — split or folds, clipping, seeds, metrics, how the configuration is selected; environment
 *    (mflab/Node versions, machine, git commit and dirty flag, times).
 * 3. Sweep grid — per model its fixed parameters and grid axes, and how many runs are stored.
 * 4. Results — one row per configuration ({@link aggregateRuns}: mean over folds/seeds), with the validation
 *    metric when a validation sweep is given; the selected configuration is highlighted.
 * 5. Selected configuration — by the validation sweep when given ({@link selectConfiguration}; for
 *    cross-validated sweeps the mean over folds), reporting its test metric separately; otherwise by the test
 *    metric, with a warning that the number is optimistic.
 * 6. Figures — the assignment grid, a heatmap, convergence curves, a model comparison — whichever apply.
 * 7. Observations — {@link observeSweep}: facts with their numbers, chosen by what the sweep contains, one
 *    subsection per topic.
 *
 * Every string from the data is escaped by the renderers (./document.ts).
 */
import { InputError } from "../core/errors";
import type { ResultsFile, RunRecord } from "../results/schema";
import { configKey, selectConfiguration, validationView, type Selection } from "../results/selection";
import { metricValue, type MetricPath } from "../results/metric";
import { aggregateRuns, aggregateValue, varyingParams } from "../results/summary";
import { canonicalJson } from "../core/json";
import { mean } from "../core/stats";
import type { BundleMode } from "../plot/bundle";
import type { Figure } from "../plot/figures";
import { formatMetric, formatValue, paramLabel } from "../plot/figures";
import { buildFigure, type FigureKind } from "../plot/kinds";
import { renderHtml, renderMarkdown, type Block } from "./document";
import { searchBlocks } from "./search";
import { configurationCells, keyFindings, observationsByTopic, observeSweep, paramText, sweepContents } from "./observations";

export type ReportFormat = "html" | "md";

export interface ReportOptions {
  /** Output format (default "html"). */
  format?: ReportFormat;
  /** Results of the same grid run on a validation split (`validationDataset`): selection uses it. */
  validation?: ResultsFile;
  /** A search's report: the grid sweep of the same box on the same data, to compare the search's best with. */
  grid?: ResultsFile;
  /** Report title (default: "<experiment> on <dataset>"). */
  title?: string;
  /** Test metric used for selection and observations (default "test.mse"). */
  metric?: MetricPath;
  /** Figures to include: false for none; default every applicable kind (see {@link reportFigures}). */
  figures?: boolean;
  /** Markdown: image file (relative to the report) per figure id, as written by {@link writeReport}. */
  images?: Record<string, string>;
  /** Markdown: why figures have no image (e.g. Chromium unavailable). */
  imagesMissing?: string;
  /** HTML: how plotly.js is embedded (default "inline"). */
  bundle?: BundleMode;
}

/** A figure of the report with a stable id (`grid`, `heatmap-als`, …) used for image file names. */
export interface ReportFigure {
  id: string;
  kind: FigureKind;
  model?: string;
  figure: Figure;
  caption: string;
}

function fmt(v: unknown): string {
  if (typeof v === "number") return Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : formatMetric(v)) : "–";
  if (v === undefined || v === null) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function paramValue(v: unknown): string {
  return typeof v === "number" ? formatValue(v) : v === undefined ? "–" : typeof v === "string" ? v : JSON.stringify(v);
}

function checkMetric(metric: string): asserts metric is MetricPath {
  if (!/^test\.(mse|rmse|mae)$/.test(metric)) throw new InputError(`report: the metric must be test.mse, test.rmse or test.mae, got "${metric}"`);
}

/** "MSE" */
function metricUpper(metric: MetricPath): string {
  return metric.split(".")[1].toUpperCase();
}

/**
 * The figures a report shows, built from the results (kinds that do not apply are left out and explained in
 * `notes`): per model with numeric `d` and `lambda` axes the assignment grid and a heatmap of the metric;
 * convergence curves when runs have histories (at most 40 runs); a model comparison when the sweep has several
 * models.
 */
export function reportFigures(results: ResultsFile, metric: MetricPath = "test.mse"): { figures: ReportFigure[]; notes: string[] } {
  const figures: ReportFigure[] = [];
  const notes: string[] = [];
  const ok = results.runs.filter((r) => r.status === "ok");
  const models = [...new Set(ok.map((r) => r.params.model))];
  const multi = models.length > 1;
  const suffix = (m: string) => (multi ? `-${m.replace(/[^A-Za-z0-9_-]/g, "_")}` : "");
  const attempt = (id: string, kind: FigureKind, caption: string, build: () => Figure, model?: string) => {
    try {
      figures.push({ id, kind, ...(model !== undefined ? { model } : {}), figure: build(), caption });
    } catch (e) {
      notes.push(`${caption}: not drawn (${(e as Error).message})`);
    }
  };
  for (const model of models) {
    const runs = ok.filter((r) => r.params.model === model);
    const axes = varyingParams(runs);
    if (!axes.includes("d") || !axes.includes("lambda")) continue;
    const of = multi ? ` (${model})` : "";
    attempt(`grid${suffix(model)}`, "grid", `Train and test error against d for each λ${of}`, () => buildFigure(results, "grid", { model }), model);
    attempt(
      `heatmap${suffix(model)}`,
      "heatmap",
      `${metricUpper(metric)} on the test set over d × λ${of}`,
      () => buildFigure(results, "heatmap", { model, metric }),
      model,
    );
  }
  if (results.runs.some((r) => r.trial !== undefined)) {
    attempt("search-history", "history", "Optimisation history: best validation error so far against trials finished", () =>
      buildFigure(results, "history"),
    );
    attempt("search-history-seconds", "history-seconds", "Optimisation history against cumulative fit seconds", () =>
      buildFigure(results, "history-seconds"),
    );
    attempt("search-slice", "slice", "Validation error against each searched parameter", () => buildFigure(results, "slice"));
    attempt("search-importance", "importance", "Parameter importance (permutation importance on a kernel-regression surrogate)", () =>
      buildFigure(results, "importance"),
    );
  }
  const withHistory = ok.filter(
    (r) => r.history && Array.isArray(r.history.iteration) && r.history.iteration.length > 0 && r.history.testMse.some((v) => Number.isFinite(v)),
  );
  if (ok.some((r) => r.history?.validationMse))
    notes.push(
      'per-iteration curves are on the validation set (evaluation.validation), not drawn here: use "mflab plot --kind history" for the search',
    );
  else if (withHistory.length > 40)
    notes.push(`convergence curves: not drawn (${withHistory.length} runs have histories; use "mflab plot --kind convergence")`);
  else if (withHistory.length > 0) {
    attempt("convergence", "convergence", `Test ${metricUpper(metric) === "MAE" ? "MAE" : "MSE"} per iteration`, () =>
      buildFigure(withHistory, "convergence", { metric: metric === "test.mae" ? "testMae" : "testMse" }),
    );
  }
  if (multi) attempt("compare", "compare", "Test RMSE and MAE per model (mean ± std over folds/seeds)", () => buildFigure(results, "compare"));
  return { figures, notes };
}

interface Choice {
  by: "validation" | "test";
  /** The chosen configuration's params. */
  params: RunRecord["params"];
  /** Metric on the data used to choose (validation or test; mean over folds for CV). */
  chosenValue: number;
  /** The chosen configuration's test metric in the main sweep. */
  testValue: number;
  /** What the test metric would have chosen (validation selection only). */
  byTest?: { params: RunRecord["params"]; value: number };
}

/** Lowest mean of `metric` per configuration (configKey), over folds / seeds. */
function lowestCell(runs: readonly RunRecord[], metric: MetricPath) {
  const cells = configurationCells(runs, metric).filter((c) => Number.isFinite(c.test));
  return cells.length === 0 ? undefined : cells.reduce((a, b) => (b.test < a.test ? b : a));
}

function choose(results: ResultsFile, validation: ResultsFile | undefined, metric: MetricPath): Choice | undefined {
  const byTest = lowestCell(results.runs, metric);
  if (!byTest) return undefined;
  if (!validation) return { by: "test", params: byTest.params, chosenValue: byTest.test, testValue: byTest.test };
  const folded = results.runs.some((r) => r.fold) || validation.runs.some((r) => r.fold);
  if (!folded) {
    let sel: Selection;
    try {
      sel = selectConfiguration(validation, results, metric);
    } catch (e) {
      throw new InputError((e as Error).message.replace(/^selectConfiguration: /, "report: "));
    }
    return {
      by: "validation",
      params: sel.chosenInMain.params,
      chosenValue: metricValue(sel.chosen, metric),
      testValue: metricValue(sel.chosenInMain, metric),
      byTest: { params: sel.byTest.params, value: metricValue(sel.byTest, metric) },
    };
  }
  const chosen = lowestCell(validation.runs, metric);
  if (!chosen) throw new InputError(`report: the validation sweep "${validation.experiment.name}" has no successful run`);
  const key = configKey({ params: chosen.params } as RunRecord);
  const inMain = configurationCells(results.runs, metric).find((c) => configKey({ params: c.params } as RunRecord) === key);
  if (!inMain) throw new InputError(`report: the configuration chosen on validation, ${key}, is not in the main sweep "${results.experiment.name}"`);
  return {
    by: "validation",
    params: inMain.params,
    chosenValue: chosen.test,
    testValue: inMain.test,
    byTest: { params: byTest.params, value: byTest.test },
  };
}

/** `model=als, d=2, λ=2`: the model (in a sweep of several) and the parameters that vary between its own runs. */
function describeParams(params: RunRecord["params"], axes: Record<string, string[]>, multi: boolean): string {
  const own = (axes[params.model] ?? []).filter((k) => params[k] !== undefined);
  const shown = multi || own.length === 0 ? ["model", ...own] : own;
  return shown.map((k) => paramText(k, params[k])).join(", ");
}

interface SpecView {
  folds?: unknown;
  seed?: unknown;
  evaluation?: { clip?: unknown; history?: unknown; validation?: unknown };
  models?: { model?: unknown; params?: Record<string, unknown>; grid?: Record<string, unknown[]> }[];
}

/** The report as blocks (render with ./document.ts); {@link buildReport} renders them. */
export function reportBlocks(results: ResultsFile, rawOptions: ReportOptions = {}): Block[] {
  // A sweep with evaluation.validation carries its own validation results: selection uses them.
  const inFile = rawOptions.validation ? undefined : validationView(results);
  const options: ReportOptions = inFile ? { ...rawOptions, validation: inFile } : rawOptions;
  const metric = options.metric ?? "test.mse";
  checkMetric(metric);
  const M = metricUpper(metric);
  const d = results.dataset;
  const spec = (results.experiment.spec ?? {}) as SpecView;
  const blocks: Block[] = [];
  const title = options.title ?? `${results.experiment.name} on ${d.name}`;
  const axes = varyingParams(results.runs);
  const models = [...new Set(results.runs.map((r) => r.params.model))];
  const shownKeys = models.length > 1 && !axes.includes("model") ? ["model", ...axes] : axes;
  const folds = [...new Set(results.runs.map((r) => r.fold ?? ""))].filter((f) => f !== "");

  blocks.push({ type: "heading", level: 1, text: title });
  if (results.experiment.description) blocks.push({ type: "paragraph", text: results.experiment.description });
  blocks.push({
    type: "paragraph",
    text: `Write-up skeleton generated by mflab ${results.env?.mflab ?? "?"} from the results file of experiment "${results.experiment.name}". Numbers are computed from the stored runs; interpretation is left to the author.`,
  });
  const observations = observeSweep(results, { metric });
  const contents = sweepContents(results);
  const multiModel = contents.models.length > 1;

  // 0. Key findings
  const key = keyFindings(observations);
  blocks.push({ type: "heading", level: 2, text: "Key findings" });
  blocks.push({
    type: "list",
    ordered: true,
    items:
      key.length > 0
        ? key.map((o) => `${o.title ?? o.topic}: ${o.text}`)
        : ["fewer than two successful configurations: nothing to compare (see the results below)"],
  });

  // 1. Dataset
  blocks.push({ type: "heading", level: 2, text: "Dataset" });
  const dataFacts: [string, string][] = [
    ["name", d.name],
    ["source", d.source],
    ["fingerprint", `${d.fingerprint} (sha256 over the train/test triples and ids)`],
    ["size", `${d.nUsers} users × ${d.nItems} items; ${d.nTrain} training and ${d.nTest} test ratings${d.folds ? " (first fold)" : ""}`],
    ["rating scale", `${d.ratingScale?.[0]} to ${d.ratingScale?.[1]}`],
  ];
  blocks.push({ type: "facts", items: dataFacts });
  if (d.folds && d.folds.length > 0) {
    blocks.push({
      type: "table",
      header: ["fold", "users", "items", "train ratings", "test ratings", "fingerprint"],
      numeric: [false, true, true, true, true, false],
      rows: d.folds.map((f) => [f.name, String(f.nUsers), String(f.nItems), String(f.nTrain), String(f.nTest), f.fingerprint]),
    });
  }

  // 2. Protocol
  blocks.push({ type: "heading", level: 2, text: "Protocol" });
  const clip = spec.evaluation?.clip === true;
  const protocol: [string, string][] = [
    [
      "evaluation split",
      folds.length > 0
        ? `cross-validation over ${folds.length} folds (${folds.join(", ")}); every configuration is fitted on each fold's training ratings and scored on its test ratings; the table reports means over folds`
        : "one train/test split: each configuration is fitted on the training ratings and scored on the test ratings",
    ],
    ["metrics", "MSE, RMSE and MAE over the observed ratings of each set (train and test)"],
    [
      "prediction clipping",
      clip
        ? `predictions clamped to [${d.ratingScale?.[0]}, ${d.ratingScale?.[1]}] before scoring`
        : "predictions scored as predicted (not clamped to the rating scale)",
    ],
    ["seeds", `sweep seed ${fmt(spec.seed)}; each run's seed is derived from the sweep seed and the run's parameters (recorded per run)`],
    ["per-iteration history", spec.evaluation?.history === false ? "not recorded" : "train/test metrics recorded after every iteration"],
    [
      "selection",
      inFile
        ? `lowest validation ${M} on the validation ratings carved from the training ratings (evaluation.validation = ${fmt(spec.evaluation?.validation)}); the test ${M} of that configuration is reported separately`
        : options.validation
          ? `lowest validation ${M} in the validation sweep "${options.validation.experiment.name}" on ${options.validation.dataset.name} (fingerprint ${options.validation.dataset.fingerprint}); the test ${M} of that configuration is reported separately`
          : `lowest test ${M} (no validation sweep given)`,
    ],
  ];
  blocks.push({ type: "facts", items: protocol });
  const env = results.env;
  if (env) {
    const fitTotal = results.runs.reduce((a, r) => a + (typeof r.fitSeconds === "number" ? r.fitSeconds : 0), 0);
    blocks.push({ type: "heading", level: 3, text: "Environment" });
    blocks.push({
      type: "facts",
      items: [
        ["mflab", String(env.mflab)],
        ["Node.js", String(env.node)],
        ["platform", String(env.platform)],
        ["CPU", String(env.cpu)],
        [
          "git commit",
          env.gitCommit === null ? "not in a git repository" : `${env.gitCommit}${env.gitDirty ? " (working tree had uncommitted changes)" : ""}`,
        ],
        ["runs written", `${env.startedAt} to ${env.updatedAt}`],
        ["total fit time", `${fitTotal.toFixed(2)} s over ${results.runs.length} runs`],
      ],
    });
  }

  // 3. Sweep grid
  blocks.push({ type: "heading", level: 2, text: "Sweep grid" });
  const gridItems: string[] = [];
  // The stored spec is only shown, never trusted: a hand-edited file may hold anything there.
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  const specModels = Array.isArray(spec.models) ? spec.models.filter(isObject) : [];
  for (const m of specModels) {
    const name = String(m.model);
    const grid = isObject(m.grid) ? m.grid : {};
    const axesText = Object.entries(grid).map(([k, vs]) => `${paramLabel(k)} ∈ {${(Array.isArray(vs) ? vs : []).map(paramValue).join(", ")}}`);
    const nConfigs = Object.values(grid).reduce((a: number, vs) => a * (Array.isArray(vs) ? vs.length : 1), 1);
    const fixed = Object.entries(isObject(m.params) ? m.params : {}).map(([k, v]) => paramText(k, v));
    const stored = results.runs.filter((r) => r.params.model === name);
    const okCount = stored.filter((r) => r.status === "ok").length;
    const prunedCount = stored.filter((r) => r.status === "pruned").length;
    const searched = (spec as { search?: { method?: string; trials?: number } }).search;
    gridItems.push(
      `${name}: ${searched ? `a ${searched.method} search of ${searched.trials} trials (see "Search")` : `${axesText.length > 0 ? axesText.join(" × ") : "no grid"} (${nConfigs} configuration${nConfigs === 1 ? "" : "s"}${folds.length > 0 ? ` × ${folds.length} folds` : ""})`}` +
        `; fixed: ${fixed.length > 0 ? fixed.join(", ") : "model defaults"}; stored runs: ${stored.length} (${okCount} ok, ${stored.length - okCount - prunedCount} failed${prunedCount > 0 ? `, ${prunedCount} pruned` : ""})`,
    );
  }
  if (gridItems.length === 0) {
    for (const k of axes)
      gridItems.push(
        `${paramLabel(k)} ∈ {${[...new Set(results.runs.map((r) => canonicalJson(r.params[k])))].map((s) => paramValue(JSON.parse(s))).join(", ")}}`,
      );
  }
  blocks.push({ type: "list", items: gridItems.length > 0 ? gridItems : ["a single configuration"] });
  const best = results.runs.find((r) => r.status === "ok");
  if (best)
    blocks.push({
      type: "paragraph",
      text: `Full configuration of a run (defaults filled in), e.g. the first successful one: ${JSON.stringify(best.params)}`,
    });

  // 4. Selection (computed before the table to highlight the chosen row)
  const choice = choose(results, options.validation, metric);

  // 5. Results table
  blocks.push({ type: "heading", level: 2, text: "Results" });
  const rows = aggregateRuns(results);
  const validationByKey = new Map<string, number>();
  if (options.validation) {
    for (const c of configurationCells(options.validation.runs, metric)) validationByKey.set(configKey({ params: c.params } as RunRecord), c.test);
  }
  const groupRuns = new Map<string, RunRecord[]>();
  for (const r of results.runs) {
    const k = canonicalJson(r.params);
    groupRuns.set(k, [...(groupRuns.get(k) ?? []), r]);
  }
  const cv = folds.length > 0;
  // the sweep's own validation metrics (evaluation.validation) on folds/seeds: their std over the folds too
  const validationStd = cv && inFile !== undefined;
  const validationMetric = `validation.${metric.split(".")[1]}` as MetricPath;
  const header = [
    ...shownKeys.map(paramLabel),
    ...(cv ? ["folds"] : []),
    "train MSE",
    "test MSE",
    "train MAE",
    "test MAE",
    "test RMSE",
    ...(cv ? ["± std RMSE"] : []),
    ...(options.validation ? [`validation ${M}`] : []),
    ...(validationStd ? [`± std validation ${M}`] : []),
    "iterations",
    "fit s",
    ...(cv ? [] : ["fallback"]),
  ];
  const numeric = header.map((_, k) => k >= shownKeys.length);
  const chosenKey = choice ? configKey({ params: choice.params } as RunRecord) : undefined;
  const highlight: number[] = [];
  const body = rows.map((row, i) => {
    const runs = groupRuns.get(canonicalJson(row.params)) ?? [];
    const ok = runs.filter((r) => r.status === "ok");
    if (chosenKey !== undefined && configKey({ params: row.params } as RunRecord) === chosenKey) highlight.push(i);
    const iters = ok.map((r) => r.iterations).filter((x): x is number => typeof x === "number");
    const meanIters = mean(iters);
    const params = shownKeys.map((k) => paramValue(row.params[k]));
    if (row.nFolds === 0) {
      const stopped = runs.find((r) => r.status === "pruned");
      const why = stopped ? `PRUNED at iteration ${stopped.iterations ?? "?"}` : `FAILED: ${row.error ?? ""}`;
      return [...params, ...header.slice(shownKeys.length).map((_, k) => (k === 0 ? why : ""))];
    }
    return [
      ...params,
      ...(cv ? [row.nFailed > 0 ? `${row.nFolds}/${row.nFolds + row.nFailed}` : String(row.nFolds)] : []),
      fmt(row.mean_train_mse),
      fmt(row.mean_test_mse),
      fmt(row.mean_train_mae),
      fmt(row.mean_test_mae),
      fmt(row.mean_test_rmse),
      ...(cv ? [fmt(row.std_test_rmse)] : []),
      ...(options.validation ? [fmt(validationByKey.get(configKey({ params: row.params } as RunRecord)))] : []),
      ...(validationStd ? [fmt(aggregateValue(row, validationMetric, "std"))] : []),
      Number.isFinite(meanIters) ? (Number.isInteger(meanIters) ? String(meanIters) : meanIters.toFixed(1)) : "–",
      Number.isFinite(row.mean_fit_time) ? row.mean_fit_time.toFixed(3) : "–",
      ...(cv ? [] : [fmt(ok[0]?.fallbackCount)]),
    ];
  });
  blocks.push({
    type: "paragraph",
    text:
      `${rows.length} configuration${rows.length === 1 ? "" : "s"} in spec order${cv ? "; metrics are means over folds" : ""}. ` +
      `The highlighted row is the selected configuration${options.validation ? `, chosen on validation ${M}` : ""} (next section).`,
  });
  blocks.push({ type: "table", header, rows: body, numeric, highlight });

  // 6. Selected configuration
  blocks.push({ type: "heading", level: 2, text: "Selected configuration" });
  if (!choice) {
    blocks.push({ type: "warning", text: "No successful run: nothing to select." });
  } else {
    const describe = (p: RunRecord["params"]) => describeParams(p, contents.axes, multiModel);
    if (choice.by === "test") {
      blocks.push({
        type: "warning",
        text:
          `This configuration was selected by the test ${M}${cv ? " (mean over folds)" : ""}, the same number that is reported: ` +
          `that estimate is optimistically biased. Run the grid on a validation split (validationDataset) and pass it with --validation ` +
          `to select without the test set.`,
      });
      blocks.push({
        type: "facts",
        items: [
          ["configuration", describe(choice.params)],
          [`test ${M}`, `${fmt(choice.testValue)} (used for the selection)`],
          ["full parameters", JSON.stringify(choice.params)],
        ],
      });
    } else {
      const same =
        choice.byTest !== undefined && configKey({ params: choice.byTest.params } as RunRecord) === configKey({ params: choice.params } as RunRecord);
      blocks.push({
        type: "facts",
        items: [
          ["configuration", describe(choice.params)],
          [`validation ${M}`, `${fmt(choice.chosenValue)} (used for the selection)`],
          [`test ${M}`, `${fmt(choice.testValue)} (not used for the selection)`],
          [
            `selection by test ${M} instead`,
            choice.byTest
              ? same
                ? "would choose the same configuration"
                : `would choose ${describe(choice.byTest.params)} with test ${M} ${fmt(choice.byTest.value)}, ${fmt(choice.testValue - choice.byTest.value)} lower`
              : "–",
          ],
          ["full parameters", JSON.stringify(choice.params)],
        ],
      });
    }
  }

  // 6b. Search (trials, chosen trial, search best vs grid best)
  blocks.push(...searchBlocks(results, options.grid));

  // 7. Figures
  if (options.figures !== false) {
    const { figures, notes } = reportFigures(results, metric);
    if (figures.length > 0 || notes.length > 0) blocks.push({ type: "heading", level: 2, text: "Figures" });
    for (const f of figures) {
      const image = options.images?.[f.id];
      blocks.push({
        type: "figure",
        figure: f.figure,
        caption: f.caption,
        ...(image !== undefined ? { image } : { missing: options.imagesMissing ?? "no image file was exported" }),
      });
    }
    if (notes.length > 0) blocks.push({ type: "list", items: notes });
  }

  // 8. Observations
  const whatItHolds = [
    ...(contents.nmfVariants ? ["zero-filled and observed-entry NMF"] : []),
    ...(multiModel ? [`${contents.models.length} models`] : []),
    ...(contents.dLambda.length > 0 ? [`a d × λ grid (${contents.dLambda.join(", ")})`] : []),
    ...(contents.folds.length > 1 ? [`${contents.folds.length} folds`] : []),
  ];
  blocks.push({ type: "heading", level: 2, text: "Observations" });
  blocks.push({
    type: "paragraph",
    text:
      `Computed from the stored runs (failed runs excluded; runs of one configuration averaged) and chosen by what the sweep contains` +
      `${whatItHolds.length > 0 ? `: ${whatItHolds.join(", ")}` : ""}. Metric: test ${M}; gap = test − train.`,
  });
  if (observations.length === 0) blocks.push({ type: "list", items: ["fewer than two successful configurations: nothing to compare"] });
  for (const group of observationsByTopic(observations)) {
    blocks.push({ type: "heading", level: 3, text: group.topic });
    blocks.push({ type: "list", items: group.observations.map((o) => o.text) });
  }
  return blocks;
}

/**
 * The report of `results` as an HTML document (self-contained, offline; plotly.js inlined once) or Markdown
 * (figures as image references given in `options.images`, else a note per figure). Sections: see the module doc.
 * @throws InputError for a non-test metric, or when `validation` has no successful run or its chosen
 *   configuration is missing from `results`
 */
export function buildReport(results: ResultsFile, options: ReportOptions = {}): string {
  const blocks = reportBlocks(results, options);
  if ((options.format ?? "html") === "md") return renderMarkdown(blocks);
  const title = options.title ?? `${results.experiment.name} on ${results.dataset.name}`;
  return renderHtml(blocks, { title, bundle: options.bundle });
}
