/**
 * The one vocabulary of model parameters: a concept has one name in every model, and the names the reference
 * libraries (Surprise, scikit-learn, implicit, Spark) and earlier mflab versions use for it are aliases, accepted
 * in specs and configs and stored under the canonical name — so `params.d` and `params.lambda` are where figures,
 * reports and grids look, whatever name a spec used, and an old results file reads with today's names.
 *
 * {@link VOCABULARY} is the single table: every model declares its config with {@link modelParams}, which gives
 * each field the aliases this table lists for its name; {@link canonicalParams} applies the same table to the
 * stored params of results files. What `lambda` multiplies differs between models (plain λ‖W‖², per-rating λ in
 * SGD, scikit-learn's scaled alpha_W): each model's file states its own convention.
 */
import * as s from "./schema";

/** One canonical parameter name and its aliases. */
export interface VocabularyEntry {
  name: string;
  concept: string;
  aliases: readonly string[];
}

const perTerm = (base: "lambda" | "lr", term: string, what: string): VocabularyEntry => {
  const snake = `${base === "lambda" ? "reg" : "lr"}_${term.toLowerCase()}`;
  return {
    name: `${base}${term}`,
    concept: `${base === "lambda" ? "regularization" : "learning rate"} of ${what}`,
    aliases: base === "lambda" ? [`reg${term}`, snake] : [snake],
  };
};

/** Every canonical parameter name that has aliases (the README's alias table is this table). */
export const VOCABULARY: readonly VocabularyEntry[] = [
  { name: "d", concept: "rank: the number of latent factors", aliases: ["nFactors", "n_factors", "nComponents", "n_components", "factors", "rank"] },
  {
    name: "lambda",
    concept: "regularization strength",
    aliases: ["regAll", "reg_all", "reg", "alphaW", "alpha_W", "regularization", "regParam", "reg_param"],
  },
  {
    name: "maxIterations",
    concept: "iteration cap (iterations, epochs, sweeps)",
    aliases: ["nEpochs", "n_epochs", "epochs", "maxIter", "max_iter", "iterations"],
  },
  { name: "lr", concept: "learning rate (step size)", aliases: ["lrAll", "lr_all", "learningRate", "learning_rate"] },
  { name: "seed", concept: "seed of every random draw", aliases: ["randomState", "random_state"] },
  ...(["Bu", "Bi", "Pu", "Qi", "Yj"] as const).flatMap((t) => {
    const what = { Bu: "b_u", Bi: "b_i", Pu: "p_u", Qi: "q_i", Yj: "y_j" }[t];
    return [perTerm("lambda", t, what), perTerm("lr", t, what)];
  }),
  { name: "lambdaU", concept: "regularization of the user biases (baselines)", aliases: ["regU", "reg_u"] },
  { name: "lambdaI", concept: "regularization of the item biases (baselines)", aliases: ["regI", "reg_i"] },
  { name: "lambdaH", concept: "regularization of H (zero-filled NMF)", aliases: ["alphaH", "alpha_H"] },
  { name: "l1Ratio", concept: "L1 share of the regularization", aliases: ["l1_ratio"] },
  { name: "initMean", concept: "mean of the normal initialization", aliases: ["init_mean"] },
  { name: "initStd", concept: "standard deviation of the normal initialization", aliases: ["init_std_dev", "initStdDev"] },
  { name: "initLow", concept: "lower bound of the uniform initialization", aliases: ["init_low"] },
  { name: "initHigh", concept: "upper bound of the uniform initialization", aliases: ["init_high"] },
  { name: "minK", concept: "minimum number of neighbours", aliases: ["min_k"] },
  { name: "userBased", concept: "user-user (true) or item-item (false) neighbourhoods", aliases: ["user_based"] },
  { name: "minSupport", concept: "minimum co-rated entries for a similarity", aliases: ["min_support"] },
  { name: "baselineIterations", concept: "sweeps of a k-NN baseline estimate", aliases: ["baselineEpochs"] },
  { name: "userClusters", concept: "number of user clusters", aliases: ["nCltrU", "n_cltr_u"] },
  { name: "itemClusters", concept: "number of item clusters", aliases: ["nCltrI", "n_cltr_i"] },
];

