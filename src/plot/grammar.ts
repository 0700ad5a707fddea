/**
 * Figure grammar shared by every builder and renderer: units on axes, readable log ticks, no SI prefixes,
 * titles that name what was held fixed, colours that tell many lines apart.
 *
 * Conventions:
 * - Ratings are in stars: MSE (and the squared-error objective) in stars², RMSE and MAE in stars. Axis titles say
 *   so: "Test MSE (stars²)", "error: MSE (stars²), MAE (stars)".
 * - Log axes get ticks at 1, 2, 5 × 10ᵏ (only 10ᵏ when the data span more than three decades; 1, 2, 3, 5 or 1…9 × 10ᵏ
 *   when 1, 2, 5 would give fewer than three ticks), written as plain decimals between 0.001 and 99 999 and as
 *   `2×10⁻⁵` beyond.
 * - Linear axes never use SI prefixes ("100µ"): plotly's `exponentformat` is "power".
 * - {@link polishFigure} applies what a figure leaves open (hand-made notebook figures included); every renderer
 *   (notebook display, HTML files, images) calls it. It never overrides an attribute the figure sets.
 */
import type { Figure, PlotlyTrace } from "./types";

/** Unit of ratings (and so of RMSE and MAE). */
export const RATING_UNIT = "stars";

/** Unit of an error metric: "stars²" for MSE (and objectives), "stars" for RMSE and MAE. */
export function metricUnit(metric: string): string {
  const m = metric.includes(".") ? metric.split(".")[1] : metric;
  return /mse$|loss|objective/i.test(m) && !/rmse/i.test(m) ? `${RATING_UNIT}²` : RATING_UNIT;
}

/** Axis title for a parameter: `d` → "rank d (latent factors)", `lambda` → "λ (regularization)", else the name. */
export function paramAxisTitle(name: string): string {
  if (name === "d") return "rank d (latent factors)";
  if (name === "lambda") return "λ (regularization)";
  if (name === "lr") return "learning rate";
  return name;
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** A tick value as text: 0.002 → "0.002", 20 → "20", 2e-5 → "2×10⁻⁵", 1e6 → "10⁶". */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  const k = Math.floor(Math.log10(a) + 1e-9);
  const m = Number((v / 10 ** k).toPrecision(3));
  const power = `10${String(k)
    .split("")
    .map((c) => SUPERSCRIPT[c] ?? c)
    .join("")}`;
  return m === 1 ? power : `${m}×${power}`;
}

/**
 * Ticks for a log axis over [lo, hi] (both > 0): 1, 2, 5 × 10ᵏ (see the module doc), at least two of them.
 * @throws RangeError unless 0 < lo ≤ hi
 */
export function logTicks(lo: number, hi: number): { tickvals: number[]; ticktext: string[] } {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) throw new RangeError(`logTicks: need 0 < lo ≤ hi, got [${lo}, ${hi}]`);
  const decades = Math.log10(hi / lo);
  // Sparse sets first; a set is taken when it gives at least 3 ticks (the last one with 2 otherwise).
  const sets: number[][] =
    decades > 3
      ? [[1], [1, 2, 5]]
      : [
          [1, 2, 5],
          [1, 2, 3, 5],
          [1, 2, 3, 4, 5, 6, 7, 8, 9],
        ];
  const eps = 1e-9;
  let vals: number[] = [];
  let fallback: number[] = [];
  for (const mantissas of sets) {
    vals = [];
    const step = decades > 8 ? Math.ceil(decades / 6) : 1;
    const k0 = Math.floor(Math.log10(lo));
    const k1 = Math.ceil(Math.log10(hi));
    for (let k = k0; k <= k1; k++) {
      if (mantissas.length === 1 && (k - k0) % step !== 0) continue;
      for (const m of mantissas) {
        const v = Number((m * 10 ** k).toPrecision(12));
        if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) vals.push(v);
      }
    }
    if (vals.length >= 3) break;
    if (vals.length === 2 && fallback.length === 0) fallback = vals;
  }
  if (vals.length < 3 && fallback.length === 2) vals = fallback;
  if (vals.length < 2) vals = [...new Set([lo, hi].map((v) => Number(v.toPrecision(2))))];
  return { tickvals: vals, ticktext: vals.map(formatTick) };
}

/** Log-axis attributes (ticks from {@link logTicks} over the positive finite `values`), or {} when there are none. */
export function logAxis(values: Iterable<unknown>): Record<string, unknown> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v === "number" && Number.isFinite(v) && v > 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return { type: "log" };
  return { type: "log", tickmode: "array", ...logTicks(lo, hi) };
}

/**
 * Sequential colours for an ordered parameter (dark purple → blue → green → olive, as Viridis but without the
 * pale yellow end, which vanishes on white): n distinct colours, in order.
 */
export function sequentialColors(n: number): string[] {
  const anchors = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [170, 160, 0],
  ];
  if (n <= 1) return [rgbHex(anchors[1])];
  return Array.from({ length: n }, (_, k) => {
    const t = (k / (n - 1)) * (anchors.length - 1);
    const i = Math.min(anchors.length - 2, Math.floor(t));
    const f = t - i;
    return rgbHex(anchors[i].map((c, j) => c + (anchors[i + 1][j] - c) * f));
  });
}

