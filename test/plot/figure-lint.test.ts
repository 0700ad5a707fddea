/**
 * Figure lint: every figure kind drawn by plotly in real headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core, a fresh user-data-dir, no network), then checked the way a reader would:
 * - no two text boxes overlap (plotly's text elements: tick labels, axis and plot titles, legend entries and
 *   titles, annotations — notes, panel titles, value labels, item labels —, colour-bar ticks and titles);
 * - every axis is labelled (its own title, or the title of the panel in the same column / row sharing its
 *   domain), and every colour bar has a title;
 * - every log-axis tick reads as its value (no "3" for 0.03, no "100µ").
 * With MFLAB_FIGURE_SHOTS=<dir>, a PNG screenshot of each figure is written there.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/results/schema";
import { plotlyBundlePath } from "../../src/plot/bundle";
import { CHROMIUM_ARGS, chromiumPath } from "../../src/plot/export";
import { factorMapFigure } from "../../src/plot/factor-map";
import { type CompareRow, compareFigure, convergenceFigure, type Figure } from "../../src/plot/figures";
import { withDefaultConfig } from "../../src/plot/html";
import { buildFigure } from "../../src/plot/kinds";
import { raceFigure } from "../../src/plot/race";
import { bayesianRuns, fixtureResults, fixtureRuns } from "./fixture";

const hasChromium = fs.existsSync(chromiumPath());

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 8) / 16777216;
  };
}

/** Thirteen models on five folds, one far off (as the zero-filled NMF), one grid chosen on the test set. */
function baselineRows(): CompareRow[] {
  const rnd = random(7);
  const folds = (mean: number, spread: number) => Array.from({ length: 5 }, () => mean + (rnd() - 0.5) * spread);
  const models: [string, number][] = [
    ["svdpp", 0.922],
    ["knn-baseline", 0.932],
    ["als", 0.937],
    ["svd", 0.938],
    ["baseline-als", 0.946],
    ["slope-one", 0.947],
    ["knn-means", 0.953],
    ["co-clustering", 0.968],
    ["nmf", 0.968],
    ["knn-basic", 0.98],
    ["global-mean", 1.126],
    ["random-normal", 1.519],
    ["nmf-zero-filled", 2.463],
  ];
  return models.map(([label, rmse]) => ({
    label,
    rmse: folds(rmse, 0.02),
    mae: folds(rmse * 0.79, 0.02),
    ...(label === "als" ? { config: "d = 2 · λ = 1", chosenOn: "test" as const, configurations: 24 } : {}),
  }));
}

/** Race records: three entries × two seeds, ALS-like curves with wall-clock seconds. */
function raceRecords(): RunRecord[] {
  const base = fixtureRuns().find((r) => r.status === "ok")!;
  return ["ALS", "SGD lr 0.005", "GD lr 0.001"].flatMap((label, e) =>
    [1, 2].map((seed) => {
      const iteration = Array.from({ length: 60 }, (_, t) => t + 1);
      const mse = iteration.map((t) => 0.8 + 0.6 / (1 + t / (2 + 8 * e)) + 0.002 * seed);
      return {
        ...base,
        id: `race-${e}-${seed}`,
        seed,
        label,
        params: { ...base.params, model: label.split(" ")[0].toLowerCase() },
        history: {
          iteration,
          seconds: iteration.map((t) => 0.004 * t * (1 + e * 3)),
          trainLoss: mse.map((m) => 80000 * m),
          trainMse: mse.map((m) => m - 0.2),
          trainMae: mse.map((m) => m - 0.3),
          testMse: mse,
          testMae: mse.map((m) => m * 0.8),
        },
      } as RunRecord;
    }),
  );
}

/** 600 items in a cloud, the most-rated ones bunched together so that naive labels would collide. */
function factorMap(): Figure {
  const rnd = random(11);
  const n = 600;
  const x: number[] = [];
  const y: number[] = [];
  const counts: number[] = [];
  const labels: string[] = [];
  for (let j = 0; j < n; j++) {
    const busy = j < 25;
    x.push(busy ? 0.2 + (rnd() - 0.5) * 0.5 : (rnd() - 0.5) * 2.4);
    y.push(busy ? 1.8 + (rnd() - 0.5) * 0.4 : 0.4 + rnd() * 1.6);
    counts.push(busy ? 300 + Math.floor(rnd() * 300) : Math.floor(rnd() * 150));
    labels.push(`${busy ? "A Much-Rated Movie" : "Movie"} ${j} (19${50 + (j % 48)})`);
  }
  return factorMapFigure({ x, y, labels, counts }, { title: "Movie factors h_j of ALS with d = 2, λ = 5 (synthetic)" });
}

