/**
 * Where the queue lives: the `--queue redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS) address,
 * parsed into connection options, and the names of every Redis key mflab uses there. BullMQ and ioredis are loaded
 * here, lazily ({@link loadBullmq}, {@link loadIoredis}), so `require("mflab")` and `mflab sweep` without `--queue`
 * never load them.
 *
 * The password never leaves this module in text: every message and log line shows the address as
 * {@link QueueAddress.display} (`redis://:***@host:6379/0`). It may also come from `$MFLAB_REDIS_PASSWORD`, so that it
 * is not in the process list.
 *
 * Keys (all under `mflab:`, so `mflab queue clean` can leave the database as it found it):
 * - `mflab:runs:*` — BullMQ's queue `runs` (prefix `mflab`): one job per run, id `<sweep id>.<run id>`;
 * - `mflab:sweeps` — a hash, sweep id → JSON {@link SweepMeta} (what `mflab queue status` shows);
 * - `mflab:sweep:<sweep id>:owner` — the coordinator's claim on a sweep (expires unless renewed; see ./coordinator.ts).
 */
import type * as Bullmq from "bullmq";
import type IORedisClass from "ioredis";
import type { Redis, RedisOptions } from "ioredis";
import { InputError } from "../../core/errors";

/** BullMQ's key prefix and queue name: keys `mflab:runs:*`. */
export const QUEUE_PREFIX = "mflab";
export const QUEUE_NAME = "runs";
/** The hash of registered sweeps. */
export const SWEEPS_KEY = `${QUEUE_PREFIX}:sweeps`;
/** The coordinator's claim on a sweep. */
export const ownerKey = (sweepId: string): string => `${QUEUE_PREFIX}:sweep:${sweepId}:owner`;
/** A job's id: the sweep's id and the run's id (a run id alone may be all digits, which BullMQ refuses as a custom id). */
export const jobIdOf = (sweepId: string, runId: string): string => `${sweepId}.${runId}`;
/** The sweep id of a job id, or undefined for a job that is not mflab's. */
export const sweepOfJob = (jobId: string): string | undefined => (/^[0-9a-f]{12}\.[0-9a-f]+$/.test(jobId) ? jobId.slice(0, 12) : undefined);

/** What `mflab:sweeps` records about a sweep (for `mflab queue status`). */
export interface SweepMeta {
  name: string;
  /** The results file, as the coordinator's host sees it. */
  file: string;
  host: string;
  pid: number;
  total: number;
  mflab: string;
  startedAt: string;
}

/** A parsed `--queue` address. */
export interface QueueAddress {
  /** ioredis options (host, port, db, username, password, tls). */
  options: RedisOptions;
  /** The address for messages, with any password replaced by `***`. */
  display: string;
}

const where = "--queue";

/**
 * Parse `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` or `rediss://…` (TLS). Port 6379 and database 0 by default.
 * @throws InputError naming `--queue` (the message shows the address without its password)
 */
export function parseQueueUrl(url: string, env: NodeJS.ProcessEnv = process.env): QueueAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`must be an address such as redis://HOST:6379/0 or rediss://HOST:6380 (TLS), got ${JSON.stringify(redactUrl(url))}`, where);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new InputError(`must start with redis:// or rediss:// (TLS), got ${JSON.stringify(redactUrl(url))}`, where);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new InputError(`names no host: ${JSON.stringify(redactUrl(url))} (expected redis://HOST:PORT/DB)`, where);
  const port = u.port === "" ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(dbText) || Number(dbText) > 65535) {
    throw new InputError(`the database must be a number such as /0, got ${JSON.stringify(`/${dbText}`)}`, where);
  }
  const db = dbText === "" ? 0 : Number(dbText);
  if (u.search !== "" || u.hash !== "") throw new InputError("takes no query (?…) or fragment (#…): give redis://HOST:PORT/DB", where);
  const username = u.username === "" ? undefined : decodeURIComponent(u.username);
  const fromEnv = env.MFLAB_REDIS_PASSWORD;
  const password = u.password !== "" ? decodeURIComponent(u.password) : fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  const tls = u.protocol === "rediss:";
  const options: RedisOptions = { host, port, db };
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;
  if (tls) options.tls = /^[\d.]+$|:/.test(host) ? {} : { servername: host };
  const auth = `${username ?? ""}${password !== undefined ? ":***" : ""}`;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return { options, display: `${u.protocol}//${auth ? `${auth}@` : ""}${hostPart}:${port}/${db}` };
}

/** `url` with the password of its user-info part (`//user:PASSWORD@`) replaced by `***`, for messages about bad addresses. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, "$1***@");
}

/** Command-line arguments with the password of every redis:// or rediss:// address replaced by `***` (for logs). */
export function redactArgs(argv: readonly string[]): string[] {
  return argv.map((a) => a.replace(/(rediss?:\/\/[^/?#@:\s]*:)[^/?#@\s]*@/gi, "$1***@"));
}

/** An InputError for a Redis that cannot be reached or refused us, without the password. */
export function redisError(address: QueueAddress, e: unknown, doing: string): InputError {
  return new InputError(`${doing}: ${describeRedisError(e)}`, address.display);
}

/** The reason of a Redis or connection error in a few words (`ECONNREFUSED`, `WRONGPASS …`). */
export function describeRedisError(e: unknown): string {
  const err = e as { code?: string; message?: string } | undefined;
  const message = String(err?.message ?? e)
    .split("\n", 1)[0]
    .replace(/(rediss?:\/\/[^/?#@:\s]*:)[^/?#@\s]*@/gi, "$1***@");
  if (err?.code && !message.includes(err.code)) return `${err.code}: ${message}`;
  return message;
}

/**
 * Connect once, without retrying: resolves with a ready client, or throws an InputError with the reason (refused,
 * unknown host, wrong password, TLS) — so a command on a wrong address fails at once instead of waiting.
 */
export async function connectOnce(address: QueueAddress, name: string, doing: string, timeoutMs = 10_000): Promise<Redis> {
  const IORedis = loadIoredis();
  const client = new IORedis({
    ...address.options,
    lazyConnect: true,
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  let reason = "";
  client.on("error", (e) => {
    reason ||= describeRedisError(e);
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw new InputError(`${doing}: ${reason || describeRedisError(e)}`, address.display);
  }
  return client;
}

let bullmq: typeof Bullmq | undefined;
let ioredis: typeof IORedisClass | undefined;

/** BullMQ, loaded on first use (it takes about 0.5 s to load, so only queue sweeps and workers pay for it). */
export function loadBullmq(): typeof Bullmq {
  if (bullmq === undefined) bullmq = requireOrExplain("bullmq") as typeof Bullmq;
  return bullmq;
}

/** ioredis's client class, loaded on first use. */
export function loadIoredis(): typeof IORedisClass {
  if (ioredis === undefined) {
    const m = requireOrExplain("ioredis") as { default?: typeof IORedisClass; Redis?: typeof IORedisClass };
    ioredis = (m.Redis ?? m.default ?? m) as typeof IORedisClass;
  }
  return ioredis;
}

function requireOrExplain(name: string): unknown {
  try {
    return require(name);
  } catch (e) {
    if ((e as { code?: string }).code === "MODULE_NOT_FOUND") {
      throw new InputError(`queue sweeps need the npm package "${name}", which is not installed here (run npm install in mflab's folder)`);
    }
    throw e;
  }
}
