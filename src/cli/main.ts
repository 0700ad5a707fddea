/**
 * The `mflab` command line. Argument parsing and progress display only; the work happens in the library.
 * Every error ends as one line on stderr: expected ones (bad input: InputError and its subclasses, exit 1; bad
 * usage: UsageError, exit 2) as their message, anything else as an internal error with its stack in a log file
 * (./crash.ts, exit 1).
 */
import * as os from "node:os";
import * as readline from "node:readline";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { readRegularFile, refuseIfNotRegular } from "../core/files";
import { parseJsonText } from "../core/json";
import { dataSpecFromPath } from "../data/load";
import { expandSpec, validateSpec, type ExperimentSpec } from "../experiment/spec";
import { runSweep } from "../experiment/runner";
import { runSearch } from "../experiment/search/run";
import { parseBytes } from "../experiment/resources";
import { foldCount, type FoldsSpec } from "../experiment/folds";
import { readResults } from "../results/store";
import { parseQueueUrl } from "../experiment/queue/connection";
import type { MetricPath } from "../results/metric";
import { summaryTable } from "../results/summary";
import { modelComparisons } from "../results/comparison";
import { progressPrinter } from "../experiment/progress";
import { describeFields } from "../core/schema";
import { allModels, getModel, modelNames } from "../models/registry";
import { buildFigure, FIGURE_KINDS, type FigureKind } from "../plot/kinds";
import { writeFigureHtml, exportFigureImage } from "../plot/export";
import { textTable } from "../core/table";
import { MFLAB_VERSION } from "../core/version";
import { parseCommandArgs, UsageError } from "./args";
import { reportInternalError } from "./crash";
import { reportCommand } from "./report";
import { queueCommand, workerCommand } from "./queue";
import { notebookCommand } from "./notebook";
import { UI_USAGE, uiCommand } from "./ui";

const HELP = `mflab ${MFLAB_VERSION} — matrix-factorization experiments

Usage:
  mflab sweep <spec.json> [--data PATH] [--split SPLIT] [--out FILE] [--folds F [--pooled]] [--workers N] [--memory-budget B] [--fresh] [--retry-failed] [--html] [--yes] [--quiet]
      Run (or resume) the sweep described by an experiment spec. Writes results/<name>.json (or --out)
      atomically after every run; runs already in that file are skipped.
      --data PATH   use this data instead of the spec's: a MovieLens 100K folder, a folder with
                    train.csv + test.csv, a ratings file (u.data, ratings.csv, ratings.dat, .csv), or "synthetic"
      --split S     with --data: u1..u5, ua, ub (MovieLens 100K folds), holdout, or a test fraction like 0.2;
                    a single split: the spec's "folds" are ignored unless --folds is given
      --pooled      with --folds N on a train.csv + test.csv pair: pool train ∪ test and cross-validate over it
                    (the given test set is then not used as such)
      --folds F     cross-validation override: a number (5 = official u1…u5 for MovieLens 100K; with
                    --split holdout or other data a seeded random k-fold split), a list like u1,u2, or none
      --workers N   runs fitted in parallel, one worker thread each (default, and at most: the number of cores);
                    the numbers do not depend on N. Ctrl-C stops after the runs in progress (finished runs stay in the
                    file, re-run to resume); a second Ctrl-C or SIGTERM abandons the runs in progress at once
      --memory-budget B  memory per run, e.g. 4G (default: half the machine's memory shared by the runs at once); a
                    run estimated above it is recorded as failed with its estimate
      --fresh       start over (the old results file is kept as <file>.bak-<time>)
      --retry-failed  re-run runs recorded as failed
      --html        also write the assignment figure next to the results (<file>.html)
      --yes         run sweeps of more than 500 runs without asking
      --queue URL   hand the runs to \`mflab worker\` processes on any machines through Redis
                    (redis://[:PASSWORD@]HOST[:PORT][/DB], rediss://… for TLS; the password may also come from
                    $MFLAB_REDIS_PASSWORD). This process plans the sweep and writes the results file as usual;
                    Ctrl-C withdraws the waiting runs and collects those in progress, a second Ctrl-C leaves them to
                    the workers — re-running the command collects them and queues only what is missing. A search
                    queues a trial whenever fewer than --queue-depth trials are queued or running
      --queue-depth N  with --queue, searches: trials in the queue at most (default: one per connected worker
                    process; give the workers' total --concurrency when they fit several runs at once)
      --redis-timeout S  with --queue: stop with an error after S seconds without Redis (default 60)
  mflab worker --queue URL [--concurrency N] [--data-root DIR] [--stall-timeout S] [--memory-budget B] [--quiet]
      Fit runs from the queue on this machine, N at a time (default 1), each in a worker thread, with the data
      files of this machine (relative paths from --data-root, default the current folder); a run whose data
      fingerprint differs from the coordinator's is refused (recorded failed) and the worker stops. A worker
      silent for S seconds (default 30) is presumed dead: its run goes to another worker. Ctrl-C: stop after the
      runs in progress; a second Ctrl-C: put them back in the queue now.
  mflab queue status --queue URL
      The sweeps on a queue: waiting, running, finished and failed runs, their coordinators, failures.
  mflab queue clean --queue URL [--sweep ID]
      Remove what finished sweeps left on the queue (a sweep with waiting runs only when named by --sweep).
  mflab summary <results.json> [--sort test.mse|test.rmse|validation.rmse|train.mse|…]
      Print the results table again from the file (default order: validation MSE when the runs have one, else test MSE).
  mflab plot <results.json> [--kind ${FIGURE_KINDS.join("|")}] [--metric M] [--lambda L] [--out FILE] [--png] [--svg]
      Write a standalone offline HTML figure (default <results>.<kind>.html); --png/--svg also export an image
      through headless Chromium.
  mflab report <results.json> [--validation V.json] [--grid G.json] [--out F.html|F.md] [--title T] [--metric test.mse|test.rmse|test.mae] [--no-figures]
      A self-contained write-up skeleton: data and protocol, grid, results table, best configuration (chosen on the
      validation results when given), offline figures, and observations computed from the results. A search's
      report has a search section (trials by status, the chosen trial); --grid compares it with a grid sweep.
  mflab notebook new <name> --data PATH [--split S] [--template sweep|compare|race] [--out-dir notebooks] [--force] [--no-execute]
      Write <out-dir>/<name>.ipynb from a template bound to the data, execute it with Jupyter, print how to open it.
  ${UI_USAGE}
      A local web page over every results file under the folders (default results/): experiments, runs, figures,
      comparisons, updated live while sweeps write; read-only, on 127.0.0.1 (--host: another address, with a token).
  mflab models [name…]
      The models a spec can name, each with its parameters: type and range, default, meaning, aliases.
  mflab --version | --help
`;

