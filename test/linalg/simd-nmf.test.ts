/**
 * The WebAssembly NMF accumulation kernel (src/linalg/wasm/nmf.wat via src/linalg/simd-nmf.ts) against its scalar
 * twin, the loop of fitNmf (src/models/nmf/nmf.ts): the same operations in the same order without fused
 * multiply-add, so whole fits must be bitwise equal — factors, biases and every history entry — for every rank
 * (odd k exercises the scalar tail), biased or not, with clipping and a test set. The scalar twin is checked
 * against Surprise's update written out plainly in test/models/nmf.test.ts.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/random";
import { bitwise, randomPairs } from "../helpers/matrices";
import { simdNmfModule } from "../../src/linalg/simd-nmf";
import { fitNmfWith, nmfModel } from "../../src/models/nmf/nmf";

describe("WebAssembly NMF kernel (nmf.wat) vs the scalar loop of fitNmf", () => {
  it("is available on this Node", () => {
    expect(simdNmfModule()).not.toBeNull();
  });

  for (const biased of [false, true]) {
    it(`whole fits are bitwise equal for k = 1…6, 15 (${biased ? "biased" : "unbiased"}), model and history`, () => {
      const all = randomPairs(biased ? 5 : 6, 31, 23, 360);
      const order = new Rng(2).shuffle(Int32Array.from({ length: all.nnz }, (_, t) => t));
      const train = all.subset(order.subarray(0, 300));
      const test = all.subset(order.subarray(300));
      for (const d of [1, 2, 3, 4, 5, 6, 15]) {
        const config = nmfModel.config({ d, maxIterations: 5, biased, seed: d, lrBu: 0.01, lrBi: 0.02, lambdaBu: 0.03, lambdaBi: 0.04 });
        const options = { test, clip: [1, 5] as const };
        const a = fitNmfWith(train, config, options, true);
        const b = fitNmfWith(train, config, options, false);
        for (const key of ["pu", "qi", "bu", "bi"] as const) expect(bitwise(a.model[key], b.model[key]), `${key}, d = ${d}`).toBe(true);
        expect({ ...a.history, seconds: [] }).toEqual({ ...b.history, seconds: [] });
        expect(a.history.trainLoss).toHaveLength(5);
        // The fit moved the factors, and the kernel path returns plain arrays, not views of its memory.
        const init = fitNmfWith(train, { ...config, maxIterations: 0 }, {}, false);
        expect(bitwise(a.model.pu, init.model.pu)).toBe(false);
        expect(a.model.pu.buffer.byteLength).toBe(a.model.pu.length * 8);
        if (biased) expect(Array.from(a.model.bu).some((x) => x !== 0)).toBe(true);
      }
    });
  }
});
