/**
 * Shared pieces of the chaos tests: the child-process driver (test/chaos/driver.ts with the current src/, bundled
 * once per test file by esbuild, so the processes that are starved, killed and raced always run today's sources,
 * never a stale dist/), running it with a file-size limit or an injected fault, a seeded random generator, a small
 * sweep spec, and the checks every scenario ends with.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { parseResults, readResults } from "../../src/results/store";
import type { ResultsFile } from "../../src/results/schema";

export { rng } from "./seeded";

export const ROOT = path.resolve(__dirname, "../..");

let bundled: string | undefined;

/**
 * The driver bundled with the current sources, named by the hash of its text (test files running at the same time
 * share it; a bundle of older sources is removed after a day). It lives under node_modules/.cache/mflab-chaos/ so
 * that the WebAssembly kernels are found where src/linalg/wasm/load.ts looks from the sources
 * (`__dirname/../../../dist`).
 */
export function driverPath(): string {
  if (bundled) return bundled;
  const dir = path.join(ROOT, "node_modules", ".cache", "mflab-chaos");
  fs.mkdirSync(dir, { recursive: true });
  // esbuild is a devDependency (scripts/vendor-plotly.js, the ALS workers from the sources use it too).
  const esbuild = require("esbuild") as typeof import("esbuild");
  const built = esbuild.buildSync({
    entryPoints: [path.join(__dirname, "driver.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    outfile: path.join(dir, "driver.js"),
    write: false,
    logLevel: "error",
  });
  const code = built.outputFiles[0].contents;
  const out = path.join(dir, `driver-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`);
  if (!fs.existsSync(out)) {
    const tmp = `${out}.${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, out);
  }
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (p !== out && Date.now() - fs.statSync(p).mtimeMs > 86_400_000) fs.rmSync(p, { force: true });
  }
  // With `isolate` (the CLI's default) runs are fitted in a worker thread: its script is found next to the driver.
  const worker = esbuild.buildSync({
    entryPoints: [path.join(ROOT, "src", "experiment", "sweep-worker.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "error",
  }).outputFiles[0].contents;
  const workerOut = path.join(dir, "sweep-worker.js");
  const workerTmp = `${workerOut}.${process.pid}`;
  fs.writeFileSync(workerTmp, worker);
  fs.renameSync(workerTmp, workerOut);
  bundled = out;
  return out;
}

/** A fault injected into the driver's `fs` calls (see driver.ts). */
export interface Fault {
  op: "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "readFileSync" | "renameSync" | "linkSync" | "unlinkSync" | "mkdirSync";
  /** Only calls whose path (for fd calls: the path the fd was opened with; for renames "from -> to") contains this. */
  match?: string;
  /** The nth matching call (1-based). */
  nth: number;
  /** kill: SIGKILL before the call; kill-mid: (writeSync) write half, then SIGKILL; errno: throw `errno`;
   * short: (writeSync) write half and return that count; zero: (writeSync) return 0; corrupt: (writeSync) write
   * other bytes and return the full count. */
  action: "kill" | "kill-mid" | "errno" | "short" | "zero" | "corrupt";
  errno?: string;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** RLIMIT_FSIZE in 512-byte blocks, set with the shell's `ulimit -f` (dash's unit). */
  ulimitBlocks?: number;
  faults?: Fault[];
  /** Write the sequence of fs calls (op and path, one a line) to this file at exit. */
  trace?: string;
  /** SIGKILL at the nth fs call of the driver (`mid`: half-way through it when it is a write). */
  killAt?: { call: number; mid?: boolean };
  cwd?: string;
}

/** Run the driver (`node driver.js args…`) to its end. */
export function runDriver(args: string[], options: RunOptions = {}): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.faults) env.MFLAB_CHAOS_FAULTS = JSON.stringify(options.faults);
  else delete env.MFLAB_CHAOS_FAULTS;
  if (options.trace) env.MFLAB_CHAOS_TRACE = options.trace;
  else delete env.MFLAB_CHAOS_TRACE;
  delete env.MFLAB_CHAOS_KILL_AT;
  delete env.MFLAB_CHAOS_KILL_MID;
  if (options.killAt) {
    env.MFLAB_CHAOS_KILL_AT = String(options.killAt.call);
    if (options.killAt.mid) env.MFLAB_CHAOS_KILL_MID = "1";
  }
  const argv = [driverPath(), ...args];
  const child =
    options.ulimitBlocks === undefined
      ? spawn(process.execPath, argv, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn("/bin/sh", ["-c", `ulimit -f ${options.ulimitBlocks} && exec "$0" "$@"`, process.execPath, ...argv], {
          cwd: options.cwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Run `jobs` with at most `n` at a time (2 cores), in order of start. */
export async function pool<T>(jobs: (() => Promise<T>)[], n = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      out[k] = await jobs[k]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

/** A fresh folder for one scenario. */
export function scratch(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mflab-chaos-${tag}-`));
}

/** The sweep of the chaos tests: 6 tiny ALS runs (≈ 11.5 KB of results, ≈ 1.5 KB a run), milliseconds each. */
export const SPEC = {
  name: "chaos",
  data: { kind: "synthetic", nUsers: 40, nItems: 50, nRatings: 600, seed: 1 },
  model: "als",
  params: { maxIterations: 4, stopping: "none" },
  grid: { d: [1, 2, 3], lambda: [0.5, 2] },
  seed: 5,
};
export const SPEC_RUNS = 6;

/** Write the spec (with `grid.d` = `d`) to `dir/<name>.json`; returns its path. */
export function writeSpec(dir: string, d: number[] = SPEC.grid.d, name = "spec"): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...SPEC, grid: { ...SPEC.grid, d } }));
  return file;
}

