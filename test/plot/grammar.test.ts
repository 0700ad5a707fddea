import { describe, expect, it } from "vitest";
import { factorMapFigure } from "../../src/plot/factor-map";
import type { Figure } from "../../src/plot/figures";
import { formatTick, logTicks, metricUnit, polishFigure, sequentialColors, wrapParts } from "../../src/plot/grammar";

describe("figure grammar", () => {
  it("units: MSE and objectives in stars², RMSE and MAE in stars", () => {
    expect(["test.mse", "mse", "trainLoss", "testMse"].map(metricUnit)).toEqual(["stars²", "stars²", "stars²", "stars²"]);
    expect(["test.rmse", "rmse", "mae", "testMae"].map(metricUnit)).toEqual(["stars", "stars", "stars", "stars"]);
  });

  it("log ticks at 1, 2, 5 × 10ᵏ, readable, never SI-prefixed", () => {
    expect(logTicks(1, 50)).toEqual({ tickvals: [1, 2, 5, 10, 20, 50], ticktext: ["1", "2", "5", "10", "20", "50"] });
    expect(logTicks(0.003, 0.04).ticktext).toEqual(["0.005", "0.01", "0.02"]);
    // the lecture's SGD curve: 1.5e-4 … 12 spans five decades: powers of ten only
    expect(logTicks(1.5e-4, 12).ticktext).toEqual(["0.001", "0.01", "0.1", "1", "10"]);
    expect(logTicks(2e-6, 3e-5).ticktext).toEqual(["2×10⁻⁶", "5×10⁻⁶", "10⁻⁵", "2×10⁻⁵"]);
    expect(logTicks(25, 130).ticktext).toEqual(["30", "50", "100"]);
    expect(formatTick(100000)).toBe("10⁵");
    expect(formatTick(0.0001)).toBe("10⁻⁴");
    expect(() => logTicks(0, 1)).toThrow(RangeError);
  });

  it("polishFigure: log axes of hand-made figures get 1-2-5 ticks from their data, linear axes no SI prefixes", () => {
    const fig: Figure = {
      data: [
        { type: "scatter", x: [1, 2, 3], y: [12, 0.5, 0.0002] },
        { type: "scatter", x: [1, 2, 3], y: [3, 4, 5], yaxis: "y2" },
      ],
      layout: { yaxis: { type: "log", title: { text: "train MSE" } }, yaxis2: { overlaying: "y", side: "right" } },
    };
    const p = polishFigure(fig);
    expect(p.layout.yaxis).toMatchObject({ type: "log", tickmode: "array", ticktext: ["0.001", "0.01", "0.1", "1", "10"], automargin: true });
    expect(p.layout.yaxis2).toMatchObject({ exponentformat: "power", automargin: true });
    expect(p.layout.xaxis).toMatchObject({ exponentformat: "power" });
    expect(fig.layout.xaxis).toBeUndefined(); // input untouched
    // what the figure sets wins
    const own = polishFigure({ data: fig.data, layout: { yaxis: { type: "log", dtick: 1, exponentformat: "SI" } } });
    expect(own.layout.yaxis).toEqual({ type: "log", dtick: 1, exponentformat: "SI", automargin: true });
    expect(polishFigure(p)).toEqual(p);
  });

  it("sequential colours: n distinct, in order from dark", () => {
    const c = sequentialColors(24);
    expect(new Set(c).size).toBe(24);
    expect(c[0]).toBe("#440154");
  });

  it("wraps long parameter lists at the separators", () => {
    expect(wrapParts(["a = 1", "b = 2", "c = 3"], 13)).toBe("a = 1 · b = 2<br>c = 3");
  });
});

describe("factorMapFigure", () => {
  it("labels the most-rated items and the extremes without two label boxes overlapping", () => {
    const n = 200;
    const x = Array.from({ length: n }, (_, j) => (j < 20 ? 0.1 + 0.01 * (j % 5) : Math.cos(j) * 1.2));
    const y = Array.from({ length: n }, (_, j) => (j < 20 ? 1.5 + 0.01 * Math.floor(j / 5) : Math.sin(j * 1.7)));
    const counts = Array.from({ length: n }, (_, j) => (j < 20 ? 500 - j : (j * 7) % 140));
    const labels = Array.from({ length: n }, (_, j) => `Movie number ${j}`);
    const f = factorMapFigure({ x, y, labels, counts }, { title: "map" });
    const placed = (f.layout.annotations as { name: string; text: string; x: number; y: number; ax: number; ay: number }[]).filter(
      (a) => a.name === "item-label",
    );
    const note = (f.layout.annotations as { name: string; text: string }[]).find((a) => a.name === "mflab-notes");
    // 12 most-rated + 4 + 4 extremes among items with ≥ 100 ratings (some coincide)
    expect(placed.length + (note ? Number(/^(\d+)/.exec(note.text)![1]) : 0)).toBeGreaterThanOrEqual(16);
    expect(placed.length).toBeGreaterThanOrEqual(8);
    // boxes in pixels, as the builder estimates them (10 px font, ≤ 6.2 px a character)
    const W = 900 - 100;
    const H = 650 - 200;
    const [xr, yr] = [f.layout.xaxis, f.layout.yaxis].map((a) => (a as { range: number[] }).range);
    const boxes = placed.map((a) => {
      const cx = ((a.x - xr[0]) / (xr[1] - xr[0])) * W + a.ax;
      const cy = H - ((a.y - yr[0]) / (yr[1] - yr[0])) * H + a.ay;
      const w = a.text.length * 6.2 + 6;
      return [cx - w / 2, cx + w / 2, cy - 8, cy + 8];
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a[0] < b[1] && b[0] < a[1] && a[2] < b[3] && b[2] < a[3], `${placed[i].text} × ${placed[j].text}`).toBe(false);
      }
    }
    expect(f.layout.xaxis).toMatchObject({ title: { text: "latent factor 1 (unitless)" } });
    expect(() => factorMapFigure({ x: [1], y: [], labels: ["a"] })).toThrow(/one entry per item/);
  });
});
