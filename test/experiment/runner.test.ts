import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { readResults } from "../../src/results/store";
import { RESULTS_SCHEMA } from "../../src/results/schema";
import { aggregateRuns, summaryTable } from "../../src/results/summary";
import { progressPrinter } from "../../src/experiment/progress";
import { MFLAB_VERSION } from "../../src/core/version";

const small = {
  name: "small",
  data: { kind: "synthetic", nUsers: 60, nItems: 80, nRatings: 1500, seed: 3 },
  model: "als",
  params: { maxIterations: 5, stopping: "none" },
  grid: { d: [1, 3], lambda: [0.5, 2] },
  seed: 11,
};

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "mflab-runner-"));
}

describe("runSweep", () => {
  it("writes one valid results file, updated after every run", async () => {
    const dir = tmpdir();
    const out = path.join(dir, "r.json");
    const seenCounts: number[] = [];
    const outcome = await runSweep(validateSpec(small), {
      out,
      onProgress: (e) => {
        if (e.type === "run-end") seenCounts.push(readResults(out).runs.length);
      },
    });
    expect(seenCounts).toEqual([1, 2, 3, 4]);
    const r = readResults(out);
    expect(r.schema).toBe(RESULTS_SCHEMA);
    expect(r.runs).toHaveLength(4);
    expect(outcome.ran).toBe(4);
    for (const run of r.runs) {
      expect(run.status).toBe("ok");
      expect(run.params.model).toBe("als");
      expect(run.iterations).toBe(5);
      expect(run.history!.iteration).toEqual([1, 2, 3, 4, 5]);
      expect(run.history!.testMse).toHaveLength(5);
      // The final history point is the model that was scored.
      expect(run.history!.testMse[4]).toBeCloseTo(run.metrics!.test!.mse, 12);
      expect(run.metrics!.train!.rmse).toBeCloseTo(Math.sqrt(run.metrics!.train!.mse), 12);
    }
    expect(r.dataset.nTrain + r.dataset.nTest).toBe(1500);
    expect(r.dataset.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(r.env.node).toBe(process.version);
  });

  it("creates the results folder when it does not exist (default results/<name>.json in a fresh project)", async () => {
    const dir = tmpdir();
    const outcome = await runSweep(validateSpec({ ...small, grid: { d: [1], lambda: [2] } }), { baseDir: dir });
    expect(outcome.file).toBe(path.join(dir, "results", "small.json"));
    expect(readResults(outcome.file).runs).toHaveLength(1);
    expect(fs.readdirSync(path.join(dir, "results"))).toEqual(["small.json"]); // the lock is gone
  });

  it("is reproducible: same spec + data + seed → identical numbers", async () => {
    const a = await runSweep(validateSpec(small), { out: path.join(tmpdir(), "a.json") });
    const b = await runSweep(validateSpec(small), { out: path.join(tmpdir(), "b.json") });
    const strip = (o: typeof a) => o.results.runs.map((r) => [r.id, r.seed, r.metrics, r.history?.trainLoss]);
    expect(strip(a)).toEqual(strip(b));
    const c = await runSweep(validateSpec({ ...small, seed: 12 }), { out: path.join(tmpdir(), "c.json") });
    expect(c.results.runs[0].metrics).not.toEqual(a.results.runs[0].metrics);
  });

  it("resumes: finished runs are reused, only new grid cells run", async () => {
    const out = path.join(tmpdir(), "r.json");
    await runSweep(validateSpec(small), { out });
    const before = readResults(out);
    const again = await runSweep(validateSpec(small), { out });
    expect(again.ran).toBe(0);
    expect(again.cached).toBe(4);
    expect(readResults(out).runs).toEqual(before.runs);
    const grown = await runSweep(validateSpec({ ...small, grid: { d: [1, 3], lambda: [0.5, 2, 8] } }), { out });
    expect(grown.ran).toBe(2);
    expect(grown.cached).toBe(4);
    const after = readResults(out);
    expect(after.runs).toHaveLength(6);
    for (const old of before.runs) expect(after.runs.find((r) => r.id === old.id)).toEqual(old);
  });

  it("refuses to overwrite a corrupted results file or one on other data", async () => {
    const dir = tmpdir();
    const out = path.join(dir, "r.json");
    fs.writeFileSync(out, '{"schema": "mflab.results/1", "runs": [');
    await expect(runSweep(validateSpec(small), { out })).rejects.toThrow(/r\.json:1:\d+: not valid JSON/);
    expect(fs.readFileSync(out, "utf8")).toBe('{"schema": "mflab.results/1", "runs": [');

    const other = path.join(dir, "o.json");
    await runSweep(validateSpec(small), { out: other });
    const otherData = { ...small, data: { ...small.data, seed: 4 } };
    await expect(runSweep(validateSpec(otherData), { out: other })).rejects.toThrow(/holds runs on different data/);
    const fresh = await runSweep(validateSpec(otherData), { out: other, fresh: true });
    expect(fresh.ran).toBe(4);
    expect(fs.readdirSync(dir).some((f) => f.startsWith("o.json.bak-"))).toBe(true);
  });
});

describe("results written by another mflab version", () => {
  it("are kept aside as a backup and the sweep starts over (no run of another version is reused or relabelled)", async () => {
    const dir = tmpdir();
    const out = path.join(dir, "v.json");
    await runSweep(validateSpec(small), { out });
    const written = JSON.parse(fs.readFileSync(out, "utf8"));
    written.env.mflab = "0.0.9";
    fs.writeFileSync(out, JSON.stringify(written));
    const starts: unknown[] = [];
    const lines: string[] = [];
    const printer = progressPrinter((t) => lines.push(t));
    const again = await runSweep(validateSpec(small), {
      out,
      onProgress: (e) => {
        if (e.type === "start") starts.push(e.setAside);
        printer(e);
      },
    });
    expect(again.ran).toBe(4);
    expect(again.cached).toBe(0);
    const backups = fs.readdirSync(dir).filter((f) => f.startsWith("v.json.bak-0.0.9-"));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(dir, backups[0]), "utf8"))).toEqual(written);
    expect(starts).toEqual([{ backup: path.join(dir, backups[0]), version: "0.0.9" }]);
    expect(lines[0]).toBe(
      `note: ${out} was written by mflab 0.0.9; its runs are not reused by mflab ${MFLAB_VERSION} — kept as ${path.join(dir, backups[0])}\n`,
    );
    const now = readResults(out);
    expect(now.env.mflab).toBe(MFLAB_VERSION);
    expect(now.runs).toHaveLength(4);
  });
});

