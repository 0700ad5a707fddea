/**
 * The payloads of the `mflab ui` pages (./protocol.ts), computed from results files with the library's own
 * readers: the runs table is `runsTable` (../results/dataframe.ts), the configurations table `aggregateRuns`
 * (as `mflab summary`), the figures the report's (`reportFigures`: grid, heatmap, convergence, compare) plus
 * parallel coordinates, and the observations the report's (`observeSweep`). Nothing here formats HTML: the page
 * shows every string as text.
 */
import { InputError } from "../core/errors";
import { convergenceFigure, compareFigure, compareRowsFromRuns, formatMetric, formatValue, type Figure } from "../plot/figures";
import { withDefaultConfig } from "../plot/html";
import { parallelFigure } from "../plot/parallel";
import { reportFigures } from "../report/build";
import { keyFindings, observationsByTopic, observeSweep, type Observation } from "../report/observations";
import { runsTable } from "../results/dataframe";
import { compareSweeps } from "../results/query";
import type { ResultsFile, RunRecord } from "../results/schema";
import { configKey } from "../results/selection";
import { ALL_METRIC_PATHS, chosenOn, hasValidation, metricHeader, tableMetrics, type MetricPath } from "../results/metric";
import { aggregateRuns, aggregateValue, rankConfigurations, varyingParams } from "../results/summary";
import type { Catalog, CatalogEntry } from "./catalog";
import type { Cell, CompareDetail, ExperimentDetail, FigurePayload, ObservationPayload, RunDetail, Table, TableColumn, TableRow } from "./protocol";

/** A request for something that is not there (404) — as opposed to a malformed request. */
export class NotFound extends Error {}

/** Metric column of `runsTable` → its label (`train_mse` → "train MSE", `validation_rmse` → "val RMSE"). */
const METRIC_COLUMNS: Record<string, string> = Object.fromEntries(ALL_METRIC_PATHS.map((m) => [m.replace(".", "_"), metricHeader(m)]));

const INFO_COLUMNS = new Set(["id", "status", "iterations", "converged", "fitSeconds", "predictSeconds", "fallbackCount", "error", "fold", "seed"]);

/** The entry of `id` with its results; NotFound for an unknown id, InputError for a file that is not valid. */
export function experimentEntry(catalog: Catalog, id: string): CatalogEntry & { results: ResultsFile } {
  const entry = catalog.checked(id);
  if (!entry) throw new NotFound(`no results file "${id}" under the served folders`);
  if (!entry.results) throw new InputError(`${entry.summary.file} is not a results file that can be shown: ${entry.summary.error}`);
  return entry as CatalogEntry & { results: ResultsFile };
}

/** One row per stored run: every parameter and metric (../results/dataframe.ts `runsTable`), ranking metrics too. */
export function runsTableOf(results: ResultsFile): Table {
  const table = runsTable(results);
  const keys = Object.keys(table);
  const ranking = results.runs.some((r) => r.metrics?.ranking);
  const columns: TableColumn[] = keys.map((key) => {
    const values = table[key];
    const numeric = values.every((v) => v === null || typeof v === "number") && values.some((v) => typeof v === "number");
    const group: TableColumn["group"] = key in METRIC_COLUMNS ? "metric" : INFO_COLUMNS.has(key) ? "info" : "param";
    return { key, label: METRIC_COLUMNS[key] ?? key, type: numeric ? "number" : "text", group };
  });
  const extra: [string, (r: RunRecord) => number | null][] = ranking
    ? (["precision", "recall", "ndcg", "map", "hitRate", "coverage"] as const).map((m) => [
        m,
        (r: RunRecord) => {
          const v = r.metrics?.ranking?.[m];
          return typeof v === "number" && Number.isFinite(v) ? v : null;
        },
      ])
    : [];
  for (const [m] of extra) columns.push({ key: `ranking_${m}`, label: `${m}@k`, type: "number", group: "metric" });
  const rows: TableRow[] = results.runs.map((run, i) => ({
    id: run.id,
    failed: run.status !== "ok",
    cells: [...keys.map((k) => table[k][i] as Cell), ...extra.map(([, f]) => f(run))],
  }));
  return { caption: `one row per stored run (${results.runs.length})`, columns, rows };
}

