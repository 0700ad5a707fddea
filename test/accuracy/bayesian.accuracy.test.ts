/**
 * Bayesian MF accuracy on MovieLens 100K u1 (skipped when the data set is absent).
 *
 * Target (issue 18): on u1 (train u1.base, test u1.test, predictions clipped to [1, 5]) the best of bpmf /
 * bayes-svdpp reaches RMSE ≤ 0.905 — against the published u1 figures GC-MC 0.910 (0.905 with side features) and
 * the reference library's SVD++ 0.933 on that fold. bayes-svdpp at d = 10, 100 sweeps (20 burn-in), seed 0
 * measured 0.9007 (≈ 10 s on the shared 2-core VM); the tolerance is the target itself. The five-fold comparison
 * with svdpp is measured by script (README, Models), not here: it takes minutes.
 * Also checks that the loader keeps the timestamps the time-bin bias needs.
 */
import { describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/load";
import { scorePredictor } from "../../src/metrics/accuracy";
import { bayesSvdppModel } from "../../src/models/bayesian/bayes-svdpp";
import { hasMl100k, ML100K_DIR } from "../helpers/ml100k";

if (!hasMl100k) console.warn(`bayesian.accuracy: MovieLens 100K not found at ${ML100K_DIR}; skipping the u1 target`);

describe.skipIf(!hasMl100k)("bayes-svdpp on ML-100K u1", () => {
  it("reaches test RMSE ≤ 0.905 (clipped to [1, 5]) with timestamps from the loader", () => {
    const ds = loadDataset({ kind: "movielens-100k", path: ML100K_DIR, split: "u1" });
    expect(ds.train.timestamps).not.toBeNull();
    expect(ds.test.timestamps).not.toBeNull();
    // u1.base's first line: 1 1 5 874965758
    expect(ds.train.timestamps?.[0]).toBe(874965758);
    const fit = bayesSvdppModel.fit(ds.train, bayesSvdppModel.config({ d: 10, maxIterations: 100, burnIn: 20, seed: 0 }));
    const s = scorePredictor(fit.model, ds.test, { clip: [1, 5] });
    console.log(`bayes-svdpp u1 RMSE ${s.rmse.toFixed(4)}`);
    expect(s.rmse).toBeLessThanOrEqual(0.905);
  }, 120_000);
});
