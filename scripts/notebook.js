#!/usr/bin/env node
/*
 * `npm run notebook`: Jupyter Notebook on notebooks/ with the project-local tslab kernel (after the bootstrap has
 * registered it in .jupyter/). Marks the committed notebooks as trusted first, so their saved plotly outputs render
 * offline when opened. Prints the URL; Ctrl-C stops the server.
 *   MFLAB_NOTEBOOK_PORT (default 8888), MFLAB_NOTEBOOK_IP (default 127.0.0.1)
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const PYTHON = process.env.MFLAB_PYTHON || "/usr/bin/python3";
const env = { ...process.env, JUPYTER_PATH: path.join(ROOT, ".jupyter", "share", "jupyter") };
const notebooks = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => path.join(ROOT, "notebooks", f));
if (notebooks.length > 0) spawnSync(PYTHON, ["-m", "jupyter", "trust", ...notebooks], { env, stdio: "ignore" });

const args = [
  "-m", "notebook", "--no-browser",
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
    process.stdout.write(`\nmflab: Jupyter is running with the TypeScript (tslab) kernel:\n  ${m[1]}\n(open a notebook in notebooks/, kernel "TypeScript"; Ctrl-C to stop)\n\n`);
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code) => process.exit(code ?? 0));
