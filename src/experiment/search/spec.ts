/**
 * The `search` and `pruner` sections of an experiment spec: instead of a grid, a number of trials whose parameters a
 * sampler chooses inside a space, optionally stopped early by a pruner.
 *
 * ```json
 * "search": { "method": "tpe", "trials": 30, "seed": 1, "metric": "validation.rmse",
 *             "space": { "d": {"int": [1, 100], "log": true}, "lambda": {"float": [0.01, 20], "log": true} } },
 * "pruner": { "method": "asha", "minIterations": 2, "reductionFactor": 3 }
 * ```
 * A search runs one model (`model` + `params`, no `grid`) on one split with `evaluation.validation` set: trials are
 * chosen on the validation set, never on the test set. Declared once here (the JSON Schema and messages come from
 * the declaration); the rules between fields are {@link validateSearch}.
 */
import { SpecError } from "../../core/errors";
import * as s from "../../core/schema";
import type { ModelDefinition } from "../../models/types";
import { gridCells, type Dimension, type SearchSpace } from "./space";
import { TPE_DEFAULTS } from "./tpe";

const range = (kind: "int" | "float") =>
  s.array(kind === "int" ? s.int() : s.number(), {
    minItems: 2,
    maxItems: 2,
    doc: `[low, high] (inclusive) of ${kind === "int" ? "integers" : "numbers"}`,
    expected: `a pair [low, high] of ${kind === "int" ? "integers" : "numbers"}`,
  });
/** One searched parameter: {"int": [lo, hi]}, {"float": [lo, hi]} (each with "log"), or {"choice": [values]}. */
export const DIMENSION_SPEC = s.object(
  {
    int: s.optional(range("int")),
    float: s.optional(range("float")),
    choice: s.optional(s.array(s.any(), { minItems: 1, unique: true, doc: "the values to choose from" })),
    log: s.optional(s.boolean({ doc: "int / float: search log(value) uniformly (needs low > 0; integers low ≥ 1)" })),
    points: s.optional(s.int({ min: 1, max: 1000, doc: "grid method: number of grid points (evenly spaced, on the log scale with log)" })),
  },
  {
    unknownKey: "a field of a searched parameter",
    doc: 'a searched parameter: {"int": [lo, hi]}, {"float": [lo, hi]} (with "log": true for a log scale), or {"choice": [values]}',
    expected: '{"int": [lo, hi]}, {"float": [lo, hi]} (optionally with "log": true) or {"choice": [values]}',
    refine: (d: { int?: unknown; float?: unknown; choice?: unknown; log?: unknown; points?: unknown }) => {
      const kinds = (["int", "float", "choice"] as const).filter((k) => d[k] !== undefined);
      if (kinds.length !== 1)
        return `must give exactly one of "int", "float" or "choice"${kinds.length > 1 ? ` (found ${kinds.map((k) => `"${k}"`).join(" and ")})` : ""}`;
      if (kinds[0] === "choice" && (d.log !== undefined || d.points !== undefined))
        return { key: d.log !== undefined ? "log" : "points", reason: "applies to int and float ranges only" };
      return undefined;
    },
  },
);

export const SEARCH_SPEC = s.object(
  {
    method: s.oneOf(["random", "tpe", "grid"], {
      doc: "random: uniform draws; tpe: Optuna's Tree-structured Parzen Estimator; grid: every grid point of the space",
    }),
    trials: s.optional(s.int({ min: 1, max: 10_000, doc: "number of trials (grid: at most the number of grid cells, default all)" })),
    seed: s.int({ min: 0, max: 4294967295, default: 0, doc: "sampler seed (model seeds and the validation split come from the spec's seed)" }),
    metric: s.oneOf(["validation.rmse", "validation.mse", "validation.mae"], { default: "validation.rmse", doc: "what the search minimises" }),
    space: s.record(DIMENSION_SPEC, { doc: "parameter name → range or choices", expected: "an object mapping parameter names to ranges" }),
    startupTrials: s.int({
      min: 0,
      max: 10_000,
      default: TPE_DEFAULTS.startupTrials,
      doc: "tpe: uniform trials before the Parzen estimators (Optuna's n_startup_trials)",
    }),
    candidates: s.int({
      min: 1,
      max: 10_000,
      default: TPE_DEFAULTS.candidates,
      doc: "tpe: candidates drawn per parameter (Optuna's n_ei_candidates)",
    }),
  },
  { unknownKey: "a search option", expected: '{"method": "tpe", "trials": 30, "space": {…}}' },
);
export type SearchSpecInput = s.Infer<typeof SEARCH_SPEC>;

