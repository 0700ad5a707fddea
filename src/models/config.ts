/**
 * Declarative validation for model configs: each field has a rule; unknown keys are refused with a
 * "did you mean" suggestion; every message names the model and the key.
 */
import { SpecError } from "../core/errors";

export type FieldRule =
  | { type: "int"; min?: number; max?: number; doc: string }
  | { type: "number"; min?: number; max?: number; exclusiveMin?: boolean; doc: string }
  | { type: "boolean"; doc: string }
  | { type: "enum"; values: readonly string[]; doc: string };

export type ConfigRules<C> = { readonly [K in keyof C]-?: FieldRule };

/**
 * Merge `partial` over `defaults` and validate each field against `rules`.
 * @throws SpecError `<model> config: <key> must be …` for the first offending key
 */
export function validateConfig<C extends object>(
  model: string,
  defaults: Readonly<C>,
  rules: ConfigRules<C>,
  partial: Record<string, unknown>,
): C {
  const where = `${model} config`;
  if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
    throw new SpecError("", `must be an object of parameters, got ${describe(partial)}`, where);
  }
  const known = Object.keys(rules);
  for (const key of Object.keys(partial)) {
    if (key === "model") continue;
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw new SpecError(
        key,
        `is not a parameter of ${model}${hint ? ` (did you mean "${hint}"?)` : ""}; known: ${known.join(", ")}`,
        where,
      );
    }
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const key of known) {
    const value = key in partial ? partial[key] : (defaults as Record<string, unknown>)[key];
    out[key] = checkField(where, key, value, (rules as Record<string, FieldRule>)[key]);
  }
  return out as C;
}

function checkField(where: string, key: string, value: unknown, rule: FieldRule): unknown {
  switch (rule.type) {
    case "boolean":
      if (typeof value !== "boolean") throw new SpecError(key, `must be true or false, got ${describe(value)}`, where);
      return value;
    case "enum":
      if (typeof value !== "string" || !rule.values.includes(value)) {
        throw new SpecError(key, `must be one of ${rule.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(value)}`, where);
      }
      return value;
    case "int":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new SpecError(key, `must be a finite number, got ${describe(value)}`, where);
      }
      if (rule.type === "int" && !Number.isInteger(value)) throw new SpecError(key, `must be an integer, got ${value}`, where);
      if (rule.min !== undefined) {
        const exclusive = rule.type === "number" && rule.exclusiveMin;
        if (exclusive ? !(value > rule.min) : !(value >= rule.min)) {
          throw new SpecError(key, `must be ${exclusive ? ">" : "≥"} ${rule.min}, got ${value}`, where);
        }
      }
      if (rule.max !== undefined && !(value <= rule.max)) throw new SpecError(key, `must be ≤ ${rule.max}, got ${value}`, where);
      return value;
    }
  }
}

/** A short description of a JSON value for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

/** The candidate closest to `word` by edit distance, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
