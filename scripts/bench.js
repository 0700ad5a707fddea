#!/usr/bin/env node
/**
 * Benchmark suite that holds on a shared machine (`npm run bench` builds first and installs NumPy when missing):
 *
 *   node scripts/bench.js [--compare] [--reps N] [--core C] [--data DIR] [--out FILE] [--quick]
 *                         [--no-grid] [--no-sgd] [--no-iterations] [--implicit] [--scale]
 *
 * Every timed row is measured `--reps` times (default 5, at least 5 unless --quick) after one warm-up round and
 * reports the median and the spread (min–max) of its repeats, the machine load while it ran (os.loadavg()'s
 * 1-minute value sampled before and after every repeat: min–max) and its RATIO TO AN IN-RUN REFERENCE measured
 * interleaved: in every repeat the reference runs right before the mflab variants, and a repeat's ratio is
 * mflab ÷ that repeat's reference; the row shows the median and spread of those ratios. The reference is the
 * assignment's numpy ALS exactly as ../shared/seeds/002_* writes it (scripts/bench-numpy-als.py: dense
 * 943 × 1682 matrix, np.nonzero per row, one np.linalg.solve per row) run by Debian's python3-numpy under
 * /usr/bin/python3 with one BLAS thread (OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = 1).
 *
 * Cores: with taskset available, the reference and every "1 core" variant run pinned to the same core (`--core`,
 * default the last one; this process re-pins all its threads with `taskset -a -p` before each variant), the
 * "2 cores" variants on all cores. Without taskset nothing is pinned (said in the output).
 *
 * Rows (ML-100K u1: 80 000 training ratings, 20 000 test):
 *   1. ALS iteration per d ∈ {1, 2, 5, 10, 20, 50, 100} (λ = 1, exact Cholesky, both half-steps with the training
 *      errors the item half-step records, as fitAls): 1 thread and 2 threads (the thread count fitAls actually
 *      uses for that size — see alsEffectiveThreads); reference: numpy's iteration at the same d and λ.
 *   2. The assignment grid d ∈ {1, 2, 5, 10, 20, 50} × λ ∈ {1, 2, 4, 6}, 20 iterations each, test error every
 *      iteration: one fit at a time on 1 core, and two fits at a time (two worker threads, the sweep scheduler's
 *      way) on 2 cores; both give identical numbers (checked). Reference: the numpy seed on the same 24 cells,
 *      `--numpy-iterations` K (default 1) timed iterations per cell, scaled to 20 (numpy's iteration does the same
 *      work whatever the iterate: dense nonzero scans and one solve per row), i.e. grid ≈ Σ_cells 20/K · Σ its K.
 *   3. SGD family on one core, whole fit at the reference defaults (svd: 100 factors, 20 epochs; nmf: its
 *      defaults), updates/s = ratings × epochs ÷ fit seconds: svd as configured by default (shuffled), in the
 *      reference library's order (shuffle: false) with and without per-epoch history, the scalar twin of the
 *      kernel, and nmf with its kernel and with its scalar twin. Reference: numpy's d = 10 iteration (a yardstick of the machine's speed at that moment).
 *   --implicit adds scripts/bench-implicit.js, --scale the 1M/5M/25M synthetic series (scripts/bench-scale.js,
 *   each size in its own process; reference measured before and after each size, not interleaved).
 *
 * `--compare` runs only what the side-by-side table needs (the grid and the d = 50 iteration) and prints it:
 * numpy seed, mflab on 1 core, mflab on 2 cores, and the ratios mflab ÷ numpy.
 *
 * Writes results/bench/bench.json (schema mflab.bench/3). Without ML-100K u1 the bench stops (the reference reads
 * the same files).
 */

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");
const { Worker } = require("node:worker_threads");
const { root, dist, DEFAULT_ML100K_DIR, flagReader, requireBuild, now, median, readU1, startAlsHalfSteps } = require("./bench-common.js");

