/**
 * Computed observations about a sweep, stated as facts with their numbers ("test MSE falls from 1.0423 at λ=1 to
 * 0.9121 at λ=6 for d=50"), for the write-up skeleton of ./build.ts. The author interprets them.
 *
 * Which observations: those that fit what the sweep contains ({@link sweepContents}), in this order of topics —
 * - zero-filled vs observed-entry NMF, when both `nmf-zero-filled` and `nmf` ran: their test and train errors side
 *   by side, per fold, and against the baselines of the sweep;
 * - model ranking, when several models ran: each model at its lowest configuration, a paired comparison of the two
 *   lowest over the folds (./paired.ts; said so when there are too few folds to test), the lowest model against
 *   the baselines;
 * - over- and under-fitting, per model with a grid over d × λ: the lowest cell and whether it sits at the grid's
 *   edge, the large-d / small-λ corner (train error falls, the train–test gap grows) and the highest train error;
 * - grid detail: trends along λ (else the last axis) per slice of the other axes and the lowest per value of d —
 *   every slice in a single-model sweep, only for one-axis grids in a sweep of several models;
 * - spread over folds; runs: the iteration cap (only for models with a stopping rule,
 *   `ModelDefinition.stoppingRule`), fixed iteration counts, fit time, fallbacks, failures.
 * Each observation belongs to a topic (its heading in the report); the ones that may be a key finding carry a
 * priority, and {@link keyFindings} takes the three most important.
 *
 * How the numbers are computed:
 * - Only ok runs count. Runs of one configuration (same params without the seed: folds, repeated seeds) are
 *   averaged into one cell; the cell's `n` says over how many runs. A model "at its lowest" is its cell with the
 *   lowest mean test metric.
 * - The metric is a test metric (`test.mse` by default); "train–test gap" is test minus train of the same
 *   error (e.g. test MSE − train MSE), per cell.
 * - Parameters are described with the parameters each model has: the ones that vary between its own runs.
 */
import { mean, std } from "../core/stats";
import { getModel } from "../models/registry";
import type { ResultsFile, RunRecord } from "../results/schema";
import { configKey } from "../results/selection";
import { metricValue, type MetricPath } from "../results/metric";
import { varyingParams } from "../results/summary";
import { formatMetric, formatValue, paramLabel } from "../plot/figures";
import { pairedComparison } from "./paired";
import { modelComparisons } from "../results/comparison";

/** One observation: its sentence and the numbers in it (for tests and for authors who re-use them). */
export interface Observation {
  /**
   * What is observed: `nmf-variants`, `nmf-baselines`, `top-two`, `models`, `vs-baseline`, `grid-best`,
   * `overfitting`, `underfitting`, `trend`, `gap-trend`, `lowest-per`, `lowest`, `largest-gap`, `smallest-gap`,
   * `folds`, `convergence`, `fixed-iterations`, `fit-time`, `fallback`, `failed`, `significance`.
   */
  kind: string;
  /** Model the observation is about (undefined for sweep-wide ones). */
  model?: string;
  /** The section it belongs to (a heading of the report's observations). */
  topic: string;
  text: string;
  values: Record<string, number | string>;
  /** Importance when it may be a key finding (lower first); absent: never one. */
  priority?: number;
  /** A short title when shown as a key finding. */
  title?: string;
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
  /** Per-run test metric values (run order). */
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
  return keys
    .filter((k) => params[k] !== undefined)
    .map((k) => paramText(k, params[k]))
    .join(", ");
}

function num(v: number): string {
  return Number.isFinite(v) ? formatMetric(v) : "n/a";
}

