/**
 * Searches (src/experiment/search): the spec's rules, validation inside a sweep, resuming a search killed
 * mid-way (in-process stop and a real SIGKILL of the CLI), parallel determinism given the recorded completion
 * order, and pruning (hand-worked ASHA and median decisions; pruned trials recorded and never redone).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../src/core/errors";
import { holdoutSplit } from "../../src/data/split";
import { loadDataset } from "../../src/data/load";
import { validateDataSpec } from "../../src/data/spec";
import { deriveSeed } from "../../src/core/random";
import { runSweep } from "../../src/experiment/runner";
import { isRung, prunerCheck } from "../../src/experiment/search/pruner";
import { runSearch, suggestTrial } from "../../src/experiment/search/run";
import { validateSpec } from "../../src/experiment/spec";
import { fitDataKey } from "../../src/experiment/execute";
import { readResults } from "../../src/results/store";
import { bestRun, summaryTable } from "../../src/results/summary";
import type { RunRecord } from "../../src/results/schema";

const data = { kind: "synthetic", nUsers: 80, nItems: 100, nRatings: 3000, seed: 5 };
const searchSpec = (over: Record<string, unknown> = {}) => ({
  name: "search",
  data,
  model: "als",
  params: { maxIterations: 9, stopping: "none" },
  seed: 4,
  evaluation: { validation: 0.15 },
  search: {
    method: "tpe",
    trials: 14,
    seed: 2,
    startupTrials: 4,
    space: { d: { int: [1, 12], log: true }, lambda: { float: [0.01, 20], log: true } },
  },
  ...over,
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "mflab-search-"));
/** What must be the same in two runs of a search: which trial had which parameters and numbers. */
const sequence = (runs: readonly RunRecord[]) =>
  [...runs]
    .sort((a, b) => a.trial! - b.trial!)
    .map((r) => ({ trial: r.trial, basis: r.trialBasis, params: r.params, status: r.status, iterations: r.iterations, metrics: r.metrics }));

