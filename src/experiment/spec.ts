/**
 * Experiment specs: the JSON files in `experiments/`. A spec names the data (+ split), one or more models with
 * fixed parameters and a grid (cartesian product over any parameter), a seed, and how to score.
 *
 * ```json
 * {
 *   "name": "als-grid",
 *   "data": { "kind": "synthetic" },
 *   "model": "als",
 *   "params": { "maxIterations": 20, "stopping": "none" },
 *   "grid": { "d": [1, 2, 5, 10, 20, 50], "lambda": [1, 2, 4, 6] },
 *   "seed": 42
 * }
 * ```
 * Several models: replace `model`/`params`/`grid` by `"models": [{ "model": "als", "params": {…}, "grid": {…} }, …]`.
 * A grid axis may sit beside several models (e.g. `d` and `lambda` over als, svd and nmf): parameter names are the
 * models' canonical names or their aliases (`nFactors`, `reg_all`, …), stored under the canonical name.
 *
 * The structure is declared once in {@link SPEC} (../core/schema.ts gives the type, defaults, messages and the JSON
 * Schema shipped as `experiments/spec.schema.json`); the data section is the data layer's {@link DATA_SPEC}, the
 * parameters of each model its own declaration. Every message names the JSON path of the offending key.
 */
import { createHash } from "node:crypto";
import { SpecError } from "../core/errors";
import { canonicalJson } from "../core/json";
import { deriveSeed } from "../core/random";
import * as s from "../core/schema";
import { describe } from "../core/suggest";
import { DATA_SPEC, validateDataSpec, type DataSpec, type DataSpecInput } from "../data/spec";
import { allModels, getModel, modelNames } from "../models/registry";
import { FOLDS_SPEC, validateFolds, type FoldsSpec } from "./folds";
import { PRUNER_SPEC, SEARCH_SPEC, validateSearch, type PrunerSpec, type SearchSpec } from "./search/spec";

/** Largest number of runs a spec may expand to. */
export const MAX_RUNS = 10_000;

const modelName = () =>
  s.oneOf(modelNames(), {
    doc: "a model name (`mflab models` lists them)",
    expected: "a model name (`mflab models` lists them)",
    valueNoun: "model",
  });
const params = () =>
  s.optional(
    s.record(s.any(), {
      doc: "fixed parameters of every run of the model (checked by the model's config)",
      expected: "an object of fixed parameters",
    }),
  );
const grid = () =>
  s.optional(
    s.record(s.array(s.any(), { minItems: 1, emptyHint: ": a grid axis needs at least one value", expected: "a list of values" }), {
      doc: "parameter name → list of values; runs are the cartesian product (last key fastest)",
      expected: "an object mapping parameter names to lists of values",
    }),
  );

/** How runs are scored. */
export const EVALUATION_SPEC = s.object(
  {
    task: s.oneOf(["rating", "ranking"], {
      default: "rating",
      doc: "rating: MSE/RMSE/MAE of predicted ratings; ranking: top-k lists against test ratings ≥ threshold",
    }),
    clip: s.boolean({ default: false, doc: "clamp predictions to the rating scale before scoring (Surprise does; the assignment does not)" }),
    history: s.boolean({ default: true, doc: "record per-iteration train/test curves in every run" }),
    k: s.int({ min: 1, default: 10, doc: "ranking task: list length" }),
    threshold: s.number({ default: 4, doc: "ranking task: ratings ≥ threshold are positives in training and relevant in test" }),
    implicitValue: s.oneOf(["rating", "one"], { default: "rating", doc: "ranking task: value of a training positive, its rating or 1" }),
    validation: s.optional(
      s.number({
        min: 0,
        max: 1,
        exclusiveMin: true,
        exclusiveMax: true,
        doc: "rating task: fraction of each split's training ratings held out (seeded by the sweep seed) as a validation set; runs record metrics.validation and selection uses it",
      }),
    ),
  },
  { unknownKey: "an evaluation option", default: {} },
);
export type EvaluationSpec = s.Infer<typeof EVALUATION_SPEC>;

/** One model of a `models` list. */
const MODEL_ENTRY = s.object(
  { model: modelName(), params: params(), grid: grid() },
  { unknownKey: "a model-entry key", expected: "an object {model, params?, grid?}" },
);

