import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors";
import { compareSweeps, comparisonKey, filterRuns, groupRuns, loadResults, runsIn, sourceOf } from "../../src/results/query";
import { bestRun } from "../../src/results/summary";
import { writeResults } from "../../src/results/store";
import type { ResultsFile } from "../../src/results/schema";
import { cellMetrics, DS, fixtureResults, LAMBDAS } from "../report/fixture";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-query-"));
  writeResults(path.join(dir, "b-sweep.json"), fixtureResults({ name: "b" }));
  writeResults(path.join(dir, "a-sweep.json"), fixtureResults({ name: "a", folds: ["u1", "u2"], failed: true }));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "not-results" }));
  fs.writeFileSync(path.join(dir, "broken.json"), '{"schema": "mflab.results/1",\n  "runs": [1, }');
  fs.writeFileSync(path.join(dir, "notes.txt"), "not json at all");
  fs.writeFileSync(path.join(dir, ".hidden.json"), "{}");
  fs.mkdirSync(path.join(dir, "sub"));
  writeResults(path.join(dir, "sub", "c.json"), fixtureResults({ name: "c" }));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("loadResults", () => {
  it("loads every results file of a folder (sorted by name) and records why other .json files were skipped", () => {
    const set = loadResults(dir);
    expect(set.files.map((f) => path.basename(f.file))).toEqual(["a-sweep.json", "b-sweep.json"]);
    expect(set.files.map((f) => f.results.experiment.name)).toEqual(["a", "b"]);
    // a: 9 configurations × 2 folds + 1 failed; b: 9
    expect(set.runs).toHaveLength(9 * 2 + 1 + 9);
    expect(set.skipped.map((s) => path.basename(s.file))).toEqual(["broken.json", "package.json"]);
    const [broken, pkg] = set.skipped;
    expect(broken.reason).toMatch(/^line 2, column \d+: not valid JSON/);
    expect(pkg.reason).toMatch(/"schema" is missing, expected "mflab\.results\/1"/);
  });

  it("descends into sub-folders only when asked", () => {
    expect(loadResults(dir, { recursive: true }).files.map((f) => f.results.experiment.name)).toEqual(["a", "b", "c"]);
  });

  it("takes a list of files and folders, loading a file named twice once", () => {
    const b = path.join(dir, "b-sweep.json");
    const set = loadResults([b, path.join(dir, "sub"), b, dir]);
    expect(set.files.map((f) => f.results.experiment.name)).toEqual(["b", "c", "a"]);
  });

  it("throws for a named file that is not a results file, a missing path, and explains globs", () => {
    expect(() => loadResults(path.join(dir, "package.json"))).toThrow(InputError);
    expect(() => loadResults(path.join(dir, "package.json"))).toThrow(/package\.json: "schema" is missing/);
    expect(() => loadResults(path.join(dir, "nope.json"))).toThrow(/nope\.json: no such file or folder$/);
    expect(() => loadResults(path.join(dir, "*.json"))).toThrow(/glob patterns are not expanded/);
  });

  it("tells which file a run came from", () => {
    const set = loadResults(dir);
    const run = set.runs[set.runs.length - 1];
    expect(path.basename(sourceOf(set, run)!.file)).toBe("b-sweep.json");
    expect(sourceOf(set, { ...run })).toBeUndefined(); // by identity, not by value
  });
});

describe("filterRuns", () => {
  const r = fixtureResults({ folds: ["u1", "u2"], failed: true });

  it("matches params partially, by value (canonical JSON), a list of values or a predicate", () => {
    const d2 = filterRuns(r, { params: { d: 2 } });
    expect(d2).toHaveLength(LAMBDAS.length * 2);
    expect(d2.every((x) => x.params.d === 2)).toBe(true);
    expect(filterRuns(r, { params: { d: 2, lambda: 4 }, fold: "u2" }).map((x) => x.id)).toEqual(["r-d2-l4-u2"]);
    expect(filterRuns(r, { params: { lambda: (v: unknown) => (v as number) >= 2 } })).toHaveLength(DS.length * 2 * 2);
    expect(filterRuns(r, { params: { nonexistent: 1 } })).toEqual([]);
    expect(filterRuns(r, { fold: ["u1", "u2"] })).toHaveLength(18);
    expect(filterRuns(r, { fold: null }).map((x) => x.id)).toEqual(["r-failed"]);
  });

  it("filters by status and model; returns the file's own objects", () => {
    const failed = filterRuns(r, { status: "failed" });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBe(r.runs[r.runs.length - 1]);
    expect(filterRuns(r, { model: "als", status: "ok" })).toHaveLength(18);
    expect(filterRuns(r, { model: ["svd"] })).toEqual([]);
  });

  it("accepts a predicate that sees the results file, and checks experiment/dataset on sets", () => {
    const set = loadResults(dir);
    expect(filterRuns(set, { experiment: "b" })).toHaveLength(9);
    expect(filterRuns(set, (run, results) => results?.experiment.name === "a" && run.fold === "u1")).toHaveLength(9);
    expect(filterRuns(set, { dataset: "fixture-data", status: "failed" })).toHaveLength(1);
    expect(() => filterRuns(r.runs, { experiment: "a" })).toThrow(/need a results file or a loaded set/);
  });

  it("feeds bestRun (summary.ts): the lowest test MSE among d=5 runs is λ=2 (hand-computed 1.105)", () => {
    const best = bestRun(filterRuns(fixtureResults(), { params: { d: 5 } }), "test.mse")!;
    expect(best.params.lambda).toBe(2);
    expect(best.metrics!.test!.mse).toBeCloseTo(0.85 + 0.02 * 9 + 0 + (0.03 * 5) / 2, 12);
  });
});

