/**
 * The text of an exact-vs-gradient race (src/notebook/race-narrative.ts) on a hand-built summary: every number
 * of the tables and the discussion computed by hand (ratios, gaps of L, twice the standard error of a difference
 * of means on both sides of the threshold, learning rates within 1 % of the sweep's best), the wording that
 * depends on the numbers ("never reached", "k of n seeds", "none of … diverged" / "diverges at lr ≥ …", "never
 * increased" / "went up"), and the error naming a label missing from the summary.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors";
import type { RaceStat, RaceSummary, RaceSummaryRow } from "../../src/results/race";
import type { RunRecord } from "../../src/results/schema";
import { discussRace, raceComparisonTable, raceObjectiveTable, type RaceNarrative } from "../../src/notebook/race-narrative";
import { errorOf } from "../helpers/errors";

const stat = (mean: number, std = 0, n = 3): RaceStat => ({ mean, std, n });
const none: RaceStat = { mean: NaN, std: NaN, n: 0 };

/** A summary row over 3 ok seeds; `over` sets the statistics the test is about. */
function row(label: string, model: string, over: Partial<RaceSummaryRow>): RaceSummaryRow {
  return {
    label,
    model,
    runs: 3,
    failed: 0,
    errors: [],
    iterations: stat(10),
    finalTestRmse: stat(0.9),
    bestTestRmse: stat(0.9),
    iterationsToOwnBest: stat(1),
    secondsToOwnBest: stat(1),
    iterationsToTarget: none,
    secondsToTarget: none,
    reachedTarget: 0,
    secondsPerIteration: stat(1),
    bareSecondsPerIteration: stat(1),
    bareMedianIterationSeconds: stat(1),
    objectiveIncreases: stat(0),
    finalObjective: stat(1),
    ...over,
  };
}

/** A validation run of a learning-rate sweep: ok with its final RMSE, or failed with a message. */
function sweepRun(lr: number, outcome: number | string): RunRecord {
  const base = { id: `lr-${lr}`, params: { model: "sgd-mf", lr }, seed: 0, startedAt: "t", finishedAt: "t" };
  return typeof outcome === "number"
    ? {
        ...base,
        status: "ok",
        metrics: { test: { mse: outcome * outcome, rmse: outcome, mae: outcome } },
      }
    : { ...base, status: "failed", error: outcome };
}

// Pair 1 (per-rating): ALS 5 iterations / 0.5 s to its own lowest, SGD 40 epochs / 2 s; SGD reaches the
// target in 2 of 3 seeds. Pair 2 (plain): ALS 4 / 0.4 s, GD 150 / 3 s; neither reaches the target.
const rows = {
  als: row("ALS (per-rating λ)", "als", {
    iterationsToOwnBest: stat(5),
    secondsToOwnBest: stat(0.5),
    iterationsToTarget: stat(6),
    secondsToTarget: stat(0.6),
    reachedTarget: 3,
    bareMedianIterationSeconds: stat(0.02),
    finalObjective: stat(1000, 2),
    finalTestRmse: stat(0.9, 0.003),
  }),
  sgd: row("SGD", "sgd-mf", {
    iterations: stat(100),
    iterationsToOwnBest: stat(40),
    secondsToOwnBest: stat(2),
    iterationsToTarget: stat(45, 0, 2),
    secondsToTarget: stat(2.5, 0, 2),
    reachedTarget: 2,
    bareMedianIterationSeconds: stat(0.005),
    objectiveIncreases: stat(2.5),
    finalObjective: stat(1010, 4),
    finalTestRmse: stat(0.89, 0.006),
  }),
  alsPlain: row("ALS (plain λ)", "als", {
    iterationsToOwnBest: stat(4),
    secondsToOwnBest: stat(0.4),
    bareMedianIterationSeconds: stat(0.03),
    finalObjective: stat(500, 1),
    finalTestRmse: stat(0.95, 0.003),
  }),
  gd: row("GD (full batch)", "gd-mf", {
    iterations: stat(200),
    iterationsToOwnBest: stat(150),
    secondsToOwnBest: stat(3),
    bareMedianIterationSeconds: stat(0.01),
    finalObjective: stat(490, 3),
    finalTestRmse: stat(0.9577, 0.006),
  }),
};
const summaryOf = (over: Partial<typeof rows> = {}): RaceSummary => {
  const r = { ...rows, ...over };
  return { tolerance: 0.01, bestTestRmse: 0.9 / 1.01, target: 0.9, rows: [r.als, r.sgd, r.alsPlain, r.gd] };
};

