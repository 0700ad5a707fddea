/**
 * Orphan temp files: a sweep killed half-way through writing its results (or its `.bak`) leaves
 * `.r.json.tmp-<pid>` behind — never the results file itself half-written. The next sweep on that file removes
 * the temp files of processes that no longer exist, and keeps those of live processes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../../src/results/store";
import { driverPath, layout, runDriver, SPEC_RUNS, startingFiles } from "./helpers";

let files: { prev: Buffer; bak: Buffer };

beforeAll(async () => {
  driverPath();
  files = await startingFiles();
});

describe("orphan temp files", () => {
  it.each([
    { step: "the results", match: ".r.json.tmp-", nth: 3 },
    { step: "the .bak copy", match: ".r.json.bak.tmp-", nth: 1 },
  ])("a kill half-way through $step leaves an orphan; the next sweep removes it and keeps live ones", async ({ match, nth }) => {
    const where = layout("orphan", { results: files.prev });
    const args = ["cli", "sweep", where.spec, "--out", where.out, "--workers", "1"];
    const killed = await runDriver(args, { faults: [{ op: "writeSync", match, nth, action: "kill-mid" }], cwd: where.dir });
    expect(killed.signal).toBe("SIGKILL");
    const orphans = fs.readdirSync(where.dir).filter((n) => n.startsWith(match));
    expect(orphans).toHaveLength(1);
    const orphan = path.join(where.dir, orphans[0]);
    expect(() => JSON.parse(fs.readFileSync(orphan, "utf8"))).toThrow(); // half-written: only ever in the temp file
    expect(readResults(where.out).runs.length).toBeGreaterThanOrEqual(4); // the results file is whole

    // A temp file of a live process (this one) is not an orphan.
    const live = path.join(where.dir, `.r.json.tmp-${process.pid}`);
    fs.writeFileSync(live, "in progress");
    const next = await runDriver(args, { cwd: where.dir });
    expect(next.code, next.stderr).toBe(0);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(readResults(where.out).runs).toHaveLength(SPEC_RUNS);
    expect(fs.readdirSync(where.dir).sort()).toEqual([`.r.json.tmp-${process.pid}`, "r.json", "r.json.bak", "spec.json"]);
  });
});
