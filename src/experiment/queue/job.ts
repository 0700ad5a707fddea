/**
 * One job = one run: what the coordinator puts on the queue and a worker checks before it fits anything.
 *
 * A queue is not trusted: a worker validates every payload with the declarations specs are validated with — the
 * data section ({@link DATA_SPEC}), the folds ({@link FOLDS_SPEC}), the evaluation ({@link EVALUATION_SPEC}), the
 * run's parameters against its model's own declaration (`def.config`) — and then checks that the run id is the
 * hash of exactly these parameters, this seed, the coordinator's data fingerprint and this worker's mflab version
 * ({@link runId}), so a payload cannot ask for one run and be recorded as another. The payload carries a data
 * *reference* (the spec's data section, its folds and the sweep seed that partitions them, the fold's name) and
 * the coordinator's fingerprint of that fold; each worker loads the data itself (./run-thread.ts) and refuses the
 * run when its fingerprint differs.
 *
 * A search trial (../search/run.ts) also carries `trial`: its number (part of its run id, as in a local search), the
 * size of its basis, and — with a pruner — the rule and the basis trials' validation RMSE curves, so a worker makes
 * exactly the pruning decisions a local worker thread would (non-finite curve values travel as null: JSON has no NaN).
 */
import { SpecError } from "../../core/errors";
import { deriveSeed } from "../../core/random";
import * as s from "../../core/schema";
import { MFLAB_VERSION } from "../../core/version";
import { DATA_SPEC, type DataSpec } from "../../data/spec";
import { getModel, modelNames } from "../../models/registry";
import { fitDataKey, runId, type RunEvaluation } from "../execute";
import { FOLDS_SPEC, type FoldsSpec } from "../folds";
import type { PrunerTask } from "../search/pruner";
import { EVALUATION_SPEC } from "../spec";

/** The version of the payload's layout (not of mflab). */
export const JOB_FORMAT = 1;

const hex = (n: number, doc: string) => s.string({ pattern: new RegExp(`^[0-9a-f]{${n}}$`), doc, expected: `${n} hex digits` });

/** A job's data, declared once. */
export const JOB_PAYLOAD = s.object(
  {
    format: s.oneOf([JOB_FORMAT], { doc: "payload layout version" }),
    mflab: s.string({ minLength: 1, doc: "the coordinator's mflab version (every machine needs the same)" }),
    sweep: s.object(
      {
        id: hex(12, "the sweep's id (hash of its normalised spec and data fingerprint)"),
        name: s.string({ minLength: 1, doc: "the spec's name" }),
      },
      { unknownKey: "a field of sweep" },
    ),
    run: s.object(
      {
        id: hex(12, "the run id"),
        model: s.oneOf(modelNames(), { valueNoun: "model" }),
        params: s.record(s.any(), { doc: "the run's full validated config, without the model name" }),
        seed: s.int({ min: 0, max: 4294967295 }),
        fold: s.string({ doc: "the fold's name (\"\" for the data's single split)" }),
        repeat: s.optional(s.int({ min: 0 })),
        threads: s.optional(s.int({ min: 1, max: 1024, doc: "threads fixed in the spec (performance only)" })),
      },
      { unknownKey: "a field of run" },
    ),
    data: s.object(
      {
        spec: DATA_SPEC,
        folds: s.optional(FOLDS_SPEC),
        seed: s.int({ min: 0, max: 4294967295, doc: "the sweep seed (partitions random folds)" }),
        fingerprint: hex(16, "the coordinator's fingerprint of this run's fold"),
      },
      { unknownKey: "a field of data" },
    ),
    evaluation: EVALUATION_SPEC,
    clip: s.nullable(s.array(s.number(), { minItems: 2, maxItems: 2 }), { doc: "the clip range when evaluation.clip" }),
    trial: s.optional(
      s.object(
        {
          n: s.int({ min: 0, doc: "the trial number (part of the run id)" }),
          basis: s.int({ min: 0, doc: "how many recorded trials it was suggested from" }),
          pruner: s.optional(
            s.object(
              {
                method: s.oneOf(["asha", "median"] as const),
                minIterations: s.int({ min: 1, max: 100_000 }),
                reductionFactor: s.int({ min: 2, max: 100 }),
                startupTrials: s.int({ min: 0 }),
                others: s.array(
                  s.object(
                    {
                      curve: s.array(s.nullable(s.number()), { doc: "validation RMSE after each iteration (null: not finite)" }),
                      completed: s.boolean(),
                    },
                    { unknownKey: "a field of a basis trial" },
                  ),
                  { doc: "the basis trials that completed or were pruned" },
                ),
              },
              { unknownKey: "a field of trial.pruner" },
            ),
          ),
        },
        { unknownKey: "a field of trial" },
      ),
    ),
  },
  { unknownKey: "a field of a job", expected: "an mflab job (an object with format, mflab, sweep, run, data, evaluation, clip)" },
);

