/**
 * A sweep through the queue with real parts: Debian's redis-server (with a password), three `mflab worker`
 * processes and the coordinator `mflab sweep --queue`, on the assignment grid (experiments/als-grid.json: ALS,
 * 6 ranks × 4 λ) on small synthetic data. The metrics equal a local `mflab sweep` byte for byte, every run records
 * the host it ran on, the password appears nowhere, and `mflab queue clean` leaves no mflab key in Redis.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../../src/results/store";
import { removeRedis, startRedis, type RedisServer } from "../helpers/redis";
import { expectSameNumbers, finishedRuns, killAll, mflab, ROOT, startWorker, tempDir, writeSpec, type Proc } from "./helpers";

const PASSWORD = "s3cr%t p@ss:word";

describe("a sweep through a Redis queue", { timeout: 240_000 }, () => {
  let redis: RedisServer | undefined;
  const procs: Proc[] = [];
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await killAll(procs);
    await removeRedis(redis);
  });

  it("3 workers + the coordinator on the assignment grid equal a local run byte for byte", async () => {
    const url = redis!.url;
    expect(url).toContain(encodeURIComponent(PASSWORD));
    const dir = tempDir("grid");
    const grid = JSON.parse(fs.readFileSync(path.join(ROOT, "experiments", "als-grid.json"), "utf8"));
    delete grid.$schema;
    const spec = writeSpec(dir, { ...grid, data: { kind: "synthetic", nUsers: 300, nItems: 250, nRatings: 12000 } });

    const t0 = performance.now();
    const local = mflab(["sweep", spec, "--out", "local.json", "--workers", "1", "--quiet"], dir);
    expect(await local.exited, local.output()).toBe(0);
    const localSeconds = (performance.now() - t0) / 1000;

    const workers = await Promise.all([1, 2, 3].map(() => startWorker(url, dir, ["--stall-timeout", "10"])));
    procs.push(...workers);
    const t1 = performance.now();
    const coordinator = mflab(["sweep", spec, "--queue", url, "--out", "queue.json"], dir);
    procs.push(coordinator);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    console.log(
      `assignment grid (24 runs): local ${localSeconds.toFixed(1)} s, queue with 3 workers ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );

    // The same progress display as a local sweep, and the same numbers.
    expect(coordinator.output()).toMatch(/sweep: 24 runs, 0 already done/);
    expect(coordinator.output()).toMatch(/\[24\/24\] als d=\d+ λ=\d+ → test MSE/);
    expectSameNumbers(path.join(dir, "queue.json"), path.join(dir, "local.json"));
    const results = readResults(path.join(dir, "queue.json"));
    expect(results.runs).toHaveLength(24);
    expect(results.runs.every((r) => r.status === "ok" && r.host === os.hostname())).toBe(true);
    expect(readResults(path.join(dir, "local.json")).runs.every((r) => r.host === os.hostname())).toBe(true);

    // Every run fitted exactly once, by some worker.
    const done = finishedRuns(...workers);
    expect(done.sort()).toEqual(results.runs.map((r) => r.id).sort());

    // The password never appears: not in the output of any process, not in the results.
    for (const p of [coordinator, ...workers]) {
      expect(p.output()).not.toContain("s3cr");
      expect(p.output()).toContain("redis://:***@127.0.0.1");
    }
    expect(fs.readFileSync(path.join(dir, "queue.json"), "utf8")).not.toContain("s3cr");

    // Re-running the finished sweep reuses every run and enqueues nothing.
    const again = mflab(["sweep", spec, "--queue", url, "--out", "queue.json", "--quiet"], dir);
    expect(await again.exited, again.output()).toBe(0);
    expect(finishedRuns(...workers)).toHaveLength(24);

    // A finished sweep leaves only BullMQ's bookkeeping; clean removes that too.
    const status = mflab(["queue", "status", "--queue", url], dir);
    expect(await status.exited, status.output()).toBe(0);
    expect(status.output()).toMatch(/: 0 sweeps/);
    const clean = mflab(["queue", "clean", "--queue", url], dir);
    expect(await clean.exited, clean.output()).toBe(0);
    expect(clean.output()).toMatch(/empty \(no mflab keys left\)/);
    expect(redis!.cli("--scan", "--pattern", "mflab:*").trim()).toBe("");

    // Ctrl-C on an idle worker: it stops at once, exit 0.
    for (const w of workers) w.child.kill("SIGINT");
    for (const w of workers) expect(await w.exited, w.output()).toBe(0);
  });

  it("a wrong password or an unreachable Redis is a one-line error without the password", async () => {
    const dir = tempDir("auth");
    const wrong = mflab(["queue", "status", "--queue", `redis://:nottheone@127.0.0.1:${redis!.port}/0`], dir);
    expect(await wrong.exited).toBe(1);
    expect(wrong.output()).toMatch(/^mflab: redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: cannot reach Redis: .*WRONGPASS/m);
    expect(wrong.output()).not.toContain("nottheone");
    const closed = mflab(["worker", "--queue", "redis://:hush@127.0.0.1:9/0"], dir);
    expect(await closed.exited).toBe(1);
    expect(closed.output()).toMatch(/^mflab: redis:\/\/:\*\*\*@127\.0\.0\.1:9\/0: cannot use the queue: .*ECONNREFUSED/m);
    expect(closed.output()).not.toContain("hush");
    // A sweep whose Redis cannot be reached stops before it reads or writes its results file.
    const spec = writeSpec(dir, { name: "t", data: { kind: "synthetic", nUsers: 30, nItems: 20, nRatings: 300 }, model: "als", grid: { d: [1] } });
    const sweep = mflab(["sweep", spec, "--queue", "redis://:hush@127.0.0.1:9", "--out", "r.json"], dir);
    expect(await sweep.exited).toBe(1);
    expect(sweep.output()).toMatch(/^mflab: redis:\/\/:\*\*\*@127\.0\.0\.1:9\/0: cannot reach Redis: .*ECONNREFUSED/m);
    expect(sweep.output()).not.toMatch(/\n\s+at |internal error|hush/);
    expect(fs.existsSync(path.join(dir, "r.json"))).toBe(false);
    const bad = mflab(["queue", "status", "--queue", "http://:pw@host"], dir);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/^mflab: --queue: must start with redis:\/\/ or rediss:\/\/ \(TLS\), got "http:\/\/:\*\*\*@host"/m);
    expect(bad.output()).not.toContain(":pw@");
  });
});
