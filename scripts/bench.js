#!/usr/bin/env node
/**
 * Benchmark suite (run after `npx tsc -p .`; `npm run bench` builds first):
 *
 *   node scripts/bench.js [--quick] [--reps N] [--data DIR] [--out FILE] [--no-scale] [--no-grid]
 *
 * 1. ALS iteration time on MovieLens 100K u1 (80k ratings): d ∈ {10, 50, 100}, exact Cholesky solver, 1 and 2
 *    threads (the fitAls half-step code path, incl. the training errors the item half-step records; median of N
 *    repetitions after a warm-up), plus CG (3 steps) at d = 100; and the test-error pass a fit with a test set adds.
 * 2. The assignment grid d ∈ {1,2,5,10,20,50} × λ ∈ {1,2,4,6}, 20 iterations each (stopping "none", test
 *    error every iteration): one fit at a time on 1 thread, one fit at a time on 2 threads (parallel fit), and
 *    two fits at a time on 1 thread each (parallel runs, two worker_threads) — the three give identical numbers
 *    (checked).
 * 3. Biased SGD updates/s at 100 factors (scripts/bench-sgd.js: bare pass and full fitSvd).
 * 4. Scaling series: synthetic 1M, 5M, 25M ratings shaped like MovieLens-25M, ALS at d = 64 with the CG solver
 *    (3 steps) on 2 threads, each size in its own process (scripts/bench-scale.js) so peak RSS is per size;
 *    seconds per iteration per million ratings shows linearity; the 25M row also gives generation + CSR + first
 *    iteration end to end. `--quick` skips 25M.
 * Prints a table (dataset, ratings, d, threads, solver, s/iteration, SGD updates/s, peak RSS) and the issue-6
 * targets, and writes everything to results/bench/bench.json.
 *
 * Timings are wall clock on a possibly shared machine: the load average before and after each part is
 * recorded; CPU seconds are given where they help (process CPU includes all threads).
 * Data: --data DIR, else $MFLAB_ML100K, else <repo>/../shared/datasets/ml-100k; without u1.base/u1.test a random
 * 943×1682 matrix with 100k ratings (80k/20k) stands in and is labelled so.
 */

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { Worker } = require("node:worker_threads");
const {
  root,
  dist,
  DEFAULT_ML100K_DIR,
  flagReader,
  requireBuild,
  now,
  cpu,
  median,
  load,
  readU1,
  randomDistinctRatings,
  startAlsHalfSteps,
} = require("./bench-common.js");

requireBuild("bench", ["models/index.js", "data/index.js"]);
const als = require(path.join(dist, "models"));
const { threadedAlsBackend, stopAlsThreads } = als;
const { scorePredictor } = require(path.join(dist, "metrics"));
const { Rng } = require(path.join(dist, "core"));
const { benchSgd } = require("./bench-sgd.js");

const flag = flagReader("bench");
const has = (name) => process.argv.includes(`--${name}`);

const quick = has("quick");
const dataDir = path.resolve(flag("data", DEFAULT_ML100K_DIR));
const outFile = path.resolve(flag("out", path.join(root, "results", "bench", "bench.json")));
const reps = Number(flag("reps", quick ? "3" : "7"));
if (!(Number.isInteger(reps) && reps >= 1)) {
  console.error(`bench: --reps must be a positive integer, got ${reps}`);
  process.exit(2);
}

// ---- Data: ML-100K u1 (or a labelled random stand-in). ----

function loadU1(dir) {
  const { train, test } = readU1(dir);
  return { name: "ml-100k/u1", synthetic: false, train, test };
}

function randomData() {
  const nnz = 100000;
  const rng = new Rng(0);
  const all = randomDistinctRatings(rng, 943, 1682, nnz);
  const order = rng.shuffle(Int32Array.from({ length: nnz }, (_, k) => k));
  return { name: "random-943x1682-100k", synthetic: true, train: all.subset(order.subarray(0, 80000)), test: all.subset(order.subarray(80000)) };
}

