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
 * Summaries of race records (iterations and seconds to a target, final RMSE over seeds) are in ../results/race.ts,
 * the figure in ../plot/race.ts. The records are standard {@link RunRecord}s (plus `label` and `bareSecondsPerIteration`), so
 * {@link raceResults} wraps them in a results file that `readResults`, `aggregateRuns` and the figures accept.
 *
 * Cost: the sum of the fits (twice with bare timing) plus one train + test scoring per iteration.
 * Throws: InputError for an empty entry list or seed list, duplicate labels, an unknown model, or a `seed` in
 * an entry's params (seeds come from `options.seeds`); SpecError (re-pointed at `entries[k].params`) for an
 * invalid config. A failing fit never throws: it becomes a failed record.
 */
import type { Dataset, RatingsMatrix } from "../data/ratings";
import { InputError, SpecError } from "../core/errors";
import { median } from "../core/stats";
import { scorePredictor } from "../metrics/accuracy";
import { getModel, modelNames } from "../models/registry";
import { emptyHistory, recordIteration, type FitOptions, type History } from "../models/types";
import { captureEnv } from "./env";
import { RESULTS_SCHEMA, type ResultsFile } from "../results/schema";
import type { RaceRecord } from "../results/race";
import { datasetInfo, runId } from "./execute";

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
    if (e instanceof SpecError) throw new SpecError(`entries[${k}].params${e.path ? `.${e.path}` : ""}`, e.reason);
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
export function raceRun(
  entry: RaceEntry,
  config: Record<string, unknown>,
  dataset: Dataset,
  clip: readonly [number, number] | undefined,
  id: string,
): RaceRecord {
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
export function raceResults(
  dataset: Dataset,
  records: readonly RaceRecord[],
  experiment: { name: string; description?: string; spec?: Record<string, unknown> | null },
): ResultsFile {
  const env = captureEnv();
  return {
    schema: RESULTS_SCHEMA,
    experiment: { name: experiment.name, ...(experiment.description ? { description: experiment.description } : {}), spec: experiment.spec ?? null },
    dataset: datasetInfo(dataset),
    env,
    runs: [...records],
  };
}
