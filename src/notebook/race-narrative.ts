/**
 * The text of an optimizer race between an exact solver and gradient methods, computed from its summary
 * ({@link summarizeRace}, ../results/race.ts): the race is run in *pairs*, each pair an exact block solver (ALS)
 * and a gradient method (SGD, full-batch GD) minimizing the *same* objective (per-rating λ, plain λ…), and the
 * text says what the numbers say about them.
 *
 * - {@link raceObjectiveTable}: per pair, each method's final training objective L and its gap to the lowest L
 *   reached in the pair (the objectives of different pairs are not comparable, so no gap crosses pairs).
 * - {@link raceComparisonTable}: the lecture's ALS-vs-SGD table ("faster", "more stable", "excellent
 *   parallelization"…), one row per aspect and one column per method, every adjective replaced by a number of
 *   the race (iterations and seconds to within the tolerance of the run's own lowest test RMSE, to the common
 *   target, objective increases, learning rates within the tolerance of the best on the validation sweep, the
 *   first that fails, seconds per iteration, thread speed-ups).
 * - {@link discussRace}: the discussion as Markdown bullets — convergence per iteration and per second, the
 *   minimum of L each method reaches against its final test RMSE (a difference within twice its standard error
 *   is called indistinguishable), stability, the spread over seeds.
 *
 * Methods are named by their entry's label in the summary; a label missing from the summary is an InputError
 * naming it and the labels present. Names and texts are written as given (Markdown): the caller escapes them.
 * Everything returns Markdown text; nothing here displays, so each is testable outside a kernel.
 */
import { InputError } from "../core/errors";
import { markdownTable } from "../core/table";
import type { RaceStat, RaceSummary, RaceSummaryRow } from "../results/race";
import type { RunRecord } from "../results/schema";

/** One method of a race, as the text names it. */
export interface RaceMethod {
  /** The entry's label in the race (`RaceEntry.label`), as in the summary's rows. */
  label: string;
  /** Its name in sentences (default: the label), e.g. "ALS" for the entry "ALS (per-rating λ)". */
  name?: string;
  /** Its column header, and its name where it is first introduced in a sentence (default: `name`). */
  longName?: string;
  /** The comparison table's hyperparameter cell (default "λ", or "λ, lr" for a gradient method). */
  hyperparameters?: string;
  /**
   * The comparison table's parallelization cell. Default: the thread speed-ups ({@link RaceNarrative.threads})
   * for the first pair's exact solver, "same code path as <name>" for a later method of a model already shown,
   * else "not measured".
   */
  parallelization?: string;
}

/** A gradient method: a {@link RaceMethod} with the learning rate it raced at and the sweep that chose it. */
export interface GradientMethod extends RaceMethod {
  /** The learning rate of its race entry. */
  lr?: number;
  /**
   * The learning-rate sweep on the validation split: its runs (one per learning rate, scored on the validation
   * ratings as "test") and their learning rates, in the same order.
   */
  sweep?: { runs: readonly RunRecord[]; lrs: readonly number[] };
}

/** An exact solver and a gradient method on the same objective. */
export interface RacePair {
  /** The objective's name, as in "on the <objective> objective" ("per-rating", "plain"). */
  objective: string;
  /** The λ both methods use (shown in the comparison table's first line). */
  lambda?: number;
  /** The exact solver: the same solver in every pair; the first pair's `name` is its name in sentences. */
  exact: RaceMethod;
  gradient: GradientMethod;
}

/** Thread speed-ups of the exact solver, measured by a separate race. */
export interface RaceThreads {
  /** The thread counts compared (e.g. 1 and 2). */
  from: number;
  to: number;
  /** Cores of the machine. */
  cores: number;
  /** Seconds per iteration with `from` threads / with `to` threads, at each rank d. */
  speedUps: readonly { d: number; speedUp: number }[];
}

/** What the text needs to know about a race beyond its summary. */
export interface RaceNarrative {
  /** The exact-vs-gradient pairs, in the order the text presents them (at least one). */
  pairs: readonly RacePair[];
  /** The rank every method used. */
  d: number;
  /** The dataset's name (the comparison table's first line). */
  dataset?: string;
  /** The thread speed-ups of the exact solver (the comparison table's parallelization row). */
  threads?: RaceThreads;
  /** Where the learning-rate sweeps are shown (e.g. "section 3"), cited in the discussion of stability. */
  sweepRef?: string;
}