const haveU1 = fs.existsSync(path.join(dataDir, "u1.base")) && fs.existsSync(path.join(dataDir, "u1.test"));
if (!haveU1) console.log(`bench: MovieLens 100K not found at ${dataDir}; using a RANDOM 943×1682 matrix with 100k ratings instead`);
const data = haveU1 ? loadU1(dataDir) : randomData();
const { train, test } = data;
console.log(
  `mflab bench — node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load ${load().join(" ")}${quick ? ", --quick" : ""}`,
);
console.log(
  `data: ${data.name} (${train.nUsers}×${train.nItems}, ${train.nnz} train / ${test.nnz} test)${data.synthetic ? "  [random stand-in]" : ""}\n`,
);

const rows = []; // the printed table

// ---- 1. ALS iteration on ML-100K u1. ----

function timeIterations(d, threads, solver) {
  const lambda = 1;
  const { model } = als.fitAls(train, als.alsConfig({ d, lambda, maxIterations: 1, stopping: "none" })); // a realistic state
  const backend = threads > 1 ? threadedAlsBackend(threads) : als.SERIAL_ALS_BACKEND;
  const { byUser, byItem } = backend.csr(train);
  const W = backend.allocate(model.userFactors.length);
  const H = backend.allocate(model.itemFactors.length);
  // The item half-step records the training errors, as in fitAls (the per-iteration train error / objective).
  const errors = { out: backend.allocate(3 * byItem.nRows), lo: -Infinity, hi: Infinity };
  const runner = startAlsHalfSteps(
    backend,
    byUser,
    byItem,
    W,
    H,
    { d, lambda, weightedLambda: false, globalMean: model.globalMean, solver, cgSteps: 3 },
    errors,
  );
  const wall = [];
  const cpuS = [];
  try {
    for (let r = 0; r < reps + 1; r++) {
      W.set(model.userFactors);
      H.set(model.itemFactors);
      const c0 = cpu();
      const t0 = now();
      runner.run(0);
      runner.run(1);
      const t1 = now();
      if (r === 0) continue; // warm-up
      wall.push(t1 - t0);
      cpuS.push(cpu() - c0);
    }
  } finally {
    runner.close();
  }
  // The rest of fitAls's per-iteration metrics: the test error (when a fit is given a test set).
  const m = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    scorePredictor(model, test);
    m.push(now() - t0);
  }
  return {
    d,
    threads,
    solver,
    reps,
    iterationSeconds: median(wall),
    iterationSecondsMin: Math.min(...wall),
    iterationCpuSeconds: median(cpuS),
    metricsSeconds: median(m),
  };
}

const perIteration = [];
const part1Load = load();
for (const [d, threads, solver] of [
  [10, 1, "cholesky"],
  [10, 2, "cholesky"],
  [50, 1, "cholesky"],
  [50, 2, "cholesky"],
  [100, 1, "cholesky"],
  [100, 2, "cholesky"],
  [100, 1, "cg"],
  [100, 2, "cg"],
]) {
  const r = timeIterations(d, threads, solver);
  perIteration.push(r);
  console.log(
    `ALS ${data.name} d=${String(d).padStart(3)} ${solver.padEnd(8)} threads ${threads}: ${r.iterationSeconds.toFixed(4)} s/iteration ` +
      `(min ${r.iterationSecondsMin.toFixed(4)}, CPU ${r.iterationCpuSeconds.toFixed(4)}), test error ${r.metricsSeconds.toFixed(4)} s`,
  );
  rows.push({ dataset: data.name, ratings: train.nnz, d, threads, solver, secondsPerIteration: r.iterationSeconds, rssMB: null });
}

// ---- 2. The assignment grid: serial, parallel fit, parallel runs. ----

const ds = [1, 2, 5, 10, 20, 50];
const lambdas = [1, 2, 4, 6];
const gridIterations = 20;
const cells = [];
for (const d of ds) for (const lambda of lambdas) cells.push({ d, lambda });

