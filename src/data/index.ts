/**
 * `mflab/data`: ratings in memory (RatingsMatrix, CSR views, id maps), the parsers (whole-file and streaming),
 * the data section of specs and dataset loading, splits, the synthetic generator, fingerprints and the lecture's
 * toy matrices. The package entry (`mflab`) exports the everyday part of this.
 */
export * from "./ratings";
export * from "./parse";
export * from "./stream";
export * from "./spec";
export * from "./load";
export * from "./split";
export * from "./synthetic";
export * from "./fingerprint";
export * from "./toy";
export * from "./implicit";
