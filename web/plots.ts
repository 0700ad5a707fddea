/**
 * Figures drawn with the vendored plotly.js, loaded from this server as /plotly.js (no CDN) when the first figure
 * is drawn — pages without figures (the list) do not pay for its 4.9 MB. A figure's div is kept by id across live
 * updates and redrawn with `Plotly.react`, so a refreshed page keeps its figures in place.
 */
import type { FigurePayload } from "../src/ui/protocol";
import { h } from "./dom";

interface PlotlyApi {
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
}

function plotly(): PlotlyApi | undefined {
  return (window as unknown as { Plotly?: PlotlyApi }).Plotly;
}

let loading: Promise<PlotlyApi> | undefined;

/** plotly.js, loaded once (a script element with src: the CSP allows this server's own files only). */
function loadPlotly(): Promise<PlotlyApi> {
  const ready = plotly();
  if (ready) return Promise.resolve(ready);
  loading ??= new Promise<PlotlyApi>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "plotly.js";
    script.addEventListener("load", () => {
      const p = plotly();
      if (p) resolve(p);
      else reject(new Error("plotly.js loaded but did not define Plotly"));
    });
    script.addEventListener("error", () => reject(new Error("plotly.js could not be loaded from the server")));
    document.head.appendChild(script);
  });
  return loading;
}

const divs = new Map<string, HTMLDivElement>();
const pending: Promise<unknown>[] = [];

/** Forget the divs of the previous page (a new route draws new figures). */
export function resetFigures(): void {
  const p = plotly();
  for (const d of divs.values()) p?.purge(d);
  divs.clear();
}

/** A figure block: caption and plot (the div is reused when this page already drew a figure with this id). */
export function figureBlock(scope: string, f: FigurePayload): HTMLElement {
  const key = `${scope}:${f.id}`;
  let div = divs.get(key);
  if (!div) {
    div = h("div", { class: "plot", data: { figure: f.id, kind: f.kind } });
    divs.set(key, div);
  }
  const height = typeof f.figure.layout.height === "number" ? f.figure.layout.height : 480;
  div.style.height = `${height}px`;
  const target = div;
  pending.push(
    loadPlotly()
      .then((p) => p.react(target, f.figure.data, f.figure.layout, f.figure.config))
      .then(
        () => target.setAttribute("data-drawn", "1"),
        (e: Error) => {
          target.textContent = `could not draw this figure: ${e.message}`;
          target.setAttribute("data-drawn", "error");
        },
      ),
  );
  return h("figure", { class: "figure" }, div, h("figcaption", {}, f.caption));
}

/** Resolves when every figure drawn so far is done. */
export function figuresDrawn(): Promise<void> {
  const all = pending.splice(0);
  return Promise.all(all).then(() => undefined);
}
