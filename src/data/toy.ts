/**
 * The lecture's toy data, exactly as printed on the slides (seed text 001, "Matrix factorization for
 * recommender systems"), plus a converter from a dense toy matrix to a {@link Dataset}.
 *
 * Conventions (read before using the factor matrices):
 * - A dense toy matrix is `(number | null)[][]`, one row per user, one column per movie; a **missing rating is
 *   `null`** (the slides' "?"). `null` rather than NaN so that a missing entry can never slip into arithmetic
 *   unnoticed (TypeScript forces the check) and survives JSON.
 * - Factor matrices are stored **one row per entity**: W is users × d (row i = w_i, as on the slides) and
 *   H is movies × d (row j = h_j). The slides print H as the d × movies matrix, i.e. the transpose of what is
 *   stored here; `*_SLIDE` exports keep the printed orientation where the slides print a matrix.
 * - Everything exported is deeply frozen.
 *
 * What the slides print and what the formulas give differ in places; see the `slide` fields below and
 * notebooks/lecture-walkthrough.ipynb (e.g. the SGD example says "we predict 3.2" but computes 0.655 and prints
 * h₁₃ = 0.8631 for 0.863035; the pop quiz says the model "predicts 4.5" while its vectors give w·h = 0.75).
 */
import { InputError } from "../core/errors";
import { RatingsMatrix, type Dataset } from "./ratings";

/** A dense ratings table: rows = users, columns = items, `null` = not rated. */
export type DenseRatings = readonly (readonly (number | null)[])[];
/** A dense real matrix, row-major as nested arrays. */
export type DenseMatrix = readonly (readonly number[])[];

function freeze<T>(value: T): T {
  if (Array.isArray(value)) value.forEach((v) => freeze(v));
  else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => freeze(v));
  return Object.freeze(value);
}

// ---------------------------------------------------------------------------------------------------------
// The 3 × 5 Alice / Bob / Carol matrix ("Concrete Example: Our Movie Dataset")

/** Users of the lecture's 3 × 5 example, in row order. */
export const LECTURE_USERS = freeze(["Alice", "Bob", "Carol"] as const);
/** Movies of the lecture's 3 × 5 example, in column order. */
export const LECTURE_MOVIES = freeze(["Sholay", "Swades", "Batman", "Interstellar", "Shawshank"] as const);
/**
 * The lecture's ratings A (3 users × 5 movies), `null` where the slide shows "?":
 *
 *   Alice  5 4 2 3 2 / Bob  ? 5 1 4 ? / Carol  4 ? 1 5 ?
 */
export const LECTURE_RATINGS: DenseRatings = freeze([
  [5, 4, 2, 3, 2],
  [null, 5, 1, 4, null],
  [4, null, 1, 5, null],
]);

/** Names of the three hand-set movie features ("Step 1: Define Movie Features Explicitly"). */
export const LECTURE_FEATURES = freeze(["Bollywood", "Sci-Fi", "Drama"] as const);
/**
 * The hand-set movie features, one row per movie (Sholay, Swades, Batman, Interstellar, Shawshank), columns
 * Bollywood / Sci-Fi / Drama — the slide's table, i.e. the transpose of the printed H ∈ ℝ^{3×5}.
 * (The later "Sholay's DNA" slide calls the same numbers Bollywood / Action / Comedy.)
 */
export const LECTURE_MOVIE_FEATURES: DenseMatrix = freeze([
  [0.95, 0.1, 0.85],
  [1.0, 0.2, 0.9],
  [0.05, 0.8, 0.3],
  [0.05, 0.95, 0.7],
  [0.05, 0.15, 0.95],
]);

// ---------------------------------------------------------------------------------------------------------
// The 3 × 3 worked ALS example ("Let's Build Intuition: Small Example", "Step-by-Step ALS Solution")

