/**
 * Structural validation of experiment specs with ajv against {@link SPEC_SCHEMA}, and the translation of ajv's
 * errors into our messages. ajv decides validity; the wording is ours:
 *
 * - ajv runs with `allErrors`; each error becomes an issue (JSON path as keys/indices, the key named by an
 *   `additionalProperties` or `required` error appended). The issue reported is the first in the order the
 *   hand-written validator used to check things (root type, unknown top-level keys, name, description, data,
 *   seed, evaluation, models, folds, repeats; inside data: kind, unknown keys, then fields in schema order).
 * - {@link specMessage} / {@link dataMessage} / {@link foldsMessage} map the issue's path (and keyword, where
 *   it matters) to a message built from the offending value, so wording does not depend on ajv's keyword order:
 *   `grid.lambda[2] …`, `models[0].grid.d is an empty list: …`, `data.split must be one of …`, unknown keys
 *   and enum values with a "did you mean" from {@link closest}.
 *
 * The validators are compiled once, on first use.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { SpecError } from "../core/errors";
import { closest, describe } from "../models/config";
import { DATA_KINDS, SPEC_SCHEMA, schemaKeys, type SchemaNode } from "./spec-schema";

type Segment = string | number;

/** One schema failure: where (path from the validated value), which keyword, and that keyword's params. */
interface Issue {
  path: Segment[];
  keyword: string;
  params: Record<string, unknown>;
}

/** What a check validates: a whole spec, a data spec, or a `folds` value. */
export type SchemaPart = "spec" | "data" | "folds";

let compiled: Record<SchemaPart, ValidateFunction> | undefined;

function validator(part: SchemaPart): ValidateFunction {
  if (!compiled) {
    // Patterns are plain JavaScript RegExps (no "u" flag), as the hand-written checks were.
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, unicodeRegExp: false });
    ajv.addSchema(SPEC_SCHEMA, "mflab-spec");
    compiled = {
      spec: ajv.getSchema("mflab-spec")!,
      data: ajv.compile({ $ref: "mflab-spec#/$defs/data" }),
      folds: ajv.compile({ $ref: "mflab-spec#/$defs/folds" }),
    };
  }
  return compiled[part];
}

/**
 * Validate `value` against the schema part; on failure throw a SpecError for the first issue.
 * @param where JSON path of `value` in messages ("" for a whole spec, "data", "experiments[0].data", "folds")
 */
export function checkSchema(part: SchemaPart, value: unknown, where: string, file?: string): void {
  const validate = validator(part);
  if (validate(value)) return;
  const issues = (validate.errors ?? []).filter((e) => e.keyword !== "if").map((e) => toIssue(e, value));
  if (issues.length === 0) throw new SpecError(where, "does not match the spec schema", file);
  const ranked = issues.map((issue, k) => ({ issue, rank: [...rankOf(part, issue, value), k] }));
  ranked.sort((a, b) => compareRanks(a.rank, b.rank));
  const { issue } = ranked[0];
  const [path, reason] =
    part === "spec" ? specMessage(issue, value) : part === "data" ? prefixed(where, dataMessage(issue, value)) : prefixed(where, foldsMessage(issue, value));
  throw new SpecError(path, reason, file);
}

function prefixed(where: string, [rel, reason]: [Segment[], string]): [string, string] {
  return [join(where, rel), reason];
}

/** `a.b[2].c`; a leading index or key is appended to `base` the same way. */
function join(base: string, segments: readonly Segment[]): string {
  let s = base;
  segments.forEach((seg, k) => {
    if (typeof seg === "number") s += `[${seg}]`;
    else s = k === 0 && base === "" ? seg : `${s}.${seg}`;
  });
  return s;
}

function toIssue(e: ErrorObject, root: unknown): Issue {
  const raw = e.instancePath === "" ? [] : e.instancePath.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const path: Segment[] = [];
  let v: unknown = root;
  for (const seg of raw) {
    const key: Segment = Array.isArray(v) && /^\d+$/.test(seg) ? Number(seg) : seg;
    path.push(key);
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  }
  const params = e.params as Record<string, unknown>;
  if (e.keyword === "additionalProperties") path.push(String(params.additionalProperty));
  if (e.keyword === "required") path.push(String(params.missingProperty));
  return { path, keyword: e.keyword, params };
}

function at(root: unknown, path: readonly Segment[]): unknown {
  let v = root;
  for (const seg of path) v = v !== null && typeof v === "object" ? (v as Record<Segment, unknown>)[seg] : undefined;
  return v;
}

function compareRanks(a: number[], b: number[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] - b[k];
  return a.length - b.length;
}

