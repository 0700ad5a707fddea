/**
 * The `mflab ui` server over real HTTP (no browser): the list matches the files, payloads match the runs, error
 * rows for files that are not valid, path traversal refused, read-only, the token, the Host check, the CSP, and
 * server-sent events when a file changes. Browser tests: ./browser.test.ts.
 */
import * as fs from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregateRuns } from "../../src/results/summary";
import type { CompareDetail, ExperimentDetail, ExperimentList, RunDetail, Table } from "../../src/ui/protocol";
import { plannedRuns } from "../../src/ui/catalog";
import { refusedPath, startUiServer, type UiServer } from "../../src/ui/server";
import { parallelFigure } from "../../src/plot/parallel";
import { fixtureResults } from "../report/fixture";
import { setDisplayHandler } from "../../src/notebook/display";
import { ui } from "../../src/notebook/ui";
import { writeUiFolder, type UiFolder } from "./fixture";
import { configurationsTableOf, runsTableOf } from "../../src/ui/views";
import { validationFoldResults } from "../results/validation-fixture";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path goes to the server exactly as written (no URL normalisation). */
function request(port: number, rawPath: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: rawPath, method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function getJson<T>(port: number, p: string): Promise<T> {
  const r = await request(port, p);
  expect(r.status, r.body).toBe(200);
  return JSON.parse(r.body) as T;
}

let folder: UiFolder;
let server: UiServer;
beforeAll(async () => {
  folder = writeUiFolder();
  server = await startUiServer({ folders: [folder.dir], port: 0, pollMs: 300 });
});
afterAll(async () => {
  await server?.close();
  if (folder) fs.rmSync(folder.dir, { recursive: true, force: true });
});

describe("the list", () => {
  it("has one row per .json file under the folder (sub-folders included, hidden files not), with its run counts", async () => {
    const list = await getJson<ExperimentList>(server.port, "/api/experiments");
    expect(list.experiments.map((e) => e.id).sort()).toEqual(["broken.json", "cv/folds.json", "grid.json", "hostile.json", "wrong.json"]);
    const grid = list.experiments.find((e) => e.id === "grid.json")!;
    expect([grid.name, grid.runs, grid.ok, grid.failed]).toEqual(["grid", folder.grid.runs.length, 9, 1]);
    expect(grid.models).toEqual(["als"]);
    // lowest test MSE of the closed form: d=2, λ=2 → 0.85 + 0.03·2/2
    expect(grid.best?.value).toBeCloseTo(0.88, 12);
    expect(grid.best?.runId).toBe("r-d2-l2");
    const cv = list.experiments.find((e) => e.id === "cv/folds.json")!;
    expect([cv.runs, cv.ok, cv.failed]).toEqual([27, 27, 0]);
    expect(list.experiments.every((e) => e.running === null)).toBe(true);
  });

  it("shows a file that is not JSON, or fails the schema, as an error row with the reader's message", async () => {
    let list = await getJson<ExperimentList>(server.port, "/api/experiments");
    for (let k = 0; k < 100 && list.checking > 0; k++) {
      await new Promise((r) => setTimeout(r, 50));
      list = await getJson<ExperimentList>(server.port, "/api/experiments");
    }
    expect(list.checking).toBe(0);
    const broken = list.experiments.find((e) => e.id === "broken.json")!;
    expect(broken.error).toMatch(/^line \d+, column \d+: /);
    const wrong = list.experiments.find((e) => e.id === "wrong.json")!;
    expect(wrong.error).toBe('runs[2].seed must be a non-negative integer, got "seven"');
    const page = await request(server.port, "/api/experiment?id=wrong.json");
    expect(page.status).toBe(422);
    expect(JSON.parse(page.body).error).toContain("runs[2].seed");
  });
});

describe("pages' data", () => {
  it("runs table: one row per stored run, in file order, with the file's metrics", async () => {
    const d = await getJson<ExperimentDetail>(server.port, "/api/experiment?id=grid.json");
    expect(d.runs.rows.map((r) => r.id)).toEqual(folder.grid.runs.map((r) => r.id));
    const col = d.runs.columns.findIndex((c) => c.key === "test_mse");
    expect(d.runs.rows.map((r) => r.cells[col])).toEqual(folder.grid.runs.map((r) => r.metrics?.test?.mse ?? null));
    expect(d.runs.rows.filter((r) => r.failed).map((r) => r.id)).toEqual(["r-failed"]);
    for (const key of ["d", "lambda", "maxIterations", "init", "seed", "status", "train_mse", "test_rmse"])
      expect(d.runs.columns.map((c) => c.key)).toContain(key);
    expect(d.configurations).toBeNull();
    expect(d.figures.map((f) => f.kind)).toEqual(["grid", "heatmap", "convergence", "parallel"]);
    expect(d.keyFindings.length).toBeGreaterThan(0);
  });

  it("configurations table of a cross-validated sweep: the folds aggregated as aggregateRuns does", async () => {
    const d = await getJson<ExperimentDetail>(server.port, "/api/experiment?id=cv%2Ffolds.json");
    const rows = aggregateRuns(folder.folds);
    expect(d.configurations?.rows.length).toBe(9);
    const mean = d.configurations!.columns.findIndex((c) => c.key === "mean_test_mse");
    const std = d.configurations!.columns.findIndex((c) => c.key === "std_test_mse");
    expect(d.configurations!.rows.map((r) => r.cells[mean])).toEqual(rows.map((r) => r.mean_test_mse));
    // fold k shifts every MSE by 0.01·k: population std of {0, 0.01, 0.02} = 0.01·√(2/3)
    for (const r of d.configurations!.rows) expect(r.cells[std] as number).toBeCloseTo(0.01 * Math.sqrt(2 / 3), 12);
    expect(d.runs.rows).toHaveLength(27);
    expect(d.dataset.folds.map((f) => f.name)).toEqual(["u1", "u2", "u3"]);
  });

  it("run page: a failed run's error, an ok run's facts, fold fingerprint and curves", async () => {
    const failed = await getJson<RunDetail>(server.port, "/api/run?id=grid.json&run=r-failed");
    expect([failed.status, failed.error]).toEqual(["failed", "matrix not positive definite"]);
    expect(failed.figures).toEqual([]);
    const ok = await getJson<RunDetail>(server.port, "/api/run?id=cv%2Ffolds.json&run=r-d2-l2-u2");
    expect(ok.params).toEqual(
      expect.arrayContaining([
        ["d", "2"],
        ["lambda", "2"],
        ["model", "als"],
      ]),
    );
    expect(ok.data).toEqual({ name: "fixture-data · fold u2", fingerprint: "f-u2" });
    expect(ok.figures.map((f) => f.id)).toEqual(["history-test", "history-loss"]);
    expect((await request(server.port, "/api/run?id=grid.json&run=nope")).status).toBe(404);
  });

  it("compare: two experiments with the same fingerprint, and hand-picked runs", async () => {
    const c = await getJson<CompareDetail>(server.port, "/api/compare?a=grid.json&b=hostile.json");
    expect(c.sameData).toBe(true);
    expect(c.figures.map((f) => f.kind)).toEqual(["compare"]);
    const picked = await getJson<CompareDetail>(
      server.port,
      `/api/compare?pick=${encodeURIComponent("grid.json|r-d1-l1")}&pick=${encodeURIComponent("cv/folds.json|r-d1-l1-u1")}`,
    );
    expect(picked.table.rows.map((r) => r.id)).toEqual(["grid.json|r-d1-l1", "cv/folds.json|r-d1-l1-u1"]);
    expect(picked.sameData).toBe(false); // the whole dataset against one fold
    expect(picked.data.map((d) => d.fingerprint)).toEqual(["00000000000000aa", "f-u1"]);
  });
});

describe("safety", () => {
  it("refuses paths that leave the folder, in the path or in an id, before looking anything up", async () => {
    const secret = "the-package-json-must-not-leak";
    fs.writeFileSync(path.join(path.dirname(folder.dir), `${path.basename(folder.dir)}-outside.json`), JSON.stringify({ secret }));
    const outside = `../${path.basename(folder.dir)}-outside.json`;
    for (const p of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/..%2fpackage.json",
      "/app.js/..%5c..%5cpackage.json",
      `/api/experiment?id=${encodeURIComponent(outside)}`,
      `/api/experiment?id=${encodeURIComponent("cv/../../x.json")}`,
      `/api/experiment?id=${encodeURIComponent("/etc/passwd")}`,
      `/api/run?id=${encodeURIComponent(outside)}&run=x`,
      `/api/compare?a=${encodeURIComponent(outside)}&b=grid.json`,
      `/api/compare?pick=${encodeURIComponent(`${outside}|x`)}&pick=${encodeURIComponent("grid.json|r-d1-l1")}`,
    ]) {
      const r = await request(server.port, p);
      expect([400, 403], p).toContain(r.status);
      expect(r.body).toMatch(/refused/);
      expect(r.body).not.toContain(secret);
    }
    expect((await request(server.port, "/api/experiment?id=notes.txt")).status).toBe(404);
    expect((await request(server.port, "/api/experiment?id=.hidden.json")).status).toBe(404);
    expect(refusedPath("a/../b")).toBe(true);
    expect(refusedPath("a/..b/c.json")).toBe(false);
  });

  it("is read-only: other methods are refused and nothing changes", async () => {
    const before = fs.readFileSync(path.join(folder.dir, "grid.json"), "utf8");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await request(server.port, "/api/experiment?id=grid.json", { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
    }
    expect(fs.readFileSync(path.join(folder.dir, "grid.json"), "utf8")).toBe(before);
  });

  it("sends a CSP without inline scripts on every response, and answers only to loopback host names", async () => {
    for (const p of ["/", "/app.js", "/api/experiments", "/nope", "/../x"]) {
      const csp = String((await request(server.port, p)).headers["content-security-policy"]);
      expect(csp, p).toContain("script-src 'self';");
      expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/);
      expect(csp).toContain("default-src 'none'");
    }
    const page = await request(server.port, "/");
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/); // only <script src=…></script>
    expect((await request(server.port, "/api/experiments", { headers: { Host: "attacker.example:80" } })).status).toBe(403);
    expect((await request(server.port, "/api/experiments", { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it("with a token: every request needs it; the URL's token sets a cookie and is dropped from the address", async () => {
    const guarded = await startUiServer({ folders: [folder.dir], port: 0, host: "127.0.0.1" });
    try {
      expect(guarded.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/?token=${guarded.token}`);
      expect((await request(guarded.port, "/")).status).toBe(401);
      expect((await request(guarded.port, "/api/experiments")).status).toBe(401);
      expect((await request(guarded.port, "/api/experiments?token=wrong")).status).toBe(401);
      const entry = await request(guarded.port, `/?token=${guarded.token}`);
      expect(entry.status).toBe(302);
      expect(entry.headers.location).toBe("/");
      const cookie = String(entry.headers["set-cookie"]).split(";")[0];
      expect(String(entry.headers["set-cookie"])).toMatch(/HttpOnly; SameSite=Strict/);
      const list = await request(guarded.port, "/api/experiments", { headers: { Cookie: cookie } });
      expect(list.status).toBe(200);
      expect(JSON.parse(list.body).experiments).toHaveLength(5);
      expect((await request(guarded.port, "/api/experiments", { headers: { Cookie: `${cookie}x` } })).status).toBe(401);
    } finally {
      await guarded.close();
    }
  });
});

describe("live updates", () => {
  it("sends a changed event within 2 s of a new results file, and the list then has it", async () => {
    const events: string[] = [];
    const req = http.get({ host: "127.0.0.1", port: server.port, path: "/api/events" }, (res) => {
      expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
      res.setEncoding("utf8");
      res.on("data", (c: string) => events.push(c));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      fs.writeFileSync(path.join(folder.dir, "cv", "new.json"), JSON.stringify(fixtureResults({ name: "new" })));
      while (!events.join("").includes("cv/new.json") && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      const ms = Date.now() - t0;
      expect(events.join("")).toMatch(/event: changed\ndata: \{"ids":\[[^\]]*"cv\/new\.json"/);
      expect(ms).toBeLessThan(2000);
      const list = await getJson<ExperimentList>(server.port, "/api/experiments");
      expect(list.experiments.find((e) => e.id === "cv/new.json")?.runs).toBe(9);
    } finally {
      req.destroy();
      fs.rmSync(path.join(folder.dir, "cv", "new.json"), { force: true });
    }
  });
});

describe("live updates from the folder watchers alone (re-walk every 10 min)", () => {
  it("every save by temp file + rename is an event, and a sub-folder made after the start is watched too", async () => {
    const dir = fs.mkdtempSync(path.join(folder.dir, "..", "watch-"));
    const watched = await startUiServer({ folders: [dir], port: 0, pollMs: 600_000 });
    const events: string[] = [];
    const req = http.get({ host: "127.0.0.1", port: watched.port, path: "/api/events" }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (c: string) => events.push(c));
    });
    // as the results store saves: the whole file to a temp name beside it, then renamed over the old one
    const save = (rel: string, runs: number) => {
      const file = path.join(dir, rel);
      const r = fixtureResults({ name: "watched" });
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...r, runs: r.runs.slice(0, runs) }));
      fs.renameSync(`${file}.tmp`, file);
    };
    const eventFor = async (id: string, after: number) => {
      const t0 = Date.now();
      const count = () =>
        events
          .join("")
          .split("event: changed")
          .slice(1 + after)
          .filter((e) => e.includes(`"${id}"`)).length;
      while (count() === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      return count() > 0;
    };
    const seen = () => events.join("").split("event: changed").length - 1;
    try {
      await new Promise((r) => setTimeout(r, 300));
      for (let k = 1; k <= 5; k++) {
        const before = seen();
        save("a.json", k);
        expect(await eventFor("a.json", before), `save ${k} of a.json`).toBe(true);
        expect((await getJson<ExperimentList>(watched.port, "/api/experiments")).experiments.find((e) => e.id === "a.json")?.runs).toBe(k);
      }
      fs.mkdirSync(path.join(dir, "late"));
      await new Promise((r) => setTimeout(r, 400)); // the walk the new folder's event starts
      for (let k = 1; k <= 2; k++) {
        const before = seen();
        save("late/b.json", k + 2);
        expect(await eventFor("late/b.json", before), `save ${k} of late/b.json`).toBe(true);
      }
    } finally {
      req.destroy();
      await watched.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("helpers", () => {
  it("planned runs: grid cells of every model × repeats × folds", () => {
    expect(plannedRuns({ models: [{ grid: { d: [1, 2, 3], lambda: [1, 2] } }, { grid: {} }], folds: 5 })).toBe(35);
    expect(plannedRuns({ grid: { d: [1, 2] }, repeats: 3, folds: ["u1", "u2"] })).toBe(12);
    expect(plannedRuns({ models: [{ grid: { d: [1, 2] } }], folds: { k: 4, pooled: true } })).toBe(8);
    expect(plannedRuns(null)).toBe(0);
  });

  it("parallel coordinates: every ok run drawn once, on the normalised value of each axis", () => {
    const r = fixtureResults({ failed: true });
    const fig = parallelFigure(r);
    const lines = fig.data.filter((t) => t.mode === "lines");
    const drawn = lines.reduce((n, t) => n + (t.y as (number | null)[]).filter((v) => v === null).length, 0);
    expect(drawn).toBe(9);
    // axes: d, λ, test MSE; d ∈ {1, 2, 5} → 0, 0.25, 1 on its axis
    const firstRunYs = new Set(lines.flatMap((t) => (t.y as (number | null)[]).filter((_, k) => k % 4 === 0)));
    expect([...firstRunYs].sort()).toEqual([0, 0.25, 1]);
    const markers = fig.data.find((t) => t.mode === "markers")!;
    expect((markers.marker as { color: number[] }).color).toHaveLength(9);
  });
});

describe("views of a sweep with validation metrics (evaluation.validation)", () => {
  // ../results/validation-fixture.ts: d=1 and d=2 × folds u1, u2, u3; validation prefers d=1, test prefers d=2
  const column = (t: Table, key: string) => t.columns.findIndex((c) => c.key === key);

  it("configurations: validation mean ± std columns before test, rows sorted and ranked by mean validation RMSE", () => {
    const reversed = validationFoldResults();
    reversed.runs.reverse(); // d=2 seen first, and best on test
    const t = configurationsTableOf(reversed)!;
    expect(t.columns.map((c) => c.key).slice(3)).toEqual([
      "failed",
      "mean_validation_mse",
      "std_validation_mse",
      "mean_validation_rmse",
      "std_validation_rmse",
      "mean_validation_mae",
      "std_validation_mae",
      "mean_test_mse",
      "std_test_mse",
      "mean_test_rmse",
      "std_test_rmse",
      "mean_test_mae",
      "std_test_mae",
      "mean_train_mse",
      "mean_fit_time",
      "rank_validation_rmse",
    ]);
    expect(t.columns[column(t, "mean_validation_rmse")].label).toBe("val RMSE (mean)");
    expect(t.columns[column(t, "rank_validation_rmse")].label).toBe("rank (val RMSE)");
    expect(t.caption).toMatch(/sorted by mean validation RMSE, best chosen on validation first$/);
    const cell = (row: number, key: string) => t.rows[row].cells[column(t, key)] as number;
    expect([cell(0, "d"), cell(1, "d")]).toEqual([1, 2]);
    expect([cell(0, "rank_validation_rmse"), cell(1, "rank_validation_rmse")]).toEqual([1, 2]);
    // hand values: d=1 validation RMSE 0.90, 0.92, 0.94 → 0.92 ± 0.02·√(2/3) (population std); d=2 0.96 ± 0.03·√(2/3)
    expect(cell(0, "mean_validation_rmse")).toBeCloseTo(0.92, 14);
    expect(cell(0, "std_validation_rmse")).toBeCloseTo(0.02 * Math.sqrt(2 / 3), 14);
    expect(cell(1, "mean_validation_rmse")).toBeCloseTo(0.96, 14);
    expect(cell(1, "std_validation_rmse")).toBeCloseTo(0.03 * Math.sqrt(2 / 3), 14);
    expect(cell(1, "mean_validation_mae")).toBeCloseTo(0.76, 14);
    expect([cell(0, "mean_test_rmse"), cell(1, "mean_test_rmse")].map((v) => v.toFixed(12))).toEqual(["0.970000000000", "0.920000000000"]);
  });

  it("without validation metrics: the columns and first-seen order of before", () => {
    const plain = validationFoldResults(false);
    plain.runs.reverse();
    const t = configurationsTableOf(plain)!;
    expect(t.columns.map((c) => c.key).filter((k) => k.includes("validation"))).toEqual([]);
    expect(t.columns.at(-1)).toEqual({ key: "rank_test_rmse", label: "rank (test RMSE)", type: "number", group: "info" });
    expect(t.caption).toBe("one row per configuration (2): its folds and seeds aggregated, mean ± population std");
    expect(t.rows.map((r) => r.cells[column(t, "d")])).toEqual([2, 1]);
  });

  it("runs table: validation columns are metrics labelled 'val …'", () => {
    const t = runsTableOf(validationFoldResults());
    const v = t.columns.find((c) => c.key === "validation_rmse")!;
    expect(v).toEqual({ key: "validation_rmse", label: "val RMSE", type: "number", group: "metric" });
  });
});

describe("mf.ui in a notebook", () => {
  it("starts the server on a free loopback port, shows it in an iframe, and shows the same server when called again", async () => {
    const shown: string[] = [];
    setDisplayHandler((html) => shown.push(html));
    try {
      const first = await ui(folder.dir);
      const again = await ui(folder.dir, { height: 500 });
      expect(again.url).toBe(first.url);
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(shown).toHaveLength(2);
      expect(shown[0]).toContain(`<iframe class="mflab-ui" src="${first.url}"`);
      expect(shown[1]).toContain('height="500"');
      const port = Number(new URL(first.url).port);
      const list = await getJson<ExperimentList>(port, "/api/experiments");
      expect(list.experiments).toHaveLength(5);
      await first.close();
      await expect(request(port, "/api/experiments")).rejects.toThrow(/ECONNREFUSED|socket hang up|ECONNRESET/);
    } finally {
      setDisplayHandler(undefined);
    }
  });
});

describe("mflab ui on the command line", () => {
  const BIN = path.resolve(__dirname, "../../bin/mflab.js");
  const built = fs.existsSync(path.resolve(__dirname, "../../dist/cli/ui.js"));
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, "ui", ...args], { encoding: "utf8", timeout: 60_000 });
  it.skipIf(!built)("says what is wrong in one line: a missing folder, a file, a bad port, a port in use", () => {
    const missing = run(path.join(folder.dir, "nope"));
    expect([missing.status, missing.stderr.trim()]).toEqual([
      1,
      `mflab: ${path.join(folder.dir, "nope")}: no such folder (mflab ui serves the results files under folders)`,
    ]);
    const file = run(path.join(folder.dir, "grid.json"));
    expect(file.status).toBe(1);
    expect(file.stderr).toMatch(/grid\.json: not a folder/);
    const port = run(folder.dir, "--port", "abc");
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/^mflab: --port must be an integer from 0 to 65535, got "abc"/);
    const busy = run(folder.dir, "--port", String(server.port));
    expect([busy.status, busy.stderr.trim()]).toEqual([1, `mflab: port ${server.port} is in use (another mflab ui?); pick another with --port`]);
  });

  /** Start `mflab ui … --open` with this environment; resolves with its output once the opener was started. */
  const startOpen = async (hostArgs: string[], env: NodeJS.ProcessEnv, until: (stdout: string, stderr: string) => boolean) => {
    const child = spawn(process.execPath, [BIN, "ui", folder.dir, "--port", "0", ...hostArgs, "--open"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !until(stdout, stderr) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const stillServing = child.exitCode === null;
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on("exit", resolve)));
    return { stdout, stderr, stillServing, code };
  };

  // The desktop opener is the real xdg-open (Debian's xdg-utils, which Chromium brings); with no desktop session it
  // starts $BROWSER, here a script that records the URL it was given and fetches it as a browser's first request.
  it.skipIf(!built || !fs.existsSync("/usr/bin/xdg-open"))(
    "--open hands the printed URL (token included) to xdg-open, and that URL opens the list",
    async () => {
      const dir = fs.mkdtempSync(path.join(folder.dir, "..", "open-"));
      const seen = path.join(dir, "seen.json");
      const browser = path.join(dir, "browser.js");
      fs.writeFileSync(
        browser,
        `#!${process.execPath}
const http = require("node:http");
const url = process.argv[2];
const get = (u, headers) =>
  new Promise((resolve, reject) =>
    http.get(u, { headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on("error", reject),
  );
(async () => {
  // as a browser does: the token URL, then its redirect with the cookie it set, then the list the page asks for
  const first = await get(url, {});
  const cookie = String(first.headers["set-cookie"] ?? "").split(";")[0];
  const page = await get(new URL(first.headers.location ?? "/", url).href, { cookie });
  const list = await get(new URL("/api/experiments", url).href, { cookie });
  require("node:fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ url, first: first.status, cookie, page: page.status, title: /<title>([^<]*)/.exec(page.body)?.[1] ?? null, list: list.status, listBody: list.body }));
})();
`,
      );
      fs.chmodSync(browser, 0o755);
      const env = { ...process.env, BROWSER: browser, DISPLAY: "", WAYLAND_DISPLAY: "", XDG_CURRENT_DESKTOP: "" };
      const { stdout, stderr, stillServing, code } = await startOpen(["--host", "127.0.0.1"], env, () => fs.existsSync(seen));
      expect(stillServing).toBe(true);
      expect(code).toBe(0);
      expect(stderr).toBe("");
      const printed = stdout.trim().split("\n").at(-1) ?? "";
      expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
      const got = JSON.parse(fs.readFileSync(seen, "utf8")) as {
        url: string;
        first: number;
        cookie: string;
        page: number;
        title: string;
        list: number;
        listBody: string;
      };
      expect(got.url).toBe(printed);
      // the token in the URL is accepted: a cookie is set, the browser is sent to the page, and the page's list loads
      expect([got.first, got.page, got.title, got.list]).toEqual([302, 200, "mflab ui", 200]);
      expect(got.cookie).toMatch(/^mflab_token_\d+=[\w-]+$/);
      const list = JSON.parse(got.listBody) as ExperimentList;
      expect(list.experiments.length).toBeGreaterThan(0);
      expect(list.experiments.map((e) => e.id).sort()).toEqual(
        (await getJson<ExperimentList>(server.port, "/api/experiments")).experiments.map((e) => e.id).sort(),
      );
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );

  it.skipIf(!built)("--open without a desktop opener says so in one line and keeps serving", async () => {
    const empty = fs.mkdtempSync(path.join(folder.dir, "..", "no-opener-"));
    const { stdout, stderr, stillServing } = await startOpen([], { ...process.env, PATH: empty }, (_, err) => err.includes("\n"));
    expect(stillServing).toBe(true);
    expect(stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\//);
    expect(stderr.trim()).toBe("mflab ui: could not start xdg-open to open the browser; open the URL above by hand");
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
