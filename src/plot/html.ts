/**
 * Safe text for HTML: escaping for element content and attribute values, and JSON that can sit inside an
 * inline `<script>` element, plus the browser snippet that draws one figure into its placeholder div(s).
 */
import { plotlyLoaderScript, type BundleMode } from "./bundle";
import type { Figure } from "./figures";
import { polishFigure } from "./grammar";

/** Escape `& < > " '` so `s` is inert as HTML text or as a quoted attribute value. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * `JSON.stringify(value)` made safe inside `<script>…</script>`: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029` (same value once parsed), so a string such as
 * `</script><script>alert(1)</script>` in a movie title cannot close the script element, and the text is
 * also a valid JavaScript expression. Non-finite numbers become null (as in JSON).
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return "null";
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Default plotly config for every rendered figure (merged under the figure's own `config`). */
export const DEFAULT_PLOTLY_CONFIG: Readonly<Record<string, unknown>> = { responsive: true, displaylogo: false };

/** Pixel size of a figure's div: the layout's own width/height when numeric, else 100 % × `fallbackHeight`. */
export function figureBoxStyle(figure: Figure, fallbackHeight: number, height?: number, width?: number): string {
  const h = positive(height) ?? positive(figure.layout?.height) ?? fallbackHeight;
  const w = positive(width) ?? positive(figure.layout?.width);
  return `width:${w === undefined ? "100%" : `${w}px`};height:${h}px;`;
}

function positive(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.round(v) : undefined;
}

/** The figure as drawn: the figure grammar applied ({@link polishFigure}) and the default config merged in (the input is not modified). */
export function withDefaultConfig(figure: Figure): Figure {
  const f = polishFigure({ data: figure.data, layout: figure.layout ?? {} });
  return { data: f.data, layout: f.layout, config: { ...DEFAULT_PLOTLY_CONFIG, ...(figure.config ?? {}) } };
}

/**
 * The two scripts of a standalone page showing `figures` in the divs `mflab-figure-1`, `mflab-figure-2`, …:
 * the plotly.js loader (`bundle` mode), then code that draws every figure and sets `window.__mflabReady`
 * (a promise of all the plots; on failure it logs and appends the error to the page). Ends with a newline.
 */
export function figurePageScripts(figures: readonly Figure[], bundle: BundleMode): string {
  return `<script>
${plotlyLoaderScript(bundle)}</script>
<script>
(function () {
  var figures = ${jsonForScript(figures.map(withDefaultConfig))};
  function draw(Plotly) {
    return Promise.all(figures.map(function (f, k) {
      return Plotly.newPlot(document.getElementById("mflab-figure-" + (k + 1)), f.data, f.layout, f.config);
    }));
  }
  window.__mflabReady = (window.Plotly ? Promise.resolve(window.Plotly) : window.__mflabPlotly).then(draw);
  window.__mflabReady.catch(function (e) {
    console.error("mflab: could not draw the figures: " + (e && e.message));
    document.body.appendChild(document.createTextNode("mflab: could not draw the figures: " + (e && e.message)));
  });
})();
</script>
`;
}

/**
 * Browser code that draws `figure` into every not-yet-drawn `div[data-mflab-figure="<key>"]`, waiting for
 * the div to be attached (Jupyter inserts outputs after running their scripts) and for plotly.js (either
 * `window.Plotly` or the `window.__mflabPlotly` promise), replacing whatever the div holds (the static image of
 * notebook outputs); after 30 s (or `window.__mflabPlotlyWaitMs`) without plotly.js it writes an explanation into
 * the div instead (under the static image, which stays). `key` must match /^[A-Za-z0-9_-]+$/.
 */
export function drawFigureScript(figure: Figure, key: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new RangeError(`figure key must be alphanumeric, got "${key}"`);
  return `(function () {
  var fig = ${jsonForScript(withDefaultConfig(figure))};
  var key = "${key}", tries = 0, waiting = false;
  function pending() {
    return Array.prototype.filter.call(document.querySelectorAll('div[data-mflab-figure="' + key + '"]'), function (el) {
      return !el.getAttribute("data-mflab-drawn");
    });
  }
  function fail(message) {
    pending().forEach(function (el) {
      el.style.height = "auto";
      if (el.querySelector("img.mflab-static-image")) {
        // keep the static image; say why it is not interactive under it
        el.setAttribute("data-mflab-drawn", "static");
        if (!message) return;
        var note = document.createElement("div");
        note.textContent = message;
        note.style.color = "#8a1c1c";
        el.appendChild(note);
        return;
      }
      el.textContent = message;
      el.style.color = "#8a1c1c";
    });
  }
  function step() {
    var els = pending();
    if (window.Plotly && els.length > 0) {
      els.forEach(function (el) {
        el.setAttribute("data-mflab-drawn", "1");
        // the static image (for viewers that do not run scripts) makes way for the interactive plot
        while (el.firstChild) el.removeChild(el.firstChild);
        window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);
      });
      return;
    }
    if (!window.Plotly && window.__mflabPlotly && !waiting) {
      waiting = true;
      window.__mflabPlotly.then(step, function (e) { fail("mflab: could not load plotly.js: " + e.message); });
      return;
    }
    if (++tries * 50 > (window.__mflabPlotlyWaitMs || 30000)) {
      fail(window.Plotly ? "" : "mflab: plotly.js is not loaded in this page. Re-run the notebook from the top " +
        "(the first show() output carries plotly.js), or run loadPlotly() in a cell above this one.");
      return;
    }
    setTimeout(step, 50);
  }
  step();
})();
`;
}
