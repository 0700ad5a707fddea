/**
 * A search space: each searched parameter is an integer range, a float range (either optionally on a log scale)
 * or a list of choices, as a spec writes it:
 *
 * ```json
 * "space": { "d": {"int": [1, 100], "log": true}, "lambda": {"float": [0.01, 20], "log": true},
 *            "similarity": {"choice": ["msd", "pearson"]} }
 * ```
 *
 * Numeric ranges are searched in a transformed coordinate (log x on a log scale, x otherwise); an integer range
 * [lo, hi] covers [lo − ½, hi + ½] there, so every integer has the same share of the line (Optuna's convention for
 * a step of 1). `points` gives a numeric range's grid points for the grid method (evenly spaced in the transformed
 * coordinate, integers rounded and deduplicated).
 */
import type { Rng } from "../../core/random";

export type Dimension =
  | { kind: "int"; low: number; high: number; log: boolean; points?: number }
  | { kind: "float"; low: number; high: number; log: boolean; points?: number }
  | { kind: "choice"; choices: unknown[] };

/** Parameter name → dimension, in the spec's key order (the order parameters are sampled in). */
export type SearchSpace = Record<string, Dimension>;

/** A numeric dimension's bounds in the transformed coordinate (integers widened by ½ on each side). */
export function transformedBounds(dim: Extract<Dimension, { kind: "int" | "float" }>): [number, number] {
  const low = dim.kind === "int" ? dim.low - 0.5 : dim.low;
  const high = dim.kind === "int" ? dim.high + 0.5 : dim.high;
  return dim.log ? [Math.log(low), Math.log(high)] : [low, high];
}

/** Transformed coordinate → a value of the dimension (integers rounded, clamped to the range). */
export function untransform(dim: Extract<Dimension, { kind: "int" | "float" }>, t: number): number {
  const x = dim.log ? Math.exp(t) : t;
  if (dim.kind === "int") return Math.min(dim.high, Math.max(dim.low, Math.round(x)));
  return Math.min(dim.high, Math.max(dim.low, x));
}

/** A value of the dimension → its transformed coordinate. */
export function transform(dim: Extract<Dimension, { kind: "int" | "float" }>, x: number): number {
  return dim.log ? Math.log(x) : x;
}

/** One uniform draw from the dimension (uniform in the transformed coordinate; a choice uniformly). */
export function sampleUniform(dim: Dimension, rng: Rng): unknown {
  if (dim.kind === "choice") return dim.choices[rng.int(dim.choices.length)];
  const [a, b] = transformedBounds(dim);
  return untransform(dim, a + (b - a) * rng.next());
}

/** The grid points of one dimension (module doc). */
export function gridPoints(dim: Dimension): unknown[] {
  if (dim.kind === "choice") return dim.choices.slice();
  const n = dim.points ?? 1;
  if (n === 1) return [dim.kind === "int" ? Math.round(dim.log ? Math.sqrt(dim.low * dim.high) : (dim.low + dim.high) / 2) : dim.low];
  const a = transform(dim, dim.low);
  const b = transform(dim, dim.high);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = k === n - 1 ? dim.high : k === 0 ? dim.low : dim.log ? Math.exp(a + ((b - a) * k) / (n - 1)) : a + ((b - a) * k) / (n - 1);
    const v = dim.kind === "int" ? Math.round(x) : Number(x.toPrecision(12));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Every cell of the grid of `space`, last key fastest (like a spec's grid). */
export function gridCells(space: SearchSpace): Record<string, unknown>[] {
  let cells: Record<string, unknown>[] = [{}];
  for (const [key, dim] of Object.entries(space)) {
    const next: Record<string, unknown>[] = [];
    for (const cell of cells) for (const v of gridPoints(dim)) next.push({ ...cell, [key]: v });
    cells = next;
  }
  return cells;
}
