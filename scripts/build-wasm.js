#!/usr/bin/env node
/**
 * Compiles the WebAssembly text kernels src/linalg/wasm/*.wat into dist/linalg/wasm/*.wasm with wabt (the
 * WebAssembly Binary Toolkit built to JS/wasm; a devDependency, pinned, so the same text always gives the same
 * bytes). Run after `tsc` by `npm run build` and by scripts/bootstrap.js; vitest runs it before the tests
 * (test/global-setup.ts), so tests that import src/ never use binaries older than the text.
 *
 * The runtime (src/linalg/wasm/load.ts) reads the .wasm files next to the built JS and never needs wabt. No
 * compiled binary is committed: dist/ is not in git.
 *
 * Writes a file only when its bytes change (mtimes stay put otherwise); prints one line.
 *
 * Usage: node scripts/build-wasm.js [--out <dir>]
 */

const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const SRC = path.join(ROOT, "src", "linalg", "wasm");
const OUT = path.join(ROOT, "dist", "linalg", "wasm");

/** The WebAssembly features the kernels use (wabt rejects any other post-MVP instruction). */
const FEATURES = { simd: true };

/**
 * Compile one WebAssembly text source to a validated binary module (no name section, canonical LEBs).
 * @param wabt the instance `await require("wabt")()`
 * @throws Error with wabt's message (file:line:column) when the text does not parse or validate
 */
function compileWat(wabt, file) {
  const module = wabt.parseWat(path.basename(file), fs.readFileSync(file, "utf8"), FEATURES);
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

/**
 * Compile every `*.wat` of `srcDir` into `outDir/<name>.wasm`.
 * @returns the names compiled and those whose file was (re)written
 */
async function buildWasm({ srcDir = SRC, outDir = OUT } = {}) {
  let wabtFactory;
  try {
    wabtFactory = require("wabt");
  } catch {
    throw new Error("build-wasm: the wabt package is not installed (it is a devDependency: npm install)");
  }
  const wabt = await wabtFactory();
  const names = fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith(".wat"))
    .sort();
  const written = [];
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of names) {
    const bytes = compileWat(wabt, path.join(srcDir, file));
    const out = path.join(outDir, file.replace(/\.wat$/, ".wasm"));
    let old;
    try {
      old = fs.readFileSync(out);
    } catch {
      old = undefined;
    }
    if (old === undefined || Buffer.compare(old, Buffer.from(bytes)) !== 0) {
      fs.writeFileSync(out, bytes);
      written.push(file);
    }
  }
  return { names: names.map((f) => f.replace(/\.wat$/, "")), written: written.map((f) => f.replace(/\.wat$/, "")) };
}

async function main(argv) {
  const outIdx = argv.indexOf("--out");
  const outDir = outIdx >= 0 ? path.resolve(argv[outIdx + 1]) : OUT;
  const { names, written } = await buildWasm({ outDir });
  const rel = path.relative(ROOT, outDir) || ".";
  const what = written.length === 0 ? "up to date" : `wrote ${written.map((n) => `${n}.wasm`).join(", ")}`;
  console.log(`build-wasm: ${rel}/ ${what} (${names.length} kernels: ${names.join(", ")})`);
}

module.exports = { buildWasm, compileWat, FEATURES };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
