#!/usr/bin/env node
/*
 * `npm run notebooks:execute [-- name.ipynb …]`: execute notebooks in place (outputs saved in the .ipynb, as
 * committed), with the project-local tslab kernel, through the built library's `executeNotebook` (Jupyter's
 * nbclient, so every code cell keeps its execution count; see src/cli/notebook-execute.ts). Default: every notebook in
 * notebooks/. Stops at the first notebook with a failed cell.
 */

const fs = require("node:fs");
const path = require("node:path");
const { executeNotebook } = require("../dist/cli/notebook-execute");

const dir = path.resolve(__dirname, "..", "notebooks");
const names =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort();
for (const name of names) {
  const file = path.join(dir, path.basename(name));
  const run = executeNotebook(file, { timeoutSeconds: 900 });
  if (run.errors.length > 0) {
    console.error(`mflab: ${name}: ${run.errors.length} cell(s) failed:\n  ${run.errors.join("\n  ")}`);
    process.exit(1);
  }
  const size = fs.statSync(file).size;
  console.log(`${name}: executed in ${run.seconds.toFixed(1)} s, ${(size / 1e6).toFixed(2)} MB`);
}
