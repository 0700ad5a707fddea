/**
 * The contract every model implements. A model definition turns a JSON-serialisable config (validated,
 * with defaults) and a training matrix into a {@link Predictor}; iterative models report each iteration
 * through {@link FitOptions.onIteration}, so train/test curves come without retraining.
 */
import { SpecError } from "../core/errors";
import { parse, type ObjectNode } from "../core/schema";
import { describe } from "../core/suggest";
import type { RatingsMatrix } from "../data/ratings";
import type { ErrorMetrics, RatingScorer } from "../metrics/accuracy";

/** A fitted model: what the metrics score ({@link RatingScorer}), with the model contract's guarantees. */
export interface Predictor extends RatingScorer {
  /** Predicted rating for dense user `u` and item `i`. Never NaN: unknown users/items get the model's fallback. */
  predict(u: number, i: number): number;
  /** True when the prediction for (u, i) used the fallback (the user or the item had no training ratings). */
  isFallback(u: number, i: number): boolean;
}

/** What an iterative model reports after each iteration (1-based). */
export interface IterationReport {
  iteration: number;
  /** The model's own training objective (including regularization) after this iteration. */
  trainLoss: number;
  /** Error on the training entries. */
  train: ErrorMetrics;
  /** Error on `FitOptions.test` when it was given. Never used for fitting. */
  test?: ErrorMetrics;
  /** Seconds since the fit started. */
  seconds: number;
}

/** Per-iteration curves, one array entry per iteration. */
export interface History {
  iteration: number[];
  trainLoss: number[];
  trainMse: number[];
  trainMae: number[];
  testMse: number[];
  testMae: number[];
  seconds: number[];
}

export interface FitOptions {
  /** Held-out ratings to score after each iteration (for curves only; the fit never looks at them). */
  test?: RatingsMatrix;
  /** Called after every iteration. */
  onIteration?: (report: IterationReport) => void;
  /** Clamp predictions to this scale when computing the per-iteration metrics. */
  clip?: readonly [number, number];
  /**
   * `false`: skip the per-iteration scoring where it is only for the record (svd, sgd-mf): no history rows, no
   * `onIteration`; the fitted model is the same. Default true.
   */
  history?: boolean;
}

export interface FitResult<M extends Predictor = Predictor> {
  model: M;
  /** Iterations (epochs) actually run; 0 for closed-form models. */
  iterations: number;
  /** Whether the stopping rule fired before the iteration cap (true for closed-form models). */
  converged: boolean;
  history: History;
}

/** Users, items and training ratings of a matrix (what a memory estimate depends on). */
export interface MatrixShape {
  nUsers: number;
  nItems: number;
  nnz: number;
}

/** A model family: its name, its one config declaration (type, defaults, validation, aliases, docs) and fit. */
export interface ModelDefinition<C extends object = Record<string, unknown>> {
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /**
   * What the model's predictions are for (default "rating"): "ranking" models output preference scores (not
   * ratings) and belong in sweeps with `evaluation.task: "ranking"`; their per-iteration train/test errors are
   * preference errors, documented in the model's file.
   */
  readonly task?: "rating" | "ranking";
  /**
   * The config accepts `threads` (one fit on several threads) and the numbers do not depend on it, so a sweep may
   * set it (see the runner's rule) without changing the run's identity.
   */
  readonly threadable?: boolean;
  /** Whether the fit is iterative with a stopping rule (so "stopped before the cap" means something). */
  readonly stoppingRule?: boolean;
  /**
   * Peak bytes the fit allocates beyond the training matrix itself, for a matrix of this shape and this config
   * (an upper estimate of the model's own arrays and scratch; the sweep adds the data). Used to refuse a run that
   * cannot fit in memory before it starts. Absent: the model's memory is small next to the data.
   */
  memoryBytes?(shape: MatrixShape, config: C): number;
  /** The config's one declaration: every field's type, default, range, aliases and doc. */
  readonly params: ObjectNode<C>;
  /** Every field at its default (derived from {@link params}). */
  readonly defaults: Readonly<C>;
  /**
   * Merge `partial` over the defaults and validate every field (aliases renamed to the canonical names).
   * @throws SpecError naming the offending key for unknown keys, wrong types or out-of-range values
   */
  config(partial: Record<string, unknown>): C;
  fit(train: RatingsMatrix, config: C, options?: FitOptions): FitResult;
}

/**
 * A {@link ModelDefinition} from its declaration: `defaults` and `config` come from `params`, so the type, the
 * defaults and the validation can never disagree.
 */
export function defineModel<C extends object>(
  spec: Omit<ModelDefinition<C>, "defaults" | "config"> & { config?: (partial: Record<string, unknown>) => C },
): ModelDefinition<C> {
  const config = spec.config ?? ((partial: Record<string, unknown>) => parseConfig(spec.name, spec.params, partial));
  return Object.freeze({ ...spec, config, defaults: Object.freeze(config({})) });
}

/**
 * Validate a model config against its declaration; messages read `<model> config: <key> must be …`.
 * @throws SpecError for the first offending key
 */
export function parseConfig<C>(model: string, params: ObjectNode<C>, partial: Record<string, unknown>): C {
  if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
    throw new SpecError("", `must be an object of parameters, got ${describe(partial)}`, `${model} config`);
  }
  const { model: _name, ...rest } = partial;
  return parse(params, rest, { file: `${model} config` }) as C;
}

export function emptyHistory(): History {
  return { iteration: [], trainLoss: [], trainMse: [], trainMae: [], testMse: [], testMae: [], seconds: [] };
}

/** Append one iteration's report to a history (test columns get NaN when no test set was given). */
export function recordIteration(history: History, r: IterationReport): void {
  history.iteration.push(r.iteration);
  history.trainLoss.push(r.trainLoss);
  history.trainMse.push(r.train.mse);
  history.trainMae.push(r.train.mae);
  history.testMse.push(r.test ? r.test.mse : NaN);
  history.testMae.push(r.test ? r.test.mae : NaN);
  history.seconds.push(r.seconds);
}
