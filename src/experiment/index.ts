/**
 * `mflab/experiment`: experiment specs, folds, the sweep runner (one run's execution, the worker pool, progress
 * events), searches (random / TPE / grid samplers, ASHA and median pruners), optimizer races and the environment
 * recorded with results.
 */
export * from "./spec";
export * from "./folds";
export * from "./runner";
export * from "./execute";
export * from "./progress";
export * from "./race";
export * from "./env";
export * from "./pool";
export * from "./search/run";
export * from "./search/spec";
export * from "./search/space";
export * from "./search/tpe";
export * from "./search/pruner";
