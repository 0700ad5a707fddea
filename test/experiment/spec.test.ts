import { describe, expect, it } from "vitest";
import { expandSpec, validateSpec } from "../../src/experiment/spec";
import { canonicalJson } from "../../src/core/json";
import { SpecError } from "../../src/core/errors";

const base = {
  name: "t",
  data: { kind: "synthetic" },
  model: "als",
  params: { maxIterations: 2 },
  grid: { d: [1, 2, 5], lambda: [1, 4] },
  seed: 7,
};

function specError(raw: unknown): string {
  try {
    validateSpec(raw, "exp.json");
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error("expected a SpecError");
}

describe("validateSpec", () => {
  it("normalises the single-model form and fills defaults", () => {
    const spec = validateSpec(base);
    expect(spec.models).toEqual([{ model: "als", params: { maxIterations: 2 }, grid: { d: [1, 2, 5], lambda: [1, 4] } }]);
    expect(spec.seed).toBe(7);
    expect(spec.evaluation).toEqual({ task: "rating", clip: false, history: true, k: 10, threshold: 4, implicitValue: "rating" });
  });

  it("expands the grid as a cartesian product, last key fastest", () => {
    const plans = expandSpec(validateSpec(base));
    expect(plans.map((p) => [p.params.d, p.params.lambda])).toEqual([
      [1, 1],
      [1, 4],
      [2, 1],
      [2, 4],
      [5, 1],
      [5, 4],
    ]);
    expect(plans.every((p) => p.params.maxIterations === 2)).toBe(true);
  });

  it("derives per-run seeds from the sweep seed and the run's params only", () => {
    const a = expandSpec(validateSpec(base));
    const b = expandSpec(validateSpec({ ...base, grid: { lambda: [4, 1], d: [5, 2, 1] } }));
    const seedOf = (plans: typeof a, d: number, l: number) => plans.find((p) => p.params.d === d && p.params.lambda === l)!.seed;
    expect(seedOf(a, 5, 4)).toBe(seedOf(b, 5, 4));
    expect(new Set(a.map((p) => p.seed)).size).toBe(a.length);
    const c = expandSpec(validateSpec({ ...base, seed: 8 }));
    expect(c[0].seed).not.toBe(a[0].seed);
  });

  it("names the offending key for bad values", () => {
    expect(specError({ ...base, grid: { d: [1, 0], lambda: [1] } })).toBe("exp.json: grid.d[1] must be ≥ 1, got 0");
    expect(specError({ ...base, grid: { d: [1], lambda: [1, 2, -1] } })).toBe("exp.json: grid.lambda[2] must be ≥ 0, got -1");
    expect(specError({ ...base, params: { maxIterations: 0 } })).toBe("exp.json: params.maxIterations must be ≥ 1, got 0");
    expect(specError({ ...base, grid: { d: [], lambda: [1] } })).toBe("exp.json: grid.d is an empty list: a grid axis needs at least one value");
    expect(specError({ ...base, model: "alss" })).toMatch(/^exp\.json: model "alss" is not a known model \(did you mean "als"\?\)/);
    expect(specError({ ...base, grdi: {} })).toMatch(/^exp\.json: grdi is not a spec key \(did you mean "grid"\?\)/);
    expect(specError({ ...base, params: { lambdaa: 1 } })).toMatch(
      /^exp\.json: params\.lambdaa is not a parameter of als \(did you mean "lambda"\?\)/,
    );
    expect(specError({ ...base, name: "" })).toMatch(/^exp\.json: name must be a non-empty string/);
    expect(specError({ ...base, seed: -1 })).toBe("exp.json: seed must be ≥ 0, got -1");
    expect(specError({ ...base, grid: { d: 5 } })).toBe("exp.json: grid.d must be a list of values, got 5");
    expect(specError([])).toBe("exp.json: spec must be a JSON object, got an array");
  });

  it("accepts a models list", () => {
    const spec = validateSpec({
      name: "m",
      data: { kind: "synthetic" },
      models: [
        { model: "als", grid: { d: [2, 3] } },
        { model: "als", params: { d: 4 } },
      ],
    });
    expect(expandSpec(spec).map((p) => p.params.d)).toEqual([2, 3, 4]);
    expect(specError({ name: "m", data: { kind: "synthetic" }, models: [{ model: "als", grid: { d: [0] } }] })).toBe(
      "exp.json: models[0].grid.d[0] must be ≥ 1, got 0",
    );
  });

  it("canonicalJson sorts keys at every level", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });
});
