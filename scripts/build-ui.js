#!/usr/bin/env node
/**
 * Build step of `mflab ui`'s page: bundle web/main.ts (typed page code, type-checked with the tests by
 * `npm run check`) with esbuild into dist/ui/web/app.js (one minified IIFE, no inline code needed), and copy
 * web/index.html and web/app.css next to it. The server (src/ui/server.ts) serves these three files and the
 * vendored plotly bundle, nothing else. Runs after tsc in `npm run build`.
 */

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** Bundle and copy into `outDir` (default dist/ui/web). Returns the files written. */
async function buildUi(outDir = path.join(ROOT, "dist", "ui", "web")) {
  const esbuild = require("esbuild");
  const t0 = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, "web", "main.ts")],
    outfile: path.join(outDir, "app.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome100", "firefox100", "safari15"],
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  for (const name of ["index.html", "app.css"]) fs.copyFileSync(path.join(ROOT, "web", name), path.join(outDir, name));
  const size = fs.statSync(path.join(outDir, "app.js")).size;
  console.log(
    `build-ui: wrote ${path.relative(ROOT, outDir)}/ (app.js ${(size / 1024).toFixed(1)} KiB, index.html, app.css) in ${Date.now() - t0} ms`,
  );
  return ["app.js", "index.html", "app.css"].map((n) => path.join(outDir, n));
}

module.exports = { buildUi };

if (require.main === module) {
  buildUi().catch((e) => {
    console.error(`build-ui: ${e.message}`);
    process.exit(1);
  });
}
