#!/usr/bin/env node
/**
 * Writes dist/vendor/plotly.min.js: node_modules/plotly.js-dist/plotly.js minified with esbuild, so HTML exports
 * and notebook outputs can inline plotly.js without any network access. Run after `tsc` by the build.
 *
 * Skips the work when the output is newer than the source and was made from the same plotly.js version
 * (recorded in dist/vendor/plotly.min.json); `--force` rebuilds anyway. Prints the sizes.
 *
 * Usage: node scripts/vendor-plotly.js [--force] [--out <file>]
 */

const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

function main(argv) {
  const root = path.resolve(__dirname, "..");
  const force = argv.includes("--force");
  const outIdx = argv.indexOf("--out");
  const out = outIdx >= 0 ? path.resolve(argv[outIdx + 1]) : path.join(root, "dist", "vendor", "plotly.min.js");
  const metaFile = out.replace(/\.js$/, ".json");

  let src;
  try {
    src = require.resolve("plotly.js-dist", { paths: [root] });
  } catch {
    console.error("vendor-plotly: plotly.js-dist is not installed (npm install plotly.js-dist)");
    return 1;
  }
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(src), "package.json"), "utf8")).version;

  if (!force && fs.existsSync(out) && fs.existsSync(metaFile)) {
    try {
      const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
      if (meta.version === version && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) {
        console.log(`vendor-plotly: ${path.relative(root, out)} is up to date (plotly.js ${version}, ${mb(fs.statSync(out).size)})`);
        return 0;
      }
    } catch {
      // fall through and rebuild
    }
  }

  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch {
    console.error("vendor-plotly: esbuild is not installed (it is a devDependency: npm install)");
    return 1;
  }
  const t0 = Date.now();
  const code = fs.readFileSync(src, "utf8");
  // legalComments "none": the bundle's license header is re-added below (MIT requires keeping it).
  const result = esbuild.transformSync(code, { minify: true, legalComments: "none", target: "es2018", charset: "utf8" });
  const header = `/*! plotly.js v${version} | (c) Plotly, Inc. | MIT License | minified by mflab (esbuild) */\n`;
  const min = header + result.code;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, min);
  fs.renameSync(tmp, out);
  const gz = zlib.gzipSync(Buffer.from(min), { level: 9 }).length;
  fs.writeFileSync(
    metaFile,
    `${JSON.stringify({ version, source: path.relative(root, src), bytes: Buffer.byteLength(min), gzipBytes: gz }, null, 2)}\n`,
  );
  console.log(
    `vendor-plotly: wrote ${path.relative(root, out)} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
      `${mb(code.length)} -> ${mb(Buffer.byteLength(min))} (gzip ${mb(gz)})`,
  );
  return 0;
}

function mb(n) {
  return `${(n / 1e6).toFixed(2)} MB`;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
module.exports = { main };
