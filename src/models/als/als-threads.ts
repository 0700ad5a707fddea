/**
 * Multi-threaded explicit ALS: one fit's half-steps split across worker_threads (`threads` option of
 * {@link fitAls}; objective, updates and config are those of ./als). The same backend runs the row draws of the
 * Gibbs samplers' half-sweeps (`bpmf`, `bayes-svdpp`: ../bayesian/gibbs-rows.ts, a step of kind "gibbs"), whose
 * rows are independent in the same way.
 *
 * Layout: W, H (and the biases) are Float64Arrays on SharedArrayBuffers, and so are both CSR views of the
 * training matrix (built once per fit straight into shared memory by {@link buildSharedCsr}, the same code as
 * `buildCsr`, so rows hold the same entries in the same order). With `threads` = T the calling thread
 * and T − 1 pooled workers solve the rows of a half-step: rows are handed out in contiguous chunks by an atomic
 * counter (dynamic, so a thread slowed by other processes simply takes fewer chunks), and each half-step ends
 * at a barrier (an Atomics counter the calling thread waits on) before the other side's half-step reads the
 * factors just written. Each row is solved by {@link alsSolveRow} on its own data with a per-thread workspace,
 * so its arithmetic does not depend on the thread or the chunking; the per-row squared changes are written to a
 * shared array and summed in row order by the calling thread. Hence the factors, the per-iteration losses
 * and the stopping decisions are bitwise identical to one thread, for both solvers (tested).
 *
 * The fit stays synchronous: the calling thread blocks in `Atomics.wait` at each barrier (allowed on Node's
 * main thread). Workers are started on first use, kept in a pool across fits (unref'd: they never keep the
 * process alive; {@link stopAlsThreads} terminates them) and receive each fit's shared buffers by message. A
 * worker that throws reports its message through shared memory and the fit throws it; a worker that stops
 * responding for {@link ALS_THREAD_STALL_MS} makes the fit throw and the pool is discarded.
 *
 * Worker script: `als-worker.js` next to this file (dist/models). When running from the TypeScript sources
 * (tests), the worker loads `als-worker.ts` through an esbuild transform hook (esbuild is a devDependency),
 * falling back to the built copy in dist/.
 *
 * How many threads a sweep gives each fit is the sweep scheduler's rule (`threadsPerFit`, ../../experiment/pool.ts).
 * Threads pay off when a half-step is large (roughly nnz·d² ≳ 10⁷, e.g. ML-100K at d ≥ 20; the barrier and
 * wake-up cost is ~0.1 ms per half-step).
 *
 * The per-iteration objective and train error come out of the item half-step itself (each row writes its error
 * sums to a shared array, summed in row order by the calling thread — bitwise the numbers of one thread); only
 * test-set metrics, when a fit is given a test set, are computed by the calling thread alone. Extra memory: the shared CSR views
 * (2 × 12 bytes per rating) — the matrix's own cached CSR views are not built — and one workspace per thread.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { buildCsrWith, type Csr, type RatingsMatrix } from "../../data/ratings";
import { gibbsDrawRow, gibbsStepArrays, GibbsRowWorkspace, type GibbsRowStep } from "../bayesian/gibbs-rows";
import { AlsWorkspace, alsSolveRow, type AlsBackend, type AlsHalfStep, type AlsHalfStepRunner } from "./als-rows";

/** A worker that makes no progress for this long (ms) fails the fit. */
export const ALS_THREAD_STALL_MS = 120_000;

// Control words (Int32Array on a SharedArrayBuffer).
const GEN = 0; // command generation, bumped by the calling thread
const CMD = 1; // half-step index, or STOP
const NEXT = 2; // next chunk to take
const DONE = 3; // workers finished with the current generation
const ERROR = 4; // 1 when a worker failed; message bytes in the error buffer
const ERROR_LENGTH = 5;
const CHUNK = 6; // rows per chunk of the current command
const CONTROL_WORDS = 8;
const STOP = -1;
const ERROR_BYTES = 4096;

/** A zeroed Float64Array of length n on a SharedArrayBuffer. */
export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8), 0, n);
}

/** A zeroed Int32Array of length n on a SharedArrayBuffer. */
export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}

function isShared(a: ArrayBufferView | null): boolean {
  return a === null || a.buffer instanceof SharedArrayBuffer;
}

/**
 * `buildCsr` into SharedArrayBuffers: rows sorted by row, columns ascending within a row (the same code with
 * shared allocators, so the result equals `buildCsr(...)` entry for entry).
 */
export function buildSharedCsr(nRows: number, nCols: number, rows: Int32Array, cols: Int32Array, values: Float64Array): Csr {
  return buildCsrWith(nRows, nCols, rows, cols, values, sharedInt32, sharedFloat64);
}

/**
 * A step whose rows the threads share out: an ALS half-step, or a Gibbs half-sweep of `bpmf` / `bayes-svdpp`
 * (../bayesian/gibbs-rows.ts: the same row-parallel structure — independent rows, each reading the fixed side and
 * writing its own row — so the same barrier, chunking and pool serve both).
 */
