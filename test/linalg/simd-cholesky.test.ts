import { CholeskyDecomposition, Matrix, QrDecomposition } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { choleskySolveInPlace } from "../../src/linalg/cholesky";
import { createSimdCholesky, simdCholeskyModuleBytes, solveSpd } from "../../src/linalg/simd-cholesky";
import { wasmApi } from "../../src/linalg/wasm/load";
import { Rng } from "../../src/core/random";

/** Random SPD matrix B Bᵀ + shift·I (row-major), B k×(k+2) gaussian; garbage in the strict upper triangle. */
function randomSpd(rng: Rng, k: number, shift = 0.1): Float64Array {
  const m = k + 2;
  const B = Float64Array.from({ length: k * m }, () => rng.gaussian());
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += B[i * m + t] * B[j * m + t];
      A[i * k + j] = s + (i === j ? shift : 0);
    }
    for (let j = i + 1; j < k; j++) A[i * k + j] = 1e6 + j; // never read
  }
  return A;
}

/** The full symmetric matrix from A's lower triangle, for ml-matrix. */
function symmetric(A: Float64Array, k: number): Matrix {
  return new Matrix(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (j <= i ? A[i * k + j] : A[j * k + i]))));
}

/** The scalar reference: choleskySolveInPlace on copies. */
function scalarSolve(A: Float64Array, b: Float64Array, k: number, relTol = 0): { ok: boolean; x: Float64Array } {
  const x = b.slice();
  return { ok: choleskySolveInPlace(A.slice(), x, k, relTol), x };
}

function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>, k: number): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < k; i++) {
    scale = Math.max(scale, Math.abs(y[i]));
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
  }
  return diff / scale;
}

const simd = createSimdCholesky(100);
if (simd === null) console.warn("simd-cholesky: WebAssembly SIMD unavailable here; kernel tests skipped");

describe("simdCholeskyModuleBytes", () => {
  it("is a valid WebAssembly module (with SIMD) when the runtime has WebAssembly", () => {
    const api = wasmApi();
    expect(api).toBeDefined();
    expect(api!.validate(simdCholeskyModuleBytes()!)).toBe(true);
    // A corrupted copy must not validate (guards against a validate that accepts anything).
    const broken = simdCholeskyModuleBytes()!.slice(0, -3);
    expect(api!.validate(broken)).toBe(false);
  });
});

