/**
 * The search figures and report section on a hand-made search results file (objective from a closed form, so
 * every number can be recomputed here): best-so-far lines as running minima, pruned and failed trials told apart,
 * permutation importance finding the one parameter the objective depends on, and the search-vs-grid comparison.
 */
import { describe, expect, it } from "vitest";
import { permutationImportance } from "../../src/results/importance";
import type { ResultsFile, RunRecord } from "../../src/results/schema";
import { importanceFigure, searchHistoryFigure, searchView, sliceFigure } from "../../src/plot/search";
import { buildReport } from "../../src/report/build";
import { searchBlocks } from "../../src/report/search";

/** Validation RMSE depends on λ only: 0.9 + 0.05·(log10 λ)². */
const objective = (lambda: number) => 0.9 + 0.05 * Math.log10(lambda) ** 2;

function trial(k: number, d: number, lambda: number, status: "ok" | "pruned" | "failed" = "ok"): RunRecord {
  const v = objective(lambda);
  const metrics = {
    validation: { mse: v * v, rmse: v, mae: 0.8 * v },
    ...(status === "ok" ? { train: { mse: 0.7, rmse: Math.sqrt(0.7), mae: 0.6 }, test: { mse: (v + 0.01) ** 2, rmse: v + 0.01, mae: 0.8 * v } } : {}),
  };
  return {
    id: `t${k}`,
    params: { model: "als", d, lambda, seed: k },
    seed: k,
    status,
    ...(status === "failed" ? { error: "boom" } : { metrics, iterations: status === "pruned" ? 2 : 20 }),
    fitSeconds: 1 + k / 10,
    trial: k,
    trialBasis: k,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:00:01Z",
  };
}

const lambdas = [5, 0.02, 1.3, 0.4, 9, 0.9, 0.05, 1.1, 3, 0.7, 0.15, 2, 0.3, 12, 0.8, 0.06];
const runs = lambdas.map((l, k) => trial(k, 1 + ((k * 7) % 50), l, k === 3 ? "pruned" : k === 5 ? "failed" : "ok"));

const dataset = { name: "toy", source: "hand-made", fingerprint: "f00", nUsers: 10, nItems: 10, nTrain: 80, nTest: 20, ratingScale: [1, 5] };
const env = {
  mflab: "0.3.0",
  node: "v20",
  platform: "linux",
  cpu: "x",
  gitCommit: null,
  gitDirty: null,
  startedAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};
const search: ResultsFile = {
  schema: "mflab.results/1",
  experiment: {
    name: "s",
    spec: {
      name: "s",
      models: [{ model: "als", params: {} }],
      seed: 0,
      evaluation: { validation: 0.1, history: true },
      search: {
        method: "tpe",
        trials: 16,
        seed: 1,
        metric: "validation.rmse",
        space: { d: { kind: "int", low: 1, high: 50, log: true }, lambda: { kind: "float", low: 0.01, high: 20, log: true } },
      },
      pruner: { method: "asha", minIterations: 2, reductionFactor: 3 },
    },
  },
  dataset,
  env,
  runs,
};

describe("search figures", () => {
  it("history: the best-so-far line is the running minimum over completed trials, against trials and cumulative fit seconds", () => {
    const view = searchView(search);
    expect(view.scales).toEqual({ d: "log", lambda: "log" });
    const fig = searchHistoryFigure([view]);
    const line = fig.data[0];
    let best = Infinity;
    const expected = runs.map((r) => {
      if (r.status === "ok") best = Math.min(best, objective(r.params.lambda as number));
      return best;
    });
    expect(line.y).toEqual(expected);
    expect(line.x).toEqual(runs.map((_, k) => k + 1));
    expect(fig.data.find((t) => t.name === "pruned trial")!.x).toEqual([4]);
    expect(JSON.stringify(fig.layout.annotations)).toMatch(/16 trials: 14 completed, 1 pruned .*1 failed/);
    const bySeconds = searchHistoryFigure([view], { x: "seconds" });
    let s = 0;
    expect(bySeconds.data[0].x).toEqual(runs.map((r) => (s += r.fitSeconds!)));
  });

  it("slice: one panel per searched parameter, pruned trials in their own trace", () => {
    const fig = sliceFigure(searchView(search));
    expect(fig.data.filter((t) => t.name?.startsWith("completed"))).toHaveLength(2);
    expect(fig.data.filter((t) => t.name === "pruned trial")).toHaveLength(2);
    expect((fig.layout.xaxis as { type: string }).type).toBe("log");
  });

  it("importance: the parameter the objective depends on gets nearly all of it", () => {
    const imp = permutationImportance({
      params: runs.map((r) => r.params),
      values: runs.map((r) => objective(r.params.lambda as number)),
      scales: { d: "log", lambda: "log" },
    });
    expect(imp[0].parameter).toBe("lambda");
    expect(imp[0].share).toBeGreaterThan(0.8);
    const fig = importanceFigure(searchView(search));
    expect(fig.data[0].y).toEqual(["lambda", "d"]);
    expect(JSON.stringify(fig.layout.annotations)).toMatch(/Permutation importance on a Nadaraya–Watson kernel surrogate/);
  });
});

describe("search report section", () => {
  const grid: ResultsFile = {
    ...search,
    experiment: { name: "grid", spec: null },
    runs: [0.01, 0.1, 1, 10].map((l, k) => ({ ...trial(k, 5, l), trial: undefined, trialBasis: undefined, fitSeconds: 10 })),
  };

  it("states the trials by status, the chosen trial on validation, and the comparison with the grid", () => {
    const text = JSON.stringify(searchBlocks(search, grid));
    expect(text).toMatch(/16 of 16: 14 completed, 1 pruned, 1 failed/);
    // Best validation trial: λ = 0.9 failed, so λ = 1.1 (objective 0.9 + 0.05·log10(1.1)² = 0.900086).
    expect(text).toMatch(/#7: d = 50, lambda = 1.1 — validation RMSE 0\.9001, test RMSE 0\.9101/);
    // Grid best is λ = 1 (0.9 exactly); search total fit seconds Σ(1 + k/10) = 16 + 12 = 28 vs the grid's 40.
    expect(text).toMatch(/"28\.0000"/);
    // Within 0.003 of 0.9 first at trial 2 (λ = 1.3: 0.90065), after 1 + 1.1 + 1.2 = 3.3 fit seconds.
    expect(text).toMatch(/after 3\.3000 fit seconds \(0\.0825 of the grid's\)/);
    expect(text).toMatch(/using 0\.7000 of the grid's fit seconds/);
    expect(() => searchBlocks(search, { ...grid, dataset: { ...dataset, fingerprint: "other" } })).toThrow(/on other data/);
  });

  it("the whole report has no undefined, null or NaN and shows pruned runs as pruned", () => {
    const md = buildReport(search, { format: "md", figures: false, grid });
    expect(md).not.toMatch(/undefined|null|NaN/);
    expect(md).toMatch(/PRUNED at iteration 2/);
    expect(md).toMatch(/1 failed, 1 pruned/);
    expect(md).toMatch(/## Search/);
  });
});
