/**
 * One writer per results file: `<results>.lock` names its owner (pid, host, start time, the pid's start time in
 * /proc, and a random token). A second sweep on the same file is refused while the owner lives; a lock whose owner
 * no longer exists on this host (killed with `kill -9`, machine crash) is stale and taken over.
 *
 * The protocol (every step is one atomic system call, or is done under a mutex that is itself taken by one):
 * - **Taking a free lock**: the owner record is written in full to a private temp file (`.<lock>.tmp-<pid>-<token>`)
 *   and `link()`ed to the lock path. link() fails with EEXIST when the path exists, so exactly one process creates
 *   the lock, and the lock is never seen half-written. (Where hard links are not supported — EPERM, ENOTSUP —
 *   it falls back to an O_EXCL create followed by the write: then an incomplete lock can exist for an instant,
 *   which the grace period below covers.)
 * - **What counts as stale**: a complete record whose host is this machine and whose pid does not exist (or is a
 *   zombie, or is a reused pid: its /proc start time differs). A record of another host is never stale (the
 *   message says so). An empty or incomplete record (a writer of an older mflab killed between create and write, a
 *   full disk, a hand-made file) is not stale while its owner may still be writing: only once it is older than the
 *   grace period (`partialGraceMs`, 5 s; a sweep meeting a young one waits for it).
 * - **Taking over a stale lock**: the lock's *generation* is its inode number plus a hash of its bytes (unique: the
 *   record holds a random token). The taker first takes the takeover mutex of that generation,
 *   `<lock>.takeover-<generation>`, with the same create-by-link (and, when that mutex is itself stale — its taker was
 *   killed —, the same takeover, one level deeper). Holding it, the taker re-reads the lock, and only if it is still
 *   of that generation renames its own complete record over it (rename() replaces atomically: the lock path never
 *   disappears, so no fresh taker can slip in). Why no two processes can hold the lock: the lock changes only by
 *   (a) link(), which needs the path to be absent, (b) the owner's release, which unlinks only its own record, or
 *   (c) a takeover of generation g, done only by the one holder of mutex g after it saw generation g still in
 *   place; a generation never comes back, so a late taker of g always sees a newer generation and gives up, and
 *   mutexes of past generations (left by killed takers) are harmless and removed by the next owner.
 * - **Holding**: before each rewrite of the results file the owner re-checks that the lock still holds its own
 *   record ({@link HeldLock.check}); if not (deleted by hand, or taken by an older mflab), the sweep stops without
 *   writing.
 * - **Releasing**: unlink the lock if it still holds the owner's record (also on process exit).
 *
 * Why not a library: proper-lockfile (the common npm choice) decides staleness by the lock's mtime, refreshed by a
 * timer; a long synchronous fit blocks the event loop, the timer does not fire, and a live sweep's lock would be
 * taken over. Here staleness is "the owner process is gone", which needs no heartbeat. Kernel locks (flock, fcntl)
 * would be released by the kernel on death, but Node has no binding for them without a native addon.
 *
 * Limits: pid liveness is per machine, so a results folder shared over a network file system by two hosts is
 * protected only by the "other host" refusal; processes in different pid namespaces (containers) on one host
 * sharing a folder look dead to each other.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { InputError } from "../core/errors";
import {
  createFileWith,
  describeCause,
  noHardLinks,
  processAlive,
  processStartTicks,
  removeOrphanTemps,
  renameOrRemove,
  tempPathFor,
} from "./atomic";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Random per acquisition: makes every lock record, and so every generation, unique. */
  token?: string;
  /** The owner's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  pidStart?: string;
}

/** Outcome of {@link acquireLock}: a release function, and whether a stale lock was replaced. */
export interface HeldLock {
  release(): void;
  /**
   * Throws an InputError unless the lock file still holds this owner's record (call before each rewrite: a
   * sweep that lost its lock must not write).
   */
  check(): void;
  /** The stale owner that was replaced, if any (`{}` fields absent when the stale lock was empty or incomplete). */
  replaced?: Partial<LockInfo>;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** An empty or incomplete lock younger than this (by its mtime) is treated as being written, not stale. Default 5000. */
  partialGraceMs?: number;
  /** How long to wait for a young incomplete lock or another process's takeover before giving up. Default grace + 5000. */
  waitMs?: number;
}

