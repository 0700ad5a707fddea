/**
 * Notebooks reopened in a real Jupyter Notebook server, in real headless Chromium, offline (no request may leave
 * the machine):
 * - the committed notebooks, trusted (as `npm run notebook` marks them): their plotly figures must draw; and, once
 *   they were saved with static images, untrusted: every figure shows as its image;
 * - a notebook executed here by nbconvert on the tslab kernel, opened UNTRUSTED (a student's own Jupyter, a fresh
 *   machine): every figure must still show, as its static image; then trusted: every figure is an interactive
 *   plot, the static image replaced.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../src/plot/export";
import { fixtureResults } from "../plot/fixture";

const ROOT = path.resolve(__dirname, "../..");
// MFLAB_REOPEN_NOTEBOOKS=<folder>: reopen the notebooks of that folder instead (e.g. freshly executed copies)
const NOTEBOOKS = process.env.MFLAB_REOPEN_NOTEBOOKS ?? path.join(ROOT, "notebooks");
const committed = fs
  .readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

function figureOutputs(file: string): { data?: Record<string, unknown> }[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => String((o.data?.["text/html"] as string[] | string | undefined) ?? "").includes("data-mflab-figure"));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-reopen-"));
const env = {
  ...process.env,
  JUPYTER_PATH: path.join(ROOT, ".jupyter", "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(dir, "data"),
  JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
  JUPYTER_CONFIG_DIR: path.join(dir, "config"),
};

function sign(file: string): void {
  const trust = "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nNotebookNotary().sign(nbformat.read(sys.argv[1], as_version=4))\n";
  const signed = spawnSync("/usr/bin/python3", ["-c", trust, file], { env, encoding: "utf8" });
  expect(signed.stderr).toBe("");
  expect(signed.status).toBe(0);
}

/** A Jupyter Notebook server on `dir`; `open(name)` gives the notebook's URL. */
async function startServer(): Promise<{ open: (name: string) => string; stopKernels: () => Promise<void>; stop: () => Promise<void> }> {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const server = spawn(
    "/usr/bin/python3",
    ["-m", "notebook", "--no-browser", `--notebook-dir=${dir}`, "--ip=127.0.0.1", `--port=${port}`, "--allow-root"],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  );
  const [base, token] = await new Promise<[string, string]>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`notebook server did not start:\n${text}`)), 30_000);
    server.stderr!.on("data", (d) => {
      text += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve([m[1], m[2]]);
      }
    });
  });
  /** Shut down the kernels the pages started (each open notebook starts one; they also outlive a killed server). */
  const stopKernels = async () => {
    const api = (p: string) => `${base.replace(/\/$/, "")}${p}?token=${token}`;
    try {
      const kernels = (await (await fetch(api("/api/kernels"))).json()) as { id: string }[];
      for (const k of kernels) await fetch(api(`/api/kernels/${k.id}`), { method: "DELETE" });
    } catch {
      /* server already gone */
    }
  };
  /** Shut down the kernels, then the server itself. */
  const stop = async () => {
    await stopKernels();
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    server.kill("SIGKILL");
  };
  return { open: (name) => `${base}notebooks/${name}?token=${token}`, stopKernels, stop };
}

/** A page whose requests outside the machine are aborted and recorded in `outside`. */
async function offlinePage(browser: Browser): Promise<{ page: Page; outside: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const outside: string[] = [];
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (/^(https?:\/\/(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)/.test(u)) return route.continue();
    outside.push(u);
    return route.abort();
  });
  return { page, outside };
}

/** Wait until `n` static images show in HTML outputs (an untrusted notebook); their sizes and sources. */
async function staticImages(page: Page, n: number): Promise<{ natural: number; w: number; h: number; src: string }[]> {
  await page.waitForFunction(
    (k) => Array.from(document.querySelectorAll(".output_html img")).filter((i) => (i as HTMLImageElement).naturalWidth > 0).length >= k,
    n,
    { timeout: 120_000 },
  );
  return await page.evaluate(() =>
    Array.from(document.querySelectorAll(".output_html img")).map((i) => {
      const r = i.getBoundingClientRect();
      return { natural: (i as HTMLImageElement).naturalWidth, w: r.width, h: r.height, src: (i.getAttribute("src") ?? "").slice(0, 22) };
    }),
  );
}

/** True when Jupyter shows the notebook as not trusted (its scripts removed). */
async function notTrusted(page: Page): Promise<boolean> {
  const text = await page.evaluate(() => (document.querySelector("#notification_trusted") as HTMLElement | null)?.textContent ?? "");
  return /Not Trusted/.test(text);
}

/** Wait until `n` figures have drawn their interactive plot; the number of plots drawn. */
async function interactiveFigures(page: Page, n: number): Promise<number> {
  // A plotly plot has several .main-svg layers: count figures that have drawn at least one.
  await page.waitForFunction(
    (k) => Array.from(document.querySelectorAll(".mflab-figure")).filter((f) => f.querySelector(".main-svg")).length >= k,
    n,
    { timeout: 120_000 },
  );
  return await page.evaluate(() => document.querySelectorAll(".mflab-figure .plot-container").length);
}

