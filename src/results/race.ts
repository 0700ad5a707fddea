/**
 * Reading optimizer races (records written by `runRace`, ../experiment/race.ts): per-entry summaries over seeds —
 * final test RMSE, iterations and seconds to reach a target, seconds per iteration, how often the training
 * objective went up — and their Markdown table.
 */
import { InputError } from "../core/errors";
import { finiteValues, meanStd, type MeanStd } from "../core/stats";
import { markdownTable } from "../core/table";
import type { RunRecord } from "./schema";

/** A race run: a standard run record plus the entry's label and the bare timing. */
export interface RaceRecord extends RunRecord {
  label: string;
  /** Seconds per iteration of the same fit without per-iteration test scoring: total / iterations (module doc). */
  bareSecondsPerIteration?: number;
  /**
   * Median duration of iterations 2, 3, … of that bare fit (iteration 1 alone when there is one): the steady
   * per-iteration cost, without one-time setup such as building CSR views or starting worker threads.
   */
  bareMedianIterationSeconds?: number;
}

/**
 * Mean and population standard deviation (divisor n, as every std in mflab: ../core/stats.ts; 0 for one value,
 * NaN for none) over seeds of the values that exist: `n` counts the finite values only.
 */
export type RaceStat = MeanStd;

function stat(values: readonly number[]): RaceStat {
  return meanStd(finiteValues(values));
}

/** The run's test RMSE after each iteration (√ of the recorded test MSE; NaN where it was not recorded). */
export function testRmseCurve(run: RunRecord): number[] {
  return (run.history?.testMse ?? []).map((m) => (typeof m === "number" && m >= 0 ? Math.sqrt(m) : NaN));
}

/**
 * Index (0-based) of the first iteration whose value is ≤ `threshold`, or −1 when none is.
 * NaN values never qualify.
 */
export function firstAtOrBelow(curve: readonly number[], threshold: number): number {
  for (let t = 0; t < curve.length; t++) if (curve[t] <= threshold) return t;
  return -1;
}

/** Number of iterations t ≥ 2 whose training objective is strictly larger than at t − 1. */
export function objectiveIncreases(run: RunRecord): number {
  const L = run.history?.trainLoss ?? [];
  let n = 0;
  for (let t = 1; t < L.length; t++) if (L[t] > L[t - 1]) n++;
  return n;
}

export interface RaceSummaryRow {
  label: string;
  model: string;
  /** Runs of this entry (one per seed) and how many failed, with their error messages. */
  runs: number;
  failed: number;
  errors: string[];
  /** Iterations run (failed runs: iterations completed before the failure). */
  iterations: RaceStat;
  /** Test RMSE after the last iteration, over ok runs. */
  finalTestRmse: RaceStat;
  /** Lowest test RMSE along the curve, over ok runs. */
  bestTestRmse: RaceStat;
  /** First iteration (1-based) whose test RMSE ≤ (1 + tolerance) × the run's own lowest, over ok runs. */
  iterationsToOwnBest: RaceStat;
  /** Seconds (history clock, incl. scoring) at that iteration. */
  secondsToOwnBest: RaceStat;
  /** First iteration whose test RMSE ≤ the race's target (see {@link RaceSummary.target}), over runs that reach it. */
  iterationsToTarget: RaceStat;
  secondsToTarget: RaceStat;
  /** Ok runs that reached the target. */
  reachedTarget: number;
  /** Last history seconds / iterations (incl. per-iteration scoring), over ok runs. */
  secondsPerIteration: RaceStat;
  /** From the bare refit (no test scoring), over ok runs that have it: total / iterations. */
  bareSecondsPerIteration: RaceStat;
  /** From the bare refit: median iteration duration after the first (steady state, setup excluded). */
  bareMedianIterationSeconds: RaceStat;
  /** Iterations where the training objective went up, over ok runs. */
  objectiveIncreases: RaceStat;
  /** Training objective after the last iteration (each model's own objective), over ok runs. */
  finalObjective: RaceStat;
}

export interface RaceSummary {
  /** Relative tolerance: "within 1 %" is 0.01. */
  tolerance: number;
  /** Lowest test RMSE of any ok run at any iteration. */
  bestTestRmse: number;
  /** (1 + tolerance) × bestTestRmse: the common target for the *ToTarget columns. */
  target: number;
  rows: RaceSummaryRow[];
}

/**
 * Per-entry statistics over seeds (rows in order of first appearance of each label). Runs without a `label`
 * field are grouped by `params.model`.
 * @throws InputError when `tolerance` is negative or not finite, or there are no runs
 */
