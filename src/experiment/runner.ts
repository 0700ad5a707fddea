/**
 * The sweep runner: load the data once, expand the spec into runs, fit and score each run, and write the results
 * file atomically after every finished run (so a partially finished sweep is a valid file and an interrupted one
 * resumes where it stopped).
 *
 * Run identity: `id` = sha256 of (model name, the full validated config including the run's seed, the fingerprint of
 * the fold's data, mflab version), first 12 hex characters. With `folds` in the spec every configuration runs on
 * every fold (records carry `fold`); see ./folds.ts. Re-running a spec skips runs whose id is already in the
 * results file (status "ok"; "failed" ones too unless `retryFailed`); `fresh` moves the old file aside to
 * `<file>.bak-<time>` and starts over.
 *
 * Where runs are fitted: in this thread, in worker threads (./pool.ts), or — with `queue` — by `mflab worker`
 * processes on any number of machines, through a Redis queue (./queue/coordinator.ts). In every case this process
 * plans the sweep, and is the only writer of the results file; the numbers are the same wherever a run ran.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { InputError } from "../core/errors";
import { perfFields } from "../core/schema";
import { MFLAB_VERSION } from "../core/version";
import type { Dataset } from "../data/ratings";
import { validateDataSpec, type DataSpecInput } from "../data/spec";
import { getModel } from "../models/registry";
import { RESULTS_SCHEMA, type DatasetInfo, type ResultsFile, type RunRecord } from "../results/schema";
import { backupResults, readResults, writeResults } from "../results/store";
import { acquireLock } from "../results/lock";
import { captureEnv } from "./env";
import { deriveSeed } from "../core/random";
import { datasetInfo, executeRun, fitDataKey, runId, type RunEvaluation } from "./execute";
import { foldsOf, validateFolds, type Fold, type FoldsSpec } from "./folds";
import { availableCores, runInWorkers, serializeFold, threadsPerFit } from "./pool";
import { checkDataSize, memoryBudget, memoryRefusal, rankWarning, runMemoryBytes } from "./resources";
import type { SweepProgress } from "./progress";
import { expandSpec, specHashOf, type ExperimentSpec } from "./spec";
import { openQueue, sweepIdOf, type QueueOptions, type QueueSession } from "./queue/coordinator";

export interface SweepOptions {
  /** Results file; default `results/<spec name>.json` under `baseDir`. */
  out?: string;
  /** Folder that relative data paths and the default results folder resolve against (default: cwd). */
  baseDir?: string;
  /** Replace the spec's data section (the CLI's `--data`). */
  data?: DataSpecInput;
  /** The data override names one split explicitly (the CLI's `--split`): the spec's `folds` are then ignored. */
  split?: boolean;
  /** Replace the spec's `folds` (the CLI's `--folds`); `null` = no folds (the data's single split). Wins over `split`. */
  folds?: FoldsSpec | null;
  /** An already loaded dataset (skips loading; its fingerprint is still computed). */
  dataset?: Dataset;
  /** Ignore (and move aside) an existing results file. */
  fresh?: boolean;
  /** Re-run runs recorded as failed. */
  retryFailed?: boolean;
  /** Progress callback (the CLI prints a line per event; notebooks may update a display). */
  onProgress?: (event: SweepProgress) => void;
  /**
   * Runs fitted at the same time, each in its own worker thread (default 1: in this thread). Numbers do not
   * depend on it: every run's seed comes from the spec and its parameters, and runs share nothing. More workers
   * than cores are capped at the number of cores (with a warning).
   */
  workers?: number;
  /**
   * Fit even a single worker's runs in a worker thread, so this thread stays responsive (signals, progress) and
   * {@link SweepOptions.abandon} can stop a fit in progress. The CLI sets it; default false (notebooks fit in the
   * kernel's thread).
   */
  isolate?: boolean;
  /** Abort to stop cleanly: no new run starts, runs in progress finish and are saved, re-running resumes. */
  signal?: AbortSignal;
  /**
   * Abort to stop now: runs in progress are abandoned (their worker threads terminated; nothing of them is saved),
   * finished runs are already in the file. Only fits in worker threads can be stopped mid-fit (see `isolate`).
   */
  abandon?: AbortSignal;
  /** Memory budget of one run in bytes (default: ./resources.ts); a run estimated above it is recorded as failed. */
  memoryBudget?: number;
  /**
   * Hand the runs to `mflab worker` processes through a Redis queue (`redis://[:PASSWORD@]HOST[:PORT][/DB]`, or
   * `rediss://…` for TLS; or the options of ./queue/coordinator.ts) instead of fitting them here. This process
   * still plans the sweep and writes the results file; `workers`, `isolate` and `memoryBudget` do not apply (each
   * worker has its own concurrency and memory budget). With `signal`, the runs still waiting are taken back and
   * the runs in progress collected; with `abandon`, the queue keeps them and re-running the sweep collects them.
   */
  queue?: string | QueueOptions;
}

