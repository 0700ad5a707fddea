/**
 * The results store API for notebooks and scripts: load one or many results files, filter and group their runs,
 * and compare two sweeps configuration by configuration. The best run by a metric is {@link bestRun} in
 * ./summary.ts (it accepts the run lists returned here).
 *
 *   const set = loadResults("results");                       // every results file in the folder
 *   const als = filterRuns(set, { model: "als", params: { d: 10 }, status: "ok" });
 *   const byLambda = groupRuns(als, "lambda");                // Map λ → runs
 *   bestRun(als, "test.mse");
 *   compareSweeps(readResults("a.json"), readResults("b.json"), { metric: "test.rmse" });
 *
 * Runs are returned as the very objects of the loaded files (nothing is copied), so {@link sourceOf} can tell
 * which file a run came from.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../core/errors";
import type { ResultsFile, RunRecord } from "./schema";
import { canonicalJson } from "../core/json";
import { finiteValues, mean } from "../core/stats";
import { configKey } from "./selection";
import { readResults } from "./store";
import { metricValue, type MetricPath } from "./metric";

/** One loaded results file. */
export interface LoadedResults {
  /** The path as resolved (absolute). */
  file: string;
  results: ResultsFile;
}

/** A `.json` file of a folder that was not loaded, and why (the reader's message). */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** Several results files loaded together. */
export interface ResultsSet {
  /** Loaded files in the order given (a folder's files sorted by name). */
  files: LoadedResults[];
  /** Folder entries ending in `.json` that are not results files (explicitly named files never land here: they throw). */
  skipped: SkippedFile[];
  /** Every run of every loaded file, file by file, in file order. */
  runs: RunRecord[];
}

/** What the query functions accept: a results file, a loaded set, or a plain list of runs. */
export type RunsSource = ResultsFile | ResultsSet | readonly RunRecord[];

export interface LoadResultsOptions {
  /** Also look into sub-folders of the folders given (default false). */
  recursive?: boolean;
}

/**
 * Load results files. Each path is a results file or a folder; a folder contributes every `*.json` file in it
 * (hidden files excluded, sorted by name) that is a valid results file, and records the others in `skipped`
 * with the reason. Paths are not glob-expanded. The same file named twice is loaded once.
 * @throws InputError when a path does not exist, contains a glob character that matches nothing, or names a
 *   file that is not a valid results file (the message of {@link readResults})
 */
export function loadResults(paths: string | readonly string[], options: LoadResultsOptions = {}): ResultsSet {
  const list = typeof paths === "string" ? [paths] : [...paths];
  const set: ResultsSet = { files: [], skipped: [], runs: [] };
  const seen = new Set<string>();
  const add = (file: string, results: ResultsFile) => {
    seen.add(file);
    set.files.push({ file, results });
    set.runs.push(...results.runs);
  };
  for (const p of list) {
    const abs = path.resolve(p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      const hint = /[*?[\]{}]/.test(p) ? " (glob patterns are not expanded: pass a folder or a list of files)" : "";
      throw new InputError(`no such file or folder${hint}`, p);
    }
    if (stat.isDirectory()) {
      for (const file of jsonFilesIn(abs, options.recursive === true)) {
        if (seen.has(file)) continue;
        try {
          add(file, readResults(file));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          set.skipped.push({ file, reason: stripLocation(e.message, file) });
        }
      }
    } else if (!seen.has(abs)) {
      add(abs, readResults(abs));
    }
  }
  return set;
}

function jsonFilesIn(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...jsonFilesIn(full, true));
    } else if (e.name.toLowerCase().endsWith(".json")) out.push(full);
  }
  return out;
}

/** `"<file>: reason"` → `"reason"`, `"<file>:3:7: reason"` → `"line 3, column 7: reason"` (the file is recorded next to it). */
function stripLocation(message: string, file: string): string {
  if (!message.startsWith(file)) return message;
  const rest = message.slice(file.length);
  const at = /^:(\d+):(\d+): /.exec(rest);
  if (at) return `line ${at[1]}, column ${at[2]}: ${rest.slice(at[0].length)}`;
  return rest.replace(/^: /, "");
}

function isSet(source: RunsSource): source is ResultsSet {
  return !Array.isArray(source) && Array.isArray((source as ResultsSet).files) && Array.isArray((source as ResultsSet).runs);
}

interface Entry {
  run: RunRecord;
  results?: ResultsFile;
  file?: string;
}

function entriesOf(source: RunsSource): Entry[] {
  if (Array.isArray(source)) return (source as readonly RunRecord[]).map((run) => ({ run }));
  if (isSet(source)) return source.files.flatMap((f) => f.results.runs.map((run) => ({ run, results: f.results, file: f.file })));
  const results = source as ResultsFile;
  if (!Array.isArray(results.runs)) throw new InputError("expected a results file, a loaded results set, or an array of runs");
  return results.runs.map((run) => ({ run, results }));
}