/**
 * Per-iteration cost of a model's iteration as the rank d grows, with its degree in d (the discussion compares
 * the exact solver's cost with the gradient methods'); models not listed get no such sentence.
 */
const COST_GROWTH: Record<string, { text: string; degree: number }> = {
  als: { text: "d² per rating (+ d³ per row)", degree: 3 },
  "sgd-mf": { text: "d", degree: 1 },
  "gd-mf": { text: "d", degree: 1 },
};

/** A resolved method: its options and its summary row. */
interface Method {
  spec: RaceMethod;
  sweep?: GradientMethod["sweep"];
  row: RaceSummaryRow;
  name: string;
  longName: string;
}

interface Pair {
  spec: RacePair;
  exact: Method;
  gradient: Method;
}

function resolve(summary: RaceSummary, race: RaceNarrative, caller: string): Pair[] {
  if (race.pairs.length === 0) throw new InputError(`${caller}: no pairs of methods given`);
  const method = (m: RaceMethod, sweep?: GradientMethod["sweep"]): Method => {
    const row = summary.rows.find((r) => r.label === m.label);
    if (!row) {
      const present = summary.rows.map((r) => JSON.stringify(r.label)).join(", ");
      throw new InputError(`${caller}: the race summary has no entry ${JSON.stringify(m.label)} (its entries: ${present})`);
    }
    if (sweep && sweep.runs.length !== sweep.lrs.length)
      throw new InputError(
        `${caller}: the learning-rate sweep of ${JSON.stringify(m.label)} has ${sweep.runs.length} runs for ` + `${sweep.lrs.length} learning rates`,
      );
    const name = m.name ?? m.label;
    return { spec: m, sweep, row, name, longName: m.longName ?? name };
  };
  return race.pairs.map((p) => ({
    spec: p,
    exact: method(p.exact),
    gradient: method(p.gradient, p.gradient.sweep),
  }));
}

/** "1 %" for a tolerance of 0.01. */
const percent = (tolerance: number) => `${+(tolerance * 100).toFixed(3)} %`;
/** The mean with `digits` decimals, "—" when no run has the value. */
const m1 = (s: RaceStat, digits = 1) => (s.n === 0 ? "—" : s.mean.toFixed(digits));
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "—");
/** A count averaged over seeds: as it is when whole, else with one decimal. */
const count = (x: number) => (Number.isInteger(x) ? String(x) : Number.isFinite(x) ? x.toFixed(1) : "—");
const ratio = (a: number, b: number) => (a / b).toFixed(1);
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** "a", "a and b", "a, b and c". */
const listJoin = (parts: readonly string[]) =>
  parts.length <= 1 ? (parts[0] ?? "") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
/** "an" before a vowel sound: a vowel, or an acronym whose first letter is spoken with one ("an SGD epoch"). */
const article = (name: string) => (/^[aeiou]/i.test(name) || /^[AEFHILMNORSX][A-Z]/.test(name) ? "an" : "a");
/** Runs of one entry are one per seed: the seeds of the methods named. */
const seedCount = (methods: readonly Method[]) => Math.max(...methods.map((m) => m.row.runs));

/** The learning rates within the tolerance of the sweep's best final validation RMSE, and its first failure. */
function sweepFacts(sweep: NonNullable<GradientMethod["sweep"]>, tolerance: number) {
  const final = sweep.runs.map((r) => (r.status === "ok" ? (r.metrics?.test?.rmse ?? NaN) : NaN));
  const best = Math.min(...final.filter((v) => Number.isFinite(v)));
  const usable = sweep.lrs.filter((_, k) => final[k] <= (1 + tolerance) * best);
  const k = sweep.runs.findIndex((r) => r.status !== "ok");
  const firstFailure = k < 0 ? `none of ${sweep.lrs.join(", ")} diverged` : `diverges at lr ≥ ${sweep.lrs[k]} (${sweep.runs[k].error ?? "failed"})`;
  return { usable, firstFailure };
}

/**
 * Per pair, each method's final training objective L (mean ± std over seeds), its gap to the lowest L reached
 * in its pair, its iterations and final test RMSE, as a Markdown table.
 * @throws InputError when a method's label is not in the summary
 */
