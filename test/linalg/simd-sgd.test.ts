/**
 * The WebAssembly SIMD SGD kernel (src/linalg/wasm/sgd.wat via src/linalg/simd-sgd.ts) against its scalar twins in
 * src/models/gradient/svd.ts: `sgdEpoch` (the epoch) and the error pass of `fitSvd` (ErrorAccumulator over
 * μ + b_u + b_i + dotRows). Neither side has fused multiply-add and both perform the same operations in the same
 * order, so the results must be bitwise equal — for every rank (k mod 4 = 0…3, the tail loops), biased or not, and
 * for whole fits (shuffled or not, with clipping and a test set). The scalar twin itself is checked against a plainly
 * written Surprise epoch in test/models/svd.test.ts.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/random";
import { bitwise, randomPairs } from "../helpers/matrices";
import { createSimdSgd, simdSgdModule } from "../../src/linalg/simd-sgd";
import { ErrorAccumulator, dotRows, fitSvdWith, sgdEpoch, svdModel, sgdMfModel } from "../../src/models/gradient/svd";
import type { IterationReport } from "../../src/models/types";

const rates = { lrBu: 0.011, lrBi: 0.007, lrPu: 0.013, lrQi: 0.009, regBu: 0.03, regBi: 0.05, regPu: 0.02, regQi: 0.04 };

describe("WebAssembly SIMD SGD kernel (sgd.wat) vs its scalar twins", () => {
  it("is available on this Node (the bench and the speed claims rely on it)", () => {
    expect(simdSgdModule()).not.toBeNull();
  });

  for (const biased of [true, false]) {
    it(`epochs are bitwise equal to sgdEpoch for k = 1…9, 13, 100 (${biased ? "biased" : "unbiased"})`, () => {
      for (const k of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 100]) {
        const train = randomPairs(k, 23, 17, 150);
        const w = createSimdSgd({ nUsers: 23, nItems: 17, k, nnz: train.nnz, shuffled: false })!;
        const rng = new Rng(100 + k);
        for (const a of [w.P, w.Q]) for (let j = 0; j < a.length; j++) a[j] = 0.3 * rng.gaussian();
        for (const a of [w.bu, w.bi]) for (let j = 0; j < a.length; j++) a[j] = 0.2 * rng.gaussian();
        const P0 = w.P.slice();
        const P = w.P.slice();
        const Q = w.Q.slice();
        const bu = w.bu.slice();
        const bi = w.bi.slice();
        w.users.set(train.users);
        w.items.set(train.items);
        w.values.set(train.values);
        const mu = train.mean();
        for (let e = 0; e < 4; e++) {
          w.epoch(mu, biased, rates);
          const r = rates;
          sgdEpoch(
            train.users,
            train.items,
            train.values,
            k,
            mu,
            biased,
            bu,
            bi,
            P,
            Q,
            r.lrBu,
            r.lrBi,
            r.lrPu,
            r.lrQi,
            r.regBu,
            r.regBi,
            r.regPu,
            r.regQi,
          );
        }
        expect(bitwise(w.P, P), `P, k = ${k}`).toBe(true);
        expect(bitwise(w.Q, Q), `Q, k = ${k}`).toBe(true);
        expect(bitwise(w.bu, bu), `bu, k = ${k}`).toBe(true);
        expect(bitwise(w.bi, bi), `bi, k = ${k}`).toBe(true);
        // The epochs moved the factors (a kernel that did nothing would fail here).
        expect(P.some((x, j) => x !== P0[j])).toBe(true);

        // The error pass: the same sums as ErrorAccumulator over the scalar predictions, clipped and not.
        for (const [lo, hi] of [
          [-Infinity, Infinity],
          [1, 5],
          [2.5, 3.5],
        ]) {
          const acc = new ErrorAccumulator([lo, hi]);
          for (let t = 0; t < train.nnz; t++) {
            const u = train.users[t];
            const i = train.items[t];
            const dot = dotRows(P, u * k, Q, i * k, k);
            acc.add(train.values[t], biased ? mu + bu[u] + bi[i] + dot : dot);
          }
          const sums = w.evaluate(mu, biased, lo, hi);
          expect(sums.sse, `sse k = ${k} [${lo}, ${hi}]`).toBe(acc.sse);
          expect(sums.sseClipped, `sse clipped k = ${k} [${lo}, ${hi}]`).toBe(acc.sseClipped);
          expect(sums.sae, `sae k = ${k} [${lo}, ${hi}]`).toBe(acc.sae);
        }
      }
    });
  }

  for (const [model, shuffle] of [
    [svdModel, true],
    [svdModel, false],
    [sgdMfModel, true],
  ] as const) {
    it(`${model.name} fits (shuffle ${shuffle}) are bitwise equal with the kernel and with the scalar twins: model and history`, () => {
      const all = randomPairs(7, 40, 30, 500);
      const order = new Rng(3).shuffle(Int32Array.from({ length: all.nnz }, (_, t) => t));
      const train = all.subset(order.subarray(0, 400));
      const test = all.subset(order.subarray(400));
      const config = model.config({ d: 11, maxIterations: 6, shuffle, seed: 5, lr: 0.01 });
      const options = { test, clip: [1, 5] as const };
      const a = fitSvdWith(train, config, options, true);
      const b = fitSvdWith(train, config, options, false);
      for (const key of ["P", "Q", "bu", "bi"] as const) expect(bitwise(a.model[key], b.model[key]), key).toBe(true);
      expect({ ...a.history, seconds: [] }).toEqual({ ...b.history, seconds: [] });
      expect(a.history.testMse.every((x) => Number.isFinite(x))).toBe(true);
      expect(a.history.trainLoss).toHaveLength(6);
      // The model returned by the kernel path owns plain arrays, not views of the kernel memory.
      expect(a.model.P.buffer.byteLength).toBe(a.model.P.length * 8);
    });
  }

  it("history: false gives the same model, no history rows and no onIteration calls", () => {
    const train = randomPairs(11, 30, 25, 300);
    const config = svdModel.config({ d: 6, maxIterations: 5, seed: 2 });
    for (const simd of [true, false]) {
      const reports: IterationReport[] = [];
      const on = fitSvdWith(train, config, {}, simd);
      const off = fitSvdWith(train, config, { history: false, onIteration: (r) => reports.push(r) }, simd);
      expect(bitwise(on.model.P, off.model.P)).toBe(true);
      expect(bitwise(on.model.bi, off.model.bi)).toBe(true);
      expect(on.history.iteration).toEqual([1, 2, 3, 4, 5]);
      expect(off.history.iteration).toEqual([]);
      expect(reports).toEqual([]);
      expect(off.iterations).toBe(5);
    }
  });

  it("history: false still stops with the divergence error when the factors blow up", () => {
    const train = randomPairs(12, 30, 25, 300);
    for (const biased of [true, false]) {
      const config = (biased ? svdModel : sgdMfModel).config({ d: 8, maxIterations: 50, lr: 5, initStd: 1 });
      for (const simd of [true, false]) {
        expect(() => fitSvdWith(train, config, { history: false }, simd)).toThrow(
          /SGD diverged at epoch \d+ \(loss NaN\): lower the learning rate \(lr = 5\)/,
        );
      }
    }
  });
});
