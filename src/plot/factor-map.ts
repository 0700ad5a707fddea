/**
 * The latent-factor map: items (movies) as points at their first two latent factors, the most-rated and the
 * extremes labelled, labels placed so that they never overlap.
 */
import { InputError } from "../core/errors";
import type { Figure, PlotlyTrace } from "./figures";
import { notesAnnotation } from "./grammar";

export interface FactorMapInput {
  /** First latent factor of each item. */
  x: ArrayLike<number>;
  /** Second latent factor of each item. */
  y: ArrayLike<number>;
  /** Name of each item (movie titles). */
  labels: readonly string[];
  /** Number of training ratings of each item (marker size; items without ratings are left out). */
  counts?: ArrayLike<number>;
}

export interface FactorMapOptions {
  title?: string;
  /** Items to label (indices), in order of priority. Default: the `top` most-rated, then the `extremes` at each end of factor 1 among items with ≥ `minCount` ratings. */
  label?: readonly number[];
  top?: number;
  extremes?: number;
  minCount?: number;
  /** Figure size in px (default 900 × 650; fixed, so that label placement is exact). */
  width?: number;
  height?: number;
  /** Longest label in characters (longer ones end in "…"; default 30). */
  maxLabel?: number;
}

const MARGIN = { l: 70, r: 30, t: 80, b: 120 };
const FONT = 10;
const CHAR_PX = 6.2; // generous average glyph width at 10 px
const LINE_PX = 14;

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Scatter of the items' two latent factors (marker size ∝ √ratings, hover shows every title) with the chosen
 * items labelled. Labels are placed greedily in priority order at the first of 8 directions × 4 distances
 * whose text box (estimated generously) overlaps no placed label, no labelled point and stays inside the plot,
 * joined to their point by a thin line; a label without a free place is left out and counted in the note.
 * The figure has a fixed size, so the placement holds wherever it is drawn.
 * @throws InputError when the arrays differ in length or no item has ratings
 */
