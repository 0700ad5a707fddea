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
 * Every message of {@link validateSpec} names the JSON path of the offending key.
 */
import { SpecError } from "../errors";
import { closest, describe } from "../models/config";
import { getModel, modelNames } from "../models/registry";
import type { DataSpec } from "../data/load";
import { validateDataSpec } from "../data/load";
import { deriveSeed } from "../random";
import { validateFolds, type FoldsSpec } from "./folds";

export interface ModelSpec {
  model: string;
  /** Fixed parameters for every run of this model. */
  params?: Record<string, unknown>;
  /** Parameter name → list of values; runs are the cartesian product (in key order, last key fastest). */
  grid?: Record<string, unknown[]>;
}

export interface EvaluationSpec {
  /**
   * "rating" (default): fit on the training ratings, score MSE/RMSE/MAE on train and test.
   * "ranking": treat ratings ≥ `threshold` as implicit positives (`implicitValue`: the rating as strength, or 1),
   * fit on the training positives, and score top-`k` lists against the test ratings ≥ `threshold` (items rated in
   * training are excluded from each user's list); records `metrics.ranking`.
   */
  task: "rating" | "ranking";
  /** Clamp predictions to the dataset's rating scale before scoring (Surprise does; the assignment does not). */
  clip: boolean;
  /** Record per-iteration train/test curves (history) in every run. */
  history: boolean;
  /** Ranking task: list length (default 10). */
  k: number;
  /** Ranking task: ratings ≥ threshold are positives in training and relevant in test (default 4). */
  threshold: number;
  /** Ranking task: value of a training positive — its rating (default) or 1. */
  implicitValue: "rating" | "one";
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
}

/** One planned run: a model, its full parameter set (before defaults), and its own seed. */
export interface RunPlan {
  model: string;
  /** Fixed params merged with this grid cell's values. */
  params: Record<string, unknown>;
  /** Derived from the sweep seed and the run's parameters only (never from scheduling order). */
  seed: number;
  /** Repeat index 0…repeats−1 when the spec asks for `repeats` > 1 (repeat 0 has the seed of a single run). */
  repeat?: number;
}

const TOP_KEYS = ["name", "description", "data", "folds", "repeats", "model", "params", "grid", "models", "seed", "evaluation", "$schema"];
const MODEL_KEYS = ["model", "params", "grid"];
const EVALUATION_KEYS = ["task", "clip", "history", "k", "threshold", "implicitValue"];
/** Largest number of runs a spec may expand to. */
export const MAX_RUNS = 10_000;

/**
 * Validate a parsed spec (from `file`, used in messages) and normalise it: single-model form → `models` list,
 * defaults for `seed` (0) and `evaluation` ({clip: false, history: true}). Model parameters are validated by
 * each model's own config (every grid cell is checked before anything runs).
 * @throws SpecError naming the JSON path, e.g. `grid.lambda[2] must be ≥ 0, got -1`
 */
