/**
 * Shared pieces of the queue tests: `mflab` processes (the built CLI, bin/mflab.js, as users run it) with their
 * output collected and waited on, small sweep specs, and the comparison of numbers as written in the results files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";

export const ROOT = path.resolve(__dirname, "../..");
export const BIN = path.join(ROOT, "bin", "mflab.js");

/** A running `mflab` command. */
export interface Proc {
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves when `pattern` appears in the output (rejects after `ms`, or if the process ends first). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** The exit code (or 128 + signal number). */
  exited: Promise<number>;
}

const all = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of all) c.kill("SIGKILL");
});

/** Start `mflab <args>` in `cwd`. */
export function mflab(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  all.add(child);
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      all.delete(child);
      for (const l of [...listeners]) l();
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
  const waitFor = (pattern: RegExp, ms = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const check = () => {
        const m = text.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`process ended before ${pattern} appeared; output:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${pattern} did not appear within ${ms} ms; output:\n${text}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return { child, output: () => text, waitFor, exited };
}

/** A worker on `url`, once its log says it is waiting for runs. */
export async function startWorker(url: string, cwd: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const w = mflab(["worker", "--queue", url, ...extra], cwd, env);
  await w.waitFor(/waiting for runs/, 30_000);
  return w;
}

/** SIGKILL the processes still running, and wait for them. */
export async function killAll(procs: (Proc | undefined)[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (!p) return;
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await p.exited;
    }),
  );
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mflab-queue-${prefix}-`));
}

/** Write a spec file and return its path. */
export function writeSpec(dir: string, spec: object, name = "spec.json"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

/** The runs of a results file as written (plain JSON, not through the schema), by run id. */
export function runsOf(file: string): Map<string, Record<string, unknown>> {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { runs: Record<string, unknown>[] };
  return new Map(json.runs.map((r) => [r.id as string, r]));
}

/**
 * Both files hold the same runs (with `subset`: every run of `actual` is in `expected`), and every run has the same metrics, iterations and per-iteration curves (all but
 * their seconds), byte for byte as written.
 */
export function expectSameNumbers(actual: string, expected: string, options: { subset?: boolean } = {}): void {
  const a = runsOf(actual);
  const b = runsOf(expected);
  if (options.subset) {
    // A sub-grid of the expected sweep: its runs (same parameters and seed, so the same ids) are among the expected.
    for (const id of a.keys()) expect(b.has(id), `run ${id} is not in ${expected}`).toBe(true);
  } else expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  const numbers = (r: Record<string, unknown>) => {
    const { seconds: _s, ...curves } = (r.history as Record<string, unknown> | undefined) ?? {};
    return JSON.stringify({
      status: r.status,
      metrics: r.metrics,
      iterations: r.iterations,
      converged: r.converged,
      curves,
      fold: r.fold,
      seed: r.seed,
    });
  };
  for (const [id, r] of a) expect(numbers(r), id).toBe(numbers(b.get(id)!));
}

/** The run ids in `done <sweep> run <id>` lines of workers' logs: the runs each one finished. */
export function finishedRuns(...workers: Proc[]): string[] {
  return workers.flatMap((w) => [...w.output().matchAll(/done {2}\S+ run ([0-9a-f]{12})/g)].map((m) => m[1]));
}

/** Resolves once `condition()` holds (checked every 50 ms); rejects after `ms` with `what`. */
export async function waitUntil(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