/**
 * One row per configuration, folds and seeds aggregated as in `mflab summary` (mean ± population std): test (and,
 * when the runs carry validation metrics, validation) MSE, RMSE and MAE with their std, train MSE, fit seconds and
 * the rank by mean RMSE. Rows in first-seen order; with validation metrics sorted by mean validation RMSE (the
 * configuration chosen on validation first) and ranked by it, the caption saying so.
 */
export function configurationsTableOf(results: ResultsFile): Table | null {
  if (!results.runs.some((r) => r.fold !== undefined || r.repeat !== undefined)) return null;
  const validation = hasValidation(results.runs);
  const ranked = validation ? rankConfigurations(results, "validation.rmse") : undefined;
  const rows = ranked ? ranked.rows : aggregateRuns(results);
  const params = varyingParams(results.runs).filter((k) => k !== "model");
  const metrics = tableMetrics(results.runs, ["validation", "test"]);
  const rankedBy: MetricPath = validation ? "validation.rmse" : "test.rmse";
  const rankKey = `rank_${rankedBy.replace(".", "_")}`;
  const columns: TableColumn[] = [
    { key: "model", label: "model", type: "text", group: "param" },
    ...params.map((k): TableColumn => {
      const numeric = rows.every((r) => r.params[k] === undefined || typeof r.params[k] === "number");
      return { key: k, label: k, type: numeric ? "number" : "text", group: "param" };
    }),
    { key: "runs", label: "runs ok", type: "number", group: "info" },
    { key: "failed", label: "failed", type: "number", group: "info" },
    ...metrics.flatMap((m): TableColumn[] => [
      { key: `mean_${m.replace(".", "_")}`, label: `${metricHeader(m)} (mean)`, type: "number", group: "metric" },
      { key: `std_${m.replace(".", "_")}`, label: "± std", type: "number", group: "metric" },
    ]),
    { key: "mean_train_mse", label: "train MSE (mean)", type: "number", group: "metric" },
    { key: "mean_fit_time", label: "fit s (mean)", type: "number", group: "info" },
    { key: rankKey, label: `rank (${metricHeader(rankedBy)})`, type: "number", group: "info" },
  ];
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  const paramCell = (v: unknown): Cell =>
    v === undefined || v === null ? null : typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : JSON.stringify(v);
  const out: TableRow[] = rows.map((r, i) => ({
    id: configKey({ params: r.params } as RunRecord),
    failed: r.nFolds === 0,
    cells: [
      r.params.model,
      ...params.map((k) => paramCell(r.params[k])),
      r.nFolds,
      r.nFailed,
      ...metrics.flatMap((m) => [num(aggregateValue(r, m)), num(aggregateValue(r, m, "std"))]),
      num(r.mean_train_mse),
      num(r.mean_fit_time),
      num(ranked ? ranked.rank[i] : r.rank_test_rmse),
    ],
  }));
  const order = ranked ? `; sorted by mean validation RMSE, best ${chosenOn(rankedBy)} first` : "";
  return {
    caption: `one row per configuration (${rows.length}): its folds and seeds aggregated, mean ± population std${order}`,
    columns,
    rows: out,
  };
}

function observationPayload(o: Observation): ObservationPayload {
  return { kind: o.kind, ...(o.title !== undefined ? { title: o.title } : {}), text: o.text };
}

function attempt(figures: FigurePayload[], notes: string[], id: string, kind: string, caption: string, build: () => Figure): void {
  try {
    figures.push({ id, kind, caption, figure: withDefaultConfig(build()) });
  } catch (e) {
    notes.push(`${caption}: not drawn (${(e as Error).message})`);
  }
}

function envOf(results: ResultsFile): Record<string, string> {
  const e = results.env;
  const out: Record<string, string> = {
    mflab: e.mflab,
    node: e.node,
    platform: e.platform,
    cpu: e.cpu,
    "git commit": e.gitCommit === null ? "– (not in git)" : `${e.gitCommit}${e.gitDirty ? " (modified files)" : ""}`,
    "started at": e.startedAt,
    "updated at": e.updatedAt,
  };
  if (e.specHash) out["spec hash"] = e.specHash;
  if (e.wallSeconds !== undefined) out["wall seconds"] = e.wallSeconds.toFixed(1);
  return out;
}

