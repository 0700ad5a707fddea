/**
 * `mflab/results`: the results schema and files (read, check, write atomically, lock), queries over runs, summary
 * tables, fold aggregation, configuration selection, race summaries and the DataFrame views.
 */
export * from "./schema";
export * from "./metric";
export * from "./store";
export * from "./lock";
export * from "./query";
export * from "./summary";
export * from "./selection";
export * from "./race";
export * from "./dataframe";
export * from "./importance";
export * from "./comparison";
