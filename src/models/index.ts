/**
 * `mflab/models`: every model of the zoo with its config, fit function and fitted model class, the model
 * contract ({@link ModelDefinition}), the registry, the lecture's step-level API and the ALS internals (row
 * solves, thread backends) for readers who want to look inside a fit. The package entry (`mflab`) exports the
 * everyday part of this; import from here for the rest.
 */
export * from "./types";
export * from "./registry";
export * from "./als/als";
export * from "./als/als-rows";
export * from "./als/als-threads";
export * from "./als/implicit-als";
export * from "./als/fold-in";
export * from "./gradient/svd";
export * from "./gradient/svdpp";
export * from "./gradient/gd-mf";
export * from "./nmf/nmf";
export * from "./nmf/nmf-zero-filled";
export * from "./neighbourhood/similarity";
export * from "./neighbourhood/knn";
export * from "./neighbourhood/slope-one";
export * from "./clustering/co-clustering";
export * from "./baselines/baselines";
export * from "./baselines/popularity";
export * from "./steps";