/** Number of "[i/N] …" lines: runs whose record was saved (the CLI prints the line after the save). */
export function savedRunLines(stderr: string): number {
  return stderr.split("\n").filter((l) => /^\[\s*\d+\/\d+\] /.test(l)).length;
}

/** True when the CLI printed a JavaScript stack trace (an error that was not reported as a message). */
export function hasStackTrace(stderr: string): boolean {
  return /\n\s+at .+[(:]\d+/.test(stderr);
}

/** Parse a results file, or undefined when it does not exist; fails the test when it exists and does not parse. */
export function parsedOrAbsent(file: string): ResultsFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return readResults(file);
  } catch (e) {
    throw new Error(`${file} exists but is not a valid results file (${(e as Error).message}): data loss`);
  }
}

/** Leftovers beside a results file: temp files, lock, takeover mutexes. */
export function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /\.tmp-\d+|\.lock($|\.)/.test(n));
}

/** Runs of `before` are all in `after`, unchanged. */
export function expectRunsKept(before: ResultsFile, after: ResultsFile): void {
  for (const r of before.runs) expect(after.runs.find((x) => x.id === r.id)).toEqual(r);
}

/** Pids of processes that have exited (and been reaped): owners of stale locks. */
export function deadPids(n: number): number[] {
  const pids: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    pids.push(Number(r.stdout));
  }
  return pids;
}

/** The files a scenario starts with (absent when undefined). */
export interface Before {
  results?: Buffer;
  bak?: Buffer;
}

/** Lay out a scenario: a fresh folder with the spec and the `before` files. */
export function layout(tag: string, before: Before, d?: number[]): { dir: string; spec: string; out: string } {
  const dir = scratch(tag);
  const spec = writeSpec(dir, d);
  const out = path.join(dir, "r.json");
  if (before.results) fs.writeFileSync(out, before.results);
  if (before.bak) fs.writeFileSync(`${out}.bak`, before.bak);
  return { dir, spec, out };
}

export interface Verdict {
  /** The sweep finished every run (exit 0). */
  completed: boolean;
  /** The error line (`mflab: …`), when it stopped. */
  message?: string;
}

