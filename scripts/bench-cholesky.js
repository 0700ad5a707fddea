#!/usr/bin/env node
/**
 * Micro-benchmark of the per-row solve of exact ALS: scalar `factor.set(A)` + choleskySolveInPlace (what ALS
 * does) against the WebAssembly SIMD kernel `createSimdCholesky(maxK).solve(A, b, k)` (src/linalg/simd-cholesky).
 *
 *   node scripts/bench-cholesky.js [--k 10,11,20,50,51,100] [--ms 150] [--rounds 7] [--json]
 *
 * Needs the compiled library (`npx tsc -p .` → dist/). For each k: a pool of 32 random SPD systems
 * (B Bᵀ + 0.1·I, B k×(k+2) gaussian, seeded; relTol 1e-12 as ALS uses), solved in turn; `rounds` timed rounds of
 * about `ms` milliseconds per method, the methods alternating round by round; reports the median ns per solve
 * (including the copies of A and b each path needs) and the speedup scalar / SIMD. Checks first that the two
 * agree (max relative difference of x, printed).
 */

const path = require("node:path");
const { dist, flagReader, requireBuild, median, load } = require("./bench-common.js");

const prog = "bench-cholesky";
const flag = flagReader(prog);
requireBuild(prog, ["linalg/index.js", "core/index.js"]);
const { choleskySolveInPlace } = require(path.join(dist, "linalg"));
const { createSimdCholesky } = require(path.join(dist, "linalg"));
const { Rng } = require(path.join(dist, "core"));

const ks = flag("k", "10,11,20,50,51,100").split(",").map(Number);
const ms = Number(flag("ms", "150"));
const rounds = Number(flag("rounds", "7"));
const json = process.argv.includes("--json");
const POOL = 32;
const REL_TOL = 1e-12;

function randomSpd(rng, k) {
  const m = k + 2;
  const B = Float64Array.from({ length: k * m }, () => rng.gaussian());
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += B[i * m + t] * B[j * m + t];
      A[i * k + j] = A[j * k + i] = s + (i === j ? 0.1 : 0);
    }
  }
  return A;
}

/** ns per call of `run(count)` (which performs `count` solves), median of `rounds` rounds of ≈ ms each. */
function timer(run) {
  // Calibrate: solves per round.
  let count = 16;
  for (;;) {
    const t0 = performance.now();
    run(count);
    const dt = performance.now() - t0;
    if (dt > ms / 4) {
      count = Math.max(1, Math.round((count * ms) / dt));
      break;
    }
    count *= 2;
  }
  const samples = [];
  return {
    round() {
      const t0 = performance.now();
      run(count);
      samples.push(((performance.now() - t0) * 1e6) / count);
    },
    result: () => median(samples),
  };
}

const maxK = Math.max(...ks);
const simd = createSimdCholesky(maxK);
if (simd === null) {
  console.error(`${prog}: WebAssembly SIMD is unavailable in this runtime; nothing to compare`);
  process.exit(1);
}

const rows = [];
for (const k of ks) {
  const rng = new Rng(1000 + k);
  const As = Array.from({ length: POOL }, () => randomSpd(rng, k));
  const bs = Array.from({ length: POOL }, () => Float64Array.from({ length: k }, () => rng.gaussian()));
  const factor = new Float64Array(k * k);
  const x = new Float64Array(k);

  let maxRel = 0;
  for (let p = 0; p < POOL; p++) {
    const xs = bs[p].slice();
    factor.set(As[p]);
    if (!choleskySolveInPlace(factor, xs, k, REL_TOL)) throw new Error("scalar solve failed");
    x.set(bs[p]);
    if (!simd.solve(As[p], x, k, REL_TOL)) throw new Error("simd solve failed");
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < k; i++) {
      scale = Math.max(scale, Math.abs(xs[i]));
      diff = Math.max(diff, Math.abs(xs[i] - x[i]));
    }
    maxRel = Math.max(maxRel, diff / scale);
  }

  let sink = 0;
  const scalar = timer((count) => {
    for (let c = 0, p = 0; c < count; c++, p = p + 1 === POOL ? 0 : p + 1) {
      factor.set(As[p]);
      x.set(bs[p]);
      choleskySolveInPlace(factor, x, k, REL_TOL);
      sink += x[0];
    }
  });
  const wasm = timer((count) => {
    for (let c = 0, p = 0; c < count; c++, p = p + 1 === POOL ? 0 : p + 1) {
      x.set(bs[p]);
      simd.solve(As[p], x, k, REL_TOL);
      sink += x[0];
    }
  });
  for (let r = 0; r < rounds; r++) {
    scalar.round();
    wasm.round();
  }
  if (!Number.isFinite(sink)) throw new Error("non-finite result");
  const row = { k, scalarNs: scalar.result(), simdNs: wasm.result(), maxRelDiff: maxRel };
  row.speedup = row.scalarNs / row.simdNs;
  rows.push(row);
  if (!json) {
    console.log(
      `k = ${String(k).padStart(3)}: scalar ${row.scalarNs.toFixed(0).padStart(7)} ns, simd ${row.simdNs.toFixed(0).padStart(7)} ns, ` +
        `speedup ${row.speedup.toFixed(2)}×  (max rel diff ${maxRel.toExponential(1)})`,
    );
  }
}
if (json) console.log(JSON.stringify({ node: process.version, load: load(), rows }, null, 2));
else console.log(`node ${process.version}, load ${load().join(" ")}`);
