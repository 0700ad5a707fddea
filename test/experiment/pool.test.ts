import { describe, expect, it } from "vitest";
import { availableCores, threadsPerFit } from "../../src/experiment/pool";

describe("sweep scheduling", () => {
  it("threadsPerFit: one thread per fit while runs ≥ cores, else split the cores", () => {
    expect(threadsPerFit(24, 2)).toBe(1);
    expect(threadsPerFit(2, 2)).toBe(1);
    expect(threadsPerFit(1, 2)).toBe(2);
    expect(threadsPerFit(3, 8)).toBe(2);
    expect(threadsPerFit(1, 8)).toBe(8);
    expect(threadsPerFit(0, 8)).toBe(1);
  });

  it("availableCores: at least one", () => {
    expect(availableCores()).toBeGreaterThanOrEqual(1);
    expect(threadsPerFit(1)).toBe(availableCores());
  });
});
