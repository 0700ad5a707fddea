/**
 * Faults of a queue sweep, with real parts (Debian's redis-server, `mflab worker` and `mflab sweep --queue`
 * processes) on the assignment grid (experiments/als-grid.json, 24 runs, on its synthetic data):
 * - a worker killed with -9 in the middle of a run: the queue's stall detection hands the run to another worker (a
 *   replacement started afterwards), and the results equal a local `mflab sweep` byte for byte;
 * - the coordinator killed with -9: the workers go on; the same command started again collects what finished
 *   meanwhile and queues nothing twice (every run fitted exactly once), with the same numbers;
 * - a worker whose data differs from the coordinator's: the run is recorded failed with both fingerprints, the
 *   worker stops, and `--retry-failed` with a right worker completes the sweep;
 * - Redis stopped in the middle of a sweep: the coordinator says so, waits `--redis-timeout`, stops with one line
 *   (no stack trace) and every collected run in the file; once Redis is back the same command completes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../../src/results/store";
import { removeRedis, startRedis, type RedisServer } from "../helpers/redis";
import { expectSameNumbers, finishedRuns, killAll, mflab, ROOT, startWorker, tempDir, waitUntil, writeSpec, type Proc } from "./helpers";

const GRID = path.join(ROOT, "experiments", "als-grid.json");
const STALL = ["--stall-timeout", "1.5"];
/** Queue tests' own time limit: they run real processes, on a machine that may be shared. */
const LIMIT = 240_000;