/** The experiment page: summary, data, environment, both tables, every applicable figure, observations. */
export function experimentDetail(catalog: Catalog, id: string): ExperimentDetail {
  const entry = experimentEntry(catalog, id);
  const results = entry.results;
  const figures: FigurePayload[] = [];
  const figureNotes: string[] = [];
  if (results.runs.some((r) => r.status === "ok" && r.metrics?.test)) {
    const built = reportFigures(results);
    for (const f of built.figures) figures.push({ id: f.id, kind: f.kind, caption: f.caption, figure: withDefaultConfig(f.figure) });
    figureNotes.push(...built.notes);
    attempt(figures, figureNotes, "parallel", "parallel", "Parallel coordinates: each run's parameters and its test MSE", () =>
      parallelFigure(results),
    );
  } else if (results.runs.length > 0) {
    figureNotes.push("no figures: no run has test error metrics yet (ranking sweeps are shown as tables)");
  }
  let observations: Observation[] = [];
  try {
    observations = observeSweep(results);
  } catch (e) {
    figureNotes.push(`observations: not computed (${(e as Error).message})`);
  }
  const d = results.dataset;
  return {
    summary: entry.summary,
    dataset: {
      name: d.name,
      source: d.source,
      fingerprint: d.fingerprint,
      sizes: `${d.nUsers} users × ${d.nItems} items, ${d.nTrain} train / ${d.nTest} test ratings, scale ${d.ratingScale.join("–")}`,
      folds: (d.folds ?? []).map((f) => ({ name: f.name, fingerprint: f.fingerprint })),
    },
    env: envOf(results),
    runs: runsTableOf(results),
    configurations: configurationsTableOf(results),
    figures,
    figureNotes,
    keyFindings: keyFindings(observations).map(observationPayload),
    observations: observationsByTopic(observations).map((g) => ({ topic: g.topic, items: g.observations.map(observationPayload) })),
  };
}

function valueText(v: unknown): string {
  if (typeof v === "number") return Number.isFinite(v) ? formatValue(v) : "NaN";
  if (typeof v === "string") return v;
  return JSON.stringify(v) ?? "–";
}

/** The data a run was scored on: its fold's name and fingerprint in a cross-validated sweep, else the dataset's. */
export function runData(results: ResultsFile, run: RunRecord): { name: string; fingerprint: string } {
  const fold = run.fold !== undefined ? results.dataset.folds?.find((f) => f.name === run.fold) : undefined;
  return fold
    ? { name: `${results.dataset.name} · fold ${fold.name}`, fingerprint: fold.fingerprint }
    : { name: results.dataset.name, fingerprint: results.dataset.fingerprint };
}

/** The run page: parameters, seed, facts, metrics, data, environment, history curves, the error of a failed run. */
export function runDetail(catalog: Catalog, id: string, runId: string): RunDetail {
  const entry = experimentEntry(catalog, id);
  const results = entry.results;
  const run = results.runs.find((r) => r.id === runId);
  if (!run) throw new NotFound(`no run "${runId}" in ${entry.summary.file}`);
  const params: [string, string][] = [["model", run.params.model]];
  for (const [k, v] of Object.entries(run.params)) if (k !== "model") params.push([k, valueText(v)]);
  const facts: [string, string][] = [["seed", String(run.seed)]];
  if (run.fold !== undefined) facts.push(["fold", run.fold]);
  if (run.repeat !== undefined) facts.push(["repeat", String(run.repeat)]);
  if (run.iterations !== undefined) facts.push(["iterations", String(run.iterations)]);
  if (run.converged !== undefined) facts.push(["converged", run.converged ? "yes (the stopping rule fired)" : "no"]);
  if (run.fitSeconds !== undefined) facts.push(["fit seconds", run.fitSeconds.toFixed(3)]);
  if (run.predictSeconds !== undefined) facts.push(["predict seconds", run.predictSeconds.toFixed(3)]);
  if (run.threads !== undefined) facts.push(["threads", String(run.threads)]);
  if (run.fallbackCount !== undefined) facts.push(["fallback predictions", String(run.fallbackCount)]);
  facts.push(["started at", run.startedAt], ["finished at", run.finishedAt]);
  const metrics: [string, string][] = [];
  for (const split of ["train", "test"] as const) {
    const m = run.metrics?.[split];
    if (m)
      for (const k of ["mse", "rmse", "mae"] as const)
        metrics.push([`${split} ${k.toUpperCase()}`, Number.isFinite(m[k]) ? formatMetric(m[k]) : "NaN"]);
  }
  const rk = run.metrics?.ranking;
  if (rk) {
    for (const k of ["precision", "recall", "ndcg", "map", "hitRate", "coverage"] as const)
      metrics.push([`${k}@${rk.k}`, Number.isFinite(rk[k]) ? formatMetric(rk[k]) : "NaN"]);
    metrics.push(["users evaluated", String(rk.nUsersEvaluated)], ["users skipped", String(rk.nUsersSkipped)]);
  }
  const figures: FigurePayload[] = [];
  const figureNotes: string[] = [];
  if (run.status === "ok" && run.history && run.history.iteration.length > 0) {
    attempt(figures, figureNotes, "history-test", "convergence", "Train and test MSE per iteration", () => historyFigure(run));
    attempt(figures, figureNotes, "history-loss", "convergence", "Training objective per iteration", () =>
      convergenceFigure([run], { metric: "trainLoss", logY: true }),
    );
  } else {
    figureNotes.push(run.status === "ok" ? "no history curves: the run was fitted with evaluation.history false" : "no curves: the run failed");
  }
  return {
    experiment: entry.summary,
    id: run.id,
    status: run.status,
    error: run.error ?? null,
    params,
    facts,
    metrics,
    data: runData(results, run),
    env: envOf(results),
    figures,
    figureNotes,
  };
}

