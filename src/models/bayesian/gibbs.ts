/**
 * The Gibbs sampler behind `bpmf` (./bpmf.ts) and `bayes-svdpp` (./bayes-svdpp.ts): one engine, the model's
 * terms switched on by {@link GibbsSettings}. The mathematics (model, priors, conditionals, what is reported)
 * is stated in those two files' doc comments; this file states only how a sweep is organised.
 *
 * One sweep (= one iteration of the fit), every block drawn from its full conditional given the current value
 * of all others:
 *   1. user hyperparameters (μ_U, Λ_U) | U     — Normal–Wishart (./sampling.ts), over users with ratings
 *   2. every user row [u; b_u] | rest          — Gaussian, precision Λ_U + α X̃ᵀX̃ (X̃ = [item factors, 1])
 *   3. item hyperparameters (μ_V, Λ_V) | V, then every item row [v; c_i] | rest (X̃ = [user factors, 1])
 *   4. (implicit) (μ_Y, Λ_Y) | Y, then y_j | rest for each item j in index order (sequential: each y_j changes
 *      the conditionals of the next ones through the users who rated both)
 *   5. (timeBins > 0) precision τ of the time-bin biases | c_bin, then every c_{i,bin} | rest
 *   6. (sampleAlpha) the noise precision α | residuals — Gamma(a₀ + n/2, b₀ + SSE/2)
 * then, after `burnIn` sweeps, every `thin`-th sweep's state is kept as a sample: its predictions of the training
 * and test entries are added to running sums (the per-iteration errors are those of the running average) and
 * its factor rows are stored (predictions for any pair are averages over the stored samples).
 *
 * Rows (steps 2–3, ./gibbs-rows.ts) reuse ALS's kernels: the row's X̃ᵀX̃ and X̃ᵀt from the WebAssembly Gram
 * assembly (`GramAssembler`, src/linalg/gram.ts), then Cholesky (src/linalg): the posterior precision is factored once and serves
 * both the mean (two triangular solves) and the draw (one more back-substitution). Each row draws from its own
 * generator, seeded by (seed, sweep, block, row) ({@link rowSeed}), so the numbers do not depend on the order
 * in which rows are visited.
 *
 * Threads (`threads` > 1): the rows of steps 2 and 3 are split over worker threads by ALS's thread backend
 * (../als/als-threads.ts: rows handed out in chunks by an atomic counter, a barrier at the end of each
 * half-sweep), with the state both read (factors, biases, time-bin biases, implicit sums, targets, the CSR views)
 * and the half-sweep's hyperparameters, α and sweep number on SharedArrayBuffers. Every row's draw depends only
 * on its (seed, sweep, block, row) and on the fixed side, so the numbers are bitwise those of one thread. The
 * hyperparameter draws (Normal–Wishart, α, τ), the sequential implicit step 4, the time-bin step 5 and the passes
 * over the ratings stay on the calling thread. How many threads a fit uses: {@link gibbsEffectiveThreads}.
 */
import { InputError } from "../../core/errors";
import { Rng } from "../../core/random";
import { buildCsr, type Csr, type RatingsMatrix } from "../../data/ratings";
import type { ErrorMetrics } from "../../metrics/accuracy";
import type { AlsHalfStepRunner } from "../als/als-rows";
import { alsEffectiveThreads } from "../als/als";
import { sharedFloat64, sharedInt32, startAlsThreads } from "../als/als-threads";
import { emptyHistory, recordIteration, type FitOptions, type FitResult, type IterationReport, type Predictor } from "../types";
import { gibbsHalfSweep, GibbsRowWorkspace, type GibbsRowStep } from "./gibbs-rows";
import { DenseScratch, drawGaussianFromPrecision, drawNormalWishart, gammaDraw, rowSeed, type NormalWishartPrior } from "./sampling";

