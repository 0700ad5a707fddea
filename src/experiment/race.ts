/**
 * Optimizer races: several models fitted to the same data with the same rank and regularization, under several
 * seeds, recording test RMSE against iteration AND wall-clock seconds — so claims such as "ALS converges faster
 * than SGD" become numbers (iterations and seconds to reach a given test RMSE, seconds per iteration, final test
 * RMSE ± std over seeds, how often the training objective went up).
 *
 * Protocol of {@link runRace}:
 * 1. Every entry's config is validated (with each seed) before anything runs.
 * 2. Warm-up (default on): every entry is fitted once on the first ≤ 2,000 training ratings and the result is
 *    thrown away, so JIT compilation and WebAssembly instantiation are not charged to whichever entry runs first.
 * 3. Runs are executed one at a time (never concurrently: they would compete for the cores and distort the
 *    clock), seed-major and entry-minor (seed 1: A, B, C; seed 2: A, B, C; …), so slow drifts of the machine
 *    spread over all entries.
 * 4. Each run fits on `dataset.train` with `FitOptions.test = dataset.test`; its per-iteration history (train
 *    objective, train and test MSE/MAE, `seconds` since the fit started — which therefore INCLUDES the
 *    per-iteration scoring of the training objective and of the test set) is kept, also for a run that fails:
 *    a diverging run is recorded with status "failed", the model's error message, and the iterations it
 *    completed before diverging.
 * 5. Bare timing (default on): the same config and seed is fitted a second time without a test set;
 *    `bareSecondsPerIteration` = that fit's seconds / iterations (setup included) and
 *    `bareMedianIterationSeconds` = the median duration of its iterations after the first (setup excluded),
 *    i.e. the optimizer's own cost per iteration, including only the model's own train-objective pass (which
 *    every model here computes each iteration).
 *
 * The records are standard {@link RunRecord}s (plus `label` and `bareSecondsPerIteration`), so
 * {@link raceResults} wraps them in a results file that `readResults`, `aggregateRuns` and the figures accept.
 *
 * Cost: the sum of the fits (twice with bare timing) plus one train + test scoring per iteration.
 * Throws: InputError for an empty entry list or seed list, duplicate labels, an unknown model, or a `seed` in
 * an entry's params (seeds come from `options.seeds`); SpecError (re-pointed at `entries[k].params`) for an
 * invalid config. A failing fit never throws: it becomes a failed record.
 */
import type { Dataset, RatingsMatrix } from "../data/ratings";
import { InputError, SpecError } from "../core/errors";
import { scorePredictor } from "../metrics/accuracy";
import { getModel, modelNames } from "../models/registry";
import { emptyHistory, recordIteration, type FitOptions, type History } from "../models/types";
import type { Figure, PlotlyTrace } from "../plot/figures";
import { captureEnv } from "./env";
import { RESULTS_SCHEMA, type ResultsFile, type RunRecord } from "../results/schema";
import { datasetInfo, runId } from "./runner";

/** One contestant of a race. */
export interface RaceEntry {
  /** Name in tables and legends (unique within a race), e.g. "ALS (per-rating λ)". */
  label: string;
  /** A registered model name (see `modelNames()`). */
  model: string;
  /** The model's parameters except `seed` (the race supplies each seed from {@link RaceOptions.seeds}). */
  params: Record<string, unknown>;
}

export interface RaceOptions {
  /** Seeds; every entry runs once per seed (config field `seed`). */
  seeds: readonly number[];
  /** Clamp predictions to this scale in every metric (default: no clipping). */
  clip?: readonly [number, number];
  /** Fit every entry once on a small slice of the data first, untimed (default true). */
  warmup?: boolean;
  /** Refit each ok run without a test set to measure its bare seconds per iteration (default true). */
  bareTiming?: boolean;
  /** Called after each run with its record, its 1-based index and the number of runs. */
  onRun?: (record: RaceRecord, index: number, total: number) => void;
}

/** A race run: a standard run record plus the entry's label and the bare timing. */
export interface RaceRecord extends RunRecord {
  label: string;
  /** Seconds per iteration of the same fit without per-iteration test scoring: total / iterations (module doc). */
  bareSecondsPerIteration?: number;
  /**
   * Median duration of iterations 2, 3, … of that bare fit (iteration 1 alone when there is one): the steady
   * per-iteration cost, without one-time setup such as building CSR views or starting worker threads.
   */
  bareMedianIterationSeconds?: number;
}