function pText(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** The cell with the lowest test value (undefined for none). */
function lowestOf(cells: readonly ConfigurationCell[]): ConfigurationCell | undefined {
  return cells.length === 0 ? undefined : cells.reduce((a, b) => (b.test < a.test ? b : a));
}

/** Models with a baseline's role in comparisons: the mean predictors and μ + b_u + b_i. */
const BASELINES = ["global-mean", "user-mean", "item-mean", "random-normal", "baseline-als", "baseline-sgd"];

/** What a sweep contains, which decides the observations (see the module doc). */
export interface SweepContents {
  /** Models with at least one ok run, first-seen order. */
  models: string[];
  /** Fold names of the runs ("" excluded). */
  folds: string[];
  /** Per model: the parameters that vary between its runs (its grid axes), in first-seen order. */
  axes: Record<string, string[]>;
  /** Models with numeric `d` and `lambda` axes of at least two values each. */
  dLambda: string[];
  /** Both NMF variants ran: scikit-learn-style zero-filled NMF and NMF on the observed entries. */
  nmfVariants: boolean;
  /** Baseline models that ran ({@link BASELINES}). */
  baselines: string[];
}

/** What `results` contains (see {@link SweepContents}). */
export function sweepContents(results: ResultsFile): SweepContents {
  const ok = results.runs.filter((r) => r.status === "ok");
  const models = [...new Set(ok.map((r) => r.params.model))];
  const axes: Record<string, string[]> = {};
  const dLambda: string[] = [];
  // A random or TPE search samples its space, it is no grid: the grid observations (edges, corners) do not apply.
  const method = (results.experiment.spec as { search?: { method?: string } } | null)?.search?.method;
  const sampled = method !== undefined && method !== "grid";
  for (const m of new Set(results.runs.map((r) => r.params.model))) {
    const runs = results.runs.filter((r) => r.params.model === m);
    axes[m] = varyingParams(runs).filter((k) => k !== "model");
    const numericValues = (k: string) => {
      const vs = new Set<number>();
      for (const r of runs) {
        const v = r.params[k];
        if (typeof v !== "number" || !Number.isFinite(v)) return 0;
        vs.add(v);
      }
      return vs.size;
    };
    if (!sampled && models.includes(m) && numericValues("d") >= 2 && numericValues("lambda") >= 2) dLambda.push(m);
  }
  return {
    models,
    folds: [...new Set(results.runs.map((r) => r.fold ?? ""))].filter((f) => f !== ""),
    axes,
    dLambda,
    nmfVariants: models.includes("nmf-zero-filled") && models.includes("nmf"),
    baselines: BASELINES.filter((b) => models.includes(b)),
  };
}

/** Numeric axes of a model's cells: its varying parameters that are numbers in every cell. */
function numericAxes(axes: readonly string[], cells: readonly ConfigurationCell[]): string[] {
  return axes.filter((k) => cells.every((c) => typeof c.params[k] === "number" && Number.isFinite(c.params[k] as number)));
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

/** Mean test metric per fold of the configuration of `cell` (repeated seeds averaged within a fold). */
function perFold(runs: readonly RunRecord[], cell: ConfigurationCell, metric: MetricPath): Map<string, number> {
  const key = configKey({ params: cell.params } as RunRecord);
  const byFold = new Map<string, number[]>();
  for (const r of runs) {
    if (r.status !== "ok" || !r.fold || configKey(r) !== key) continue;
    const v = metricValue(r, metric);
    if (!Number.isFinite(v)) continue;
    byFold.set(r.fold, [...(byFold.get(r.fold) ?? []), v]);
  }
  return new Map([...byFold].map(([f, vs]) => [f, mean(vs)]));
}

export interface ObserveOptions {
  /** Test metric the observations are about (default "test.mse"). */
  metric?: MetricPath;
}

/**
 * The observations of a sweep (see the module doc for which, in which order, and how the numbers are computed).
 */
export function observeSweep(results: ResultsFile, options: ObserveOptions = {}): Observation[] {
  const metric = options.metric ?? "test.mse";
  const M = metricName(metric);
  const out: Observation[] = [];
  const contents = sweepContents(results);
  const { models, folds: foldNames } = contents;
  const multi = models.length > 1;
  const okRuns = results.runs.filter((r) => r.status === "ok");
  const runsOf = (model: string) => results.runs.filter((r) => r.params.model === model);
  const cellsOf = (model: string) => configurationCells(runsOf(model), metric).filter((c) => Number.isFinite(c.test));
  const axesOf = (model: string) => contents.axes[model] ?? [];
  /** `als (d=5, λ=1)` in a sweep of several models, `d=5, λ=1` in a single-model one, else the model name. */
  const label = (params: RunRecord["params"]) => {
    const t = paramsText(params, axesOf(params.model));
    return multi ? (t ? `${params.model} (${t})` : params.model) : t || params.model;
  };
  const meanNote = (c: ConfigurationCell) => (c.n > 1 ? ` (mean over ${c.n} runs)` : "");
  const overFolds = foldNames.length > 1 ? ` (mean over ${foldNames.length} folds)` : "";
  const lowestPerModel = new Map<string, ConfigurationCell>();
  for (const m of models) {
    const c = lowestOf(cellsOf(m));
    if (c) lowestPerModel.set(m, c);
  }
  const withParams = (c: ConfigurationCell) => {
    const t = paramsText(c.params, axesOf(c.params.model));
    return t ? ` at ${t}` : "";
  };
  /** How many folds of `a`'s configuration have a higher value than `b`'s, as " — higher on k of n folds". */
  const foldCount = (a: ConfigurationCell, b: ConfigurationCell) => {
    const fa = perFold(results.runs, a, metric);
    const fb = perFold(results.runs, b, metric);
    const common = [...fa.keys()].filter((f) => fb.has(f));
    if (common.length < 2) return { text: "", higher: NaN, n: common.length };
    const higher = common.filter((f) => fa.get(f)! > fb.get(f)!).length;
    return { text: `; higher on ${higher} of ${common.length} folds`, higher, n: common.length };
  };

  // 1. Zero-filled vs observed-entry NMF
  if (contents.nmfVariants) {
    const topic = "Zero-filled vs observed-entry NMF";
    const zf = lowestPerModel.get("nmf-zero-filled")!;
    const ob = lowestPerModel.get("nmf")!;
    const folds = foldCount(zf, ob);
    out.push({
      kind: "nmf-variants",
      topic,
      title: "Zero-filled vs observed-entry NMF",
      priority: 1,
      text:
        `nmf-zero-filled (missing ratings taken as 0)${withParams(zf)} has test ${M} ${num(zf.test)} and train ${M} ${num(zf.train)}; ` +
        `nmf (observed ratings only)${withParams(ob)} has test ${M} ${num(ob.test)} and train ${M} ${num(ob.train)}${overFolds}: ` +
        `the zero-filled test ${M} is ${(zf.test / ob.test).toFixed(2)} times the observed-entry one${folds.text.replace("higher", "zero-filled higher")}`,
      values: { zeroFilledTest: zf.test, zeroFilledTrain: zf.train, observedTest: ob.test, observedTrain: ob.train, ratio: zf.test / ob.test },
    });
    const bases = contents.baselines.map((b) => ({ model: b, cell: lowestPerModel.get(b)! }));
    if (bases.length > 0) {
      const above = bases.filter((b) => zf.test > b.cell.test);
      const gm = lowestPerModel.get("global-mean");
      out.push({
        kind: "nmf-baselines",
        topic,
        title: "Zero-filled NMF vs the baselines",
        priority: 1.5,
        text:
          `nmf-zero-filled's test ${M} ${num(zf.test)} is higher than that of ${above.length} of the ${bases.length} baselines in the sweep ` +
          `(${bases.map((b) => `${b.model} ${num(b.cell.test)}`).join(", ")})` +
          (gm ? `; its train ${M} ${num(zf.train)} is ${zf.train > gm.train ? "higher" : "lower"} than global-mean's ${num(gm.train)}` : ""),
        values: {
          zeroFilledTest: zf.test,
          above: above.length,
          baselines: bases.length,
          ...Object.fromEntries(bases.map((b) => [b.model, b.cell.test])),
        },
      });
    }
  }

  // 2. Model ranking
  if (multi) {
    const topic = "Model ranking";
    const perModel = [...lowestPerModel.entries()].map(([model, cell]) => ({ model, cell })).sort((a, b) => a.cell.test - b.cell.test);
    if (perModel.length > 1) {
      const [a, b] = perModel;
      const fa = perFold(results.runs, a.cell, metric);
      const fb = perFold(results.runs, b.cell, metric);
      const common = foldNames.filter((f) => fa.has(f) && fb.has(f));
      const head = `${label(a.cell.params)} ${num(a.cell.test)} and ${label(b.cell.params)} ${num(b.cell.test)}, the two lowest test ${M}s${overFolds}`;
      const d = results.dataset;
      const testTrain = (d.folds && d.folds.length > 0 ? mean(d.folds.map((f) => f.nTest / f.nTrain)) : d.nTest / d.nTrain) || undefined;
      let text: string;
      let values: Observation["values"];
      if (common.length >= 3) {
        const cmp = pairedComparison(
          common.map((f) => fa.get(f)!),
          common.map((f) => fb.get(f)!),
          testTrain,
        );
        const decided = Number.isFinite(cmp.pCorrected) ? cmp.pCorrected : cmp.p;
        text =
          `${head}: ${a.model} is lower on ${cmp.aLower} of ${cmp.n} folds, by ${num(cmp.meanDifference)} on average (std ${num(cmp.sd)} over folds); ` +
          `paired t-test t = ${cmp.t.toFixed(2)} (${cmp.n - 1} df), two-sided p = ${pText(cmp.p)}` +
          (Number.isFinite(cmp.pCorrected)
            ? `; corrected for the training ratings the folds share (Nadeau & Bengio), t = ${cmp.tCorrected.toFixed(2)}, p = ${pText(cmp.pCorrected)}`
            : "") +
          ` — at the 5 % level the difference is ${decided < 0.05 ? "larger than" : "within"} the fold-to-fold variation`;
        const { differences: _d, bLower: _b, ...numbers } = cmp;
        values = { a: a.model, b: b.model, ...numbers };
      } else if (common.length === 2) {
        const diffs = common.map((f) => fb.get(f)! - fa.get(f)!);
        text =
          `${head}: ${a.model} is lower on ${diffs.filter((x) => x > 0).length} of 2 folds (differences ${diffs.map(num).join(", ")}); ` +
          `2 folds are too few for a paired test (1 degree of freedom) — cross-validate over 5 or more folds to compare the two`;
        values = { a: a.model, b: b.model, n: 2, meanDifference: mean(diffs) };
      } else {
        text =
          `${head}: a difference of ${num(b.cell.test - a.cell.test)} measured on one train/test split, with no fold-to-fold variation ` +
          `to compare it with — cross-validate (--folds 5) for a paired comparison`;
        values = { a: a.model, b: b.model, n: common.length, meanDifference: b.cell.test - a.cell.test };
      }
      out.push({
        kind: "top-two",
        topic,
        title: common.length >= 2 ? "The two lowest models, fold by fold" : "The two lowest models",
        priority: 2,
        text,
        values,
      });
      const comparisons = modelComparisons(results);
      if (comparisons.length > 0) {
        out.push({
          kind: "significance",
          topic,
          title: "Paired significance against the lowest model",
          text:
            "each model at its best configuration against the lowest, test RMSE: " +
            comparisons.map((c) => c.text).join(" · ") +
            " (t-tests and Wilcoxon over folds; the bootstrap resamples each fold's test ratings, paired)",
          values: Object.fromEntries(
            comparisons
              .flatMap((c) => [
                [`${c.b}.meanDifference`, c.rmseA - c.rmseB],
                [`${c.b}.pT`, c.paired.p],
                [`${c.b}.pCorrected`, c.paired.pCorrected],
                [`${c.b}.pWilcoxon`, c.wilcoxon.p],
                ...(c.bootstrap.length > 0 ? [[`${c.b}.pBootstrapMax`, Math.max(...c.bootstrap.map((x) => x.p))] as [string, number]] : []),
              ])
              .filter(([, v]) => typeof v === "string" || Number.isFinite(v)),
          ),
        });
      }
      out.push({
        kind: "models",
        topic,
        title: "Models ranked",
        priority: 2.4,
        text: `lowest test ${M} per model${overFolds}, ascending: ${perModel.map((p) => `${p.model} ${num(p.cell.test)}`).join("; ")}`,
        values: Object.fromEntries(perModel.map((p) => [p.model, p.cell.test])),
      });
      const refs = contents.baselines.filter((m) => m !== "random-normal" && m !== a.model);
      if (refs.length > 0 && !BASELINES.includes(a.model)) {
        const refText = refs.map((r) => `${num(lowestPerModel.get(r)!.test - a.cell.test)} below ${r} (${num(lowestPerModel.get(r)!.test)})`);
        out.push({
          kind: "vs-baseline",
          topic,
          title: "The lowest model vs the baselines",
          priority: 2.3,
          text: `${label(a.cell.params)}, the lowest, has test ${M} ${num(a.cell.test)}: ${refText.join(", ")}`,
          values: { model: a.model, test: a.cell.test, ...Object.fromEntries(refs.map((r) => [r, lowestPerModel.get(r)!.test])) },
        });
      }
      const all = configurationCells(results.runs, metric).filter((c) => Number.isFinite(c.gap));
      if (all.length > 1) {
        const largest = all.reduce((x, y) => (y.gap > x.gap ? y : x));
        out.push({
          kind: "largest-gap",
          topic,
          text: `largest train–test ${M} gap over all configurations: ${num(largest.gap)} for ${label(largest.params)} (train ${num(largest.train)}, test ${num(largest.test)})`,
          values: { gap: largest.gap, train: largest.train, test: largest.test },
        });
      }
    }
  }

  // 3. Over- and under-fitting over d × λ
  for (const model of contents.dLambda) {
    const topic = `Over- and under-fitting: ${multi ? `${model} ` : ""}over d × λ`;
    const prefix = multi ? `${model}: ` : "";
    const of = multi ? ` (${model})` : "";
    const all = cellsOf(model);
    const best = lowestOf(all);
    if (!best) continue;
    // other axes (if any) fixed at the lowest cell's values
    const others = numericAxes(axesOf(model), all).filter((k) => k !== "d" && k !== "lambda");
    const cells = all.filter((c) => others.every((k) => c.params[k] === best.params[k]));
    const at = others.length > 0 ? ` (${paramsText(best.params, others)})` : "";
    const ds = [...new Set(cells.map((c) => c.params.d as number))].sort((x, y) => x - y);
    const ls = [...new Set(cells.map((c) => c.params.lambda as number))].sort((x, y) => x - y);
    const cell = (d: number, l: number) => cells.find((c) => c.params.d === d && c.params.lambda === l);
    const dMin = ds[0];
    const dMax = ds[ds.length - 1];
    const lMin = ls[0];
    const lMax = ls[ls.length - 1];
    const edges: string[] = [];
    if (best.params.d === dMin) edges.push(`the smallest d (${dMin})`);
    if (best.params.d === dMax) edges.push(`the largest d (${dMax})`);
    if (best.params.lambda === lMin) edges.push(`the smallest λ (${formatValue(lMin)})`);
    if (best.params.lambda === lMax) edges.push(`the largest λ (${formatValue(lMax)})`);
    out.push({
      kind: "grid-best",
      model,
      topic,
      title: `Lowest test ${M} over d × λ${of}`,
      priority: 3,
      text:
        `${prefix}lowest test ${M} over the d × λ grid${at}: ${num(best.test)} at ${paramsText(best.params, ["d", "lambda"])}${meanNote(best)}, with train ${M} ${num(best.train)}; ` +
        (edges.length > 0
          ? `it lies at the grid's edge — ${edges.join(" and ")} — so the minimum may lie beyond the grid`
          : "it lies inside the grid on both axes"),
      values: { value: best.test, train: best.train, d: best.params.d as number, lambda: best.params.lambda as number, edges: edges.length },
    });
    const lo = cell(dMin, lMin);
    const hi = cell(dMax, lMin);
    if (lo && hi) {
      const growing = ls.filter((l) => {
        const a = cell(dMin, l);
        const b = cell(dMax, l);
        return a && b && b.gap > a.gap;
      }).length;
      const reg = cell(dMax, lMax);
      out.push({
        kind: "overfitting",
        model,
        topic,
        title: `Over-fitting side (large d, small λ)${of}`,
        priority: 3.2,
        text:
          `${prefix}at the smallest λ (${formatValue(lMin)}), raising d from ${dMin} to ${dMax} moves train ${M} from ${num(lo.train)} to ${num(hi.train)} ` +
          `and test ${M} from ${num(lo.test)} to ${num(hi.test)} (gap test − train from ${num(lo.gap)} to ${num(hi.gap)}); ` +
          `the gap is larger at d=${dMax} than at d=${dMin} for ${growing} of ${ls.length} λ values` +
          (reg ? `; at d=${dMax}, λ=${formatValue(lMax)} test ${M} is ${num(reg.test)} (gap ${num(reg.gap)})` : ""),
        values: {
          trainFrom: lo.train,
          trainTo: hi.train,
          testFrom: lo.test,
          testTo: hi.test,
          gapFrom: lo.gap,
          gapTo: hi.gap,
          growing,
          lambdas: ls.length,
        },
      });
    }
    const highestTrain = cells.filter((c) => Number.isFinite(c.train)).reduce((a, b) => (b.train > a.train ? b : a), cells[0]);
    if (highestTrain && Number.isFinite(highestTrain.train)) {
      const corner = cell(dMin, lMax);
      out.push({
        kind: "underfitting",
        model,
        topic,
        title: `Under-fitting side (small d, large λ)${of}`,
        priority: 3.4,
        text:
          `${prefix}the highest train ${M} of the grid is ${num(highestTrain.train)} at ${paramsText(highestTrain.params, ["d", "lambda"])} ` +
          `(test ${num(highestTrain.test)}, gap ${num(highestTrain.gap)}), ${num(highestTrain.test - best.test)} above the lowest test ${M}` +
          (corner && corner !== highestTrain
            ? `; at d=${dMin}, λ=${formatValue(lMax)} train ${M} is ${num(corner.train)} and test ${M} ${num(corner.test)}`
            : ""),
        values: {
          train: highestTrain.train,
          test: highestTrain.test,
          gap: highestTrain.gap,
          d: highestTrain.params.d as number,
          lambda: highestTrain.params.lambda as number,
        },
      });
    }
  }

  // 4. Grid detail: every slice in a single-model sweep; one-axis grids of a sweep of several models
  for (const model of models) {
    if (multi && contents.dLambda.includes(model)) continue;
    const cells = cellsOf(model);
    if (cells.length < 2) continue;
    const topic = multi ? `Grid: ${model}` : "Grid detail";
    const prefix = multi ? `${model}: ` : "";
    const axes = numericAxes(axesOf(model), cells);
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
          topic,
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
          topic,
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
            topic,
            text: `${prefix}for ${paramsText(s.fixed, rest)} the lowest test ${M} is ${num(lowest.test)} at ${paramText(by, lowest.params[by])}`,
            values: { value: lowest.test, at: lowest.params[by] as number },
          });
        }
      }
    }
    const shown = axes.length > 0 ? axes : axesOf(model);
    const where = (c: ConfigurationCell) => (shown.length > 0 ? ` at ${paramsText(c.params, shown)}` : "");
    const lowest = lowestOf(cells)!;
    out.push({
      kind: "lowest",
      model,
      topic,
      ...(multi ? {} : { priority: contents.dLambda.includes(model) ? undefined : 3, title: `Lowest test ${M}` }),
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
        topic,
        text: `${prefix}largest train–test ${M} gap: ${num(largest.gap)}${where(largest)} (train ${num(largest.train)}, test ${num(largest.test)})`,
        values: { gap: largest.gap, train: largest.train, test: largest.test },
      });
      out.push({
        kind: "smallest-gap",
        model,
        topic,
        text: `${prefix}smallest train–test ${M} gap: ${num(smallest.gap)}${where(smallest)} (train ${num(smallest.train)}, test ${num(smallest.test)})`,
        values: { gap: smallest.gap, train: smallest.train, test: smallest.test },
      });
    }
  }

  // 5. Spread over folds
  if (foldNames.length > 1) {
    const cells = configurationCells(results.runs, metric).filter((c) => Number.isFinite(c.test) && c.n > 1);
    if (cells.length > 0) {
      const best = lowestOf(cells)!;
      const s = std(best.testValues);
      const within = cells.filter((c) => c !== best && c.test <= best.test + s).length;
      out.push({
        kind: "folds",
        topic: "Spread over folds",
        ...(multi ? {} : { priority: 3.6, title: "Spread over folds" }),
        text:
          `over folds ${foldNames.join(", ")}, the lowest mean test ${M} is ${num(best.test)} ± ${num(s)} (population std over ${best.n} folds) for ${label(best.params)}; ` +
          `${within} other configuration${within === 1 ? "" : "s"} have a mean within one std of it; per-fold values ${best.testValues.map(num).join(", ")}`,
        values: { mean: best.test, std: s, within },
      });
    }
  }

  // 6. Runs
  const topic = "Runs";
  for (const model of models) {
    if (!getModel(model)?.stoppingRule) continue;
    const iterative = okRuns.filter((r) => r.params.model === model && typeof r.converged === "boolean" && (r.iterations ?? 0) > 0);
    if (iterative.length === 0) continue;
    const capped = iterative.filter((r) => r.converged === false);
    const caps = [...new Set(capped.map((r) => r.params.maxIterations))];
    const capText = caps.length === 1 && typeof caps[0] === "number" ? ` (maxIterations = ${caps[0]})` : "";
    out.push({
      kind: "convergence",
      model,
      topic,
      ...(capped.length * 2 >= iterative.length && capped.length > 0 ? { priority: 3.8, title: `Iteration cap${multi ? ` (${model})` : ""}` } : {}),
      text: `${multi ? `${model}: ` : ""}${capped.length} of ${iterative.length} runs stopped at the iteration cap${capText} before the stopping rule fired (converged = false)`,
      values: { capped: capped.length, total: iterative.length },
    });
  }
  const fixed = models
    .filter((m) => !getModel(m)?.stoppingRule)
    .map((m) => {
      const its = okRuns.filter((r) => r.params.model === m && (r.iterations ?? 0) > 0).map((r) => r.iterations!);
      if (its.length === 0) return undefined;
      const lo = Math.min(...its);
      const hi = Math.max(...its);
      return { model: m, text: `${m} ${lo === hi ? lo : `${lo}–${hi}`}` };
    })
    .filter((x): x is { model: string; text: string } => x !== undefined);
  if (fixed.length > 0) {
    out.push({
      kind: "fixed-iterations",
      topic,
      text: `iterations run by the models without a stopping rule (each runs its maxIterations; "converged" says nothing there): ${fixed.map((f) => f.text).join(", ")}`,
      values: Object.fromEntries(fixed.map((f) => [f.model, f.text.slice(f.model.length + 1)])),
    });
  }

  const timed = okRuns.filter((r) => typeof r.fitSeconds === "number" && Number.isFinite(r.fitSeconds));
  if (timed.length > 1) {
    const total = timed.reduce((a, r) => a + r.fitSeconds!, 0);
    if (multi) {
      const perModel = models
        .map((m) => {
          const t = timed.filter((r) => r.params.model === m).map((r) => r.fitSeconds!);
          return t.length > 0 ? { model: m, seconds: mean(t) } : undefined;
        })
        .filter((x): x is { model: string; seconds: number } => x !== undefined)
        .sort((a, b) => a.seconds - b.seconds);
      const fastest = perModel[0];
      const slowest = perModel[perModel.length - 1];
      out.push({
        kind: "fit-time",
        topic,
        text: `mean fit time per run ranges from ${fastest.seconds.toFixed(3)} s (${fastest.model}) to ${slowest.seconds.toFixed(3)} s (${slowest.model}); total ${total.toFixed(2)} s over ${timed.length} runs`,
        values: { min: fastest.seconds, max: slowest.seconds, total },
      });
    } else {
      const fastest = timed.reduce((a, b) => (b.fitSeconds! < a.fitSeconds! ? b : a));
      const slowest = timed.reduce((a, b) => (b.fitSeconds! > a.fitSeconds! ? b : a));
      out.push({
        kind: "fit-time",
        topic,
        text: `fit time per run ranges from ${fastest.fitSeconds!.toFixed(3)} s (${label(fastest.params)}) to ${slowest.fitSeconds!.toFixed(3)} s (${label(slowest.params)}); total ${total.toFixed(2)} s over ${timed.length} runs`,
        values: { min: fastest.fitSeconds!, max: slowest.fitSeconds!, total },
      });
    }
  }

  const fallback = okRuns.filter((r) => typeof r.fallbackCount === "number");
  if (fallback.length > 0 && foldNames.length <= 1) {
    const counts = [...new Set(fallback.map((r) => r.fallbackCount!))].sort((a, b) => a - b);
    const nTest = results.dataset.nTest;
    const pct = (k: number) => (nTest > 0 ? ` (${((100 * k) / nTest).toFixed(2)} %)` : "");
    out.push({
      kind: "fallback",
      topic,
      text:
        counts.length === 1
          ? `every run used its model's fallback for ${counts[0]} of the ${nTest} test ratings${pct(counts[0])} (user or item without training ratings)`
          : `test ratings predicted by the model's fallback range from ${counts[0]} to ${counts[counts.length - 1]} of ${nTest} per run`,
      values: { min: counts[0], max: counts[counts.length - 1], nTest },
    });
  }

  const failed = results.runs.filter((r) => r.status === "failed");
  if (failed.length > 0) {
    const first = failed[0];
    const t = paramsText(first.params, axesOf(first.params.model));
    const lost = [...new Set(results.runs.map((r) => r.params.model))].filter((m) => !models.includes(m));
    // A model missing from every comparison, or a quarter of the runs lost, comes first; a few failures after the
    // lowest configuration.
    const serious = lost.length > 0 || failed.length * 4 >= results.runs.length;
    out.push({
      kind: "failed",
      topic,
      title: "Failed runs",
      priority: serious ? 0.5 : 3.1,
      text:
        `${failed.length} of ${results.runs.length} runs failed${lost.length > 0 ? ` (every run of ${lost.join(", ")}, so ${lost.length === 1 ? "it is" : "they are"} in no comparison above)` : ""}; ` +
        `first error (${multi || t === "" ? `${first.params.model}${t ? `, ${t}` : ""}` : t}): ${first.error ?? "no message"}`,
      values: { failed: failed.length, total: results.runs.length, modelsWithoutRuns: lost.length },
    });
  }
  return out;
}

/**
 * The `n` (default 3) most important observations: those with a priority, lowest first (ties in the order of
 * `observations`).
 */
export function keyFindings(observations: readonly Observation[], n = 3): Observation[] {
  return observations
    .map((o, k) => ({ o, k }))
    .filter(({ o }) => o.priority !== undefined)
    .sort((a, b) => a.o.priority! - b.o.priority! || a.k - b.k)
    .slice(0, n)
    .map(({ o }) => o);
}

/** Observations grouped by topic, in the order the topics first appear. */
export function observationsByTopic(observations: readonly Observation[]): { topic: string; observations: Observation[] }[] {
  const groups = new Map<string, Observation[]>();
  for (const o of observations) groups.set(o.topic, [...(groups.get(o.topic) ?? []), o]);
  return [...groups].map(([topic, list]) => ({ topic, observations: list }));
}
