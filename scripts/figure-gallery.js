#!/usr/bin/env node
/**
 * Screenshots of every figure kind, for looking at them (not part of npm test):
 *
 *   node scripts/figure-gallery.js <out-dir> [--data <dir with results files>] [--ml100k <MovieLens 100K folder>]
 *
 * Renders, through the built library (dist/) and headless Chromium, one PNG per figure kind: the assignment grid
 * (as `mflab sweep --html` draws it, and as the notebook does), λ figure, heatmap, convergence (λ* and all 24
 * runs), model comparison, optimizer race (iterations and seconds, log x), the lecture's toy loss curves (log y)
 * and the latent-factor map. Results files it reads from --data (default /tmp/figdata), written beforehand with
 *
 *   npx mflab sweep experiments/als-grid.json --data <ml-100k> --split u1 --out <dir>/als-grid-ml100k.json
 *   npx mflab sweep experiments/nmf-vs-baselines.json --data <ml-100k> --out <dir>/nmf-vs-baselines-ml100k.json
 *
 * Figures whose input is missing are skipped with a note.
 */

const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const outDir = args[0];
if (!outDir || outDir.startsWith("--")) {
  console.error("usage: node scripts/figure-gallery.js <out-dir> [--data DIR] [--ml100k DIR]");
  process.exit(2);
}
const opt = (name, fallback) => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : fallback;
};
const dataDir = opt("--data", "/tmp/figdata");
const ml100k = opt("--ml100k", process.env.MFLAB_ML100K ?? path.join(__dirname, "../../shared/datasets/ml-100k"));
const mf = require("../dist");
const models = require("../dist/models");
const toy = require("../dist/data");

const read = (name) => {
  const file = path.join(dataDir, name);
  if (!fs.existsSync(file)) {
    console.warn(`skipped: ${file} is missing`);
    return undefined;
  }
  return mf.readResults(file);
};

const figures = [];
const add = (name, build) => {
  try {
    const f = build();
    if (f) figures.push({ name, figure: f });
  } catch (e) {
    console.warn(`skipped ${name}: ${e.message}`);
  }
};

const als = read("als-grid-ml100k.json");
const als2 = als ? { ...als, runs: als.runs } : undefined;
if (als) {
  add("grid-cli", () => mf.buildFigure(als, "grid"));
  add("grid-notebook", () => mf.assignmentGridFigure(als, { sharedYRange: true }));
  add("heatmap", () => mf.heatmapFigure(als, { metric: "test.mse" }));
  const best = mf.bestRun(als, "test.mse").params.lambda;
  add("lambda", () => mf.lambdaFigure(als, best));
  add("convergence-lambda-star", () =>
    mf.convergenceFigure(
      als.runs.filter((r) => r.params.lambda === best),
      { metric: "testMse" },
    ),
  );
  add("convergence-all", () => mf.convergenceFigure(als2, { metric: "testMse" }));
  add("convergence-objective-log", () => mf.convergenceFigure(als2, { metric: "trainLoss", logY: true, filter: (r) => r.params.lambda === best }));
  // A race-like set of records from the ALS runs: three "entries", the seconds axis from their histories.
  const race = [2, 5, 10].flatMap((d) =>
    als.runs.filter((r) => r.params.d === d && r.params.lambda === best).map((r) => ({ ...r, label: `ALS d = ${d}` })),
  );
  add("race-iteration-logx", () => mf.raceFigure(race, { x: "iteration", logX: true, title: `Test RMSE by iteration — ${als.dataset.name}` }));
  add("race-seconds-logx", () => mf.raceFigure(race, { x: "seconds", logX: true, title: `Test RMSE by wall-clock seconds — ${als.dataset.name}` }));
}
const nmf = read("nmf-vs-baselines-ml100k.json");
if (nmf) {
  add("compare-baselines", () =>
    mf.compareFigure(nmf, { metrics: ["rmse", "mae"], sort: "ascending", title: "Test RMSE and MAE (mean ± std over folds)" }),
  );
  if (als) {
    const both = { ...nmf, runs: [...nmf.runs, ...als.runs] };
    add("compare-with-als-grid", () =>
      mf.compareFigure(both, { metrics: ["rmse", "mae"], sort: "ascending", title: "Test RMSE and MAE (mean ± std over folds)" }),
    );
  }
}

