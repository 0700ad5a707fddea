/**
 * Worker-thread entry for parallel sweeps (`runSweep` with `workers` > 1): receives the folds' ratings once
 * (typed arrays, copied by structured clone), then fits and scores one run per message with the same
 * {@link executeRun} the in-process path uses — so numbers do not depend on which worker ran what.
 */
import { parentPort, workerData } from "node:worker_threads";
import { RatingsMatrix, type Dataset } from "../data/ratings";
import { executeRun, type RunEvaluation } from "./execute";
import type { RunRecord } from "../results/schema";
import type { PrunerTask } from "./search/pruner";

export interface SerializedMatrix {
  nUsers: number;
  nItems: number;
  users: Int32Array;
  items: Int32Array;
  values: Float64Array;
  timestamps?: Float64Array | null;
}

export interface SerializedFold {
  name: string;
  dataset: Omit<Dataset, "train" | "test"> & { train: SerializedMatrix; test: SerializedMatrix };
}

export interface WorkerSetup {
  folds: SerializedFold[];
  evaluation: RunEvaluation;
}

export interface WorkerTask {
  id: string;
  params: { model: string; [key: string]: unknown };
  seed: number;
  foldIndex: number;
  /** Threads for this fit (threadable models only; see the runner's rule). */
  threads: number;
  /** Searches with a pruner: the rule and the curves it compares against (./search/pruner.ts). */
  pruner?: PrunerTask;
}

export type WorkerReply = { id: string; record: RunRecord };

export function serializeMatrix(m: RatingsMatrix): SerializedMatrix {
  return { nUsers: m.nUsers, nItems: m.nItems, users: m.users, items: m.items, values: m.values, timestamps: m.timestamps };
}

function restore(m: SerializedMatrix): RatingsMatrix {
  return new RatingsMatrix(m.nUsers, m.nItems, m.users, m.items, m.values, m.timestamps ?? null);
}

if (parentPort && workerData && (workerData as { mflabSweepWorker?: boolean }).mflabSweepWorker) {
  const setup = (workerData as { setup: WorkerSetup }).setup;
  const datasets: Dataset[] = setup.folds.map((f) => ({ ...f.dataset, train: restore(f.dataset.train), test: restore(f.dataset.test) }));
  const port = parentPort;
  port.on("message", (task: WorkerTask) => {
    const record = executeRun(task.id, task.params, task.seed, datasets[task.foldIndex], setup.evaluation, task.threads, {
      pruner: task.pruner,
    });
    port.postMessage({ id: task.id, record } satisfies WorkerReply);
  });
}
