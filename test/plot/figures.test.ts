import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors";
import type { RunRecord } from "../../src/results/schema";
import {
  assignmentGridFigure,
  compareFigure,
  compareRowsFromRuns,
  convergenceFigure,
  heatmapFigure,
  lambdaFigure,
  runLabels,
  type Figure,
  type PlotlyTrace,
} from "../../src/plot/figures";
import { bestLambda, buildFigure, FIGURE_KINDS } from "../../src/plot/kinds";
import { bayesianRuns, DS, expected, fixtureResults, fixtureRuns, LAMBDAS } from "./fixture";

type Ann = { text: string; x: unknown; y: unknown; name?: string; font?: { color?: string } };
const annotations = (f: Figure) => (f.layout.annotations ?? []) as Ann[];
interface Axis {
  title: { text: string };
  [key: string]: unknown;
}
const axis = (f: Figure, key: string) => f.layout[key] as Axis;

function withParams(runs: RunRecord[], lambdas: number[]): RunRecord[] {
  const base = runs.find((r) => r.status === "ok")!;
  return lambdas.flatMap((lambda) => DS.map((d) => ({ ...base, params: { ...base.params, d, lambda }, metrics: expected(d, lambda) })));
}

describe("assignmentGridFigure", () => {
  const fig = assignmentGridFigure(fixtureResults());

  it("draws one subplot per λ in a 2×2 grid with four metric traces each", () => {
    expect(fig.data).toHaveLength(16);
    const axes = Object.keys(fig.layout)
      .filter((k) => /^xaxis\d*$/.test(k))
      .sort();
    expect(axes).toEqual(["xaxis", "xaxis2", "xaxis3", "xaxis4"]);
    // 2 distinct column domains and 2 distinct row domains
    const xDomains = new Set(axes.map((k) => JSON.stringify(axis(fig, k).domain)));
    const yDomains = new Set(["yaxis", "yaxis2", "yaxis3", "yaxis4"].map((k) => JSON.stringify(axis(fig, k).domain)));
    expect(xDomains.size).toBe(2);
    expect(yDomains.size).toBe(2);
    for (const t of fig.data) expect(["x", "x2", "x3", "x4"]).toContain(t.xaxis);
  });

  it("titles the subplots λ = … in ascending order and leaves out failed runs", () => {
    const titles = annotations(fig)
      .filter((a) => a.name === "subplot-title")
      .map((a) => a.text);
    expect(titles).toEqual(["λ = 0.01", "λ = 0.1", "λ = 1", "λ = 10"]);
    const note = annotations(fig).find((a) => a.name === "mflab-notes");
    expect(note?.text).toBe("2 failed runs not shown");
    for (const t of fig.data) expect(t.x).not.toContain(100);
  });

  it("names the traces, styles each metric consistently and lists it once in the legend", () => {
    expect(fig.data.slice(0, 4).map((t) => t.name)).toEqual(["Train MSE", "Train MAE", "Test MSE", "Test MAE"]);
    expect(fig.data.slice(0, 4).map((t) => (t.marker as { symbol: string }).symbol)).toEqual(["circle", "square", "triangle-up", "x"]);
    expect(fig.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(["Train MSE", "Train MAE", "Test MSE", "Test MAE"]);
    for (let k = 0; k < 16; k++) {
      const first = fig.data[k % 4];
      expect(fig.data[k].legendgroup).toBe(first.legendgroup);
      expect(fig.data[k].marker).toEqual(first.marker);
      expect(fig.data[k].name).toBe(first.name);
    }
  });

  it("plots sorted d against the stored metric of each (d, λ) cell", () => {
    for (const [k, lambda] of LAMBDAS.entries()) {
      const traces = fig.data.slice(4 * k, 4 * k + 4);
      for (const t of traces) expect(t.x).toEqual(DS);
      const e = DS.map((d) => expected(d, lambda));
      expect(traces[0].y).toEqual(e.map((m) => m.train.mse));
      expect(traces[1].y).toEqual(e.map((m) => m.train.mae));
      expect(traces[2].y).toEqual(e.map((m) => m.test.mse));
      expect(traces[3].y).toEqual(e.map((m) => m.test.mae));
    }
  });

  it("labels the axes with units: d (log scale, ticks at the grid) and the metrics in stars² / stars", () => {
    for (const k of ["xaxis", "xaxis2", "xaxis3", "xaxis4"]) {
      expect(axis(fig, k).title.text).toBe("rank d (latent factors)");
      expect(axis(fig, k).type).toBe("log");
      expect(axis(fig, k).tickvals).toEqual(DS);
    }
    expect(axis(fig, "yaxis").title.text).toBe("error: MSE (stars²), MAE (stars)");
    expect(assignmentGridFigure(fixtureResults(), { metrics: ["test.rmse", "test.mae"] }).layout.yaxis).toMatchObject({
      title: { text: "RMSE, MAE (stars)" },
    });
    // the title names every parameter held fixed (and the dataset)
    expect(fig.layout.title).toEqual({ text: "als-grid: error vs d for each λ<br><sup>als · iterations = 5 · seed = 42 · fixture</sup>" });
  });

  it("shares the y range across panels by default (the demo's figure compares them too)", () => {
    const ranges = ["yaxis", "yaxis2", "yaxis3", "yaxis4"].map((k) => axis(fig, k).range);
    expect(ranges[0]).toBeDefined();
    for (const r of ranges) expect(r).toEqual(ranges[0]);
    expect(axis(fig, "yaxis2").matches).toBe("y");
    expect(axis(assignmentGridFigure(fixtureResults(), { sharedYRange: false }), "yaxis").range).toBeUndefined();
    expect(axis(buildFigure(fixtureResults(), "grid"), "yaxis3").range).toEqual(ranges[0]);
  });

  it("shares the y range when asked", () => {
    const all = LAMBDAS.flatMap((l) =>
      DS.flatMap((d) => {
        const m = expected(d, l);
        return [m.train.mse, m.train.mae, m.test.mse, m.test.mae];
      }),
    );
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const shared = assignmentGridFigure(fixtureResults(), { sharedYRange: true });
    const ranges = ["yaxis", "yaxis2", "yaxis3", "yaxis4"].map((k) => axis(shared, k).range as number[]);
    for (const r of ranges) expect(r).toEqual(ranges[0]);
    expect(ranges[0][0]).toBeCloseTo(lo - 0.05 * (hi - lo), 12);
    expect(ranges[0][1]).toBeCloseTo(hi + 0.05 * (hi - lo), 12);
    const fixed = assignmentGridFigure(fixtureResults(), { sharedYRange: [0, 3] });
    expect(axis(fixed, "yaxis4").range).toEqual([0, 3]);
    expect(() => assignmentGridFigure(fixtureResults(), { sharedYRange: [3, 0] })).toThrow(/lo < hi/);
  });

  it("uses ceil(√n) columns: 1 λ → 1×1, 5 λ → 3+2, 9 λ → 3×3", () => {
    const runs = fixtureRuns();
    const grid = (ls: number[]) => {
      const f = assignmentGridFigure(withParams(runs, ls));
      const cols = new Set(
        Object.keys(f.layout)
          .filter((k) => /^xaxis\d*$/.test(k))
          .map((k) => JSON.stringify(axis(f, k).domain)),
      );
      const rows = new Set(
        Object.keys(f.layout)
          .filter((k) => /^yaxis\d*$/.test(k))
          .map((k) => JSON.stringify(axis(f, k).domain)),
      );
      return [cols.size, rows.size, f.data.length / 4];
    };
    expect(grid([1])).toEqual([1, 1, 1]);
    expect(grid([1, 2, 3, 4, 5])).toEqual([3, 2, 5]);
    expect(grid([1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([3, 3, 9]);
  });

  it("averages repeated cells and refuses mixed models unless one is picked", () => {
    const runs = fixtureRuns().filter((r) => r.status === "ok");
    const other = runs.map((r) => ({ ...r, params: { ...r.params, model: "sgd" } }));
    expect(() => assignmentGridFigure([...runs, ...other])).toThrow(/runs mix models als, sgd; pass \{model/);
    const picked = assignmentGridFigure([...runs, ...other], { model: "als" });
    expect(picked.data[0].y).toEqual(DS.map((d) => expected(d, 0.01).train.mse));
    const shifted = runs.map((r) => ({ ...r, metrics: { ...r.metrics!, train: { ...r.metrics!.train!, mse: r.metrics!.train!.mse + 1 } } }));
    const avg = assignmentGridFigure([...runs, ...shifted]);
    const y = avg.data[0].y as number[];
    DS.forEach((d, k) => expect(y[k]).toBeCloseTo(expected(d, 0.01).train.mse + 0.5, 12));
    expect(avg.data[0].customdata).toEqual(DS.map(() => 2));
  });

  it("throws InputError when nothing can be plotted or a metric is unknown", () => {
    const failedOnly = fixtureRuns().filter((r) => r.status === "failed");
    expect(() => assignmentGridFigure(failedOnly)).toThrow(InputError);
    expect(() => assignmentGridFigure(failedOnly)).toThrow(/no successful run with numeric params.d and params.lambda \(2 runs, 2 failed\)/);
    expect(() => assignmentGridFigure(fixtureResults(), { metrics: ["test.rsme" as never] })).toThrow(/unknown metric "test.rsme"; use one of/);
  });

  it("is deterministic", () => {
    expect(JSON.stringify(assignmentGridFigure(fixtureResults()))).toBe(JSON.stringify(assignmentGridFigure(fixtureResults())));
  });
});

describe("lambdaFigure", () => {
  it("plots the four final metrics against d for the selected λ", () => {
    const f = lambdaFigure(fixtureResults(), 0.1);
    expect(f.data.map((t) => t.name)).toEqual(["Train MSE", "Train MAE", "Test MSE", "Test MAE"]);
    expect(f.data[2].x).toEqual(DS);
    expect(f.data[2].y).toEqual(DS.map((d) => expected(d, 0.1).test.mse));
    expect(f.layout.title).toEqual({ text: "Final metrics for λ = 0.1<br><sup>als · iterations = 5 · seed = 42 · fixture</sup>" });
    expect(axis(f, "xaxis").title.text).toBe("rank d (latent factors)");
  });

  it("names the available λ values when the requested one is absent", () => {
    expect(() => lambdaFigure(fixtureResults(), 1000)).toThrow("lambdaFigure: no successful run with lambda = 1000; available: 0.01, 0.1, 1, 10");
  });
});

describe("heatmapFigure", () => {
  it("lays the metric on a λ × d grid with one annotation per cell and the best one in bold", () => {
    // annotations sit at category indices: x = index of d, y = index of λ
    const f = heatmapFigure(fixtureResults(), { metric: "test.mse" });
    const t = f.data[0] as PlotlyTrace & { z: (number | null)[][] };
    expect(t.type).toBe("heatmap");
    expect(t.x).toEqual(["1", "2", "5", "10", "20", "50"]);
    expect(t.y).toEqual(["0.01", "0.1", "1", "10"]);
    LAMBDAS.forEach((l, i) => DS.forEach((d, j) => expect(t.z[i][j]).toBe(expected(d, l).test.mse)));
    const cells = annotations(f).filter((a) => a.name !== "mflab-notes");
    expect(cells).toHaveLength(24);
    // testMse = 0.8 + 0.02 d + 0.3/d + 0.07 λ is smallest at d = 5 (0.02·5 + 0.06 = 0.16 < d = 2: 0.19) and λ = 0.01
    const bold = cells.filter((a) => a.text.startsWith("<b>"));
    expect(bold).toEqual([expect.objectContaining({ x: 2, y: 0, text: `<b>${(0.8 + 0.1 + 0.06 + 0.0007).toFixed(4)}</b>` })]);
    const cell = cells.find((a) => a.x === 5 && a.y === 3);
    expect(cell?.text).toBe(expected(50, 10).test.mse.toFixed(4));
    expect(axis(f, "xaxis").title.text).toBe("rank d (latent factors)");
    expect(axis(f, "yaxis").title.text).toBe("λ (regularization)");
    expect((t.colorbar as { title: { text: string } }).title.text).toBe("Test MSE (stars²)");
  });

  it("leaves cells without an ok run empty", () => {
    const runs = fixtureRuns().filter((r) => !(r.params.d === 2 && r.params.lambda === 1));
    const f = heatmapFigure(runs, { metric: "train.mae" });
    const z = (f.data[0] as unknown as { z: (number | null)[][] }).z;
    expect(z[2][1]).toBeNull();
    expect(z[2][0]).toBe(expected(1, 1).train.mae);
    expect(annotations(f).filter((a) => a.name !== "mflab-notes")).toHaveLength(23);
  });

  it("rejects unknown metrics", () => {
    expect(() => heatmapFigure(fixtureResults(), { metric: "mse" as never })).toThrow(/heatmapFigure: unknown metric "mse"/);
  });
});

describe("convergenceFigure", () => {
  it("draws one line per run with a curve, named by the varying parameters (one panel on request)", () => {
    const f = convergenceFigure(fixtureResults(), { metric: "testMse", facet: false });
    expect(f.data).toHaveLength(23); // 24 ok runs, one without a test curve
    const note = annotations(f).find((a) => a.name === "mflab-notes");
    expect(note?.text).toBe("2 failed runs not shown<br>1 run without a testMse curve not shown");
    const runs = fixtureRuns()
      .filter((r) => r.status === "ok" && !(r.params.d === 50 && r.params.lambda === 10))
      .sort((a, b) => (a.params.d as number) - (b.params.d as number) || (a.params.lambda as number) - (b.params.lambda as number));
    expect(f.data.slice(0, 5).map((t) => t.name)).toEqual(["d=1 λ=0.01", "d=1 λ=0.1", "d=1 λ=1", "d=1 λ=10", "d=2 λ=0.01"]);
    f.data.forEach((t, k) => {
      expect(t.name).toBe(`d=${runs[k].params.d} λ=${runs[k].params.lambda}`);
      expect(t.x).toEqual([1, 2, 3, 4, 5]);
      expect(t.y).toEqual(runs[k].history!.testMse);
    });
    expect(axis(f, "xaxis").title.text).toBe("iteration");
    expect(axis(f, "yaxis").title.text).toBe("Test MSE (stars²)");
  });

  it("splits many lines into small multiples per λ with a shared y range, coloured by d on a sequential scale", () => {
    const f = convergenceFigure(fixtureResults(), { metric: "testMse" });
    expect(f.data).toHaveLength(23);
    const titles = annotations(f)
      .filter((a) => a.name === "subplot-title")
      .map((a) => a.text);
    expect(titles).toEqual(["λ = 0.01", "λ = 0.1", "λ = 1", "λ = 10"]);
    expect(f.data.filter((t) => t.xaxis === "x").map((t) => t.name)).toEqual(["d=1", "d=2", "d=5", "d=10", "d=20", "d=50"]);
    // one legend entry per d, the same colour for the same d in every panel, six distinct colours
    expect(f.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(["d=1", "d=2", "d=5", "d=10", "d=20", "d=50"]);
    const colorOf = new Map<string, string>();
    for (const t of f.data) {
      const c = (t.line as { color: string }).color;
      expect(colorOf.get(t.name!) ?? c).toBe(c);
      colorOf.set(t.name!, c);
    }
    expect(new Set(colorOf.values()).size).toBe(6);
    for (const k of ["yaxis2", "yaxis3", "yaxis4"]) expect(axis(f, k).matches).toBe("y");
    expect(String((f.layout.title as { text: string }).text)).toContain("<sup>als · iterations = 5 · seed = 42 · fixture</sup>");
  });

  it("names the seed only where lines would otherwise look alike, and never twice", () => {
    const runs = fixtureRuns().filter((r) => r.status === "ok" && r.params.lambda === 1 && (r.params.d === 1 || r.params.d === 2));
    const seeded = runs.flatMap((r, k) => [
      { ...r, id: `${r.id}a`, seed: 100 + k, params: { ...r.params, seed: 100 + k } },
      { ...r, id: `${r.id}b`, seed: 200 + k, params: { ...r.params, seed: 200 + k } },
    ]);
    expect(runLabels(seeded)).toEqual(["d=1 seed=100", "d=1 seed=200", "d=2 seed=101", "d=2 seed=201"]);
    const distinct = runs.map((r, k) => ({ ...r, seed: 7 + k, params: { ...r.params, seed: 7 + k } }));
    expect(runLabels(distinct)).toEqual(["d=1", "d=2"]);
  });

  it("plots against seconds (in s), filters runs, puts 1-2-5 ticks on a log y and keeps null gaps", () => {
    const f = convergenceFigure(fixtureResults(), { metric: "trainLoss", x: "seconds", filter: (r) => r.params.lambda === 1, logY: true });
    expect(f.data).toHaveLength(6);
    expect(f.data.map((t) => t.name)).toEqual(["d=1", "d=2", "d=5", "d=10", "d=20", "d=50"]);
    expect(runLabels(fixtureRuns().filter((r) => r.status === "ok" && r.params.d === 2 && r.params.lambda === 1))).toEqual(
      ["run-1"].map(() => expect.stringMatching(/^run-/)),
    );
    expect(f.data.map((t) => t.name)).toContain("d=20");
    const d20 = f.data.find((t) => t.name === "d=20")!;
    expect(d20.x).toEqual([2, 4, 6, 8, 10].map((s) => expect.closeTo(s, 12)));
    expect(axis(f, "yaxis").type).toBe("log");
    expect(axis(f, "yaxis").ticktext).toEqual(["30", "50", "100"]); // objective 25.6 … 120
    expect(axis(f, "xaxis").title.text).toBe("seconds (s)");
    expect(axis(f, "yaxis").title.text).toBe("training objective L (stars²)");
    const runs = fixtureRuns();
    const gap = runs.find((r) => r.params.d === 1)!;
    gap.history!.testMse[2] = NaN;
    const g = convergenceFigure([gap]);
    expect((g.data[0].y as unknown[])[2]).toBeNull();
    expect(g.data[0].name).toBe(gap.id);
  });

  it("throws when no run has the curve", () => {
    const only = fixtureRuns().filter((r) => r.params.d === 50 && r.params.lambda === 10);
    expect(() => convergenceFigure(only)).toThrow("convergenceFigure: no successful run has a testMse history (1 runs, 0 failed)");
    expect(() => convergenceFigure(only, { metric: "loss" as never })).toThrow(/unknown metric "loss"/);
  });
});

describe("compareFigure", () => {
  const ticks = (f: Figure) => (axis(f, "yaxis").ticktext as string[]).map((t) => t.replace(/<br>.*$/, ""));
  const yOf = (f: Figure, label: string) => ticks(f).indexOf(label);

  it("bars mean test RMSE and MAE per model (horizontal) with population-std error bars", () => {
    const f = compareFigure([
      { label: "ALS", rmse: [0.9, 1.0, 1.1], mae: [0.7, 0.7, 0.7] },
      { label: "SVD", rmse: [0.95], mae: [0.75] },
    ]);
    expect(f.data.map((t) => t.name)).toEqual(["Test RMSE", "Test MAE"]);
    expect(f.data[0].orientation).toBe("h");
    expect(ticks(f)).toEqual(["ALS", "SVD"]);
    expect((f.data[0].x as number[])[0]).toBeCloseTo(1.0, 12);
    const err = f.data[0].error_x as { array: number[]; visible: boolean };
    expect(err.visible).toBe(true);
    expect(err.array[0]).toBeCloseTo(Math.sqrt(0.02 / 3), 12); // sqrt(((-0.1)² + 0² + 0.1²) / 3)
    expect(err.array[1]).toBe(0);
    expect((f.data[0].customdata as unknown[][]).map((c) => c[0])).toEqual([3, 1]);
    expect(axis(f, "xaxis").title.text).toBe("Test RMSE, MAE (stars)");
    expect(axis(f, "xaxis").range).toEqual([0, expect.any(Number)]); // bars start at zero
  });

  it("writes each mean right of its error bar, in its own bar's row (labels never meet the caps)", () => {
    const f = compareFigure([
      { label: "ALS", rmse: [0.9, 1.0, 1.1], mae: [0.7, 0.7, 0.7] },
      { label: "SVD", rmse: [0.95], mae: [0.75] },
    ]);
    const labels = annotations(f).filter((a) => a.name === "value-label") as (Ann & { xanchor: string; xshift: number })[];
    expect(labels.map((a) => a.text)).toEqual(["1.0000", "0.9500", "0.7000", "0.7500"]);
    expect(labels[0].x).toBeCloseTo(1.0 + Math.sqrt(0.02 / 3), 12); // at the cap, anchored left of it
    expect(labels[0]).toMatchObject({ xanchor: "left", xshift: 4 });
    // RMSE above MAE within a model's row, rows one apart
    expect(labels.map((a) => a.y)).toEqual([-0.1875, 0.8125, 0.1875, 1.1875]);
  });

  it("hides error bars with one value per row and sorts on request", () => {
    const f = compareFigure(
      [
        { label: "B", rmse: [1.2], mae: [0.9] },
        { label: "A", rmse: [0.9], mae: [0.7] },
      ],
      { sort: "ascending", metrics: ["rmse"] },
    );
    expect(f.data).toHaveLength(1);
    expect(ticks(f)).toEqual(["A", "B"]);
    expect((f.data[0].error_x as { visible: boolean }).visible).toBe(false);
  });

  it("shows a model at its best configuration, error bars over that configuration's folds only, and says it was chosen on test", () => {
    const runs = fixtureRuns();
    const rows = compareRowsFromRuns(runs);
    expect(rows).toHaveLength(1);
    // best test MSE of the fixture: d = 5, λ = 0.01; one run (one fold) in that cell
    expect(rows[0]).toMatchObject({ label: "als", config: "d = 5 · λ = 0.01", chosenOn: "test", configurations: 24 });
    expect(rows[0].rmse).toEqual([expected(5, 0.01).test.rmse]);
    // two folds of each configuration: the values are the chosen configuration's two folds
    const folds = runs.flatMap((r) =>
      r.status === "ok"
        ? [r, { ...r, id: `${r.id}-f2`, fold: "f2", metrics: { ...r.metrics!, test: { ...r.metrics!.test!, rmse: r.metrics!.test!.rmse + 0.01 } } }]
        : [],
    );
    const two = compareRowsFromRuns(folds)[0];
    expect(two.rmse).toEqual([expected(5, 0.01).test.rmse, expected(5, 0.01).test.rmse + 0.01]);
    const f = compareFigure(fixtureResults());
    expect(ticks(f)).toEqual(["als"]);
    expect((axis(f, "yaxis").ticktext as string[])[0]).toContain("d = 5 · λ = 0.01 · chosen on test");
    const notes = annotations(f).find((a) => a.name === "mflab-notes")?.text ?? "";
    expect(notes).toContain("2 failed runs not shown");
    expect(notes).toContain("als (best of 24): configuration chosen by test MSE on the test set itself — optimistic; pass validation results");
  });

  it("chooses on validation results when given", () => {
    const runs = fixtureRuns();
    // a validation sweep that prefers d = 10, λ = 1
    const validation = runs
      .filter((r) => r.status === "ok")
      .map((r) => ({
        ...r,
        metrics: { ...r.metrics!, test: { ...r.metrics!.test!, mse: r.params.d === 10 && r.params.lambda === 1 ? 0.1 : 5 } },
      }));
    const [row] = compareRowsFromRuns(runs, { validation });
    expect(row).toMatchObject({ label: "als", config: "d = 10 · λ = 1", chosenOn: "validation", configurations: 24 });
    expect(row.rmse).toEqual([expected(10, 1).test.rmse]); // the test values of the configuration chosen on validation
    const f = compareFigure(runs, { validation });
    expect((axis(f, "yaxis").ticktext as string[])[0]).toContain("d = 10 · λ = 1 · chosen on validation");
    expect(annotations(f).find((a) => a.name === "mflab-notes")?.text).toContain("als (best of 24): configuration chosen by validation MSE");
  });

  it("groups by another key: each group at its best configuration", () => {
    const byD = compareRowsFromRuns(fixtureRuns(), { groupBy: "d", split: "train" });
    expect(byD.map((r) => r.label).sort()).toEqual(["1", "10", "2", "20", "5", "50"]);
    // within d = 2 the best test MSE is at λ = 0.01; its train MSE is shown
    expect(byD.find((r) => r.label === "2")).toMatchObject({ config: "λ = 0.01", mse: [expected(2, 0.01).train.mse] });
    expect(compareFigure(fixtureResults(), { groupBy: "lambda" }).layout.yaxis).toMatchObject({ tickvals: [0, 1, 2, 3] });
    expect(() => compareFigure([])).toThrow(/nothing to compare/);
  });

  it("zooms on the best models when one is far off, marking values beyond the zoom", () => {
    const rows = [
      { label: "svd", rmse: [0.93, 0.94] },
      { label: "knn", rmse: [0.95, 0.96] },
      { label: "nmf", rmse: [0.97, 0.98] },
      { label: "mean", rmse: [1.12, 1.13] },
      { label: "nmf-zero-filled", rmse: [2.45, 2.47] },
    ];
    const f = compareFigure(rows, { metrics: ["rmse"], sort: "ascending" });
    const zoom = f.data.find((t) => t.xaxis === "x2")!;
    expect(zoom.y).toEqual([0, 1, 2]);
    const range = axis(f, "xaxis2").range as number[];
    expect(range[0]).toBeLessThan(0.93);
    expect(range[1]).toBeGreaterThan(0.98);
    expect(range[1]).toBeLessThan(1.05);
    expect(axis(f, "xaxis2").title.text).toBe("Test RMSE (stars), zoomed");
    expect(
      annotations(f)
        .filter((a) => a.name === "off-scale")
        .map((a) => a.text),
    ).toEqual(["1.1250 →", "2.4600 →"]);
    expect(yOf(f, "nmf-zero-filled")).toBe(4);
    expect(compareFigure(rows, { metrics: ["rmse"], zoom: false }).layout.xaxis2).toBeUndefined();
    expect(compareFigure(rows.slice(0, 3), { metrics: ["rmse"] }).layout.xaxis2).toBeUndefined(); // nothing far off
  });
});

describe("buildFigure (CLI kinds)", () => {
  it("builds every kind from a results file", () => {
    // calibration needs runs with a predictive sd (bayesianRuns below); the ALS fixture has none.
    for (const kind of FIGURE_KINDS.filter((k) => k !== "calibration")) expect(buildFigure(fixtureResults(), kind).data.length).toBeGreaterThan(0);
    expect(() => buildFigure(fixtureResults(), "calibration")).toThrow(/no run has a calibration record/);
    const cal = buildFigure(bayesianRuns(), "calibration");
    expect(cal.data.map((t) => t.name)).toEqual(["bpmf", "bayes-svdpp", "RMSE = sd (calibrated)"]);
    // bin 0 of bayes-svdpp: sd averaged over folds 0.8 + 0.01·3, RMSE the root mean square of the folds' RMSEs
    expect((cal.data[1].x as number[])[0]).toBeCloseTo(0.83, 12);
    const rms = Math.sqrt([1, 2, 3, 4, 5].reduce((s, f) => s + ((0.8 + 0.01 * f) * 0.95) ** 2, 0) / 5);
    expect((cal.data[1].y as number[])[0]).toBeCloseTo(rms, 12);
    // best test MSE: d = 5, λ = 0.01
    expect(bestLambda(fixtureResults())).toBe(0.01);
    expect((buildFigure(fixtureResults(), "lambda").layout.title as { text: string }).text).toMatch(/^Final metrics for λ = 0.01<br>/);
    expect(buildFigure(fixtureResults(), "grid", { metric: "test.rmse" }).data).toHaveLength(4);
    expect(() => buildFigure(fixtureResults(), "pie" as never)).toThrow(/unknown figure kind "pie"/);
  });
});