export function raceObjectiveTable(summary: RaceSummary, race: Pick<RaceNarrative, "pairs">): string {
  const pairs = resolve(summary, { d: NaN, ...race }, "raceObjectiveTable");
  const big = (x: number) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "—");
  const rows = pairs.flatMap((p) => {
    const lowest = Math.min(p.exact.row.finalObjective.mean, p.gradient.row.finalObjective.mean);
    return [p.exact, p.gradient].map(({ row: r }) => {
      const gap = 100 * (r.finalObjective.mean / lowest - 1);
      return [
        r.label,
        p.spec.objective,
        count(r.iterations.mean),
        `${big(r.finalObjective.mean)} ± ${big(r.finalObjective.std)}`,
        Number.isFinite(gap) ? `+${gap.toFixed(2)} %` : "—",
        f4(r.finalTestRmse.mean),
      ];
    });
  });
  const head = ["method", "objective", "iterations", "final training objective L", "gap to the pair's lowest L", "final test RMSE"];
  return markdownTable(
    head.map((header, k) => ({ header, align: k >= 2 ? ("right" as const) : ("left" as const) })),
    rows,
  );
}

/**
 * The lecture's table of adjectives, measured: a first line with the dataset, d, seeds, the learning rates and
 * λs of the race, then one row per aspect (convergence in iterations and seconds, the common target, final test
 * RMSE, stability, learning-rate sensitivity, seconds per iteration, parallelization, hyperparameters) and one
 * column per method (the pairs' exact and gradient methods in order).
 * @throws InputError when a method's label is not in the summary
 */
export function raceComparisonTable(summary: RaceSummary, race: RaceNarrative): string {
  const pairs = resolve(summary, race, "raceComparisonTable");
  const methods = pairs.flatMap((p) => [p.exact, p.gradient]);
  const gradient = new Set(pairs.map((p) => p.gradient));
  const pct = percent(summary.tolerance);
  const reach = (r: RaceSummaryRow) => {
    const ok = r.runs - r.failed;
    if (ok === 0) return "—";
    if (r.reachedTarget === 0) return `never reached in ${count(r.iterations.mean)} iterations`;
    const some = r.reachedTarget < ok ? ` (${r.reachedTarget} of ${ok} seeds)` : "";
    return `${m1(r.iterationsToTarget)} iterations, ${m1(r.secondsToTarget, 3)} s${some}`;
  };
  const sensitivity = (m: Method) => {
    if (!gradient.has(m)) return "no learning rate";
    if (!m.sweep) return "not measured";
    const { usable, firstFailure } = sweepFacts(m.sweep, summary.tolerance);
    return `within ${pct} of best for lr ∈ {${usable.join(", ")}}; ${firstFailure}`;
  };
  const threads = race.threads;
  const parallelization = (m: Method, k: number) => {
    if (m.spec.parallelization !== undefined) return m.spec.parallelization;
    if (m === pairs[0].exact && threads) {
      const at = threads.speedUps.map((s, j) => `${s.speedUp.toFixed(2)}×${j === 0 ? " per iteration" : ""} at d = ${s.d}`);
      return `${threads.from} → ${threads.to} threads: ${at.join(", ")} (${threads.cores} cores)`;
    }
    const earlier = methods.slice(0, k).find((e) => e.row.model === m.row.model);
    return earlier ? `same code path as ${earlier.name}` : "not measured";
  };
  const row = (aspect: string, cell: (m: Method, k: number) => string) => [aspect, ...methods.map(cell)];
  const rows = [
    row(`convergence, in iterations ("faster" / "slower"): to within ${pct} of own lowest test RMSE`, (m) => m1(m.row.iterationsToOwnBest)),
    row("… in seconds (incl. per-iteration test scoring)", (m) => m1(m.row.secondsToOwnBest, 3)),
    row(`to the common target test RMSE ${summary.target.toFixed(4)}`, (m) => reach(m.row)),
    row("final test RMSE ± std over seeds", (m) => `${f4(m.row.finalTestRmse.mean)} ± ${f4(m.row.finalTestRmse.std)}`),
    row(
      `stability ("more stable" / "can oscillate"): epochs in which the objective went up`,
      (m) => `${m1(m.row.objectiveIncreases)} of ${count(m.row.iterations.mean)} iterations`,
    ),
    row("… learning-rate sensitivity (validation)", sensitivity),
    row("speed: seconds per iteration, no test scoring (median)", (m) => m1(m.row.bareMedianIterationSeconds, 4)),
    row(`parallelization ("excellent" / "limited")`, parallelization),
    row(`hyperparameters ("few" / "many")`, (m) => m.spec.hyperparameters ?? (gradient.has(m) ? "λ, lr" : "λ")),
    row("memory, implementation, scalability", (_, k) => (k < 2 ? "not measured here" : "")),
  ];
  const settings = [
    pairs
      .filter((p) => p.spec.gradient.lr !== undefined)
      .map((p) => `${p.gradient.name} lr = ${p.spec.gradient.lr}`)
      .join(", "),
    pairs
      .filter((p) => p.spec.lambda !== undefined)
      .map((p) => `${p.spec.objective} λ = ${p.spec.lambda}`)
      .join(", "),
  ].filter((s) => s !== "");
  const first = [...(race.dataset !== undefined ? [`**${race.dataset}**`] : []), `d = ${race.d}`, `${seedCount(methods)} seeds`].join(", ");
  return [
    `${[first, ...settings].join("; ")}.`,
    "",
    markdownTable(
      ["aspect (lecture's words)", ...methods.map((m) => m.longName)].map((header) => ({ header })),
      rows,
    ),
  ].join("\n");
}

