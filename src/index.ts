export * from "./errors";
export * from "./random";
export * from "./data/ratings";
export * from "./metrics/errors";
export * from "./models/types";
export * from "./models/config";
export * from "./experiment/results";
