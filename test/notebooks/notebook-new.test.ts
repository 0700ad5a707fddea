/**
 * `mflab notebook new` end to end (built dist/, real child processes, real Jupyter on the project's tslab kernel):
 * each template writes a notebook bound to a generated CSV train/test pair with half-star ratings (0.5–5), executes
 * it, and the executed notebook has no error output, every code cell its execution count, was scored on the given
 * test file (the count of test ratings it reports is the file's number of rows, and the results file holds the same
 * count), states the data's scale as computed (0.5–5 in half stars), and carries no rating value typed into its
 * Markdown cells. Error messages of the command are in test/cli/notebook-new.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { joinText, readNotebook } from "../helpers/notebooks";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-nbnew-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** A seeded half-star train/test pair: 50 users × 30 items, ratings in {0.5, 1, …, 5}; returns the test rows. */
function writeHalfStarPair(dir: string): number {
  let state = 12345;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const rows: string[] = [];
  for (let u = 0; u < 50; u++) {
    const bias = rand() * 2 - 1;
    for (let i = 0; i < 30; i++) {
      if (rand() > 0.4) continue;
      const r = Math.min(5, Math.max(0.5, Math.round((2.8 + bias + (i % 3) * 0.5 + (rand() * 2 - 1)) * 2) / 2));
      rows.push(`u${u},m${i},${r}`);
    }
  }
  rows.push("u0,m29,0.5", "u1,m28,5"); // both ends of the scale are present
  const test = rows.filter((_, k) => k % 5 === 0);
  const train = rows.filter((_, k) => k % 5 !== 0);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "train.csv"), `userId,movieId,rating\n${train.join("\n")}\n`);
  fs.writeFileSync(path.join(dir, "test.csv"), `userId,movieId,rating\n${test.join("\n")}\n`);
  return test.length;
}

const DATA = path.join(TMP, "my-ratings");
const TEST_ROWS = writeHalfStarPair(DATA);

function newNotebook(name: string, template: string) {
  const r = spawnSync(process.execPath, [BIN, "notebook", "new", name, "--data", "my-ratings", "--template", template], {
    cwd: TMP,
    encoding: "utf8",
    timeout: 10 * 60_000,
  });
  const file = path.join(TMP, "notebooks", `${name}.ipynb`);
  return { ...r, file, nb: fs.existsSync(file) ? readNotebook(file) : undefined };
}

function checkExecuted(r: ReturnType<typeof newNotebook>) {
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/executed in [\d.]+ s, no errors/);
  expect(r.stdout).toMatch(/^open it: /m);
  const cells = r.nb!.cells;
  const code = cells.filter((c) => c.cell_type === "code");
  expect(code.map((c) => c.execution_count)).toEqual(code.map((_, k) => k + 1));
  const outputs = code.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
  expect(outputs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => joinText(o.text))).toEqual([]);
  const shown = outputs
    .map(
      (o) =>
        joinText(o.text) +
        Object.values(o.data ?? {})
          .map((v) => joinText(v as string | string[]))
          .join(""),
    )
    .join("\n");
  // The data facts are computed: the given test file's rows, the half-star scale.
  expect(shown).toContain(`${TEST_ROWS} test ratings`);
  expect(shown).toContain("Ratings run 0.5–5 in half stars");
  expect(shown).toContain("scored on every rating of `../my-ratings/test.csv`");
  // No rating value typed into the Markdown: no number next to a rating word, no "lowest rating" sentence.
  const markdown = cells.filter((c) => c.cell_type === "markdown").map((c) => joinText(c.source));
  for (const m of markdown) {
    expect(m).not.toMatch(/\d\s*(stars?|–\s*\d)|(lowest|highest|rating|scale)\D{0,20}\b\d+(\.\d+)?\b(?!\s*%)/i);
  }
  // No absolute path of this machine in any output.
  expect(shown).not.toContain(TMP);
  expect(shown).not.toMatch(/\/(work|root|home|tmp)\//);
  return { cells, shown };
}

describe("mflab notebook new executes each template on a half-star train/test pair", () => {
  it("sweep: ALS d × λ, scored on the given test file", () => {
    const r = newNotebook("my-sweep", "sweep");
    const { shown } = checkExecuted(r);
    const results = JSON.parse(fs.readFileSync(path.join(TMP, "results", "my-sweep.json"), "utf8"));
    expect(results.dataset.nTest).toBe(TEST_ROWS);
    expect(results.runs.length).toBe(30);
    expect(results.runs.every((run: { status: string }) => run.status === "ok")).toBe(true);
    expect(shown).toContain("Key findings");
    const figures = r.nb!.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(figures.length).toBe(4);
    for (const f of figures) expect(Object.keys(f.data!).sort()).toEqual(["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);
  }, 600_000);

  it("compare: models ranked on the given test file; zero-filled NMF judged against the data's own lowest rating", () => {
    const r = newNotebook("my-compare", "compare");
    const { shown } = checkExecuted(r);
    const results = JSON.parse(fs.readFileSync(path.join(TMP, "results", "my-compare.json"), "utf8"));
    expect(results.dataset.nTest).toBe(TEST_ROWS);
    expect(results.runs.length).toBe(12);
    expect(shown).toMatch(/predictions \([\d.]+ %\) are below 0\.5, the lowest rating of this data's scale \(0\.5–5\)/);
  }, 600_000);

  it("race: ALS vs SGD over seeds", () => {
    const r = newNotebook("my-race", "race");
    const { shown } = checkExecuted(r);
    expect(shown).toMatch(/\| ALS \(per-rating λ\) \| 2 \/ 2 \|/);
    expect(shown).toMatch(/\| SGD \| 2 \/ 2 \|/);
    // the reading comes from the library's race narrative (discussRace, raceObjectiveTable), not notebook strings
    expect(shown).toMatch(
      /\*\*Convergence per iteration\.\*\* ALS gets within 1 % of its lowest test RMSE after [\d.]+ iterations; SGD needs [\d.]+ epochs/,
    );
    expect(shown).toMatch(/\*\*Seeds\.\*\* The spread over 2 seeds of the final test RMSE/);
    expect(shown).toMatch(/\| ALS \(per-rating λ\) \| per-rating \|/);
  }, 600_000);
});