describe("groupRuns", () => {
  it("groups by a parameter, keyed by the value itself, in first-seen order", () => {
    const g = groupRuns(fixtureResults(), "lambda");
    expect([...g.keys()]).toEqual([1, 2, 4]);
    expect(g.get(2)!.map((r) => r.params.d)).toEqual([1, 2, 5]);
  });

  it("'config' puts the folds of a configuration together; 'fold' and functions work too", () => {
    const r = fixtureResults({ folds: ["u1", "u2", "u3"] });
    const byConfig = groupRuns(r, "config");
    expect(byConfig.size).toBe(9);
    for (const runs of byConfig.values()) expect(runs.map((x) => x.fold)).toEqual(["u1", "u2", "u3"]);
    expect([...groupRuns(r, "fold").keys()]).toEqual(["u1", "u2", "u3"]);
    const bySize = groupRuns(r, (run) => ((run.params.d as number) > 1 ? "large" : "small"));
    expect(bySize.get("small")).toHaveLength(9);
    expect(bySize.get("large")).toHaveLength(18);
  });

  it("groups a loaded set by experiment and by file", () => {
    const set = loadResults(dir);
    const g = groupRuns(set, "experiment");
    expect([...g.keys()]).toEqual(["a", "b"]);
    expect(g.get("b")).toHaveLength(9);
    expect(groupRuns(set, "file").size).toBe(2);
    expect(runsIn(set)).toHaveLength(set.runs.length);
  });
});

describe("compareSweeps", () => {
  function variant(): ResultsFile {
    const b = fixtureResults({ name: "b" });
    // d=2, λ=2 got worse by 0.05; d=5, λ=4 is gone; a new configuration d=3, λ=1 appears
    b.runs.find((r) => r.params.d === 2 && r.params.lambda === 2)!.metrics!.test!.mse += 0.05;
    b.runs = b.runs.filter((r) => !(r.params.d === 5 && r.params.lambda === 4));
    b.runs.push({ ...b.runs[0], id: "new", params: { ...b.runs[0].params, d: 3 } });
    return b;
  }

  it("pairs configurations (params incl. seed + fold) and reports b − a, and what is only in one sweep", () => {
    const a = fixtureResults({ name: "a" });
    const cmp = compareSweeps(a, variant(), { metric: "test.mse" });
    expect(cmp.sameDataset).toBe(true);
    expect(cmp.matched).toHaveLength(8);
    const changed = cmp.matched.find((m) => m.params.d === 2 && m.params.lambda === 2)!;
    expect(changed.a).toBeCloseTo(0.88, 12);
    expect(changed.b).toBeCloseTo(0.93, 12);
    expect(changed.diff).toBeCloseTo(0.05, 12);
    expect(changed.relDiff).toBeCloseTo(0.05 / 0.88, 12);
    for (const m of cmp.matched) if (m !== changed) expect(m.diff).toBe(0);
    expect(cmp.meanDiff).toBeCloseTo(0.05 / 8, 12);
    expect(cmp.onlyInA.map((o) => [o.params.d, o.params.lambda])).toEqual([[5, 4]]);
    expect(cmp.onlyInA[0].value).toBeCloseTo(cellMetrics(5, 4).test.mse, 12);
    expect(cmp.onlyInB.map((o) => [o.params.d, o.params.lambda])).toEqual([[3, 1]]);
  });

  it("says when the datasets differ, and matches across seeds only with ignoreSeed", () => {
    const a = fixtureResults();
    const b = fixtureResults({ fingerprint: "ffffffffffffffff" });
    for (const r of b.runs) {
      r.seed += 1;
      r.params.seed = r.seed;
    }
    const strict = compareSweeps(a, b);
    expect(strict.sameDataset).toBe(false);
    expect(strict.datasetB.fingerprint).toBe("ffffffffffffffff");
    expect(strict.matched).toHaveLength(0);
    expect(strict.onlyInA).toHaveLength(9);
    expect(Number.isNaN(strict.meanDiff)).toBe(true);
    const loose = compareSweeps(a, b, { ignoreSeed: true, metric: "test.mae" });
    expect(loose.matched).toHaveLength(9);
    expect(loose.matched[0].a).toBeCloseTo(cellMetrics(1, 1).test.mae, 12);
  });

  it("keeps folds apart, uses NaN for a failed side, and rejects unknown metrics", () => {
    const a = fixtureResults({ folds: ["u1", "u2"] });
    const b = fixtureResults({ folds: ["u1"] });
    const cmp = compareSweeps(a, b);
    expect(cmp.matched).toHaveLength(9);
    expect(cmp.matched.every((m) => m.fold === "u1")).toBe(true);
    expect(cmp.onlyInA.every((m) => m.fold === "u2")).toBe(true);
    expect(comparisonKey(a.runs[0])).not.toBe(comparisonKey(a.runs[1]));

    const c = fixtureResults();
    c.runs[0] = { ...c.runs[0], status: "failed", error: "x", metrics: undefined };
    const withFail = compareSweeps(fixtureResults(), c);
    expect(Number.isNaN(withFail.matched[0].b)).toBe(true);
    expect(withFail.meanDiff).toBe(0);
    expect(() => compareSweeps(a, b, { metric: "test.r2" as never })).toThrow(/metric must be/);
  });
});