/**
 * "B's final test RMSE is lower / higher / indistinguishable from A's", judged against twice the standard error
 * of the difference of the means over seeds (population std / n per method, as {@link RaceStat} holds).
 */
function rmseComparison(a: Method, b: Method): string {
  const x = a.row.finalTestRmse,
    y = b.row.finalTestRmse;
  if (x.n < 2 || y.n < 2) return `${b.name}'s final test RMSE cannot be compared with ${a.name}'s: fewer than two seeds completed.`;
  const diff = y.mean - x.mean;
  const se = Math.sqrt(x.std ** 2 / x.n + y.std ** 2 / y.n);
  const nums = `${f4(y.mean)} vs ${f4(x.mean)}, difference ${diff >= 0 ? "+" : ""}${diff.toFixed(4)}, ` + `2 × standard error ${(2 * se).toFixed(4)}`;
  const seeds = x.n === y.n ? `${x.n}` : `${x.n} and ${y.n}`;
  return Math.abs(diff) <= 2 * se
    ? `${b.name}'s final test RMSE is indistinguishable from ${a.name}'s at ${seeds} seeds (${nums}).`
    : `${b.name}'s final test RMSE is ${diff < 0 ? "**lower**" : "higher"} than ${a.name}'s (${nums}).`;
}

/** "ALS's per-iteration cost grows like …, SGD's and GD's like d, so this ratio grows with the rank." */
function costSentence(exact: Method, gradients: readonly Method[]): string | undefined {
  const own = COST_GROWTH[exact.row.model];
  const costs = gradients.map((g) => COST_GROWTH[g.row.model]);
  if (!own || costs.some((c) => c === undefined)) return undefined;
  const groups = new Map<string, string[]>();
  gradients.forEach((g, k) => {
    const text = costs[k].text;
    groups.set(text, [...(groups.get(text) ?? []), `${g.name}'s`]);
  });
  const theirs = [...groups.entries()].map(([text, names]) => `${listJoin(names)} like ${text}`);
  const grows = costs.every((c) => c.degree < own.degree) ? ", so this ratio grows with the rank" : "";
  return `${exact.name}'s per-iteration cost grows like ${own.text}, ${theirs.join(", ")}${grows}`;
}

/**
 * The discussion of the race as Markdown bullets: convergence per iteration and per second (with the cost of an
 * iteration and how it grows with d), the minimum of the shared objective each method reaches and whether its
 * final test RMSE differs beyond twice the standard error, stability (objective increases, the first learning
 * rate of the sweep that fails), and the spread over seeds. The exact solver is named by the first pair's
 * `exact.name`; a gradient method's iterations are "epochs".
 * @throws InputError when a method's label is not in the summary
 */
