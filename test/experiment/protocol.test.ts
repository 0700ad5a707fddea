/**
 * Protocol guards: a run is scored on a test set, so a run without test ratings is recorded "failed" with the
 * reason (never "ok" with empty metrics), for the rating and the ranking task.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/load";
import { RatingsMatrix } from "../../src/data/ratings";
import { runSweep } from "../../src/experiment/runner";
import { validateSpec } from "../../src/experiment/spec";

const data = { kind: "synthetic" as const, nUsers: 30, nItems: 20, nRatings: 300, seed: 2 };

function out(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mflab-protocol-")), "r.json");
}

describe("a run needs test ratings", () => {
  it("an empty test set makes every run failed with the reason (rating task)", async () => {
    const ds = loadDataset(data);
    const empty = new RatingsMatrix(ds.train.nUsers, ds.train.nItems, new Int32Array(0), new Int32Array(0), new Float64Array(0));
    const spec = validateSpec({ name: "p", data, model: "global-mean" });
    const { results, failed } = await runSweep(spec, { out: out(), dataset: { ...ds, test: empty } });
    expect(failed).toBe(1);
    expect(results.runs[0].status).toBe("failed");
    expect(results.runs[0].error).toMatch(/^the test set of .* has no ratings, so there is nothing to score/);
    expect(results.runs[0].metrics).toBeUndefined();
  });

  it("a ranking sweep whose test ratings are all below the threshold fails each run with the reason", async () => {
    const spec = validateSpec({ name: "p", data, model: "popularity", evaluation: { task: "ranking", threshold: 99 } });
    const { results } = await runSweep(spec, { out: out() });
    expect(results.runs[0].status).toBe("failed");
    expect(results.runs[0].error).toMatch(/no test rating of .* is ≥ 99 \(the ranking threshold\)/);
  });
});
