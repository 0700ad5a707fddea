/**
 * The coordinator of a queue sweep (`mflab sweep <spec> --queue redis://…`, `runSweep(spec, { queue })`): the
 * runner (../runner.ts) plans the sweep exactly as a local one — same expansion, run ids, seeds, skipped runs — and
 * stays the only writer of the results file; this module hands its runs to the queue and collects their records
 * ({@link runOnQueue}).
 *
 * Protocol:
 * - **Sweep id**: a hash of the normalised spec and the data fingerprint (the same sweep ⇔ the same runs). Jobs are
 *   named `<sweep id>.<run id>`, so enqueueing is idempotent: adding a job whose id exists is a no-op.
 * - **One coordinator per sweep**: `mflab:sweep:<id>:owner` holds the coordinator's record (host, pid, its start
 *   time, a token), written with SET NX and a 15 s expiry that the coordinator renews every 5 s. A second
 *   coordinator is refused while the claim lives; a claim whose process is gone from this host (kill -9) is taken
 *   over at once (compare-and-set of the exact value seen), one of another host expires within 15 s.
 * - **Enqueue / re-attach**: the runs still missing from the results file are compared with the jobs in Redis:
 *   jobs waiting or running are left alone (re-attached), jobs that finished while no coordinator was running are
 *   collected, and only runs without a job are enqueued (the same reconciliation runs every few seconds and after
 *   Redis comes back, so jobs lost with a Redis restart are enqueued again).
 * - **Collect**: every `pollMs` the coordinator reads the ids of the running, completed and failed jobs; a
 *   completed job's record is checked field by field against the results schema and against the run it was
 *   enqueued for (id, params, seed) — the queue is not trusted —, saved (the atomic rewrite of the results file),
 *   and only then is the job removed. A job that failed (an invalid payload, or a run whose worker died more than
 *   the allowed number of times) is recorded as a failed run with the reason.
 * - **Stopping**: `stop` (Ctrl-C) withdraws the jobs still waiting and collects the runs in progress; `abandon`
 *   (a second Ctrl-C, SIGTERM, kill -9) leaves every job where it is: the workers finish them and the next
 *   coordinator of the sweep collects them. Redis unreachable for `redisTimeout` seconds stops the sweep with an
 *   InputError; every run collected so far is in the file.
 * - **Runs given as they go** (searches, ../search/run.ts): instead of (or after) a list, a {@link QueueFeed} gives
 *   the next run when the sweep has fewer than `depth` runs in the queue (waiting or running), right after each
 *   collected run is saved — so a search's trial is suggested from the trials recorded at that moment. The depth
 *   is `QueueOptions.depth`, or else the number of `mflab worker` processes connected to the queue (at least 1,
 *   re-read with each reconciliation). Everything else (claim, re-attach, Ctrl-C, Redis outages) is the same.
 */
