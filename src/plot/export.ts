/**
 * Figures to files: standalone offline HTML (plotly.js inlined once, no CDN, no network) and PNG/SVG images
 * rendered by headless Chromium through playwright-core.
 *
 * Chromium: `process.env.MFLAB_CHROMIUM ?? "/usr/bin/chromium"` (Debian's package); playwright-core is only
 * needed for image export and is loaded lazily. Pages are loaded with every non-local request aborted
 * (only file:, data:, blob: and about: URLs pass) and the HTML carries a Content-Security-Policy without
 * any network source, so an export never leaves the machine.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { InputError } from "../core/errors";
import type { BundleMode } from "./bundle";
import type { Figure } from "./figures";
import { escapeHtml, figureBoxStyle, figurePageScripts } from "./html";

export { escapeHtml, jsonForScript } from "./html";

/** The CSP of exported pages: inline code only, images from data:/blob: (plotly's toImage), no fetches. */
export const EXPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";

export interface HtmlOptions {
  /** Document title (escaped); also shown as a heading unless `heading: false`. Default "mflab figure". */
  title?: string;
  heading?: boolean;
  /** Optional paragraph under the heading (escaped). */
  description?: string;
  /** "inline" (default): plain 4.9 MB script, works everywhere; "gzip": ≈ 2 MB, needs DecompressionStream. */
  bundle?: BundleMode;
  /** Height in px of figures whose layout has no numeric height (default 500). */
  height?: number;
}

/**
 * A standalone HTML document showing `figures` (one div each, `id="mflab-figure-<k>"`, k = 1, 2, …) with
 * plotly.js inlined once. Every text inserted into the HTML is escaped; figure JSON is embedded with
 * {@link jsonForScript}. When the page has drawn every figure, `window.__mflabReady` resolves (rejects
 * when plotly fails). Output is deterministic: same figures and options, same bytes.
 */
export function figureToHtml(figures: Figure | readonly Figure[], options: HtmlOptions = {}): string {
  const list = Array.isArray(figures) ? (figures as readonly Figure[]) : [figures as Figure];
  if (list.length === 0) throw new InputError("figureToHtml: no figures given");
  for (const [k, f] of list.entries()) {
    if (!f || !Array.isArray(f.data)) throw new InputError(`figureToHtml: figure ${k + 1} has no data array`);
  }
  const title = options.title ?? "mflab figure";
  const height = options.height ?? 500;
  const divs = list.map((f, k) => `<div id="mflab-figure-${k + 1}" class="mflab-figure" style="${figureBoxStyle(f, height)}"></div>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mflab">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 1.3em; font-weight: 600; margin: 0 0 8px; }
p.mflab-description { margin: 0 0 12px; color: #555; }
.mflab-figure { margin: 0 0 24px; }
</style>
</head>
<body>
${options.heading === false ? "" : `<h1>${escapeHtml(title)}</h1>\n`}${
  options.description ? `<p class="mflab-description">${escapeHtml(options.description)}</p>\n` : ""
}${divs}
${figurePageScripts(list, options.bundle ?? "inline")}</body>
</html>
`;
}

/** Write {@link figureToHtml} to `file` (parent folders created). Returns the number of bytes written. */
export function writeFigureHtml(file: string, figures: Figure | readonly Figure[], options: HtmlOptions = {}): number {
  const html = figureToHtml(figures, options);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, html);
  return Buffer.byteLength(html);
}

export interface ImageOptions {
  format?: "png" | "svg";
  /** Image size in CSS px; default the layout's width/height, else 900 × 600. */
  width?: number;
  height?: number;
  /** PNG pixel ratio (default 1: the PNG is exactly width × height). */
  scale?: number;
  /** Milliseconds to wait for the page to draw (default 60 000). */
  timeoutMs?: number;
}

export interface ImageResult {
  file: string;
  format: "png" | "svg";
  width: number;
  height: number;
  bytes: number;
}

export interface ImageJob extends ImageOptions {
  /** A figure, or an HTML document containing plotly figures (the first one is exported). */
  figure: Figure | string;
  outPath: string;
}

/** The Chromium executable image export uses. */
export function chromiumPath(): string {
  return process.env.MFLAB_CHROMIUM ?? "/usr/bin/chromium";
}

