import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { conjugateGradient } from "../../src/linalg/cg";
import { Rng } from "../../src/core/random";

function spd(rng: Rng, k: number): Float64Array {
  const B = Array.from({ length: k * k }, () => rng.gaussian());
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += B[i * k + t] * B[j * k + t];
      A[i * k + j] = s + (i === j ? 1 : 0);
    }
  return A;
}

const matVec = (A: Float64Array, k: number) => (x: Float64Array, out: Float64Array) => {
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += A[i * k + j] * x[j];
    out[i] = s;
  }
};

describe("conjugateGradient", () => {
  const k = 12;
  const rng = new Rng(7);
  const A = spd(rng, k);
  const b = Float64Array.from({ length: k }, () => rng.gaussian());
  const expected = solve(
    new Matrix(Array.from({ length: k }, (_, i) => Array.from(A.subarray(i * k, (i + 1) * k)))),
    Matrix.columnVector(Array.from(b)),
  ).getColumn(0);

  it("solves an SPD system in (about) k steps, matching ml-matrix", () => {
    const res = conjugateGradient(matVec(A, k), b, new Float64Array(k), 3 * k, { tol: 1e-13 });
    expect(res.iterations).toBeLessThanOrEqual(3 * k);
    for (let i = 0; i < k; i++) expect(res.x[i]).toBeCloseTo(expected[i], 8);
  });

  it("few steps reduce the residual; warm start at the solution stops at once", () => {
    const resid = (steps: number) => conjugateGradient(matVec(A, k), b, new Float64Array(k), steps).residualNorm;
    const r0 = Math.hypot(...b);
    expect(resid(0)).toBeCloseTo(r0, 12);
    expect(resid(3)).toBeLessThan(r0);
    const warm = Float64Array.from(expected);
    const res = conjugateGradient(matVec(A, k), b, warm, 10, { tol: 1e-8 });
    expect(res.iterations).toBe(0);
    expect(res.x).toBe(warm);
  });

  it("uses supplied scratch and validates its arguments", () => {
    const work = { r: new Float64Array(k), p: new Float64Array(k), ap: new Float64Array(k) };
    const res = conjugateGradient(matVec(A, k), b, new Float64Array(k), 3 * k, { tol: 1e-13, work });
    expect(res.x[0]).toBeCloseTo(expected[0], 8);
    expect(() => conjugateGradient(matVec(A, k), b, new Float64Array(k - 1), 3)).toThrow(/x0 has length 11, b has 12/);
    expect(() => conjugateGradient(matVec(A, k), b, new Float64Array(k), -1)).toThrow(/steps must be an integer/);
  });
});
