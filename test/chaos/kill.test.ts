/**
 * kill -9 at seeded points of a real `mflab sweep`: the sequence of file-system calls of each scenario is recorded
 * once, then the sweep is run again and SIGKILLed at a drawn call — a write (also half-way through it), an fsync,
 * a rename, the `.bak` copy, the lock's creation or its takeover — in four starting states: no file; a file to
 * resume and an older `.bak`; the same with a stale lock of a dead pid; with an old half-written lock. After each
 * kill the results file parses (or is still the previous file, byte for byte) and holds every run finished
 * before; the same command then resumes to the end, keeps those runs unchanged and leaves nothing behind (orphan
 * temp files of the killed process, its lock and takeover mutexes are cleaned up).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseResults, readResults } from "../../src/results/store";
import {
  type Before,
  driverPath,
  expectRunsKept,
  layout,
  leftovers,
  parsedOrAbsent,
  pool,
  rng,
  runDriver,
  savedRunLines,
  SPEC_RUNS,
  startingFiles,
} from "./helpers";

let files: { prev: Buffer; bak: Buffer };

beforeAll(async () => {
  driverPath();
  files = await startingFiles();
});

const DEAD_PID = 4_100_000; // above any pid_max: never a live process
const staleLock = () =>
  `${JSON.stringify({ pid: DEAD_PID, host: os.hostname(), startedAt: "2020-01-01T00:00:00.000Z", token: "0123456789abcdef", pidStart: "1" })}\n`;

interface Scenario {
  name: string;
  before: () => Before;
  /** Plant a lock before the sweep starts. */
  lock?: () => { text: string; ageMs: number };
}

const SCENARIOS: Scenario[] = [
  { name: "no results file", before: () => ({}) },
  { name: "resume with an older .bak", before: () => ({ results: files.prev, bak: files.bak }) },
  {
    name: "resume, stale lock of a dead pid",
    before: () => ({ results: files.prev, bak: files.bak }),
    lock: () => ({ text: staleLock(), ageMs: 0 }),
  },
  {
    name: "resume, old half-written lock",
    before: () => ({ results: files.prev }),
    lock: () => ({ text: `{"pid":${DEAD_PID},"host":"`, ageMs: 60_000 }),
  },
];

const MUTATING = new Set(["openSync", "writeSync", "fsyncSync", "closeSync", "renameSync", "linkSync", "unlinkSync", "mkdirSync"]);
const KILLS_PER_SCENARIO = 8;

function prepare(s: Scenario): { dir: string; spec: string; out: string; before: Before } {
  const before = s.before();
  const where = layout("kill", before);
  if (s.lock) {
    const { text, ageMs } = s.lock();
    fs.writeFileSync(`${where.out}.lock`, text);
    if (ageMs > 0) {
      const t = (Date.now() - ageMs) / 1000;
      fs.utimesSync(`${where.out}.lock`, t, t);
    }
  }
  return { ...where, before };
}

/**
 * Draw kill points: 3 among the calls that take the lock (creation, takeover), 2 writes of the results or .bak
 * temp files, 2 renames, 1 among the other calls that change files (open, fsync, close, unlink, mkdir).
 */
function killPoints(trace: string[], seed: number): { call: number; mid: boolean; what: string }[] {
  const random = rng(seed);
  const mutating = trace.map((line, k) => ({ line, call: k + 1 })).filter(({ line }) => MUTATING.has(line.split(" ")[0]));
  const onLock = (line: string) => /\.lock/.test(line);
  const draw = (from: typeof mutating, n: number) => {
    const left = [...from];
    const out: typeof mutating = [];
    while (out.length < n && left.length > 0) out.push(left.splice(Math.floor(random() * left.length), 1)[0]);
    return out;
  };
  // The lock's acquisition (creation by link, or a takeover: its mutex, the rename over the stale lock, the mutex's
  // release) is everything on lock files before the first write of a results or .bak temp file.
  const firstWrite = mutating.find(({ line }) => !onLock(line) && /\.tmp-/.test(line))?.call ?? Infinity;
  const acquiring = mutating.filter(
    ({ line, call }) => call < firstWrite && onLock(line) && /^(writeSync|linkSync|renameSync|unlinkSync|openSync \S*\.tmp-)/.test(line),
  );
  // The rename over a stale lock (the takeover's one step) when there is one, and random others.
  const takeover = acquiring.filter(({ line }) => /^renameSync .* -> \S+\.lock$/.test(line));
  const points = [
    ...takeover,
    ...draw(
      acquiring.filter((p) => !takeover.includes(p)),
      3 - takeover.length,
    ),
    ...draw(
      mutating.filter(({ line }) => !onLock(line) && line.startsWith("writeSync")),
      2,
    ),
    ...draw(
      mutating.filter(({ line }) => !onLock(line) && line.startsWith("renameSync")),
      2,
    ),
    ...draw(
      mutating.filter(({ line }) => !onLock(line) && !/^(writeSync|renameSync) /.test(line)),
      1,
    ),
  ];
  return points.map(({ line, call }) => ({ call, mid: line.startsWith("writeSync") && random() < 0.5, what: line }));
}

