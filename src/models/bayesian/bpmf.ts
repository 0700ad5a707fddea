/**
 * Bayesian probabilistic matrix factorization (Salakhutdinov & Mnih 2008, "Bayesian probabilistic matrix
 * factorization using Markov chain Monte Carlo", ICML), sampled by Gibbs sampling.
 *
 * Model (with `biases`, the default; without, drop b and c):
 *   r_ui ~ N(μ + b_u + c_i + u_uᵀv_i, 1/α)            μ = the mean training rating (fixed)
 *   [u_u; b_u] ~ N(μ_U, Λ_U⁻¹),  [v_i; c_i] ~ N(μ_V, Λ_V⁻¹)   (k = d + 1 dimensions: the bias is one more
 *                                                               coordinate, so its prior is learned with the factors)
 *   (μ_U, Λ_U), (μ_V, Λ_V) ~ Normal–Wishart: Λ ~ Wishart(W₀ = I, ν₀ = k), μ | Λ ~ N(μ₀ = 0, (β₀Λ)⁻¹)
 *   α ~ Gamma(a₀, b₀) (`sampleAlpha`, default; else α fixed at `alpha`, as the paper's α = 2)
 *
 * Conditionals (one sweep draws each in turn; ./gibbs.ts):
 *   (μ_U, Λ_U) | U: Normal–Wishart with β* = β₀ + N, ν* = ν₀ + N, μ* = N x̄/(β₀ + N),
 *     (W*)⁻¹ = W₀⁻¹ + N S̄ + β₀N/(β₀ + N) x̄x̄ᵀ, over the N users with ratings (x̄, S̄ their mean and covariance)
 *   [u_u; b_u] | rest ~ N(P⁻¹(α X̃ᵀt + Λ_U μ_U), P⁻¹),  P = Λ_U + α X̃ᵀX̃,  X̃ = [v_i, 1] over the user's items,
 *     t = r_ui − μ − c_i — the ALS row system with the prior's precision in place of λI (the same Gram and
 *     Cholesky kernels), and a Gaussian draw instead of the solve
 *   items likewise with X̃ = [u_u, 1], t = r_ui − μ − b_u
 *   α | rest ~ Gamma(a₀ + n/2, b₀ + Σ(r − r̂)²/2)
 *
 * Prediction: the average over the kept samples (sweeps after `burnIn`, every `thin`-th) of μ + b_u + c_i + u·v —
 * the Monte Carlo estimate of the posterior predictive mean. {@link GibbsModel.predictiveSd} gives the posterior
 * predictive sd, √(Var_s r̂_s + mean_s 1/α_s). Unknown users/items (no training ratings): μ + the known side's
 * mean bias, `isFallback` true.
 *
 * No λ by design: the regularization is the learned Λ_U, Λ_V. Hyperparameters (defaults): β₀ = 2, ν₀ = k,
 * W₀ = I, μ₀ = 0 (the paper's), a₀ = b₀ = 1, α starts at 2, factors start N(0, 0.1²).
 *
 * Per iteration (sweep): `trainLoss` = the current sample's Σ(r − r̂)² (the likelihood term; a sampler has no
 * objective to minimise); train/test MSE and MAE are those of the running average of the kept samples'
 * predictions (of the current sample during burn-in), clipped to `options.clip` when given — so convergence
 * figures show the averaged predictor settling.
 *
 * Reproducibility: every draw comes from a generator seeded by (seed, sweep, block, row), so the numbers depend
 * only on the seed — not on the order of the rows, nor on `threads`.
 *
 * `threads` (int ≥ 1, 1; performance-only, never part of a run's identity or seed): the row draws of each
 * half-sweep (users given items, items given users) are split over this many threads by ALS's thread backend
 * (../als/als-threads.ts; ./gibbs.ts); predictions, history and predictive sd are bitwise those of one thread.
 * The hyperparameter draws and the passes over the ratings stay on the calling thread. Small fits run on fewer
 * threads than asked ({@link gibbsEffectiveThreads}, ALS's rule: one thread per 10⁷ multiply-adds of a
 * half-sweep, nnz·k²; ML-100K with biases gets a second thread from d = 15).
 *
 * Complexity per sweep: Σ_rows (n_r k² /2 + k³/6) for the rows (as one ALS iteration), O((nUsers + nItems) k²)
 * for the hyperparameters, O(nnz d) for the predictions. Memory: every kept sample's rows,
 * 8·(nUsers + nItems)·k bytes per sample (d = 10, ML-100K, 180 samples: 42 MB); a prediction costs O(samples·d).
 *
 * @throws InputError for an empty training matrix or a non-finite rating; SpecError for burnIn ≥ maxIterations
 */
import { modelParams } from "../../core/vocabulary";
import type * as s from "../../core/schema";
import { defineModel, type ModelDefinition } from "../types";
import { fitGibbs, gibbsEffectiveThreads, gibbsThreadBytes, type GibbsSettings } from "./gibbs";
import { burnInRule, GIBBS_COMMON_PARAMS } from "./params";

export const BPMF_PARAMS = modelParams(GIBBS_COMMON_PARAMS, "bpmf", { refine: burnInRule as never });

export type BpmfConfig = s.Infer<typeof BPMF_PARAMS>;

/** Kept samples of a config (sweeps after burn-in, every thin-th). */
export function keptSamples(c: { maxIterations: number; burnIn: number; thin: number }): number {
  return Math.floor((c.maxIterations - c.burnIn) / c.thin);
}

/** The engine settings of a bpmf config (threads as given: the model's `fit` applies {@link gibbsEffectiveThreads}). */
export function bpmfSettings(c: BpmfConfig): GibbsSettings {
  return { ...c, implicit: false, timeBins: 0, model: "bpmf" };
}

export const bpmfModel: ModelDefinition<BpmfConfig> = defineModel({
  name: "bpmf",
  summary: "Bayesian PMF (Salakhutdinov & Mnih 2008) by Gibbs sampling: Normal–Wishart hyperpriors, biases, averaged predictions",
  params: BPMF_PARAMS,
  fit: (train, config, options) =>
    fitGibbs(
      train,
      { ...bpmfSettings(config), threads: gibbsEffectiveThreads(train.nnz, config.d + (config.biases ? 1 : 0), config.threads ?? 1) },
      options,
    ),
  threadable: true,
  memoryBytes: ({ nUsers, nItems, nnz }, c) =>
    8 * (nUsers + nItems) * (c.d + 1) * (keptSamples(c) + 3) + 40 * nnz + gibbsThreadBytes({ nUsers, nItems, nnz }, c),
});
