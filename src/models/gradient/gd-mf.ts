/**
 * "gd-mf": full-batch gradient descent on the observed entries (the lecture's formulation).
 *
 * Model: â_ij = w_i · h_j                          (biased: â_ij = μ + b_i + c_j + w_i · h_j, μ = train mean, fixed)
 * Objective (λ on the squared Frobenius norms, NOT counted per rating — unlike the SGD models):
 *
 *   L(W, H) = Σ_{(i,j)∈Ω} (a_ij − â_ij)² + λ (‖W‖² + ‖H‖²)          (+ λ (‖b‖² + ‖c‖²) when biased)
 *
 * Gradients, with e_ij = a_ij − â_ij:
 *   ∇_{w_i} L = −2 Σ_{j∈Ω_i} e_ij h_j + 2λ w_i        ∇_{h_j} L = −2 Σ_{i∈Ω_j} e_ij w_i + 2λ h_j
 *   ∂L/∂b_i  = −2 Σ_{j∈Ω_i} e_ij + 2λ b_i             ∂L/∂c_j  = −2 Σ_{i∈Ω_j} e_ij + 2λ c_j
 * One epoch = one simultaneous step  W ← W − lr ∇_W L,  H ← H − lr ∇_H L  (and b, c), all gradients computed
 * from the same (W, H, b, c). W is nUsers×d, H is nItems×d, rows for users/items without ratings included
 * (they only shrink by the λ term).
 *
 * Initialization (`seed`, `new Rng(seed)`, W then H): init "normal" → N(0, initScale²); "uniform" →
 * U[0, initScale). Biases start at 0.
 * Stopping: `maxIterations` steps, or earlier when tol > 0 and the relative decrease (L_prev − L)/L_prev is in
 * [0, tol) (then `converged` is true). The step size is fixed; a too large lr makes L grow and eventually
 * overflow, which throws.
 * Defaults: d 10, lr 0.0005, lambda 5, maxIterations 200, init "normal", initScale 0.1, biased false, tol 0, seed 0.
 * (lr must be below ≈ 1/(max ratings per user or item · ‖h‖²); 0.0005 is stable on MovieLens 100K.)
 *
 * Unknown user or item: μ (+ the known side's bias when biased); `isFallback` true.
 * Complexity: O(|Ω|·d) per epoch (one residual/loss pass, one gradient pass) + O((nUsers + nItems)·d);
 * memory O((nUsers + nItems)·d + |Ω|).
 *
 * Throws: SpecError from `config`; Error `GD diverged at epoch k (loss …): lower the learning rate (lr = …)`
 * when the loss becomes NaN/±Infinity.
 */
import type { RatingsMatrix } from "../../data/ratings";
import { Rng } from "../../core/random";
import * as s from "../../core/schema";
import { lambda, lr, maxIterations, modelParams, rank, seed } from "../../core/vocabulary";
import { ErrorAccumulator, countsOf, finishIteration, hasRatings, type TrainEval } from "./svd";
import { defineModel, emptyHistory, type FitOptions, type FitResult, type ModelDefinition, type Predictor } from "../types";

/** The config of `gd-mf`, declared once (shared names: ../vocabulary.ts). */
export const GD_PARAMS = modelParams(
  {
    d: rank({ default: 10, max: 10000 }),
    lr: lr({ default: 0.0005, doc: "step size α" }),
    lambda: lambda({ default: 5, doc: "λ on ‖W‖² + ‖H‖² (and the biases)" }),
    maxIterations: maxIterations({ default: 200, min: 0, max: 1000000, doc: "full-batch gradient steps (the cap when tol > 0)" }),
    init: s.oneOf(["normal", "uniform"], { default: "normal", doc: "normal: N(0, initScale²); uniform: U[0, initScale)" }),
    initScale: s.number({ min: 0, default: 0.1, doc: "standard deviation (normal) or upper bound (uniform) of the initial factors" }),
    biased: s.boolean({ default: false, doc: "add μ + b_i + c_j (μ fixed at the train mean)" }),
    tol: s.number({ min: 0, default: 0, doc: "stop when the relative loss decrease falls below tol (0 = never)" }),
    seed: seed("seed of the initialization"),
  },
  "gd-mf",
);

export type GdConfig = s.Infer<typeof GD_PARAMS>;

/** A fitted gd-mf model: W[u·d + f], H[i·d + f]; b (users) and c (items) are zero when unbiased. */
export class GdPredictor implements Predictor {
  constructor(
    readonly d: number,
    readonly biased: boolean,
    readonly mu: number,
    readonly W: Float64Array,
    readonly H: Float64Array,
    readonly b: Float64Array,
    readonly c: Float64Array,
    readonly userCounts: Int32Array,
    readonly itemCounts: Int32Array,
  ) {}

  predict(u: number, i: number): number {
    const ku = hasRatings(this.userCounts, u);
    const ki = hasRatings(this.itemCounts, i);
    if (ku && ki) {
      const d = this.d;
      let dot = 0;
      for (let f = 0; f < d; f++) dot += this.W[u * d + f] * this.H[i * d + f];
      return this.biased ? this.mu + this.b[u] + this.c[i] + dot : dot;
    }
    if (!this.biased) return this.mu;
    return this.mu + (ku ? this.b[u] : 0) + (ki ? this.c[i] : 0);
  }

