/**
 * Reading and writing results files. Writes are atomic and verified (temp file in the same folder, every byte
 * written and read back, then rename: ./atomic.ts), so a reader or a crash never sees a half-written file and a
 * full disk never replaces a good file; an existing file that is not a valid results file is never overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { parseJsonText } from "../core/json";
import * as s from "../core/schema";
import { canonicalParams } from "../core/vocabulary";
import { AtomicWriteFailure, describeCause, keepCopy, writeFileAtomic } from "./atomic";
import { RESULTS_FILE, RESULTS_SCHEMA, type ResultsFile } from "./schema";

/**
 * Parse and check a results file.
 * @throws InputError naming the file and what is wrong (not JSON — with line and column —, wrong schema, missing fields)
 */
export function readResults(file: string): ResultsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`cannot read results file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  return parseResults(text, file);
}

/**
 * {@link readResults} on text already in memory; `file` is used in messages. Every field is checked against the
 * declaration ({@link RESULTS_FILE}: types, ranges, unknown keys, with the JSON path of the first problem); null
 * metrics read as NaN; stored parameter names are brought to today's vocabulary (aliases → canonical names).
 */
export function parseResults(text: string, file = "<results>"): ResultsFile {
  const json = parseJsonText(text, file, `a results file is the JSON object written by "mflab sweep"`);
  if (json !== null && typeof json === "object" && !Array.isArray(json) && (json as { schema?: unknown }).schema !== RESULTS_SCHEMA) {
    const got = (json as { schema?: unknown }).schema;
    throw new InputError(`"schema" is ${JSON.stringify(got) ?? "missing"}, expected "${RESULTS_SCHEMA}" (is this an mflab results file?)`, file);
  }
  const results = s.parse(RESULTS_FILE, json, { file }) as ResultsFile;
  for (const r of results.runs) r.params = canonicalParams(r.params);
  return results;
}

/** Options of {@link writeResults}. */
export interface WriteResultsOptions {
  /**
   * Called right before the verified temp file is renamed over `file`; throwing stops the write and leaves `file`
   * as it was (the sweep checks here that it still holds the results file's lock).
   */
  beforeRename?: () => void;
}

/**
 * Write `results` to `file` atomically and verified: JSON to `.<file>.tmp-<pid>` in the same folder, every byte
 * written (short writes looped), fsync, read back and compared, then renamed over `file` (./atomic.ts).
 * @throws InputError naming the file, the cause (errno code and meaning) and the step when anything fails —
 * disk full, file-size limit, I/O error, permissions —; `file` is then byte for byte what it was (or still absent)
 */
export function writeResults(file: string, results: ResultsFile, options: WriteResultsOptions = {}): void {
  const existed = fs.existsSync(file);
  try {
    const bytes = Buffer.from(`${JSON.stringify(results, null, 1)}\n`, "utf8");
    writeFileAtomic(path.resolve(file), bytes, options);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const unchanged = existed ? `the previous ${path.basename(file)} is unchanged` : `no results file was written (there was none before)`;
    throw new InputError(`could not write results (${e instanceof AtomicWriteFailure ? e.message : describeCause(e)}); ${unchanged}`, file);
  }
}

/**
 * Keep the current bytes of results file `file` at `backup` too, before the sweep rewrites it: a verified copy
 * through the same atomic path as {@link writeResults}, or with `link` a hard link (no bytes written; results files
 * are only ever replaced by rename, never changed in place, so the link keeps the old bytes). An existing `backup`
 * is replaced atomically.
 * @throws InputError naming both files and the cause; `file` and any earlier `backup` are then unchanged
 */
export function backupResults(file: string, backup: string, link = false): void {
  try {
    keepCopy(path.resolve(file), path.resolve(backup), link);
  } catch (e) {
    throw new InputError(
      `could not keep a copy as ${path.basename(backup)} (${e instanceof AtomicWriteFailure ? e.message : describeCause(e)}); ` +
        `${link ? `${path.basename(file)} is unchanged` : `${path.basename(file)} and any earlier ${path.basename(backup)} are unchanged`}, and no run was started`,
      file,
    );
  }
}
