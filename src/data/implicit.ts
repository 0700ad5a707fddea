/**
 * Explicit ratings → implicit feedback: the data transform in front of implicit-feedback models (implicit ALS,
 * popularity) and ranking sweeps (`evaluation.task: "ranking"`).
 */
import type { RatingsMatrix } from "./ratings";

/** How {@link implicitFromRatings} turns explicit ratings into implicit interactions. */
export interface ImplicitConversion {
  /** Keep entries with rating ≥ threshold (default 4: "liked"). */
  threshold?: number;
  /** Stored strength of a kept entry: the rating itself (default) or 1. */
  value?: "rating" | "one";
}

/**
 * Explicit ratings → implicit interactions: keep the entries with r ≥ `threshold` (they become positives,
 * p = 1), drop the others (they become unobserved, p = 0, c = 1), and store r or 1 as the strength that feeds
 * the confidence. Same index space as `ratings`.
 */
export function implicitFromRatings(ratings: RatingsMatrix, options: ImplicitConversion = {}): RatingsMatrix {
  const threshold = options.threshold ?? 4;
  const keep: number[] = [];
  for (let e = 0; e < ratings.nnz; e++) if (ratings.values[e] >= threshold) keep.push(e);
  const out = ratings.subset(keep);
  if (options.value === "one") out.values.fill(1);
  return out;
}