export function discussRace(summary: RaceSummary, race: RaceNarrative): string {
  const pairs = resolve(summary, race, "discussRace");
  const [{ exact, gradient: first }, ...rest] = pairs;
  const solver = exact.name;
  const pct = percent(summary.tolerance);
  const lines: string[] = [];

  lines.push(
    `* **Convergence per iteration.** ${solver} gets within ${pct} of its lowest test RMSE after ` +
      `${m1(exact.row.iterationsToOwnBest)} iterations; ` +
      listJoin([
        `${first.longName} needs ${m1(first.row.iterationsToOwnBest)} epochs ` +
          `(${ratio(first.row.iterationsToOwnBest.mean, exact.row.iterationsToOwnBest.mean)}× as many)`,
        ...rest.map(
          (p) =>
            `${p.gradient.longName} ${m1(p.gradient.row.iterationsToOwnBest)} epochs against ` +
            `${m1(p.exact.row.iterationsToOwnBest)} for ${solver} on the same ${p.spec.objective} objective`,
        ),
      ]) +
      ".",
  );

  const bare = (m: Method) => m.row.bareMedianIterationSeconds;
  const cost = costSentence(
    exact,
    pairs.map((p) => p.gradient),
  );
  lines.push(
    `* **Convergence per second.** ` +
      [
        `${solver} is within ${pct} of its lowest test RMSE after ${m1(exact.row.secondsToOwnBest, 3)} s`,
        `${first.name} after ${m1(first.row.secondsToOwnBest, 3)} s ` +
          `(${ratio(first.row.secondsToOwnBest.mean, exact.row.secondsToOwnBest.mean)}×)`,
        ...rest.map(
          (p) =>
            `${p.gradient.name} after ${m1(p.gradient.row.secondsToOwnBest, 3)} s (${solver} on the ` +
            `${p.spec.objective} objective: ${m1(p.exact.row.secondsToOwnBest, 3)} s)`,
        ),
      ].join(", ") +
      `. At d = ${race.d} one ${solver} iteration (${m1(bare(exact), 4)} s without scoring) costs ` +
      listJoin(
        pairs.map(
          (p) =>
            `${ratio(bare(p.exact).mean, bare(p.gradient).mean)}× ${article(p.gradient.name)} ` +
            `${p.gradient.name} epoch (${m1(bare(p.gradient), 4)} s)`,
        ),
      ) +
      (cost ? `; ${cost}.` : "."),
  );

  const gaps = pairs.map((p) => {
    const gap = 100 * (p.gradient.row.finalObjective.mean / p.exact.row.finalObjective.mean - 1);
    const where = gap >= 0 ? `${gap.toFixed(2)} % above` : `${(-gap).toFixed(2)} % below`;
    return `on the ${p.spec.objective} objective ${p.gradient.name} ends ${where} ${solver}'s L`;
  });
  lines.push(
    `* **Same objective, different minimum reached.** ${capitalize(gaps.join("; "))}. ` +
      pairs.map((p) => rmseComparison(p.exact, p.gradient)).join(" ") +
      ` A method that stops short of the minimizer of L is not worse at prediction: stopping early ` +
      `acts as extra regularization, so "converges faster" (a statement about L) and "predicts ` +
      `better" are different claims.`,
  );

  const ref = race.sweepRef ? ` (${race.sweepRef})` : "";
  const increases = exact.row.objectiveIncreases;
  const exactStability =
    increases.n > 0 && increases.mean === 0
      ? `${solver}'s objective never increased (${m1(increases)} increases: each half-step is an exact block minimization)`
      : `${solver}'s objective went up in ${m1(increases)} of ${count(exact.row.iterations.mean)} iterations`;
  const firstSweep = first.sweep ? sweepFacts(first.sweep, summary.tolerance) : undefined;
  const later = rest.map(({ gradient: g }) => {
    const inc = g.row.objectiveIncreases;
    const sweep = g.sweep ? sweepFacts(g.sweep, summary.tolerance) : undefined;
    const name = capitalize(g.longName);
    return inc.n > 0 && inc.mean === 0
      ? ` ${name} descends monotonically${sweep ? " at small steps" : ""} (${m1(inc)} increases)` + `${sweep ? ` but ${sweep.firstFailure}` : ""}.`
      : ` ${name}'s objective went up in ${m1(inc)} of ${count(g.row.iterations.mean)} epochs at the chosen lr` +
          `${sweep ? ` and ${sweep.firstFailure}` : ""}.`;
  });
  lines.push(
    `* **Stability.** ${exactStability}, ${first.name}'s went up in ${m1(first.row.objectiveIncreases)} of ` +
      `${count(first.row.iterations.mean)} epochs at the chosen lr` +
      (firstSweep ? `, and with larger learning rates it oscillates more and ${firstSweep.firstFailure}${ref}` : "") +
      `.${later.join("")}`,
  );

  const spread = [exact, ...pairs.map((p) => p.gradient)];
  lines.push(
    `* **Seeds.** The spread over ${seedCount(spread)} seeds of the final test RMSE is ` +
      `${spread.map((m) => `±${f4(m.row.finalTestRmse.std)} for ${m.name}`).join(", ")}.`,
  );
  return lines.join("\n");
}
