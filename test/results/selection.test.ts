import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { chooseConfiguration, selectConfiguration, validationDataset } from "../../src/results/selection";
import { loadDataset } from "../../src/data/load";
import { bestRun } from "../../src/results/summary";

const spec = {
  name: "sel",
  data: { kind: "synthetic", nUsers: 80, nItems: 120, nRatings: 3000, seed: 4 },
  model: "als",
  params: { maxIterations: 4, stopping: "none" },
  grid: { d: [1, 4, 8], lambda: [0.5, 4] },
  seed: 2,
};

describe("model selection without the test set", () => {
  it("carves validation from training only, chooses on it, and reports the choice's test metric", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-sel-"));
    const ds = loadDataset(spec.data as never);
    const val = validationDataset(ds, 0.25, 1);
    expect(val.train.nnz + val.test.nnz).toBe(ds.train.nnz);
    expect(val.test.nnz).toBe(Math.round(ds.train.nnz * 0.25));
    const testPairs = new Set(Array.from(ds.test.users, (u, k) => `${u},${ds.test.items[k]}`));
    expect(Array.from(val.test.users).some((u, k) => testPairs.has(`${u},${val.test.items[k]}`))).toBe(false);

    const main = (await runSweep(validateSpec(spec), { out: path.join(dir, "m.json"), dataset: ds })).results;
    const validation = (await runSweep(validateSpec(spec), { out: path.join(dir, "v.json"), dataset: val })).results;
    const s = selectConfiguration(validation, main);
    expect(s.chosen).toBe(bestRun(validation, "test.mse"));
    expect([s.chosenInMain.params.d, s.chosenInMain.params.lambda]).toEqual([s.chosen.params.d, s.chosen.params.lambda]);
    expect(s.byTest).toBe(bestRun(main, "test.mse"));

    const warnings: string[] = [];
    expect(chooseConfiguration(main, { validation, warn: (m) => warnings.push(m) })).toEqual(s);
    expect(warnings).toEqual([]);
    const onTest = chooseConfiguration(main, { warn: (m) => warnings.push(m) });
    expect(onTest.chosen).toBe(bestRun(main, "test.mse"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/choosing the configuration of "sel" by its test MSE: the reported test error of the choice is optimistic/);
  });
});
