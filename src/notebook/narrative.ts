/**
 * Text a notebook shows, computed: facts about the data and the protocol, Markdown tables from rows of
 * records, and the discussion of a results file. They exist so that a notebook cell reads as the analysis it
 * performs (`tslab.display.markdown(mf.describeData(dataset, data))`) instead of assembling strings, and so that
 * no sentence about the data is typed by hand (a hand-typed "below 1, the lowest rating" is wrong on a half-star
 * scale; {@link describeData} states the scale the data has).
 *
 * - {@link dataFacts} / {@link describeData}: users, items, training and test ratings, density, the rating scale
 *   and its step (whole or half stars…), the mean rating, whether items have titles, and the protocol
 *   ({@link describeProtocol}: a given train/test pair used as given, an official MovieLens fold, a seeded
 *   holdout).
 * - {@link tableOf}: a Markdown table from records and `[header, value, digits?]` columns.
 * - {@link discuss}: the report's observations of a sweep (src/report/observations.ts) as Markdown — the key
 *   findings first, then the rest grouped by topic.
 *
 * {@link dataFacts} itself lives in ../data/facts.ts (the command line uses it too). Everything returns Markdown text; nothing here displays, so each is testable outside a kernel.
 */
import type { Dataset } from "../data/ratings";
import { dataFacts, type DataFacts } from "../data/facts";
import { validateDataSpec, type DataSpec, type DataSpecInput } from "../data/spec";
import type { ResultsFile } from "../results/schema";
import type { MetricPath } from "../results/metric";
import { markdownTable, type TableColumn } from "../core/table";
import { escapeMarkdown } from "../report/document";
import { keyFindings, observationsByTopic, observeSweep } from "../report/observations";

const STEP_WORDS: Record<string, string> = { "1": "whole stars", "0.5": "half stars" };

/** "1–5 in whole stars", "0.5–5 in half stars", "0–1 in steps of 0.1", "1.3–4.7 (continuous)". */
export function describeScale(facts: Pick<DataFacts, "scale" | "step">): string {
  const range = `${facts.scale[0]}–${facts.scale[1]}`;
  if (facts.step === undefined) return `${range} (continuous)`;
  return `${range} in ${STEP_WORDS[String(facts.step)] ?? `steps of ${facts.step}`}`;
}

/**
 * One sentence on how the data is split into training and test ratings, from the data spec: a given
 * train/test pair is used as given (never pooled), an official MovieLens fold, a seeded random holdout.
 */