function specError(raw: unknown): string {
  try {
    validateSpec(raw, "s.json");
  } catch (e) {
    if (e instanceof SpecError) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("search spec", () => {
  it("is refused with a message naming the path", () => {
    expect(specError(searchSpec({ evaluation: {} }))).toMatch(/s\.json: search needs a validation set so the test set does not choose/);
    expect(specError(searchSpec({ search: undefined, grid: { d: [1] }, pruner: { method: "asha" } }))).toMatch(/pruner applies to searches only/);
    const withSpace = (space: unknown, method = "tpe") => searchSpec({ search: { method, trials: 3, space } });
    expect(specError(withSpace({ lambda: { float: [2, 1] } }))).toMatch(/search\.space\.lambda\.float must have low ≤ high, got \[2, 1\]/);
    expect(specError(withSpace({ lambda: { float: [0, 1], log: true } }))).toMatch(
      /search\.space\.lambda\.float on a log scale needs low > 0, got 0/,
    );
    expect(specError(withSpace({ d: { int: [0, 5] } }))).toMatch(/search\.space\.d value 0 is refused by als: must be ≥ 1, got 0/);
    expect(specError(withSpace({ d: { int: [1, 5], float: [1, 2] } }))).toMatch(
      /search\.space\.d must give exactly one of "int", "float" or "choice" \(found "int" and "float"\)/,
    );
    expect(specError(withSpace({ lambda: { float: [0.1, 1] } }, "grid"))).toMatch(/search\.space\.lambda\.points is required with "method": "grid"/);
    expect(specError(withSpace({ nFactors: { int: [1, 5] }, d: { int: [1, 3] } }))).toMatch(/search\.space\.d names d a second time/);
    expect(specError(searchSpec({ folds: 3 }))).toMatch(/search runs on one split/);
    expect(specError(searchSpec({ search: { method: "random", space: { d: { int: [1, 3] } } } }))).toMatch(/search\.trials is required/);
    expect(specError(searchSpec({ search: { method: "anneal", trials: 2, space: { d: { int: [1, 3] } } } }))).toMatch(/search\.method/);
  });

  it("normalises aliases and counts grid cells", () => {
    const spec = validateSpec(
      searchSpec({ search: { method: "grid", space: { nFactors: { int: [1, 100], log: true, points: 10 }, lambda: { choice: [1, 2] } } } }),
    );
    expect(Object.keys(spec.search!.space)).toEqual(["d", "lambda"]);
    expect(spec.search!.trials).toBe(20);
  });
});

describe("evaluation.validation", () => {
  it("carves the same seeded validation set from the training ratings for every run, and selection uses it", async () => {
    const dir = tmp();
    const spec = validateSpec({
      name: "v",
      data,
      model: "als",
      params: { maxIterations: 4 },
      grid: { d: [1, 4], lambda: [0.1, 3] },
      seed: 9,
      evaluation: { validation: 0.2 },
    });
    const { results } = await runSweep(spec, { out: path.join(dir, "v.json") });
    const ds = loadDataset(validateDataSpec(data));
    const split = holdoutSplit(ds.train.nnz, 0.2, deriveSeed(9, "validation"));
    const validation = ds.train.subset(split.testIdx);
    expect(validation.nnz).toBe(Math.round(ds.train.nnz * 0.2));
    for (const r of results.runs) {
      expect(r.status).toBe("ok");
      expect(r.metrics!.validation!.rmse).toBeCloseTo(Math.sqrt(r.metrics!.validation!.mse), 12);
      // The per-iteration held-out curve is the validation set's: its last point is the final validation MSE.
      expect(r.history!.validationMse!.at(-1)).toBeCloseTo(r.metrics!.validation!.mse, 10);
      expect(r.history!.testMse.every((v) => Number.isNaN(v))).toBe(true);
    }
    const byValidation = [...results.runs].sort((a, b) => a.metrics!.validation!.mse - b.metrics!.validation!.mse)[0];
    expect(bestRun(results)!.id).toBe(byValidation.id);
    expect(summaryTable(results)).toMatch(/sorted by validation\.mse/);
    // A run fitted without the validation ratings is another run than one fitted on all of them.
    expect(fitDataKey("abc", { validation: 0.2, validationSeed: 1 })).not.toBe(fitDataKey("abc", {}));
  });
});

describe("runSearch", () => {
  it("killed mid-way and restarted, reproduces the uninterrupted sequence of trials", async () => {
    const dir = tmp();
    const spec = validateSpec(searchSpec());
    const whole = await runSearch(spec, { out: path.join(dir, "whole.json") });
    expect(whole.ran).toBe(14);
    const stop = new AbortController();
    let ends = 0;
    const first = await runSearch(spec, {
      out: path.join(dir, "part.json"),
      signal: stop.signal,
      onProgress: (e) => {
        if (e.type === "run-end" && ++ends === 6) stop.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(readResults(path.join(dir, "part.json")).runs).toHaveLength(6);
    const second = await runSearch(spec, { out: path.join(dir, "part.json") });
    expect([second.cached, second.ran]).toEqual([6, 8]);
    expect(sequence(second.results.runs)).toEqual(sequence(whole.results.runs));
    // TPE took over after the startup trials: later trials are not uniform draws of their own seed.
    expect(new Set(whole.results.runs.map((r) => r.params.d)).size).toBeGreaterThan(1);
  });

  it("a SIGKILLed `mflab sweep` resumes to the same trials as an uninterrupted one", async () => {
    const dir = tmp();
    const file = path.join(dir, "spec.json");
    fs.writeFileSync(
      file,
      JSON.stringify(searchSpec({ params: { maxIterations: 40, stopping: "none" }, search: { ...searchSpec().search, trials: 12 } })),
    );
    const bin = path.resolve(__dirname, "../../bin/mflab.js");
    const run = (out: string, killAfter?: number) =>
      new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [bin, "sweep", file, "--out", out, "--workers", "1", "--quiet"], { stdio: "ignore" });
        const timer =
          killAfter === undefined
            ? undefined
            : setInterval(() => {
                let n = 0;
                try {
                  n = readResults(out).runs.length;
                } catch {}
                if (n >= killAfter) child.kill("SIGKILL");
              }, 5);
        child.on("exit", () => {
          if (timer) clearInterval(timer);
          resolve();
        });
      });
    await run(path.join(dir, "whole.json"));
    await run(path.join(dir, "killed.json"), 4);
    const killed = readResults(path.join(dir, "killed.json")).runs.length;
    expect(killed).toBeGreaterThanOrEqual(4);
    expect(killed).toBeLessThan(12);
    await run(path.join(dir, "killed.json"));
    expect(sequence(readResults(path.join(dir, "killed.json")).runs)).toEqual(sequence(readResults(path.join(dir, "whole.json")).runs));
  }, 120_000);

  it("in parallel, every trial is the suggestion of its recorded basis (deterministic given the completion order)", async () => {
    const dir = tmp();
    const spec = validateSpec(searchSpec({ pruner: { method: "asha", minIterations: 1, reductionFactor: 2 } }));
    const out = await runSearch(spec, { out: path.join(dir, "p.json"), workers: 2, isolate: true });
    const runs = readResults(out.file).runs;
    expect(runs).toHaveLength(14);
    const key = fitDataKey(out.results.dataset.fingerprint, { validation: 0.15, validationSeed: deriveSeed(4, "validation") });
    for (const r of runs) {
      const plan = suggestTrial(spec, r.trial!, runs.slice(0, r.trialBasis), key);
      expect(plan.params).toEqual(r.params);
      expect(plan.id).toBe(r.id);
    }
  }, 60_000);

  it("prunes with ASHA, records pruned trials with the iteration reached, and never redoes them", async () => {
    const dir = tmp();
    const spec = validateSpec(
      searchSpec({ search: { ...searchSpec().search, method: "random" }, pruner: { method: "asha", minIterations: 1, reductionFactor: 3 } }),
    );
    const out = path.join(dir, "a.json");
    const first = await runSearch(spec, { out });
    const pruned = first.results.runs.filter((r) => r.status === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const r of pruned) {
      expect([1, 3]).toContain(r.iterations); // rungs 1·3^k below the cap of 9 iterations
      expect(r.metrics!.test).toBeUndefined();
      expect(r.metrics!.validation!.rmse).toBeGreaterThan(0);
      expect(r.history!.validationMse).toHaveLength(r.iterations!);
    }
    expect(summaryTable(first.results)).toMatch(/PRUNED at iteration [13] \(validation RMSE/);
    const again = await runSearch(spec, { out });
    expect([again.ran, again.cached]).toEqual([0, 14]);
  });

  it("refuses a results file that holds another search", async () => {
    const dir = tmp();
    const out = path.join(dir, "x.json");
    await runSearch(validateSpec(searchSpec({ search: { ...searchSpec().search, trials: 2 } })), { out });
    await expect(runSearch(validateSpec(searchSpec({ search: { ...searchSpec().search, trials: 2, seed: 99 } })), { out })).rejects.toThrow(
      /holds another search/,
    );
  });
});

describe("pruners", () => {
  it("ASHA rungs and decisions, worked by hand", () => {
    expect([1, 2, 3, 6, 7, 18].map((i) => isRung(i, 2, 3))).toEqual([false, true, false, true, false, true]);
    // Four other trials at iteration 2: 0.90, 0.95, 1.00, 1.10. With ours, n = 5, keep ⌊5/3⌋ = 1: only the best goes on.
    const others = [0.9, 0.95, 1.0, 1.1].map((v) => ({ curve: [2, v, 2], completed: true }));
    const task = { method: "asha" as const, minIterations: 2, reductionFactor: 3, startupTrials: 5, others };
    expect(prunerCheck(task)(2, 0.91)).toBe(true);
    expect(prunerCheck(task)(2, 0.89)).toBe(false);
    expect(prunerCheck(task)(3, 5)).toBe(false); // not a rung
    // Iteration 6: nobody else got there; n = 1, the trial is the best of its rung.
    expect(prunerCheck(task)(6, 3)).toBe(false);
    // With 8 others at the rung (n = 9, keep 3): the third best goes on, the fourth does not.
    const nine = { ...task, others: [1, 2, 3, 4, 5, 6, 7, 8].map((v) => ({ curve: [0, v], completed: true })) };
    expect(prunerCheck(nine)(2, 2.5)).toBe(false);
    expect(prunerCheck(nine)(2, 3.5)).toBe(true);
  });

  it("median rule: the best value so far against the completed trials' median, after 5 completed trials", () => {
    const curve = (v: number) => ({ curve: [v, v, v], completed: true });
    const task = { method: "median" as const, minIterations: 2, reductionFactor: 3, startupTrials: 5, others: [1, 2, 3, 4].map(curve) };
    expect(prunerCheck(task)(2, 100)).toBe(false); // only 4 completed trials
    const five = { ...task, others: [...[1, 2, 3, 4, 5].map(curve), { curve: [0, 0, 0], completed: false }] }; // pruned ones do not count
    const check = prunerCheck(five);
    expect(check(1, 3.5)).toBe(false); // before minIterations
    expect(check(2, 3.1)).toBe(true); // median of 1…5 is 3; best so far 3.1
    const check2 = prunerCheck(five);
    expect(check2(1, 2.9)).toBe(false);
    expect(check2(2, 3.2)).toBe(false); // its best so far (2.9, iteration 1) is below the median
  });
});