export function factorMapFigure(input: FactorMapInput, options: FactorMapOptions = {}): Figure {
  const n = input.x.length;
  if (input.y.length !== n || input.labels.length !== n || (input.counts && input.counts.length !== n)) {
    throw new InputError("factorMapFigure: x, y, labels (and counts) must have one entry per item");
  }
  const count = (j: number) => (input.counts ? input.counts[j] : 1);
  const known = Array.from({ length: n }, (_, j) => j).filter((j) => count(j) > 0 && Number.isFinite(input.x[j]) && Number.isFinite(input.y[j]));
  if (known.length === 0) throw new InputError("factorMapFigure: no item with ratings and finite factors");
  let chosen: number[];
  if (options.label) chosen = [...new Set(options.label)].filter((j) => known.includes(j));
  else {
    const byCount = [...known].sort((a, b) => count(b) - count(a));
    const busy = known.filter((j) => count(j) >= (options.minCount ?? 100)).sort((a, b) => input.x[a] - input.x[b]);
    const e = options.extremes ?? 4;
    chosen = [...new Set([...byCount.slice(0, options.top ?? 12), ...busy.slice(0, e), ...busy.slice(-e).reverse()])];
  }

  const width = options.width ?? 900;
  const height = options.height ?? 650;
  const W = width - MARGIN.l - MARGIN.r;
  const H = height - MARGIN.t - MARGIN.b;
  const xs = known.map((j) => input.x[j]);
  const ys = known.map((j) => input.y[j]);
  const pad = (lo: number, hi: number) => {
    const p = (hi - lo) * 0.08 || 0.5;
    return [lo - p, hi + p] as [number, number];
  };
  const xr = pad(Math.min(...xs), Math.max(...xs));
  const yr = pad(Math.min(...ys), Math.max(...ys));
  const px = (j: number) => ((input.x[j] - xr[0]) / (xr[1] - xr[0])) * W;
  const py = (j: number) => H - ((input.y[j] - yr[0]) / (yr[1] - yr[0])) * H;

  const maxLabel = options.maxLabel ?? 30;
  const textOf = (j: number) => {
    const t = String(input.labels[j]);
    return t.length > maxLabel ? `${t.slice(0, maxLabel - 1)}…` : t;
  };
  const placed: Box[] = chosen.map((j) => ({ x0: px(j) - 5, x1: px(j) + 5, y0: py(j) - 5, y1: py(j) + 5 }));
  const annotations: Record<string, unknown>[] = [];
  const dropped: string[] = [];
  const directions = [
    [0, -1],
    [0, 1],
    [1, 0],
    [-1, 0],
    [1, -1],
    [-1, -1],
    [1, 1],
    [-1, 1],
  ];
  for (const j of chosen) {
    const text = textOf(j);
    const w = text.length * CHAR_PX + 6;
    const h = LINE_PX + 2;
    let spot: [number, number] | undefined;
    for (const r of [14, 30, 50, 75]) {
      for (const [dx, dy] of directions) {
        const ax = dx * (r + (dx !== 0 ? w / 2 - 4 : 0));
        const ay = dy * r;
        const cx = px(j) + ax;
        const cy = py(j) + ay;
        const box = { x0: cx - w / 2, x1: cx + w / 2, y0: cy - h / 2, y1: cy + h / 2 };
        if (box.x0 < 0 || box.x1 > W || box.y0 < 0 || box.y1 > H) continue;
        if (placed.some((b) => overlaps(b, box))) continue;
        placed.push(box);
        spot = [ax, ay];
        break;
      }
      if (spot) break;
    }
    if (!spot) {
      dropped.push(text);
      continue;
    }
    annotations.push({
      x: input.x[j],
      y: input.y[j],
      xref: "x",
      yref: "y",
      text,
      ax: spot[0],
      ay: spot[1],
      axref: "pixel",
      ayref: "pixel",
      showarrow: true,
      arrowhead: 0,
      arrowwidth: 0.7,
      arrowcolor: "#888",
      standoff: 3,
      font: { size: FONT, color: "#222" },
      bgcolor: "rgba(255,255,255,0.85)",
      borderpad: 1,
      name: "item-label",
    });
  }
  annotations.push(
    ...notesAnnotation(
      dropped.length === 0
        ? []
        : [
            `${dropped.length} label${dropped.length === 1 ? "" : "s"} left out for lack of room (hover shows every title): ` +
              `${dropped.slice(0, 4).join(", ")}${dropped.length > 4 ? ", …" : ""}`,
          ],
    ),
  );
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "markers",
      name: "all items (hover for titles; size ∝ √ratings)",
      x: known.map((j) => input.x[j]),
      y: known.map((j) => input.y[j]),
      text: known.map((j) => (input.counts ? `${input.labels[j]} (${count(j)} ratings)` : String(input.labels[j]))),
      hoverinfo: "text",
      marker: { size: known.map((j) => (input.counts ? 3 + Math.sqrt(count(j)) / 2 : 5)), color: "rgba(31,119,180,0.35)", line: { width: 0 } },
    },
    {
      type: "scatter",
      mode: "markers",
      name: "labelled: most-rated and the extremes of factor 1",
      x: chosen.map((j) => input.x[j]),
      y: chosen.map((j) => input.y[j]),
      text: chosen.map((j) => String(input.labels[j])),
      hoverinfo: "text",
      marker: { size: 7, color: "#d62728" },
    },
  ];
  return {
    data,
    layout: {
      title: { text: options.title ?? "Items at their first two latent factors" },
      width,
      height,
      xaxis: { title: { text: "latent factor 1 (unitless)" }, range: xr, automargin: false, zeroline: true, zerolinecolor: "#ccc" },
      yaxis: { title: { text: "latent factor 2 (unitless)" }, range: yr, automargin: false, zeroline: true, zerolinecolor: "#ccc" },
      annotations,
      showlegend: true,
      legend: { orientation: "h", x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container" },
      margin: MARGIN,
      hovermode: "closest",
    },
  };
}