function rgbHex(c: readonly number[]): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * "a · b · c" split into lines of at most `width` characters (at the separators), joined with `<br>`.
 */
export function wrapParts(parts: readonly string[], width = 100, sep = " · "): string {
  const lines: string[] = [];
  let line = "";
  for (const p of parts) {
    if (line && line.length + sep.length + p.length > width) {
      lines.push(line);
      line = p;
    } else line = line ? `${line}${sep}${p}` : p;
  }
  if (line) lines.push(line);
  return lines.join("<br>");
}

/** A title with a smaller second part (the fixed parameters): `main<br><sup>sub</sup>` (sub may hold `<br>`). */
export function titleWithSubtitle(main: string, sub: string | undefined): string {
  if (!sub) return main;
  return `${main}<br><sup>${sub.split("<br>").join("</sup><br><sup>")}</sup>`;
}

/** Number of text lines of a plotly title/label text. */
export function lineCount(text: string): number {
  return text.split(/<br\s*\/?>/i).length;
}

const AXIS_KEY = /^([xy])axis(\d*)$/;

/**
 * The figure with the grammar applied where the figure leaves it open (see the module doc; the input is not
 * modified): every cartesian axis gets `automargin` and `exponentformat: "power"`; log axes without explicit
 * ticks get 1-2-5 ticks over their data (or their `range`); colour bars get `exponentformat: "power"`.
 */
export function polishFigure(figure: Figure): Figure {
  const layout: Record<string, unknown> = { ...(figure.layout ?? {}) };
  const data = figure.data ?? [];
  const keys = new Set(Object.keys(layout).filter((k) => AXIS_KEY.test(k)));
  for (const t of data) {
    if (!isCartesian(t)) continue;
    keys.add(axisKey("x", t.xaxis));
    keys.add(axisKey("y", t.yaxis));
  }
  for (const key of keys) {
    const axis: Record<string, unknown> = { ...((layout[key] as Record<string, unknown> | undefined) ?? {}) };
    axis.automargin ??= true;
    axis.exponentformat ??= "power";
    if (axis.type === "log" && axis.tickvals === undefined && axis.dtick === undefined && axis.tickmode === undefined) {
      const [letter, n] = AXIS_KEY.exec(key)!.slice(1);
      const ref = `${letter}${n}`;
      const values: unknown[] = [];
      const range = Array.isArray(axis.range) && axis.range.length === 2 ? (axis.range as number[]) : undefined;
      if (range?.every((v) => typeof v === "number" && Number.isFinite(v))) {
        values.push(10 ** Math.min(range[0], range[1]), 10 ** Math.max(range[0], range[1]));
      } else {
        for (const t of data) {
          if (!isCartesian(t) || String(t[`${letter}axis`] ?? letter) !== ref) continue;
          const vs = t[letter];
          if (Array.isArray(vs)) values.push(...vs);
        }
      }
      Object.assign(axis, logAxis(values));
    }
    layout[key] = axis;
  }
  const polishedData = data.map((t) => {
    const bar = (t as { colorbar?: Record<string, unknown> }).colorbar;
    if (!bar && t.type !== "heatmap") return t;
    return { ...t, colorbar: { exponentformat: "power", ...(bar ?? {}) } };
  });
  return { ...figure, data: polishedData, layout };
}

function isCartesian(t: PlotlyTrace): boolean {
  return !/^(pie|sunburst|treemap|table|sankey|parcoords|parcats|indicator|scatterpolar|barpolar|scattergeo|choropleth|scatter3d|surface|mesh3d)$/.test(
    t.type,
  );
}

function axisKey(letter: "x" | "y", ref: unknown): string {
  const n = typeof ref === "string" ? ref.slice(1) : "";
  return `${letter}axis${n === "1" ? "" : n}`;
}

/** The note placed under a plot (what was left out, how to read it): dark red, left-aligned, below the x-axis title. */
export function notesAnnotation(notes: readonly string[]): Record<string, unknown>[] {
  if (notes.length === 0) return [];
  return [
    {
      text: notes.join("<br>"),
      xref: "paper",
      yref: "paper",
      x: 0,
      y: 0,
      xanchor: "left",
      yanchor: "top",
      yshift: -62,
      showarrow: false,
      align: "left",
      font: { size: 11, color: "#8a1c1c" },
      name: "mflab-notes",
    },
  ];
}

/** Bottom margin that leaves room for the x-axis title and `lines` lines of notes. */
export function notesMargin(lines: number): number {
  return lines > 0 ? 84 + 15 * lines : 60;
}

/** A panel's title, centred above it at paper coordinates (x, y). */
export function panelTitle(text: string, x: number, y = 1, size = 14): Record<string, unknown> {
  return { text, xref: "paper", yref: "paper", x, y, xanchor: "center", yanchor: "bottom", showarrow: false, font: { size }, name: "subplot-title" };
}
