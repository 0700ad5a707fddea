/**
 * Inline figures in tslab notebooks, offline.
 *
 * How it works:
 * - The first {@link show} in a kernel process emits one `text/html` output whose `<script>` defines
 *   `window.Plotly` from the inlined plotly.js bundle (guarded by `if (!window.Plotly)`, with AMD/CommonJS
 *   globals shadowed so Jupyter classic's require.js cannot swallow it). By default the bundle travels
 *   gzip-compressed and base64-encoded (≈ 2.0 MB instead of 4.9 MB) and is inflated in the browser with
 *   `DecompressionStream("gzip")`; `window.__mflabPlotly` is the promise of Plotly. The saved notebook thus
 *   carries plotly.js exactly once, in the first figure's cell.
 * - Every figure emits ONE display_data output carrying four representations (a mime bundle), so that it shows
 *   wherever the notebook is opened:
 *   - `text/html`: a `<div data-mflab-figure="<key>">` holding the static image (`<img src="data:image/png;base64,…">`)
 *     plus a script that waits for the div to be attached and for plotly.js, then replaces the image by the
 *     interactive plot (`Plotly.newPlot`). A trusted notebook shows the interactive plot; an untrusted classic
 *     Jupyter removes the script but keeps the image, so the figure is still there (as a picture).
 *   - `application/vnd.plotly.v1+json`: `{data, layout}`, which JupyterLab and VS Code render natively.
 *   - `image/png`: the same static image, for front ends that prefer images or do not render HTML.
 *   - `text/plain`: one line, `[figure: <title> — interactive in a trusted notebook; static image attached]`.
 *   The key is `mflab-<n>-<hash>` (per-process counter + 10 hex chars of the figure JSON's sha256), so outputs
 *   are deterministic for a given run order. Reopening a saved, trusted notebook replays the outputs in order:
 *   the loader runs first and every figure script awaits it. No network access is ever involved.
 * - The static image is a PNG drawn by headless Chromium (see ../plot/static-image.ts: one browser per kernel
 *   process, kept in a worker thread; `show` blocks on it with `Atomics.wait`, a fraction of a second per figure
 *   after the first, which starts Chromium). Turn it off with `show(figure, {staticImage: false})` or the
 *   environment variable `MFLAB_STATIC_IMAGE=0` (set before the kernel starts, or `process.env.MFLAB_STATIC_IMAGE
 *   = "0"` in a cell): outputs are then smaller and faster, and untrusted viewers show no figure. When Chromium
 *   (or playwright-core) is missing or the image fails, the figure is shown without it — never an error — and
 *   the `text/plain` line says why the static image is absent.
 * - Emission goes through the kernel's own writer: tslab sets `lastWriteDisplayData` on its copy of
 *   `tslab/dist/jupyter.js`; a `require("tslab")` from this library could resolve to a different copy (another
 *   node_modules, a global tslab), whose `display` would throw "Not ready". So the writer is located through
 *   `require.cache`: the loaded `…/tslab/dist/jupyter.js` whose `lastWriteDisplayData` is set is the kernel's.
 *   It is called with the whole mime bundle (tslab's `display.raw` sends one mime type per message); live
 *   outputs ({@link liveOutput}) use the sibling `public.js`'s `newDisplay`. {@link setDisplayHandler}
 *   overrides this (other kernels, tests).
 * - Outside a kernel, `show` throws; {@link figureDisplayBundle} / {@link figureDisplayHtml} /
 *   {@link plotlyBundleLoaderHtml} return the outputs instead.
 *
 * Limitation: the loader lives in the output of the cell that first called `show`. If that output is
 * cleared or the cell is re-run alone (the kernel does not emit the bundle twice), figures in a reopened
 * notebook cannot find plotly.js and say so in place of the plot; re-run all cells, or call
 * {@link loadPlotly} in an earlier cell.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { plotlyLoaderScript } from "../plot/bundle";
import type { Figure } from "../plot/figures";
import { polishFigure } from "../plot/grammar";
import { drawFigureScript, escapeHtml, figureBoxStyle } from "../plot/html";
import { renderFigurePngSync, staticImageSize, warmStaticRenderer } from "../plot/static-image";

export interface ShowOptions {
  /** Plot height in px (default: the layout's height, else 450). */
  height?: number;
  /** Plot width in px (default: the layout's width, else the full output width). */
  width?: number;
  /**
   * Attach a static PNG (inside the HTML and as `image/png`) so the figure also shows where scripts do not run
   * (untrusted notebooks, git hosts). Default: true, unless the environment variable `MFLAB_STATIC_IMAGE` is
   * `0`, `false`, `off` or `no`.
   */
  staticImage?: boolean;
  /** Width in px of the static image when the plot has no fixed width (default: the layout's width, else 900). */
  imageWidth?: number;
}

export interface LoaderOptions {
  /** gzip+base64 (default true, ≈ 2.0 MB) or the plain minified bundle (false, ≈ 4.9 MB). */
  compress?: boolean;
}

