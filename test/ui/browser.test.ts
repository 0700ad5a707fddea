/**
 * `mflab ui` in real headless Chromium (the project's /usr/bin/chromium through playwright-core), served by the real
 * command (`node bin/mflab.js ui <folder> --port 0`, from the build): every page loads without a console error, the
 * runs table holds exactly the file's runs, sorting and filtering give what the file's numbers say, figures are
 * drawn, a sweep started into the folder grows the page's run count without a reload, hostile strings stay text,
 * `../` is refused, the notebook iframe shows the page, and a screenshot of each page is not blank.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../src/plot/export";
import { metricValue } from "../../src/results/metric";
import { EVIL, writeUiFolder, type UiFolder } from "./fixture";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");
const CHROMIUM = chromiumPath();
const hasChromium = fs.existsSync(CHROMIUM);
const built = fs.existsSync(path.join(ROOT, "dist", "ui", "web", "app.js")) && fs.existsSync(path.join(ROOT, "dist", "cli", "ui.js"));
if (!hasChromium) console.warn(`Chromium not found at ${CHROMIUM}: ui browser tests skipped`);
if (!built) console.warn("dist/ui is not built: ui browser tests skipped (npm run build)");

/** Start `mflab ui` on a free port; resolves with its URL once it printed it. */
function startUi(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "ui", dir, "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("exit", (code) => reject(new Error(`mflab ui exited with ${code}: ${out}${err}`)));
  });
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(browser: Browser, url: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url);
  await ready(page);
  return { page, errors, requests };
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.ready === "1", null, { timeout: 60_000 });
}

async function go(page: Page, hash: string): Promise<void> {
  const before = await page.evaluate(() => document.documentElement.dataset.renders);
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.waitForFunction((b) => document.documentElement.dataset.renders !== b && document.documentElement.dataset.ready === "1", before, {
    timeout: 60_000,
  });
}

/** The text of column `key` in the rows of table `name`, top to bottom. */
function column(page: Page, name: string, key: string): Promise<string[]> {
  return page.locator(`table[data-table="${name}"] tbody td[data-column="${key}"]`).allTextContents();
}

/** A PNG screenshot's size, and whether it has more than one colour in its first rows is checked by size alone: a blank page compresses to a few kB. */
async function screenshot(page: Page, name: string): Promise<number> {
  const png = await page.screenshot({ fullPage: true });
  if (process.env.MFLAB_UI_SHOTS) fs.writeFileSync(path.join(process.env.MFLAB_UI_SHOTS, `${name}.png`), png);
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  return png.length;
}

const fmt = (v: number) => String(Number(v.toFixed(4)));

