/**
 * The data section of an experiment spec (`"data": {"kind": …}`), declared once: its TypeScript type, defaults,
 * validation messages and JSON Schema come from {@link DATA_SPEC}. The data layer owns it, so loading ratings
 * never loads the experiment layer or a model.
 *
 * Kinds: `synthetic` (the MovieLens-like generator + a seeded holdout), `movielens-100k` (an official fold or a
 * seeded holdout of `u.data`), `ratings-file` (one file + a seeded holdout), `train-test` (a given split).
 * A field given as null takes its default. Cross-field rules after the declaration ({@link validateDataSpec}):
 * nRatings ≤ nUsers × nItems, testFraction/seed only with split "holdout", outOfScale only with a declared
 * ratingScale or format "udata" (whose scale is MovieLens's [1, 5]), delimiter/columns only with format "csv".
 */
import { SpecError } from "../core/errors";
import * as s from "../core/schema";
import { DUPLICATE_POLICIES, OUT_OF_SCALE_POLICIES, RATINGS_FORMATS } from "./parse";
import { SYNTHETIC_DEFAULTS } from "./synthetic";

/** The splits of the MovieLens 100K folder: the official folds and a seeded random holdout of `u.data`. */
export const ML100K_SPLITS = ["u1", "u2", "u3", "u4", "u5", "ua", "ub", "holdout"] as const;
export type Ml100kSplit = (typeof ML100K_SPLITS)[number];
/** Default test fraction and seed of every random holdout. */
export const DEFAULT_TEST_FRACTION = 0.2;
export const DEFAULT_DATA_SEED = 42;

const path = (doc: string) => s.string({ minLength: 1, doc, expected: "a non-empty string (a path)", required: "(a path)" });
const testFraction = (withDefault: boolean) =>
  s.number({
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    ...(withDefault ? { default: DEFAULT_TEST_FRACTION } : {}),
    doc: "share of the ratings held out for testing (random holdout)",
  });
const dataSeed = (withDefault: boolean) =>
  s.int({ min: 0, max: 4294967295, ...(withDefault ? { default: DEFAULT_DATA_SEED } : {}), doc: "seed of the random holdout" });
