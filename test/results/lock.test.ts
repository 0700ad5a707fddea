/**
 * The lock protocol step by step (src/results/lock.ts), in this process: what counts as stale and what never does,
 * takeovers (also of a takeover mutex left by a killed taker), the owner's re-check before each rewrite, and the
 * leftovers removed once the lock is held. The race of many processes is test/chaos/lock-race.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../../src/results/lock";
import { runSweep } from "../../src/experiment/runner";
import { validateSpec } from "../../src/experiment/spec";
import { readResults } from "../../src/results/store";

const DEAD = 4_100_000; // above any pid_max: never alive
const host = os.hostname();

function setup(): { dir: string; file: string; lock: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-lock-"));
  const file = path.join(dir, "r.json");
  return { dir, file, lock: `${file}.lock` };
}

function record(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ host, startedAt: "2020-01-01T00:00:00.000Z", ...fields })}\n`;
}

function age(file: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  fs.utimesSync(file, t, t);
}

/** The generation of a lock file, as lock.ts names its takeover mutex. */
function generation(file: string): string {
  return `${fs.statSync(file).ino.toString(36)}-${createHash("sha256").update(fs.readFileSync(file)).digest("hex").slice(0, 12)}`;
}

describe("acquireLock", () => {
  it("creates a complete record (pid, host, token) and removes it on release", () => {
    const { dir, file, lock } = setup();
    const held = acquireLock(file);
    const rec = JSON.parse(fs.readFileSync(lock, "utf8"));
    expect(rec).toMatchObject({ pid: process.pid, host });
    expect(rec.token).toMatch(/^[0-9a-f]{16}$/);
    expect(fs.readFileSync(lock, "utf8").endsWith("\n")).toBe(true);
    held.check(); // holds it
    held.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("refuses while the owner lives (also this very process), naming the pid", () => {
    const { file } = setup();
    const held = acquireLock(file);
    expect(() => acquireLock(file)).toThrow(new RegExp(`r\\.json: is being written by another mflab sweep \\(pid ${process.pid}, started `));
    held.release();
  });

  it("takes over the lock of a dead pid, and of a reused pid (its /proc start time differs)", () => {
    for (const pid of [DEAD, process.pid]) {
      const { dir, file, lock } = setup();
      fs.writeFileSync(lock, record({ pid, token: "old", pidStart: "1" }));
      const held = acquireLock(file);
      expect(held.replaced).toMatchObject({ pid, token: "old" });
      expect(JSON.parse(fs.readFileSync(lock, "utf8")).token).not.toBe("old");
      expect(fs.readdirSync(dir)).toEqual(["r.json.lock"]); // no takeover mutex or temp file left
      held.release();
    }
  });

  it("never takes a lock of another host", () => {
    const { file, lock } = setup();
    fs.writeFileSync(lock, record({ host: "elsewhere", pid: DEAD }));
    expect(() => acquireLock(file)).toThrow(/r\.json: is locked by a sweep on host elsewhere \(pid 4100000, /);
  });

  it("an empty or half-written lock younger than the grace period is not stale: refused, left untouched", () => {
    for (const text of ["", `{"pid":${DEAD},"host":"`, record({ pid: DEAD }).trimEnd()]) {
      const { file, lock } = setup();
      fs.writeFileSync(lock, text);
      expect(() => acquireLock(file, { partialGraceMs: 60_000, waitMs: 50 })).toThrow(
        /the lock \S+r\.json\.lock is incomplete and less than 60 s old: another sweep may be starting/,
      );
      expect(fs.readFileSync(lock, "utf8")).toBe(text);
    }
  });

  it("waits for a half-written lock to be completed by its writer, then sees the live owner", async () => {
    const { file, lock } = setup();
    // A writer of the old protocol: O_EXCL create, a pause, then the record; it stays alive until stdin closes.
    const script = `const fs=require("fs");const fd=fs.openSync(${JSON.stringify(lock)},"wx");process.stdout.write("created\\n");
      setTimeout(()=>{fs.writeSync(fd,JSON.stringify({pid:process.pid,host:require("os").hostname(),startedAt:"now"})+"\\n");fs.closeSync(fd);process.stdout.write("written\\n")},300);
      process.stdin.on("data",()=>{});process.stdin.on("end",()=>process.exit(0));`;
    const writer = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((resolve) => writer.stdout!.on("data", (d) => String(d).includes("created") && resolve()));
    // The grace period (60 s) is far longer than the writer's pause: the lock is never judged stale meanwhile.
    expect(() => acquireLock(file, { partialGraceMs: 60_000 })).toThrow(new RegExp(`is being written by another mflab sweep \\(pid ${writer.pid}, `));
    writer.stdin!.end();
    await new Promise((r) => writer.on("exit", r));
  });

  it("takes over an empty or half-written lock once it is older than the grace period", () => {
    for (const text of ["", `{"pid":${DEAD},"host":"`]) {
      const { file, lock } = setup();
      fs.writeFileSync(lock, text);
      age(lock, 10_000);
      const held = acquireLock(file, { partialGraceMs: 5_000 });
      expect(held.replaced).toEqual({});
      held.release();
    }
  });

  it("takes over when a killed taker left its takeover mutex (one level deeper)", () => {
    const { dir, file, lock } = setup();
    fs.writeFileSync(lock, record({ pid: DEAD, token: "stale" }));
    const mutex = `${lock}.takeover-${generation(lock)}`;
    fs.writeFileSync(mutex, record({ pid: DEAD + 1, token: "killed-taker" }));
    const held = acquireLock(file);
    expect(held.replaced).toMatchObject({ token: "stale" });
    expect(fs.readdirSync(dir)).toEqual(["r.json.lock"]);
    held.release();
  });

  it("waits for a live taker's takeover, and gives up at the deadline without touching the lock", () => {
    const { file, lock } = setup();
    const stale = record({ pid: DEAD, token: "stale" });
    fs.writeFileSync(lock, stale);
    fs.writeFileSync(`${lock}.takeover-${generation(lock)}`, record({ pid: process.ppid, token: "live-taker" }));
    expect(() => acquireLock(file, { waitMs: 100 })).toThrow(
      new RegExp(`another mflab sweep \\(pid ${process.ppid}\\) is taking over the stale lock`),
    );
    expect(fs.readFileSync(lock, "utf8")).toBe(stale);
  });

  it("check() fails once the lock no longer holds the owner's record; release then leaves the other record alone", () => {
    const { file, lock } = setup();
    const held = acquireLock(file);
    const other = record({ pid: process.ppid, token: "other" });
    fs.writeFileSync(lock, other);
    expect(() => held.check()).toThrow(
      new RegExp(`r\\.json: lost its lock \\S+r\\.json\\.lock \\(it now names pid ${process.ppid} on ${host}\\); stopped without writing`),
    );
    held.release();
    expect(fs.readFileSync(lock, "utf8")).toBe(other);
    fs.unlinkSync(lock);
    expect(() => held.check()).toThrow(/lost its lock \S+ \(the lock file was removed\)/);
  });

  it("once held, removes temp files of dead processes and old takeover mutexes; keeps those of live ones", () => {
    const { dir, file } = setup();
    const names = {
      dead: [
        `.r.json.tmp-${DEAD}`,
        `.r.json.bak.tmp-${DEAD}`,
        `.r.json.lock.tmp-${DEAD}-0123abcd`,
        `.r.json.bak-0.2.0-2020.tmp-${DEAD}-link`,
        "r.json.lock.takeover-1a-abc",
        "r.json.lock.takeover-1a-abc.takeover-2b-def",
      ],
      kept: [`.r.json.tmp-${process.ppid}`, `.other.json.tmp-${DEAD}`, "r.json.bak", "notes.txt"],
    };
    for (const n of [...names.dead, ...names.kept]) fs.writeFileSync(path.join(dir, n), "x");
    const held = acquireLock(file);
    expect(fs.readdirSync(dir).sort()).toEqual([...names.kept, "r.json.lock"].sort());
    held.release();
  });
});

describe("a sweep that loses its lock", () => {
  it("stops before its next rewrite, and the file keeps every run finished before", async () => {
    const { file, lock } = setup();
    const spec = validateSpec({
      name: "lost",
      data: { kind: "synthetic", nUsers: 40, nItems: 50, nRatings: 600, seed: 1 },
      model: "als",
      params: { maxIterations: 3, stopping: "none" },
      grid: { d: [1, 2, 3], lambda: [1] },
      seed: 5,
    });
    let finished = 0;
    const attempt = runSweep(spec, {
      out: file,
      onProgress: (e) => {
        if (e.type !== "run-end") return;
        finished++;
        if (finished === 2) fs.writeFileSync(lock, record({ pid: process.ppid, token: "thief" })); // taken by hand
      },
    });
    await expect(attempt).rejects.toThrow(
      new RegExp(`r\\.json: lost its lock \\S+r\\.json\\.lock \\(it now names pid ${process.ppid} on ${host}\\); stopped without writing`),
    );
    expect(readResults(file).runs).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(lock, "utf8")).token).toBe("thief"); // the other owner's lock is left alone
  });
});
