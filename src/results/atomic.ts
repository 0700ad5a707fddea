/**
 * The one write path of results files, their backups and lock files: nothing reaches its final name unless every
 * byte was written, synced and read back.
 *
 * {@link writeFileAtomic}: the bytes go to `.<name>.tmp-<pid>` in the target's folder (an older file of that name
 * is removed first, then the temp file is created with O_EXCL, so a symlink planted there is never followed); every
 * `write()` is looped until its byte count adds up (a short write — the disk or the file-size limit, `ulimit -f`,
 * reached — ends in the error of the next write, or in {@link AtomicWriteFailure} "wrote 0 bytes"), the file is
 * fsynced and closed, read back and compared byte for byte, and only then renamed over the target (then the folder
 * is fsynced, best effort). Any failure — ENOSPC, EFBIG, EDQUOT, EIO, EACCES, EROFS, a mismatch on read-back — at
 * any of these steps removes the temp file and throws {@link AtomicWriteFailure} naming the step, the file and the
 * errno code; the target is then untouched, byte for byte.
 *
 * A process killed mid-write leaves only its temp file behind; {@link removeOrphanTemps} (called when the next
 * sweep takes the lock) deletes temp files whose process no longer exists.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What each errno code means, in the words of a message (the code itself is always shown too). */
const CAUSES: Record<string, string> = {
  ENOSPC: "no space left on device",
  EFBIG: "file too large: the file-size limit (ulimit -f) was reached",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a folder",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
  SHORT: "the data could not be written in full",
  MISMATCH: "the file read back differs from what was written",
};

/** `CODE: meaning` for an error thrown by `fs` (or the message of any other error). */
export function describeCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === "string") return CAUSES[code] ? `${code}: ${CAUSES[code]}` : code;
  return e instanceof Error ? e.message : String(e);
}

/** A failed step of {@link writeFileAtomic}; the target was not changed. */
export class AtomicWriteFailure extends Error {
  override readonly name = "AtomicWriteFailure";
  constructor(
    /** The file that was to be written. */
    readonly target: string,
    /** What was being done, e.g. `writing the temp file .r.json.tmp-12 (2048 of 9100 bytes written)`. */
    readonly step: string,
    /** The errno code (ENOSPC, EFBIG, EIO, …), or SHORT / MISMATCH. */
    readonly code: string,
    /** `CODE: meaning`. */
    readonly reason: string,
  ) {
    super(`${reason}, while ${step}`);
  }
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Called after the temp file is verified, right before the rename; throwing aborts the write (temp removed). */
  beforeRename?: () => void;
  /** Suffix of the temp file's name after `.tmp-<pid>` (lock files use a random token). */
  tmpSuffix?: string;
  /** Skip the fsync of the temp file and its folder (lock files: a lock does not outlive a machine crash). */
  noSync?: boolean;
}

