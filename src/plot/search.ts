/**
 * Figures of a search (`"search"` in a spec; ../experiment/search): how the best validation error improved over
 * trials or over fit seconds (optimisation history), the objective against each searched parameter (slice plot),
 * and which parameters mattered (permutation importance on a fitted surrogate, ../results/importance.ts).
 * Completed, pruned and failed trials are told apart: completed trials as filled circles, pruned ones as grey
 * crosses at the value they had when stopped, failed ones counted in a note (they have no value).
 */
import { InputError } from "../core/errors";
import { permutationImportance } from "../results/importance";
import { metricValue, type MetricPath } from "../results/metric";
import type { ResultsFile, RunRecord } from "../results/schema";
import { logAxis, notesAnnotation, notesMargin, paramAxisTitle } from "./grammar";
import type { Figure, PlotlyTrace } from "./types";

/** A search's trials in the order they finished (file order), its objective and each parameter's scale. */
export interface SearchView {
  name: string;
  runs: RunRecord[];
  metric: MetricPath;
  scales: Record<string, "log" | "linear" | "choice">;
}

/**
 * The search of a results file: its space from the spec (`search.space`); for a plain sweep, its varying numeric
 * parameters (log scale when they span more than a factor of 20) and the validation (else test) RMSE.
 * @throws InputError when there are no runs
 */
export function searchView(results: ResultsFile): SearchView {
  const runs = results.runs.filter((r) => r.trial !== undefined);
  const all = runs.length > 0 ? runs : results.runs;
  if (all.length === 0) throw new InputError(`"${results.experiment.name}" has no runs to draw`);
  const spec = results.experiment.spec as { search?: { metric?: MetricPath; space?: Record<string, { kind: string; log?: boolean }> } } | null;
  const scales: SearchView["scales"] = {};
  if (spec?.search?.space) {
    for (const [k, d] of Object.entries(spec.search.space)) scales[k] = d.kind === "choice" ? "choice" : d.log ? "log" : "linear";
  } else {
    for (const k of Object.keys(all[0].params)) {
      if (k === "model" || k === "seed") continue;
      const vs = all.map((r) => r.params[k]);
      if (new Set(vs.map((v) => JSON.stringify(v))).size < 2) continue;
      const nums = vs.filter((v): v is number => typeof v === "number");
      if (nums.length !== vs.length) scales[k] = "choice";
      else scales[k] = Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) > 20 ? "log" : "linear";
    }
  }
  const hasValidation = all.some((r) => r.metrics?.validation);
  const metric = spec?.search?.metric ?? (hasValidation ? "validation.rmse" : "test.rmse");
  return { name: results.experiment.name, runs: all, metric, scales };
}

/** Colours of the searches drawn together (plotly's default cycle). */
const PALETTE_SEARCH = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

const label = (m: MetricPath) => `${m.split(".")[0]} ${m.split(".")[1].toUpperCase()}`;

function statusNote(runs: readonly RunRecord[]): string[] {
  const pruned = runs.filter((r) => r.status === "pruned").length;
  const failed = runs.filter((r) => r.status === "failed").length;
  const ok = runs.length - pruned - failed;
  const parts = [`${ok} completed`, `${pruned} pruned (grey ×, value when stopped)`, `${failed} failed (no value; not drawn)`];
  return [`${runs.length} trials: ${parts.join(", ")}`];
}

/**
 * Optimisation history of one or several searches: best-so-far of the objective (completed trials only) as a step
 * line, against the trial count or the cumulative fit seconds (pruned trials' seconds included), with every
 * trial's own value as a marker when a single search is drawn.
 */
export function searchHistoryFigure(searches: readonly SearchView[], options: { x?: "trial" | "seconds"; title?: string } = {}): Figure {
  if (searches.length === 0) throw new InputError("searchHistoryFigure: no search to draw");
  const xKey = options.x ?? "trial";
  const data: PlotlyTrace[] = [];
  searches.forEach((s, k) => {
    const color = PALETTE_SEARCH[k % PALETTE_SEARCH.length];
    const xs: number[] = [];
    const best: (number | null)[] = [];
    let seconds = 0;
    let bestSoFar = Infinity;
    const okPts = { x: [] as number[], y: [] as number[], text: [] as string[] };
    const prunedPts = { x: [] as number[], y: [] as number[], text: [] as string[] };
    s.runs.forEach((r, i) => {
      seconds += r.fitSeconds ?? 0;
      const x = xKey === "trial" ? i + 1 : seconds;
      const v = metricValue(r, s.metric);
      if (r.status === "ok" && Number.isFinite(v)) bestSoFar = Math.min(bestSoFar, v);
      xs.push(x);
      best.push(Number.isFinite(bestSoFar) ? bestSoFar : null);
      const text = Object.keys(s.scales)
        .map((p) => `${p} = ${String(r.params[p])}`)
        .join(", ");
      if (r.status === "ok" && Number.isFinite(v)) [okPts.x.push(x), okPts.y.push(v), okPts.text.push(text)];
      if (r.status === "pruned" && Number.isFinite(v))
        [prunedPts.x.push(x), prunedPts.y.push(v), prunedPts.text.push(`${text} (pruned at iteration ${r.iterations})`)];
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: searches.length > 1 ? `${s.name}: best so far` : "best so far",
      x: xs,
      y: best,
      line: { shape: "hv", color, width: 2 },
    });
    if (searches.length === 1) {
      data.push({ type: "scatter", mode: "markers", name: "completed trial", x: okPts.x, y: okPts.y, text: okPts.text, marker: { color, size: 7 } });
      if (prunedPts.x.length > 0)
        data.push({
          type: "scatter",
          mode: "markers",
          name: "pruned trial",
          x: prunedPts.x,
          y: prunedPts.y,
          text: prunedPts.text,
          marker: { color: "#9a9a9a", symbol: "x", size: 7 },
        });
    }
  });
  const notes = searches.length === 1 ? statusNote(searches[0].runs) : [];
  const metric = searches[0].metric;
  return {
    data,
    layout: {
      title: { text: options.title ?? `Optimisation history — best ${label(metric)} so far` },
      xaxis: { title: { text: xKey === "trial" ? "trials finished" : "cumulative fit seconds" } },
      yaxis: { title: { text: label(metric) } },
      legend: { orientation: "h", y: -0.25 },
      margin: { b: notesMargin(notes.length) + 40 },
      annotations: notesAnnotation(notes),
    },
  };
}

