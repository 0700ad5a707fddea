/**
 * Operating a queue, with real parts: a TLS-only Redis with a password (`rediss://`, a certificate of a CA made
 * here with openssl and given to node by NODE_EXTRA_CA_CERTS), the notebook API (`runSweep(spec, { queue })`)
 * as the coordinator, a second coordinator on the same sweep refused, `mflab queue status` while a sweep waits for
 * workers, the coordinator's Ctrl-C withdrawing the waiting runs, and a worker's Ctrl-C finishing its run before it exits.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { removeRedis, startRedis, type RedisServer } from "../helpers/redis";
import { expectSameNumbers, finishedRuns, killAll, mflab, startWorker, tempDir, writeSpec, type Proc } from "./helpers";

const SMALL = {
  name: "small",
  data: { kind: "synthetic", nUsers: 120, nItems: 90, nRatings: 3000 },
  model: "als",
  params: { maxIterations: 8 },
  grid: { d: [2, 4], lambda: [0.5, 2] },
  seed: 7,
};

/** A CA and a certificate for localhost signed by it (PEM files in `dir`). */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mflab test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"));
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", f("server.key"), "-out", f("server.csr"));
  fs.writeFileSync(f("san.ext"), "subjectAltName=DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    f("server.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    f("san.ext"),
    "-out",
    f("server.pem"),
  );
  return { ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key") };
}

