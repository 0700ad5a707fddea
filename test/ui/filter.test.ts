/** The ui tables' filters and sort (web/filter.ts), against hand-listed expectations. */
import { describe, expect, it } from "vitest";
import { cellMatcher, cellText, compareCells, viewRows } from "../../web/filter";

describe("cell text", () => {
  it("shows integers as they are, other numbers with at most 4 decimals, tiny/huge ones in exponent form, null as –", () => {
    expect([1, 20, 0.87823, 0.1, 1e-6, 2.5e7, null, "als", true].map(cellText)).toEqual([
      "1",
      "20",
      "0.8782",
      "0.1",
      "1.000e-6",
      "25000000",
      "–",
      "als",
      "true",
    ]);
  });
});

describe("column filters", () => {
  const nums = [0.5, 0.9, 1, 2, 10, null];
  const keep = (expr: string) => nums.filter((v) => cellMatcher(expr, "number")(v));
  it("numbers: equality, comparisons, ranges", () => {
    expect(keep("")).toEqual(nums);
    expect(keep("1")).toEqual([1]);
    expect(keep(">1")).toEqual([2, 10]);
    expect(keep(">= 1")).toEqual([1, 2, 10]);
    expect(keep("<0.9")).toEqual([0.5]);
    expect(keep("<=0.9")).toEqual([0.5, 0.9]);
    expect(keep("!=1")).toEqual([0.5, 0.9, 2, 10, null]);
    expect(keep("0.9..2")).toEqual([0.9, 1, 2]);
    expect(keep("1e1")).toEqual([10]);
  });
  it("text: substring (any case), negation, exact", () => {
    const words = ["als", "ALS-WR", "svd", "svdpp", null];
    const keepText = (expr: string) => words.filter((v) => cellMatcher(expr, "text")(v));
    expect(keepText("als")).toEqual(["als", "ALS-WR"]);
    expect(keepText("!svd")).toEqual(["als", "ALS-WR", null]);
    expect(keepText("=svd")).toEqual(["svd"]);
    expect(keepText("–")).toEqual([null]);
  });
  it("a number column filtered with something that is not a number matches the shown text", () => {
    expect(nums.filter((v) => cellMatcher("–", "number")(v))).toEqual([null]);
    expect(nums.filter((v) => cellMatcher(" .9 ", "number")(v))).toEqual([0.9]);
  });
});

describe("sorting", () => {
  it("numbers numerically, missing cells last in both directions, stable", () => {
    const rows = [2, null, 10, 1, 2].map((v, i) => ({ cells: [v, `r${i}`] }));
    expect(viewRows(rows, ["number", "text"], new Map(), { column: 0, direction: 1 })).toEqual([3, 0, 4, 2, 1]);
    expect(viewRows(rows, ["number", "text"], new Map(), { column: 0, direction: -1 })).toEqual([2, 0, 4, 3, 1]);
  });
  it("text with numbers inside in natural order; filters and sort together", () => {
    expect(["u10", "u2", "u1"].sort((a, b) => compareCells(a, b, 1))).toEqual(["u1", "u2", "u10"]);
    const rows = [{ cells: ["als", 0.9] }, { cells: ["svd", 0.8] }, { cells: ["als", 0.7] }];
    expect(viewRows(rows, ["text", "number"], new Map([[0, "als"]]), { column: 1, direction: 1 })).toEqual([2, 0]);
  });
});
