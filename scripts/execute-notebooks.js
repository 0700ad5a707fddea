#!/usr/bin/env node
/*
 * `npm run notebooks:execute [-- name.ipynb …]`: execute notebooks in place (outputs saved in the .ipynb, as
 * committed), with the project-local tslab kernel. Default: every notebook in notebooks/.
 */

const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const LOCAL = path.join(ROOT, ".jupyter");
const env = {
  ...process.env,
  JUPYTER_PATH: path.join(LOCAL, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(LOCAL, "data"),
  JUPYTER_RUNTIME_DIR: path.join(LOCAL, "runtime"),
  JUPYTER_CONFIG_DIR: path.join(LOCAL, "config"),
};
const dir = path.join(ROOT, "notebooks");
const names =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort();
for (const name of names) {
  const t0 = Date.now();
  const r = spawnSync(
    process.env.MFLAB_PYTHON || "/usr/bin/python3",
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--inplace",
      "--ExecutePreprocessor.timeout=900",
      "--ExecutePreprocessor.kernel_name=tslab",
      path.basename(name),
    ],
    { cwd: dir, env, stdio: "inherit" },
  );
  if (r.status !== 0) {
    console.error(`mflab: ${name} failed to execute`);
    process.exit(1);
  }
  const size = fs.statSync(path.join(dir, path.basename(name))).size;
  console.log(`${name}: executed in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${(size / 1e6).toFixed(2)} MB`);
}