  isFallback(u: number, i: number): boolean {
    return !(hasRatings(this.userCounts, u) && hasRatings(this.itemCounts, i));
  }
}

/** Residuals e = a − â into `res`; returns L and the (clipped) train metrics. */
function residuals(train: RatingsMatrix, m: GdPredictor, lambda: number, res: Float64Array, clip: readonly [number, number] | undefined): TrainEval {
  const { users, items, values } = train;
  const { d, W, H, b, c, mu, biased } = m;
  const acc = new ErrorAccumulator(clip);
  for (let t = 0; t < values.length; t++) {
    const u = users[t];
    const i = items[t];
    let dot = 0;
    for (let f = 0; f < d; f++) dot += W[u * d + f] * H[i * d + f];
    const pred = biased ? mu + b[u] + c[i] + dot : dot;
    res[t] = values[t] - pred;
    acc.add(values[t], pred);
  }
  let reg = 0;
  for (let k = 0; k < W.length; k++) reg += W[k] * W[k];
  for (let k = 0; k < H.length; k++) reg += H[k] * H[k];
  if (biased) {
    for (let k = 0; k < b.length; k++) reg += b[k] * b[k];
    for (let k = 0; k < c.length; k++) reg += c[k] * c[k];
  }
  return acc.result(lambda * reg);
}

/**
 * Full-batch gradient descent; see the module comment.
 * @throws Error when the loss diverges (NaN / Infinity)
 */
export function fitGd(train: RatingsMatrix, config: GdConfig, options: FitOptions = {}): FitResult<GdPredictor> {
  const start = performance.now();
  const { d, lr, lambda } = config;
  const nU = train.nUsers;
  const nI = train.nItems;
  const W = new Float64Array(nU * d);
  const H = new Float64Array(nI * d);
  const rng = new Rng(config.seed);
  const draw = config.init === "normal" ? () => config.initScale * rng.gaussian() : () => config.initScale * rng.next();
  for (let k = 0; k < W.length; k++) W[k] = draw();
  for (let k = 0; k < H.length; k++) H[k] = draw();
  const b = new Float64Array(nU);
  const c = new Float64Array(nI);
  const mu = train.nnz > 0 ? train.mean() : 0;
  const model = new GdPredictor(d, config.biased, mu, W, H, b, c, countsOf(train.users, nU), countsOf(train.items, nI));

  const { users, items } = train;
  const n = train.nnz;
  const res = new Float64Array(n);
  const GW = new Float64Array(nU * d);
  const GH = new Float64Array(nI * d);
  const Gb = new Float64Array(nU);
  const Gc = new Float64Array(nI);
  let prev = residuals(train, model, lambda, res, options.clip).loss;
  const history = emptyHistory();
  const divergence = { algorithm: "GD", lrName: "lr", lr };
  let converged = false;
  let epoch = 0;
  while (epoch < config.maxIterations) {
    epoch++;
    // Data part of the gradient (halved): −Σ e h_j for w_i, −Σ e w_i for h_j, from the same W, H.
    GW.fill(0);
    GH.fill(0);
    Gb.fill(0);
    Gc.fill(0);
    for (let t = 0; t < n; t++) {
      const e = res[t];
      const wu = users[t] * d;
      const hi = items[t] * d;
      for (let f = 0; f < d; f++) {
        GW[wu + f] -= e * H[hi + f];
        GH[hi + f] -= e * W[wu + f];
      }
      Gb[users[t]] -= e;
      Gc[items[t]] -= e;
    }
    // x ← x − lr · 2 (G + λ x)
    const step = 2 * lr;
    for (let k = 0; k < W.length; k++) W[k] -= step * (GW[k] + lambda * W[k]);
    for (let k = 0; k < H.length; k++) H[k] -= step * (GH[k] + lambda * H[k]);
    if (config.biased) {
      for (let k = 0; k < nU; k++) b[k] -= step * (Gb[k] + lambda * b[k]);
      for (let k = 0; k < nI; k++) c[k] -= step * (Gc[k] + lambda * c[k]);
    }
    const ev = residuals(train, model, lambda, res, options.clip);
    finishIteration(history, options, train, model, epoch, ev, start, divergence);
    if (config.tol > 0) {
      const rel = (prev - ev.loss) / prev;
      if (rel >= 0 && rel < config.tol) {
        converged = true;
        break;
      }
    }
    prev = ev.loss;
  }
  return { model, iterations: epoch, converged, history };
}

/** "gd-mf": the lecture's full-batch gradient descent on Σ_Ω (a − w·h)² + λ(‖W‖² + ‖H‖²). */
export const gdMfModel: ModelDefinition<GdConfig> = defineModel({
  name: "gd-mf",
  summary: "MF by full-batch gradient descent on Σ_Ω (a_ij − w_i·h_j)² + λ(‖W‖² + ‖H‖²), simultaneous W/H steps",
  params: GD_PARAMS,
  fit: fitGd,
  // W, H, their gradients and the biases.
  memoryBytes: ({ nUsers, nItems }, c) => 8 * 2 * (nUsers + nItems) * (c.d + 1),
  stoppingRule: true,
});

/** Every field of the gd-mf config at its default. */
export const GD_DEFAULTS: Readonly<GdConfig> = gdMfModel.defaults;
