#!/usr/bin/env node
/**
 * Search vs grid on MovieLens 100K u1 (issue 17), chosen on a validation set carved from u1.base
 * (evaluation.validation = 0.1, the same ratings for every method):
 *   --model als (default): d ∈ [1, 100] (log, integer) × λ ∈ [0.01, 20] (log); grid 10 × 10 log points.
 *   --model svd: d ∈ [1, 200] (log, integer) × λ ∈ [0.001, 0.5] (log) × lr ∈ [0.001, 0.05] (log), 20 epochs;
 *     grid 5 × 5 × 4 log points (100 cells).
 *
 *   node scripts/bench-search.js [--model als|svd] [--data ../shared/datasets/ml-100k] [--trials 30] [--seeds 5]
 *     [--out results/bench-search]
 *
 * Runs (resuming whatever is already in --out; svd results go to <out>/svd): the grid (method "grid", once), then for each search
 * seed 1…S: random, TPE, and TPE + ASHA (η 3; first rung --asha-min, default 2; --asha-trials trials, default T),
 * T trials each, one worker (--tpe-trials adds a row of TPE with that many trials). Prints a Markdown table:
 * best validation RMSE (mean ± std over seeds), the gap to the grid's best cell, total fit seconds (median; as a
 * fraction of the grid's), the chosen configuration's test RMSE, and the best validation RMSE reached within a third
 * of the grid's fit seconds (trials in the order they finished, cumulative fit seconds), and at equal seconds: the
 * grid's best cell among the cells that fit within each seed's own fit seconds: in the grid's file order (its first
 * parameter ascending) and the median over 1,000 random orders of its cells (mean over seeds).
 */
const path = require("node:path");
const { parseArgs } = require("node:util");
const { validateSpec } = require("../dist/experiment/spec");
const { runSearch } = require("../dist/experiment/search/run");

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "als" },
    data: { type: "string", default: "../shared/datasets/ml-100k" },
    trials: { type: "string", default: "30" },
    seeds: { type: "string", default: "5" },
    out: { type: "string", default: "results/bench-search" },
    "asha-min": { type: "string", default: "2" },
    "asha-trials": { type: "string" },
    "tpe-trials": { type: "string" },
  },
});
const trials = Number(values.trials);
// TPE + ASHA: one row per first rung (comma-separated), with its own trial count (default: as the others).
const ashaMins = values["asha-min"].split(",").map(Number);
const ashaTrials = values["asha-trials"] === undefined ? trials : Number(values["asha-trials"]);
const seeds = Number(values.seeds);
// Per model: the search box, the grid's points per dimension (100 cells), and how a configuration is printed.
const MODELS = {
  als: {
    box: { d: { int: [1, 100], log: true }, lambda: { float: [0.01, 20], log: true } },
    points: { d: 10, lambda: 10 },
    label: "10 × 10 log grid",
    show: (p) => `${p.d}/${p.lambda.toPrecision(2)}`,
  },
  svd: {
    box: { d: { int: [1, 200], log: true }, lambda: { float: [0.001, 0.5], log: true }, lr: { float: [0.001, 0.05], log: true } },
    points: { d: 5, lambda: 5, lr: 4 },
    label: "5 × 5 × 4 log grid",
    show: (p) => `${p.d}/${p.lambda.toPrecision(2)}/${p.lr.toPrecision(2)}`,
  },
};
const model = MODELS[values.model];
if (model === undefined) {
  console.error(`--model: expected one of ${Object.keys(MODELS).join(", ")}, got "${values.model}"`);
  process.exit(2);
}
const outDir = values.model === "als" ? values.out : path.join(values.out, values.model);
const space = (grid) => Object.fromEntries(Object.entries(model.box).map(([k, v]) => [k, grid ? { ...v, points: model.points[k] } : v]));
const base = {
  data: { kind: "movielens-100k", path: path.resolve(values.data), split: "u1" },
  model: values.model,
  seed: 0,
  evaluation: { validation: 0.1 },
};
const specFor = (name, search, pruner) => validateSpec({ ...base, name, search, ...(pruner ? { pruner } : {}) });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
};

function summarise(results) {
  const runs = results.runs;
  const ok = runs.filter((r) => r.status === "ok");
  const best = ok.reduce((a, b) => (b.metrics.validation.rmse < a.metrics.validation.rmse ? b : a));
  const seconds = runs.reduce((a, r) => a + (r.fitSeconds ?? 0), 0);
  return { best, seconds, runs, pruned: runs.filter((r) => r.status === "pruned").length };
}

/** Best validation RMSE of the ok trials finished within `budget` cumulative fit seconds (file order). */
function bestWithin(runs, budget) {
  let used = 0;
  let best = Infinity;
  for (const r of runs) {
    used += r.fitSeconds ?? 0;
    if (used > budget) break;
    if (r.status === "ok") best = Math.min(best, r.metrics.validation.rmse);
  }
  return best;
}

