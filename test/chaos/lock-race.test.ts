/**
 * The lock under a race: four long-lived processes loop acquire → create a marker file with O_EXCL (an EEXIST
 * while the marker's creator lives is a double acquisition) → check → release, and some rounds leave the lock as a
 * crash would — a stale record of a dead pid, an empty or half-written file (old, or fresh: then the others must
 * wait out the grace period rather than take it) — or kill the process (SIGKILL) at a seeded call inside the
 * acquisition (so also in the middle of a takeover) or while holding. Killed processes are replaced until the
 * rounds are done. Every random choice comes from a seed; nothing here depends on timing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/results/lock";
import { driverPath, runDriver, scratch } from "./helpers";

beforeAll(() => {
  driverPath();
});

const PROCESSES = 4;
const ROUNDS = 1200;
const ROUNDS_PER_PROCESS = 150;

describe("lock race", () => {
  it(`${PROCESSES} processes, ≥ ${ROUNDS} rounds with stale, empty and half-written locks and kills: never two holders`, async () => {
    const dir = scratch("race");
    let rounds = 0;
    let takeovers = 0;
    let kills = 0;
    let processes = 0;
    const doubles: string[] = [];
    const lost: string[] = [];
    const slot = async (k: number) => {
      let seed = 7000 + 100 * k;
      while (rounds < ROUNDS) {
        processes++;
        const r = await runDriver(["race", dir, String(ROUNDS_PER_PROCESS), String(seed++)]);
        const lines = r.stdout.split("\n");
        rounds += lines.filter((l) => l === "R").length;
        takeovers += lines.filter((l) => l === "T").length;
        doubles.push(...lines.filter((l) => l.startsWith("D ")));
        lost.push(...lines.filter((l) => l.startsWith("L ")));
        if (r.signal === "SIGKILL") {
          kills++;
          expect(
            lines.some((l) => l.startsWith("K ")),
            r.stderr,
          ).toBe(true); // only the kills it chose
        } else {
          expect(r.code, r.stderr).toBe(0);
        }
      }
    };
    await Promise.all(Array.from({ length: PROCESSES }, (_, k) => slot(k)));
    expect(doubles).toEqual([]);
    expect(lost).toEqual([]);
    expect(rounds).toBeGreaterThanOrEqual(ROUNDS);
    expect(takeovers).toBeGreaterThan(ROUNDS / 20); // the stale paths were exercised, not only free locks
    expect(kills).toBeGreaterThan(0);

    // Whatever the race left (a stale lock, takeover mutexes and temp files of killed processes) is cleaned by the
    // next owner.
    const lock = acquireLock(path.join(dir, "r.json"), { partialGraceMs: 100 });
    lock.release();
    expect(fs.readdirSync(dir).filter((n) => /\.tmp-|takeover/.test(n))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(
      `chaos/lock-race: ${rounds} rounds in ${processes} processes (${PROCESSES} at a time), ${takeovers} stale or half-written locks taken over, ` +
        `${kills} processes killed mid-acquisition or holding, double acquisitions 0, lost locks 0`,
    );
  }, 240_000);
});
