/**
 * The HTML report in real headless Chromium (plots drawn, no console errors, nothing leaves the machine), the
 * Markdown report's PNG figures, and a report of a real (small) ALS sweep on MovieLens 100K u1.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSweep } from "../../src/experiment/runner";
import { validateSpec } from "../../src/experiment/spec";
import { chromiumPath, isLocalUrl, launchChromium } from "../../src/plot/export";
import { buildReport } from "../../src/report/build";
import { observeSweep } from "../../src/report/observations";
import { writeReport } from "../../src/report/write";
import { fixtureResults, fixtureValidation } from "./fixture";

const CHROMIUM = chromiumPath();
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Chromium not found at ${CHROMIUM}: report browser tests skipped (apt-get install -y chromium or set MFLAB_CHROMIUM)`);

const ML100K = process.env.MFLAB_ML100K ?? path.resolve(__dirname, "../../../shared/datasets/ml-100k");
const hasMl100k = fs.existsSync(path.join(ML100K, "u1.base"));
if (!hasMl100k) console.warn(`MovieLens 100K not found at ${ML100K}: the real-data report test is skipped`);

const EVIL = `<script>window.__pwned=1</script>"x"`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-report-chromium-"));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openReport(browser: Browser, file: string) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => requests.push(r.url()));
  await page.route("**/*", (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.evaluate("window.__mflabReady");
  return { page, errors, requests };
}

describe.skipIf(!hasChromium)("report in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws every figure offline, without console errors or requests leaving the machine", async () => {
    const r = fixtureResults({ dataset: EVIL, name: EVIL, failed: true });
    const file = path.join(dir, "report.html");
    const written = await writeReport(r, file, { validation: fixtureValidation() });
    expect(written.format).toBe("html");
    const { page, errors, requests } = await openReport(browser, file);
    expect(await page.locator(".mflab-figure").count()).toBe(3);
    for (let k = 1; k <= 3; k++) expect(await page.locator(`#mflab-figure-${k} .main-svg`).count()).toBeGreaterThan(0);
    expect(await page.locator("#mflab-figure-1 .annotation-text").allTextContents()).toEqual(expect.arrayContaining(["λ = 1", "λ = 2", "λ = 4"]));
    expect(await page.title()).toBe(`${EVIL} on ${EVIL}`);
    expect(await page.locator("h1").textContent()).toBe(`${EVIL} on ${EVIL}`);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("tr.highlight td").first().textContent()).toBe("1"); // d=1, λ=4 chosen on validation
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !isLocalUrl(u))).toEqual([]);
    await page.close();
  });

  it("Markdown report: exports one PNG per figure next to the report and references it", async () => {
    const out = path.join(dir, "md", "report.md");
    const written = await writeReport(fixtureResults(), out);
    expect(written.images.map((f) => path.basename(f))).toEqual(["report.grid.png", "report.heatmap.png", "report.convergence.png"]);
    for (const img of written.images) {
      const bytes = fs.readFileSync(img);
      expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      expect(bytes.length).toBeGreaterThan(5000);
    }
    const md = fs.readFileSync(out, "utf8");
    expect(md).toContain("![Train and test error against d for each λ](report.grid.png)");
    expect(md).toContain("![MSE on the test set over d × λ](report.heatmap.png)");
  });
});

describe.skipIf(!hasMl100k)("report of a real sweep (ML-100K u1, ALS d ∈ {2, 10} × λ ∈ {1, 6}, 5 iterations)", () => {
  it("reports the stored numbers and trends that match the runs", async () => {
    const spec = validateSpec({
      name: "report-real",
      data: { kind: "movielens-100k", path: ML100K, split: "u1" },
      model: "als",
      params: { maxIterations: 5, stopping: "none" },
      grid: { d: [2, 10], lambda: [1, 6] },
      seed: 3,
    });
    const out = path.join(dir, "real.json");
    const { results } = await runSweep(spec, { out });
    expect(results.runs.every((r) => r.status === "ok")).toBe(true);
    const html = buildReport(results, { figures: false });
    const mse = (d: number, l: number) => results.runs.find((r) => r.params.d === d && r.params.lambda === l)!.metrics!.test!.mse;
    for (const r of results.runs) expect(html).toContain(`<td class="num">${r.metrics!.test!.mse.toFixed(4)}</td>`);
    const trend10 = observeSweep(results).find((o) => o.kind === "trend" && o.text.includes("d=10"))!;
    const verb = mse(10, 6) < mse(10, 1) ? "falls" : "rises";
    expect(trend10.text).toBe(`test MSE for d=10 ${verb} from ${mse(10, 1).toFixed(4)} at λ=1 to ${mse(10, 6).toFixed(4)} at λ=6`);
    // known shape of ALS with plain λI on u1: d=10 with λ=1 fits train far better than test
    const r10 = results.runs.find((r) => r.params.d === 10 && r.params.lambda === 1)!;
    expect(r10.metrics!.test!.mse - r10.metrics!.train!.mse).toBeGreaterThan(0.3);
    expect(html).toContain("ml-100k/u1");
    expect(html).toContain(results.dataset.fingerprint);
  });
});