/**
 * The checks every starved or faulted sweep ends with. Exit 0 with all runs, or exit 1 with one `mflab: <file>: …`
 * line naming the cause (`cause`, e.g. /EFBIG/) — never a stack trace. The results file is never truncated: before
 * the sweep's first save it is byte for byte the previous one (or absent); after, it parses and holds every
 * previous run unchanged plus exactly the runs reported finished. `.bak` is the old `.bak` or the previous file,
 * byte for byte. No temp file, lock or takeover mutex is left behind.
 */
export function verdict(
  r: ChildResult,
  where: { dir: string; out: string },
  before: Before,
  cause: RegExp,
  options: { startsOver?: boolean } = {},
): Verdict {
  const { dir, out } = where;
  const context = `exit ${r.code} ${r.signal ?? ""}\n${r.stderr}`;
  expect(hasStackTrace(r.stderr), context).toBe(false);
  const started = /^sweep: /m.test(r.stderr);
  const saved = savedRunLines(r.stderr);
  const now = parsedOrAbsent(out);
  // A sweep that starts over (--fresh, a file of another version) keeps none of the previous runs in r.json.
  const previous = before.results && !options.startsOver ? parseResults(before.results.toString("utf8")) : undefined;
  if (!started) {
    if (before.results) expect(fs.readFileSync(out).equals(before.results), `${out} changed before any save\n${context}`).toBe(true);
    else expect(now, context).toBeUndefined();
  } else {
    expect(now, context).toBeDefined();
    if (previous) expectRunsKept(previous, now!);
    expect(now!.runs.length, context).toBe((previous ? previous.runs.length : 0) + saved);
  }
  const bak = fs.existsSync(`${out}.bak`) ? fs.readFileSync(`${out}.bak`) : undefined;
  if (bak) parsedOrAbsent(`${out}.bak`);
  for (const n of fs.readdirSync(dir).filter((n) => /^r\.json\.bak-/.test(n))) {
    expect(before.results && fs.readFileSync(path.join(dir, n)).equals(before.results), `${n} is not the previous file\n${context}`).toBe(true);
  }
  const bakOk =
    (bak === undefined && before.bak === undefined) ||
    (bak !== undefined && ((before.bak && bak.equals(before.bak)) || (before.results && bak.equals(before.results))));
  expect(bakOk, `.bak is neither the old .bak nor the previous results\n${context}`).toBe(true);
  if (started && previous) expect(bak?.equals(before.results!), context).toBe(true); // kept before the first rewrite
  expect(leftovers(dir), context).toEqual([]);
  if (r.code === 0) {
    expect(now!.runs.length, context).toBe(Math.max(SPEC_RUNS, previous?.runs.length ?? 0));
    return { completed: true };
  }
  expect(r.code, context).toBe(1);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("mflab: "));
  expect(lines, context).toHaveLength(1);
  const message = lines[0];
  expect(message.startsWith(`mflab: ${out}: `), context).toBe(true);
  expect(message, context).toMatch(cause);
  return { completed: false, message };
}

/** Results files to start scenarios from: `prev` (4 of the 6 runs) and an older `bak` (2 runs). */
export async function startingFiles(): Promise<{ prev: Buffer; bak: Buffer }> {
  const { runSweep } = await import("../../src/experiment/runner");
  const { validateSpec } = await import("../../src/experiment/spec");
  const dir = scratch("start");
  await runSweep(validateSpec({ ...SPEC, grid: { ...SPEC.grid, d: [1] } }), { out: path.join(dir, "b.json") });
  await runSweep(validateSpec({ ...SPEC, grid: { ...SPEC.grid, d: [1, 2] } }), { out: path.join(dir, "p.json") });
  return { prev: fs.readFileSync(path.join(dir, "p.json")), bak: fs.readFileSync(path.join(dir, "b.json")) };
}
