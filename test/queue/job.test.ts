/**
 * A queue is not trusted: a worker validates each job (src/experiment/queue/job.ts) and refuses what this machine
 * cannot run as asked (src/experiment/queue/run-thread.ts) — no Redis needed. The job is built the way the
 * coordinator builds it (the runner's run id of the validated parameters, seed and fold fingerprint), and the
 * worker's record is compared with `executeRun` on the same data (the local path) number for number.
 */
import * as os from "node:os";
import { describe, expect, it } from "vitest";
import { MFLAB_VERSION } from "../../src/core/version";
import { deriveSeed } from "../../src/core/random";
import { datasetInfo, executeRun, fitDataKey, runId } from "../../src/experiment/execute";
import { foldsOf } from "../../src/experiment/folds";
import { JOB_FORMAT, type JobPayload, prunerTaskOf, validateJobPayload } from "../../src/experiment/queue/job";
import { runJob } from "../../src/experiment/queue/run-thread";
import { validateSpec } from "../../src/experiment/spec";
import { getModel } from "../../src/models/registry";

const spec = validateSpec({ name: "j", data: { kind: "synthetic", nUsers: 60, nItems: 50, nRatings: 900 }, model: "als", seed: 4 });
const fold = foldsOf(spec.data, spec.folds, spec.seed, os.tmpdir())[0];
const fingerprint = datasetInfo(fold.dataset).fingerprint;
const { threads: _threads, ...params } = getModel("als")!.config({ d: 3, lambda: 0.5, maxIterations: 4, seed: 11 }) as Record<string, unknown>;

function job(): JobPayload {
  return {
    format: JOB_FORMAT,
    mflab: MFLAB_VERSION,
    sweep: { id: "0123456789ab", name: "j" },
    run: { id: runId({ model: "als", ...params }, 11, fingerprint), model: "als", params, seed: 11, fold: "" },
    data: { spec: spec.data, seed: spec.seed, fingerprint },
    evaluation: spec.evaluation,
    clip: null,
  };
}
const task = (payload: unknown) => ({ payload: validateJobPayload(payload), dataRoot: os.tmpdir(), budget: { bytes: 2 ** 32, source: "test" } });

describe("queue jobs", () => {
  it("a job as the coordinator makes it: the worker's record has the numbers of a local run", () => {
    const reply = runJob(task(job()));
    expect("refusal" in reply).toBe(false);
    const local = executeRun(job().run.id, { model: "als", ...params }, 11, fold.dataset, { ...spec.evaluation, clip: undefined }, 1);
    expect(reply.record.status).toBe("ok");
    expect(JSON.stringify(reply.record.metrics)).toBe(JSON.stringify(local.metrics));
    expect(reply.record.history?.testMse).toEqual(local.history?.testMse);
  });

  it("a job asking for one run under another's id, or with parameters out of range or unknown, is refused before any fit", () => {
    const other = job();
    other.run.params = { ...other.run.params, d: 4 };
    expect(() => validateJobPayload(other)).toThrow(/^job: run\.id [0-9a-f]{12} is not the id of these parameters, seed and data fingerprint/);
    const zero = job();
    zero.run.params = { ...zero.run.params, d: 0 };
    expect(() => validateJobPayload(zero)).toThrow(/^job: run\.params\.d must be ≥ 1, got 0/);
    expect(() => validateJobPayload({ ...job(), extra: 1 })).toThrow(/extra/);
    expect(() => validateJobPayload({ ...job(), run: { ...job().run, model: "alss" } })).toThrow(/alss/);
    const seed = job();
    seed.run.seed = 12;
    expect(() => validateJobPayload(seed)).toThrow(/run\.id/);
  });

  it("another mflab version or other data: refused, naming both versions or both fingerprints", () => {
    const older = { ...job(), mflab: "0.0.1" };
    const a = runJob(task(older));
    expect("refusal" in a && a.refusal).toBe(
      `this worker runs mflab ${MFLAB_VERSION}, the coordinator mflab 0.0.1: every machine needs the same mflab version`,
    );
    const moved = job();
    moved.data.fingerprint = "0000000000000000";
    moved.run.id = runId({ model: "als", ...params }, 11, "0000000000000000");
    const b = runJob(task(moved));
    expect("refusal" in b && b.refusal).toMatch(
      new RegExp(`data fingerprint ${fingerprint} of this worker's .* differs from the coordinator's 0000000000000000`),
    );
    expect(b.record.status).toBe("failed");
  });
});

