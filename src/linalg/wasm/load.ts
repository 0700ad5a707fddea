/**
 * Loading the WebAssembly kernels of this folder (gram.wat, cholesky.wat, cg.wat, sgd.wat, nmf.wat): find the compiled bytes,
 * compile them once, instantiate them with a memory of the size a caller needs. Every kernel has a scalar
 * TypeScript fallback, used whenever something here returns null.
 *
 * Where the bytes come from: the .wat sources are compiled by wabt at build time (scripts/build-wasm.js, part
 * of `npm run build`) into `dist/linalg/wasm/<name>.wasm`, which ships with the package next to this module's
 * built JS (found at `path.join(__dirname, "<name>.wasm")`). When running from the TypeScript sources (vitest,
 * or the esbuild-transpiled ALS workers), `__dirname` is src/linalg/wasm and the repository's built copy in
 * `dist/linalg/wasm/` is used instead; vitest rebuilds it from the .wat before the tests
 * (test/global-setup.ts), so tests never run a binary older than its text. wabt is not needed at run time.
 * A missing file, a runtime without WebAssembly or without SIMD all give null: the scalar paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The kernels: `<name>.wat` in src/linalg/wasm, compiled to `<name>.wasm`. */
export type KernelName = "gram" | "cholesky" | "cg" | "sgd" | "nmf";

/** The subset of the WebAssembly JS API used here (the DOM lib that declares it is not in this project). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
}

/** The global WebAssembly object, when this runtime has one. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** Where `<name>.wasm` may be, in order: next to this module (built), then the repository's dist/ (from src/). */
function kernelPaths(name: KernelName): string[] {
  const file = `${name}.wasm`;
  return [path.join(__dirname, file), path.join(__dirname, "../../../dist/linalg/wasm", file)];
}

const bytesCache = new Map<KernelName, Uint8Array | null>();
const moduleCache = new Map<KernelName, object | null>();

/** The compiled kernel `<name>.wasm` (read once), or null when no built copy is found. Never throws. */
export function kernelBytes(name: KernelName): Uint8Array | null {
  let bytes = bytesCache.get(name);
  if (bytes === undefined) {
    bytes = null;
    for (const p of kernelPaths(name)) {
      try {
        bytes = new Uint8Array(fs.readFileSync(p));
        break;
      } catch {
        // not there: try the next place
      }
    }
    bytesCache.set(name, bytes);
  }
  return bytes;
}

/**
 * The kernel compiled once per process: the module, or null where its bytes are missing, WebAssembly or its
 * SIMD proposal is unavailable. Never throws.
 */
export function kernelModule(name: KernelName): object | null {
  let module = moduleCache.get(name);
  if (module === undefined) {
    const bytes = kernelBytes(name);
    module = bytes === null ? null : compileModule(bytes);
    moduleCache.set(name, module);
  }
  return module;
}

/**
 * Compile `bytes`: the module, or null where WebAssembly or a feature the module uses (SIMD) is unavailable,
 * or the bytes are not a valid module. Never throws.
 */
export function compileModule(bytes: Uint8Array): object | null {
  const api = wasmApi();
  try {
    return api?.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

/** Pages (64 KiB) of the largest memory {@link instantiateWithMemory} creates. */
export const MAX_WASM_PAGES = 65536;

/**
 * Instantiate `module` with a fresh memory `env.mem` (the one import of every kernel here) of at least
 * `doubles` Float64 entries.
 * @returns the exports and a Float64Array over the whole memory, or null when `module` is null or the memory
 *   cannot be had (more than 4 GiB, or the allocation fails)
 */
export function instantiateWithMemory(module: object | null, doubles: number): { exports: Record<string, unknown>; memory: Float64Array } | null {
  const api = wasmApi();
  if (module === null || api === undefined) return null;
  const pages = Math.max(1, Math.ceil((doubles * 8) / 65536));
  // A 32-bit wasm memory holds at most 65536 pages (4 GiB); larger scratch (or a failed allocation) means the
  // caller's scalar fallback, which works on ordinary typed arrays.
  if (pages > MAX_WASM_PAGES) return null;
  let mem: { buffer: ArrayBuffer };
  try {
    mem = new api.Memory({ initial: pages });
  } catch {
    return null;
  }
  const instance = new api.Instance(module, { env: { mem } });
  return { exports: instance.exports, memory: new Float64Array(mem.buffer) };
}
