/**
 * Resource guards before work starts: a run whose estimated memory is above the budget is recorded failed with the
 * estimate (it is never started), a rank larger than the matrix is pointed out, more workers than cores are capped,
 * and synthetic data too large to hold is refused before anything is generated.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/experiment/runner";
import type { SweepProgress } from "../../src/experiment/progress";
import { formatBytes, parseBytes, runMemoryBytes } from "../../src/experiment/resources";
import { validateSpec } from "../../src/experiment/spec";
import { getModel } from "../../src/models/registry";

const small = { kind: "synthetic" as const, nUsers: 50, nItems: 40, nRatings: 600, seed: 1 };

function out(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mflab-resources-")), "r.json");
}

describe("resource guards", () => {
  it("parses and prints sizes", () => {
    expect(parseBytes("512M")).toBe(512 * 1024 ** 2);
    expect(parseBytes("8G")).toBe(8 * 1024 ** 3);
    expect(parseBytes("1.5GB")).toBe(1.5 * 1024 ** 3);
    expect(parseBytes("2e9")).toBe(2e9);
    expect(() => parseBytes("lots")).toThrow('--memory-budget: must be a size such as 512M, 8G or a number of bytes, got "lots"');
    expect(formatBytes(3.2 * 1024 ** 3)).toBe("3.2 GB");
  });

  it("the ALS estimate grows with d² (its Gram systems) and with the data", () => {
    const als = getModel("als")!;
    const shape = { nUsers: 50, nItems: 40, nnz: 480 };
    const at = (d: number) => runMemoryBytes(als, als.config({ d }), shape, 120);
    expect(at(20000)).toBeGreaterThan(3 * 20000 * 20000 * 8); // 3 k×k systems of doubles
    expect(at(20000) / at(200)).toBeGreaterThan(1000);
  });

  it("a run above the budget is recorded failed with its estimate, without being started; the others run", async () => {
    const spec = validateSpec({ name: "big", data: small, model: "als", params: { maxIterations: 1 }, grid: { d: [2, 20000] } });
    const events: SweepProgress[] = [];
    const t0 = performance.now();
    const { results } = await runSweep(spec, { out: out(), memoryBudget: parseBytes("1G"), onProgress: (e) => events.push(e) });
    expect(performance.now() - t0).toBeLessThan(60_000); // never a 4 GB, minutes-long attempt (generous bound)
    const byD = new Map(results.runs.map((r) => [r.params.d, r]));
    expect(byD.get(2)?.status).toBe("ok");
    expect(byD.get(20000)?.status).toBe("failed");
    expect(byD.get(20000)?.error).toMatch(/^needs about [\d.]+ GB of memory .* more than the budget of 1\.0 GB per run \(the memory budget given\)/);
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings).toContain(
      "als with d = 20000 is larger than the smaller side of the matrix (40 items): factors beyond 40 cannot be determined by the data (and cost time and memory)",
    );
  });

  it("more workers than cores are capped, with a warning; the numbers are those of one worker", async () => {
    const spec = validateSpec({ name: "w", data: small, model: "als", params: { maxIterations: 2 }, grid: { d: [2, 3] } });
    const events: SweepProgress[] = [];
    const many = await runSweep(spec, { out: out(), workers: 64, onProgress: (e) => events.push(e) });
    const cores = os.availableParallelism();
    expect(
      events.some(
        (e) => e.type === "warning" && e.message === `64 workers capped at the ${cores} cores of this machine (more would only compete for them)`,
      ),
    ).toBe(true);
    const one = await runSweep(spec, { out: out(), workers: 1 });
    expect(many.results.runs.map((r) => r.metrics)).toEqual(one.results.runs.map((r) => r.metrics));
  });

  it("synthetic data too large to hold is refused before anything is generated", async () => {
    const spec = validateSpec({
      name: "huge",
      data: { kind: "synthetic", nUsers: 1_000_000, nItems: 1_000_000, nRatings: 1e12 },
      model: "global-mean",
    });
    const t0 = performance.now();
    await expect(runSweep(spec, { out: out() })).rejects.toThrow(
      /^data\.nRatings = 1000000000000 would need about [\d.]+ TB of memory to generate and hold/,
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
