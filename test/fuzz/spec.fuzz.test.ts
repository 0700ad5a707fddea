/**
 * Property-based tests of the experiment-spec validator (`validateSpec`) and the results-file reader
 * (`parseResults`) (issue 7, part 6): random JSON, random mutations of valid specs / results files, random text and
 * truncations. The only outcomes allowed: a validated value, or a typed error (SpecError / InputError) with a
 * non-empty message that names the file — never a TypeError, RangeError or other crash. Fixed seeds; 3,600 cases.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, SpecError } from "../../src/core/errors";
import { MAX_RUNS, validateSpec, type ExperimentSpec } from "../../src/experiment/spec";
import { parseResults } from "../../src/results/store";
import { runSweep } from "../../src/experiment/runner";
import { RESULTS_SCHEMA, type ResultsFile } from "../../src/results/schema";

const SEED = 7_000_607;
const FILE = "spec.json";
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-fuzz-spec-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Valid specs covering every data kind, single- and multi-model forms, folds and input policies. */
const TEMPLATES: Json[] = [
  {
    name: "als-grid",
    data: { kind: "synthetic", nUsers: 30, nItems: 20, nRatings: 200 },
    model: "als",
    params: { maxIterations: 2, stopping: "none" },
    grid: { d: [1, 2], lambda: [0, 1] },
    seed: 42,
    evaluation: { clip: false, history: true },
  },
  {
    name: "multi",
    description: "several models",
    data: { kind: "movielens-100k", path: "ml-100k", split: "u1", duplicates: "error", outOfScale: "clip" },
    folds: ["u1", "u2"],
    models: [{ model: "global-mean" }, { model: "svd", params: { d: 2 }, grid: { lr: [0.005, 0.01] } }, { model: "knn-basic" }],
    seed: 0,
  },
  {
    name: "files",
    data: {
      kind: "train-test",
      train: "a.csv",
      test: "b.csv",
      format: "csv",
      delimiter: ";",
      columns: { user: "u", item: "i", rating: "r" },
      ratingScale: [1, 5],
    },
    model: "slope-one",
  },
  {
    name: "one-file",
    data: { kind: "ratings-file", path: "r.csv", testFraction: 0.1, seed: 3, duplicates: "mean" },
    folds: 3,
    models: [{ model: "nmf", grid: { d: [2, 3] } }],
  },
];

/** Every path (list of keys / indices) to a value inside `v`, the root included. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, k) => out.push(...paths(x, [...prefix, k])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

type Mutation = { kind: "replace" | "delete" | "rename" | "insert" | "wrap"; pick: number; value: Json; key: string };

/** Apply one mutation at the path chosen by `pick` (modulo the number of paths). Returns a new value. */
function mutate(root: Json, m: Mutation): Json {
  const copy = structuredClone(root) as Json;
  const all = paths(copy);
  const p = all[m.pick % all.length];
  if (p.length === 0) return m.kind === "wrap" ? [copy] : m.kind === "replace" ? m.value : copy;
  let parent = copy as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = p[p.length - 1];
  switch (m.kind) {
    case "replace":
      parent[last] = m.value;
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case "rename":
      if (!Array.isArray(parent) && typeof last === "string") {
        const v = parent[last];
        delete parent[last];
        // A near-miss of the key (typo) or an arbitrary new one.
        parent[m.key.length > 0 ? m.key : last.slice(0, -1) || "x"] = v;
      }
      break;
    case "insert": {
      const target = parent[last];
      if (Array.isArray(target)) target.push(m.value);
      else if (target !== null && typeof target === "object") (target as Record<string, Json>)[m.key || "extra"] = m.value;
      else parent[last] = m.value;
      break;
    }
    case "wrap":
      parent[last] = [parent[last]];
      break;
  }
  return copy;
}

