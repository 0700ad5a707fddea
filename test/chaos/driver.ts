/**
 * The process that the chaos tests start, starve, kill and race (bundled with the current src/ by helpers.ts).
 *
 *   driver cli <mflab args…>          the mflab CLI (src/cli/main.ts), exiting like bin/mflab.js (a stack trace
 *                                     for an error that is not an InputError)
 *   driver race <dir> <rounds> <seed> the lock race loop (see raceLoop)
 *
 * Faults: MFLAB_CHAOS_FAULTS (JSON list of helpers.ts `Fault`) patches Node's `fs` after every module is loaded:
 * the nth matching call of an operation kills the process (SIGKILL, also half-way through a write), throws an
 * errno error, writes short, or writes other bytes than asked. MFLAB_CHAOS_TRACE=<file> records every patched call
 * (operation and path) and writes the list at exit, so the tests can pick kill points from a real sequence;
 * MFLAB_CHAOS_KILL_AT=<n> kills the process at the nth patched call (MFLAB_CHAOS_KILL_MID=1: half-way through it
 * when it is a write). The sequence of calls is the same on every run of the same scenario.
 */
import * as path from "node:path";
import { main } from "../../src/cli/main";
import { InputError } from "../../src/core/errors";
import { acquireLock } from "../../src/results/lock";
import { processAlive } from "../../src/results/atomic";
import type { Fault } from "./helpers";
import { rng } from "./seeded";

// The module object itself (not an import namespace): patching it is seen by every `import * as fs` of src/.
const fs = require("node:fs") as typeof import("node:fs");

const original = {
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  readFileSync: fs.readFileSync,
  renameSync: fs.renameSync,
  linkSync: fs.linkSync,
  unlinkSync: fs.unlinkSync,
  mkdirSync: fs.mkdirSync,
  writeFileSync: fs.writeFileSync,
};
type Op = keyof typeof original;

const fdPaths = new Map<number, string>();
const trace: string[] = [];
const counts = new Map<Fault, number>();
let faults: Fault[] = [];
/** The race loop arms this to kill itself at the nth patched call of one acquisition. */
let killAtCall = Number(process.env.MFLAB_CHAOS_KILL_AT ?? 0);
/** With MFLAB_CHAOS_KILL_AT on a write: write half of the bytes first. */
const killMid = process.env.MFLAB_CHAOS_KILL_MID === "1";
let calls = 0;