/** A hand-made figure as notebooks write them: log y over five decades, nothing else set. */
function handMadeLog(): Figure {
  const iteration = Array.from({ length: 300 }, (_, t) => t + 1);
  return {
    data: [
      { type: "scatter", mode: "lines", name: "SGD", x: iteration, y: iteration.map((t) => 12 * Math.exp(-t / 12) + 1.5e-4) },
      { type: "scatter", mode: "lines", name: "GD", x: iteration, y: iteration.map((t) => 12 * Math.exp(-t / 30) + 3.5e-3) },
    ],
    layout: {
      title: { text: "SGD and gradient descent on the toy matrix" },
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "train MSE (stars²)" }, type: "log" },
    },
  };
}

const results = fixtureResults();
const FIGURES: [string, () => Figure][] = [
  ["grid (mflab sweep --html)", () => buildFigure(results, "grid")],
  ["lambda", () => buildFigure(results, "lambda")],
  ["heatmap", () => buildFigure(results, "heatmap")],
  ["convergence, 23 runs (small multiples)", () => buildFigure(results, "convergence")],
  [
    "convergence, one λ, objective on log y",
    () => convergenceFigure(results, { metric: "trainLoss", logY: true, filter: (r) => r.params.lambda === 1 }),
  ],
  ["compare (one model)", () => buildFigure(results, "compare")],
  ["compare, 13 models with an outlier (zoom)", () => compareFigure(baselineRows(), { sort: "ascending" })],
  ["race by iteration, log x", () => raceFigure(raceRecords(), { x: "iteration", logX: true, title: "Test RMSE by iteration (epoch), d = 10" })],
  ["race by seconds, log x", () => raceFigure(raceRecords(), { x: "seconds", logX: true, title: "Test RMSE by wall-clock seconds, d = 10" })],
  ["compare, three models with paired significance notes", () => compareFigure(bayesianRuns(), { sort: "ascending" })],
  ["calibration (bpmf, bayes-svdpp)", () => buildFigure(bayesianRuns(), "calibration")],
  ["latent-factor map", factorMap],
  ["hand-made log axis (polished)", handMadeLog],
];

