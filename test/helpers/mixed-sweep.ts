/**
 * A mixed-model sweep for the report and progress tests: the models of experiments/nmf-vs-baselines.json (baselines,
 * k-NN, slope one, co-clustering, SVD, SVD++, NMF on observed entries and zero-filled NMF) plus an ALS grid over
 * d × λ and a grid over d for nmf, on small synthetic data (60 users × 50 items, 1,500 ratings), run in-process.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { progressPrinter } from "../../src/experiment/progress";
import { runSweep } from "../../src/experiment/runner";
import { validateSpec } from "../../src/experiment/spec";
import type { ResultsFile } from "../../src/results/schema";

export const NMF_VS_BASELINES = path.resolve(__dirname, "../../experiments/nmf-vs-baselines.json");

export interface MixedSweepOptions {
  /** Number of folds (default 3; 0 for one train/test split). */
  folds?: number;
  /** Add the ALS d × λ grid and the nmf grid over d (default true). */
  grids?: boolean;
}

/** The spec (validated) — see the module doc. */
export function mixedSpec(options: MixedSweepOptions = {}) {
  const raw = JSON.parse(fs.readFileSync(NMF_VS_BASELINES, "utf8"));
  delete raw.$schema;
  raw.name = "mixed";
  raw.data = { kind: "synthetic", nUsers: 60, nItems: 50, nRatings: 1500, seed: 7 };
  const folds = options.folds ?? 3;
  if (folds > 0) raw.folds = folds;
  else delete raw.folds;
  if (options.grids !== false) {
    raw.models = raw.models.map((m: { model: string }) => (m.model === "nmf" ? { model: "nmf", grid: { d: [2, 5] } } : m));
    raw.models.push({ model: "als", params: { maxIterations: 10 }, grid: { d: [1, 3], lambda: [0.5, 5] } });
  }
  return validateSpec(raw);
}

/** Run the sweep into a fresh temporary file; returns the results and every progress line printed. */
export async function runMixedSweep(options: MixedSweepOptions = {}): Promise<{ results: ResultsFile; lines: string[]; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-mixed-"));
  const file = path.join(dir, "mixed.json");
  const lines: string[] = [];
  const printer = progressPrinter((t) => lines.push(t));
  const running: string[] = [];
  const inPlace = progressPrinter((t) => running.push(t), { inPlace: true });
  const outcome = await runSweep(mixedSpec(options), {
    out: file,
    workers: 1,
    onProgress: (e) => {
      printer(e);
      inPlace(e);
    },
  });
  return { results: outcome.results, lines: [...lines, ...running], file };
}
