/**
 * The report section of a search (../experiment/search): what was searched and how, the trials by status, the
 * chosen trial (on validation) with its test error, and — given the grid sweep of the same box on the same data —
 * the search's best against the grid's best, in validation error, test error of the choice and fit seconds.
 */
import { InputError } from "../core/errors";
import { metricValue, type MetricPath } from "../results/metric";
import type { ResultsFile, RunRecord } from "../results/schema";
import { formatMetric, formatValue } from "../plot/figures";
import type { Block } from "./document";

interface SearchSpecView {
  search?: { method?: string; trials?: number; seed?: number; metric?: MetricPath; space?: Record<string, Record<string, unknown>> };
  pruner?: { method?: string; minIterations?: number; reductionFactor?: number };
  evaluation?: { validation?: number };
}

const num = (v: number) => (Number.isFinite(v) ? formatMetric(v) : "–");
const seconds = (runs: readonly RunRecord[]) => runs.reduce((a, r) => a + (typeof r.fitSeconds === "number" ? r.fitSeconds : 0), 0);

function describeDimension(name: string, d: Record<string, unknown>): string {
  if (d.kind === "choice") return `${name} ∈ {${(d.choices as unknown[]).map((c) => JSON.stringify(c)).join(", ")}}`;
  return `${name} ∈ [${formatValue(d.low as number)}, ${formatValue(d.high as number)}] (${d.kind === "int" ? "integer" : "real"}${d.log ? ", log scale" : ""}${typeof d.points === "number" ? `, ${d.points} grid points` : ""})`;
}

/** The ok run with the lowest `metric`, or undefined. */
function lowest(runs: readonly RunRecord[], metric: MetricPath): RunRecord | undefined {
  let best: RunRecord | undefined;
  for (const r of runs)
    if (r.status === "ok" && Number.isFinite(metricValue(r, metric)) && (!best || metricValue(r, metric) < metricValue(best, metric))) best = r;
  return best;
}

/** Cumulative fit seconds (file order) when a run first came within `tolerance` of `target`; NaN if never. */
function secondsToReach(runs: readonly RunRecord[], metric: MetricPath, target: number, tolerance: number): number {
  let used = 0;
  for (const r of runs) {
    used += typeof r.fitSeconds === "number" ? r.fitSeconds : 0;
    if (r.status === "ok" && metricValue(r, metric) <= target + tolerance) return used;
  }
  return NaN;
}

function params(r: RunRecord, keys: readonly string[]): string {
  return keys.map((k) => `${k} = ${typeof r.params[k] === "number" ? formatValue(r.params[k] as number) : JSON.stringify(r.params[k])}`).join(", ");
}

/**
 * Blocks of the search section, or [] when `results` holds no search trials.
 * @throws InputError when `grid` is on other data than `results`
 */
export function searchBlocks(results: ResultsFile, grid?: ResultsFile): Block[] {
  const runs = results.runs.filter((r) => r.trial !== undefined);
  if (runs.length === 0) return [];
  const spec = (results.experiment.spec ?? {}) as SearchSpecView;
  const metric: MetricPath = spec.search?.metric ?? "validation.rmse";
  const M = `${metric.split(".")[0]} ${metric.split(".")[1].toUpperCase()}`;
  const keys = Object.keys(spec.search?.space ?? {});
  const ok = runs.filter((r) => r.status === "ok").length;
  const pruned = runs.filter((r) => r.status === "pruned").length;
  const failed = runs.length - ok - pruned;
  const best = lowest(runs, metric);
  const blocks: Block[] = [{ type: "heading", level: 2, text: "Search" }];
  const pr = spec.pruner;
  blocks.push({
    type: "facts",
    items: [
      [
        "method",
        `${spec.search?.method ?? "–"}${spec.search?.method === "tpe" ? " (Tree-structured Parzen Estimator, Optuna's univariate definition)" : ""}, sampler seed ${spec.search?.seed ?? "–"}`,
      ],
      ["space", keys.map((k) => describeDimension(k, spec.search!.space![k])).join("; ") || "–"],
      ["objective", `${M}, on ${spec.evaluation?.validation ?? "?"} of the training ratings held out (the test set does not choose)`],
      [
        "pruner",
        pr ? `${pr.method}, min ${pr.minIterations} iterations${pr.method === "asha" ? `, reduction factor ${pr.reductionFactor}` : ""}` : "none",
      ],
      ["trials", `${runs.length} of ${spec.search?.trials ?? "?"}: ${ok} completed, ${pruned} pruned, ${failed} failed`],
      ["fit seconds", `${formatMetric(seconds(runs))} in total (pruned trials included)`],
      [
        "best trial",
        best
          ? `#${best.trial}: ${params(best, keys)} — ${M} ${num(metricValue(best, metric))}, test RMSE ${num(metricValue(best, "test.rmse"))} (reported, not used to choose)`
          : "no completed trial",
      ],
    ],
  });
  if (grid) {
    if (grid.dataset.fingerprint !== results.dataset.fingerprint) {
      throw new InputError(
        `the grid results are on other data (${grid.dataset.name}, fingerprint ${grid.dataset.fingerprint}) than the search (${results.dataset.name}, fingerprint ${results.dataset.fingerprint})`,
      );
    }
    const gridBest = lowest(grid.runs, metric);
    if (!gridBest) throw new InputError(`the grid results "${grid.experiment.name}" have no completed run with ${M}`);
    const target = metricValue(gridBest, metric);
    const tolerance = 0.003;
    const reach = secondsToReach(runs, metric, target, tolerance);
    blocks.push({ type: "heading", level: 3, text: "Search best vs grid best" });
    blocks.push({
      type: "table",
      header: ["", "runs", `best ${M}`, "chosen configuration", "its test RMSE", "fit seconds"],
      numeric: [false, true, true, false, true, true],
      rows: [
        [
          `search (${results.experiment.name})`,
          String(runs.length),
          best ? num(metricValue(best, metric)) : "–",
          best ? params(best, keys) : "–",
          best ? num(metricValue(best, "test.rmse")) : "–",
          formatMetric(seconds(runs)),
        ],
        [
          `grid (${grid.experiment.name})`,
          String(grid.runs.length),
          num(target),
          params(gridBest, keys),
          num(metricValue(gridBest, "test.rmse")),
          formatMetric(seconds(grid.runs)),
        ],
      ],
    });
    const gap = best ? metricValue(best, metric) - target : NaN;
    blocks.push({
      type: "paragraph",
      text:
        `The search's best ${M} is ${num(gap)} ${gap <= 0 ? "below" : "above"} the grid's best, using ${num(seconds(runs) / seconds(grid.runs))} of the grid's fit seconds. ` +
        (Number.isFinite(reach)
          ? `It first came within ${tolerance} of the grid's best after ${formatMetric(reach)} fit seconds (${num(reach / seconds(grid.runs))} of the grid's).`
          : `It never came within ${tolerance} of the grid's best.`),
    });
  }
  return blocks;
}
