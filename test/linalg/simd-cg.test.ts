import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { RowCg, cgModuleBytes, simdCgModule } from "../../src/linalg/simd-cg";
import { MAX_WASM_PAGES, instantiateWithMemory } from "../../src/linalg/wasm/load";
import { Rng } from "../../src/core/random";

/** A random CSR-like row: n entries over `nCols` fixed rows of width d, targets, optional biases. */
function randomRow(rng: Rng, n: number, d: number, nCols: number) {
  const F = Float64Array.from({ length: nCols * d }, () => rng.gaussian());
  const indices = Int32Array.from({ length: n + 3 }, () => rng.int(nCols));
  const values = Float64Array.from({ length: n + 3 }, () => 1 + rng.int(5));
  const bias = Float64Array.from({ length: nCols }, () => 0.3 * rng.gaussian());
  return { F, indices, values, bias };
}

function solveBoth(d: number, n: number, withBias: boolean, steps: number, seed: number) {
  const rng = new Rng(seed);
  const k = withBias ? d + 1 : d;
  const { F, indices, values, bias } = randomRow(rng, n, d, 40);
  const x0 = Float64Array.from({ length: k }, () => 0.1 * rng.gaussian());
  const out: Float64Array[] = [];
  const residuals: Float64Array[] = [];
  const simdFlags: boolean[] = [];
  for (const simd of [true, false]) {
    const cg = new RowCg(k, n + 5, { simd });
    simdFlags.push(cg.simd);
    // A longer row first, so the second gather must clear what the first left behind.
    cg.gather(F, d, indices, values, 0, n + 3, withBias, withBias ? bias : null, 3.5);
    cg.gather(F, d, indices, values, 2, 2 + n, withBias, withBias ? bias : null, 3.5);
    cg.x.set(x0);
    cg.solve(0.8, steps);
    out.push(cg.x.slice(0, k));
    residuals.push(cg.residuals().slice());
  }
  return { out, residuals, simdFlags, F, indices, values, bias, x0, k };
}

describe("RowCg (WebAssembly SIMD CG passes for one ALS row)", () => {
  it("loads a valid module (wasm/cg.wat) that this Node compiles", () => {
    expect((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(cgModuleBytes()!)).toBe(true);
    expect(simdCgModule()).not.toBeNull();
  });

  it("the SIMD kernel and its scalar twin give bitwise identical solutions (odd/even k, with/without bias, ragged n)", () => {
    let seed = 1;
    for (const d of [1, 2, 3, 4, 5, 7, 10, 33, 64]) {
      for (const n of [1, 2, 3, 4, 5, 9, 31, 100]) {
        for (const withBias of [false, true]) {
          const { out, residuals, simdFlags } = solveBoth(d, n, withBias, 3, seed++);
          expect(simdFlags).toEqual([true, false]);
          expect(Array.from(out[0]), `d=${d} n=${n} bias=${withBias}`).toEqual(Array.from(out[1]));
          expect(residuals[0].length).toBe(n);
          expect(Array.from(residuals[0]), `residuals d=${d} n=${n} bias=${withBias}`).toEqual(Array.from(residuals[1]));
          expect(out[0].every(Number.isFinite)).toBe(true);
        }
      }
    }
  });

  it("with k steps solves the ridge normal equations exactly (ml-matrix oracle), bias column included", () => {
    for (const withBias of [false, true]) {
      const d = 6;
      const n = 11;
      const { out, residuals, F, indices, values, bias, k } = solveBoth(d, n, withBias, 40, 99);
      const X = new Matrix(
        Array.from({ length: n }, (_, t) => {
          const j = indices[2 + t];
          const row = Array.from(F.subarray(j * d, j * d + d));
          return withBias ? [...row, 1] : row;
        }),
      );
      const y = Matrix.columnVector(Array.from({ length: n }, (_, t) => values[2 + t] - (withBias ? 3.5 + bias[indices[2 + t]] : 0)));
      const A = X.transpose().mmul(X).add(Matrix.eye(k).mul(0.8));
      const exact = solve(A, X.transpose().mmul(y));
      for (let a = 0; a < k; a++) expect(out[0][a]).toBeCloseTo(exact.get(a, 0), 9);
      // residuals(): y − X̃x at the solution
      const res = y.clone().sub(X.mmul(Matrix.columnVector(Array.from(out[0]))));
      for (let t = 0; t < n; t++) expect(residuals[0][t]).toBeCloseTo(res.get(t, 0), 10);
    }
  });

  it("one step from x0 is the exact steepest-descent step (hand formula)", () => {
    const d = 3;
    const { out, F, indices, values, x0 } = solveBoth(d, 5, false, 1, 5);
    const X = new Matrix(Array.from({ length: 5 }, (_, t) => Array.from(F.subarray(indices[2 + t] * d, indices[2 + t] * d + d))));
    const A = X.transpose().mmul(X).add(Matrix.eye(d).mul(0.8));
    const x = Matrix.columnVector(Array.from(x0));
    const r = X.transpose()
      .mmul(Matrix.columnVector(Array.from(values.subarray(2, 7))))
      .sub(A.mmul(x));
    const alpha = r.dot(r) / r.dot(A.mmul(r));
    for (let a = 0; a < d; a++) expect(out[0][a]).toBeCloseTo(x.get(a, 0) + alpha * r.get(a, 0), 12);
  });

  it("refuses rows longer than it was built for, and a k that does not match d", () => {
    const cg = new RowCg(4, 3);
    const F = new Float64Array(40);
    const idx = new Int32Array(10);
    const v = new Float64Array(10);
    expect(() => cg.gather(F, 4, idx, v, 0, 4, false, null, 0)).toThrow("RowCg: row of 4 entries, built for at most 3");
    expect(() => cg.gather(F, 4, idx, v, 0, 2, true, F, 0)).toThrow("RowCg: built for k = 4, got d = 4 + 1");
    expect(() => new RowCg(0, 3)).toThrow("RowCg: k must be an integer ≥ 1, got 0");
  });
});

describe("kernel memory limits", () => {
  it("gives no kernel (callers use their scalar code) when its memory would exceed 4 GiB, a 32-bit wasm memory", () => {
    expect(instantiateWithMemory(simdCgModule(), 1024)).not.toBeNull();
    expect(instantiateWithMemory(simdCgModule(), 2 ** 29 + 1)).toBeNull();
    expect(MAX_WASM_PAGES).toBe(65536);
  });
});