describe.skipIf(simd === null)("SimdCholesky.solve", () => {
  const s = simd!;

  it("solves a hand-computed 3×3 system exactly", () => {
    // A = L Lᵀ with L = [[2,0,0],[1,3,0],[−1,2,1]]: A = [[4,2,−2],[2,10,5],[−2,5,6]]; x = [1, −1, 2] → b = A x.
    const A = Float64Array.of(4, 99, 99, 2, 10, 99, -2, 5, 6);
    const b = Float64Array.of(4 - 2 - 4, 2 - 10 + 10, -2 - 5 + 12);
    expect(s.solve(A, b, 3)).toBe(true);
    expect(Array.from(b)).toEqual([1, -1, 2].map((v) => expect.closeTo(v, 12)));
  });

  it("agrees with choleskySolveInPlace and ml-matrix on random SPD systems, k = 1..70 and 100; A unmodified", () => {
    const rng = new Rng(7);
    let worst = 0;
    for (const k of [...Array.from({ length: 70 }, (_, i) => i + 1), 100]) {
      const A = randomSpd(rng, k);
      const A0 = A.slice();
      const b = Float64Array.from({ length: k }, () => rng.gaussian());
      const ref = scalarSolve(A, b, k);
      expect(ref.ok).toBe(true);
      const x = b.slice();
      expect(s.solve(A, x, k)).toBe(true);
      expect(A).toEqual(A0);
      const rel = maxRelDiff(x, ref.x, k);
      worst = Math.max(worst, rel);
      expect(rel, `k = ${k}`).toBeLessThan(1e-10);
      if (k % 10 === 1 || k === 100) {
        const chol = new CholeskyDecomposition(symmetric(A, k));
        expect(chol.isPositiveDefinite()).toBe(true);
        const expected = chol.solve(Matrix.columnVector(Array.from(b))).getColumn(0);
        expect(maxRelDiff(x, expected, k), `k = ${k} vs ml-matrix`).toBeLessThan(1e-10);
      }
    }
    expect(worst).toBeGreaterThan(0); // different summation order: not bitwise, so this comparison has teeth
  });

  it("works with A and b longer than k², k (reads the leading k² / k entries only)", () => {
    const rng = new Rng(8);
    const k = 9;
    const A = randomSpd(rng, k);
    const long = new Float64Array(k * k + 5).fill(NaN);
    long.set(A);
    const b = new Float64Array(k + 2).fill(NaN);
    for (let i = 0; i < k; i++) b[i] = i - 4;
    const ref = scalarSolve(A, b.subarray(0, k), k);
    expect(s.solve(long, b, k)).toBe(true);
    expect(maxRelDiff(b, ref.x, k)).toBeLessThan(1e-12);
    expect(b[k]).toBeNaN();
  });

  it("an instance is reusable across sizes (odd after even, small after large)", () => {
    const rng = new Rng(9);
    for (const k of [100, 3, 51, 50, 1, 2, 99]) {
      const A = randomSpd(rng, k);
      const b = Float64Array.from({ length: k }, () => rng.gaussian());
      const ref = scalarSolve(A, b, k);
      expect(s.solve(A, b, k)).toBe(true);
      expect(maxRelDiff(b, ref.x, k), `k = ${k}`).toBeLessThan(1e-10);
    }
  });

  describe("non-positive-definite input: false exactly when choleskySolveInPlace fails, b untouched", () => {
    const rng = new Rng(10);
    const check = (A: Float64Array, k: number, relTol: number, expectOk: boolean) => {
      const b = Float64Array.from({ length: k }, () => rng.gaussian());
      const b0 = b.slice();
      const A0 = A.slice();
      const ref = scalarSolve(A, b, k, relTol);
      expect(ref.ok).toBe(expectOk);
      expect(s.solve(A, b, k, relTol)).toBe(ref.ok);
      if (!expectOk) expect(b).toEqual(b0);
      expect(A).toEqual(A0);
    };

    for (const k of [1, 2, 5, 10, 11, 50, 51]) {
      it(`a negative eigenvalue, k = ${k}`, () => {
        // Q diag(λ) Qᵀ with one λ < 0 at a random position (Q from a QR of a gaussian matrix via ml-matrix).
        const G = Matrix.from1DArray(
          k,
          k,
          Array.from({ length: k * k }, () => rng.gaussian()),
        );
        const Q = new QrDecomposition(G).orthogonalMatrix;
        const lambda = Array.from({ length: k }, () => 0.5 + rng.next());
        lambda[rng.int(k)] = -0.3;
        const M = Q.mmul(Matrix.diag(lambda)).mmul(Q.transpose());
        const A = Float64Array.from(M.to1DArray());
        check(A, k, 0, false);
      });
    }

    for (const k of [4, 10, 11, 50, 51]) {
      it(`a rank-deficient Gram matrix with relTol 1e-12, k = ${k}`, () => {
        // X is n×k with n = k − 2 < k: XᵀX has rank k − 2. Rounding leaves tiny pivots (maybe positive).
        const n = k - 2;
        const X = Float64Array.from({ length: n * k }, () => rng.gaussian());
        const A = new Float64Array(k * k);
        for (let a = 0; a < k; a++) {
          for (let c = 0; c < k; c++) {
            let sum = 0;
            for (let t = 0; t < n; t++) sum += X[t * k + a] * X[t * k + c];
            A[a * k + c] = sum;
          }
        }
        check(A, k, 1e-12, false);
        // Regularised (+ I), the same matrix is fine.
        for (let a = 0; a < k; a++) A[a * k + a] += 1;
        check(A, k, 1e-12, true);
      });
    }

    for (const k of [1, 6, 7, 33]) {
      it(`NaN entries on and below the diagonal, k = ${k}`, () => {
        for (const [r, c] of [
          [0, 0],
          [k - 1, 0],
          [k - 1, k - 1],
          [k >> 1, k >> 2],
        ]) {
          const A = randomSpd(rng, k);
          A[r * k + c] = NaN;
          check(A, k, 0, false);
        }
        // NaN above the diagonal is never read.
        if (k > 1) {
          const A = randomSpd(rng, k);
          A[1] = NaN;
          check(A, k, 0, true);
        }
      });
    }

    it("a zero pivot fails; relTol ≥ 1 rejects everything", () => {
      check(Float64Array.of(1, 0, 0, 0), 2, 0, false);
      check(Float64Array.of(0), 1, 0, false);
      check(Float64Array.of(4, 0, 1, 4), 2, 1, false);
      check(Float64Array.of(4, 0, 0, 0, 4, 0, 0, 0, 4), 3, 1, false);
    });
  });

  it("throws RangeError for k > maxK, non-integer k, too-short arrays; k = 0 is a no-op", () => {
    const small = createSimdCholesky(5)!;
    expect(small.maxK).toBe(5);
    expect(() => small.solve(new Float64Array(36), new Float64Array(6), 6)).toThrow(RangeError);
    expect(() => small.solve(new Float64Array(36), new Float64Array(6), 6)).toThrow(/k = 6 is outside 0\.\.5 \(this instance's maxK\)/);
    expect(() => small.solve(new Float64Array(4), new Float64Array(2), 1.5)).toThrow(RangeError);
    expect(() => small.solve(new Float64Array(8), new Float64Array(3), 3)).toThrow(/needs A\.length ≥ 9 and b\.length ≥ 3, got 8 and 3/);
    expect(() => small.solve(new Float64Array(9), new Float64Array(2), 3)).toThrow(RangeError);
    expect(small.solve(new Float64Array(0), new Float64Array(0), 0)).toBe(true);
    expect(() => createSimdCholesky(0)).toThrow(/maxK must be an integer ≥ 1, got 0/);
  });

  it("solveSpd uses the kernel up to maxK and the scalar path beyond, with the same contract", () => {
    const rng = new Rng(11);
    const small = createSimdCholesky(4);
    const scratch = new Float64Array(36);
    for (const k of [4, 6]) {
      const A = randomSpd(rng, k);
      const A0 = A.slice();
      const b = Float64Array.from({ length: k }, () => rng.gaussian());
      const ref = scalarSolve(A, b, k);
      expect(solveSpd(small, scratch, A, b, k)).toBe(true);
      expect(A).toEqual(A0);
      expect(maxRelDiff(b, ref.x, k)).toBeLessThan(1e-12);
    }
    const b = Float64Array.of(1, 2);
    expect(solveSpd(null, scratch, Float64Array.of(1, 0, 0, -1), b, 2)).toBe(false);
    expect(Array.from(b)).toEqual([1, 2]);
  });
});
