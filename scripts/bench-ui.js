#!/usr/bin/env node
/**
 * How fast `mflab ui` lists a big folder: writes F results files of R runs each (default 200 × 100 = 20,000 runs,
 * every run with a 20-iteration history, like a real sweep's) into a temp folder, then measures with the built
 * server (dist/ui):
 *
 * - reference: read + JSON.parse of every file (no mflab code), interleaved with the next two;
 * - cold walk: the first walk of the folder (every file read, parsed, the listed fields checked), as at start-up;
 * - full check: parseResults' field-by-field check of every file, which follows the list in the background;
 * - warm list: GET /api/experiments over HTTP when nothing changed (a re-walk: one stat per file), median of 15;
 * - one file changed: GET /api/experiments right after one file was rewritten (that file re-read), median of 5;
 * - page: the list page in headless Chromium from navigation until it shows all F rows, median of 3 (new browser
 *   context each time: nothing cached); and an experiment page (R runs, its figures drawn), median of 3;
 * - live: a file rewritten 20 times (0.5 s apart) while the list page is open: the lag from each write (the
 *   file's mtime) to the page showing its run count (the page's own clock), median and max (issue 16: ≤ 2 s).
 *
 * Prints the numbers and the machine's load average (this machine is shared; numbers vary with its load).
 * Usage: node scripts/bench-ui.js [--files 200] [--runs 100] [--live-writes 20] [--keep]
 */

const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

function arg(name, fallback) {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : fallback;
}

function results(f, nRuns) {
  const runs = [];
  for (let k = 0; k < nRuns; k++) {
    const d = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500][k % 10];
    const lambda = [0.01, 0.1, 0.5, 1, 2, 4, 6, 8, 10, 20][Math.floor(k / 10) % 10];
    const iters = 20;
    const curve = (a) => Array.from({ length: iters }, (_, i) => a + 1 / (i + 1) + ((f * 7 + k) % 13) / 1000);
    const failed = k % 50 === 49;
    runs.push({
      id: `f${f}r${k}`.padEnd(12, "0"),
      params: { model: "als", d, lambda, maxIterations: iters, init: "uniform", seed: 1000 * f + k },
      seed: 1000 * f + k,
      status: failed ? "failed" : "ok",
      ...(failed
        ? { error: "needs about 9.0 GB of memory" }
        : {
            metrics: {
              train: { mse: 0.5 + d / 1000, rmse: Math.sqrt(0.5 + d / 1000), mae: 0.55 },
              test: { mse: 0.9 + lambda / 100 + ((f + k) % 17) / 1000, rmse: Math.sqrt(0.9 + lambda / 100), mae: 0.74 },
            },
            iterations: iters,
            converged: false,
            fitSeconds: 1.5,
            predictSeconds: 0.02,
            fallbackCount: 3,
            history: {
              iteration: Array.from({ length: iters }, (_, i) => i + 1),
              trainLoss: curve(1000),
              trainMse: curve(0.5),
              trainMae: curve(0.5),
              testMse: curve(0.9),
              testMae: curve(0.7),
              seconds: Array.from({ length: iters }, (_, i) => 0.07 * (i + 1)),
            },
          }),
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:02.000Z",
    });
  }
  return {
    schema: "mflab.results/1",
    experiment: {
      name: `bench-${f}`,
      spec: { name: `bench-${f}`, data: { kind: "synthetic" }, models: [{ model: "als", grid: { d: [1], lambda: [1] } }] },
    },
    dataset: {
      name: "synthetic",
      source: "bench",
      fingerprint: "00000000000000aa",
      nUsers: 943,
      nItems: 1682,
      nTrain: 80000,
      nTest: 20000,
      ratingScale: [1, 5],
    },
    env: {
      mflab: "0.3.0",
      node: process.version,
      platform: "linux x64",
      cpu: "bench",
      gitCommit: null,
      gitDirty: null,
      startedAt: "2026-01-01T00:00:00.000Z",
      updatedAt: "2026-01-01T00:00:00.000Z",
    },
    runs,
  };
}

