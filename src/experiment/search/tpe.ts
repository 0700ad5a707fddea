/**
 * The Tree-structured Parzen Estimator sampler (Bergstra et al. 2011), as Optuna's `TPESampler` defines it with its
 * default, univariate settings (optuna/samplers/_tpe/sampler.py and parzen_estimator.py):
 *
 * 1. Fewer than `startupTrials` (10) finished trials: sample uniformly (./space.ts).
 * 2. Otherwise split the n finished trials: completed trials by objective (lowest first), then pruned trials (most
 *    iterations first, then objective). The first γ(n) = min(⌈0.1·n⌉, 25) are "below" (good), the rest "above".
 * 3. For each parameter separately, fit a Parzen estimator to the below values, l(x), and one to the above values,
 *    g(x): a mixture with one kernel per observation plus a prior kernel, mixture weights w₁…w_m, `priorWeight`
 *    (1), normalised. Observation weights (in trial order) are 1 for m < 25, else a ramp linspace(1/m, 1, m − 25)
 *    followed by 25 ones (older trials count less).
 *    - Numeric: in the transformed coordinate t (./space.ts) on [lo, hi]; kernel means are the observations, the
 *      prior's mean is (lo + hi)/2 with σ = hi − lo. An observation's σ is the larger distance to its neighbours
 *      among the sorted means (prior mean included, lo and hi as outer neighbours), except that the lowest and highest
 *      take the distance to their one inner neighbour (consider_endpoints = False); then clipped to
 *      [(hi − lo) / min(100, 1 + number of kernels), hi − lo] (the "magic clip"). Kernels are normals truncated to
 *      [lo, hi]; an integer's probability is the kernel's mass over its bin [t(x − ½), t(x + ½)].
 *    - Choice among c options: kernel k is a distribution over the options with priorWeight/(m+1) on every option
 *      plus 1 on the option observation k chose, normalised; the prior kernel is uniform.
 * 4. Draw `candidates` (24) values from l and keep the one maximising log l(x) − log g(x).
 *
 * Densities of a numeric parameter are computed in the transformed coordinate: the Jacobian of the log scale
 * multiplies l and g alike, so it cancels from the criterion.
 */
import type { Rng } from "../../core/random";
import { sampleUniform, transform, transformedBounds, untransform, type Dimension } from "./space";

export interface TpeOptions {
  /** Finished trials sampled uniformly before TPE starts (Optuna's n_startup_trials). */
  startupTrials: number;
  /** Candidates drawn from l(x) per parameter (Optuna's n_ei_candidates). */
  candidates: number;
  /** Weight of the prior kernel (Optuna's prior_weight). */
  priorWeight: number;
}

export const TPE_DEFAULTS: TpeOptions = { startupTrials: 10, candidates: 24, priorWeight: 1 };

/** A finished trial as the sampler sees it. */
export interface Observation {
  trial: number;
  params: Record<string, unknown>;
  /** Objective (lower is better): the final metric of a completed trial, the last value of a pruned one. */
  value: number;
  /** Pruned trials rank after every completed one. */
  pruned: boolean;
  /** Iterations a pruned trial reached. */
  iterations: number;
}

/** γ(n) = min(⌈0.1·n⌉, 25): how many of n finished trials are "below" (Optuna's default_gamma). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Observation weights in trial order (Optuna's default_weights): ones below 25, else a ramp then 25 ones. */
export function defaultWeights(m: number): number[] {
  if (m === 0) return [];
  if (m < 25) return new Array<number>(m).fill(1);
  const ramp = m - 25;
  const out: number[] = [];
  for (let k = 0; k < ramp; k++) out.push(ramp === 1 ? 1 / m : 1 / m + ((1 - 1 / m) * k) / (ramp - 1));
  for (let k = 0; k < 25; k++) out.push(1);
  return out;
}

