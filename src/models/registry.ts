/**
 * Every model the sweep runner and the CLI know by name. A model is added here once its file exports a
 * {@link ModelDefinition}. The layers above (experiment, cli) reach models only through this registry and the
 * shared contract (./types, ./config): none of them imports a concrete model's file.
 */
import type { ModelDefinition } from "./types";
import { alsModel } from "./als/als";
import { baselineAlsModel, baselineSgdModel, globalMeanModel, itemMeanModel, randomNormalModel, userMeanModel } from "./baselines/baselines";
import { coClusteringModel } from "./clustering/co-clustering";
import { gdMfModel } from "./gradient/gd-mf";
import { knnBaselineModel, knnBasicModel, knnMeansModel, knnZScoreModel } from "./neighbourhood/knn";
import { nmfModel } from "./nmf/nmf";
import { nmfZeroFilledModel } from "./nmf/nmf-zero-filled";
import { sgdMfModel, svdModel } from "./gradient/svd";
import { slopeOneModel } from "./neighbourhood/slope-one";
import { svdppModel } from "./gradient/svdpp";
import { implicitAlsModel } from "./als/implicit-als";
import { popularityModel } from "./baselines/popularity";
import { bpmfModel } from "./bayesian/bpmf";
import { bayesSvdppModel } from "./bayesian/bayes-svdpp";

const MODELS: ModelDefinition<object>[] = [
  alsModel,
  svdModel,
  sgdMfModel,
  gdMfModel,
  svdppModel,
  nmfModel,
  nmfZeroFilledModel,
  randomNormalModel,
  globalMeanModel,
  userMeanModel,
  itemMeanModel,
  baselineAlsModel,
  baselineSgdModel,
  knnBasicModel,
  knnMeansModel,
  knnZScoreModel,
  knnBaselineModel,
  slopeOneModel,
  coClusteringModel,
  implicitAlsModel,
  popularityModel,
  bpmfModel,
  bayesSvdppModel,
];

const byName = new Map<string, ModelDefinition<object>>(MODELS.map((m) => [m.name, m]));

/** The definition registered under `name`, or undefined. */
export function getModel(name: string): ModelDefinition<object> | undefined {
  return byName.get(name);
}

/** All registered model names, in registration order. */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/** All registered definitions (for `mflab models`). */
export function allModels(): readonly ModelDefinition<object>[] {
  return MODELS;
}