export function validateSpec(raw: unknown, file?: string): ExperimentSpec {
  const fail = (p: string, reason: string): never => {
    throw new SpecError(p, reason, file);
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail("", `spec must be a JSON object, got ${describe(raw)}`);
  const spec = raw as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!TOP_KEYS.includes(key)) {
      const hint = closest(key, TOP_KEYS);
      fail(key, `is not a spec key${hint ? ` (did you mean "${hint}"?)` : ""}; known: ${TOP_KEYS.filter((k) => k !== "$schema").join(", ")}`);
    }
  }
  if (typeof spec.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec.name)) {
    fail("name", `must be a non-empty string of letters, digits, '.', '_' or '-' (it names the results file), got ${describe(spec.name)}`);
  }
  if (spec.description !== undefined && typeof spec.description !== "string") fail("description", "must be a string");
  if (spec.data === undefined) fail("data", `is required (e.g. {"kind": "synthetic"} or {"kind": "movielens-100k", "path": "…", "split": "u1"})`);
  const data = validateDataSpec(spec.data, "data", file);
  let seed = 0;
  if (spec.seed !== undefined) {
    if (typeof spec.seed !== "number" || !Number.isInteger(spec.seed) || spec.seed < 0) fail("seed", `must be a non-negative integer, got ${describe(spec.seed)}`);
    seed = spec.seed as number;
  }
  const evaluation: EvaluationSpec = { task: "rating", clip: false, history: true, k: 10, threshold: 4, implicitValue: "rating" };
  if (spec.evaluation !== undefined) {
    const ev = spec.evaluation as Record<string, unknown>;
    if (ev === null || typeof ev !== "object" || Array.isArray(ev)) fail("evaluation", "must be an object");
    for (const key of Object.keys(ev)) {
      const v = ev[key];
      const at = `evaluation.${key}`;
      switch (key) {
        case "clip":
        case "history":
          if (typeof v !== "boolean") fail(at, `must be true or false, got ${describe(v)}`);
          evaluation[key] = v as boolean;
          break;
        case "task":
          if (v !== "rating" && v !== "ranking") fail(at, `must be "rating" or "ranking", got ${describe(v)}`);
          evaluation.task = v as EvaluationSpec["task"];
          break;
        case "implicitValue":
          if (v !== "rating" && v !== "one") fail(at, `must be "rating" or "one", got ${describe(v)}`);
          evaluation.implicitValue = v as EvaluationSpec["implicitValue"];
          break;
        case "k":
          if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail(at, `must be a positive integer, got ${describe(v)}`);
          evaluation.k = v as number;
          break;
        case "threshold":
          if (typeof v !== "number" || !Number.isFinite(v)) fail(at, `must be a number, got ${describe(v)}`);
          evaluation.threshold = v as number;
          break;
        default: {
          const hint = closest(key, EVALUATION_KEYS);
          fail(at, `is not an evaluation option${hint ? ` (did you mean "${hint}"?)` : ""}; known: ${EVALUATION_KEYS.join(", ")}`);
        }
      }
    }
  }

  let modelSpecs: { spec: Record<string, unknown>; path: string }[];
  if (spec.models !== undefined) {
    if (spec.model !== undefined || spec.params !== undefined || spec.grid !== undefined) {
      fail("models", `cannot be combined with top-level "model", "params" or "grid"`);
    }
    if (!Array.isArray(spec.models) || spec.models.length === 0) fail("models", "must be a non-empty array of {model, params?, grid?}");
    modelSpecs = (spec.models as unknown[]).map((m, k) => {
      if (m === null || typeof m !== "object" || Array.isArray(m)) fail(`models[${k}]`, `must be an object {model, params?, grid?}, got ${describe(m)}`);
      const obj = m as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        if (!MODEL_KEYS.includes(key)) fail(`models[${k}].${key}`, `is not a model-entry key; known: ${MODEL_KEYS.join(", ")}`);
      }
      return { spec: obj, path: `models[${k}].` };
    });
  } else {
    if (spec.model === undefined) fail("model", `is required (one of: ${modelNames().join(", ")}), or give a "models" list`);
    modelSpecs = [{ spec: { model: spec.model, params: spec.params, grid: spec.grid }, path: "" }];
  }

  const models: ModelSpec[] = modelSpecs.map(({ spec: m, path: p }) => {
    if (typeof m.model !== "string") fail(`${p}model`, `must be a model name (one of: ${modelNames().join(", ")}), got ${describe(m.model)}`);
    const name = m.model as string;
    if (!getModel(name)) {
      const hint = closest(name, modelNames());
      fail(`${p}model`, `"${name}" is not a known model${hint ? ` (did you mean "${hint}"?)` : ""}; known: ${modelNames().join(", ")}`);
    }
    const params = m.params === undefined ? {} : m.params;
    if (params === null || typeof params !== "object" || Array.isArray(params)) fail(`${p}params`, `must be an object of fixed parameters, got ${describe(params)}`);
    const grid = m.grid === undefined ? {} : m.grid;
    if (grid === null || typeof grid !== "object" || Array.isArray(grid)) fail(`${p}grid`, `must be an object mapping parameter names to lists of values, got ${describe(grid)}`);
    for (const [key, values] of Object.entries(grid as Record<string, unknown>)) {
      if (!Array.isArray(values)) fail(`${p}grid.${key}`, `must be a list of values, got ${describe(values)}`);
      if ((values as unknown[]).length === 0) fail(`${p}grid.${key}`, "is an empty list: a grid axis needs at least one value");
      if (key in (params as object)) fail(`${p}grid.${key}`, `is also fixed in ${p}params.${key}: give it in one place only`);
    }
    return { model: name, params: params as Record<string, unknown>, grid: grid as Record<string, unknown[]> };
  });

  const normalized: ExperimentSpec = { name: spec.name as string, data, models, seed, evaluation };
  if (typeof spec.description === "string") normalized.description = spec.description;
  if (spec.folds !== undefined) normalized.folds = validateFolds(spec.folds, data, file);
  if (spec.repeats !== undefined) {
    if (typeof spec.repeats !== "number" || !Number.isInteger(spec.repeats) || spec.repeats < 1 || spec.repeats > 1000) {
      fail("repeats", `must be an integer from 1 to 1000, got ${describe(spec.repeats)}`);
    }
    if ((spec.repeats as number) > 1) normalized.repeats = spec.repeats as number;
  }
  // Count the runs before expanding: a grid of millions of cells is refused without building it.
  const nRuns = models.reduce((n, m) => n + Object.values(m.grid ?? {}).reduce((c, values) => c * values.length, 1), 0);
  if (nRuns > MAX_RUNS) fail(models.length === 1 ? "grid" : "models", `expands to ${nRuns} runs (more than ${MAX_RUNS})`);
  // Expand and validate every cell now, so a typo in the last grid value fails before the first run.
  expandSpec(normalized, { file, listForm: spec.models !== undefined });
  return normalized;
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
          const key = e.path;
          const gridIndex = key in cell ? m.grid![key].findIndex((v) => Object.is(v, cell[key])) : -1;
          const where = gridIndex >= 0 ? `${prefix}grid.${key}[${gridIndex}]` : `${prefix}params${key ? "." + key : ""}`;
          throw new SpecError(where, e.reason, file);
        }
        throw e;
      }
      const label = canonicalJson({ model: m.model, ...params });
      const repeats = spec.repeats ?? 1;
      for (let r = 0; r < repeats; r++) {
        const seed = deriveSeed(spec.seed, r === 0 ? label : `${label}#repeat${r}`);
        plans.push(repeats > 1 ? { model: m.model, params, seed, repeat: r } : { model: m.model, params, seed });
      }
    }
  });
  return plans;
}

/** JSON with object keys sorted at every level: equal values → equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(",")}}`;
}