/** An experiment spec file, declared once. */
export const SPEC = s.object(
  {
    name: s.string({
      pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      doc: "names the results file results/<name>.json",
      expected: "a non-empty string of letters, digits, '.', '_' or '-' (it names the results file)",
    }),
    description: s.optional(s.string({ doc: "copied into the results file" })),
    data: { ...DATA_SPEC, required: '(e.g. {"kind": "synthetic"} or {"kind": "movielens-100k", "path": "…", "split": "u1"})' },
    folds: s.optional(FOLDS_SPEC),
    repeats: s.int({ min: 1, max: 1000, default: 1, doc: "fits per configuration (and fold) with derived seeds" }),
    model: s.optional(modelName()),
    params: params(),
    grid: grid(),
    models: s.optional(
      s.array(MODEL_ENTRY, {
        minItems: 1,
        doc: 'several models, each with its own params and grid (instead of "model", "params", "grid")',
        expected: "a non-empty list of {model, params?, grid?}",
      }),
    ),
    seed: s.int({ min: 0, max: 4294967295, default: 0, doc: "sweep seed: each run's seed is derived from it and the run's parameters" }),
    evaluation: EVALUATION_SPEC,
    search: s.optional({ ...SEARCH_SPEC, doc: "search the space of one model instead of a grid (./search/spec.ts)" }),
    pruner: s.optional({ ...PRUNER_SPEC, doc: "search only: stop unpromising trials early from their per-iteration validation error" }),
  },
  { unknownKey: "a spec key", ignoredKeys: ["$schema"], expected: "a JSON object", doc: "an mflab experiment spec" },
);

export interface ModelSpec {
  model: string;
  /** Fixed parameters for every run of this model (canonical names). */
  params?: Record<string, unknown>;
  /** Parameter name (canonical) → list of values; runs are the cartesian product (in key order, last key fastest). */
  grid?: Record<string, unknown[]>;
}

export interface ExperimentSpec {
  name: string;
  description?: string;
  data: DataSpec;
  /** Cross-validation folds (see ./folds.ts); undefined = the data spec's single split. */
  folds?: FoldsSpec;
  /**
   * Repeated-seed evaluation: every configuration (on every fold) is fitted `repeats` times with different derived
   * seeds; tables aggregate mean/std over repeats and folds. Default 1. Repeat 0 keeps the single-run seed, so
   * raising `repeats` reuses the runs already done.
   */
  repeats?: number;
  models: ModelSpec[];
  seed: number;
  evaluation: EvaluationSpec;
  /** A search instead of a grid (one model, one split, with evaluation.validation); see ./search/spec.ts. */
  search?: SearchSpec;
  /** Early stopping of search trials. */
  pruner?: PrunerSpec;
}

/** One planned run: a model, its full parameter set (before defaults), and its own seed. */
export interface RunPlan {
  model: string;
  /** Fixed params merged with this grid cell's values (canonical names). */
  params: Record<string, unknown>;
  /** Derived from the sweep seed and the run's parameters only (never from scheduling order). */
  seed: number;
  /** Repeat index 0…repeats−1 when the spec asks for `repeats` > 1 (repeat 0 has the seed of a single run). */
  repeat?: number;
}

/**
 * Validate a parsed spec (from `file`, used in messages) and normalise it: single-model form → `models` list,
 * parameter aliases → canonical names, defaults for `seed` (0) and `evaluation`.
 *
 * After the declaration ({@link SPEC}, checked field by field in order): the data spec's cross-field rules
 * ({@link validateDataSpec}), `models` vs `model`/`params`/`grid`, a grid axis also fixed in `params`, folds against
 * the data kind ({@link validateFolds}), the run-count cap ({@link MAX_RUNS}), and every grid cell checked by the
 * model's own config ({@link expandSpec}), so a typo in the last grid value fails before the first run.
 * @throws SpecError naming the JSON path, e.g. `grid.lambda[2] must be ≥ 0, got -1`
 */
