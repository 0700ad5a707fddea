/**
 * Which searched parameters matter: permutation importance on a fitted surrogate, for the trials of a search (or
 * any runs whose parameters vary).
 *
 * Surrogate: Nadaraya–Watson kernel regression of the objective on the parameters — numeric parameters scaled to
 * [0, 1] (after log for log-scale ranges), choices compared as equal (0) or different (1), a Gaussian kernel whose
 * bandwidth is the one of {0.05, 0.1, 0.2, 0.4} with the lowest leave-one-out error. Importance of a parameter:
 * how much the leave-one-out squared error of the surrogate grows when that parameter's values are shuffled among
 * the trials (mean over 30 seeded shuffles), negative growth counted as 0, shares normalised to sum to 1.
 * (Not fANOVA: no functional ANOVA decomposition; a permutation measure, cheap and model-agnostic, noisy with
 * few trials.)
 */
import { Rng } from "../core/random";

export interface ImportanceInput {
  /** One row per trial: its parameter values. */
  params: readonly Record<string, unknown>[];
  /** The objective of each trial (lower is better; finite). */
  values: readonly number[];
  /** Parameters to rate, with whether each is numeric on a log scale (`log`), numeric (`linear`) or a choice. */
  scales: Record<string, "log" | "linear" | "choice">;
  seed?: number;
}

export interface Importance {
  parameter: string;
  /** Share of the total importance (0…1). */
  share: number;
  /** Growth of the surrogate's leave-one-out mean squared error when the parameter is shuffled. */
  errorGrowth: number;
}

const BANDWIDTHS = [0.05, 0.1, 0.2, 0.4];

/** The importances, highest first (module doc). @throws RangeError with fewer than 3 trials */
export function permutationImportance(input: ImportanceInput): Importance[] {
  const names = Object.keys(input.scales);
  const n = input.values.length;
  if (n < 3) throw new RangeError(`permutationImportance: needs at least 3 trials, got ${n}`);
  // Columns: numbers scaled to [0, 1], or choice indices.
  const columns = names.map((name) => {
    const scale = input.scales[name];
    const raw = input.params.map((p) => p[name]);
    if (scale === "choice") {
      const keys = raw.map((v) => JSON.stringify(v));
      const distinct = [...new Set(keys)];
      return { choice: true, x: keys.map((k) => distinct.indexOf(k)) };
    }
    const t = raw.map((v) => (scale === "log" ? Math.log(v as number) : (v as number)));
    const lo = Math.min(...t);
    const hi = Math.max(...t);
    return { choice: false, x: t.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0)) };
  });
  const y = input.values;
  const looError = (cols: { choice: boolean; x: number[] }[], h: number): number => {
    let sse = 0;
    for (let i = 0; i < n; i++) {
      let num = 0;
      let den = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let d2 = 0;
        for (const c of cols) {
          const d = c.choice ? (c.x[i] === c.x[j] ? 0 : 1) : c.x[i] - c.x[j];
          d2 += d * d;
        }
        const w = Math.exp(-d2 / (2 * h * h));
        num += w * y[j];
        den += w;
      }
      const pred = den > 0 ? num / den : y.reduce((a, b) => a + b, 0) / n;
      sse += (pred - y[i]) ** 2;
    }
    return sse / n;
  };
  let h = BANDWIDTHS[0];
  let base = Infinity;
  for (const b of BANDWIDTHS) {
    const e = looError(columns, b);
    if (e < base) [h, base] = [b, e];
  }
  const rng = new Rng(input.seed ?? 0);
  const growth = names.map((_, k) => {
    let total = 0;
    const shuffles = 30;
    for (let s = 0; s < shuffles; s++) {
      const perm = columns[k].x.slice();
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const cols = columns.map((c, m) => (m === k ? { ...c, x: perm } : c));
      total += looError(cols, h) - base;
    }
    return Math.max(0, total / shuffles);
  });
  const sum = growth.reduce((a, b) => a + b, 0);
  return names
    .map((parameter, k) => ({ parameter, errorGrowth: growth[k], share: sum > 0 ? growth[k] / sum : 1 / names.length }))
    .sort((a, b) => b.share - a.share);
}
