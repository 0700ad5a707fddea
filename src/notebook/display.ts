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
 * - Every figure emits a small `text/html` output: a `<div data-mflab-figure="<key>">` plus a script that
 *   waits for the div to be attached and for plotly.js, then calls `Plotly.newPlot`. The key is
 *   `mflab-<n>-<hash>` (per-process counter + 10 hex chars of the figure JSON's sha256), so outputs are
 *   deterministic for a given run order. Reopening a saved, trusted notebook replays the outputs in order:
 *   the loader runs first and every figure script awaits it. No network access is ever involved.
 * - Emission goes through tslab's own `display.html()`. The kernel sets the writer on its copy of
 *   `tslab/dist/jupyter.js` (`lastWriteDisplayData`); a `require("tslab")` from this library could resolve to
 *   a different copy (another node_modules, a global tslab), whose `display` would throw "Not ready". So the
 *   display is located through `require.cache`: the loaded `…/tslab/dist/jupyter.js` whose
 *   `lastWriteDisplayData` is set is the kernel's, and its sibling `public.js` provides the matching
 *   `display`. {@link setDisplayHandler} overrides this (other kernels, tests).
 * - Outside a kernel, `show` throws; {@link figureDisplayHtml} / {@link plotlyBundleLoaderHtml} return the
 *   HTML instead.
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
import { drawFigureScript, figureBoxStyle } from "../plot/html";

export interface ShowOptions {
  /** Plot height in px (default: the layout's height, else 450). */
  height?: number;
  /** Plot width in px (default: the layout's width, else the full output width). */
  width?: number;
}

export interface LoaderOptions {
  /** gzip+base64 (default true, ≈ 2.0 MB) or the plain minified bundle (false, ≈ 4.9 MB). */
  compress?: boolean;
}

/** Something that can show an HTML output in the current notebook cell. */
export type DisplayHandler = (html: string) => void;

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
 * The HTML output for one figure: a placeholder div and the script that draws into it (plotly.js must be
 * loaded by {@link plotlyBundleLoaderHtml} earlier in the page). Advances the per-process figure counter.
 */
export function figureDisplayHtml(figure: Figure, options: ShowOptions = {}): string {
  const st = state();
  st.counter += 1;
  const hash = createHash("sha256")
    .update(JSON.stringify([figure, options.height ?? null, options.width ?? null]))
    .digest("hex")
    .slice(0, 10);
  const key = `mflab-${st.counter}-${hash}`;
  return (
    `<div id="${key}" data-mflab-figure="${key}" class="mflab-figure" style="${figureBoxStyle(figure, 450, options.height, options.width)}"></div>\n` +
    `<script type="text/javascript">\n${drawFigureScript(figure, key)}</script>\n`
  );
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
    display(plotlyBundleLoaderHtml(options));
    st.loaded = true;
  }
  display(figureDisplayHtml(figure, options));
}

/** Emit the plotly.js loader in the current cell now (e.g. at the top of a notebook), even if already done. */
export function loadPlotly(options: LoaderOptions = {}): void {
  const display = requireDisplay("loadPlotly()");
  display(plotlyBundleLoaderHtml(options));
  state().loaded = true;
}

/** Route notebook HTML outputs to `handler` (another kernel, tests); `undefined` restores tslab discovery. */
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

/** The kernel's tslab display, found through require.cache (see module doc). */
function findDisplay(): DisplayHandler | undefined {
  const st = state();
  if (st.handler) return st.handler;
  const pub = tslabPublic();
  const display = pub?.display;
  if (display && typeof display.html === "function") return (html) => display.html!(html);
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
  if (st.handler) return st.handler;
  const pub = tslabPublic();
  if (pub?.newDisplay) {
    const d = pub.newDisplay();
    return (html) => d.html(html);
  }
  return fallback ?? (() => {});
}
