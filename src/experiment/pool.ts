/**
 * The worker pool of parallel sweeps: runs handed to `n` worker threads (./sweep-worker.ts), each loaded once with
 * the folds' ratings; a crashed worker records its run as failed and is replaced.
 *
 * Scheduling rule ({@link threadsPerFit}): parallel runs scale better than parallel fits (no barriers, no serial
 * test-error pass), so a sweep with R runs to do on C cores runs min(R, C) fits at once with ⌊C / min(R, C)⌋
 * threads each: one thread per fit when R ≥ C; several only when the whole sweep has fewer runs than cores
 * (typically one big fit). The tail of a larger sweep is not re-threaded: a running fit cannot take on threads
 * later, and when its last run starts the other cores are still busy with the runs started before it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { InputError } from "../core/errors";
import type { RunRecord } from "../results/schema";
import type { Fold } from "./folds";
import { serializeMatrix, type SerializedFold, type WorkerReply, type WorkerSetup, type WorkerTask } from "./sweep-worker";

/** Cores usable by this process. */
export function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/**
 * Threads per fit for a sweep with `runsLeft` runs still to do on `cores` cores (module doc): 1 while
 * runsLeft ≥ cores, else ⌊cores / runsLeft⌋. The sweep then runs min(runsLeft, cores) fits at once.
 */
export function threadsPerFit(runsLeft: number, cores: number = availableCores()): number {
  if (!(runsLeft >= 1) || !(cores >= 1)) return 1;
  return Math.max(1, Math.floor(cores / Math.min(Math.floor(runsLeft), Math.floor(cores))));
}

export function serializeFold(f: Fold): SerializedFold {
  const { train, test, ...rest } = f.dataset;
  return { name: f.name, dataset: { ...rest, train: serializeMatrix(train), test: serializeMatrix(test) } };
}

/** The compiled worker entry (next to this file in dist/; from the sources, the built copy in dist/). */
function workerScript(): string {
  const here = path.join(__dirname, "sweep-worker.js");
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, "../../dist/experiment/sweep-worker.js");
  if (fs.existsSync(built)) return built;
  throw new InputError("parallel sweeps need the built package (run `npm run build`), or use workers: 1", here);
}

/** How a pool is stopped: `stop` — no new run starts, runs in progress finish; `abandon` — terminate now. */
export interface PoolSignals {
  stop?: AbortSignal;
  abandon?: AbortSignal;
}

/**
 * Run `tasks` on `n` worker threads, calling back as runs start and end. A worker that dies (out of memory,
 * crash) records its run as failed and is replaced. On `stop`, no new run starts and the runs in progress finish
 * (and are recorded); on `abandon`, the runs in progress are discarded (they are not in the file, so a resumed sweep
 * redoes them) and the workers are terminated at once.
 */
export function runInWorkers(
  tasks: WorkerTask[],
  setup: WorkerSetup,
  n: number,
  onStart: (k: number, worker: number) => void,
  onEnd: (k: number, record: RunRecord, worker: number) => void,
  signals: PoolSignals = {},
): Promise<void> {
  const { stop, abandon } = signals;
  const script = workerScript();
  return new Promise((resolve, reject) => {
    let next = 0;
    let live = 0;
    let failure: unknown;
    const all = new Set<Worker>();
    const state = new Map<Worker, boolean>(); // worker → busy with a run
    const finish = () => {
      if (live > 0) return;
      if (failure !== undefined) reject(failure);
      else resolve();
    };
    const stopAll = () => {
      for (const w of all) void w.terminate();
    };
    /** A callback that throws (e.g. the results file cannot be written) stops the pool; the error is rethrown. */
    const guarded = (f: () => void) => {
      if (failure !== undefined) return;
      try {
        f();
      } catch (e) {
        failure = e;
        next = tasks.length;
        stopAll();
      }
    };
    abandon?.addEventListener("abort", stopAll, { once: true });
    // A stop lets the runs in progress finish; idle workers (waiting for a task) are let go now.
    stop?.addEventListener(
      "abort",
      () => {
        for (const [w, busy] of state) if (!busy) void w.terminate();
      },
      { once: true },
    );
    const start = (slot: number) => {
      const worker = new Worker(script, { workerData: { mflabSweepWorker: true, setup } });
      all.add(worker);
      live++;
      let current = -1;
      let closed = false;
      const feed = () => {
        if (stop?.aborted || abandon?.aborted || next >= tasks.length) {
          closed = true;
          state.set(worker, false);
          void worker.terminate();
          return;
        }
        state.set(worker, true);
        current = next++;
        const k = current;
        // onStart runs before the task is read: a search fills tasks[k] there (its trials are suggested on demand).
        guarded(() => onStart(k, slot));
        worker.postMessage(tasks[current]);
      };
      worker.on("message", (reply: WorkerReply) => {
        const k = current;
        current = -1;
        state.set(worker, false);
        if (!abandon?.aborted) guarded(() => onEnd(k, reply.record, slot));
        if (failure === undefined) feed();
        else void worker.terminate();
      });
      worker.on("error", (e) => {
        if (current >= 0 && !abandon?.aborted) {
          const t = tasks[current];
          const now = new Date().toISOString();
          const k = current;
          guarded(() =>
            onEnd(
              k,
              { id: t.id, params: t.params, seed: t.seed, status: "failed", error: `worker crashed: ${e.message}`, startedAt: now, finishedAt: now },
              slot,
            ),
          );
          current = -1;
        }
      });
      worker.on("exit", () => {
        all.delete(worker);
        state.delete(worker);
        live--;
        const stopped = stop?.aborted === true || abandon?.aborted === true;
        if (!closed && !stopped && failure === undefined && next < tasks.length) start(slot); // replace a crashed worker
        finish();
      });
      feed();
    };
    for (let slot = 1; slot <= n; slot++) start(slot);
  });
}
