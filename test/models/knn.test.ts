import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { SpecError } from "../../src/core/errors";
import { scorePredictor } from "../../src/metrics/accuracy";
import {
  KNN_BASELINE_DEFAULTS,
  KNN_BASIC_DEFAULTS,
  type KnnConfig,
  type KnnFamily,
  alsBaselineEstimates,
  fitKnn,
  knnBaselineModel,
  knnBasicModel,
  knnMeansModel,
  knnZScoreModel,
} from "../../src/models/neighbourhood/knn";
import { expectSamePredictions, matrix, randomTriples, SMALL_TRIPLES } from "../helpers/matrices";

const cfg = (c: Partial<KnnConfig> = {}, family: KnnFamily = "basic"): KnnConfig => ({
  ...(family === "baseline" ? KNN_BASELINE_DEFAULTS : KNN_BASIC_DEFAULTS),
  ...c,
});

// ------------------------------------------------------------------ an independent, naive oracle

interface Oracle {
  predict(u: number, i: number): number;
}

/** Naive Surprise-style kNN: dense tables, textbook formulas, stable sort then slice(k) then keep sim > 0. */
function naiveKnn(m: RatingsMatrix, family: KnnFamily, c: KnnConfig): Oracle {
  const ub = c.userBased;
  const nX = ub ? m.nUsers : m.nItems;
  const nY = ub ? m.nItems : m.nUsers;
  const R: (number | undefined)[][] = Array.from({ length: nX }, () => new Array(nY).fill(undefined));
  for (let k = 0; k < m.nnz; k++) {
    if (ub) R[m.users[k]][m.items[k]] = m.values[k];
    else R[m.items[k]][m.users[k]] = m.values[k];
  }
  const all = Array.from(m.values);
  const mu = all.reduce((a, b) => a + b, 0) / all.length;
  // ALS baselines, written out plainly (b_i then b_u, per epoch).
  const bu = new Array(m.nUsers).fill(0);
  const bi = new Array(m.nItems).fill(0);
  for (let e = 0; e < c.baselineIterations; e++) {
    for (let i = 0; i < m.nItems; i++) {
      let s = 0;
      let n = 0;
      for (let k = 0; k < m.nnz; k++) {
        if (m.items[k] !== i) continue;
        s += m.values[k] - mu - bu[m.users[k]];
        n++;
      }
      if (n > 0) bi[i] = s / (c.lambdaI + n);
    }
    for (let u = 0; u < m.nUsers; u++) {
      let s = 0;
      let n = 0;
      for (let k = 0; k < m.nnz; k++) {
        if (m.users[k] !== u) continue;
        s += m.values[k] - mu - bi[m.items[k]];
        n++;
      }
      if (n > 0) bu[u] = s / (c.lambdaU + n);
    }
  }
  const bx = ub ? bu : bi;
  const by = ub ? bi : bu;
  const sim = (a: number, b: number): number => {
    if (a === b) return 1;
    const pairs: [number, number, number][] = [];
    for (let y = 0; y < nY; y++) {
      const ra = R[a][y];
      const rb = R[b][y];
      if (ra !== undefined && rb !== undefined) pairs.push([ra, rb, y]);
    }
    const n = pairs.length;
    if (n === 0 || n < c.minSupport) return 0;
    if (c.similarity === "msd") return 1 / (pairs.reduce((s, [p, q]) => s + (p - q) ** 2, 0) / n + 1);
    if (c.similarity === "pearson") {
      const ma = pairs.reduce((s, [p]) => s + p, 0) / n;
      const mb = pairs.reduce((s, [, q]) => s + q, 0) / n;
      const num = pairs.reduce((s, [p, q]) => s + (p - ma) * (q - mb), 0);
      const den = Math.sqrt(pairs.reduce((s, [p]) => s + (p - ma) ** 2, 0) * pairs.reduce((s, [, q]) => s + (q - mb) ** 2, 0));
      return den === 0 ? 0 : num / den;
    }
    if (c.similarity === "pearson-baseline") {
      if (n < 2) return 0;
      const da = pairs.map(([p, , y]) => p - (mu + bx[a] + by[y]));
      const db = pairs.map(([, q, y]) => q - (mu + bx[b] + by[y]));
      const num = da.reduce((s, v, k) => s + v * db[k], 0);
      const den = Math.sqrt(da.reduce((s, v) => s + v * v, 0) * db.reduce((s, v) => s + v * v, 0));
      return den === 0 ? 0 : (num / den) * ((n - 1) / (n - 1 + c.shrinkage));
    }
    throw new Error("oracle: unsupported similarity");
  };
  const rowsOf = (x: number) => R[x].filter((v): v is number => v !== undefined);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const std = (v: number[]) => Math.sqrt(mean(v.map((r) => (r - mean(v)) ** 2)));
  const overallSigma = std(all);
  const sigmaOf = (x: number) => (std(rowsOf(x)) === 0 ? overallSigma : std(rowsOf(x)));
  const knowsU = (u: number) => m.users.includes(u);
  const knowsI = (i: number) => m.items.includes(i);
  return {
    predict(u, i) {
      if (!(knowsU(u) && knowsI(i))) {
        return family === "baseline" ? mu + (knowsU(u) ? bu[u] : 0) + (knowsI(i) ? bi[i] : 0) : mu;
      }
      const x = ub ? u : i;
      const y = ub ? i : u;
      const raters: { x2: number; s: number; r: number }[] = [];
      for (let x2 = 0; x2 < nX; x2++) if (R[x2][y] !== undefined) raters.push({ x2, s: sim(x, x2), r: R[x2][y]! });
      raters.sort((p, q) => q.s - p.s); // stable: ties keep ascending x2
      const nb = raters.slice(0, c.k).filter((t) => t.s > 0);
      const baseline = mu + bu[u] + bi[i];
      const def = family === "basic" ? mu : family === "baseline" ? baseline : mean(rowsOf(x));
      if (nb.length < c.minK) return def;
      const sumSim = nb.reduce((s, t) => s + t.s, 0);
      switch (family) {
        case "basic":
          return nb.reduce((s, t) => s + t.s * t.r, 0) / sumSim;
        case "means":
          return def + nb.reduce((s, t) => s + t.s * (t.r - mean(rowsOf(t.x2))), 0) / sumSim;
        case "zscore":
          return def + (sigmaOf(x) * nb.reduce((s, t) => s + (t.s * (t.r - mean(rowsOf(t.x2)))) / sigmaOf(t.x2), 0)) / sumSim;
        case "baseline":
          return def + nb.reduce((s, t) => s + t.s * (t.r - (mu + bx[t.x2] + by[y])), 0) / sumSim;
      }
    },
  };
}