function get(port, p) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get({ host: "127.0.0.1", port, path: p }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ ms: performance.now() - t0, body: Buffer.concat(chunks).toString("utf8"), status: res.statusCode }));
      })
      .on("error", reject);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function main() {
  const nFiles = arg("files", 200);
  const nRuns = arg("runs", 100);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-ui-bench-"));
  let bytes = 0;
  for (let f = 0; f < nFiles; f++) {
    const text = `${JSON.stringify(results(f, nRuns), null, 1)}\n`;
    bytes += text.length;
    fs.writeFileSync(path.join(dir, `sweep-${String(f).padStart(3, "0")}.json`), text);
  }
  console.log(`bench-ui: ${nFiles} files × ${nRuns} runs = ${nFiles * nRuns} runs, ${(bytes / 1e6).toFixed(1)} MB in ${dir}`);
  const { Catalog } = require(path.join(ROOT, "dist", "ui", "catalog.js"));
  const { startUiServer } = require(path.join(ROOT, "dist", "ui", "server.js"));
  // Interleaved: a reference (read + JSON.parse of every file, no mflab code: the floor of any listing), the
  // walk that lists (JSON.parse + the listed fields checked), then the full check that follows in the background.
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  const reference = [];
  const cold = [];
  const full = [];
  for (let k = 0; k < 3; k++) {
    let t0 = performance.now();
    for (const f of files) JSON.parse(fs.readFileSync(f, "utf8"));
    reference.push(performance.now() - t0);
    const c = new Catalog([dir]);
    t0 = performance.now();
    c.refresh();
    cold.push(performance.now() - t0);
    t0 = performance.now();
    while (c.checkNext() !== null);
    full.push(performance.now() - t0);
  }
  const server = await startUiServer({ folders: [dir], port: 0, pollMs: 60_000 });
  const warm = [];
  let list;
  for (let k = 0; k < 15; k++) {
    const r = await get(server.port, "/api/experiments");
    warm.push(r.ms);
    list = JSON.parse(r.body);
  }
  if (list.experiments.length !== nFiles || list.experiments.reduce((n, e) => n + e.runs, 0) !== nFiles * nRuns)
    throw new Error("the list does not hold every file and run");
  const changed = [];
  for (let k = 0; k < 5; k++) {
    const file = path.join(dir, "sweep-007.json");
    const r = results(7, nRuns);
    r.env.updatedAt = new Date().toISOString();
    fs.writeFileSync(file, JSON.stringify(r, null, 1));
    changed.push((await get(server.port, "/api/experiments")).ms);
  }
  console.log(`reference (read + JSON.parse of every file): ${reference.map(ms).join(", ")} (median ${ms(median(reference))})`);
  console.log(
    `cold walk (read + parse + listed fields checked): ${cold.map(ms).join(", ")} (median ${ms(median(cold))}; ${(median(cold.map((x, k) => x / reference[k]))).toFixed(2)} × the reference)`,
  );
  console.log(`full check of every file (background, after the list): ${full.map(ms).join(", ")} (median ${ms(median(full))})`);
  console.log(`warm list over HTTP (nothing changed): median ${ms(median(warm))} (min ${ms(Math.min(...warm))}, max ${ms(Math.max(...warm))})`);
  console.log(`list after one file changed: median ${ms(median(changed))}`);
  const { chromium } = require("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.MFLAB_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const pageTimes = async (hash, done) => {
    const out = [];
    for (let k = 0; k < 3; k++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const t0 = performance.now();
      await page.goto(`${server.url}${hash}`);
      await page.waitForFunction(done, nFiles, { timeout: 120_000 });
      out.push(performance.now() - t0);
      await page.close();
    }
    return out;
  };
  const listPage = await pageTimes(
    "",
    (n) => document.documentElement.dataset.ready === "1" && document.querySelectorAll('table[data-table="experiments"] tbody tr').length === n,
  );
  console.log(`list page in Chromium (navigation → ${nFiles} rows shown): ${listPage.map(ms).join(", ")} (median ${ms(median(listPage))})`);
  const expPage = await pageTimes("#/experiment/sweep-000.json", () => document.documentElement.dataset.ready === "1");
  console.log(`experiment page in Chromium (${nRuns} runs, figures drawn): ${expPage.map(ms).join(", ")} (median ${ms(median(expPage))})`);
  // Live (issue 16: "update within 2 s"): a results file in the folder rewritten as a sweep does (temp file, then
  // rename) with 1, 2, … runs, one write every 0.5 s; the open list page notes by its own clock when its row first
  // shows each count; lag = that moment − the file's mtime. The server re-walks only every 60 s here, so this is
  // the fs.watch → server-sent event → re-fetch → redraw path alone.
  const livePage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await livePage.goto(server.url);
  await livePage.waitForFunction(() => document.documentElement.dataset.ready === "1", null, { timeout: 120_000 });
  await livePage.evaluate(() => {
    const shownAt = {};
    window.__shownAt = shownAt;
    new MutationObserver(() => {
      const text = document.querySelector('tr[data-id="live.json"] td[data-column="runs"]')?.textContent;
      if (text != null && !(text in shownAt)) shownAt[text] = Date.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const liveWrites = arg("live-writes", 20);
  const writtenAt = [];
  const live = path.join(dir, "live.json");
  for (let k = 1; k <= liveWrites; k++) {
    const r = results(999, k);
    r.env.updatedAt = new Date().toISOString();
    fs.writeFileSync(`${live}.tmp`, JSON.stringify(r, null, 1));
    fs.renameSync(`${live}.tmp`, live);
    writtenAt.push(fs.statSync(live).mtimeMs);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await livePage.waitForFunction((n) => String(n) in window.__shownAt, liveWrites, { timeout: 30_000 }).catch(() => {});
  const shownAt = await livePage.evaluate(() => window.__shownAt);
  const lags = writtenAt.map((t, k) => (String(k + 1) in shownAt ? shownAt[String(k + 1)] - t : Number.NaN));
  const seen = lags.filter((x) => Number.isFinite(x));
  console.log(
    `live: ${liveWrites} writes 0.5 s apart, the list showed ${seen.length} of the counts; lag from the file's mtime to the page showing it: median ${ms(median(seen))}, max ${ms(Math.max(...seen))} (target of issue 16: ≤ 2 s)`,
  );
  await livePage.close();
  await browser.close();
  await server.close();
  console.log(
    `load average (1, 5, 15 min) on ${os.cpus().length} cores: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(", ")}`,
  );
  if (!process.argv.includes("--keep")) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(`bench-ui: ${e.stack ?? e}`);
  process.exit(1);
});