/** The runs of any {@link RunsSource}. */
export function runsIn(source: RunsSource): RunRecord[] {
  return entriesOf(source).map((e) => e.run);
}

/** The loaded file a run belongs to (by identity), or undefined when the run is not one of the set's. */
export function sourceOf(set: ResultsSet, run: RunRecord): LoadedResults | undefined {
  return set.files.find((f) => f.results.runs.includes(run));
}

/** A parameter condition: a value (equal as canonical JSON, so 1 matches 1.0 and key order is irrelevant) or a test. */
export type ParamCondition = unknown | ((value: unknown) => boolean);

/** Conditions on runs; every given field must hold. */
export interface RunFilter {
  model?: string | readonly string[];
  /** Partial match: each listed parameter must satisfy its condition (a run without the parameter fails). */
  params?: Record<string, ParamCondition>;
  status?: "ok" | "failed";
  /** Fold name (`u1`, `fold2`); `""` or null selects runs without a fold. */
  fold?: string | null | readonly string[];
  /** Experiment name of the run's results file (results files and sets only). */
  experiment?: string;
  /** Dataset name of the run's results file (results files and sets only). */
  dataset?: string;
}

/** A predicate on a run; `results` is the run's results file when the source has one. */
export type RunPredicate = (run: RunRecord, results?: ResultsFile) => boolean;

/**
 * The runs of `source` satisfying `filter` (an object of conditions, see {@link RunFilter}, or a predicate), in
 * source order. The returned records are the source's own objects.
 * @throws InputError when `experiment`/`dataset` is given for a plain list of runs (they cannot be checked)
 */
export function filterRuns(source: RunsSource, filter: RunFilter | RunPredicate): RunRecord[] {
  const entries = entriesOf(source);
  const test: RunPredicate = typeof filter === "function" ? filter : compileFilter(filter, Array.isArray(source));
  return entries.filter((e) => test(e.run, e.results)).map((e) => e.run);
}

function compileFilter(f: RunFilter, plainList: boolean): RunPredicate {
  if (plainList && (f.experiment !== undefined || f.dataset !== undefined)) {
    throw new InputError("filterRuns: experiment/dataset conditions need a results file or a loaded set, not a plain list of runs");
  }
  const oneOf = <T>(v: T | readonly T[]): T[] => (Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);
  const models = f.model === undefined ? undefined : oneOf(f.model);
  const folds = f.fold === undefined ? undefined : oneOf(f.fold).map((x) => x ?? "");
  const params = f.params === undefined ? [] : Object.entries(f.params);
  return (run, results) => {
    if (models && !models.includes(run.params.model)) return false;
    if (f.status !== undefined && run.status !== f.status) return false;
    if (folds && !folds.includes(run.fold ?? "")) return false;
    if (f.experiment !== undefined && results?.experiment.name !== f.experiment) return false;
    if (f.dataset !== undefined && results?.dataset.name !== f.dataset) return false;
    for (const [key, cond] of params) {
      if (!(key in run.params)) return false;
      const value = run.params[key];
      if (typeof cond === "function" ? !(cond as (v: unknown) => boolean)(value) : canonicalJson(value) !== canonicalJson(cond)) return false;
    }
    return true;
  };
}

/** Keys {@link groupRuns} understands besides parameter names. */
export type RunGroupKey = "model" | "status" | "fold" | "seed" | "experiment" | "dataset" | "file" | "config" | (string & {});

/**
 * Group runs by a key, groups in order of first appearance:
 * - `"model"`, `"status"`, `"fold"` (`""` for runs without one), `"seed"`;
 * - `"experiment"`, `"dataset"` (names from the run's results file), `"file"` (loaded sets only);
 * - `"config"`: the configuration without the seed ({@link configKey} of ./selection.ts) — folds and repeated
 *   seeds of one configuration land together;
 * - any other string: that parameter's value (`undefined` for runs without it);
 * - a function of (run, results file): its return value.
 * Map keys are the values themselves when primitive (so `groups.get(0.1)` works), otherwise their canonical JSON.
 */
export function groupRuns(source: RunsSource, key: RunGroupKey | ((run: RunRecord, results?: ResultsFile) => unknown)): Map<unknown, RunRecord[]> {
  const groups = new Map<unknown, RunRecord[]>();
  for (const e of entriesOf(source)) {
    let k = typeof key === "function" ? key(e.run, e.results) : groupValue(e, key);
    if (k !== null && typeof k === "object") k = canonicalJson(k);
    const g = groups.get(k);
    if (g) g.push(e.run);
    else groups.set(k, [e.run]);
  }
  return groups;
}

