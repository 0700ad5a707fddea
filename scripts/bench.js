#!/usr/bin/env node
/**
 * ALS benchmark (run after `npx tsc -p .`):  node scripts/bench.js [--data DIR] [--out FILE] [--reps N]
 *
 * 1. Times one ALS iteration (user half-step + item half-step) at d = 10 and d = 50 on MovieLens 100K u1
 *    (median of N repetitions), and separately the per-iteration metrics (objective + train error, test error).
 * 2. Runs the assignment grid d ∈ {1,2,5,10,20,50} × λ ∈ {1,2,4,6}, 20 iterations each (stopping "none"),
 *    on one thread, and prints train/test MSE per cell.
 * Writes everything to results/bench/als.json.
 *
 * Data: --data DIR, else $MFLAB_ML100K, else <repo>/../shared/datasets/ml-100k. When u1.base/u1.test are not
 * there, a random 943×1682 matrix with 100k ratings (80k train / 20k test) is used instead and labelled so.
 * The reader below is deliberately local (split on tabs) so the bench does not depend on the data layer.
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");
if (!fs.existsSync(path.join(dist, "models", "als.js"))) {
  console.error(`bench: ${path.join(dist, "models", "als.js")} not found; build first (npx tsc -p .)`);
  process.exit(1);
}
const { fitAls, alsConfig, alsHalfStep, alsObjective, AlsWorkspace } = require(path.join(dist, "models", "als.js"));
const { RatingsMatrix, IdMap } = require(path.join(dist, "data", "ratings.js"));
const { scorePredictor } = require(path.join(dist, "metrics", "errors.js"));
const { Rng } = require(path.join(dist, "random.js"));

function flag(name, fallback) {
  const k = process.argv.indexOf(`--${name}`);
  if (k < 0) return fallback;
  const v = process.argv[k + 1];
  if (v === undefined || v.startsWith("--")) {
    console.error(`bench: --${name} needs a value`);
    process.exit(2);
  }
  return v;
}

const dataDir = path.resolve(flag("data", process.env.MFLAB_ML100K || path.join(root, "..", "shared", "datasets", "ml-100k")));
const outFile = path.resolve(flag("out", path.join(root, "results", "bench", "als.json")));
const reps = Number(flag("reps", "7"));
if (!(Number.isInteger(reps) && reps >= 1)) {
  console.error(`bench: --reps must be a positive integer, got ${reps}`);
  process.exit(2);
}

function loadU1(dir) {
  const users = new IdMap();
  const items = new IdMap();
  const read = (file) => {
    const lines = fs.readFileSync(path.join(dir, file), "utf8").split("\n").filter((l) => l.length > 0);
    const u = new Int32Array(lines.length);
    const i = new Int32Array(lines.length);
    const v = new Float64Array(lines.length);
    lines.forEach((line, k) => {
      const f = line.split("\t");
      u[k] = users.intern(f[0]);
      i[k] = items.intern(f[1]);
      v[k] = Number(f[2]);
    });
    return { u, i, v };
  };
  const a = read("u1.base");
  const b = read("u1.test");
  return {
    name: "ml-100k/u1",
    source: dir,
    synthetic: false,
    train: new RatingsMatrix(users.size, items.size, a.u, a.i, a.v),
    test: new RatingsMatrix(users.size, items.size, b.u, b.i, b.v),
  };
}

/** Random stand-in with the shape of ML-100K: 943 × 1682, 100k distinct entries, ratings 1..5, seed 0. */
function randomData() {
  const nUsers = 943;
  const nItems = 1682;
  const nnz = 100000;
  const rng = new Rng(0);
  const seen = new Set();
  const u = new Int32Array(nnz);
  const i = new Int32Array(nnz);
  const v = new Float64Array(nnz);
  for (let k = 0; k < nnz; ) {
    const uu = rng.int(nUsers);
    const ii = rng.int(nItems);
    const key = uu * nItems + ii;
    if (seen.has(key)) continue;
    seen.add(key);
    u[k] = uu;
    i[k] = ii;
    v[k] = 1 + rng.int(5);
    k++;
  }
  const order = rng.shuffle(Int32Array.from({ length: nnz }, (_, k) => k));
  const all = new RatingsMatrix(nUsers, nItems, u, i, v);
  return {
    name: "synthetic-random-943x1682-100k",
    source: "random (NOT MovieLens): uniform positions, ratings uniform 1..5, seed 0, 80/20 split",
    synthetic: true,
    train: all.subset(order.subarray(0, 80000)),
    test: all.subset(order.subarray(80000)),
  };
}

let data;
if (fs.existsSync(path.join(dataDir, "u1.base")) && fs.existsSync(path.join(dataDir, "u1.test"))) {
  data = loadU1(dataDir);
} else {
  console.log(`bench: MovieLens 100K not found at ${dataDir}; benchmarking on a RANDOM 943×1682 matrix with 100k ratings instead`);
  data = randomData();
}
const { train, test } = data;
console.log(`data: ${data.name} (${train.nUsers}×${train.nItems}, ${train.nnz} train / ${test.nnz} test)${data.synthetic ? "  [synthetic]" : ""}`);