/** Train and test MSE of one run in one panel: the test curve from `convergenceFigure`, the train curve added to it. */
function historyFigure(run: RunRecord): Figure {
  const fig = convergenceFigure([run], { metric: "testMse", title: "Train and test MSE per iteration" });
  const h = run.history!;
  const yaxis = (fig.layout.yaxis ?? {}) as Record<string, unknown>;
  fig.layout.yaxis = { ...yaxis, title: { ...((yaxis.title as object | undefined) ?? {}), text: "MSE (stars²)" } };
  const legend = (fig.layout.legend ?? {}) as Record<string, unknown>;
  fig.layout.legend = { ...legend, title: { text: "curve" } };
  const base = fig.data[0];
  base.name = "test MSE";
  base.showlegend = true;
  fig.data.push({
    type: "scatter",
    mode: "lines+markers",
    name: "train MSE",
    x: h.iteration,
    y: h.trainMse.map((v) => (Number.isFinite(v) ? v : null)),
    line: { dash: "dot" },
    showlegend: true,
  });
  return fig;
}

/** Compare two experiments: their data, every configuration both ran (metric side by side), each model's best. */
export function compareExperiments(catalog: Catalog, a: string, b: string): CompareDetail {
  const ea = experimentEntry(catalog, a);
  const eb = experimentEntry(catalog, b);
  const cmp = compareSweeps(ea.results, eb.results, { metric: "test.mse" });
  const label = (k: "A" | "B", e: CatalogEntry) => `${k}: ${e.summary.name} (${e.summary.file})`;
  const columns: TableColumn[] = [
    { key: "config", label: "configuration", type: "text", group: "param" },
    { key: "fold", label: "fold", type: "text", group: "info" },
    { key: "a", label: "test MSE in A", type: "number", group: "metric" },
    { key: "b", label: "test MSE in B", type: "number", group: "metric" },
    { key: "diff", label: "B − A", type: "number", group: "metric" },
  ];
  const axes = varyingParams([...ea.results.runs, ...eb.results.runs]);
  const describe = (p: RunRecord["params"]) =>
    ["model", ...axes.filter((k) => k !== "model")]
      .filter((k) => p[k] !== undefined)
      .map((k) => `${k}=${valueText(p[k])}`)
      .join(" ");
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  const rows: TableRow[] = [
    ...cmp.matched.map((m) => ({
      id: m.key,
      failed: !Number.isFinite(m.a) || !Number.isFinite(m.b),
      cells: [describe(m.params), m.fold ?? null, num(m.a), num(m.b), num(m.diff)] as Cell[],
    })),
    ...cmp.onlyInA.map((m) => ({ id: `A|${m.key}`, failed: false, cells: [describe(m.params), m.fold ?? null, num(m.value), null, null] as Cell[] })),
    ...cmp.onlyInB.map((m) => ({ id: `B|${m.key}`, failed: false, cells: [describe(m.params), m.fold ?? null, null, num(m.value), null] as Cell[] })),
  ];
  const figures: FigurePayload[] = [];
  const figureNotes: string[] = [];
  attempt(figures, figureNotes, "compare", "compare", "Each model at its best configuration, in A and in B (mean ± std over folds/seeds)", () => {
    const rowsA = compareRowsFromRuns(ea.results).map((r) => ({ ...r, label: `A · ${r.label}` }));
    const rowsB = compareRowsFromRuns(eb.results).map((r) => ({ ...r, label: `B · ${r.label}` }));
    return compareFigure([...rowsA, ...rowsB], { title: "Test RMSE and MAE: A against B" });
  });
  const notes = [
    `${cmp.matched.length} configurations in both, ${cmp.onlyInA.length} only in A, ${cmp.onlyInB.length} only in B (matched by parameters incl. seed, and fold)`,
  ];
  if (Number.isFinite(cmp.meanDiff)) notes.push(`mean difference B − A in test MSE over the matched ones: ${formatMetric(cmp.meanDiff)}`);
  return {
    title: `${ea.summary.name} against ${eb.summary.name}`,
    data: [
      { label: label("A", ea), ...cmp.datasetA },
      { label: label("B", eb), ...cmp.datasetB },
    ],
    sameData: cmp.sameDataset,
    table: { caption: "one row per configuration and fold (test MSE)", columns, rows },
    figures,
    figureNotes,
    notes,
  };
}

