import { createHash } from "node:crypto";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { datasetFingerprint } from "../../src/data/fingerprint";
import { loadDataset } from "../../src/data/load";
import { RatingsMatrix, type Dataset } from "../../src/data/ratings";

const FIXTURES = path.resolve(__dirname, "../fixtures");

function tiny(values: number[], name = "tiny"): Dataset {
  const m = (u: number[], i: number[], v: number[]) => new RatingsMatrix(2, 2, Int32Array.from(u), Int32Array.from(i), Float64Array.from(v));
  return {
    name,
    source: "inline",
    userIds: ["a", "b"],
    itemIds: ["x", "y"],
    train: m([0, 1], [0, 1], values.slice(0, 2)),
    test: m([0], [1], values.slice(2)),
    ratingScale: [1, 5],
  };
}

describe("datasetFingerprint", () => {
  it("is sha256 over the id maps and the train/test triples, first 16 hex chars", () => {
    const text = "users 2\na\nb\nitems 2\nx\ny\ntrain 2\na\tx\t4\nb\ty\t2.5\ntest 1\na\ty\t1\n";
    const expected = createHash("sha256").update(text).digest("hex").slice(0, 16);
    expect(datasetFingerprint(tiny([4, 2.5, 1]))).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{16}$/);
  });

  it("ignores name and source, changes with any rating", () => {
    expect(datasetFingerprint(tiny([4, 2.5, 1], "other"))).toBe(datasetFingerprint(tiny([4, 2.5, 1])));
    expect(datasetFingerprint(tiny([4, 2.5, 2]))).not.toBe(datasetFingerprint(tiny([4, 2.5, 1])));
  });

  it("is identical for identical data loaded twice, different for a different split", () => {
    const spec = { kind: "ratings-file" as const, path: "ml-mini/u.data", seed: 5 };
    const a = datasetFingerprint(loadDataset(spec, { baseDir: FIXTURES }));
    const b = datasetFingerprint(loadDataset(spec, { baseDir: FIXTURES }));
    const c = datasetFingerprint(loadDataset({ ...spec, seed: 6 }, { baseDir: FIXTURES }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