// ------------------------------------------------------------------ hand-computed examples

// u0: i0=5 i1=3 ; u1: i0=4 i1=3 i2=2 ; u2: i0=1 i1=5 i2=4 ; u3 has no ratings
const small = matrix(4, 4, SMALL_TRIPLES);
const mu = 27 / 8;

describe("kNN — hand-computed predictions (user-based, msd)", () => {
  // sim(u0,u1) = 1/(0.5+1) = 2/3, sim(u0,u2) = 1/(10+1) = 1/11; raters of i2: u1 (2), u2 (4)
  it("knn-basic: similarity-weighted mean of the neighbours' ratings", () => {
    const { model } = fitKnn(small, "basic", cfg());
    expect(model.predict(0, 2)).toBeCloseTo(56 / 25, 12); // (2/3·2 + 1/11·4) / (2/3 + 1/11)
    expect(model.actualK(0, 2)).toBe(2);
    const k1 = fitKnn(small, "basic", cfg({ k: 1 })).model;
    expect(k1.predict(0, 2)).toBeCloseTo(2, 12); // only the most similar neighbour, u1
    expect(k1.actualK(0, 2)).toBe(1);
  });

  it("knn-means: user mean plus weighted mean-centred deviations", () => {
    const { model } = fitKnn(small, "means", cfg());
    // μ_u0 = 4, μ_u1 = 3, μ_u2 = 10/3 → 4 + (2/3·(−1) + 1/11·(2/3)) / (25/33) = 3.2
    expect(model.predict(0, 2)).toBeCloseTo(3.2, 12);
  });

  it("knn-zscore: deviations scaled by each user's standard deviation", () => {
    const { model } = fitKnn(small, "zscore", cfg());
    const s0 = 1; // u0: 5, 3
    const s1 = Math.sqrt(2 / 3); // u1: 4, 3, 2
    const s2 = Math.sqrt(((1 - 10 / 3) ** 2 + (5 - 10 / 3) ** 2 + (4 - 10 / 3) ** 2) / 3);
    const want = 4 + (s0 * ((2 / 3) * ((2 - 3) / s1) + (1 / 11) * ((4 - 10 / 3) / s2))) / (2 / 3 + 1 / 11);
    expect(model.predict(0, 2)).toBeCloseTo(want, 12);
  });

  it("fewer than minK neighbours → knn-basic predicts μ, knn-means predicts μ_u (not a fallback)", () => {
    const basic = fitKnn(small, "basic", cfg({ minK: 3 })).model;
    expect(basic.predict(0, 2)).toBeCloseTo(mu, 12);
    expect(basic.isFallback(0, 2)).toBe(false);
    expect(basic.actualK(0, 2)).toBe(2);
    const means = fitKnn(small, "means", cfg({ minK: 3 })).model;
    expect(means.predict(0, 2)).toBeCloseTo(4, 12);
  });

  it("neighbours with non-positive similarity are never aggregated", () => {
    // u1 agrees with u0, u2 disagrees (pearson −1); both rated i3
    const t = matrix(3, 4, [
      [0, 0, 1],
      [0, 1, 5],
      [1, 0, 1],
      [1, 1, 5],
      [1, 3, 4],
      [2, 0, 5],
      [2, 1, 1],
      [2, 3, 1],
    ]);
    const { model } = fitKnn(t, "basic", cfg({ similarity: "pearson" }));
    expect(model.predict(0, 3)).toBeCloseTo(4, 12);
    expect(model.actualK(0, 3)).toBe(1);
    const onlyNegative = fitKnn(
      matrix(2, 3, [
        [0, 0, 1],
        [0, 1, 5],
        [1, 0, 5],
        [1, 1, 1],
        [1, 2, 3],
      ]),
      "means",
      cfg({ similarity: "pearson" }),
    );
    expect(onlyNegative.model.actualK(0, 2)).toBe(0);
    expect(onlyNegative.model.predict(0, 2)).toBeCloseTo(3, 12); // μ_u0
  });

  it("unknown user or item → documented fallback, counted by scorePredictor", () => {
    const probe = matrix(4, 4, [
      [3, 0, 4], // unknown user u3
      [0, 3, 2], // unknown item i3
      [0, 2, 3], // known
    ]);
    for (const fam of ["basic", "means", "zscore"] as const) {
      const { model } = fitKnn(small, fam, cfg());
      expect(model.predict(3, 0)).toBeCloseTo(mu, 12);
      expect(model.predict(0, 3)).toBeCloseTo(mu, 12);
      expect(model.actualK(3, 0)).toBe(-1);
      expect(scorePredictor(model, probe).fallbackCount).toBe(2);
    }
    const bl = alsBaselineEstimates(small, 10, 15, 10);
    const { model } = fitKnn(small, "baseline", cfg({}, "baseline"));
    expect(model.predict(3, 0)).toBeCloseTo(mu + bl.bi[0], 12);
    expect(model.predict(0, 3)).toBeCloseTo(mu + bl.bu[0], 12);
    expect(model.predict(3, 3)).toBeCloseTo(mu, 12);
    expect(model.isFallback(3, 3)).toBe(true);
    expect(scorePredictor(model, probe).fallbackCount).toBe(2);
  });
});

