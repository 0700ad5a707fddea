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
import { SpecError } from "../core/errors";
import { getModel } from "../models/registry";
import type { DataSpec } from "../data/load";
import { validateDataSpec } from "../data/load";
import { canonicalJson } from "../core/json";
import { deriveSeed } from "../core/random";
import { validateFolds, type FoldsSpec } from "./folds";
import { checkSchema } from "./spec-check";

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

/** Largest number of runs a spec may expand to. */
export const MAX_RUNS = 10_000;

/**
 * Validate a parsed spec (from `file`, used in messages) and normalise it: single-model form → `models` list,
 * defaults for `seed` (0) and `evaluation` ({task: "rating", clip: false, history: true, k: 10, threshold: 4,
 * implicitValue: "rating"}).
 *
 * The structure — keys at every level (unknown ones with a "did you mean"), types, ranges and enums of `name`,
 * `seed`, `repeats`, `evaluation`, `folds`, the data section, the model names, `params` objects, grid axes as
 * non-empty lists, `models` vs `model`/`params`/`grid` — is the JSON Schema of ./spec-schema.ts, checked by ajv
 * (./spec-check.ts words the errors). What stays as code, after the schema passes: the data spec's cross-field
 * rules ({@link validateDataSpec}), a grid axis also fixed in `params`, folds against the data kind
 * ({@link validateFolds}), the run-count cap ({@link MAX_RUNS}), and every grid cell checked by the model's own
 * config ({@link expandSpec}), so a typo in the last grid value fails before the first run.
 * @throws SpecError naming the JSON path, e.g. `grid.lambda[2] must be ≥ 0, got -1`
 */
export function validateSpec(raw: unknown, file?: string): ExperimentSpec {
  const fail = (p: string, reason: string): never => {
    throw new SpecError(p, reason, file);
  };
  checkSchema("spec", raw, "", file);
  const spec = raw as Record<string, unknown>;
  const data = validateDataSpec(spec.data, "data", file);
  const seed = spec.seed === undefined ? 0 : (spec.seed as number);
  const evaluation: EvaluationSpec = { task: "rating", clip: false, history: true, k: 10, threshold: 4, implicitValue: "rating" };
  if (spec.evaluation !== undefined) {
    const ev = spec.evaluation as Record<string, unknown>;
    for (const key of Object.keys(evaluation) as (keyof EvaluationSpec)[]) {
      if (ev[key] !== undefined) (evaluation as unknown as Record<string, unknown>)[key] = ev[key];
    }
  }

  const listForm = spec.models !== undefined;
  const modelSpecs: { spec: Record<string, unknown>; path: string }[] = listForm
    ? (spec.models as Record<string, unknown>[]).map((m, k) => ({ spec: m, path: `models[${k}].` }))
    : [{ spec: { model: spec.model, params: spec.params, grid: spec.grid }, path: "" }];
  const models: ModelSpec[] = modelSpecs.map(({ spec: m, path: p }) => {
    const params = (m.params === undefined ? {} : m.params) as Record<string, unknown>;
    const grid = (m.grid === undefined ? {} : m.grid) as Record<string, unknown[]>;
    for (const key of Object.keys(grid)) {
      if (key in params) fail(`${p}grid.${key}`, `is also fixed in ${p}params.${key}: give it in one place only`);
    }
    return { model: m.model as string, params, grid };
  });

  const normalized: ExperimentSpec = { name: spec.name as string, data, models, seed, evaluation };
  if (typeof spec.description === "string") normalized.description = spec.description;
  if (spec.folds !== undefined) normalized.folds = validateFolds(spec.folds, data, file);
  if (spec.repeats !== undefined && (spec.repeats as number) > 1) normalized.repeats = spec.repeats as number;
  // Count the runs before expanding: a grid of millions of cells is refused without building it.
  const nRuns = models.reduce((n, m) => n + Object.values(m.grid ?? {}).reduce((c, values) => c * values.length, 1), 0);
  if (nRuns > MAX_RUNS) fail(models.length === 1 ? "grid" : "models", `expands to ${nRuns} runs (more than ${MAX_RUNS})`);
  // Expand and validate every cell now, so a typo in the last grid value fails before the first run.
  expandSpec(normalized, { file, listForm });
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