/** One display_data output: mime type → content, and per-type metadata (as Jupyter's messages carry them). */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * Something that can show an output in the current notebook cell: `html` is the bundle's `text/html` (the
 * only part a plain HTML front end needs), `bundle` the whole output.
 */
export type DisplayHandler = (html: string, bundle: MimeBundle) => void;

/** The mime type of plotly figures (`{data, layout}`), rendered natively by JupyterLab and VS Code. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

interface DisplayState {
  counter: number;
  loaded: boolean;
  handler?: DisplayHandler;
}

// Shared through globalThis so two copies of mflab in one kernel still emit plotly.js once.
const STATE_KEY = Symbol.for("mflab.plot.display");

function state(): DisplayState {
  const g = globalThis as unknown as Record<symbol, DisplayState | undefined>;
  return (g[STATE_KEY] ??= { counter: 0, loaded: false });
}

/** `<script>` that defines `window.Plotly` offline, once per page (see module doc). */
export function plotlyBundleLoaderHtml(options: LoaderOptions = {}): string {
  return `<script type="text/javascript">\n${plotlyLoaderScript(options.compress === false ? "inline" : "gzip")}</script>\n`;
}

/**
 * The HTML output for one figure: a placeholder div (holding `imagePng` as an `<img>` when given, replaced by the
 * plot when the script runs) and the script that draws into it (plotly.js must be loaded by
 * {@link plotlyBundleLoaderHtml} earlier in the page). Advances the per-process figure counter.
 */
export function figureDisplayHtml(figure: Figure, options: ShowOptions = {}, imagePng?: Buffer): string {
  const st = state();
  st.counter += 1;
  const hash = createHash("sha256")
    .update(JSON.stringify([figure, options.height ?? null, options.width ?? null]))
    .digest("hex")
    .slice(0, 10);
  const key = `mflab-${st.counter}-${hash}`;
  let img = "";
  if (imagePng) {
    const { width, height } = staticImageSize(figure, { width: options.width ?? options.imageWidth, height: options.height });
    img =
      `<img class="mflab-static-image" src="data:image/png;base64,${imagePng.toString("base64")}" width="${width}" height="${height}" ` +
      `style="max-width:100%;height:auto;" alt="${escapeHtml(`${figureTitle(figure)} (static image)`)}">`;
  }
  return (
    `<div id="${key}" data-mflab-figure="${key}" class="mflab-figure" style="${figureBoxStyle(figure, 450, options.height, options.width)}">${img}</div>\n` +
    `<script type="text/javascript">\n${drawFigureScript(figure, key)}</script>\n`
  );
}

/** The figure's title as plain text (tags such as `<br>`, `<sup>` removed), or "untitled". */
export function figureTitle(figure: Figure): string {
  const t = figure.layout?.title;
  const text = typeof t === "string" ? t : typeof t === "object" && t !== null ? (t as { text?: unknown }).text : undefined;
  const plain =
    typeof text === "string"
      ? text
          .replace(/<br\s*\/?>/gi, " — ")
          .replace(/<[^>]*>/g, "")
          .replace(/\s+/g, " ")
          .trim()
      : "";
  return plain || "untitled";
}

/** True unless `MFLAB_STATIC_IMAGE` is 0, false, off or no. */
export function staticImagesEnabled(): boolean {
  return !/^(0|false|off|no)$/i.test((process.env.MFLAB_STATIC_IMAGE ?? "").trim());
}

export interface FigureBundleResult {
  bundle: MimeBundle;
  /** Milliseconds spent rendering the static image (0 when none was made). */
  imageMs: number;
  /** Why there is no static image (undefined when there is one). */
  noImage?: string;
}

/**
 * The display_data output {@link show} emits for `figure` (see the module doc): `text/html` (plot script plus
 * the static image), `application/vnd.plotly.v1+json`, `image/png` and a `text/plain` line. The figure passes
 * through {@link polishFigure} first. Never throws for a failed image: the bundle then lacks `image/png` and
 * the `text/plain` line says why. Advances the per-process figure counter.
 */
export function figureDisplayBundle(input: Figure, options: ShowOptions = {}): FigureBundleResult {
  const figure = polishFigure(input);
  const wanted = options.staticImage ?? staticImagesEnabled();
  const size = staticImageSize(figure, { width: options.width ?? options.imageWidth, height: options.height });
  let png: Buffer | undefined;
  let noImage: string | undefined;
  let imageMs = 0;
  if (wanted) {
    const r = renderFigurePngSync(figure, size);
    imageMs = r.ms;
    if (r.png) png = r.png;
    else noImage = `no static image: ${r.error}`;
  } else {
    noImage = options.staticImage === false ? "static image off (staticImage: false)" : "static image off (MFLAB_STATIC_IMAGE)";
  }
  const html = figureDisplayHtml(figure, options, png);
  const data: Record<string, unknown> = {
    "text/html": html,
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout },
    "text/plain": `[figure: ${figureTitle(figure)} — interactive in a trusted notebook; ${png ? "static image attached" : noImage}]`,
  };
  const metadata: Record<string, unknown> = {};
  if (png) {
    data["image/png"] = png.toString("base64");
    metadata["image/png"] = size;
  }
  return { bundle: { data, metadata }, imageMs, noImage };
}

