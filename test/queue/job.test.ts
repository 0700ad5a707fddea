/**
 * A queue is not trusted: a worker validates each job (src/experiment/queue/job.ts) and refuses what this machine
 * cannot run as asked (src/experiment/queue/run-thread.ts) — no Redis needed. The job is built the way the
 * coordinator builds it (the runner's run id of the validated parameters, seed and fold fingerprint), and the
 * worker's record is compared with `executeRun` on the same data (the local path) number for number.
 */
import * as os from "node:os";
import { describe, expect, it } from "vitest";
import { MFLAB_VERSION } from "../../src/core/version";
import { datasetInfo, executeRun, runId } from "../../src/experiment/execute";
import { foldsOf } from "../../src/experiment/folds";
import { JOB_FORMAT, type JobPayload, validateJobPayload } from "../../src/experiment/queue/job";
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