/** The small example's ratings A = [5 ? 2; 4 4 ?; ? 5 1] (users × items, `null` = "?"). */
export const ALS_EXAMPLE_RATINGS: DenseRatings = freeze([
  [5, null, 2],
  [4, 4, null],
  [null, 5, 1],
]);
/** Rank of the small example (W ∈ ℝ^{3×2}, H ∈ ℝ^{2×3}). */
export const ALS_EXAMPLE_D = 2;
/** The given W⁽⁰⁾ (users × 2). Note: a user-first ALS iteration never reads it (the first half-step overwrites W). */
export const ALS_EXAMPLE_W0: DenseMatrix = freeze([
  [0.5, 0.3],
  [0.4, 0.6],
  [0.2, 0.8],
]);
/** The given H⁽⁰⁾ as printed on the slide: 2 × 3 (features × items). */
export const ALS_EXAMPLE_H0_SLIDE: DenseMatrix = freeze([
  [1.0, 0.5, 0.2],
  [0.3, 1.2, 0.8],
]);
/** H⁽⁰⁾ stored one row per item (3 × 2) — the transpose of {@link ALS_EXAMPLE_H0_SLIDE}; row j = h_j. */
export const ALS_EXAMPLE_H0: DenseMatrix = freeze([
  [1.0, 0.3],
  [0.5, 1.2],
  [0.2, 0.8],
]);
/**
 * What the slide writes out for "Update User 1": y₁ = [5, 2]ᵀ and X₁ = [1.0 0.3; 0.2 0.8] (rows = h₁, h₃; the
 * slide calls them "columns 1,3 of H⁽⁰⁾ᵀ" — they are columns 1, 3 of H⁽⁰⁾, i.e. rows of H⁽⁰⁾ᵀ). The slide
 * stops at "Solve: w₁⁽¹⁾ = (X₁ᵀX₁)⁻¹X₁ᵀy₁" and prints no solution.
 */
export const ALS_EXAMPLE_SLIDE = freeze({
  user: 0,
  y: [5, 2],
  X: [
    [1.0, 0.3],
    [0.2, 0.8],
  ],
});

// ---------------------------------------------------------------------------------------------------------
// SGD ("SGD: Step-by-Step Example", "Pop Quiz 3: SGD Understanding")

/** One SGD update worked by hand: inputs, and the numbers the slide prints (`slide`). */
export interface SgdExample {
  /** The observed rating a_ij. */
  readonly rating: number;
  /** Current user vector w_i. */
  readonly w: readonly number[];
  /** Current item vector h_j. */
  readonly h: readonly number[];
  /** Learning rate α of the slides' update w ← w + α e h, h ← h + α e w (old w). */
  readonly alpha: number;
  /** The numbers as printed on the slide (rounded as printed; `statedPrediction` is the prose's claim). */
  readonly slide: {
    readonly statedPrediction: number;
    readonly prediction?: number;
    readonly error: number;
    readonly w: readonly number[];
    readonly h: readonly number[];
  };
}

/**
 * "Alice rates Sholay as 5, but we predict 3.2": w₁ = [0.4, 0.2, 0.3], h₁ = [0.95, 0.10, 0.85], α = 0.01.
 * The slide then computes â₁₁ = 0.655 (not 3.2), e₁₁ = 4.345, w₁ = [0.4413, 0.2043, 0.3369],
 * h₁ = [0.9674, 0.1087, 0.8631] — consistent with the update rule (h updated with the OLD w), except the last
 * entry: 0.85 + 0.01 × 4.345 × 0.3 = 0.863035, which rounds to 0.8630, not 0.8631.
 */
export const SGD_EXAMPLE: SgdExample = freeze({
  rating: 5,
  w: [0.4, 0.2, 0.3],
  h: [0.95, 0.1, 0.85],
  alpha: 0.01,
  slide: {
    statedPrediction: 3.2,
    prediction: 0.655,
    error: 4.345,
    w: [0.4413, 0.2043, 0.3369],
    h: [0.9674, 0.1087, 0.8631],
  },
});

/**
 * Pop quiz 3: "a rating of 2, our model predicts 4.5", α = 0.1, w = [0.8, 0.3], h = [0.6, 0.9]. The slide's
 * answers use e = −2.5: w ← [0.65, 0.075], h ← [0.4, 0.825]. But w·h = 0.75, so with these vectors the
 * formulas give e = 1.25 instead; the slide's numbers follow only if the prediction has a further fixed
 * part of 4.5 − 0.75 = 3.75 (e.g. μ + b_i + b_j of a biased model).
 */
export const POP_QUIZ_SGD: SgdExample = freeze({
  rating: 2,
  w: [0.8, 0.3],
  h: [0.6, 0.9],
  alpha: 0.1,
  slide: {
    statedPrediction: 4.5,
    error: -2.5,
    w: [0.65, 0.075],
    h: [0.4, 0.825],
  },
});

