/**
 * A minimal WebAssembly assembler: just the opcodes mflab's kernels need (./simd, ./simd-cg, ./simd-cholesky),
 * so each kernel is assembled at load time from this repository's TypeScript source — no toolchain, no binary
 * blob. Instructions are plain byte arrays (`number[]`) concatenated with spread; a module is built with
 * {@link wasmModule}. Every kernel that uses this has a pure-TypeScript fallback and a test that both agree.
 */

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

/**
 * Compile `bytes` once per `cache` slot: the module, or null where WebAssembly or a feature the module uses
 * (SIMD) is unavailable. Never throws.
 */
export function compileModule(bytes: Uint8Array): object | null {
  const api = wasmApi();
  try {
    return api && api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * Instantiate `module` with a fresh memory `env.mem` of at least `doubles` Float64 entries.
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

/** Pages (64 KiB) of the largest memory {@link instantiateWithMemory} creates. */
export const MAX_WASM_PAGES = 65536;

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Value types.
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

// Locals and constants.
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32 = (v: number): number[] => [0x41, ...sleb(v)];
export const f64 = (v: number): number[] => [0x44, ...Array.from(new Uint8Array(new Float64Array([v]).buffer))];

// i32 arithmetic and comparisons.
export const ADD = [0x6a];
export const SUB = [0x6b];
export const MUL = [0x6c];
export const AND = [0x71];
export const SHL = [0x74];
export const EQZ = [0x45];
export const EQ = [0x46];
export const LT_S = [0x48];
export const GT_S = [0x4a];
export const LE_S = [0x4c];
export const GE_S = [0x4e];

// Control.
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = [0x05];
export const END = [0x0b];
export const RETURN = [0x0f];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];

// f64 scalar.
export const f64Load = (offset: number): number[] => [0x2b, 3, ...uleb(offset)];
export const f64Store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];
export const F64_ADD = [0xa0];
export const F64_SUB = [0xa1];
export const F64_MUL = [0xa2];
export const F64_DIV = [0xa3];
export const F64_SQRT = [0x9f];
export const F64_GT = [0x64];
export const F64_LE = [0x65];

// SIMD (f64x2).
export const simd = (opcode: number, ...imm: number[]): number[] => [0xfd, ...uleb(opcode), ...imm];
/** v128.load with alignment 2^3 and the given byte offset. */
export const v128Load = (offset = 0): number[] => simd(0x00, 3, ...uleb(offset));
/** v128.store with alignment 2^3 and the given byte offset. */
export const v128Store = (offset = 0): number[] => simd(0x0b, 3, ...uleb(offset));
export const V128_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
export const F64X2_SPLAT = simd(0x14);
export const F64X2_ADD = simd(0xf0);
export const F64X2_SUB = simd(0xf1);
export const F64X2_MUL = simd(0xf2);
export const lane = (l: number): number[] => simd(0x21, l);
/** v128.load64_splat (alignment 2^3, byte offset): both f64x2 lanes ← the f64 at the address. */
export const v128Load64Splat = (offset = 0): number[] => simd(0x0a, 3, ...uleb(offset));

/** `while (local < limit) { body }` as block/loop; `body` must advance the local (it ends with `br 0`). */
export const whileLt = (local: number, limit: number, body: number[]): number[] => [
  ...BLOCK,
  ...LOOP,
  ...get(local),
  ...get(limit),
  ...LT_S,
  ...EQZ,
  ...brIf(1),
  ...body,
  ...br(0),
  ...END,
  ...END,
];

/** `local += v` (i32). */
export const addTo = (local: number, v: number): number[] => [...get(local), ...i32(v), ...ADD, ...set(local)];

/** One function of a module: its signature, its extra locals (grouped by type) and its body (without END). */
export interface WasmFunction {
  name: string;
  params: number[];
  results: number[];
  locals: { count: number; type: number }[];
  body: number[];
}

/**
 * A module importing one memory `env.mem` (min 1 page) and exporting `functions` by name (each gets its own
 * type entry).
 */
export function wasmModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const codes = functions.map((f) => {
    const body = [...vec(f.locals.map((l) => [...uleb(l.count), l.type])), ...f.body, ...END];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("mem"), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ]); // prettier-ignore
}
