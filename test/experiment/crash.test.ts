/**
 * Crash safety of real `mflab sweep` processes: kill -9 mid-sweep, resume, compare with an uninterrupted run;
 * a second writer is refused; SIGINT stops cleanly. Uses the built CLI (npm test builds first).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readResults } from "../../src/results/store";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");

const spec = {
  name: "crash",
  data: { kind: "synthetic", nUsers: 300, nItems: 500, nRatings: 30000, seed: 2 },
  model: "als",
  params: { maxIterations: 12, stopping: "none" },
  grid: { d: [4, 8, 16, 24, 32, 40], lambda: [1, 3] },
  seed: 3,
};

function setup(): { dir: string; specFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-crash-"));
  const specFile = path.join(dir, "crash.json");
  fs.writeFileSync(specFile, JSON.stringify(spec));
  return { dir, specFile };
}

function runsIn(file: string): number {
  try {
    return readResults(file).runs.length;
  } catch {
    return 0;
  }
}

/** Start a sweep, call `whenRuns` once the file holds at least `n` runs. */
function startSweep(args: string[]) {
  return spawn(process.execPath, [BIN, "sweep", ...args, "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
}

async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

describe("crash safety", () => {
  it.each([1, 2])(
    "kill -9 mid-sweep loses nothing and recomputes nothing (workers %i)",
    async (workers) => {
      const { dir, specFile } = setup();
      const out = path.join(dir, "r.json");
      const child = startSweep([specFile, "--out", out, "--workers", String(workers)]);
      const exited = exitOf(child);
      await waitFor(() => runsIn(out) >= 3);
      child.kill("SIGKILL");
      const first = await exited;
      expect(first.signal).toBe("SIGKILL");
      const before = readResults(out); // still a valid results file
      expect(before.runs.length).toBeGreaterThanOrEqual(3);
      expect(before.runs.length).toBeLessThan(12);
      expect(fs.existsSync(`${out}.lock`)).toBe(true); // left behind by the killed process: stale

      const resumed = spawnSync(process.execPath, [BIN, "sweep", specFile, "--out", out, "--workers", String(workers)], { encoding: "utf8" });
      expect(resumed.status).toBe(0);
      expect(resumed.stderr).toContain(`${before.runs.length} already done`);
      const after = readResults(out);
      expect(after.runs).toHaveLength(12);
      for (const r of before.runs) expect(after.runs.find((x) => x.id === r.id)).toEqual(r); // not recomputed, not lost
      expect(fs.existsSync(`${out}.lock`)).toBe(false);

      const clean = path.join(dir, "clean.json");
      expect(spawnSync(process.execPath, [BIN, "sweep", specFile, "--out", clean, "--workers", "1", "--quiet"]).status).toBe(0);
      const strip = (f: string) => readResults(f).runs.map((r) => [r.id, r.metrics, r.iterations, r.history?.trainLoss]);
      expect(strip(out)).toEqual(strip(clean));
    },
    120_000,
  );

  it("refuses a second writer on the same results file", async () => {
    const { dir, specFile } = setup();
    const out = path.join(dir, "r.json");
    const child = startSweep([specFile, "--out", out, "--workers", "1"]);
    const exited = exitOf(child);
    await waitFor(() => fs.existsSync(`${out}.lock`));
    const second = spawnSync(process.execPath, [BIN, "sweep", specFile, "--out", out], { encoding: "utf8" });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`${out}: is being written by another mflab sweep (pid ${child.pid}`);
    child.kill("SIGKILL");
    await exited;
  }, 60_000);

  it("SIGINT stops cleanly with a summary and how to resume", async () => {
    const { dir, specFile } = setup();
    const out = path.join(dir, "r.json");
    const child = spawn(process.execPath, [BIN, "sweep", specFile, "--out", out, "--workers", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = exitOf(child);
    await waitFor(() => runsIn(out) >= 2);
    child.kill("SIGINT");
    const r = await exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping/);
    expect(r.stderr).toMatch(
      /stopped after .*: \d+ run now, 0 reused, 0 failed, \d+ not run; every finished run is in .* run the same command again to resume/,
    );
    const saved = readResults(out);
    expect(saved.runs.length).toBeGreaterThanOrEqual(2);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
  }, 60_000);
});