export type ThreadedStep = AlsHalfStep | GibbsRowStep;

function isGibbs(step: ThreadedStep): step is GibbsRowStep {
  return (step as GibbsRowStep).kind === "gibbs";
}

/** A thread's scratch, created on first use for the kind of step it runs. */
interface Workspaces {
  als: AlsWorkspace | null;
  gibbs: GibbsRowWorkspace | null;
}

/** What a worker receives per fit: the control words, the error buffer and the (shared) half-steps. */
export interface AlsThreadJob {
  readonly type: "mflab-als-fit";
  readonly control: Int32Array;
  readonly errorText: Uint8Array;
  readonly steps: readonly ThreadedStep[];
  /** Per-row squared change of each step (shared), summed in row order by the calling thread. */
  readonly changes: readonly Float64Array[];
  readonly k: number;
  readonly maxRowLength: number;
}

/** Take chunks of rows of step `which` until none are left. */
function workChunks(job: AlsThreadJob, which: number, ws: Workspaces): void {
  const { control } = job;
  const step = job.steps[which];
  const changes = job.changes[which];
  const nRows = step.csr.nRows;
  const chunk = Atomics.load(control, CHUNK);
  for (;;) {
    const c = Atomics.add(control, NEXT, 1);
    const start = c * chunk;
    if (start >= nRows) return;
    const end = Math.min(nRows, start + chunk);
    if (isGibbs(step)) {
      ws.gibbs ??= new GibbsRowWorkspace(job.k, job.maxRowLength);
      for (let r = start; r < end; r++) gibbsDrawRow(step, r, ws.gibbs);
    } else {
      ws.als ??= new AlsWorkspace(job.k, job.maxRowLength);
      for (let r = start; r < end; r++) changes[r] = alsSolveRow(step, r, ws.als);
    }
  }
}

/**
 * The worker side of a fit (called by ./als-worker for each job message): solve chunks for every command
 * generation until STOP. Errors are reported through shared memory, never thrown past the barrier.
 * @internal
 */
