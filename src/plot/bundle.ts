/**
 * The offline plotly.js bundle and the browser code that loads it, shared by the HTML writer and notebook
 * display. No CDN: the bundle text is inlined into the output.
 *
 * Where the bundle comes from: `dist/vendor/plotly.min.js` (written by scripts/vendor-plotly.js at build
 * time; found at `path.join(__dirname, "../vendor/plotly.min.js")` from dist/plot/), falling back to the
 * unminified `require.resolve("plotly.js-dist")` (11 MB) when the minified file is missing, e.g. when
 * running from src/ under vitest before a build.
 *
 * Two ways to ship it into a page:
 * - "inline": the bundle as a plain script (4.9 MB; works in every browser, synchronous).
 * - "gzip": gzip(level 9) + base64 (≈ 2.0 MB), decoded in the browser with `DecompressionStream("gzip")`
 *   (Chrome 80, Firefox 113, Safari 16.4); loading is asynchronous, `window.__mflabPlotly` is the promise.
 * Either way the code runs with `define`, `module` and `exports` shadowed, so AMD loaders (require.js in
 * Jupyter classic) or CommonJS shims cannot capture it: it always sets `window.Plotly`, and only when
 * `window.Plotly` is not already defined.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { InputError } from "../core/errors";

export type BundleMode = "inline" | "gzip";

let cachedPath: string | undefined;
let cachedSource: string | undefined;
let cachedGzip: string | undefined;

/** Path of the plotly.js bundle that will be inlined (minified vendor copy when present). */
export function plotlyBundlePath(): string {
  if (cachedPath) return cachedPath;
  const candidates = [
    path.join(__dirname, "../vendor/plotly.min.js"),
    // running from src/plot (tests before/after a build): the repository's dist/vendor
    path.join(__dirname, "../../dist/vendor/plotly.min.js"),
  ];
  for (const c of candidates) {
    if (fs.existsSync(c)) return (cachedPath = c);
  }
  try {
    return (cachedPath = require.resolve("plotly.js-dist"));
  } catch {
    throw new InputError(
      "plotly.js bundle not found: neither dist/vendor/plotly.min.js (run `node scripts/vendor-plotly.js` after tsc) " +
        "nor the plotly.js-dist package (npm install plotly.js-dist) is available",
    );
  }
}

/**
 * The bundle source, made safe to place inside an inline `<script>`: any `</script` becomes `<\/script` and
 * `<!--` becomes `<\u0021--` (both mean the same inside JS strings, regexes and comments; the vendored
 * plotly.js 3.7 contains neither).
 */
export function plotlyBundleSource(): string {
  if (cachedSource === undefined) {
    cachedSource = fs
      .readFileSync(plotlyBundlePath(), "utf8")
      .replace(/<\/(script)/gi, "<\\/$1")
      .replace(/<!--/g, "<\\u0021--");
  }
  return cachedSource;
}

/** base64 of gzip(level 9) of {@link plotlyBundleSource} (computed once per process, ≈ 0.5 s). */
export function plotlyBundleGzipBase64(): string {
  if (cachedGzip === undefined) {
    cachedGzip = zlib.gzipSync(Buffer.from(plotlyBundleSource(), "utf8"), { level: 9 }).toString("base64");
  }
  return cachedGzip;
}

/**
 * JavaScript (no `<script>` tags) that defines `window.Plotly` from the inlined bundle unless it is already
 * defined. With "gzip" it also sets `window.__mflabPlotly` to a promise of `window.Plotly`; with "inline"
 * Plotly is defined synchronously (and `window.__mflabPlotly` is a resolved promise).
 */
export function plotlyLoaderScript(mode: BundleMode = "inline"): string {
  if (mode === "inline") {
    return (
      "if (!window.Plotly) {\n(function (define, module, exports) {\n" +
      plotlyBundleSource() +
      "\n}).call(window);\n}\nwindow.__mflabPlotly = window.__mflabPlotly || Promise.resolve(window.Plotly);\n"
    );
  }
  return `(function () {
  if (window.Plotly || window.__mflabPlotly) return;
  var b64 = "${plotlyBundleGzipBase64()}";
  window.__mflabPlotly = (function () {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser has no DecompressionStream(\\"gzip\\"); mflab's compressed plotly.js needs Chrome 80+, Firefox 113+ or Safari 16.4+"));
    }
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (code) {
      if (!window.Plotly) new Function("define", "module", "exports", code).call(window);
      if (!window.Plotly) throw new Error("plotly.js did not define window.Plotly");
      return window.Plotly;
    });
  })();
  window.__mflabPlotly.catch(function (e) { console.error("mflab: could not load plotly.js: " + e.message); });
})();
`;
}