/** Position of `key` among the own keys of `obj` (inherited keys last). */
function keyIndex(obj: unknown, key: Segment): number {
  const k = obj !== null && typeof obj === "object" ? Object.keys(obj).indexOf(String(key)) : -1;
  return k < 0 ? Number.MAX_SAFE_INTEGER : k;
}

// ---------------------------------------------------------------------------------------------------------
// Which issue is reported first

const TOP_ORDER = ["name", "description", "data", "seed", "evaluation", "models", "model", "params", "grid", "folds", "repeats"];
const MODEL_FIELDS = ["model", "params", "grid"];

function rankOf(part: SchemaPart, issue: Issue, root: unknown): number[] {
  if (part === "data") return dataRank(issue.path, issue, root);
  if (part === "folds") return foldsRank(issue.path, issue);
  const p = issue.path;
  if (p.length === 0) return issue.keyword === "not" ? [2 + TOP_ORDER.indexOf("models"), 0] : [0];
  if (p.length === 1 && issue.keyword === "additionalProperties") return [1];
  const top = String(p[0]);
  const area = 2 + TOP_ORDER.indexOf(top);
  const spec = root as Record<string, unknown>;
  switch (top) {
    case "data":
      return [area, ...(p.length === 1 && issue.keyword === "required" ? [-1] : dataRank(p.slice(1), issue, spec.data))];
    case "evaluation":
      return [area, ...(p.length === 1 ? [0] : [1, keyIndex(spec.evaluation, p[1])])];
    case "models": {
      const m = 2 + TOP_ORDER.indexOf("models");
      if (p.length === 1) return [m, 1];
      const k = Number(p[1]);
      if (p.length === 2 || (p.length === 3 && issue.keyword === "additionalProperties")) return [m, 2, k];
      return [m, 3, k, ...fieldRank(p.slice(2), at(spec, ["models", k]))];
    }
    case "model":
    case "params":
    case "grid":
      return [2 + TOP_ORDER.indexOf("models"), 3, 0, ...fieldRank(p, spec)];
    case "folds":
      return [area, ...foldsRank(p.slice(1), issue)];
    default:
      return [area];
  }
}

/** model, params, grid, then grid axes in key order. */
function fieldRank(p: readonly Segment[], entry: unknown): number[] {
  const f = MODEL_FIELDS.indexOf(String(p[0]));
  if (p[0] === "grid" && p.length > 1) return [f, 1, keyIndex(at(entry, ["grid"]), p[1])];
  return [f, 0];
}

/** Data kinds whose fields are checked in another order than they are listed (the input policies first). */
const CHECK_ORDER: Record<string, string[]> = { "movielens-100k": ["kind", "path", "split", "duplicates", "outOfScale", "testFraction", "seed"] };

/** Not an object; kind missing; kind wrong; unknown keys; then fields in schema order. */
function dataRank(p: readonly Segment[], issue: Issue, data: unknown): number[] {
  if (p.length === 0) return [0];
  if (p[0] === "kind") return [issue.keyword === "required" ? 1 : 2];
  if (p.length === 1 && issue.keyword === "additionalProperties") return [3];
  const kind = String(at(data, ["kind"]));
  const fields = CHECK_ORDER[kind] ?? ((DATA_KINDS as readonly string[]).includes(kind) ? schemaKeys(kind) : []);
  const f = fields.indexOf(String(p[0]));
  if (p[0] === "columns" && p.length > 1) return [4, f, 1, keyIndex(at(data, ["columns"]), p[1])];
  return [4, f, 0];
}

/** The value itself (type, range, empty); then the names in order; then repeats. */
function foldsRank(p: readonly Segment[], issue: Issue): number[] {
  if (p.length > 0) return [1, Number(p[0])];
  return issue.keyword === "uniqueItems" ? [2] : [0];
}

// ---------------------------------------------------------------------------------------------------------
// Messages

const hintFor = (word: unknown, candidates: readonly string[]): string => {
  const hint = typeof word === "string" ? closest(word, candidates) : undefined;
  return hint ? ` (did you mean "${hint}"?)` : "";
};
const quoted = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(", ");
const enumOf = (def: string, key: string): string[] =>
  ((SPEC_SCHEMA.$defs as Record<string, SchemaNode>)[def].properties as Record<string, SchemaNode>)[key].enum as string[];

/** `must be one of "a", "b" (did you mean "b"?), got "c"` */
function oneOf(values: readonly string[], v: unknown): string {
  return `must be one of ${quoted(values)}${hintFor(v, values)}, got ${describe(v)}`;
}

