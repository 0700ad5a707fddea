/**
 * Worker-thread entry of `mflab worker`: one thread per concurrent run, so the worker's own thread stays free to
 * renew its job locks while a long fit runs (a blocked event loop would let the queue think the worker died).
 *
 * Per message (a validated job, ./job.ts): load the run's fold from this machine's files (paths relative to the
 * worker's data root; the last data reference's folds are kept for the next job), refuse the run when the fold's
 * fingerprint differs from the coordinator's, apply this machine's memory budget (../resources.ts), then fit and
 * score with the same {@link executeRun} as a local sweep (a search trial with its pruner task) — so numbers do not
 * depend on where a run ran.
 */
import { parentPort, workerData } from "node:worker_threads";
import { canonicalJson } from "../../core/json";
import { MFLAB_VERSION } from "../../core/version";
import { describeDataSpec } from "../../data/load";
import { getModel } from "../../models/registry";
import type { RunRecord } from "../../results/schema";
import { datasetInfo, executeRun } from "../execute";
import { foldsOf, type Fold } from "../folds";
import { memoryRefusal, runMemoryBytes } from "../resources";
import { prunerTaskOf, recordParams, runEvaluationOf, type DataReference, type JobPayload } from "./job";

export interface ThreadTask {
  payload: JobPayload;
  /** Relative data paths resolve against it. */
  dataRoot: string;
  /** This machine's memory budget per run. */
  budget: { bytes: number; source: string };
}

/** A record (ok or failed for a model reason), or a refusal: this machine cannot run it as asked (its data, its version). */
export type ThreadReply = { record: RunRecord } | { refusal: string; record: RunRecord };

let cached: { key: string; folds: { fold: Fold; fingerprint: string }[] } | undefined;

function loadFolds(ref: DataReference, dataRoot: string): { fold: Fold; fingerprint: string }[] {
  const key = canonicalJson({ ref, dataRoot });
  if (cached?.key !== key) {
    cached = undefined; // let the previous data go before loading the next
    const folds = foldsOf(ref.spec, ref.folds, ref.seed, dataRoot);
    cached = { key, folds: folds.map((fold) => ({ fold, fingerprint: datasetInfo(fold.dataset).fingerprint })) };
  }
  return cached.folds;
}

/** Run one job (module doc). Never throws: a problem of the run is a failed record, a problem of this machine a refusal. */
export function runJob(task: ThreadTask): ThreadReply {
  const p = task.payload;
  const params = recordParams(p);
  const refuse = (reason: string): ThreadReply => {
    const now = new Date().toISOString();
    return { refusal: reason, record: { id: p.run.id, params, seed: p.run.seed, status: "failed", error: reason, startedAt: now, finishedAt: now } };
  };
  if (p.mflab !== MFLAB_VERSION) {
    return refuse(`this worker runs mflab ${MFLAB_VERSION}, the coordinator mflab ${p.mflab}: every machine needs the same mflab version`);
  }
  const ref: DataReference = { spec: p.data.spec, folds: p.data.folds, seed: p.data.seed };
  let folds: { fold: Fold; fingerprint: string }[];
  try {
    folds = loadFolds(ref, task.dataRoot);
  } catch (e) {
    return refuse(`could not load the data (${describeDataSpec(p.data.spec)}, relative paths from ${task.dataRoot}): ${(e as Error).message}`);
  }
  const found = folds.find((f) => f.fold.name === p.run.fold);
  if (found === undefined) {
    return refuse(`the data has no fold ${JSON.stringify(p.run.fold)} here (folds: ${folds.map((f) => f.fold.name || '""').join(", ")})`);
  }
  if (found.fingerprint !== p.data.fingerprint) {
    return refuse(
      `data fingerprint ${found.fingerprint} of this worker's ${found.fold.dataset.name} (${describeDataSpec(p.data.spec)}, relative paths from ` +
        `${task.dataRoot}) differs from the coordinator's ${p.data.fingerprint}: every machine needs the same data files`,
    );
  }
  const ds = found.fold.dataset;
  const def = getModel(p.run.model)!;
  const threads = def.threadable ? (p.run.threads ?? 1) : 1;
  const shape = { nUsers: ds.train.nUsers, nItems: ds.train.nItems, nnz: ds.train.nnz };
  const tooBig = memoryRefusal(
    runMemoryBytes(def, def.config({ ...p.run.params, ...(threads > 1 ? { threads } : {}) }), shape, ds.test.nnz),
    task.budget,
  );
  if (tooBig !== undefined) {
    const now = new Date().toISOString();
    return { record: { id: p.run.id, params, seed: p.run.seed, status: "failed", error: tooBig, startedAt: now, finishedAt: now } };
  }
  const pruner = prunerTaskOf(p);
  return { record: executeRun(p.run.id, params, p.run.seed, ds, runEvaluationOf(p), threads, pruner ? { pruner } : {}) };
}

if (parentPort && workerData && (workerData as { mflabQueueThread?: boolean }).mflabQueueThread) {
  const port = parentPort;
  port.on("message", (task: ThreadTask) => port.postMessage(runJob(task)));
}