export type JobPayload = s.Infer<typeof JOB_PAYLOAD>;

/** What a worker needs to load a run's data: the data section, folds, sweep seed (the cache key of loaded data). */
export interface DataReference {
  spec: DataSpec;
  folds?: FoldsSpec;
  seed: number;
}

/** The run's params as a run record holds them (model name first). */
export function recordParams(p: JobPayload): { model: string; [key: string]: unknown } {
  return { model: p.run.model, ...p.run.params };
}

/** The pruner task of a search trial's job (null curve values back to NaN), or undefined. */
export function prunerTaskOf(p: JobPayload): PrunerTask | undefined {
  const q = p.trial?.pruner;
  if (q === undefined) return undefined;
  return { ...q, others: q.others.map((o) => ({ curve: o.curve.map((v) => (v === null ? NaN : v)), completed: o.completed })) };
}

/** A pruner task as a job carries it (non-finite values as null). */
export function prunerPayloadOf(task: PrunerTask): NonNullable<NonNullable<JobPayload["trial"]>["pruner"]> {
  return { ...task, others: task.others.map((o) => ({ curve: o.curve.map((v) => (Number.isFinite(v) ? v : null)), completed: o.completed })) };
}

/** The evaluation options of a run (clip range resolved). */
export function runEvaluationOf(p: JobPayload): RunEvaluation {
  const clip = p.evaluation.clip && p.clip !== null ? ([p.clip[0], p.clip[1]] as const) : undefined;
  // The validation ratings are carved with the sweep's seed, as the coordinator's runs are (runner.ts).
  const validationSeed = p.evaluation.validation !== undefined ? { validationSeed: deriveSeed(p.data.seed, "validation") } : {};
  return { ...p.evaluation, clip, ...validationSeed };
}

/**
 * Check a job's data (from the queue) field by field, then its run: the model's own declaration accepts the
 * parameters unchanged, and (same mflab version) the run id is theirs. The data fingerprint is checked later, once
 * the worker has loaded its data.
 * @throws SpecError naming the JSON path (`job.run.params.d must be ≥ 1, got 0`) or what does not add up
 */
export function validateJobPayload(raw: unknown): JobPayload {
  const p = s.parse(JOB_PAYLOAD, raw, { file: "job" });
  if (p.evaluation.clip && p.clip === null) throw new SpecError("clip", "is null, but evaluation.clip is true", "job");
  if (p.clip !== null && !(p.clip[0] < p.clip[1]))
    throw new SpecError("clip", `must be [min, max] with min < max, got [${p.clip.join(", ")}]`, "job");
  if (p.mflab !== MFLAB_VERSION) return p; // the worker refuses it by version, with both versions named
  const def = getModel(p.run.model)!;
  let config: Record<string, unknown>;
  try {
    config = def.config(p.run.params) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(`run.params${e.path ? `.${e.path}` : ""}`, e.reason, "job");
    throw e;
  }
  for (const [key, value] of Object.entries(p.run.params)) {
    if (JSON.stringify(config[key]) !== JSON.stringify(value)) {
      throw new SpecError(`run.params.${key}`, `is not in the model's canonical form (${JSON.stringify(value)})`, "job");
    }
  }
  if (p.trial !== undefined && p.trial.pruner !== undefined && p.trial.pruner.others.length > p.trial.basis) {
    throw new SpecError("trial.pruner.others", `has ${p.trial.pruner.others.length} trials, more than its basis (${p.trial.basis})`, "job");
  }
  // A search trial's id includes its number (../search/run.ts), as a local search's does.
  const dataKey = `${fitDataKey(p.data.fingerprint, runEvaluationOf(p))}${p.trial !== undefined ? `#trial${p.trial.n}` : ""}`;
  if (runId(recordParams(p), p.run.seed, dataKey) !== p.run.id) {
    throw new SpecError("run.id", `${p.run.id} is not the id of these parameters, seed and data fingerprint`, "job");
  }
  return p;
}
