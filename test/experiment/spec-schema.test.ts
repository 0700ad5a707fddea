/**
 * The spec declaration (src/experiment/spec.ts, with the data section of src/data/spec.ts and every model's
 * parameters) and its shipped JSON Schema experiments/spec.schema.json never drift; the JSON Schema accepts what
 * validateSpec accepts (checked with an independent validator, ajv) and refuses typos in model parameters; failures
 * keep our wording (JSON path, "did you mean").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { specJsonSchema, validateSpec } from "../../src/experiment/spec";
import { modelNames } from "../../src/models/registry";
import { SpecError } from "../../src/core/errors";

const EXPERIMENTS = path.resolve(__dirname, "../../experiments");

function specError(raw: unknown): string {
  try {
    validateSpec(raw, "exp.json");
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error("expected a SpecError");
}

describe("spec schema", () => {
  it("experiments/spec.schema.json is specJsonSchema() (regenerate: npm run build && node scripts/write-spec-schema.js)", () => {
    const text = fs.readFileSync(path.join(EXPERIMENTS, "spec.schema.json"), "utf8");
    const schema = specJsonSchema();
    expect(text).toBe(`${JSON.stringify(schema, null, 2)}\n`);
    const props = schema.properties as Record<string, { enum?: string[] }>;
    expect(props.model.enum).toEqual(modelNames());
  });

  it("the JSON Schema knows every model's parameters and their aliases (an editor flags a typo)", () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(specJsonSchema());
    const base = { name: "t", data: { kind: "synthetic" } };
    expect(validate({ ...base, model: "svd", params: { d: 5, n_epochs: 3 }, grid: { lambda: [0.01, 0.1] } })).toBe(true);
    expect(validate({ ...base, model: "svd", params: { lamda: 1 } })).toBe(false);
    expect(validate({ ...base, model: "als", grid: { d: [] } })).toBe(false);
    expect(
      validate({
        ...base,
        models: [
          { model: "nmf", grid: { d: [2, 5], lambda: [0.06] } },
          { model: "als", params: { nFactors: 3 } },
        ],
      }),
    ).toBe(true);
    expect(validate({ ...base, models: [{ model: "nmf", params: { solver: "cd" } }] })).toBe(false);
  });

  it("every shipped spec validates against the schema file with a plain ajv, and with validateSpec", () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(EXPERIMENTS, "spec.schema.json"), "utf8")));
    const specs = fs.readdirSync(EXPERIMENTS).filter((f) => f.endsWith(".json") && f !== "spec.schema.json");
    expect(specs.length).toBeGreaterThan(0);
    for (const f of specs) {
      const spec = JSON.parse(fs.readFileSync(path.join(EXPERIMENTS, f), "utf8"));
      expect(validate(spec), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(() => validateSpec({ ...spec, $schema: "./spec.schema.json" }, f)).not.toThrow();
    }
  });

  it("words schema failures with the JSON path and a suggestion", () => {
    const base = { name: "t", data: { kind: "synthetic" }, model: "als" };
    expect(specError({ ...base, evaluation: { implicitValue: "ones" } })).toBe(
      'exp.json: evaluation.implicitValue must be one of "rating", "one" (did you mean "one"?), got "ones"',
    );
    expect(specError({ ...base, model: undefined, models: [{ model: "svdd" }] })).toMatch(
      /^exp\.json: models\[0\]\.model "svdd" is not a known model \(did you mean "svd"\?\)/,
    );
    expect(specError({ ...base, model: undefined, models: [{ model: "als", grid: { d: [] } }] })).toBe(
      "exp.json: models[0].grid.d is an empty list: a grid axis needs at least one value",
    );
    expect(specError({ ...base, models: [{ model: "als" }] })).toBe(
      'exp.json: models cannot be combined with top-level "model", "params" or "grid" (found "model")',
    );
    expect(specError({ name: "t", data: { kind: "synthetic" } })).toMatch(/^exp\.json: model is required \(one of: als, /);
    expect(specError({ ...base, data: { kind: "ratings-file", path: "r.csv", duplicates: "keep-lst" } })).toBe(
      'exp.json: data.duplicates must be one of "error", "keep-last", "mean" (did you mean "keep-last"?), got "keep-lst"',
    );
    expect(specError({ ...base, data: { kind: "movielens-100k", path: "x", split: "u1" }, folds: ["u1", "u9"] })).toBe(
      'exp.json: folds[1] "u9" is not a known MovieLens 100K fold (did you mean "u1"?); known: u1, u2, u3, u4, u5, ua, ub',
    );
    expect(specError({ ...base, data: { kind: "movielens-100k", path: "x" }, folds: ["u1", "u1"] })).toBe('exp.json: folds lists "u1" twice');
    expect(specError({ ...base, grid: { d: [1] }, params: { d: 2 } })).toBe("exp.json: grid.d is also fixed in params.d: give it in one place only");
    // The first problem in the order the spec is read: unknown top-level keys before values.
    expect(specError({ ...base, seed: -1, grdi: {} })).toMatch(/^exp\.json: grdi is not a spec key \(did you mean "grid"\?\)/);
    expect(specError({ ...base, seed: -1, name: "" })).toMatch(/^exp\.json: name must be/);
  });
});
