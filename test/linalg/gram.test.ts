import { Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { buildCsr } from "../../src/data/ratings";
import { csrRowGram, gatherTransposed, GramAssembler, gramTransposed } from "../../src/linalg/gram";
import { gramModuleBytes, simdGramModule } from "../../src/linalg/simd";
import { Rng } from "../../src/core/random";

describe("Gram assembly", () => {
  for (const d of [1, 2, 3, 4, 5, 6, 7, 11, 50]) {
    it(`csrRowGram equals X_Ωᵀ X_Ω and X_Ωᵀ y from ml-matrix, d = ${d}`, () => {
      const rng = new Rng(d);
      const nRows = 5;
      const nCols = 30;
      const X = Float64Array.from({ length: nCols * d }, () => rng.gaussian());
      // Row r gets r*3 + (d % 4) entries (row 0 may be empty), distinct columns.
      const rows: number[] = [];
      const cols: number[] = [];
      const vals: number[] = [];
      for (let r = 0; r < nRows; r++) {
        const picked = rng.shuffle(Array.from({ length: nCols }, (_, c) => c)).slice(0, r * 3 + (d % 4));
        for (const c of picked) {
          rows.push(r);
          cols.push(c);
          vals.push(1 + rng.int(5));
        }
      }
      const csr = buildCsr(nRows, nCols, Int32Array.from(rows), Int32Array.from(cols), Float64Array.from(vals));
      const G = new Float64Array(d * d).fill(NaN);
      const rhs = new Float64Array(d).fill(NaN);
      const work = new Float64Array(d * nCols);
      for (let r = 0; r < nRows; r++) {
        const n = csrRowGram(X, d, csr.indptr, csr.indices, csr.values, r, G, rhs, work);
        const s = csr.indptr[r];
        expect(n).toBe(csr.indptr[r + 1] - s);
        const Xo = new Matrix(Array.from({ length: n }, (_, t) => Array.from(X.subarray(csr.indices[s + t] * d, (csr.indices[s + t] + 1) * d))));
        const y = Matrix.columnVector(Array.from(csr.values.subarray(s, s + n)));
        const expectedG = n > 0 ? Xo.transpose().mmul(Xo) : Matrix.zeros(d, d);
        const expectedR = n > 0 ? Xo.transpose().mmul(y) : Matrix.zeros(d, 1);
        for (let a = 0; a < d; a++) {
          expect(rhs[a]).toBeCloseTo(expectedR.get(a, 0), 10);
          for (let b = 0; b < d; b++) {
            expect(G[a * d + b]).toBeCloseTo(expectedG.get(a, b), 10);
            expect(G[a * d + b]).toBe(G[b * d + a]); // exactly symmetric
          }
        }
      }
    });
  }

  it("appendOne adds a constant-1 feature (the bias column)", () => {
    const d = 4;
    const X = Float64Array.of(...[1, 2, 3, 4], ...[0.5, -1, 2, 0], ...[3, 3, -2, 1]);
    const indices = Int32Array.of(2, 0);
    const Xt = new Float64Array((d + 1) * 2);
    expect(gatherTransposed(X, d, indices, 0, 2, true, Xt)).toBe(2);
    // Row a of Xt = feature a of (x_2, x_0); last row ones.
    expect(Array.from(Xt)).toEqual([3, 1, 3, 2, -2, 3, 1, 4, 1, 1]);
    const y = Float64Array.of(9, 5, 7); // offset 1 → y = (5, 7)
    const k = d + 1;
    const G = new Float64Array(k * k);
    const r = new Float64Array(k);
    gramTransposed(Xt, 2, k, y, 1, G, r);
    const x2 = [3, 3, -2, 1, 1];
    const x0 = [1, 2, 3, 4, 1];
    for (let a = 0; a < k; a++) {
      expect(r[a]).toBe(5 * x2[a] + 7 * x0[a]);
      for (let b = 0; b < k; b++) expect(G[a * k + b]).toBe(x2[a] * x2[b] + x0[a] * x0[b]);
    }
  });
});

describe("GramAssembler (WebAssembly SIMD kernel and scalar fallback)", () => {
  it("the compiled module (wasm/gram.wat) validates and is used on this Node", () => {
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(wasm.validate(gramModuleBytes()!)).toBe(true);
    expect(simdGramModule()).not.toBeNull();
    expect(new GramAssembler(3, 4).simd).toBe(true);
    expect(new GramAssembler(3, 4, { simd: false }).simd).toBe(false);
  });

  for (const simd of [true, false]) {
    it(`matches ml-matrix for odd/even d, n and the bias column (simd ${simd})`, () => {
      const rng = new Rng(simd ? 1 : 2);
      const nCols = 40;
      for (const d of [1, 2, 3, 4, 7, 10, 13]) {
        for (const appendOne of [false, true]) {
          const k = d + (appendOne ? 1 : 0);
          const X = Float64Array.from({ length: nCols * d }, () => rng.gaussian());
          const asm = new GramAssembler(k, 25, { simd });
          const G = new Float64Array(k * k);
          const r = new Float64Array(k);
          for (const n of [0, 1, 2, 5, 6, 25]) {
            const indices = Int32Array.from(rng.shuffle(Array.from({ length: nCols }, (_, c) => c)).slice(0, n));
            const y = Float64Array.from({ length: n + 3 }, () => 1 + rng.int(5));
            G.fill(NaN);
            r.fill(NaN);
            expect(asm.rowGram(X, d, indices, 0, n, appendOne, y, 3, G, r)).toBe(n);
            const rows = Array.from(indices, (j) => [...Array.from(X.subarray(j * d, (j + 1) * d)), ...(appendOne ? [1] : [])]);
            const Xo = n > 0 ? new Matrix(rows) : Matrix.zeros(0, k);
            const eG = n > 0 ? Xo.transpose().mmul(Xo) : Matrix.zeros(k, k);
            const eR = n > 0 ? Xo.transpose().mmul(Matrix.columnVector(Array.from(y.subarray(3)))) : Matrix.zeros(k, 1);
            for (let a = 0; a < k; a++) {
              expect(r[a]).toBeCloseTo(eR.get(a, 0), 10);
              for (let b = 0; b < k; b++) expect(G[a * k + b]).toBeCloseTo(eG.get(a, b), 10);
            }
            // The transposed design of the row stays readable.
            for (let t = 0; t < n; t++) {
              for (let a = 0; a < k; a++) expect(asm.design[a * asm.stride + t]).toBe(rows[t][a]);
            }
            expect(asm.n).toBe(n);
          }
        }
      }
    });
  }

  it("refuses mismatched sizes", () => {
    const asm = new GramAssembler(4, 3);
    const X = new Float64Array(40);
    const G = new Float64Array(16);
    const r = new Float64Array(4);
    expect(() => asm.rowGram(X, 3, Int32Array.of(0), 0, 1, false, new Float64Array(1), 0, G, r)).toThrow(/built for k = 4, got d = 3/);
    expect(() => asm.rowGram(X, 4, Int32Array.of(0, 1, 2, 3), 0, 4, false, new Float64Array(4), 0, G, r)).toThrow(
      /row of 4 entries, built for at most 3/,
    );
  });
});
