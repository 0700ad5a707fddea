/**
 * `mflab queue status|clean`: what is on a queue, sweep by sweep ({@link queueStatus}), and removing what finished
 * sweeps left there ({@link cleanQueue}). A sweep whose coordinator completed it leaves nothing but BullMQ's own
 * bookkeeping keys; one that was stopped (Ctrl-C, kill, Redis gone) keeps its jobs so that re-running it
 * collects them — until `clean` removes them.
 */
import * as os from "node:os";
import type { Job, Queue } from "bullmq";
import type Redis from "ioredis";
import { InputError } from "../../core/errors";
import { processAlive } from "../../results/atomic";
import {
  connectOnce,
  describeRedisError,
  loadBullmq,
  ownerKey,
  parseQueueUrl,
  QUEUE_NAME,
  QUEUE_PREFIX,
  SWEEPS_KEY,
  sweepOfJob,
  type SweepMeta,
} from "./connection";

export interface SweepStatus {
  id: string;
  /** From the coordinator's registration (absent for jobs whose sweep is not registered). */
  meta?: SweepMeta;
  /** The live coordinator's claim, e.g. `pid 123 on host-a, writing r.json, since …`. */
  coordinator?: string;
  waiting: number;
  running: number;
  /** Finished, not yet collected by a coordinator. */
  finished: number;
  failed: number;
}

export interface JobLine {
  jobId: string;
  sweep: string;
  /** `als` and the run's fold, from the payload. */
  what: string;
  /** running: the worker (`host#pid`); failed: the reason. */
  detail: string;
  /** running: seconds since it started. */
  seconds?: number;
}

export interface QueueStatus {
  address: string;
  sweeps: SweepStatus[];
  running: JobLine[];
  failed: JobLine[];
}

async function open<T>(url: string, use: (queue: Queue, client: Redis, display: string) => Promise<T>): Promise<T> {
  const address = parseQueueUrl(url);
  const client = await connectOnce(address, "mflab-admin", "cannot reach Redis");
  client.on("error", () => undefined);
  const { Queue } = loadBullmq();
  const options = { ...address.options, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null };
  const queue = new Queue(QUEUE_NAME, { connection: { ...options, connectionName: "mflab-admin" }, prefix: QUEUE_PREFIX });
  queue.on("error", () => undefined);
  try {
    return await use(queue, client, address.display);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`the queue failed: ${describeRedisError(e)}`, address.display);
  } finally {
    await queue.close().catch(() => undefined);
    client.disconnect();
  }
}

function describeOwner(value: string | null): string | undefined {
  if (value === null) return undefined;
  try {
    const o = JSON.parse(value) as { pid: number; pidStart?: string; host: string; file: string; startedAt: string };
    // A claim of a process that is gone from this host is no coordinator (it expires within 15 s).
    if (o.host === os.hostname() && !processAlive(o.pid, o.pidStart)) return undefined;
    return `pid ${o.pid} on ${o.host}, writing ${o.file}, since ${o.startedAt}`;
  } catch {
    return "an unknown claim";
  }
}

function what(job: Job): string {
  const d = job.data as { sweep?: { name?: unknown }; run?: { model?: unknown; fold?: unknown; params?: Record<string, unknown> } } | null;
  const run = d?.run;
  const params = run?.params ?? {};
  const keys = ["d", "lambda"].filter((k) => k in params).map((k) => `${k === "lambda" ? "λ" : k}=${JSON.stringify(params[k])}`);
  const fold = typeof run?.fold === "string" && run.fold !== "" ? ` (${run.fold})` : "";
  return `${String(d?.sweep?.name ?? "?")}: ${String(run?.model ?? "?")}${keys.length > 0 ? ` ${keys.join(" ")}` : ""}${fold}`;
}

async function sweepsOf(queue: Queue, client: Redis): Promise<Map<string, SweepStatus>> {
  const registered = await client.hgetall(SWEEPS_KEY);
  const sweeps = new Map<string, SweepStatus>();
  const entry = (id: string): SweepStatus => {
    let s = sweeps.get(id);
    if (s === undefined) {
      s = { id, waiting: 0, running: 0, finished: 0, failed: 0 };
      sweeps.set(id, s);
    }
    return s;
  };
  for (const [id, text] of Object.entries(registered)) {
    try {
      entry(id).meta = JSON.parse(text) as SweepMeta;
    } catch {
      entry(id);
    }
  }
  const count = async (types: Parameters<Queue["getRanges"]>[0], field: "waiting" | "running" | "finished" | "failed") => {
    for (const jobId of await queue.getRanges(types, 0, -1)) {
      const id = sweepOfJob(jobId);
      if (id !== undefined) entry(id)[field]++;
    }
  };
  await count(["wait", "delayed", "prioritized"], "waiting");
  await count(["active"], "running");
  await count(["completed"], "finished");
  await count(["failed"], "failed");
  for (const s of sweeps.values()) s.coordinator = describeOwner(await client.get(ownerKey(s.id)));
  return sweeps;
}

