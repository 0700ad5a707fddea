/**
 * Hand-edited results files through every reader of the command line — `summary`, `report`, `plot` and resuming
 * `sweep` — field by field: each field of a real results file replaced by a value of the wrong type, removed, or
 * joined by a prototype-named key. Every outcome is either success or one line naming the file and the JSON path
 * (exit 1); never an internal error, never a stack trace; a refused file is never rewritten.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-results-fuzz-"));
const SPEC = path.join(TMP, "spec.json");
const GOOD = path.join(TMP, "good.json");
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** Run the CLI in-process, capturing what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("") };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

/** Every JSON path (as segments) of the leaves and objects of `v`, depth first. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.slice(0, 1).forEach((x, k) => out.push(...paths(x, [...prefix, k])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: unknown, p: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy as Record<string | number, unknown>;
  for (const seg of p.slice(0, -1)) o = o[seg] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

beforeAll(async () => {
  fs.writeFileSync(
    SPEC,
    JSON.stringify({
      name: "fuzz",
      data: { kind: "synthetic", nUsers: 30, nItems: 20, nRatings: 200, seed: 3 },
      model: "als",
      params: { maxIterations: 2 },
      grid: { d: [1, 2] },
    }),
  );
  const r = await run(["sweep", SPEC, "--out", GOOD, "--quiet", "--workers", "1"]);
  expect(r.code).toBe(0);
}, 120_000);

describe("hand-edited results files through summary, report, plot and resume", () => {
  it("every field wrong-typed, removed, or joined by a prototype key: success or one located line, never a crash", async () => {
    const good = JSON.parse(fs.readFileSync(GOOD, "utf8")) as Record<string, unknown>;
    const mutations: { label: string; value: unknown }[] = [];
    for (const p of paths(good).filter((q) => q.length > 0)) {
      const where = p.join(".");
      mutations.push({ label: `${where} = "x"`, value: setAt(good, p, "x") });
      mutations.push({ label: `${where} = null`, value: setAt(good, p, null) });
      mutations.push({ label: `${where} removed`, value: setAt(good, p, undefined) });
    }
    mutations.push({ label: "__proto__ in a run", value: JSON.parse(JSON.stringify(good).replace('"status":', '"__proto__":{"x":1},"status":')) });
    mutations.push({ label: "constructor in params", value: JSON.parse(JSON.stringify(good).replace('"params":{', '"params":{"constructor":1,')) });
    let refused = 0;
    let located = 0;
    let accepted = 0;
    for (const [k, m] of mutations.entries()) {
      const file = path.join(TMP, `m${k}.json`);
      const text = typeof m.value === "string" ? m.value : JSON.stringify(m.value);
      fs.writeFileSync(file, text);
      for (const argv of [
        ["summary", file],
        ["report", file, "--no-figures", "--out", path.join(TMP, `m${k}.md`)],
        ["plot", file, "--out", path.join(TMP, `m${k}.html`)],
      ]) {
        const r = await run(argv);
        expect(r.err, `${m.label} via ${argv[0]}`).not.toMatch(/internal error|\n\s+at /);
        if (r.code === 0) accepted++;
        else {
          refused++;
          expect(r.code, `${m.label} via ${argv[0]}: ${r.err}`).toBeGreaterThan(0);
          expect(r.err.trim().split("\n"), `${m.label} via ${argv[0]}`).toHaveLength(1);
          expect(r.err, `${m.label} via ${argv[0]}`).toMatch(/^mflab( [a-z]+)?: /);
          if (r.err.includes(`m${k}.json`)) located++;
        }
      }
      // Resuming onto a refused file never rewrites it (every third mutation: a resume fits runs).
      if (k % 3 !== 0) continue;
      const before = fs.readFileSync(file, "utf8");
      const resumed = await run(["sweep", SPEC, "--out", file, "--quiet", "--workers", "1"]);
      expect(resumed.err, `${m.label} via sweep`).not.toMatch(/internal error|\n\s+at /);
      if (resumed.code !== 0) expect(fs.readFileSync(file, "utf8")).toBe(before);
    }
    expect(refused).toBeGreaterThan(50);
    expect(located / refused).toBeGreaterThan(0.9); // a schema problem names the file and the JSON path
    expect(accepted).toBeGreaterThan(0);
    console.log(
      `${mutations.length} mutated results files × 3 readers (+ resume): ${refused} refused (${located} naming the file), ${accepted} accepted`,
    );
  }, 600_000);

  it("the two fields named by the hostile-user test: fitSeconds as a string, experiment.spec null", async () => {
    const good = JSON.parse(fs.readFileSync(GOOD, "utf8")) as Record<string, unknown>;
    const bad = path.join(TMP, "fit-seconds.json");
    fs.writeFileSync(bad, JSON.stringify(setAt(good, ["runs", 0, "fitSeconds"], "1.2")));
    const r = await run(["summary", bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fit-seconds\.json: runs\[0\]\.fitSeconds must be a finite number, got "1\.2"/);
    const nullSpec = path.join(TMP, "null-spec.json");
    fs.writeFileSync(nullSpec, JSON.stringify(setAt(good, ["experiment", "spec"], null)));
    expect((await run(["summary", nullSpec])).code).toBe(0);
    expect((await run(["report", nullSpec, "--no-figures", "--out", path.join(TMP, "null-spec.md")])).code).toBe(0);
  });
});