describe("queue jobs of search trials", () => {
  const evaluation = { ...spec.evaluation, validation: 0.2 };
  const validationSeed = deriveSeed(spec.seed, "validation");
  const trialId = (n: number) => runId({ model: "als", ...params }, 11, `${fitDataKey(fingerprint, { validation: 0.2, validationSeed })}#trial${n}`);
  // ASHA with rungs 1, 2, 4: one basis trial at 0.1 after iteration 1 (and one whose curve is not finite, sent as null).
  const pruner = {
    method: "asha" as const,
    minIterations: 1,
    reductionFactor: 2,
    startupTrials: 5,
    others: [
      { curve: [0.1, 0.1] as (number | null)[], completed: true },
      { curve: [null, null] as (number | null)[], completed: false },
    ],
  };
  function trialJob(): JobPayload {
    return { ...job(), run: { ...job().run, id: trialId(3) }, evaluation, trial: { n: 3, basis: 2, pruner } };
  }

  it("a trial's job is fitted and pruned as a local worker thread does it, from the basis curves it carries", () => {
    const reply = runJob(task(trialJob()));
    expect("refusal" in reply).toBe(false);
    const local = executeRun(trialId(3), { model: "als", ...params }, 11, fold.dataset, { ...evaluation, clip: undefined, validationSeed }, 1, {
      pruner: {
        ...pruner,
        others: [
          { curve: [0.1, 0.1], completed: true },
          { curve: [NaN, NaN], completed: false },
        ],
      },
    });
    expect(local.status).toBe("pruned");
    const numbers = (r: typeof local) =>
      JSON.stringify({ ...r, fitSeconds: 0, startedAt: "", finishedAt: "", history: { ...r.history, seconds: [] } });
    expect(numbers(reply.record)).toBe(numbers(local));
    expect(prunerTaskOf(validateJobPayload(trialJob()))!.others[1].curve.every(Number.isNaN)).toBe(true);
    // Without the pruner the same trial runs to its last iteration.
    const whole = runJob(task({ ...trialJob(), trial: { n: 3, basis: 2 } }));
    expect([whole.record.status, whole.record.iterations]).toEqual(["ok", 4]);
  });

  it("a trial's fields are checked one by one, and its number is part of its run id", () => {
    expect(() => validateJobPayload({ ...trialJob(), trial: { n: 4, basis: 2, pruner } })).toThrow(/^job: run\.id .* is not the id/);
    expect(() => validateJobPayload({ ...trialJob(), trial: undefined })).toThrow(/^job: run\.id/);
    expect(() => validateJobPayload({ ...trialJob(), trial: { n: 3, basis: 1, pruner } })).toThrow(
      /^job: trial\.pruner\.others has 2 trials, more than its basis \(1\)/,
    );
    expect(() => validateJobPayload({ ...trialJob(), trial: { n: -1, basis: 2 } })).toThrow(/trial\.n/);
    expect(() => validateJobPayload({ ...trialJob(), trial: { n: 3, basis: 2, extra: 1 } })).toThrow(/extra/);
    const bad = (over: Record<string, unknown>) => ({ ...trialJob(), trial: { n: 3, basis: 2, pruner: { ...pruner, ...over } } });
    expect(() => validateJobPayload(bad({ method: "hyperband" }))).toThrow(/trial\.pruner\.method/);
    expect(() => validateJobPayload(bad({ reductionFactor: 1 }))).toThrow(/trial\.pruner\.reductionFactor/);
    expect(() => validateJobPayload(bad({ others: [{ curve: ["0.1"], completed: true }] }))).toThrow(/trial\.pruner\.others\[0\]\.curve\[0\]/);
    expect(() => validateJobPayload(bad({ others: [{ curve: [0.1] }] }))).toThrow(/trial\.pruner\.others\[0\]\.completed/);
  });
});
