import { Matrix, solve } from "ml-matrix";
import { afterAll, describe, expect, it } from "vitest";
import { buildCsr, RatingsMatrix } from "../../src/data/ratings";
import { generateSyntheticMatrix } from "../../src/data/synthetic";
import { SpecError } from "../../src/core/errors";
import { perfFields } from "../../src/core/schema";
import { alsConfig, alsEffectiveThreads, alsModel, alsObjective, fitAls, fitAlsOnThreads, type AlsConfig } from "../../src/models/als/als";
import { alsSolveRow, AlsWorkspace, type AlsHalfStep } from "../../src/models/als/als-rows";
import { alsThreadPoolSize, buildSharedCsr, sharedFloat64, startAlsThreads, stopAlsThreads } from "../../src/models/als/als-threads";
import type { FitResult } from "../../src/models/types";
import { Rng } from "../../src/core/random";
import { hasMl100k, loadFold } from "../helpers/ml100k";

afterAll(() => stopAlsThreads());

const cfg = (partial: Record<string, unknown>): AlsConfig => alsConfig(partial);

/** A small MovieLens-like matrix (every user ≥ 20 ratings), plus a held-out part with unseen pairs. */
const synth = generateSyntheticMatrix({ nUsers: 300, nItems: 400, nRatings: 12_000, seed: 5 }).matrix;
const order = new Rng(1).shuffle(Int32Array.from({ length: synth.nnz }, (_, k) => k));
const train = synth.subset(order.subarray(0, 10_000));
const test = synth.subset(order.subarray(10_000));