// SGD sweep: best final validation RMSE 0.94, so 1 % above is 0.9494: lr 0.02 (0.9405) and 0.05 (0.94) are
// within it, 0.01 (0.95) is not; lr 0.1 failed. GD sweep: best 0.96 → 0.9696: lr 0.002 (0.97) is not within.
const race: RaceNarrative = {
  dataset: "toy",
  d: 10,
  sweepRef: "section 3",
  pairs: [
    {
      objective: "per-rating",
      lambda: 0.1,
      exact: { label: "ALS (per-rating λ)", name: "ALS" },
      gradient: {
        label: "SGD",
        lr: 0.05,
        sweep: {
          runs: [sweepRun(0.01, 0.95), sweepRun(0.02, 0.9405), sweepRun(0.05, 0.94), sweepRun(0.1, "SGD diverged at epoch 1 (loss NaN)")],
          lrs: [0.01, 0.02, 0.05, 0.1],
        },
      },
    },
    {
      objective: "plain",
      lambda: 5,
      exact: { label: "ALS (plain λ)" },
      gradient: {
        label: "GD (full batch)",
        name: "GD",
        longName: "full-batch GD",
        lr: 0.001,
        sweep: { runs: [sweepRun(0.001, 0.96), sweepRun(0.002, 0.97)], lrs: [0.001, 0.002] },
      },
    },
  ],
};

const tableRow = (table: string, aspect: string) => table.split("\n").find((l) => l.startsWith(`| ${aspect}`));
const bullet = (text: string, title: string) => text.split("\n").find((l) => l.startsWith(`* **${title}.**`));

describe("raceObjectiveTable", () => {
  it("gives each method's L and its gap to the lowest L of its own pair", () => {
    const lines = raceObjectiveTable(summaryOf(), race).split("\n");
    expect(lines[0]).toBe("| method | objective | iterations | final training objective L | gap to the pair's lowest L | final test RMSE |");
    expect(lines.slice(2)).toEqual([
      // pair 1: lowest L 1000 (ALS); 1010 / 1000 − 1 = 1.00 %
      "| ALS (per-rating λ) | per-rating | 10 | 1,000 ± 2 | +0.00 % | 0.9000 |",
      "| SGD | per-rating | 100 | 1,010 ± 4 | +1.00 % | 0.8900 |",
      // pair 2: lowest L 490 (GD); 500 / 490 − 1 = 2.04 %
      "| ALS (plain λ) | plain | 10 | 500 ± 1 | +2.04 % | 0.9500 |",
      "| GD (full batch) | plain | 200 | 490 ± 3 | +0.00 % | 0.9577 |",
    ]);
  });
});