/** Every sweep on the queue with its job counts, the runs in progress and the failed jobs. */
export function queueStatus(url: string): Promise<QueueStatus> {
  return open(url, async (queue, client, display) => {
    const sweeps = await sweepsOf(queue, client);
    const lines = async (type: "active" | "failed"): Promise<JobLine[]> => {
      const jobs = (await queue.getJobs([type], 0, 99)).filter((j): j is Job => j !== undefined && sweepOfJob(String(j.id)) !== undefined);
      return jobs.map((j) => ({
        jobId: String(j.id),
        sweep: sweepOfJob(String(j.id))!,
        what: what(j),
        detail: type === "active" ? (j.processedBy ?? "?") : (j.failedReason ?? ""),
        ...(type === "active" && j.processedOn ? { seconds: Math.max(0, (Date.now() - j.processedOn) / 1000) } : {}),
      }));
    };
    return { address: display, sweeps: [...sweeps.values()], running: await lines("active"), failed: await lines("failed") };
  });
}

export interface CleanReport {
  address: string;
  /** Sweeps whose keys were removed, with the number of jobs removed. */
  removed: { id: string; name?: string; jobs: number }[];
  /** Sweeps left alone, and why. */
  kept: { id: string; name?: string; why: string }[];
  /** True when nothing of mflab's is left in the database (BullMQ's own keys removed too). */
  empty: boolean;
}

/**
 * Remove what finished sweeps left on the queue: their uncollected finished and failed jobs and their registration.
 * A sweep with a live coordinator is never touched; a sweep with jobs still waiting or running is kept unless named
 * with `sweep` (its waiting jobs are then withdrawn; a running job cannot be removed until it ends). When nothing
 * of mflab's is left, BullMQ's own keys of the queue go too (the database is as it was before the first sweep).
 */
export function cleanQueue(url: string, options: { sweep?: string } = {}): Promise<CleanReport> {
  return open(url, async (queue, client, display) => {
    const sweeps = await sweepsOf(queue, client);
    if (options.sweep !== undefined && !sweeps.has(options.sweep)) {
      throw new InputError(`no sweep ${options.sweep} on this queue (sweeps: ${[...sweeps.keys()].join(", ") || "none"})`, display);
    }
    const report: CleanReport = { address: display, removed: [], kept: [], empty: false };
    const jobIds = await queue.getRanges(["wait", "delayed", "prioritized", "completed", "failed"], 0, -1);
    for (const s of sweeps.values()) {
      if (options.sweep !== undefined && s.id !== options.sweep) continue;
      const name = s.meta?.name;
      if (s.coordinator !== undefined) {
        report.kept.push({ id: s.id, ...(name ? { name } : {}), why: `its coordinator is running (${s.coordinator})` });
        continue;
      }
      if ((s.waiting > 0 || s.running > 0) && options.sweep === undefined) {
        report.kept.push({
          id: s.id,
          ...(name ? { name } : {}),
          why: `not finished: ${s.waiting} waiting, ${s.running} running (re-run its sweep to finish it, or name it with --sweep ${s.id} to withdraw them)`,
        });
        continue;
      }
      let removed = 0;
      for (const jobId of jobIds) if (sweepOfJob(jobId) === s.id) removed += await queue.remove(jobId);
      if (s.running > 0) {
        report.kept.push({
          id: s.id,
          ...(name ? { name } : {}),
          why: `${s.running} running job(s) cannot be removed until they end; clean again then`,
        });
      } else {
        await client.hdel(SWEEPS_KEY, s.id);
      }
      report.removed.push({ id: s.id, ...(name ? { name } : {}), jobs: removed });
    }
    const counts = await queue.getJobCounts("wait", "delayed", "prioritized", "active", "completed", "failed", "waiting-children");
    const left = Object.values(counts).reduce((a, b) => a + b, 0);
    if (left === 0 && (await client.hlen(SWEEPS_KEY)) === 0) {
      await queue.obliterate({ force: true });
      report.empty = true;
    }
    return report;
  });
}
