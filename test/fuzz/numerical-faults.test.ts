/**
 * Numerical faults at the sweep level (issue 7, part 3): a diverging SGD run is recorded as failed with its reason
 * and the sweep goes on; ALS with λ = 0 and rows with fewer ratings than d produces no NaN.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { readResults } from "../../src/results/store";
import { loadDataset } from "../../src/data/load";
import { alsModel } from "../../src/models/als/als";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-faults-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const allFinite = (xs: readonly number[]) => xs.every((x) => Number.isFinite(x));

describe("SGD divergence inside a sweep", () => {
  it("an absurd learning rate: the run is recorded as failed with the reason and a hint, the next run still runs", async () => {
    const spec = validateSpec({
      name: "diverge",
      data: { kind: "synthetic", nUsers: 40, nItems: 50, nRatings: 800, seed: 5 },
      model: "svd",
      params: { d: 4, maxIterations: 5 },
      grid: { lr: [50, 0.005] },
      seed: 1,
    });
    const out = path.join(TMP, "diverge.json");
    const events: string[] = [];
    const outcome = await runSweep(spec, {
      out,
      onProgress: (e) => {
        if (e.type === "run-end") events.push(`${e.index}:${e.record.status}`);
      },
    });
    expect(events).toEqual(["1:failed", "2:ok"]);
    expect([outcome.ran, outcome.failed]).toEqual([2, 1]);
    const runs = readResults(out).runs;
    expect(runs.map((r) => [r.params.lr, r.status])).toEqual([
      [50, "failed"],
      [0.005, "ok"],
    ]);
    expect(runs[0].error).toMatch(/^SGD diverged at epoch [1-5] \(loss (NaN|-?Infinity)\): lower the learning rate \(lr = 50\)$/);
    expect(runs[0].metrics).toBeUndefined();
    expect(allFinite([runs[1].metrics!.test!.mse, runs[1].metrics!.train!.mse])).toBe(true);
    // Re-running the sweep skips the failed run (recorded) unless asked to retry it; it fails again the same way.
    const again = await runSweep(spec, { out });
    expect([again.ran, again.cached]).toEqual([0, 2]);
    const retry = await runSweep(spec, { out, retryFailed: true });
    expect([retry.ran, retry.failed]).toEqual([1, 1]);
    expect(readResults(out).runs[0].error).toBe(runs[0].error);
  });
});

describe("ALS with λ = 0 and rows with fewer ratings than d", () => {
  // User "solo" rates only item "lone", which nobody else rates; users a..d have 1–2 ratings (< d = 4).
  const train = "user,item,rating\n" + "a,x,5\na,y,3\nb,x,4\nb,z,1\nc,y,2\nc,z,5\nd,x,1\nsolo,lone,4.5\ne,x,3\ne,y,4\ne,z,2\n";
  const test = "user,item,rating\na,z,2\nd,y,3\nsolo,x,4\n";
  fs.mkdirSync(path.join(TMP, "als0"), { recursive: true });
  fs.writeFileSync(path.join(TMP, "als0", "train.csv"), train);
  fs.writeFileSync(path.join(TMP, "als0", "test.csv"), test);
  const data = { kind: "train-test", train: "als0/train.csv", test: "als0/test.csv" } as const;

  it("a sweep over d with λ = 0 records every run as ok with finite metrics and history", async () => {
    const spec = validateSpec({
      name: "als-lambda0",
      data,
      model: "als",
      params: { lambda: 0, maxIterations: 6, stopping: "none" },
      grid: { d: [1, 4, 8], biases: [false, true] },
      seed: 3,
    });
    const outcome = await runSweep(spec, { out: path.join(TMP, "als0.json"), baseDir: TMP });
    expect(outcome.failed).toBe(0);
    const runs = outcome.results.runs;
    expect(runs).toHaveLength(6);
    for (const r of runs) {
      expect(r.status, `${JSON.stringify(r.params)}: ${r.error}`).toBe("ok");
      const m = r.metrics!;
      expect(allFinite([m.train!.mse, m.train!.mae, m.test!.mse, m.test!.mae])).toBe(true);
      expect(allFinite(r.history!.trainLoss)).toBe(true);
      expect(allFinite(r.history!.testMse!)).toBe(true);
    }
  });

  it("the singular rows get the minimum-norm fit: an isolated (user, item) pair is reproduced exactly", () => {
    const ds = loadDataset(data, { baseDir: TMP });
    const solo = ds.userIds.indexOf("solo");
    const lone = ds.itemIds.indexOf("lone");
    for (const d of [2, 4, 8]) {
      const fit = alsModel.fit(ds.train, alsModel.config({ d, lambda: 0, maxIterations: 5, stopping: "none", seed: 7 }), {});
      // The item half-step for "lone" solves min (4.5 − w_solo·h)² with one equation and d unknowns: exact fit.
      expect(fit.model.predict(solo, lone)).toBeCloseTo(4.5, 6);
      for (let u = 0; u < ds.userIds.length; u++) {
        for (let i = 0; i < ds.itemIds.length; i++) expect(Number.isFinite(fit.model.predict(u, i))).toBe(true);
      }
    }
  });
});
