/**
 * The notebook text helpers (src/notebook/narrative.ts): facts counted by hand on small datasets, the scale's step
 * (whole, half stars, continuous), the protocol sentence per data kind, Markdown tables from records, and the
 * discussion built on the report's observations.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/load";
import { dataFacts } from "../../src/data/facts";
import { describeData, describeProtocol, describeScale, discuss, tableOf } from "../../src/notebook/narrative";
import { keyFindings, observeSweep } from "../../src/report/observations";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-narrative-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

function pair(name: string, train: string, test: string) {
  const dir = path.join(TMP, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "train.csv"), `userId,movieId,rating\n${train}`);
  fs.writeFileSync(path.join(dir, "test.csv"), `userId,movieId,rating\n${test}`);
  return { kind: "train-test" as const, train: path.join(dir, "train.csv"), test: path.join(dir, "test.csv") };
}

describe("dataFacts / describeData", () => {
  // 3 users × 3 items; 5 training ratings (density 5/9), 2 test ratings; values 0.5, 1.5, 2, 4.5, 5 | 3, 1.
  const half = pair("half", "a,x,0.5\na,y,4.5\nb,x,2\nb,z,5\nc,y,1.5\n", "a,z,3\nc,x,1\n");

  it("counts users, items, ratings, density, scale, step, mean as by hand", () => {
    const ds = loadDataset({ ...half, ratingScale: [0.5, 5] }, { onWarning: () => {} });
    const f = dataFacts(ds);
    expect(f).toMatchObject({ users: 3, items: 3, trainRatings: 5, testRatings: 2, scale: [0.5, 5], observedMin: 0.5, observedMax: 5 });
    expect(f.density).toBeCloseTo(5 / 9, 12);
    expect(f.step).toBe(0.5);
    expect(f.distinctValues).toBe(7);
    expect(f.meanTrainRating).toBeCloseTo((0.5 + 4.5 + 2 + 5 + 1.5) / 5, 12);
    expect(f.itemsWithTitles).toBe(0);
    expect(describeScale(f)).toBe("0.5–5 in half stars");
    const text = describeData(ds, { ...half, ratingScale: [0.5, 5] });
    expect(text).toContain("3 users × 3 items; 5 training and 2 test ratings (55.56 % of the user × item matrix");
    expect(text).toContain("Ratings run 0.5–5 in half stars (7 distinct values; lowest present 0.5, highest 5); the mean training rating is 2.700.");
    expect(text).toContain("scored on every rating of");
  });

  it("whole stars, steps of 0.1, continuous", () => {
    expect(describeScale({ scale: [1, 5], step: 1 })).toBe("1–5 in whole stars");
    const tenth = loadDataset({ ...pair("tenth", "a,x,0.1\na,y,0.7\nb,x,1\n", "b,y,0.3\n"), ratingScale: [0, 1] }, { onWarning: () => {} });
    expect(dataFacts(tenth).step).toBe(0.1);
    const cont = loadDataset({ ...pair("cont", "a,x,1.2345\na,y,3.3\nb,x,2\n", "b,y,4\n"), ratingScale: [1, 5] }, { onWarning: () => {} });
    expect(dataFacts(cont).step).toBeUndefined();
    expect(describeScale(dataFacts(cont))).toBe("1–5 (continuous)");
  });
});

describe("describeProtocol", () => {
  it("names the protocol of each data kind", () => {
    expect(describeProtocol({ kind: "train-test", train: "d/train.csv", test: "d/test.csv" })).toBe(
      "The split is the one given: the model is fitted on `d/train.csv` and scored on every rating of `d/test.csv` (the two files are never pooled, and no rating moves between them).",
    );
    expect(describeProtocol({ kind: "movielens-100k", path: "ml", split: "u3" })).toBe(
      "MovieLens 100K's official split **u3** (`u3.base` for training, `u3.test` for testing).",
    );
    expect(describeProtocol({ kind: "ratings-file", path: "r.csv", testFraction: 0.25, seed: 7 })).toBe(
      "One ratings file (`r.csv`) split by a seeded random holdout: 25 % of the ratings are the test set (seed 7), the rest the training set.",
    );
    expect(describeProtocol({ kind: "synthetic" })).toContain("These are not real ratings.");
  });
});

describe("tableOf", () => {
  it("one line per record; numbers right-aligned with 4 decimals (or the column's), integers as they are, NaN as —", () => {
    const rows = [
      { m: "svd", rmse: 0.93841, n: 5, t: 1.234 },
      { m: "nmf", rmse: Number.NaN, n: 12, t: 0.5 },
    ];
    expect(
      tableOf(rows, [
        ["model", (r) => r.m],
        ["RMSE", (r) => r.rmse],
        ["runs", (r) => r.n],
        ["s", (r) => r.t, 1],
      ]),
    ).toBe(["| model | RMSE | runs | s |", "| --- | ---: | ---: | ---: |", "| svd | 0.9384 | 5 | 1.2 |", "| nmf | — | 12 | 0.5 |"].join("\n"));
  });
});

describe("discuss", () => {
  it("the key findings of the report first, then the other observations by topic, each once", async () => {
    const spec = validateSpec({
      name: "narr",
      data: { kind: "synthetic", nUsers: 40, nItems: 30, nRatings: 500 },
      model: "als",
      params: { maxIterations: 5 },
      grid: { d: [1, 4], lambda: [0.1, 2] },
      seed: 1,
    });
    const { results } = await runSweep(spec, { out: path.join(TMP, "narr.json"), workers: 1, isolate: false });
    const text = discuss(results);
    const observations = observeSweep(results);
    const keys = keyFindings(observations);
    expect(keys.length).toBeGreaterThan(0);
    expect(text.startsWith("**Key findings**\n\n1. ")).toBe(true);
    for (const o of observations) {
      const plain = o.text
        .replace(/([\\`*_[\]|#~])/g, "\\$1")
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;");
      expect(text.split(plain).length - 1, o.text).toBe(1);
    }
    expect(discuss(results, { keyFindings: 0 })).not.toContain("Key findings");
  });
});
