/**
 * Every step of the write path failing, in real `mflab sweep` processes whose `fs` calls fail on cue (driver.ts):
 * ENOSPC, EDQUOT, EFBIG, EIO, EACCES at the temp write, its fsync, its read-back, its rename, the `.bak` copy,
 * the backup of a file of another mflab version and of `--fresh`, and the lock; plus a write that silently
 * writes other bytes (caught by the read-back) and short writes (looped to completion). Each ends as `verdict`
 * (./helpers.ts) requires: exit 1 with the file and the cause named and nothing lost, or a complete file.
 */
import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type Before, driverPath, type Fault, layout, pool, runDriver, startingFiles, verdict } from "./helpers";

let files: { prev: Buffer; bak: Buffer; otherVersion: Buffer };

beforeAll(async () => {
  driverPath();
  const f = await startingFiles();
  const old = JSON.parse(f.prev.toString("utf8"));
  old.env.mflab = "0.0.1";
  files = { ...f, otherVersion: Buffer.from(`${JSON.stringify(old, null, 1)}\n`) };
});

interface Case {
  name: string;
  before: () => Before;
  faults: Fault[];
  args?: string[];
  /** What the message must say (cause and step), or "complete" when the sweep must finish. */
  expect: RegExp | "complete";
}

const TMP = ".r.json.tmp-";
const BAK_TMP = ".r.json.bak.tmp-";
const none = () => ({});
const resume = () => ({ results: files.prev, bak: files.bak });