export function validateSpec(raw: unknown, file?: string): ExperimentSpec {
  const fail = (p: string, reason: string): never => {
    throw new SpecError(p, reason, file);
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("", `spec must be a JSON object, got ${describe(raw)}`);
  const spec = s.parse(SPEC, raw, { file });
  const rawData = (raw as Record<string, unknown>).data as DataSpecInput;
  const data = validateDataSpec(rawData, "data", file);
  const listForm = spec.models !== undefined;
  if (listForm) {
    for (const key of ["model", "params", "grid"] as const) {
      if (spec[key] !== undefined) fail("models", `cannot be combined with top-level "model", "params" or "grid" (found "${key}")`);
    }
  } else if (spec.model === undefined) {
    fail("model", `is required (one of: ${modelNames().join(", ")}), or give a "models" list`);
  }
  const entries = spec.models ?? [{ model: spec.model as string, params: spec.params, grid: spec.grid }];
  const models: ModelSpec[] = entries.map((m, k) => {
    const prefix = listForm ? `models[${k}].` : "";
    const def = getModel(m.model)!;
    const params = canonicalNames(def.params, m.params ?? {}, `${prefix}params`, file);
    const grid = canonicalNames(def.params, m.grid ?? {}, `${prefix}grid`, file) as Record<string, unknown[]>;
    for (const key of Object.keys(grid)) {
      if (key in params) fail(`${prefix}grid.${key}`, `is also fixed in ${prefix}params.${key}: give it in one place only`);
    }
    return { model: m.model, params, grid };
  });

  const normalized: ExperimentSpec = { name: spec.name, data, models, seed: spec.seed, evaluation: spec.evaluation };
  if (spec.description !== undefined) normalized.description = spec.description;
  if (spec.folds !== undefined) normalized.folds = validateFolds(spec.folds, rawData, file);
  if (spec.repeats > 1) normalized.repeats = spec.repeats;
  if (spec.pruner !== undefined && spec.search === undefined) fail("pruner", 'applies to searches only: add a "search" section');
  if (spec.search !== undefined) {
    if (listForm) fail("search", 'searches one model: use "model" and "params", not a "models" list');
    if (spec.grid !== undefined) fail("search", 'replaces the grid: move the searched parameters from "grid" to search.space');
    if (normalized.folds !== undefined)
      fail("search", 'runs on one split: remove "folds" (the validation set carved from the training ratings chooses)');
    if (normalized.repeats !== undefined) fail("search", 'runs each trial once: remove "repeats"');
    if (spec.evaluation.task !== "rating") fail("search", 'needs evaluation.task "rating" (it minimises a validation error)');
    if (spec.evaluation.validation === undefined)
      fail(
        "search",
        'needs a validation set so the test set does not choose: add "evaluation": {"validation": 0.1} (a fraction of the training ratings)',
      );
    normalized.search = validateSearch(spec.search, getModel(models[0].model)! as never, models[0].params ?? {}, file);
    if (spec.pruner !== undefined) {
      if (!spec.evaluation.history) fail("pruner", "watches the per-iteration validation curve: it needs evaluation.history true");
      normalized.pruner = spec.pruner;
    }
  }
  // Count the runs before expanding: a grid of millions of cells is refused without building it.
  const nRuns = models.reduce((n, m) => n + Object.values(m.grid ?? {}).reduce((c, values) => c * values.length, 1), 0);
  if (nRuns > MAX_RUNS) fail(models.length === 1 ? "grid" : "models", `expands to ${nRuns} runs (more than ${MAX_RUNS})`);
  // Expand and validate every cell now, so a typo in the last grid value fails before the first run.
  expandSpec(normalized, { file, listForm });
  return normalized;
}

/**
 * `obj` (params or a grid of one model) with aliases renamed to the model's canonical parameter names; unknown
 * names are left for the model's config to refuse (with a "did you mean").
 * @throws SpecError when two keys name the same parameter (e.g. `d` and its alias `nFactors`)
 */
function canonicalNames(node: s.ObjectNode<unknown>, obj: Record<string, unknown>, where: string, file: string | undefined): Record<string, unknown> {
  const aliases = s.aliasMap(node);
  const out: Record<string, unknown> = {};
  const from = new Map<string, string>();
  for (const [key, value] of Object.entries(obj)) {
    const name = aliases.get(key) ?? key;
    const earlier = from.get(name);
    if (earlier !== undefined) throw new SpecError(`${where}.${key}`, `and ${where}.${earlier} both set ${name}: give it once`, file);
    from.set(name, key);
    out[name] = value;
  }
  return out;
}

/**
 * The label a run's seed is derived from: model + the spec's parameters of this cell (canonical names), without
 * performance-only options such as `threads` — so neither an alias nor a thread count changes a run's numbers.
 */
export function seedLabel(model: string, params: Record<string, unknown>): string {
  const def = getModel(model);
  const perf = new Set(def ? s.perfFields(def.params) : []);
  const identity = Object.fromEntries(Object.entries(params).filter(([k]) => !perf.has(k)));
  return canonicalJson({ model, ...identity });
}

/**
 * The runs a spec asks for, in spec order (models in order; grid cells with the last key varying fastest).
 * Each cell's params are checked by the model's config validation; errors name the grid path.
 */
export function expandSpec(spec: ExperimentSpec, where: { file?: string; listForm?: boolean } = {}): RunPlan[] {
  const { file } = where;
  const listForm = where.listForm ?? spec.models.length > 1;
  const plans: RunPlan[] = [];
  spec.models.forEach((m, k) => {
    const def = getModel(m.model);
    if (!def) throw new SpecError(listForm ? `models[${k}].model` : "model", `"${m.model}" is not a known model`, file);
    const prefix = listForm ? `models[${k}].` : "";
    const keys = Object.keys(m.grid ?? {});
    let cells: Record<string, unknown>[] = [{}];
    for (const key of keys) {
      const next: Record<string, unknown>[] = [];
      for (const cell of cells) for (const value of m.grid![key]) next.push({ ...cell, [key]: value });
      cells = next;
    }
    for (const cell of cells) {
      const params = { ...(m.params ?? {}), ...cell };
      try {
        def.config(params);
      } catch (e) {
        if (e instanceof SpecError) {
          // Re-point the message at the spec location of the offending key.
          const key = e.path.split(/[.[]/)[0];
          const gridIndex = key in cell ? m.grid![key].findIndex((v) => Object.is(v, cell[key])) : -1;
          const rest = e.path.slice(key.length);
          const where = gridIndex >= 0 ? `${prefix}grid.${key}[${gridIndex}]${rest}` : `${prefix}params${e.path ? `.${e.path}` : ""}`;
          throw new SpecError(where, e.reason, file);
        }
        throw e;
      }
      const label = seedLabel(m.model, params);
      const repeats = spec.repeats ?? 1;
      for (let r = 0; r < repeats; r++) {
        const seed = deriveSeed(spec.seed, r === 0 ? label : `${label}#repeat${r}`);
        plans.push(repeats > 1 ? { model: m.model, params, seed, repeat: r } : { model: m.model, params, seed });
      }
    }
  });
  return plans;
}

/**
 * The JSON Schema of spec files (`experiments/spec.schema.json`, for editors): {@link SPEC} with, for each model,
 * the JSON Schema of its parameters under `params` and of its grid axes under `grid`.
 */
export function specJsonSchema(): s.JsonSchema {
  const root = s.toJsonSchema(SPEC);
  const perModel = allModels().map((def) => {
    const p = s.toJsonSchema(def.params);
    const props = p.properties as Record<string, s.JsonSchema>;
    const gridProps = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, { type: "array", minItems: 1, items: v }]));
    return {
      if: { required: ["model"], properties: { model: { const: def.name } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: { properties: { params: p, grid: { type: "object", properties: gridProps, additionalProperties: false } } },
    };
  });
  const modelsProp = (root.properties as Record<string, s.JsonSchema>).models as s.JsonSchema;
  (modelsProp.items as s.JsonSchema).allOf = perModel;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "mflab experiment spec",
    ...root,
    allOf: [...((root.allOf as unknown[]) ?? []), ...perModel],
  };
}

/**
 * The spec's hash as recorded in `env.specHash` (16 hex digits of the SHA-256 of its canonical JSON): the same
 * normalised spec ⇔ the same hash; a queue sweep's or search's id is derived from it and the data fingerprint.
 */
export function specHashOf(spec: ExperimentSpec): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex").slice(0, 16);
}
