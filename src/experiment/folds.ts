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
 * Without `folds`, the data spec's own split is the single fold.
 */
import { SpecError } from "../core/errors";
import * as s from "../core/schema";
import { loadDataset } from "../data/load";
import { RatingsMatrix, type Dataset } from "../data/ratings";
import { validateDataSpec, type DataSpec, type DataSpecInput } from "../data/spec";
import { kFoldSplits } from "../data/split";

export const OFFICIAL_ML100K_FOLDS = ["u1", "u2", "u3", "u4", "u5"] as const;
/** Official MovieLens 100K folds a spec's `folds` list may name. */
export const ML100K_FOLD_NAMES = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"] as const;

/** What a spec may say under `folds`: a number of folds, or official MovieLens 100K fold names. */
export const FOLDS_SPEC = s.either(
  [
    s.int({ min: 2, max: 100 }),
    s.array(s.oneOf(ML100K_FOLD_NAMES, { valueNoun: "MovieLens 100K fold" }), {
      minItems: 1,
      unique: true,
      emptyHint: ": name at least one fold, or give a number of folds",
    }),
  ],
  {
    doc: 'a number of folds (2…100), or official MovieLens 100K fold names such as ["u1", "u2"]',
    expected: "an integer from 2 to 100 or a list of MovieLens fold names",
  },
);
export type FoldsSpec = number | string[];

/**
 * Check a raw `folds` value against the data spec; returns it normalised. The shape (an integer from 2 to 100, or a
 * non-empty list of distinct fold names u1…u5, ua, ub) is the `folds` part of the spec schema; the rules that
 * depend on the data stay as code: named folds need MovieLens 100K data, and MovieLens 100K with an official split
 * has exactly 5 folds.
 * @throws SpecError naming `folds`
 */
export function validateFolds(raw: unknown, input: DataSpecInput | DataSpec, file?: string): FoldsSpec {
  const data = validateDataSpec(input);
  raw = s.parse(FOLDS_SPEC, raw, { path: "folds", file });
  const fail = (p: string, reason: string): never => {
    throw new SpecError(p, reason, file);
  };
  if (typeof raw === "number") {
    if (data.kind === "movielens-100k" && data.split !== "holdout" && raw !== 5) {
      fail(
        "folds",
        `with MovieLens 100K data, folds = ${raw} is not available: the official folds are u1…u5 (use 5, list them, e.g. ["u1", "u2"], or set data.split to "holdout" for a random ${raw}-fold split of u.data)`,
      );
    }
    return raw;
  }
  const names = raw as string[];
  if (data.kind !== "movielens-100k")
    fail("folds", `named folds (${JSON.stringify(names[0])}, …) need MovieLens 100K data; for ${data.kind} data give a number of folds, e.g. 5`);
  return names;
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
  const data = validateDataSpec(input);
  if (folds === undefined) return [{ name: "", dataset: loadDataset(data, { baseDir }) }];
  if (data.kind === "movielens-100k" && (data.split !== "holdout" || typeof folds !== "number")) {
    const names = typeof folds === "number" ? [...OFFICIAL_ML100K_FOLDS] : folds;
    return names.map((name) => ({ name, dataset: loadDataset({ ...data, split: name as typeof data.split }, { baseDir }) }));
  }
  if (typeof folds !== "number") throw new SpecError("folds", "named folds need MovieLens 100K data");
  const whole = loadDataset(data, { baseDir });
  const all = concatRatings(whole.train, whole.test);
  return kFoldSplits(all.nnz, folds, seed).map((split, k) => ({
    name: `fold${k + 1}`,
    dataset: {
      ...whole,
      name: `${whole.name}/fold${k + 1}of${folds}`,
      source: `${whole.source}; random ${folds}-fold partition of all ${all.nnz} ratings (seed ${seed}), fold ${k + 1} as test`,
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
  return new RatingsMatrix(Math.max(a.nUsers, b.nUsers), Math.max(a.nItems, b.nItems), users, items, values);
}
