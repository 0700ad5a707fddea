/**
 * 5-fold accuracy of the baselines and SGD-family models on real MovieLens 100K (official folds u1..u5,
 * predictions clipped to [1, 5]) against Surprise's published figures (RMSE / MAE, default parameters):
 * BaselineOnly 0.944/0.748, SVD 0.934/0.737, SVD++ 0.919/0.721, NormalPredictor 1.518/1.219.
 * Each mean must be ≤ reference + 0.005 (RMSE and MAE) and not implausibly better (≥ reference − 0.02).
 *
 * Note: Surprise's figures come from a random 5-fold split of u.data; the official u1..u5 folds are a bit
 * harder (u1 especially), by ≈ 0.002 (baselines) to 0.004 (SVD) RMSE for the same algorithm, which this
 * band has to absorb. Models without a Surprise figure (sgd-mf, gd-mf, the mean baselines) are checked
 * against independent computations or ordering relations instead.
 */
import { afterAll, describe, expect, it } from "vitest";
import { scorePredictor } from "../../src/metrics/accuracy";
import {
  baselineAlsModel,
  baselineSgdModel,
  globalMeanModel,
  itemMeanModel,
  randomNormalModel,
  userMeanModel,
} from "../../src/models/baselines/baselines";
import { gdMfModel } from "../../src/models/gradient/gd-mf";
import { sgdMfModel, svdModel } from "../../src/models/gradient/svd";
import { svdppModel } from "../../src/models/gradient/svdpp";
import type { ModelDefinition } from "../../src/models/types";
import { ML100K_DIR, hasMl100k, loadFold } from "../helpers/ml100k";

if (!hasMl100k) console.warn(`baselines-sgd accuracy: MovieLens 100K not found at ${ML100K_DIR}; skipping`);

const FOLDS = ["u1", "u2", "u3", "u4", "u5"];

interface Summary {
  rmse: number;
  mae: number;
  secondsPerFold: number;
}
const table: Record<string, Summary> = {};

function fiveFold(def: ModelDefinition<object>, partial: Record<string, unknown> = {}, label = def.name): Summary {
  let rmse = 0;
  let mae = 0;
  let seconds = 0;
  for (const f of FOLDS) {
    const { train, test } = loadFold(f);
    const t0 = performance.now();
    const fitted = def.fit(train, def.config(partial));
    seconds += (performance.now() - t0) / 1000;
    const s = scorePredictor(fitted.model, test, { clip: [1, 5] });
    expect(s.n).toBe(20000);
    rmse += s.rmse;
    mae += s.mae;
  }
  const out = { rmse: rmse / FOLDS.length, mae: mae / FOLDS.length, secondsPerFold: seconds / FOLDS.length };
  table[label] = out;
  return out;
}

function expectNearReference(got: Summary, rmse: number, mae: number): void {
  expect(got.rmse).toBeLessThanOrEqual(rmse + 0.005);
  expect(got.mae).toBeLessThanOrEqual(mae + 0.005);
  expect(got.rmse).toBeGreaterThanOrEqual(rmse - 0.02);
  expect(got.mae).toBeGreaterThanOrEqual(mae - 0.02);
}

describe.skipIf(!hasMl100k)("ML-100K official folds: baselines and SGD models vs Surprise", () => {
  afterAll(() => {
    const lines = Object.entries(table).map(
      ([k, v]) => `${k.padEnd(22)} RMSE ${v.rmse.toFixed(4)}  MAE ${v.mae.toFixed(4)}  fit ${v.secondsPerFold.toFixed(2)} s/fold`,
    );
    console.log(`5-fold means (u1..u5, clip [1,5]):\n${lines.join("\n")}`);
  });

  it("baseline-als ≈ Surprise BaselineOnly (0.944 / 0.748)", () => {
    expectNearReference(fiveFold(baselineAlsModel), 0.944, 0.748);
  });

  it("baseline-sgd ≈ Surprise BaselineOnly (0.944 / 0.748)", () => {
    expectNearReference(fiveFold(baselineSgdModel), 0.944, 0.748);
  });

  it("svd ≈ Surprise SVD (0.934 / 0.737) and beats the baseline", () => {
    const svd = fiveFold(svdModel);
    expectNearReference(svd, 0.934, 0.737);
    expect(svd.rmse).toBeLessThan(table["baseline-als"]?.rmse ?? fiveFold(baselineAlsModel).rmse);
  });

  it("svdpp ≈ Surprise SVD++ (0.919 / 0.721) and beats svd", () => {
    const pp = fiveFold(svdppModel);
    expectNearReference(pp, 0.919, 0.721);
    expect(pp.rmse).toBeLessThan(table.svd?.rmse ?? fiveFold(svdModel).rmse);
  });

  it("random-normal ≈ Surprise NormalPredictor (1.518 / 1.219), averaged over 5 seeds", () => {
    // One seed's 5-fold mean varies by ≈ ±0.003; the expectation is what the reference estimates.
    const runs = [0, 1, 2, 3, 4].map((seed) => fiveFold(randomNormalModel, { seed }, `random-normal seed ${seed}`));
    const mean = {
      rmse: runs.reduce((s, r) => s + r.rmse, 0) / runs.length,
      mae: runs.reduce((s, r) => s + r.mae, 0) / runs.length,
      secondsPerFold: runs[0].secondsPerFold,
    };
    table["random-normal (5 seeds)"] = mean;
    expectNearReference(mean, 1.518, 1.219);
  });

  it("mean baselines equal an independent computation and order global > user > item > baseline", () => {
    const g = fiveFold(globalMeanModel);
    const um = fiveFold(userMeanModel);
    const im = fiveFold(itemMeanModel);
    // Independent: global mean RMSE computed directly from the fold arrays.
    let rmse = 0;
    for (const f of FOLDS) {
      const { train, test } = loadFold(f);
      const mu = train.values.reduce((s, v) => s + v, 0) / train.values.length;
      rmse += Math.sqrt(test.values.reduce((s, v) => s + (v - mu) ** 2, 0) / test.values.length);
    }
    expect(g.rmse).toBeCloseTo(rmse / FOLDS.length, 10);
    expect(g.rmse).toBeGreaterThan(um.rmse);
    expect(um.rmse).toBeGreaterThan(im.rmse);
    expect(im.rmse).toBeGreaterThan(table["baseline-als"]?.rmse ?? fiveFold(baselineAlsModel).rmse);
  });

  it("sgd-mf (no biases) and gd-mf (lecture defaults) land in their measured bands", () => {
    // No Surprise figure: bands around the measured 0.952 / 0.751 (sgd-mf) and 0.946 / 0.742 (gd-mf).
    const mf = fiveFold(sgdMfModel);
    expect(mf.rmse).toBeLessThan(0.96);
    expect(mf.rmse).toBeGreaterThan(0.94);
    expect(mf.mae).toBeLessThan(0.76);
    const gd = fiveFold(gdMfModel);
    expect(gd.rmse).toBeLessThan(0.955);
    expect(gd.rmse).toBeGreaterThan(0.935);
    expect(gd.mae).toBeLessThan(0.75);
  });
});
