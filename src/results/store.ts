/**
 * Reading and writing results files. Writes are atomic (temp file in the same folder + rename), so a reader or
 * a crash never sees a half-written file; an existing file that is not a valid results file is never
 * overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { parseJsonText } from "../core/json";
import * as s from "../core/schema";
import { canonicalParams } from "../core/vocabulary";
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

/**
 * Write `results` to `file` atomically: JSON to `<file>.tmp-<pid>` in the same folder, fsync, rename.
 * On any failure the previous file is left as it was and the temp file is removed.
 */
export function writeResults(file: string, results: ResultsFile): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  const text = `${JSON.stringify(results, null, 1)}\n`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new InputError(
      `could not write results (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the previous file, if any, is unchanged`,
      file,
    );
  }
}
