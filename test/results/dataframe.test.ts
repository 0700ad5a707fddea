import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Module from "node:module";
import { describe, expect, it, vi } from "vitest";
import { DANFOJS_OVERRIDES, groupRunsFrame, pivotRuns, runsDataFrame, runsTable, type RunsDataFrame } from "../../src/results/dataframe";
import { loadResults } from "../../src/results/query";
import type { RunRecord } from "../../src/results/schema";
import { writeResults } from "../../src/results/store";
import { aggregateRuns, bestRun } from "../../src/results/summary";
import { cellMetrics, DS, fixtureResults, LAMBDAS } from "../report/fixture";
import { validationFoldResults } from "./validation-fixture";

const danfoLoaded = () => Object.keys(require.cache).some((k) => /[\\/]danfojs-node[\\/]/.test(k));

describe("runsTable", () => {
  it("has one row per run with the documented columns, in order", () => {
    const r = fixtureResults();
    const t = runsTable(r);
    expect(Object.keys(t)).toEqual([
      "id",
      "model",
      "d",
      "lambda",
      "maxIterations",
      "init",
      "seed",
      "status",
      "iterations",
      "converged",
      "fitSeconds",
      "predictSeconds",
      "fallbackCount",
      "train_mse",
      "train_rmse",
      "train_mae",
      "test_mse",
      "test_rmse",
      "test_mae",
    ]);
    for (const col of Object.values(t)) expect(col).toHaveLength(9);
    const k = t.id.indexOf("r-d5-l2");
    expect(t.d[k]).toBe(5);
    expect(t.lambda[k]).toBe(2);
    expect(t.seed[k]).toBe(5002);
    expect(t.test_mse[k]).toBeCloseTo(cellMetrics(5, 2).test.mse, 15);
    expect(t.train_rmse[k]).toBeCloseTo(Math.sqrt(cellMetrics(5, 2).train.mse), 15);
    expect(t.converged[k]).toBe(false);
    expect(t.fitSeconds[k]).toBeCloseTo(0.5, 15);
  });

  it("adds fold and error columns only when needed, with nulls for missing values", () => {
    const t = runsTable(fixtureResults({ folds: ["u1", "u2"], failed: true }));
    expect(Object.keys(t)).toContain("fold");
    expect(Object.keys(t).slice(-7)).toEqual(["error", "train_mse", "train_rmse", "train_mae", "test_mse", "test_rmse", "test_mae"]);
    const k = t.id.indexOf("r-failed");
    expect(t.fold[k]).toBeNull();
    expect(t.test_mse[k]).toBeNull();
    expect(t.error[k]).toBe("matrix not positive definite");
    expect(t.error[0]).toBeNull();
  });

  it("flattens nested params, writes arrays as JSON, and renames params that clash with columns", () => {
    const r = fixtureResults();
    r.runs[0].params = { model: "x", schedule: { lr: 0.1, decay: { every: 5 } }, layers: [1, 2], status: "weird", test_mse: 3 };
    const t = runsTable(r.runs.slice(0, 2), { metrics: ["test.mse"] });
    expect(Object.keys(t)).toEqual([
      "id",
      "model",
      "schedule.lr",
      "schedule.decay.every",
      "layers",
      "param.status",
      "param.test_mse",
      "d",
      "lambda",
      "maxIterations",
      "init",
      "seed",
      "status",
      "iterations",
      "converged",
      "fitSeconds",
      "predictSeconds",
      "fallbackCount",
      "test_mse",
    ]);
    expect(t["schedule.decay.every"]).toEqual([5, null]);
    expect(t.layers).toEqual(["[1,2]", null]);
    expect(t["param.status"]).toEqual(["weird", null]);
    expect(t.d).toEqual([null, 1]);
    expect(() => runsTable(r, { metrics: ["test.r2" as never] })).toThrow(/unknown metric "test.r2"/);
  });

  it("selects columns: an explicit list, or the summary preset (grid parameters + the assignment's metrics)", () => {
    const r = fixtureResults({ folds: ["u1", "u2"] });
    expect(Object.keys(runsTable(r, { columns: "summary" }))).toEqual([
      "d",
      "lambda",
      "fold",
      "status",
      "train_mse",
      "test_mse",
      "train_mae",
      "test_mae",
    ]);
    const t = runsTable(r, { columns: ["test_mae", "d"] });
    expect(Object.keys(t)).toEqual(["test_mae", "d"]);
    expect(t.test_mae[0]).toBeCloseTo(cellMetrics(1, 1).test.mae, 15);
    expect(() => runsTable(r, { columns: ["lamda"] })).toThrow(/no column "lamda"; the columns are id, model, d, lambda/);
  });

  it("rounds metric and seconds columns with decimals", () => {
    const t = runsTable(fixtureResults(), { decimals: 3 });
    const k = t.id.indexOf("r-d1-l4");
    expect(t.test_mse[k]).toBe(0.918); // 0.9175 rounded half up
    expect(t.test_rmse[k]).toBe(Number(Math.sqrt(0.9175).toFixed(3)));
    expect(t.d[k]).toBe(1);
    expect(() => runsTable(fixtureResults(), { decimals: 1.5 })).toThrow(/decimals must be an integer from 0 to 15, got 1.5/);
  });

  it("labels rows with experiment and dataset for a set of several files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-df-"));
    try {
      writeResults(path.join(dir, "a.json"), fixtureResults({ name: "a" }));
      writeResults(path.join(dir, "b.json"), fixtureResults({ name: "b", dataset: "other" }));
      const t = runsTable(loadResults(dir));
      expect(Object.keys(t).slice(0, 4)).toEqual(["id", "experiment", "dataset", "model"]);
      expect(t.experiment.filter((e) => e === "b")).toHaveLength(9);
      expect(t.dataset[17]).toBe("other");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runsDataFrame", () => {
  it("loads danfojs-node only when called, and builds a DataFrame of the table's columns", () => {
    expect(danfoLoaded()).toBe(false);
    const r = fixtureResults({ failed: true });
    const df = runsDataFrame(r);
    expect(danfoLoaded()).toBe(true);
    const t = runsTable(r);
    expect(df.shape).toEqual([10, Object.keys(t).length]);
    expect(df.columns).toEqual(Object.keys(t));
    const rows = df.values as unknown[][];
    const testCol = df.columns.indexOf("test_mse");
    expect(rows.map((row) => row[testCol])).toEqual(t.test_mse.map((v) => (v === null ? null : v)));
    // sorting by test MSE puts bestRun first (d=2, λ=2 by the closed form); danfojs sorts nulls (the failed run) first
    const ok = fixtureResults();
    const sorted = runsDataFrame(ok).sortValues("test_mse") as typeof df;
    expect((sorted.values as unknown[][])[0][0]).toBe(bestRun(ok, "test.mse")!.id);
    expect(bestRun(ok, "test.mse")!.id).toBe("r-d2-l2");
  });

  function printed(f: () => void): string {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    try {
      f();
    } finally {
      spy.mockRestore();
    }
    return lines.join("\n");
  }

  it("prints a table: the full frame shows id, model, the first parameters and the test metrics", () => {
    const text = printed(() => runsDataFrame(fixtureResults()).head(3).print());
    const header = text.split("\n")[1];
    expect(header.split("│").map((c) => c.replace(/[║\s]/g, ""))).toEqual([
      "",
      "id",
      "model",
      "d",
      "lambda",
      "...",
      "test_mse",
      "test_rmse",
      "test_mae",
    ]);
    expect(text).toContain("r-d1-l1");
    expect(text).not.toContain("r-d2-l1"); // head(3): d=1 only
    expect(text).toContain(String(cellMetrics(1, 2).test.mse).slice(0, 16));
  });

  it("the summary frame prints every column and, by default, up to 50 rows", () => {
    const r = fixtureResults({ folds: ["u1", "u2", "u3"] }); // 27 runs: more than danfojs' default 10 rows
    const text = printed(() => runsDataFrame(r, { columns: "summary" }).print());
    expect(text).not.toContain("...");
    expect((text.match(/║ \d+ /g) ?? []).length).toBe(27);
    const short = printed(() => runsDataFrame(r, { columns: "summary", maxRows: 5 }).print());
    expect((short.match(/║ \d+ /g) ?? []).length).toBe(5);
  });

  it("refuses an empty run list with a clear message", () => {
    expect(() => runsDataFrame([])).toThrow(/no runs to put in a DataFrame/);
  });
});

