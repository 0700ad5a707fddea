/**
 * `mflab report` — the write-up of a results file (the report itself is built and written by ../report):
 *
 *   mflab report <results.json> [--validation V.json] [--grid G.json] [--out report.html|report.md] [--title T] [--metric test.mse]
 *
 * Default output: next to the results file, `<results>.report.html`. Markdown reports (`--out x.md`) export
 * their figures as PNG files next to the report (`<report>.<figure id>.png`) through headless Chromium; when
 * Chromium (or playwright-core) is unavailable, the report says so in place of each figure.
 * Messages start with `mflab report:`; usage mistakes are followed by the usage line.
 */
import { InputError } from "../core/errors";
import { refuseIfNotRegular } from "../core/files";
import type { MetricPath } from "../results/metric";
import { defaultReportPath, writeReport } from "../report/write";
import { parseCommandArgs, UsageError } from "./args";

const USAGE =
  "usage: mflab report <results.json> [--validation V.json] [--grid G.json] [--out report.html|report.md] [--title T] [--metric test.mse|test.rmse|test.mae] [--no-figures]";

/**
 * `mflab report …` (see the module doc). Prints where the report went; errors go to stderr.
 * @returns the exit code: 0 written, 1 bad input (unreadable results, …), 2 bad usage
 */
export async function reportCommand(argv: string[]): Promise<number> {
  try {
    return await report(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`mflab report: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof InputError) {
      console.error(`mflab report: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    validation: { type: "string" },
    grid: { type: "string" },
    out: { type: "string", short: "o" },
    title: { type: "string" },
    metric: { type: "string" },
    "no-figures": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected exactly one results file, got ${positionals.length}`);
  const metric = (values.metric as string | undefined) ?? "test.mse";
  if (!/^test\.(mse|rmse|mae)$/.test(metric)) throw new UsageError(`--metric must be test.mse, test.rmse or test.mae, got "${metric}"`);
  const file = positionals[0];
  refuseIfNotRegular(file, "results file");
  if (values.validation !== undefined) refuseIfNotRegular(values.validation as string, "results file");
  if (values.grid !== undefined) refuseIfNotRegular(values.grid as string, "results file");
  const written = await writeReport(file, (values.out as string | undefined) ?? defaultReportPath(file), {
    validation: values.validation as string | undefined,
    grid: values.grid as string | undefined,
    title: values.title as string | undefined,
    metric: metric as MetricPath,
    figures: values["no-figures"] ? false : undefined,
  });
  console.log(`report: ${written.file} (${(written.bytes / 1024).toFixed(0)} KiB, ${written.format})`);
  for (const img of written.images) console.log(`figure: ${img}`);
  for (const note of written.notes) console.error(`mflab report: ${note}`);
  return 0;
}
