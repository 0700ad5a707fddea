/**
 * A full disk, for real: `mflab sweep` processes under a file-size limit (`ulimit -f`: Node ignores SIGXFSZ, so a
 * write past the limit returns a short count and the next one fails with EFBIG) and on a small tmpfs (ENOSPC),
 * starting with no results file, with one (4 of the 6 runs, so the sweep resumes and keeps a `.bak`), and with one
 * and an older `.bak`. Whatever the limit, the sweep either finishes or stops with exit 1 and a message naming the
 * file and the cause, and no file is ever truncated: see `verdict` in ./helpers.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { type Before, driverPath, layout, pool, rng, runDriver, scratch, startingFiles, verdict, writeSpec } from "./helpers";

let files: { prev: Buffer; bak: Buffer };

beforeAll(async () => {
  driverPath();
  files = await startingFiles();
});

const SCENARIOS: { name: string; before: () => Before }[] = [
  { name: "no results file", before: () => ({}) },
  { name: "a results file to resume", before: () => ({ results: files.prev }) },
  { name: "a results file and an older .bak", before: () => ({ results: files.prev, bak: files.bak }) },
];

/**
 * 22 limits per scenario, in 512-byte blocks: 0 (not even the lock), 512 (256 KB: the whole sweep fits) and 20 drawn
 * from 1–64 (up to 32 KB: a 6-run results file with its per-run test buckets and histories is larger, so every write
 * step can be starved part-way).
 */
function limits(seed: number): number[] {
  const random = rng(seed);
  const pool = Array.from({ length: 64 }, (_, k) => k + 1);
  for (let k = pool.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [pool[k], pool[j]] = [pool[j], pool[k]];
  }
  return [0, ...pool.slice(0, 20).sort((a, b) => a - b), 512];
}

describe("disk full: ulimit -f (EFBIG)", () => {
  it("at 22 file-size limits × 3 starting states: finishes, or stops with the file and EFBIG named; nothing is lost", async () => {
    const cases = SCENARIOS.flatMap((s, k) => limits(1000 + k).map((blocks) => ({ scenario: s, blocks })));
    const outcomes = await pool(
      cases.map(({ scenario, blocks }) => async () => {
        const before = scenario.before();
        const where = layout("efbig", before);
        const r = await runDriver(["cli", "sweep", where.spec, "--out", where.out, "--workers", "1"], { ulimitBlocks: blocks, cwd: where.dir });
        const v = verdict(r, where, before, /\(EFBIG: file too large: the file-size limit \(ulimit -f\) was reached(\)$|, while )/);
        fs.rmSync(where.dir, { recursive: true, force: true });
        return { scenario: scenario.name, blocks, ...v };
      }),
    );
    const stopped = outcomes.filter((o) => !o.completed);
    // Every step that writes was starved at some limit: the lock, the .bak copy, the temp file of the results.
    const steps = new Set(
      stopped.map((o) =>
        /cannot take the lock/.test(o.message!)
          ? "lock"
          : /keep a copy as r\.json\.bak/.test(o.message!)
            ? ".bak"
            : /could not write results/.test(o.message!)
              ? "results"
              : o.message!,
      ),
    );
    expect([...steps].sort()).toEqual([".bak", "lock", "results"]);
    for (const s of SCENARIOS) expect(outcomes.some((o) => o.scenario === s.name && o.completed)).toBe(true);
    console.log(
      `chaos/disk-full: ulimit -f — ${outcomes.length} sweeps at ${new Set(cases.map((c) => c.blocks)).size} distinct limits (22 per starting state): ` +
        `${stopped.length} stopped with EFBIG (${[...steps].join(", ")}), ${outcomes.length - stopped.length} finished, data loss 0`,
    );
  }, 240_000);
});

/** Mount a tmpfs of `size` at a new folder; undefined (with the reason) when this machine does not allow it. */
function mountTmpfs(size: string): { dir: string } | { reason: string } {
  const dir = scratch("tmpfs");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { reason: (r.error?.message ?? r.stderr).trim() || `mount exited ${r.status}` };
  }
  return { dir };
}

describe("disk full: a small tmpfs (ENOSPC)", () => {
  it("with 0–6 free pages × 3 starting states: finishes, or stops with the file and ENOSPC named; nothing is lost", async (ctx) => {
    const mounted = mountTmpfs("256k");
    if ("reason" in mounted) {
      console.log(`chaos/disk-full: tmpfs test skipped — mounting is not allowed here (${mounted.reason}); run as root to include it`);
      ctx.skip(`cannot mount a tmpfs here: ${mounted.reason}`);
      return;
    }
    const mnt = mounted.dir;
    try {
      const outcomes: { free: number; completed: boolean; message?: string }[] = [];
      for (const scenario of SCENARIOS) {
        for (let freePages = 0; freePages <= 6; freePages++) {
          for (const name of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, name), { recursive: true, force: true });
          const before = scenario.before();
          const dir = path.join(mnt, "w");
          fs.mkdirSync(dir);
          const spec = writeSpec(mnt);
          const out = path.join(dir, "r.json");
          if (before.results) fs.writeFileSync(out, before.results);
          if (before.bak) fs.writeFileSync(`${out}.bak`, before.bak);
          // Fill the disk up to `freePages` free pages.
          const st = fs.statfsSync(mnt);
          const fillPages = Math.max(0, Number(st.bavail) - freePages);
          fs.writeFileSync(path.join(mnt, "filler"), Buffer.alloc(fillPages * Number(st.bsize)));
          const r = await runDriver(["cli", "sweep", spec, "--out", out, "--workers", "1"], { cwd: mnt });
          const v = verdict(r, { dir, out }, before, /\(ENOSPC: no space left on device(\)$|, while )/);
          outcomes.push({ free: freePages, ...v });
        }
      }
      const stopped = outcomes.filter((o) => !o.completed);
      expect(stopped.length).toBeGreaterThan(0);
      expect(stopped.some((o) => /ENOSPC/.test(o.message!))).toBe(true);
      console.log(
        `chaos/disk-full: tmpfs — ${outcomes.length} sweeps at 7 free-space sizes × 3 starting states: ${stopped.length} stopped with ENOSPC, ${outcomes.length - stopped.length} finished, data loss 0`,
      );
    } finally {
      spawnSync("umount", ["-l", mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  }, 120_000);
});