/**
 * Run one `mflab` command. Never rejects: every error is printed as one line (module doc).
 * @returns the exit code: 0 done, 1 bad input or an internal error, 2 bad usage, 130 interrupted
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "sweep":
        return await sweepCommand(rest);
      case "summary":
        return summaryCommand(rest);
      case "plot":
        return await plotCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "worker":
        return await workerCommand(rest);
      case "queue":
        return await queueCommand(rest);
      case "notebook":
        return await notebookCommand(rest);
      case "ui":
        return await uiCommand(rest);
      case "models":
        console.log(modelsListing(rest));
        return 0;
      case "--version":
      case "-v":
        console.log(MFLAB_VERSION);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        console.error(`mflab: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`mflab: ${e.message}`);
      return 1;
    }
    if (e instanceof UsageError) {
      console.error(`mflab: ${e.message}\nRun "mflab --help" for usage.`);
      return 2;
    }
    return reportInternalError(e, argv);
  }
}

/**
 * `mflab models [name…]`: each model's name and summary, then one line per parameter from its declaration — name,
 * type and range, default, what it does, and its aliases.
 */
function modelsListing(names: readonly string[]): string {
  const unknown = names.filter((n) => getModel(n) === undefined);
  if (unknown.length > 0) throw new UsageError(`unknown model ${JSON.stringify(unknown[0])}; known: ${modelNames().join(", ")}`);
  const models = names.length > 0 ? names.map((n) => getModel(n)!) : allModels();
  return models
    .map((m) => {
      const fields = describeFields(m.params);
      const table =
        fields.length === 0
          ? "  (no parameters)"
          : textTable(
              [{ header: "parameter" }, { header: "type" }, { header: "default" }, { header: "meaning" }],
              fields.map((f) => [
                f.name,
                f.type,
                f.default,
                `${f.doc}${f.perf ? " (performance only)" : ""}${f.aliases.length > 0 ? ` — also: ${f.aliases.join(", ")}` : ""}`,
              ]),
            );
      return `${m.name} — ${m.summary}\n${table}`;
    })
    .join("\n\n");
}

function readSpecFile(file: string): unknown {
  return parseJsonText(readRegularFile(file, "spec file").toString("utf8"), file);
}

/** Sweeps with more runs than this ask for confirmation (or `--yes`). */
const CONFIRM_RUNS = 500;

