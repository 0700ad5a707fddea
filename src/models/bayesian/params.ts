/**
 * The parameters `bpmf` and `bayes-svdpp` share, declared once (see ./bpmf.ts for what each does to the model).
 */
import * as s from "../../core/schema";
import { maxIterations, rank, seed, threads } from "../../core/vocabulary";

/** Fields of both Bayesian models' configs. */
export const GIBBS_COMMON_PARAMS = {
  d: rank({ default: 10 }),
  maxIterations: maxIterations({ default: 200, doc: "Gibbs sweeps in all, burn-in included (a fixed number: samplers have no stopping rule)" }),
  burnIn: s.int({ min: 0, default: 20, doc: "sweeps discarded before the first kept sample (must be < maxIterations)" }),
  thin: s.int({ min: 1, default: 1, doc: "keep every thin-th sweep after burn-in" }),
  seed: seed("seed of every draw (initialisation, hyperparameters, rows)"),
  biases: s.boolean({ default: true, doc: "user and item biases, sampled jointly with the factors (one more dimension of the Normal–Wishart)" }),
  beta0: s.number({ min: 0, exclusiveMin: true, default: 2, doc: "β₀ of the Normal–Wishart hyperprior (pseudo-rows behind μ₀ = 0)" }),
  alpha: s.number({
    min: 0,
    exclusiveMin: true,
    default: 2,
    doc: "observation precision α = 1/σ²: its start value, or its fixed value when sampleAlpha is false",
  }),
  sampleAlpha: s.boolean({ default: true, doc: "sample α from its Gamma(alphaShape, alphaRate)-prior conditional (false: fixed, as in the paper)" }),
  alphaShape: s.number({ min: 0, exclusiveMin: true, default: 1, doc: "a₀: shape of the Gamma prior of α (and of the time-bin precision τ)" }),
  alphaRate: s.number({ min: 0, exclusiveMin: true, default: 1, doc: "b₀: rate of the Gamma prior of α (and of τ)" }),
  initScale: s.number({ min: 0, exclusiveMin: true, default: 0.1, doc: "standard deviation of the N(0, initScale²) initial factors" }),
  threads: threads(),
};

/** The cross-field rule: at least one sweep is kept. */
export function burnInRule(c: { burnIn: number; maxIterations: number }): { key: string; reason: string } | undefined {
  return c.burnIn >= c.maxIterations
    ? { key: "burnIn", reason: `must be < maxIterations (${c.maxIterations}) so that some sample is kept, got ${c.burnIn}` }
    : undefined;
}
