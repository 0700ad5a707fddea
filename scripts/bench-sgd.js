#!/usr/bin/env node
/**
 * SGD throughput benchmark: rating updates per second at 100 factors, one thread.
 *
 *   node scripts/bench-sgd.js [--factors 100] [--epochs 20] [--data <ml-100k dir>]
 *
 * Needs the compiled library (`npx tsc -p .` → dist/). Data: MovieLens 100K u1.base from
 * $MFLAB_ML100K or <repo>/../shared/datasets/ml-100k (read with a tiny loader here); when absent, 80 000
 * synthetic ratings on 943 × 1682 (seeded). Prints two numbers:
 *   - updates/s of the bare SGD pass of the scalar twin (sgdEpoch, the hot loop alone, same order as fit with
 *     shuffle: false; fits use the WebAssembly kernel src/linalg/wasm/sgd.wat, bitwise the same);
 *   - updates/s of a full fitSvd (shuffling, per-epoch loss and train metrics included).
 * Surprise's Cython SVD does about 2.2 M updates/s at 100 factors. The interleaved, load-aware measurement of the
 * SGD family is part of scripts/bench.js.
 * Also a module: `require("./bench-sgd.js").benchSgd({ factors, epochs, dataDir, log })` returns
 * { data, ratings, factors, epochs, bareUpdatesPerSecond, fullUpdatesPerSecond } (used by scripts/bench.js).
 */

const fs = require("node:fs");
const path = require("node:path");
const { dist, DEFAULT_ML100K_DIR, readU1 } = require("./bench-common.js");

const sgd = require(path.join(dist, "models"));
const { RatingsMatrix } = require(path.join(dist, "data"));
const { Rng } = require(path.join(dist, "core"));

function arg(name, fallback) {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 && k + 1 < process.argv.length ? process.argv[k + 1] : fallback;
}

const defaultDataDir = DEFAULT_ML100K_DIR;

function loadU1(dir) {
  const file = path.join(dir, "u1.base");
  if (!fs.existsSync(file)) return undefined;
  return { name: `${file}`, m: readU1(dir).train };
}

function synthetic() {
  const rng = new Rng(42);
  const n = 80000;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    users[k] = rng.int(943);
    items[k] = rng.int(1682);
    values[k] = 1 + rng.int(5);
  }
  return { name: "synthetic 80 000 ratings, 943 × 1682", m: new RatingsMatrix(943, 1682, users, items, values) };
}

function benchSgd({ factors = 100, epochs = 20, dataDir = defaultDataDir, log = console.log } = {}) {
  const data = loadU1(dataDir) || synthetic();
  const train = data.m;
  const n = train.nnz;
  log(`data: ${data.name} (${n} ratings), ${factors} factors, ${epochs} epochs, node ${process.version}`);

  // 1. Bare hot loop.
  const k = factors;
  const rng = new Rng(0);
  const P = new Float64Array(train.nUsers * k).map(() => 0.1 * rng.gaussian());
  const Q = new Float64Array(train.nItems * k).map(() => 0.1 * rng.gaussian());
  const bu = new Float64Array(train.nUsers);
  const bi = new Float64Array(train.nItems);
  const mu = train.mean();
  const pass = () =>
    sgd.sgdEpoch(train.users, train.items, train.values, k, mu, true, bu, bi, P, Q, 0.005, 0.005, 0.005, 0.005, 0.02, 0.02, 0.02, 0.02);
  for (let w = 0; w < 3; w++) pass(); // warm-up (JIT)
  let t0 = process.hrtime.bigint();
  for (let e = 0; e < epochs; e++) pass();
  let sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const bare = (n * epochs) / sec;
  log(`bare SGD pass:      ${(bare / 1e6).toFixed(2)} M updates/s  (${sec.toFixed(3)} s for ${epochs} epochs)`);

  // 2. Full fit, as a user runs it.
  const config = sgd.svdModel.config({ nFactors: factors, nEpochs: epochs });
  sgd.fitSvd(train, { ...config, nEpochs: 2 }); // warm-up
  t0 = process.hrtime.bigint();
  sgd.fitSvd(train, config);
  sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const full = (n * epochs) / sec;
  log(`full fitSvd:        ${(full / 1e6).toFixed(2)} M updates/s  (${sec.toFixed(3)} s; shuffling + per-epoch loss/metrics)`);
  return { data: data.name, ratings: n, factors, epochs, bareUpdatesPerSecond: bare, fullUpdatesPerSecond: full };
}

module.exports = { benchSgd };

if (require.main === module) {
  benchSgd({ factors: Number(arg("factors", "100")), epochs: Number(arg("epochs", "20")), dataDir: arg("data", defaultDataDir) });
}
