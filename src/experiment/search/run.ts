/**
 * Running a search (`"search"` in a spec, ./spec.ts): trials whose parameters a sampler chooses — uniformly
 * (random), by TPE (./tpe.ts) or in grid order — each fitted on the training ratings minus the validation set and
 * scored on it, optionally stopped early by a pruner (./pruner.ts). The results file is the study's storage: every
 * finished trial is written (atomically, as a sweep's runs are) with its trial number and basis.
 *
 * Determinism and resuming. Trial n's parameters are a function of the sampler seed, n, and its *basis*: the first
 * b trials recorded in the results file when it was suggested (b is recorded as `trialBasis`; the sampler's random
 * draws for trial n come from a generator seeded by (seed, n), so no generator state has to be saved). Its pruning
 * decisions use the same basis. With one worker, trial n's basis is every earlier trial, so a search killed and
 * restarted suggests exactly the trials an uninterrupted one would. With several workers a trial is suggested when a
 * worker frees up, from the trials recorded by then; the sequence is then determined by the seed and the completion
 * order as recorded. Trials recorded (completed, pruned or failed) are never redone; a trial lost with a killed
 * process is suggested again, from the trials recorded when it restarts.
 *
 * Through a queue (`options.queue`, ../queue/coordinator.ts) the same holds: this process is the queue's
 * coordinator and the only writer of the results file; it suggests a trial whenever the queue has room (see
 * `QueueFeed`: fewer trials waiting or running than connected workers, or than `depth`), from the trials recorded at
 * that moment, and records trials in the order they are collected. The job carries the trial's number, basis size
 * and pruner task (the basis trials' validation curves), so `mflab worker` fits and prunes it exactly as a local
 * worker thread would. A re-run continues the search; a trial still queued from a killed coordinator is re-attached
 * when its suggestion comes out the same (same basis), else it is suggested afresh and the old job discarded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../../core/errors";
import { canonicalJson } from "../../core/json";
import { deriveSeed, Rng } from "../../core/random";
import { perfFields } from "../../core/schema";
import { MFLAB_VERSION } from "../../core/version";
import { validateDataSpec } from "../../data/spec";
import { getModel } from "../../models/registry";
import { metricValue } from "../../results/metric";
import type { RunRecord } from "../../results/schema";
import { backupResults, readResults, writeResults } from "../../results/store";
import { acquireLock } from "../../results/lock";
import { captureEnv } from "../env";
import { datasetInfo, executeRun, fitDataKey, runId, type RunEvaluation } from "../execute";
import { foldsOf, type Fold } from "../folds";
import { availableCores, runInWorkers, serializeFold } from "../pool";
import { newResultsFile, type SweepOptions, type SweepOutcome } from "../runner";
import { seedLabel, specHashOf, type ExperimentSpec } from "../spec";
import type { WorkerTask } from "../sweep-worker";
import { openQueue, sweepIdOf, type QueueRun, type QueueSession } from "../queue/coordinator";
import { prunerPayloadOf } from "../queue/job";
import type { PrunerTask } from "./pruner";
import { gridCells, sampleUniform } from "./space";
import type { SearchSpec } from "./spec";
import { tpeSuggest, type Observation } from "./tpe";

/** One suggested trial, ready to run. */
export interface TrialPlan {
  trial: number;
  basis: number;
  id: string;
  params: { model: string; [key: string]: unknown };
  seed: number;
  pruner?: PrunerTask;
}

/** The finished trials of `records` as the sampler sees them (failed trials are left out, as Optuna does). */
export function observations(records: readonly RunRecord[], metric: SearchSpec["metric"]): Observation[] {
  return records
    .filter((r) => (r.status === "ok" || r.status === "pruned") && r.trial !== undefined)
    .map((r) => ({ trial: r.trial!, params: r.params, value: metricValue(r, metric), pruned: r.status === "pruned", iterations: r.iterations ?? 0 }))
    .filter((o) => Number.isFinite(o.value));
}

/** A recorded trial's validation RMSE after each iteration (what the pruner compares). */
function validationRmseCurve(r: RunRecord): number[] {
  return (r.history?.validationMse ?? []).map((m) => Math.sqrt(m));
}

/**
 * Suggest trial `n` of a search from the first `basis` of `records` (module doc). Pure: the same inputs give the
 * same trial.
 */
