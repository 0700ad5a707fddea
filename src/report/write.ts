/**
 * Writing reports to files, and the `mflab report` command.
 *
 *   mflab report <results.json> [--validation V.json] [--out report.html|report.md] [--title T] [--metric test.mse]
 *
 * Default output: next to the results file, `<results>.report.html`. Markdown reports (`--out x.md`) export
 * their figures as PNG files next to the report (`<report>.<figure id>.png`) through headless Chromium; when
 * Chromium (or playwright-core) is unavailable, the report says so in place of each figure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../core/errors";
import type { ResultsFile } from "../results/schema";
import { readResults } from "../results/store";
import type { MetricPath } from "../results/summary";
import { exportFigureImages } from "../plot/export";
import { buildReport, reportFigures, type ReportFormat, type ReportOptions } from "./build";

export interface WriteReportOptions extends Omit<ReportOptions, "validation" | "images" | "imagesMissing"> {
  /** Validation sweep: a results file path or the loaded results. */
  validation?: string | ResultsFile;
  /** Markdown: export figure images (default true; false omits them with a note). */
  images?: boolean;
}

export interface WrittenReport {
  file: string;
  format: ReportFormat;
  bytes: number;
  /** Image files written next to a Markdown report. */
  images: string[];
  /** Why figures were left out (e.g. Chromium unavailable), if they were. */
  notes: string[];
}

/** Format from a file name: `.md`/`.markdown` → "md", anything else "html". */
export function reportFormatOf(file: string): ReportFormat {
  return /\.(md|markdown)$/i.test(file) ? "md" : "html";
}

/** `<results>.report.html` next to a results file. */
export function defaultReportPath(resultsFile: string): string {
  return resultsFile.replace(/\.json$/i, "") + ".report.html";
}

/**
 * Build the report of `resultsFile` (a path or loaded results) and write it to `outFile` (format from the
 * extension unless `options.format`; parent folders created).
 * @throws InputError when a results file cannot be read or the report cannot be built (see buildReport)
 */
export async function writeReport(resultsFile: string | ResultsFile, outFile: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const results = typeof resultsFile === "string" ? readResults(resultsFile) : resultsFile;
  const validation = typeof options.validation === "string" ? readResults(options.validation) : options.validation;
  const format = options.format ?? reportFormatOf(outFile);
  const dir = path.dirname(path.resolve(outFile));
  fs.mkdirSync(dir, { recursive: true });
  const images: string[] = [];
  const notes: string[] = [];
  const reportOptions: ReportOptions = { ...options, format, validation, images: undefined, imagesMissing: undefined };
  if (format === "md" && options.figures !== false) {
    const { figures } = reportFigures(results, options.metric ?? "test.mse");
    if (figures.length > 0 && options.images === false) reportOptions.imagesMissing = "image export disabled";
    else if (figures.length > 0) {
      const base = path.basename(outFile).replace(/\.(md|markdown)$/i, "");
      const jobs = figures.map((f) => ({ figure: f.figure, outPath: path.join(dir, `${base}.${f.id}.png`), format: "png" as const }));
      try {
        await exportFigureImages(jobs);
        reportOptions.images = Object.fromEntries(figures.map((f, k) => [f.id, path.basename(jobs[k].outPath)]));
        images.push(...jobs.map((j) => j.outPath));
      } catch (e) {
        const why = `image export failed: ${(e as Error).message}`;
        reportOptions.imagesMissing = why;
        notes.push(why);
      }
    }
  }
  const text = buildReport(results, reportOptions);
  fs.writeFileSync(outFile, text);
  return { file: outFile, format, bytes: Buffer.byteLength(text), images, notes };
}

const USAGE = "usage: mflab report <results.json> [--validation V.json] [--out report.html|report.md] [--title T] [--metric test.mse|test.rmse|test.mae] [--no-figures]";

/**
 * `mflab report …` (see the module doc). Prints where the report went; errors go to stderr.
 * @returns the exit code: 0 written, 1 bad input (unreadable results, …), 2 bad usage
 */
export async function reportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        validation: { type: "string" },
        out: { type: "string", short: "o" },
        title: { type: "string" },
        metric: { type: "string" },
        "no-figures": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    console.error(`mflab report: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`mflab report: expected exactly one results file, got ${positionals.length}\n${USAGE}`);
    return 2;
  }
  const metric = values.metric ?? "test.mse";
  if (!/^test\.(mse|rmse|mae)$/.test(metric)) {
    console.error(`mflab report: --metric must be test.mse, test.rmse or test.mae, got "${metric}"\n${USAGE}`);
    return 2;
  }
  const file = positionals[0];
  const out = values.out ?? defaultReportPath(file);
  try {
    const written = await writeReport(file, out, {
      validation: values.validation,
      title: values.title,
      metric: metric as MetricPath,
      figures: values["no-figures"] ? false : undefined,
    });
    console.log(`report: ${written.file} (${(written.bytes / 1024).toFixed(0)} KiB, ${written.format})`);
    for (const img of written.images) console.log(`figure: ${img}`);
    for (const note of written.notes) console.error(`mflab report: ${note}`);
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`mflab report: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
