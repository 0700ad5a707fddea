/**
 * Early stopping of search trials from the per-iteration validation curve every iterative model reports
 * (`FitOptions.onIteration`, ../../models/types.ts). Two rules, as Optuna defines them:
 *
 * - **asha** (asynchronous successive halving, Li et al. 2020; Optuna's `SuccessiveHalvingPruner` with
 *   `min_early_stopping_rate` 0): rungs at iterations r·η^k (r = `minIterations`, η = `reductionFactor`, k = 0, 1, …).
 *   At a rung the trial's validation RMSE joins the values the other trials had at that iteration; it goes on
 *   when it is among the best ⌊n/η⌋ of those n values (the best one when ⌊n/η⌋ = 0), else it is pruned.
 * - **median** (Optuna's `MedianPruner`): from iteration `minIterations` on, once `startupTrials` (5) trials have
 *   completed, a trial is pruned when its best validation RMSE so far is worse than the median of the completed
 *   trials' values at the same iteration.
 *
 * Determinism: "the other trials" are the trials recorded in the results file when this trial was suggested (its
 * basis, ./search.ts), never the ones still running — so a pruning decision depends only on the seed and the
 * recorded completion order, and a resumed or parallel search makes the same decisions given the same record.
 * (Optuna's ASHA also sees running trials' values; we give that up for reproducibility.)
 */

/** Thrown out of a fit's per-iteration hook to stop it (caught by ../execute.ts). */
export const PRUNED: unique symbol = Symbol("mflab.pruned");

/** What a worker needs to decide: the rule and the basis trials' validation RMSE curves (index = iteration − 1). */
export interface PrunerTask {
  method: "asha" | "median";
  minIterations: number;
  reductionFactor: number;
  /** Completed trials needed before the median rule prunes (Optuna's n_startup_trials, 5). */
  startupTrials: number;
  /** Per basis trial: its validation RMSE after each iteration, and whether it completed (not pruned). */
  others: { curve: number[]; completed: boolean }[];
}

/** True when `iteration` is an ASHA rung: r·η^k for some k ≥ 0. */
export function isRung(iteration: number, minIterations: number, reductionFactor: number): boolean {
  let rung = minIterations;
  while (rung < iteration) rung *= reductionFactor;
  return rung === iteration;
}

/**
 * The decision function of a task: `(iteration, validation RMSE) → prune?`. Stateful (the median rule keeps the
 * trial's best value so far); make one per run.
 */
export function prunerCheck(task: PrunerTask): (iteration: number, value: number) => boolean {
  let best = Infinity;
  return (iteration, value) => {
    if (value < best || Number.isNaN(best)) best = value;
    if (!Number.isFinite(value)) return true; // a diverged fit cannot win
    if (iteration < task.minIterations) return false;
    const at = (o: { curve: number[] }) => o.curve[iteration - 1];
    if (task.method === "asha") {
      if (!isRung(iteration, task.minIterations, task.reductionFactor)) return false;
      const values = task.others.map(at).filter((v): v is number => Number.isFinite(v));
      values.push(value);
      values.sort((a, b) => a - b);
      const keep = Math.max(1, Math.floor(values.length / task.reductionFactor));
      return value > values[keep - 1];
    }
    const completed = task.others.filter((o) => o.completed);
    if (completed.length < task.startupTrials) return false;
    const values = completed.map(at).filter((v): v is number => Number.isFinite(v));
    if (values.length === 0) return false;
    values.sort((a, b) => a - b);
    const m = values.length;
    const median = m % 2 === 1 ? values[(m - 1) / 2] : (values[m / 2 - 1] + values[m / 2]) / 2;
    return best > median;
  };
}