/** Split finished trials into below (good) and above (step 2 of the module doc); each part in trial order. */
export function splitTrials(obs: readonly Observation[]): { below: Observation[]; above: Observation[] } {
  const completed = obs.filter((o) => !o.pruned).sort((a, b) => a.value - b.value || a.trial - b.trial);
  const pruned = obs.filter((o) => o.pruned).sort((a, b) => b.iterations - a.iterations || a.value - b.value || a.trial - b.trial);
  const ranked = [...completed, ...pruned];
  const nBelow = defaultGamma(obs.length);
  const byTrial = (a: Observation, b: Observation) => a.trial - b.trial;
  return { below: ranked.slice(0, nBelow).sort(byTrial), above: ranked.slice(nBelow).sort(byTrial) };
}

// ---------------------------------------------------------------------------------------------------------
// The standard normal distribution
// ---------------------------------------------------------------------------------------------------------

/** erfc(x): a power series for |x| < 2.5, Lentz's continued fraction beyond (absolute error below 1e-14). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let sum = x;
    let term = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by the modified Lentz method.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Φ⁻¹(p): Acklam's rational approximation refined by one Halley step (relative error near 1e-15). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Φ(b) − Φ(a) for a ≤ b, computed on the side of the tails that keeps precision. */
function normalMass(a: number, b: number): number {
  return a > 0 ? normalCdf(-a) - normalCdf(-b) : normalCdf(b) - normalCdf(a);
}

