import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ratingsFileName, trainTestName } from "../../src/data/dataset-name";
import { dataSpecFromPath, loadDataset } from "../../src/data/load";

const FIXTURES = path.resolve(__dirname, "../fixtures");

describe("dataset names come from the file names", () => {
  it("a ratings file: its file name, with its folder only when the name alone is generic and the folder is not", () => {
    expect(ratingsFileName("ratings.csv")).toBe("ratings.csv");
    expect(ratingsFileName("data/ratings.csv")).toBe("ratings.csv");
    expect(ratingsFileName("../shared/datasets/ml-latest-small/ratings.csv")).toBe("ml-latest-small/ratings.csv");
    expect(ratingsFileName("/home/me/ml-1m/ratings.dat")).toBe("ml-1m/ratings.dat");
    expect(ratingsFileName("ml-100k/u.data")).toBe("ml-100k/u.data");
    expect(ratingsFileName("experiments/data/my-course-ratings.csv")).toBe("my-course-ratings.csv");
  });

  it("a train/test pair: both file names, the shared folder as a prefix only when it helps", () => {
    expect(trainTestName("data/train.csv", "data/test.csv")).toBe("train.csv + test.csv");
    expect(trainTestName("train.csv", "test.csv")).toBe("train.csv + test.csv");
    expect(trainTestName("course-2024/train.csv", "course-2024/test.csv")).toBe("course-2024/train.csv + test.csv");
    expect(trainTestName("data/fall-train.csv", "data/fall-test.csv")).toBe("fall-train.csv + fall-test.csv");
    expect(trainTestName("splits/a/ratings.csv", "splits/b/ratings.csv")).toBe("a/ratings.csv + b/ratings.csv");
    expect(trainTestName("ml-100k/u1.base", "holdout/test.csv")).toBe("u1.base + holdout/test.csv");
  });

  it("never the parent folder alone: the CLI's --data <folder> with train.csv + test.csv, and a ratings file", () => {
    const pair = loadDataset(dataSpecFromPath(path.join(FIXTURES, "toy")));
    expect(pair.name).toBe("toy/train.csv + test.csv");
    const file = loadDataset({ kind: "ratings-file", path: "ml-mini/u.data", testFraction: 0.3 }, { baseDir: FIXTURES });
    expect(file.name).toBe("ml-mini/u.data");
  });
});