requireBuild("bench", ["models/index.js", "data/index.js", "models/gradient/svd.js", "models/nmf/nmf.js"]);
const models = require(path.join(dist, "models"));
const { fitSvdWith } = require(path.join(dist, "models", "gradient", "svd.js"));
const { fitNmfWith } = require(path.join(dist, "models", "nmf", "nmf.js"));
const { scorePredictor } = require(path.join(dist, "metrics"));

const flag = flagReader("bench");
const has = (name) => process.argv.includes(`--${name}`);

const quick = has("quick");
const compare = has("compare");
const dataDir = path.resolve(flag("data", DEFAULT_ML100K_DIR));
const outFile = path.resolve(flag("out", path.join(root, "results", "bench", compare ? "compare.json" : "bench.json")));
const reps = Number(flag("reps", quick ? "3" : "5"));
if (!(Number.isInteger(reps) && reps >= (quick ? 1 : 5))) {
  console.error(`bench: --reps must be an integer ≥ 5 (≥ 1 with --quick), got ${flag("reps", "")}`);
  process.exit(2);
}
const numpyIterations = Number(flag("numpy-iterations", "1"));
const PYTHON = process.env.MFLAB_PYTHON || "/usr/bin/python3";
const cores = os.cpus().length;
const core = Number(flag("core", String(cores - 1)));
const haveTaskset = fs.existsSync("/usr/bin/taskset") && spawnSync("/usr/bin/taskset", ["-p", String(process.pid)]).status === 0;

if (!fs.existsSync(path.join(dataDir, "u1.base")) || !fs.existsSync(path.join(dataDir, "u1.test"))) {
  console.error(`bench: MovieLens 100K u1.base/u1.test not found in ${dataDir} (--data DIR or $MFLAB_ML100K); the reference needs them`);
  process.exit(1);
}
const { train, test } = readU1(dataDir);

// ---- Pinning and load. ----

const ONE = String(core);
const ALL = `0-${cores - 1}`;
/** Pin every thread of this process to `cpus` ("1", "0-1"); a no-op without taskset. */
function pin(cpus) {
  if (haveTaskset) spawnSync("/usr/bin/taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
}
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

// ---- The reference: the assignment's numpy ALS in one long-lived python process. ----

class NumpyReference {
  static start() {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", PYTHONHASHSEED: "0" };
    const script = path.join(__dirname, "bench-numpy-als.py");
    const probe = spawnSync(PYTHON, ["-c", "import numpy"], { encoding: "utf8" });
    if (probe.status !== 0) {
      console.error(
        `bench: ${PYTHON} cannot import numpy (the reference). Run: node scripts/bootstrap.js --numpy (or: apt-get install -y python3-numpy)`,
      );
      process.exit(1);
    }
    const [cmd, args] = haveTaskset ? ["/usr/bin/taskset", ["-c", ONE, PYTHON, script, dataDir]] : [PYTHON, [script, dataDir]];
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "inherit"] });
    return new NumpyReference(child);
  }
  constructor(child) {
    this.child = child;
    this.buffer = "";
    this.waiting = [];
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf("\n");
      while (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting.shift();
        if (w) w.resolve(JSON.parse(line));
        nl = this.buffer.indexOf("\n");
      }
    });
    child.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`the numpy reference exited (code ${code})`));
    });
    this.ready = new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  request(cmd) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }
  /** Seconds of each of `iterations` numpy ALS iterations at (d, λ). */
  async iterate(d, lambda, iterations = 1) {
    const r = await this.request({ cmd: "iterate", d, lambda, iterations, seed: 0 });
    if (r.error) throw new Error(`numpy reference: ${r.error}`);
    return r;
  }
  close() {
    this.child.stdin.end(`${JSON.stringify({ cmd: "quit" })}\n`);
  }
}

// ---- Interleaved measurement. ----

