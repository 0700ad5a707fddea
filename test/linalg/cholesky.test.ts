import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { choleskyFactorInPlace, choleskySolveFactored, choleskySolveInPlace } from "../../src/linalg/cholesky";
import { Rng } from "../../src/core/random";

/** Random SPD matrix B Bᵀ + shift·I (row-major) with B d×(d+2) gaussian. */
function randomSpd(rng: Rng, d: number, shift = 0.1): Float64Array {
  const m = d + 2;
  const B = Array.from({ length: d * m }, () => rng.gaussian());
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += B[i * m + k] * B[j * m + k];
      A[i * d + j] = s + (i === j ? shift : 0);
    }
  }
  return A;
}

function toMatrix(A: Float64Array, d: number): Matrix {
  return new Matrix(Array.from({ length: d }, (_, i) => Array.from(A.subarray(i * d, (i + 1) * d))));
}

describe("choleskySolveInPlace", () => {
  const rng = new Rng(42);
  for (const d of [1, 2, 3, 4, 5, 7, 10, 17, 50, 51]) {
    it(`matches ml-matrix solve on a random SPD system, d = ${d}`, () => {
      for (let rep = 0; rep < 3; rep++) {
        const A = randomSpd(rng, d);
        const b = Float64Array.from({ length: d }, () => rng.gaussian());
        const expected = solve(toMatrix(A, d), Matrix.columnVector(Array.from(b))).getColumn(0);
        const work = A.slice();
        const x = b.slice();
        expect(choleskySolveInPlace(work, x, d)).toBe(true);
        const scale = Math.max(...expected.map(Math.abs));
        for (let i = 0; i < d; i++) expect(Math.abs(x[i] - expected[i])).toBeLessThan(1e-9 * scale + 1e-12);
      }
    });
  }

  it("factor satisfies L Lᵀ = A, reads only the lower triangle and leaves the strict upper triangle alone", () => {
    const d = 9;
    const A = randomSpd(rng, d);
    const work = A.slice();
    // Garbage in the strict upper triangle must not matter and must survive.
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) work[i * d + j] = 1000 + i * d + j;
    expect(choleskyFactorInPlace(work, d)).toBe(true);
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) expect(work[i * d + j]).toBe(1000 + i * d + j);
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += work[i * d + k] * work[j * d + k];
        expect(s).toBeCloseTo(A[i * d + j], 10);
      }
    }
    const b = Float64Array.from({ length: d }, (_, i) => i - 3);
    const x = b.slice();
    choleskySolveFactored(work, x, d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
      expect(s).toBeCloseTo(b[i], 9);
    }
  });

  it("solves a hand-computed 2×2 system", () => {
    // [[4, 2], [2, 3]] x = [2, 1]  →  x = [0.5, 0]
    const A = Float64Array.of(4, 2, 2, 3);
    const b = Float64Array.of(2, 1);
    expect(choleskySolveInPlace(A, b, 2)).toBe(true);
    expect(Array.from(A)).toEqual([2, 2, 1, Math.SQRT2]); // lower triangle = L, upper entry untouched
    expect(b[0]).toBeCloseTo(0.5, 15);
    expect(b[1]).toBeCloseTo(0, 15);
  });

  it("returns false on an indefinite matrix and leaves b untouched", () => {
    for (const d of [2, 3]) {
      const A = new Float64Array(d * d).fill(2);
      for (let i = 0; i < d; i++) A[i * d + i] = 1; // eigenvalue 1 − 2 < 0
      const b = Float64Array.from({ length: d }, (_, i) => i + 1);
      expect(choleskySolveInPlace(A, b, d)).toBe(false);
      expect(Array.from(b)).toEqual(Array.from({ length: d }, (_, i) => i + 1));
    }
    expect(choleskySolveInPlace(Float64Array.of(-1), Float64Array.of(1), 1)).toBe(false);
    expect(choleskySolveInPlace(Float64Array.of(NaN), Float64Array.of(1), 1)).toBe(false);
  });

  it("relTol rejects a numerically rank-deficient matrix that may pass the plain test", () => {
    // Rank 1: h hᵀ with irrational-ish entries; rounding leaves pivots near zero.
    const h = [0.7310585786300049, 0.2689414213699951, 0.41421356237309503, 0.1];
    const d = h.length;
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = h[i] * h[j];
    expect(choleskySolveInPlace(A.slice(), new Float64Array(d), d, 1e-12)).toBe(false);
    // A well-conditioned matrix passes the same test.
    const B = randomSpd(new Rng(1), d, 1);
    expect(choleskySolveInPlace(B, new Float64Array(d), d, 1e-12)).toBe(true);
  });
});
