/**
 * Plain-text views of a results file: the summary table printed by `mflab sweep` and `mflab summary`, and the
 * best-run lookup.
 */
import type { ResultsFile, RunRecord } from "./results";

/** A metric path such as `test.mse`, `train.mae`, `test.rmse`. */
export type MetricPath = `${"train" | "test"}.${"mse" | "rmse" | "mae"}`;

export function metricValue(run: RunRecord, metric: MetricPath): number {
  const [split, name] = metric.split(".") as ["train" | "test", "mse" | "rmse" | "mae"];
  const v = run.metrics?.[split]?.[name];
  return typeof v === "number" ? v : NaN;
}

/** Parameters whose values differ between runs (the grid axes), in first-seen key order. */
export function varyingParams(runs: readonly RunRecord[]): string[] {
  const keys: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.params)) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => {
    if (k === "seed") return false;
    const seen = new Set(runs.map((r) => JSON.stringify(r.params[k])));
    return seen.size > 1;
  });
}

/** The ok run with the lowest value of `metric` (undefined when no run is ok). */
export function bestRun(results: ResultsFile | readonly RunRecord[], metric: MetricPath = "test.mse"): RunRecord | undefined {
  const runs = Array.isArray(results) ? results : (results as ResultsFile).runs;
  let best: RunRecord | undefined;
  for (const r of runs) {
    if (r.status !== "ok") continue;
    const v = metricValue(r, metric);
    if (!Number.isNaN(v) && (best === undefined || v < metricValue(best, metric))) best = r;
  }
  return best;
}

function fmt(v: unknown): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1000 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4);
  }
  if (v === undefined || v === null) return "–";
  return String(v);
}

/**
 * The runs as an aligned text table sorted by `sortBy` (default test MSE, ascending; failed runs last with
 * their error). Columns: the varying parameters, iterations, train/test MSE and MAE, fit seconds, fallbacks.
 */
export function summaryTable(results: ResultsFile, sortBy: MetricPath = "test.mse"): string {
  const runs = [...results.runs].sort((a, b) => {
    if (a.status !== b.status) return a.status === "ok" ? -1 : 1;
    return metricValue(a, sortBy) - metricValue(b, sortBy);
  });
  const params = varyingParams(results.runs);
  if (new Set(results.runs.map((r) => r.params.model)).size > 1 && !params.includes("model")) params.unshift("model");
  else if (params.length === 0) params.push("model");
  const header = [...params, "iters", "train MSE", "train MAE", "test MSE", "test MAE", "fit s", "fallback"];
  const rows = runs.map((r) => {
    const base = params.map((k) => fmt(r.params[k]));
    if (r.status !== "ok") return [...base, "FAILED", r.error ?? "", "", "", "", "", ""];
    return [
      ...base,
      fmt(r.iterations),
      fmt(metricValue(r, "train.mse")),
      fmt(metricValue(r, "train.mae")),
      fmt(metricValue(r, "test.mse")),
      fmt(metricValue(r, "test.mae")),
      r.fitSeconds === undefined ? "–" : r.fitSeconds.toFixed(2),
      fmt(r.fallbackCount),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] === "FAILED" ? 6 : row[c].length))));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < params.length ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of rows) {
    if (row[params.length] === "FAILED") out.push(`${row.slice(0, params.length).map((c, i) => c.padEnd(widths[i])).join("  ")}  FAILED: ${row[params.length + 1]}`);
    else out.push(line(row));
  }
  const d = results.dataset;
  const ok = results.runs.filter((r) => r.status === "ok").length;
  return (
    `${results.experiment.name} on ${d.name} (${d.nUsers} users × ${d.nItems} items, ${d.nTrain} train / ${d.nTest} test ratings, fingerprint ${d.fingerprint})\n` +
    `${ok} ok, ${results.runs.length - ok} failed; sorted by ${sortBy}\n\n` +
    out.join("\n")
  );
}