describe("queue faults", () => {
  let reference = "";
  let servers: RedisServer[] = [];
  let procs: Proc[] = [];
  const redis = async (options: Parameters<typeof startRedis>[0] = {}) => {
    const r = await startRedis(options);
    servers.push(r);
    return r;
  };
  const track = (p: Proc): Proc => {
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    const dir = tempDir("reference");
    reference = path.join(dir, "local.json");
    const local = mflab(["sweep", GRID, "--out", reference, "--workers", "1", "--quiet"], dir);
    expect(await local.exited, local.output()).toBe(0);
  }, LIMIT);
  afterEach(async () => {
    await killAll(procs);
    procs = [];
    for (const r of servers) await removeRedis(r);
    servers = [];
  });
  afterAll(async () => {
    await killAll(procs);
  });

  it(
    "kill -9 of a worker in the middle of a run: another worker runs it again, same numbers",
    async () => {
      const { url } = await redis();
      const dir = tempDir("kill-worker");
      const a = track(await startWorker(url, dir, STALL));
      const b = track(await startWorker(url, dir, STALL));
      const coordinator = track(mflab(["sweep", GRID, "--queue", url, "--out", "queue.json"], dir));
      // Midway: once a has finished a run, kill it as soon as it starts one of the slowest (d = 50).
      await a.waitFor(/done {2}\S+ run/, 120_000);
      const started = await a.waitFor(/start \S+ run ([0-9a-f]{12}): als d=50 λ=\d+\n(?![\s\S]*done {2}\S+ run \1)/, 120_000);
      a.child.kill("SIGKILL");
      const killed = started[1];
      const c = track(await startWorker(url, dir, STALL));
      expect(await coordinator.exited, coordinator.output()).toBe(0);

      expect(finishedRuns(a)).not.toContain(killed);
      expect([...finishedRuns(b), ...finishedRuns(c)]).toContain(killed);
      expectSameNumbers(path.join(dir, "queue.json"), reference);
      const results = readResults(path.join(dir, "queue.json"));
      expect(results.runs.every((r) => r.status === "ok")).toBe(true);
      // Every run recorded once, by whichever worker finished it.
      expect(new Set(results.runs.map((r) => r.id)).size).toBe(24);
      await killAll([b, c]);
    },
    LIMIT,
  );

  it(
    "kill -9 of the coordinator: the same command resumes, collects what finished meanwhile, redoes nothing",
    async () => {
      const { url } = await redis();
      const dir = tempDir("kill-coordinator");
      const spec = subGrid(dir);
      const w1 = track(await startWorker(url, dir, STALL));
      const w2 = track(await startWorker(url, dir, STALL));
      const first = track(mflab(["sweep", spec, "--queue", url, "--out", "queue.json"], dir));
      await first.waitFor(/\[3\/8\]/, 60_000);
      first.child.kill("SIGKILL");
      await first.exited;
      const collected = readResults(path.join(dir, "queue.json")).runs.length;
      expect(collected).toBeGreaterThanOrEqual(3);
      // The workers go on with the queued runs while no coordinator runs.
      const doneBefore = finishedRuns(w1, w2).length;
      await waitUntil(() => finishedRuns(w1, w2).length > doneBefore, "a run finished while no coordinator ran");

      const second = track(mflab(["sweep", spec, "--queue", url, "--out", "queue.json"], dir));
      expect(await second.exited, second.output()).toBe(0);
      expect(second.output()).toMatch(new RegExp(`sweep: 8 runs, ${collected} already done`));
      // Nothing redone: every run fitted exactly once, across both coordinators.
      const fitted = finishedRuns(w1, w2);
      expect(fitted).toHaveLength(8);
      expect(new Set(fitted).size).toBe(8);
      expectSameNumbers(path.join(dir, "queue.json"), reference, { subset: true });
      // Finished: nothing of the sweep is left on the queue.
      expect(redisKeys(servers[0], "mflab:runs:*.*")).toEqual([]);
    },
    LIMIT,
  );

  it(
    "a worker with other data refuses the run, naming both fingerprints; --retry-failed with the right data completes",
    async () => {
      const { url } = await redis();
      const dir = tempDir("fingerprint");
      const other = tempDir("fingerprint-worker");
      const lines = ["user,item,rating"];
      for (let u = 0; u < 40; u++) for (let i = 0; i < 30; i++) if ((u * 7 + i * 3) % 4 !== 0) lines.push(`${u},${i},${1 + ((u + 2 * i) % 5)}`);
      fs.writeFileSync(path.join(dir, "r.csv"), `${lines.join("\n")}\n`);
      lines[5] = lines[5].replace(/\d$/, (r) => String(r === "5" ? 4 : Number(r) + 1)); // one rating differs
      fs.writeFileSync(path.join(other, "r.csv"), `${lines.join("\n")}\n`);
      const spec = writeSpec(dir, {
        name: "fp",
        data: { kind: "ratings-file", path: "r.csv", testFraction: 0.2, seed: 1 },
        model: "als",
        params: { maxIterations: 5 },
        grid: { d: [2, 3], lambda: [0.5, 1] },
        seed: 3,
      });
      const local = track(mflab(["sweep", spec, "--out", "local.json", "--workers", "1", "--quiet"], dir));
      expect(await local.exited, local.output()).toBe(0);

      const wrong = track(await startWorker(url, dir, ["--data-root", other]));
      const coordinator = track(mflab(["sweep", spec, "--queue", url, "--out", "queue.json"], dir));
      expect(await wrong.exited).toBe(1);
      const m = wrong.output().match(/data fingerprint ([0-9a-f]{16}) of this worker's .* differs from the coordinator's ([0-9a-f]{16})/);
      expect(m, wrong.output()).not.toBeNull();
      expect(m![1]).not.toBe(m![2]);
      expect(wrong.output()).toMatch(/mflab worker: stopped — this machine cannot run the sweep's runs as asked/);
      expect(wrong.output()).not.toMatch(/\n\s+at /); // no stack trace

      const right = track(await startWorker(url, dir));
      expect(await coordinator.exited, coordinator.output()).toBe(1); // one run failed
      const failed = readResults(path.join(dir, "queue.json")).runs.filter((r) => r.status === "failed");
      expect(failed).toHaveLength(1);
      expect(failed[0].error).toContain(m![1]);
      expect(failed[0].error).toContain(m![2]);
      expect(coordinator.output()).toMatch(/FAILED: worker \S+ refused the run: data fingerprint/);

      const again = track(mflab(["sweep", spec, "--queue", url, "--out", "queue.json", "--retry-failed", "--quiet"], dir));
      expect(await again.exited, again.output()).toBe(0);
      expectSameNumbers(path.join(dir, "queue.json"), path.join(dir, "local.json"));
      await killAll([right]);
    },
    LIMIT,
  );

  it(
    "Redis stopped mid-sweep: a clear error after --redis-timeout, nothing lost; once it is back the same command completes",
    async () => {
      const server = await redis({ persist: true });
      const dir = tempDir("redis-away");
      const spec = subGrid(dir);
      const worker = track(await startWorker(server.url, dir, STALL));
      const args = ["sweep", spec, "--queue", server.url, "--out", "queue.json", "--redis-timeout", "3"];
      const first = track(mflab(args, dir));
      await first.waitFor(/\[3\/8\]/, 60_000);
      await server.stop();
      await first.waitFor(/lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \(.*\); waiting up to 3 s/, 10_000);
      expect(await first.exited, first.output()).toBe(1);
      const out = first.output();
      expect(out).toMatch(
        /^mflab: redis:\/\/127\.0\.0\.1:\d+\/0: lost the connection to Redis \(.*\) for \d+ s: stopped\. Every run collected so far is in .*queue\.json/m,
      );
      expect(out).not.toMatch(/\n\s+at /); // no stack trace
      expect(out).not.toMatch(/internal error/);
      const kept = readResults(path.join(dir, "queue.json")).runs;
      expect(kept.length).toBeGreaterThanOrEqual(3);
      // The worker keeps trying meanwhile, one line per problem.
      await worker.waitFor(/mflab worker: redis:\/\/127\.0\.0\.1:\d+\/0: .*\(retrying\)/, 10_000);

      await server.start();
      const second = track(mflab(args, dir));
      expect(await second.exited, second.output()).toBe(0);
      expect(second.output()).toMatch(new RegExp(`sweep: 8 runs, ${kept.length} already done`));
      expectSameNumbers(path.join(dir, "queue.json"), reference, { subset: true });
      // Every run recorded before the outage is unchanged.
      const after = new Map(readResults(path.join(dir, "queue.json")).runs.map((r) => [r.id, r]));
      for (const r of kept) expect(after.get(r.id)).toEqual(r);
    },
    LIMIT,
  );
});

/**
 * The assignment grid's spec with d ∈ {10, 20} only (8 runs): the same parameters and seeds as those runs of the
 * full grid, so the same run ids and numbers (compared with the full grid's local reference).
 */
function subGrid(dir: string): string {
  const grid = JSON.parse(fs.readFileSync(GRID, "utf8"));
  delete grid.$schema;
  return writeSpec(dir, { ...grid, grid: { ...grid.grid, d: [10, 20] } });
}

/** The keys matching `pattern` in a test server. */
function redisKeys(server: RedisServer, pattern: string): string[] {
  return server
    .cli("--scan", "--pattern", pattern)
    .split("\n")
    .filter((k) => k !== "");
}