/** The temp file name of `target` for this process: `.<name>.tmp-<pid>[-suffix]` in the same folder. */
export function tempPathFor(target: string, suffix?: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}${suffix ? `-${suffix}` : ""}`);
}

/**
 * Write all of `data` at the current position of `fd`, looping over short writes; `progress.written` counts the
 * bytes written so far (also when it throws).
 * @throws the error of the failing `write()`, or a SHORT error when a write wrote 0 bytes
 */
export function writeAll(fd: number, data: Uint8Array, progress = { written: 0 }): void {
  while (progress.written < data.length) {
    const n = fs.writeSync(fd, data, progress.written, data.length - progress.written);
    if (!(n > 0)) throw Object.assign(new Error(`wrote 0 bytes (${progress.written} of ${data.length} written)`), { code: "SHORT" });
    progress.written += n;
  }
}

/**
 * Create `file` exclusively with all of `data` written (O_EXCL, so an existing file is an EEXIST error), synced
 * unless `noSync`. Throws the raw `fs` error; a partly written file is removed.
 */
export function createFileWith(file: string, data: Uint8Array, noSync = false): void {
  const fd = fs.openSync(file, "wx");
  try {
    try {
      writeAll(fd, data);
      if (!noSync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    try {
      fs.unlinkSync(file);
    } catch {
      /* nothing to clean */
    }
    throw e;
  }
}

/**
 * Write `data` to `target` atomically and verified (see the module doc). The target is replaced only by a file
 * that holds exactly `data`; on any failure it is left as it was.
 * @throws AtomicWriteFailure naming the step and the cause; whatever `beforeRename` throws, unchanged
 */
export function writeFileAtomic(target: string, data: Uint8Array, options: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(target, options.tmpSuffix);
  const tmpName = path.basename(tmp);
  let step = `creating the folder ${path.dirname(target)}`;
  let created = false;
  const progress = { written: 0 };
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    step = `removing an old temp file ${tmpName}`;
    try {
      fs.unlinkSync(tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    step = `creating the temp file ${tmpName}`;
    const fd = fs.openSync(tmp, "wx");
    created = true;
    try {
      step = `writing the temp file ${tmpName}`;
      writeAll(fd, data, progress);
      if (!options.noSync) {
        step = `syncing the temp file ${tmpName} to disk`;
        fs.fsyncSync(fd);
      }
    } finally {
      const closing = step;
      step = `closing the temp file ${tmpName}`;
      fs.closeSync(fd);
      step = closing;
    }
    step = `reading back the temp file ${tmpName}`;
    const back = fs.readFileSync(tmp);
    if (!back.equals(data)) {
      throw Object.assign(new Error("read-back mismatch"), { code: "MISMATCH" });
    }
    if (options.beforeRename) {
      step = "checking before the rename";
      options.beforeRename();
    }
    step = `renaming the temp file ${tmpName} to ${path.basename(target)}`;
    fs.renameSync(tmp, target);
    created = false;
  } catch (e) {
    if (created) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* nothing to clean (or the folder is gone): an orphan is removed by the next sweep */
      }
    }
    if (step === "checking before the rename") throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "ERROR";
    const detail = step.startsWith("writing") ? ` (${progress.written} of ${data.length} bytes written)` : "";
    throw new AtomicWriteFailure(target, `${step}${detail}`, code, describeCause(e));
  }
  if (!options.noSync) syncFolder(path.dirname(target));
}

/** Whether a link() error means this file system has no hard links (EPERM: vfat, some FUSE and SMB mounts). */
export function noHardLinks(code: string | undefined): boolean {
  return code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EMLINK";
}

/** rename(`tmp`, `dest`); on failure remove `tmp` (an orphan otherwise) and throw the rename's error. */
export function renameOrRemove(tmp: string, dest: string): void {
  try {
    fs.renameSync(tmp, dest);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* an orphan is removed by the next sweep */
    }
    throw e;
  }
}

/** fsync a folder so a rename in it is on disk (best effort: the rename itself already happened). */
function syncFolder(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported here (some file systems refuse fsync on a folder) */
  }
}

/**
 * Keep `source`'s bytes at `dest` as well: a hard link when `link` (no bytes written, so it cannot run out of
 * space; the source is never modified in place, only replaced by rename, so the link keeps the old bytes), else
 * — or where hard links are not supported — a verified copy through {@link writeFileAtomic}. An existing `dest`
 * is replaced atomically; on failure it is left as it was.
 * @throws AtomicWriteFailure naming the step and the cause
 */
export function keepCopy(source: string, dest: string, link = false): void {
  if (link) {
    const tmp = tempPathFor(dest, "link");
    try {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* none */
      }
      fs.linkSync(source, tmp);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!noHardLinks(code) && code !== "EXDEV") {
        throw new AtomicWriteFailure(dest, `linking ${path.basename(source)} to ${path.basename(tmp)}`, code ?? "ERROR", describeCause(e));
      }
      keepCopy(source, dest, false); // no hard links here: copy
      return;
    }
    try {
      renameOrRemove(tmp, dest);
    } catch (e) {
      throw new AtomicWriteFailure(
        dest,
        `renaming ${path.basename(tmp)} to ${path.basename(dest)}`,
        (e as NodeJS.ErrnoException).code ?? "ERROR",
        describeCause(e),
      );
    }
    syncFolder(path.dirname(dest));
    return;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(source);
  } catch (e) {
    throw new AtomicWriteFailure(dest, `reading ${path.basename(source)}`, (e as NodeJS.ErrnoException).code ?? "ERROR", describeCause(e));
  }
  writeFileAtomic(dest, bytes);
}

/**
 * Whether process `pid` exists on this machine. `startTicks` (see {@link processStartTicks}), when known, must
 * match too, so a pid reused by an unrelated process does not count. A zombie (exited, not yet reaped) is dead.
 * When in doubt (no /proc), alive.
 */
export function processAlive(pid: number, startTicks?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(pid);
  if (stat === undefined) return true;
  if (stat.state === "Z" || stat.state === "X") return false;
  return startTicks === undefined || stat.start === startTicks;
}

/** The start time of process `pid` in clock ticks since boot (Linux /proc), to tell a reused pid apart. */
export function processStartTicks(pid: number = process.pid): string | undefined {
  return procStat(pid)?.start;
}

function procStat(pid: number): { state: string; start: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields after the last ")" are plain.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19]; // field 22 of stat(5), "starttime"
  return state && start ? { state, start } : undefined;
}

/**
 * Delete the temp files of `file` (`.<name>[.…].tmp-<pid>[-…]` in its folder: results, backups, lock files) left by
 * processes that no longer exist. Returns the names removed. Never throws.
 */
export function removeOrphanTemps(file: string): string[] {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^\\.${base}(?:[.-].*)?\\.tmp-(\\d+)(?:-[0-9A-Za-z]+)?$`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
