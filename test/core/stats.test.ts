import { describe, expect, it } from "vitest";
import { finiteValues, mean, meanStd, median, std } from "../../src/core/stats";

describe("core/stats", () => {
  it("std is the population standard deviation (divisor n: numpy / scikit-learn / Surprise convention)", () => {
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2, n: 8 });
    expect(meanStd([3])).toEqual({ mean: 3, std: 0, n: 1 });
    expect(std(Float64Array.of(1, 3))).toBe(1);
  });

  it("sums left to right from 0 (the same bits as a plain reduce)", () => {
    const xs = [0.1, 0.2, 0.3, 1e-17, 7.25, -3.5];
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(xs)).toBe(m);
    expect(std(xs)).toBe(Math.sqrt(xs.reduce((a, v) => a + (v - m) * (v - m), 0) / xs.length));
  });

  it("median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median(Float64Array.of(5))).toBe(5);
  });

  it("NaN policy: no values or a NaN value give NaN; finiteValues selects the values that exist", () => {
    expect(mean([])).toBeNaN();
    expect(std([])).toBeNaN();
    expect(median([])).toBeNaN();
    expect(meanStd([])).toEqual({ mean: NaN, std: NaN, n: 0 });
    expect(mean([1, NaN])).toBeNaN();
    expect(std([1, NaN])).toBeNaN();
    expect(median([1, NaN, 2])).toBeNaN();
    expect(finiteValues([1, NaN, Infinity, -Infinity, 2])).toEqual([1, 2]);
    expect(meanStd(finiteValues([1, NaN, 3]))).toEqual({ mean: 2, std: 1, n: 2 });
  });
});
