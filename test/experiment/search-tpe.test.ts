/**
 * The TPE sampler's pieces against independent oracles: every expected density below was computed with
 * scipy.stats.truncnorm / norm (scipy 1.17) from the definitions in Optuna's parzen_estimator.py, written out by
 * hand in numpy (not by running this code), e.g. for the float case:
 *   lo, hi = log(0.01), log(20); mus = log([0.1, 1, 5]) + prior (lo+hi)/2; σ by neighbour distances, magic clip;
 *   logsumexp(log(1/4) + truncnorm((lo−μ)/σ, (hi−μ)/σ, loc=μ, scale=σ).logpdf(log 0.5)).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/random";
import {
  defaultGamma,
  defaultWeights,
  normalCdf,
  normalQuantile,
  parzenEstimator,
  sampleTruncNormal,
  splitTrials,
  tpeSuggest,
  type Observation,
} from "../../src/experiment/search/tpe";
import { gridPoints, type Dimension } from "../../src/experiment/search/space";

const lambdaDim: Dimension = { kind: "float", low: 0.01, high: 20, log: true };
const dDim: Dimension = { kind: "int", low: 1, high: 100, log: true };

describe("the standard normal", () => {
  it("matches scipy.stats.norm", () => {
    expect(Math.abs(normalCdf(-3.3) / 0.00048342414238377744 - 1)).toBeLessThan(1e-11);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.5244005127080409, 12);
  });
});

describe("Parzen estimators (Optuna's definitions)", () => {
  it("float on a log scale: kernel means, bandwidths (neighbours, endpoints, magic clip) and the mixture density", () => {
    const pe = parzenEstimator(lambdaDim, [0.1, 1, 5]);
    expect(pe.mus).toHaveLength(4);
    const mus = [-Math.LN10, 0, 1.6094379124341003, -0.80471895621705];
    const sigmas = [1.5201804919084165, 1.6094379124341003, 1.6094379124341003, 7.600902459542082];
    pe.mus!.forEach((m, k) => expect(m).toBeCloseTo(mus[k], 12));
    pe.sigmas!.forEach((s, k) => expect(s).toBeCloseTo(sigmas[k], 12));
    expect(pe.logPdf(0.5)).toBeCloseTo(-1.8299670549039209, 10);
  });

  it("integer on a log scale: the mass of each integer's bin [log(x − ½), log(x + ½)]", () => {
    const pe = parzenEstimator(dDim, [3, 10]);
    expect(pe.sigmas![0]).toBeCloseTo(1.325826227014769, 12);
    expect(pe.mus![2]).toBeCloseTo(1.9585052734695925, 12);
    expect(pe.logPdf(7)).toBeCloseTo(-3.3002127214460018, 10);
    expect(pe.logPdf(100)).toBeCloseTo(-7.074994594008961, 10);
    // The masses of all integers sum to one.
    let total = 0;
    for (let x = 1; x <= 100; x++) total += Math.exp(pe.logPdf(x));
    expect(total).toBeCloseTo(1, 10);
  });

  it("choice: prior weight spread over the kernels, one count per observation", () => {
    const pe = parzenEstimator({ kind: "choice", choices: ["a", "b", "c"] }, ["a", "a", "c"]);
    expect(pe.logPdf("b")).toBeCloseTo(-1.6582280766035324, 12);
    expect(pe.logPdf("a")).toBeCloseTo(-0.7419373447293773, 12);
  });

  it("no observation: the prior alone (uniform in the transformed coordinate)", () => {
    const pe = parzenEstimator(lambdaDim, []);
    const width = Math.log(20) - Math.log(0.01);
    // A normal with σ = the width, centred, truncated to the range: density at the centre φ(0)/σ / (Φ(½) − Φ(−½)).
    const centre = Math.sqrt(0.01 * 20);
    expect(pe.logPdf(centre)).toBeCloseTo(-0.5 * Math.log(2 * Math.PI) - Math.log(width) - Math.log(2 * normalCdf(0.5) - 1), 12);
  });
});

describe("TPE bookkeeping", () => {
  it("gamma and weights as Optuna's defaults", () => {
    expect([1, 10, 11, 100, 300].map(defaultGamma)).toEqual([1, 1, 2, 10, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w).toHaveLength(30);
    [0.03333333333333333, 0.275, 0.5166666666666667, 0.7583333333333333, 1, 1].forEach((v, k) => expect(w[k]).toBeCloseTo(v, 14));
  });

  it("splits completed trials by value before pruned ones (most iterations first)", () => {
    const o = (trial: number, value: number, pruned = false, iterations = 10): Observation => ({ trial, value, pruned, iterations, params: {} });
    const obs = [o(0, 0.9), o(1, 0.5, true, 2), o(2, 0.95), o(3, 0.4, true, 6), ...Array.from({ length: 8 }, (_, k) => o(4 + k, 1 + k))];
    const { below, above } = splitTrials(obs); // 12 trials → γ = 2
    expect(below.map((b) => b.trial)).toEqual([0, 2]);
    expect(above.map((b) => b.trial).slice(0, 2)).toEqual([1, 3]);
  });

  it("truncated normal draws stay in range and have the right mean", () => {
    const rng = new Rng(3);
    let sum = 0;
    const n = 20000;
    for (let k = 0; k < n; k++) {
      const x = sampleTruncNormal(rng, 0, 1, 0, 10);
      expect(x).toBeGreaterThanOrEqual(0);
      sum += x;
    }
    // Half-normal mean √(2/π).
    expect(sum / n).toBeCloseTo(Math.sqrt(2 / Math.PI), 1);
  });

  it("after the startup trials, suggestions concentrate where the good trials are", () => {
    // Objective (λ − 1)² in log space: good trials sit near λ = 1.
    const obs: Observation[] = [];
    const rng = new Rng(7);
    for (let t = 0; t < 40; t++) {
      const lambda = tpeSuggest("lambda", lambdaDim, obs, rng) as number;
      obs.push({ trial: t, params: { lambda }, value: Math.log(lambda) ** 2, pruned: false, iterations: 1 });
    }
    const late = obs.slice(30).map((o) => Math.abs(Math.log(o.params.lambda as number)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Uniform in t = log λ on [a, b] (a < 0 < b): E|t| = (a² + b²) / (2(b − a)).
    const [a, b] = [Math.log(0.01), Math.log(20)];
    expect(mean(late)).toBeLessThan((a * a + b * b) / (2 * (b - a)) / 2);
  });

  it("grid points of a log integer range", () => {
    expect(gridPoints({ kind: "int", low: 1, high: 100, log: true, points: 10 })).toEqual([1, 2, 3, 5, 8, 13, 22, 36, 60, 100]);
    expect(gridPoints({ kind: "float", low: 0.01, high: 20, log: true, points: 3 })).toEqual([0.01, Number(Math.sqrt(0.2).toPrecision(12)), 20]);
  });
});
