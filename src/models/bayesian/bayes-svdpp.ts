/**
 * Bayesian SVD++ with a time-bin item bias, by Gibbs sampling: the configuration behind Rendle et al.'s strongest
 * MCMC baselines ("On the difficulty of evaluating baselines", 2019: Bayesian timeSVD++ flipped, as factorization
 * machines with implicit and time features), here as `bpmf` (./bpmf.ts) plus two terms.
 *
 * Model:
 *   r_ui ~ N(μ + b_u + c_i + c_{i,bin(t)} + v_iᵀ(u_u + |N(u)|^{-1/2} Σ_{j∈N(u)} y_j), 1/α)
 * where N(u) = the items u rated in training ("who rated what": the rating values are not used; test ratings are
 * not looked at), bin(t) = ⌊timeBins·(t − t_min)/(t_max − t_min + 1)⌋ over the training timestamps (clamped for
 * test times outside that range; Koren's timeSVD++ uses 30 bins on Netflix).
 * Priors: [u; b_u], [v; c_i] as in bpmf; y_j ~ N(μ_Y, Λ_Y⁻¹) with its own Normal–Wishart (k = d, β₀, ν₀ = d,
 * W₀ = I); c_{i,bin} ~ N(0, 1/τ), τ ~ Gamma(a₀, b₀); α as in bpmf.
 *
 * Conditionals, in sweep order (./gibbs.ts): users (design v_i, target r − μ − c_i − c_{i,bin} − v_i·z_u with
 * z_u = |N(u)|^{-1/2}Σy_j); items (design p_u = u_u + z_u); (μ_Y, Λ_Y); each y_j in turn: every rating (u, i) of
 * a user u who rated j is linear in y_j with design |N(u)|^{-1/2} v_i, so with G_u = Σ_{i∈R(u)} v_i v_iᵀ and
 * h_u = Σ_i v_i e_ui (e the residuals), P = Λ_Y + α Σ_{u∋j} G_u/|N(u)| and the linear term
 * α Σ_{u∋j} |N(u)|^{-1/2} h_u⁽⁻ʲ⁾ + Λ_Y μ_Y; after each draw h_u and z_u of those users are updated by the change
 * (O(d²) per rating of j: 2d² · nnz per sweep instead of Σ_u n_u² d); then τ and every c_{i,bin}
 * (N(α Σ e⁽⁻ᶜ⁾/(τ + α n_ib), 1/(τ + α n_ib)) over the n_ib ratings of item i in bin b); then α.
 *
 * Prediction, per-iteration reporting, fallbacks, reproducibility, `threads`: as bpmf (threads split the user
 * and item row draws; the implicit y_j draws are sequential — each changes the next ones' conditionals — and stay
 * on the calling thread with the time-bin step, so this model gains less from threads than bpmf); the time-bin bias enters through
 * its posterior mean over the kept samples (`predictAt(u, i, time)`, used by the metrics for matrices with
 * timestamps; `predict(u, i)` leaves it out). `timeBins: 0` drops the time term (no timestamps needed);
 * `implicit: false` drops the y term.
 *
 * Complexity per sweep: bpmf's + 3d²·nnz (implicit) + O(nnz + nItems·timeBins). Memory: bpmf's + nUsers·d²
 * doubles (the per-user G_u).
 *
 * @throws InputError for an empty training matrix, a non-finite rating, or timeBins > 0 without timestamps;
 *   SpecError for burnIn ≥ maxIterations
 */
import * as s from "../../core/schema";
import { modelParams } from "../../core/vocabulary";
import { defineModel, type ModelDefinition } from "../types";
import { keptSamples } from "./bpmf";
import { fitGibbs, gibbsEffectiveThreads, gibbsThreadBytes, type GibbsSettings } from "./gibbs";
import { burnInRule, GIBBS_COMMON_PARAMS } from "./params";

export const BAYES_SVDPP_PARAMS = modelParams(
  {
    ...GIBBS_COMMON_PARAMS,
    implicit: s.boolean({ default: true, doc: "SVD++'s implicit term |N(u)|^{-1/2} Σ_{j∈N(u)} y_j (who rated what in training)" }),
    timeBins: s.int({
      min: 0,
      max: 10000,
      default: 30,
      doc: "time bins of the item bias c_{i,bin(t)} over the training time range (0: no time term)",
    }),
  },
  "bayes-svdpp",
  { refine: burnInRule as never },
);

export type BayesSvdppConfig = s.Infer<typeof BAYES_SVDPP_PARAMS>;

/** The engine settings of a bayes-svdpp config (threads as given: the model's `fit` applies {@link gibbsEffectiveThreads}). */
export function bayesSvdppSettings(c: BayesSvdppConfig): GibbsSettings {
  return { ...c, model: "bayes-svdpp" };
}

export const bayesSvdppModel: ModelDefinition<BayesSvdppConfig> = defineModel({
  name: "bayes-svdpp",
  summary: "Bayesian SVD++ with time-bin item biases by Gibbs sampling (Rendle et al. 2019's MCMC baseline)",
  params: BAYES_SVDPP_PARAMS,
  fit: (train, config, options) =>
    fitGibbs(
      train,
      { ...bayesSvdppSettings(config), threads: gibbsEffectiveThreads(train.nnz, config.d + (config.biases ? 1 : 0), config.threads ?? 1) },
      options,
    ),
  threadable: true,
  memoryBytes: ({ nUsers, nItems, nnz }, c) =>
    8 * ((nUsers + nItems) * (c.d + 1) * (keptSamples(c) + 4) + nUsers * c.d * c.d + nItems * (2 * c.timeBins + 1)) +
    48 * nnz +
    gibbsThreadBytes({ nUsers, nItems, nnz }, c),
});
