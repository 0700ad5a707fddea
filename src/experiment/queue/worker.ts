/**
 * `mflab worker`: pull runs from the queue, fit them here, hand back their records ({@link startQueueWorker}).
 *
 * - **Same numbers**: each run is fitted in a worker thread (./run-thread.ts) by the same `executeRun` a local sweep
 *   uses, on data this machine loads from its own files (relative paths from `dataRoot`), after the payload has been
 *   validated (./job.ts) and the data's fingerprint compared with the coordinator's.
 * - **Dead workers**: a job's lock lives `stallSeconds` and is renewed by this process while the run is fitted (the
 *   fit runs in a thread, so the renewal is never blocked). A worker that dies (kill -9, machine loss) stops
 *   renewing; the next stall check of any live worker puts the job back in the queue for another worker. A run
 *   whose worker dies {@link MAX_STALLS} + 1 times (it may be what kills them: memory) fails for good.
 * - **Failures**: a run that fails for a model reason is an ordinary record with status "failed" (a completed job:
 *   never retried); an invalid payload fails its job at once (BullMQ's UnrecoverableError, no retry). A run this
 *   machine cannot do as asked (its data's fingerprint differs, the data cannot be loaded, another mflab version) is
 *   recorded failed with the reason, naming both fingerprints or versions, and the worker then stops taking runs:
 *   its data needs fixing, and every run it took would fail the same way.
 * - **Stopping**: {@link QueueWorkerHandle.stop} (Ctrl-C) takes no new run and lets the runs in progress finish;
 *   {@link QueueWorkerHandle.abandon} (a second Ctrl-C) ends their threads and puts their jobs back in the queue at
 *   once, for another worker.
 */
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import { Worker as Thread } from "node:worker_threads";
import type { Job } from "bullmq";
import { InputError } from "../../core/errors";
import type { RunRecord } from "../../results/schema";
import { availableCores } from "../pool";
import { memoryBudget } from "../resources";
import { connectOnce, describeRedisError, loadBullmq, parseQueueUrl, QUEUE_NAME, QUEUE_PREFIX, type QueueAddress } from "./connection";
import { recordParams, validateJobPayload, type JobPayload } from "./job";
import type { ThreadReply, ThreadTask } from "./run-thread";

/** Times a run's worker may die (its job stalls) and the run is still handed to another worker. */
export const MAX_STALLS = 2;
/** Default seconds a job's lock lives without renewal before its worker is presumed dead. */
export const DEFAULT_STALL_SECONDS = 30;

export interface QueueWorkerOptions {
  /** `redis://[:PASSWORD@]HOST[:PORT][/DB]` or `rediss://…`. */
  queue: string;
  /** Runs fitted at once, one thread each (default 1). */
  concurrency?: number;
  /** Relative data paths of the jobs resolve against it (default: the current directory). */
  dataRoot?: string;
  /** A worker silent this long is presumed dead and its run handed to another (default 30). */
  stallSeconds?: number;
  /** Memory budget per run in bytes (default: half this machine's memory shared by the concurrent runs). */
  memoryBudget?: number;
  /** What the worker does, for its log. */
  onEvent?: (event: QueueWorkerEvent) => void;
}

export type QueueWorkerEvent =
  | { type: "ready"; address: string; name: string; concurrency: number; dataRoot: string }
  | { type: "run-start"; sweep: string; runId: string; model: string; params: Record<string, unknown>; fold: string }
  | { type: "run-end"; sweep: string; record: RunRecord }
  | { type: "refused"; sweep: string; runId: string; reason: string }
  | { type: "invalid-job"; jobId: string; reason: string }
  | { type: "redis-error"; message: string }
  | { type: "abandoned"; runs: number };

export interface QueueWorkerHandle {
  /** `host#pid`: how the queue names this worker. */
  name: string;
  /** Take no new run; the runs in progress finish and are handed back. */
  stop(): void;
  /** End the runs in progress now and put them back in the queue for another worker. */
  abandon(): Promise<void>;
  /** Resolves when the worker has stopped: why, and the refusal that stopped it, if any. */
  closed: Promise<{ reason: "stopped" | "abandoned" | "refused"; refusal?: string }>;
}

class Abandoned extends Error {}

/** The compiled thread entry (next to this file in dist/; from the sources, the built copy in dist/). */
function threadScript(): string {
  const here = path.join(__dirname, "run-thread.js");
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, "../../../dist/experiment/queue/run-thread.js");
  if (fs.existsSync(built)) return built;
  throw new InputError("mflab worker needs the built package (run `npm run build`)", here);
}

/** Threads that each fit one run at a time; a crashed thread fails its run and is replaced. */
class RunThreads {
  private idle: Thread[] = [];
  private busy = new Map<Thread, { resolve: (r: ThreadReply) => void; reject: (e: Error) => void; task: ThreadTask }>();
  private abandoned = false;
  constructor(private readonly script: string) {}

  run(task: ThreadTask): Promise<ThreadReply> {
    if (this.abandoned) return Promise.reject(new Abandoned());
    const thread = this.idle.pop() ?? this.spawn();
    return new Promise((resolve, reject) => {
      this.busy.set(thread, { resolve, reject, task });
      thread.postMessage(task);
    });
  }

