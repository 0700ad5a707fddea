/**
 * Real headless Chromium: exported pages draw offline, notebook fragments draw when replayed the way
 * Jupyter classic inserts outputs, and PNG/SVG export produce valid images. One browser for the page tests,
 * one more launched by exportFigureImages.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { figureDisplayHtml, plotlyBundleLoaderHtml } from "../../src/notebook/display";
import { chromiumPath, exportFigureImage, exportFigureImages, figureToHtml, isLocalUrl, launchChromium } from "../../src/plot/export";
import { assignmentGridFigure, compareFigure, heatmapFigure, type Figure } from "../../src/plot/figures";
import { fixtureResults } from "./fixture";

const CHROMIUM = chromiumPath();
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`Chromium not found at ${CHROMIUM}: headless browser tests skipped (apt-get install -y chromium or set MFLAB_CHROMIUM)`);

const EVIL = `</script><script>window.__pwned = 1</script>"`;

interface Watch {
  errors: string[];
  requests: string[];
}

async function watchedPage(browser: Browser): Promise<{ page: Page; watch: Watch }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const watch: Watch = { errors: [], requests: [] };
  page.on("console", (m) => {
    if (m.type() === "error") watch.errors.push(m.text());
  });
  page.on("pageerror", (e) => watch.errors.push(String(e)));
  page.on("request", (r) => watch.requests.push(r.url()));
  // Belt and braces: nothing may leave the machine even if a request slipped through.
  await page.route("**/*", (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort()));
  return { page, watch };
}

describe.skipIf(!hasChromium)("headless Chromium", () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-chromium-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("draws an exported HTML file offline, without console errors or network requests", async () => {
    const evil: Figure = { data: [{ type: "bar", name: EVIL, x: ["a", "b"], y: [1, 2] }], layout: { title: { text: EVIL } } };
    const file = path.join(dir, "grid.html");
    fs.writeFileSync(
      file,
      figureToHtml([assignmentGridFigure(fixtureResults()), heatmapFigure(fixtureResults(), { metric: "test.mae" }), evil], { title: EVIL }),
    );
    const { page, watch } = await watchedPage(browser);
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.evaluate("window.__mflabReady");
    expect(await page.locator(".plot-container").count()).toBe(3);
    expect(await page.locator("#mflab-figure-1 .main-svg").count()).toBeGreaterThan(0);
    // 4 subplot titles + 1 note; 24 heatmap cell labels
    expect(await page.locator("#mflab-figure-1 .annotation-text").allTextContents()).toEqual(
      expect.arrayContaining(["λ = 0.01", "λ = 0.1", "λ = 1", "λ = 10", "2 failed runs not shown"]),
    );
    expect(await page.locator("#mflab-figure-2 .annotation").count()).toBe(25); // 24 cells + the note
    expect(await page.locator("#mflab-figure-3 .gtitle").textContent()).toBe(EVIL);
    expect(await page.title()).toBe(EVIL);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(watch.errors).toEqual([]);
    expect(watch.requests.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it("replays notebook outputs: gzip loader, then figures whose divs are attached after their scripts ran", async () => {
    const { page, watch } = await watchedPage(browser);
    await page.setContent("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>");
    // Mimic Jupyter classic: require.js-style AMD `define` exists globally, and each output's HTML is
    // parsed into a detached element, its scripts run (as jQuery does: new <script> in <head>), then attached.
    await page.evaluate(`window.define = function () { throw new Error("AMD define must not be used"); }; window.define.amd = {};
      window.__insert = function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        box.querySelectorAll("script").forEach(function (s) {
          var run = document.createElement("script");
          run.text = s.text;
          s.remove();
          document.head.appendChild(run).parentNode.removeChild(run);
        });
        setTimeout(function () { document.body.appendChild(box); }, 20);
      };`);
    const outputs = [
      plotlyBundleLoaderHtml(),
      figureDisplayHtml(assignmentGridFigure(fixtureResults())),
      figureDisplayHtml(compareFigure([{ label: EVIL, rmse: [0.9, 1], mae: [0.7, 0.8] }]), { height: 300 }),
    ];
    expect(outputs[0].length).toBeLessThan(2.2e6);
    for (const html of outputs) await page.evaluate(`window.__insert(${JSON.stringify(html)})`);
    // Each plotly plot holds several .main-svg layers: wait until both figures are marked drawn.
    await page.waitForFunction("document.querySelectorAll('[data-mflab-drawn]').length >= 2", undefined, { timeout: 30_000 });
    expect(await page.locator("[data-mflab-drawn]").count()).toBe(2);
    expect(await page.evaluate("document.querySelectorAll('[data-mflab-figure]')[1].getBoundingClientRect().height")).toBe(300);
    expect(await page.evaluate("typeof window.Plotly.newPlot")).toBe("function");
    expect(watch.errors).toEqual([]);
    expect(watch.requests.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it("explains in place when plotly.js was never loaded", async () => {
    const { page } = await watchedPage(browser);
    const fragment = figureDisplayHtml({ data: [], layout: {} });
    await page.setContent(`<!DOCTYPE html><html><body><script>window.__mflabPlotlyWaitMs = 500;</script>${fragment}</body></html>`);
    await page.waitForFunction("document.querySelector('[data-mflab-figure]').textContent.length > 0", undefined, { timeout: 10_000 });
    expect(await page.locator("[data-mflab-figure]").textContent()).toMatch(/plotly.js is not loaded in this page/);
    await page.close();
  });

  it("exports PNG (exact size) and SVG images", async () => {
    const grid = assignmentGridFigure(fixtureResults());
    const [png, svg] = await exportFigureImages([
      { figure: grid, outPath: path.join(dir, "grid.png"), width: 640, height: 480 },
      { figure: figureToHtml(heatmapFigure(fixtureResults(), { metric: "test.mse" })), outPath: path.join(dir, "heat.svg"), format: "svg" },
    ]);
    const bytes = fs.readFileSync(png.file);
    expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(bytes.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([640, 480]);
    expect(png).toMatchObject({ format: "png", width: 640, height: 480, bytes: bytes.length });
    const text = fs.readFileSync(svg.file, "utf8");
    expect(text.startsWith("<svg")).toBe(true);
    expect(text).toContain("</svg>");
    expect(text).toContain("0.9607"); // best cell of the heatmap (d = 5, λ = 0.01)
    console.log(`PNG ${png.bytes} B, SVG ${svg.bytes} B`);
  });
});

describe("Chromium missing", () => {
  it("says how to install it", async () => {
    const saved = process.env.MFLAB_CHROMIUM;
    process.env.MFLAB_CHROMIUM = "/nonexistent/chromium";
    try {
      await expect(exportFigureImage({ data: [], layout: {} }, path.join(os.tmpdir(), "never.png"))).rejects.toThrow(
        "Chromium not found at /nonexistent/chromium: install it with apt-get install -y chromium or set MFLAB_CHROMIUM",
      );
    } finally {
      if (saved === undefined) delete process.env.MFLAB_CHROMIUM;
      else process.env.MFLAB_CHROMIUM = saved;
    }
  });
});