/**
 * Show `figure` inline in the current tslab notebook cell. Returns nothing (so the cell does not also
 * print a value).
 * @throws Error when not running inside a tslab kernel (and no handler was set)
 */
export function show(figure: Figure, options: ShowOptions & LoaderOptions = {}): void {
  const display = requireDisplay("show()");
  const st = state();
  if (!st.loaded) {
    // Chromium starts while the loader is prepared and sent
    if (options.staticImage ?? staticImagesEnabled()) warmStaticRenderer();
    const loader = loaderBundle(options);
    display(loader.data["text/html"] as string, loader);
    st.loaded = true;
  }
  const { bundle } = figureDisplayBundle(figure, options);
  display(bundle.data["text/html"] as string, bundle);
}

function loaderBundle(options: LoaderOptions): MimeBundle {
  return {
    data: { "text/html": plotlyBundleLoaderHtml(options), "text/plain": "[mflab: plotly.js for the interactive figures of this notebook]" },
    metadata: {},
  };
}

// Inside a tslab kernel, start the static-image renderer in the background as soon as mflab is imported: by the
// first show() (usually cells later) Chromium is up and plotly.js loaded. Outside a kernel nothing starts.
if (tslabJupyterFile() !== undefined && staticImagesEnabled()) warmStaticRenderer();

/** Emit the plotly.js loader in the current cell now (e.g. at the top of a notebook), even if already done. */
export function loadPlotly(options: LoaderOptions = {}): void {
  const display = requireDisplay("loadPlotly()");
  const loader = loaderBundle(options);
  display(loader.data["text/html"] as string, loader);
  state().loaded = true;
}

/** Route notebook outputs to `handler` (another kernel, tests); `undefined` restores tslab discovery. */
export function setDisplayHandler(handler: DisplayHandler | undefined): void {
  state().handler = handler;
}

/** Forget that plotly.js was emitted and restart the figure counter (as in a fresh kernel). */
export function resetDisplayState(): void {
  const st = state();
  st.counter = 0;
  st.loaded = false;
}

/** True when {@link show} can display (inside a tslab kernel, or a handler is set). */
export function canDisplay(): boolean {
  return findDisplay() !== undefined;
}

function requireDisplay(what: string): DisplayHandler {
  const display = findDisplay();
  if (!display) {
    throw new Error(
      `${what} needs a running tslab (Jupyter) kernel, and none is active in this process. Outside notebooks ` +
        "use writeFigureHtml()/figureToHtml() for files, or figureDisplayHtml() for the HTML fragment.",
    );
  }
  return display;
}

interface TslabModule {
  exports?: { lastWriteDisplayData?: unknown };
}

type WriteDisplayData = (
  msg: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** The kernel's display writer, found through require.cache (see module doc). */
function findDisplay(): DisplayHandler | undefined {
  const st = state();
  if (st.handler) return st.handler;
  const file = tslabJupyterFile();
  if (!file) return undefined;
  const cache = require.cache as Record<string, TslabModule | undefined>;
  return (_html, bundle) => {
    // Looked up at call time: tslab sets a new writer for every cell it executes.
    const write = cache[file]?.exports?.lastWriteDisplayData as WriteDisplayData | undefined;
    if (typeof write !== "function") throw new Error("mflab: the tslab kernel has no display writer (not inside a cell)");
    write({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
  };
}

/** Path of the running kernel's `tslab/dist/jupyter.js` (the one whose `lastWriteDisplayData` is set), if any. */
function tslabJupyterFile(): string | undefined {
  const cache = require.cache as Record<string, TslabModule | undefined>;
  for (const file of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    if (typeof cache[file]?.exports?.lastWriteDisplayData === "function") return file;
  }
  return undefined;
}

interface TslabPublic {
  display?: { html?: (s: string) => void };
  newDisplay?: () => { html(s: string): void; text(s: string): void };
}

/** The running kernel's copy of tslab's public module (see the module doc), or undefined outside a kernel. */
function tslabPublic(): TslabPublic | undefined {
  const cache = require.cache as Record<string, TslabModule | undefined>;
  for (const file of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    if (typeof cache[file]?.exports?.lastWriteDisplayData !== "function") continue;
    try {
      return require(path.join(path.dirname(file), "public.js")) as TslabPublic;
    } catch {
      // not a usable tslab copy; keep looking
    }
  }
  return undefined;
}

/**
 * One notebook output that is overwritten in place each time `update(html)` is called (tslab's `newDisplay`,
 * Jupyter's update_display_data). Outside a kernel (or with a handler set by {@link setDisplayHandler}), each
 * update goes to `fallback` instead (default: nothing).
 */
export function liveOutput(fallback?: (html: string) => void): (html: string) => void {
  const st = state();
  const handler = st.handler;
  if (handler) return (html) => handler(html, { data: { "text/html": html }, metadata: {} });
  const pub = tslabPublic();
  if (pub?.newDisplay) {
    const d = pub.newDisplay();
    return (html) => d.html(html);
  }
  return fallback ?? (() => {});
}
