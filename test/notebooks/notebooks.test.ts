/**
 * Every notebook under notebooks/ is executed headlessly by real Jupyter (nbconvert) on the project-local tslab
 * kernel (registered by `npm test`'s bootstrap in .jupyter/). A cell error fails the test. The executed copies
 * go to a temp folder; the committed notebooks are not modified.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { joinText, readNotebook } from "../helpers/notebooks";

const ROOT = path.resolve(__dirname, "../..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const JUPYTER_PATH = path.join(ROOT, ".jupyter", "share", "jupyter");
const notebooks = fs
  .readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

describe("notebooks execute headlessly on the tslab kernel", () => {
  it("has notebooks and a registered kernel", () => {
    expect(notebooks.length).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(JUPYTER_PATH, "kernels", "tslab", "kernel.json"))).toBe(true);
  });

  for (const name of notebooks) {
    it(
      name,
      () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-nb-"));
        const r = spawnSync(
          "/usr/bin/python3",
          [
            "-m",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=900",
            "--ExecutePreprocessor.kernel_name=tslab",
            "--output-dir",
            outDir,
            path.join(NOTEBOOKS, name),
          ],
          {
            cwd: NOTEBOOKS,
            encoding: "utf8",
            // Kernels from the project's .jupyter/; Jupyter's own data/runtime/config in a temp folder (no global state).
            env: {
              ...process.env,
              JUPYTER_PATH,
              JUPYTER_DATA_DIR: path.join(outDir, "data"),
              JUPYTER_RUNTIME_DIR: path.join(outDir, "runtime"),
              JUPYTER_CONFIG_DIR: path.join(outDir, "config"),
            },
            timeout: 20 * 60_000,
          },
        );
        const executedPath = path.join(outDir, name);
        if (r.status !== 0 || !fs.existsSync(executedPath)) {
          throw new Error(`nbconvert failed for ${name} (exit ${r.status}):\n${(r.stderr ?? "").slice(-4000)}`);
        }
        const nb = readNotebook(executedPath);
        const errors = nb.cells.flatMap((c) =>
          (c.outputs ?? []).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}\n--- in cell:\n${joinText(c.source)}`),
        );
        expect(errors).toEqual([]);
        const stderr = nb.cells.flatMap((c) =>
          (c.outputs ?? []).filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => joinText(o.text)),
        );
        // tslab reports TypeScript compile errors on stderr without an error output: treat them as failures.
        expect(stderr.filter((s) => /error TS\d+|^\d+:\d+ - /m.test(s))).toEqual([]);
        const codeCells = nb.cells.filter((c) => c.cell_type === "code");
        expect(codeCells.length).toBeGreaterThan(0);
      },
      25 * 60_000,
    );
  }
});