/**
 * The grid at equal seconds in no particular order: the median, over 1,000 seeded random orders of its cells, of the
 * best validation RMSE finished within `budget` fit seconds (Infinity-free: an order whose first cell is over the
 * budget counts that first cell, as a grid search that has started one cell always finishes it).
 */
function gridInRandomOrder(runs, budget) {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const found = [];
  for (let k = 0; k < 1000; k++) {
    const order = [...runs];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const best = bestWithin(order, budget);
    found.push(Number.isFinite(best) ? best : order[0].metrics.validation.rmse);
  }
  return median(found);
}

async function run(spec) {
  const started = Date.now();
  const out = await runSearch(spec, { out: path.join(outDir, `${spec.name}.json`) });
  process.stderr.write(`${spec.name}: ${out.ran} ran, ${out.cached} cached, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return out.results;
}

(async () => {
  const grid = summarise(await run(specFor(`grid-${Object.values(model.points).join("x")}`, { method: "grid", space: space(true) })));
  const methods = [
    ["random", (s) => specFor(`random-s${s}`, { method: "random", trials, seed: s, space: space(false) })],
    ["TPE", (s) => specFor(`tpe-s${s}`, { method: "tpe", trials, seed: s, space: space(false) })],
    ...(values["tpe-trials"] === undefined
      ? []
      : [
          [
            "TPE",
            (s) =>
              specFor(`tpe-t${values["tpe-trials"]}-s${s}`, { method: "tpe", trials: Number(values["tpe-trials"]), seed: s, space: space(false) }),
            Number(values["tpe-trials"]),
          ],
        ]),
    ...ashaMins.map((m) => [
      // Rungs below ALS's default cap of 20 iterations.
      `TPE + ASHA (rungs ${[m, 3 * m, 9 * m].filter((r) => r <= 20).join(", ")})`,
      (s) =>
        specFor(
          `tpe-asha${m === 2 ? "" : `-m${m}`}${ashaTrials === trials ? "" : `-t${ashaTrials}`}-s${s}`,
          { method: "tpe", trials: ashaTrials, seed: s, space: space(false) },
          { method: "asha", minIterations: m, reductionFactor: 3 },
        ),
      ashaTrials,
    ]),
  ];
  const rows = [];
  const f = (x, n = 4) => x.toFixed(n);
  const g = grid.best;
  rows.push(
    `| ${model.label} | ${grid.runs.length} | ${f(g.metrics.validation.rmse)} | – | ${f(grid.seconds, grid.seconds < 100 ? 1 : 0)} (1.00) | ${model.show(g.params)} | ${f(g.metrics.test.rmse)} | – | – |`,
  );
  for (const [label, make, nTrials = trials] of methods) {
    const per = [];
    for (let s = 1; s <= seeds; s++) per.push(summarise(await run(make(s))));
    const bests = per.map((p) => p.best.metrics.validation.rmse);
    const secs = per.map((p) => p.seconds);
    const tests = per.map((p) => p.best.metrics.test.rmse);
    const within = per.map((p) => bestWithin(p.runs, grid.seconds / 3));
    const gaps = bests.map((b) => b - g.metrics.validation.rmse);
    const pruned = per.map((p) => p.pruned);
    // equal seconds: the grid given this search's own fit seconds (each seed's), its cells in file order
    const gridAtEqual = secs.map((sec) => bestWithin(grid.runs, sec));
    const gridShuffledAtEqual = secs.map((sec) => gridInRandomOrder(grid.runs, sec));
    rows.push(
      `| ${label} | ${nTrials}${label.includes("ASHA") ? ` (${f(mean(pruned), 1)} pruned)` : ""} | ${f(mean(bests))} ± ${f(std(bests))} | ${f(median(gaps))} (max ${f(Math.max(...gaps))}) | ${f(median(secs), median(secs) < 100 ? 1 : 0)} (${f(median(secs) / grid.seconds, 2)}) | ${per.map((p) => model.show(p.best.params)).join(", ")} | ${f(mean(tests))} ± ${f(std(tests))} | ${f(mean(within))} ± ${f(std(within))} | ${gridAtEqual.map((x) => (Number.isFinite(x) ? f(x) : "none")).join(", ")}; random order ${f(mean(gridShuffledAtEqual))} |`,
    );
  }
  console.log(
    `| method | trials | best validation RMSE (mean ± std over seeds) | gap to grid best (median) | fit seconds (median; / grid) | chosen ${Object.keys(model.box).join("/")} per seed | test RMSE of the chosen configuration | best validation RMSE within ⅓ of the grid's fit seconds | the grid's best within each seed's search seconds |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