export function runAlsThreadJob(job: AlsThreadJob): void {
  const { control } = job;
  const ws: Workspaces = { als: null, gibbs: null };
  let seen = 0;
  for (;;) {
    Atomics.wait(control, GEN, seen);
    const gen = Atomics.load(control, GEN);
    if (gen === seen) continue;
    seen = gen;
    const cmd = Atomics.load(control, CMD);
    if (cmd === STOP) {
      Atomics.add(control, DONE, 1);
      Atomics.notify(control, DONE);
      return;
    }
    try {
      workChunks(job, cmd, ws);
    } catch (e) {
      reportError(job, e);
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}

function reportError(job: AlsThreadJob, e: unknown): void {
  if (Atomics.compareExchange(job.control, ERROR, 0, 1) !== 0) return;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const bytes = new TextEncoder().encode(text).subarray(0, ERROR_BYTES);
  job.errorText.set(bytes);
  Atomics.store(job.control, ERROR_LENGTH, bytes.length);
}

// ---- The worker pool. ----

interface Pooled {
  worker: Worker;
  dead: boolean;
}

const pool: Pooled[] = [];

function workerSpec(): { script: string; options: { eval?: boolean; workerData?: unknown } } {
  const js = path.join(__dirname, "als-worker.js");
  if (fs.existsSync(js)) return { script: js, options: {} };
  const ts = path.join(__dirname, "als-worker.ts");
  if (fs.existsSync(ts)) {
    let esbuild: string | undefined;
    try {
      esbuild = require.resolve("esbuild", { paths: [__dirname] });
    } catch {
      esbuild = undefined;
    }
    if (esbuild !== undefined) return { script: TS_BOOTSTRAP, options: { eval: true, workerData: { entry: ts, esbuild } } };
  }
  const built = path.resolve(__dirname, "../../../dist/models/als/als-worker.js");
  if (fs.existsSync(built)) return { script: built, options: {} };
  throw new Error(`ALS threads: worker script not found (${js}); build the package (npx tsc -p .) or use threads: 1`);
}

/** Worker bootstrap when running from the .ts sources: transpile required .ts files with esbuild. */
const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const esbuild = require(workerData.esbuild);
require.extensions[".ts"] = function (module, filename) {
  const out = esbuild.transformSync(fs.readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: filename });
  module._compile(out.code, filename);
};
require(workerData.entry);
`;

function workers(n: number): Worker[] {
  for (let k = pool.length - 1; k >= 0; k--) if (pool[k].dead) pool.splice(k, 1);
  while (pool.length < n) {
    const { script, options } = workerSpec();
    const worker = new Worker(script, options);
    const entry: Pooled = { worker, dead: false };
    const drop = (): void => {
      entry.dead = true;
    };
    worker.on("error", drop);
    worker.on("exit", drop);
    worker.unref();
    pool.push(entry);
  }
  return pool.slice(0, n).map((p) => p.worker);
}

function discardPool(): void {
  for (const p of pool.splice(0)) {
    p.dead = true;
    void p.worker.terminate();
  }
}

/** Terminate the pooled ALS worker threads (they are unref'd, so this is only needed to free them early). */
export async function stopAlsThreads(): Promise<void> {
  const all = pool.splice(0);
  await Promise.all(all.map((p) => p.worker.terminate()));
}

/** Number of live pooled workers (for tests and diagnostics). */
export function alsThreadPoolSize(): number {
  return pool.filter((p) => !p.dead).length;
}

/**
 * Run `steps` on `threads` threads (this one + threads − 1 pooled workers). Every array the steps reference
 * (CSR, factors, biases; for Gibbs steps also the targets, hyperparameters and state) must live on a
 * SharedArrayBuffer. `run(which)` returns the summed squared change exactly as {@link alsHalfStep} would (0 for a
 * Gibbs step).
 * @throws RangeError when threads < 1 or an array is not shared
 */
export function startAlsThreads(steps: readonly ThreadedStep[], k: number, maxRowLength: number, threads: number): AlsHalfStepRunner {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`startAlsThreads: threads must be an integer ≥ 1, got ${threads}`);
  for (const s of steps) {
    const arrays: readonly (ArrayBufferView | null)[] = isGibbs(s)
      ? gibbsStepArrays(s)
      : [s.csr.indptr, s.csr.indices, s.csr.values, s.fixed, s.solved, s.fixedBias, s.solvedBias, s.errors?.out ?? null];
    if (!arrays.every(isShared)) throw new RangeError("startAlsThreads: every array of a half-step must be on a SharedArrayBuffer");
  }
  const ws: Workspaces = { als: null, gibbs: null };
  const job: AlsThreadJob = {
    type: "mflab-als-fit",
    control: sharedInt32(CONTROL_WORDS),
    errorText: new Uint8Array(new SharedArrayBuffer(ERROR_BYTES)),
    steps,
    changes: steps.map((s) => sharedFloat64(s.csr.nRows)),
    k,
    maxRowLength,
  };
  const control = job.control;
  const team = threads > 1 ? workers(threads - 1) : [];
  for (const w of team) w.postMessage(job);
  const nWorkers = team.length;
  let closed = false;

  /** Start command `cmd` on the workers and wait for all of them (the calling thread works in between). */
  const command = (cmd: number, chunk: number, work: () => void): void => {
    // A failure of an earlier command was reported when that command threw: start each command clean.
    Atomics.store(control, ERROR, 0);
    Atomics.store(control, ERROR_LENGTH, 0);
    Atomics.store(control, NEXT, 0);
    Atomics.store(control, DONE, 0);
    Atomics.store(control, CHUNK, chunk);
    Atomics.store(control, CMD, cmd);
    Atomics.add(control, GEN, 1);
    Atomics.notify(control, GEN);
    let failure: unknown;
    try {
      work();
    } catch (e) {
      failure = e;
      Atomics.store(control, NEXT, 0x3fffffff); // let the workers run out of chunks
    }
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done >= nWorkers) break;
      const progress = done * 0x100000 + Atomics.load(control, NEXT);
      const now = performance.now();
      if (progress !== last) {
        last = progress;
        lastChange = now;
      } else if (now - lastChange > ALS_THREAD_STALL_MS) {
        discardPool();
        closed = true;
        throw new Error(
          `row threads (ALS / Gibbs): a worker thread made no progress for ${ALS_THREAD_STALL_MS / 1000} s (crashed or out of memory?)`,
        );
      }
      Atomics.wait(control, DONE, done, 1000);
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(control, ERROR) !== 0) {
      const text = new TextDecoder().decode(job.errorText.slice(0, Atomics.load(control, ERROR_LENGTH)));
      throw new Error(`${steps.some(isGibbs) ? "Gibbs" : "ALS"} worker thread failed: ${text}`);
    }
  };

  return {
    run(which: number): number {
      if (closed) throw new Error("startAlsThreads: run after close");
      const step = steps[which];
      const nRows = step.csr.nRows;
      const chunk = Math.max(8, Math.ceil(nRows / (threads * 64)));
      command(which, chunk, () => workChunks(job, which, ws));
      const changes = job.changes[which];
      let change = 0;
      for (let r = 0; r < nRows; r++) change += changes[r];
      return change;
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (nWorkers > 0) command(STOP, 1, () => {});
    },
  };
}

/** The backend of ./als for `threads` threads: shared CSR views and factors, {@link startAlsThreads}. */
export function threadedAlsBackend(threads: number): AlsBackend {
  return {
    csr: (train: RatingsMatrix) => ({
      byUser: buildSharedCsr(train.nUsers, train.nItems, train.users, train.items, train.values),
      byItem: buildSharedCsr(train.nItems, train.nUsers, train.items, train.users, train.values),
    }),
    allocate: sharedFloat64,
    start: (steps, k, maxRowLength) => startAlsThreads(steps, k, maxRowLength, threads),
  };
}
