/**
 * Paired significance of model comparisons in one results file, for `mflab summary`, the report and the
 * comparison figure: each model at its best configuration (lowest mean test MSE over its folds/seeds, as the
 * comparison figure chooses), the lowest model against every other one on the folds they share:
 *
 * - over folds: the mean difference of test RMSE, how many folds each is lower on, the paired t-test (plain and
 *   Nadeau & Bengio's corrected one, ../core/paired) and Wilcoxon's signed-rank test (exact; with 5 folds its p
 *   cannot go below 0.0625, which the text says);
 * - within each fold: a paired bootstrap of the RMSE difference over that fold's test ratings (from the runs'
 *   `testBuckets`; runs written before they were recorded have none, and the text then leaves it out).
 *
 * Everything is computed from the stored runs; nothing is refitted.
 */
import {
  bootstrapRmseDifference,
  pairedComparison,
  wilcoxonSignedRank,
  type BootstrapResult,
  type PairedComparison,
  type WilcoxonResult,
} from "../core/paired";
import type { ResultsFile, RunRecord } from "./schema";
import { configKey } from "./selection";

/** The comparison of two models' best configurations (module doc). */
export interface ModelComparison {
  /** The lower (by mean test RMSE over the shared folds) and the other model. */
  a: string;
  b: string;
  /** Mean test RMSE of each over the shared folds. */
  rmseA: number;
  rmseB: number;
  /** Folds in common (by name; "" for a single split). */
  folds: string[];
  paired: PairedComparison;
  wilcoxon: WilcoxonResult;
  /** Per shared fold with buckets on both sides: the bootstrap over its test ratings. */
  bootstrap: (BootstrapResult & { fold: string })[];
  /** One line: "a vs b: Δ RMSE = …, p = …" (see {@link comparisonText}). */
  text: string;
  /** A short form for figures: "a vs b: Δ = −0.0123, p = 0.001 (t) · 0.062 (Wilcoxon) · ≤ 0.0005 (bootstrap)". */
  short: string;
}