describe.skipIf(!hasChromium || !built)("mflab ui in headless Chromium", () => {
  let folder: UiFolder;
  let ui: { child: ChildProcess; url: string };
  let browser: Browser;
  beforeAll(async () => {
    folder = writeUiFolder();
    ui = await startUi(folder.dir);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  });
  afterAll(async () => {
    await browser?.close();
    ui?.child.kill("SIGINT");
    if (folder) fs.rmSync(folder.dir, { recursive: true, force: true });
  });

  it("the list: one row per file, error rows for broken files, nothing fetched from elsewhere, no console error", async () => {
    const { page, errors, requests } = await open(browser, ui.url);
    expect(await page.evaluate(() => document.documentElement.dataset.view)).toBe("list");
    const ids = await page.locator('table[data-table="experiments"] tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(ids.sort()).toEqual(["broken.json", "cv/folds.json", "grid.json", "hostile.json", "wrong.json"]);
    // a schema failure shows once the background check reached the file (an update of the open page)
    await page.waitForFunction(() => document.querySelector('tr[data-id="wrong.json"] td[data-column="status"]')?.textContent?.startsWith("error"));
    const row = page.locator('table[data-table="experiments"] tr[data-id="wrong.json"]');
    expect(await row.locator('td[data-column="status"]').textContent()).toBe('error: runs[2].seed must be a non-negative integer, got "seven"');
    expect(await page.locator('tr[data-id="grid.json"] td[data-column="runs"]').textContent()).toBe("10");
    expect(await page.locator('tr[data-id="grid.json"] td[data-column="failed"]').textContent()).toBe("1");
    expect(await page.locator('tr[data-id="hostile.json"] td[data-column="name"]').textContent()).toBe(EVIL.name);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(ui.url))).toEqual([]);
    expect(await screenshot(page, "list")).toBeGreaterThan(20_000);
    await page.close();
  });

  it("an experiment: the runs table is the file's runs; sort and filter agree with the file's numbers; every figure drawn", async () => {
    const { page, errors } = await open(browser, `${ui.url}#/experiment/grid.json`);
    const runs = folder.grid.runs;
    const ids = await page.locator('table[data-table="runs"] tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(ids).toEqual(runs.map((r) => r.id));

    await page.locator('table[data-table="runs"] button[data-column="test_mse"]').click();
    const okSorted = runs.filter((r) => r.status === "ok").sort((a, b) => metricValue(a, "test.mse") - metricValue(b, "test.mse"));
    expect(await column(page, "runs", "test_mse")).toEqual([...okSorted.map((r) => fmt(metricValue(r, "test.mse"))), "–"]);
    await page.locator('table[data-table="runs"] button[data-column="test_mse"]').click();
    expect(await column(page, "runs", "test_mse")).toEqual([...okSorted.reverse().map((r) => fmt(metricValue(r, "test.mse"))), "–"]);

    await page.locator('table[data-table="runs"] input[data-filter="d"]').fill("2");
    expect(await column(page, "runs", "d")).toEqual(["2", "2", "2"]);
    await page.locator('table[data-table="runs"] input[data-filter="test_mse"]').fill("<0.9");
    const expected = runs.filter((r) => r.params.d === 2 && r.status === "ok" && metricValue(r, "test.mse") < 0.9);
    expect(await column(page, "runs", "id")).toEqual(
      expected.sort((a, b) => metricValue(b, "test.mse") - metricValue(a, "test.mse")).map((r) => r.id),
    );
    await page.locator('table[data-table="runs"] input[data-filter="d"]').fill("");
    await page.locator('table[data-table="runs"] input[data-filter="test_mse"]').fill("");
    expect(await column(page, "runs", "id")).toHaveLength(runs.length);

    const kinds = await page
      .locator(".plot")
      .evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.kind, (e as HTMLElement).dataset.drawn]));
    expect(kinds).toEqual([
      ["grid", "1"],
      ["heatmap", "1"],
      ["convergence", "1"],
      ["parallel", "1"],
    ]);
    for (const kind of ["grid", "heatmap", "convergence", "parallel"]) {
      expect(await page.locator(`.plot[data-kind="${kind}"] .main-svg`).count(), kind).toBeGreaterThan(0);
      const shot = await page.locator(`.plot[data-kind="${kind}"]`).screenshot();
      expect(shot.length, kind).toBeGreaterThan(15_000);
    }
    expect(await page.locator('.plot[data-kind="heatmap"] .hm image, .plot[data-kind="heatmap"] .heatmaplayer image').count()).toBeGreaterThan(0);
    expect(await page.locator(".findings li").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(await screenshot(page, "experiment")).toBeGreaterThan(150_000);

    // a cross-validated sweep: one row per configuration, folds aggregated, clearly labelled
    await go(page, "#/experiment/cv%2Ffolds.json");
    expect(await page.locator("section.configurations h2").textContent()).toBe("Configurations (folds and seeds aggregated)");
    expect(await page.locator('table[data-table="configurations"] tbody tr').count()).toBe(9);
    expect(await page.locator('table[data-table="runs"] tbody tr').count()).toBe(27);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a run page (ok: curves; failed: its error), and the compare views", async () => {
    const { page, errors } = await open(browser, `${ui.url}#/run/grid.json/r-d2-l2`);
    expect(await page.locator("h1").textContent()).toBe("Run r-d2-l2ok");
    expect(await page.locator('.plot[data-drawn="1"] .main-svg').count()).toBeGreaterThan(0);
    expect(await page.locator(".plot").count()).toBe(2);
    expect(await screenshot(page, "run")).toBeGreaterThan(50_000);
    await go(page, "#/run/grid.json/r-failed");
    expect(await page.locator(".run-error pre").textContent()).toBe("matrix not positive definite");

    // two experiments picked on the list
    await go(page, "#/");
    await page.locator('tr[data-id="grid.json"] td.pick input').check();
    await page.locator('tr[data-id="cv/folds.json"] td.pick input').check();
    await page.getByText("compare the two picked experiments").click();
    await page.waitForFunction(() => document.documentElement.dataset.view === "compare" && document.documentElement.dataset.ready === "1");
    expect(await page.locator("[data-same-data]").getAttribute("data-same-data")).toBe("true");
    expect(await page.locator('.plot[data-kind="compare"] .main-svg').count()).toBeGreaterThan(0);
    expect(await screenshot(page, "compare")).toBeGreaterThan(50_000);

    // runs picked in a runs table
    await go(page, "#/experiment/grid.json");
    await page.locator('tr[data-id="r-d1-l1"] td.pick input').check();
    await page.locator('tr[data-id="r-d5-l4"] td.pick input').check();
    await page.getByText("compare the picked runs").click();
    await page.waitForFunction(() => document.documentElement.dataset.view === "runs" && document.documentElement.dataset.ready === "1");
    expect(await column(page, "compare", "run")).toEqual(["r-d1-l1", "r-d5-l4"]);
    expect(await page.locator('.plot[data-kind="convergence"] .main-svg').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("hostile strings from a results file stay text: nothing runs, no element is made from them", async () => {
    const { page, errors } = await open(browser, `${ui.url}#/experiment/hostile.json`);
    expect(await page.locator("h1").textContent()).toBe(EVIL.name);
    expect(await column(page, "runs", "init")).toContain(EVIL.param);
    await go(page, "#/run/hostile.json/r-failed");
    expect(await page.locator(".run-error pre").textContent()).toBe(EVIL.error);
    await go(page, "#/compare/hostile.json/grid.json");
    await go(page, "#/");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.locator("main img, main script, main svg[onload]").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("refuses ../ paths, from the address bar and from the page's own routes", async () => {
    const page = await browser.newPage();
    for (const p of ["api/experiment?id=..%2F..%2Fpackage.json", "api/run?id=..%2Fpackage.json&run=x", "%2e%2e/package.json"]) {
      const res = await page.goto(`${ui.url}${p}`);
      expect([400, 403, 404], p).toContain(res?.status());
      expect(await page.textContent("body")).not.toContain('"name": "mflab"');
    }
    await page.goto(`${ui.url}#/experiment/..%2F..%2Fpackage.json`);
    await ready(page);
    expect(await page.locator("h1").textContent()).toBe("Cannot show this page");
    expect(await page.locator("p.error").textContent()).toMatch(/^refused: /);
    await page.close();
  });

  it("mf.ui's notebook output (an iframe) shows the list", async () => {
    const { uiFrameHtml } = await import("../../src/notebook/ui");
    const page = await browser.newPage();
    await page.setContent(`<!DOCTYPE html><html><body>${uiFrameHtml(ui.url, 600)}</body></html>`);
    const frame = page.frameLocator("iframe.mflab-ui");
    await frame.locator('table[data-table="experiments"] tbody tr').first().waitFor({ timeout: 30_000 });
    expect(await frame.locator('table[data-table="experiments"] tbody tr').count()).toBe(5);
    await page.close();
  });

  // The 2 s target of issue 16 is measured by scripts/bench-ui.js (median and max lag with the machine's load); this
  // test checks the behaviour, with a bound (5 s) that only a page not updating live would miss.
  it("a sweep started into the folder grows the list's run count and the experiment's runs table as each run is written, without a reload", async () => {
    const spec = path.join(folder.dir, "..", `${path.basename(folder.dir)}-live-spec.json`);
    fs.writeFileSync(
      spec,
      JSON.stringify({
        name: "live-sweep",
        data: { kind: "synthetic", nUsers: 300, nItems: 200, nRatings: 20000, seed: 1 },
        model: "als",
        params: { maxIterations: 150, stopping: "none" },
        grid: { d: [2, 4, 8, 12], lambda: [0.5, 1, 2, 4] },
      }),
    );
    const { page, errors } = await open(browser, ui.url);
    await page.evaluate(() => {
      (window as unknown as { __notReloaded: boolean }).__notReloaded = true;
    });
    const out = path.join(folder.dir, "live.json");
    const sweep = spawn(process.execPath, [BIN, "sweep", spec, "--out", out, "--workers", "1", "--quiet"], { cwd: ROOT, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => sweep.on("exit", resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    // the page notes when it first showed each run count, by its own clock (the machine's), so a busy test loop
    // does not add its own delay to the lag
    await page.evaluate(() => {
      const shownAt: Record<string, number> = {};
      (window as unknown as { __shownAt: Record<string, number> }).__shownAt = shownAt;
      const note = () => {
        const text = document.querySelector('tr[data-id="live.json"] td[data-column="runs"]')?.textContent;
        if (text != null && !(text in shownAt)) shownAt[text] = Date.now();
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // the run count on disk, and when that file was written (its mtime, if it did not change while being read)
    const writtenAt = new Map<number, number>();
    const onDisk = () => {
      try {
        const before = fs.statSync(out);
        const n = (JSON.parse(fs.readFileSync(out, "utf8")) as { runs: unknown[] }).runs.length;
        const after = fs.statSync(out);
        if (before.ino === after.ino && before.mtimeMs === after.mtimeMs && !writtenAt.has(n)) writtenAt.set(n, after.mtimeMs);
        return n;
      } catch {
        return -1; // not written yet
      }
    };
    // when the file first held n runs, and when each page first showed n
    const diskAt = new Map<number, number>();
    // every disk sample (time, count): a count the file held between two samples (a fast machine writes runs
    // faster than this loop samples) was written after the last sample that showed fewer runs
    const lastBelow: [number, number][] = [];
    const listAt = new Map<number, number>();
    const tableAt = new Map<number, number>();
    const running: string[] = [];
    const cell = page.locator('tr[data-id="live.json"] td[data-column="runs"]');
    const status = page.locator('tr[data-id="live.json"] td[data-column="status"]');
    let detail: Opened | undefined;
    let opening: Promise<Opened> | undefined; // opened alongside, so the list keeps being sampled meanwhile
    // The sweep is paced so the test does not depend on the machine's speed (a quiet machine runs all 16 runs in
    // 3 s, quicker than the experiment page opens): each time the file holds a new run count, the sweep is stopped
    // (SIGSTOP) until the list shows that count (and, for the first count, until the experiment page shows rows),
    // or 5 s have passed; then it goes on (SIGCONT). The lag from write to list is measured as before.
    let pausedAt: number | undefined;
    let pausedFor = -1;
    const resume = () => {
      if (pausedAt === undefined) return;
      sweep.kill("SIGCONT");
      pausedAt = undefined;
    };
    try {
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        const now = Date.now();
        const n = onDisk();
        if (n >= 0 && !diskAt.has(n)) diskAt.set(n, now);
        if (n >= 0) lastBelow.push([now, n]);
        if (n > 0 && n < 16 && n !== pausedFor && pausedAt === undefined && !done) {
          sweep.kill("SIGSTOP");
          pausedAt = now;
          pausedFor = n;
        }
        let shown = -1;
        if ((await cell.count()) > 0) {
          shown = Number(await cell.textContent());
          if (!listAt.has(shown)) listAt.set(shown, now);
          const s = ((await status.textContent()) ?? "").trim();
          if (s.startsWith("running") && !running.includes(s)) {
            if (running.length === 0) expect(await screenshot(page, "list-running")).toBeGreaterThan(20_000);
            running.push(s);
          }
          if (done && shown === 16) break;
        }
        if (opening === undefined && n >= 0)
          opening = open(browser, `${ui.url}#/experiment/live.json`).then((o) => {
            detail = o;
            return o;
          });
        let rows = 0;
        if (detail !== undefined) {
          rows = await detail.page.locator('table[data-table="runs"] tbody tr').count();
          if (!tableAt.has(rows)) tableAt.set(rows, Date.now());
        }
        if (pausedAt !== undefined) {
          const seen = shown >= pausedFor && rows > 0;
          if (seen || Date.now() - pausedAt > 5000) resume();
        }
        await page.waitForTimeout(100);
      }
    } finally {
      resume();
    }
    expect(await exited).toBe(0);
    expect(diskAt.has(16)).toBe(true);
    expect(listAt.has(16)).toBe(true);
    // every count the list showed was one the file held, shown soon after the write: from the file's mtime to the
    // moment the page showed it
    const writtenAfter = (n: number) => Math.max(...lastBelow.filter(([, k]) => k < n).map(([t]) => t));
    const shownAt = await page.evaluate(() => (window as unknown as { __shownAt: Record<string, number> }).__shownAt);
    // a conservative lag where the sampler missed the file's write time: measured from the last sample with fewer runs
    const lags = Object.entries(shownAt)
      .map(([text, t]) => [Number(text), t] as const)
      .filter(([n]) => n > 0)
      .map(([n, t]) => Math.round(t - (writtenAt.get(n) ?? writtenAfter(n))));
    expect(lags.length).toBeGreaterThanOrEqual(4);
    if (process.env.MFLAB_UI_SHOTS)
      fs.writeFileSync(
        path.join(process.env.MFLAB_UI_SHOTS, "live-lags.txt"),
        `the list showed ${lags.length} run counts, ${Math.min(...lags)}–${Math.max(...lags)} ms after the file held each (file mtime to the page's own clock)\n`,
      );
    expect(
      lags.every((lag) => lag <= 5000),
      `list lags ${lags.join(", ")} ms`,
    ).toBe(true);
    expect(listAt.size).toBeGreaterThanOrEqual(4); // it grew step by step while the sweep ran
    expect(running.some((s) => /running: \d+ \/ 16 runs/.test(s))).toBe(true);
    await page.waitForFunction(() => document.querySelector('tr[data-id="live.json"] td[data-column="status"]')?.textContent === "done", null, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    expect(errors).toEqual([]);
    // the experiment page opened while the sweep ran: its runs table grew in place, its figures redrawn
    const d = detail ?? (await opening!);
    await d.page.waitForFunction(() => document.querySelectorAll('table[data-table="runs"] tbody tr').length === 16, null, { timeout: 30_000 });
    tableAt.set(16, tableAt.get(16) ?? Date.now());
    await ready(d.page);
    expect([...tableAt.keys()].filter((n) => n > 0).length, `runs table sizes seen: ${[...tableAt.keys()].join(", ")}`).toBeGreaterThanOrEqual(2);
    expect(await d.page.locator('.plot[data-kind="grid"] .main-svg').count()).toBeGreaterThan(0);
    expect(d.errors).toEqual([]);
    await d.page.close();
    await page.close();
    fs.rmSync(spec, { force: true });
  }, 240_000);
});