function groupValue(e: Entry, key: string): unknown {
  switch (key) {
    case "model":
      return e.run.params.model;
    case "status":
      return e.run.status;
    case "fold":
      return e.run.fold ?? "";
    case "seed":
      return e.run.seed;
    case "experiment":
      return e.results?.experiment.name;
    case "dataset":
      return e.results?.dataset.name;
    case "file":
      return e.file;
    case "config":
      return configKey(e.run);
    default:
      return e.run.params[key];
  }
}

export interface CompareSweepsOptions {
  /** Metric compared (default "test.mse"). */
  metric?: MetricPath;
  /**
   * Match configurations without their seed (default false: the seed is part of the configuration, so two sweeps
   * with different sweep seeds share no configuration unless the seeds were fixed in `params`).
   */
  ignoreSeed?: boolean;
}

/** A configuration present in both sweeps. */
export interface SweepComparisonRow {
  /** Match key: canonical JSON of the params (seed included unless `ignoreSeed`) plus the fold. */
  key: string;
  params: RunRecord["params"];
  fold?: string;
  /** Metric in sweep a / b (NaN when that run failed). */
  a: number;
  b: number;
  /** b − a. */
  diff: number;
  /** (b − a) / a. */
  relDiff: number;
  runA: RunRecord;
  runB: RunRecord;
}

/** A configuration present in one sweep only. */
export interface SweepOnlyRow {
  key: string;
  params: RunRecord["params"];
  fold?: string;
  value: number;
  run: RunRecord;
}

export interface SweepComparison {
  metric: MetricPath;
  /** Both sweeps ran on the same data (equal `dataset.fingerprint`); differences then come from the runs alone. */
  sameDataset: boolean;
  datasetA: { name: string; fingerprint: string };
  datasetB: { name: string; fingerprint: string };
  /** Configurations in both sweeps, in the order of sweep a. */
  matched: SweepComparisonRow[];
  onlyInA: SweepOnlyRow[];
  onlyInB: SweepOnlyRow[];
  /** Mean of `diff` over matched rows with both values finite (NaN when there are none). */
  meanDiff: number;
}

/** The key {@link compareSweeps} matches runs on. */
export function comparisonKey(run: RunRecord, ignoreSeed = false): string {
  const params = ignoreSeed ? configKey(run) : canonicalJson(run.params);
  return `${params}|fold=${run.fold ?? ""}`;
}

/**
 * Compare two sweeps configuration by configuration. Runs are matched by {@link comparisonKey}: the full params
 * (model + config, seed included unless `ignoreSeed`) and the fold. When a sweep holds several runs with one key
 * (earlier mflab versions of the same run), its first ok run is used (else its first run).
 */
export function compareSweeps(a: ResultsFile, b: ResultsFile, options: CompareSweepsOptions = {}): SweepComparison {
  const metric = options.metric ?? "test.mse";
  if (!/^(train|test)\.(mse|rmse|mae)$/.test(metric))
    throw new InputError(`compareSweeps: metric must be train|test . mse|rmse|mae, got "${metric}"`);
  const ignoreSeed = options.ignoreSeed === true;
  const index = (results: ResultsFile) => {
    const m = new Map<string, RunRecord>();
    for (const r of results.runs) {
      const k = comparisonKey(r, ignoreSeed);
      const prev = m.get(k);
      if (!prev || (prev.status !== "ok" && r.status === "ok")) m.set(k, r);
    }
    return m;
  };
  const ia = index(a);
  const ib = index(b);
  const matched: SweepComparisonRow[] = [];
  const onlyInA: SweepOnlyRow[] = [];
  const onlyInB: SweepOnlyRow[] = [];
  const value = (r: RunRecord) => (r.status === "ok" ? metricValue(r, metric) : NaN);
  const foldOf = (r: RunRecord) => (r.fold ? { fold: r.fold } : {});
  for (const [key, ra] of ia) {
    const rb = ib.get(key);
    if (!rb) {
      onlyInA.push({ key, params: ra.params, ...foldOf(ra), value: value(ra), run: ra });
      continue;
    }
    const va = value(ra);
    const vb = value(rb);
    matched.push({ key, params: ra.params, ...foldOf(ra), a: va, b: vb, diff: vb - va, relDiff: (vb - va) / va, runA: ra, runB: rb });
  }
  for (const [key, rb] of ib) if (!ia.has(key)) onlyInB.push({ key, params: rb.params, ...foldOf(rb), value: value(rb), run: rb });
  return {
    metric,
    sameDataset: a.dataset.fingerprint === b.dataset.fingerprint,
    datasetA: { name: a.dataset.name, fingerprint: a.dataset.fingerprint },
    datasetB: { name: b.dataset.name, fingerprint: b.dataset.fingerprint },
    matched,
    onlyInA,
    onlyInB,
    meanDiff: mean(finiteValues(matched.map((m) => m.diff))),
  };
}