/** "p = 0.012", "p < 0.001" (n/a for NaN). */
function pIs(p: number): string {
  if (!Number.isFinite(p)) return "p n/a";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

/** The runs of each model's best configuration: model → runs (ok, with test RMSE), in first-seen model order. */
export function bestConfigurationRuns(results: ResultsFile | readonly RunRecord[]): Map<string, RunRecord[]> {
  const runs = Array.isArray(results) ? (results as readonly RunRecord[]) : (results as ResultsFile).runs;
  const byModel = new Map<string, Map<string, RunRecord[]>>();
  for (const r of runs) {
    if (r.status !== "ok" || !r.metrics?.test) continue;
    const model = typeof r.params.label === "string" ? r.params.label : r.params.model;
    const configs = byModel.get(model) ?? new Map<string, RunRecord[]>();
    byModel.set(model, configs);
    const key = configKey(r);
    configs.set(key, [...(configs.get(key) ?? []), r]);
  }
  const out = new Map<string, RunRecord[]>();
  for (const [model, configs] of byModel) {
    let best: RunRecord[] | undefined;
    let bestMse = Infinity;
    for (const rs of configs.values()) {
      const m = rs.reduce((s, r) => s + (r.metrics?.test?.mse ?? NaN), 0) / rs.length;
      if (best === undefined || m < bestMse) [best, bestMse] = [rs, m];
    }
    if (best) out.set(model, best);
  }
  return out;
}

/** Per fold (name; repeats averaged): the runs' test RMSE and, for the first repeat, its buckets. */
function perFold(runs: readonly RunRecord[]): Map<string, { rmse: number; buckets?: RunRecord["testBuckets"] }> {
  const sums = new Map<string, { s: number; n: number; buckets?: RunRecord["testBuckets"] }>();
  for (const r of runs) {
    const f = r.fold ?? "";
    const cell = sums.get(f) ?? { s: 0, n: 0 };
    cell.s += r.metrics!.test!.rmse;
    cell.n++;
    if (cell.buckets === undefined && r.testBuckets) cell.buckets = r.testBuckets;
    sums.set(f, cell);
  }
  return new Map([...sums].map(([f, c]) => [f, { rmse: c.s / c.n, buckets: c.buckets }]));
}

/** Compare two models' runs fold by fold (module doc); the lower one becomes `a`. */
export function compareModelRuns(
  nameA: string,
  runsA: readonly RunRecord[],
  nameB: string,
  runsB: readonly RunRecord[],
  testTrainRatio?: number,
): ModelComparison {
  let fa = perFold(runsA);
  let fb = perFold(runsB);
  let folds = [...fa.keys()].filter((f) => fb.has(f));
  let a = nameA;
  let b = nameB;
  const meanOf = (m: typeof fa) => folds.reduce((s, f) => s + m.get(f)!.rmse, 0) / folds.length;
  if (meanOf(fb) < meanOf(fa)) {
    [fa, fb, a, b] = [fb, fa, b, a];
  }
  folds = [...fa.keys()].filter((f) => fb.has(f));
  const va = folds.map((f) => fa.get(f)!.rmse);
  const vb = folds.map((f) => fb.get(f)!.rmse);
  const paired = pairedComparison(va, vb, testTrainRatio);
  const wilcoxon = wilcoxonSignedRank(paired.differences);
  const bootstrap: ModelComparison["bootstrap"] = [];
  folds.forEach((f, k) => {
    const ba = fa.get(f)!.buckets;
    const bb = fb.get(f)!.buckets;
    if (!ba || !bb || ba.sse.length !== bb.sse.length) return;
    try {
      bootstrap.push({ fold: f, ...bootstrapRmseDifference(ba, bb, { seed: k }) });
    } catch {
      // Different test sets (buckets disagree): no bootstrap for this fold.
    }
  });
  const comparison: ModelComparison = { a, b, rmseA: meanOf(fa), rmseB: meanOf(fb), folds, paired, wilcoxon, bootstrap, text: "", short: "" };
  comparison.text = comparisonText(comparison);
  const ps: string[] = [];
  if (folds.length >= 3) ps.push(`t ${pIs(paired.p)}`, `Wilcoxon ${pIs(wilcoxon.p)}`);
  if (bootstrap.length > 0) {
    const worst = Math.max(...bootstrap.map((x) => x.p));
    const text = worst <= 1 / bootstrap[0].resamples + 1e-12 ? `p ≤ ${1 / bootstrap[0].resamples}` : pIs(worst);
    ps.push(`bootstrap ${text}${bootstrap.length > 1 ? " in every fold" : ""}`);
  }
  comparison.short = `${a} vs ${b}: Δ RMSE = ${(comparison.rmseA - comparison.rmseB).toFixed(4)}${ps.length > 0 ? ` (${ps.join(", ")})` : ""}`;
  return comparison;
}

/**
 * "bpmf vs svdpp: Δ RMSE = −0.0123 (bpmf …, svdpp …; bpmf lower on 5/5 folds); paired t-test p = …, corrected … p = …;
 * Wilcoxon signed-rank p = … (the smallest possible with 5 folds); bootstrap over test ratings within each fold: p ≤ … in every fold".
 */
export function comparisonText(c: ModelComparison): string {
  const n = c.folds.length;
  const d = c.rmseA - c.rmseB;
  const where = n >= 3 ? `; ${c.a} lower on ${c.paired.aLower}/${n} folds` : n === 1 ? "; one split" : `; ${n} folds`;
  const parts = [`${c.a} vs ${c.b}: Δ RMSE = ${d.toFixed(4)} (${c.a} ${c.rmseA.toFixed(4)}, ${c.b} ${c.rmseB.toFixed(4)}${where})`];
  if (n >= 3) {
    parts.push(
      `paired t-test ${pIs(c.paired.p)}` +
        (Number.isFinite(c.paired.pCorrected) ? `, corrected for shared training ratings (Nadeau & Bengio) ${pIs(c.paired.pCorrected)}` : ""),
    );
    const w = c.wilcoxon;
    parts.push(
      `Wilcoxon signed-rank ${pIs(w.p)}${w.exact && Number.isFinite(w.minP) && w.p <= w.minP + 1e-12 ? ` (the smallest possible with ${w.n} folds)` : ""}`,
    );
  } else {
    parts.push("too few folds for a test over folds");
  }
  if (c.bootstrap.length > 0) {
    const worst = Math.max(...c.bootstrap.map((x) => x.p));
    const below = c.bootstrap.filter((x) => x.p < 0.05).length;
    const r = c.bootstrap[0].resamples;
    const pText = worst <= 1 / r + 1e-12 ? `p ≤ ${1 / r}` : `p ≤ ${worst.toFixed(3)}`;
    const one = c.bootstrap[0];
    parts.push(
      c.bootstrap.length === 1
        ? `bootstrap over test ratings: ${pText} (95 % interval of Δ ${(-one.high).toFixed(4)} … ${(-one.low).toFixed(4)})`
        : `bootstrap over test ratings within each fold: ${pText} in every fold (p < 0.05 in ${below}/${c.bootstrap.length})`,
    );
  }
  return parts.join("; ");
}

/**
 * The lowest model (by mean test RMSE of its best configuration) against every other model in `results`, lowest
 * first: Δ RMSE, paired t-tests and Wilcoxon over folds, a paired bootstrap over each fold's test ratings, and a
 * line of text (what `mflab summary` prints). Empty with fewer than two models.
 */
export function modelComparisons(results: ResultsFile | readonly RunRecord[]): ModelComparison[] {
  const best = bestConfigurationRuns(results);
  if (best.size < 2) return [];
  const meanRmse = (rs: readonly RunRecord[]) => rs.reduce((s, r) => s + r.metrics!.test!.rmse, 0) / rs.length;
  const models = [...best.keys()].sort((x, y) => meanRmse(best.get(x)!) - meanRmse(best.get(y)!));
  let testTrain: number | undefined;
  if (!Array.isArray(results)) {
    const d = (results as ResultsFile).dataset;
    const ratios = d.folds && d.folds.length > 0 ? d.folds.map((f) => f.nTest / f.nTrain) : [d.nTest / d.nTrain];
    testTrain = ratios.reduce((s, x) => s + x, 0) / ratios.length || undefined;
  }
  const [lowest, ...others] = models;
  return others.map((m) => compareModelRuns(lowest, best.get(lowest)!, m, best.get(m)!, testTrain));
}