/** What the engine samples and how (validated configs of ./bpmf.ts and ./bayes-svdpp.ts map onto this). */
export interface GibbsSettings {
  d: number;
  maxIterations: number;
  burnIn: number;
  thin: number;
  seed: number;
  biases: boolean;
  beta0: number;
  alpha: number;
  sampleAlpha: boolean;
  alphaShape: number;
  alphaRate: number;
  initScale: number;
  /** SVD++'s implicit term |N(u)|^{-1/2} Σ_{j∈N(u)} y_j added to the user factors. */
  implicit: boolean;
  /** Time bins of the item bias c_{i,bin(t)} (0: none). */
  timeBins: number;
  /** Name for messages. */
  model: string;
  /**
   * Threads for the row draws of a half-sweep (this one + threads − 1 workers; module doc), used as given:
   * the models apply {@link gibbsEffectiveThreads} first. Absent: 1.
   */
  threads?: number;
}

/**
 * The threads a Gibbs fit uses for `requested` threads: ALS's rule ({@link alsEffectiveThreads}, exact solver) —
 * a row draw costs what an exact ALS row solve costs (the same Gram, Cholesky and two triangular solves, plus
 * one back-substitution), so a half-sweep has nnz·k² multiply-adds and a second thread is used only above 10⁷
 * per extra thread (ML-100K, 80 000 ratings with biases: from d = 15 on). The rest of a sweep (hyperparameters,
 * passes over the ratings, the implicit and time-bin steps) is serial, so a sweep gains less than an ALS
 * iteration from threads.
 */
export function gibbsEffectiveThreads(nnz: number, k: number, requested: number): number {
  return alsEffectiveThreads(nnz, k, requested, "cholesky");
}

/**
 * Extra bytes of a fit on `threads` > 1 threads (an upper estimate for the models' `memoryBytes`): shared copies
 * of both CSR views, the targets and time bins (32 bytes per rating), and per thread the row workspace (the
 * k × longest-row design, the row's targets).
 */
export function gibbsThreadBytes(
  shape: { nUsers: number; nItems: number; nnz: number },
  c: { d: number; biases: boolean; threads?: number },
): number {
  const threads = c.threads ?? 1;
  if (threads <= 1) return 0;
  const k = c.d + (c.biases ? 1 : 0);
  const longestRow = Math.min(shape.nnz, Math.max(shape.nUsers, shape.nItems));
  return 32 * shape.nnz + 8 * threads * (k + 2) * longestRow;
}

/** Block numbers for {@link rowSeed}. */
const BLOCK = { userHyper: 0, users: 1, itemHyper: 2, items: 3, implicitHyper: 4, implicit: 5, time: 6, alpha: 7, init: 8 } as const;

/**
 * A fitted Bayesian model: predictions are averages over the stored posterior samples; {@link predictiveSd} gives
 * the posterior predictive standard deviation of a rating.
 */
export class GibbsModel implements Predictor {
  constructor(
    readonly d: number,
    /** Unknowns per stored row: d, or d + 1 with biases (the bias last). */
    readonly k: number,
    readonly nUsers: number,
    readonly nItems: number,
    /** Per sample: user rows (nUsers × k; with the implicit term, u + |N(u)|^{-1/2}Σy), item rows (nItems × k). */
    readonly userSamples: readonly Float64Array[],
    readonly itemSamples: readonly Float64Array[],
    /** Per sample: 1/α, the noise variance. */
    readonly noiseVariances: readonly number[],
    readonly globalMean: number,
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
    readonly biases: boolean,
    /** Mean over samples of c_{i,bin} (nItems × timeBins), or null. */
    readonly timeBias: Float64Array | null,
    readonly timeBins: number,
    readonly timeMin: number,
    readonly timeMax: number,
  ) {}

  /** Number of stored posterior samples. */
  get samples(): number {
    return this.userSamples.length;
  }