describe("operating a queue", { timeout: 240_000 }, () => {
  let servers: RedisServer[] = [];
  let procs: Proc[] = [];
  afterEach(async () => {
    await killAll(procs);
    procs = [];
    for (const r of servers) await removeRedis(r);
    servers = [];
  });

  it("rediss:// (TLS) with a password: a sweep equal to a local one; without the CA a one-line error", async () => {
    const dir = tempDir("tls");
    const tls = certificates(dir);
    const server = await startRedis({ tls, password: "tls-pw" });
    servers.push(server);
    expect(server.url).toMatch(/^rediss:\/\/:tls-pw@localhost:\d+$/);
    const env = { NODE_EXTRA_CA_CERTS: tls.ca };
    const spec = writeSpec(dir, SMALL);
    const local = mflab(["sweep", spec, "--out", "local.json", "--workers", "1", "--quiet"], dir);
    procs.push(local);
    const worker = await startWorker(server.url, dir, [], env);
    procs.push(worker);
    const coordinator = mflab(["sweep", spec, "--queue", server.url, "--out", "queue.json"], dir, env);
    procs.push(coordinator);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(await local.exited, local.output()).toBe(0);
    expectSameNumbers(path.join(dir, "queue.json"), path.join(dir, "local.json"));
    expect(coordinator.output()).toContain(`rediss://:***@localhost:${server.port}/0`);
    for (const p of [coordinator, worker]) expect(p.output()).not.toContain("tls-pw");

    // A certificate node does not trust: refused at once, in one line, without the password.
    const untrusted = mflab(["queue", "status", "--queue", server.url], dir);
    expect(await untrusted.exited).toBe(1);
    expect(untrusted.output()).toMatch(
      /^mflab: rediss:\/\/:\*\*\*@localhost:\d+\/0: cannot reach Redis: .*(self-signed|unable to verify|certificate)/m,
    );
    expect(untrusted.output().trim().split("\n")).toHaveLength(1);
    expect(untrusted.output()).not.toContain("tls-pw");
  });

  it("runSweep(spec, { queue }) coordinates from a notebook; a second coordinator is refused; status shows the waiting runs", async () => {
    const server = await startRedis();
    servers.push(server);
    const dir = tempDir("api");
    const spec = validateSpec(SMALL);
    const local = await runSweep(spec, { out: path.join(dir, "local.json"), baseDir: dir });
    expect(local.ran).toBe(4);

    const events: string[] = [];
    const sweep = runSweep(spec, {
      out: path.join(dir, "queue.json"),
      baseDir: dir,
      queue: { url: server.url, pollMs: 100 },
      onProgress: (e) => events.push(e.type === "warning" ? `warning: ${e.message}` : e.type),
    });
    // No worker yet: the runs wait on the queue.
    for (let i = 0; i < 200 && !/^[1-9]/.test(server.cli("HLEN", "mflab:sweeps")); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const status = mflab(["queue", "status", "--queue", server.url], dir);
    expect(await status.exited, status.output()).toBe(0);
    expect(status.output()).toMatch(/: 1 sweep\n/);
    expect(status.output()).toMatch(new RegExp(`small +[0-9a-f]{12} +4 +4 +0 +0 +0 +pid ${process.pid} on `));

    const second = mflab(["sweep", writeSpec(dir, SMALL), "--queue", server.url, "--out", "other.json"], dir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(`^mflab: sweep small \\(id [0-9a-f]{12}\\) already has a coordinator: pid ${process.pid} on .*, writing .*queue\\.json`, "m"),
    );
    expect(fs.existsSync(path.join(dir, "other.json"))).toBe(false);

    const worker = await startWorker(server.url, dir);
    procs.push(worker);
    const outcome = await sweep;
    expect(outcome.ran).toBe(4);
    expect(outcome.failed).toBe(0);
    expect(events.filter((e) => e === "run-end")).toHaveLength(4);
    expectSameNumbers(path.join(dir, "queue.json"), path.join(dir, "local.json"));
    expect(server.cli("HLEN", "mflab:sweeps").trim()).toBe("0");
  });

  it("Ctrl-C on the coordinator withdraws the waiting runs (exit 130); the same command later runs them all", async () => {
    const server = await startRedis();
    servers.push(server);
    const dir = tempDir("coordinator-sigint");
    const spec = writeSpec(dir, SMALL);
    const first = mflab(["sweep", spec, "--queue", server.url, "--out", "queue.json"], dir);
    procs.push(first);
    await first.waitFor(/sweep: 4 runs, 0 already done/);
    for (let i = 0; i < 200 && server.cli("ZCARD", "mflab:runs:prioritized").trim() + server.cli("LLEN", "mflab:runs:wait").trim() === "00"; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill("SIGINT");
    expect(await first.exited, first.output()).toBe(130);
    expect(first.output()).toMatch(/SIGINT: withdrawing the waiting runs and collecting the runs in progress/);
    const status = mflab(["queue", "status", "--queue", server.url], dir);
    expect(await status.exited, status.output()).toBe(0);
    expect(status.output()).toMatch(/small +[0-9a-f]{12} +4 +0 +0 +0 +0 +none/);
    const worker = await startWorker(server.url, dir);
    procs.push(worker);
    const second = mflab(["sweep", spec, "--queue", server.url, "--out", "queue.json", "--quiet"], dir);
    procs.push(second);
    expect(await second.exited, second.output()).toBe(0);
    expect(finishedRuns(worker)).toHaveLength(4);
  });

  it("Ctrl-C on a worker finishes the run in progress, then exits 0; the run is collected", async () => {
    const server = await startRedis();
    servers.push(server);
    const dir = tempDir("worker-sigint");
    const spec = writeSpec(dir, {
      ...SMALL,
      name: "slow",
      data: { kind: "synthetic", nUsers: 900, nItems: 800, nRatings: 60000 },
      params: { maxIterations: 15 },
      grid: { d: [40], lambda: [1, 2] },
    });
    const worker = await startWorker(server.url, dir);
    procs.push(worker);
    const coordinator = mflab(["sweep", spec, "--queue", server.url, "--out", "queue.json", "--quiet"], dir);
    procs.push(coordinator);
    const started = await worker.waitFor(/start \S+ run ([0-9a-f]{12})/);
    worker.child.kill("SIGINT");
    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).toMatch(/SIGINT: stopping after the runs in progress/);
    expect(finishedRuns(worker)).toEqual([started[1]]);
    // The other run waits for a worker; the finished one is in the file.
    const second = await startWorker(server.url, dir);
    procs.push(second);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(finishedRuns(second)).toHaveLength(1);
    expect(finishedRuns(second)).not.toContain(started[1]);
  });
});