const duplicates = s.optional(s.oneOf(DUPLICATE_POLICIES, { doc: 'a (user, item) pair rated on several rows of one file (default "error")' }));
const outOfScale = s.optional(s.oneOf(OUT_OF_SCALE_POLICIES, { doc: 'ratings outside the rating scale (default "error")' }));
const format = s.optional(s.oneOf(RATINGS_FORMATS, { doc: "file format (detected from the file when omitted)" }));
const delimiter = s.optional(
  s.string({ pattern: /^[^"\r\n]{1,3}$/, doc: 'field separator of a "csv" file', expected: 'a short separator string such as "," or "\\t"' }),
);
const header = (doc: string) => s.optional(s.string({ minLength: 1, doc, expected: "a header name (non-empty string)" }));
const columns = s.optional(
  s.object(
    { user: header("user id column"), item: header("item id column"), rating: header("rating column"), timestamp: header("timestamp column") },
    {
      unknownKey: "a column role",
      doc: 'header names of the columns of a "csv" file',
      expected: 'an object such as {"user": "userId", "item": "movieId", "rating": "rating"}',
    },
  ),
);
const ratingScale = s.optional(
  s.array(s.number(), {
    minItems: 2,
    maxItems: 2,
    doc: "[min, max] of the ratings, min < max",
    expected: "[min, max] with finite numbers min < max, such as [1, 5]",
    refine: (sc: number[]) => (sc[0] < sc[1] ? undefined : `must be [min, max] with finite numbers min < max, such as [1, 5], got [${sc.join(",")}]`),
  }),
);
const kind = <K extends string>(k: K) => s.oneOf([k] as const);
const fields = { unknownKey: "", nullIsDefault: true };
const fieldOf = (k: string) => ({ ...fields, unknownKey: `a field of a "${k}" data spec` });

/** The data section of a spec, one object shape per `kind`. */
export const DATA_SPEC = s.tagged(
  "kind",
  {
    synthetic: s.object(
      {
        kind: kind("synthetic"),
        nUsers: s.int({ min: 1, default: SYNTHETIC_DEFAULTS.nUsers, doc: "number of users" }),
        nItems: s.int({ min: 1, default: SYNTHETIC_DEFAULTS.nItems, doc: "number of items" }),
        nRatings: s.int({ min: 1, default: SYNTHETIC_DEFAULTS.nRatings, doc: "number of ratings, at most nUsers × nItems" }),
        rank: s.int({ min: 0, default: SYNTHETIC_DEFAULTS.rank, doc: "rank of the generating model" }),
        noise: s.number({ min: 0, default: SYNTHETIC_DEFAULTS.noise, doc: "standard deviation of the rating noise" }),
        testFraction: testFraction(true),
        seed: dataSeed(true),
      },
      { ...fieldOf("synthetic"), doc: "the MovieLens-like generator + a seeded random holdout" },
    ),
    "movielens-100k": s.object(
      {
        kind: kind("movielens-100k"),
        path: path("the ml-100k folder"),
        split: s.oneOf(ML100K_SPLITS, { default: "u1", doc: "an official fold, or a seeded random holdout of u.data" }),
        testFraction: s.optional(testFraction(false)),
        seed: s.optional(dataSeed(false)),
        duplicates,
        outOfScale,
      },
      { ...fieldOf("movielens-100k"), doc: 'the MovieLens 100K folder (testFraction and seed only with split "holdout")' },
    ),
    "ratings-file": s.object(
      {
        kind: kind("ratings-file"),
        path: path("the ratings file"),
        format,
        delimiter,
        columns,
        testFraction: testFraction(true),
        seed: dataSeed(true),
        duplicates,
        ratingScale,
        outOfScale,
      },
      { ...fieldOf("ratings-file"), doc: "one ratings file with a seeded random holdout" },
    ),
    "train-test": s.object(
      {
        kind: kind("train-test"),
        train: path("the training file"),
        test: path("the test file"),
        format,
        delimiter,
        columns,
        duplicates,
        ratingScale,
        outOfScale,
      },
      { ...fieldOf("train-test"), doc: "a given split: a train file and a test file" },
    ),
  },
  { doc: "the dataset and its split", expected: 'an object such as {"kind": "synthetic"}' },
);

export type DataSpec = s.Infer<typeof DATA_SPEC>;
export type DataKind = DataSpec["kind"];
export type SyntheticDataSpec = Extract<DataSpec, { kind: "synthetic" }>;
export type MovieLens100kDataSpec = Extract<DataSpec, { kind: "movielens-100k" }>;
export type RatingsFileDataSpec = Extract<DataSpec, { kind: "ratings-file" }>;
export type TrainTestDataSpec = Extract<DataSpec, { kind: "train-test" }>;
export const DATA_KINDS = Object.keys(DATA_SPEC.variants) as DataKind[];

/** A data spec as written by hand or built in code (every field with a default may be left out). */
export type DataSpecInput = { kind: DataKind; [field: string]: unknown };

/**
 * Check a data spec read from JSON and return it normalized (defaults filled in, fields in declaration order).
 * @param jsonPath JSON path of the spec, used in messages (`data.split must be …`)
 * @param file the spec file, for messages
 * @throws SpecError naming the JSON path of the first offending key (unknown kind or key with a "did you mean",
 *   wrong type, out of range) or the broken cross-field rule
 */
export function validateDataSpec(spec: unknown, jsonPath = "data", file?: string): DataSpec {
  const d = s.parse(DATA_SPEC, spec, { path: jsonPath, file });
  const fail = (key: string, reason: string): never => {
    throw new SpecError(`${jsonPath}.${key}`, reason, file);
  };
  switch (d.kind) {
    case "synthetic":
      if (d.nRatings > d.nUsers * d.nItems) {
        fail("nRatings", `must be ≤ nUsers × nItems (${d.nUsers} × ${d.nItems} = ${d.nUsers * d.nItems}), got ${d.nRatings}`);
      }
      return d;
    case "movielens-100k":
      if (d.split !== "holdout") {
        for (const key of ["testFraction", "seed"] as const) {
          if (d[key] !== undefined) fail(key, `only applies to split "holdout" (the official fold ${d.split} is fixed)`);
        }
        return d;
      }
      return { ...d, testFraction: d.testFraction ?? DEFAULT_TEST_FRACTION, seed: d.seed ?? DEFAULT_DATA_SEED };
    case "ratings-file":
    case "train-test":
      // A udata-format file has MovieLens's scale [1, 5] unless one is declared (./load.ts).
      if (d.outOfScale !== undefined && d.ratingScale === undefined && d.format !== "udata")
        fail("outOfScale", `only applies with a declared "ratingScale": [min, max]`);
      for (const key of ["delimiter", "columns"] as const) {
        if (d[key] !== undefined && d.format !== undefined && d.format !== "csv") fail(key, `only applies to format "csv", not "${d.format}"`);
      }
      return d;
  }
}
