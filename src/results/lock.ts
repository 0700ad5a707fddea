/**
 * One writer per results file: `<results>.lock` holds the owner's pid, host and start time. A second sweep on
 * the same file is refused while the owner lives; a lock left by a process that no longer exists (killed with
 * `kill -9`, machine crash) is stale and taken over.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../core/errors";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Outcome of {@link acquireLock}: a release function, and whether a stale lock was replaced. */
export interface HeldLock {
  release(): void;
  /** The stale owner that was replaced, if any. */
  replaced?: LockInfo;
}

/**
 * Take the lock of `resultsFile`, creating its folder when missing (a sweep in a fresh project, without `results/`).
 * @throws InputError naming the file and the owner when another live process holds it
 */
export function acquireLock(resultsFile: string): HeldLock {
  const lockFile = `${resultsFile}.lock`;
  try {
    fs.mkdirSync(path.dirname(path.resolve(lockFile)), { recursive: true });
  } catch {
    // reported below with the lock file's own error (EACCES, ENOTDIR, …)
  }
  const me: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  let replaced: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockFile, "wx");
      fs.writeSync(fd, `${JSON.stringify(me)}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.removeListener("exit", release);
        try {
          const owner = JSON.parse(fs.readFileSync(lockFile, "utf8")) as LockInfo;
          if (owner.pid === me.pid && owner.startedAt === me.startedAt) fs.unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
      process.on("exit", release);
      return { release, ...(replaced ? { replaced } : {}) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new InputError(`cannot create the lock file ${lockFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, resultsFile);
      }
    }
    let owner: LockInfo | undefined;
    try {
      owner = JSON.parse(fs.readFileSync(lockFile, "utf8")) as LockInfo;
    } catch {
      owner = undefined; // unreadable or half-written: treat as stale
    }
    if (owner && owner.host === me.host && alive(owner.pid)) {
      throw new InputError(
        `is being written by another mflab sweep (pid ${owner.pid}, started ${owner.startedAt}); wait for it to finish or stop it. ` +
          `If that process no longer exists, delete ${lockFile}`,
        resultsFile,
      );
    }
    if (owner && owner.host !== me.host) {
      throw new InputError(
        `is locked by a sweep on host ${owner.host} (pid ${owner.pid}, started ${owner.startedAt}); if it is no longer running, delete ${lockFile}`,
        resultsFile,
      );
    }
    replaced = owner;
    try {
      fs.unlinkSync(lockFile);
    } catch {
      /* raced with another taker: retry */
    }
  }
  throw new InputError(`could not take the lock ${lockFile}`, resultsFile);
}
