#!/usr/bin/env node
/**
 * One point of the ALS scaling series, in its own process (so peak RSS is this size's alone):
 *
 *   node scripts/bench-scale.js [--scale 1M|5M|25M|<ratings>] [--file ratings.csv] [--d 64] [--threads 2]
 *                               [--solver cg|cholesky] [--cg-steps 3] [--iterations 2] [--lambda 1] [--json]
 *
 * Data: the synthetic generator at that scale (users/items shaped like MovieLens-25M, typed arrays), or with
 * --file a MovieLens-25M-format ratings.csv read by the streaming loader (progress on stderr).
 * Times: data (generate or load), shared CSR build, each ALS iteration (user + item half-step on `threads`
 * threads, the fitAls code path incl. the training errors its item half-step records; init N(0, 0.1²) seed 0),
 * and the summation of those per-row errors (metricsSeconds). Peak RSS = process.resourceUsage().maxRSS at the end.
 * With --json prints one line `BENCH_JSON {...}` (used by scripts/bench.js); otherwise a short report.
 * Needs the build (npx tsc -p .).
 */

const path = require("node:path");
const os = require("node:os");
const { dist, flagReader, now, cpu, startAlsHalfSteps } = require("./bench-common.js");

const { generateSyntheticMatrix } = require(path.join(dist, "data"));
const { readRatingsFileSync, streamedToMatrix, readProgressPrinter } = require(path.join(dist, "data"));
const als = require(path.join(dist, "models"));
const { threadedAlsBackend, stopAlsThreads } = als;
const { Rng } = require(path.join(dist, "core"));

const arg = flagReader("bench-scale");
const json = process.argv.includes("--json");
const scaleArg = arg("scale", "1M");
const scale = /^\d+$/.test(scaleArg) ? Number(scaleArg) : scaleArg;
const file = arg("file", undefined);
const d = Number(arg("d", "64"));
const threads = Number(arg("threads", "2"));
const solver = arg("solver", "cg");
const cgSteps = Number(arg("cg-steps", "3"));
const iterations = Number(arg("iterations", "2"));
const lambda = Number(arg("lambda", "1"));

const log = (...a) => {
  if (!json) console.log(...a);
  else console.error(...a);
};

let t0 = now();
let matrix;
let dataName;
if (file) {
  const s = readRatingsFileSync(file, { onProgress: readProgressPrinter(path.basename(file)) });
  matrix = streamedToMatrix(s);
  dataName = path.basename(file);
} else {
  matrix = generateSyntheticMatrix({ scale }).matrix;
  dataName = `synthetic-${scaleArg}`;
}
if (process.argv.includes("--relabel")) {
  // Experiment (issue 15 item 4): users and items renumbered by descending rating count, so the factor rows the
  // half-steps gather most often sit together in memory.
  const { RatingsMatrix } = require(path.join(dist, "data"));
  const rank = (idx, n) => {
    const count = new Int32Array(n);
    for (let k = 0; k < idx.length; k++) count[idx[k]]++;
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => count[b] - count[a] || a - b);
    const to = new Int32Array(n);
    order.forEach((old, k) => {
      to[old] = k;
    });
    return to;
  };
  const toUser = rank(matrix.users, matrix.nUsers);
  const toItem = rank(matrix.items, matrix.nItems);
  matrix = new RatingsMatrix(
    matrix.nUsers,
    matrix.nItems,
    matrix.users.map((u) => toUser[u]),
    matrix.items.map((i) => toItem[i]),
    matrix.values,
  );
  dataName += " (relabelled by rating count)";
}
const dataSeconds = now() - t0;
log(
  `${dataName}: ${matrix.nUsers} users × ${matrix.nItems} items, ${matrix.nnz} ratings (${file ? "loaded" : "generated"} in ${dataSeconds.toFixed(2)} s)`,
);

t0 = now();
const backend = threads > 1 ? threadedAlsBackend(threads) : als.SERIAL_ALS_BACKEND;
const { byUser, byItem } = backend.csr(matrix);
const csrSeconds = now() - t0;

const W = backend.allocate(matrix.nUsers * d);
const H = backend.allocate(matrix.nItems * d);
const rng = new Rng(0);
for (let k = 0; k < W.length; k++) W[k] = 0.1 * rng.gaussian();
for (let k = 0; k < H.length; k++) H[k] = 0.1 * rng.gaussian();
const mu = matrix.mean();
// As in fitAls: the item half-step also records every row's training errors (the per-iteration train error).
const errors = { out: backend.allocate(3 * byItem.nRows), lo: -Infinity, hi: Infinity };
const runner = startAlsHalfSteps(backend, byUser, byItem, W, H, { d, lambda, weightedLambda: false, globalMean: mu, solver, cgSteps }, errors);
const perIteration = [];
const cpuPerIteration = [];
const halfSteps = [];
const metricsPerIteration = [];
let sums;
try {
  for (let it = 0; it < iterations; it++) {
    const c0 = cpu();
    const a = now();
    runner.run(0);
    const b = now();
    runner.run(1);
    const c = now();
    sums = [0, 0, 0];
    for (let r = 0; r < byItem.nRows; r++) for (let q = 0; q < 3; q++) sums[q] += errors.out[3 * r + q];
    const e = now();
    perIteration.push(c - a);
    cpuPerIteration.push(cpu() - c0);
    halfSteps.push([b - a, c - b]);
    metricsPerIteration.push(e - c);
    log(
      `  iteration ${it + 1}: ${(c - a).toFixed(2)} s (users ${(b - a).toFixed(2)} + items incl. train errors ${(c - b).toFixed(2)}) + sums ${(e - c).toFixed(3)} s; ` +
        `CPU ${(cpu() - c0).toFixed(2)} s`,
    );
  }
} finally {
  runner.close();
}
const metricsSeconds = [...metricsPerIteration].sort((x, y) => x - y)[metricsPerIteration.length >> 1];
const trainMse = sums[0] / matrix.nnz;
const maxRssMB = process.resourceUsage().maxRSS / 1024;

const sorted = [...perIteration].sort((x, y) => x - y);
const out = {
  data: dataName,
  source: file ? path.resolve(file) : `generateSyntheticMatrix({ scale: ${JSON.stringify(scale)} })`,
  nUsers: matrix.nUsers,
  nItems: matrix.nItems,
  nRatings: matrix.nnz,
  d,
  threads,
  solver,
  cgSteps: solver === "cg" ? cgSteps : undefined,
  lambda,
  dataSeconds,
  csrSeconds,
  iterationSeconds: sorted[sorted.length >> 1],
  iterationSecondsMin: sorted[0],
  iterationSecondsAll: perIteration,
  iterationCpuSeconds: cpuPerIteration,
  halfStepSeconds: halfSteps,
  metricsSeconds,
  metricsThreads: threads,
  trainMse,
  maxRssMB,
  loadAverage: os.loadavg(),
};
log(
  `  data ${dataSeconds.toFixed(2)} s, CSR ${csrSeconds.toFixed(2)} s, iteration ${out.iterationSeconds.toFixed(2)} s (min ${out.iterationSecondsMin.toFixed(2)}), ` +
    `error sums ${metricsSeconds.toFixed(3)} s, train MSE ${trainMse.toFixed(4)}, peak RSS ${maxRssMB.toFixed(0)} MB`,
);
if (json) console.log(`BENCH_JSON ${JSON.stringify(out)}`);
stopAlsThreads().then(() => process.exit(0));
