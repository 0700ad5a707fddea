/**
 * The command line's last guard: an exception that is not an expected error (an InputError and its subclasses,
 * or a UsageError, which ./main.ts prints as one line) is a bug, and reaches the user as one line too —
 *
 *   mflab: internal error: <first line of its message> — please report it; details in <log file>
 *
 * — with exit code 1, while the stack (and causes) go to the log file, `$TMPDIR/mflab-error-<time>-<pid>.log`
 * (`os.tmpdir()`: `$TMPDIR`, else `/tmp`). ./main.ts calls it for what its commands throw; bin/mflab.js for what
 * escapes `main` (an exception thrown in a callback, a promise rejected without a handler).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MFLAB_VERSION } from "../core/version";
import { redactArgs } from "../experiment/queue/connection";

/** The log file for an internal error of this process at `time`. */
export function internalErrorLogPath(time: Date = new Date()): string {
  return path.join(os.tmpdir(), `mflab-error-${time.toISOString().replace(/[:.]/g, "-")}-${process.pid}.log`);
}

/** The first line of what was thrown (an Error's message, or the thrown value). */
function headline(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  const first = text.split(/\r?\n/, 1)[0].trim();
  return first || (error instanceof Error ? error.name : "unknown error");
}

/** The stack of `error`, its causes and (for an AggregateError) its errors, for the log. */
function details(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return `thrown value (not an Error): ${safeInspect(error)}`;
  let out = error.stack ?? `${error.name}: ${error.message}`;
  if (depth >= 5) return out;
  if (error instanceof AggregateError) {
    error.errors.forEach((e, k) => {
      out += `\n\nerror ${k + 1} of ${error.errors.length}:\n${details(e, depth + 1)}`;
    });
  }
  if (error.cause !== undefined) out += `\n\ncaused by: ${details(error.cause, depth + 1)}`;
  return out;
}

function safeInspect(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Report an unexpected exception (module doc): write its details to the log file and print the one line to
 * stderr. Never throws.
 * @param argv the command's arguments, recorded in the log
 * @returns the exit code, 1
 */
export function reportInternalError(error: unknown, argv: readonly string[] = process.argv.slice(2)): number {
  const log = internalErrorLogPath();
  const message = headline(error);
  let where: string;
  try {
    const text =
      `mflab ${MFLAB_VERSION} internal error at ${new Date().toISOString()}\n` +
      `command: mflab ${redactArgs(argv)
        .map((a) => (/^[\w./:=@%+,-]+$/.test(a) ? a : JSON.stringify(a)))
        .join(" ")}\n` +
      `cwd: ${process.cwd()}\n` +
      `node ${process.version} on ${process.platform} ${process.arch}\n\n` +
      `${details(error)}\n`;
    fs.writeFileSync(log, text, { mode: 0o600 });
    where = `details in ${log}`;
  } catch (e) {
    where = `the details could not be written to ${log} (${(e as NodeJS.ErrnoException)?.code ?? String(e)})`;
  }
  try {
    process.stderr.write(`mflab: internal error: ${message} — please report it; ${where}\n`);
  } catch {
    // stderr is gone: nothing left to tell
  }
  return 1;
}