/** A frame's rows as objects keyed by column name. */
function rowsOf(df: RunsDataFrame): Record<string, unknown>[] {
  return (df.values as unknown[][]).map((row) => Object.fromEntries(df.columns.map((c, j) => [c, row[j]])));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const popStd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const FOLDS = ["u1", "u2", "u3"];
/** Fixture fold k shifts the MSEs by 0.01·k (MAE does not move). */
const foldMse = (d: number, lambda: number) => FOLDS.map((_, k) => cellMetrics(d, lambda, 0.01 * k).test.mse);

describe("pivotRuns", () => {
  it("d × λ of the mean test MSE over folds: rows d and columns λ sorted, cells = hand means = aggregateRuns", () => {
    const r = fixtureResults({ folds: FOLDS, failed: true });
    r.runs.reverse(); // source order does not matter: keys come out sorted
    const df = pivotRuns(r, { rows: "d", columns: "lambda" });
    expect(df.columns).toEqual(["d", "lambda=1", "lambda=2", "lambda=4"]);
    const rows = rowsOf(df);
    expect(rows.map((row) => row.d)).toEqual(DS); // the failed run (d = 10) has no metric: no row
    const agg = aggregateRuns(r);
    for (const row of rows) {
      for (const lambda of LAMBDAS) {
        const d = row.d as number;
        const cell = row[`lambda=${lambda}`] as number;
        expect(cell).toBeCloseTo(mean(foldMse(d, lambda)), 14);
        const config = agg.find((a) => a.params.d === d && a.params.lambda === lambda)!;
        expect(cell).toBe(config.mean_test_mse); // the same sum in the same order: not a bit apart
      }
    }
    // d = 2, λ = 2 is the lowest cell, as bestRun says per fold
    expect(rows[1]["lambda=2"]).toBe(Math.min(...rows.flatMap((row) => LAMBDAS.map((l) => row[`lambda=${l}`] as number))));
  });

  it("joins the folds side by side: one row per configuration, one column per fold, cells = the runs' own values", () => {
    const r = fixtureResults({ folds: FOLDS });
    const df = pivotRuns(r, { rows: ["d", "lambda"], columns: "fold", metric: "test.rmse" });
    expect(df.columns).toEqual(["d", "lambda", "fold=u1", "fold=u2", "fold=u3"]);
    const rows = rowsOf(df);
    expect(rows.map((row) => [row.d, row.lambda])).toEqual(DS.flatMap((d) => LAMBDAS.map((l) => [d, l])));
    for (const row of rows) {
      FOLDS.forEach((f, k) => expect(row[`fold=${f}`]).toBe(Math.sqrt(cellMetrics(row.d as number, row.lambda as number, 0.01 * k).test.mse)));
    }
  });

  it("other aggregates: std is the population std (as aggregateRuns), count, min, max", () => {
    const r = fixtureResults({ folds: FOLDS });
    const agg = aggregateRuns(r);
    const std = rowsOf(pivotRuns(r, { rows: "d", columns: "lambda", metric: "test.rmse", aggregate: "std" }));
    const count = rowsOf(pivotRuns(r, { rows: "d", columns: "lambda", aggregate: "count" }));
    const min = rowsOf(pivotRuns(r, { rows: "d", columns: "lambda", aggregate: "min" }));
    const max = rowsOf(pivotRuns(r, { rows: "lambda", columns: "d", aggregate: "max" }));
    for (const d of DS) {
      for (const lambda of LAMBDAS) {
        const config = agg.find((a) => a.params.d === d && a.params.lambda === lambda)!;
        const cell = std.find((row) => row.d === d)![`lambda=${lambda}`] as number;
        expect(cell).toBeCloseTo(config.std_test_rmse, 12);
        expect(cell).toBeCloseTo(popStd(foldMse(d, lambda).map(Math.sqrt)), 12);
        expect(count.find((row) => row.d === d)![`lambda=${lambda}`]).toBe(3);
        expect(min.find((row) => row.d === d)![`lambda=${lambda}`]).toBe(foldMse(d, lambda)[0]);
        expect(max.find((row) => row.lambda === lambda)![`d=${d}`]).toBe(foldMse(d, lambda)[2]);
      }
    }
  });

  it("a cell without an ok run is NaN; runs without a value for a key are left out; numbers sort numerically", () => {
    const r = fixtureResults();
    r.runs = r.runs.filter((run) => !(run.params.d === 5 && run.params.lambda === 4));
    r.runs.push({ ...r.runs[0], id: "big-lambda", params: { ...r.runs[0].params, lambda: 10 } });
    r.runs.push({ ...r.runs[0], id: "baseline", params: { model: "baseline", seed: 1 } });
    const rows = rowsOf(pivotRuns(r, { rows: "d", columns: "lambda" }));
    expect(Object.keys(rows[0])).toEqual(["d", "lambda=1", "lambda=2", "lambda=4", "lambda=10"]);
    expect(rows.find((row) => row.d === 5)!["lambda=4"]).toBeNaN();
    expect(rows.find((row) => row.d === 2)!["lambda=10"]).toBeNaN();
    expect(rows.find((row) => row.d === 1)!["lambda=10"]).toBe(cellMetrics(1, 1).test.mse);
  });

  it("refuses unknown keys, metrics and aggregates, and sources with no usable run", () => {
    const r = fixtureResults();
    expect(() => pivotRuns(r, { rows: "dd", columns: "lambda" })).toThrow(/pivotRuns: no key column "dd"; use one of id, model, d, lambda/);
    expect(() => pivotRuns(r, { rows: "d", columns: "test_mse" })).toThrow(/no key column "test_mse"/);
    expect(() => pivotRuns(r, { rows: "d", columns: "d" })).toThrow(/key column "d" is named twice/);
    expect(() => pivotRuns(r, { rows: "d", columns: "lambda", metric: "test.r2" as never })).toThrow(/unknown metric "test.r2"/);
    expect(() => pivotRuns(r, { rows: "d", columns: "lambda", aggregate: "sum" as never })).toThrow(/unknown aggregate "sum"/);
    expect(() => pivotRuns([], { rows: "d", columns: "lambda" })).toThrow(/no runs to pivot/);
    const failed = fixtureResults({ failed: true }).runs.filter((run) => run.status !== "ok");
    expect(() => pivotRuns(failed, { rows: "d", columns: "lambda" })).toThrow(/no ok run has test.mse and a value for each of d, lambda/);
  });
});

/** Two models: the fixture's ALS grid on three folds, and a baseline without d/λ, one run per fold, one failed. */
function twoModels() {
  const r = fixtureResults({ folds: FOLDS });
  FOLDS.forEach((fold, k) => {
    const base: RunRecord = {
      ...r.runs[0],
      id: `base-${fold}`,
      fold,
      params: { model: "baseline", reg: 10, seed: 3 },
      metrics: cellMetrics(3, 3, 0.02 * k),
    };
    r.runs.push(k === 2 ? { ...base, status: "failed", error: "boom", metrics: undefined } : base);
  });
  return r;
}

describe("groupRunsFrame", () => {
  it("groups by model (first-seen order): ok and failed counts, mean and population std per metric", () => {
    const r = twoModels();
    const df = groupRunsFrame(r);
    expect(df.columns).toEqual([
      "model",
      "runs",
      "failed",
      "test_mse_mean",
      "test_mse_std",
      "test_rmse_mean",
      "test_rmse_std",
      "test_mae_mean",
      "test_mae_std",
    ]);
    const [als, baseline] = rowsOf(df);
    expect([als.model, als.runs, als.failed, baseline.model, baseline.runs, baseline.failed]).toEqual(["als", 27, 0, "baseline", 2, 1]);
    const alsMse = DS.flatMap((d) => LAMBDAS.flatMap((l) => foldMse(d, l)));
    expect(als.test_mse_mean).toBeCloseTo(mean(alsMse), 14);
    expect(als.test_mse_std).toBeCloseTo(popStd(alsMse), 12);
    expect(als.test_rmse_mean).toBeCloseTo(mean(alsMse.map(Math.sqrt)), 14);
    const baseMse = [cellMetrics(3, 3).test.mse, cellMetrics(3, 3, 0.02).test.mse];
    expect(baseline.test_mse_mean).toBeCloseTo(mean(baseMse), 14);
    expect(baseline.test_mse_std).toBeCloseTo(0.01, 12);
    expect(baseline.test_mae_std).toBe(0); // MAE does not move with the fold
  });

  it("by the grid parameters it has aggregateRuns' configurations: the same counts, means and stds", () => {
    const r = twoModels();
    const rows = rowsOf(
      groupRunsFrame(r, { by: ["model", "d", "lambda"], metrics: ["test.rmse", "test.mae"], stats: ["mean", "std", "min", "max", "median"] }),
    );
    expect(rows).toHaveLength(9); // the baseline has no d: left out
    const agg = aggregateRuns(r).filter((a) => a.params.model === "als");
    for (const a of agg) {
      const row = rows.find((x) => x.d === a.params.d && x.lambda === a.params.lambda)!;
      expect(row.runs).toBe(a.nFolds);
      expect(row.test_rmse_mean).toBe(a.mean_test_rmse);
      expect(row.test_rmse_std).toBeCloseTo(a.std_test_rmse, 12);
      expect(row.test_mae_mean).toBe(a.mean_test_mae);
      expect(row.test_rmse_min).toBe(Math.min(...a.split_test_rmse));
      expect(row.test_rmse_max).toBe(Math.max(...a.split_test_rmse));
      expect(row.test_rmse_median).toBe(a.split_test_rmse[1]); // three folds, increasing
    }
    expect(Object.keys(rows[0])).not.toContain("failed");
  });

  it("a group whose runs all failed has NaN statistics; bad options are refused", () => {
    const r = fixtureResults({ failed: true });
    const rows = rowsOf(groupRunsFrame(r, { by: "d", metrics: ["test.mse"] }));
    expect(rows.map((row) => row.d)).toEqual([1, 2, 5, 10]);
    expect(rows[3]).toMatchObject({ d: 10, runs: 0, failed: 1 });
    expect(rows[3].test_mse_mean).toBeNaN();
    expect(rows[0].test_mse_mean).toBeCloseTo(mean(LAMBDAS.map((l) => cellMetrics(1, l).test.mse)), 14);
    expect(() => groupRunsFrame(r, { by: "dd" })).toThrow(/groupRunsFrame: no key column "dd"/);
    expect(() => groupRunsFrame(r, { stats: ["sum" as never] })).toThrow(/unknown statistic "sum"/);
    expect(() => groupRunsFrame(r, { metrics: ["x" as never] })).toThrow(/unknown metric "x"/);
    expect(() => groupRunsFrame([])).toThrow(/no runs to group/);
  });

  it("prints every column of the default frame", () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    try {
      groupRunsFrame(twoModels()).print();
    } finally {
      spy.mockRestore();
    }
    expect(lines.join("\n")).not.toContain("...");
    expect(lines.join("\n")).toContain("test_mae_std");
  });
});

