/**
 * Cross-validation folds for sweeps. A spec's optional `folds` key turns one train/test split into several, and
 * every configuration is fitted and scored on each (identical folds for every model compared):
 *
 * - `"folds": ["u1", "u2", …]` — named official MovieLens 100K folds (`uN.base` / `uN.test`);
 * - `"folds": k` (an integer ≥ 2) — for MovieLens 100K data with an official split (u1…u5, ua, ub) the official
 *   folds u1…u5 (k must then be 5: the files exist for exactly this protocol); for MovieLens 100K with
 *   `"split": "holdout"` and for any other data a seeded random k-fold partition of all its ratings (train ∪ test
 *   of the data spec), seeded by the sweep seed — for MovieLens 100K that is Surprise's `cross_validate(cv=k)`
 *   protocol on `u.data`, under which its published benchmark figures were measured.
 *
 * - `"folds": {"k": 5, "pooled": true}` — train-test data only: pool the given train and test files and
 *   cross-validate over them, giving up the given test set on purpose.
 *
 * Without `folds`, the data spec's own split is the single fold. Data that carries its own test set is never
 * silently replaced: a number of folds with train-test data (which would pool train ∪ test), or with a MovieLens
 * 100K spec that names one fold in `data.split` (which would run u1…u5 instead), is refused with both choices.
 */
import { SpecError } from "../core/errors";
import * as s from "../core/schema";
import { loadDataset } from "../data/load";
import { RatingsMatrix, type Dataset } from "../data/ratings";
import { validateDataSpec, type DataSpec, type DataSpecInput, type Ml100kSplit } from "../data/spec";
import { kFoldSplits } from "../data/split";

export const OFFICIAL_ML100K_FOLDS = ["u1", "u2", "u3", "u4", "u5"] as const;
/** Official MovieLens 100K folds a spec's `folds` list may name. */
export const ML100K_FOLD_NAMES = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"] as const;

/** What a spec may say under `folds`: a number of folds, official MovieLens 100K fold names, or a pooled k. */
export const FOLDS_SPEC = s.either(
  [
    s.int({ min: 2, max: 100 }),
    s.object(
      {
        k: s.int({ min: 2, max: 100, doc: "number of folds" }),
        pooled: s.oneOf([true], { doc: "pool a train-test pair and cross-validate over train ∪ test (opt-in)" }),
      },
      { unknownKey: "a field of pooled folds", expected: '{"k": 5, "pooled": true}' },
    ),
    s.array(s.oneOf(ML100K_FOLD_NAMES, { valueNoun: "MovieLens 100K fold" }), {
      minItems: 1,
      unique: true,
      emptyHint: ": name at least one fold, or give a number of folds",
    }),
  ],
  {
    doc: 'a number of folds (2…100), or official MovieLens 100K fold names such as ["u1", "u2"]',
    expected: 'an integer from 2 to 100, a list of MovieLens fold names, or {"k": 5, "pooled": true}',
  },
);
export type FoldsSpec = number | string[] | { k: number; pooled: true };

/** The number of folds a folds value asks for (k of a pooled spec; the length of a list). */
export function foldCount(folds: FoldsSpec): number {
  return typeof folds === "number" ? folds : Array.isArray(folds) ? folds.length : folds.k;
}

/**
 * Check a raw `folds` value against the data spec; returns it normalised. The shape (an integer from 2 to 100, or a
 * non-empty list of distinct fold names u1…u5, ua, ub) is the `folds` part of the spec schema; the rules that
 * depend on the data stay as code: named folds need MovieLens 100K data, and MovieLens 100K with an official split
 * has exactly 5 folds.
 * @throws SpecError naming `folds`
 */
