import { describe, expect, it } from "vitest";
import {
  ALS_EXAMPLE_H0,
  ALS_EXAMPLE_H0_SLIDE,
  ALS_EXAMPLE_RATINGS,
  ALS_EXAMPLE_SLIDE,
  ALS_EXAMPLE_W0,
  LECTURE_FEATURES,
  LECTURE_MOVIE_FEATURES,
  LECTURE_MOVIES,
  LECTURE_RATINGS,
  LECTURE_USERS,
  POP_QUIZ_SGD,
  SGD_EXAMPLE,
  alsExampleDataset,
  denseRatingsDataset,
  lectureDataset,
  transpose,
} from "../../src/data/toy";
import { InputError } from "../../src/core/errors";

/** The slides' tables, re-typed from the slide text as tab-separated strings ("?" = missing). */
const SLIDE_RATINGS = `User	Sholay	Swades	Batman	Interstellar	Shawshank
Alice	5	4	2	3	2
Bob	?	5	1	4	?
Carol	4	?	1	5	?`;
const SLIDE_FEATURES = `Movie	Bollywood	Sci-Fi	Drama
Sholay	0.95	0.10	0.85
Swades	1.00	0.20	0.90
Batman	0.05	0.80	0.30
Interstellar	0.05	0.95	0.70
Shawshank	0.05	0.15	0.95`;

function parseTable(s: string): { header: string[]; names: string[]; cells: (number | null)[][] } {
  const lines = s.split("\n").map((l) => l.split("\t"));
  return {
    header: lines[0].slice(1),
    names: lines.slice(1).map((l) => l[0]),
    cells: lines.slice(1).map((l) => l.slice(1).map((c) => (c === "?" ? null : Number(c)))),
  };
}

describe("lecture toy data", () => {
  it("is the slides' 3 × 5 Alice/Bob/Carol matrix with null for '?'", () => {
    const t = parseTable(SLIDE_RATINGS);
    expect([...LECTURE_MOVIES]).toEqual(t.header);
    expect([...LECTURE_USERS]).toEqual(t.names);
    expect(LECTURE_RATINGS).toEqual(t.cells);
    expect(LECTURE_RATINGS[1][0]).toBeNull(); // Bob's Sholay is the one the lecture asks to predict
    expect(LECTURE_RATINGS[2][1]).toBeNull(); // Carol's Swades likewise
  });

  it("has the hand-set movie features, one row per movie (= the slide's H ∈ ℝ^{3×5} transposed)", () => {
    const t = parseTable(SLIDE_FEATURES);
    expect([...LECTURE_FEATURES]).toEqual(t.header);
    expect(t.names).toEqual([...LECTURE_MOVIES]);
    expect(LECTURE_MOVIE_FEATURES).toEqual(t.cells);
    const slideH = [
      [0.95, 1.0, 0.05, 0.05, 0.05],
      [0.1, 0.2, 0.8, 0.95, 0.15],
      [0.85, 0.9, 0.3, 0.7, 0.95],
    ];
    expect(transpose(slideH)).toEqual(LECTURE_MOVIE_FEATURES);
  });

  it("has the 3 × 3 ALS example with W⁽⁰⁾ and H⁽⁰⁾ as printed", () => {
    expect(ALS_EXAMPLE_RATINGS).toEqual([
      [5, null, 2],
      [4, 4, null],
      [null, 5, 1],
    ]);
    expect(ALS_EXAMPLE_W0).toEqual([
      [0.5, 0.3],
      [0.4, 0.6],
      [0.2, 0.8],
    ]);
    expect(ALS_EXAMPLE_H0_SLIDE).toEqual([
      [1.0, 0.5, 0.2],
      [0.3, 1.2, 0.8],
    ]);
    expect(transpose(ALS_EXAMPLE_H0_SLIDE)).toEqual(ALS_EXAMPLE_H0);
    // The slide's X₁ = rows 1 and 3 of the item-row H⁽⁰⁾ (user 1 rated movies 1 and 3).
    expect(ALS_EXAMPLE_SLIDE.X).toEqual([ALS_EXAMPLE_H0[0], ALS_EXAMPLE_H0[2]]);
  });

  it("has the SGD example and the pop quiz inputs", () => {
    expect(SGD_EXAMPLE).toMatchObject({ rating: 5, w: [0.4, 0.2, 0.3], h: [0.95, 0.1, 0.85], alpha: 0.01 });
    expect(POP_QUIZ_SGD).toMatchObject({ rating: 2, w: [0.8, 0.3], h: [0.6, 0.9], alpha: 0.1 });
    expect(SGD_EXAMPLE.slide.statedPrediction).toBe(3.2);
    expect(POP_QUIZ_SGD.slide.statedPrediction).toBe(4.5);
  });

  it("is deeply frozen", () => {
    expect(Object.isFrozen(LECTURE_RATINGS)).toBe(true);
    expect(Object.isFrozen(LECTURE_RATINGS[0])).toBe(true);
    expect(Object.isFrozen(SGD_EXAMPLE.slide.w)).toBe(true);
    expect(() => {
      (LECTURE_MOVIE_FEATURES[0] as number[])[0] = 9;
    }).toThrow(TypeError);
  });
});