interface TextBox {
  kind: string;
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Lint {
  boxes: TextBox[];
  unlabeled: string[];
  logTicks: string[];
}

/** Draw `figure` in a fresh div and measure it (runs in the page). */
async function drawAndMeasure(page: Page, figure: Figure, width: number, height: number): Promise<Lint> {
  const f = withDefaultConfig(figure);
  return (await page.evaluate(
    async ({ f, width, height }) => {
      const w = window as unknown as { Plotly: { newPlot: (...a: unknown[]) => Promise<unknown>; purge: (el: Element) => void } };
      document.body.innerHTML = "";
      const div = document.createElement("div");
      div.id = "fig";
      div.style.width = `${width}px`;
      div.style.height = `${height}px`;
      document.body.appendChild(div);
      await w.Plotly.newPlot(div, f.data, { ...f.layout, width, height }, { ...f.config, responsive: false, staticPlot: true });
      const boxes: { kind: string; text: string; x0: number; y0: number; x1: number; y1: number }[] = [];
      for (const el of Array.from(div.querySelectorAll("svg text"))) {
        const text = (el.textContent ?? "").trim();
        if (!text) continue;
        const r = el.getBoundingClientRect();
        if (r.width < 0.5 || r.height < 0.5) continue;
        const cls = (e: Element | null): string => {
          for (let a = e; a && a !== div; a = a.parentElement) {
            const c = a.getAttribute("class") ?? "";
            const m =
              /\b(xtick|ytick|gtitle|g-[xy]\d*title|legendtext|legendtitletext|annotation|cbtitle|cbaxis|textpoint|bartext|[xy]\d*tick)\b/.exec(c);
            if (m) return m[1];
          }
          return el.getAttribute("class") ?? "text";
        };
        boxes.push({ kind: cls(el), text, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom });
      }
      // Axes: each visible cartesian axis needs a title, its own or that of an axis of the same letter sharing its domain.
      const full = (div as unknown as { _fullLayout: Record<string, unknown> })._fullLayout;
      const axes = Object.keys(full)
        .filter((k) => /^[xy]axis\d*$/.test(k))
        .map((k) => ({
          key: k,
          ax: full[k] as { visible?: boolean; domain: number[]; title?: { text?: string }; type?: string; _vals?: { text?: string }[] },
        }));
      const titled = (a: { ax: { title?: { text?: string } } }) => !!(a.ax.title?.text ?? "").trim();
      // an axis whose ticks are words (model names) is labelled by them
      const words = (a: { ax: { _vals?: { text?: string }[] } }) =>
        (a.ax._vals ?? []).length > 0 && (a.ax._vals ?? []).every((v) => /[A-Za-z]{2}/.test((v.text ?? "").replace(/<[^>]*>/g, "")));
      const unlabeled = axes
        .filter((a) => a.ax.visible !== false && !titled(a) && !words(a))
        .filter((a) => !axes.some((b) => b.key[0] === a.key[0] && titled(b) && JSON.stringify(b.ax.domain) === JSON.stringify(a.ax.domain)))
        .map((a) => a.key);
      for (const t of (div as unknown as { _fullData: { type: string; colorbar?: { title?: { text?: string } }; showscale?: boolean }[] })
        ._fullData) {
        if (t.type === "heatmap" && t.showscale !== false && !(t.colorbar?.title?.text ?? "").trim()) unlabeled.push("colorbar");
      }
      // Log axes: every tick label must read as its value (not "3" for 0.03, not "100µ").
      const sup: Record<string, string> = {
        "⁻": "-",
        "⁰": "0",
        "¹": "1",
        "²": "2",
        "³": "3",
        "⁴": "4",
        "⁵": "5",
        "⁶": "6",
        "⁷": "7",
        "⁸": "8",
        "⁹": "9",
      };
      const parse = (t: string): number => {
        const plain = t.replace(/[−]/g, "-");
        if (!/[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]/.test(plain)) return Number(plain);
        const m = /^(?:([\d.]+)×)?10(-?\d+)$/.exec(plain.replace(/[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => sup[c]));
        return m ? Number(m[1] ?? 1) * 10 ** Number(m[2]) : Number.NaN;
      };
      const logTicks = axes
        .filter((a) => a.ax.type === "log")
        .flatMap((a) =>
          (((a.ax as unknown as { _vals?: { x: number; text?: string }[] })._vals ?? []) as { x: number; text?: string }[])
            .filter((v) => (v.text ?? "").trim() !== "")
            .filter((v) => {
              const value = parse((v.text ?? "").replace(/<[^>]*>/g, ""));
              return !(Number.isFinite(value) && Math.abs(value - 10 ** v.x) <= 0.01 * 10 ** v.x);
            })
            .map((v) => `${a.key}: "${v.text}" at ${(10 ** v.x).toPrecision(3)}`),
        );
      return { boxes, unlabeled, logTicks };
    },
    { f, width, height },
  )) as Lint;
}

function overlaps(boxes: readonly TextBox[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      if (w > 1.5 && h > 1.5) out.push(`${a.kind} "${a.text}" × ${b.kind} "${b.text}" (${w.toFixed(0)}×${h.toFixed(0)} px)`);
    }
  }
  return out;
}

describe.skipIf(!hasChromium)("figure lint: every figure kind, drawn in Chromium", () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const shots = process.env.MFLAB_FIGURE_SHOTS;
  beforeAll(async () => {
    profile = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-lint-profile-"));
    const playwright = await import("playwright-core");
    context = await playwright.chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      args: [...CHROMIUM_ARGS],
      headless: true,
      viewport: { width: 1400, height: 1200 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.route("**/*", (route) => (/^(data|blob|about):/.test(route.request().url()) ? route.continue() : route.abort()));
    await page.setContent("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body style='margin:0'></body></html>");
    await page.addScriptTag({ content: `(function (define, module, exports) {\n${fs.readFileSync(plotlyBundlePath(), "utf8")}\n}).call(window);` });
    if (shots) fs.mkdirSync(shots, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  for (const [name, build] of FIGURES) {
    it(name, async () => {
      const figure = build();
      const width = typeof figure.layout.width === "number" ? figure.layout.width : 1000;
      const height = typeof figure.layout.height === "number" ? figure.layout.height : 500;
      const lint = await drawAndMeasure(page, figure, width, height);
      if (shots) await page.locator("#fig").screenshot({ path: path.join(shots, `${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`) });
      expect(lint.boxes.length).toBeGreaterThan(5);
      expect(overlaps(lint.boxes), "overlapping text").toEqual([]);
      expect(lint.unlabeled, "axes without a title").toEqual([]);
      expect(lint.logTicks, "log ticks that do not read as their value").toEqual([]);
      // the whole figure stays inside its box: no text cut off at the edges
      for (const b of lint.boxes) {
        expect(b.x0, `${b.kind} "${b.text}" left edge`).toBeGreaterThanOrEqual(-1);
        expect(b.x1, `${b.kind} "${b.text}" right edge`).toBeLessThanOrEqual(width + 1);
        expect(b.y1, `${b.kind} "${b.text}" bottom edge`).toBeLessThanOrEqual(height + 1);
      }
    }, 60_000);
  }
});