describe("kNN — against the naive oracle on a random matrix", () => {
  const triples = randomTriples(11, 26, 19, 0.35);
  // one user and one item without ratings, to exercise the fallbacks
  const m = matrix(27, 20, triples);
  const families: KnnFamily[] = ["basic", "means", "zscore", "baseline"];
  const cases: Partial<KnnConfig>[] = [
    { similarity: "msd", k: 3 },
    { similarity: "msd", k: 40 },
    { similarity: "pearson", k: 4, minK: 2 },
    { similarity: "pearson-baseline", k: 5, shrinkage: 10, lambdaU: 3, lambdaI: 2, baselineIterations: 4 },
    { similarity: "msd", k: 2, minSupport: 3 },
  ];
  for (const family of families) {
    for (const c of cases) {
      for (const userBased of [true, false]) {
        const config = cfg({ ...c, userBased }, family);
        it(`${family} ${userBased ? "user" : "item"}-based ${JSON.stringify(c)}`, () => {
          const { model, iterations, converged, history } = fitKnn(m, family, config);
          expect(iterations).toBe(0);
          expect(converged).toBe(true);
          expect(history.iteration).toEqual([]);
          const oracle = naiveKnn(m, family, config);
          expectSamePredictions(
            m.nUsers,
            m.nItems,
            (u, i) => model.predict(u, i),
            (u, i) => oracle.predict(u, i),
            1e-9,
            "oracle",
          );
        });
      }
    }
  }

  it("is deterministic: two fits predict identically", () => {
    const a = fitKnn(m, "baseline", cfg({ k: 3 }, "baseline")).model;
    const b = fitKnn(m, "baseline", cfg({ k: 3 }, "baseline")).model;
    for (let u = 0; u < m.nUsers; u++) for (let i = 0; i < m.nItems; i++) expect(a.predict(u, i)).toBe(b.predict(u, i));
  });
});

