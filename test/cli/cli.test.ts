/** The `mflab` command end to end (built dist/, real files, real child processes). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");

function mflab(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "mflab-cli-"));
}

const tinySpec = {
  name: "tiny",
  data: { kind: "synthetic", nUsers: 40, nItems: 50, nRatings: 800, seed: 1 },
  model: "als",
  params: { maxIterations: 3, stopping: "none" },
  grid: { d: [1, 2], lambda: [1, 4] },
  seed: 5,
};

describe("mflab CLI", () => {
  it("sweep writes results, prints a table sorted by test MSE, and summary reprints it", () => {
    const dir = tmp();
    const spec = path.join(dir, "tiny.json");
    fs.writeFileSync(spec, JSON.stringify(tinySpec));
    const out = path.join(dir, "out.json");
    const r = mflab(["sweep", spec, "--out", out]);
    expect(r.stderr).toContain("[4/4]");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/d\s+lambda\s+iters\s+train MSE\s+train RMSE\s+train MAE\s+test MSE\s+test RMSE\s+test MAE/);
    const rows = r.stdout.split("\n").filter((l) => /^\d+\s+\d/.test(l));
    expect(rows).toHaveLength(4);
    const testMse = rows.map((l) => Number(l.trim().split(/\s+/)[6]));
    expect([...testMse].sort((a, b) => a - b)).toEqual(testMse);
    const json = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(json.runs).toHaveLength(4);
    const s = mflab(["summary", out]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(rows[0]);
  });

  it("reports bad specs with the file and the offending key, and exits 1", () => {
    const dir = tmp();
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ ...tinySpec, grid: { d: [1, -2], lambda: [1] } }));
    const r = mflab(["sweep", bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`mflab: ${bad}: grid.d[1] must be ≥ 1, got -2`);
    const broken = path.join(dir, "broken.json");
    fs.writeFileSync(broken, '{\n  "name": "x",\n  "model": als\n}');
    const b = mflab(["sweep", broken]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: not valid JSON`));
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it("reports a malformed ratings file with file and line", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "u.data"), "1\t1\t5\t881250949\n2\t1\tfive\t881250950\n");
    const spec = path.join(dir, "s.json");
    fs.writeFileSync(spec, JSON.stringify({ ...tinySpec, data: { kind: "ratings-file", path: "u.data" } }));
    const r = mflab(["sweep", spec, "--data", path.join(dir, "u.data")], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(dir, "u.data")}:2:3`);
    expect(r.stderr).toMatch(/"five"/);
  });

  it("usage errors exit 2 with a hint", () => {
    expect(mflab([]).code).toBe(2);
    const r = mflab(["sweep"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Run "mflab --help"');
    expect(mflab(["frobnicate"]).code).toBe(2);
    expect(mflab(["--help"]).stdout).toContain("mflab sweep <spec.json>");
  });
});

describe("mflab models", () => {
  it("lists every model's parameters from its declaration: type, default, meaning, aliases", () => {
    const r = mflab(["models"]);
    expect(r.code).toBe(0);
    for (const name of ["als", "svd", "nmf-zero-filled", "knn-baseline", "slope-one"]) expect(r.stdout).toMatch(new RegExp(`^${name} — `, "m"));
    expect(r.stdout).toMatch(/^d +int ≥ 1 +10 +rank: number of latent factors — also: nFactors, n_factors/m);
    expect(r.stdout).toMatch(/^threads +int in \[1, 256\] +1 +.*\(performance only\)/m);
    expect(r.stdout).toMatch(/slope-one — .*\n {2}\(no parameters\)/);
  });

  it("shows the named models only, and refuses an unknown name with exit 2", () => {
    const one = mflab(["models", "svdpp"]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^svdpp — /);
    expect(one.stdout).not.toMatch(/^als — /m);
    const bad = mflab(["models", "alss"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mflab: unknown model "alss"; known: als, svd,/);
  });
});

describe("danfojs-node stays unloaded", () => {
  it("loading the package entry and running CLI commands (sweep, summary, plot) never requires danfojs-node", () => {
    const dir = tmp();
    const spec = path.join(dir, "tiny.json");
    fs.writeFileSync(spec, JSON.stringify({ ...tinySpec, grid: { d: [1], lambda: [1, 4] } }));
    const out = path.join(dir, "out.json");
    // in-process (--workers 1), so this process's require.cache sees every module the commands load
    const script = `
      const mf = require(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
      const cli = require(${JSON.stringify(path.join(ROOT, "dist", "cli", "main.js"))});
      const heavy = () => Object.keys(require.cache).filter((k) => /[\\/](danfojs-node|@tensorflow|xlsx)[\\/]/.test(k));
      (async () => {
        const codes = [];
        for (const args of [["sweep", ${JSON.stringify(spec)}, "--out", ${JSON.stringify(out)}, "--workers", "1", "--quiet"], ["summary", ${JSON.stringify(out)}], ["plot", ${JSON.stringify(out)}, "--out", ${JSON.stringify(path.join(dir, "fig.html"))}]]) {
          codes.push(await cli.main(args));
        }
        const table = mf.runsTable(mf.readResults(${JSON.stringify(out)}));
        console.log(JSON.stringify({ codes, heavy: heavy(), rows: table.id.length, exported: typeof mf.runsDataFrame + typeof mf.pivotRuns + typeof mf.groupRunsFrame }));
      })();`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).not.toMatch(/Error/);
    const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(report).toEqual({ codes: [0, 0, 0], heavy: [], rows: 2, exported: "functionfunctionfunction" });
  });
});

describe("mflab sweep: large grids and failing writes", () => {
  it("asks for --yes above 500 runs (refuses without a terminal)", () => {
    const dir = tmp();
    const spec = path.join(dir, "big.json");
    fs.writeFileSync(
      spec,
      JSON.stringify({ ...tinySpec, grid: { d: Array.from({ length: 26 }, (_, k) => k + 1), lambda: Array.from({ length: 20 }, (_, k) => k + 1) } }),
    );
    const r = mflab(["sweep", spec, "--out", path.join(dir, "o.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`mflab: ${spec}: expands to 520 runs (more than 500); add --yes to run them, or shrink the grid`);
    expect(fs.existsSync(path.join(dir, "o.json"))).toBe(false);
  });
});
