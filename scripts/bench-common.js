/**
 * Helpers shared by the benchmark scripts (bench.js, bench-implicit.js, bench-sgd.js, bench-scale.js):
 * command-line flags, clocks, the MovieLens 100K reader and its random stand-in, and the ALS half-step runner.
 * Modules from dist/ are required lazily so that a script can first check that the build exists.
 */

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const dist = path.join(root, "dist");

/** --data default: $MFLAB_ML100K, else <repo>/../shared/datasets/ml-100k. */
const DEFAULT_ML100K_DIR = process.env.MFLAB_ML100K || path.join(root, "..", "shared", "datasets", "ml-100k");

/** `flag(name, fallback)`: the value after --name (exit 2 with "<prog>: --name needs a value" when it is missing). */
function flagReader(prog) {
  return function flag(name, fallback) {
    const k = process.argv.indexOf(`--${name}`);
    if (k < 0) return fallback;
    const v = process.argv[k + 1];
    if (v === undefined || v.startsWith("--")) {
      console.error(`${prog}: --${name} needs a value`);
      process.exit(2);
    }
    return v;
  };
}

/** Exit 1 with "<prog>: <file> not found; build first" unless every dist/ file exists. */
function requireBuild(prog, files) {
  for (const f of files) {
    if (!fs.existsSync(path.join(dist, f))) {
      console.error(`${prog}: ${path.join(dist, f)} not found; build first (npx tsc -p .)`);
      process.exit(1);
    }
  }
}

/** Wall clock in seconds. */
const now = () => performance.now() / 1000;
/** Process CPU seconds (user + system, all threads). */
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
/** The library's median (dist/core/stats.js; loaded on first use, after the script's requireBuild). */
const median = (xs) => require(path.join(dist, "core", "stats.js")).median(xs);
/** The 1/5/15-minute load averages, rounded to 2 decimals. */
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * MovieLens 100K's official fold u1 from `dir` via the library's loader (train = u1.base, test = u1.test, one id
 * space, ids in order of first appearance, train first).
 */
function readU1(dir) {
  const { loadDataset } = require(path.join(dist, "data"));
  const { train, test } = loadDataset({ kind: "movielens-100k", path: dir, split: "u1" });
  return { train, test };
}

/** `nnz` distinct random (user, item) pairs with ratings 1..5, drawn from `rng` (the stand-in for ML-100K). */
function randomDistinctRatings(rng, nUsers, nItems, nnz) {
  const { RatingsMatrix } = require(path.join(dist, "data"));
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
  return new RatingsMatrix(nUsers, nItems, u, i, v);
}

/**
 * Starts `backend` on the two unbiased ALS half-steps (users over byUser solving W, items over byItem solving H)
 * with the shared fields `common` (d, lambda, …), sized for the longest row of either CSR.
 */
/**
 * The two half-steps of an ALS fit on `backend` (as fitAls sets them up; with `errors` — an AlsRowErrors — the item
 * half-step records each row's training errors, as fitAls does every iteration).
 */
function startAlsHalfSteps(backend, byUser, byItem, W, H, common, errors = null) {
  const steps = [
    { ...common, csr: byUser, fixed: H, fixedBias: null, solved: W, solvedBias: null },
    { ...common, csr: byItem, fixed: W, fixedBias: null, solved: H, solvedBias: null, errors },
  ];
  let maxRow = 0;
  for (const c of [byUser, byItem]) for (let r = 0; r < c.nRows; r++) maxRow = Math.max(maxRow, c.indptr[r + 1] - c.indptr[r]);
  return backend.start(steps, common.d, maxRow);
}

module.exports = {
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
};