/** log density at t of N(mu, sigma²) truncated to [lo, hi]. */
export function truncNormalLogPdf(t: number, mu: number, sigma: number, lo: number, hi: number): number {
  if (t < lo || t > hi) return -Infinity;
  const z = (t - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - Math.log(normalMass((lo - mu) / sigma, (hi - mu) / sigma));
}

/** log of the mass over [u, v] of N(mu, sigma²) truncated to [lo, hi]. */
export function truncNormalLogMass(u: number, v: number, mu: number, sigma: number, lo: number, hi: number): number {
  const a = Math.max(u, lo);
  const b = Math.min(v, hi);
  if (!(b > a)) return -Infinity;
  return Math.log(normalMass((a - mu) / sigma, (b - mu) / sigma)) - Math.log(normalMass((lo - mu) / sigma, (hi - mu) / sigma));
}

/** One draw of N(mu, sigma²) truncated to [lo, hi] (inverse CDF). */
export function sampleTruncNormal(rng: Rng, mu: number, sigma: number, lo: number, hi: number): number {
  const a = (lo - mu) / sigma;
  const b = (hi - mu) / sigma;
  // Work on the side of 0 where the CDF keeps its precision (reflect when the interval lies right of the mean).
  const flip = a > 0;
  const [pa, pb] = flip ? [normalCdf(-b), normalCdf(-a)] : [normalCdf(a), normalCdf(b)];
  const p = pa + (pb - pa) * rng.next();
  const z = normalQuantile(p);
  const t = mu + sigma * (flip ? -z : z);
  return Math.min(hi, Math.max(lo, Number.isFinite(t) ? t : mu));
}

// ---------------------------------------------------------------------------------------------------------
// Parzen estimators
// ---------------------------------------------------------------------------------------------------------

/** A univariate Parzen estimator of one dimension (step 3 of the module doc). */
export interface ParzenEstimator {
  /** Mixture weights, the prior's last (normalised). */
  weights: number[];
  /** Numeric: kernel means and σ in the transformed coordinate, the prior's last. */
  mus?: number[];
  sigmas?: number[];
  /** Choice: per kernel, the probability of each option. */
  table?: number[][];
  logPdf(value: unknown): number;
  sample(rng: Rng): unknown;
}

function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Draw a kernel index by the mixture weights. */
function pickKernel(rng: Rng, weights: readonly number[]): number {
  const u = rng.next();
  let acc = 0;
  for (let k = 0; k < weights.length; k++) {
    acc += weights[k];
    if (u < acc) return k;
  }
  return weights.length - 1;
}

/** The Parzen estimator of `dim` from `values` (in trial order). */
export function parzenEstimator(dim: Dimension, values: readonly unknown[], priorWeight = TPE_DEFAULTS.priorWeight): ParzenEstimator {
  const m = values.length;
  const raw = [...defaultWeights(m), priorWeight];
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  if (dim.kind === "choice") {
    const c = dim.choices.length;
    const nKernels = m + 1;
    const index = (v: unknown) => dim.choices.findIndex((x) => JSON.stringify(x) === JSON.stringify(v));
    const table: number[][] = [];
    for (let k = 0; k < nKernels; k++) {
      const row = new Array<number>(c).fill(priorWeight / nKernels);
      if (k < m) row[index(values[k])] += 1;
      const sum = row.reduce((a, b) => a + b, 0);
      table.push(row.map((x) => (sum === 0 ? 1 / c : x / sum)));
    }
    return {
      weights,
      table,
      logPdf(value) {
        const i = index(value);
        if (i < 0) return -Infinity;
        return Math.log(table.reduce((acc, row, k) => acc + weights[k] * row[i], 0));
      },
      sample(rng) {
        const row = table[pickKernel(rng, weights)];
        return dim.choices[pickKernel(rng, row)];
      },
    };
  }
  const [lo, hi] = transformedBounds(dim);
  const obs = values.map((v) => transform(dim, v as number));
  const priorMu = 0.5 * (lo + hi);
  const withPrior = [...obs, priorMu];
  const order = withPrior.map((_, k) => k).sort((a, b) => withPrior[a] - withPrior[b] || a - b);
  const sorted = [lo, ...order.map((k) => withPrior[k]), hi];
  const sortedSigmas: number[] = [];
  for (let j = 1; j < sorted.length - 1; j++) sortedSigmas.push(Math.max(sorted[j] - sorted[j - 1], sorted[j + 1] - sorted[j]));
  if (sorted.length >= 4) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[sortedSigmas.length - 1] = sorted[sorted.length - 2] - sorted[sorted.length - 3];
  }
  const sigmaOf = new Array<number>(withPrior.length);
  order.forEach((k, j) => {
    sigmaOf[k] = sortedSigmas[j];
  });
  const maxSigma = hi - lo;
  const minSigma = (hi - lo) / Math.min(100, 1 + (m + 1));
  const sigmas = obs.map((_, k) => Math.min(maxSigma, Math.max(minSigma, sigmaOf[k])));
  sigmas.push(hi - lo);
  const mus = [...obs, priorMu];
  const isInt = dim.kind === "int";
  return {
    weights,
    mus,
    sigmas,
    logPdf(value) {
      const x = value as number;
      const terms = mus.map((mu, k) => {
        const density = isInt
          ? truncNormalLogMass(transform(dim, x - 0.5), transform(dim, x + 0.5), mu, sigmas[k], lo, hi)
          : truncNormalLogPdf(transform(dim, x), mu, sigmas[k], lo, hi);
        return Math.log(weights[k]) + density;
      });
      return logSumExp(terms);
    },
    sample(rng) {
      const k = pickKernel(rng, weights);
      return untransform(dim, sampleTruncNormal(rng, mus[k], sigmas[k], lo, hi));
    },
  };
}

/**
 * TPE's value for one parameter (steps 2–4 of the module doc), or a uniform draw while fewer than
 * `startupTrials` trials have finished. `observations` are the finished trials that have the parameter.
 */
export function tpeSuggest(
  name: string,
  dim: Dimension,
  observations: readonly Observation[],
  rng: Rng,
  options: TpeOptions = TPE_DEFAULTS,
): unknown {
  const usable = observations.filter((o) => name in o.params && Number.isFinite(o.value));
  if (usable.length < options.startupTrials) return sampleUniform(dim, rng);
  const { below, above } = splitTrials(usable);
  const l = parzenEstimator(
    dim,
    below.map((o) => o.params[name]),
    options.priorWeight,
  );
  const g = parzenEstimator(
    dim,
    above.map((o) => o.params[name]),
    options.priorWeight,
  );
  let best: unknown;
  let bestScore = -Infinity;
  for (let k = 0; k < options.candidates; k++) {
    const x = l.sample(rng);
    const score = l.logPdf(x) - g.logPdf(x);
    if (best === undefined || score > bestScore) [best, bestScore] = [x, score];
  }
  return best;
}
