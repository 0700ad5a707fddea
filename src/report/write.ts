/**
 * Writing reports to files (the `mflab report` command, ../cli/report.ts, calls {@link writeReport}).
 *
 * Default file: next to the results file, `<results>.report.html` ({@link defaultReportPath}). Markdown reports
 * (`.md`) export their figures as PNG files next to the report (`<report>.<figure id>.png`) through headless
 * Chromium; when Chromium (or playwright-core) is unavailable, the report says so in place of each figure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResultsFile } from "../results/schema";
import { readResults } from "../results/store";
import { exportFigureImages } from "../plot/export";
import { buildReport, reportFigures, type ReportFormat, type ReportOptions } from "./build";

export interface WriteReportOptions extends Omit<ReportOptions, "validation" | "grid" | "images" | "imagesMissing"> {
  /** A search's report: the grid sweep to compare with (path or loaded). */
  grid?: string | ResultsFile;
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
  return `${resultsFile.replace(/\.json$/i, "")}.report.html`;
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
  const grid = typeof options.grid === "string" ? readResults(options.grid) : options.grid;
  const reportOptions: ReportOptions = { ...options, format, validation, grid, images: undefined, imagesMissing: undefined };
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
