/**
 * `threads` of the Gibbs samplers (`bpmf`, `bayes-svdpp`): the row draws of each half-sweep split over worker
 * threads give the single-thread numbers bit for bit — predictions, predictive sd, stored samples, history — for
 * 1, 2 and 3 threads (the split must not matter), on synthetic data and on ML-100K u1; the effective-threads rule;
 * the config field; a sweep giving a bpmf fit spare cores as threads without changing its run id or numbers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpecError } from "../../src/core/errors";
import { Rng } from "../../src/core/random";
import { perfFields } from "../../src/core/schema";
import { RatingsMatrix } from "../../src/data/ratings";
import { generateSyntheticMatrix } from "../../src/data/synthetic";
import { runSweep } from "../../src/experiment/runner";
import { validateSpec } from "../../src/experiment/spec";
import { alsThreadPoolSize, stopAlsThreads } from "../../src/models/als/als-threads";
import { bayesSvdppModel, bayesSvdppSettings } from "../../src/models/bayesian/bayes-svdpp";
import { bpmfModel, bpmfSettings } from "../../src/models/bayesian/bpmf";
import { fitGibbs, gibbsEffectiveThreads, type GibbsModel, type GibbsSettings } from "../../src/models/bayesian/gibbs";
import type { FitOptions, FitResult } from "../../src/models/types";
import { hasMl100k, loadFold } from "../helpers/ml100k";

afterAll(() => stopAlsThreads());

/** A small matrix with timestamps (for the time bins), split into train and a test part with unseen pairs. */
const base = generateSyntheticMatrix({ nUsers: 250, nItems: 180, nRatings: 7000, seed: 8 }).matrix;
const stamps = new Rng(4);
const withTimes = new RatingsMatrix(
  base.nUsers,
  base.nItems,
  base.users,
  base.items,
  base.values,
  Float64Array.from({ length: base.nnz }, () => 1e6 + Math.floor(stamps.next() * 1e5)),
);
const order = new Rng(2).shuffle(Int32Array.from({ length: withTimes.nnz }, (_, k) => k));
const train = withTimes.subset(order.subarray(0, 6000));
const test = withTimes.subset(order.subarray(6000));

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Every prediction and predictive sd of the model over `pairs` (with times when given), as one array. */
function outputs(m: GibbsModel, users: Int32Array, items: Int32Array, times: Float64Array | null): Float64Array {
  const out = new Float64Array(users.length * 2);
  for (let e = 0; e < users.length; e++) {
    out[2 * e] = times ? m.predictAt(users[e], items[e], times[e]) : m.predict(users[e], items[e]);
    out[2 * e + 1] = m.predictiveSd(users[e], items[e], times ? times[e] : undefined);
  }
  return out;
}

function expectIdentical(a: FitResult<GibbsModel>, b: FitResult<GibbsModel>, on: RatingsMatrix): void {
  expect(b.model.samples).toBe(a.model.samples);
  for (let s = 0; s < a.model.samples; s++) {
    expect(bytes(b.model.userSamples[s]).equals(bytes(a.model.userSamples[s])), `user rows of sample ${s}`).toBe(true);
    expect(bytes(b.model.itemSamples[s]).equals(bytes(a.model.itemSamples[s])), `item rows of sample ${s}`).toBe(true);
  }
  expect(b.model.noiseVariances).toEqual(a.model.noiseVariances);
  const oa = outputs(a.model, on.users, on.items, on.timestamps);
  const ob = outputs(b.model, on.users, on.items, on.timestamps);
  expect(bytes(ob).equals(bytes(oa)), "predictions and predictive sd").toBe(true);
  expect({ ...b.history, seconds: [] }).toEqual({ ...a.history, seconds: [] });
  // The threaded model holds ordinary arrays (nothing shared with the workers).
  expect(b.model.userSamples[0].buffer).toBeInstanceOf(ArrayBuffer);
}

const fit = (settings: GibbsSettings, threads: number, m = train, options: FitOptions = { test, clip: [1, 5] }) =>
  fitGibbs(m, { ...settings, threads }, options);

