/**
 * `mflab/core`: errors, JSON with locations, the seeded RNG, the version, the schema builder every declaration
 * uses, and the parameter vocabulary.
 */
export * from "./errors";
export * from "./json";
export * from "./random";
export * from "./version";
export * from "./schema";
export * from "./suggest";
export * from "./vocabulary";
export * from "./stats";
export * from "./table";