describe("saved notebooks reopen with their figures, offline", () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    for (const name of committed) {
      fs.copyFileSync(path.join(NOTEBOOKS, name), path.join(dir, name));
      sign(path.join(dir, name));
      // Jupyter trusts by content (the signature's hash), not by file name: the unsigned copy must differ.
      const copy = JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, name), "utf8")) as { metadata: Record<string, unknown> };
      copy.metadata.mflab_reopen = "untrusted copy";
      fs.writeFileSync(path.join(dir, `untrusted-${name}`), JSON.stringify(copy));
    }
    server = await startServer();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const name of committed) {
    it(name, async () => {
      const outputs = figureOutputs(path.join(dir, name));
      const expected = outputs.length;
      expect(expected, `${name} must be committed with its outputs (figures)`).toBeGreaterThanOrEqual(name === "als-sweep.ipynb" ? 4 : 1);
      const { page, outside } = await offlinePage(browser!);
      try {
        await page.goto(server!.open(name));
        expect(await interactiveFigures(page, expected)).toBe(expected);
        expect(outside).toEqual([]);
      } finally {
        await page.close();
        await server!.stopKernels();
      }
      // Saved with static images (executed by this version of mflab): untrusted, every figure is a picture.
      if (outputs.every((o) => o.data?.["image/png"] !== undefined)) {
        const untrusted = await offlinePage(browser!);
        try {
          await untrusted.page.goto(server!.open(`untrusted-${name}`));
          expect((await staticImages(untrusted.page, expected)).filter((i) => i.src === "data:image/png;base64,")).toHaveLength(expected);
          expect(await notTrusted(untrusted.page)).toBe(true);
        } finally {
          await untrusted.page.close();
          await server!.stopKernels();
        }
      } else {
        console.warn(`${name}: saved by an older mflab without static images; re-execute it (npm run notebooks:execute) so it shows untrusted`);
      }
    }, 300_000);
  }
});

describe("a freshly executed notebook: untrusted → every figure as an image; trusted → interactive", () => {
  const name = "figures-fallback.ipynb";
  const FIGURES = 4;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const results = path.join(dir, "fixture-results.json");
    fs.writeFileSync(results, JSON.stringify(fixtureResults()));
    const cells = [
      `const mf = require(${JSON.stringify(path.join(ROOT, "dist"))});\nconst results = mf.readResults(${JSON.stringify(results)});`,
      "mf.show(mf.assignmentGridFigure(results, { sharedYRange: true }));",
      'mf.show(mf.heatmapFigure(results, { metric: "test.mse" }));\nmf.show(mf.convergenceFigure(results));',
      "mf.show(mf.compareFigure(results));",
    ];
    const nb = {
      cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const source = path.join(dir, "source.ipynb");
    fs.writeFileSync(source, JSON.stringify(nb));
    const started = Date.now();
    const r = spawnSync(
      "/usr/bin/python3",
      ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tslab", "--output", name, source],
      { cwd: dir, env, encoding: "utf8", timeout: 300_000 },
    );
    if (r.status !== 0) throw new Error(`nbconvert failed (exit ${r.status}):\n${(r.stderr ?? "").slice(-3000)}`);
    console.log(`executed ${FIGURES} figures with static images in ${((Date.now() - started) / 1000).toFixed(1)} s (incl. kernel start)`);
    server = await startServer();
    browser = await launchChromium();
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the saved outputs carry all four representations", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as { cells: { outputs: { data?: Record<string, unknown> }[] }[] };
    const figures = nb.cells.flatMap((c) => c.outputs).filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
    expect(figures).toHaveLength(FIGURES);
    for (const o of figures) {
      expect(Object.keys(o.data!).sort()).toEqual(["application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"]);
      expect(String(o.data!["text/plain"])).toMatch(/^\[figure: .+ — interactive in a trusted notebook; static image attached\]$/);
    }
  });

  it("untrusted: every figure shows as its static image (scripts removed by Jupyter)", async () => {
    const { page, outside } = await offlinePage(browser!);
    try {
      await page.goto(server!.open(name));
      await staticImages(page, FIGURES);
      await page.waitForTimeout(1000); // had a script run, it would have drawn by now
      const shown = await staticImages(page, FIGURES);
      expect(shown).toHaveLength(FIGURES);
      for (const s of shown) {
        expect(s.src).toBe("data:image/png;base64,");
        expect(s.natural).toBeGreaterThan(100);
        expect(s.w).toBeGreaterThan(100);
        expect(s.h).toBeGreaterThan(100);
      }
      // no interactive plot: Jupyter did not run the scripts
      expect(await page.evaluate(() => document.querySelectorAll(".main-svg").length)).toBe(0);
      expect(await notTrusted(page)).toBe(true);
      expect(outside).toEqual([]);
    } finally {
      await page.close();
      await server!.stopKernels();
    }
  }, 180_000);

  it("trusted: every figure is an interactive plot, its static image replaced", async () => {
    sign(path.join(dir, name));
    const { page, outside } = await offlinePage(browser!);
    try {
      await page.goto(server!.open(name));
      expect(await interactiveFigures(page, FIGURES)).toBe(FIGURES);
      expect(await page.evaluate(() => document.querySelectorAll(".mflab-figure img.mflab-static-image").length)).toBe(0);
      expect(outside).toEqual([]);
    } finally {
      await page.close();
      await server!.stopKernels();
    }
  }, 180_000);
});
