/**
 * The results schema shared by the CLI, notebooks, figures and reports (documented field by field in the
 * README, section "Results schema"), declared once: the TypeScript types below, the field-by-field check of a
 * results file when it is read (`parseResults` in ./store.ts), and the docs come from {@link RESULTS_FILE}.
 * One JSON file per sweep; `runs` grows as runs finish.
 *
 * JSON has no NaN: a metric that could not be computed is written as null and read back as NaN.
 */
import * as s from "../core/schema";

/** The `schema` field of every results file this version writes and reads. */
export const RESULTS_SCHEMA = "mflab.results/1";

const metric = () => s.number({ nan: true });
const count = (doc: string) => s.int({ min: 0, doc });
const seconds = (doc: string) => s.optional(s.number({ min: 0, doc }));
const curve = () => s.array(metric());

/** MSE, RMSE and MAE over the observed entries of one set. */
const ERROR_METRICS = s.object({ mse: metric(), rmse: metric(), mae: metric() }, { unknownKey: "an error metric" });

/** Top-k ranking metrics (src/metrics/ranking.ts). */
const RANKING_METRICS = s.object(
  {
    k: s.int({ min: 1 }),
    threshold: s.number(),
    precision: metric(),
    recall: metric(),
    ndcg: metric(),
    map: metric(),
    hitRate: metric(),
    coverage: metric(),
    nUsersEvaluated: count("users with ≥ 1 relevant test item (the denominator of the averages)"),
    nUsersSkipped: count("users with test entries but no relevant test item"),
  },
  { unknownKey: "a ranking metric" },
);

const RUN_METRICS = s.object(
  {
    train: s.optional({ ...ERROR_METRICS, doc: "rating error on the training ratings" }),
    test: s.optional({ ...ERROR_METRICS, doc: "rating error on the test ratings" }),
    validation: s.optional({ ...ERROR_METRICS, doc: "rating error on the validation ratings (evaluation.validation): what selection uses" }),
    ranking: s.optional({ ...RANKING_METRICS, doc: "top-k ranking quality on the test set (evaluation.task ranking)" }),
  },
  { unknownKey: "a metrics set" },
);

/** Per-iteration curves, one array entry per iteration. */
const HISTORY = s.object(
  {
    iteration: s.array(s.int({ min: 0 })),
    trainLoss: curve(),
    trainMse: curve(),
    trainMae: curve(),
    testMse: curve(),
    testMae: curve(),
    seconds: curve(),
    validationMse: s.optional(curve()),
    validationMae: s.optional(curve()),
  },
  { unknownKey: "a history curve" },
);

/** One run: a model fitted on one fold and scored. */
export const RUN_RECORD = s.object(
  {
    id: s.string({ minLength: 1, doc: "sha256 (12 hex) of (model + full config incl. seed, the fold's data fingerprint, mflab version)" }),
    params: s.record(s.any(), {
      doc: "model name plus the full validated config (defaults filled in, canonical parameter names)",
      expected: 'an object with a "model" name',
      refine: (p: Record<string, unknown>) => (typeof p.model === "string" ? undefined : 'must be an object with a "model" name'),
    }),
    seed: s.int({ min: 0, doc: "the run's seed" }),
    fold: s.optional(s.string({ doc: "cross-validated sweeps: the fold this run was scored on" })),
    repeat: s.optional(s.int({ min: 0, doc: "sweeps with repeats > 1: the repeat index" })),
    status: s.oneOf(["ok", "failed", "pruned"], {
      doc: 'a failed run keeps its error in "error"; a pruned one (search with a pruner) its iterations reached in "iterations"',
    }),
    trial: s.optional(s.int({ min: 0, doc: "searches: the trial number (0-based, in suggestion order)" })),
    trialBasis: s.optional(
      s.int({ min: 0, doc: "searches: how many recorded trials (in file order) the sampler and pruner saw when this trial was suggested" }),
    ),
    error: s.optional(s.string({ doc: "failure message when status is failed" })),
    metrics: s.optional(RUN_METRICS),
    iterations: s.optional(count("iterations (epochs) run")),
    converged: s.optional(s.boolean({ doc: "whether the stopping rule fired before the cap" })),
    fitSeconds: seconds("wall time of the fit (incl. per-iteration scoring with history)"),
    predictSeconds: seconds("wall time of scoring train + test"),
    fallbackCount: s.optional(count("test predictions that used the model's fallback (unknown user or item)")),
    threads: s.optional(s.int({ min: 1, doc: "threads the fit used when more than one (the numbers do not depend on it)" })),
    history: s.optional(HISTORY),
    testBuckets: s.optional(
      s.object(
        { sse: s.array(s.number({ min: 0 })), count: s.array(s.int({ min: 0 })) },
        {
          unknownKey: "a field of testBuckets",
          doc: "rating task: Σ(r − r̂)² and count per fixed hash bucket of the test ratings (for the bootstrap over test ratings; src/metrics/uncertainty.ts)",
        },
      ),
    ),
    calibration: s.optional(
      s.object(
        { sd: s.array(s.number({ min: 0 })), rmse: s.array(s.number({ min: 0 })), count: s.array(s.int({ min: 0 })) },
        {
          unknownKey: "a field of calibration",
          doc: "models with a predictive sd: test ratings in equal-count bins of predicted sd, with the observed RMSE per bin",
        },
      ),
    ),
    label: s.optional(s.string({ doc: "optimizer races: the entry's label" })),
    bareSecondsPerIteration: seconds("optimizer races: seconds per iteration without per-iteration test scoring"),
    bareMedianIterationSeconds: seconds("optimizer races: median duration of iterations 2, 3, … of that bare fit"),
    host: s.optional(s.string({ doc: "the machine the run ran on (its hostname; in a queue sweep, the worker's)" })),
    startedAt: s.string({ doc: "ISO time" }),
    finishedAt: s.string({ doc: "ISO time" }),
  },
  {
    unknownKey: "a field of a run record",
    refine: (r: { status: string; metrics?: { test?: unknown; ranking?: unknown } }) =>
      r.status === "ok" && r.metrics?.test === undefined && r.metrics?.ranking === undefined ? 'has status "ok" but no metrics.test' : undefined,
  },
);

