/**
 * The contract every registered model passes (LensKit-style shared suite): validated configs with "did you mean",
 * finite predictions, unknown users/items predicted by a counted fallback, determinism for a seed, and the
 * per-iteration hook agreeing with the final model.
 */
import { describe, expect, it } from "vitest";
import { RatingsMatrix } from "../../src/data/ratings";
import { generateSynthetic } from "../../src/data/synthetic";
import { IdMap } from "../../src/data/ratings";
import { allModels } from "../../src/models/registry";
import { scorePredictor } from "../../src/metrics/accuracy";
import { SpecError } from "../../src/core/errors";
import { VOCABULARY } from "../../src/core/vocabulary";
import type { IterationReport } from "../../src/models/types";

// A small synthetic training set, plus one user and one item that only appear in the test set.
const raw = generateSynthetic({ nUsers: 60, nItems: 80, nRatings: 1800, seed: 9 });
const users = new IdMap();
const items = new IdMap();
const u = Int32Array.from(raw.users, (id) => users.intern(id));
const i = Int32Array.from(raw.items, (id) => items.intern(id));
const newUser = users.intern("new-user");
const newItem = items.intern("new-item");
const train = new RatingsMatrix(users.size, items.size, u, i, raw.ratings);
const test = new RatingsMatrix(
  users.size,
  items.size,
  Int32Array.from([newUser, 0, newUser]),
  Int32Array.from([0, newItem, newItem]),
  Float64Array.from([4, 3, 5]),
);

// Small sizes keep the suite fast; every model must accept these overrides or use its defaults.
const FAST: Record<string, Record<string, unknown>> = {
  als: { d: 3, maxIterations: 3 },
  svd: { d: 5, maxIterations: 3 },
  "sgd-mf": { d: 5, maxIterations: 3 },
  svdpp: { d: 5, maxIterations: 3 },
  "gd-mf": { d: 3, maxIterations: 5 },
  nmf: { d: 3, maxIterations: 5 },
  "nmf-zero-filled": { d: 3, maxIterations: 20 },
  "co-clustering": { maxIterations: 3 },
  bpmf: { d: 3, maxIterations: 6, burnIn: 2 },
  "bayes-svdpp": { d: 3, maxIterations: 6, burnIn: 2, timeBins: 0 },
};

// The same overrides under the names earlier mflab versions used: still accepted, stored under the canonical names.
const FAST_OLD_NAMES: Record<string, Record<string, unknown>> = {
  svd: { nFactors: 5, nEpochs: 3 },
  "sgd-mf": { nFactors: 5, nEpochs: 3 },
  svdpp: { nFactors: 5, nEpochs: 3 },
  "gd-mf": { d: 3, epochs: 5 },
  nmf: { nFactors: 3, nEpochs: 5 },
  "nmf-zero-filled": { nComponents: 3, maxIter: 20 },
  "co-clustering": { epochs: 3 },
};

const ALIASES = new Set(VOCABULARY.flatMap((e) => e.aliases));

describe.each(allModels().map((m) => [m.name, m] as const))("model contract: %s", (name, def) => {
  const params = FAST[name] ?? {};

  it("validates its config: unknown keys get a did-you-mean, defaults are complete", () => {
    const config = def.config(params) as Record<string, unknown>;
    for (const key of Object.keys(def.defaults)) expect(config).toHaveProperty(key);
    expect(def.config({})).toEqual(def.defaults);
    // Configs and defaults hold the declared (canonical) names only, never an alias.
    expect(Object.keys(config).sort()).toEqual(Object.keys(def.defaults).sort());
    for (const key of Object.keys(def.defaults)) {
      expect(Object.keys(def.params.props)).toContain(key);
      expect(ALIASES.has(key), `${key} is an alias`).toBe(false);
    }
    if (FAST_OLD_NAMES[name]) expect(def.config(FAST_OLD_NAMES[name])).toEqual(config);
    const firstKey = Object.keys(def.defaults)[0];
    if (firstKey !== undefined) {
      const typo = `${firstKey}x`;
      expect(() => def.config({ ...params, [typo]: 1 })).toThrow(SpecError);
      expect(() => def.config({ ...params, [typo]: 1 })).toThrow(
        new RegExp(`${typo} is not a parameter of ${name} \\(did you mean "${firstKey}"\\?\\)`),
      );
    }
  });

  it("predicts finite values, counts unknown users/items as fallbacks, and is deterministic", () => {
    const config = def.config(params);
    const reports: IterationReport[] = [];
    const a = def.fit(train, config, { test, onIteration: (r) => reports.push(r) });
    const b = def.fit(train, config);
    const scoredTest = scorePredictor(a.model, test);
    expect(scoredTest.fallbackCount).toBe(3);
    expect(Number.isFinite(scoredTest.mse)).toBe(true);
    const scoredTrain = scorePredictor(a.model, train);
    expect(scoredTrain.fallbackCount).toBe(0);
    expect(Number.isFinite(scoredTrain.mse)).toBe(true);
    for (let k = 0; k < 50; k++) expect(b.model.predict(u[k], i[k])).toBe(a.model.predict(u[k], i[k]));
    expect(reports.length).toBe(a.iterations);
    expect(a.history.iteration.length).toBe(a.iterations);
    if (reports.length > 0 && (def.task ?? "rating") === "rating") {
      const last = reports[reports.length - 1];
      expect(last.train.mse).toBeCloseTo(scoredTrain.mse, 8);
      expect(last.test!.mse).toBeCloseTo(scoredTest.mse, 8);
    }
  });
});
