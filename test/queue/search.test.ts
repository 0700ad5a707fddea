/**
 * A search through the queue (`mflab sweep <search spec> --queue`), with Debian's redis-server and real `mflab worker`
 * processes: a trial is suggested when the queue has room, from the trials recorded at that moment, so every
 * recorded trial must equal `suggestTrial` of its recorded basis (the oracle: the sampler run again here, in the
 * test process) and every pruning decision must replay from the basis trials' curves alone. With one worker the
 * search is sequential, and must equal the local one-worker search byte for byte; stopped with Ctrl-C and
 * re-run, or its coordinator killed with -9 and re-run, it continues to the same trials (after -9, with every trial
 * fitted exactly once: the queued trial is re-attached).
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveSeed } from "../../src/core/random";
import { fitDataKey } from "../../src/experiment/execute";
import { isRung, prunerCheck } from "../../src/experiment/search/pruner";
import { suggestTrial } from "../../src/experiment/search/run";
import { validateSpec } from "../../src/experiment/spec";
import type { RunRecord } from "../../src/results/schema";
import { readResults } from "../../src/results/store";
import { removeRedis, startRedis, type RedisServer } from "../helpers/redis";
import { expectSameNumbers, finishedRuns, killAll, mflab, startWorker, tempDir, writeSpec, type Proc } from "./helpers";

const searchSpec = (over: Record<string, unknown> = {}) => ({
  name: "qsearch",
  data: { kind: "synthetic", nUsers: 80, nItems: 100, nRatings: 3000, seed: 5 },
  model: "als",
  params: { maxIterations: 9, stopping: "none" },
  seed: 4,
  evaluation: { validation: 0.15 },
  search: {
    method: "tpe",
    trials: 10,
    seed: 2,
    startupTrials: 4,
    space: { d: { int: [1, 12], log: true }, lambda: { float: [0.01, 20], log: true } },
  },
  ...over,
});
const ASHA = { pruner: { method: "asha", minIterations: 1, reductionFactor: 2 } };

/** Which trial had which basis, parameters, status and numbers (all but seconds and times). */
const sequence = (runs: readonly RunRecord[]) =>
  [...runs]
    .sort((a, b) => a.trial! - b.trial!)
    .map((r) => ({
      trial: r.trial,
      basis: r.trialBasis,
      id: r.id,
      params: r.params,
      status: r.status,
      iterations: r.iterations,
      metrics: r.metrics,
    }));

/**
 * Every recorded trial is the suggestion of its recorded basis (params, seed, id), and — with a pruner — each of its
 * per-iteration decisions replays from the basis alone: no prune before its last iteration, a prune at the last one
 * exactly when it was recorded pruned.
 */
function expectEachTrialFromItsBasis(raw: object, file: string): RunRecord[] {
  const spec = validateSpec(raw);
  const results = readResults(file); // checked against the results schema
  const runs = results.runs;
  expect(runs).toHaveLength(spec.search!.trials);
  expect(runs.map((r) => r.trial).sort((a, b) => a! - b!)).toEqual([...Array(spec.search!.trials).keys()]);
  const key = fitDataKey(results.dataset.fingerprint, { validation: 0.15, validationSeed: deriveSeed(4, "validation") });
  runs.forEach((r, k) => {
    expect(r.trialBasis, `trial ${r.trial}`).toBeLessThanOrEqual(k); // the basis is what was recorded before it
    const plan = suggestTrial(spec, r.trial!, runs.slice(0, r.trialBasis), key);
    expect(plan.params, `trial ${r.trial}`).toEqual(r.params);
    expect([plan.id, plan.seed]).toEqual([r.id, r.seed]);
    if (!spec.pruner) return;
    expect(["ok", "pruned"]).toContain(r.status);
    const check = prunerCheck(plan.pruner!);
    const curve = r.history!.validationMse!.map((m) => Math.sqrt(m));
    expect(curve).toHaveLength(r.iterations!);
    const decisions = curve.map((v, i) => check(i + 1, v));
    expect(
      decisions.slice(0, -1).every((d) => !d),
      `trial ${r.trial}`,
    ).toBe(true);
    expect(decisions.at(-1), `trial ${r.trial}`).toBe(r.status === "pruned");
    if (r.status === "pruned") expect(isRung(r.iterations!, 1, 2)).toBe(true);
  });
  return runs;
}