describe("Gibbs threads: bitwise the numbers of one thread", () => {
  const variants: Array<[string, GibbsSettings]> = [
    ["bpmf, defaults (biases, sampled α)", bpmfSettings(bpmfModel.config({ d: 5, maxIterations: 6, burnIn: 2, seed: 3 }))],
    [
      "bpmf, no biases, fixed α, thinning",
      bpmfSettings(bpmfModel.config({ d: 4, maxIterations: 7, burnIn: 1, thin: 2, biases: false, sampleAlpha: false })),
    ],
    [
      "bayes-svdpp, implicit term and time bins",
      bayesSvdppSettings(bayesSvdppModel.config({ d: 3, maxIterations: 5, burnIn: 2, timeBins: 6, seed: 9 })),
    ],
  ];
  for (const [name, settings] of variants) {
    it(`${name}: threads 2 and 3 give the samples, predictions, predictive sd and history of threads 1`, () => {
      const one = fit(settings, 1);
      // Test pairs and training pairs (with their timestamps), and a few unseen indices (fallbacks).
      const probe = new RatingsMatrix(
        train.nUsers + 2,
        train.nItems + 2,
        Int32Array.from([...test.users, ...train.users.subarray(0, 500), train.nUsers + 1, 0]),
        Int32Array.from([...test.items, ...train.items.subarray(0, 500), 0, train.nItems + 1]),
        new Float64Array(test.nnz + 502).fill(3),
        Float64Array.from([...test.timestamps!, ...train.timestamps!.subarray(0, 500), 1e6, 1.2e6]),
      );
      for (const threads of [2, 3]) {
        const reports: number[] = [];
        const many = fitGibbs(train, { ...settings, threads }, { test, clip: [1, 5], onIteration: (r) => reports.push(r.trainLoss) });
        expectIdentical(one, many, probe);
        expect(reports).toEqual(one.history.trainLoss);
      }
      // A different seed gives different numbers (the comparison above can fail).
      const other = fit({ ...settings, seed: settings.seed + 1 }, 2);
      expect(other.history.trainLoss).not.toEqual(one.history.trainLoss);
    });
  }

  it("keeps ALS's worker pool across fits, and tolerates more threads than cores", () => {
    const settings = bpmfSettings(bpmfModel.config({ d: 3, maxIterations: 3, burnIn: 1 }));
    fit(settings, 2);
    const before = alsThreadPoolSize();
    expect(before).toBeGreaterThanOrEqual(1);
    fit(settings, 2);
    expect(alsThreadPoolSize()).toBe(before);
    expectIdentical(fit(settings, 1), fit(settings, 5), test);
  });

  it("a row that fails in any thread fails the fit with the row's message, and the pool stays usable", () => {
    // α = NaN (possible only past the config's validation) makes every conditional precision NaN.
    const settings = bpmfSettings(bpmfModel.config({ d: 3, maxIterations: 3, burnIn: 1, sampleAlpha: false }));
    for (const threads of [1, 2]) {
      expect(() => fit({ ...settings, alpha: Number.NaN }, threads)).toThrow(
        /bpmf: the conditional precision of row \d+ is not positive definite \(α = NaN\)/,
      );
    }
    expectIdentical(fit(settings, 1), fit(settings, 2), test);
  });

  it.skipIf(!hasMl100k)("ML-100K u1, bpmf d = 10, 4 sweeps: threads 2 gives the single-thread test predictions, sd and history bit for bit", () => {
    const { train: t, test: s } = loadFold("u1");
    const settings = bpmfSettings(bpmfModel.config({ d: 10, maxIterations: 4, burnIn: 1, seed: 5 }));
    const one = fitGibbs(t, { ...settings, threads: 1 }, { test: s, clip: [1, 5] });
    const two = fitGibbs(t, { ...settings, threads: 2 }, { test: s, clip: [1, 5] });
    expectIdentical(one, two, s);
    // A real fit, not a degenerate one: better than the global mean's test MSE on u1 (1.154² ≈ 1.33) after 4 sweeps.
    expect(one.history.testMse[3]).toBeLessThan(1.2);
  });
});