export function describeProtocol(data: DataSpecInput | DataSpec): string {
  const spec = validateDataSpec(data);
  const pct = (f: number | undefined) => `${+((f ?? 0.2) * 100).toFixed(2)} %`;
  switch (spec.kind) {
    case "train-test":
      return (
        `The split is the one given: the model is fitted on \`${spec.train}\` and scored on every rating of ` +
        `\`${spec.test}\` (the two files are never pooled, and no rating moves between them).`
      );
    case "movielens-100k":
      return spec.split === "holdout"
        ? `A seeded random holdout of MovieLens 100K's \`u.data\`: ${pct(spec.testFraction)} of the ratings ` +
            `are the test set (seed ${spec.seed ?? 42}).`
        : `MovieLens 100K's official split **${spec.split}** (\`${spec.split}.base\` for training, ` + `\`${spec.split}.test\` for testing).`;
    case "ratings-file":
      return (
        `One ratings file (\`${spec.path}\`) split by a seeded random holdout: ${pct(spec.testFraction)} of the ` +
        `ratings are the test set (seed ${spec.seed ?? 42}), the rest the training set.`
      );
    case "synthetic":
      return (
        `mflab's synthetic MovieLens-like data (a low-rank model plus noise) with a seeded random holdout: ` +
        `${pct(spec.testFraction)} test (seed ${spec.seed ?? 42}). These are not real ratings.`
      );
  }
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * A Markdown paragraph of the data's facts ({@link dataFacts}) and, when the data spec is given, the protocol
 * ({@link describeProtocol}). Every number in it is computed from the ratings.
 */
export function describeData(dataset: Dataset, data?: DataSpecInput | DataSpec): string {
  const f = dataFacts(dataset);
  const lines = [
    `**${escapeMarkdown(f.name)}**: ${count(f.users)} users × ${count(f.items)} items; ` +
      `${count(f.trainRatings)} training and ${count(f.testRatings)} test ratings ` +
      `(${(100 * f.density).toFixed(2)} % of the user × item matrix is rated in training).`,
    "",
    `Ratings run ${describeScale(f)} (${f.distinctValues} distinct values; lowest present ${f.observedMin}, ` +
      `highest ${f.observedMax}); the mean training rating is ${f.meanTrainRating.toFixed(3)}. ` +
      (f.itemsWithTitles > 0 ? `${count(f.itemsWithTitles)} items have titles.` : "The items have no titles."),
  ];
  if (data !== undefined) lines.push("", describeProtocol(data));
  return lines.join("\n");
}

/** A column of {@link tableOf}: header, the cell's value for a row, and the decimals of a number (default 4). */
export type RecordColumn<T> = readonly [header: string, value: (row: T) => string | number, digits?: number];

/**
 * A GitHub-flavoured Markdown table with one line per record: numbers right-aligned, integers as they are,
 * other numbers with `digits` decimals (default 4; NaN as "—"); strings as given (the caller escapes Markdown).
 *
 *   mf.tableOf(rows, [["model", (r) => r.params.model], ["test RMSE", (r) => r.mean_test_rmse]])
 */
export function tableOf<T>(rows: readonly T[], columns: readonly RecordColumn<T>[]): string {
  const cells = rows.map((row) =>
    columns.map(([, value, digits]) => {
      const v = value(row);
      if (typeof v === "string") return { text: v, numeric: false };
      if (!Number.isFinite(v)) return { text: "—", numeric: true };
      return { text: Number.isInteger(v) && digits === undefined ? String(v) : v.toFixed(digits ?? 4), numeric: true };
    }),
  );
  const header: TableColumn[] = columns.map(([h], k) => ({
    header: h,
    align: cells.length > 0 && cells.every((c) => c[k].numeric) ? "right" : "left",
  }));
  return markdownTable(
    header,
    cells.map((c) => c.map((x) => x.text)),
  );
}

export interface DiscussOptions {
  /** The test metric the observations are about (default "test.mse"). */
  metric?: MetricPath;
  /** How many key findings lead (default 3; 0: none). */
  keyFindings?: number;
  /** Only these topics (as the report names them); default all. */
  topics?: readonly string[];
}

/**
 * The discussion of a sweep, computed from its results file: the key findings (the most important observations,
 * with their numbers), then every other observation grouped by topic — the observations of `mflab report`
 * (src/report/observations.ts), which are chosen by what the sweep contains.
 */
export function discuss(results: ResultsFile, options: DiscussOptions = {}): string {
  const observations = observeSweep(results, { metric: options.metric });
  const keys = keyFindings(observations, options.keyFindings ?? 3);
  const out: string[] = [];
  if (keys.length > 0) {
    out.push("**Key findings**", "");
    for (const o of keys) out.push(`1. ${o.title ? `**${escapeMarkdown(o.title)}.** ` : ""}${escapeMarkdown(o.text)}`);
  }
  for (const { topic, observations: list } of observationsByTopic(observations)) {
    if (options.topics && !options.topics.includes(topic)) continue;
    const rest = list.filter((o) => !keys.includes(o));
    if (rest.length === 0) continue;
    out.push("", `**${escapeMarkdown(topic)}**`, "");
    for (const o of rest) out.push(`- ${escapeMarkdown(o.text)}`);
  }
  return out.join("\n");
}
