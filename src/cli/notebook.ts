/**
 * `mflab notebook new` — a notebook on one's own data, in one command:
 *
 *   mflab notebook new <name> --data <path> [--split S] [--template sweep|compare|race] [--out-dir notebooks]
 *                      [--force] [--no-execute]
 *
 * Writes `<out-dir>/<name>.ipynb` from a template (./notebook-templates.ts) bound to the data: `--data` is read
 * as `mflab sweep --data` reads it (a folder with train.csv + test.csv is a given split, scored on its test file
 * as given and never pooled; a MovieLens 100K folder uses its official fold, u1 unless --split; a single ratings
 * file a seeded holdout, --split 0.2 = 20 % test), the data is loaded once to check it and to find its rating
 * scale, then the notebook is executed by real Jupyter on the project's tslab kernel (./notebook-execute.ts) and
 * the command prints how to open it. Results files go to `results/` under the current folder.
 *
 * Errors (one line, exit 1 for bad input, 2 for bad usage): a name that is not a plain file name, an existing
 * notebook without --force, data that does not exist or does not load, a cell that failed while executing (the
 * notebook is kept, with the error in its outputs).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { dataSpecFromPath, loadDatasetWithWarnings } from "../data/load";
import type { DataSpecInput } from "../data/spec";
import { executeNotebook, PACKAGE_ROOT } from "./notebook-execute";
import { dataFacts } from "../data/facts";
import { notebookFromTemplate, TEMPLATE_NAMES, type TemplateName } from "./notebook-templates";
import { parseCommandArgs, UsageError } from "./args";

const USAGE =
  "usage: mflab notebook new <name> --data PATH [--split S] [--template sweep|compare|race] [--out-dir notebooks] [--force] [--no-execute]";

/**
 * `mflab notebook …` (see the module doc). Errors go to stderr.
 * @returns the exit code: 0 written (and executed without errors), 1 bad input or a failed cell, 2 bad usage
 */
export async function notebookCommand(argv: string[]): Promise<number> {
  try {
    return newNotebook(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`mflab notebook: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof InputError) {
      console.error(`mflab notebook: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** A path relative to `from`, always starting with "./" or "../", with "/" separators (for notebook source). */
function relativeFrom(from: string, to: string): string {
  const r = path.relative(from, to).split(path.sep).join("/");
  return r.startsWith(".") ? r : `./${r}`;
}

/** The data spec with its paths relative to the notebook's folder, and the rating scale found declared. */
function bindData(data: DataSpecInput, notebookDir: string, scale: readonly [number, number]): DataSpecInput {
  const rel = (p: string) => relativeFrom(notebookDir, path.resolve(p));
  switch (data.kind) {
    case "train-test":
      return { kind: "train-test", train: rel(String(data.train)), test: rel(String(data.test)), ratingScale: [scale[0], scale[1]] };
    case "ratings-file":
      return { ...data, path: rel(String(data.path)), ratingScale: [scale[0], scale[1]] };
    case "movielens-100k":
      return { ...data, path: rel(String(data.path)), split: data.split ?? "u1" };
    default:
      return data;
  }
}

function newNotebook(argv: string[]): number {
  const { values, positionals } = parseCommandArgs(argv, {
    data: { type: "string" },
    split: { type: "string" },
    template: { type: "string", short: "t" },
    "out-dir": { type: "string" },
    force: { type: "boolean" },
    "no-execute": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, rawName, ...extra] = positionals;
  if (sub !== "new") throw new UsageError(sub === undefined ? "expected a subcommand: new" : `unknown subcommand "${sub}" (expected: new)`);
  if (rawName === undefined) throw new UsageError("expected the notebook's name, e.g. mflab notebook new my-sweep --data ratings.csv");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const name = rawName.replace(/\.ipynb$/, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    throw new UsageError(
      `the name must be a plain file name (letters, digits, ".", "_", "-"; no folder, no spaces), got ${JSON.stringify(rawName)}; ` +
        "choose the folder with --out-dir",
    );
  }
  const template = ((values.template as string | undefined) ?? "sweep") as TemplateName;
  if (!(TEMPLATE_NAMES as readonly string[]).includes(template)) {
    throw new UsageError(`--template must be one of ${TEMPLATE_NAMES.join(", ")}, got ${JSON.stringify(template)}`);
  }
  const dataPath = values.data as string | undefined;
  if (dataPath === undefined) {
    throw new UsageError("--data is required: a folder with train.csv + test.csv, a MovieLens 100K folder or a ratings file");
  }
  const outDir = path.resolve((values["out-dir"] as string | undefined) ?? "notebooks");
  const file = path.join(outDir, `${name}.ipynb`);
  const shown = path.relative(process.cwd(), file) || file;
  if (fs.existsSync(file) && !values.force) {
    throw new InputError(`already exists; choose another name, or overwrite it with --force`, shown);
  }
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new InputError("is not a folder (--out-dir)", outDir);

  const data = dataSpecFromPath(dataPath, values.split as string | undefined);
  const { dataset, warnings } = loadDatasetWithWarnings(data);
  for (const w of warnings.filter((m) => !/rating scale .* inferred/.test(m))) console.error(`warning: ${w}`);
  const facts = dataFacts(dataset);
  const bound = bindData(data, outDir, [facts.observedMin, facts.observedMax]);

  const notebook = notebookFromTemplate({
    name,
    template,
    data: bound,
    datasetName: dataset.name,
    mflabImport: relativeFrom(outDir, path.join(PACKAGE_ROOT, "dist")),
    resultsDir: relativeFrom(outDir, path.resolve("results")),
  });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
  const what = `${template} template on ${dataset.name}: ${facts.trainRatings} training / ${facts.testRatings} test ratings`;
  if (values["no-execute"]) {
    console.log(`wrote ${shown} (${what}; not executed)`);
  } else {
    console.log(`wrote ${shown} (${what}); executing it with Jupyter…`);
    const run = executeNotebook(file);
    if (run.errors.length > 0) {
      console.error(`mflab notebook: ${shown}: ${run.errors.length} cell(s) failed (the outputs are saved in the notebook):`);
      for (const e of run.errors) console.error(`  ${e}`);
      return 1;
    }
    console.log(`executed in ${run.seconds.toFixed(1)} s, no errors`);
  }
  const inRepoNotebooks = outDir === path.join(PACKAGE_ROOT, "notebooks");
  console.log(
    inRepoNotebooks
      ? `open it: npm run notebook (Jupyter on notebooks/ with the TypeScript kernel), then ${name}.ipynb`
      : `open it: JUPYTER_PATH=${relativeFrom(process.cwd(), path.join(PACKAGE_ROOT, ".jupyter", "share", "jupyter"))} ` +
          `${process.env.MFLAB_PYTHON || "/usr/bin/python3"} -m notebook ${shown}   (the TypeScript kernel registered by mflab's npm run notebook)`,
  );
  return 0;
}
