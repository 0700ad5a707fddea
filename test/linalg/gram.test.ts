import { Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { buildCsr } from "../../src/data/ratings";
import { csrRowGram, gatherTransposed, gramTransposed } from "../../src/linalg/gram";
import { Rng } from "../../src/random";

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
