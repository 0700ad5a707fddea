/**
 * Test-only access to the real MovieLens 100K folds at <repo>/../shared/datasets/ml-100k (never committed).
 * A deliberately tiny, independent loader so model tests do not depend on the data layer under test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { IdMap, RatingsMatrix } from "../../src/data/ratings";

export const ML100K_DIR = process.env.MFLAB_ML100K ?? path.resolve(__dirname, "../../../shared/datasets/ml-100k");
export const hasMl100k = fs.existsSync(path.join(ML100K_DIR, "u1.base"));
if (!hasMl100k) console.warn(`MovieLens 100K not found at ${ML100K_DIR}: tests that need it are skipped`);

export interface Fold {
  train: RatingsMatrix;
  test: RatingsMatrix;
  userIds: string[];
  itemIds: string[];
}

const cache = new Map<string, Fold>();

/** Official fold `u<k>` (k = 1..5) or "ua"/"ub": train = .base, test = .test, one shared id space (train ids first). */
export function loadFold(name: string): Fold {
  const hit = cache.get(name);
  if (hit) return hit;
  const users = new IdMap();
  const items = new IdMap();
  const read = (file: string) => {
    const lines = fs
      .readFileSync(path.join(ML100K_DIR, file), "utf8")
      .split("\n")
      .filter((l) => l.length > 0);
    const u = new Int32Array(lines.length);
    const i = new Int32Array(lines.length);
    const v = new Float64Array(lines.length);
    lines.forEach((line, k) => {
      const f = line.split("\t");
      u[k] = users.intern(f[0]);
      i[k] = items.intern(f[1]);
      v[k] = Number(f[2]);
    });
    return { u, i, v };
  };
  const a = read(`${name}.base`);
  const b = read(`${name}.test`);
  const fold: Fold = {
    train: new RatingsMatrix(users.size, items.size, a.u, a.i, a.v),
    test: new RatingsMatrix(users.size, items.size, b.u, b.i, b.v),
    userIds: users.ids,
    itemIds: items.ids,
  };
  cache.set(name, fold);
  return fold;
}
