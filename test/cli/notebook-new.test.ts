/**
 * `mflab notebook new`: its error messages (built dist/, real child processes; one line on stderr, exit 2 for
 * usage, 1 for input, never a stack trace, nothing written), and what it writes without executing
 * (`--no-execute`): the data bound with paths relative to the notebook, the scale declared, no code line over 100
 * characters. The executed notebooks are checked in test/notebooks/notebook-new.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-nbnew-cli-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

fs.mkdirSync(path.join(TMP, "pair"));
fs.writeFileSync(path.join(TMP, "pair", "train.csv"), "user,item,rating\na,x,0.5\na,y,4.5\nb,x,3\nb,z,5\nc,y,2.5\n");
fs.writeFileSync(path.join(TMP, "pair", "test.csv"), "user,item,rating\na,z,1.5\nc,x,4\n");
fs.writeFileSync(path.join(TMP, "ratings.csv"), "userId,movieId,rating\na,x,1\na,y,4\nb,x,3\nb,z,5\nc,y,2\nc,z,3\n");

function mflab(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "notebook", ...args], { cwd: TMP, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("mflab notebook new: errors", () => {
  const cases: [string, string[], number, string][] = [
    ["no subcommand", [], 2, "mflab notebook: expected a subcommand: new\nusage: mflab notebook new <name>"],
    ["unknown subcommand", ["make", "x"], 2, 'mflab notebook: unknown subcommand "make" (expected: new)'],
    ["no name", ["new", "--data", "pair"], 2, "mflab notebook: expected the notebook's name"],
    [
      "a name with a folder",
      ["new", "../x", "--data", "pair"],
      2,
      'the name must be a plain file name (letters, digits, ".", "_", "-"; no folder, no spaces), got "../x"; choose the folder with --out-dir',
    ],
    ["a name with a space", ["new", "my sweep", "--data", "pair"], 2, 'got "my sweep"'],
    [
      "no --data",
      ["new", "x"],
      2,
      "mflab notebook: --data is required: a folder with train.csv + test.csv, a MovieLens 100K folder or a ratings file",
    ],
    ["unknown template", ["new", "x", "--data", "pair", "--template", "grid"], 2, '--template must be one of sweep, compare, race, got "grid"'],
    [
      "missing data",
      ["new", "x", "--data", "nowhere"],
      1,
      "mflab notebook: nowhere: no such file or folder (expected a MovieLens 100K folder, a folder with train.csv + test.csv, a ratings file",
    ],
    ["--split on a given pair", ["new", "x", "--data", "pair", "--split", "0.3"], 1, "does not apply: pair has its own split (train.csv + test.csv)"],
    ["unknown option", ["new", "x", "--data", "pair", "--fast"], 2, "mflab notebook: Unknown option '--fast'"],
  ];
  for (const [what, args, code, message] of cases) {
    it(what, () => {
      const r = mflab(...args);
      expect(r.stderr).toContain(message);
      expect(r.code).toBe(code);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(fs.existsSync(path.join(TMP, "notebooks", "x.ipynb"))).toBe(false);
    });
  }

  it("an existing notebook is kept unless --force", () => {
    fs.mkdirSync(path.join(TMP, "notebooks"), { recursive: true });
    const file = path.join(TMP, "notebooks", "mine.ipynb");
    fs.writeFileSync(file, "my work");
    const r = mflab("new", "mine", "--data", "pair", "--no-execute");
    expect(r.stderr).toBe("mflab notebook: notebooks/mine.ipynb: already exists; choose another name, or overwrite it with --force\n");
    expect(r.code).toBe(1);
    expect(fs.readFileSync(file, "utf8")).toBe("my work");
    const forced = mflab("new", "mine.ipynb", "--data", "pair", "--no-execute", "--force");
    expect(forced.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).nbformat).toBe(4);
  });
});

describe("mflab notebook new --no-execute: the notebook written", () => {
  const sources = (file: string) => {
    const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { cell_type: string; source: string[] }[] };
    return nb.cells.map((c) => ({ type: c.cell_type, text: c.source.join("") }));
  };

  for (const template of ["sweep", "compare", "race"]) {
    it(`${template}: data bound relative to the notebook, code lines ≤ 100 characters`, () => {
      const r = mflab("new", `pair-${template}`, "--data", "pair", "--template", template, "--out-dir", "nbs/deep", "--no-execute");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `wrote nbs/deep/pair-${template}.ipynb (${template} template on pair/train.csv + test.csv: 5 training / 2 test ratings; not executed)`,
      );
      const cells = sources(path.join(TMP, "nbs", "deep", `pair-${template}.ipynb`));
      const code = cells.filter((c) => c.type === "code").map((c) => c.text);
      expect(code.join("\n")).toContain('train: "../../pair/train.csv",\n  test: "../../pair/test.csv",\n  ratingScale: [\n    0.5,\n    5\n  ]');
      expect(code[0]).toContain(`import * as mf from "${path.relative(path.join(TMP, "nbs", "deep"), path.join(ROOT, "dist"))}";`);
      for (const line of code.join("\n").split("\n")) expect(line.length, line).toBeLessThanOrEqual(100);
      expect(JSON.stringify(cells)).not.toContain(TMP);
    });
  }

  it("a single ratings file: a seeded holdout (--split 0.25), its scale declared", () => {
    const r = mflab("new", "holdout", "--data", "ratings.csv", "--split", "0.25", "--no-execute");
    expect(r.code).toBe(0);
    const code = sources(path.join(TMP, "notebooks", "holdout.ipynb"))
      .filter((c) => c.type === "code")
      .map((c) => c.text)
      .join("\n");
    expect(code).toContain('kind: "ratings-file",\n  path: "../ratings.csv",\n  testFraction: 0.25,\n  ratingScale: [\n    1,\n    5\n  ]');
  });
});