  /** The time bin of `time` (clamped to the training range's first / last bin). */
  binOf(time: number): number {
    return timeBin(time, this.timeMin, this.timeMax, this.timeBins);
  }

  /** Average over samples of μ + b_u + c_i + u·v (without a time: no time-bin bias). Fallback: see the model docs. */
  predict(u: number, i: number): number {
    return this.moments(u, i, -1)[0];
  }

  /** As {@link predict}, plus the mean time-bin bias c_{i,bin(time)} (time-bin models). */
  predictAt(u: number, i: number, time: number): number {
    return this.moments(u, i, this.timeBins > 0 ? this.binOf(time) : -1)[0];
  }

  /**
   * Posterior predictive standard deviation of the rating of (u, i) [at `time`]: √(Var_s r̂_s + mean_s 1/α_s) —
   * the spread of the sample predictions plus the noise variance. (The time-bin bias enters through its posterior
   * mean only, so its own spread is not counted.)
   */
  predictiveSd(u: number, i: number, time?: number): number {
    const bin = time !== undefined && this.timeBins > 0 ? this.binOf(time) : -1;
    const [mean, meanSq, noise] = this.moments(u, i, bin);
    return Math.sqrt(Math.max(0, meanSq - mean * mean) + noise);
  }

  isFallback(u: number, i: number): boolean {
    return !(u >= 0 && u < this.nUsers && this.userCounts[u] > 0) || !(i >= 0 && i < this.nItems && this.itemCounts[i] > 0);
  }

  /** [mean, mean of squares, mean noise variance] of the sample predictions. */
  private moments(u: number, i: number, bin: number): [number, number, number] {
    const { k, d } = this;
    const knownUser = u >= 0 && u < this.nUsers && this.userCounts[u] > 0;
    const knownItem = i >= 0 && i < this.nItems && this.itemCounts[i] > 0;
    const S = this.userSamples.length;
    let sum = 0;
    let sumSq = 0;
    let noise = 0;
    const base = this.globalMean + (bin >= 0 && knownItem ? this.timeBias![i * this.timeBins + bin] : 0);
    for (let s = 0; s < S; s++) {
      const U = this.userSamples[s];
      const V = this.itemSamples[s];
      let p = base;
      if (this.biases) {
        if (knownUser) p += U[u * k + d];
        if (knownItem) p += V[i * k + d];
      }
      if (knownUser && knownItem) {
        const ou = u * k;
        const oi = i * k;
        let dot = 0;
        for (let a = 0; a < d; a++) dot += U[ou + a] * V[oi + a];
        p += dot;
      }
      sum += p;
      sumSq += p * p;
      noise += this.noiseVariances[s];
    }
    return [sum / S, sumSq / S, noise / S];
  }
}

export function timeBin(time: number, lo: number, hi: number, bins: number): number {
  if (bins <= 0) return -1;
  const b = Math.floor(((time - lo) * bins) / (hi - lo + 1));
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/** CSR of the entries by row, with `entry[p]` the entry index of CSR position p. */
function entryCsr(nRows: number, nCols: number, rows: Int32Array, cols: Int32Array): Csr & { entry: Int32Array } {
  const ids = new Float64Array(rows.length);
  for (let e = 0; e < ids.length; e++) ids[e] = e;
  const csr = buildCsr(nRows, nCols, rows, cols, ids);
  return { ...csr, entry: Int32Array.from(csr.values) };
}

function counts(csr: Csr): Int32Array {
  const c = new Int32Array(csr.nRows);
  for (let r = 0; r < csr.nRows; r++) c[r] = csr.indptr[r + 1] - csr.indptr[r];
  return c;
}

function rowsWithRatings(c: Int32Array): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < c.length; r++) if (c[r] > 0) out.push(r);
  return Int32Array.from(out);
}

/** Per-block sampler state: the Normal–Wishart draw of one factor matrix and its row scratch. */
interface Hyper {
  lambda: Float64Array;
  mu: Float64Array;
  lambdaMu: Float64Array;
}

