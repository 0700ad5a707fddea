/**
 * Where a model's defaults differ from the reference library it follows, `mflab models` says so (issue 13, item 7).
 * knn-baseline defaults to the pearson-baseline similarity, as Surprise's docs advise for KNNBaseline, while
 * Surprise's KNNBaseline itself falls back to msd when `sim_options` names none (AlgoBase.compute_similarities:
 * `sim_options.get("name", "msd")`); its other defaults (k 40, min_k 1, user_based, min_support 1, shrinkage 100,
 * bsl_options n_epochs 10, reg_u 15, reg_i 10) are Surprise's and are listed as such.
 */
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const BIN = path.resolve(__dirname, "../../bin/mflab.js");

describe("mflab models knn-baseline shows where it departs from Surprise", () => {
  it("names the similarity default and Surprise's", () => {
    const r = spawnSync(process.execPath, [BIN, "models", "knn-baseline"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "k-NN on baseline residuals, pearson-baseline similarity (Surprise KNNBaseline; Surprise's default similarity is msd)",
    );
    const similarity = r.stdout.split("\n").find((l) => l.startsWith("similarity "));
    expect(similarity).toMatch(
      /"pearson-baseline"\s+similarity measure \(default pearson-baseline, as Surprise's docs advise for KNNBaseline; Surprise's own default is msd\)/,
    );
    for (const [name, value] of [
      ["k", "40"],
      ["minK", "1"],
      ["minSupport", "1"],
      ["shrinkage", "100"],
      ["baselineIterations", "10"],
      ["lambdaU", "15"],
      ["lambdaI", "10"],
    ]) {
      const line = r.stdout.split("\n").find((l) => l.startsWith(`${name} `));
      expect(line?.split(/\s{2,}/)[2], name).toBe(value);
    }
  });
});