/** The shape of `ratingScale` (also used for min ≥ max, checked as code). */
export function ratingScaleMessage(sc: unknown): string {
  return `must be [min, max] with finite numbers min < max, such as [1, 5], got ${Array.isArray(sc) ? jsonShort(sc) : describe(sc)}`;
}

function jsonShort(v: unknown): string {
  let t: string;
  try {
    t = JSON.stringify(v) ?? String(v);
  } catch {
    t = String(v);
  }
  return t.length > 60 ? t.slice(0, 60) + "…" : t;
}

/** Message for an issue inside a data spec: [path relative to the data spec, reason]. */
function dataMessage(issue: Issue, data: unknown): [Segment[], string] {
  const p = issue.path;
  const v = at(data, p);
  const kinds = quoted(DATA_KINDS);
  if (p.length === 0) return [[], `must be an object such as {"kind": "synthetic"}, got ${describe(data)}`];
  const key = String(p[0]);
  if (key === "kind" && p.length === 1) {
    if (issue.keyword === "required") return [p, `is required (one of ${kinds})`];
    return [p, `must be one of ${kinds}${hintFor(v, DATA_KINDS)}, got ${describe(v)}`];
  }
  const kind = String(at(data, ["kind"]));
  if (p.length === 1 && issue.keyword === "additionalProperties") {
    const known = schemaKeys(kind);
    return [p, `is not a field of a "${kind}" data spec${hintFor(key, known)}; known: ${known.join(", ")}`];
  }
  switch (key) {
    case "nUsers":
    case "nItems":
    case "nRatings":
    case "rank": {
      if (typeof v !== "number" || !Number.isInteger(v)) return [p, `must be an integer, got ${describe(v)}`];
      const min = ((SPEC_SCHEMA.$defs as Record<string, SchemaNode>).synthetic.properties as Record<string, SchemaNode>)[key].minimum;
      return [p, `must be ≥ ${min}, got ${v}`];
    }
    case "noise":
      return [p, `must be a finite number ≥ 0, got ${describe(v)}`];
    case "testFraction":
      return [p, `must be a number between 0 and 1 (exclusive), got ${describe(v)}`];
    case "seed":
      return [p, `must be an integer, got ${describe(v)}`];
    case "path":
    case "train":
    case "test":
      if (issue.keyword === "required") return [p, "is required (a path)"];
      return [p, `must be a non-empty string (a path), got ${describe(v)}`];
    case "split":
      return [p, `must be one of u1..u5, ua, ub, holdout, got ${describe(v)}`];
    case "duplicates":
    case "outOfScale":
    case "format":
      return [p, oneOf(enumOf(kind, key), v)];
    case "ratingScale":
      return [[key], ratingScaleMessage(at(data, [key]))];
    case "delimiter":
      return [p, `must be a short separator string such as "," or "\\t", got ${describe(v)}`];
    case "columns": {
      if (p.length === 1) return [p, `must be an object such as {"user": "userId", "item": "movieId", "rating": "rating"}, got ${describe(v)}`];
      const role = String(p[1]);
      const roles = Object.keys(((SPEC_SCHEMA.$defs as Record<string, SchemaNode>)["ratings-file"].properties as Record<string, SchemaNode>).columns.properties as object);
      if (issue.keyword === "additionalProperties") return [[key, role], `is not a column role${hintFor(role, roles)}; known: ${roles.join(", ")}`];
      return [[key, role], `must be a header name (non-empty string), got ${describe(at(data, [key, role]))}`];
    }
    default:
      return [p, `is not valid here (${issue.keyword})`];
  }
}

/** Message for an issue in a `folds` value: [path relative to `folds`, reason]. */
function foldsMessage(issue: Issue, folds: unknown): [Segment[], string] {
  if (issue.path.length > 0) {
    const k = Number(issue.path[0]);
    return [[k], `must be one of ${enumOfFolds().join(", ")}, got ${JSON.stringify((folds as unknown[])[k])}`];
  }
  if (issue.keyword === "uniqueItems") return [[], "lists a fold twice"];
  if (typeof folds === "number") return [[], `must be an integer from 2 to 100 or a list of MovieLens fold names, got ${folds}`];
  if (Array.isArray(folds)) return [[], "is an empty list"];
  return [[], `must be a number of folds or a list of MovieLens fold names, got ${JSON.stringify(folds)}`];
}

function enumOfFolds(): string[] {
  return ((SPEC_SCHEMA.$defs as Record<string, SchemaNode>).folds.items as SchemaNode).enum as string[];
}