import * as os from "node:os";
import { createHash, randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type Redis from "ioredis";
import { InputError } from "../../core/errors";
import * as s from "../../core/schema";
import { canonicalJson } from "../../core/json";
import { MFLAB_VERSION } from "../../core/version";
import type { DataSpec } from "../../data/spec";
import { processAlive, processStartTicks } from "../../results/atomic";
import { RUN_RECORD, type RunRecord } from "../../results/schema";
import type { FoldsSpec } from "../folds";
import type { EvaluationSpec } from "../spec";
import {
  connectOnce,
  describeRedisError,
  jobIdOf,
  loadBullmq,
  loadIoredis,
  ownerKey,
  parseQueueUrl,
  QUEUE_NAME,
  QUEUE_PREFIX,
  SWEEPS_KEY,
  sweepOfJob,
  type QueueAddress,
  type SweepMeta,
} from "./connection";
import { JOB_FORMAT, type JobPayload } from "./job";
import { MAX_STALLS } from "./worker";

/** How a sweep reaches its queue. */
export interface QueueOptions {
  /** `redis://[:PASSWORD@]HOST[:PORT][/DB]` or `rediss://…` (TLS). */
  url: string;
  /** Seconds without Redis before the sweep stops with an error (default 60). */
  redisTimeout?: number;
  /** Milliseconds between two looks at the queue (default 250). */
  pollMs?: number;
  /** Searches: trials in the queue at most (default: one per connected worker process; module doc). */
  depth?: number;
}

/** Runs handed out one at a time, while the queue has room (module doc). */
export interface QueueFeed {
  /** Runs the feed gives in all (for `mflab queue status`). */
  total: number;
  /** The next run, or undefined when there is none left. Called only while the sweep is not stopping. */
  next(): QueueRun | undefined;
}

/** One run to hand to the queue. */
export interface QueueRun {
  id: string;
  params: { model: string; [key: string]: unknown };
  seed: number;
  /** The fold's name ("" for the data's single split). */
  fold: string;
  repeat?: number;
  /** Threads fixed in the spec. */
  threads?: number;
  /** The coordinator's fingerprint of the run's fold. */
  fingerprint: string;
  /** A search trial: what its job carries besides the run (./job.ts). */
  trial?: JobPayload["trial"];
}

/** The sweep as the workers need it. */
export interface QueueSweep {
  id: string;
  name: string;
  file: string;
  data: DataSpec;
  folds?: FoldsSpec;
  seed: number;
  evaluation: EvaluationSpec;
  clip: readonly [number, number] | undefined;
  /** Finished jobs of this sweep left from before are dropped, not collected (--fresh). */
  fresh?: boolean;
  /** Failed runs left from before are run again (--retry-failed). */
  retryFailed?: boolean;
}

export interface QueueCallbacks {
  onStart(k: number, slot: number): void;
  onEnd(k: number, record: RunRecord, slot: number): void;
  warn(message: string): void;
}

/** The sweep id: the same normalised spec on the same data ⇔ the same runs ⇔ the same sweep. */
export function sweepIdOf(specHash: string, fingerprint: string): string {
  return createHash("sha256")
    .update(canonicalJson({ specHash, fingerprint, mflab: MFLAB_VERSION }))
    .digest("hex")
    .slice(0, 12);
}

const OWNER_TTL_MS = 15_000;
const RENEW_MS = 5_000;
const RECONCILE_MS = 5_000;
/** A sweep whose runs nobody has taken for this long says how to start workers. */
const NO_WORKER_MS = 10_000;

/** Set the claim to ARGV[1] when it is free, already ours, or still exactly the stale value ARGV[3]; else return it. */
const CLAIM = `local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] or v == ARGV[3] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return v`;
/** Delete the claim if it is ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface OwnerRecord {
  host: string;
  pid: number;
  pidStart?: string;
  token: string;
  startedAt: string;
  file: string;
}

/** Job states in which a job has not started: it can be withdrawn. */
const NOT_STARTED = new Set(["wait", "waiting", "delayed", "prioritized"]);

/**
 * Hand `runs` to the queue and collect their records (module doc). `onEnd` is called once per run, in the order
 * runs finish, and saves the results file; it may throw (the file cannot be written), which stops the sweep.
 * @throws InputError when Redis cannot be reached (at the start, or for `redisTimeout` seconds later), when another
 *   coordinator holds the sweep, or when the claim is lost
 */
export async function runOnQueue(
  runs: QueueRun[],
  sweep: QueueSweep,
  queueOptions: QueueOptions,
  callbacks: QueueCallbacks,
  signals: { stop?: AbortSignal; abandon?: AbortSignal } = {},
): Promise<void> {
  const session = await openQueue(sweep, queueOptions);
  try {
    await session.run(runs, callbacks, signals);
  } finally {
    await session.close();
  }
}

/** A sweep's hold on its queue: connected, and the sweep claimed by this process (module doc). */
export interface QueueSession {
  /**
   * Hand `runs` to the queue and collect their records ({@link runOnQueue}); then those of `feed`, whose runs are
   * numbered after `runs` in the callbacks.
   */
  run(runs: QueueRun[], callbacks: QueueCallbacks, signals?: { stop?: AbortSignal; abandon?: AbortSignal }, feed?: QueueFeed): Promise<void>;
  /** Release the claim and disconnect (never throws). */
  close(): Promise<void>;
}

/**
 * Connect to the queue and claim the sweep, before anything is written: a second coordinator, a wrong address or
 * an unreachable Redis is refused while the results file is still untouched.
 * @throws InputError when Redis cannot be reached or another coordinator holds the sweep
 */
export async function openQueue(sweep: QueueSweep, queueOptions: QueueOptions): Promise<QueueSession> {
  const address = parseQueueUrl(queueOptions.url);
  const timeoutMs = Math.max(1, queueOptions.redisTimeout ?? 60) * 1000;
  const pollMs = Math.max(10, queueOptions.pollMs ?? 250);
  // A wrong address, password or certificate fails at once; later outages are waited for (up to redisTimeout).
  (await connectOnce(address, "mflab-coordinator", "cannot reach Redis")).disconnect();
  const client = await connect(address, timeoutMs);
  const { Queue } = loadBullmq();
  const queue: Queue = new Queue(QUEUE_NAME, {
    connection: { ...address.options, ...RETRY, connectionName: "mflab-coordinator" },
    prefix: QUEUE_PREFIX,
  });
  let lastError = "";
  queue.on("error", (e) => {
    lastError = describeRedisError(e);
  });
  const owner: OwnerRecord = {
    host: os.hostname(),
    pid: process.pid,
    pidStart: processStartTicks(),
    token: randomBytes(8).toString("hex"),
    startedAt: new Date().toISOString(),
    file: sweep.file,
  };
  const mine = JSON.stringify(owner);
  let renewer: NodeJS.Timeout | undefined;
  let lostClaim: string | undefined;
  let claimed = false;
  const close = async () => {
    if (renewer) clearInterval(renewer);
    if (claimed) await client.eval(RELEASE, 1, ownerKey(sweep.id), mine).catch(() => undefined);
    await queue.close().catch(() => undefined);
    client.disconnect();
  };
  try {
    await withTimeout(queue.waitUntilReady(), timeoutMs, () => lastError || "no answer");
    await claim(client, sweep, mine);
    claimed = true;
    renewer = setInterval(() => {
      client
        .eval(CLAIM, 1, ownerKey(sweep.id), mine, String(OWNER_TTL_MS), "")
        .then((r) => {
          if (r !== 1) lostClaim = describeOwner(String(r));
        })
        .catch(() => undefined); // Redis away: the main loop reports it
    }, RENEW_MS);
    renewer.unref();
  } catch (e) {
    await close();
    if (e instanceof InputError) throw e;
    throw new InputError(`the queue failed: ${describeRedisError(e)}`, address.display);
  }

  let runs: QueueRun[] = [];
  let callbacks: QueueCallbacks = { onStart: () => undefined, onEnd: () => undefined, warn: () => undefined };
  let signals: { stop?: AbortSignal; abandon?: AbortSignal } = {};
  let feed: QueueFeed | undefined;
  return {
    close,
    run: async (theRuns, theCallbacks, theSignals = {}, theFeed) => {
      runs = [...theRuns];
      feed = theFeed;
      callbacks = theCallbacks;
      signals = theSignals;
      try {
        const meta: SweepMeta = {
          name: sweep.name,
          file: sweep.file,
          host: owner.host,
          pid: owner.pid,
          total: runs.length + (feed?.total ?? 0),
          mflab: MFLAB_VERSION,
          startedAt: owner.startedAt,
        };
        await client.hset(SWEEPS_KEY, sweep.id, JSON.stringify(meta));
        // Every run collected: the sweep is finished and leaves nothing in Redis.
        if (await collect()) await client.hdel(SWEEPS_KEY, sweep.id);
      } catch (e) {
        if (e instanceof InputError) throw e;
        // Redis's own refusals (ReplyError: out of memory, a read-only replica, …) and lost connections; anything else is a bug.
        if (isConnectionError(e) || (e as Error)?.name === "ReplyError")
          throw new InputError(`the queue failed: ${describeRedisError(e)}`, address.display);
        throw e;
      }
    },
  };

  /** Resolves true when every run is collected, false when stopped before. */
  async function collect(): Promise<boolean> {
    const byJob = new Map(runs.map((r, k) => [jobIdOf(sweep.id, r.id), k]));
    const pending = new Set(byJob.keys());
    const slots = new Map<string, number>();
    const withdrawn = new Set<string>();
    let withdrew = false;
    const slotOf = (jobId: string): number => {
      let slot = slots.get(jobId);
      if (slot === undefined) {
        const used = new Set(slots.values());
        for (slot = 1; used.has(slot); slot++);
        slots.set(jobId, slot);
        callbacks.onStart(byJob.get(jobId)!, slot);
      }
      return slot;
    };
    const finish = (jobId: string, record: RunRecord) => {
      const slot = slotOf(jobId);
      pending.delete(jobId);
      callbacks.onEnd(byJob.get(jobId)!, record, slot);
      slots.delete(jobId);
    };
    const ours = (ids: string[]) => ids.filter((id) => sweepOfJob(id) === sweep.id);
    // Runs from the feed: added while fewer than `depth` are pending (in the queue), and enqueued at once.
    let depth = Math.max(1, queueOptions.depth ?? 1);
    const liveDepth = async () => {
      if (queueOptions.depth !== undefined) return;
      // One entry per connection; a worker process has several, all with its name (host#pid).
      const workers = (await queue.getWorkers()) as { name?: string; rawname?: string }[];
      depth = Math.max(1, new Set(workers.map((w) => w.rawname ?? w.name)).size);
    };
    let fed = false;
    const refill = async () => {
      while (feed !== undefined && !fed && !signals.stop?.aborted && !signals.abandon?.aborted && pending.size < depth) {
        const run = feed.next();
        if (run === undefined) {
          fed = true;
          break;
        }
        const id = jobIdOf(sweep.id, run.id);
        byJob.set(id, runs.push(run) - 1);
        pending.add(id);
        // Idempotent (the job id); lost with Redis, it is enqueued again by the next reconciliation.
        await queue.add("run", payloadOf(run), JOB_OPTIONS(id));
      }
    };

    // Leftovers from an earlier coordinator of this sweep: dropped with --fresh, failed ones with --retry-failed.
    if (sweep.fresh || sweep.retryFailed) {
      for (const id of ours(await queue.getRanges(["completed", "failed"], 0, -1))) {
        if (!pending.has(id) && (feed === undefined || !sweep.fresh)) continue; // a feed's runs are not known yet
        const job = await queue.getJob(id);
        const failed =
          job !== undefined && ((job.failedReason ?? "") !== "" || (job.returnvalue as { status?: unknown } | null)?.status === "failed");
        if (sweep.fresh || failed) await queue.remove(id);
      }
    }

    let lastOk = Date.now();
    let lastReconcile = 0;
    const waitingSince = Date.now();
    let seenWork = false;
    let outage: string | undefined;
    let primed = false;
    for (;;) {
      if (pending.size === 0 && (feed === undefined || fed || signals.stop?.aborted)) return true;
      if (signals.abandon?.aborted || (pending.size > 0 && [...pending].every((id) => withdrawn.has(id)))) return false;
      if (lostClaim !== undefined) {
        throw new InputError(
          `lost its claim on sweep ${sweep.id} to ${lostClaim}; stopped (every run collected so far is in ${sweep.file})`,
          address.display,
        );
      }
      try {
        if (feed !== undefined && !primed) {
          await liveDepth();
          primed = true;
        }
        await refill();
        if (signals.stop?.aborted && !withdrew) await withdraw();
        if (Date.now() - lastReconcile > RECONCILE_MS || outage !== undefined) {
          if (feed !== undefined) await liveDepth();
          await reconcile();
          lastReconcile = Date.now();
        }
        const [active, completed, failed] = await Promise.all([
          queue.getRanges(["active"], 0, -1),
          queue.getRanges(["completed"], 0, -1),
          queue.getRanges(["failed"], 0, -1),
        ]);
        for (const id of ours(active)) if (pending.has(id)) slotOf(id);
        if (!seenWork && (slots.size > 0 || ours(completed).length + ours(failed).length > 0)) seenWork = true;
        if (!seenWork && Date.now() - waitingSince > NO_WORKER_MS) {
          seenWork = true; // said once
          callbacks.warn(
            `no worker has taken a run for ${NO_WORKER_MS / 1000} s: start one on each machine with \`mflab worker --queue ${address.display}\``,
          );
        }
        for (const id of ours(completed)) {
          await collectCompleted(id);
          await refill();
        }
        for (const id of ours(failed)) {
          await collectFailed(id);
          await refill();
        }
        await refill();
        lastOk = Date.now();
        if (outage !== undefined) {
          callbacks.warn(`Redis at ${address.display} is back; the sweep goes on`);
          outage = undefined;
        }
      } catch (e) {
        if (e instanceof InputError) throw e;
        if (!isConnectionError(e)) throw e;
        const reason = describeRedisError(e);
        if (outage === undefined) {
          outage = reason;
          callbacks.warn(`lost the connection to Redis at ${address.display} (${reason}); waiting up to ${timeoutMs / 1000} s for it to come back`);
        }
        if (Date.now() - lastOk > timeoutMs) {
          throw new InputError(
            `lost the connection to Redis (${reason}) for ${Math.round((Date.now() - lastOk) / 1000)} s: stopped. Every run collected so far ` +
              `is in ${sweep.file}; the queued runs stay with Redis (if it keeps its data) — start it again and re-run the same command to resume`,
            address.display,
          );
        }
      }
      if (pending.size === 0 && (feed === undefined || fed || signals.stop?.aborted)) return true;
      await sleep(pollMs, signals.abandon, signals.stop);
    }

    /** Enqueue the runs that have no job (module doc); remove finished jobs of runs already recorded. */
    async function reconcile(): Promise<void> {
      const present = new Set(ours(await queue.getRanges(["wait", "delayed", "prioritized", "active", "completed", "failed"], 0, -1)));
      const missing = [...pending].filter((id) => !present.has(id) && !withdrawn.has(id));
      if (signals.stop?.aborted) {
        for (const id of missing) withdrawn.add(id);
        return;
      }
      for (let i = 0; i < missing.length; i += 500) {
        const chunk = missing.slice(i, i + 500);
        await queue.addBulk(chunk.map((id) => ({ name: "run", data: payloadOf(runs[byJob.get(id)!]), opts: JOB_OPTIONS(id) })));
      }
    }

    /** Take back the jobs still waiting (Ctrl-C): the runs in progress finish and are collected. */
    async function withdraw(): Promise<void> {
      const states = await Promise.all([...pending].map(async (id) => [id, await queue.getJobState(id)] as const));
      for (const [id, state] of states) {
        if (state === "unknown" || (NOT_STARTED.has(state) && (await queue.remove(id)) === 1)) withdrawn.add(id);
      }
      withdrew = true;
    }

    async function collectCompleted(id: string): Promise<void> {
      const job = await queue.getJob(id);
      if (job === undefined) return;
      if (pending.has(id)) finish(id, checkRecord(job.returnvalue, runs[byJob.get(id)!], hostOf(job.processedBy)));
      await job.remove().catch(() => undefined); // recorded (the file is saved): the job is done with
    }

    async function collectFailed(id: string): Promise<void> {
      const job = await queue.getJob(id);
      if (job === undefined) return;
      if (pending.has(id)) {
        const run = runs[byJob.get(id)!];
        const reason = /stalled more than allowable limit/.test(job.failedReason ?? "")
          ? `its worker stopped responding ${MAX_STALLS + 1} times while running it (killed, out of memory, or the machine was lost); not handed out again — re-run with --retry-failed to try once more`
          : `the queue failed the run: ${job.failedReason || "no reason given"}`;
        const iso = (t: number | undefined) => new Date(t ?? Date.now()).toISOString();
        const record: RunRecord = {
          id: run.id,
          params: run.params,
          seed: run.seed,
          status: "failed",
          error: reason,
          startedAt: iso(job.processedOn),
          finishedAt: iso(job.finishedOn),
        };
        const host = hostOf(job.processedBy);
        if (host !== undefined) record.host = host;
        finish(id, record);
      }
      await job.remove().catch(() => undefined);
    }
  }

  function payloadOf(run: QueueRun): JobPayload {
    const { model, ...params } = run.params;
    return {
      format: JOB_FORMAT,
      mflab: MFLAB_VERSION,
      sweep: { id: sweep.id, name: sweep.name },
      run: {
        id: run.id,
        model,
        params,
        seed: run.seed,
        fold: run.fold,
        ...(run.repeat !== undefined ? { repeat: run.repeat } : {}),
        ...(run.threads !== undefined ? { threads: run.threads } : {}),
      },
      data: {
        spec: sweep.data,
        ...(sweep.folds !== undefined ? { folds: sweep.folds as JobPayload["data"]["folds"] } : {}),
        seed: sweep.seed,
        fingerprint: run.fingerprint,
      },
      evaluation: sweep.evaluation,
      clip: sweep.clip === undefined ? null : [sweep.clip[0], sweep.clip[1]],
      ...(run.trial !== undefined ? { trial: run.trial } : {}),
    };
  }
}

/** Jobs are kept when finished (until the coordinator has saved their record); one attempt: a failure is recorded, not retried. */
const JOB_OPTIONS = (jobId: string) => ({ jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });

/** ioredis options of the coordinator's connections: fail fast while Redis is away (the main loop decides how long to wait). */
const RETRY = { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times: number) => Math.min(250 * times, 1000) };