export interface SweepOutcome {
  file: string;
  results: ResultsFile;
  ran: number;
  cached: number;
  failed: number;
  /** True when `signal` stopped the sweep before every run was done. */
  interrupted: boolean;
  /** Runs still to do (re-run the same spec to do them). */
  remaining: number;
}

/** A results file's header (schema, experiment with its effective spec, dataset, env) around `runs`: one shape for sweeps and searches. */
export function newResultsFile(
  spec: ExperimentSpec,
  effective: unknown,
  dataset: ResultsFile["dataset"],
  env: ResultsFile["env"],
  runs: RunRecord[],
): ResultsFile {
  return {
    schema: RESULTS_SCHEMA,
    experiment: {
      name: spec.name,
      ...(spec.description ? { description: spec.description } : {}),
      spec: effective as Record<string, unknown>,
    },
    dataset,
    env,
    runs,
  };
}

/** Run (or resume) a sweep. Resolves when every run is recorded. */
export async function runSweep(spec: ExperimentSpec, options: SweepOptions = {}): Promise<SweepOutcome> {
  if (spec.search) throw new InputError(`spec "${spec.name}" is a search: run it with runSearch (./search/run.ts) or \`mflab sweep\``);
  const started = Date.now();
  const baseDir = options.baseDir ?? process.cwd();
  const effective: ExperimentSpec = options.data ? { ...spec, data: validateDataSpec(options.data, "--data") } : { ...spec };
  // Folds are checked against the data as given (so a given test set is never silently pooled or replaced).
  const rawData = options.data ?? effective.data;
  if (options.folds !== undefined) {
    if (options.folds === null) delete effective.folds;
    else effective.folds = validateFolds(options.folds, rawData);
  } else if (options.data && options.split) delete effective.folds;
  else if (options.data && effective.folds !== undefined) effective.folds = validateFolds(effective.folds, rawData);
  const file = path.resolve(baseDir, options.out ?? path.join("results", `${spec.name}.json`));
  const plans = expandSpec(effective);
  const warn = (message: string) => options.onProgress?.({ type: "warning", message });
  const queue = typeof options.queue === "string" ? { url: options.queue } : options.queue;
  if (queue && options.dataset) throw new InputError("a queue sweep loads its data on the workers: give a data spec, not a loaded dataset");
  const requestedWorkers = Math.max(1, Math.floor(options.workers ?? 1));
  const cores = Math.min(requestedWorkers, availableCores());
  if (cores < requestedWorkers && !queue)
    warn(`${requestedWorkers} workers capped at the ${cores} cores of this machine (more would only compete for them)`);
  if (!options.dataset) checkDataSize(effective.data, memoryBudget(1, options.memoryBudget).bytes);

  const folds: Fold[] = options.dataset
    ? [{ name: "", dataset: options.dataset }]
    : foldsOf(effective.data, effective.folds, effective.seed, baseDir);
  const foldInfos = folds.map((f) => ({ name: f.name, info: datasetInfo(f.dataset) }));
  const dataset: DatasetInfo = { ...foldInfos[0].info };
  if (folds.length > 1) {
    dataset.name = `${foldInfos[0].info.name.replace(/\/[^/]*$/, "")} (${folds.length} folds)`;
    dataset.fingerprint = createHash("sha256")
      .update(foldInfos.map((f) => f.info.fingerprint).join(","))
      .digest("hex")
      .slice(0, 16);
    dataset.folds = foldInfos.map(({ name, info }) => ({
      name,
      fingerprint: info.fingerprint,
      nUsers: info.nUsers,
      nItems: info.nItems,
      nTrain: info.nTrain,
      nTest: info.nTest,
    }));
  }

  const specHash = specHashOf(effective);
  const scale = folds[0].dataset.ratingScale;
  const clip = effective.evaluation.clip ? ([scale[0], scale[1]] as const) : undefined;
  const lock = acquireLock(file);
  // A queue sweep claims its sweep on the queue before the results file is read or written (a second coordinator,
  // an unreachable Redis: refused with the file untouched).
  let session: QueueSession | undefined;
  try {
    if (queue) {
      session = await openQueue(
        {
          id: sweepIdOf(specHash, dataset.fingerprint),
          name: spec.name,
          file,
          data: effective.data,
          ...(effective.folds !== undefined ? { folds: effective.folds } : {}),
          seed: effective.seed,
          evaluation: effective.evaluation,
          clip,
          fresh: options.fresh === true,
          retryFailed: options.retryFailed === true,
        },
        queue,
      );
    }
    return await runLocked();
  } finally {
    await session?.close();
    lock.release();
  }

  async function runLocked(): Promise<SweepOutcome> {
    let previous: RunRecord[] = [];
    let env = captureEnv(baseDir);
    let previousWall = 0;
    let setAside: { backup: string; version: string } | undefined;
    env.specHash = specHash;
    if (fs.existsSync(file)) {
      // readResults throws (and leaves the file alone) when it is not a valid results file; --fresh never reads it.
      const old = options.fresh ? null : readResults(file);
      if (old === null || old.env.mflab !== MFLAB_VERSION) {
        // --fresh; or a file of another mflab version: run ids include the version (kernels may round differently),
        // so none of its runs would be reused, and keeping them under this version's env would misattribute them.
        const tag = old === null ? "" : `-${old.env.mflab}`;
        const backup = `${file}.bak${tag}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        // A hard link (or a verified copy): the old file stays in place until the first save replaces it atomically.
        backupResults(file, backup, true);
        if (old !== null) setAside = { backup, version: old.env.mflab };
      } else {
        if (old.dataset.fingerprint !== dataset.fingerprint) {
          throw new InputError(
            `holds runs on different data (${old.dataset.name}, fingerprint ${old.dataset.fingerprint}) than this sweep ` +
              `(${dataset.name}, fingerprint ${dataset.fingerprint}); write elsewhere with --out, or start over with --fresh (the old file is kept as a backup)`,
            file,
          );
        }
        previous = old.runs;
        // Keep the last good version beside the file before rewriting it (one backup, replaced on each resume).
        backupResults(file, `${file}.bak`);
        env = { ...env, startedAt: old.env.startedAt };
        previousWall = old.env.wallSeconds ?? 0;
      }
    }

    const runEvaluation: RunEvaluation = {
      ...effective.evaluation,
      clip,
      ...(effective.evaluation.validation !== undefined ? { validationSeed: deriveSeed(effective.seed, "validation") } : {}),
    };
    const byId = new Map(previous.map((r) => [r.id, r]));
    // Every configuration on every fold (same seed on each fold, as Surprise's cross-validation does).
    const planned = plans.flatMap((plan) => {
      const def = getModel(plan.model)!;
      const withSeed = "seed" in def.defaults && plan.params.seed === undefined ? { ...plan.params, seed: plan.seed } : plan.params;
      // Performance-only options (threads) change wall time only: they are not part of the run's identity or record.
      const full = def.config(withSeed) as Record<string, unknown>;
      const perf = new Set(perfFields(def.params));
      const config = Object.fromEntries(Object.entries(full).filter(([k]) => !perf.has(k)));
      const params = { model: plan.model, ...config };
      // `threads` given in the spec (even 1) is honoured; otherwise the sweep decides (see below).
      const threads = def.threadable && "threads" in plan.params && typeof full.threads === "number" ? full.threads : undefined;
      const seed = typeof config.seed === "number" ? config.seed : plan.seed;
      return folds.map((fold, k) => ({
        plan,
        params,
        seed,
        fold,
        threads,
        threadable: def.threadable === true,
        id: runId(params, seed, fitDataKey(foldInfos[k].info.fingerprint, runEvaluation)),
      }));
    });
    const isDone = (id: string) => {
      const r = byId.get(id);
      return r !== undefined && (r.status === "ok" || !options.retryFailed);
    };
    const cached = planned.filter((p) => isDone(p.id)).length;

    const results = newResultsFile(spec, effective, dataset, env, []);
    const plannedIds = new Set(planned.map((p) => p.id));
    const save = () => {
      // Spec order first, then runs from earlier versions of the spec (never dropped).
      results.runs = [
        ...planned.map((p) => byId.get(p.id)).filter((r): r is RunRecord => r !== undefined),
        ...previous.filter((r) => !plannedIds.has(r.id)),
      ];
      results.env.updatedAt = new Date().toISOString();
      results.env.wallSeconds = Math.round((previousWall + (Date.now() - started) / 1000) * 1000) / 1000;
      writeResults(file, results, { beforeRename: lock.check });
    };
    save();
    const gridKeys = [...new Set(effective.models.flatMap((m) => Object.keys(m.grid ?? {})))];
    options.onProgress?.({ type: "start", total: planned.length, cached, file, dataset, gridKeys, ...(setAside ? { setAside } : {}) });

    const pending = planned.filter((p) => !isDone(p.id));
    const workers = Math.min(cores, Math.max(1, pending.length));
    // Resource guards before any fit: a run estimated above the memory budget is recorded failed with its estimate;
    // a rank larger than the matrix is pointed out once per model and d.
    const budget = memoryBudget(workers, options.memoryBudget);
    const noted = new Set<string>();
    const tooBig: { p: (typeof pending)[number]; reason: string }[] = [];
    for (const p of pending) {
      const def = getModel(p.plan.model)!;
      const shape = { nUsers: p.fold.dataset.train.nUsers, nItems: p.fold.dataset.train.nItems, nnz: p.fold.dataset.train.nnz };
      const config = def.config(p.threads === undefined ? p.params : { ...p.params, threads: p.threads });
      // On a queue each worker applies its own machine's budget.
      const reason = queue ? undefined : memoryRefusal(runMemoryBytes(def, config, shape, p.fold.dataset.test.nnz), budget);
      if (reason !== undefined) tooBig.push({ p, reason });
      const rankNote = rankWarning(p.plan.model, (p.params as { d?: unknown }).d, shape);
      const key = `${p.plan.model}:${String((p.params as { d?: unknown }).d)}`;
      if (rankNote !== undefined && !noted.has(key)) {
        noted.add(key);
        warn(rankNote);
      }
    }
    const refused = new Set(tooBig.map((t) => t.p));
    const toRun = pending.filter((p) => !refused.has(p));
    let ran = 0;
    let failed = 0;
    const host = os.hostname();
    for (const { p, reason } of tooBig) {
      const now = new Date().toISOString();
      const record: RunRecord = { id: p.id, params: p.params, seed: p.seed, status: "failed", error: reason, startedAt: now, finishedAt: now, host };
      if (p.fold.name) record.fold = p.fold.name;
      if (p.plan.repeat !== undefined) record.repeat = p.plan.repeat;
      byId.set(p.id, record);
      failed++;
      options.onProgress?.({ type: "run-end", index: cached + failed, total: planned.length, record, etaSeconds: NaN, worker: 0, running: 0 });
    }
    if (tooBig.length > 0) save();
    const refusedCount = tooBig.length;
    const loopStarted = performance.now();
    // Parallel runs vs parallel fits: whole runs go to the workers; only when the sweep has fewer runs to do than cores
    // does each fit of a threadable model (ALS) get the spare cores as threads (floor(cores / runs)). A `threads`
    // fixed in the spec wins. Neither choice changes any number (tested bitwise), so it is not part of the run id.
    const autoThreads = threadsPerFit(toRun.length, cores);
    const fitThreads = (p: (typeof toRun)[number]) => p.threads ?? (p.threadable ? autoThreads : 1);
    let running = 0;
    const onStart = (k: number, worker: number) => {
      const p = toRun[k];
      running++;
      options.onProgress?.({
        type: "run-start",
        index: cached + refusedCount + ran + running,
        total: planned.length,
        plan: p.plan,
        fold: p.fold.name || undefined,
        worker,
      });
    };
    const onEnd = (k: number, record: RunRecord, worker: number) => {
      const p = toRun[k];
      if (p.fold.name) record.fold = p.fold.name;
      if (p.plan.repeat !== undefined) record.repeat = p.plan.repeat;
      byId.set(p.id, record);
      running--;
      ran++;
      if (record.status === "failed") failed++;
      save();
      const perRun = (performance.now() - loopStarted) / 1000 / ran;
      const etaSeconds = perRun * (toRun.length - ran);
      options.onProgress?.({ type: "run-end", index: cached + refusedCount + ran, total: planned.length, record, etaSeconds, worker, running });
    };
    // Runs fitted by this process record this host; a queue's workers record theirs.
    const here = (record: RunRecord): RunRecord => ({ ...record, host });
    if (session) {
      await session.run(
        toRun.map((p) => ({
          id: p.id,
          params: p.params,
          seed: p.seed,
          fold: p.fold.name,
          ...(p.plan.repeat !== undefined ? { repeat: p.plan.repeat } : {}),
          ...(p.threads !== undefined ? { threads: p.threads } : {}),
          fingerprint: foldInfos[folds.indexOf(p.fold)].info.fingerprint,
        })),
        { onStart, onEnd, warn },
        { stop: options.signal, abandon: options.abandon },
      );
    } else if (workers === 1 && !options.isolate) {
      for (let k = 0; k < toRun.length && !options.signal?.aborted && !options.abandon?.aborted; k++) {
        onStart(k, 1);
        await new Promise((resolve) => setImmediate(resolve)); // let progress output (and signals) through
        if (options.signal?.aborted || options.abandon?.aborted) {
          running--;
          break;
        }
        const p = toRun[k];
        onEnd(k, here(executeRun(p.id, p.params, p.seed, p.fold.dataset, runEvaluation, fitThreads(p))), 1);
      }
    } else {
      await runInWorkers(
        toRun.map((p) => ({ id: p.id, params: p.params, seed: p.seed, foldIndex: folds.indexOf(p.fold), threads: fitThreads(p) })),
        { folds: folds.map(serializeFold), evaluation: runEvaluation },
        workers,
        onStart,
        (k, record, worker) => onEnd(k, here(record), worker),
        { stop: options.signal, abandon: options.abandon },
      );
    }
    const remaining = toRun.length - ran;
    const interrupted = remaining > 0;
    const seconds = (Date.now() - started) / 1000;
    options.onProgress?.({ type: "done", file, ran, cached, failed, seconds, interrupted, remaining });
    return { file, results, ran, cached, failed, interrupted, remaining };
  }
}
