import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { readResults } from "../../src/results/store";
import { summaryTable } from "../../src/results/summary";
import { loadDataset } from "../../src/data/load";
import { evaluateRanking } from "../../src/metrics/ranking";
import { fitPopularity } from "../../src/models/baselines/popularity";
import { implicitFromRatings } from "../../src/data/implicit";

const spec = {
  name: "rank",
  data: { kind: "synthetic", nUsers: 120, nItems: 200, nRatings: 5000, seed: 5 },
  models: [{ model: "popularity" }, { model: "implicit-als", params: { iterations: 3 }, grid: { d: [4, 8] } }],
  seed: 1,
  evaluation: { task: "ranking", k: 5, threshold: 4 },
};

describe("ranking sweeps (evaluation.task = ranking)", () => {
  it("fits on the training positives and records top-k metrics equal to an independent evaluation", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mflab-rank-")), "r.json");
    await runSweep(validateSpec(spec), { out });
    const r = readResults(out);
    expect(r.runs).toHaveLength(3);
    const pop = r.runs.find((x) => x.params.model === "popularity")!;
    expect(pop.metrics!.test).toBeUndefined();
    const ds = loadDataset(spec.data as never);
    const model = fitPopularity(implicitFromRatings(ds.train, { threshold: 4, value: "rating" })).model;
    expect(pop.metrics!.ranking).toEqual(evaluateRanking(model, ds.train, ds.test, { k: 5, threshold: 4 }));
    for (const run of r.runs) {
      expect(run.metrics!.ranking!.k).toBe(5);
      expect(run.metrics!.ranking!.ndcg).toBeGreaterThan(0);
    }
    const table = summaryTable(r);
    expect(table).toMatch(/NDCG@5/);
    expect(table.split("\n").filter((l) => /^(implicit-als|popularity)/.test(l))).toHaveLength(3);
  });

  it("rejects bad evaluation options with their path", () => {
    expect(() => validateSpec({ ...spec, evaluation: { task: "rank" } })).toThrow(`evaluation.task must be one of "rating", "ranking", got "rank"`);
    expect(() => validateSpec({ ...spec, evaluation: { k: 0 } })).toThrow("evaluation.k must be ≥ 1, got 0");
    expect(() => validateSpec({ ...spec, evaluation: { treshold: 4 } })).toThrow(
      /evaluation\.treshold is not an evaluation option \(did you mean "threshold"\?\)/,
    );
  });
});
