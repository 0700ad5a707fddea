/**
 * Facts about a dataset, computed from its ratings in one pass: users, items, training and test ratings, density,
 * the rating scale, the lowest and highest rating present, the scale's step (whole stars, half stars…), the number
 * of distinct values, the mean training rating, and how many items have titles. Used by `mflab notebook new` (to
 * bind a notebook to the data) and by the notebook text of ../notebook/narrative.ts.
 */
import type { Dataset } from "./ratings";

/** What {@link dataFacts} computes from a dataset (every number from its ratings). */
export interface DataFacts {
  name: string;
  users: number;
  items: number;
  trainRatings: number;
  testRatings: number;
  /** Training ratings / (users × items). */
  density: number;
  /** The declared (or inferred) rating scale [min, max]. */
  scale: readonly [number, number];
  /** Lowest and highest rating present (train ∪ test). */
  observedMin: number;
  observedMax: number;
  /** The largest step every rating is a multiple of, above the scale's minimum (1: whole stars, 0.5: half stars), or undefined if none ≥ 0.01. */
  step: number | undefined;
  /** Number of distinct rating values (train ∪ test). */
  distinctValues: number;
  meanTrainRating: number;
  /** Items with a non-empty title (0 when the data has none). */
  itemsWithTitles: number;
}

/** The facts of {@link DataFacts}, computed in one pass over the ratings. */
export function dataFacts(dataset: Dataset): DataFacts {
  const values = new Set<number>();
  let sum = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const m of [dataset.train, dataset.test]) {
    for (const v of m.values) {
      values.add(v);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  for (const v of dataset.train.values) sum += v;
  const scale = dataset.ratingScale;
  const step = [1, 0.5, 0.25, 0.2, 0.1, 0.05, 0.01].find((s) =>
    [...values].every((v) => Math.abs((v - scale[0]) / s - Math.round((v - scale[0]) / s)) < 1e-9),
  );
  const nTrain = dataset.train.nnz;
  return {
    name: dataset.name,
    users: dataset.train.nUsers,
    items: dataset.train.nItems,
    trainRatings: nTrain,
    testRatings: dataset.test.nnz,
    density: nTrain / (dataset.train.nUsers * dataset.train.nItems),
    scale: [scale[0], scale[1]],
    observedMin: values.size > 0 ? lo : Number.NaN,
    observedMax: values.size > 0 ? hi : Number.NaN,
    step,
    distinctValues: values.size,
    meanTrainRating: nTrain > 0 ? sum / nTrain : Number.NaN,
    itemsWithTitles: (dataset.itemTitles ?? []).filter((t) => t !== "").length,
  };
}