describe("a search through a Redis queue", { timeout: 240_000 }, () => {
  let redis: RedisServer | undefined;
  const procs: Proc[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await killAll(procs);
    await removeRedis(redis);
  });

  it("with 1 worker equals the local one-worker search byte for byte; Ctrl-C and a re-run continue it", async () => {
    const dir = tempDir("search1");
    const raw = searchSpec(ASHA);
    const spec = writeSpec(dir, raw);
    const local = mflab(["sweep", spec, "--out", "local.json", "--workers", "1", "--quiet"], dir);
    expect(await local.exited, local.output()).toBe(0);

    const worker = await startWorker(redis!.url, dir);
    procs.push(worker);
    const t0 = performance.now();
    const coordinator = mflab(["sweep", spec, "--queue", redis!.url, "--out", "queue.json"], dir);
    procs.push(coordinator);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    console.log(`search, 10 trials through the queue with 1 worker: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(coordinator.output()).toMatch(/sweep: 10 runs, 0 already done/);
    const runs = expectEachTrialFromItsBasis(raw, path.join(dir, "queue.json"));
    // One worker, one trial in the queue at a time: trial n was suggested from the n trials before it, as locally.
    expect(runs.map((r) => [r.trial, r.trialBasis])).toEqual(runs.map((_, k) => [k, k]));
    expect(runs.some((r) => r.status === "pruned") && runs.some((r) => r.status === "ok")).toBe(true);
    expectSameNumbers(path.join(dir, "queue.json"), path.join(dir, "local.json"));
    expect(sequence(runs)).toEqual(sequence(readResults(path.join(dir, "local.json")).runs));

    // Stopped by Ctrl-C after 3 trials, then re-run: the same trials as the uninterrupted search.
    const first = mflab(["sweep", spec, "--queue", redis!.url, "--out", "resumed.json"], dir);
    procs.push(first);
    await first.waitFor(/\[ ?3\/10\]/);
    first.child.kill("SIGINT");
    expect(await first.exited, first.output()).toBe(130);
    const stoppedAt = readResults(path.join(dir, "resumed.json")).runs.length;
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(stoppedAt).toBeLessThan(10);
    const second = mflab(["sweep", spec, "--queue", redis!.url, "--out", "resumed.json"], dir);
    procs.push(second);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain(`sweep: 10 runs, ${stoppedAt} already done`);
    expect(sequence(readResults(path.join(dir, "resumed.json")).runs)).toEqual(sequence(runs));

    // The coordinator killed (-9) and started again: it takes over the claim, re-attaches the trial it had queued
    // (the same basis gives the same job), and every trial is fitted exactly once.
    const before = finishedRuns(worker).length;
    const killed = mflab(["sweep", spec, "--queue", redis!.url, "--out", "killed.json"], dir);
    procs.push(killed);
    await killed.waitFor(/\[ ?4\/10\]/);
    killed.child.kill("SIGKILL");
    await killed.exited;
    const restarted = mflab(["sweep", spec, "--queue", redis!.url, "--out", "killed.json"], dir);
    procs.push(restarted);
    expect(await restarted.exited, restarted.output()).toBe(0);
    expect(sequence(readResults(path.join(dir, "killed.json")).runs)).toEqual(sequence(runs));
    const fitted = finishedRuns(worker).slice(before);
    expect(fitted.sort()).toEqual(runs.map((r) => r.id).sort());
  });

  it("with 2 workers (TPE), every trial is the suggestion of its recorded basis", async () => {
    const dir = tempDir("search2");
    const raw = searchSpec({ search: { ...searchSpec().search, trials: 12 } });
    const spec = writeSpec(dir, raw);
    procs.push(await startWorker(redis!.url, dir)); // with the first test's: 2 workers
    const t0 = performance.now();
    const coordinator = mflab(["sweep", spec, "--queue", redis!.url, "--out", "queue.json", "--quiet"], dir);
    procs.push(coordinator);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    console.log(`search, 12 TPE trials through the queue with 2 workers: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const runs = expectEachTrialFromItsBasis(raw, path.join(dir, "queue.json"));
    // Two trials in the queue at once: some trial was suggested before the one before it was recorded.
    expect(runs.some((r) => r.trialBasis! < r.trial!)).toBe(true);
    expect(new Set(runs.map((r) => r.host)).size).toBe(1); // every run records its worker's host
    // Re-running the finished search reuses every trial.
    const again = mflab(["sweep", spec, "--queue", redis!.url, "--out", "queue.json"], dir);
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toMatch(/0 run, 12 reused/);
  });

  it("with 2 workers and ASHA, pruned trials are recorded with the iteration reached, each decision reproducible from its basis", async () => {
    const dir = tempDir("search3");
    const raw = searchSpec({ ...ASHA, search: { ...searchSpec().search, trials: 12 } });
    const spec = writeSpec(dir, raw);
    const coordinator = mflab(["sweep", spec, "--queue", redis!.url, "--out", "queue.json", "--quiet"], dir);
    procs.push(coordinator);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    const runs = expectEachTrialFromItsBasis(raw, path.join(dir, "queue.json"));
    const pruned = runs.filter((r) => r.status === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const r of pruned) {
      expect(r.metrics!.test).toBeUndefined();
      expect(r.metrics!.validation!.mse).toBe(r.history!.validationMse!.at(-1));
    }
    expect(runs.some((r) => r.trialBasis! < r.trial!)).toBe(true);
  });

  it("refuses --queue-depth without a search on a queue", async () => {
    const dir = tempDir("depth");
    const spec = writeSpec(dir, searchSpec());
    const p = mflab(["sweep", spec, "--queue-depth", "2"], dir);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/--queue-depth applies to a search with --queue only/);
  });
});