describe("without danfojs-node", () => {
  /** Make `require("danfojs-node")` fail as it does where it is not installed (or with `error` instead). */
  function withoutDanfo<T>(f: () => T, error?: Error): T {
    // Module._load, not _resolveFilename: require's per-parent cache skips resolution once danfojs was loaded
    const m = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = m._load;
    m._load = function (request: string, ...rest: unknown[]) {
      if (request === "danfojs-node") {
        if (error) throw error;
        throw Object.assign(new Error(`Cannot find module 'danfojs-node'\nRequire stack:\n- ${__filename}`), { code: "MODULE_NOT_FOUND" });
      }
      return original.call(this, request, ...rest);
    };
    try {
      return f();
    } finally {
      m._load = original;
    }
  }

  it("every DataFrame function says what to install, with the overrides, and runsTable still works", () => {
    const r = fixtureResults();
    for (const [name, call] of [
      ["runsDataFrame", () => runsDataFrame(r)],
      ["pivotRuns", () => pivotRuns(r, { rows: "d", columns: "lambda" })],
      ["groupRunsFrame", () => groupRunsFrame(r)],
    ] as const) {
      const message = withoutDanfo(() => {
        try {
          call();
        } catch (e) {
          return (e as Error).message;
        }
        return "no error";
      });
      expect(message).toContain(`${name} needs the danfojs-node package, which is not installed.`);
      expect(message).toContain("optional peer dependency of mflab");
      expect(message).toContain("npm install danfojs-node");
      expect(message).toContain(`"overrides": ${JSON.stringify(DANFOJS_OVERRIDES)}`);
    }
    expect(DANFOJS_OVERRIDES).toEqual({ xlsx: "0.18.5", "@tensorflow/tfjs-node": "npm:@tensorflow/tfjs@3.21.0" });
    expect(withoutDanfo(() => runsTable(r).id)).toHaveLength(9);
  });

  it("an installed danfojs-node that fails to load is told apart from a missing one", () => {
    const broken = Object.assign(new Error("Cannot find module 'xlsx'\nRequire stack:\n- /x/node_modules/danfojs-node/dist/index.js"), {
      code: "MODULE_NOT_FOUND",
    });
    expect(() => withoutDanfo(() => runsDataFrame(fixtureResults()), broken)).toThrow(
      /runsDataFrame: danfojs-node is installed but failed to load: Cannot find module 'xlsx'\n.*optional peer dependency/s,
    );
  });

  it("the package's own package.json: an optional peer dependency, installed here as a dev dependency, with the overrides", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8"));
    expect(pkg.dependencies["danfojs-node"]).toBeUndefined();
    expect(pkg.peerDependencies["danfojs-node"]).toBe(pkg.devDependencies["danfojs-node"]);
    expect(pkg.peerDependenciesMeta["danfojs-node"]).toEqual({ optional: true });
    expect(pkg.overrides).toEqual(DANFOJS_OVERRIDES);
  });
});