/** Flags for headless Chromium without sandbox, GPU or background network traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launch headless Chromium through playwright-core (caller closes it). Internal: keeps playwright-core's
 * types out of the public declarations.
 * @internal
 * @throws InputError when the executable or playwright-core is missing
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new InputError(`Chromium not found at ${executablePath}: install it with apt-get install -y chromium or set MFLAB_CHROMIUM`);
  }
  let playwright: typeof import("playwright-core");
  try {
    playwright = require("playwright-core");
  } catch {
    throw new InputError("image export needs the playwright-core package: npm install playwright-core");
  }
  return playwright.chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
}

/** True for URLs that stay on the machine (the only requests exported pages may make). */
export function isLocalUrl(url: string): boolean {
  return /^(file|data|blob|about):/i.test(url);
}

/**
 * Render `figure` (a figure or an HTML document with plotly figures) in headless Chromium and write it as
 * PNG (`Plotly.toImage`, exactly width × height × scale pixels) or SVG (`Plotly.toImage` with format "svg",
 * data URL decoded). Launches and closes one browser; use {@link exportFigureImages} for several images.
 * @throws InputError when Chromium or playwright-core is missing, or the page has no plotly figure
 */
export async function exportFigureImage(figure: Figure | string, outPath: string, options: ImageOptions = {}): Promise<ImageResult> {
  const [result] = await exportFigureImages([{ ...options, figure, outPath }]);
  return result;
}

/** {@link exportFigureImage} for several images with one browser launch. */
export async function exportFigureImages(jobs: readonly ImageJob[]): Promise<ImageResult[]> {
  const browser = await launchChromium();
  try {
    const results: ImageResult[] = [];
    for (const job of jobs) results.push(await renderOne(browser, job));
    return results;
  } finally {
    await browser.close();
  }
}

async function renderOne(browser: Browser, job: ImageJob): Promise<ImageResult> {
  const format = job.format ?? (job.outPath.toLowerCase().endsWith(".svg") ? "svg" : "png");
  if (format !== "png" && format !== "svg") throw new InputError(`image format must be "png" or "svg", got "${String(format)}"`);
  const isHtml = typeof job.figure === "string";
  const layout = isHtml ? {} : ((job.figure as Figure).layout ?? {});
  const width = Math.round(job.width ?? (typeof layout.width === "number" ? layout.width : 900));
  const height = Math.round(job.height ?? (typeof layout.height === "number" ? layout.height : 600));
  const scale = job.scale ?? 1;
  if (!(width > 0 && height > 0 && scale > 0)) throw new InputError(`image size must be positive, got ${width}×${height} at scale ${scale}`);
  const timeout = job.timeoutMs ?? 60_000;
  const html = isHtml ? (job.figure as string) : figureToHtml(job.figure as Figure, { heading: false, title: "mflab export" });

  const page = await browser.newPage({ viewport: { width: Math.max(width + 64, 800), height: Math.max(height + 64, 600) } });
  try {
    await page.route("**/*", (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: "load", timeout });
    await page.waitForFunction("!!document.querySelector('.js-plotly-plot') || !!window.__mflabReady", undefined, { timeout });
    const dataUrl = (await page.evaluate(
      `(async () => {
        if (window.__mflabReady) await window.__mflabReady;
        const start = Date.now();
        let gd = document.querySelector(".js-plotly-plot");
        while (!gd && Date.now() - start < ${timeout}) {
          await new Promise((r) => setTimeout(r, 50));
          gd = document.querySelector(".js-plotly-plot");
        }
        if (!gd || !window.Plotly) throw new Error("no plotly figure in the page");
        return await window.Plotly.toImage(gd, ${JSON.stringify({ format, width, height, scale })});
      })()`,
    )) as string;
    const bytes = decodeDataUrl(dataUrl);
    fs.mkdirSync(path.dirname(path.resolve(job.outPath)), { recursive: true });
    fs.writeFileSync(job.outPath, bytes);
    return {
      file: job.outPath,
      format,
      width: Math.round(width * (format === "png" ? scale : 1)),
      height: Math.round(height * (format === "png" ? scale : 1)),
      bytes: bytes.length,
    };
  } finally {
    await page.close();
  }
}

/** Bytes of a `data:` URL (base64 or percent-encoded, as plotly's toImage returns for PNG and SVG). */
export function decodeDataUrl(url: string): Buffer {
  const m = /^data:([^,]*),(.*)$/s.exec(url);
  if (!m) throw new InputError(`expected a data: URL from Plotly.toImage, got ${JSON.stringify(url.slice(0, 40))}`);
  return /;base64$/i.test(m[1]) ? Buffer.from(m[2], "base64") : Buffer.from(decodeURIComponent(m[2]), "utf8");
}