const now = () => performance.now() / 1000;
/** Process CPU seconds (user + system): less sensitive than wall time to other processes on a busy machine. */
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// 1. Per-iteration timing.
const perIteration = [];
for (const d of [10, 50]) {
  const lambda = 1;
  const cfg = alsConfig({ d, lambda, maxIterations: 1, stopping: "none" });
  const { model } = fitAls(train, cfg); // warm-up + a realistic state
  const ws = AlsWorkspace.forMatrix(train, d);
  const common = { d, lambda, weightedLambda: false, globalMean: model.globalMean };
  const userStep = { ...common, csr: train.byUser(), fixed: model.itemFactors, fixedBias: null, solved: model.userFactors, solvedBias: null };
  const itemStep = { ...common, csr: train.byItem(), fixed: model.userFactors, fixedBias: null, solved: model.itemFactors, solvedBias: null };
  const iter = [];
  const iterCpu = [];
  const users = [];
  const items = [];
  const metrics = [];
  for (let r = 0; r < reps + 1; r++) {
    const c0 = cpu();
    const t0 = now();
    alsHalfStep(userStep, ws);
    const t1 = now();
    alsHalfStep(itemStep, ws);
    const t2 = now();
    const c2 = cpu();
    alsObjective(model, train, lambda, false);
    scorePredictor(model, test);
    const t3 = now();
    if (r === 0) continue; // warm-up
    users.push(t1 - t0);
    items.push(t2 - t1);
    iter.push(t2 - t0);
    iterCpu.push(c2 - c0);
    metrics.push(t3 - t2);
  }
  const row = {
    d,
    lambda,
    reps,
    iterationSeconds: median(iter),
    iterationSecondsMin: Math.min(...iter),
    iterationCpuSeconds: median(iterCpu),
    userHalfStepSeconds: median(users),
    itemHalfStepSeconds: median(items),
    metricsSeconds: median(metrics),
  };
  perIteration.push(row);
  console.log(
    `one iteration d=${String(d).padStart(2)}: ${row.iterationSeconds.toFixed(4)} s median wall (min ${row.iterationSecondsMin.toFixed(4)}, CPU ${row.iterationCpuSeconds.toFixed(4)}; ` +
      `users ${row.userHalfStepSeconds.toFixed(4)} + items ${row.itemHalfStepSeconds.toFixed(4)}), metrics ${row.metricsSeconds.toFixed(4)} s`,
  );
}

// 2. The assignment grid.
const ds = [1, 2, 5, 10, 20, 50];
const lambdas = [1, 2, 4, 6];
const iterations = 20;
const cells = [];
const gridStart = now();
const gridCpuStart = cpu();
for (const d of ds) {
  for (const lambda of lambdas) {
    const t0 = now();
    const res = fitAls(train, alsConfig({ d, lambda, maxIterations: iterations, stopping: "none" }), { test });
    const seconds = now() - t0;
    const h = res.history;
    const last = h.iteration.length - 1;
    cells.push({ d, lambda, iterations: res.iterations, trainMse: h.trainMse[last], testMse: h.testMse[last], trainLoss: h.trainLoss[last], seconds });
  }
}
const gridSeconds = now() - gridStart;
const gridCpuSeconds = cpu() - gridCpuStart;
const best = cells.reduce((a, b) => (b.testMse < a.testMse ? b : a));

console.log(`\nassignment grid, ${iterations} iterations, stopping "none" (test MSE / train MSE / seconds):`);
console.log("  d \\ λ " + lambdas.map((l) => String(l).padStart(24)).join(""));
for (const d of ds) {
  const line = lambdas
    .map((l) => {
      const c = cells.find((x) => x.d === d && x.lambda === l);
      return `${c.testMse.toFixed(4)} / ${c.trainMse.toFixed(4)} / ${c.seconds.toFixed(2)}`.padStart(24);
    })
    .join("");
  console.log(`  ${String(d).padStart(5)} ${line}`);
}
console.log(`grid total ${gridSeconds.toFixed(2)} s wall (${gridCpuSeconds.toFixed(2)} s CPU); best test MSE ${best.testMse.toFixed(4)} at d=${best.d}, λ=${best.lambda}`);

const out = {
  schema: "mflab.bench.als/1",
  createdAt: new Date().toISOString(),
  dataset: { name: data.name, source: data.source, synthetic: data.synthetic, nUsers: train.nUsers, nItems: train.nItems, nTrain: train.nnz, nTest: test.nnz },
  env: { loadAverage: os.loadavg(), node: process.version, platform: `${process.platform}-${process.arch}`, cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length },
  perIteration,
  grid: { iterations, stopping: "none", seconds: gridSeconds, cpuSeconds: gridCpuSeconds, best: { d: best.d, lambda: best.lambda, testMse: best.testMse }, cells },
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(out, null, 2) + "\n");
console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile}`);