describe("validation metrics (a sweep with evaluation.validation)", () => {
  // ./validation-fixture.ts: d=1 and d=2 × folds u1, u2, u3; validation prefers d=1, test prefers d=2
  it("runsTable: validation_* columns between train and test (the per-run summary's order), only when the runs carry them", () => {
    const t = runsTable(validationFoldResults());
    expect(Object.keys(t).slice(-9)).toEqual([
      "train_mse",
      "train_rmse",
      "train_mae",
      "validation_mse",
      "validation_rmse",
      "validation_mae",
      "test_mse",
      "test_rmse",
      "test_mae",
    ]);
    const k = t.id.indexOf("r-d2-l1-u3");
    expect([t.validation_rmse[k], t.validation_mae[k], t.validation_mse[k]]).toEqual([0.99, 0.79, 0.99 ** 2]);
    const plain = runsTable(validationFoldResults(false));
    expect(Object.keys(plain).filter((c) => c.startsWith("validation"))).toEqual([]);
    expect(Object.keys(plain).slice(-6)).toEqual(["train_mse", "train_rmse", "train_mae", "test_mse", "test_rmse", "test_mae"]);
    // the summary preset: MSE then MAE of train, validation, test
    expect(Object.keys(runsTable(validationFoldResults(), { columns: "summary" }))).toEqual([
      "d",
      "fold",
      "status",
      "train_mse",
      "validation_mse",
      "test_mse",
      "train_mae",
      "validation_mae",
      "test_mae",
    ]);
    expect(Object.keys(runsTable(validationFoldResults(false), { columns: "summary" }))).toEqual([
      "d",
      "fold",
      "status",
      "train_mse",
      "test_mse",
      "train_mae",
      "test_mae",
    ]);
  });

  it("groupRunsFrame by configuration: validation mean and population std first, rows ordered by mean validation RMSE", () => {
    const reversed = validationFoldResults();
    reversed.runs.reverse(); // d=2 first-seen
    const rows = rowsOf(groupRunsFrame(reversed, { by: "d" }));
    // d=1 (validation RMSE 0.92) before d=2 (0.96), although d=2 is seen first and has the lower test RMSE (0.92 < 0.97)
    expect(rows.map((r) => r.d)).toEqual([1, 2]);
    // the order follows validation, not the key: with the validation metrics of d=1 and d=2 swapped, d=2 comes first
    // (danfojs' merge alone would return the numeric keys ascending)
    const swapped = validationFoldResults();
    const byFold = new Map(swapped.runs.map((r) => [`${r.params.d}|${r.fold}`, r.metrics!.validation]));
    for (const r of swapped.runs) r.metrics = { ...r.metrics!, validation: byFold.get(`${3 - (r.params.d as number)}|${r.fold}`) };
    const swappedRows = rowsOf(groupRunsFrame(swapped, { by: "d" }));
    expect(swappedRows.map((r) => r.d)).toEqual([2, 1]);
    expect(swappedRows[0].validation_rmse_mean).toBeCloseTo(0.92, 6);
    expect(swappedRows[0].test_rmse_mean).toBeCloseTo(0.92, 6); // d=2's own test RMSE travels with its row
    expect(swappedRows[1].test_rmse_mean).toBeCloseTo(0.97, 6);
    expect(Object.keys(rows[0])).toEqual([
      "d",
      "runs",
      "validation_mse_mean",
      "validation_mse_std",
      "validation_rmse_mean",
      "validation_rmse_std",
      "validation_mae_mean",
      "validation_mae_std",
      "test_mse_mean",
      "test_mse_std",
      "test_rmse_mean",
      "test_rmse_std",
      "test_mae_mean",
      "test_mae_std",
    ]);
    expect(rows[0].validation_rmse_mean).toBeCloseTo(0.92, 6); // danfojs aggregates in float32
    expect(rows[0].validation_rmse_std).toBeCloseTo(0.02 * Math.sqrt(2 / 3), 6);
    expect(rows[1].validation_rmse_mean).toBeCloseTo(0.96, 6);
    expect(rows[1].validation_rmse_std).toBeCloseTo(0.03 * Math.sqrt(2 / 3), 6);
    expect(rows[1].validation_mae_std).toBeCloseTo(Math.sqrt(0.0014 / 3), 6);
    expect(rows[0].test_rmse_mean).toBeCloseTo(0.97, 6);
    const agg = aggregateRuns(validationFoldResults());
    for (const a of agg) {
      const row = rows.find((x) => x.d === a.params.d)!;
      expect(row.validation_mse_mean).toBeCloseTo(a.mean_validation_mse!, 6);
      expect(row.validation_mse_std).toBeCloseTo(a.std_validation_mse!, 6);
    }
    // pivotRuns takes a validation metric too
    const pivot = rowsOf(pivotRuns(validationFoldResults(), { rows: "d", columns: "lambda", metric: "validation.rmse" }));
    expect(pivot.map((r) => r["lambda=1"] as number).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.92, 0.96]);
  });

  it("without validation metrics groupRunsFrame is unchanged: test metrics only, first-seen order", () => {
    const plain = validationFoldResults(false);
    const rows = rowsOf(groupRunsFrame(plain, { by: "d" }));
    expect(rows.map((r) => r.d)).toEqual([1, 2]);
    expect(Object.keys(rows[0])).toEqual([
      "d",
      "runs",
      "test_mse_mean",
      "test_mse_std",
      "test_rmse_mean",
      "test_rmse_std",
      "test_mae_mean",
      "test_mae_std",
    ]);
    // first-seen order, not sorted by any metric: d=2 has the lower test RMSE yet comes second
    expect(rows[1].test_rmse_mean as number).toBeLessThan(rows[0].test_rmse_mean as number);
  });
});