const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/**
 * One warm-up round, then `reps` rounds of: load sample, reference (async, seconds), each variant (pinned as it
 * says; fn returns seconds), load sample. Returns per variant the seconds, the reference seconds of the same
 * rounds, the per-round ratios and the load samples.
 */
async function interleaved(reference, variants) {
  const out = variants.map((v) => ({ ...v, seconds: [], ratios: [] }));
  const refSeconds = [];
  const loads = [];
  for (let r = 0; r <= reps; r++) {
    loads.push(load1());
    pin(ONE);
    const ref = await reference();
    for (const v of out) {
      pin(v.cores === 2 ? ALL : ONE);
      const s = await v.fn();
      if (r > 0) {
        v.seconds.push(s);
        v.ratios.push(s / ref);
      }
    }
    if (r > 0) refSeconds.push(ref);
    loads.push(load1());
  }
  pin(ALL);
  const loadRange = [Math.min(...loads.slice(2)), Math.max(...loads.slice(2))];
  return out.map((v) => ({
    variant: v.name,
    cores: v.cores,
    seconds: stats(v.seconds),
    ratio: stats(v.ratios),
    referenceSeconds: stats(refSeconds),
    load: loadRange,
    raw: { seconds: v.seconds, ratios: v.ratios, reference: refSeconds },
    ...(v.extra ? v.extra(v.seconds) : {}),
  }));
}

// ---- 1. ALS iteration per d. ----

/** A runner doing one ALS iteration (both half-steps, errors recorded) at d, λ = 1 on `threads` threads. */
function alsIterationRunner(d, threads) {
  const lambda = 1;
  const { model } = models.fitAls(train, models.alsConfig({ d, lambda, maxIterations: 1, stopping: "none" })); // a realistic state
  const used = models.alsEffectiveThreads(train.nnz, d, threads);
  const backend = used > 1 ? models.threadedAlsBackend(used) : models.SERIAL_ALS_BACKEND;
  const { byUser, byItem } = backend.csr(train);
  const W = backend.allocate(model.userFactors.length);
  const H = backend.allocate(model.itemFactors.length);
  const errors = { out: backend.allocate(3 * byItem.nRows), lo: -Infinity, hi: Infinity };
  const runner = startAlsHalfSteps(
    backend,
    byUser,
    byItem,
    W,
    H,
    { d, lambda, weightedLambda: false, globalMean: model.globalMean, solver: "cholesky", cgSteps: 3 },
    errors,
  );
  return {
    used,
    run() {
      W.set(model.userFactors);
      H.set(model.itemFactors);
      const t0 = now();
      runner.run(0);
      runner.run(1);
      return now() - t0;
    },
    close: () => runner.close(),
  };
}

async function alsIterationRows(numpy, ds) {
  const rows = [];
  for (const d of ds) {
    const one = alsIterationRunner(d, 1);
    const two = alsIterationRunner(d, 2);
    try {
      const res = await interleaved(
        async () => (await numpy.iterate(d, 1, 1)).seconds[0],
        [
          { name: "1 thread", cores: 1, fn: () => one.run() },
          { name: `2 threads${two.used === 1 ? " (fitAls uses 1 at this size)" : ""}`, cores: 2, fn: () => two.run() },
        ],
      );
      for (const r of res) rows.push({ row: `ALS iteration d=${d}`, d, reference: `numpy seed iteration d=${d}, λ=1`, ...r });
      printRows(rows.slice(-2));
    } finally {
      one.close();
      two.close();
    }
  }
  await models.stopAlsThreads();
  return rows;
}

// ---- 2. The assignment grid. ----

const GRID_DS = [1, 2, 5, 10, 20, 50];
const GRID_LAMBDAS = [1, 2, 4, 6];
const GRID_ITERATIONS = 20;
const cells = [];
for (const d of GRID_DS) for (const lambda of GRID_LAMBDAS) cells.push({ d, lambda });

