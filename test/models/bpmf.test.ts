/**
 * The Gibbs samplers of `bpmf` and `bayes-svdpp`: their draws against independent oracles (a 2-D posterior
 * integrated on a grid, ml-matrix's inverse for the Wishart mean, the Gamma moments), seeded reproducibility,
 * the time-bin prerequisites, and the predictive sd.
 */
import { Matrix, inverse } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/random";
import { SpecError, InputError } from "../../src/core/errors";
import { RatingsMatrix } from "../../src/data/ratings";
import { generateSyntheticMatrix } from "../../src/data/synthetic";
import { bayesSvdppModel } from "../../src/models/bayesian/bayes-svdpp";
import { bpmfModel } from "../../src/models/bayesian/bpmf";
import type { GibbsModel } from "../../src/models/bayesian/gibbs";
import { DenseScratch, drawGaussianFromPrecision, drawNormalWishart, gammaDraw, rowSeed } from "../../src/models/bayesian/sampling";
import { scorePredictor } from "../../src/metrics/accuracy";

describe("Gibbs draws against independent oracles", () => {
  it("a row's conditional: the draws' mean and covariance match the posterior integrated on a grid", () => {
    // One user, d = 2, three rated items with fixed factors; prior N(μ, Λ⁻¹), noise precision α.
    const items = [
      [1.0, 0.3],
      [-0.4, 0.8],
      [0.5, -1.2],
    ];
    const r = [1.2, -0.5, 0.9];
    const alpha = 1.7;
    const Lam = [
      [2.0, 0.4],
      [0.4, 1.5],
    ];
    const mu = [0.3, -0.2];
    // Oracle: the unnormalised log posterior on a fine grid, moments by summation (no linear algebra).
    const logPost = (x: number, y: number) => {
      let ll = 0;
      for (let t = 0; t < 3; t++) ll += (r[t] - items[t][0] * x - items[t][1] * y) ** 2;
      const dx = x - mu[0];
      const dy = y - mu[1];
      return -0.5 * alpha * ll - 0.5 * (Lam[0][0] * dx * dx + 2 * Lam[0][1] * dx * dy + Lam[1][1] * dy * dy);
    };
    let w = 0;
    let mx = 0;
    let my = 0;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    const h = 0.01;
    for (let x = -4; x <= 4; x += h) {
      for (let y = -4; y <= 4; y += h) {
        const p = Math.exp(logPost(x, y));
        w += p;
        mx += p * x;
        my += p * y;
        sxx += p * x * x;
        sxy += p * x * y;
        syy += p * y * y;
      }
    }
    mx /= w;
    my /= w;
    const cxx = sxx / w - mx * mx;
    const cxy = sxy / w - mx * my;
    const cyy = syy / w - my * my;
    // The sampler's conditional: P = Λ + α XᵀX, h = α Xᵀr + Λμ, as the engine forms them.
    const n = 40000;
    let ax = 0;
    let ay = 0;
    let qxx = 0;
    let qxy = 0;
    let qyy = 0;
    const P = new Float64Array(4);
    const hv = new Float64Array(2);
    const out = new Float64Array(2);
    const z = new Float64Array(2);
    for (let s = 0; s < n; s++) {
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 2; b++) P[a * 2 + b] = Lam[a][b] + alpha * items.reduce((acc, v) => acc + v[a] * v[b], 0);
        hv[a] = alpha * items.reduce((acc, v, t) => acc + v[a] * r[t], 0) + Lam[a][0] * mu[0] + Lam[a][1] * mu[1];
      }
      expect(drawGaussianFromPrecision(new Rng(rowSeed(7, s, 1, 0)), P, hv, 2, out, z)).toBe(true);
      ax += out[0];
      ay += out[1];
      qxx += out[0] * out[0];
      qxy += out[0] * out[1];
      qyy += out[1] * out[1];
    }
    ax /= n;
    ay /= n;
    // Monte Carlo error of a mean ≈ sd/√n ≈ 0.5/200 = 0.0025; of a covariance a few times that.
    expect(ax).toBeCloseTo(mx, 2);
    expect(ay).toBeCloseTo(my, 2);
    expect(Math.abs(qxx / n - ax * ax - cxx)).toBeLessThan(0.01);
    expect(Math.abs(qxy / n - ax * ay - cxy)).toBeLessThan(0.01);
    expect(Math.abs(qyy / n - ay * ay - cyy)).toBeLessThan(0.01);
  });

  it("the Normal–Wishart conditional: E[Λ] = ν*·W* and E[μ] = μ* (W* inverted by ml-matrix)", () => {
    const k = 3;
    const rows = [
      [0.5, -0.2, 0.1],
      [0.3, 0.4, -0.6],
      [-0.1, 0.2, 0.3],
      [0.8, -0.5, 0.2],
      [0.0, 0.1, 0.9],
    ];
    const beta0 = 2;
    const nu0 = k;
    const N = rows.length;
    const mean = [0, 1, 2].map((a) => rows.reduce((s, x) => s + x[a], 0) / N);
    const Minv = Matrix.eye(k, k);
    for (const x of rows) {
      const c = new Matrix([x.map((v, a) => v - mean[a])]);
      Minv.add(c.transpose().mmul(c));
    }
    const m = new Matrix([mean]);
    Minv.add(
      m
        .transpose()
        .mmul(m)
        .mul((beta0 * N) / (beta0 + N)),
    );
    const Wstar = inverse(Minv);
    const expectedLambda = Wstar.mul(nu0 + N);
    const muStar = mean.map((v) => (N * v) / (beta0 + N));
    const lambda = new Float64Array(k * k);
    const mu = new Float64Array(k);
    const lambdaMu = new Float64Array(k);
    const scratch = new DenseScratch(k);
    const sumL = new Float64Array(k * k);
    const sumMu = new Float64Array(k);
    const n = 20000;
    for (let s = 0; s < n; s++) {
      drawNormalWishart(
        new Rng(rowSeed(3, s, 0, 0)),
        { beta0, nu0 },
        k,
        Int32Array.from([0, 1, 2, 3, 4]),
        { F: Float64Array.from(rows.flat()), bias: null, d: k },
        lambda,
        mu,
        lambdaMu,
        scratch,
      );
      for (let t = 0; t < k * k; t++) sumL[t] += lambda[t];
      for (let a = 0; a < k; a++) sumMu[a] += mu[a];
      // Λμ is consistent with the drawn pair.
      for (let a = 0; a < k; a++) expect(lambdaMu[a]).toBeCloseTo(lambda[a * k] * mu[0] + lambda[a * k + 1] * mu[1] + lambda[a * k + 2] * mu[2], 10);
    }
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const e = expectedLambda.get(a, b);
        // Wishart entry sd ≈ √(ν (W_ab² + W_aa W_bb)) ≈ 3 for these values; /√n ≈ 0.02.
        expect(Math.abs(sumL[a * k + b] / n - e)).toBeLessThan(0.1);
      }
      expect(Math.abs(sumMu[a] / n - muStar[a])).toBeLessThan(0.01);
    }
  });

  it("Gamma draws have mean shape/rate and variance shape/rate² (shape below and above 1)", () => {
    for (const [shape, rate] of [
      [0.6, 2],
      [3.5, 0.5],
      [40001, 1000],
    ]) {
      const rng = new Rng(11);
      const n = 40000;
      let s = 0;
      let s2 = 0;
      for (let t = 0; t < n; t++) {
        const g = gammaDraw(rng, shape, rate);
        s += g;
        s2 += g * g;
      }
      const m = s / n;
      const v = s2 / n - m * m;
      expect(Math.abs(m - shape / rate) / (shape / rate)).toBeLessThan(0.02);
      expect(Math.abs(v - shape / rate ** 2) / (shape / rate ** 2)).toBeLessThan(0.05);
    }
  });
});