export function suggestTrial(spec: ExperimentSpec, n: number, records: readonly RunRecord[], dataKey: string): TrialPlan {
  const search = spec.search!;
  const model = spec.models[0];
  const def = getModel(model.model)!;
  const basis = records.length;
  const rng = new Rng(deriveSeed(search.seed, `trial:${n}`));
  let sampled: Record<string, unknown>;
  if (search.method === "grid") sampled = gridCells(search.space)[n];
  else {
    const seen = search.method === "tpe" ? observations(records, search.metric) : [];
    sampled = {};
    for (const [key, dim] of Object.entries(search.space)) {
      sampled[key] =
        search.method === "tpe"
          ? tpeSuggest(key, dim, seen, rng, { startupTrials: search.startupTrials, candidates: search.candidates, priorWeight: 1 })
          : sampleUniform(dim, rng);
    }
  }
  const given = { ...(model.params ?? {}), ...sampled };
  const seed = deriveSeed(spec.seed, seedLabel(model.model, given));
  const withSeed = "seed" in def.defaults && given.seed === undefined ? { ...given, seed } : given;
  const full = def.config(withSeed) as Record<string, unknown>;
  const perf = new Set(perfFields(def.params));
  const params: TrialPlan["params"] = { model: model.model, ...Object.fromEntries(Object.entries(full).filter(([k]) => !perf.has(k))) };
  const runSeed = typeof params.seed === "number" ? params.seed : seed;
  const plan: TrialPlan = { trial: n, basis, id: runId(params, runSeed, `${dataKey}#trial${n}`), params, seed: runSeed };
  if (spec.pruner) {
    plan.pruner = {
      method: spec.pruner.method,
      minIterations: spec.pruner.minIterations,
      reductionFactor: spec.pruner.reductionFactor,
      startupTrials: 5,
      others: records
        .filter((r) => r.status === "ok" || r.status === "pruned")
        .map((r) => ({ curve: validationRmseCurve(r), completed: r.status === "ok" })),
    };
  }
  return plan;
}

/**
 * Run (or resume) a search. Options are a sweep's (`folds` does not apply: a search runs on one split).
 * @throws InputError when the results file holds another search (different data or search section)
 */
