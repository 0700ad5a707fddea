#!/usr/bin/env node
/*
 * Bootstrap: make a fresh clone runnable. Used by `npm run demo`, `npm test`, `npm run notebook`, `npm run bench`.
 *
 *   --build     npm dependencies (npm ci / npm install when node_modules is missing or stale) + TypeScript build
 *               + the WebAssembly kernels (dist/linalg/wasm/*.wasm, from src/linalg/wasm/*.wat)
 *               + the minified offline plotly bundle (dist/vendor/plotly.min.js)
 *   --jupyter   Jupyter Notebook + nbconvert + nbclient from Debian packages (apt-get, when root) and the tslab
 *               kernel registered in the project-local folder .jupyter/ (no global state)
 *   --chromium  Debian's Chromium at /usr/bin/chromium (or $MFLAB_CHROMIUM) for HTML checks and PNG export
 *   --numpy     Debian's python3-numpy under /usr/bin/python3 (or $MFLAB_PYTHON): the bench's in-run reference, the
 *               assignment's numpy ALS (scripts/bench-numpy-als.py)
 *   --redis     Debian's redis-server at /usr/bin/redis-server (or $MFLAB_REDIS_SERVER) for the queue tests, which
 *               start their own server on a free loopback port (installing the package may also start Debian's
 *               own service on port 6379; the tests do not use it)
 *
 * Plain Node (no dependencies), because it runs before `npm install`. Each step prints one line and is skipped
 * when already done. A step that cannot be done here stops with the exact command to run by hand.
 */

const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
const JUPYTER_PYTHON = process.env.MFLAB_PYTHON || "/usr/bin/python3";
const JUPYTER_PREFIX = path.join(ROOT, ".jupyter");
const CHROMIUM = process.env.MFLAB_CHROMIUM || "/usr/bin/chromium";
const REDIS_SERVER = process.env.MFLAB_REDIS_SERVER || "/usr/bin/redis-server";
const APT_JUPYTER = ["jupyter-notebook", "jupyter-nbconvert", "python3-nbclient"];

const args = new Set(process.argv.slice(2));

function log(msg) {
  process.stderr.write(`[mflab setup] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[mflab setup] ERROR: ${msg}\n`);
  process.exit(1);
}

function run(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: options.quiet ? "pipe" : "inherit", encoding: "utf8", env: options.env || process.env });
  if (r.error) return { ok: false, output: String(r.error.message) };
  return { ok: r.status === 0, output: `${r.stdout || ""}${r.stderr || ""}` };
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

function newestIn(dir, ext) {
  let newest = -1;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, mtime(p));
  }
  return newest;
}

function ensureNpmDependencies() {
  const marker = path.join(ROOT, "node_modules", ".package-lock.json");
  const lock = path.join(ROOT, "package-lock.json");
  const stale = mtime(marker) < 0 || mtime(lock) > mtime(marker) || mtime(path.join(ROOT, "package.json")) > mtime(marker);
  if (!stale) return;
  const useCi = fs.existsSync(lock) && mtime(marker) < 0;
  log(`installing npm dependencies (npm ${useCi ? "ci" : "install"}) …`);
  const r = run("npm", [useCi ? "ci" : "install", "--no-audit", "--no-fund"]);
  if (!r.ok) fail("npm dependency install failed (see above). Try: npm install");
  fs.utimesSync(marker, new Date(), new Date());
}