/** Message for an issue in a whole spec: [JSON path, reason]. */
function specMessage(issue: Issue, raw: unknown): [string, string] {
  const p = issue.path;
  const spec = raw as Record<string, unknown>;
  const models = (SPEC_SCHEMA.$defs as Record<string, SchemaNode>).modelName.enum as string[];
  if (p.length === 0) {
    if (issue.keyword === "not") return ["models", `cannot be combined with top-level "model", "params" or "grid"`];
    return ["", `spec must be a JSON object, got ${describe(raw)}`];
  }
  const top = String(p[0]);
  if (p.length === 1 && issue.keyword === "additionalProperties") {
    const keys = schemaKeys();
    return [top, `is not a spec key${hintFor(top, keys)}; known: ${keys.filter((k) => k !== "$schema").join(", ")}`];
  }
  const v = at(spec, p);
  switch (top) {
    case "name":
      return [top, `must be a non-empty string of letters, digits, '.', '_' or '-' (it names the results file), got ${describe(v)}`];
    case "description":
      return [top, "must be a string"];
    case "data":
      if (p.length === 1 && issue.keyword === "required") {
        return [top, `is required (e.g. {"kind": "synthetic"} or {"kind": "movielens-100k", "path": "…", "split": "u1"})`];
      }
      return prefixed("data", dataMessage({ ...issue, path: p.slice(1) }, spec.data));
    case "seed":
      return [top, `must be a non-negative integer, got ${describe(v)}`];
    case "evaluation": {
      if (p.length === 1) return [top, "must be an object"];
      const key = String(p[1]);
      const where = `evaluation.${key}`;
      const ev = at(spec, ["evaluation", key]);
      switch (key) {
        case "clip":
        case "history":
          return [where, `must be true or false, got ${describe(ev)}`];
        case "task":
        case "implicitValue":
          return [where, `must be ${enumOf("evaluation", key).map((x) => JSON.stringify(x)).join(" or ")}, got ${describe(ev)}`];
        case "k":
          return [where, `must be a positive integer, got ${describe(ev)}`];
        case "threshold":
          return [where, `must be a number, got ${describe(ev)}`];
        default: {
          const known = schemaKeys("evaluation");
          return [where, `is not an evaluation option${hintFor(key, known)}; known: ${known.join(", ")}`];
        }
      }
    }
    case "models": {
      if (p.length === 1) return [top, "must be a non-empty array of {model, params?, grid?}"];
      const k = Number(p[1]);
      const entry = at(spec, ["models", k]);
      if (p.length === 2) return [`models[${k}]`, `must be an object {model, params?, grid?}, got ${describe(entry)}`];
      if (p.length === 3 && issue.keyword === "additionalProperties") {
        return [`models[${k}].${String(p[2])}`, `is not a model-entry key; known: ${schemaKeys("modelEntry").join(", ")}`];
      }
      return modelFieldMessage(p.slice(2), issue, entry, `models[${k}].`, models);
    }
    case "model":
      if (issue.keyword === "required") return ["model", `is required (one of: ${models.join(", ")}), or give a "models" list`];
      return modelFieldMessage(p, issue, spec, "", models);
    case "params":
    case "grid":
      return modelFieldMessage(p, issue, spec, "", models);
    case "folds":
      return prefixed("folds", foldsMessage({ ...issue, path: p.slice(1) }, spec.folds));
    case "repeats":
      return [top, `must be an integer from 1 to 1000, got ${describe(v)}`];
    default:
      return [join("", p), `is not valid here (${issue.keyword})`];
  }
}

/** model / params / grid of one model (the single-model form, or an entry of `models`; `prefix` is its path). */
function modelFieldMessage(p: readonly Segment[], issue: Issue, entry: unknown, prefix: string, models: string[]): [string, string] {
  const field = String(p[0]);
  const v = at(entry, [field]);
  switch (field) {
    case "model":
      if (typeof v !== "string") return [`${prefix}model`, `must be a model name (one of: ${models.join(", ")}), got ${describe(v)}`];
      return [`${prefix}model`, `"${v}" is not a known model${hintFor(v, models)}; known: ${models.join(", ")}`];
    case "params":
      return [`${prefix}params`, `must be an object of fixed parameters, got ${describe(v)}`];
    case "grid": {
      if (p.length === 1) return [`${prefix}grid`, `must be an object mapping parameter names to lists of values, got ${describe(v)}`];
      const key = String(p[1]);
      const values = at(v, [key]);
      if (!Array.isArray(values)) return [`${prefix}grid.${key}`, `must be a list of values, got ${describe(values)}`];
      return [`${prefix}grid.${key}`, "is an empty list: a grid axis needs at least one value"];
    }
    default:
      return [`${prefix}${field}`, `is not valid here (${issue.keyword})`];
  }
}