const WARMUP_RATINGS = 2000;

function checkEntries(entries: readonly RaceEntry[], seeds: readonly number[]): void {
  if (entries.length === 0) throw new InputError("runRace: no entries to race");
  if (seeds.length === 0) throw new InputError("runRace: options.seeds is empty; give at least one seed");
  for (const s of seeds) {
    if (!Number.isInteger(s) || s < 0) throw new InputError(`runRace: seeds must be non-negative integers, got ${s}`);
  }
  const seen = new Set<string>();
  entries.forEach((e, k) => {
    if (seen.has(e.label)) throw new InputError(`runRace: entries[${k}].label "${e.label}" is used twice; labels name the curves and rows`);
    seen.add(e.label);
    if (!getModel(e.model)) throw new InputError(`runRace: entries[${k}].model "${e.model}" is not a known model; known: ${modelNames().join(", ")}`);
    if ("seed" in e.params) throw new InputError(`runRace: entries[${k}].params.seed is set; the race takes its seeds from options.seeds`);
  });
}

function configOf(entry: RaceEntry, k: number, seed: number): Record<string, unknown> {
  const def = getModel(entry.model)!;
  try {
    return def.config({ ...entry.params, seed }) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(`entries[${k}].params${e.path ? "." + e.path : ""}`, e.reason);
    throw e;
  }
}

function warmupMatrix(train: RatingsMatrix): RatingsMatrix {
  const n = Math.min(train.nnz, WARMUP_RATINGS);
  return train.subset(Int32Array.from({ length: n }, (_, k) => k));
}

/**
 * Fit one entry with one seed, keeping the per-iteration history even when the fit throws.
 * @internal exported for tests
 */
