/**
 * Reading and writing results files. Writes are atomic (temp file in the same folder + rename), so a reader or
 * a crash never sees a half-written file; an existing file that is not a valid results file is never
 * overwritten.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { parseJsonText } from "../core/json";
import { RESULTS_SCHEMA, type ResultsFile, type RunRecord } from "./schema";

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

/** {@link readResults} on text already in memory; `file` is used in messages. */
export function parseResults(text: string, file = "<results>"): ResultsFile {
  const json = parseJsonText(text, file, `a results file is the JSON object written by "mflab sweep"`);
  const obj = json as Partial<ResultsFile> | null;
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new InputError("expected a JSON object with schema, experiment, dataset, env, runs", file);
  if (obj.schema !== RESULTS_SCHEMA) {
    throw new InputError(`"schema" is ${JSON.stringify(obj.schema)}, expected "${RESULTS_SCHEMA}" (is this an mflab results file?)`, file);
  }
  for (const key of ["experiment", "dataset", "env"] as const) {
    if (obj[key] === null || typeof obj[key] !== "object") throw new InputError(`missing or invalid "${key}" object`, file);
  }
  if (!Array.isArray(obj.runs)) throw new InputError(`"runs" must be an array`, file);
  obj.runs.forEach((r: Partial<RunRecord>, k: number) => {
    if (r === null || typeof r !== "object") throw new InputError(`runs[${k}] is not an object`, file);
    if (typeof r.id !== "string") throw new InputError(`runs[${k}].id must be a string`, file);
    if (r.status !== "ok" && r.status !== "failed") throw new InputError(`runs[${k}].status must be "ok" or "failed", got ${JSON.stringify(r.status)}`, file);
    if (r.params === null || typeof r.params !== "object" || typeof r.params.model !== "string") {
      throw new InputError(`runs[${k}].params must be an object with a "model" name`, file);
    }
    const test = isObject(r.metrics) ? (r.metrics as { test?: unknown }).test : undefined;
    const mse = isObject(test) ? (test as { mse?: unknown }).mse : undefined;
    const ranking = isObject(r.metrics) ? (r.metrics as { ranking?: unknown }).ranking : undefined;
    if (r.status === "ok" && typeof mse !== "number" && mse !== null && !isObject(ranking)) {
      throw new InputError(`runs[${k}] has status "ok" but no metrics.test`, file);
    }
  });
  return obj as ResultsFile;
}

/** A non-null object (arrays included), so that property reads cannot throw on hand-edited JSON. */
function isObject(v: unknown): v is object {
  return v !== null && typeof v === "object";
}

/**
 * Write `results` to `file` atomically: JSON to `<file>.tmp-<pid>` in the same folder, fsync, rename.
 * On any failure the previous file is left as it was and the temp file is removed.
 */
export function writeResults(file: string, results: ResultsFile): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  const text = JSON.stringify(results, null, 1) + "\n";
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
    throw new InputError(`could not write results (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the previous file, if any, is unchanged`, file);
  }
}
