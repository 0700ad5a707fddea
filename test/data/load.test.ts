import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError, SpecError } from "../../src/core/errors";
import { dataSpecFromPath, describeDataSpec, loadDataset } from "../../src/data/load";
import { validateDataSpec, type DataSpecInput as DataSpec } from "../../src/data/spec";
import type { Csr, Dataset } from "../../src/data/ratings";
import { errorOf } from "../helpers/errors";

const FIXTURES = path.resolve(__dirname, "../fixtures");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-data-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** Dense matrix (NaN = missing) from a CSR. */
function dense(c: Csr): number[][] {
  const out = Array.from({ length: c.nRows }, () => new Array<number>(c.nCols).fill(NaN));
  for (let r = 0; r < c.nRows; r++) {
    for (let p = c.indptr[r]; p < c.indptr[r + 1]; p++) out[r][c.indices[p]] = c.values[p];
  }
  return out;
}

/** Raw (user, item, rating) triples of a matrix. */
function triples(ds: Dataset, which: "train" | "test"): string[] {
  const m = ds[which];
  const out: string[] = [];
  for (let k = 0; k < m.nnz; k++) out.push(`${ds.userIds[m.users[k]]} ${ds.itemIds[m.items[k]]} ${m.values[k]}`);
  return out;
}

describe("train-test (toy train.csv + test.csv)", () => {
  const ds = loadDataset({ kind: "train-test", train: "toy/train.csv", test: "toy/test.csv" }, { baseDir: FIXTURES });

  it("maps train ids first (order of first appearance), then test-only ids", () => {
    expect(ds.userIds).toEqual(["alice", "bob", "carol", "dave"]);
    expect(ds.itemIds).toEqual(["matrix", "titanic", "amelie", "heat"]);
    expect(ds.train.nUsers).toBe(4);
    expect(ds.train.nItems).toBe(4);
    expect(ds.test.nUsers).toBe(4);
    expect(ds.test.nItems).toBe(4);
    expect(ds.name).toBe("toy/train.csv + test.csv");
    expect(ds.ratingScale).toEqual([1, 5]);
    expect(ds.source).toBe(`${path.join(FIXTURES, "toy/train.csv")} + ${path.join(FIXTURES, "toy/test.csv")}`);
  });

  it("builds CSR views equal to the hand-built dense matrices", () => {
    const _ = NaN;
    //            matrix titanic amelie heat
    const train = [
      [5, 3, _, _], // alice
      [4, _, 2, _], // bob
      [_, 1, _, _], // carol
      [_, _, _, _], // dave (test only)
    ];
    const test = [
      [_, _, 4, _],
      [_, _, _, _],
      [_, _, _, 2],
      [5, _, _, _],
    ];
    expect(dense(ds.train.byUser())).toEqual(train);
    expect(dense(ds.test.byUser())).toEqual(test);
    const transpose = (m: number[][]) => m[0].map((_c, j) => m.map((row) => row[j]));
    expect(dense(ds.train.byItem())).toEqual(transpose(train));
    expect(Array.from(ds.train.byUser().indptr)).toEqual([0, 2, 4, 5, 5]);
  });

  it("is what dataSpecFromPath picks for a folder with train.csv + test.csv", () => {
    const dir = path.join(FIXTURES, "toy");
    expect(dataSpecFromPath(dir)).toEqual({ kind: "train-test", train: path.join(dir, "train.csv"), test: path.join(dir, "test.csv") });
    expect(errorOf(() => dataSpecFromPath(dir, "0.2")).message).toBe(`--split: does not apply: ${dir} has its own split (train.csv + test.csv)`);
  });
});