function ensureBuild() {
  const distIndex = path.join(ROOT, "dist", "index.js");
  const srcNewest = Math.max(newestIn(path.join(ROOT, "src"), ".ts"), mtime(path.join(ROOT, "tsconfig.json")));
  if (mtime(distIndex) < srcNewest) {
    log("building TypeScript (tsc -p tsconfig.json) …");
    const r = run(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
    if (!r.ok) fail("TypeScript build failed (see the errors above)");
    fs.utimesSync(distIndex, new Date(), new Date());
  }
  // The WebAssembly kernels (src/linalg/wasm/*.wat → dist/linalg/wasm/*.wasm); rewrites only changed files.
  const wasm = run(process.execPath, [path.join(ROOT, "scripts", "build-wasm.js")]);
  if (!wasm.ok) fail("could not compile the WebAssembly kernels (scripts/build-wasm.js)");
  const vendor = path.join(ROOT, "scripts", "vendor-plotly.js");
  if (fs.existsSync(vendor)) {
    const r = run(process.execPath, [vendor]);
    if (!r.ok) fail("could not prepare the offline plotly bundle (scripts/vendor-plotly.js)");
  }
  // The `mflab ui` page (web/ → dist/ui/web/, esbuild; a fraction of a second).
  const ui = run(process.execPath, [path.join(ROOT, "scripts", "build-ui.js")]);
  if (!ui.ok) fail("could not bundle the mflab ui page (scripts/build-ui.js)");
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function aptInstall(packages, why) {
  const line = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  if (!isRoot() || !fs.existsSync("/usr/bin/apt-get")) {
    fail(
      `${why} is missing and this user cannot install it. Install it by hand, then re-run:\n    sudo apt-get update && sudo apt-get install -y ${packages.join(" ")}`,
    );
  }
  log(`installing ${packages.join(", ")} from Debian packages (${why}) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const listsFresh = Date.now() - mtime("/var/lib/apt/lists/partial") < 6 * 3600e3;
  if (!listsFresh) run("apt-get", ["update", "-qq"], { env });
  let r = run("apt-get", ["install", "-y", "-qq", ...packages], { env });
  if (!r.ok) {
    run("apt-get", ["update", "-qq"], { env });
    r = run("apt-get", ["install", "-y", "-qq", ...packages], { env });
  }
  if (!r.ok) fail(`apt-get could not install ${packages.join(" ")}. Try by hand: ${line}`);
}

function ensureJupyter() {
  const probe = () => run(JUPYTER_PYTHON, ["-c", "import notebook, nbconvert, nbclient"], { quiet: true }).ok;
  if (!probe()) {
    if (JUPYTER_PYTHON !== "/usr/bin/python3") fail(`${JUPYTER_PYTHON} has no Jupyter (notebook, nbconvert, nbclient)`);
    aptInstall(APT_JUPYTER, "Jupyter (notebook, nbconvert, nbclient)");
    if (!probe()) fail("Jupyter still not importable from /usr/bin/python3 after apt-get install");
  }
  const tslab = path.join(ROOT, "node_modules", ".bin", "tslab");
  const spec = path.join(JUPYTER_PREFIX, "share", "jupyter", "kernels", "tslab", "kernel.json");
  let registered = false;
  try {
    registered = JSON.parse(fs.readFileSync(spec, "utf8")).argv[0] === tslab;
  } catch {
    registered = false;
  }
  if (!registered) {
    log(`registering the tslab TypeScript kernel in ${path.relative(ROOT, JUPYTER_PREFIX)}/ …`);
    const r = run(tslab, ["install", "--python", JUPYTER_PYTHON, "--binary", tslab, "--prefix", JUPYTER_PREFIX], { quiet: true });
    if (!r.ok) fail(`tslab kernel registration failed:\n${r.output}`);
  }
}

function ensureChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    if (process.env.MFLAB_CHROMIUM) fail(`MFLAB_CHROMIUM=${CHROMIUM} does not exist`);
    aptInstall(["chromium"], "Chromium (headless browser for HTML checks and PNG export)");
    if (!fs.existsSync(CHROMIUM)) fail(`Chromium still not found at ${CHROMIUM}`);
  }
  // xdg-open: the desktop opener `mflab ui --open` starts (its test runs it for real, and skips, saying so, where
  // it cannot be installed)
  if (!fs.existsSync("/usr/bin/xdg-open") && isRoot() && fs.existsSync("/usr/bin/apt-get"))
    aptInstall(["xdg-utils"], "xdg-utils (xdg-open, which `mflab ui --open` starts)");
}

function ensureNumpy() {
  const probe = () => run(JUPYTER_PYTHON, ["-c", "import numpy"], { quiet: true }).ok;
  if (probe()) return;
  if (JUPYTER_PYTHON !== "/usr/bin/python3") fail(`${JUPYTER_PYTHON} has no numpy`);
  aptInstall(["python3-numpy"], "NumPy (the bench's reference: the assignment's numpy ALS)");
  if (!probe()) fail("numpy still not importable from /usr/bin/python3 after apt-get install");
}

function ensureRedis() {
  if (fs.existsSync(REDIS_SERVER)) return;
  if (process.env.MFLAB_REDIS_SERVER) fail(`MFLAB_REDIS_SERVER=${REDIS_SERVER} does not exist`);
  aptInstall(["redis-server"], "redis-server (the Redis server the queue tests start)");
  if (!fs.existsSync(REDIS_SERVER)) fail(`redis-server still not found at ${REDIS_SERVER}`);
}

if (args.has("--build")) {
  ensureNpmDependencies();
  ensureBuild();
}
if (args.has("--jupyter")) ensureJupyter();
if (args.has("--chromium")) ensureChromium();
if (args.has("--numpy")) ensureNumpy();
if (args.has("--redis")) ensureRedis();
