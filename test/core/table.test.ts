import { describe, expect, it } from "vitest";
import { markdownTable, textTable, type TableColumn } from "../../src/core/table";

const columns: TableColumn[] = [{ header: "model" }, { header: "d", align: "right" }, { header: "test MSE", align: "right" }];

describe("textTable", () => {
  it("aligns columns two spaces apart under a rule, left or right, without trailing spaces", () => {
    expect(
      textTable(columns, [
        ["als", "10", "0.9123"],
        ["global-mean", "1", "1.1"],
      ]),
    ).toBe(["model         d  test MSE", "-----------  --  --------", "als          10    0.9123", "global-mean   1       1.1"].join("\n"));
  });

  it("runs a note row's free text on after its leading cells without widening any column", () => {
    const text = textTable(columns, [["als", "1", "0.5"], { cells: ["sgd"], note: "FAILED: SGD diverged at epoch 1 (loss NaN)" }]);
    expect(text.split("\n")).toEqual([
      "model  d  test MSE",
      "-----  -  --------",
      "als    1       0.5",
      "sgd    FAILED: SGD diverged at epoch 1 (loss NaN)",
    ]);
  });

  it("can leave out the header and rule (a listing)", () => {
    expect(
      textTable(
        [{ header: "name" }, { header: "text" }],
        [
          ["a", "first"],
          ["", "continued"],
        ],
        { header: false },
      ),
    ).toBe("a  first\n   continued");
  });
});

describe("markdownTable", () => {
  it("writes a header, an alignment row (---: for right-aligned) and the cells as given", () => {
    expect(
      markdownTable(columns, [
        ["als", "10", "0.9123"],
        ["**x**", "", "1"],
      ]),
    ).toBe(["| model | d | test MSE |", "| --- | ---: | ---: |", "| als | 10 | 0.9123 |", "| **x** |  | 1 |"].join("\n"));
  });
});