/** The objective against each searched parameter, one panel per parameter, coloured by trial order. */
export function sliceFigure(search: SearchView, options: { title?: string } = {}): Figure {
  const params = Object.keys(search.scales);
  if (params.length === 0) throw new InputError(`sliceFigure: "${search.name}" has no searched parameter`);
  const n = params.length;
  const gap = 0.08;
  const width = (1 - gap * (n - 1)) / n;
  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? `Slice plot — ${label(search.metric)} against each searched parameter` },
    annotations: [...notesAnnotation(statusNote(search.runs))],
    margin: { b: notesMargin(1), t: 90 },
    showlegend: true,
    legend: { orientation: "h", y: 1.12 },
  };
  params.forEach((p, k) => {
    const ax = k === 0 ? "" : String(k + 1);
    const domain = [k * (width + gap), k * (width + gap) + width];
    const ok = search.runs.filter((r) => r.status === "ok" && Number.isFinite(metricValue(r, search.metric)));
    const pruned = search.runs.filter((r) => r.status === "pruned" && Number.isFinite(metricValue(r, search.metric)));
    const xOf = (r: RunRecord) => (search.scales[p] === "choice" ? String(r.params[p]) : (r.params[p] as number));
    data.push({
      type: "scatter",
      mode: "markers",
      name: "completed trial (colour: trial number)",
      showlegend: k === 0,
      x: ok.map(xOf),
      y: ok.map((r) => metricValue(r, search.metric)),
      xaxis: `x${ax}`,
      yaxis: `y${ax}`,
      marker: {
        color: ok.map((r) => r.trial ?? 0),
        colorscale: "Viridis",
        size: 7,
        ...(k === n - 1 ? { colorbar: { title: { text: "trial" }, x: 1.02 } } : {}),
      },
    });
    if (pruned.length > 0)
      data.push({
        type: "scatter",
        mode: "markers",
        name: "pruned trial",
        showlegend: k === 0,
        x: pruned.map(xOf),
        y: pruned.map((r) => metricValue(r, search.metric)),
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        marker: { color: "#9a9a9a", symbol: "x", size: 6 },
      });
    const numbers = [...ok, ...pruned].map((r) => r.params[p]);
    layout[`xaxis${ax}`] = {
      domain,
      anchor: `y${ax}`,
      title: { text: paramAxisTitle(p) },
      ...(search.scales[p] === "log" ? logAxis(numbers) : search.scales[p] === "choice" ? { type: "category" } : {}),
    };
    layout[`yaxis${ax}`] = { anchor: `x${ax}`, ...(k === 0 ? { title: { text: label(search.metric) } } : { matches: "y" }) };
  });
  return { data, layout };
}

/** Permutation importance of each searched parameter on a surrogate (../results/importance.ts), as bars. */
export function importanceFigure(search: SearchView, options: { title?: string } = {}): Figure {
  const trials = search.runs.filter((r) => r.status === "ok" && Number.isFinite(metricValue(r, search.metric)));
  if (trials.length < 3) throw new InputError(`importanceFigure: "${search.name}" needs at least 3 completed trials, has ${trials.length}`);
  const imp = permutationImportance({
    params: trials.map((r) => r.params),
    values: trials.map((r) => metricValue(r, search.metric)),
    scales: search.scales,
  });
  const notes = [
    `Permutation importance on a Nadaraya–Watson kernel surrogate of ${label(search.metric)} (leave-one-out, 30 shuffles) over the ${trials.length} completed trials; not fANOVA`,
  ];
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        name: "importance",
        x: imp.map((i) => i.share),
        y: imp.map((i) => i.parameter),
        text: imp.map((i) => `${(100 * i.share).toFixed(0)} %`),
        textposition: "auto",
        marker: { color: PALETTE_SEARCH[0] },
      },
    ],
    layout: {
      title: { text: options.title ?? "Parameter importance" },
      xaxis: { title: { text: "share of importance" }, range: [0, 1] },
      yaxis: { title: { text: "parameter" }, autorange: "reversed", type: "category" },
      margin: { b: notesMargin(1) },
      annotations: notesAnnotation(notes),
    },
  };
}