const FOLD_INFO = s.object(
  {
    name: s.string(),
    fingerprint: s.string(),
    nUsers: count("users over train ∪ test"),
    nItems: count("items over train ∪ test"),
    nTrain: count("training ratings"),
    nTest: count("test ratings"),
  },
  { unknownKey: "a field of a fold" },
);

export const DATASET_INFO = s.object(
  {
    name: s.string({ doc: "e.g. ml-100k/u1" }),
    source: s.string({ doc: "the files or generator parameters it came from" }),
    fingerprint: s.string({ doc: "sha256 (16 hex) over the train/test triples and ids: same data ⇔ same fingerprint" }),
    nUsers: count("users over train ∪ test"),
    nItems: count("items over train ∪ test"),
    nTrain: count("training ratings"),
    nTest: count("test ratings"),
    ratingScale: s.array(s.number(), { minItems: 2, maxItems: 2, doc: "[min, max] of the ratings (of the first fold in cross-validated sweeps)" }),
    folds: s.optional(s.array(FOLD_INFO, { doc: "cross-validated sweeps only: each fold (the fingerprint above covers all)" })),
  },
  { unknownKey: "a field of dataset" },
);

export const ENV_INFO = s.object(
  {
    mflab: s.string({ doc: "mflab version" }),
    node: s.string(),
    platform: s.string(),
    cpu: s.string(),
    gitCommit: s.nullable(s.string(), { doc: "commit of the working directory (null outside git)" }),
    gitDirty: s.nullable(s.boolean(), { doc: "whether tracked files were modified (null outside git)" }),
    specHash: s.optional(s.string({ doc: "sha256 (16 hex) of the normalised spec that ran (experiment.spec)" })),
    wallSeconds: seconds("wall-clock seconds of all sweep processes that wrote this file"),
    startedAt: s.string({ doc: "ISO time of the first run of this file" }),
    updatedAt: s.string({ doc: "ISO time of the last write" }),
  },
  { unknownKey: "a field of env" },
);

/** A results file. */
export const RESULTS_FILE = s.object(
  {
    schema: s.oneOf([RESULTS_SCHEMA], { expected: `"${RESULTS_SCHEMA}" (is this an mflab results file?)` }),
    experiment: s.object(
      {
        name: s.string(),
        description: s.optional(s.string()),
        spec: s.nullable(s.record(s.any()), { doc: "the normalised spec that ran (with --data applied); null for hand-made files such as races" }),
      },
      { unknownKey: "a field of experiment" },
    ),
    dataset: DATASET_INFO,
    env: ENV_INFO,
    runs: s.array(RUN_RECORD, { doc: "one record per run, in spec order" }),
  },
  { unknownKey: "a results-file key", expected: "a JSON object with schema, experiment, dataset, env, runs" },
);

export type RunRecord = Omit<s.Infer<typeof RUN_RECORD>, "params"> & { params: { model: string; [key: string]: unknown } };
export type ResultsFile = Omit<s.Infer<typeof RESULTS_FILE>, "runs"> & { runs: RunRecord[] };
export type RunMetrics = s.Infer<typeof RUN_METRICS>;
export type DatasetInfo = s.Infer<typeof DATASET_INFO>;
export type EnvInfo = s.Infer<typeof ENV_INFO>;
export type FoldInfo = s.Infer<typeof FOLD_INFO>;
