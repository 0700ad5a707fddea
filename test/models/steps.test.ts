import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import {
  ALS_EXAMPLE_H0,
  ALS_EXAMPLE_RATINGS,
  ALS_EXAMPLE_SLIDE,
  LECTURE_MOVIE_FEATURES,
  LECTURE_RATINGS,
  POP_QUIZ_SGD,
  SGD_EXAMPLE,
  alsExampleDataset,
  lectureDataset,
} from "../../src/data/toy";
import { InputError } from "../../src/core/errors";
import { RatingsMatrix } from "../../src/data/ratings";
import { alsConfig, fitAls } from "../../src/models/als/als";
import { SGD_MF_DEFAULTS, fitSvd, type SvdConfig } from "../../src/models/gradient/svd";
import { alsHalfStepDetail, alsItemStep, alsIterationDetail, alsUserStep, sgdStep } from "../../src/models/steps";
import { Rng } from "../../src/core/random";

/** Every entry to 4 decimals (|Δ| < 5e-5), as the lecture prints them. */
function expectClose4(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, k) => expect(v, `entry ${k}`).toBeCloseTo(expected[k], 4));
}

/** Rounded to 4 decimals, as printed on the slides. */
function round4(v: number): number {
  return Number(v.toFixed(4));
}

/** Independent oracle: (XᵀX + λI)⁻¹Xᵀy by ml-matrix. */
function ridgeSolve(X: number[][], y: number[], lambda: number): number[] {
  const M = new Matrix(X);
  const A = M.transpose().mmul(M).add(Matrix.eye(X[0].length).mul(lambda));
  return solve(A, M.transpose().mmul(Matrix.columnVector(y))).to1DArray();
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, v, k) => s + v * b[k], 0);
}

