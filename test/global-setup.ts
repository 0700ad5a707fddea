/**
 * Vitest global setup: compile the WebAssembly text kernels (src/linalg/wasm/*.wat) with wabt into
 * dist/linalg/wasm/, where src/linalg/wasm/load.ts finds them when the tests import the TypeScript sources.
 * So the SIMD tests always run the current .wat, also in a fresh clone without `npm run build`. Files whose
 * bytes did not change are not rewritten.
 */
import * as path from "node:path";

export default async function setup(): Promise<void> {
  // scripts/ is plain CommonJS (it runs before any build); load it with Node's require, not through vite.
  const { buildWasm } = require(path.resolve(__dirname, "../scripts/build-wasm.js")) as {
    buildWasm(options?: { srcDir?: string; outDir?: string }): Promise<{ names: string[]; written: string[] }>;
  };
  await buildWasm();
}