export const PRUNER_SPEC = s.object(
  {
    method: s.oneOf(["asha", "median"], { doc: "asha: asynchronous successive halving; median: Optuna's median rule" }),
    minIterations: s.int({ min: 1, max: 100_000, default: 2, doc: "first rung (asha) / iterations before any pruning (median)" }),
    reductionFactor: s.int({ min: 2, max: 100, default: 3, doc: "asha: η — rungs at minIterations·η^k, the best 1/η go on" }),
  },
  { unknownKey: "a pruner option", expected: '{"method": "asha", "minIterations": 2, "reductionFactor": 3}' },
);
export type PrunerSpec = s.Infer<typeof PRUNER_SPEC>;

/** A validated search: its space in the model's canonical parameter names and its trial count resolved. */
export interface SearchSpec {
  method: "random" | "tpe" | "grid";
  trials: number;
  seed: number;
  metric: "validation.rmse" | "validation.mse" | "validation.mae";
  space: SearchSpace;
  startupTrials: number;
  candidates: number;
}

/**
 * The rules between fields of a search (after {@link SEARCH_SPEC}): space keys are the model's parameters (aliases
 * renamed) and not also fixed in `params`; ranges ordered, log ranges positive; the model's config accepts both
 * ends of every range and every choice; grid ranges give their points; `trials` given for random and tpe.
 * @throws SpecError naming the JSON path, e.g. `search.space.lambda.float must have low ≤ high, got [2, 1]`
 */
export function validateSearch(
  raw: SearchSpecInput,
  def: ModelDefinition<object>,
  params: Record<string, unknown>,
  file: string | undefined,
): SearchSpec {
  const fail = (p: string, reason: string): never => {
    throw new SpecError(p, reason, file);
  };
  const aliases = s.aliasMap(def.params);
  const space: SearchSpace = {};
  const entries = Object.entries(raw.space as Record<string, Record<string, unknown>>);
  if (entries.length === 0) fail("search.space", "must name at least one parameter to search");
  for (const [key, d] of entries) {
    const name = aliases.get(key) ?? key;
    const where = `search.space.${key}`;
    if (name in space) fail(where, `names ${name} a second time: give it once`);
    if (name in params) fail(where, `is also fixed in params.${name}: give it in one place only`);
    if (name === "seed") fail(where, "cannot be searched: each trial's seed is derived from the spec's seed and the trial's parameters");
    let dim: Dimension;
    if ("choice" in d) dim = { kind: "choice", choices: d.choice as unknown[] };
    else {
      const kind = "int" in d ? "int" : "float";
      const [low, high] = d[kind] as [number, number];
      const log = d.log === true;
      if (!(low <= high)) fail(`${where}.${kind}`, `must have low ≤ high, got [${low}, ${high}]`);
      if (log && !(kind === "int" ? low >= 1 : low > 0))
        fail(`${where}.${kind}`, `on a log scale needs low ${kind === "int" ? "≥ 1" : "> 0"}, got ${low}`);
      dim = { kind, low, high, log, ...(d.points !== undefined ? { points: d.points as number } : {}) };
      if (raw.method === "grid" && d.points === undefined && low !== high)
        fail(`${where}.points`, 'is required with "method": "grid" (how many grid points)');
    }
    const values = dim.kind === "choice" ? dim.choices : [dim.low, dim.high];
    for (const v of values) {
      try {
        def.config({ ...params, [name]: v });
      } catch (e) {
        if (e instanceof SpecError) fail(where, `value ${JSON.stringify(v)} is refused by ${def.name}: ${e.reason}`);
        throw e;
      }
    }
    space[name] = dim;
  }
  let trials = raw.trials;
  if (raw.method === "grid") {
    const cells = gridCells(space).length;
    if (trials !== undefined && trials > cells) fail("search.trials", `is ${trials}, more than the ${cells} cells of the grid`);
    trials = trials ?? cells;
  } else if (trials === undefined) fail("search.trials", `is required with "method": "${raw.method}" (how many trials)`);
  return {
    method: raw.method,
    trials: trials as number,
    seed: raw.seed,
    metric: raw.metric,
    space,
    startupTrials: raw.startupTrials,
    candidates: raw.candidates,
  };
}
