/**
 * The layer plan (README "Layout", .dependency-cruiser.cjs) is enforced, not reviewed: dependency-cruiser runs over
 * src/ and must report nothing; the same rules run over a small fixture with an upward import and a cycle must
 * report both (so the check can fail).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules", ".bin", "depcruise");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ["src", "--config", CONFIG, "--output-type", "err"], { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("layers point one way", () => {
  it("src/ has no upward import and no import cycle", () => {
    const { status, out } = cruise(ROOT);
    expect(out).toMatch(/no dependency violations found/);
    expect(status).toBe(0);
  });

  it("the rules catch an upward import and a cycle (fixture)", () => {
    const { status, out } = cruise(path.join(ROOT, "test", "fixtures", "layers"));
    expect(status).not.toBe(0);
    expect(out).toMatch(/no-upward-from-data-linalg: src\/data\/load\.ts → src\/experiment\/runner\.ts/);
    expect(out).toMatch(/no-cycles: src\/core\/a\.ts/);
  });
});