export async function runSearch(spec: ExperimentSpec, options: SweepOptions = {}): Promise<SweepOutcome> {
  const search = spec.search;
  if (!search) throw new InputError(`spec "${spec.name}" has no "search" section: run it with runSweep`);
  const started = Date.now();
  const baseDir = options.baseDir ?? process.cwd();
  if (options.folds) throw new InputError("a search runs on one split: --folds does not apply (remove it)");
  const effective: ExperimentSpec = options.data ? { ...spec, data: validateDataSpec(options.data, "--data") } : { ...spec };
  delete effective.folds;
  const file = path.resolve(baseDir, options.out ?? path.join("results", `${spec.name}.json`));
  const warn = (message: string) => options.onProgress?.({ type: "warning", message });
  const queue = typeof options.queue === "string" ? { url: options.queue } : options.queue;
  if (queue && options.dataset) throw new InputError("a queue search loads its data on the workers: give a data spec, not a loaded dataset");
  const requested = Math.max(1, Math.floor(options.workers ?? 1));
  const cores = Math.min(requested, availableCores());
  if (cores < requested && !queue) warn(`${requested} workers capped at the ${cores} cores of this machine (more would only compete for them)`);
  const fold: Fold = options.dataset ? { name: "", dataset: options.dataset } : foldsOf(effective.data, undefined, effective.seed, baseDir)[0];
  const dataset = datasetInfo(fold.dataset);
  const scale = fold.dataset.ratingScale;
  const evaluation: RunEvaluation = {
    ...effective.evaluation,
    clip: effective.evaluation.clip ? ([scale[0], scale[1]] as const) : undefined,
    validationSeed: deriveSeed(effective.seed, "validation"),
  };
  const dataKey = fitDataKey(dataset.fingerprint, evaluation);
  const searchKey = canonicalJson({
    model: effective.models[0],
    search,
    pruner: effective.pruner ?? null,
    seed: effective.seed,
    evaluation: effective.evaluation,
  });

  const specHash = specHashOf(effective);
  const lock = acquireLock(file);
  // As a queue sweep (../runner.ts): the search is claimed on the queue before the results file is read or written.
  let session: QueueSession | undefined;
  try {
    if (queue) {
      session = await openQueue(
        {
          id: sweepIdOf(specHash, dataset.fingerprint),
          name: spec.name,
          file,
          data: effective.data,
          seed: effective.seed,
          evaluation: effective.evaluation,
          clip: evaluation.clip,
          fresh: options.fresh === true,
        },
        queue,
      );
    }
    let records: RunRecord[] = [];
    let env = captureEnv(baseDir);
    let previousWall = 0;
    env.specHash = specHash;
    if (fs.existsSync(file)) {
      const old = options.fresh ? null : readResults(file);
      if (old === null || old.env.mflab !== MFLAB_VERSION) {
        const tag = old === null ? "" : `-${old.env.mflab}`;
        backupResults(file, `${file}.bak${tag}-${new Date().toISOString().replace(/[:.]/g, "-")}`, true);
      } else {
        if (old.dataset.fingerprint !== dataset.fingerprint) {
          throw new InputError(
            `holds runs on different data (${old.dataset.name}, fingerprint ${old.dataset.fingerprint}) than this search (${dataset.name}, fingerprint ${dataset.fingerprint}); write elsewhere with --out, or start over with --fresh`,
            file,
          );
        }
        const o = old.experiment.spec as Partial<ExperimentSpec> | null;
        const oldKey = o
          ? canonicalJson({ model: o.models?.[0], search: o.search, pruner: o.pruner ?? null, seed: o.seed, evaluation: o.evaluation })
          : "";
        if (oldKey !== searchKey) {
          throw new InputError(
            "holds another search (its model, search, pruner, seed or evaluation section differs from this spec's), so its trials cannot continue this one; write elsewhere with --out, or start over with --fresh",
            file,
          );
        }
        records = old.runs.filter((r) => r.trial !== undefined);
        backupResults(file, `${file}.bak`);
        env = { ...env, startedAt: old.env.startedAt };
        previousWall = old.env.wallSeconds ?? 0;
      }
    }
    const cached = records.length;
    const results = newResultsFile(spec, effective, dataset, env, records);
    const save = () => {
      results.runs = records;
      results.env.updatedAt = new Date().toISOString();
      results.env.wallSeconds = Math.round((previousWall + (Date.now() - started) / 1000) * 1000) / 1000;
      writeResults(file, results, { beforeRename: lock.check });
    };
    save();
    const done = new Set(records.map((r) => r.trial));
    const todo: number[] = [];
    for (let n = 0; n < search.trials; n++) if (!done.has(n)) todo.push(n);
    options.onProgress?.({ type: "start", total: search.trials, cached, file, dataset, gridKeys: Object.keys(search.space) });

    let ran = 0;
    let failed = 0;
    let running = 0;
    const loopStarted = performance.now();
    const begin = (plan: TrialPlan, worker: number) => {
      running++;
      options.onProgress?.({
        type: "run-start",
        index: cached + ran + running,
        total: search.trials,
        plan: { model: plan.params.model, params: plan.params, seed: plan.seed },
        worker,
      });
    };
    const finish = (plan: TrialPlan, record: RunRecord, worker: number) => {
      record.trial = plan.trial;
      record.trialBasis = plan.basis;
      records.push(record);
      running--;
      ran++;
      if (record.status === "failed") failed++;
      save();
      const etaSeconds = ((performance.now() - loopStarted) / 1000 / ran) * (todo.length - ran);
      options.onProgress?.({ type: "run-end", index: cached + ran, total: search.trials, record, etaSeconds, worker, running });
    };
    const workers = Math.min(cores, Math.max(1, todo.length));
    if (session) {
      // Trials are suggested when the queue has room (module doc), numbered k = 0, 1, … in the order suggested.
      const plans: TrialPlan[] = [];
      const toQueueRun = (plan: TrialPlan): QueueRun => ({
        id: plan.id,
        params: plan.params,
        seed: plan.seed,
        fold: fold.name,
        fingerprint: dataset.fingerprint,
        trial: { n: plan.trial, basis: plan.basis, ...(plan.pruner ? { pruner: prunerPayloadOf(plan.pruner) } : {}) },
      });
      await session.run(
        [],
        { onStart: (k, slot) => begin(plans[k], slot), onEnd: (k, record, slot) => finish(plans[k], record, slot), warn },
        { stop: options.signal, abandon: options.abandon },
        {
          total: todo.length,
          next: () => {
            if (plans.length === todo.length) return undefined;
            const plan = suggestTrial(effective, todo[plans.length], records, dataKey);
            plans.push(plan);
            return toQueueRun(plan);
          },
        },
      );
    } else if (workers === 1 && !options.isolate) {
      for (const n of todo) {
        if (options.signal?.aborted || options.abandon?.aborted) break;
        const plan = suggestTrial(effective, n, records, dataKey);
        begin(plan, 1);
        await new Promise((resolve) => setImmediate(resolve)); // let progress output (and signals) through
        if (options.signal?.aborted || options.abandon?.aborted) {
          running--;
          break;
        }
        finish(plan, executeRun(plan.id, plan.params, plan.seed, fold.dataset, evaluation, 1, { pruner: plan.pruner }), 1);
      }
    } else {
      // Trials are suggested when a worker is free (the pool reads a task right after announcing its start).
      const tasks: WorkerTask[] = new Array(todo.length);
      const plans: TrialPlan[] = new Array(todo.length);
      await runInWorkers(
        tasks,
        { folds: [serializeFold(fold)], evaluation },
        workers,
        (k, worker) => {
          const plan = suggestTrial(effective, todo[k], records, dataKey);
          plans[k] = plan;
          tasks[k] = { id: plan.id, params: plan.params, seed: plan.seed, foldIndex: 0, threads: 1, ...(plan.pruner ? { pruner: plan.pruner } : {}) };
          begin(plan, worker);
        },
        (k, record, worker) => finish(plans[k], record, worker),
        { stop: options.signal, abandon: options.abandon },
      );
    }
    const remaining = todo.length - ran;
    const interrupted = remaining > 0;
    options.onProgress?.({ type: "done", file, ran, cached, failed, seconds: (Date.now() - started) / 1000, interrupted, remaining });
    return { file, results, ran, cached, failed, interrupted, remaining };
  } finally {
    await session?.close();
    lock.release();
  }
}