export function summarizeRace(records: readonly RunRecord[], options: { tolerance?: number } = {}): RaceSummary {
  const tolerance = options.tolerance ?? 0.01;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance))
    throw new InputError(`summarizeRace: tolerance must be a finite number ≥ 0, got ${tolerance}`);
  if (records.length === 0) throw new InputError("summarizeRace: no runs");
  const labelOf = (r: RunRecord) => ((r as Partial<RaceRecord>).label ?? r.params.model) as string;
  const ok = records.filter((r) => r.status === "ok");
  let best = Infinity;
  for (const r of ok) for (const v of testRmseCurve(r)) if (v < best) best = v;
  const target = (1 + tolerance) * best;

  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = labelOf(r);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows = [...groups.entries()].map(([label, runs]): RaceSummaryRow => {
    const good = runs.filter((r) => r.status === "ok");
    const bad = runs.filter((r) => r.status !== "ok");
    const own: { it: number; s: number }[] = [];
    const toTarget: { it: number; s: number }[] = [];
    for (const r of good) {
      const curve = testRmseCurve(r);
      const seconds = r.history?.seconds ?? [];
      const lowest = Math.min(...curve.filter((v) => Number.isFinite(v)));
      if (Number.isFinite(lowest)) {
        const t = firstAtOrBelow(curve, (1 + tolerance) * lowest);
        own.push({ it: t + 1, s: seconds[t] ?? NaN });
      }
      const u = firstAtOrBelow(curve, target);
      if (u >= 0) toTarget.push({ it: u + 1, s: seconds[u] ?? NaN });
    }
    return {
      label,
      model: runs[0].params.model,
      runs: runs.length,
      failed: bad.length,
      errors: bad.map((r) => r.error ?? "failed"),
      iterations: stat(runs.map((r) => r.iterations ?? r.history?.iteration.length ?? NaN)),
      finalTestRmse: stat(good.map((r) => r.metrics?.test?.rmse ?? NaN)),
      bestTestRmse: stat(good.map((r) => Math.min(...testRmseCurve(r).filter((v) => Number.isFinite(v))))),
      iterationsToOwnBest: stat(own.map((o) => o.it)),
      secondsToOwnBest: stat(own.map((o) => o.s)),
      iterationsToTarget: stat(toTarget.map((o) => o.it)),
      secondsToTarget: stat(toTarget.map((o) => o.s)),
      reachedTarget: toTarget.length,
      secondsPerIteration: stat(
        good.map((r) => {
          const s = r.history?.seconds ?? [];
          return s.length > 0 ? s[s.length - 1] / s.length : NaN;
        }),
      ),
      bareSecondsPerIteration: stat(good.map((r) => (r as Partial<RaceRecord>).bareSecondsPerIteration ?? NaN)),
      bareMedianIterationSeconds: stat(good.map((r) => (r as Partial<RaceRecord>).bareMedianIterationSeconds ?? NaN)),
      objectiveIncreases: stat(good.map(objectiveIncreases)),
      finalObjective: stat(good.map((r) => (r.history?.trainLoss.length ? r.history.trainLoss[r.history.trainLoss.length - 1] : NaN))),
    };
  });
  return { tolerance, bestTestRmse: best, target, rows };
}

function fmtStat(s: RaceStat, digits: number, withStd = true): string {
  if (s.n === 0) return "—";
  const m = s.mean.toFixed(digits);
  return withStd && s.n > 1 ? `${m} ± ${s.std.toFixed(digits)}` : m;
}

/**
 * The summary as a Markdown table (../core/table.ts; the method column left-aligned, the numbers right-aligned):
 * one row per entry; "x / n" where only x of n seeds reached the target; "—" where no run has the value. Failed
 * runs are listed under the table with their error messages.
 */
export function raceMarkdownTable(summary: RaceSummary): string {
  const pct = `${+(summary.tolerance * 100).toFixed(3)} %`;
  const head = [
    "method",
    "seeds ok",
    "final test RMSE",
    "lowest test RMSE",
    `iterations to ${pct} of own lowest`,
    "seconds to there",
    `iterations to ${summary.target.toFixed(4)} (${pct} of race best)`,
    "seconds to there",
    "s / iteration (with test scoring)",
    "s / iteration (no test scoring; median)",
    "objective increases",
  ];
  const rows = summary.rows.map((r) => {
    const good = r.runs - r.failed;
    const reach =
      good === 0
        ? "—"
        : r.reachedTarget === 0
          ? `never (0 / ${good})`
          : `${fmtStat(r.iterationsToTarget, 1)}${r.reachedTarget < good ? ` (${r.reachedTarget} / ${good})` : ""}`;
    return [
      r.label,
      `${good} / ${r.runs}`,
      fmtStat(r.finalTestRmse, 4),
      fmtStat(r.bestTestRmse, 4),
      fmtStat(r.iterationsToOwnBest, 1),
      fmtStat(r.secondsToOwnBest, 3),
      reach,
      r.reachedTarget === 0 ? "—" : fmtStat(r.secondsToTarget, 3),
      fmtStat(r.secondsPerIteration, 4),
      fmtStat(r.bareMedianIterationSeconds, 4),
      fmtStat(r.objectiveIncreases, 1),
    ];
  });
  const columns = head.map((header, k) => ({ header, align: k === 0 ? ("left" as const) : ("right" as const) }));
  const failures = summary.rows.flatMap((r) => r.errors.map((e) => `- **${r.label}** failed: ${e}`));
  return markdownTable(columns, rows) + (failures.length > 0 ? `\n\n${failures.join("\n")}` : "");
}
