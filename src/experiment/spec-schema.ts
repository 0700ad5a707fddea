/**
 * The JSON Schema of experiment specs (the files in `experiments/`), written once here and also shipped as
 * `experiments/spec.schema.json` (generated from {@link SPEC_SCHEMA} by `node scripts/write-spec-schema.js`
 * after a build; test/experiment/spec-schema.test.ts fails when the two differ). A spec may point an editor at
 * it with `"$schema": "./spec.schema.json"`.
 *
 * The schema holds the STRUCTURE: keys, types, ranges, enums, required fields, non-empty grids and lists. Our
 * error wording for each schema failure lives in ./spec-check.ts; cross-field rules and model parameters stay
 * as code (see {@link validateSpec}, {@link validateDataSpec}, {@link validateFolds}).
 * Key order in every `properties` below is the order listed in "known: …" messages. Data fields with a default
 * also accept null (= the default), as the loader always has.
 */
import { DUPLICATE_POLICIES, OUT_OF_SCALE_POLICIES, RATINGS_FORMATS } from "../data/parse";
import { modelNames } from "../models/registry";

export const ML100K_SPLITS = ["u1", "u2", "u3", "u4", "u5", "ua", "ub", "holdout"] as const;
/** Official MovieLens 100K folds a spec's `folds` list may name. */
export const ML100K_FOLD_NAMES = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"] as const;
export const DATA_KINDS = ["synthetic", "movielens-100k", "ratings-file", "train-test"] as const;

/** A JSON Schema (draft-07) node, loosely typed. */
export type SchemaNode = { [keyword: string]: unknown };

const pathField = (description: string): SchemaNode => ({ type: "string", minLength: 1, description });
const testFraction: SchemaNode = {
  type: ["number", "null"],
  exclusiveMinimum: 0,
  exclusiveMaximum: 1,
  default: 0.2,
  description: "Share of the ratings held out for testing (random holdout).",
};
const dataSeed: SchemaNode = {
  type: ["integer", "null"],
  minimum: -Number.MAX_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
  default: 42,
  description: "Seed of the random holdout.",
};
const duplicates: SchemaNode = {
  enum: [...DUPLICATE_POLICIES],
  default: "error",
  description: "A (user, item) pair rated on several rows of one file.",
};
const outOfScale: SchemaNode = { enum: [...OUT_OF_SCALE_POLICIES], default: "error", description: "Ratings outside the rating scale." };
const format: SchemaNode = { enum: [...RATINGS_FORMATS], description: "File format (detected from the file when omitted)." };
const delimiter: SchemaNode = {
  type: "string",
  pattern: '^[^"\\r\\n]{1,3}$',
  description: 'Field separator of a "csv" file, e.g. "," or "\\t".',
};
const columns: SchemaNode = {
  type: "object",
  description: 'Header names of the columns of a "csv" file.',
  properties: {
    user: { type: "string", minLength: 1 },
    item: { type: "string", minLength: 1 },
    rating: { type: "string", minLength: 1 },
    timestamp: { type: "string", minLength: 1 },
  },
  additionalProperties: false,
};
const ratingScale: SchemaNode = {
  type: "array",
  items: { type: "number" },
  minItems: 2,
  maxItems: 2,
  description: "[min, max] of the ratings, min < max.",
};
const count = (minimum: number, description: string): SchemaNode => ({ type: ["integer", "null"], minimum, description });

