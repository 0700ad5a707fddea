/**
 * Execute a notebook in place with real Jupyter: `python3 -m nbconvert --to notebook --execute --inplace` on the
 * project-local tslab kernel (registered in `<package>/.jupyter/share/jupyter/kernels/tslab` by the bootstrap of
 * `npm run notebook` / `npm test`), as `npm run notebooks:execute` does. Jupyter's own data, runtime and config
 * folders go to a temporary folder (no global state is touched). Python: `$MFLAB_PYTHON`, else
 * `/usr/bin/python3`.
 *
 * Throws InputError (a user-facing message) when Python, nbconvert or the kernel is missing, when nbconvert fails
 * or times out; cell errors are not thrown but returned ({@link ExecutedNotebook.errors}), since the notebook is
 * then saved with them and the user can open it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../core/errors";

/** The package root (the folder holding package.json and dist/). */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");
/** Where the bootstrap registers the tslab kernel. */
export const JUPYTER_PATH = path.join(PACKAGE_ROOT, ".jupyter", "share", "jupyter");

/**
 * nbclient run on the notebook: every code cell executed in order with its execution count (nbconvert's
 * ExecutePreprocessor leaves them empty with tslab, which sends no execute_input), errors allowed so that every
 * cell runs and the notebook is saved whole; the index of each code cell whose reply was an error is printed as
 * `failed <k>` (tslab signals a runtime error only by its reply status and stderr text).
 */
const RUNNER = `
import sys, nbformat
from nbclient import NotebookClient
name, timeout = sys.argv[1], int(sys.argv[2])
nb = nbformat.read(name, as_version=4)
failed = []
def on_executed(cell, cell_index, execute_reply):
    if execute_reply and execute_reply.get("content", {}).get("status") == "error":
        failed.append(cell_index)
client = NotebookClient(nb, timeout=timeout, kernel_name="tslab", allow_errors=True,
                        resources={"metadata": {"path": "."}}, on_cell_executed=on_executed)
client.execute()
nbformat.write(nb, name)
code = [k for k, c in enumerate(nb.cells) if c.cell_type == "code"]
for k in failed:
    print("failed", code.index(k))
`;

export interface ExecutedNotebook {
  seconds: number;
  /** One line per error output: `cell <n>: <ename>: <evalue>` (n counts code cells from 1). */
  errors: string[];
}

interface Output {
  output_type: string;
  name?: string;
  ename?: string;
  evalue?: string;
  text?: string | string[];
}

/** Run every cell of `file` and save the outputs into it (module doc). */
export function executeNotebook(file: string, options: { timeoutSeconds?: number } = {}): ExecutedNotebook {
  const python = process.env.MFLAB_PYTHON || "/usr/bin/python3";
  const kernel = path.join(JUPYTER_PATH, "kernels", "tslab", "kernel.json");
  if (!fs.existsSync(kernel)) {
    throw new InputError(
      `the tslab kernel is not registered (no ${path.relative(process.cwd(), kernel) || kernel}): run ` +
        "`npm run notebook` once in the mflab repository (its bootstrap installs Jupyter and registers the kernel), " +
        "or write the notebook without running it (--no-execute)",
    );
  }
  const failedCells: number[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-nbexec-"));
  const timeout = options.timeoutSeconds ?? 1800;
  const t0 = Date.now();
  try {
    const r = spawnSync(python, ["-c", RUNNER, path.basename(file), String(timeout)], {
      cwd: path.dirname(path.resolve(file)),
      encoding: "utf8",
      env: {
        ...process.env,
        JUPYTER_PATH,
        JUPYTER_DATA_DIR: path.join(scratch, "data"),
        JUPYTER_RUNTIME_DIR: path.join(scratch, "runtime"),
        JUPYTER_CONFIG_DIR: path.join(scratch, "config"),
      },
      timeout: (timeout + 120) * 1000,
    });
    if (r.error) {
      const why = (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${python} not found` : r.error.message;
      throw new InputError(`could not run Jupyter to execute the notebook (${why}); set MFLAB_PYTHON, or use --no-execute`, file);
    }
    if (r.status !== 0) {
      const tail = (r.stderr ?? "").trim().split("\n").slice(-6).join("\n");
      const hint = /No module named '?nb(client|format)/.test(r.stderr ?? "")
        ? " (Jupyter's nbclient is not installed: run `npm run notebook` once, or apt-get install python3-nbconvert)"
        : "";
      throw new InputError(`Jupyter could not execute the notebook${hint}:\n${tail}`, file);
    }
    failedCells.push(
      ...(r.stdout ?? "")
        .split("\n")
        .filter((l) => l.startsWith("failed "))
        .map((l) => Number(l.slice(7))),
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { cell_type: string; outputs?: Output[] }[] };
  const errors: string[] = [];
  nb.cells
    .filter((c) => c.cell_type === "code")
    .forEach((c, k) => {
      const outputs = c.outputs ?? [];
      const stderr = outputs
        .filter((o) => o.output_type === "stream" && o.name === "stderr")
        .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
        .join("");
      const raised = outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`);
      // tslab reports a runtime error by its reply status and stderr text, and a TypeScript compile error on
      // stderr, without an error output.
      if (raised.length > 0) errors.push(...raised.map((e) => `cell ${k + 1}: ${e}`));
      else if (failedCells.includes(k) || /error TS\d+|^\d+:\d+ - /m.test(stderr)) {
        errors.push(`cell ${k + 1}: ${stderr.trim().split("\n")[0] || "failed"}`);
      }
    });
  return { seconds: (Date.now() - t0) / 1000, errors };
}