/** Compare hand-picked runs (`file id`, `run id` pairs, of one or several experiments): parameters and metrics side by side, their curves. */
export function compareRuns(catalog: Catalog, picks: readonly [string, string][]): CompareDetail {
  if (picks.length < 2) throw new InputError("pick at least two runs to compare");
  if (picks.length > 50) throw new InputError(`at most 50 runs can be compared at once, got ${picks.length}`);
  const chosen = picks.map(([fileId, runId]) => {
    const entry = experimentEntry(catalog, fileId);
    const run = entry.results.runs.find((r) => r.id === runId);
    if (!run) throw new NotFound(`no run "${runId}" in ${entry.summary.file}`);
    return { entry, run };
  });
  const keys: string[] = [];
  for (const { run } of chosen) for (const k of Object.keys(run.params)) if (!keys.includes(k)) keys.push(k);
  const columns: TableColumn[] = [
    { key: "experiment", label: "experiment", type: "text", group: "info" },
    { key: "run", label: "run", type: "text", group: "info" },
    ...keys.map(
      (k): TableColumn => ({
        key: k,
        label: k,
        type: chosen.every(({ run }) => typeof (run.params[k] ?? 0) === "number") ? "number" : "text",
        group: "param",
      }),
    ),
    { key: "fold", label: "fold", type: "text", group: "info" },
    { key: "status", label: "status", type: "text", group: "info" },
    ...["train_mse", "test_mse", "test_rmse", "test_mae"].map(
      (k): TableColumn => ({ key: k, label: METRIC_COLUMNS[k], type: "number", group: "metric" }),
    ),
  ];
  const num = (v: number | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const cellOf = (v: unknown): Cell =>
    v === undefined || v === null ? null : typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : JSON.stringify(v);
  const rows: TableRow[] = chosen.map(({ entry, run }) => ({
    id: `${entry.id}|${run.id}`,
    failed: run.status !== "ok",
    cells: [
      entry.summary.name,
      run.id,
      ...keys.map((k) => cellOf(run.params[k])),
      run.fold ?? null,
      run.status,
      num(run.metrics?.train?.mse),
      num(run.metrics?.test?.mse),
      num(run.metrics?.test?.rmse),
      num(run.metrics?.test?.mae),
    ],
  }));
  const data = chosen.map(({ entry, run }) => ({ label: `${entry.summary.name} · ${run.id}`, ...runData(entry.results, run) }));
  const figures: FigurePayload[] = [];
  const figureNotes: string[] = [];
  const withHistory = chosen.filter(({ run }) => run.status === "ok" && run.history && run.history.iteration.length > 0).map(({ run }) => run);
  if (withHistory.length > 0)
    attempt(figures, figureNotes, "curves", "convergence", "Test MSE per iteration of the picked runs", () =>
      convergenceFigure(withHistory, { metric: "testMse", facet: false }),
    );
  else figureNotes.push("no curves: none of the picked runs has a history");
  const experiments = new Set(chosen.map(({ entry }) => entry.id));
  return {
    title: `${chosen.length} runs of ${experiments.size} experiment${experiments.size > 1 ? "s" : ""}`,
    data,
    sameData: new Set(data.map((d) => d.fingerprint)).size === 1,
    table: { caption: "one row per picked run", columns, rows },
    figures,
    figureNotes,
    notes: [],
  };
}
