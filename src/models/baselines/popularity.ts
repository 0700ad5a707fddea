/**
 * The popularity baseline for top-N recommendation ("popularity"): every user gets the same ranking,
 *
 *   score(u, i) = n_i = number of training interactions of item i (stored entries with value > 0),
 *
 * so the top-N list is the most-interacted items the user has not seen. This is the bar a personalised
 * implicit-feedback model must clear on ranking metrics (src/metrics/ranking.ts). Not a rating predictor:
 * the score is a count, and error metrics against ratings are meaningless for it.
 *
 * Config: none (an empty object; unknown keys are refused). Fit O(nnz); predict O(1); `scoreUser` O(nItems).
 * Fallback: an item without training interactions scores 0 and `isFallback(u, i)` is true for it (and for
 * indices outside the training index space); the user plays no part, so an unknown user is not a fallback.
 *
 * @throws SpecError for any config key; InputError when the training matrix has no positive entry
 */
import type { RatingsMatrix } from "../../data/ratings";
import { InputError } from "../../core/errors";
import type * as s from "../../core/schema";
import { modelParams } from "../../core/vocabulary";
import { defineModel, emptyHistory, parseConfig, type FitResult, type ModelDefinition, type Predictor } from "../types";

/** The config of `popularity`: no parameters. */
export const POPULARITY_PARAMS = modelParams({}, "popularity");
export type PopularityConfig = s.Infer<typeof POPULARITY_PARAMS>;

/** @throws SpecError for any key (the model has no parameters) */
export function popularityConfig(partial: Record<string, unknown> = {}): PopularityConfig {
  return parseConfig("popularity", POPULARITY_PARAMS, partial);
}

export class PopularityModel implements Predictor {
  constructor(
    readonly nItems: number,
    /** Training interactions per item. */
    readonly itemCounts: Int32Array,
    /** 1 for users with at least one training interaction. */
    readonly knownUser: Uint8Array,
  ) {}

  /** n_i, the item's training interaction count (0 for unknown items). */
  predict(_u: number, i: number): number {
    return i >= 0 && i < this.nItems ? this.itemCounts[i] : 0;
  }

  /**
   * True when the item or the user has no training interactions — the same rule as every other model, so
   * fallback counts compare across models (a new user still gets the popularity ranking; it is counted).
   */
  isFallback(u: number, i: number): boolean {
    return !(i >= 0 && i < this.nItems && this.itemCounts[i] > 0) || this.knownUser[u] !== 1;
  }

  /** out[i] ← n_i for every item. */
  scoreUser(_u: number, out: Float64Array): void {
    for (let i = 0; i < this.nItems; i++) out[i] = this.itemCounts[i];
  }
}

/** Count each item's positive training entries. @throws InputError when there are none */
export function fitPopularity(train: RatingsMatrix): FitResult<PopularityModel> {
  const counts = new Int32Array(train.nItems);
  const knownUser = new Uint8Array(train.nUsers);
  let total = 0;
  for (let e = 0; e < train.nnz; e++) {
    if (train.values[e] > 0) {
      counts[train.items[e]]++;
      knownUser[train.users[e]] = 1;
      total++;
    }
  }
  if (total === 0) throw new InputError("popularity: the training matrix has no positive interactions");
  return { model: new PopularityModel(train.nItems, counts, knownUser), iterations: 0, converged: true, history: emptyHistory() };
}

export const popularityModel: ModelDefinition<PopularityConfig> = defineModel({
  name: "popularity",
  summary: "Popularity baseline for top-N: score = number of training interactions of the item",
  task: "ranking",
  params: POPULARITY_PARAMS,
  config: popularityConfig,
  fit: (train, config) => {
    popularityConfig(config as Record<string, unknown>);
    return fitPopularity(train);
  },
});
