/**
 * Opening input files (ratings, titles, specs) so that a wrong path is a message, never a hang, a runaway read
 * or a stack trace. Only regular files are read: a folder, a FIFO (named pipe), a character or block device
 * (`/dev/zero`) or a socket is refused with an {@link InputError} naming what it is. The file is opened with
 * `O_NONBLOCK` and checked again on the open descriptor, so a path swapped for a FIFO between the check and the
 * open cannot block either (a regular file ignores the flag).
 *
 * Messages, for `what` = "ratings file" and the file `r.csv`:
 * `r.csv: no such file (expected a ratings file)`, `r.csv: permission denied (cannot read the ratings file)`,
 * `r.csv: is a folder, expected a ratings file`,
 * `r.csv: is a FIFO (named pipe), expected a ratings file; only regular files are read`,
 * `r.csv: cannot read the ratings file (EIO: i/o error)` for any other system error.
 */
import * as fs from "node:fs";
import { InputError } from "./errors";

/** What a path that is not a regular file is, for messages (`a folder`, `a FIFO (named pipe)`, …). */
export function fileKind(stat: fs.Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** The InputError for a failed `stat`/`open`/`read` of an input file (see the module doc). */
export function fileError(error: unknown, name: string, what: string): InputError {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ENOENT":
    case "ENOTDIR":
      return new InputError(`no such file (expected a ${what})`, name);
    case "EACCES":
    case "EPERM":
      return new InputError(`permission denied (cannot read the ${what})`, name);
    case "EISDIR":
      return new InputError(`is a folder, expected a ${what}`, name);
    case "ENXIO": // open(2) of a socket
      return new InputError(`is a socket, expected a ${what}; only regular files are read`, name);
    default: {
      const reason =
        typeof e?.code === "string"
          ? `${e.code}: ${String(e.message)
              .replace(/^[A-Z]+: /, "")
              .replace(/,.*$/, "")}`
          : String(e?.message ?? e);
      return new InputError(`cannot read the ${what} (${reason})`, name);
    }
  }
}

/** The InputError for a path that is there but is not a regular file (`<name>: is a FIFO (named pipe), expected a …`). */
export function notRegularFileError(stat: fs.Stats, name: string, what: string): InputError {
  const kind = fileKind(stat);
  if (stat.isDirectory()) return new InputError(`is a folder, expected a ${what}`, name);
  return new InputError(`is ${kind}, expected a ${what}; only regular files are read`, name);
}

/**
 * Refuse a path that is there but is not a regular file (a FIFO would block a read, a device never end it);
 * a missing or unreadable path passes, for the reader to report in its own words.
 * @throws InputError `r.json: is a FIFO (named pipe), expected a results file; only regular files are read`
 */
export function refuseIfNotRegular(file: string, what: string, name: string = file): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  if (!stat.isFile()) throw notRegularFileError(stat, name, what);
}

/** An open input file: its descriptor and its size in bytes when opened. */
export interface OpenFile {
  fd: number;
  size: number;
}

/**
 * Open a regular file for reading (module doc). Close it with `fs.closeSync(fd)`.
 * @param what what the file should be, for messages: `"ratings file"`, `"spec file"`
 * @param name the file as messages name it (default: the path)
 * @throws InputError when the path is missing, unreadable or not a regular file
 */
export function openRegularFile(file: string, what: string, name: string = file): OpenFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw fileError(e, name, what);
  }
  if (!stat.isFile()) throw notRegularFileError(stat, name, what);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw fileError(e, name, what);
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) throw notRegularFileError(opened, name, what);
    return { fd, size: opened.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof InputError ? e : fileError(e, name, what);
  }
}

/**
 * Read a regular file in chunks of `chunkBytes`: `onChunk(buffer, length)` for each (the buffer is reused, so
 * copy what must outlive the call). Reads until the end of the file, whatever its size.
 * @throws InputError as {@link openRegularFile}, or for a failed read; whatever `onChunk` throws
 */
export function readFileChunks(
  file: string,
  what: string,
  onChunk: (chunk: Uint8Array, length: number) => void,
  options: { name?: string; chunkBytes?: number; onOpen?: (size: number) => void } = {},
): void {
  const name = options.name ?? file;
  const { fd, size } = openRegularFile(file, what, name);
  try {
    options.onOpen?.(size);
    const buffer = new Uint8Array(options.chunkBytes ?? 4 << 20);
    for (;;) {
      let got: number;
      try {
        got = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (e) {
        throw fileError(e, name, what);
      }
      if (got === 0) break;
      onChunk(buffer, got);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The most {@link readRegularFile} reads by default: specs and titles files are far smaller. */
export const SMALL_FILE_BYTES = 64 << 20;

/**
 * A whole regular file (for small files: specs, titles; ratings files are read in chunks).
 * @param maxBytes a larger file is refused (default {@link SMALL_FILE_BYTES}), so a wrong path to a huge file
 *   cannot fill memory
 * @throws InputError as {@link openRegularFile}, or `<name>: is 3072 MiB, too large for a spec file (at most 64 MiB)`
 */
export function readRegularFile(file: string, what: string, name: string = file, maxBytes: number = SMALL_FILE_BYTES): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const tooLarge = (bytes: number) => {
    const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
    return new InputError(`is ${mib(bytes)}, too large for a ${what} (at most ${mib(maxBytes)})`, name);
  };
  readFileChunks(
    file,
    what,
    (chunk, length) => {
      total += length;
      if (total > maxBytes) throw tooLarge(total);
      chunks.push(Buffer.from(chunk.subarray(0, length)));
    },
    {
      name,
      chunkBytes: 1 << 20,
      onOpen: (size) => {
        if (size > maxBytes) throw tooLarge(size);
      },
    },
  );
  return Buffer.concat(chunks);
}
