import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import type { RatingsMatrix } from "../../src/data/ratings";
import { InputError } from "../../src/core/errors";
import { alsConfig, fitAls, type AlsConfig, type AlsModel } from "../../src/models/als/als";
import { AlsWorkspace, alsSolveRow, type AlsHalfStep } from "../../src/models/als/als-rows";
import { foldInItem, foldInUser } from "../../src/models/als/fold-in";
import { randomRatings } from "../helpers/matrices";

const cfg = (p: Partial<AlsConfig>) => alsConfig(p as Record<string, unknown>);

/** The model's own user half-step for row u (alsSolveRow on train.byUser() with H fixed). */
function ownUserStep(model: AlsModel, train: RatingsMatrix, u: number, lambda: number, weightedLambda: boolean): { w: number[]; b: number } {
  const W = model.userFactors.slice();
  const bu = model.userBias ? model.userBias.slice() : null;
  const step: AlsHalfStep = {
    csr: train.byUser(),
    fixed: model.itemFactors,
    fixedBias: model.itemBias,
    solved: W,
    solvedBias: bu,
    d: model.d,
    lambda,
    weightedLambda,
    globalMean: model.globalMean,
  };
  alsSolveRow(step, u, AlsWorkspace.forMatrix(train, bu ? model.d + 1 : model.d));
  return { w: Array.from(W.subarray(u * model.d, (u + 1) * model.d)), b: bu ? bu[u] : 0 };
}

function userRatings(train: RatingsMatrix, u: number): { items: number[]; values: number[] } {
  const csr = train.byUser();
  const items: number[] = [];
  const values: number[] = [];
  for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) {
    items.push(csr.indices[p]);
    values.push(csr.values[p]);
  }
  return { items, values };
}

describe("foldInUser", () => {
  const train = randomRatings(1, 40, 30, 0.3);

  for (const [biases, weightedLambda] of [
    [false, false],
    [true, false],
    [true, true],
  ] as const) {
    it(`an existing user's own ratings give exactly the ALS user half-step (biases ${biases}, weightedLambda ${weightedLambda})`, () => {
      const lambda = 0.8;
      const { model } = fitAls(train, cfg({ d: 4, lambda, biases, weightedLambda, maxIterations: 200, tol: 1e-12, init: "gaussian" }));
      for (const u of [0, 7, 23]) {
        const { items, values } = userRatings(train, u);
        // Shuffled input order must not matter.
        const order = items.map((_, t) => t).reverse();
        const f = foldInUser(
          model,
          order.map((t) => items[t]),
          order.map((t) => values[t]),
          { lambda, weightedLambda },
        );
        const own = ownUserStep(model, train, u, lambda, weightedLambda);
        for (let a = 0; a < 4; a++) expect(Math.abs(f.vector[a] - own.w[a])).toBeLessThan(1e-10);
        expect(Math.abs(f.bias - own.b)).toBeLessThan(1e-10);
        // After convergence that is (close to) the fitted factor itself.
        for (let a = 0; a < 4; a++) expect(f.vector[a]).toBeCloseTo(model.userFactors[u * 4 + a], 4);
        if (biases) expect(f.bias).toBeCloseTo(model.userBias![u], 4);
        // Predictions follow the model's formula.
        for (const i of [0, 5, 29]) expect(f.predict(i)).toBeCloseTo(model.predict(u, i), 4);
      }
    });
  }

  it("matches an independent ridge solve (ml-matrix) for a brand-new user", () => {
    const lambda = 1.5;
    const { model } = fitAls(train, cfg({ d: 3, lambda, maxIterations: 5 }));
    const items = [2, 11, 17, 25];
    const ratings = [5, 1, 4, 3];
    const H = new Matrix(items.map((i) => Array.from(model.itemFactors.subarray(i * 3, i * 3 + 3))));
    const A = H.transpose().mmul(H).add(Matrix.eye(3, 3).mul(lambda));
    const want = solve(A, H.transpose().mmul(Matrix.columnVector(ratings))).getColumn(0);
    const f = foldInUser(model, items, ratings, { lambda });
    for (let a = 0; a < 3; a++) expect(f.vector[a]).toBeCloseTo(want[a], 12);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(f.system[a * 3 + b]).toBeCloseTo(A.get(a, b), 12);
    // top-N: best predicted unrated items, rated ones excluded by default.
    const top = f.topN(5);
    expect(top.some((r) => items.includes(r.item))).toBe(false);
    const unrated = [...Array(30).keys()].filter((i) => !items.includes(i));
    const best = unrated.sort((a, b) => f.predict(b) - f.predict(a) || a - b).slice(0, 5);
    expect(top.map((r) => r.item)).toEqual(best);
    expect(f.topN(30, { excludeRated: false })).toHaveLength(30);
  });

  it("validates its input", () => {
    const { model } = fitAls(train, cfg({ d: 2, maxIterations: 2 }));
    expect(() => foldInUser(model, [1, 2], [3], { lambda: 1 })).toThrow(/2 items but 1 ratings/);
    expect(() => foldInUser(model, [30], [3], { lambda: 1 })).toThrow(/item index 30 \(entry 0\) is outside the model's 0..29/);
    expect(() => foldInUser(model, [4, 4], [3, 2], { lambda: 1 })).toThrow(/item 4 is rated more than once/);
    expect(() => foldInUser(model, [4], [NaN], { lambda: 1 })).toThrow(InputError);
    expect(() => foldInUser(model, [4], [3], { lambda: -1 })).toThrow(/lambda must be a finite number ≥ 0/);
    const empty = foldInUser(model, [], [], { lambda: 1 });
    expect(Array.from(empty.vector)).toEqual([0, 0]);
  });
});

describe("foldInItem", () => {
  it("an existing item's ratings give the ALS item half-step", () => {
    const train = randomRatings(4, 30, 20, 0.35);
    const lambda = 0.5;
    const { model } = fitAls(train, cfg({ d: 3, lambda, biases: true, maxIterations: 100, tol: 1e-12 }));
    const i = 6;
    const csr = train.byItem();
    const users: number[] = [];
    const vals: number[] = [];
    for (let p = csr.indptr[i]; p < csr.indptr[i + 1]; p++) {
      users.push(csr.indices[p]);
      vals.push(csr.values[p]);
    }
    const H = model.itemFactors.slice();
    const bi = model.itemBias!.slice();
    alsSolveRow(
      {
        csr,
        fixed: model.userFactors,
        fixedBias: model.userBias,
        solved: H,
        solvedBias: bi,
        d: 3,
        lambda,
        weightedLambda: false,
        globalMean: model.globalMean,
      },
      i,
      AlsWorkspace.forMatrix(train, 4),
    );
    const f = foldInItem(model, users, vals, { lambda });
    for (let a = 0; a < 3; a++) expect(Math.abs(f.vector[a] - H[i * 3 + a])).toBeLessThan(1e-10);
    expect(Math.abs(f.bias - bi[i])).toBeLessThan(1e-10);
    for (const u of [0, 9]) expect(f.predict(u)).toBeCloseTo(model.predict(u, i), 4);
    expect(f.isFallback(-1)).toBe(true);
    expect(() => foldInItem(model, [30], [1], { lambda })).toThrow(/user index 30/);
  });
});