describe("kill -9 at seeded points", () => {
  it(`${SCENARIOS.length} starting states × ${KILLS_PER_SCENARIO} kill points: the file always parses and keeps every finished run; the next run resumes and cleans up`, async () => {
    const kinds = new Map<string, number>();
    let kills = 0;
    for (const [k, scenario] of SCENARIOS.entries()) {
      // The sequence of file-system calls of this scenario, run to its end.
      const first = prepare(scenario);
      const traceFile = path.join(first.dir, "..", `${path.basename(first.dir)}.trace`);
      const clean = await runDriver(["cli", "sweep", first.spec, "--out", first.out, "--workers", "1"], { trace: traceFile, cwd: first.dir });
      expect(clean.code, clean.stderr).toBe(0);
      const trace = fs.readFileSync(traceFile, "utf8").trim().split("\n");
      fs.rmSync(traceFile);
      fs.rmSync(first.dir, { recursive: true, force: true });

      const points = killPoints(trace, 2000 + k);
      await pool(
        points.map((point) => async () => {
          const w = prepare(scenario);
          const context = `${scenario.name}: kill at call ${point.call}${point.mid ? " (half-way)" : ""}: ${point.what}`;
          const killed = await runDriver(["cli", "sweep", w.spec, "--out", w.out, "--workers", "1"], { killAt: point, cwd: w.dir });
          expect(killed.signal, `${context}\n${killed.stderr}`).toBe("SIGKILL");
          // The call killed at is the one drawn from the trace (the sequence is deterministic).
          const at = /^chaos: killed (?:at|half-way through) (\S+) (.*)$/m.exec(killed.stderr);
          expect(at?.[1], context).toBe(point.what.split(" ")[0]);
          const kind = `${at![1]}${point.mid ? " (half-way)" : ""}${/\.lock/.test(at![2]) ? " on the lock" : /\.bak/.test(at![2]) ? " on the .bak" : ""}`;
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);

          // Right after the kill: the file is the previous one, or a valid file with every finished run.
          const previous = w.before.results ? parseResults(w.before.results.toString("utf8")) : undefined;
          const now = parsedOrAbsent(w.out);
          const saved = savedRunLines(killed.stderr);
          if (!/^sweep: /m.test(killed.stderr)) {
            // Killed before the "start" line: the previous file (or none), or — killed right after the first save —
            // a valid file with exactly the previous runs.
            if (previous) {
              expect(now, context).toBeDefined();
              if (!fs.readFileSync(w.out).equals(w.before.results!)) {
                expectRunsKept(previous, now!);
                expect(now!.runs.length, context).toBe(previous.runs.length);
              }
            } else if (now) {
              expect(now.runs.length, context).toBe(0);
            }
          } else {
            expect(now, context).toBeDefined();
            if (previous) expectRunsKept(previous, now!);
            const expected = (previous?.runs.length ?? 0) + saved;
            expect(now!.runs.length, context).toBeGreaterThanOrEqual(expected);
            expect(now!.runs.length, context).toBeLessThanOrEqual(expected + 1); // saved, killed before its line was printed
          }
          const bak = parsedOrAbsent(`${w.out}.bak`);
          if (bak && w.before.bak && !fs.readFileSync(`${w.out}.bak`).equals(w.before.bak))
            expect(fs.readFileSync(`${w.out}.bak`).equals(w.before.results!), context).toBe(true);

          // The same command again: resumes, keeps every run, cleans up after the killed process.
          const resumed = await runDriver(["cli", "sweep", w.spec, "--out", w.out, "--workers", "1"], { cwd: w.dir });
          expect(resumed.code, `${context}\n${resumed.stderr}`).toBe(0);
          const after = readResults(w.out);
          expect(after.runs, context).toHaveLength(SPEC_RUNS);
          if (now) expectRunsKept(now, after);
          expect(leftovers(w.dir), context).toEqual([]);
          fs.rmSync(w.dir, { recursive: true, force: true });
        }),
      );
      kills += points.length;
    }
    console.log(
      `chaos/kill: ${kills} kill -9 points (${[...kinds.entries()].map(([k, n]) => `${n} ${k}`).join(", ")}), results file always valid, every finished run kept, data loss 0`,
    );
  }, 240_000);
});