/** The schema of one data kind: its fields (in "known: …" order), required fields, no others. */
function dataKind(kind: (typeof DATA_KINDS)[number], description: string, properties: Record<string, SchemaNode>, required: string[] = []): SchemaNode {
  return {
    type: "object",
    description,
    properties: { kind: { const: kind }, ...properties },
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** The experiment-spec schema (draft-07). The `model` enum is the model registry as of loading this module. */
export const SPEC_SCHEMA: SchemaNode = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "mflab experiment spec",
  description:
    'A sweep: data (+ split), one model with fixed params and a grid (or a "models" list), a seed and how to score. ' +
    "Model parameters are checked by each model's own config when the spec is loaded.",
  type: "object",
  properties: {
    name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$", description: "Names the results file." },
    description: { type: "string" },
    data: { $ref: "#/$defs/data" },
    folds: { $ref: "#/$defs/folds" },
    repeats: { type: "integer", minimum: 1, maximum: 1000, default: 1, description: "Fits per configuration (derived seeds)." },
    model: { $ref: "#/$defs/modelName" },
    params: { $ref: "#/$defs/params" },
    grid: { $ref: "#/$defs/grid" },
    models: { type: "array", minItems: 1, items: { $ref: "#/$defs/modelEntry" }, description: 'Several models; replaces "model", "params" and "grid".' },
    seed: { type: "integer", minimum: 0, default: 0 },
    evaluation: { $ref: "#/$defs/evaluation" },
    $schema: { description: 'e.g. "./spec.schema.json"' },
  },
  required: ["name", "data"],
  additionalProperties: false,
  dependencies: { models: { not: { anyOf: [{ required: ["model"] }, { required: ["params"] }, { required: ["grid"] }] } } },
  if: { required: ["models"] },
  else: { required: ["model"] },
  $defs: {
    modelName: { type: "string", enum: modelNames() },
    params: { type: "object", description: "Fixed parameters for every run of the model (checked by the model's config)." },
    grid: {
      type: "object",
      description: "Parameter name → list of values; runs are the cartesian product (last key fastest).",
      additionalProperties: { type: "array", minItems: 1 },
    },
    modelEntry: {
      type: "object",
      properties: { model: { $ref: "#/$defs/modelName" }, params: { $ref: "#/$defs/params" }, grid: { $ref: "#/$defs/grid" } },
      required: ["model"],
      additionalProperties: false,
    },
    evaluation: {
      type: "object",
      properties: {
        task: { enum: ["rating", "ranking"], default: "rating" },
        clip: { type: "boolean", default: false, description: "Clamp predictions to the rating scale before scoring." },
        history: { type: "boolean", default: true, description: "Record per-iteration train/test curves." },
        k: { type: "integer", minimum: 1, default: 10, description: "Ranking task: list length." },
        threshold: { type: "number", default: 4, description: "Ranking task: ratings ≥ threshold are positives." },
        implicitValue: { enum: ["rating", "one"], default: "rating", description: "Ranking task: value of a training positive." },
      },
      additionalProperties: false,
    },
    folds: {
      type: ["integer", "array"],
      description: 'A number of folds (2…100), or official MovieLens 100K fold names such as ["u1", "u2"].',
      minimum: 2,
      maximum: 100,
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...ML100K_FOLD_NAMES] },
    },
    data: {
      type: "object",
      required: ["kind"],
      properties: { kind: { enum: [...DATA_KINDS] } },
      allOf: DATA_KINDS.map((kind) => ({
        if: { required: ["kind"], properties: { kind: { const: kind } } },
        then: { $ref: `#/$defs/${kind}` },
      })),
    },
    synthetic: dataKind("synthetic", "The MovieLens-like generator + a seeded random holdout.", {
      nUsers: count(1, "Number of users."),
      nItems: count(1, "Number of items."),
      nRatings: count(1, "Number of ratings, at most nUsers × nItems."),
      rank: count(0, "Rank of the generating model."),
      noise: { type: ["number", "null"], minimum: 0 },
      testFraction,
      seed: dataSeed,
    }),
    "movielens-100k": dataKind(
      "movielens-100k",
      'The MovieLens 100K folder: an official fold or a seeded holdout of u.data (testFraction and seed only with split "holdout").',
      {
        path: pathField("The ml-100k folder."),
        split: { enum: [...ML100K_SPLITS, null], default: "u1" },
        testFraction,
        seed: dataSeed,
        duplicates,
        outOfScale,
      },
      ["path"],
    ),
    "ratings-file": dataKind(
      "ratings-file",
      "One ratings file with a seeded random holdout.",
      { path: pathField("The ratings file."), format, delimiter, columns, testFraction, seed: dataSeed, duplicates, ratingScale, outOfScale },
      ["path"],
    ),
    "train-test": dataKind(
      "train-test",
      "A ready-made split: a train file and a test file.",
      { train: pathField("The training file."), test: pathField("The test file."), format, delimiter, columns, duplicates, ratingScale, outOfScale },
      ["train", "test"],
    ),
  },
};

/** The `properties` of a schema node under `$defs` (or the root), in order. */
export function schemaKeys(def?: string): string[] {
  const node = def === undefined ? SPEC_SCHEMA : (SPEC_SCHEMA.$defs as Record<string, SchemaNode>)[def];
  return Object.keys(node.properties as object);
}