describe("Gibbs threads: the rule, the config field, the sweep", () => {
  it("gibbsEffectiveThreads: one thread per 10⁷ multiply-adds of a half-sweep (nnz·k², ALS's rule)", () => {
    // ML-100K u1 (80 000 ratings), biases: d = 10 → k = 11, 9.7·10⁶ → 1 thread; d = 15 → k = 16, 2.0·10⁷ → 2.
    expect(gibbsEffectiveThreads(80000, 11, 2)).toBe(1);
    expect(gibbsEffectiveThreads(80000, 15, 2)).toBe(1);
    expect(gibbsEffectiveThreads(80000, 16, 2)).toBe(2);
    expect(gibbsEffectiveThreads(80000, 21, 8)).toBe(3);
    expect(gibbsEffectiveThreads(80000, 51, 1)).toBe(1);
    expect(gibbsEffectiveThreads(0, 51, 4)).toBe(1);
  });

  it("a small fit asked for threads runs on this thread (no pool started), with the same numbers", async () => {
    await stopAlsThreads();
    for (const def of [bpmfModel, bayesSvdppModel]) {
      const p = { d: 3, maxIterations: 3, burnIn: 1 };
      const a = def.fit(train, def.config(p), { test });
      const b = def.fit(train, def.config({ ...p, threads: 2 }), { test });
      expect({ ...b.history, seconds: [] }).toEqual({ ...a.history, seconds: [] });
      expect(b.model.predict(3, 4)).toBe(a.model.predict(3, 4));
    }
    expect(alsThreadPoolSize()).toBe(0);
  });

  it("threads is declared once, performance-only, validated; both models are threadable", () => {
    for (const def of [bpmfModel, bayesSvdppModel]) {
      expect(def.threadable).toBe(true);
      expect(perfFields(def.params)).toEqual(["threads"]);
      expect(def.config({}).threads).toBe(1);
      expect(def.config({ threads: 3 }).threads).toBe(3);
      expect(() => def.config({ threads: 0 })).toThrow(SpecError);
      expect(() => def.config({ threads: 0 })).toThrow(`${def.name} config: threads must be ≥ 1, got 0`);
      expect(() => def.config({ threads: 1.5 })).toThrow(`${def.name} config: threads must be an integer, got 1.5`);
    }
    // The memory estimate counts the shared copies and per-thread workspaces of a threaded fit.
    const shape = { nUsers: 943, nItems: 1682, nnz: 80000 };
    const one = bpmfModel.memoryBytes!(shape, bpmfModel.config({}));
    const two = bpmfModel.memoryBytes!(shape, bpmfModel.config({ threads: 2 }));
    expect(two - one).toBe(32 * 80000 + 8 * 2 * 13 * 1682);
    expect(() => fitGibbs(train, { ...bpmfSettings(bpmfModel.config({})), threads: 0 })).toThrow("bpmf: threads must be an integer ≥ 1, got 0");
  });

  it("a sweep of one bpmf run on 2 workers gives the fit 2 threads: recorded, same run id, params and numbers", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-gibbs-threads-"));
    const spec = {
      name: "bpmf-threads",
      data: { kind: "synthetic", nUsers: 60, nItems: 80, nRatings: 1500, seed: 3 },
      model: "bpmf",
      params: { d: 3, maxIterations: 4, burnIn: 1 },
      seed: 11,
    };
    const a = await runSweep(validateSpec(spec), { out: path.join(dir, "a.json"), workers: 1 });
    const b = await runSweep(validateSpec(spec), { out: path.join(dir, "b.json"), workers: 2 });
    expect(a.results.runs[0].threads).toBeUndefined();
    expect(b.results.runs[0].threads).toBe(2);
    expect(b.results.runs[0].id).toBe(a.results.runs[0].id);
    expect(b.results.runs[0].params).toEqual(a.results.runs[0].params);
    expect(b.results.runs[0].metrics).toEqual(a.results.runs[0].metrics);
    expect(b.results.runs[0].history!.trainLoss).toEqual(a.results.runs[0].history!.trainLoss);
  });
});
