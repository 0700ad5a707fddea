/**
 * `mflab/experiment`: experiment specs, folds, the sweep runner (one run's execution, the worker pool, progress
 * events), optimizer races and the environment recorded with results.
 */
export * from "./spec";
export * from "./folds";
export * from "./runner";
export * from "./execute";
export * from "./progress";
export * from "./race";
export * from "./env";
export * from "./pool";