const jsonArb = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const keyArb = fc.oneof(
  fc.constantFrom("", "nme", "modle", "grd", "lamda", "kind", "seed", "__proto__", "constructor", "toString", "d", "lambda", "folds", "ratingScale"),
  fc.string({ maxLength: 8 }),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("replace", "replace", "delete", "rename", "insert", "wrap"),
  pick: fc.nat(),
  value: fc.oneof(jsonArb, fc.constantFrom<Json>(-1, 0, 1.5, 1e308, -0, "", "als", "u9", [], {}, [1, 2, 3], [5, 1], null, true, "NaN")),
  key: keyArb,
});

/** The error must be typed, messaged, and name the file. */
function checkError(e: unknown, file: string): void {
  if (!(e instanceof InputError)) throw e;
  expect(e.message.length).toBeGreaterThan(0);
  expect(e.message.startsWith(`${file}`)).toBe(true);
  if (e instanceof SpecError) {
    expect(typeof e.path).toBe("string");
    expect(e.reason.length).toBeGreaterThan(0);
    if (e.path) expect(e.message).toContain(e.path);
  }
}

const tally = { ok: 0, failed: 0 };

/** validateSpec: a spec that, validated again, gives itself; or a typed error. */
function specOutcome(raw: unknown): ExperimentSpec | undefined {
  let spec: ExperimentSpec;
  try {
    spec = validateSpec(raw, FILE);
  } catch (e) {
    checkError(e, FILE);
    tally.failed++;
    return undefined;
  }
  tally.ok++;
  expect(spec.models.length).toBeGreaterThan(0);
  expect(Number.isInteger(spec.seed)).toBe(true);
  // Normalisation is idempotent: the normalised spec is itself valid and normalises to itself.
  // (Compared as JSON text: the spec travels as JSON, where −0 and 0 are the same number.)
  expect(JSON.stringify(validateSpec(JSON.parse(JSON.stringify(spec)), FILE))).toBe(JSON.stringify(spec));
  return spec;
}