describe("raceComparisonTable", () => {
  const threads = {
    from: 1,
    to: 2,
    cores: 2,
    speedUps: [
      { d: 10, speedUp: 1.234 },
      { d: 50, speedUp: 1.8 },
    ],
  };
  const table = raceComparisonTable(summaryOf(), { ...race, threads });

  it("opens with the dataset, d, seeds, learning rates and λs", () => {
    expect(table.split("\n")[0]).toBe("**toy**, d = 10, 3 seeds; SGD lr = 0.05, GD lr = 0.001; per-rating λ = 0.1, plain λ = 5.");
    expect(table).toContain("| aspect (lecture's words) | ALS | SGD | ALS (plain λ) | full-batch GD |");
  });

  it("measures each aspect per method", () => {
    expect(tableRow(table, "convergence, in iterations")).toBe(
      `| convergence, in iterations ("faster" / "slower"): to within 1 % of own lowest test RMSE | 5.0 | 40.0 | 4.0 | 150.0 |`,
    );
    expect(tableRow(table, "… in seconds")).toBe("| … in seconds (incl. per-iteration test scoring) | 0.500 | 2.000 | 0.400 | 3.000 |");
    expect(tableRow(table, "to the common target")).toBe(
      "| to the common target test RMSE 0.9000 | 6.0 iterations, 0.600 s | 45.0 iterations, 2.500 s (2 of 3 seeds) | " +
        "never reached in 10 iterations | never reached in 200 iterations |",
    );
    expect(tableRow(table, "final test RMSE")).toBe(
      "| final test RMSE ± std over seeds | 0.9000 ± 0.0030 | 0.8900 ± 0.0060 | 0.9500 ± 0.0030 | 0.9577 ± 0.0060 |",
    );
    expect(tableRow(table, "stability")).toBe(
      `| stability ("more stable" / "can oscillate"): epochs in which the objective went up | 0.0 of 10 iterations | ` +
        "2.5 of 100 iterations | 0.0 of 10 iterations | 0.0 of 200 iterations |",
    );
    expect(tableRow(table, "… learning-rate")).toBe(
      "| … learning-rate sensitivity (validation) | no learning rate | within 1 % of best for lr ∈ {0.02, 0.05}; " +
        "diverges at lr ≥ 0.1 (SGD diverged at epoch 1 (loss NaN)) | no learning rate | within 1 % of best for " +
        "lr ∈ {0.001}; none of 0.001, 0.002 diverged |",
    );
    expect(tableRow(table, "speed")).toBe("| speed: seconds per iteration, no test scoring (median) | 0.0200 | 0.0050 | 0.0300 | 0.0100 |");
  });

  it("parallelization: the thread speed-ups for the exact solver, its second column on the same code path", () => {
    expect(tableRow(table, "parallelization")).toBe(
      `| parallelization ("excellent" / "limited") | 1 → 2 threads: 1.23× per iteration at d = 10, 1.80× at ` +
        "d = 50 (2 cores) | not measured | same code path as ALS | not measured |",
    );
    expect(tableRow(table, "hyperparameters")).toBe(`| hyperparameters ("few" / "many") | λ | λ, lr | λ | λ, lr |`);
    const given = raceComparisonTable(summaryOf(), {
      ...race,
      pairs: [{ ...race.pairs[0], gradient: { ...race.pairs[0].gradient, parallelization: "sequential", hyperparameters: "λ, lr, schedule" } }],
    });
    expect(tableRow(given, "parallelization")).toBe(`| parallelization ("excellent" / "limited") | not measured | sequential |`);
    expect(tableRow(given, "hyperparameters")).toBe(`| hyperparameters ("few" / "many") | λ | λ, lr, schedule |`);
  });
});