function bytes(a: Float64Array | null): Buffer {
  return a === null ? Buffer.alloc(0) : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectIdentical(a: FitResult, b: FitResult): void {
  const ma = a.model as unknown as Record<string, Float64Array | null>;
  const mb = b.model as unknown as Record<string, Float64Array | null>;
  for (const key of ["userFactors", "itemFactors", "userBias", "itemBias"]) {
    expect(bytes(mb[key]).equals(bytes(ma[key])), key).toBe(true);
  }
  expect(b.iterations).toBe(a.iterations);
  expect(b.converged).toBe(a.converged);
  expect({ ...b.history, seconds: [] }).toEqual({ ...a.history, seconds: [] });
}

describe("multi-threaded ALS: identical to one thread", () => {
  const variants: Array<[string, Record<string, unknown>]> = [
    ["exact, plain", { d: 8, lambda: 1, maxIterations: 6, stopping: "none" }],
    [
      "exact, biases + weighted λ + gaussian init",
      { d: 5, lambda: 0.05, biases: true, weightedLambda: true, init: "gaussian", maxIterations: 5, stopping: "none" },
    ],
    ["exact, λ = 0 (singular rows, ridge retries)", { d: 12, lambda: 0, maxIterations: 3, stopping: "none" }],
    ["exact, assignment stopping rule", { d: 4, lambda: 2, maxIterations: 30, stopping: "assignment", tol: 1e-3 }],
    ["CG, 3 steps, biases", { d: 10, lambda: 1, solver: "cg", cgSteps: 3, biases: true, maxIterations: 5, stopping: "none" }],
  ];
  for (const [name, partial] of variants) {
    it(`${name}: factors bitwise equal for threads 2 and 3, same history and stopping`, () => {
      const one = fitAls(train, cfg(partial), { test, clip: [1, 5] });
      for (const threads of [2, 3]) {
        const reports: number[] = [];
        const many = fitAlsOnThreads(train, cfg({ ...partial, threads }), { test, clip: [1, 5], onIteration: (r) => reports.push(r.trainLoss) });
        expectIdentical(one, many);
        expect(reports).toEqual(one.history.trainLoss);
        // The threaded model is an ordinary (unshared) copy and predicts like the single-thread one.
        expect(many.model.userFactors.buffer).toBeInstanceOf(ArrayBuffer);
        expect(many.model.predict(3, 7)).toBe(one.model.predict(3, 7));
      }
    });
  }

  it.skipIf(!hasMl100k)("ML-100K u1, d = 20: threads 2 gives the single-thread factors bit for bit", () => {
    const { train: t, test: s } = loadFold("u1");
    const c = { d: 20, lambda: 2, maxIterations: 3, stopping: "none" };
    expectIdentical(fitAls(t, cfg(c), { test: s }), fitAlsOnThreads(t, cfg({ ...c, threads: 2 }), { test: s }));
  });

  it("keeps a worker pool across fits (no new threads per fit) and tolerates threads > cores", () => {
    fitAlsOnThreads(train, cfg({ d: 3, maxIterations: 1, threads: 2 }));
    const before = alsThreadPoolSize();
    expect(before).toBeGreaterThanOrEqual(1);
    fitAlsOnThreads(train, cfg({ d: 3, maxIterations: 1, threads: 2 }));
    expect(alsThreadPoolSize()).toBe(before);
    const a = fitAls(train, cfg({ d: 3, maxIterations: 2, stopping: "none" }));
    expectIdentical(a, fitAlsOnThreads(train, cfg({ d: 3, maxIterations: 2, stopping: "none", threads: 5 })));
  });

  it("fitAls splits rows only for half-steps large enough to pay (alsEffectiveThreads), with the same numbers", async () => {
    // ML-100K u1 sizes (80 000 ratings): d = 10 → 8·10⁶ multiply-adds per half-step, 1 thread; d = 20 → 3.2·10⁷, up to 3.
    expect(alsEffectiveThreads(80000, 10, 2)).toBe(1);
    expect(alsEffectiveThreads(80000, 15, 2)).toBe(1);
    expect(alsEffectiveThreads(80000, 16, 2)).toBe(2);
    expect(alsEffectiveThreads(80000, 20, 8)).toBe(3);
    expect(alsEffectiveThreads(80000, 50, 2)).toBe(2);
    expect(alsEffectiveThreads(80000, 50, 1)).toBe(1);
    // CG: 2(cgSteps + 1)·nnz·k; 80 000 ratings at d = 10, 3 steps → 6.4·10⁶: 1 thread; d = 64 → 4.1·10⁷: 4.
    expect(alsEffectiveThreads(80000, 10, 2, "cg", 3)).toBe(1);
    expect(alsEffectiveThreads(80000, 64, 8, "cg", 3)).toBe(4);
    expect(alsEffectiveThreads(0, 50, 4)).toBe(1);
    // A small fit asked for 2 threads runs on this thread: the same numbers, and no pool is started for it.
    const c = { d: 3, maxIterations: 2, stopping: "none" };
    await stopAlsThreads();
    expectIdentical(fitAls(train, cfg(c)), fitAls(train, cfg({ ...c, threads: 2 })));
    expect(alsThreadPoolSize()).toBe(0);
  });

  it("propagates an error from a half-step and stays usable", () => {
    const d = 4;
    const csr = buildSharedCsr(train.nUsers, train.nItems, train.users, train.items, train.values);
    const step: AlsHalfStep = {
      csr,
      fixed: sharedFloat64(train.nItems * d).fill(0.5),
      fixedBias: null,
      solved: sharedFloat64(train.nUsers * d),
      solvedBias: null,
      d,
      lambda: 1,
      weightedLambda: false,
      globalMean: 3,
    };
    // A workspace too small for the rows: alsSolveRow throws (in whichever thread takes a row).
    const runner = startAlsThreads([step], d, 3, 2);
    expect(() => runner.run(0)).toThrow(/row \d+ has \d+ entries, workspace holds 3/);
    runner.close();
    const a = fitAls(train, cfg({ d: 3, maxIterations: 2, stopping: "none" }));
    expectIdentical(a, fitAlsOnThreads(train, cfg({ d: 3, maxIterations: 2, stopping: "none", threads: 2 })));
  });

  it("refuses half-steps on unshared memory", () => {
    const byUser = train.byUser();
    const step: AlsHalfStep = {
      csr: byUser,
      fixed: new Float64Array(train.nItems * 2),
      fixedBias: null,
      solved: new Float64Array(train.nUsers * 2),
      solvedBias: null,
      d: 2,
      lambda: 1,
      weightedLambda: false,
      globalMean: 0,
    };
    expect(() => startAlsThreads([step], 2, 500, 2)).toThrow(/must be on a SharedArrayBuffer/);
    expect(() => startAlsThreads([step], 2, 500, 0)).toThrow(/threads must be an integer ≥ 1, got 0/);
  });
});

describe("shared CSR and the sweep rule", () => {
  it("buildSharedCsr equals buildCsr entry for entry, on shared memory", () => {
    for (const [rows, cols, nRows, nCols] of [
      [train.users, train.items, train.nUsers, train.nItems],
      [train.items, train.users, train.nItems, train.nUsers],
    ] as const) {
      const a = buildCsr(nRows, nCols, rows, cols, train.values);
      const b = buildSharedCsr(nRows, nCols, rows, cols, train.values);
      expect(b.indptr.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(b.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(b.indptr)).toEqual(Array.from(a.indptr));
      expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
    }
  });
});

describe("ALS config: solver, cgSteps, threads", () => {
  it("always holds the fields, at their defaults when not given, and validates them", () => {
    expect(alsConfig({})).toMatchObject({ solver: "cholesky", cgSteps: 3, threads: 1 });
    expect(alsConfig({ threads: 1, solver: "cholesky", cgSteps: 3 })).toEqual(alsConfig({}));
    expect(alsConfig({ threads: 2, solver: "cg", cgSteps: 5 })).toMatchObject({ threads: 2, solver: "cg", cgSteps: 5 });
    // threads never changes a number (performance-only); solver and cgSteps do.
    expect(perfFields(alsModel.params)).toEqual(["threads"]);
    expect(() => alsConfig({ threads: 0 })).toThrow(SpecError);
    expect(() => alsConfig({ threads: 0 })).toThrow("als config: threads must be ≥ 1, got 0");
    expect(() => alsConfig({ threads: 1.5 })).toThrow("als config: threads must be an integer, got 1.5");
    expect(() => alsConfig({ threads: 300 })).toThrow("als config: threads must be ≤ 256, got 300");
    expect(() => alsConfig({ solver: "qr" })).toThrow('als config: solver must be one of "cholesky", "cg" (did you mean "cg"?), got "qr"');
    expect(() => alsConfig({ cgSteps: 0 })).toThrow("als config: cgSteps must be ≥ 1, got 0");
    expect(() => alsConfig({ cgstep: 2 })).toThrow(
      'als config: cgstep is not a parameter of als (did you mean "cgSteps"?); known: d, lambda, maxIterations, tol, stopping, init, initScale, seed, biases, weightedLambda, solver, cgSteps, threads',
    );
  });
});

describe("CG solver for explicit ALS", () => {
  it("one CG step on a row is the exact steepest-descent step from the current row (ml-matrix oracle)", () => {
    const d = 3;
    const rng = new Rng(9);
    const nItems = 6;
    const H = Float64Array.from({ length: nItems * d }, () => rng.gaussian());
    const m = new RatingsMatrix(1, nItems, Int32Array.of(0, 0, 0, 0, 0), Int32Array.of(0, 1, 3, 4, 5), Float64Array.of(5, 3, 4, 1, 2));
    const x0 = [0.3, -0.2, 0.5];
    for (const steps of [1, 2]) {
      const W = Float64Array.from(x0);
      const lambda = 0.7;
      const step: AlsHalfStep = {
        csr: m.byUser(),
        fixed: H,
        fixedBias: null,
        solved: W,
        solvedBias: null,
        d,
        lambda,
        weightedLambda: false,
        globalMean: 0,
        solver: "cg",
        cgSteps: steps,
      };
      alsSolveRow(step, 0, AlsWorkspace.forMatrix(m, d));
      // Oracle: A = XᵀX + λI, b = Xᵀa, explicit CG iterations in ml-matrix arithmetic.
      const X = new Matrix([0, 1, 3, 4, 5].map((i) => Array.from(H.subarray(i * d, i * d + d))));
      const A = X.transpose().mmul(X).add(Matrix.eye(d).mul(lambda));
      const b = X.transpose().mmul(Matrix.columnVector([5, 3, 4, 1, 2]));
      let x = Matrix.columnVector(x0);
      let r = b.clone().sub(A.mmul(x));
      let p = r.clone();
      for (let s = 0; s < steps; s++) {
        const Ap = A.mmul(p);
        const rr = r.dot(r);
        const alpha = rr / p.dot(Ap);
        x = x.clone().add(p.clone().mul(alpha));
        const rNew = r.clone().sub(Ap.clone().mul(alpha));
        p = rNew.clone().add(p.clone().mul(rNew.dot(rNew) / rr));
        r = rNew;
      }
      for (let a = 0; a < d; a++) expect(W[a]).toBeCloseTo(x.get(a, 0), 12);
      // And CG with k steps solves the 3×3 system exactly (to rounding).
      if (steps === 2) {
        const W3 = Float64Array.from(x0);
        alsSolveRow({ ...step, solved: W3, cgSteps: d }, 0, AlsWorkspace.forMatrix(m, d));
        const exact = solve(A, b);
        for (let a = 0; a < d; a++) expect(W3[a]).toBeCloseTo(exact.get(a, 0), 10);
      }
    }
  });

  it("with many steps converges to the Cholesky fit (plain and with biases)", () => {
    for (const extra of [{}, { biases: true }]) {
      const base = { d: 6, lambda: 1, maxIterations: 8, stopping: "none", ...extra };
      const exact = fitAls(train, cfg(base)).model;
      const cg = fitAls(train, cfg({ ...base, solver: "cg", cgSteps: 30 })).model;
      let maxDiff = 0;
      for (let k = 0; k < exact.userFactors.length; k++) maxDiff = Math.max(maxDiff, Math.abs(exact.userFactors[k] - cg.userFactors[k]));
      for (let k = 0; k < exact.itemFactors.length; k++) maxDiff = Math.max(maxDiff, Math.abs(exact.itemFactors[k] - cg.itemFactors[k]));
      expect(maxDiff).toBeLessThan(1e-8);
      expect(maxDiff).toBeGreaterThan(0); // a different computation, not the same code path
    }
  });

  it("never increases the objective (warm-started CG is a descent step) and approaches the exact fit's loss", () => {
    const base = { d: 10, lambda: 2, maxIterations: 25, stopping: "none" };
    const exact = fitAls(train, cfg(base), { test });
    for (const cgSteps of [1, 3]) {
      const fit = fitAls(train, cfg({ ...base, solver: "cg", cgSteps }), { test });
      const L = fit.history.trainLoss;
      for (let t = 1; t < L.length; t++) expect(L[t], `iteration ${t + 1}, ${cgSteps} steps`).toBeLessThanOrEqual(L[t - 1] * (1 + 1e-12));
      const Lexact = exact.history.trainLoss[exact.history.trainLoss.length - 1];
      expect(L[L.length - 1]).toBeGreaterThanOrEqual(Lexact * (1 - 1e-9)); // both descend towards the same minima
      expect(L[L.length - 1] / Lexact).toBeLessThan(cgSteps === 3 ? 1.05 : 1.25);
      expect(fit.history.testMse[fit.history.testMse.length - 1]).toBeLessThan(1.3 * exact.history.testMse[exact.history.testMse.length - 1]);
    }
  });
});

describe("per-iteration train error recorded by the item half-step", () => {
  it("equals a separate pass over the data (alsObjective) to rounding: both solvers, biases, clipping, 1 and 2 threads", () => {
    for (const extra of [{}, { biases: true, weightedLambda: true, lambda: 0.05 }, { solver: "cg", cgSteps: 2 }, { solver: "cg", biases: true }]) {
      for (const threads of [1, 2]) {
        const c = cfg({ d: 6, lambda: 0.5, maxIterations: 3, stopping: "none", ...extra, threads });
        for (const clip of [undefined, [1, 5] as [number, number]]) {
          const fit = fitAls(train, c, { clip });
          const direct = alsObjective(fit.model, train, c.lambda, c.weightedLambda, clip);
          const h = fit.history;
          const last = h.trainLoss.length - 1;
          const label = `${JSON.stringify(extra)} threads ${threads} clip ${clip}`;
          expect(h.trainLoss[last] / direct.loss, label).toBeCloseTo(1, 12);
          expect(h.trainMse[last] / direct.train.mse, label).toBeCloseTo(1, 12);
          expect(h.trainMae[last] / direct.train.mae, label).toBeCloseTo(1, 12);
          if (clip) {
            // Clipping is active (some predictions fall outside [1, 5]) and changes the error.
            const unclipped = alsObjective(fit.model, train, c.lambda, c.weightedLambda);
            expect(unclipped.train.mse, label).toBeGreaterThan(direct.train.mse);
          }
        }
      }
    }
  });
});
