#!/usr/bin/env node
/**
 * Speed of one Gibbs sweep of `bpmf` against one exact ALS iteration at the same d, on MovieLens 100K u1
 * (issue 18: a sweep must cost ≤ 2× an ALS iteration), and of one bayes-svdpp sweep for the record.
 *
 *   node scripts/bench-bayesian.js [--d 10] [--rounds 7] [--iterations 12] [--threads 1] [--json]
 *
 * Needs the compiled library (`npm run build`). Each round fits ALS (stopping "none", 1 thread, exact Cholesky),
 * then bpmf (burnIn = 1, so every sweep stores its sample as in a real fit), then bayes-svdpp, without a test
 * set. The cost of one iteration is measured two ways: wall time, the median of the per-iteration differences
 * of the fit's `history.seconds` (iterations 2…); and CPU time of this process (process.cpuUsage, user +
 * system) of a fit of `iterations` iterations minus that of a 2-iteration fit, divided by the difference —
 * which the other processes of a shared, overloaded machine disturb far less than wall time. The models
 * alternate within each round (interleaved, so load changes hit all); the ratio is the median over rounds of
 * (bpmf sweep / ALS iteration) in the same round. Both include a pass over the training ratings (ALS's train
 * error, bpmf's residuals for α and the kept sample's running sums).
 *
 * `--threads T` (T > 1) adds, in each round right after the one-thread bpmf fit, a bpmf fit with its row draws on
 * T threads (forced: the fit's own rule, gibbsEffectiveThreads, would keep small fits on one thread), and reports
 * the per-round ratio of its wall time per sweep to the one-thread sweep of the same round. (CPU time of a
 * threaded fit counts all its threads: it measures the work, not the wait.)
 */
const path = require("node:path");
const { dist, flagReader, requireBuild, median, load } = require("./bench-common.js");

const prog = "bench-bayesian";
const flag = flagReader(prog);
requireBuild(prog, ["models/index.js", "data/index.js", "models/bayesian/gibbs.js"]);
const { getModel } = require(path.join(dist, "models"));
const { fitGibbs } = require(path.join(dist, "models/bayesian/gibbs.js"));
const { bpmfSettings } = require(path.join(dist, "models/bayesian/bpmf.js"));
const { loadDataset } = require(path.join(dist, "data"));

const d = Number(flag("d", "10"));
const rounds = Number(flag("rounds", "7"));
const iterations = Number(flag("iterations", "12"));
const threads = Number(flag("threads", "1"));
if (!(Number.isInteger(threads) && threads >= 1)) {
  console.error(`${prog}: --threads must be an integer ≥ 1, got ${flag("threads", "1")}`);
  process.exit(2);
}
const json = process.argv.includes("--json");
const dir = process.env.MFLAB_ML100K || path.resolve(__dirname, "../../shared/datasets/ml-100k");
const ds = loadDataset({ kind: "movielens-100k", path: dir, split: "u1" });

function fitCpu(def, params) {
  const c0 = process.cpuUsage();
  const fit = def.threads ? fitGibbs(ds.train, { ...bpmfSettings(def.config(params)), threads: def.threads }) : def.fit(ds.train, def.config(params));
  const c = process.cpuUsage(c0);
  return { fit, cpu: (c.user + c.system) / 1e6 };
}

/** [wall seconds per iteration (median of history steps), CPU seconds per iteration (long fit − 2-iteration fit)]. */
function perIteration(model, params, forcedThreads = 0) {
  const def = forcedThreads > 1 ? { ...getModel(model), threads: forcedThreads } : getModel(model);
  const long = fitCpu(def, params);
  const short = fitCpu(def, { ...params, maxIterations: 2 });
  const s = long.fit.history.seconds;
  const steps = [];
  for (let t = 1; t < s.length; t++) steps.push(s[t] - s[t - 1]);
  return { wall: median(steps), cpu: (long.cpu - short.cpu) / (params.maxIterations - 2) };
}

const rows = { als: [], bpmf: [], bpmfThreads: [], svdpp: [] };
const ratios = { wall: [], cpu: [], threads: [] };
const loads = [load()];
for (let r = 0; r < rounds; r++) {
  const a = perIteration("als", { d, maxIterations: iterations, stopping: "none", seed: r });
  const b = perIteration("bpmf", { d, maxIterations: iterations, burnIn: 1, seed: r });
  if (threads > 1) {
    const bt = perIteration("bpmf", { d, maxIterations: iterations, burnIn: 1, seed: r }, threads);
    rows.bpmfThreads.push(bt);
    ratios.threads.push(bt.wall / b.wall);
  }
  const c = perIteration("bayes-svdpp", { d, maxIterations: Math.max(5, Math.round(iterations / 3)), burnIn: 1, seed: r });
  rows.als.push(a);
  rows.bpmf.push(b);
  rows.svdpp.push(c);
  ratios.wall.push(b.wall / a.wall);
  ratios.cpu.push(b.cpu / a.cpu);
  loads.push(load());
}
const med = (xs, key) => median(xs.map((x) => x[key]));
const out = {
  d,
  rounds,
  iterations,
  wall: {
    als: med(rows.als, "wall"),
    bpmf: med(rows.bpmf, "wall"),
    bayesSvdpp: med(rows.svdpp, "wall"),
    ratio: median(ratios.wall),
    ratios: ratios.wall,
  },
  cpu: { als: med(rows.als, "cpu"), bpmf: med(rows.bpmf, "cpu"), bayesSvdpp: med(rows.svdpp, "cpu"), ratio: median(ratios.cpu), ratios: ratios.cpu },
  loadavg: loads,
};
if (threads > 1) {
  out.threads = {
    threads,
    wall: med(rows.bpmfThreads, "wall"),
    cpu: med(rows.bpmfThreads, "cpu"),
    ratio: median(ratios.threads),
    ratios: ratios.threads,
  };
}
if (json) console.log(JSON.stringify(out, null, 2));
else {
  const ms = (x) => `${(x * 1000).toFixed(1)} ms`;
  console.log(`ML-100K u1, d = ${d}, ${rounds} interleaved rounds (medians per iteration):`);
  for (const k of ["wall", "cpu"]) {
    const o = out[k];
    console.log(
      `  ${k === "wall" ? "wall time" : "CPU time "}: ALS iteration ${ms(o.als)}, bpmf sweep ${ms(o.bpmf)}, bayes-svdpp sweep ${ms(o.bayesSvdpp)}`,
    );
    console.log(`    bpmf / ALS per round: ${o.ratios.map((x) => x.toFixed(2)).join(", ")}; median ${o.ratio.toFixed(2)}`);
  }
  if (out.threads) {
    const t = out.threads;
    console.log(
      `  bpmf on ${t.threads} threads: sweep ${ms(t.wall)} wall (${ms(t.cpu)} CPU, all threads); ${t.threads} threads / 1 thread per round: ${t.ratios.map((x) => x.toFixed(2)).join(", ")}; median ${t.ratio.toFixed(2)}`,
    );
  }
  console.log(`  load average (1 min) before and after each round: ${loads.map((l) => l[0]).join(", ")}`);
}
