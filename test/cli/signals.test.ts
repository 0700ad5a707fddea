/**
 * Signals on a running sweep (real processes, real signals): the CLI fits in worker threads, so a long fit never
 * blocks it. SIGTERM, and a second Ctrl-C, abandon the run in progress within about a second and exit non-zero,
 * with every finished run in the file; a single Ctrl-C lets the run in progress finish and saves it.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readResults } from "../../src/results/store";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");

/** A sweep whose first run is quick and whose later runs take `slowIterations` iterations at d = 120 and 121. */
function sweepDir(slowIterations: number): { spec: string; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-signals-"));
  const spec = path.join(dir, "s.json");
  fs.writeFileSync(
    spec,
    JSON.stringify({
      name: "signals",
      data: { kind: "synthetic" },
      model: "als",
      params: { stopping: "none", threads: 1 },
      grid: { d: [2, 120, 121], maxIterations: [slowIterations] },
      evaluation: { history: false },
    }),
  );
  return { spec, out: path.join(dir, "r.json") };
}

interface Outcome {
  code: number | null;
  stderr: string;
  /** Milliseconds from the last signal to the exit. */
  afterSignal: number;
}

/** Run the sweep, send `signals` once the quick run is recorded (the slow one is then being fitted), wait for the exit. */
function runAndSignal(where: { spec: string; out: string }, signals: NodeJS.Signals[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "sweep", where.spec, "--out", where.out, "--workers", "1"], { cwd: ROOT });
    let stderr = "";
    let sentAt = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the sweep did not exit in time; stderr:\n${stderr}`));
    }, 120_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (sentAt === 0 && /\[1\/3\]/.test(stderr)) {
        sentAt = -1;
        // Give the worker a moment to be inside the slow fit, then signal.
        setTimeout(() => {
          signals.forEach((sig, k) =>
            setTimeout(() => {
              child.kill(sig);
              sentAt = performance.now();
            }, 200 * k),
          );
        }, 500);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, afterSignal: performance.now() - sentAt });
    });
  });
}

describe("signals on a running sweep", () => {
  it("SIGTERM abandons the fit in progress within about a second, exits 143, keeps every finished run", async () => {
    const where = sweepDir(400);
    const r = await runAndSignal(where, ["SIGTERM"]);
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/SIGTERM: abandoning the runs in progress/);
    console.log(`SIGTERM → exit in ${r.afterSignal.toFixed(0)} ms`);
    expect(r.afterSignal).toBeLessThan(5000); // ~1 s; generous for a busy machine
    const runs = readResults(where.out).runs;
    expect(runs.map((x) => x.params.d)).toEqual([2]);
    expect(runs[0].status).toBe("ok");
  });

  it("a second Ctrl-C abandons the fit in progress at once and exits 130", async () => {
    const where = sweepDir(400);
    const r = await runAndSignal(where, ["SIGINT", "SIGINT"]);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping after the runs in progress/);
    expect(r.stderr).toMatch(/SIGINT: abandoning the runs in progress/);
    expect(r.afterSignal).toBeLessThan(5000);
    expect(readResults(where.out).runs.map((x) => x.params.d)).toEqual([2]);
  });

  it("a single Ctrl-C lets the run in progress finish and saves it, starts no other, then exits 130", async () => {
    const where = sweepDir(20);
    const r = await runAndSignal(where, ["SIGINT"]);
    expect(r.code).toBe(130);
    const runs = readResults(where.out).runs;
    expect(runs.map((x) => [x.params.d, x.status])).toEqual([
      [2, "ok"],
      [120, "ok"],
    ]);
  });
});