function newHyper(k: number, f64: (n: number) => Float64Array = (n) => new Float64Array(n)): Hyper {
  return { lambda: f64(k * k), mu: new Float64Array(k), lambdaMu: f64(k) };
}

/**
 * Run the sampler (module doc) on `train`.
 * @throws InputError for an empty training matrix, a non-finite rating, or time bins without timestamps
 */
export function fitGibbs(train: RatingsMatrix, c: GibbsSettings, options: FitOptions = {}): FitResult<GibbsModel> {
  const started = performance.now();
  const nnz = train.nnz;
  if (nnz === 0) throw new InputError(`${c.model}: the training matrix has no ratings`);
  const { users, items, values } = train;
  for (let e = 0; e < nnz; e++) {
    if (!Number.isFinite(values[e])) throw new InputError(`${c.model}: training rating ${e} (user ${users[e]}, item ${items[e]}) is ${values[e]}`);
  }
  const timeBins = c.timeBins;
  const times = train.timestamps;
  if (timeBins > 0 && times === null) {
    throw new InputError(
      `${c.model}: timeBins is ${timeBins}, but the training ratings have no timestamps (MovieLens files and ratings files with a timestamp column have them); set timeBins to 0`,
    );
  }
  const { d, biases } = c;
  const k = biases ? d + 1 : d;
  const threads = c.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`${c.model}: threads must be an integer ≥ 1, got ${threads}`);
  // What the row draws read or write lives on SharedArrayBuffers when rows run on worker threads.
  const f64 = threads > 1 ? sharedFloat64 : (n: number) => new Float64Array(n);
  const i32 = threads > 1 ? sharedInt32 : (n: number) => new Int32Array(n);
  /** `a` itself on one thread, else a copy on a SharedArrayBuffer. */
  const share = <A extends Float64Array | Int32Array>(a: A): A => {
    if (threads === 1) return a;
    const b = (a instanceof Float64Array ? f64(a.length) : i32(a.length)) as A;
    b.set(a);
    return b;
  };
  const nU = train.nUsers;
  const nI = train.nItems;
  const byUser = entryCsr(nU, nI, users, items);
  const byItem = entryCsr(nI, nU, items, users);
  const userCounts = counts(byUser);
  const itemCounts = counts(byItem);
  const knownUsers = rowsWithRatings(userCounts);
  const knownItems = rowsWithRatings(itemCounts);
  const mu = train.mean();

  let tMin = 0;
  let tMax = 0;
  const bin = new Int32Array(timeBins > 0 ? nnz : 0);
  if (timeBins > 0 && times !== null) {
    tMin = Infinity;
    tMax = -Infinity;
    for (let e = 0; e < nnz; e++) {
      if (times[e] < tMin) tMin = times[e];
      if (times[e] > tMax) tMax = times[e];
    }
    for (let e = 0; e < nnz; e++) bin[e] = timeBin(times[e], tMin, tMax, timeBins);
  }

  // Per CSR position: the rating minus μ and its time bin, in row order (sequential reads in the row loops).
  const centred = (csr: Csr & { entry: Int32Array }) => Float64Array.from(csr.entry, (e) => values[e] - mu);
  const binsOf = (csr: Csr & { entry: Int32Array }) => (timeBins > 0 ? Int32Array.from(csr.entry, (e) => bin[e]) : new Int32Array(0));
  const userTargets = share(centred(byUser));
  const itemTargets = share(centred(byItem));
  const userBins = share(binsOf(byUser));
  const itemBins = share(binsOf(byItem));

  // State. U, V: factors (rows of d); bu, bi: biases; Y, Z: implicit factors and per-user sums; P = U + Z.
  const U = f64(nU * d);
  const V = f64(nI * d);
  const bu = f64(nU);
  const bi = f64(nI);
  const Y = new Float64Array(c.implicit ? nI * d : 0);
  const Z = f64(c.implicit ? nU * d : 0);
  const P = c.implicit ? f64(nU * d) : U;
  const T = f64(nI * Math.max(timeBins, 0));
  let tau = 1;
  let alpha = c.alpha;
  const init = new Rng(rowSeed(c.seed, 0, BLOCK.init, 0));
  for (const r of knownUsers) for (let a = 0; a < d; a++) U[r * d + a] = c.initScale * init.gaussian();
  for (const r of knownItems) for (let a = 0; a < d; a++) V[r * d + a] = c.initScale * init.gaussian();

  const prior: NormalWishartPrior = { beta0: c.beta0, nu0: k };
  const hyperU = newHyper(k, f64);
  const hyperV = newHyper(k, f64);
  const hyperY = newHyper(d);
  const scratch = new DenseScratch(k);
  const scratchY = new DenseScratch(d);
  let maxRow = 1;
  for (const r of knownUsers) maxRow = Math.max(maxRow, userCounts[r]);
  for (const r of knownItems) maxRow = Math.max(maxRow, itemCounts[r]);
  const invSqrtN = new Float64Array(nU);
  for (let u = 0; u < nU; u++) invSqrtN[u] = userCounts[u] > 0 ? 1 / Math.sqrt(userCounts[u]) : 0;

  // Residual / prediction scratch per training entry.
  const pred = new Float64Array(nnz);
  const trainSum = new Float64Array(nnz);
  const test = options.test;
  const nTest = test ? test.nnz : 0;
  const testSum = new Float64Array(nTest);
  const testBin = new Int32Array(timeBins > 0 ? nTest : 0);
  if (test && timeBins > 0) {
    const tt = test.timestamps;
    for (let e = 0; e < nTest; e++) testBin[e] = tt === null ? -1 : timeBin(tt[e], tMin, tMax, timeBins);
  }
  const userSamples: Float64Array[] = [];
  const itemSamples: Float64Array[] = [];
  const noiseVariances: number[] = [];
  const timeBiasSum = new Float64Array(T.length);
  let kept = 0;

  const userRows = { F: U, bias: biases ? bu : null, d };
  const itemRows = { F: V, bias: biases ? bi : null, d };
  const implicitRows = { F: Y, bias: null, d };
  /** One generator, reseeded per row / block (no allocation per row). */
  const rng = new Rng(0);
  const seeded = (sweep: number, block: number, row: number): Rng => rng.reseed(rowSeed(c.seed, sweep, block, row));

  // The two half-sweeps of rows (./gibbs-rows.ts): [α, sweep] in `state`, set before each.
  const state = f64(2);
  const halfSweep = (csr: Csr, targets: Float64Array, bins: Int32Array, hyper: Hyper, block: number) => ({
    kind: "gibbs" as const,
    csr: { nRows: csr.nRows, indptr: share(csr.indptr), indices: share(csr.indices) },
    targets,
    bins,
    timeBias: timeBins > 0 ? T : null,
    timeBins,
    lambda: hyper.lambda,
    lambdaMu: hyper.lambdaMu,
    state,
    seed: c.seed,
    block,
    model: c.model,
    d,
  });
  const steps: GibbsRowStep[] = [
    {
      ...halfSweep(byUser, userTargets, userBins, hyperU, BLOCK.users),
      design: V,
      designBias: biases ? bi : null,
      solved: U,
      solvedBias: biases ? bu : null,
      itemIsRow: false,
      implicit: c.implicit ? { Z, V } : null,
    },
    {
      ...halfSweep(byItem, itemTargets, itemBins, hyperV, BLOCK.items),
      design: P,
      designBias: biases ? bu : null,
      solved: V,
      solvedBias: biases ? bi : null,
      itemIsRow: true,
      implicit: null,
    },
  ];
  /** Runs a half-sweep's rows (index 0: users, 1: items) here or on the threads; started just before the sweeps. */
  const startRunner = (): AlsHalfStepRunner => {
    if (threads > 1) return startAlsThreads(steps, k, maxRow, threads);
    const ws = new GibbsRowWorkspace(k, maxRow);
    return {
      run: (which) => {
        gibbsHalfSweep(steps[which], ws);
        return 0;
      },
      close: () => {},
    };
  };
  const runRows = (which: number, sweep: number): void => {
    state[0] = alpha;
    state[1] = sweep;
    runner.run(which);
  };

  const dot = (A: Float64Array, oa: number, B: Float64Array, ob: number): number => {
    let s = 0;
    for (let a = 0; a < d; a++) s += A[oa + a] * B[ob + a];
    return s;
  };

  /**
   * pred[e] ← the current state's prediction of every training entry and Σ(r − pred)²; in the last pass of a sweep,
   * fused, for a kept sample: trainSum += pred and the running average's (clipped) error sums, with `divisor` samples.
   */
  const trainPass = (keepIt: boolean, divisor: number): { sse: number; se: number; ae: number } => {
    let sse = 0;
    let se = 0;
    let ae = 0;
    for (let e = 0; e < nnz; e++) {
      const u = users[e];
      const i = items[e];
      let p = mu + dot(P, u * d, V, i * d);
      if (biases) p += bu[u] + bi[i];
      if (timeBins > 0) p += T[i * timeBins + bin[e]];
      pred[e] = p;
      const r = values[e] - p;
      sse += r * r;
      if (keepIt) {
        const sum = trainSum[e] + p;
        trainSum[e] = sum;
        let avg = sum / divisor;
        if (avg < lo) avg = lo;
        else if (avg > hi) avg = hi;
        const q = values[e] - avg;
        se += q * q;
        ae += Math.abs(q);
      }
    }
    return { sse, se, ae };
  };

  const history = emptyHistory();
  const clip = options.clip;
  const lo = clip ? clip[0] : -Infinity;
  const hi = clip ? clip[1] : Infinity;
  const metricsOf = (truth: Float64Array, sums: Float64Array, divisor: number): ErrorMetrics => {
    let se = 0;
    let ae = 0;
    for (let e = 0; e < truth.length; e++) {
      let p = sums[e] / divisor;
      if (p < lo) p = lo;
      else if (p > hi) p = hi;
      const r = truth[e] - p;
      se += r * r;
      ae += Math.abs(r);
    }
    const mse = se / truth.length;
    return { mse, rmse: Math.sqrt(mse), mae: ae / truth.length };
  };
  const testPred = new Float64Array(nTest);
  const predictTest = (): void => {
    if (!test) return;
    for (let e = 0; e < nTest; e++) {
      const u = test.users[e];
      const i = test.items[e];
      const ku = u < nU && userCounts[u] > 0;
      const ki = i < nI && itemCounts[i] > 0;
      let p = mu;
      if (ku && ki) p += dot(P, u * d, V, i * d);
      if (biases) {
        if (ku) p += bu[u];
        if (ki) p += bi[i];
      }
      if (timeBins > 0 && ki && testBin[e] >= 0) p += T[i * timeBins + testBin[e]];
      testPred[e] = p;
    }
  };

  // Implicit-step scratch: per user the Gram of its rated items' factors and Σ v_i e_ui.
  const Gu = new Float64Array(c.implicit ? nU * d * d : 0);
  const hu = new Float64Array(c.implicit ? nU * d : 0);
  const Gy = new Float64Array(d * d);
  const hy = new Float64Array(d);
  const xy = new Float64Array(d);
  const zy = new Float64Array(d);
  const delta = new Float64Array(d);

  const refreshP = (): void => {
    if (!c.implicit) return;
    for (let t = 0; t < P.length; t++) P[t] = U[t] + Z[t];
  };

  // Nothing between starting the runner and the try (the finally releases the worker threads).
  const runner = startRunner();
  try {
    for (let sweep = 1; sweep <= c.maxIterations; sweep++) {
      // 1–2. Users.
      drawNormalWishart(seeded(sweep, BLOCK.userHyper, 0), prior, k, knownUsers, userRows, hyperU.lambda, hyperU.mu, hyperU.lambdaMu, scratch);
      runRows(0, sweep);
      refreshP();
      // 3. Items (design: the effective user factors P).
      drawNormalWishart(seeded(sweep, BLOCK.itemHyper, 0), prior, k, knownItems, itemRows, hyperV.lambda, hyperV.mu, hyperV.lambdaMu, scratch);
      runRows(1, sweep);
      // 4. Implicit factors y_j.
      if (c.implicit) {
        trainPass(false, 1);
        Gu.fill(0);
        hu.fill(0);
        for (const u of knownUsers) {
          const og = u * d * d;
          const oh = u * d;
          for (let p = byUser.indptr[u]; p < byUser.indptr[u + 1]; p++) {
            const e = byUser.entry[p];
            const oi = byUser.indices[p] * d;
            const res = values[e] - pred[e];
            for (let a = 0; a < d; a++) {
              const va = V[oi + a];
              hu[oh + a] += va * res;
              for (let b = a; b < d; b++) Gu[og + a * d + b] += va * V[oi + b];
            }
          }
          for (let a = 1; a < d; a++) for (let b = 0; b < a; b++) Gu[og + a * d + b] = Gu[og + b * d + a];
        }
        drawNormalWishart(
          seeded(sweep, BLOCK.implicitHyper, 0),
          { beta0: c.beta0, nu0: d },
          d,
          knownItems,
          implicitRows,
          hyperY.lambda,
          hyperY.mu,
          hyperY.lambdaMu,
          scratchY,
        );
        for (const j of knownItems) {
          // Conditional of y_j: the ratings of every user u who rated j, each with design |N(u)|^{-1/2} v_i.
          Gy.fill(0);
          hy.fill(0);
          const oj = j * d;
          for (let p = byItem.indptr[j]; p < byItem.indptr[j + 1]; p++) {
            const u = byItem.indices[p];
            const s = invSqrtN[u];
            const og = u * d * d;
            const s2 = s * s;
            for (let t = 0; t < d * d; t++) Gy[t] += s2 * Gu[og + t];
            for (let a = 0; a < d; a++) hy[a] += s * hu[u * d + a];
          }
          // h_u holds residuals that include y_j's current contribution: add it back (Gy · y_j).
          for (let a = 0; a < d; a++) {
            let sum = 0;
            for (let b = 0; b < d; b++) sum += Gy[a * d + b] * Y[oj + b];
            hy[a] += sum;
          }
          for (let t = 0; t < d * d; t++) Gy[t] = hyperY.lambda[t] + alpha * Gy[t];
          for (let a = 0; a < d; a++) hy[a] = alpha * hy[a] + hyperY.lambdaMu[a];
          if (!drawGaussianFromPrecision(seeded(sweep, BLOCK.implicit, j), Gy, hy, d, xy, zy)) {
            throw new Error(`${c.model}: the conditional precision of implicit factor ${j} is not positive definite`);
          }
          for (let a = 0; a < d; a++) {
            delta[a] = xy[a] - Y[oj + a];
            Y[oj + a] = xy[a];
          }
          for (let p = byItem.indptr[j]; p < byItem.indptr[j + 1]; p++) {
            const u = byItem.indices[p];
            const s = invSqrtN[u];
            const og = u * d * d;
            for (let a = 0; a < d; a++) {
              Z[u * d + a] += s * delta[a];
              let sum = 0;
              for (let b = 0; b < d; b++) sum += Gu[og + a * d + b] * delta[b];
              hu[u * d + a] -= s * sum;
            }
          }
        }
        refreshP();
      }
      // 5. Time-bin item biases c_{i,bin} ~ N(0, 1/τ), τ ~ Gamma(a₀, b₀).
      if (timeBins > 0) {
        const trng = seeded(sweep, BLOCK.time, 0);
        let sq = 0;
        let nb = 0;
        for (const i of knownItems) {
          for (let b = 0; b < timeBins; b++) {
            sq += T[i * timeBins + b] ** 2;
            nb++;
          }
        }
        tau = gammaDraw(trng, c.alphaShape + nb / 2, c.alphaRate + sq / 2);
        trainPass(false, 1);
        const sums = new Float64Array(T.length);
        const ns = new Int32Array(T.length);
        for (let e = 0; e < nnz; e++) {
          const cell = items[e] * timeBins + bin[e];
          sums[cell] += values[e] - pred[e] + T[cell];
          ns[cell]++;
        }
        for (const i of knownItems) {
          for (let b = 0; b < timeBins; b++) {
            const cell = i * timeBins + b;
            const precision = tau + alpha * ns[cell];
            T[cell] = (alpha * sums[cell]) / precision + trng.gaussian() / Math.sqrt(precision);
          }
        }
      }
      // 6. Noise precision (its residuals from the sweep's last pass, which also accumulates a kept sample).
      const keep = sweep > c.burnIn && (sweep - c.burnIn) % c.thin === 0;
      if (keep) kept++;
      const pass = trainPass(keep, kept);
      const sse = pass.sse;
      if (c.sampleAlpha) alpha = gammaDraw(seeded(sweep, BLOCK.alpha, 0), c.alphaShape + nnz / 2, c.alphaRate + sse / 2);

      // Keep the sample.
      predictTest();
      let train: ErrorMetrics;
      let testMetrics: ErrorMetrics | undefined;
      if (keep) {
        for (let e = 0; e < nTest; e++) testSum[e] += testPred[e];
        const us = new Float64Array(nU * k);
        const is = new Float64Array(nI * k);
        if (biases) {
          for (let u = 0, o = 0, q = 0; u < nU; u++, o += k, q += d) {
            for (let a = 0; a < d; a++) us[o + a] = P[q + a];
            us[o + d] = bu[u];
          }
          for (let i = 0, o = 0, q = 0; i < nI; i++, o += k, q += d) {
            for (let a = 0; a < d; a++) is[o + a] = V[q + a];
            is[o + d] = bi[i];
          }
        } else {
          us.set(P);
          is.set(V);
        }
        userSamples.push(us);
        itemSamples.push(is);
        noiseVariances.push(1 / alpha);
        for (let t = 0; t < T.length; t++) timeBiasSum[t] += T[t];
      }
      if (keep) {
        const mse = pass.se / nnz;
        train = { mse, rmse: Math.sqrt(mse), mae: pass.ae / nnz };
        if (test) testMetrics = metricsOf(test.values, testSum, kept);
      } else if (kept > 0) {
        train = metricsOf(values, trainSum, kept);
        if (test) testMetrics = metricsOf(test.values, testSum, kept);
      } else {
        train = metricsOf(values, pred, 1);
        if (test) testMetrics = metricsOf(test.values, testPred, 1);
      }
      const report: IterationReport = { iteration: sweep, trainLoss: sse, train, seconds: (performance.now() - started) / 1000 };
      if (testMetrics) report.test = testMetrics;
      recordIteration(history, report);
      options.onIteration?.(report);
    }
  } finally {
    runner.close();
  }
  const timeBias = timeBins > 0 ? timeBiasSum.map((v) => v / kept) : null;
  const model = new GibbsModel(
    d,
    k,
    nU,
    nI,
    userSamples,
    itemSamples,
    noiseVariances,
    mu,
    userCounts,
    itemCounts,
    biases,
    timeBias,
    timeBins,
    tMin,
    tMax,
  );
  return { model, iterations: c.maxIterations, converged: false, history };
}
