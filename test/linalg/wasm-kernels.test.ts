/**
 * The WebAssembly text kernels (src/linalg/wasm/*.wat): each compiles with wabt, the bytes the library loads
 * are those of the current text, and the function bodies are pinned.
 *
 * Why pin: WebAssembly has no fused multiply-add, so a kernel's results are fixed by its instruction sequence;
 * reordering two additions changes the rounding. The SHA-256 below are of the code section (the function bodies,
 * locals included) of the modules that the earlier TypeScript opcode assembler (src/linalg/wasm-asm.ts, removed)
 * produced at commit 8ae82f7, the code that the agreement tests and benchmarks validated; the .wat sources were
 * written to compile to exactly those bytes (whole modules byte-identical, checked when they replaced it). An
 * intended change to a kernel updates its hash here, after the agreement tests in this folder pass
 * (simd-cg.test.ts: bitwise equal to the scalar twin; gram / simd-cholesky: ml-matrix and scalar oracles).
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { kernelBytes, kernelModule, wasmApi, type KernelName } from "../../src/linalg/wasm/load";

const WAT_DIR = path.resolve(__dirname, "../../src/linalg/wasm");

/** SHA-256 of the code section of each kernel (see above). */
const CODE_SECTION_SHA256: Record<KernelName, string> = {
  gram: "8503eabb1b9a847bc8d09fe5ddf831150a94a361b03b0e049c859f7c0f6e6a2d",
  cholesky: "f05bc4442255a67cbb1e7952612c6cd4e6eec09b7aadde9d416e5ac63af8127f",
  cg: "73d64f3f27e07b0156fbc6256dbbbc16b14b04121df8c27019a3f4ae246b8e62",
  // sgd.wat (issue 15): written as text; validated by test/linalg/simd-sgd.test.ts (bitwise equal to sgdEpoch / svdEval).
  sgd: "5791dd5d8531a66bf98303fbdad1aebbd75c907200cb0079c0e7bc68f3503c8b",
  // nmf.wat (issue 15): validated by test/linalg/simd-nmf.test.ts (bitwise equal to fitNmf's scalar loop).
  nmf: "6bcd8e734639b9475b57591cfcfdca15d1b699ca9cf6ba9bd7a16ebc56dc1273",
};

/** The one export of each kernel. */
const EXPORTS: Record<KernelName, string[]> = { gram: ["gram"], cholesky: ["solve"], cg: ["pass"], sgd: ["epoch", "evaluate"], nmf: ["accumulate"] };

type BuildWasm = { compileWat(wabt: unknown, file: string): Uint8Array };
type WabtFactory = () => Promise<unknown>;

/** The body of section `id` of a binary module (sections: id byte, LEB128 size, body). */
function section(bytes: Uint8Array, id: number): Uint8Array {
  let i = 8; // magic + version
  while (i < bytes.length) {
    const sid = bytes[i++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[i++];
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    if (sid === id) return bytes.subarray(i, i + size);
    i += size;
  }
  throw new Error(`no section ${id}`);
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe("WebAssembly text kernels (src/linalg/wasm/*.wat)", () => {
  const names = Object.keys(CODE_SECTION_SHA256) as KernelName[];

  it("compile with wabt to the pinned function bodies, and the library loads exactly those bytes", async () => {
    // Plain CommonJS outside src/ (the build script and the devDependency), loaded with Node's require.
    const { compileWat } = require(path.resolve(__dirname, "../../scripts/build-wasm.js")) as BuildWasm;
    const wabt = await (require("wabt") as WabtFactory)();
    for (const name of names) {
      const compiled = compileWat(wabt, path.join(WAT_DIR, `${name}.wat`));
      expect(sha256(section(compiled, 10)), `${name}.wat code section`).toBe(CODE_SECTION_SHA256[name]);
      const loaded = kernelBytes(name);
      expect(loaded, `${name}.wasm found`).not.toBeNull();
      expect(Buffer.from(loaded!).equals(Buffer.from(compiled)), `${name}.wasm is the compiled ${name}.wat`).toBe(true);
    }
  });

  it("validate and compile on this Node, each with its exports; a truncated copy does not validate", () => {
    const api = wasmApi()!;
    for (const name of names) {
      const bytes = kernelBytes(name)!;
      expect(api.validate(bytes), name).toBe(true);
      expect(api.validate(bytes.slice(0, -3)), `${name} truncated`).toBe(false);
      expect(kernelModule(name), name).not.toBeNull();
      const exportsOf = (api.Module as unknown as { exports(m: object): { name: string }[] }).exports;
      expect(
        exportsOf(kernelModule(name)!).map((e) => e.name),
        name,
      ).toEqual(EXPORTS[name]);
    }
  });
});