describe("discussRace", () => {
  const text = discussRace(summaryOf(), race);

  it("convergence per iteration and per second, with the ratios", () => {
    expect(bullet(text, "Convergence per iteration")).toBe(
      "* **Convergence per iteration.** ALS gets within 1 % of its lowest test RMSE after 5.0 iterations; SGD " +
        "needs 40.0 epochs (8.0× as many) and full-batch GD 150.0 epochs against 4.0 for ALS on the same plain objective.",
    );
    // 2 / 0.5 = 4.0; 0.02 / 0.005 = 4.0 (pair 1), 0.03 / 0.01 = 3.0 (pair 2)
    expect(bullet(text, "Convergence per second")).toBe(
      "* **Convergence per second.** ALS is within 1 % of its lowest test RMSE after 0.500 s, SGD after 2.000 s " +
        "(4.0×), GD after 3.000 s (ALS on the plain objective: 0.400 s). At d = 10 one ALS iteration (0.0200 s " +
        "without scoring) costs 4.0× an SGD epoch (0.0050 s) and 3.0× a GD epoch (0.0100 s); ALS's per-iteration " +
        "cost grows like d² per rating (+ d³ per row), SGD's and GD's like d, so this ratio grows with the rank.",
    );
  });

  it("same objective: the gaps of L, and the final test RMSE judged against 2 × its standard error", () => {
    // pair 1: 1010 / 1000 − 1 = +1.00 %; pair 2: 490 / 500 − 1 = −2.00 %.
    // 2 × SE = 2 √(0.003² / 3 + 0.006² / 3) = 2 √0.000015 = 0.0077460.
    // pair 1: −0.0100, beyond it → lower; pair 2: +0.0077, within it → indistinguishable.
    const b = bullet(text, "Same objective, different minimum reached");
    expect(b).toContain("On the per-rating objective SGD ends 1.00 % above ALS's L; on the plain objective GD ends 2.00 % below ALS's L. ");
    expect(b).toContain("SGD's final test RMSE is **lower** than ALS's (0.8900 vs 0.9000, difference -0.0100, 2 × standard error 0.0077). ");
    expect(b).toContain(
      "GD's final test RMSE is indistinguishable from ALS (plain λ)'s at 3 seeds (0.9577 vs 0.9500, difference " +
        "+0.0077, 2 × standard error 0.0077). ",
    );
    expect(b).toMatch(/are different claims\.$/);
    // +0.0078 is beyond 0.0077460 → higher
    const higher = discussRace(summaryOf({ gd: { ...rows.gd, finalTestRmse: stat(0.9578, 0.006) } }), race);
    expect(bullet(higher, "Same objective, different minimum reached")).toContain(
      "GD's final test RMSE is higher than ALS (plain λ)'s (0.9578 vs 0.9500, difference +0.0078, 2 × standard error 0.0077). ",
    );
    const oneSeed = discussRace(summaryOf({ gd: { ...rows.gd, finalTestRmse: stat(0.96, 0, 1) } }), race);
    expect(bullet(oneSeed, "Same objective, different minimum reached")).toContain(
      "GD's final test RMSE cannot be compared with ALS (plain λ)'s: fewer than two seeds completed.",
    );
  });

  it("stability: never increased / went up, and the sweep's first failure or none", () => {
    expect(bullet(text, "Stability")).toBe(
      "* **Stability.** ALS's objective never increased (0.0 increases: each half-step is an exact block " +
        "minimization), SGD's went up in 2.5 of 100 epochs at the chosen lr, and with larger learning rates it " +
        "oscillates more and diverges at lr ≥ 0.1 (SGD diverged at epoch 1 (loss NaN)) (section 3). Full-batch GD " +
        "descends monotonically at small steps (0.0 increases) but none of 0.001, 0.002 diverged.",
    );
    const up = discussRace(
      summaryOf({
        als: { ...rows.als, objectiveIncreases: stat(1) },
        gd: { ...rows.gd, objectiveIncreases: stat(0.5) },
      }),
      race,
    );
    expect(bullet(up, "Stability")).toContain("* **Stability.** ALS's objective went up in 1.0 of 10 iterations, SGD's");
    expect(bullet(up, "Stability")).toContain(
      "(section 3). Full-batch GD's objective went up in 0.5 of 200 epochs at the chosen lr and none of 0.001, 0.002 diverged.",
    );
  });

  it("seeds: the spread of the final test RMSE", () => {
    expect(bullet(text, "Seeds")).toBe(
      "* **Seeds.** The spread over 3 seeds of the final test RMSE is ±0.0030 for ALS, ±0.0060 for SGD, ±0.0060 for GD.",
    );
  });
});

describe("errors", () => {
  it("a label missing from the summary: one line naming it and the labels present", () => {
    const summary: RaceSummary = { ...summaryOf(), rows: [rows.als, rows.sgd, rows.alsPlain] };
    for (const fn of [() => raceObjectiveTable(summary, race), () => raceComparisonTable(summary, race), () => discussRace(summary, race)]) {
      const e = errorOf(fn);
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).not.toContain("\n");
      expect(e.message).toMatch(
        /^(raceObjectiveTable|raceComparisonTable|discussRace): the race summary has no entry "GD \(full batch\)" \(its entries: "ALS \(per-rating λ\)", "SGD", "ALS \(plain λ\)"\)$/,
      );
    }
  });

  it("a sweep whose runs and learning rates differ in number", () => {
    const bad: RaceNarrative = {
      ...race,
      pairs: [{ ...race.pairs[0], gradient: { label: "SGD", sweep: { runs: [sweepRun(0.01, 0.9)], lrs: [0.01, 0.02] } } }],
    };
    expect(errorOf(() => discussRace(summaryOf(), bad)).message).toBe(
      'discussRace: the learning-rate sweep of "SGD" has 1 runs for 2 learning rates',
    );
  });
});