function errnoError(code: string, op: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${op} '${p}'`), { code, syscall: op, path: p });
}

function describe(op: Op, args: unknown[]): string {
  const a0 = args[0];
  if (op === "renameSync" || op === "linkSync") return `${String(a0)} -> ${String(args[1])}`;
  if (typeof a0 === "number") return fdPaths.get(a0) ?? `fd ${a0}`;
  return String(a0);
}

function kill(): never {
  process.kill(process.pid, "SIGKILL");
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

function patch(op: Op): void {
  const real = original[op] as (...a: unknown[]) => unknown;
  (fs as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
    const where = describe(op, args);
    if (trace.length < 100_000 && process.env.MFLAB_CHAOS_TRACE) trace.push(`${op} ${where}`);
    calls++;
    if (killAtCall > 0 && calls === killAtCall) {
      if (killMid && op === "writeSync") {
        const [fd, buf, off = 0, len] = args as [number, Uint8Array, number | undefined, number | undefined];
        const length = typeof len === "number" ? len : buf.length - off;
        process.stderr.write(`chaos: killed half-way through ${op} ${where}\n`);
        real(fd, buf, off, Math.max(1, Math.floor(length / 2)));
      } else {
        process.stderr.write(`chaos: killed at ${op} ${where}\n`);
      }
      kill();
    }
    for (const f of faults) {
      if (f.op !== op || (f.match !== undefined && !where.includes(f.match))) continue;
      const n = (counts.get(f) ?? 0) + 1;
      counts.set(f, n);
      if (n !== f.nth) continue;
      const [fd, buf, off = 0, len] = args as [number, Uint8Array, number | undefined, number | undefined];
      const length = op !== "writeSync" ? 0 : typeof len === "number" ? len : buf.length - off;
      switch (f.action) {
        case "kill":
          return kill();
        case "kill-mid":
          real(fd, buf, off, Math.max(1, Math.floor(length / 2)));
          return kill();
        case "errno":
          throw errnoError(f.errno ?? "EIO", op, where);
        case "short":
          return real(fd, buf, off, Math.max(1, Math.floor(length / 2)));
        case "zero":
          return 0;
        case "corrupt": {
          const bad = Buffer.from(buf.subarray(off, off + length));
          bad[Math.floor(bad.length / 2)] ^= 0x20;
          real(fd, bad, 0, bad.length);
          return length;
        }
      }
    }
    const result = real(...args);
    if (op === "openSync" && typeof result === "number") fdPaths.set(result, String(args[0]));
    if (op === "closeSync") fdPaths.delete(args[0] as number);
    return result;
  };
}

function installFaults(): void {
  faults = process.env.MFLAB_CHAOS_FAULTS ? (JSON.parse(process.env.MFLAB_CHAOS_FAULTS) as Fault[]) : [];
  for (const op of Object.keys(original) as Op[]) if (op !== "writeFileSync") patch(op);
  const traceFile = process.env.MFLAB_CHAOS_TRACE;
  if (traceFile) process.on("exit", () => original.writeFileSync(traceFile, `${trace.join("\n")}\n`));
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The lock race: `rounds` times acquire the lock of `<dir>/r.json` (retrying while it is busy), then create the
 * marker `<dir>/held` with O_EXCL — an EEXIST there while the marker's creator is alive is a double acquisition —,
 * check the lock, remove the marker, and leave the lock in one of several states: released; replaced by a stale
 * record of a dead pid (as if killed); by an empty or half-written file, old (past the grace period) or fresh. A
 * seeded few rounds kill the process with SIGKILL at a random fs call inside the acquisition (so during a
 * takeover too) or while holding. Lines on stdout: R (round done), T (took over a stale lock), D (double
 * acquisition), L (lost the lock while holding), K (about to be killed).
 */
function raceLoop(dir: string, rounds: number, seed: number): void {
  const random = rng(seed);
  const results = path.join(dir, "r.json");
  const lockFile = `${results}.lock`;
  const marker = path.join(dir, "held");
  const deadPid = 4_000_000 + Math.floor(random() * 100_000); // above pid_max (4194304 at most on Linux 64-bit): never alive
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const plant = (text: string, ageMs: number) => {
    const tmp = path.join(dir, `plant-${process.pid}`);
    original.writeFileSync(tmp, text);
    if (ageMs > 0) {
      const t = (Date.now() - ageMs) / 1000;
      fs.utimesSync(tmp, t, t);
    }
    original.renameSync(tmp, lockFile); // as the holder: the lock is replaced in one step, as a crash would leave it
  };
  for (let round = 0; round < rounds; round++) {
    const dieInAcquire = random() < 0.015;
    const dieHolding = !dieInAcquire && random() < 0.005;
    let lock: ReturnType<typeof acquireLock> | undefined;
    while (lock === undefined) {
      if (dieInAcquire) {
        killAtCall = calls + 1 + Math.floor(random() * 24);
        say(`K acquire ${killAtCall - calls}`);
      }
      try {
        lock = acquireLock(results, { partialGraceMs: 100, waitMs: 30_000 });
      } catch (e) {
        if (!(e instanceof InputError) || !/being written by another|taking over|incomplete/.test(e.message)) throw e;
        sleepMs(random() < 0.5 ? 0 : 1);
      } finally {
        killAtCall = 0;
      }
    }
    if (lock.replaced) say("T");
    for (;;) {
      try {
        const fd = original.openSync(marker, "wx");
        original.writeSync(fd, String(process.pid));
        original.closeSync(fd);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        let owner = 0;
        try {
          owner = Number(original.readFileSync(marker, "utf8"));
        } catch {
          continue; // removed meanwhile
        }
        if (owner !== 0 && processAlive(owner)) {
          say(`D ${process.pid} ${owner}`);
          break;
        }
        // left by a holder that was killed (or is mid-write): remove and retry
        try {
          original.unlinkSync(marker);
        } catch {
          /* gone */
        }
      }
    }
    if (dieHolding) {
      say("K holding");
      kill();
    }
    // Hold for a moment (0–0.3 ms of work), check, leave.
    const until = performance.now() + random() * 0.3;
    while (performance.now() < until) {
      /* hold */
    }
    try {
      lock.check();
    } catch {
      say(`L ${process.pid}`);
    }
    try {
      original.unlinkSync(marker);
    } catch {
      /* removed by a double holder: counted already */
    }
    const leave = random();
    const startedAt = new Date().toISOString();
    if (leave < 0.08) {
      plant(`${JSON.stringify({ pid: deadPid, host: require("node:os").hostname(), startedAt, token: "dead", pidStart: "1" })}\n`, 0);
    } else if (leave < 0.12) {
      plant("", 60_000); // empty, old
    } else if (leave < 0.15) {
      plant(`{"pid":${deadPid},"host":"`, 60_000); // half-written, old
    } else if (leave < 0.17) {
      plant(random() < 0.5 ? "" : `{"pid":${process.pid},"ho`, 0); // empty or half-written, fresh: others must wait
    }
    lock.release(); // a no-op after a plant (the lock no longer holds this record), but drops the exit listener
    say("R");
  }
}

installFaults();
const [mode, ...rest] = process.argv.slice(2);
if (mode === "cli") {
  main(rest).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e && (e as Error).stack ? (e as Error).stack : e);
      process.exit(1);
    },
  );
} else if (mode === "race") {
  raceLoop(rest[0], Number(rest[1]), Number(rest[2]));
  process.exit(0);
} else {
  console.error(`driver: unknown mode ${mode}`);
  process.exit(2);
}