describe("sgdStep reproduces the lecture's SGD numbers", () => {
  it("SGD: Step-by-Step Example (α = 0.01): prediction, error, updated w and h", () => {
    const s = sgdStep(SGD_EXAMPLE);
    // The slide: 0.4×0.95 + 0.2×0.10 + 0.3×0.85 = 0.655, e = 5 − 0.655 = 4.345.
    expect(s.prediction).toBeCloseTo(0.655, 12);
    expect(s.error).toBeCloseTo(4.345, 12);
    expect(s.prediction).not.toBeCloseTo(SGD_EXAMPLE.slide.statedPrediction, 1); // "we predict 3.2" is not what the vectors give
    // Printed results, rounded to 4 decimals as the slide prints them.
    expect(s.w.map(round4)).toEqual([0.4413, 0.2043, 0.3369]);
    expect(s.w.map(round4)).toEqual(SGD_EXAMPLE.slide.w);
    expect(s.h.map(round4).slice(0, 2)).toEqual(SGD_EXAMPLE.slide.h.slice(0, 2));
    // The slide prints h₁₃ = 0.8631, but 0.85 + 0.04345 × 0.3 = 0.863035 rounds to 0.8630.
    expect(s.h.map(round4)).toEqual([0.9674, 0.1087, 0.863]);
    expect(SGD_EXAMPLE.slide.h[2]).toBe(0.8631);
    // Hand arithmetic at full precision: w + 0.04345·h, h + 0.04345·w_old (the OLD w in h's update).
    expectClose4(s.w, [0.4412775, 0.204345, 0.3369325]);
    expect(s.h[0]).toBeCloseTo(0.96738, 12);
    expect(s.h[2]).toBeCloseTo(0.863035, 12);
    // Gradients of (r − w·h)² (slide eq. 9–10 for one rating): −2e h and −2e w.
    expectClose4(s.gradW, [-8.2555, -0.869, -7.3865]);
    expectClose4(s.gradH, [-3.476, -1.738, -2.607]);
  });

  it("Pop Quiz 3 (α = 0.1): the vectors give w·h = 0.75, not 4.5 — both readings", () => {
    // What the formulas give with the stated vectors.
    const f = sgdStep(POP_QUIZ_SGD);
    expect(f.prediction).toBeCloseTo(0.75, 12);
    expect(f.error).toBeCloseTo(1.25, 12);
    expectClose4(f.w, [0.875, 0.4125]); // 0.8 + 0.125·0.6, 0.3 + 0.125·0.9
    expectClose4(f.h, [0.7, 0.9375]); // 0.6 + 0.125·0.8, 0.9 + 0.125·0.3
    // The slide's answers: the model's prediction 4.5 = 3.75 (fixed part, e.g. μ + biases) + w·h.
    const q = sgdStep({ ...POP_QUIZ_SGD, offset: POP_QUIZ_SGD.slide.statedPrediction - dot(POP_QUIZ_SGD.w, POP_QUIZ_SGD.h) });
    expect(q.prediction).toBeCloseTo(4.5, 12);
    expect(q.error).toBeCloseTo(-2.5, 12);
    expectClose4(q.w, [0.65, 0.075]);
    expectClose4(q.h, [0.4, 0.825]);
    expect(q.w.map(round4)).toEqual(POP_QUIZ_SGD.slide.w);
    expect(q.h.map(round4)).toEqual(POP_QUIZ_SGD.slide.h);
  });

  it("with λ: w ← w + α(e h − λ w), h ← h + α(e w_old − λ h); gradients match finite differences", () => {
    const w = [0.3, -0.2, 0.5, 0.1, 0.7];
    const h = [0.4, 0.6, -0.1, 0.2, 0.3];
    const rating = 4;
    const alpha = 0.05;
    const lambda = 0.2;
    const s = sgdStep({ rating, w, h, alpha, lambda });
    const e = rating - dot(w, h);
    expect(s.error).toBeCloseTo(e, 14);
    expectClose4(
      s.w,
      w.map((v, a) => v + alpha * (e * h[a] - lambda * v)),
    );
    expectClose4(
      s.h,
      h.map((v, a) => v + alpha * (e * w[a] - lambda * v)),
    );
    const loss = (ww: number[], hh: number[]) => (rating - dot(ww, hh)) ** 2 + lambda * (dot(ww, ww) + dot(hh, hh));
    const eps = 1e-6;
    w.forEach((_, a) => {
      const wp = [...w];
      const wm = [...w];
      wp[a] += eps;
      wm[a] -= eps;
      expect(s.gradW[a]).toBeCloseTo((loss(wp, h) - loss(wm, h)) / (2 * eps), 6);
      const hp = [...h];
      const hm = [...h];
      hp[a] += eps;
      hm[a] -= eps;
      expect(s.gradH[a]).toBeCloseTo((loss(w, hp) - loss(w, hm)) / (2 * eps), 6);
    });
    // One step of α/2 along −∇ lowers the loss for a small α.
    expect(loss(s.w, s.h)).toBeLessThan(loss(w, h));
  });

  it("is bit-for-bit one epoch of fitSvd (sgd-mf) over a single rating", () => {
    const one = new RatingsMatrix(1, 1, Int32Array.of(0), Int32Array.of(0), Float64Array.of(4));
    for (const [k, lr, reg, seed] of [
      [3, 0.01, 0, 1],
      [7, 0.05, 0.02, 2],
      [8, 0.3, 0.1, 3],
    ] as const) {
      const cfg = (epochs: number): SvdConfig => ({ ...SGD_MF_DEFAULTS, d: k, maxIterations: epochs, lr, lambda: reg, initStd: 0.5, seed });
      const init = fitSvd(one, cfg(0)).model;
      const after = fitSvd(one, cfg(1)).model;
      const s = sgdStep({ rating: 4, w: Array.from(init.P), h: Array.from(init.Q), alpha: lr, lambda: reg });
      expect(Array.from(after.P)).toEqual(s.w);
      expect(Array.from(after.Q)).toEqual(s.h);
      s.w.forEach((v, a) => expect(Object.is(v, after.P[a])).toBe(true));
      expect(s.w).not.toEqual(Array.from(init.P)); // the step did move
    }
  });

  it("rejects bad inputs with clear messages", () => {
    expect(() => sgdStep({ rating: 5, w: [1, 2], h: [1], alpha: 0.1 })).toThrow(
      new InputError("SGD step: w has 2 entries and h has 1; they must match and be non-empty"),
    );
    expect(() => sgdStep({ rating: 5, w: [1], h: [1], alpha: 0 })).toThrow(/alpha must be a finite number > 0, got 0/);
    expect(() => sgdStep({ rating: 5, w: [1], h: [1], alpha: 0.1, lambda: -1 })).toThrow(/lambda must be a finite number ≥ 0/);
    expect(() => sgdStep({ rating: NaN, w: [1], h: [1], alpha: 0.1 })).toThrow(/rating is NaN/);
    expect(() => sgdStep({ rating: 1, w: [NaN], h: [1], alpha: 0.1 })).toThrow(/must be finite/);
  });
});