async function connect(address: QueueAddress, timeoutMs: number): Promise<Redis> {
  const IORedis = loadIoredis();
  const client = new IORedis({ ...address.options, ...RETRY, lazyConnect: true, connectionName: "mflab-coordinator" });
  let lastError = "";
  client.on("error", (e) => {
    lastError = describeRedisError(e);
  });
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        client.once("ready", () => resolve());
        client.connect().catch(() => undefined); // retried by retryStrategy until ready or the timeout
      }),
      Math.min(timeoutMs, 15_000),
      () => lastError || "no answer",
    );
  } catch (e) {
    client.disconnect();
    throw new InputError(`cannot reach Redis: ${(e as Error).message}`, address.display);
  }
  return client;
}

/** Take the sweep's claim, or refuse (module doc). */
async function claim(client: Redis, sweep: QueueSweep, mine: string): Promise<void> {
  let stale = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await client.eval(CLAIM, 1, ownerKey(sweep.id), mine, String(OWNER_TTL_MS), stale);
    if (r === 1) return;
    const seen = String(r);
    let other: Partial<OwnerRecord> = {};
    try {
      other = JSON.parse(seen) as Partial<OwnerRecord>;
    } catch {
      /* not ours: refused below */
    }
    const gone = other.host === os.hostname() && typeof other.pid === "number" && !processAlive(other.pid, other.pidStart);
    if (!gone) {
      throw new InputError(
        `sweep ${sweep.name} (id ${sweep.id}) already has a coordinator: ${describeOwner(seen)}. Two coordinators on one sweep would ` +
          `both write its results; wait for it to finish or stop it (a coordinator killed on another machine releases the sweep within ${OWNER_TTL_MS / 1000} s)`,
      );
    }
    stale = seen; // its process is gone from this host: take over exactly this claim
  }
  throw new InputError(`sweep ${sweep.name} (id ${sweep.id}): could not take over the claim of a coordinator that is gone; try again`);
}

