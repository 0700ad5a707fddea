/**
 * One vocabulary: a d × λ grid sits beside several models, every run's params hold `d` and `lambda`, the reference
 * libraries' names are aliases stored under the canonical name (in specs, configs and old results files), and the
 * README's alias table lists exactly the aliases mflab accepts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { VOCABULARY, aliasesOf, canonicalParams } from "../../src/core/vocabulary";
import { expandSpec, seedLabel, validateSpec } from "../../src/experiment/spec";
import { runSweep } from "../../src/experiment/runner";
import { allModels, getModel } from "../../src/models/registry";
import { parseResults } from "../../src/results/store";

const RANKED = ["als", "svd", "sgd-mf", "gd-mf", "svdpp", "nmf", "nmf-zero-filled"];
const small = { kind: "synthetic", nUsers: 40, nItems: 30, nRatings: 500, seed: 3 };

describe("one vocabulary across models", () => {
  it("every model with a rank takes d, every regularised one lambda, one iteration cap and one learning rate", () => {
    for (const name of RANKED) {
      const fields = Object.keys(getModel(name)!.params.props);
      expect(fields, name).toContain("d");
      expect(fields, name).toContain("lambda");
      expect(fields, name).toContain("maxIterations");
    }
    for (const def of allModels()) {
      const fields = Object.keys(def.params.props);
      for (const old of ["nFactors", "nComponents", "nEpochs", "epochs", "iterations", "maxIter", "lrAll", "regAll", "alphaW", "reg"]) {
        expect(fields, `${def.name} still declares ${old}`).not.toContain(old);
      }
    }
  });

  it("one spec sweeps d × lambda over seven models; every run records params.d and params.lambda", async () => {
    const spec = validateSpec({
      name: "vocab",
      data: small,
      models: RANKED.map((model) => ({
        model,
        params: model === "svdpp" || model === "svd" || model === "sgd-mf" ? { maxIterations: 2 } : { maxIterations: 3 },
        grid: { d: [2, 3], lambda: [0.05, 0.5] },
      })),
      evaluation: { history: false },
    });
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mflab-vocab-")), "r.json");
    const { results } = await runSweep(spec, { out });
    expect(results.runs).toHaveLength(RANKED.length * 4);
    for (const r of results.runs) {
      expect(r.status, `${r.params.model}: ${r.error}`).toBe("ok");
      expect([2, 3]).toContain(r.params.d);
      expect([0.05, 0.5]).toContain(r.params.lambda);
    }
    expect(new Set(results.runs.map((r) => r.params.model))).toEqual(new Set(RANKED));
  });

  it("aliases in a spec are stored under the canonical name and give the same runs and seeds", () => {
    const canonical = validateSpec({ name: "a", data: small, model: "svd", params: { d: 4, maxIterations: 2 }, grid: { lambda: [0.1], lr: [0.01] } });
    const aliased = validateSpec({
      name: "a",
      data: small,
      model: "svd",
      params: { n_factors: 4, nEpochs: 2 },
      grid: { reg_all: [0.1], lrAll: [0.01] },
    });
    expect(aliased.models).toEqual(canonical.models);
    expect(expandSpec(aliased)).toEqual(expandSpec(canonical));
    expect(() => validateSpec({ name: "a", data: small, model: "svd", params: { d: 4, nFactors: 4 } })).toThrow(
      "params.nFactors and params.d both set d: give it once",
    );
    expect(() => validateSpec({ name: "a", data: small, model: "svd", params: { nFactors: 4 }, grid: { d: [2] } })).toThrow(
      "grid.d is also fixed in params.d: give it in one place only",
    );
  });

  it("seeds live in [0, 2³²): a larger seed is refused, not taken mod 2³²", () => {
    expect(() => validateSpec({ name: "a", data: small, model: "als", seed: 2 ** 32 })).toThrow("seed must be ≤ 4294967295, got 4294967296");
    expect(() => validateSpec({ name: "a", data: small, model: "als", params: { seed: 2 ** 32 } })).toThrow(
      "params.seed must be ≤ 4294967295, got 4294967296",
    );
    expect(() => validateSpec({ name: "a", data: { ...small, seed: -1 }, model: "als" })).toThrow("data.seed must be ≥ 0, got -1");
  });

  it("performance-only options (threads) never enter a run's seed", () => {
    expect(seedLabel("als", { d: 5, threads: 2 })).toBe(seedLabel("als", { d: 5 }));
    expect(seedLabel("als", { d: 5, threads: 1 })).toBe(seedLabel("als", { d: 5 }));
    expect(seedLabel("als", { d: 5 })).not.toBe(seedLabel("als", { d: 6 }));
  });

  it("old results files read with today's names (aliases applied on read)", () => {
    expect(canonicalParams({ model: "svd", nFactors: 5, nEpochs: 3, lrAll: 0.01, regAll: 0.1, regBu: null })).toEqual({
      model: "svd",
      d: 5,
      maxIterations: 3,
      lr: 0.01,
      lambda: 0.1,
      lambdaBu: null,
    });
    const old = {
      schema: "mflab.results/1",
      experiment: { name: "old", spec: {} },
      dataset: { name: "x", source: "s", fingerprint: "f", nUsers: 2, nItems: 2, nTrain: 3, nTest: 1, ratingScale: [1, 5] },
      env: { mflab: "0.2.0", node: "v20", platform: "linux", cpu: "c", gitCommit: null, gitDirty: null, startedAt: "t", updatedAt: "t" },
      runs: [
        {
          id: "abc",
          params: { model: "nmf-zero-filled", nComponents: 15, maxIter: 200, alphaW: 0, alphaH: "same" },
          seed: 1,
          status: "ok",
          metrics: { test: { mse: 1, rmse: 1, mae: null } },
          startedAt: "t",
          finishedAt: "t",
        },
      ],
    };
    const r = parseResults(JSON.stringify(old), "old.json").runs[0];
    expect(r.params).toEqual({ model: "nmf-zero-filled", d: 15, maxIterations: 200, lambda: 0, lambdaH: "same" });
    expect(Number.isNaN(r.metrics?.test?.mae)).toBe(true);
  });

  it("the README's alias table lists exactly the accepted aliases", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Parameter names and their aliases"));
    const lines = section.split("\n");
    const start = lines.findIndex((l) => l.startsWith("| name"));
    const end = lines.findIndex((l, k) => k > start && !l.startsWith("|"));
    const rows = lines.slice(start + 2, end);
    const table = new Map(
      rows.map((l) => {
        const cells = l.split("|").map((c) => c.trim());
        return [
          cells[1].replace(/`/g, ""),
          cells[3]
            .split(",")
            .map((a) => a.trim().replace(/`/g, ""))
            .filter(Boolean),
        ] as [string, string[]];
      }),
    );
    expect([...table.keys()]).toEqual(VOCABULARY.map((e) => e.name));
    for (const e of VOCABULARY) expect(table.get(e.name), e.name).toEqual([...aliasesOf(e.name)]);
  });
});