export function validateFolds(raw: unknown, input: DataSpecInput | DataSpec, file?: string): FoldsSpec {
  const data = validateDataSpec(input);
  const folds = s.parse(FOLDS_SPEC, raw, { path: "folds", file }) as FoldsSpec;
  const fail = (reason: string): never => {
    throw new SpecError("folds", reason, file);
  };
  const given = (input as { split?: unknown }).split;
  if (typeof folds === "number") {
    if (data.kind === "train-test") {
      fail(
        `is ${folds}, but the data is a given split (train ${data.train}, test ${data.test}): cross-validating would pool train ∪ test ` +
          `and replace the given test set. To score on the given test set, remove "folds" (or run with --folds none); to ` +
          `cross-validate over the pooled ratings on purpose, write "folds": {"k": ${folds}, "pooled": true} (or --folds ${folds} --pooled)`,
      );
    }
    if (data.kind === "movielens-100k" && data.split !== "holdout") {
      if (given !== undefined && given !== null) {
        fail(
          `is ${folds}, but data.split names one official fold (${data.split}): the folds would run u1…u5 instead of it. ` +
            `To score on ${data.split} only, remove "folds" (or run with --folds none); to cross-validate over the official folds, remove data.split`,
        );
      }
      if (folds !== 5) {
        fail(
          `with MovieLens 100K data, folds = ${folds} is not available: the official folds are u1…u5 (use 5, list them, e.g. ["u1", "u2"], or set data.split to "holdout" for a random ${folds}-fold split of u.data)`,
        );
      }
    }
    return folds;
  }
  if (!Array.isArray(folds)) {
    if (data.kind !== "train-test") fail(`"pooled" applies to train-test data only; for ${data.kind} data give a number of folds, e.g. ${folds.k}`);
    return folds;
  }
  if (data.kind !== "movielens-100k")
    fail(`named folds (${JSON.stringify(folds[0])}, …) need MovieLens 100K data; for ${data.kind} data give a number of folds, e.g. 5`);
  return folds;
}

/** One fold: its name (as recorded in run records) and its train/test dataset. */
export interface Fold {
  name: string;
  dataset: Dataset;
}

/**
 * The datasets a sweep runs on: one per fold, or the data spec's single split when `folds` is undefined.
 * @throws whatever loading the data throws (InputError / ParseError with file and line)
 */
export function loadFolds(input: DataSpecInput | DataSpec, folds: FoldsSpec | undefined, seed: number, baseDir?: string): Fold[] {
  if (folds !== undefined) validateFolds(folds, input);
  return foldsOf(validateDataSpec(input), folds, seed, baseDir);
}

/** {@link loadFolds} for folds already checked against the data as given (the sweep runner checks them first). */
export function foldsOf(data: DataSpec, folds: FoldsSpec | undefined, seed: number, baseDir?: string): Fold[] {
  if (folds === undefined) return [{ name: "", dataset: loadDataset(data, { baseDir }) }];
  if (Array.isArray(folds) || (data.kind === "movielens-100k" && data.split !== "holdout")) {
    const names = Array.isArray(folds) ? folds : [...OFFICIAL_ML100K_FOLDS];
    return names.map((name) => ({ name, dataset: loadDataset({ ...data, split: name as Ml100kSplit }, { baseDir }) }));
  }
  const k = foldCount(folds);
  const whole = loadDataset(data, { baseDir });
  const all = concatRatings(whole.train, whole.test);
  return kFoldSplits(all.nnz, k, seed).map((split, f) => ({
    name: `fold${f + 1}`,
    dataset: {
      ...whole,
      name: `${whole.name}/fold${f + 1}of${k}`,
      source: `${whole.source}; random ${k}-fold partition of all ${all.nnz} ratings (seed ${seed}), fold ${f + 1} as test`,
      train: all.subset(split.trainIdx),
      test: all.subset(split.testIdx),
    },
  }));
}

/** All entries of `a` then `b` (same index space). */
export function concatRatings(a: RatingsMatrix, b: RatingsMatrix): RatingsMatrix {
  const n = a.nnz + b.nnz;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const values = new Float64Array(n);
  users.set(a.users);
  users.set(b.users, a.nnz);
  items.set(a.items);
  items.set(b.items, a.nnz);
  values.set(a.values);
  values.set(b.values, a.nnz);
  let timestamps: Float64Array | null = null;
  if (a.timestamps !== null && b.timestamps !== null) {
    timestamps = new Float64Array(n);
    timestamps.set(a.timestamps);
    timestamps.set(b.timestamps, a.nnz);
  }
  return new RatingsMatrix(Math.max(a.nUsers, b.nUsers), Math.max(a.nItems, b.nItems), users, items, values, timestamps);
}