describe("repeated-seed evaluation", () => {
  it("fits each configuration `repeats` times with derived seeds and aggregates mean/std over them", async () => {
    const out = path.join(tmpdir(), "rep.json");
    const spec = { ...small, grid: { d: [1, 3], lambda: [2] }, repeats: 3 };
    const outcome = await runSweep(validateSpec(spec), { out });
    const runs = readResults(out).runs;
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.repeat)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(new Set(runs.map((r) => r.seed)).size).toBe(6);
    // Repeat 0 has the seed a single run would have: raising `repeats` reuses finished runs.
    const single = await runSweep(validateSpec({ ...small, grid: { d: [1, 3], lambda: [2] } }), { out: path.join(tmpdir(), "one.json") });
    expect(single.results.runs.map((r) => r.seed)).toEqual([runs[0].seed, runs[3].seed]);
    const rows = aggregateRuns(outcome.results);
    expect(rows).toHaveLength(2);
    expect(rows[0].nFolds).toBe(3);
    const rmse = runs.slice(0, 3).map((r) => r.metrics!.test!.rmse);
    const mean = rmse.reduce((a, b) => a + b, 0) / 3;
    expect(rows[0].mean_test_rmse).toBeCloseTo(mean, 12);
    expect(rows[0].std_test_rmse).toBeCloseTo(Math.sqrt(rmse.reduce((a, v) => a + (v - mean) ** 2, 0) / 3), 12);
    expect(summaryTable(outcome.results)).toMatch(/mean ± std over one split × 3 seeds/);
    expect(() => validateSpec({ ...spec, repeats: 0 })).toThrow("repeats must be ≥ 1, got 0");
  });
});

describe("results files are never lost", () => {
  it("keeps a backup of the previous version before rewriting it on resume", async () => {
    const out = path.join(tmpdir(), "r.json");
    await runSweep(validateSpec(small), { out });
    const first = fs.readFileSync(out, "utf8");
    await runSweep(validateSpec({ ...small, grid: { d: [1, 3], lambda: [0.5, 2, 8] } }), { out });
    expect(fs.readFileSync(`${out}.bak`, "utf8")).toBe(first);
    expect(readResults(out).runs).toHaveLength(6);
  });

  it.each([1, 2])("a failing write stops the sweep with a clear error and leaves the last good file intact (workers %i)", async (workers) => {
    const dir = tmpdir();
    const out = path.join(dir, "r.json");
    let blocked = false;
    const attempt = runSweep(validateSpec(small), {
      out,
      workers,
      onProgress: (e) => {
        if (e.type !== "run-end" || blocked) return;
        blocked = true;
        if (process.getuid?.() === 0) {
          // root ignores directory permissions: make the temp file's path unusable instead (same code path).
          fs.mkdirSync(path.join(dir, `.r.json.tmp-${process.pid}`));
        } else {
          fs.chmodSync(dir, 0o555); // a read-only folder
        }
      },
    });
    await expect(attempt).rejects.toThrow(
      /r\.json: could not write results \((EISDIR|EACCES): .*, while (removing an old|creating the) temp file \.r\.json\.tmp-\d+\); the previous r\.json is unchanged/,
    );
    if (process.getuid?.() !== 0) fs.chmodSync(dir, 0o755);
    const kept = readResults(out);
    expect(kept.runs.length).toBeGreaterThanOrEqual(1); // runs finished before the failure are there, the file is valid
    expect(kept.runs.length).toBeLessThan(4);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
  });
});

describe("parallel runs vs parallel fits", () => {
  it("gives spare cores to the fits when fewer runs than cores remain, with identical numbers and run ids", async () => {
    const one = { ...small, grid: { d: [3], lambda: [1] } };
    const a = await runSweep(validateSpec(one), { out: path.join(tmpdir(), "a.json"), workers: 1 });
    const b = await runSweep(validateSpec(one), { out: path.join(tmpdir(), "b.json"), workers: 2 });
    expect(a.results.runs[0].threads).toBeUndefined();
    expect(b.results.runs[0].threads).toBe(2);
    expect(b.results.runs[0].id).toBe(a.results.runs[0].id);
    expect(b.results.runs[0].params).toEqual(a.results.runs[0].params);
    expect(b.results.runs[0].metrics).toEqual(a.results.runs[0].metrics);
    expect(b.results.runs[0].history!.trainLoss).toEqual(a.results.runs[0].history!.trainLoss);
    // Enough runs for every core: one thread per fit.
    const many = await runSweep(validateSpec(small), { out: path.join(tmpdir(), "c.json"), workers: 2 });
    expect(many.results.runs.every((r) => r.threads === undefined)).toBe(true);
  });
});