describe("kNN — model definitions and config validation", () => {
  it("names, defaults (Surprise's) and fit through the definition", () => {
    expect([knnBasicModel.name, knnMeansModel.name, knnZScoreModel.name, knnBaselineModel.name]).toEqual([
      "knn-basic",
      "knn-means",
      "knn-zscore",
      "knn-baseline",
    ]);
    const c = knnBasicModel.config({});
    expect(c).toEqual({
      k: 40,
      minK: 1,
      userBased: true,
      similarity: "msd",
      minSupport: 1,
      shrinkage: 100,
      baselineIterations: 10,
      lambdaU: 15,
      lambdaI: 10,
    });
    expect(c).toEqual(KNN_BASIC_DEFAULTS);
    expect(knnBaselineModel.config({})).toEqual(KNN_BASELINE_DEFAULTS);
    expect(KNN_BASELINE_DEFAULTS).toEqual({ ...KNN_BASIC_DEFAULTS, similarity: "pearson-baseline" });
    expect(knnBaselineModel.config({}).similarity).toBe("pearson-baseline");
    expect(knnMeansModel.fit(small, knnMeansModel.config({}), {}).model.predict(0, 2)).toBeCloseTo(3.2, 12);
  });

  it("unknown key → SpecError with a did-you-mean", () => {
    const known = "known: k, minK, userBased, similarity, minSupport, shrinkage, baselineIterations, lambdaU, lambdaI";
    expect(() => knnBasicModel.config({ mink: 2 })).toThrow(SpecError);
    expect(() => knnBasicModel.config({ mink: 2 })).toThrow(
      `knn-basic config: mink is not a parameter of knn-basic (did you mean "minK"?); ${known}`,
    );
    expect(() => knnMeansModel.config({ userBase: false })).toThrow(
      `knn-means config: userBase is not a parameter of knn-means (did you mean "userBased"?); ${known}`,
    );
  });

  it("accepts Surprise's and the old names as aliases, stored under the canonical names", () => {
    // min_k and user_based (Surprise's names) were refused before; they are aliases now.
    expect(knnBasicModel.config({ min_k: 2, user_based: false, min_support: 2 })).toEqual({
      ...KNN_BASIC_DEFAULTS,
      minK: 2,
      userBased: false,
      minSupport: 2,
    });
    expect(knnBaselineModel.config({ baselineEpochs: 3, regU: 1, regI: 2 })).toEqual({
      ...KNN_BASELINE_DEFAULTS,
      baselineIterations: 3,
      lambdaU: 1,
      lambdaI: 2,
    });
    expect(knnBaselineModel.config({ reg_u: 1, reg_i: 2 })).toEqual({ ...KNN_BASELINE_DEFAULTS, lambdaU: 1, lambdaI: 2 });
    expect(() => knnBasicModel.config({ minK: 2, min_k: 2 })).toThrow(
      "knn-basic config: min_k repeats a field: min_k is another name for minK; give it once",
    );
  });

  it("out-of-range and wrong-type values", () => {
    expect(() => knnBasicModel.config({ k: 0 })).toThrow("knn-basic config: k must be ≥ 1, got 0");
    expect(() => knnBasicModel.config({ k: 2.5 })).toThrow("knn-basic config: k must be an integer, got 2.5");
    expect(() => knnBasicModel.config({ similarity: "pearson_baseline" })).toThrow(
      'knn-basic config: similarity must be one of "msd", "cosine", "pearson", "pearson-baseline" (did you mean "pearson-baseline"?), got "pearson_baseline"',
    );
    expect(() => knnBasicModel.config({ shrinkage: -1 })).toThrow("knn-basic config: shrinkage must be ≥ 0, got -1");
    expect(() => knnBaselineModel.config({ k: 5, minK: 6 })).toThrow("knn-baseline config: minK must be ≤ k (5), got 6");
    expect(() => knnZScoreModel.config({ userBased: "yes" })).toThrow('knn-zscore config: userBased must be true or false, got "yes"');
  });

  it("an empty training matrix is refused", () => {
    expect(() => fitKnn(matrix(2, 2, []), "basic", cfg())).toThrow(/knn-basic: the training matrix has no ratings/);
  });
});