/** Nested takeovers (a taker killed while taking over a killed taker's mutex, …) deeper than this are refused. */
const MAX_DEPTH = 6;

/** What is at a lock path: its generation, the parsed record if complete, its age. */
interface LockState {
  generation: string;
  info?: LockInfo;
  bytes: number;
  ageMs: number;
}

type Claim =
  | { held: true; replaced?: Partial<LockInfo> }
  /** Held by a live owner (alive), one on another host (host), or being taken over by a live process (takeover). */
  | { held: false; why: "alive" | "host" | "takeover"; owner: LockInfo }
  /** Incomplete and young past the deadline; openable by link() but not by open(); too many nested takeovers. */
  | { held: false; why: "partial" | "vanishing" | "depth" };

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function parseInfo(text: string): LockInfo | undefined {
  if (!text.endsWith("\n")) return undefined; // every record ends with a newline: without it, incomplete
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.startedAt === "string") return v as LockInfo;
  } catch {
    /* incomplete or not ours */
  }
  return undefined;
}

/** Read the lock at `file`; undefined when there is none. Errors other than ENOENT are thrown. */
function readState(file: string): LockState | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    const bytes = fs.readFileSync(fd);
    const generation = `${st.ino.toString(36)}-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}`;
    return { generation, info: parseInfo(bytes.toString("utf8")), bytes: bytes.length, ageMs: Date.now() - st.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

function sameHost(info: LockInfo): boolean {
  return info.host === os.hostname();
}

/**
 * Create `file` with `record`, all or nothing (write a private temp file in full, link it to `file`).
 * @returns false when `file` exists
 */
function createLinked(file: string, record: Buffer, token: string): boolean {
  const tmp = tempPathFor(file, token);
  createFileWith(tmp, record, true);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (noHardLinks(code)) {
      try {
        createFileWith(file, record, true); // no hard links here: O_EXCL create + write (see the grace period)
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* removed as an orphan later */
    }
  }
}

/** Replace `file` atomically with `record` (temp file + rename). */
function replaceWith(file: string, record: Buffer, token: string): void {
  const tmp = tempPathFor(file, token);
  createFileWith(tmp, record, true);
  renameOrRemove(tmp, file);
}

/** Unlink `file` if it holds exactly `record`. Never throws. */
function releaseIfMine(file: string, record: Buffer): void {
  try {
    if (fs.readFileSync(file).equals(record)) fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/**
 * Take `file` for `record`: create it, or take it over when stale (under `<file>.takeover-<generation>`, taken by
 * this same function one level deeper). Returns instead of throwing when it is held by someone else.
 */
function claim(file: string, record: Buffer, token: string, grace: number, deadline: number, depth: number): Claim {
  for (;;) {
    if (createLinked(file, record, token)) return { held: true };
    const state = readState(file);
    if (state === undefined) {
      // Released in between: try again (a path that exists for link() but not for open(), such as a dangling
      // symlink, would loop: give up at the deadline).
      if (Date.now() >= deadline) return { held: false, why: "vanishing" };
      continue;
    }
    const { info } = state;
    if (info !== undefined) {
      if (!sameHost(info)) return { held: false, why: "host", owner: info };
      if (processAlive(info.pid, info.pidStart)) return { held: false, why: "alive", owner: info };
    } else if (state.ageMs < grace) {
      // Empty or incomplete and young: its writer may still be at work. Wait for it to complete or to age.
      if (Date.now() >= deadline) return { held: false, why: "partial" };
      sleep(Math.max(1, Math.min(50, grace - state.ageMs)));
      continue;
    }
    // Stale: take over this generation under its own mutex.
    if (depth >= MAX_DEPTH) return { held: false, why: "depth" };
    const mutex = `${file}.takeover-${state.generation}`;
    const m = claim(mutex, record, token, grace, deadline, depth + 1);
    if (!m.held) {
      // Another live process is taking over this generation: it takes microseconds; let it finish, then look again.
      if (m.why === "alive" && Date.now() < deadline) {
        sleep(2);
        continue;
      }
      return m.why === "alive" ? { held: false, why: "takeover", owner: m.owner } : m;
    }
    try {
      const again = readState(file);
      if (again !== undefined && again.generation === state.generation) {
        replaceWith(file, record, token);
        return { held: true, replaced: info ?? {} };
      }
    } finally {
      releaseIfMine(mutex, record);
    }
    // Someone else changed the lock meanwhile (a takeover finished, or its owner released it): look again.
  }
}

/** Remove the takeover mutexes of `lockFile` (all of past generations once this process holds the lock). */
function removeTakeoverMutexes(lockFile: string): void {
  const dir = path.dirname(lockFile);
  const prefix = `${path.basename(lockFile)}.takeover-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
    } catch {
      /* gone already */
    }
  }
}

/** The message of a lock that could not be taken. */
function refusal(claimed: Exclude<Claim, { held: true }>, resultsFile: string, lockFile: string, grace: number): InputError {
  switch (claimed.why) {
    case "alive": {
      const o = claimed.owner;
      return new InputError(
        `is being written by another mflab sweep (pid ${o.pid}, started ${o.startedAt}); wait for it to finish or stop it. ` +
          `If that process no longer exists, delete ${lockFile}`,
        resultsFile,
      );
    }
    case "host": {
      const o = claimed.owner;
      return new InputError(
        `is locked by a sweep on host ${o.host} (pid ${o.pid}, started ${o.startedAt}); if it is no longer running, delete ${lockFile}`,
        resultsFile,
      );
    }
    case "takeover":
      return new InputError(`another mflab sweep (pid ${claimed.owner.pid}) is taking over the stale lock ${lockFile}; try again`, resultsFile);
    case "partial":
      return new InputError(
        `the lock ${lockFile} is incomplete and less than ${grace / 1000} s old: another sweep may be starting; try again in a few seconds ` +
          `(or delete it if no sweep is running)`,
        resultsFile,
      );
    case "vanishing":
      return new InputError(
        `the lock ${lockFile} exists but cannot be opened (a dangling symbolic link?); delete it if no sweep is running`,
        resultsFile,
      );
    case "depth":
      return new InputError(
        `could not take the lock ${lockFile} (too many nested stale takeovers: delete ${lockFile}.takeover-* by hand)`,
        resultsFile,
      );
  }
}

/**
 * Take the lock of `resultsFile`, creating its folder when missing (a sweep in a fresh project, without `results/`).
 * Once held, leftovers of killed processes beside the results file are removed: temp files whose process no longer
 * exists and takeover mutexes of past generations.
 * @throws InputError naming the file and the owner when another live process holds it, or the cause (errno) when
 * the lock cannot be written
 */
export function acquireLock(resultsFile: string, options: LockOptions = {}): HeldLock {
  const lockFile = `${resultsFile}.lock`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(lockFile)), { recursive: true });
  } catch {
    // reported below with the lock file's own error (EACCES, ENOTDIR, …)
  }
  const token = randomBytes(8).toString("hex");
  const pidStart = processStartTicks();
  const me: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), token, ...(pidStart ? { pidStart } : {}) };
  const record = Buffer.from(`${JSON.stringify(me)}\n`, "utf8");
  const grace = options.partialGraceMs ?? 5000;
  const deadline = Date.now() + (options.waitMs ?? grace + 5000);

  let claimed: Claim;
  try {
    claimed = claim(lockFile, record, token, grace, deadline, 0);
  } catch (e) {
    throw new InputError(`cannot take the lock ${lockFile} (${describeCause(e)})`, resultsFile);
  }
  if (!claimed.held) throw refusal(claimed, resultsFile, lockFile, grace);
  removeTakeoverMutexes(lockFile);
  removeOrphanTemps(resultsFile);

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener("exit", release);
    releaseIfMine(lockFile, record);
  };
  const check = () => {
    let now: Buffer | undefined;
    try {
      now = fs.readFileSync(lockFile);
    } catch {
      now = undefined;
    }
    if (now?.equals(record)) return;
    const other = now === undefined ? undefined : parseInfo(now.toString("utf8"));
    throw new InputError(
      `lost its lock ${lockFile} (${now === undefined ? "the lock file was removed" : other ? `it now names pid ${other.pid} on ${other.host}` : "it was replaced"}); ` +
        `stopped without writing, so another writer's results are not overwritten — the file holds every run finished before`,
      resultsFile,
    );
  };
  process.on("exit", release);
  return { release, check, ...(claimed.replaced ? { replaced: claimed.replaced } : {}) };
}
