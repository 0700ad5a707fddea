/**
 * Computed observations about a sweep, stated as facts with their numbers and without judgement ("test MSE
 * falls from 1.0423 at λ=1 to 0.9121 at λ=6 for d=50"), for the write-up skeleton of ./build.ts. The author
 * interprets them.
 *
 * How the numbers are computed:
 * - Only ok runs count. Runs of one configuration (same params without the seed: folds, repeated seeds) are
 *   averaged into one cell; the cell's `n` says over how many runs.
 * - The metric is a test metric (`test.mse` by default); "train–test gap" is test minus train of the same
 *   error (e.g. test MSE − train MSE), per cell.
 * - Grid axes are the numeric parameters that vary between a model's runs. Trends run along `lambda` when it is
 *   an axis (else the last axis), one sentence per combination of the other axes; "lowest per" sentences run
 *   along `d` when it is an axis (else the first other axis).
 */
import { mean, std } from "../core/stats";
import type { ResultsFile, RunRecord } from "../results/schema";
import { configKey } from "../results/selection";
import { metricValue, type MetricPath } from "../results/metric";
import { varyingParams } from "../results/summary";
import { formatMetric, formatValue, paramLabel } from "../plot/figures";

/** One observation: its sentence and the numbers in it (for tests and for authors who re-use them). */
export interface Observation {
  /** What is observed: `trend`, `gap-trend`, `lowest-per`, `lowest`, `largest-gap`, `smallest-gap`, `fit-time`, `convergence`, `fallback`, `failed`, `models`, `folds`. */
  kind: string;
  /** Model the observation is about (undefined for sweep-wide ones). */
  model?: string;
  text: string;
  values: Record<string, number | string>;
}

/** A configuration's runs averaged (see module doc). */
export interface ConfigurationCell {
  params: RunRecord["params"];
  /** Number of ok runs averaged. */
  n: number;
  /** Mean test metric / mean train counterpart / their difference. */
  test: number;
  train: number;
  gap: number;
  /** Per-run test metric values (fold order). */
  testValues: number[];
  fitSeconds: number;
}

/** Group ok runs by configuration (params without seed) and average `metric` and its train counterpart. */
export function configurationCells(runs: readonly RunRecord[], metric: MetricPath = "test.mse"): ConfigurationCell[] {
  const trainMetric = metric.replace(/^test\./, "train.") as MetricPath;
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (r.status !== "ok") continue;
    const k = configKey(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => {
    const testValues = g.map((r) => metricValue(r, metric));
    const test = mean(testValues);
    const train = mean(g.map((r) => metricValue(r, trainMetric)));
    return { params: g[0].params, n: g.length, test, train, gap: test - train, testValues, fitSeconds: mean(g.map((r) => r.fitSeconds ?? NaN)) };
  });
}

/** "MSE" from "test.mse". */
function metricName(metric: MetricPath): string {
  return metric.split(".")[1].toUpperCase();
}

/** `λ=1` / `init=uniform` */
export function paramText(key: string, value: unknown): string {
  return `${paramLabel(key)}=${typeof value === "number" ? formatValue(value) : typeof value === "string" ? value : JSON.stringify(value)}`;
}

function paramsText(params: RunRecord["params"], keys: readonly string[]): string {
  return keys.map((k) => paramText(k, params[k])).join(", ");
}

function num(v: number): string {
  return Number.isFinite(v) ? formatMetric(v) : "n/a";
}

/** Numeric axes of a model's cells: parameters that vary and are numbers in every cell. */
function numericAxes(runs: readonly RunRecord[], cells: readonly ConfigurationCell[]): string[] {
  return varyingParams(runs).filter(
    (k) => k !== "model" && cells.every((c) => typeof c.params[k] === "number" && Number.isFinite(c.params[k] as number)),
  );
}