describe("ALS steps reproduce the lecture's ALS arithmetic", () => {
  it("learning W with H fixed to the hand-set features: y₁, X₁ for Alice, and Bob's Sholay / Carol's Swades", () => {
    const { train } = lectureDataset();
    const alice = alsUserStep(train, LECTURE_MOVIE_FEATURES, 0);
    expect(alice.y).toEqual([5, 4, 2, 3, 2]); // slide eq. (5)
    expect(alice.X).toEqual(LECTURE_MOVIE_FEATURES); // slide eq. (6): all five movies
    expect(alice.lambda).toBe(0);
    expect(alice.ridge).toBe(0);
    const oracle = ridgeSolve(alice.X, alice.y, 0);
    expectClose4(alice.solution, oracle);
    expectClose4(alice.solution, [2.7756, 1.6564, 1.7466]);
    // XᵀX and Xᵀy by hand: column sums of products.
    expect(alice.XtX[0][0]).toBeCloseTo(0.95 ** 2 + 1 + 3 * 0.05 ** 2, 12);
    expect(alice.Xty[0]).toBeCloseTo(5 * 0.95 + 4 * 1 + (2 + 3 + 2) * 0.05, 12);
    expect(alice.system).toEqual(alice.XtX);

    const half = alsHalfStepDetail(train, "user", LECTURE_MOVIE_FEATURES);
    expect(half.rows[0].solution).toEqual(alice.solution);
    const bob = half.factors[1];
    const carol = half.factors[2];
    expect(half.rows[1].observed).toEqual([1, 2, 3]); // Swades, Batman, Interstellar
    expectClose4(
      bob,
      ridgeSolve(
        [1, 2, 3].map((j) => [...LECTURE_MOVIE_FEATURES[j]]),
        [5, 1, 4],
        0,
      ),
    );
    expect(dot(bob, LECTURE_MOVIE_FEATURES[0])).toBeCloseTo(4.86, 4); // Bob's Sholay
    expect(dot(carol, LECTURE_MOVIE_FEATURES[1])).toBeCloseTo(4.0292, 4); // Carol's Swades
    // Three ratings, three unknowns: Bob's and Carol's observed ratings are interpolated exactly.
    expect(half.rows[1].residualSse).toBeLessThan(1e-20);
    expect(half.rows[2].residualSse).toBeLessThan(1e-20);
  });

  it("the worked 3 × 3 step: y₁ = [5, 2], X₁ = [1.0 0.3; 0.2 0.8], w₁⁽¹⁾ = [3.4, 1]/0.74", () => {
    const { train } = alsExampleDataset();
    const s = alsUserStep(train, ALS_EXAMPLE_H0, 0);
    expect(s.observed).toEqual([0, 2]);
    expect(s.y).toEqual(ALS_EXAMPLE_SLIDE.y);
    expect(s.X).toEqual(ALS_EXAMPLE_SLIDE.X);
    // Hand: XᵀX = [1.04 0.46; 0.46 0.73], Xᵀy = [5.4, 3.1]; X is square with det 0.74, so w = X⁻¹y.
    expectClose4(s.XtX.flat(), [1.04, 0.46, 0.46, 0.73]);
    expectClose4(s.Xty, [5.4, 3.1]);
    expectClose4(s.solution, [3.4 / 0.74, 1 / 0.74]);
    expectClose4(s.solution, [4.5946, 1.3514]);
    expect(s.residualSse).toBeLessThan(1e-20);
  });

  it("the whole first iteration of the 3 × 3 example fits the six ratings exactly", () => {
    const { train } = alsExampleDataset();
    const it1 = alsIterationDetail(train, ALS_EXAMPLE_H0);
    // Users 2 and 3 by hand: X = [h₁; h₂] with y = [4, 4], X = [h₂; h₃] with y = [5, 1].
    expectClose4(
      it1.W[1],
      ridgeSolve(
        [
          [1.0, 0.3],
          [0.5, 1.2],
        ],
        [4, 4],
        0,
      ),
    );
    expectClose4(
      it1.W[2],
      ridgeSolve(
        [
          [0.5, 1.2],
          [0.2, 0.8],
        ],
        [5, 1],
        0,
      ),
    );
    // Items with the new W: item 1 rated by users 1, 2.
    expect(it1.items.rows[0].X).toEqual([it1.W[0], it1.W[1]]);
    expect(it1.sse).toBeLessThan(1e-18);
    ALS_EXAMPLE_RATINGS.forEach((row, u) =>
      row.forEach((v, i) => {
        if (v !== null) expect(dot(it1.W[u], it1.H[i])).toBeCloseTo(v, 10);
      }),
    );
  });

  it("item step with W fixed, λ > 0 and ALS-WR λ·n: system = XᵀX + λ'I against ml-matrix", () => {
    const { train } = lectureDataset();
    const W = [
      [1.2, 0.3, 0.5],
      [0.2, 1.1, 0.9],
      [0.4, 0.8, 1.3],
    ];
    const s = alsItemStep(train, W, 3, { lambda: 0.5 }); // Interstellar: rated by all three
    expect(s.observed).toEqual([0, 1, 2]);
    expect(s.y).toEqual([3, 4, 5]);
    expect(s.X).toEqual(W);
    expectClose4(s.solution, ridgeSolve(W, [3, 4, 5], 0.5));
    s.system.forEach((row, a) => row.forEach((v, b) => expect(v).toBeCloseTo(s.XtX[a][b] + (a === b ? 0.5 : 0), 12)));
    const wr = alsItemStep(train, W, 0, { lambda: 0.5, weightedLambda: true }); // Sholay: 2 ratings → λ' = 1
    expect(wr.lambda).toBe(1);
    expectClose4(wr.solution, ridgeSolve([W[0], W[2]], [5, 4], 1));
    // The scalar Gram kernel agrees to rounding.
    expectClose4(alsItemStep(train, W, 3, { lambda: 0.5, simd: false }).solution, s.solution);
  });

  it("a singular row (λ = 0, one rating, d = 3) reports the ridge als.ts adds", () => {
    const { train } = lectureDataset();
    const s = alsItemStep(
      train,
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      4,
    ); // Shawshank: Alice only
    expect(s.observed).toEqual([0]);
    expect(s.ridge).toBeGreaterThan(0);
    expect(s.residualSse).toBeLessThan(1e-6); // min-norm-like solution fits the single rating
    expectClose4(s.solution, [2, 0, 0]);
  });

  it("is bit-for-bit the iterations fitAls runs from the same initial factors", () => {
    const { train } = lectureDataset();
    for (const [d, lambda, weightedLambda, seed] of [
      [2, 0.1, false, 5],
      [3, 1, true, 9],
    ] as const) {
      const iterations = 3;
      const fit = fitAls(train, alsConfig({ d, lambda, weightedLambda, seed, maxIterations: iterations, stopping: "none" }));
      // fitAls's init: U[0,1) from new Rng(seed), W row-major first, then H.
      const rng = new Rng(seed);
      for (let k = 0; k < train.nUsers * d; k++) rng.next();
      let H: number[][] = Array.from({ length: train.nItems }, () => Array.from({ length: d }, () => rng.next()));
      let W: number[][] = [];
      for (let t = 0; t < iterations; t++) ({ W, H } = alsIterationDetail(train, H, { lambda, weightedLambda }));
      expect(W.flat()).toEqual(Array.from(fit.model.userFactors));
      expect(H.flat()).toEqual(Array.from(fit.model.itemFactors));
    }
  });

  it("rejects mismatched shapes and indices", () => {
    const { train } = lectureDataset();
    expect(() => alsUserStep(train, [[1, 2]], 0)).toThrow(new InputError("H (items × d) has 1 rows, expected 5"));
    expect(() => alsItemStep(train, [[1], [2, 3], [4]], 0)).toThrow(/W \(users × d\) row 1 has 2 entries, row 0 has 1/);
    expect(() => alsUserStep(train, LECTURE_MOVIE_FEATURES, 3)).toThrow(/user index 3 is outside 0..2/);
    expect(() => alsUserStep(train, LECTURE_MOVIE_FEATURES, 0, { lambda: -1 })).toThrow(/lambda must be a finite number ≥ 0/);
    expect(() =>
      alsUserStep(
        train,
        LECTURE_MOVIE_FEATURES.map((r) => r.map(() => NaN)),
        0,
      ),
    ).toThrow(/is NaN/);
  });

  it("leaves its inputs alone", () => {
    const { train } = lectureDataset();
    const H = LECTURE_MOVIE_FEATURES.map((r) => [...r]);
    alsIterationDetail(train, H, { lambda: 0.1 });
    expect(H).toEqual(LECTURE_MOVIE_FEATURES);
    expect(LECTURE_RATINGS[0]).toEqual([5, 4, 2, 3, 2]);
  });
});