describe("ratings-file (one file, seeded holdout)", () => {
  const spec: DataSpec = { kind: "ratings-file", path: "ml-mini/u.data", testFraction: 0.3, seed: 11 };
  const ds = loadDataset(spec, { baseDir: FIXTURES });

  it("splits exactly round(n·f) ratings into test, train ids first", () => {
    expect(ds.train.nnz).toBe(7);
    expect(ds.test.nnz).toBe(3);
    expect(ds.name).toBe("ml-mini/u.data");
    const all = new Set([...triples(ds, "train"), ...triples(ds, "test")]);
    expect(all.size).toBe(10);
    const fileTriples = fs
      .readFileSync(path.join(FIXTURES, "ml-mini/u.data"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("\t").slice(0, 3).join(" "));
    expect([...all].sort()).toEqual([...fileTriples].sort());
    // Train ids come first: every user/item index below the train count has a training rating.
    const trainUsers = new Set(ds.train.users);
    for (let u = 0; u < trainUsers.size; u++) expect(trainUsers.has(u)).toBe(true);
  });

  it("is deterministic for a seed", () => {
    const again = loadDataset(spec, { baseDir: FIXTURES });
    expect(triples(again, "test")).toEqual(triples(ds, "test"));
    const other = loadDataset({ ...spec, seed: 12 }, { baseDir: FIXTURES });
    expect(triples(other, "test")).not.toEqual(triples(ds, "test"));
  });

  it("names a missing file", () => {
    const e = errorOf(() => loadDataset({ kind: "ratings-file", path: "nope/ratings.csv" }, { baseDir: FIXTURES }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe("nope/ratings.csv: no such file (expected a ratings file)");
  });

  it("uses the observed training scale", () => {
    fs.writeFileSync(path.join(TMP, "half.csv"), "userId,movieId,rating,timestamp\n1,1,0.5,1\n1,2,4.5,1\n2,1,3,1\n2,2,2,1\n");
    const half = loadDataset({ kind: "ratings-file", path: "half.csv", testFraction: 0.25, seed: 1 }, { baseDir: TMP });
    const train = Array.from(half.train.values);
    expect(half.ratingScale).toEqual([Math.min(...train), Math.max(...train)]);
  });
});

describe("movielens-100k layout (synthetic mini fixture)", () => {
  it("reads an official fold: base + test in one id space, latin-1 titles", () => {
    const ds = loadDataset({ kind: "movielens-100k", path: "ml-mini", split: "u1" }, { baseDir: FIXTURES });
    expect(ds.name).toBe("ml-100k/u1");
    expect(ds.train.nnz).toBe(8);
    expect(ds.test.nnz).toBe(2);
    expect(ds.userIds).toEqual(["1", "2", "3", "4", "5"]);
    expect(ds.itemIds).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(ds.itemTitles).toEqual(["Alpha (1990)", "Beta (1991)", "Gamma (1992)", "Amélie (2001)", "Delta (1993)", "Epsilon (1994)"]);
    expect(ds.ratingScale).toEqual([1, 5]);
    expect(triples(ds, "test")).toEqual(["2 5 3", "5 6 4"]);
  });

  it("holds out a seeded random 20% of u.data", () => {
    const ds = loadDataset({ kind: "movielens-100k", path: "ml-mini", split: "holdout" }, { baseDir: FIXTURES });
    expect(ds.name).toBe("ml-100k/holdout");
    expect(ds.train.nnz).toBe(8);
    expect(ds.test.nnz).toBe(2);
  });

  it("names a missing fold file and a missing folder", () => {
    expect(errorOf(() => loadDataset({ kind: "movielens-100k", path: "ml-mini", split: "ua" }, { baseDir: FIXTURES })).message).toBe(
      `${path.join("ml-mini", "ua.base")}: no such file (expected the ua training fold in the MovieLens 100K folder)`,
    );
    const e = errorOf(() => loadDataset({ kind: "movielens-100k", path: "../x/ml-100k", split: "u1" }, { baseDir: FIXTURES }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      `../x/ml-100k: no such folder (expected MovieLens 100K files u.data, u1.base, …; looked for ${path.resolve(FIXTURES, "../x/ml-100k")})`,
    );
    expect(errorOf(() => loadDataset({ kind: "movielens-100k", path: "toy/train.csv", split: "u1" }, { baseDir: FIXTURES })).message).toBe(
      "toy/train.csv: is a file, expected the MovieLens 100K folder (u.data, u1.base, …)",
    );
  });
});

describe("synthetic", () => {
  it("is generate + seeded 20% holdout, named synthetic, on a 1..5 scale", () => {
    const ds = loadDataset({ kind: "synthetic", nUsers: 50, nItems: 40, nRatings: 1200, seed: 3 });
    expect(ds.name).toBe("synthetic");
    expect(ds.train.nnz).toBe(960);
    expect(ds.test.nnz).toBe(240);
    expect(ds.ratingScale).toEqual([1, 5]);
    expect(ds.userIds.length).toBeLessThanOrEqual(50);
    const again = loadDataset({ kind: "synthetic", nUsers: 50, nItems: 40, nRatings: 1200, seed: 3 });
    expect(triples(again, "test")).toEqual(triples(ds, "test"));
  });
});

describe("validateDataSpec", () => {
  const specError = (spec: unknown, jsonPath?: string): SpecError => {
    const e = errorOf(() => validateDataSpec(spec, jsonPath));
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  };

  it("fills defaults", () => {
    expect(validateDataSpec({ kind: "synthetic" })).toEqual({
      kind: "synthetic",
      nUsers: 943,
      nItems: 1682,
      nRatings: 100000,
      rank: 5,
      noise: 0.8,
      testFraction: 0.2,
      seed: 42,
    });
    expect(validateDataSpec({ kind: "movielens-100k", path: "ml-100k" })).toEqual({ kind: "movielens-100k", path: "ml-100k", split: "u1" });
    expect(validateDataSpec({ kind: "ratings-file", path: "r.csv", format: "csv", columns: { rating: "stars" } })).toEqual({
      kind: "ratings-file",
      path: "r.csv",
      format: "csv",
      columns: { rating: "stars" },
      testFraction: 0.2,
      seed: 42,
    });
  });

  it("names the JSON path of the offending key", () => {
    const e = specError({ kind: "movielens-100k", path: "x", split: "u9" });
    expect(e.message).toBe('data.split must be one of "u1", "u2", "u3", "u4", "u5", "ua", "ub", "holdout" (did you mean "u1"?), got "u9"');
    expect(e.path).toBe("data.split");
    expect(specError({ kind: "movielens100k", path: "x" }).message).toBe(
      'data.kind must be one of "synthetic", "movielens-100k", "ratings-file", "train-test" (did you mean "movielens-100k"?), got "movielens100k"',
    );
    expect(specError({ kind: "synthetic", sed: 1 }).message).toBe(
      'data.sed is not a field of a "synthetic" data spec (did you mean "seed"?); known: kind, nUsers, nItems, nRatings, rank, noise, testFraction, seed',
    );
    expect(specError({ kind: "ratings-file", path: "r.csv", testFraction: 1.5 }, "experiments[0].data").message).toBe(
      "experiments[0].data.testFraction must be a number between 0 and 1 (exclusive), got 1.5",
    );
    expect(specError({ kind: "synthetic", nUsers: 2, nItems: 2, nRatings: 5 }).message).toBe(
      "data.nRatings must be ≤ nUsers × nItems (2 × 2 = 4), got 5",
    );
    expect(specError({ kind: "synthetic", rank: 2.5 }).message).toBe("data.rank must be an integer, got 2.5");
    expect(specError({ kind: "ratings-file", path: "" }).message).toBe('data.path must be a non-empty string (a path), got ""');
    expect(specError({ kind: "train-test", train: "a.csv" }).message).toBe("data.test is required (a path)");
    expect(specError({ kind: "ratings-file", path: "r", format: "cvs" }).message).toBe(
      'data.format must be one of "udata", "ratings-csv", "ratings-dat", "csv" (did you mean "csv"?), got "cvs"',
    );
    expect(specError({ kind: "ratings-file", path: "r", columns: { usr: "a" } }).message).toBe(
      'data.columns.usr is not a column role (did you mean "user"?); known: user, item, rating, timestamp',
    );
    expect(specError({ kind: "ratings-file", path: "r", format: "udata", delimiter: ";" }).message).toBe(
      'data.delimiter only applies to format "csv", not "udata"',
    );
    expect(specError({ kind: "movielens-100k", path: "x", split: "u2", seed: 3 }).message).toBe(
      'data.seed only applies to split "holdout" (the official fold u2 is fixed)',
    );
    expect(specError(["synthetic"]).message).toBe('data must be an object such as {"kind": "synthetic"}, got an array');
    expect(specError({}).message).toBe('data.kind is required (one of "synthetic", "movielens-100k", "ratings-file", "train-test")');
  });

  it("is applied by loadDataset", () => {
    expect(() => loadDataset({ kind: "synthetic", nUsers: -1 })).toThrow("data.nUsers must be ≥ 1, got -1");
  });

  it("carries the spec file name", () => {
    const e = errorOf(() => validateDataSpec({ kind: "nope" }, "data", "experiments/demo.json")) as SpecError;
    expect(e.file).toBe("experiments/demo.json");
    expect(e.message.startsWith("experiments/demo.json: data.kind must be one of")).toBe(true);
  });
});

describe("dataSpecFromPath", () => {
  const mini = path.join(FIXTURES, "ml-mini");

  it("recognises a MovieLens 100K folder (default split u1) and its splits", () => {
    expect(dataSpecFromPath(mini)).toEqual({ kind: "movielens-100k", path: mini });
    expect(dataSpecFromPath(mini, "u3")).toEqual({ kind: "movielens-100k", path: mini, split: "u3" });
    expect(dataSpecFromPath(mini, "holdout")).toEqual({ kind: "movielens-100k", path: mini, split: "holdout" });
    expect(dataSpecFromPath(mini, "0.1")).toEqual({ kind: "movielens-100k", path: mini, split: "holdout", testFraction: 0.1 });
    expect(errorOf(() => dataSpecFromPath(mini, "u7")).message).toBe(
      '--split: must be one of u1..u5, ua, ub, holdout or a test fraction between 0 and 1 such as 0.2, got "u7"',
    );
  });

  it("makes a file a ratings-file with a 20% holdout", () => {
    const f = path.join(FIXTURES, "toy/train.csv");
    expect(dataSpecFromPath(f)).toEqual({ kind: "ratings-file", path: f, testFraction: 0.2 });
    expect(dataSpecFromPath(f, "0.25")).toEqual({ kind: "ratings-file", path: f, testFraction: 0.25 });
    expect(dataSpecFromPath(f, "holdout")).toEqual({ kind: "ratings-file", path: f, testFraction: 0.2 });
  });

  it("knows the word synthetic", () => {
    expect(dataSpecFromPath("synthetic")).toEqual({ kind: "synthetic" });
    expect(dataSpecFromPath("synthetic", "0.1")).toEqual({ kind: "synthetic", testFraction: 0.1 });
  });

  it("names a path that is not there or not a dataset", () => {
    const missing = path.join(FIXTURES, "missing");
    expect(errorOf(() => dataSpecFromPath(missing)).message).toBe(
      `${missing}: no such file or folder (expected a MovieLens 100K folder, a folder with train.csv + test.csv, a ratings file, or the word "synthetic")`,
    );
    expect(errorOf(() => dataSpecFromPath(FIXTURES)).message).toBe(
      `${FIXTURES}: folder has neither MovieLens 100K files (u.data or u1.base) nor train.csv + test.csv`,
    );
  });
});

describe("describeDataSpec", () => {
  it("gives one line per kind", () => {
    expect(describeDataSpec({ kind: "synthetic" })).toBe(
      "synthetic: 943 users × 1682 items, 100000 ratings, rank 5, noise 0.8; random 20% test (seed 42)",
    );
    expect(describeDataSpec({ kind: "movielens-100k", path: "ml-100k", split: "u1" })).toBe(
      `MovieLens 100K fold u1 (${path.join("ml-100k", "u1.base")} + u1.test)`,
    );
    expect(describeDataSpec({ kind: "movielens-100k", path: "ml-100k", split: "holdout", testFraction: 0.1, seed: 3 })).toBe(
      `MovieLens 100K ${path.join("ml-100k", "u.data")}: random 10% test (seed 3)`,
    );
    expect(describeDataSpec({ kind: "ratings-file", path: "r.csv", format: "csv", delimiter: ";" })).toBe(
      'ratings file r.csv (format csv, delimiter ";"): random 20% test (seed 42)',
    );
    expect(describeDataSpec({ kind: "train-test", train: "a/train.csv", test: "a/test.csv" })).toBe("train a/train.csv + test a/test.csv");
  });
});