// The lecture notebook's inline figures (cells "loss curves" and "latent-factor map").
add("lecture-loss-logy", () => {
  const A = toy.lectureDataset().train;
  const alsFit = mf.fitAls(A, mf.alsConfig({ d: 2, lambda: 0.1, maxIterations: 30, stopping: "none", seed: 1 }));
  const sgdFit = models.sgdMfModel.fit(A, models.sgdMfModel.config({ d: 2, maxIterations: 300, lr: 0.05, lambda: 0.01, initStd: 0.5, seed: 1 }));
  const gdFit = models.gdMfModel.fit(A, models.gdMfModel.config({ d: 2, lr: 0.01, lambda: 0.1, maxIterations: 300, initScale: 0.5, seed: 1 }));
  const line = (name, h, color) => ({ type: "scatter", mode: "lines", name, x: h.iteration, y: h.trainMse, line: { color } });
  const logY = { title: { text: "train MSE" }, type: "log" };
  figures.push({
    name: "lecture-loss-sgd-gd-logy",
    figure: {
      data: [
        line("SGD (sgd-mf, α = 0.05, reg 0.01)", sgdFit.history, "#ff7f0e"),
        line("full-batch GD (gd-mf, lr = 0.01, λ = 0.1)", gdFit.history, "#2ca02c"),
      ],
      layout: { title: { text: "SGD and gradient descent on the 3×5 toy matrix" }, xaxis: { title: { text: "epoch" } }, yaxis: logY, height: 380 },
    },
  });
  return {
    data: [
      { ...line("train MSE", alsFit.history, "#1f77b4"), mode: "lines+markers" },
      {
        type: "scatter",
        mode: "lines",
        name: "objective L = SSE + λ(‖W‖² + ‖H‖²) (right axis)",
        x: alsFit.history.iteration,
        y: alsFit.history.trainLoss,
        yaxis: "y2",
        line: { color: "#9467bd", dash: "dash" },
      },
    ],
    layout: {
      title: { text: "ALS on the 3×5 toy matrix (d = 2, λ = 0.1)" },
      xaxis: { title: { text: "iteration" } },
      yaxis: logY,
      yaxis2: { title: { text: "objective L" }, overlaying: "y", side: "right" },
      legend: { x: 0.35, y: 0.95 },
      height: 380,
    },
  };
});

if (fs.existsSync(path.join(ml100k, "u1.base"))) {
  add("factor-map", () => {
    const ml = mf.loadDataset({ kind: "movielens-100k", path: ml100k, split: "u1" });
    const mlFit = mf.fitAls(ml.train, mf.alsConfig({ d: 2, lambda: 5, maxIterations: 25, seed: 0 }));
    const titles = ml.itemTitles ?? ml.itemIds;
    const Hm = mlFit.model.itemFactors;
    const counts = mlFit.model.itemCounts;
    if (typeof mf.factorMapFigure === "function") {
      return mf.factorMapFigure(
        {
          x: Array.from({ length: ml.train.nItems }, (_, j) => Hm[2 * j]),
          y: Array.from({ length: ml.train.nItems }, (_, j) => Hm[2 * j + 1]),
          labels: titles,
          counts,
        },
        { title: `Movie factors h_j of ALS with d = 2, λ = 5 (${ml.name})` },
      );
    }
    const known = Array.from({ length: ml.train.nItems }, (_, j) => j).filter((j) => counts[j] > 0);
    const byCount = [...known].sort((a, b) => counts[b] - counts[a]);
    const busy = known.filter((j) => counts[j] >= 100).sort((a, b) => Hm[2 * a] - Hm[2 * b]);
    const labelled = [...new Set([...byCount.slice(0, 12), ...busy.slice(0, 4), ...busy.slice(-4)])];
    return {
      data: [
        {
          type: "scatter",
          mode: "markers",
          name: "all movies (hover for titles)",
          x: known.map((j) => Hm[2 * j]),
          y: known.map((j) => Hm[2 * j + 1]),
          text: known.map((j) => `${titles[j]} (${counts[j]} ratings)`),
          hoverinfo: "text",
          marker: { size: known.map((j) => 3 + Math.sqrt(counts[j]) / 2), color: "rgba(31,119,180,0.35)" },
        },
        {
          type: "scatter",
          mode: "markers+text",
          name: "labelled: 12 most-rated, factor-1 extremes (≥ 100 ratings)",
          x: labelled.map((j) => Hm[2 * j]),
          y: labelled.map((j) => Hm[2 * j + 1]),
          text: labelled.map((j) => titles[j]),
          textposition: "top center",
          textfont: { size: 9 },
          hoverinfo: "text",
          marker: { size: 7, color: "#d62728" },
        },
      ],
      layout: {
        title: { text: `Movie factors h_j of ALS with d = 2 (${ml.name})` },
        xaxis: { title: { text: "latent factor 1" } },
        yaxis: { title: { text: "latent factor 2" } },
        legend: { orientation: "h", y: -0.15 },
        height: 650,
      },
    };
  });
}

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  const size = (figure) => ({ width: figure.layout.width ?? 1000, height: figure.layout.height ?? 550 });
  const started = Date.now();
  let staticImage;
  try {
    staticImage = require("../dist/plot/static-image");
  } catch {
    staticImage = undefined; // an older build: one page per image through exportFigureImages
  }
  if (staticImage) {
    // one browser, plotly.js loaded once: what notebooks use for their static images
    for (const { name, figure } of figures) {
      const r = staticImage.renderFigurePngSync(figure, size(figure));
      if (!r.png) throw new Error(`${name}: ${r.error}`);
      const file = path.join(outDir, `${name}.png`);
      fs.writeFileSync(file, r.png);
      console.log(`${file}  ${r.width}×${r.height}  ${(r.png.length / 1024).toFixed(0)} KiB  ${(r.ms / 1000).toFixed(2)} s`);
    }
    staticImage.closeStaticRenderer();
  } else {
    const jobs = figures.map(({ name, figure }) => ({ figure, outPath: path.join(outDir, `${name}.png`), ...size(figure) }));
    const results = await mf.exportFigureImages(jobs);
    for (const r of results) console.log(`${r.file}  ${r.width}×${r.height}  ${(r.bytes / 1024).toFixed(0)} KiB`);
  }
  console.log(`${figures.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