/** Cells grouped by the values of `others`, each group sorted along `along`. */
function slices(
  cells: readonly ConfigurationCell[],
  along: string,
  others: readonly string[],
): { fixed: RunRecord["params"]; cells: ConfigurationCell[] }[] {
  const groups = new Map<string, ConfigurationCell[]>();
  for (const c of cells) {
    const k = JSON.stringify(others.map((o) => c.params[o]));
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const out = [...groups.values()].map((g) => ({
    fixed: g[0].params,
    cells: [...g].sort((a, b) => (a.params[along] as number) - (b.params[along] as number)),
  }));
  // slices in ascending order of the other axes
  return out.sort((a, b) => {
    for (const o of others) {
      const d = (a.fixed[o] as number) - (b.fixed[o] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
}

export interface ObserveOptions {
  /** Test metric the observations are about (default "test.mse"). */
  metric?: MetricPath;
}

/**
 * The observations of a sweep (see the module doc for how the numbers are computed). Order: per model trends,
 * gap trends, lowest per axis value, lowest / largest gap / smallest gap; then models, folds, fit time,
 * convergence, fallback and failures.
 */
export function observeSweep(results: ResultsFile, options: ObserveOptions = {}): Observation[] {
  const metric = options.metric ?? "test.mse";
  const M = metricName(metric);
  const out: Observation[] = [];
  const models = [...new Set(results.runs.map((r) => r.params.model))];
  const multi = models.length > 1;
  const okRuns = results.runs.filter((r) => r.status === "ok");
  const foldNames = [...new Set(results.runs.map((r) => r.fold ?? ""))].filter((f) => f !== "");
  const meanNote = (c: ConfigurationCell) => (c.n > 1 ? ` (mean over ${c.n} runs)` : "");

  for (const model of models) {
    const runs = results.runs.filter((r) => r.params.model === model);
    const cells = configurationCells(runs, metric).filter((c) => Number.isFinite(c.test));
    if (cells.length < 2) continue;
    const prefix = multi ? `${model}: ` : "";
    const axes = numericAxes(runs, cells);
    if (axes.length > 0) {
      const along = axes.includes("lambda") ? "lambda" : axes[axes.length - 1];
      const others = axes.filter((a) => a !== along);
      for (const s of slices(cells, along, others)) {
        if (s.cells.length < 2) continue;
        const first = s.cells[0];
        const last = s.cells[s.cells.length - 1];
        const lowest = s.cells.reduce((a, b) => (b.test < a.test ? b : a));
        const forText = others.length > 0 ? ` for ${paramsText(s.fixed, others)}` : "";
        const verb = last.test < first.test ? "falls" : last.test > first.test ? "rises" : "is unchanged";
        const lowestText = lowest !== first && lowest !== last ? `; lowest ${num(lowest.test)} at ${paramText(along, lowest.params[along])}` : "";
        out.push({
          kind: "trend",
          model,
          text: `${prefix}test ${M}${forText} ${verb} from ${num(first.test)} at ${paramText(along, first.params[along])} to ${num(last.test)} at ${paramText(along, last.params[along])}${lowestText}`,
          values: {
            from: first.test,
            to: last.test,
            lowest: lowest.test,
            fromAt: first.params[along] as number,
            toAt: last.params[along] as number,
            lowestAt: lowest.params[along] as number,
          },
        });
        const gverb =
          first.gap >= 0 && last.gap >= 0 ? (last.gap < first.gap ? "shrinks" : last.gap > first.gap ? "grows" : "is unchanged") : "changes";
        out.push({
          kind: "gap-trend",
          model,
          text: `${prefix}train–test ${M} gap (test − train)${forText} ${gverb} from ${num(first.gap)} at ${paramText(along, first.params[along])} to ${num(last.gap)} at ${paramText(along, last.params[along])}`,
          values: { from: first.gap, to: last.gap, fromAt: first.params[along] as number, toAt: last.params[along] as number },
        });
      }
      if (others.length > 0) {
        const by = others.includes("d") ? "d" : others[0];
        const rest = axes.filter((a) => a !== by);
        for (const s of slices(cells, by, rest)) {
          if (s.cells.length < 2) continue;
          const lowest = s.cells.reduce((a, b) => (b.test < a.test ? b : a));
          out.push({
            kind: "lowest-per",
            model,
            text: `${prefix}for ${paramsText(s.fixed, rest)} the lowest test ${M} is ${num(lowest.test)} at ${paramText(by, lowest.params[by])}`,
            values: { value: lowest.test, at: lowest.params[by] as number },
          });
        }
      }
    }
    const shown = axes.length > 0 ? axes : varyingParams(runs).filter((k) => k !== "model");
    const where = (c: ConfigurationCell) => (shown.length > 0 ? ` at ${paramsText(c.params, shown)}` : "");
    const lowest = cells.reduce((a, b) => (b.test < a.test ? b : a));
    out.push({
      kind: "lowest",
      model,
      text: `${prefix}lowest test ${M}: ${num(lowest.test)}${where(lowest)}${meanNote(lowest)}, with train ${M} ${num(lowest.train)}`,
      values: { value: lowest.test, train: lowest.train },
    });
    const withGap = cells.filter((c) => Number.isFinite(c.gap));
    if (withGap.length > 1) {
      const largest = withGap.reduce((a, b) => (b.gap > a.gap ? b : a));
      const smallest = withGap.reduce((a, b) => (b.gap < a.gap ? b : a));
      out.push({
        kind: "largest-gap",
        model,
        text: `${prefix}largest train–test ${M} gap: ${num(largest.gap)}${where(largest)} (train ${num(largest.train)}, test ${num(largest.test)})`,
        values: { gap: largest.gap, train: largest.train, test: largest.test },
      });
      out.push({
        kind: "smallest-gap",
        model,
        text: `${prefix}smallest train–test ${M} gap: ${num(smallest.gap)}${where(smallest)} (train ${num(smallest.train)}, test ${num(smallest.test)})`,
        values: { gap: smallest.gap, train: smallest.train, test: smallest.test },
      });
    }
  }

  if (multi) {
    const perModel = models
      .map((model) => {
        const cells = configurationCells(
          results.runs.filter((r) => r.params.model === model),
          metric,
        ).filter((c) => Number.isFinite(c.test));
        return cells.length === 0 ? undefined : { model, cell: cells.reduce((a, b) => (b.test < a.test ? b : a)) };
      })
      .filter((x): x is { model: string; cell: ConfigurationCell } => x !== undefined)
      .sort((a, b) => a.cell.test - b.cell.test);
    if (perModel.length > 1) {
      out.push({
        kind: "models",
        text: `lowest test ${M} per model, ascending: ${perModel.map((p) => `${p.model} ${num(p.cell.test)}`).join("; ")}`,
        values: Object.fromEntries(perModel.map((p) => [p.model, p.cell.test])),
      });
    }
    const all = configurationCells(results.runs, metric).filter((c) => Number.isFinite(c.gap));
    if (all.length > 1) {
      const largest = all.reduce((a, b) => (b.gap > a.gap ? b : a));
      const keys = ["model", ...varyingParams(results.runs.filter((r) => r.params.model === largest.params.model)).filter((k) => k !== "model")];
      out.push({
        kind: "largest-gap",
        text: `largest train–test ${M} gap over all configurations: ${num(largest.gap)} for ${paramsText(largest.params, keys)} (train ${num(largest.train)}, test ${num(largest.test)})`,
        values: { gap: largest.gap, train: largest.train, test: largest.test },
      });
    }
  }

  if (foldNames.length > 1) {
    const cells = configurationCells(results.runs, metric).filter((c) => Number.isFinite(c.test) && c.n > 1);
    if (cells.length > 0) {
      const best = cells.reduce((a, b) => (b.test < a.test ? b : a));
      const s = std(best.testValues);
      const within = cells.filter((c) => c !== best && c.test <= best.test + s).length;
      const label =
        multi || varyingParams(results.runs).length === 0
          ? String(best.params.model)
          : paramsText(
              best.params,
              varyingParams(results.runs).filter((k) => k !== "model"),
            );
      out.push({
        kind: "folds",
        text:
          `over folds ${foldNames.join(", ")}, the lowest mean test ${M} is ${num(best.test)} ± ${num(s)} (population std over ${best.n} folds) for ${label}; ` +
          `${within} other configuration${within === 1 ? "" : "s"} have a mean within one std of it; per-fold values ${best.testValues.map(num).join(", ")}`,
        values: { mean: best.test, std: s, within },
      });
    }
  }

  const timed = okRuns.filter((r) => typeof r.fitSeconds === "number" && Number.isFinite(r.fitSeconds));
  if (timed.length > 1) {
    const axes = varyingParams(results.runs);
    const label = (r: RunRecord) => paramsText(r.params, axes.length > 0 ? axes : ["model"]);
    const fastest = timed.reduce((a, b) => (b.fitSeconds! < a.fitSeconds! ? b : a));
    const slowest = timed.reduce((a, b) => (b.fitSeconds! > a.fitSeconds! ? b : a));
    const total = timed.reduce((a, r) => a + r.fitSeconds!, 0);
    out.push({
      kind: "fit-time",
      text: `fit time per run ranges from ${fastest.fitSeconds!.toFixed(3)} s (${label(fastest)}) to ${slowest.fitSeconds!.toFixed(3)} s (${label(slowest)}); total ${total.toFixed(2)} s over ${timed.length} runs`,
      values: { min: fastest.fitSeconds!, max: slowest.fitSeconds!, total },
    });
  }

  const iterative = okRuns.filter((r) => typeof r.converged === "boolean" && (r.iterations ?? 0) > 0);
  if (iterative.length > 0) {
    const capped = iterative.filter((r) => r.converged === false);
    const caps = [...new Set(capped.map((r) => r.params.maxIterations))];
    const capText = caps.length === 1 && typeof caps[0] === "number" ? ` (maxIterations = ${caps[0]})` : "";
    out.push({
      kind: "convergence",
      text: `${capped.length} of ${iterative.length} iterative runs stopped at the iteration cap${capText} before the stopping rule fired (converged = false)`,
      values: { capped: capped.length, total: iterative.length },
    });
  }

  const fallback = okRuns.filter((r) => typeof r.fallbackCount === "number");
  if (fallback.length > 0 && foldNames.length <= 1) {
    const counts = [...new Set(fallback.map((r) => r.fallbackCount!))].sort((a, b) => a - b);
    const nTest = results.dataset.nTest;
    const pct = (k: number) => (nTest > 0 ? ` (${((100 * k) / nTest).toFixed(2)} %)` : "");
    out.push({
      kind: "fallback",
      text:
        counts.length === 1
          ? `every run used its model's fallback for ${counts[0]} of the ${nTest} test ratings${pct(counts[0])} (user or item without training ratings)`
          : `test ratings predicted by the model's fallback range from ${counts[0]} to ${counts[counts.length - 1]} of ${nTest} per run`,
      values: { min: counts[0], max: counts[counts.length - 1], nTest },
    });
  }

  const failed = results.runs.filter((r) => r.status !== "ok");
  if (failed.length > 0) {
    out.push({
      kind: "failed",
      text: `${failed.length} of ${results.runs.length} runs failed; first error (${paramsText(failed[0].params, ["model", ...varyingParams(results.runs).filter((k) => k !== "model")])}): ${failed[0].error ?? "no message"}`,
      values: { failed: failed.length, total: results.runs.length },
    });
  }
  return out;
}