describe("denseRatingsDataset", () => {
  it("turns the lecture matrix into a train set of its 11 observed entries and an empty test set", () => {
    const ds = lectureDataset();
    expect(ds.train.nUsers).toBe(3);
    expect(ds.train.nItems).toBe(5);
    expect(ds.train.nnz).toBe(11);
    expect(ds.test.nnz).toBe(0);
    expect(ds.test.nUsers).toBe(3);
    expect(ds.test.nItems).toBe(5);
    expect(ds.userIds).toEqual(["Alice", "Bob", "Carol"]);
    expect(ds.itemIds).toEqual([...LECTURE_MOVIES]);
    expect(ds.itemTitles).toEqual([...LECTURE_MOVIES]);
    expect(ds.ratingScale).toEqual([1, 5]);
    // Every entry lands at (row, column) with its value; no missing entry appears.
    const seen = new Map<string, number>();
    for (let e = 0; e < ds.train.nnz; e++) seen.set(`${ds.train.users[e]},${ds.train.items[e]}`, ds.train.values[e]);
    LECTURE_RATINGS.forEach((row, u) => row.forEach((v, i) => expect(seen.get(`${u},${i}`)).toBe(v ?? undefined)));
    expect(ds.train.mean()).toBeCloseTo(36 / 11, 12);
    // Bob rated Swades, Batman, Interstellar.
    const csr = ds.train.byUser();
    expect(Array.from(csr.indices.subarray(csr.indptr[1], csr.indptr[2]))).toEqual([1, 2, 3]);
  });

  it("uses default names and options", () => {
    const ds = denseRatingsDataset(
      [
        [1, null],
        [null, 2],
      ],
      { ratingScale: [0, 10] },
    );
    expect(ds.userIds).toEqual(["u1", "u2"]);
    expect(ds.itemIds).toEqual(["i1", "i2"]);
    expect(ds.name).toBe("toy");
    expect(ds.ratingScale).toEqual([0, 10]);
    expect(alsExampleDataset().train.nnz).toBe(6);
  });

  it("rejects ragged, empty and non-finite matrices and wrong name lists", () => {
    expect(() => denseRatingsDataset([[1, 2], [3]])).toThrow(new InputError("denseRatingsDataset: row 1 has 1 entries, row 0 has 2"));
    expect(() => denseRatingsDataset([])).toThrow(/no rows/);
    expect(() => denseRatingsDataset([[]])).toThrow(/no columns/);
    expect(() => denseRatingsDataset([[1, NaN]])).toThrow(/entry \(0, 1\) is NaN; use null for a missing rating/);
    expect(() => denseRatingsDataset([[1, 2]], { itemNames: ["a"] })).toThrow(/itemNames has 1 names for 2 columns/);
    expect(() => denseRatingsDataset([[1, 2]], { userNames: ["a", "b"] })).toThrow(InputError);
  });
});
