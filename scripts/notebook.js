#!/usr/bin/env node
/*
 * `npm run notebook`: Jupyter Notebook on notebooks/ with the project-local tslab kernel (after the bootstrap has
 * registered it in .jupyter/). Marks the committed notebooks as trusted first, so their saved plotly outputs render
 * offline when opened. Prints the URL; Ctrl-C stops the server.
 *   MFLAB_NOTEBOOK_PORT (default 8888), MFLAB_NOTEBOOK_IP (default 127.0.0.1)
 */

const fs = require("node:fs");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const PYTHON = process.env.MFLAB_PYTHON || "/usr/bin/python3";
const LOCAL = path.join(ROOT, ".jupyter");
// Everything Jupyter writes (trust database, cookie secret, runtime files, config) stays in the project's .jupyter/.
const env = {
  ...process.env,
  JUPYTER_PATH: path.join(LOCAL, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(LOCAL, "data"),
  JUPYTER_RUNTIME_DIR: path.join(LOCAL, "runtime"),
  JUPYTER_CONFIG_DIR: path.join(LOCAL, "config"),
};
// Sign (trust) notebooks with nbformat's notary, as `jupyter trust` does (Debian's Jupyter has no jupyter-trust).
const TRUST =
  "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nn = NotebookNotary()\nfor f in sys.argv[1:]:\n    n.sign(nbformat.read(f, as_version=4))\n";
const notebooks = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => path.join(ROOT, "notebooks", f));
if (notebooks.length > 0) {
  const r = spawnSync(PYTHON, ["-c", TRUST, ...notebooks], { env, encoding: "utf8" });
  if (r.status !== 0)
    process.stderr.write(`mflab: could not mark the notebooks as trusted (their saved figures will not render until re-run):\n${r.stderr}\n`);
}

const args = [
  "-m",
  "notebook",
  "--no-browser",
  `--notebook-dir=${path.join(ROOT, "notebooks")}`,
  `--ip=${process.env.MFLAB_NOTEBOOK_IP || "127.0.0.1"}`,
  `--port=${process.env.MFLAB_NOTEBOOK_PORT || "8888"}`,
];
if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
const child = spawn(PYTHON, args, { env, stdio: ["ignore", "inherit", "pipe"] });
let announced = false;
child.stderr.on("data", (chunk) => {
  const text = String(chunk);
  process.stderr.write(text);
  const m = /(http:\/\/(?:127\.0\.0\.1|localhost)[^\s]*token=[0-9a-f]+)/.exec(text);
  if (m && !announced) {
    announced = true;
    process.stdout.write(
      `\nmflab: Jupyter is running with the TypeScript (tslab) kernel:\n  ${m[1]}\n(open a notebook in notebooks/, kernel "TypeScript"; Ctrl-C to stop)\n\n`,
    );
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));
