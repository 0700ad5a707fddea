/**
 * The data layer against the real MovieLens 100K folder at <repo>/../shared/datasets/ml-100k (never copied
 * into the repo). Skipped, with a warning, when the folder is absent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { datasetFingerprint } from "../../src/data/fingerprint";
import { dataSpecFromPath, loadDataset } from "../../src/data/load";
import type { Dataset } from "../../src/data/ratings";
import { loadFold } from "../helpers/ml100k";

const ML100K_DIR = path.resolve(__dirname, "../../../shared/datasets/ml-100k");
const present = fs.existsSync(path.join(ML100K_DIR, "u1.base")) && fs.existsSync(path.join(ML100K_DIR, "u.data"));
if (!present) console.warn(`MovieLens 100K not found at ${ML100K_DIR}: test/data/ml100k.test.ts is skipped`);

const FOLDS = ["u1", "u2", "u3", "u4", "u5"] as const;

function pairs(ds: Dataset, which: "train" | "test"): string[] {
  const m = ds[which];
  const out: string[] = new Array(m.nnz);
  for (let k = 0; k < m.nnz; k++) out[k] = `${ds.userIds[m.users[k]]}:${ds.itemIds[m.items[k]]}`;
  return out;
}

describe.skipIf(!present)("MovieLens 100K (real data)", () => {
  const load = (split: (typeof FOLDS)[number] | "holdout") => loadDataset({ kind: "movielens-100k", path: ML100K_DIR, split });

  it("u1: 80,000 train / 20,000 test, 943 users, 1682 items, titles from u.item", () => {
    const ds = load("u1");
    expect(ds.train.nnz).toBe(80_000);
    expect(ds.test.nnz).toBe(20_000);
    expect(ds.userIds.length).toBe(943);
    expect(ds.itemIds.length).toBe(1682);
    expect(ds.train.nUsers).toBe(943);
    expect(ds.test.nItems).toBe(1682);
    expect(ds.ratingScale).toEqual([1, 5]);
    expect(ds.itemTitles![ds.itemIds.indexOf("1")]).toBe("Toy Story (1995)");
    expect(ds.itemTitles!.every((t) => t.length > 0)).toBe(true);
  });

  it("matches an independent loader entry by entry (same id order and values)", () => {
    const ds = load("u2");
    const ref = loadFold("u2");
    expect(ds.userIds).toEqual(ref.userIds);
    expect(ds.itemIds).toEqual(ref.itemIds);
    for (const which of ["train", "test"] as const) {
      expect(Array.from(ds[which].users)).toEqual(Array.from(ref[which].users));
      expect(Array.from(ds[which].items)).toEqual(Array.from(ref[which].items));
      expect(Array.from(ds[which].values)).toEqual(Array.from(ref[which].values));
    }
  });

  it("the five official test folds are disjoint and together are all 100,000 ratings", () => {
    const all = new Set<string>();
    for (const f of FOLDS) {
      const ds = load(f);
      expect(ds.train.nnz + ds.test.nnz, f).toBe(100_000);
      for (const p of pairs(ds, "test")) all.add(p);
      const train = new Set(pairs(ds, "train"));
      expect(
        pairs(ds, "test").some((p) => train.has(p)),
        `${f} train/test overlap`,
      ).toBe(false);
    }
    expect(all.size).toBe(100_000);
  });

  it("holdout: exactly 80,000 / 20,000 from u.data, deterministic, with a stable fingerprint", () => {
    const a = load("holdout");
    const b = loadDataset(dataSpecFromPath(ML100K_DIR, "holdout"));
    expect(a.train.nnz).toBe(80_000);
    expect(a.test.nnz).toBe(20_000);
    expect(a.userIds.length).toBe(943);
    const mean = (a.train.mean() * 80_000 + a.test.mean() * 20_000) / 100_000;
    expect(mean).toBeCloseTo(3.52986, 5); // the well-known ML-100K mean rating
    expect(pairs(a, "test")).toEqual(pairs(b, "test"));
    expect(datasetFingerprint(a)).toBe(datasetFingerprint(b));
    expect(datasetFingerprint(a)).not.toBe(datasetFingerprint(load("u1")));
  });

  it("loads a fold in well under a second", () => {
    load("u3"); // warm up
    const t = performance.now();
    load("u4");
    expect(performance.now() - t).toBeLessThan(500);
  });
});
