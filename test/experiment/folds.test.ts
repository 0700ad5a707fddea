import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadFolds, validateFolds } from "../../src/experiment/folds";
import { validateSpec } from "../../src/experiment/spec";
import { hasMl100k, ML100K_DIR } from "../helpers/ml100k";

const synthetic = { kind: "synthetic" as const, nUsers: 50, nItems: 60, nRatings: 1000, seed: 1 };

describe("cross-validation folds", () => {
  it("a number of folds partitions all ratings of non-MovieLens data (seeded)", () => {
    const folds = loadFolds(synthetic, 4, 7);
    expect(folds.map((f) => f.name)).toEqual(["fold1", "fold2", "fold3", "fold4"]);
    const testSizes = folds.map((f) => f.dataset.test.nnz);
    expect(testSizes.reduce((a, b) => a + b, 0)).toBe(1000);
    for (const f of folds) expect(f.dataset.train.nnz + f.dataset.test.nnz).toBe(1000);
    const again = loadFolds(synthetic, 4, 7);
    expect(Array.from(again[2].dataset.test.values)).toEqual(Array.from(folds[2].dataset.test.values));
    expect(Array.from(loadFolds(synthetic, 4, 8)[0].dataset.test.users)).not.toEqual(Array.from(folds[0].dataset.test.users));
  });

  it("validates folds against the data", () => {
    const ml = { kind: "movielens-100k" as const, path: "x" };
    expect(() => validateFolds(3, ml)).toThrow(/folds = 3 is not available: the official folds are u1…u5/);
    expect(validateFolds(5, ml)).toBe(5);
    expect(validateFolds(3, { ...ml, split: "holdout" })).toBe(3);
    expect(() => validateFolds(["u1", "u9"], ml)).toThrow(
      `folds[1] "u9" is not a known MovieLens 100K fold (did you mean "u1"?); known: u1, u2, u3, u4, u5, ua, ub`,
    );
    expect(() => validateFolds(["u1"], synthetic)).toThrow(/named folds .* need MovieLens 100K data/);
    expect(() => validateFolds(1, synthetic)).toThrow("folds must be ≥ 2, got 1");
    expect(() => validateSpec({ name: "f", data: synthetic, model: "als", folds: [] })).toThrow("folds is an empty list");
  });

  it.skipIf(!hasMl100k)("MovieLens 100K: 5 = the official folds; with split holdout, a random 5-fold split of u.data", () => {
    const ml = { kind: "movielens-100k" as const, path: ML100K_DIR };
    const official = loadFolds(ml, 5, 0);
    expect(official.map((f) => f.name)).toEqual(["u1", "u2", "u3", "u4", "u5"]);
    expect(official.every((f) => f.dataset.train.nnz === 80000 && f.dataset.test.nnz === 20000)).toBe(true);
    const random = loadFolds({ ...ml, split: "holdout" }, 5, 0);
    expect(random.map((f) => f.name)).toEqual(["fold1", "fold2", "fold3", "fold4", "fold5"]);
    expect(random.every((f) => f.dataset.test.nnz === 20000)).toBe(true);
    expect(path.basename(random[0].dataset.source)).toMatch(/random 5-fold partition of all 100000 ratings/);
  });

  it("never silently replaces a given test set: a train-test pair or a named MovieLens fold with a number of folds is refused, with both choices", () => {
    const pair = { kind: "train-test" as const, train: "d/train.csv", test: "d/test.csv" };
    expect(() => validateFolds(5, pair)).toThrow(
      'folds is 5, but the data is a given split (train d/train.csv, test d/test.csv): cross-validating would pool train ∪ test and replace the given test set. To score on the given test set, remove "folds" (or run with --folds none); to cross-validate over the pooled ratings on purpose, write "folds": {"k": 5, "pooled": true} (or --folds 5 --pooled)',
    );
    expect(validateFolds({ k: 5, pooled: true }, pair)).toEqual({ k: 5, pooled: true });
    expect(() => validateFolds({ k: 5, pooled: true }, synthetic)).toThrow('"pooled" applies to train-test data only');
    const named = { kind: "movielens-100k" as const, path: "x", split: "u2" as const };
    expect(() => validateFolds(5, named)).toThrow(
      'folds is 5, but data.split names one official fold (u2): the folds would run u1…u5 instead of it. To score on u2 only, remove "folds" (or run with --folds none); to cross-validate over the official folds, remove data.split',
    );
    expect(validateFolds(["u1", "u2"], named)).toEqual(["u1", "u2"]);
    // The same rule in a spec file and in the notebook API (loadFolds).
    expect(() => validateSpec({ name: "f", data: pair, model: "global-mean", folds: 5 })).toThrow(/pool train ∪ test/);
    expect(() => loadFolds(pair, 5, 0)).toThrow(/pool train ∪ test/);
  });
});