function fitCell(cell, threads) {
  const res = als.fitAls(train, als.alsConfig({ d: cell.d, lambda: cell.lambda, maxIterations: gridIterations, stopping: "none", threads }), {
    test,
  });
  const h = res.history;
  const last = h.iteration.length - 1;
  return { d: cell.d, lambda: cell.lambda, trainMse: h.trainMse[last], testMse: h.testMse[last] };
}

function gridSerial(threads) {
  const t0 = now();
  const c0 = cpu();
  const out = cells.map((c) => fitCell(c, threads));
  return { seconds: now() - t0, cpuSeconds: cpu() - c0, cells: out };
}

/** Two worker threads, each fitting whole cells on one thread (largest d first, handed out on demand). */
function gridParallelRuns(workers) {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const als = require(workerData.als);
    const { RatingsMatrix } = require(workerData.ratings);
    const mk = (m) => new RatingsMatrix(m.nUsers, m.nItems, m.users, m.items, m.values);
    const train = mk(workerData.train), test = mk(workerData.test);
    parentPort.on("message", (cell) => {
      const res = als.fitAls(train, als.alsConfig({ d: cell.d, lambda: cell.lambda, maxIterations: ${gridIterations}, stopping: "none" }), { test });
      const h = res.history, last = h.iteration.length - 1;
      parentPort.postMessage({ d: cell.d, lambda: cell.lambda, trainMse: h.trainMse[last], testMse: h.testMse[last] });
    });`;
  const ser = (m) => ({ nUsers: m.nUsers, nItems: m.nItems, users: m.users, items: m.items, values: m.values });
  const queue = [...cells].sort((a, b) => b.d - a.d);
  return new Promise((resolve, reject) => {
    const t0 = now();
    const results = [];
    let running = 0;
    const pool = [];
    for (let w = 0; w < workers; w++) {
      const worker = new Worker(code, {
        eval: true,
        workerData: { als: path.join(dist, "models"), ratings: path.join(dist, "data"), train: ser(train), test: ser(test) },
      });
      pool.push(worker);
      const next = () => {
        const cell = queue.shift();
        if (cell === undefined) {
          if (running === 0) {
            for (const p of pool) void p.terminate();
            const ordered = cells.map((c) => results.find((r) => r.d === c.d && r.lambda === c.lambda));
            resolve({ seconds: now() - t0, cells: ordered });
          }
          return;
        }
        running++;
        worker.postMessage(cell);
      };
      worker.on("message", (r) => {
        running--;
        results.push(r);
        next();
      });
      worker.on("error", reject);
      worker.on("online", next);
    }
  });
}

async function main() {
  let grid = null;
  if (!has("no-grid")) {
    const gridLoad = load();
    const serial = gridSerial(1);
    console.log(
      `\ngrid 6×4, ${gridIterations} iterations: one fit at a time, 1 thread:   ${serial.seconds.toFixed(2)} s (CPU ${serial.cpuSeconds.toFixed(2)} s)`,
    );
    const parallelFit = gridSerial(2);
    console.log(
      `grid 6×4, ${gridIterations} iterations: one fit at a time, 2 threads:  ${parallelFit.seconds.toFixed(2)} s (CPU ${parallelFit.cpuSeconds.toFixed(2)} s)`,
    );
    const parallelRuns = await gridParallelRuns(2);
    console.log(`grid 6×4, ${gridIterations} iterations: two fits at a time, 1 thread each: ${parallelRuns.seconds.toFixed(2)} s`);
    const same = (a, b) => a.cells.every((c, k) => c.testMse === b.cells[k].testMse && c.trainMse === b.cells[k].trainMse);
    const identical = same(serial, parallelFit) && same(serial, parallelRuns);
    console.log(`  identical test/train MSE in all three modes: ${identical}`);
    const best = serial.cells.reduce((a, b) => (b.testMse < a.testMse ? b : a));
    console.log(`  best test MSE ${best.testMse.toFixed(4)} at d=${best.d}, λ=${best.lambda}`);
    grid = {
      iterations: gridIterations,
      loadAverageBefore: gridLoad,
      serialSeconds: serial.seconds,
      parallelFitSeconds: parallelFit.seconds,
      parallelRunsSeconds: parallelRuns.seconds,
      identical,
      best,
      cells: serial.cells,
    };
    rows.push({
      dataset: `${data.name} grid 6×4×20 it`,
      ratings: train.nnz,
      d: "1–50",
      threads: 1,
      solver: "cholesky",
      secondsTotal: serial.seconds,
    });
    rows.push({
      dataset: `${data.name} grid (parallel fit)`,
      ratings: train.nnz,
      d: "1–50",
      threads: 2,
      solver: "cholesky",
      secondsTotal: parallelFit.seconds,
    });
    rows.push({
      dataset: `${data.name} grid (2 runs at once)`,
      ratings: train.nnz,
      d: "1–50",
      threads: 2,
      solver: "cholesky",
      secondsTotal: parallelRuns.seconds,
    });
  }
  await stopAlsThreads();

  // ---- 3. SGD. ----
  console.log("");
  const sgd = benchSgd({ factors: 100, epochs: quick ? 10 : 20, dataDir, log: (s) => console.log(`SGD ${s}`) });
  rows.push({
    dataset: `${data.name} biased SGD`,
    ratings: sgd.ratings,
    d: 100,
    threads: 1,
    solver: "sgd",
    sgdUpdatesPerSecond: sgd.bareUpdatesPerSecond,
    sgdFitUpdatesPerSecond: sgd.fullUpdatesPerSecond,
  });
  const mainRssMB = process.resourceUsage().maxRSS / 1024;

  // ---- 4. Scaling series. ----
  const scale = [];
  if (!has("no-scale")) {
    const sizes = quick ? ["1M", "5M"] : ["1M", "5M", "25M"];
    console.log("");
    for (const s of sizes) {
      const args = [
        path.join(__dirname, "bench-scale.js"),
        "--scale",
        s,
        "--d",
        "64",
        "--threads",
        "2",
        "--solver",
        "cg",
        "--cg-steps",
        "3",
        "--iterations",
        s === "25M" ? "2" : "3",
        "--json",
      ];
      const before = load();
      const r = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
      const line = (r.stdout || "").split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (r.status !== 0 || !line) {
        console.log(`scale ${s}: FAILED (exit ${r.status}${r.signal ? `, ${r.signal}` : ""})`);
        scale.push({ scale: s, failed: true, status: r.status, signal: r.signal });
        continue;
      }
      const res = { scale: s, loadAverageBefore: before, ...JSON.parse(line.slice("BENCH_JSON ".length)) };
      scale.push(res);
      rows.push({
        dataset: res.data,
        ratings: res.nRatings,
        d: 64,
        threads: 2,
        solver: "cg(3)",
        secondsPerIteration: res.iterationSeconds + res.metricsSeconds,
        rssMB: res.maxRssMB,
        dataSeconds: res.dataSeconds + res.csrSeconds,
      });
    }
    const base = scale.find((x) => !x.failed);
    for (const x of scale) {
      if (x.failed) continue;
      // A fit's iteration: both half-steps + the objective / train-error pass fitAls makes after them.
      x.fitIterationSeconds = x.iterationSeconds + x.metricsSeconds;
      x.endToEndFirstIterationSeconds = x.dataSeconds + x.csrSeconds + x.iterationSecondsAll[0] + x.metricsSeconds;
      x.secondsPerIterationPerMillion = x.fitIterationSeconds / (x.nRatings / 1e6);
      x.linearityVsFirst = base ? x.secondsPerIterationPerMillion / base.secondsPerIterationPerMillion : NaN;
    }
  }

  // ---- Table and targets. ----
  console.log(`\n${table(rows, mainRssMB)}`);
  const it50 = perIteration.find((r) => r.d === 50 && r.threads === 1 && r.solver === "cholesky");
  const s25 = scale.find((x) => x.scale === "25M" && !x.failed);
  const targets = [
    { target: "ML-100K u1 exact ALS iteration, d = 50, 1 thread ≤ 0.08 s", value: it50.iterationSeconds, pass: it50.iterationSeconds <= 0.08 },
    grid && {
      target: "6×4 grid (20 iterations) with 2 threads ≤ 20 s (best of parallel fit / parallel runs)",
      value: Math.min(grid.parallelFitSeconds, grid.parallelRunsSeconds),
      pass: Math.min(grid.parallelFitSeconds, grid.parallelRunsSeconds) <= 20,
    },
    {
      target: "biased SGD ≥ 3 M updates/s per thread at 100 factors (bare pass)",
      value: sgd.bareUpdatesPerSecond,
      pass: sgd.bareUpdatesPerSecond >= 3e6,
    },
    s25 && {
      target: "25M synthetic, CG d = 64, 2 threads: ≤ 12 s per iteration (half-steps + error pass)",
      value: s25.fitIterationSeconds,
      pass: s25.fitIterationSeconds <= 12,
    },
    s25 && {
      target: "25M synthetic: generate + CSR + first iteration (with error pass) ≤ 12 s",
      value: s25.endToEndFirstIterationSeconds,
      pass: s25.endToEndFirstIterationSeconds <= 12,
    },
    s25 && { target: "25M synthetic: peak RSS ≤ 3 GB", value: s25.maxRssMB, pass: s25.maxRssMB <= 3072 },
    ...scale
      .filter((x) => !x.failed && x !== scale[0])
      .map((x) => ({
        target: `linear in ratings: s/iteration per M ratings at ${x.scale} within ±25% of ${scale[0].scale}`,
        value: x.linearityVsFirst,
        pass: Math.abs(x.linearityVsFirst - 1) <= 0.25,
      })),
  ].filter(Boolean);
  console.log("\ntargets (issue 6):");
  for (const t of targets) console.log(`  ${t.pass ? "PASS" : "MISS"}  ${t.target}: ${fmt(t.value)}`);

  const out = {
    schema: "mflab.bench/2",
    createdAt: new Date().toISOString(),
    quick,
    env: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      loadAverageStart: part1Load,
      loadAverageEnd: load(),
    },
    dataset: {
      name: data.name,
      source: haveU1 ? dataDir : "random stand-in",
      synthetic: data.synthetic,
      nUsers: train.nUsers,
      nItems: train.nItems,
      nTrain: train.nnz,
      nTest: test.nnz,
    },
    perIteration,
    grid,
    sgd,
    scale,
    mainProcessMaxRssMB: mainRssMB,
    targets,
    table: rows,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

function fmt(v) {
  if (v >= 1e5) return `${(v / 1e6).toFixed(2)} M`;
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 4 : 2);
}

function table(rs, mainRssMB) {
  const { textTable } = require(path.join(dist, "core", "table.js"));
  const right = (header) => ({ header, align: "right" });
  const columns = [
    { header: "dataset" },
    right("ratings"),
    right("d"),
    right("threads"),
    { header: "solver" },
    right("s/iteration"),
    right("total s"),
    right("SGD upd/s"),
    right("peak RSS MB"),
  ];
  const body = rs.map((r) => [
    r.dataset,
    String(r.ratings),
    String(r.d),
    String(r.threads),
    r.solver,
    r.secondsPerIteration !== undefined ? r.secondsPerIteration.toFixed(r.secondsPerIteration < 1 ? 4 : 2) : "",
    r.secondsTotal !== undefined ? r.secondsTotal.toFixed(2) : r.dataSeconds !== undefined ? `data ${r.dataSeconds.toFixed(1)}` : "",
    r.sgdUpdatesPerSecond !== undefined ? `${(r.sgdUpdatesPerSecond / 1e6).toFixed(2)} M (fit ${(r.sgdFitUpdatesPerSecond / 1e6).toFixed(2)} M)` : "",
    r.rssMB ? r.rssMB.toFixed(0) : `(${mainRssMB.toFixed(0)})`,
  ]);
  return `${textTable(columns, body)}\n(peak RSS in parentheses: the whole bench process, shared by the ML-100K rows)`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