const ALIAS_OF = new Map<string, string>(VOCABULARY.flatMap((e) => e.aliases.map((a) => [a, e.name] as [string, string])));
const ALIASES = new Map<string, readonly string[]>(VOCABULARY.map((e) => [e.name, e.aliases]));

/** The aliases of a canonical parameter name (none for most names). */
export function aliasesOf(name: string): readonly string[] {
  return ALIASES.get(name) ?? [];
}

/**
 * `params` with aliased keys renamed to their canonical names (a key whose canonical name is also present is kept
 * as is). For stored params of results files written with other names; specs and configs go through the model's
 * declaration instead, which also refuses an alias given beside its canonical name.
 */
export function canonicalParams<P extends Record<string, unknown>>(params: P): P {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const name = ALIAS_OF.get(k);
    out[name !== undefined && !Object.hasOwn(params, name) ? name : k] = v;
  }
  return out as P;
}

/**
 * The declaration of a model's config: an object whose fields get the aliases {@link VOCABULARY} lists for their
 * names, and whose unknown keys are "not a parameter of <model>".
 */
export function modelParams<const P extends Record<string, s.Node<unknown>>>(
  props: P,
  model: string,
  options: { refine?: (config: never) => string | { key: string; reason: string } | undefined } = {},
): s.ObjectNode<s.ObjectOf<P>> {
  const withAliases = Object.fromEntries(
    Object.entries(props).map(([k, node]) => [k, aliasesOf(k).length > 0 ? { ...node, aliases: aliasesOf(k) } : node]),
  );
  return s.object(withAliases as P, {
    unknownKey: `a parameter of ${model}${Object.keys(props).length === 0 ? " (it takes none)" : ""}`,
    ...(options.refine ? { refine: options.refine } : {}),
  });
}

type IntOptions = { default: number; doc?: string; min?: number; max?: number };
type NumberOptions = { default: number; doc: string; min?: number; exclusiveMin?: boolean; max?: number };

/** `d`: the rank, the number of latent factors. */
export function rank(o: IntOptions): s.IntNode {
  return s.int({ min: 1, ...o, doc: o.doc ?? "rank: number of latent factors" });
}

/** `lambda`: the model's regularization strength (its file and `doc` say what it multiplies). */
export function lambda(o: NumberOptions): s.NumberNode {
  return s.number({ min: 0, ...o });
}

/** `maxIterations`: the iteration cap (or the fixed number of iterations / epochs for models without a stopping rule). */
export function maxIterations(o: IntOptions): s.IntNode {
  return s.int({ min: 1, ...o, doc: o.doc ?? "iteration cap" });
}

/** `lr`: the learning rate (step size) of gradient methods. */
export function lr(o: NumberOptions): s.NumberNode {
  return s.number({ min: 0, exclusiveMin: true, ...o });
}

/** `seed`: the seed of every random draw of the fit, an integer in [0, 2³²). */
export function seed(doc: string): s.IntNode {
  return s.int({ min: 0, max: 4294967295, default: 0, doc });
}

/**
 * `threads`: threads per fit (worker_threads). Performance-only (`perf`): the numbers do not depend on it, so it is
 * never part of a run's identity or seed, and a sweep may give a threadable model's fits spare cores through it.
 */
export function threads(): s.IntNode {
  return s.int({ min: 1, max: 256, default: 1, perf: true, doc: "threads per fit (worker_threads; identical numbers)" });
}

/** A per-term regularization override (`lambdaBu`, …): null = `lambda`. */
export function lambdaOverride(what: string): s.NullableNode<number> {
  return s.nullable(s.number({ min: 0 }), { default: null, doc: `regularization of ${what} (null = lambda)` });
}

/** A per-term learning-rate override (`lrBu`, …): null = `lr`. */
export function lrOverride(what: string): s.NullableNode<number> {
  return s.nullable(s.number({ min: 0, exclusiveMin: true }), { default: null, doc: `learning rate of ${what} (null = lr)` });
}