/** Runs a sweep will plan: grid cells × repeats × folds (after the command-line overrides). */
function countRuns(spec: ExperimentSpec, folds: FoldsSpec | null | undefined, singleSplit: boolean): number {
  const effective = folds !== undefined ? folds : singleSplit ? null : (spec.folds ?? null);
  const nFolds = effective === null ? 1 : foldCount(effective);
  return spec.search ? spec.search.trials : expandSpec(spec).length * nFolds;
}

/** Ask a yes/no question on an interactive terminal; false when stdin is not a terminal. */
function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return Promise.resolve(false);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    }),
  );
}

async function sweepCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(rest, {
    data: { type: "string" },
    split: { type: "string" },
    out: { type: "string" },
    fresh: { type: "boolean" },
    "retry-failed": { type: "boolean" },
    html: { type: "boolean" },
    quiet: { type: "boolean" },
    workers: { type: "string" },
    "memory-budget": { type: "string" },
    folds: { type: "string" },
    pooled: { type: "boolean" },
    yes: { type: "boolean" },
    queue: { type: "string" },
    "redis-timeout": { type: "string" },
    "queue-depth": { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError(`sweep takes exactly one spec file, got ${positionals.length}`);
  if (values.split !== undefined && values.data === undefined) throw new UsageError("--split needs --data PATH");
  const specFile = positionals[0] as string;
  const spec = validateSpec(readSpecFile(specFile), specFile);
  const data = values.data !== undefined ? dataSpecFromPath(values.data as string, values.split as string | undefined) : undefined;
  const onProgress =
    values.quiet === true ? undefined : progressPrinter((text) => process.stderr.write(text), { inPlace: process.stderr.isTTY === true });
  let folds: FoldsSpec | null | undefined;
  if (values.folds !== undefined) {
    const f = String(values.folds);
    folds = f === "none" ? null : /^\d+$/.test(f) ? Number(f) : f.split(",");
  }
  if (values.pooled === true) {
    if (typeof folds !== "number") throw new UsageError("--pooled needs a number of folds, e.g. --folds 5 --pooled");
    folds = { k: folds, pooled: true };
  }
  const nRuns = countRuns(spec, folds, data !== undefined && values.split !== undefined);
  if (nRuns > CONFIRM_RUNS && values.yes !== true) {
    const question = `${specFile} expands to ${nRuns} runs (more than ${CONFIRM_RUNS})`;
    if (!(await confirm(`${question}. Run them all? [y/N] `))) {
      throw new InputError(`expands to ${nRuns} runs (more than ${CONFIRM_RUNS}); add --yes to run them, or shrink the grid`, specFile);
    }
  }
  const queue = values.queue === undefined ? undefined : String(values.queue);
  if (queue !== undefined) {
    for (const option of ["workers", "memory-budget"] as const) {
      if (values[option] !== undefined) {
        throw new UsageError(`--${option} does not apply with --queue: give it to each \`mflab worker\` (--concurrency N, --memory-budget B)`);
      }
    }
  } else if (values["redis-timeout"] !== undefined) throw new UsageError("--redis-timeout applies with --queue only");
  const depthText = values["queue-depth"] as string | undefined;
  if (depthText !== undefined && (queue === undefined || !spec.search)) throw new UsageError("--queue-depth applies to a search with --queue only");
  if (depthText !== undefined && !/^[1-9]\d*$/.test(depthText)) throw new UsageError(`--queue-depth must be a positive integer, got "${depthText}"`);
  if (queue !== undefined && values.quiet !== true) {
    const where = parseQueueUrl(queue).display; // checks the address before the data is loaded
    const note = where.includes(":***@") ? " (with the password in place of ***, or in $MFLAB_REDIS_PASSWORD)" : "";
    process.stderr.write(`queue: ${where} — start workers with: mflab worker --queue ${where}${note}\n`);
  } else if (queue !== undefined) parseQueueUrl(queue);
  const redisTimeout = values["redis-timeout"] === undefined ? undefined : Number(values["redis-timeout"]);
  if (redisTimeout !== undefined && !(redisTimeout > 0))
    throw new UsageError(`--redis-timeout must be a positive number of seconds, got "${values["redis-timeout"]}"`);
  const workers = values.workers === undefined ? os.availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer, got "${values.workers}"`);
  const memoryBudget = values["memory-budget"] === undefined ? undefined : parseBytes(String(values["memory-budget"]));
  // Fits run in worker threads (isolate), so this thread stays free to react: Ctrl-C stops starting runs and lets
  // the runs in progress finish (saved); a second Ctrl-C or SIGTERM abandons them at once (their threads are
  // terminated; every finished run is already in the file) and exits non-zero within a second.
  const stop = new AbortController();
  const abandon = new AbortController();
  let exitCode = 130;
  const onSignal = (sig: NodeJS.Signals) => {
    exitCode = sig === "SIGTERM" ? 143 : 130;
    if (sig === "SIGTERM" || stop.signal.aborted) {
      process.stderr.write(
        queue !== undefined
          ? `\n${sig}: leaving the queued runs to the workers — every collected run is in the results file; re-run the same command to collect the rest\n`
          : `\n${sig}: abandoning the runs in progress — every finished run is in the results file\n`,
      );
      abandon.abort();
      setTimeout(() => process.exit(exitCode), 1000).unref(); // whatever is still running, within a second
      return;
    }
    process.stderr.write(
      queue !== undefined
        ? `\n${sig}: withdrawing the waiting runs and collecting the runs in progress — press Ctrl-C again to leave them to the workers\n`
        : `\n${sig}: stopping after the runs in progress — press Ctrl-C again to abandon them now\n`,
    );
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const outcome = await (spec.search ? runSearch : runSweep)(spec, {
    out: values.out as string | undefined,
    data,
    split: values.split !== undefined,
    folds,
    fresh: values.fresh === true,
    retryFailed: values["retry-failed"] === true,
    workers,
    isolate: true,
    signal: stop.signal,
    abandon: abandon.signal,
    memoryBudget,
    onProgress,
    ...(queue !== undefined
      ? {
          queue: {
            url: queue,
            ...(redisTimeout !== undefined ? { redisTimeout } : {}),
            ...(depthText !== undefined ? { depth: Number(depthText) } : {}),
          },
        }
      : {}),
  });
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
  console.log(summaryTable(outcome.results));
  console.log(`\nresults: ${path.relative(process.cwd(), outcome.file) || outcome.file}`);
  if (values.html) {
    const htmlFile = `${outcome.file.replace(/\.json$/, "")}.html`;
    writeFigureHtml(htmlFile, buildFigure(outcome.results, "grid"), { title: `${spec.name} — ${outcome.results.dataset.name}` });
    console.log(`figure:  ${path.relative(process.cwd(), htmlFile) || htmlFile}`);
  }
  if (outcome.interrupted) return exitCode;
  return outcome.failed > 0 ? 1 : 0;
}

function summaryCommand(rest: string[]): number {
  const { values, positionals } = parseCommandArgs(rest, { sort: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError(`summary takes exactly one results file, got ${positionals.length}`);
  const sort = values.sort as string | undefined;
  if (sort !== undefined && !/^(train|test|validation)\.(mse|rmse|mae)$/.test(sort))
    throw new UsageError(`--sort must be train|test|validation . mse|rmse|mae, got "${sort}"`);
  refuseIfNotRegular(positionals[0] as string, "results file");
  const results = readResults(positionals[0] as string);
  console.log(summaryTable(results, sort as MetricPath | undefined));
  const comparisons = modelComparisons(results);
  if (comparisons.length > 0) {
    console.log("\nPaired comparisons (each model at its best configuration; the lowest against each other model):");
    for (const c of comparisons) console.log(`  ${c.text}`);
  }
  return 0;
}

async function plotCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(rest, {
    kind: { type: "string" },
    metric: { type: "string" },
    lambda: { type: "string" },
    out: { type: "string" },
    png: { type: "boolean" },
    svg: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError(`plot takes exactly one results file, got ${positionals.length}`);
  const file = positionals[0] as string;
  const kind = ((values.kind as string | undefined) ?? "grid") as FigureKind;
  if (!FIGURE_KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${FIGURE_KINDS.join(", ")}, got "${kind}"`);
  refuseIfNotRegular(file, "results file");
  const results = readResults(file);
  const lambda = values.lambda === undefined ? undefined : Number(values.lambda);
  if (lambda !== undefined && !Number.isFinite(lambda)) throw new UsageError(`--lambda must be a number, got "${values.lambda}"`);
  const figure = buildFigure(results, kind, { metric: values.metric as string | undefined, lambda });
  const out = (values.out as string | undefined) ?? `${file.replace(/\.json$/, "")}.${kind}.html`;
  const htmlOut = out.endsWith(".html") ? out : `${out}.html`;
  writeFigureHtml(htmlOut, figure, { title: `${results.experiment.name} — ${kind}` });
  console.log(`html: ${htmlOut}`);
  for (const format of ["png", "svg"] as const) {
    if (!values[format]) continue;
    const imageOut = htmlOut.replace(/\.html$/, `.${format}`);
    await exportFigureImage(figure, imageOut, { format });
    console.log(`${format}:  ${imageOut}`);
  }
  return 0;
}
