#!/usr/bin/env node
/**
 * Implicit ALS benchmark (run after `npx tsc -p .`):  node scripts/bench-implicit.js [--data DIR] [--out FILE] [--reps N] [--d D]
 *
 * Times ONE implicit ALS iteration (user half-step + item half-step, YᵀY recomputed in each) at d = 64
 * (λ = 100, α = 5, linear confidence) on MovieLens 100K u1.base, with the exact Cholesky solver and with
 * conjugate gradient (3 steps), on two versions of the data:
 *   - "u1.base ≥ 4": the positives of the accuracy test (ratings ≥ 4, strength = rating; 44,140 entries),
 *   - "u1.base all": every rating as an interaction (strength = rating; 80,000 entries, the larger case).
 * Median of N repetitions (after one warm-up), wall and process CPU seconds; plus the objective evaluation.
 * Node runs this on one core (no workers). Target (issue 8): ≤ 0.2 s per iteration.
 * Writes results/bench/implicit.json.
 *
 * Data: --data DIR, else $MFLAB_ML100K, else <repo>/../shared/datasets/ml-100k. When u1.base is missing a
 * random 943×1682 matrix with 80k entries (ratings 1..5, seed 0) is used instead and labelled so.
 */

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { root, dist, DEFAULT_ML100K_DIR, flagReader, requireBuild, now, cpu, median, readU1, randomDistinctRatings } = require("./bench-common.js");

requireBuild("bench-implicit", [path.join("models", "index.js"), path.join("data", "index.js")]);
const { fitImplicitAls, implicitAlsConfig, implicitHalfStep, implicitObjective, ImplicitWorkspace } = require(path.join(dist, "models"));
const { implicitFromRatings } = require(path.join(dist, "data"));
const { Rng } = require(path.join(dist, "core"));

const flag = flagReader("bench-implicit");

const dataDir = path.resolve(flag("data", DEFAULT_ML100K_DIR));
const outFile = path.resolve(flag("out", path.join(root, "results", "bench", "implicit.json")));
const reps = Number(flag("reps", "7"));
const d = Number(flag("d", "64"));
for (const [k, v] of [
  ["reps", reps],
  ["d", d],
]) {
  if (!(Number.isInteger(v) && v >= 1)) {
    console.error(`bench-implicit: --${k} must be a positive integer, got ${v}`);
    process.exit(2);
  }
}

function loadBase(dir) {
  return { name: "ml-100k/u1.base", source: dir, synthetic: false, train: readU1(dir).train };
}

function randomBase() {
  return {
    name: "synthetic-random-943x1682-80k",
    source: "random (NOT MovieLens), seed 0",
    synthetic: true,
    train: randomDistinctRatings(new Rng(0), 943, 1682, 80000),
  };
}

const data = fs.existsSync(path.join(dataDir, "u1.base")) ? loadBase(dataDir) : randomBase();
if (data.synthetic) console.log(`bench-implicit: MovieLens 100K not found at ${dataDir}; using a RANDOM matrix instead`);
const variants = [
  { label: "u1.base ≥ 4", train: implicitFromRatings(data.train, { threshold: 4, value: "rating" }) },
  { label: "u1.base all", train: data.train },
];

const lambda = 100;
const alpha = 5;
const cgSteps = 3;
const rows = [];
for (const { label, train } of variants) {
  for (const solver of ["cholesky", "cg"]) {
    const cfg = implicitAlsConfig({ d, lambda, alpha, solver, cgSteps, iterations: 1 });
    const { model } = fitImplicitAls(train, cfg); // warm-up + a realistic state
    const ws = ImplicitWorkspace.forMatrix(train, d);
    const common = { d, lambda, alpha, confidence: "linear", epsilon: 1, solver, cgSteps };
    const fixedGram = new Float64Array(d * d);
    const userStep = { ...common, csr: train.byUser(), fixed: model.itemFactors, fixedGram, solved: model.userFactors };
    const itemStep = { ...common, csr: train.byItem(), fixed: model.userFactors, fixedGram, solved: model.itemFactors };
    const wall = [];
    const cpus = [];
    const users = [];
    const items = [];
    const objective = [];
    for (let r = 0; r < reps + 1; r++) {
      const c0 = cpu();
      const t0 = now();
      implicitHalfStep(userStep, ws);
      const t1 = now();
      implicitHalfStep(itemStep, ws);
      const t2 = now();
      const c2 = cpu();
      implicitObjective(model, train, cfg);
      const t3 = now();
      if (r === 0) continue;
      wall.push(t2 - t0);
      cpus.push(c2 - c0);
      users.push(t1 - t0);
      items.push(t2 - t1);
      objective.push(t3 - t2);
    }
    const row = {
      data: label,
      nnz: train.nnz,
      solver,
      cgSteps: solver === "cg" ? cgSteps : null,
      d,
      lambda,
      alpha,
      simd: ws.simd,
      reps,
      iterationSeconds: median(wall),
      iterationSecondsMin: Math.min(...wall),
      iterationCpuSeconds: median(cpus),
      userHalfStepSeconds: median(users),
      itemHalfStepSeconds: median(items),
      objectiveSeconds: median(objective),
      withinTarget: median(cpus) <= 0.2,
    };
    rows.push(row);
    console.log(
      `${label.padEnd(12)} (${String(train.nnz).padStart(5)} nnz) ${solver.padEnd(8)} d=${d}: one iteration ${row.iterationSeconds.toFixed(4)} s median wall ` +
        `(min ${row.iterationSecondsMin.toFixed(4)}, CPU ${row.iterationCpuSeconds.toFixed(4)}; users ${row.userHalfStepSeconds.toFixed(4)} + items ${row.itemHalfStepSeconds.toFixed(4)}), ` +
        `objective ${row.objectiveSeconds.toFixed(4)} s${row.withinTarget ? "" : "  [OVER the 0.2 s target]"}`,
    );
  }
}

const out = {
  schema: "mflab.bench.implicit/1",
  createdAt: new Date().toISOString(),
  target: { iterationSeconds: 0.2, d: 64, note: "issue 8: one implicit ALS iteration on ML-100K at 64 factors on one core" },
  dataset: { name: data.name, source: data.source, synthetic: data.synthetic, nUsers: data.train.nUsers, nItems: data.train.nItems },
  env: {
    loadAverage: os.loadavg(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
  },
  perIteration: rows,
};
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile}`);