// ---------------------------------------------------------------------------------------------------------
// Dense toy matrix → Dataset

export interface DenseDatasetOptions {
  /** Dataset name (default "toy"). */
  name?: string;
  /** One name per row (default "u1", "u2", …); becomes `Dataset.userIds`. */
  userNames?: readonly string[];
  /** One name per column (default "i1", "i2", …); becomes `Dataset.itemIds` and `itemTitles`. */
  itemNames?: readonly string[];
  /** Declared rating scale (default [1, 5], the lecture's). */
  ratingScale?: readonly [number, number];
  /** Where the data came from (default "dense toy matrix"). */
  source?: string;
}

/**
 * A {@link Dataset} whose training set holds every non-null entry of `ratings` (dense user index = row,
 * item index = column, entries in row-major order) and whose test set is empty (same 0-entry index space).
 * User/item ids are the given names; `itemTitles` = the item names.
 * @throws InputError for an empty or ragged matrix, a non-finite rating, or a name list of the wrong length
 */
export function denseRatingsDataset(ratings: DenseRatings, options: DenseDatasetOptions = {}): Dataset {
  const nUsers = ratings.length;
  if (nUsers === 0) throw new InputError("denseRatingsDataset: the matrix has no rows");
  const nItems = ratings[0].length;
  if (nItems === 0) throw new InputError("denseRatingsDataset: the matrix has no columns");
  let nnz = 0;
  ratings.forEach((row, u) => {
    if (row.length !== nItems) {
      throw new InputError(`denseRatingsDataset: row ${u} has ${row.length} entries, row 0 has ${nItems}`);
    }
    row.forEach((v, i) => {
      if (v === null) return;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InputError(`denseRatingsDataset: entry (${u}, ${i}) is ${String(v)}; use null for a missing rating`);
      }
      nnz++;
    });
  });
  const userIds = names(options.userNames, nUsers, "u", "userNames", "rows");
  const itemIds = names(options.itemNames, nItems, "i", "itemNames", "columns");
  const users = new Int32Array(nnz);
  const items = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let e = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      const v = ratings[u][i];
      if (v === null) continue;
      users[e] = u;
      items[e] = i;
      values[e] = v;
      e++;
    }
  }
  const train = new RatingsMatrix(nUsers, nItems, users, items, values);
  const test = new RatingsMatrix(nUsers, nItems, new Int32Array(0), new Int32Array(0), new Float64Array(0));
  return {
    name: options.name ?? "toy",
    source: options.source ?? "dense toy matrix",
    userIds,
    itemIds,
    train,
    test,
    ratingScale: options.ratingScale ?? [1, 5],
    itemTitles: itemIds,
  };
}

function names(given: readonly string[] | undefined, n: number, prefix: string, what: string, dim: string): string[] {
  if (given === undefined) return Array.from({ length: n }, (_, k) => `${prefix}${k + 1}`);
  if (given.length !== n) throw new InputError(`denseRatingsDataset: ${what} has ${given.length} names for ${n} ${dim}`);
  return [...given];
}

/** The lecture's 3 × 5 Alice/Bob/Carol matrix as a Dataset (ids = the names; empty test set). */
export function lectureDataset(): Dataset {
  return denseRatingsDataset(LECTURE_RATINGS, {
    name: "lecture-3x5",
    source: "lecture slides: Alice/Bob/Carol × Sholay, Swades, Batman, Interstellar, Shawshank",
    userNames: LECTURE_USERS,
    itemNames: LECTURE_MOVIES,
  });
}

/** The 3 × 3 worked-ALS example as a Dataset (users "user 1".."user 3", items "movie 1".."movie 3"). */
export function alsExampleDataset(): Dataset {
  return denseRatingsDataset(ALS_EXAMPLE_RATINGS, {
    name: "lecture-3x3",
    source: "lecture slides: the 3×3 worked ALS example",
    userNames: ["user 1", "user 2", "user 3"],
    itemNames: ["movie 1", "movie 2", "movie 3"],
  });
}

/** The transpose of a dense matrix (e.g. to switch between the slides' d × items H and the stored items × d). */
export function transpose(m: DenseMatrix): number[][] {
  if (m.length === 0) return [];
  return m[0].map((_, c) => m.map((row) => row[c]));
}