function fitCell(cell) {
  const res = models.fitAls(train, models.alsConfig({ d: cell.d, lambda: cell.lambda, maxIterations: GRID_ITERATIONS, stopping: "none" }), { test });
  const h = res.history;
  const last = h.iteration.length - 1;
  return { d: cell.d, lambda: cell.lambda, trainMse: h.trainMse[last], testMse: h.testMse[last] };
}

let gridCells = null;
let gridIdentical = true;
function gridOneCore() {
  const t0 = now();
  const out = cells.map(fitCell);
  const s = now() - t0;
  gridCells = out;
  return s;
}

/** Two worker threads, each fitting whole cells on one thread (largest d first, handed out on demand). */
function gridTwoAtATime() {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const als = require(workerData.models);
    const { RatingsMatrix } = require(workerData.data);
    const mk = (m) => new RatingsMatrix(m.nUsers, m.nItems, m.users, m.items, m.values);
    const train = mk(workerData.train), test = mk(workerData.test);
    parentPort.on("message", (cell) => {
      const res = als.fitAls(train, als.alsConfig({ d: cell.d, lambda: cell.lambda, maxIterations: ${GRID_ITERATIONS}, stopping: "none" }), { test });
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
    for (let w = 0; w < 2; w++) {
      const worker = new Worker(code, {
        eval: true,
        workerData: { models: path.join(dist, "models"), data: path.join(dist, "data"), train: ser(train), test: ser(test) },
      });
      pool.push(worker);
      const next = () => {
        const cell = queue.shift();
        if (cell === undefined) {
          if (running === 0) {
            const s = now() - t0;
            for (const p of pool) void p.terminate();
            if (gridCells) {
              for (const c of gridCells) {
                const o = results.find((r) => r.d === c.d && r.lambda === c.lambda);
                if (!o || o.testMse !== c.testMse || o.trainMse !== c.trainMse) gridIdentical = false;
              }
            }
            resolve(s);
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

async function gridRows(numpy) {
  const scale = GRID_ITERATIONS / numpyIterations;
  const numpyGrid = async () => {
    let s = 0;
    for (const c of cells) for (const x of (await numpy.iterate(c.d, c.lambda, numpyIterations)).seconds) s += x;
    return s * scale;
  };
  const res = await interleaved(numpyGrid, [
    { name: "one fit at a time, 1 core", cores: 1, fn: gridOneCore },
    { name: "two fits at a time, 2 cores", cores: 2, fn: gridTwoAtATime },
  ]);
  const best = gridCells.reduce((a, b) => (b.testMse < a.testMse ? b : a));
  const rows = res.map((r) => ({
    row: `assignment grid 6×4×${GRID_ITERATIONS} it`,
    reference: `numpy seed, same 24 cells (${numpyIterations} timed iteration${numpyIterations > 1 ? "s" : ""} per cell × ${scale})`,
    ...r,
  }));
  printRows(rows);
  console.log(
    `  identical train/test MSE of all cells in both modes: ${gridIdentical}; best test MSE ${best.testMse.toFixed(4)} at d=${best.d}, λ=${best.lambda}`,
  );
  return { rows, identical: gridIdentical, best, cells: gridCells };
}

// ---- 3. SGD family. ----

async function sgdRows(numpy) {
  const epochs = 20;
  const svd = (over, simd = true, options = {}) => {
    const config = models.svdModel.config({ d: 100, maxIterations: epochs, ...over });
    return () => {
      const t0 = now();
      fitSvdWith(train, config, options, simd);
      return now() - t0;
    };
  };
  const nmfConfig = models.nmfModel.config({});
  const nmf = (simd) => () => {
    const t0 = now();
    fitNmfWith(train, nmfConfig, {}, simd);
    return now() - t0;
  };
  const updates = (ep) => (seconds) => ({ updatesPerSecond: stats(seconds.map((s) => (train.nnz * ep) / s)) });
  const res = await interleaved(
    async () => (await numpy.iterate(10, 1, 1)).seconds[0],
    [
      { name: "svd default (shuffled, history on)", cores: 1, fn: svd({}), extra: updates(epochs) },
      { name: "svd reference order, history on", cores: 1, fn: svd({ shuffle: false }), extra: updates(epochs) },
      { name: "svd reference order, history off", cores: 1, fn: svd({ shuffle: false }, true, { history: false }), extra: updates(epochs) },
      { name: "svd reference order, history on, scalar twin", cores: 1, fn: svd({ shuffle: false }, false), extra: updates(epochs) },
      { name: `nmf default (d=${nmfConfig.d}, ${nmfConfig.maxIterations} epochs)`, cores: 1, fn: nmf(true), extra: updates(nmfConfig.maxIterations) },
      { name: "nmf default, scalar twin", cores: 1, fn: nmf(false), extra: updates(nmfConfig.maxIterations) },
    ],
  );
  const rows = res.map((r) => ({ row: "SGD family, whole fit u1", reference: "numpy seed iteration d=10, λ=1 (machine yardstick)", ...r }));
  printRows(rows);
  // Accuracy on u1 (unchanged by the kernel: bitwise the scalar twin's model).
  const rmse = {};
  for (const [name, shuffle, simd] of [
    ["default", true, true],
    ["default scalar", true, false],
    ["reference order", false, true],
    ["reference order scalar", false, false],
  ]) {
    rmse[name] = scorePredictor(fitSvdWith(train, models.svdModel.config({ shuffle }), {}, simd).model, test).rmse;
  }
  console.log(
    `  svd test RMSE on u1: default ${rmse.default.toFixed(4)} (scalar twin ${rmse["default scalar"].toFixed(4)}), reference order ${rmse["reference order"].toFixed(4)} (scalar twin ${rmse["reference order scalar"].toFixed(4)})`,
  );
  return { rows, rmse };
}

// ---- Printing. ----

const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));
const range = (s) => `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;

function printRows(rows) {
  for (const r of rows) {
    const ups = r.updatesPerSecond
      ? `  ${(r.updatesPerSecond.median / 1e6).toFixed(2)} M upd/s [${(r.updatesPerSecond.min / 1e6).toFixed(2)}–${(r.updatesPerSecond.max / 1e6).toFixed(2)}]`
      : "";
    console.log(
      `${r.row} · ${r.variant}: ratio ${range(r.ratio)} · ${range(r.seconds)} s · ref ${range(r.referenceSeconds)} s${ups} · load ${r.load[0]}–${r.load[1]}`,
    );
  }
}

function summaryTable(rows) {
  const { textTable } = require(path.join(dist, "core", "table.js"));
  const right = (header) => ({ header, align: "right" });
  const columns = [
    { header: "row" },
    { header: "variant" },
    right("ratio to ref (median [range])"),
    right("seconds (median [range])"),
    right("M updates/s"),
    right("load"),
  ];
  const body = rows.map((r) => [
    r.row,
    r.variant,
    range(r.ratio),
    range(r.seconds),
    r.updatesPerSecond
      ? `${(r.updatesPerSecond.median / 1e6).toFixed(2)} [${(r.updatesPerSecond.min / 1e6).toFixed(2)}–${(r.updatesPerSecond.max / 1e6).toFixed(2)}]`
      : "",
    `${r.load[0]}–${r.load[1]}`,
  ]);
  return textTable(columns, body);
}

function compareTable(gridRowsOut, d50Rows) {
  const { textTable } = require(path.join(dist, "core", "table.js"));
  const right = (header) => ({ header, align: "right" });
  const columns = [
    { header: "work" },
    right("numpy seed, 1 core (s)"),
    right("mflab 1 core (s)"),
    right("ratio 1 core"),
    right("mflab 2 cores (s)"),
    right("ratio 2 cores"),
    right("load"),
  ];
  const line = (label, one, two) => [
    label,
    range(one.referenceSeconds),
    range(one.seconds),
    range(one.ratio),
    range(two.seconds),
    range(two.ratio),
    `${Math.min(one.load[0], two.load[0])}–${Math.max(one.load[1], two.load[1])}`,
  ];
  const body = [];
  if (gridRowsOut) body.push(line(`assignment grid 6×4, ${GRID_ITERATIONS} iterations`, gridRowsOut[0], gridRowsOut[1]));
  if (d50Rows) body.push(line("ALS iteration d = 50, λ = 1", d50Rows[0], d50Rows[1]));
  return textTable(columns, body);
}

// ---- Main. ----

async function main() {
  console.log(
    `mflab bench — node ${process.version}, ${cores} cores (${os.cpus()[0]?.model ?? "?"}), load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}, ${reps} repeats after a warm-up${quick ? ", --quick" : ""}`,
  );
  console.log(
    haveTaskset
      ? `pinning: the reference and the 1-core variants on core ${ONE}, the 2-core variants on ${ALL} (taskset)`
      : "pinning: none (no taskset here): the reference and mflab share whatever cores the OS gives them",
  );
  const numpy = NumpyReference.start();
  const info = await numpy.ready;
  console.log(`reference: the assignment's numpy ALS (scripts/bench-numpy-als.py), numpy ${info.numpy}, python ${info.python}, one BLAS thread`);
  console.log(`data: ML-100K u1 (${train.nUsers}×${train.nItems}, ${train.nnz} train / ${test.nnz} test)\n`);
  const startLoad = os.loadavg();
  const out = { iterations: [], grid: null, sgd: null };
  try {
    if (!has("no-iterations")) out.iterations = await alsIterationRows(numpy, compare ? [50] : [1, 2, 5, 10, 20, 50, 100]);
    if (!has("no-grid")) out.grid = await gridRows(numpy);
    if (!compare && !has("no-sgd")) out.sgd = await sgdRows(numpy);
  } finally {
    numpy.close();
  }
  if (!compare && has("implicit")) spawnSync(process.execPath, [path.join(__dirname, "bench-implicit.js"), "--data", dataDir], { stdio: "inherit" });
  if (!compare && has("scale")) out.scale = scaleSeries(quick ? ["1M", "5M"] : ["1M", "5M", "25M"], quick ? 1 : 2);

  const rows = [...out.iterations, ...(out.grid ? out.grid.rows : []), ...(out.sgd ? out.sgd.rows : [])];
  if (!compare) console.log(`\n${summaryTable(rows)}`);
  const d50 = out.iterations.filter((r) => r.d === 50);
  if (out.grid || d50.length === 2) {
    console.log(`\nside by side (ratio = mflab ÷ numpy seed, measured interleaved; median [range] of ${reps} repeats):`);
    console.log(compareTable(out.grid?.rows, d50.length === 2 ? d50 : null));
  }

  const targets = [];
  if (out.grid) {
    targets.push({
      target: "assignment grid, 1 core: ratio ≤ 0.35",
      value: out.grid.rows[0].ratio.median,
      pass: out.grid.rows[0].ratio.median <= 0.35,
    });
    targets.push({
      target: "assignment grid, 2 cores: ratio ≤ 0.18",
      value: out.grid.rows[1].ratio.median,
      pass: out.grid.rows[1].ratio.median <= 0.18,
    });
  }
  if (out.sgd) {
    const ups = (k) => out.sgd.rows[k].updatesPerSecond.median;
    targets.push({ target: "svd whole fit, history off (reference order): ≥ 5 M updates/s", value: ups(2), pass: ups(2) >= 5e6 });
    targets.push({ target: "svd whole fit, history on (reference order): ≥ 4 M updates/s", value: ups(1), pass: ups(1) >= 4e6 });
  }
  for (const d of new Set(out.iterations.map((r) => r.d))) {
    const [one, two] = out.iterations.filter((r) => r.d === d);
    const same = models.alsEffectiveThreads(train.nnz, d, 2) === 1;
    targets.push({
      target: same
        ? `ALS d=${d}: 2 threads asked, fitAls runs 1 (the same code as the 1-thread row; the measured ratio is this run's noise)`
        : `ALS d=${d}: 2 threads not slower than 1 (median seconds, 5 % tolerance)`,
      value: two.seconds.median / one.seconds.median,
      pass: same || two.seconds.median <= one.seconds.median * 1.05,
    });
  }
  if (out.scale?.perRating["25M"]) {
    const r = out.scale.perRating["25M"].ratio;
    targets.push({
      target: "25M ALS iteration: cost per rating within ±25 % of 1M's (median ratio of interleaved rounds)",
      value: r.median,
      pass: r.median >= 0.75 && r.median <= 1.25,
    });
  }
  if (targets.length > 0) {
    console.log("\ntargets (issue 15):");
    for (const t of targets)
      console.log(`  ${t.pass ? "PASS" : "MISS"}  ${t.target}: ${t.value >= 1e5 ? `${(t.value / 1e6).toFixed(2)} M` : t.value.toFixed(3)}`);
  }
  const result = {
    schema: "mflab.bench/3",
    createdAt: new Date().toISOString(),
    compare,
    reps,
    env: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores,
      pinned: haveTaskset ? { oneCore: ONE, twoCores: ALL } : null,
      reference: { script: "scripts/bench-numpy-als.py", ...info },
      loadAverageStart: startLoad,
      loadAverageEnd: os.loadavg(),
    },
    rows,
    grid: out.grid && { identical: out.grid.identical, best: out.grid.best, cells: out.grid.cells },
    sgdRmse: out.sgd?.rmse ?? null,
    scale: out.scale ?? null,
    targets,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

/**
 * The ALS scaling series (issue 15 item 4): each size in its own process (scripts/bench-scale.js, d = 64, 2 threads,
 * CG 3 steps, 4 iterations), the sizes interleaved in `rounds` rounds. A size's cost per rating is the median of
 * its iterations after the first (the first starts the threads) ÷ its ratings; its ratio to 1M's is taken within
 * each round, so load changes between rounds cancel.
 */
function scaleSeries(sizes, rounds) {
  const perRound = [];
  for (let k = 0; k < rounds; k++) {
    const round = {};
    for (const size of sizes) {
      const r = spawnSync(
        process.execPath,
        [
          path.join(__dirname, "bench-scale.js"),
          "--scale",
          size,
          "--d",
          "64",
          "--threads",
          "2",
          "--solver",
          "cg",
          "--cg-steps",
          "3",
          "--iterations",
          "4",
          "--json",
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("BENCH_JSON "));
      if (r.status !== 0 || !line) throw new Error(`bench-scale ${size} failed (exit ${r.status})`);
      const j = JSON.parse(line.slice("BENCH_JSON ".length));
      const nsPerRating = (median(j.iterationSecondsAll.slice(1)) / j.nRatings) * 1e9;
      round[size] = { nsPerRating, peakRssMB: j.maxRssMB, load: j.loadAverage[0] };
      console.log(
        `scale ${size}, round ${k + 1}: ${j.nUsers} users × ${j.nItems} items, iteration ${median(j.iterationSecondsAll.slice(1)).toFixed(3)} s = ${nsPerRating.toFixed(0)} ns per rating, peak RSS ${j.maxRssMB.toFixed(0)} MB (load ${j.loadAverage[0].toFixed(1)})`,
      );
    }
    perRound.push(round);
  }
  const perRating = {};
  for (const size of sizes) {
    const ns = perRound.map((r) => r[size].nsPerRating);
    const ratios = perRound.map((r) => r[size].nsPerRating / r["1M"].nsPerRating);
    perRating[size] = { ns: stats(ns), ratio: stats(ratios) };
    console.log(`scale ${size}: ${range(perRating[size].ns)} ns per rating; ÷ 1M's in the same round: ${range(perRating[size].ratio)}`);
  }
  return { rounds: perRound, perRating };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