  private spawn(): Thread {
    const thread = new Thread(this.script, { workerData: { mflabQueueThread: true } });
    const settle = (f: (b: { resolve: (r: ThreadReply) => void; reject: (e: Error) => void; task: ThreadTask }) => void) => {
      const b = this.busy.get(thread);
      this.busy.delete(thread);
      if (b) f(b);
    };
    thread.on("message", (reply: ThreadReply) => {
      settle((b) => b.resolve(reply));
      if (!this.abandoned) this.idle.push(thread);
    });
    const crashed = (why: string) =>
      settle((b) => {
        if (this.abandoned) return b.reject(new Abandoned());
        const p = b.task.payload;
        const now = new Date().toISOString();
        b.resolve({
          record: { id: p.run.id, params: recordParams(p), seed: p.run.seed, status: "failed", error: why, startedAt: now, finishedAt: now },
        });
      });
    thread.on("error", (e) => crashed(`worker crashed: ${e.message}`));
    thread.on("exit", (code) => {
      this.idle = this.idle.filter((t) => t !== thread);
      crashed(`worker crashed (its thread exited with code ${code})`);
    });
    return thread;
  }

  /** End every thread; the runs in progress reject with {@link Abandoned}. */
  async terminate(): Promise<number> {
    this.abandoned = true;
    const running = this.busy.size;
    const all = [...this.idle, ...this.busy.keys()];
    this.idle = [];
    await Promise.all(all.map((t) => t.terminate()));
    return running;
  }
}

/**
 * Start a worker (module doc). Resolves once connected to Redis and listening for runs.
 * @throws InputError when Redis cannot be reached or refuses the connection (the message names the address
 *   without its password)
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const address: QueueAddress = parseQueueUrl(options.queue);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const stallMs = Math.round((options.stallSeconds ?? DEFAULT_STALL_SECONDS) * 1000);
  if (!(stallMs >= 500)) throw new InputError(`must be at least 0.5 seconds, got ${options.stallSeconds}`, "--stall-timeout");
  const dataRoot = path.resolve(options.dataRoot ?? process.cwd());
  const budget = memoryBudget(concurrency, options.memoryBudget);
  const name = `${os.hostname()}#${process.pid}`;
  const emit = (e: QueueWorkerEvent) => options.onEvent?.(e);
  const threads = new RunThreads(threadScript());
  const host = os.hostname();
  if (concurrency > availableCores()) {
    emit({ type: "redis-error", message: `note: ${concurrency} runs at once on ${availableCores()} cores: they will compete for them` });
  }

  // A wrong address, password or certificate fails here at once, before any thread or job.
  (await connectOnce(address, `mflab-worker-${name}`, "cannot use the queue")).disconnect();
  const { Worker, UnrecoverableError, WaitingError } = loadBullmq();
  let refusal: string | undefined;
  let abandoning = false;
  let lastErrorAt = 0;
  let lastError = "";

  const processor = async (job: Job, token?: string): Promise<RunRecord> => {
    let payload: JobPayload;
    try {
      payload = validateJobPayload(job.data);
    } catch (e) {
      const reason = `invalid job ${job.id}: ${(e as Error).message}`;
      emit({ type: "invalid-job", jobId: String(job.id), reason });
      throw new UnrecoverableError(reason);
    }
    emit({
      type: "run-start",
      sweep: payload.sweep.name,
      runId: payload.run.id,
      model: payload.run.model,
      params: payload.run.params,
      fold: payload.run.fold,
    });
    let reply: ThreadReply;
    try {
      reply = await threads.run({ payload, dataRoot, budget });
    } catch (e) {
      if (!(e instanceof Abandoned)) throw e;
      // Back to the queue now (not after the stall timeout), for another worker.
      if (token !== undefined) await job.moveToWait(token).catch(() => undefined);
      throw new WaitingError();
    }
    const record: RunRecord = { ...reply.record, host };
    if ("refusal" in reply) {
      record.error = `worker ${name} refused the run: ${reply.refusal}`;
      emit({ type: "refused", sweep: payload.sweep.name, runId: payload.run.id, reason: reply.refusal });
      if (refusal === undefined) {
        refusal = reply.refusal;
        void worker.close(); // takes no further run; this one is handed back as failed
      }
    } else {
      emit({ type: "run-end", sweep: payload.sweep.name, record });
    }
    return record;
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: { ...address.options, connectionName: `mflab-worker-${name}`, retryStrategy: (times: number) => Math.min(250 * times, 2000) },
    prefix: QUEUE_PREFIX,
    concurrency,
    name,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: MAX_STALLS,
    autorun: false,
  });
  worker.on("error", (e) => {
    if (abandoning) return;
    const message = describeRedisError(e);
    // One line per distinct problem, and the same one at most every 30 s (Redis down: it retries every 2 s).
    if (message !== lastError || Date.now() - lastErrorAt > 30_000) {
      lastError = message;
      lastErrorAt = Date.now();
      emit({ type: "redis-error", message: `${address.display}: ${message} (retrying)` });
    }
  });

  try {
    await withTimeout(worker.waitUntilReady(), 15_000, `could not connect within 15 s (${lastError || "no answer"})`);
  } catch (e) {
    await worker.close(true).catch(() => undefined);
    await threads.terminate();
    throw new InputError(`cannot use the queue: ${describeRedisError(e)}`, address.display);
  }
  const running = worker.run();
  emit({ type: "ready", address: address.display, name, concurrency, dataRoot });

  let abandonedRuns = 0;
  const closed = running
    .catch(() => undefined)
    .then(async () => {
      await worker.close().catch(() => undefined);
      if (!abandoning) await threads.terminate();
      const reason: "stopped" | "abandoned" | "refused" = abandoning ? "abandoned" : refusal !== undefined ? "refused" : "stopped";
      if (abandoning) emit({ type: "abandoned", runs: abandonedRuns });
      return { reason, ...(refusal !== undefined ? { refusal } : {}) };
    });

  return {
    name,
    stop: () => void worker.close(),
    abandon: async () => {
      abandoning = true;
      abandonedRuns = await threads.terminate();
      await worker.close().catch(() => undefined);
    },
    closed,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