function syntheticWithTimes(): { train: RatingsMatrix; test: RatingsMatrix } {
  const { matrix } = generateSyntheticMatrix({ nUsers: 80, nItems: 60, nRatings: 2400, seed: 5 });
  const rng = new Rng(1);
  const times = Float64Array.from({ length: matrix.nnz }, () => 1e9 + Math.floor(rng.next() * 1e7));
  const withTimes = new RatingsMatrix(matrix.nUsers, matrix.nItems, matrix.users, matrix.items, matrix.values, times);
  const idx = Array.from({ length: matrix.nnz }, (_, e) => e);
  return { train: withTimes.subset(idx.filter((e) => e % 5 !== 0)), test: withTimes.subset(idx.filter((e) => e % 5 === 0)) };
}

describe("bpmf and bayes-svdpp fits", () => {
  const { train, test } = syntheticWithTimes();

  it("are reproducible for a seed and differ between seeds", () => {
    for (const def of [bpmfModel, bayesSvdppModel]) {
      const cfg = def.config({ d: 4, maxIterations: 12, burnIn: 4, seed: 3, ...(def === bayesSvdppModel ? { timeBins: 5 } : {}) });
      const a = def.fit(train, cfg, { test });
      const b = def.fit(train, cfg, { test });
      const c = def.fit(train, def.config({ ...(cfg as Record<string, unknown>), seed: 4 }), { test });
      expect(a.history.testMse).toEqual(b.history.testMse);
      expect(a.history.trainLoss).toEqual(b.history.trainLoss);
      expect(scorePredictor(a.model, test).mse).toBe(scorePredictor(b.model, test).mse);
      expect(c.history.testMse.at(-1)).not.toBe(a.history.testMse.at(-1));
    }
  });

  it("report the running average: the last iteration's test error is the final model's", () => {
    const fit = bayesSvdppModel.fit(train, bayesSvdppModel.config({ d: 3, maxIterations: 10, burnIn: 3, timeBins: 4 }), { test, clip: [1, 5] });
    const s = scorePredictor(fit.model, test, { clip: [1, 5] });
    expect(fit.history.testMse.at(-1)).toBeCloseTo(s.mse, 10);
    expect((fit.model as GibbsModel).samples).toBe(7);
  });

  it("beat the global mean on held-out data and give a predictive sd above the noise floor", () => {
    const fit = bpmfModel.fit(train, bpmfModel.config({ d: 3, maxIterations: 40, burnIn: 10 }));
    const m = fit.model as GibbsModel;
    const mean = train.mean();
    let se0 = 0;
    for (let e = 0; e < test.nnz; e++) se0 += (test.values[e] - mean) ** 2;
    expect(scorePredictor(m, test).mse).toBeLessThan(se0 / test.nnz);
    const noise = Math.sqrt(m.noiseVariances.reduce((s, v) => s + v, 0) / m.samples);
    const sd = m.predictiveSd(test.users[0], test.items[0]);
    expect(sd).toBeGreaterThan(noise);
    expect(sd).toBeLessThan(noise * 3);
  });

  it("refuse time bins without timestamps, and burnIn ≥ maxIterations", () => {
    const bare = new RatingsMatrix(train.nUsers, train.nItems, train.users, train.items, train.values);
    expect(() => bayesSvdppModel.fit(bare, bayesSvdppModel.config({ maxIterations: 3, burnIn: 1 }))).toThrow(InputError);
    expect(() => bayesSvdppModel.fit(bare, bayesSvdppModel.config({ maxIterations: 3, burnIn: 1 }))).toThrow(/no timestamps.*set timeBins to 0/);
    expect(() => bpmfModel.config({ maxIterations: 10, burnIn: 10 })).toThrow(SpecError);
    expect(() => bpmfModel.config({ maxIterations: 10, burnIn: 10 })).toThrow(/burnIn must be < maxIterations \(10\)/);
  });
});
