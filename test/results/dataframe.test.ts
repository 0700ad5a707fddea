import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runsDataFrame, runsTable } from "../../src/results/dataframe";
import { loadResults } from "../../src/results/query";
import { writeResults } from "../../src/results/store";
import { bestRun } from "../../src/results/summary";
import { cellMetrics, fixtureResults } from "../report/fixture";

const danfoLoaded = () => Object.keys(require.cache).some((k) => /[\\/]danfojs-node[\\/]/.test(k));

describe("runsTable", () => {
  it("has one row per run with the documented columns, in order", () => {
    const r = fixtureResults();
    const t = runsTable(r);
    expect(Object.keys(t)).toEqual([
      "id", "model", "d", "lambda", "maxIterations", "init", "seed", "status",
      "iterations", "converged", "fitSeconds", "predictSeconds", "fallbackCount",
      "train_mse", "train_rmse", "train_mae", "test_mse", "test_rmse", "test_mae",
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
      "id", "model", "schedule.lr", "schedule.decay.every", "layers", "param.status", "param.test_mse",
      "d", "lambda", "maxIterations", "init", "seed", "status",
      "iterations", "converged", "fitSeconds", "predictSeconds", "fallbackCount", "test_mse",
    ]);
    expect(t["schedule.decay.every"]).toEqual([5, null]);
    expect(t.layers).toEqual(["[1,2]", null]);
    expect(t["param.status"]).toEqual(["weird", null]);
    expect(t.d).toEqual([null, 1]);
    expect(() => runsTable(r, { metrics: ["test.r2" as never] })).toThrow(/unknown metric "test.r2"/);
  });

  it("selects columns: an explicit list, or the summary preset (grid parameters + the assignment's metrics)", () => {
    const r = fixtureResults({ folds: ["u1", "u2"] });
    expect(Object.keys(runsTable(r, { columns: "summary" }))).toEqual(["d", "lambda", "fold", "status", "train_mse", "test_mse", "train_mae", "test_mae"]);
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
    expect(header.split("│").map((c) => c.replace(/[║\s]/g, ""))).toEqual(["", "id", "model", "d", "lambda", "...", "test_mse", "test_rmse", "test_mae"]);
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