const CASES: Case[] = [
  ...(["ENOSPC", "EDQUOT", "EFBIG", "EIO"] as const).flatMap((errno) =>
    [1, 4].map((nth) => ({
      name: `${errno} in the temp write of save ${nth}`,
      before: nth === 1 ? resume : none,
      faults: [{ op: "writeSync", match: TMP, nth, action: "errno", errno }] as Fault[],
      expect: new RegExp(
        `could not write results \\(${errno}: [^,]+, while writing the temp file \\.r\\.json\\.tmp-\\d+ \\(0 of \\d+ bytes written\\)\\); the previous r\\.json is unchanged`,
      ),
    })),
  ),
  {
    name: "EIO in the fsync",
    before: resume,
    faults: [{ op: "fsyncSync", match: TMP, nth: 2, action: "errno", errno: "EIO" }],
    expect: /\(EIO: input\/output error, while syncing the temp file \.r\.json\.tmp-\d+ to disk\)/,
  },
  {
    name: "EIO in the close",
    before: none,
    faults: [{ op: "closeSync", match: TMP, nth: 3, action: "errno", errno: "EIO" }],
    expect: /\(EIO: input\/output error, while closing the temp file/,
  },
  {
    name: "EIO in the read-back",
    before: resume,
    faults: [{ op: "readFileSync", match: TMP, nth: 1, action: "errno", errno: "EIO" }],
    expect: /\(EIO: input\/output error, while reading back the temp file/,
  },
  {
    name: "a write that lands other bytes (read-back mismatch)",
    before: none,
    faults: [{ op: "writeSync", match: TMP, nth: 2, action: "corrupt" }],
    expect: /\(MISMATCH: the file read back differs from what was written, while reading back the temp file/,
  },
  {
    name: "a write of 0 bytes",
    before: resume,
    faults: [{ op: "writeSync", match: TMP, nth: 1, action: "zero" }],
    expect: /\(SHORT: the data could not be written in full, while writing the temp file \.r\.json\.tmp-\d+ \(0 of \d+ bytes written\)\)/,
  },
  {
    name: "short writes (looped to the end)",
    before: resume,
    faults: [1, 2, 3, 5].map((nth) => ({ op: "writeSync", match: TMP, nth, action: "short" }) as Fault),
    expect: "complete",
  },
  ...(["EACCES", "EIO", "ENOSPC"] as const).map((errno, k) => ({
    name: `${errno} in the rename`,
    before: k === 0 ? none : resume,
    faults: [{ op: "renameSync", match: TMP, nth: k + 1, action: "errno", errno }] as Fault[],
    expect: new RegExp(`\\(${errno}: [^,]+, while renaming the temp file \\.r\\.json\\.tmp-\\d+ to r\\.json\\)`),
  })),
  {
    name: "EACCES creating the temp file",
    before: resume,
    faults: [{ op: "openSync", match: TMP, nth: 1, action: "errno", errno: "EACCES" }],
    expect: /\(EACCES: permission denied, while creating the temp file/,
  },
  ...(["ENOSPC", "EFBIG", "EIO"] as const).map((errno) => ({
    name: `${errno} in the .bak copy`,
    before: resume,
    faults: [{ op: "writeSync", match: BAK_TMP, nth: 1, action: "errno", errno }] as Fault[],
    expect: new RegExp(
      `could not keep a copy as r\\.json\\.bak \\(${errno}: [^,]+, while writing the temp file \\.r\\.json\\.bak\\.tmp-\\d+ \\(0 of \\d+ bytes written\\)\\); r\\.json and any earlier r\\.json\\.bak are unchanged, and no run was started`,
    ),
  })),
  {
    name: "EIO in the rename of the .bak copy",
    before: resume,
    faults: [{ op: "renameSync", match: BAK_TMP, nth: 1, action: "errno", errno: "EIO" }],
    expect:
      /could not keep a copy as r\.json\.bak \(EIO: input\/output error, while renaming the temp file \.r\.json\.bak\.tmp-\d+ to r\.json\.bak\)/,
  },
  {
    name: "EIO linking aside a file of another version",
    before: () => ({ results: files.otherVersion }),
    faults: [{ op: "linkSync", match: "r.json -> ", nth: 1, action: "errno", errno: "EIO" }],
    expect: /could not keep a copy as r\.json\.bak-0\.0\.1-[\dTZ-]+ \(EIO: input\/output error, while linking r\.json to/,
  },
  {
    name: "no hard links, ENOSPC copying aside a file of another version",
    before: () => ({ results: files.otherVersion }),
    faults: [
      { op: "linkSync", match: "r.json -> ", nth: 1, action: "errno", errno: "EPERM" },
      { op: "writeSync", match: ".r.json.bak-0.0.1-", nth: 1, action: "errno", errno: "ENOSPC" },
    ],
    expect: /could not keep a copy as r\.json\.bak-0\.0\.1-[\dTZ-]+ \(ENOSPC: no space left on device, while writing the temp file/,
  },
  {
    name: "no hard links: --fresh copies the old file aside",
    before: resume,
    args: ["--fresh"],
    faults: [{ op: "linkSync", match: "r.json -> ", nth: 1, action: "errno", errno: "EPERM" }],
    expect: "complete",
  },
  {
    name: "EIO linking aside with --fresh",
    before: resume,
    args: ["--fresh"],
    faults: [{ op: "linkSync", match: "r.json -> ", nth: 1, action: "errno", errno: "EIO" }],
    expect: /could not keep a copy as r\.json\.bak-[\dTZ-]+ \(EIO: input\/output error, while linking r\.json to/,
  },
  {
    name: "EFBIG writing the lock",
    before: resume,
    faults: [{ op: "writeSync", match: ".r.json.lock.tmp-", nth: 1, action: "errno", errno: "EFBIG" }],
    expect: /cannot take the lock \S+r\.json\.lock \(EFBIG: file too large/,
  },
  {
    name: "EIO linking the lock",
    before: none,
    faults: [{ op: "linkSync", match: "r.json.lock", nth: 1, action: "errno", errno: "EIO" }],
    expect: /cannot take the lock \S+r\.json\.lock \(EIO: input\/output error\)/,
  },
];

describe("injected faults at every step of the write path", () => {
  it(`${CASES.length} faults: each stops the sweep with the file, the cause and the step named, and loses nothing`, async () => {
    const results = await pool(
      CASES.map((c) => async () => {
        const before = c.before();
        const where = layout("fault", before);
        const r = await runDriver(["cli", "sweep", where.spec, "--out", where.out, "--workers", "1", ...(c.args ?? [])], {
          faults: c.faults,
          cwd: where.dir,
        });
        const startsOver = c.args?.includes("--fresh") === true || before.results === files.otherVersion;
        const v = verdict(r, where, before, c.expect === "complete" ? /$^/ : c.expect, { startsOver });
        if (startsOver) {
          // The previous file is kept aside byte for byte (verdict checks the bytes of r.json.bak-*); where that
          // failed, r.json itself still is the previous file.
          const aside = fs.readdirSync(where.dir).filter((n) => /^r\.json\.bak-/.test(n));
          expect(aside.length, c.name).toBe(v.completed ? 1 : 0);
        }
        expect(v.completed, `${c.name}: ${v.message ?? "completed"}`).toBe(c.expect === "complete");
        fs.rmSync(where.dir, { recursive: true, force: true });
        return v;
      }),
    );
    console.log(
      `chaos/faults: ${results.length} injected faults (ENOSPC, EDQUOT, EFBIG, EIO, EACCES, short and corrupt writes) — ${results.filter((v) => !v.completed).length} stopped with the step and cause named, ${results.filter((v) => v.completed).length} completed as they should, data loss 0`,
    );
  }, 180_000);
});
