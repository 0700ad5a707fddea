/**
 * A folder of results files for the ui tests: the report tests' hand-made ALS grid (closed-form metrics, a failed
 * run), the same grid over three folds, a file whose strings are hostile HTML, one that is not JSON, one that fails
 * the schema, a hidden file and a file in a sub-folder.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ResultsFile } from "../../src/results/schema";
import { fixtureResults } from "../report/fixture";

/** Hostile strings: each would run code if it reached the page as HTML. */
export const EVIL = {
  name: "<script>window.__pwned='name'</script>",
  param: "<img src=x onerror=\"window.__pwned='param'\">",
  error: "<img src=x onerror=\"window.__pwned='error'\">",
  dataset: "<svg onload=\"window.__pwned='dataset'\"></svg>",
};

export interface UiFolder {
  dir: string;
  grid: ResultsFile;
  folds: ResultsFile;
  hostile: ResultsFile;
}

export function hostileResults(): ResultsFile {
  const r = fixtureResults({ name: EVIL.name, dataset: EVIL.dataset, description: EVIL.name, failed: true });
  r.runs = r.runs.map((run) => ({ ...run, params: { ...run.params, init: EVIL.param } }));
  const failed = r.runs.find((x) => x.status === "failed")!;
  failed.error = EVIL.error;
  return r;
}

/** Write the folder (see the module doc) into a new temp dir. */
export function writeUiFolder(): UiFolder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-ui-"));
  const grid = fixtureResults({ name: "grid", failed: true });
  const folds = fixtureResults({ name: "folds", folds: ["u1", "u2", "u3"] });
  const hostile = hostileResults();
  fs.writeFileSync(path.join(dir, "grid.json"), JSON.stringify(grid, null, 1));
  fs.mkdirSync(path.join(dir, "cv"));
  fs.writeFileSync(path.join(dir, "cv", "folds.json"), JSON.stringify(folds, null, 1));
  fs.writeFileSync(path.join(dir, "hostile.json"), JSON.stringify(hostile, null, 1));
  fs.writeFileSync(path.join(dir, "broken.json"), '{"schema": "mflab.results/1",\n  "runs": [\n');
  const wrong = JSON.parse(JSON.stringify(grid)) as { runs: { seed: unknown }[] };
  wrong.runs[2].seed = "seven";
  fs.writeFileSync(path.join(dir, "wrong.json"), JSON.stringify(wrong));
  fs.writeFileSync(path.join(dir, ".hidden.json"), JSON.stringify(grid));
  fs.writeFileSync(path.join(dir, "notes.txt"), "not a results file");
  return { dir, grid, folds, hostile };
}