function describeOwner(value: string): string {
  try {
    const o = JSON.parse(value) as OwnerRecord;
    return `pid ${o.pid} on ${o.host}, writing ${o.file}, since ${o.startedAt}`;
  } catch {
    return "an unknown claim";
  }
}

/** The host of a BullMQ worker name `host#pid`. */
function hostOf(processedBy: string | undefined): string | undefined {
  if (processedBy === undefined || processedBy === "") return undefined;
  return processedBy.replace(/#\d+$/, "");
}

/**
 * A worker's record, checked field by field against the results schema and against the run it was asked for; a
 * record that does not fit is a failed run naming the problem (the queue is not trusted).
 */
export function checkRecord(raw: unknown, run: QueueRun, host: string | undefined): RunRecord {
  const fail = (why: string): RunRecord => {
    const now = new Date().toISOString();
    return {
      id: run.id,
      params: run.params,
      seed: run.seed,
      status: "failed",
      error: `the worker${host ? ` on ${host}` : ""} returned ${why}`,
      startedAt: now,
      finishedAt: now,
      ...(host !== undefined ? { host } : {}),
    };
  };
  let record: RunRecord;
  try {
    record = s.parse(RUN_RECORD, raw, { file: "the worker's record" }) as RunRecord;
  } catch (e) {
    return fail(`an invalid record (${(e as Error).message})`);
  }
  if (record.id !== run.id) return fail(`the record of another run (${record.id})`);
  if (canonicalJson(record.params) !== canonicalJson(run.params) || record.seed !== run.seed) {
    return fail("a record whose parameters or seed differ from the run's");
  }
  if (record.fold !== undefined || record.repeat !== undefined || record.trial !== undefined || record.trialBasis !== undefined)
    return fail("a record with fields the coordinator sets (fold, repeat, trial, trialBasis)");
  return record;
}

function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string; name?: string };
  return (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/.test(String(err?.code ?? "")) ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries|MaxRetriesPerRequest|connect E|read E|write E|LOADING|timed out/i.test(
      String(err?.message ?? ""),
    ) ||
    err?.name === "MaxRetriesPerRequestError"
  );
}

/** Wait `ms`, or until one of `wakers` aborts. */
function sleep(ms: number, ...wakers: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const w of wakers) w?.removeEventListener("abort", done);
      resolve();
    }
    for (const w of wakers) w?.addEventListener("abort", done, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, reason: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${Math.round(ms / 1000)} s (${reason()})`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