describe("validateSpec under fuzzing", () => {
  it("random JSON values: a spec or a SpecError naming the file", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        specOutcome(v);
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it("random JSON under every top-level key of a valid spec", () => {
    const keys = ["name", "description", "data", "folds", "model", "params", "grid", "seed", "evaluation", "models"];
    fc.assert(
      fc.property(fc.nat(TEMPLATES.length - 1), fc.constantFrom(...keys), jsonArb, (t, key, value) => {
        specOutcome({ ...(TEMPLATES[t] as object), [key]: value });
      }),
      { numRuns: 500, seed: SEED + 1 },
    );
  });

  it("random mutations of valid specs (replace / delete / rename / insert / wrap, 1–3 at a time)", () => {
    Object.assign(tally, { ok: 0, failed: 0 });
    fc.assert(
      fc.property(fc.nat(TEMPLATES.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (t, ms) => {
        specOutcome(ms.reduce((v, m) => mutate(v, m), TEMPLATES[t]));
      }),
      { numRuns: 1000, seed: SEED + 2 },
    );
    // Both outcomes are reached: the mutations are not all fatal.
    expect(tally.ok).toBeGreaterThanOrEqual(50);
    expect(tally.failed).toBeGreaterThanOrEqual(300);
  });

  it("edge cases: a grid far over the run limit is refused at once; deep nesting is a plain error", () => {
    const axis = Array.from({ length: 10 }, (_v, k) => k + 1);
    const huge = {
      name: "huge",
      data: { kind: "synthetic" },
      model: "als",
      grid: { d: axis, maxIterations: axis, seed: axis, lambda: axis, tol: axis, initScale: axis, biases: [true, false] },
    };
    const t0 = performance.now();
    const e = (() => {
      try {
        validateSpec(huge, FILE);
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(SpecError);
    expect(e!.message).toBe(`${FILE}: grid expands to 2000000 runs (more than ${MAX_RUNS})`);
    expect(performance.now() - t0).toBeLessThan(1000);
    let deep: Json = 1;
    for (let k = 0; k < 5000; k++) deep = [deep];
    specOutcome({ ...(TEMPLATES[0] as object), params: { d: deep } });
    specOutcome({ ...(TEMPLATES[0] as object), data: deep });
  });
});

describe("parseResults under fuzzing", () => {
  let valid: ResultsFile;
  let text: string;
  beforeAll(async () => {
    const spec = validateSpec({
      name: "fuzz-results",
      data: { kind: "synthetic", nUsers: 20, nItems: 15, nRatings: 120, seed: 1 },
      models: [
        { model: "global-mean" },
        { model: "als", params: { maxIterations: 2 }, grid: { d: [1, 2] } },
        { model: "svd", params: { lr: 1e4, d: 2 } },
      ],
    });
    const out = await runSweep(spec, { out: path.join(TMP, "r.json") });
    valid = out.results;
    text = fs.readFileSync(out.file, "utf8");
    expect(valid.runs.map((r) => r.status)).toEqual(["ok", "ok", "ok", "failed"]);
  });

  /** parseResults: a results object with the required shape, or a typed error naming the file. */
  function resultsOutcome(t: string): void {
    let r: ResultsFile;
    try {
      r = parseResults(t, "r.json");
    } catch (e) {
      checkError(e, "r.json");
      tally.failed++;
      return;
    }
    tally.ok++;
    expect(r.schema).toBe(RESULTS_SCHEMA);
    expect(Array.isArray(r.runs)).toBe(true);
    for (const run of r.runs) {
      expect(typeof run.id).toBe("string");
      expect(["ok", "failed"]).toContain(run.status);
      expect(typeof run.params.model).toBe("string");
    }
  }

  it("random text and random JSON: refused with a located message", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (t) => {
          resultsOutcome(t);
        },
      ),
      { numRuns: 400, seed: SEED + 3 },
    );
  });

  it("edge cases: deeply nested, huge-number and BOM-prefixed texts", () => {
    for (const t of [
      "[".repeat(100_000),
      "[".repeat(9_999) + "]".repeat(9_999),
      `{"runs":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
      "1e999",
      "\uFEFF",
      `\uFEFF${text}`,
      "\u0000",
    ]) {
      resultsOutcome(t);
    }
    expect(parseResults(`\uFEFF${text}`, "r.json").runs).toHaveLength(valid.runs.length);
  });

  it("a truncated results file is refused with file:line:column", () => {
    fc.assert(
      fc.property(fc.nat(), (cut) => {
        const t = text.slice(0, cut % (text.trimEnd().length - 1));
        let err: unknown;
        try {
          parseResults(t, "r.json");
        } catch (e) {
          err = e;
        }
        checkError(err, "r.json");
        expect((err as InputError).where).toMatch(/^r\.json:\d+:\d+$/);
      }),
      { numRuns: 200, seed: SEED + 4 },
    );
  });

  it("hand-edited top-level fields and run records: random JSON in place of any field", () => {
    const topKeys = ["schema", "experiment", "dataset", "env", "runs"];
    const runKeys = ["id", "params", "seed", "status", "error", "metrics", "iterations", "history", "fold", "startedAt"];
    fc.assert(
      fc.property(fc.boolean(), fc.nat(3), fc.constantFrom(...topKeys), fc.constantFrom(...runKeys), mutationArb, (top, k, topKey, runKey, m) => {
        const edited = structuredClone(valid) as unknown as Record<string, Json>;
        if (top) edited[topKey] = m.value;
        else ((edited.runs as Json[])[k] as Record<string, Json>)[runKey] = m.value;
        resultsOutcome(JSON.stringify(edited));
      }),
      { numRuns: 400, seed: SEED + 6 },
    );
  });

  it("hand-edited results files (random mutations of a real one): accepted or refused, never a crash", () => {
    Object.assign(tally, { ok: 0, failed: 0 });
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (ms) => {
        resultsOutcome(JSON.stringify(ms.reduce((v, m) => mutate(v, m), valid as unknown as Json)));
      }),
      { numRuns: 600, seed: SEED + 5 },
    );
    expect(tally.ok).toBeGreaterThanOrEqual(50);
    expect(tally.failed).toBeGreaterThanOrEqual(50);
  });
});
