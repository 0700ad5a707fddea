/**
 * mflab as a dependency: build (when stale), `npm pack` this repository, install the tarball into a fresh project
 * (its own package.json, no overrides) and use it there as a student would — `npx mflab sweep`, and
 * `require("mflab")` / `require("mflab/models")` / `require("mflab/linalg")` from a script — and compile a
 * TypeScript file against its declarations. Also checks what the tarball holds and that the installed tree has no
 * danfojs-node, xlsx or TensorFlow (danfojs-node is an optional peer dependency; its install needs overrides
 * that only a root package.json can set, see src/results/dataframe.ts).
 *
 * The install uses the npm registry only (`--prefer-offline`: npm's cache when it has the packages). It runs
 * under a timeout, so a dependency fetched from elsewhere fails the test with a message instead of hanging.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const INSTALL_TIMEOUT_S = 120;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** The environment without the lowercase `npm_*` variables an enclosing `npm test` sets (they describe this repository). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_")));
}

/**
 * Run a command in its own process group; after `timeoutS` the whole group is killed (npm's children too), so a
 * hung install cannot outlive the test.
 */
function run(cmd: string, args: string[], cwd: string, timeoutS: number): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function tail(text: string, lines = 25): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function describeRun(what: string, r: Ran): string {
  return `${what} exited ${r.code}${r.timedOut ? " (killed by the test's timeout)" : ""} after ${r.seconds.toFixed(1)} s\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

/** Every package folder under `node_modules` (nested ones too), as `name` or `@scope/name`. */
function installedPackages(nodeModules: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (entry.name.startsWith("@")) {
        for (const sub of fs.readdirSync(path.join(dir, entry.name), { withFileTypes: true })) {
          if (!sub.isDirectory()) continue;
          out.push(`${entry.name}/${sub.name}`);
          visit(path.join(dir, entry.name, sub.name, "node_modules"));
        }
      } else {
        out.push(entry.name);
        visit(path.join(dir, entry.name, "node_modules"));
      }
    }
  };
  visit(nodeModules);
  return out;
}

/** The tiny sweep the installed package runs: ALS, a 1 × 2 grid on small synthetic data. */
const SPEC = {
  name: "tiny",
  data: { kind: "synthetic", nUsers: 50, nItems: 40, nRatings: 600 },
  model: "als",
  params: { maxIterations: 5 },
  grid: { d: [2], lambda: [1, 4] },
  seed: 3,
};

describe("mflab packed, installed into a fresh project, and used from there", () => {
  let work = "";
  let app = "";
  let tarball = "";
  let packedFiles: string[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-pack-"));
    // build when src/ is newer than dist/ (a no-op after `npm test`'s own bootstrap), plus the offline plotly bundle
    const build = await run(process.execPath, [path.join(ROOT, "scripts", "bootstrap.js"), "--build"], ROOT, 600);
    if (build.code !== 0) throw new Error(describeRun("the build (node scripts/bootstrap.js --build)", build));
    timings.build = build.seconds;

    const pack = await run("npm", ["pack", "--json", "--pack-destination", work], ROOT, 120);
    if (pack.code !== 0) throw new Error(describeRun("npm pack", pack));
    timings.pack = pack.seconds;
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as { filename: string; size: number; files: { path: string }[] }[];
    tarball = path.join(work, info[0].filename);
    packedFiles = info[0].files.map((f) => f.path);
    timings.packedMB = info[0].size / 1e6;

    app = path.join(work, "app");
    fs.mkdirSync(app);
    // a student's own project: no overrides, nothing but mflab
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "mflab-user", version: "1.0.0", private: true }, null, 2));
    const install = await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], app, INSTALL_TIMEOUT_S);
    timings.install = install.seconds;
    if (install.timedOut) {
      throw new Error(
        `npm install <mflab tarball> in a fresh project did not finish in ${INSTALL_TIMEOUT_S} s: mflab's dependencies must ` +
          "install from the npm registry alone, and something is fetched from elsewhere (danfojs-node's xlsx tarball on " +
          "cdn.sheetjs.com and @tensorflow/tfjs-node's native library hang like this: is danfojs-node a dependency again?).\n" +
          describeRun("npm install", install),
      );
    }
    if (install.code !== 0) throw new Error(describeRun("npm install <mflab tarball> in a fresh project", install));
    fs.writeFileSync(path.join(app, "tiny.json"), JSON.stringify(SPEC, null, 2));
  }, 720_000);

  afterAll(() => {
    console.log(
      `pack test timings (s): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(", ")} (packedMB = tarball size)`,
    );
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("the tarball holds the built library, the vendored plotly bundle, the command and the specs; no tests, notebooks or sources", () => {
    for (const f of [
      "package.json",
      "README.md",
      "bin/mflab.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "dist/models/index.js",
      "dist/models/index.d.ts",
      "dist/linalg/index.js",
      "dist/experiment/sweep-worker.js",
      "dist/vendor/plotly.min.js",
      "dist/ui/web/app.js",
      "dist/ui/web/index.html",
      "experiments/als-grid.json",
      "experiments/spec.schema.json",
    ]) {
      expect(packedFiles, `${f} is missing from the tarball`).toContain(f);
    }
    const foreign = packedFiles.filter((f) => /^(test|notebooks|src|scripts|results|node_modules|\.jupyter)\//.test(f));
    expect(foreign, "files that do not belong in the tarball").toEqual([]);
    // build output of a source file that no longer exists would ship too (tsc never deletes): rebuild from scratch then
    const stale = packedFiles.filter(
      (f) =>
        /^dist\/.*\.js$/.test(f) &&
        !f.startsWith("dist/vendor/") &&
        !f.startsWith("dist/ui/web/") && // the `mflab ui` page, bundled from web/ by scripts/build-ui.js
        !fs.existsSync(path.join(ROOT, f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts"))),
    );
    expect(stale, "stale files in dist/ (no source in src/): delete dist/ and run npm run build").toEqual([]);
  });

  it("installs without danfojs-node, xlsx or TensorFlow (danfojs-node is an optional peer dependency)", () => {
    const installed = installedPackages(path.join(app, "node_modules"));
    expect(installed).toContain("mflab");
    const heavy = installed.filter((p) => p === "danfojs-node" || p === "xlsx" || p.startsWith("@tensorflow/"));
    expect(heavy).toEqual([]);
    const lock = JSON.parse(fs.readFileSync(path.join(app, "package-lock.json"), "utf8"));
    expect(Object.keys(lock.packages).filter((k) => /(^|\/)(danfojs-node|xlsx|@tensorflow\/[^/]+)$/.test(k))).toEqual([]);
  });

  it("npx mflab sweep runs a spec in the project (worker threads from the installed package) and summary reprints it", async () => {
    const sweep = await run("npx", ["--no", "mflab", "sweep", "tiny.json", "--workers", "2"], app, 120);
    timings.cliSweep = sweep.seconds;
    expect(sweep.code, describeRun("npx mflab sweep tiny.json", sweep)).toBe(0);
    expect(sweep.stdout).toMatch(/lambda\s+iters\s+train MSE/);
    const results = JSON.parse(fs.readFileSync(path.join(app, "results", "tiny.json"), "utf8"));
    expect(results.schema).toBe("mflab.results/1");
    expect(results.runs.map((r: { params: { d: number; lambda: number }; status: string }) => [r.params.d, r.params.lambda, r.status])).toEqual([
      [2, 1, "ok"],
      [2, 4, "ok"],
    ]);
    expect(results.env.gitCommit).toBeNull(); // the project is not a git repository
    const summary = await run("npx", ["--no", "mflab", "summary", "results/tiny.json"], app, 60);
    expect(summary.code, describeRun("npx mflab summary", summary)).toBe(0);
    expect(summary.stdout).toContain("tiny on synthetic");
  }, 240_000);

  it('require("mflab").runSweep, the subpaths, and a clear error from the DataFrame view without danfojs-node', async () => {
    const script = `
      const fs = require("fs");
      const mf = require("mflab");
      const models = require("mflab/models");
      const linalg = require("mflab/linalg");
      const spec = mf.validateSpec(JSON.parse(fs.readFileSync("tiny.json", "utf8")));
      const notExported = (id) => { try { require(id); return false; } catch (e) { return e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED"; } };
      mf.runSweep(spec, { out: "results/api.json", workers: 1 }).then(({ file, results }) => {
        let dataFrameError = null;
        try { mf.runsDataFrame(results); } catch (e) { dataFrameError = e.message; }
        console.log(JSON.stringify({
          resolved: require.resolve("mflab"),
          file,
          onDisk: JSON.parse(fs.readFileSync(file, "utf8")).runs.length,
          runs: results.runs.map((r) => ({ d: r.params.d, lambda: r.params.lambda, status: r.status, testMse: r.metrics.test.mse })),
          table: mf.runsTable(results).test_mse,
          modelNames: models.modelNames(),
          sameRegistry: models.getModel("als") === mf.getModel("als"),
          cholesky: typeof linalg.choleskySolveInPlace,
          version: require("mflab/package.json").version,
          shippedSpec: mf.validateSpec(require("mflab/experiments/als-grid.json")).name,
          deepImportBlocked: notExported("mflab/dist/index.js"),
          dataFrameError,
        }));
      }, (e) => { console.error(e); process.exit(1); });`;
    const r = await run(process.execPath, ["-e", script], app, 120);
    timings.apiSweep = r.seconds;
    expect(r.code, describeRun("node -e <require('mflab').runSweep …>", r)).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out.resolved).toBe(path.join(fs.realpathSync(app), "node_modules", "mflab", "dist", "index.js"));
    expect(out.file).toBe(path.join(fs.realpathSync(app), "results", "api.json"));
    expect(out.onDisk).toBe(2);
    expect(out.runs.map((x: { d: number; lambda: number; status: string }) => [x.d, x.lambda, x.status])).toEqual([
      [2, 1, "ok"],
      [2, 4, "ok"],
    ]);
    expect(out.table).toEqual(out.runs.map((x: { testMse: number }) => x.testMse));
    // the same spec through the CLI (2 worker threads) gave the same numbers as the library in one thread
    const cli = JSON.parse(fs.readFileSync(path.join(app, "results", "tiny.json"), "utf8"));
    expect(cli.runs.map((x: { metrics: { test: { mse: number } } }) => x.metrics.test.mse)).toEqual(
      out.runs.map((x: { testMse: number }) => x.testMse),
    );
    expect(out.modelNames).toContain("als");
    expect(out.sameRegistry).toBe(true);
    expect(out.cholesky).toBe("function");
    expect(out.version).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    expect(out.shippedSpec).toBe("als-grid");
    expect(out.deepImportBlocked).toBe(true);
    expect(out.dataFrameError).toContain("runsDataFrame needs the danfojs-node package, which is not installed.");
    expect(out.dataFrameError).toContain("npm install danfojs-node");
    expect(out.dataFrameError).toContain('"overrides": {"xlsx":"0.18.5","@tensorflow/tfjs-node":"npm:@tensorflow/tfjs@3.21.0"}');
  }, 120_000);

  it("TypeScript finds the declarations of mflab, mflab/models and mflab/linalg (node16 resolution via exports, node10 via types/typesVersions)", async () => {
    fs.writeFileSync(
      path.join(app, "check.ts"),
      [
        'import { runSweep, pivotRuns, type ResultsFile, type SweepOutcome } from "mflab";',
        'import { modelNames, getModel } from "mflab/models";',
        'import { choleskySolveInPlace } from "mflab/linalg";',
        "export const names: string[] = modelNames();",
        "export const run: (spec: Parameters<typeof runSweep>[0]) => Promise<SweepOutcome> = (spec) => runSweep(spec, { workers: 1 });",
        "export const solve: (A: Float64Array, b: Float64Array, d: number) => boolean = choleskySolveInPlace;",
        "export type Uses = [ResultsFile, ReturnType<typeof getModel>, typeof pivotRuns];",
        "// @ts-expect-error: a number is not a model name list",
        "export const wrong: number = modelNames();",
      ].join("\n"),
    );
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    for (const resolution of [
      ["--module", "node16", "--moduleResolution", "node16"],
      ["--module", "commonjs", "--moduleResolution", "node10"],
    ]) {
      const r = await run(
        process.execPath,
        [
          tsc,
          "--noEmit",
          "--strict",
          "--skipLibCheck",
          "--target",
          "ES2022",
          ...resolution,
          "--typeRoots",
          path.join(ROOT, "node_modules", "@types"),
          "--types",
          "node",
          "check.ts",
        ],
        app,
        120,
      );
      expect(r.code, describeRun(`tsc ${resolution.join(" ")} check.ts`, r)).toBe(0);
    }
  }, 240_000);
});