export function raceRun(entry: RaceEntry, config: Record<string, unknown>, dataset: Dataset, clip: readonly [number, number] | undefined, id: string): RaceRecord {
  const def = getModel(entry.model)!;
  const params = { model: entry.model, ...config };
  const seed = config.seed as number;
  const startedAt = new Date().toISOString();
  const history: History = emptyHistory();
  const options: FitOptions = { test: dataset.test, onIteration: (r) => recordIteration(history, r) };
  if (clip) options.clip = clip;
  try {
    const t0 = performance.now();
    const fit = def.fit(dataset.train, config, options);
    const fitSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const train = scorePredictor(fit.model, dataset.train, { clip });
    const test = scorePredictor(fit.model, dataset.test, { clip });
    const predictSeconds = (performance.now() - t1) / 1000;
    const record: RaceRecord = {
      id,
      label: entry.label,
      params,
      seed,
      status: "ok",
      metrics: { train: { mse: train.mse, rmse: train.rmse, mae: train.mae }, test: { mse: test.mse, rmse: test.rmse, mae: test.mae } },
      iterations: fit.iterations,
      converged: fit.converged,
      fitSeconds,
      predictSeconds,
      fallbackCount: test.fallbackCount,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (history.iteration.length > 0) record.history = history;
    return record;
  } catch (e) {
    const record: RaceRecord = {
      id,
      label: entry.label,
      params,
      seed,
      status: "failed",
      error: e instanceof Error ? e.message : String(e),
      iterations: history.iteration.length,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (history.iteration.length > 0) record.history = history;
    return record;
  }
}

/** Median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Refit without a test set and time it (module doc, step 5). */
function bareTiming(
  entry: RaceEntry,
  config: Record<string, unknown>,
  train: RatingsMatrix,
  clip: readonly [number, number] | undefined,
): Pick<RaceRecord, "bareSecondsPerIteration" | "bareMedianIterationSeconds"> {
  const stamps: number[] = [];
  const options: FitOptions = { onIteration: (r) => stamps.push(r.seconds) };
  if (clip) options.clip = clip;
  const t0 = performance.now();
  const fit = getModel(entry.model)!.fit(train, config, options);
  const seconds = (performance.now() - t0) / 1000;
  if (fit.iterations === 0 || stamps.length === 0) return {};
  const steps = stamps.length === 1 ? [stamps[0]] : stamps.slice(1).map((s, t) => s - stamps[t]);
  return { bareSecondsPerIteration: seconds / fit.iterations, bareMedianIterationSeconds: median(steps) };
}

/**
 * Race `entries` on `dataset` (see the module doc for the protocol). Records come back seed-major.
 * @throws InputError / SpecError as listed in the module doc (before any fit runs)
 */
export function runRace(dataset: Dataset, entries: readonly RaceEntry[], options: RaceOptions): RaceRecord[] {
  const { seeds } = options;
  checkEntries(entries, seeds);
  const configs = seeds.map((seed) => entries.map((e, k) => configOf(e, k, seed)));
  if (options.warmup ?? true) {
    const small = warmupMatrix(dataset.train);
    entries.forEach((e, k) => {
      try {
        getModel(e.model)!.fit(small, configs[0][k], { test: small });
      } catch {
        // A warm-up that diverges has still compiled the code paths; the timed run records the failure.
      }
    });
  }
  const fingerprint = datasetInfo(dataset).fingerprint;
  const total = seeds.length * entries.length;
  const records: RaceRecord[] = [];
  seeds.forEach((seed, s) => {
    entries.forEach((entry, k) => {
      const config = configs[s][k];
      const id = runId({ model: entry.model, ...config }, seed, fingerprint);
      const record = raceRun(entry, config, dataset, options.clip, id);
      if (record.status === "ok" && (options.bareTiming ?? true)) Object.assign(record, bareTiming(entry, config, dataset.train, options.clip));
      records.push(record);
      options.onRun?.(record, records.length, total);
    });
  });
  return records;
}

/** Wrap race records in a results file (schema `mflab.results/1`) for `writeResults` / `readResults`. */
export function raceResults(dataset: Dataset, records: readonly RaceRecord[], experiment: { name: string; description?: string; spec?: unknown }): ResultsFile {
  const env = captureEnv();
  return {
    schema: RESULTS_SCHEMA,
    experiment: { name: experiment.name, ...(experiment.description ? { description: experiment.description } : {}), spec: experiment.spec ?? null },
    dataset: datasetInfo(dataset),
    env,
    runs: [...records],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------------

/** Mean and sample standard deviation (n − 1; 0 for one value; NaN for none) of the values that exist. */
export interface RaceStat {
  mean: number;
  std: number;
  n: number;
}

function stat(values: readonly number[]): RaceStat {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const ss = v.reduce((a, x) => a + (x - mean) * (x - mean), 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/** The run's test RMSE after each iteration (√ of the recorded test MSE; NaN where it was not recorded). */
export function testRmseCurve(run: RunRecord): number[] {
  return (run.history?.testMse ?? []).map((m) => (typeof m === "number" && m >= 0 ? Math.sqrt(m) : NaN));
}

/**
 * Index (0-based) of the first iteration whose value is ≤ `threshold`, or −1 when none is.
 * NaN values never qualify.
 */
export function firstAtOrBelow(curve: readonly number[], threshold: number): number {
  for (let t = 0; t < curve.length; t++) if (curve[t] <= threshold) return t;
  return -1;
}

/** Number of iterations t ≥ 2 whose training objective is strictly larger than at t − 1. */
export function objectiveIncreases(run: RunRecord): number {
  const L = run.history?.trainLoss ?? [];
  let n = 0;
  for (let t = 1; t < L.length; t++) if (L[t] > L[t - 1]) n++;
  return n;
}

export interface RaceSummaryRow {
  label: string;
  model: string;
  /** Runs of this entry (one per seed) and how many failed, with their error messages. */
  runs: number;
  failed: number;
  errors: string[];
  /** Iterations run (failed runs: iterations completed before the failure). */
  iterations: RaceStat;
  /** Test RMSE after the last iteration, over ok runs. */
  finalTestRmse: RaceStat;
  /** Lowest test RMSE along the curve, over ok runs. */
  bestTestRmse: RaceStat;
  /** First iteration (1-based) whose test RMSE ≤ (1 + tolerance) × the run's own lowest, over ok runs. */
  iterationsToOwnBest: RaceStat;
  /** Seconds (history clock, incl. scoring) at that iteration. */
  secondsToOwnBest: RaceStat;
  /** First iteration whose test RMSE ≤ the race's target (see {@link RaceSummary.target}), over runs that reach it. */
  iterationsToTarget: RaceStat;
  secondsToTarget: RaceStat;
  /** Ok runs that reached the target. */
  reachedTarget: number;
  /** Last history seconds / iterations (incl. per-iteration scoring), over ok runs. */
  secondsPerIteration: RaceStat;
  /** From the bare refit (no test scoring), over ok runs that have it: total / iterations. */
  bareSecondsPerIteration: RaceStat;
  /** From the bare refit: median iteration duration after the first (steady state, setup excluded). */
  bareMedianIterationSeconds: RaceStat;
  /** Iterations where the training objective went up, over ok runs. */
  objectiveIncreases: RaceStat;
  /** Training objective after the last iteration (each model's own objective), over ok runs. */
  finalObjective: RaceStat;
}

export interface RaceSummary {
  /** Relative tolerance: "within 1 %" is 0.01. */
  tolerance: number;
  /** Lowest test RMSE of any ok run at any iteration. */
  bestTestRmse: number;
  /** (1 + tolerance) × bestTestRmse: the common target for the *ToTarget columns. */
  target: number;
  rows: RaceSummaryRow[];
}

/**
 * Per-entry statistics over seeds (rows in order of first appearance of each label). Runs without a `label`
 * field are grouped by `params.model`.
 * @throws InputError when `tolerance` is negative or not finite, or there are no runs
 */
export function summarizeRace(records: readonly RunRecord[], options: { tolerance?: number } = {}): RaceSummary {
  const tolerance = options.tolerance ?? 0.01;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new InputError(`summarizeRace: tolerance must be a finite number ≥ 0, got ${tolerance}`);
  if (records.length === 0) throw new InputError("summarizeRace: no runs");
  const labelOf = (r: RunRecord) => ((r as Partial<RaceRecord>).label ?? r.params.model) as string;
  const ok = records.filter((r) => r.status === "ok");
  let best = Infinity;
  for (const r of ok) for (const v of testRmseCurve(r)) if (v < best) best = v;
  const target = (1 + tolerance) * best;

  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = labelOf(r);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows = [...groups.entries()].map(([label, runs]): RaceSummaryRow => {
    const good = runs.filter((r) => r.status === "ok");
    const bad = runs.filter((r) => r.status !== "ok");
    const own: { it: number; s: number }[] = [];
    const toTarget: { it: number; s: number }[] = [];
    for (const r of good) {
      const curve = testRmseCurve(r);
      const seconds = r.history?.seconds ?? [];
      const lowest = Math.min(...curve.filter((v) => Number.isFinite(v)));
      if (Number.isFinite(lowest)) {
        const t = firstAtOrBelow(curve, (1 + tolerance) * lowest);
        own.push({ it: t + 1, s: seconds[t] ?? NaN });
      }
      const u = firstAtOrBelow(curve, target);
      if (u >= 0) toTarget.push({ it: u + 1, s: seconds[u] ?? NaN });
    }
    return {
      label,
      model: runs[0].params.model,
      runs: runs.length,
      failed: bad.length,
      errors: bad.map((r) => r.error ?? "failed"),
      iterations: stat(runs.map((r) => r.iterations ?? r.history?.iteration.length ?? NaN)),
      finalTestRmse: stat(good.map((r) => r.metrics?.test?.rmse ?? NaN)),
      bestTestRmse: stat(good.map((r) => Math.min(...testRmseCurve(r).filter((v) => Number.isFinite(v))))),
      iterationsToOwnBest: stat(own.map((o) => o.it)),
      secondsToOwnBest: stat(own.map((o) => o.s)),
      iterationsToTarget: stat(toTarget.map((o) => o.it)),
      secondsToTarget: stat(toTarget.map((o) => o.s)),
      reachedTarget: toTarget.length,
      secondsPerIteration: stat(
        good.map((r) => {
          const s = r.history?.seconds ?? [];
          return s.length > 0 ? s[s.length - 1] / s.length : NaN;
        }),
      ),
      bareSecondsPerIteration: stat(good.map((r) => (r as Partial<RaceRecord>).bareSecondsPerIteration ?? NaN)),
      bareMedianIterationSeconds: stat(good.map((r) => (r as Partial<RaceRecord>).bareMedianIterationSeconds ?? NaN)),
      objectiveIncreases: stat(good.map(objectiveIncreases)),
      finalObjective: stat(good.map((r) => (r.history?.trainLoss.length ? r.history.trainLoss[r.history.trainLoss.length - 1] : NaN))),
    };
  });
  return { tolerance, bestTestRmse: best, target, rows };
}

function fmtStat(s: RaceStat, digits: number, withStd = true): string {
  if (s.n === 0) return "—";
  const m = s.mean.toFixed(digits);
  return withStd && s.n > 1 ? `${m} ± ${s.std.toFixed(digits)}` : m;
}

/**
 * The summary as a Markdown table: one row per entry; "x / n" where only x of n seeds reached the target;
 * "—" where no run has the value. Failed runs are listed under the table with their error messages.
 */
export function raceMarkdownTable(summary: RaceSummary): string {
  const pct = `${+(summary.tolerance * 100).toFixed(3)} %`;
  const head = [
    "method",
    "seeds ok",
    "final test RMSE",
    "lowest test RMSE",
    `iterations to ${pct} of own lowest`,
    "seconds to there",
    `iterations to ${summary.target.toFixed(4)} (${pct} of race best)`,
    "seconds to there",
    "s / iteration (with test scoring)",
    "s / iteration (no test scoring; median)",
    "objective increases",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of summary.rows) {
    const good = r.runs - r.failed;
    const reach = good === 0 ? "—" : r.reachedTarget === 0 ? `never (0 / ${good})` : `${fmtStat(r.iterationsToTarget, 1)}${r.reachedTarget < good ? ` (${r.reachedTarget} / ${good})` : ""}`;
    lines.push(
      `| ${[
        r.label,
        `${good} / ${r.runs}`,
        fmtStat(r.finalTestRmse, 4),
        fmtStat(r.bestTestRmse, 4),
        fmtStat(r.iterationsToOwnBest, 1),
        fmtStat(r.secondsToOwnBest, 3),
        reach,
        r.reachedTarget === 0 ? "—" : fmtStat(r.secondsToTarget, 3),
        fmtStat(r.secondsPerIteration, 4),
        fmtStat(r.bareMedianIterationSeconds, 4),
        fmtStat(r.objectiveIncreases, 1),
      ].join(" | ")} |`,
    );
  }
  const failures = summary.rows.flatMap((r) => r.errors.map((e) => `- **${r.label}** failed: ${e}`));
  return lines.join("\n") + (failures.length > 0 ? `\n\n${failures.join("\n")}` : "");
}

// ---------------------------------------------------------------------------------------------------------
// Figure
// ---------------------------------------------------------------------------------------------------------

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
  if (!["testRmse", "trainRmse", "trainLoss"].includes(metric)) throw new InputError(`raceFigure: metric must be testRmse, trainRmse or trainLoss, got "${String(metric)}"`);
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
    const y =
      metric === "testRmse"
        ? testRmseCurve(r)
        : metric === "trainRmse"
          ? h.trainMse.map((m) => Math.sqrt(m))
          : h.trainLoss.slice();
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
  const yTitle = options.yTitle ?? (metric === "testRmse" ? "test RMSE" : metric === "trainRmse" ? "train RMSE" : "training objective L");
  const xTitle = xKey === "iteration" ? "iteration (epoch for SGD / GD)" : "seconds (wall clock since the fit started, incl. per-iteration scoring)";
  const annotations =
    notes.length === 0
      ? []
      : [{ text: `failed: ${notes.join("<br>failed: ")}`, xref: "paper", yref: "paper", x: 0, y: 0, xanchor: "left", yanchor: "top", yshift: -52, showarrow: false, align: "left", font: { size: 11 } }];
  return {
    data,
    layout: {
      title: { text: options.title ?? `${yTitle} by ${xKey}` },
      xaxis: { title: { text: xTitle }, type: options.logX ? "log" : "linear", zeroline: false },
      yaxis: { title: { text: yTitle }, type: options.logY ? "log" : "linear", ...(options.yRange ? { range: options.yRange } : {}) },
      annotations,
      margin: { t: 60, b: 70 + 16 * notes.length, l: 70, r: 30 },
      hovermode: "closest",
    },
  };
}
